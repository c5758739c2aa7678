"""The reader's word tables and patterns: the words and regexes :mod:`dexgys.language.reading` reads with.

* verbs of each intent (every inflection) and the regexes that find an intent
  phrase, a negation, a goal ("to drink"), a hand on the object ("press your palm against ...");
* finger words and patterns (one finger, finger groups, "the other fingers", a finger left out);
* :data:`PART_WORDS` (other words for a part name) and, per category, words for a part only it uses;
  :data:`OBJECT_WORDS` (other names for a catalogue object);
* the small word classes (prepositions, conjunctions, determiners...) and the avoiding phrases
  ("without touching ...", "... free");
* :func:`noun_forms`: a phrase with its last word singular and plural.

Plain data only: tables and regex sources, no reading logic.
"""

from __future__ import annotations

from dexgys.language.words import DIGITS, FINGERS

__all__ = [
    "AVOID_AFTER",
    "AVOID_BEFORE",
    "AVOID_VERBS",
    "A_HOLD_BEFORE",
    "BUT_EXCEPT",
    "CATEGORY_PART_WORDS",
    "CLAUSE_BREAK",
    "CONJUNCTIONS",
    "CURL",
    "DETERMINERS",
    "FINGER_CLAUSE_BREAK",
    "FINGER_GROUPS",
    "FINGER_LIST_GAP",
    "FINGER_NOUNS",
    "FINGER_OFF",
    "FINGER_PATTERNS",
    "FINGER_PATTERN_WORDS",
    "FOUR",
    "FREE",
    "GOAL_BEFORE",
    "HAND_CONTACT",
    "INTENT_PATTERNS",
    "NEGATION",
    "NOUN_BEFORE",
    "OBJECT_WORDS",
    "OTHERS",
    "PART_WORDS",
    "PREPOSITIONS",
    "THREE",
    "TWO",
    "USE_A_HAND",
    "VERB_FORMS",
    "VERB_NOUN_NEXT",
    "VERB_OBJECT",
    "noun_forms",
]

# ---------------------------------------------------------------------------------------
# vocabulary


def _verb_forms(base: str) -> set[str]:
    """grip -> grip, grips, gripped, gripping; use -> use, uses, used, using; fry -> fries, fried."""
    if base[-1] == "y" and base[-2] not in "aeiou":
        return {base, base[:-1] + "ies", base[:-1] + "ied", base + "ing"}
    stem = base[:-1] if base.endswith("e") and not base.endswith(("ee", "ye")) else base
    double = (
        len(base) > 2
        and base[-1] in "bdgmnprt"
        and base[-2] in "aeiou"
        and base[-3] not in "aeiou"
        and not base.endswith(("en", "er", "on"))
    )
    ing = (base + base[-1] if double else stem) + "ing"
    ed = base + "d" if base.endswith("e") else (base + base[-1] if double else base) + "ed"
    s = base + "es" if base.endswith(("s", "sh", "ch", "x", "z")) else base + "s"
    return {base, s, ing, ed}


def _verbs(bases: tuple[str, ...]) -> str:
    """A regex alternation of every form of the verbs, longest first."""
    return "|".join(sorted({f for b in bases for f in _verb_forms(b)}, key=len, reverse=True))


def noun_forms(phrase: str) -> set[str]:
    """The phrase with its last word singular and plural: "ear cup" -> ear cup, ear cups."""
    head, _, last = phrase.rpartition(" ")
    forms = {last}
    if last.endswith("ies") and len(last) > 4:
        forms.add(last[:-3] + "y")
    elif last.endswith(("sses", "shes", "ches", "xes")):
        forms.add(last[:-2])
    elif last.endswith("s") and not last.endswith("ss") and len(last) > 3:
        forms.add(last[:-1])
    if last.endswith(("s", "sh", "ch", "x")):
        forms.add(last + "es")
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        forms.add(last[:-1] + "ies")
    else:
        forms.add(last + "s")
    return {f"{head} {f}".strip() for f in forms}


_USE_VERBS = (
    "use",
    "operate",
    "press",
    "push",
    "squeeze",
    "pull",
    "spray",
    "mist",
    "squirt",
    "pump",
    "pour",
    "dispense",
    "cut",
    "slice",
    "chop",
    "snip",
    "trim",
    "carve",
    "write",
    "sign",
    "draw",
    "drink",
    "sip",
    "click",
    "type",
    "text",
    "scroll",
    "swipe",
    "tap",
    "dial",
    "brush",
    "comb",
    "hammer",
    "drill",
    "bore",
    "drive",
    "screw",
    "unscrew",
    "tighten",
    "loosen",
    "twist",
    "switch",
    "flick",
    "snap",
    "shoot",
    "photograph",
    "film",
    "play",
    "staple",
    "peel",
    "eat",
    "bite",
    "cook",
    "fry",
    "flip",
    "stir",
    "bend",
    "open",
    "watch",
    "wear",
    "apply",
    "shine",
    "fire",
    "spritz",
    "nail",
    "pry",
    "clamp",
)
_HOLD_VERBS = (
    "hold",
    "grasp",
    "grip",
    "grab",
    "clutch",
    "clasp",
    "pinch",
    "wrap",
    "cup",
    "cradle",
    "carry",
    "support",
    "steady",
    "seize",
    "hook",
)
# verbs after which a single word stands where a noun goes ("grab rims")
VERB_FORMS = frozenset(
    f
    for b in (*_USE_VERBS, *_HOLD_VERBS, "lift", "raise", "pass", "rest", "put", "place", "take", "give", "hand")
    for f in _verb_forms(b)
)
INTENT_PATTERNS: dict[str, str] = {
    "hand over": r"\bhand(?:s|ed|ing)?\s+(?:it\s+|them\s+)?(?:over|across)\b|\bhand(?:s|ed|ing)?\s+"
    r"(?:the|a|an|it|this|that|them|thing)\b[^,.;:]*?\b(?:to|over|across)\b|"
    r"\bhand(?:s|ed)?\s+(?:me|him|her|us)\b|"
    r"\b(?:pass|passes|passed|passing)\b(?!\s+(?:\w+\s+){0,2}?(?:fingers?|thumbs?)\s+(?:through|into))|"
    r"\b(?:give|gives|giving|gave|offer|offers|offering|offered)\b",
    "lift": r"\b(?:lift|lifts|lifted|lifting|raise|raises|raised|raising|hoist|hoists|hoisting)\b|"
    r"\bpick(?:s|ed|ing)?\s+(?:\w+\s+){0,3}?up\b",
    "hold": rf"\b(?:{_verbs(_HOLD_VERBS)}|held)\b|"
    r"\bkeep(?:s|ing)?\s+(?:\w+\s+){1,3}?(?:steady|still|in place|firm|firmly|secure|level|upright)\b|"
    r"\b(?:take|taking|took|get|getting|keep|keeping|keeps)\s+(?:a\s+)?(?:\w+\s+)?hold\b|"
    r"\b(?:close|closes|closing|curl|curls|curling)\b(?=[^,.;:]*\baround\b)",
    "use": rf"\b(?:{_verbs(_USE_VERBS)})\b(?!\s+(?:hand|palm|fist)\b)|\blook(?:s|ing)?\s+(?:through|into)\b|"
    r"\b(?:put|puts|putting|try|tries|trying)\s+(?:it|them|(?:the|your)\s+(?:\w+\s+)?\w+)\s+on\b"
    r"(?!\s+(?:the|its|their|your|a|an|top)\b)|"
    r"\bturn(?:s|ed|ing)?\s+(?:\w+\s+){0,2}?(?:on|off)\b|"
    r"\bturn(?:s|ed|ing)?\s+(?:a|the)\s+(?:screw|bolt|nut|key|page)s?\b|"
    r"\b(?:take|taking|snap|snapping|get|getting|have|make|making)\s+(?:a|an|some)\s+(?:\w+\s+)?"
    r"(?:sip|drink|photo|picture|shot|snapshot|selfie|bite|squirt|dab|call|hole|note|cut)\b",
}
# "use your thumb to press ...": the verb names a hand part, not an intent
USE_A_HAND = (
    r"\b(?:use|uses|using|used)\s+(?=(?:your|the|my|both|two|three|four|five|all|an?)?\s*(?:\w+\s+){0,2}?"
    r"(?:fingers?|thumbs?|hands?|palms?|fists?|index|pointer|pinky|pinkie|forefingers?|heel|knuckles?)\b)"
)
NEGATION = r"(?:don'?t|do not|never|without|not|no|avoid|avoiding)\s+(?:\w+\s+)?$"
# what marks a verb as the goal: "to drink", "when you pass", "for handing", "so you can pour"
GOAL_BEFORE = (
    r"\b(?:to|in order to|so (?:that )?you can|when(?: you)?|while(?: you)?|if you want to|for|before)\s+"
    r"(?:\w+ly\s+)?$"
)
# "press your pinky against the body", "pressing the earcups into your palm": a hand on the object, no use
HAND_CONTACT = r"(?:press|push)\w*\s+(?:\w+\s+){0,3}?(?:against\b|into\s+(?:your|the|my)\s+(?:palm|hand)\b)"
# words after which a verb is a noun ("your grip", "the hammer"); "a" is left out: "give it a squeeze"
NOUN_BEFORE = {"the", "its", "their", "your", "my", "his", "her", "our", "this", "that", "these", "those"}
# what follows an object's name used as a verb ("hammer a nail", "drill into the wall")
VERB_OBJECT = r" (?:a|an|the|some|it|them|this|that|your|in|into|through|down|nails?|holes?|screws?)\b"
# what follows a part word used as a verb ("grip the body")
VERB_NOUN_NEXT = r" (?:the|a|an|it|them|its|your|their|this|that)\b"
# what comes before a part word that means a hold ("a firm grip", "your grip")
A_HOLD_BEFORE = r"\b(?:a|an|your|my|his|her|our)\s+(?:\w+\s+)?$"

# words of the finger patterns that their regex source does not spell whole ("thumbs?")
FINGER_PATTERN_WORDS = (
    "thumb thumbs forefinger forefingers index pointer first pointing finger fingers middle second "
    "ring third little pinky pinkie pinkies small smallest fourth palm palms heel hand hands fist "
    "fists whole full entire open digits every each five four three two last other others "
    "remaining rest tripod fingertips"
)
FINGER_PATTERNS: dict[str, str] = {
    "thumb": r"\bthumbs?\b",
    "forefinger": r"\b(?:fore ?fingers?|index(?:es)?(?: fingers?)?|pointer(?: fingers?)?|first fingers?|"
    r"pointing fingers?)\b",
    "middle": r"\bmiddle(?: fingers?)?\b|\bsecond fingers?\b",
    "ring": r"\bring(?: fingers?)?\b|\bthird fingers?\b",
    "little": r"\b(?:little(?: fingers?| ones?)?|pink(?:y|ie|ies)|small(?:est)? fingers?|fourth fingers?)\b",
    "palm": r"\bpalms?\b|\bheel of (?:your|the|one|my) hands?\b",
}
FINGER_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"\bfirst (?:two|2) fingers\b", ("forefinger", "middle")),
    (r"\bfirst (?:three|3) fingers\b", ("forefinger", "middle", "ring")),
    (r"\blast (?:two|2) fingers\b", ("ring", "little")),
    (r"\b(?:whole|full|entire|open) hand\b|\bfists?\b|\bpower grip\b", FINGERS),
    (
        r"\ball (?:five |5 |of (?:your|the) |your |the |my )?(?:fingers|digits)\b|\bevery (?:finger|digit)\b|"
        r"\beach finger\b|\b(?:five|5) (?:fingers|digits)\b|\b(?:all|everything) but\b",
        DIGITS,
    ),
)
CURL = r"\b(?:wrap|curl|close)(?:s|ed|ing)? (?:your |the |my )?(?:hand|fingers)\b"
OTHERS = (
    r"\b(?:other|remaining|rest of (?:the|your|my))(?: \w+)? (?:fingers|digits)\b|\bthe rest\b|\bothers\b|"
    r"\brest of (?:the|your|my) hand\b"
)
FOUR = r"(?<!first )(?<!last )\b(?:four|4) fingers\b"
TWO = r"(?<!first )(?<!last )\b(?:two|2) fingers\b|\btwo finger\b"
THREE = r"(?<!first )(?<!last )\b(?:three|3) fingers\b|\btripod\b"
# where a finger's clause starts; "but" after "every finger" ... excludes instead
FINGER_CLAUSE_BREAK = (
    r"[,.;:!?]| and |(?<!\bfinger)(?<!\bfingers)(?<!\bdigits)(?<!\bhand)(?<!\bones)(?<!\ball)"
    r"(?<!\beverything) but | while | with your | using "
)
# "every finger but your pinky"
BUT_EXCEPT = r"\b(?:fingers?|digits|hand|ones?|all|everything)\s+but\s+(?:not\s+)?(?:(?:your|the|my)\s+)?$"
# between two fingers of one list: "thumb, index and", "ring or your"
FINGER_LIST_GAP = r"(?:\s+fingers?)?\s*(?:,|,?\s*and|,?\s*or|,?\s*nor)\s+(?:(?:your|the|my)\s+)?"
FINGER_OFF = (
    r"\b(?:without|not|never|except|no|don'?t|do not|rather than|instead of|apart from|other than|"
    r"besides|minus)\b[^,.;]*$"
)

#: other words people use for a part name (the part name itself always counts)
PART_WORDS: dict[str, tuple[str, ...]] = {
    "handle_loops": (
        "loops",
        "loop",
        "finger holes",
        "finger loops",
        "finger rings",
        "rings",
        "holes",
        "handles",
        "bows",
        "eye rings",
    ),
    "blades": ("blade", "cutting edges", "cutting edge", "sharp edges", "edges", "tips", "points"),
    "blade": ("cutting edge", "sharp edge", "edge", "knife edge", "sharp side"),
    "pump_head": ("pump", "pump top", "pump button", "plunger", "top", "head", "actuator"),
    "nozzle": ("spout", "tip", "spray nozzle", "outlet", "opening"),
    "earcups": (
        "ear cups",
        "ear cup",
        "earcup",
        "cups",
        "ear pads",
        "ear pad",
        "pads",
        "ear cushions",
        "cushions",
        "earpieces",
    ),
    "headband": ("band", "head band", "strap", "arch"),
    "temples": ("arms", "legs", "side arms", "temple arms", "stems"),
    "lenses": ("lens", "glass", "glass lenses"),
    "barrels": ("tubes", "barrel", "tube", "sides"),
    "eyepieces": ("eyepiece", "eye pieces", "eye cups", "eyecups", "oculars"),
    "bridge": ("hinge", "centre hinge", "center hinge", "central hinge"),
    "shutter_button": ("shutter", "shutter release", "release button", "button", "shutter key"),
    "lens": ("lens barrel", "objective"),
    "buttons": ("button", "keys", "key", "face buttons", "action buttons", "side buttons", "clickers"),
    "trigger": ("lever", "trigger button"),
    "grips": ("grip", "handles", "handgrips", "hand grips", "side grips"),
    "screen": ("display", "touchscreen", "touch screen", "glass screen"),
    "body": ("barrel", "base", "main part", "housing", "casing", "shell"),
    "bowl": ("cup",),
    "stem": ("stalk", "stalks"),
    "cap": ("lid", "top", "screw cap", "cover", "closure", "screw top"),
    "lid": ("cap", "top", "cover"),
    "tip": ("point", "nib"),
    "shaft": ("shank", "rod", "metal shaft"),
    "switch": ("power button", "on switch", "on off switch", "power switch", "button"),
    "handle": ("grip", "handgrip"),
    "top": ("top arm", "upper arm", "arm"),
    "base": ("bottom", "base plate", "foot", "bottom plate"),
    "bulb": ("glass", "globe", "glass bulb"),
    "frame": ("rims", "rim", "frames"),
    "jaws": ("jaw", "tips", "nose", "mouth", "gripping end"),
    "handles": ("handle", "grips", "grip", "arms"),
    "chuck": ("bit", "drill bit", "bit holder"),
    "neck": ("bottleneck", "bottle neck"),
    "head": ("top",),
    "spout": ("nozzle",),
}
# words for a part that only one category uses them for
CATEGORY_PART_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "toothbrush": {"head": ("bristles", "brush head", "brush end", "bristle end")},
    "trigger_sprayer": {"head": ("spray head", "sprayer head", "nozzle head", "sprayer top")},
    "hammer": {"head": ("hammerhead", "striking face", "claw"), "handle": ("shaft",)},
    "wrench": {"head": ("jaws", "jaw", "mouth")},
    "flashlight": {"head": ("front", "lamp end", "light end", "lens")},
    "power_drill": {
        "handle": ("pistol grip", "handgrip", "grip"),
        "body": ("motor housing", "housing", "motor"),
        "chuck": ("bit", "drill bit", "jaws"),
    },
    "screwdriver": {"tip": ("bit", "blade", "point", "end")},
    "lightbulb": {"base": ("screw base", "metal base", "screw thread", "thread", "threads", "metal part")},
    "wineglass": {"base": ("foot",), "bowl": ("cup", "glass")},
    "stapler": {"base": ("base plate", "bottom"), "top": ("top arm", "arm", "head")},
    "teapot": {"lid": ("cap", "top", "cover")},
    "fryingpan": {"pan": ("cooking surface", "bowl")},
}

#: other names people use for a catalogue object (its category's own words always count)
OBJECT_WORDS: dict[str, tuple[str, ...]] = {
    "binoculars": ("field glasses", "binocular"),
    "bottle": ("soda bottle", "water bottle", "glass bottle", "plastic bottle", "wine bottle", "beer bottle"),
    "bowl": ("dish", "soup bowl", "cereal bowl", "salad bowl"),
    "cameras": ("camera", "digital camera", "compact camera"),
    "can": ("tin", "soda can", "tin can", "drink can", "beer can", "cola can"),
    "cup": ("tumbler", "paper cup", "plastic cup", "coffee cup", "beaker", "teacup", "tea cup"),
    "cylinder_bottle": ("thermos", "flask", "water bottle", "bottle", "cylinder bottle"),
    "donut": ("doughnut",),
    "eyeglasses": ("glasses", "spectacles", "specs", "sunglasses", "eye glasses"),
    "flashlight": ("torch", "flash light"),
    "fryingpan": ("skillet", "frypan", "fry pan", "frying pan"),
    "gamecontroller": ("gamepad", "controller", "joypad", "game pad"),
    "hammer": ("mallet", "claw hammer"),
    "headphones": ("headset", "head phones"),
    "knife": ("kitchen knife", "chef's knife", "chef knife", "bread knife"),
    "lotion_pump": (
        "soap dispenser",
        "lotion dispenser",
        "pump dispenser",
        "pump bottle",
        "dispenser",
        "lotion bottle",
        "soap pump",
    ),
    "mouse": ("computer mouse",),
    "mug": ("coffee mug", "cup", "tea mug"),
    "pen": ("ballpoint", "biro", "ballpoint pen"),
    "phone": ("smartphone", "mobile", "cellphone", "cell phone", "mobile phone"),
    "pincer": ("pliers", "pincers"),
    "power_drill": ("drill", "cordless drill", "electric drill"),
    "scissors": ("shears", "pair of scissors"),
    "squeezable": ("squeeze tube", "ketchup bottle", "mustard bottle", "sauce bottle", "tube", "bottle"),
    "teapot": ("tea pot",),
    "toothbrush": ("tooth brush",),
    "trigger_sprayer": ("spray bottle", "sprayer", "plant mister", "mister", "spritzer"),
    "wineglass": ("wine glass", "goblet", "glass"),
    "wrench": ("spanner",),
}

PREPOSITIONS = {
    "on",
    "by",
    "of",
    "around",
    "round",
    "through",
    "off",
    "from",
    "at",
    "against",
    "over",
    "under",
    "near",
    "into",
    "onto",
    "to",
    "between",
    "across",
    "along",
    "beneath",
    "below",
    "above",
    "behind",
    "with",
    "about",
    "underneath",
    "inside",
    "past",
}
CONJUNCTIONS = {"and", "or", "nor", "but", "then", "also", "either", "neither"}
AVOID_VERBS = {
    "touch",
    "touching",
    "touches",
    "avoid",
    "avoiding",
    "avoids",
    "cover",
    "covering",
    "leave",
    "leaving",
    "keep",
    "keeping",
    "mind",
    "contact",
    "contacting",
}
FINGER_NOUNS = {
    "finger",
    "fingers",
    "thumb",
    "thumbs",
    "index",
    "pointer",
    "forefinger",
    "pinky",
    "pinkie",
    "palm",
    "hand",
    "hands",
    "fingertip",
    "fingertips",
}
DETERMINERS = NOUN_BEFORE | {"a", "an", "both", "two", "each", "either", "any", "one"}

AVOID_BEFORE = (
    r"(?:without (?:\w+ ){0,4}?|(?:don'?t|do not|never|not|no|nothing) (?:\w+ ){0,4}?|"
    r"avoid(?:s|ing)? (?:\w+ ){0,3}?|(?:away|clear) (?:from|of) (?:\w+ ){0,2}?|"
    r"(?:keep|keeping|stay|staying)(?: \w+){0,3} (?:off|away from) (?:\w+ ){0,2}?|"
    r"(?:fingers |hands? )?off (?:of )?(?:the |your )?|except (?:for )?|rather than |instead of |"
    r"mind |watch out for |careful (?:of|with|around) )$"
)
FREE = r"(?:free|untouched|alone|uncovered|clear(?! of| from))"
AVOID_AFTER = rf"^[\w ,]{{0,40}}?\b{FREE}\b"
CLAUSE_BREAK = r"[,.;:!?]| and (?!the\b)| but | while | so that | then "
