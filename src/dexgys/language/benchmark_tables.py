"""The instruction benchmark's word tables: its own words for objects, parts and hands, and its
clause, goal and avoiding templates (the scenes it writes about: :mod:`dexgys.language.benchmark_scenes`).

Written apart from the composer: nothing here comes from the composer's phrase tables or
:mod:`dexgys.language.words`' finger aliases.

* :func:`object_words`, :func:`part_words`, :func:`verb_kind`: words for a category and its parts,
  and which verbs suit a part;
* :data:`HANDS`: finger groups, their labels and phrases;
* :data:`CLAUSES` and the goal, avoid and terse tables the writer of
  :mod:`dexgys.language.benchmark` fills in.
"""

from __future__ import annotations

from dataclasses import dataclass

from dexgys.language.benchmark_items import DIGIT_LABELS

__all__ = [
    "AVOID_INLINE",
    "AVOID_SENTENCES",
    "AVOID_TERSE",
    "BY_VERBS",
    "CLAUSES",
    "FIRST_SENTENCES",
    "HANDS",
    "HEADS",
    "IMPERATIVE_ONLY",
    "LONG_GOALS",
    "LONG_OPENERS",
    "LONG_REASONS",
    "OBJECTS",
    "PART_SYNONYM_RATE",
    "PLURAL_NOUNS",
    "SQUEEZED",
    "SQUEEZE_CLAUSES",
    "SUBJECT_CLAUSES",
    "TAILS",
    "TERSE_PRESS_VERBS",
    "USE_ACTS",
    "ClauseTemplate",
    "object_words",
    "part_words",
    "verb_kind",
]

# ---------------------------------------------------------------------------------------
# words for objects and parts

PLURAL_NOUNS = {
    "binoculars",
    "eyeglasses",
    "glasses",
    "spectacles",
    "specs",
    "headphones",
    "scissors",
    "shears",
    "pincers",
    "pliers",
}

# category -> (its usual name, synonyms that name no other category)
OBJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "apple": ("apple", ()),
    "banana": ("banana", ()),
    "binoculars": ("binoculars", ()),
    "bottle": ("bottle", ("soda bottle",)),
    "bowl": ("bowl", ("dish", "soup bowl")),
    "cameras": ("camera", ("digital camera",)),
    "can": ("can", ("tin", "soda can")),
    "cup": ("cup", ("tumbler", "paper cup", "beaker")),
    "cylinder_bottle": ("cylindrical bottle", ("thermos", "flask", "water bottle")),
    "donut": ("donut", ("doughnut",)),
    "eyeglasses": ("eyeglasses", ("glasses", "spectacles", "specs")),
    "flashlight": ("flashlight", ("torch",)),
    "fryingpan": ("frying pan", ("skillet",)),
    "gamecontroller": ("game controller", ("gamepad", "controller", "joypad")),
    "hammer": ("hammer", ("mallet",)),
    "headphones": ("headphones", ("headset",)),
    "knife": ("knife", ("kitchen knife", "chef's knife")),
    "lightbulb": ("light bulb", ()),
    "lotion_pump": ("lotion pump", ("soap dispenser", "lotion dispenser", "pump dispenser")),
    "mouse": ("mouse", ("computer mouse",)),
    "mug": ("mug", ("coffee mug",)),
    "pen": ("pen", ("ballpoint", "biro")),
    "phone": ("phone", ("smartphone", "mobile", "cellphone")),
    "pincer": ("pincers", ("pliers",)),
    "power_drill": ("power drill", ("drill", "cordless drill")),
    "scissors": ("scissors", ("shears",)),
    "screwdriver": ("screwdriver", ()),
    "squeezable": ("squeeze bottle", ("squeeze tube", "ketchup bottle")),
    "stapler": ("stapler", ()),
    "teapot": ("teapot", ()),
    "toothbrush": ("toothbrush", ()),
    "trigger_sprayer": ("trigger sprayer", ("spray bottle", "sprayer", "plant mister")),
    "wineglass": ("wine glass", ("goblet",)),
    "wrench": ("wrench", ("spanner",)),
}

# "category.part" or "part" -> words for it, the plain one first
_PART_WORDS: dict[str, tuple[str, ...]] = {
    "pump_head": ("pump head", "pump top"),
    "handle_loops": ("handle loops", "finger holes", "finger loops"),
    "shutter_button": ("shutter button", "shutter release"),
    "earcups": ("earcups", "ear cups", "ear pads"),
    "headband": ("headband", "band"),
    "temples": ("temples", "arms"),
    "barrels": ("barrels", "tubes"),
    "blade": ("blade", "cutting edge", "sharp edge"),
    "blades": ("blades", "cutting edges"),
    "screen": ("screen", "display", "touchscreen"),
    "apple.stem": ("stem", "stalk"),
    "banana.stem": ("stem", "stalk"),
    "bottle.cap": ("cap", "screw cap", "lid"),
    "cylinder_bottle.cap": ("cap", "lid"),
    "squeezable.cap": ("cap", "lid"),
    "pen.tip": ("tip", "nib", "point"),
    "trigger_sprayer.head": ("head", "spray head", "sprayer head"),
    "toothbrush.head": ("head", "bristles"),
    "flashlight.switch": ("switch", "power button", "on switch"),
    "power_drill.handle": ("handle", "pistol grip"),
    "power_drill.body": ("body", "housing", "motor housing"),
    "stapler.top": ("top", "top arm"),
    "stapler.base": ("base", "base plate"),
    "wineglass.base": ("base", "foot"),
    "lightbulb.bulb": ("bulb", "glass"),
    "lightbulb.base": ("base", "screw base", "metal base"),
    "binoculars.bridge": ("bridge", "hinge"),
    "eyeglasses.frame": ("frame", "rims"),
    "gamecontroller.buttons": ("buttons", "face buttons"),
    "lotion_pump.nozzle": ("nozzle", "spout"),
}
PART_SYNONYM_RATE = 0.3


def object_words(category: str) -> tuple[str, ...]:
    """The words the benchmark uses for a category: its usual name, then its synonyms."""
    name, synonyms = OBJECTS[category]
    return (name, *synonyms)


def part_words(category: str, part: str) -> tuple[str, ...]:
    return _PART_WORDS.get(f"{category}.{part}") or _PART_WORDS.get(part) or (part.replace("_", " "),)


def verb_kind(category: str, part: str) -> str:
    """``press`` | ``cap`` | ``loop`` | ``grip``: which verbs suit the part."""
    if part in ("trigger", "pump_head", "buttons", "switch", "shutter_button", "screen") or (category, part) == (
        "stapler",
        "top",
    ):
        return "press"
    if part in ("cap", "lid"):
        return "cap"
    if (category, part) in (("mug", "handle"), ("teapot", "handle"), ("scissors", "handle_loops")):
        return "loop"
    return "grip"


SQUEEZED = {("squeezable", "body"), ("pincer", "handles")}  # parts that "use" squeezes

# ---------------------------------------------------------------------------------------
# words for hands


@dataclass(frozen=True)
class _Hand:
    """A finger group: the hand parts it labels ("rest": the digits not yet named), its class
    (``S`` one digit, ``P`` a pair, ``M`` several digits, ``W`` whole hand, ``F`` fist, ``L`` palm),
    its phrases ``(text, plural, is_synonym)`` and its terse words ``(text, is_synonym)``."""

    labels: tuple[str, ...] | str
    cls: str
    phrases: tuple[tuple[str, bool, bool], ...]
    terse: tuple[tuple[str, bool], ...]
    exclusion: bool = False


HANDS: dict[str, _Hand] = {
    "thumb": _Hand(("thumb",), "S", (("your thumb", False, False),), (("thumb", False),)),
    "index": _Hand(
        ("forefinger",),
        "S",
        (
            ("your forefinger", False, False),
            ("your index finger", False, True),
            ("your pointer finger", False, True),
            ("your first finger", False, True),
            ("your pointer", False, True),
        ),
        (("forefinger", False), ("index", True), ("pointer", True), ("index finger", True)),
    ),
    "little": _Hand(
        ("little",),
        "S",
        (
            ("your little finger", False, False),
            ("your pinky", False, True),
            ("your little one", False, True),
            ("your pinkie", False, True),
        ),
        (("little finger", False), ("pinky", True)),
    ),
    "index_not_thumb": _Hand(
        ("forefinger",),
        "S",
        (("your index finger, not your thumb", False, True), ("your forefinger rather than your thumb", False, False)),
        (("index, not thumb", True),),
        exclusion=True,
    ),
    "pinch": _Hand(
        ("thumb", "forefinger"),
        "P",
        (
            ("your thumb and forefinger", True, False),
            ("your thumb and index finger", True, True),
            ("your thumb and pointer", True, True),
            ("two fingers", True, True),
        ),
        (("thumb and forefinger", False), ("two fingers", True), ("thumb and index", True)),
    ),
    "first_two": _Hand(
        ("forefinger", "middle"),
        "P",
        (
            ("your forefinger and middle finger", True, False),
            ("your first two fingers", True, True),
            ("your index and middle fingers", True, True),
            ("your pointer and middle fingers", True, True),
        ),
        (("first two fingers", True), ("index and middle", True)),
    ),
    "thumb_little": _Hand(
        ("thumb", "little"),
        "P",
        (("your thumb and little finger", True, False), ("your thumb and pinky", True, True)),
        (("thumb and pinky", True),),
    ),
    "thumb_middle": _Hand(
        ("thumb", "middle"),
        "P",
        (("your thumb and middle finger", True, False),),
        (("thumb and middle finger", False),),
    ),
    "tripod": _Hand(
        ("thumb", "forefinger", "middle"),
        "M",
        (
            ("your thumb, forefinger and middle finger", True, False),
            ("your thumb and first two fingers", True, True),
            ("your thumb, index and middle fingers", True, True),
        ),
        (("thumb, index, middle", True), ("thumb and first two fingers", True)),
    ),
    "three_base": _Hand(
        ("forefinger", "middle", "ring"),
        "M",
        (
            ("your forefinger, middle and ring fingers", True, False),
            ("your index, middle and ring fingers", True, True),
        ),
        (("index, middle, ring", True),),
    ),
    "four": _Hand(
        ("forefinger", "middle", "ring", "little"),
        "M",
        (("your four fingers", True, False), ("four fingers", True, False)),
        (("four fingers", False),),
    ),
    "all5": _Hand(
        DIGIT_LABELS,
        "M",
        (("all five fingers", True, False), ("all your fingers", True, False)),
        (("all fingers", False), ("five fingers", False)),
    ),
    "all_but_little": _Hand(
        ("thumb", "forefinger", "middle", "ring"),
        "M",
        (
            ("every finger but your pinky", True, True),
            ("all your fingers except the little one", True, True),
            ("all fingers except your little finger", True, False),
        ),
        (("all but pinky", True),),
        exclusion=True,
    ),
    "rest": _Hand(
        "rest",
        "M",
        (
            ("the rest of your fingers", True, False),
            ("your other fingers", True, False),
            ("the remaining fingers", True, False),
        ),
        (("others", False), ("other fingers", False)),
    ),
    "whole": _Hand(
        (*DIGIT_LABELS, "palm"),
        "W",
        (("your whole hand", False, True), ("your entire hand", False, True), ("your full hand", False, True)),
        (("whole hand", True),),
    ),
    "fist": _Hand((*DIGIT_LABELS, "palm"), "F", (("your fist", False, True),), (("fist", True),)),
    "palm": _Hand(
        ("palm",), "L", (("your palm", False, False), ("the heel of your hand", False, True)), (("palm", False),)
    ),
}

# ---------------------------------------------------------------------------------------
# clause templates: {F} the hand phrase, {P} the part (or object) phrase with its determiner


@dataclass(frozen=True)
class ClauseTemplate:
    text: str
    hands: str  # hand classes it suits (see _Hand), "N" for no hand named
    parts: frozenset[str] = frozenset()  # only these parts (empty: any part of the kind)
    intents: str = "any"  # "use" | "grasp" (hold, lift, hand over) | "any"


def _t(text: str, hands: str, parts: str = "", intents: str = "any") -> ClauseTemplate:
    return ClauseTemplate(text, hands, frozenset(parts.split()), intents)


CLAUSES: dict[str, tuple[ClauseTemplate, ...]] = {
    "press": (  # to hold an object by a button, the hand only rests on it
        _t("press {P} with {F}", "SPML", intents="use"),
        _t("put {F} on {P}", "SPM"),
        _t("use {F} to press {P}", "SPML", intents="use"),
        _t("press {P}", "N", intents="use"),
        _t("rest {F} on {P}", "SL", intents="grasp"),
        _t("grab {P}", "N", intents="grasp"),
        _t("squeeze {P} with {F}", "SP", "trigger", "use"),
        _t("pull {P} back with {F}", "SP", "trigger", "use"),
        _t("curl {F} over {P}", "SP", "trigger", "use"),
        _t("pull {P}", "N", "trigger", "use"),
        _t("push {P} down with {F}", "SPML", "pump_head top", "use"),
        _t("push down on {P} with {F}", "SL", "pump_head top", "use"),
        _t("push {P} down", "N", "pump_head top", "use"),
        _t("click {P} with {F}", "SP", "buttons shutter_button", "use"),
        _t("tap {P} with {F}", "S", "screen shutter_button", "use"),
        _t("swipe across {P} with {F}", "S", "screen", "use"),
        _t("flick {P} with {F}", "S", "switch", "use"),
    ),
    "cap": (
        _t("twist {P} with {F}", "SPM", intents="use"),
        _t("unscrew {P} with {F}", "PM", intents="use"),
        _t("twist {P} between {F}", "P", intents="use"),
        _t("twist {P}", "N", intents="use"),
        _t("unscrew {P}", "N", intents="use"),
        _t("pinch {P} between {F}", "P", intents="grasp"),
        _t("grip {P} with {F}", "PM", intents="grasp"),
        _t("pinch {P}", "N", intents="grasp"),
    ),
    "loop": (
        _t("hook {F} through {P}", "PM"),
        _t("slide {F} into {P}", "PM"),
        _t("put {F} through {P}", "PM"),
        _t("rest {F} on {P}", "S"),
        _t("grab {P}", "N"),
        _t("hold {P}", "N"),
    ),
    "grip": (
        _t("wrap {F} around {P}", "PMW"),
        _t("grip {P} with {F}", "PMW"),
        _t("grab {P} with {F}", "PMW"),
        _t("close {F} around {P}", "PMWF"),
        _t("curl {F} around {P}", "M"),
        _t("hold {P} in {F}", "FL"),
        _t("cradle {P} in {F}", "LW"),
        _t("support {P} with {F}", "SL"),
        _t("pinch {P} between {F}", "P"),
        _t("rest {F} on {P}", "SL"),
        _t("let {P} rest against {F}", "L"),
        _t("grab {P}", "N"),
        _t("grip {P}", "N"),
        _t("take hold of {P}", "N"),
        _t("hold {P}", "N"),
    ),
}
SQUEEZE_CLAUSES = (_t("squeeze {P} with {F}", "PMW"), _t("squeeze {P} in {F}", "F"), _t("squeeze {P}", "N"))
# the subject form of a clause, for a second sentence ("Your index finger goes on the trigger.")
SUBJECT_CLAUSES = ("{F} {goes} on {P}", "{F} should rest on {P}")

# ---------------------------------------------------------------------------------------
# goals, by intent ({o}: the object phrase)

USE_ACTS: dict[str, tuple[str, ...]] = {
    "trigger_sprayer": ("spray with {o}", "spray the plants with {o}"),
    "power_drill": ("make a hole in the wall with {o}", "bore a hole with {o}", "put a screw in with {o}"),
    "knife": ("cut with {o}", "slice bread with {o}"),
    "scissors": ("cut paper with {o}", "snip a ribbon with {o}"),
    "lotion_pump": ("pump some lotion from {o}", "get a squirt of soap from {o}"),
    "mug": ("drink from {o}", "sip coffee from {o}"),
    "cup": ("drink from {o}", "take a sip from {o}"),
    "can": ("drink from {o}", "take a sip from {o}"),
    "bottle": ("open {o}", "pour a drink from {o}"),
    "hammer": ("hammer a nail with {o}", "drive a nail in with {o}"),
    "screwdriver": ("drive a screw with {o}", "turn a screw with {o}"),
    "wrench": ("tighten a bolt with {o}", "loosen a nut with {o}"),
    "pen": ("write with {o}", "sign your name with {o}"),
    "toothbrush": ("brush your teeth with {o}",),
    "flashlight": ("switch {o} on", "turn {o} on"),
    "cameras": ("take a photo with {o}", "snap a picture with {o}"),
    "mouse": ("click with {o}",),
    "phone": ("type a message on {o}", "scroll through {o}"),
    "gamecontroller": ("play a game with {o}",),
    "stapler": ("staple some papers with {o}",),
    "binoculars": ("look through {o}", "watch birds through {o}"),
    "headphones": ("put {o} on",),
    "lightbulb": ("screw {o} in", "screw {o} into the lamp"),
    "wineglass": ("sip from {o}", "drink from {o}"),
    "squeezable": ("squeeze some sauce out of {o}", "squeeze a dab out of {o}"),
    "fryingpan": ("cook with {o}", "flip a pancake in {o}"),
    "banana": ("peel {o}",),
    "pincer": ("pull a nail out with {o}", "bend a wire with {o}"),
}
HEADS: dict[str, tuple[str, ...]] = {  # a goal before the clauses: "{Head}, {clauses}."
    "use": ("To {act}", "If you want to {act}", "When you {act}"),
    "hold": ("To keep {o} steady", "When you hold {o}", "To get a firm hold on {o}"),
    "lift": ("To pick {o} up", "When you lift {o}", "To raise {o} off the table"),
    "hand over": ("To pass {o} over", "When you give {o} to someone", "To hand {o} across to a friend"),
}
TAILS: dict[str, tuple[str, ...]] = {  # a goal after them: "{Clauses}{tail}."
    "use": (" to {act}",),
    "hold": (" to hold {o} steady", " to keep a good hold on {o}"),
    "lift": (" to pick {o} up", " and lift {o}", " and raise {o} off the table"),
    "hand over": (" to pass {o} over", " and hand {o} to me", " and give {o} to the person next to you"),
}
BY_VERBS: dict[str, tuple[str, ...]] = {  # "{Verb} by the {part}"
    "hold": ("Grab {o}", "Grip {o}", "Hold {o}", "Take hold of {o}", "Grasp {o}"),
    "lift": ("Pick {o} up", "Lift {o}", "Raise {o}"),
    "hand over": ("Pass {o} over", "Hand {o} to me", "Give {o} to a friend"),
}
FIRST_SENTENCES: dict[str, tuple[str, ...]] = {
    "use": ("I want to {act}.", "Let's {act}.", "Time to {act}."),
    "hold": ("Hold {o} steady.", "Grab {o}.", "Take hold of {o}."),
    "lift": ("Pick {o} up.", "Lift {o} off the table."),
    "hand over": ("Pass {o} to me.", "Hand {o} over to your friend.", "Give {o} to the person next to you."),
}
LONG_GOALS: dict[str, tuple[str, ...]] = {
    "use": ("{act}",),
    "hold": ("hold {o} steady for a few seconds", "keep {o} firmly in place"),
    "lift": ("pick {o} up off the table", "lift {o} slowly off the counter"),
    "hand over": ("pass {o} over to the person next to you", "hand {o} to your friend"),
}
LONG_OPENERS = ("I'd like you to", "Could you please", "When you get a moment, please", "Please go ahead and")
LONG_REASONS: dict[str, tuple[str, ...]] = {  # {it}: "it" or "them"
    "use": ("everything works the way it should", "you stay in full control of {it}"),
    "hold": ("nothing slips at all", "your grip stays steady the whole time"),
    "lift": ("you lift {it} cleanly off the table", "nothing tips over"),
    "hand over": ("the other person can take {it} easily", "your friend can take {it} without fumbling"),
}

# parts to keep free: (template, list conjunction, hand over only); {A} the parts. Inline ones
# starting " and" / " but" follow imperative clauses only.
AVOID_INLINE = (
    (", without touching {A}", "or", False),
    (", keeping {A} free", "and", False),
    (" and keep {A} free", "and", False),
    (" but don't put fingers on {A}", "or", False),
    (", keeping your fingers off {A}", "and", False),
    (", not touching {A}", "or", False),
    (", leaving {A} alone", "and", False),
    ("; avoid {A}", "and", False),
    (" and stay away from {A}", "and", False),
    (", leaving {A} free for them", "and", True),
)
IMPERATIVE_ONLY = (" and", " but")
AVOID_SENTENCES = (
    ("Don't touch {A}.", "or", False),
    ("Keep {A} free.", "and", False),
    ("Keep your fingers off {A}.", "and", False),
    ("Do not put fingers on {A}.", "or", False),
    ("Leave {A} alone.", "and", False),
    ("Stay clear of {A}.", "and", False),
    ("Leave {A} free for the other person.", "and", True),
)
AVOID_TERSE = (
    ("avoid {A}", "and"),
    ("{A} free", "and"),
    ("no fingers on {A}", "or"),
    ("don't touch {A}", "or"),
    ("keep off {A}", "and"),
)
TERSE_PRESS_VERBS = {
    "trigger": ("press", "pull", "squeeze"),
    "pump_head": ("press", "push down"),
    "top": ("press", "push down"),
    "buttons": ("press", "click"),
    "screen": ("tap",),
    "switch": ("flick", "press"),
    "shutter_button": ("press", "click"),
}
