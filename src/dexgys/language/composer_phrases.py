"""The composer's phrase tables: which verbs suit a part, how to name fingers and the object, how to open and close.

* :func:`part_kind`: ``press`` | ``cap`` | ``loop`` | ``handle`` | ``small`` | ``body``, which decides
  the verbs (press/pull a trigger, pinch or twist a cap, hook fingers through a handle, wrap
  fingers around a body...);
* :class:`Template` and :func:`clause_templates`: the ways of saying "fingers F touch part P" for a
  part kind and an intent; :data:`PALM_TEMPLATES` for the palm alone;
* :func:`finger_options`: the ways of naming a finger group ("your forefinger", "your index and
  middle fingers", "your other fingers", "all five fingers"); :func:`object_phrase`: the object;
* :data:`OPENERS` (the brief guidance a sentence starts from), :data:`FREE_TAILS` (parts left free)
  and :data:`SHORT_TAILS` (a short sentence's ending).

Read by :mod:`dexgys.language.composer`, which plans and realises the sentence.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from dexgys.language.words import DIGITS, category_phrase, indefinite, is_plural_category, join_list

__all__ = [
    "FINGER_NAMES",
    "FREE_TAILS",
    "KIND_RANK",
    "OPENERS",
    "PALM_TEMPLATES",
    "SHORT_TAILS",
    "WITH_PREP",
    "Template",
    "clause_templates",
    "finger_options",
    "object_phrase",
    "part_kind",
]

# ---------------------------------------------------------------------------------------
# parts: what kind of thing is it, so which verbs fit

_KIND_KEYWORDS: dict[str, set[str]] = {
    "press": {
        "trigger",
        "triggers",
        "button",
        "buttons",
        "pump",
        "switch",
        "switches",
        "key",
        "keys",
        "plunger",
        "lever",
        "actuator",
        "shutter",
        "clicker",
        "pad",
        "dpad",
        "joystick",
        "wheel",
    },
    "cap": {"cap", "lid", "cork", "stopper", "knob", "plug", "cover"},
    "loop": {"loop", "loops", "ring", "rings", "hole", "holes", "bow", "eye", "eyes"},
    "handle": {
        "handle",
        "handles",
        "grip",
        "grips",
        "stem",
        "shaft",
        "neck",
        "arm",
        "arms",
        "temple",
        "temples",
        "band",
        "headband",
        "bail",
        "bar",
        "hilt",
        "barrel",
        "strap",
        "shank",
        "leg",
        "legs",
        "stick",
        "pole",
        "rod",
        "tube",
        "barrels",
    },
    "small": {
        "blade",
        "blades",
        "spine",
        "edge",
        "jaw",
        "jaws",
        "tip",
        "tips",
        "bristles",
        "bristle",
        "nib",
        "point",
        "spout",
        "nozzle",
        "lens",
        "lenses",
        "rim",
        "earcup",
        "earcups",
        "bridge",
        "screen",
        "ear",
        "ears",
        "claw",
        "chuck",
        "eyepiece",
        "eyepieces",
        "hair",
    },
}
KIND_RANK = {"press": 0, "cap": 1, "loop": 2, "handle": 3, "small": 4, "body": 5}
# Categories whose "handle" is a closed loop you put fingers through.
_LOOP_HANDLE_CATEGORIES = {"mug", "cup", "teapot", "scissors"}
# (category, part) pairs whose kind the part name alone does not tell.
_KIND_OVERRIDES = {("stapler", "top"): "press"}
_PAIR_CATEGORIES = {"scissors", "eyeglasses", "binoculars", "headphones", "pincers"}


def part_kind(part: str, category: str = "") -> str:
    """``press`` | ``cap`` | ``loop`` | ``handle`` | ``small`` | ``body`` (decides the verbs)."""
    if (category, part) in _KIND_OVERRIDES:
        return _KIND_OVERRIDES[(category, part)]
    words = part.split("_")
    if category in _LOOP_HANDLE_CATEGORIES and "handle" in words:
        return "loop"
    for kind in ("press", "cap", "loop", "handle", "small"):
        if any(w in _KIND_KEYWORDS[kind] for w in words):
            return kind
    return "body"


# ---------------------------------------------------------------------------------------
# clause templates


@dataclass(frozen=True)
class Template:
    """One way of saying "fingers F touch part P".

    pat: ``A`` "verb P with F" | ``B`` "verb F prep P" | ``C`` "verb P between F1 and F2"
         | ``U`` "use F to verb P" | ``E`` "verb P prep your palm" (palm only).
    """

    pat: str
    verb: str
    prep: str = ""  # B, E: preposition; A, U: particle after the verb ("push down on")
    vi: str = ""  # B, E: intransitive verb for "F <vi> prep P" / "P <vi> prep your palm"
    advs: tuple[str, ...] = ()
    nmin: int = 1
    nmax: int = 6
    weight: float = 1.0


_FIRM = ("firmly", "securely")
WITH_PREP = {"into": "in"}  # "with your thumb in the loop", not "into the loop"
_SOFT = ("gently", "lightly")


def clause_templates(kind: str, intent: str, part: str) -> list[Template]:
    act = intent == "use"
    words = set(part.split("_"))
    T = Template
    if kind == "press":
        if act:
            out = [
                T("A", "press", advs=("firmly", "gently")),
                T("A", "push", "down on", weight=0.7),
                T("B", "press", "on", "press", advs=("firmly",), weight=0.5),
                T("B", "place", "on", "rest", weight=0.4),
                T("B", "rest", "on", "rest", advs=_SOFT, weight=0.3),
                T("U", "press", weight=0.6),
                T("A", "depress", weight=0.3),
            ]
            if "trigger" in words or "triggers" in words:
                out += [
                    T("A", "pull", advs=("gently", "firmly"), nmax=2),
                    T("A", "squeeze", nmax=2),
                    T("B", "hook", "over", "hook", nmax=2),
                    T("U", "pull", nmax=2, weight=0.5),
                ]
            return out
        return [
            T("B", "rest", "on", "rest", advs=_SOFT),
            T("B", "place", "on", "rest"),
            T("B", "keep", "on", "stay"),
            T("B", "lay", "on", "lie", weight=0.5),
            T("B", "set", "on", "sit", weight=0.5),
        ]
    if kind == "cap":
        out = [
            T("A", "grip", advs=_FIRM),
            T("A", "pinch", nmax=3),
            T("C", "pinch", nmin=2, nmax=2),
            T("C", "hold", nmin=2, nmax=2),
            T("B", "rest", "on", "rest", nmax=2),
            T("B", "close", "around", "close", nmin=2),
            T("A", "grasp", weight=0.6),
        ]
        if act:
            out += [
                T("A", "twist", advs=("gently",), weight=1.2),
                T("U", "twist", weight=0.6),
                T("A", "turn", weight=0.5),
            ]
        return out
    if kind == "loop":
        return [
            T("B", "hook", "through", "hook"),
            T("B", "slip", "into", "slip"),
            T("B", "put", "through", "pass", weight=0.6),
            T("B", "insert", "into", "sit", weight=0.6),
            T("B", "loop", "through", "loop", weight=0.5),
            T("A", "grip", advs=_FIRM, weight=0.5),
            T("B", "curl", "around", "curl", weight=0.5),
        ]
    if kind == "handle":
        return [
            T("A", "grip", advs=_FIRM),
            T("A", "grasp", advs=_FIRM),
            T("A", "hold", advs=_FIRM),
            T("A", "clasp", weight=0.6),
            T("B", "wrap", "around", "wrap", advs=("firmly", "tightly")),
            T("B", "curl", "around", "curl"),
            T("B", "close", "around", "close", nmin=2, weight=0.6),
            T("B", "rest", "on", "rest", nmax=1, advs=_SOFT),
            T("B", "place", "on", "rest", nmax=1),
            T("A", "clutch", nmin=2, weight=0.4 if act else 0.7),
        ]
    if kind == "small":
        return [
            T("A", "pinch", nmax=3),
            T("C", "pinch", nmin=2, nmax=2),
            T("C", "hold", nmin=2, nmax=2),
            T("A", "steady", advs=_SOFT),
            T("B", "rest", "on", "rest", advs=_SOFT),
            T("B", "place", "on", "rest"),
            T("B", "lay", "along", "lie", nmax=2, weight=0.5),
            T("A", "hold", weight=0.7),
        ]
    # bulky bodies
    return [
        T("A", "hold", advs=_FIRM),
        T("A", "grip", advs=_FIRM),
        T("A", "grasp", advs=_FIRM),
        T("A", "support", nmax=3),
        T("A", "steady", nmax=3),
        T("A", "clasp", nmin=2, weight=0.6),
        T("A", "cup", nmin=3, weight=0.5),
        T("A", "brace", nmax=1, weight=0.6),
        T("B", "wrap", "around", "wrap", nmin=2, advs=("firmly", "snugly")),
        T("B", "curl", "around", "curl", nmin=2),
        T("B", "close", "around", "close", nmin=2, weight=0.6),
        T("B", "place", "on", "rest", nmax=2),
        T("B", "rest", "on", "rest", nmax=2, advs=_SOFT),
        T("B", "keep", "on", "stay", nmax=3, weight=0.6),
        T("B", "press", "against", "press", nmax=1),
        T("B", "brace", "against", "brace", nmax=1, weight=0.5),
    ]


PALM_TEMPLATES = [
    Template("E", "cradle", "in", "rest", advs=("gently",)),
    Template("E", "rest", "against", "rest"),
    Template("E", "press", "into", "press", advs=("firmly",), weight=0.6),
    Template("E", "nestle", "in", "sit", weight=0.5),
    Template("E", "keep", "against", "stay", weight=0.6),
    Template("E", "settle", "into", "settle", weight=0.4),
    Template("A", "support", weight=0.8),
    Template("A", "steady", weight=0.6),
    Template("B", "press", "against", "press", weight=0.6),
    Template("B", "rest", "on", "rest", weight=0.5),
]

# ---------------------------------------------------------------------------------------
# finger names

FINGER_NAMES = {
    "thumb": ("thumb",),
    "forefinger": ("forefinger", "forefinger", "index finger"),
    "middle": ("middle finger",),
    "ring": ("ring finger",),
    "little": ("little finger", "little finger", "pinky"),
}
_ADJ = {"forefinger": "index", "middle": "middle", "ring": "ring", "little": "little"}
_NUM = {2: "two", 3: "three", 4: "four"}


def finger_options(fingers: Sequence[str], mentioned: set[str], palm: bool) -> list[tuple[str, bool]]:
    """Ways to name a finger group: ``(phrase with its determiner, is_plural)``.

    ``mentioned`` holds the fingers named earlier in the sentence: "your other fingers"
    is offered only when the group is exactly the fingers not yet named.
    """
    F = [f for f in DIGITS if f in fingers]
    n = len(F)
    # each option: (determiner, list items, plural); the palm joins as one more list item
    opts: list[tuple[str, list[str], bool]] = []
    if n == 0:
        return [("your palm", False)]
    if n == 1:
        opts += [("your", [w], False) for w in FINGER_NAMES[F[0]]]
    else:
        rest = [f for f in F if f != "thumb"]
        if n <= 3:
            if "thumb" not in F:
                opts.append(("your", [f"{join_list([_ADJ[f] for f in F])} fingers"], True))
                if n == 2:
                    opts.append(("your", [FINGER_NAMES[f][0] for f in F], True))
            elif len(rest) == 1:
                opts += [("your", ["thumb", w], True) for w in FINGER_NAMES[rest[0]]]
            else:
                opts.append(("your", [f"thumb, {join_list([_ADJ[f] for f in rest])} fingers"], True))
                opts.append(("your", ["thumb"] + [FINGER_NAMES[f][0] for f in rest], True))
        complement = [f for f in DIGITS if f not in mentioned]
        if mentioned & set(DIGITS) and complement == F:
            opts += [
                ("your", ["other fingers"], True),
                ("the", ["other fingers"], True),
                ("your", ["remaining fingers"], True),
                ("the", [f"remaining {_NUM[n]} fingers"], True),
                ("your", [f"other {_NUM[n]} fingers"], True),
                ("the", ["rest of your fingers"], True),
            ]
        if n == 5:
            opts += [("", ["all five fingers"], True), ("", ["all your fingers"], True)]
        if F == list(DIGITS[1:]) and "thumb" not in mentioned:
            opts.append(("your", ["four fingers"], True))
        if not opts:  # four fingers, thumb included: no shorter true name
            opts.append(("your", [f"thumb, {join_list([_ADJ[f] for f in rest])} fingers"], True))
    out = []
    for det, items, plural in opts:
        if palm:
            items = items + (["palm"] if det == "your" else ["your palm"])
            plural = True
        text = join_list(items)
        out.append((f"{det} {text}" if det else text, plural))
    return out


# ---------------------------------------------------------------------------------------
# openings and endings


OPENERS = {
    # (infinitive phrase, gerund phrase, weight); {o} is the object phrase
    "use": [("use {o}", "using {o}", 1.0)],
    "hold": [
        ("hold {o}", "holding {o}", 1.0),
        ("keep a firm hold on {o}", "keeping a firm hold on {o}", 0.12),
        ("grasp {o}", "grasping {o}", 0.15),
    ],
    "lift": [
        ("lift {o}", "lifting {o}", 0.7),
        ("pick up {o}", "picking up {o}", 0.45),
        ("lift {o} off the table", "lifting {o} off the table", 0.12),
        ("raise {o}", "raising {o}", 0.1),
    ],
    "hand over": [
        ("hand over {o}", "handing over {o}", 0.8),
        ("hand {o} to someone", "handing {o} to someone", 0.25),
        ("pass {o} to someone", "passing {o} to someone", 0.3),
        ("hand {o} to another person", "handing {o} to another person", 0.12),
    ],
}
FREE_TAILS = [
    (", leaving {P} free for the receiver", 1.0),
    (", keeping {P} free for the other person", 0.6),
    (", leaving {P} clear for the person taking it", 0.4),
    (", so {P} {stay} free for the receiver", 0.5),
    (" and leave {P} free for the receiver", 0.5),  # imperative bodies only
    (", leaving {P} untouched", 0.4),
    (", leaving {P} free", 0.8),
    (", keeping {P} clear", 0.4),
]
SHORT_TAILS = [
    ", keeping it steady",
    " for a stable grip",
    " for a secure hold",
    " to keep it stable",
    " so it does not slip",
    ", holding it steady",
]


# ---------------------------------------------------------------------------------------
# the object


def object_phrase(rng: random.Random, category: str) -> str:
    words = category_phrase(category)
    if is_plural_category(category):
        if words in _PAIR_CATEGORIES and rng.random() < 0.3:
            return f"a pair of {words}"
        return f"the {words}"
    return f"the {words}" if rng.random() < 0.75 else indefinite(words)
