"""Reading an instruction: which intent, which hand parts, which object parts to touch and to avoid.

:func:`read_instruction` turns a free-form sentence into a :class:`Reading` that a user can inspect
(``GenerationResult.reading``, printed by ``dexgys generate``) and that the generator acts on: the
parts to avoid become object points the polish keeps the hand off. It is a small rule-based reader,
written apart from the composer that wrote the training sentences, so that it also reads the way
people talk:

* **spelling**: a word of five letters or more that the reader does not know and that is one slip
  from a word of its tables (two neighbouring letters swapped, or one of a doubled letter dropped or
  typed once more; the first letter kept) is read as that word: "tuhmb", "midle", "witohut",
  "hnadles". Words the reader knows, their inflections and a list of common English words are never
  changed ("heard" stays "heard"); a slip that makes another word ("slips" for "sips") is not read;
* **the object**: its category's names (``category_phrases`` and :data:`OBJECT_WORDS`: "spray
  bottle", "squeeze tube", "skillet") name no part ("the lotion pump" is not its pump head) and,
  where they are nouns, no intent: a name of several words always, a single word after "the" / "a"
  / "your"... or with no object of a verb after it ("grab the hammer", not "hammer a nail");
* **intent**: a goal comes before the means: the earliest ``use`` (use, operate, and what using an
  object means: press, squeeze, pull, spray, pour, cut, write, drink, sip, cook, tighten, look
  through, put them on, take a photo...), ``lift`` (lift, raise, pick ... up) or ``hand over``
  (hand ... over / to, hand me, pass, give, offer) phrase, one after "to" / "when (you)" / "for" /
  "so you can" first; only when there is none, ``hold`` (hold, grasp, grip, grab, pinch, wrap, cup,
  cradle, hook, keep ... steady / in place, take hold of, close / curl ... around...). So "grab the
  handle to drink from it" is ``use`` and "grip the frame and hand it to me" is ``hand over``. A
  verb under a negation ("don't press the trigger", "without squeezing") asks for nothing, "use your
  thumb to ..." names a finger, not an intent, a verb after "the" / "your" / "its" is a noun ("your
  grip"), so are the words of a part ("pump head", "cutting edge"), and "press your palm against
  ..." is a hand on the object;
* **fingers** (:data:`~dexgys.language.words.FINGERS`): thumb; forefinger = index / pointer / first
  finger; middle; ring; little = pinky / pinkie / small finger / "little one"; palm = "heel of your
  hand". "All (five) fingers", "every finger", "five fingers" and "all but ..." name the five
  digits, "whole / full / entire hand" and "fist" the palm too; "wrap / curl / close your fingers
  (hand)" with no finger named names the five digits; "two fingers" = thumb and forefinger, "first
  two fingers" = forefinger and middle, "three fingers" = thumb, forefinger and middle, "four
  fingers" = all but the thumb; "the other / remaining (four) / rest of the fingers", "others", "the
  rest of the hand" = the digits not named. A verb alone ("pinch the cap") names no finger. A finger
  after "without", "not", "no", "except", "rather than", "instead of", "keep ... off", or "but"
  after "every finger" / "all" / "whole hand" ("every finger but your pinky") is left out, and so is
  the rest of a list it starts ("not your ring or little finger");
* **parts**: the object's part names (``pump_head`` read as "pump head"), singular or plural, and
  other words for them: :data:`PART_WORDS` per part name ("lid" for a cap, "sharp edge" for a blade,
  "finger holes" for handle loops) and a few per category ("bristles" for a toothbrush's head); a
  word that is one part's own name is never another's. Another word of a single word counts only
  where a noun goes: after a determiner or a preposition, after a determiner and an adjective ("the
  metal thread"), and unless it is a verb itself ("grip"), after "and" / "or", after a verb or first
  in a clause ("grab rims, lenses free"). No word right after a finger word is a part ("finger
  tips"), nor a part word used as a verb ("grip the body"). A part mentioned in an avoiding phrase is
  to be avoided ("without touching the blade", "keep the cap free", "don't put fingers on the body",
  "no fingers on the lid", "avoid the lid", "stay away from / clear of / off the spout", "leaving the
  trigger alone", "tip free"), and so is every part of a list it governs ("not touching the handle
  or the spout", "leaving the stem and base free"; a list joined by commas only when "and" / "or"
  closes it); any other mention is to be touched.

Parts the words name that the object does not have (any part word of the catalogue), a finger
count no hand has, and an instruction that names no intent go into :attr:`Reading.notes`, in words,
so the caller can say what it did instead.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from dexgys.language.words import DIGITS, FINGERS, category_phrase, category_phrases

__all__ = ["OBJECT_WORDS", "PART_WORDS", "Reading", "infer_intent", "read_instruction"]

# ---------------------------------------------------------------------------------------
# vocabulary


def _verb_forms(base: str) -> set[str]:
    """grip -> grip, grips, gripped, gripping; use -> use, uses, used, using; fry -> fries, fried."""
    if base[-1] == "y" and base[-2] not in "aeiou":
        return {base, base[:-1] + "ies", base[:-1] + "ied", base + "ing"}
    stem = base[:-1] if base.endswith("e") and not base.endswith(("ee", "ye")) else base
    double = len(base) > 2 and base[-1] in "bdgmnprt" and base[-2] in "aeiou" and base[-3] not in "aeiou" \
        and not base.endswith(("en", "er", "on"))
    ing = (base + base[-1] if double else stem) + "ing"
    ed = base + "d" if base.endswith("e") else (base + base[-1] if double else base) + "ed"
    s = base + "es" if base.endswith(("s", "sh", "ch", "x", "z")) else base + "s"
    return {base, s, ing, ed}


def _verbs(bases: tuple[str, ...]) -> str:
    """A regex alternation of every form of the verbs, longest first."""
    return "|".join(sorted({f for b in bases for f in _verb_forms(b)}, key=len, reverse=True))


_USE_VERBS = (
    "use", "operate", "press", "push", "squeeze", "pull", "spray", "mist", "squirt", "pump", "pour",
    "dispense", "cut", "slice", "chop", "snip", "trim", "carve", "write", "sign", "draw", "drink", "sip",
    "click", "type", "text", "scroll", "swipe", "tap", "dial", "brush", "comb", "hammer", "drill", "bore",
    "drive", "screw", "unscrew", "tighten", "loosen", "twist", "switch", "flick", "snap", "shoot",
    "photograph", "film", "play", "staple", "peel", "eat", "bite", "cook", "fry", "flip", "stir", "bend",
    "open", "watch", "wear", "apply", "shine", "fire", "spritz", "nail", "pry", "clamp",
)
_HOLD_VERBS = ("hold", "grasp", "grip", "grab", "clutch", "clasp", "pinch", "wrap", "cup", "cradle", "carry",
               "support", "steady", "seize", "hook")
# verbs after which a single word stands where a noun goes ("grab rims")
_VERB_FORMS = frozenset(f for b in (*_USE_VERBS, *_HOLD_VERBS, "lift", "raise", "pass", "rest", "put", "place",
                                    "take", "give", "hand") for f in _verb_forms(b))
_INTENT_PATTERNS: dict[str, str] = {
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
_USE_A_HAND = r"\b(?:use|uses|using|used)\s+(?=(?:your|the|my|both|two|three|four|five|all|an?)?\s*(?:\w+\s+){0,2}?" \
              r"(?:fingers?|thumbs?|hands?|palms?|fists?|index|pointer|pinky|pinkie|forefingers?|heel|knuckles?)\b)"
_NEGATION = r"(?:don'?t|do not|never|without|not|no|avoid|avoiding)\s+(?:\w+\s+)?$"
# what marks a verb as the goal: "to drink", "when you pass", "for handing", "so you can pour"
_GOAL_BEFORE = r"\b(?:to|in order to|so (?:that )?you can|when(?: you)?|while(?: you)?|if you want to|for|before)\s+" \
               r"(?:\w+ly\s+)?$"
# "press your pinky against the body", "pressing the earcups into your palm": a hand on the object, no use
_HAND_CONTACT = r"(?:press|push)\w*\s+(?:\w+\s+){0,3}?(?:against\b|into\s+(?:your|the|my)\s+(?:palm|hand)\b)"
# words after which a verb is a noun ("your grip", "the hammer"); "a" is left out: "give it a squeeze"
_NOUN_BEFORE = {"the", "its", "their", "your", "my", "his", "her", "our", "this", "that", "these", "those"}
# what follows an object's name used as a verb ("hammer a nail", "drill into the wall")
_VERB_OBJECT = r" (?:a|an|the|some|it|them|this|that|your|in|into|through|down|nails?|holes?|screws?)\b"
# what follows a part word used as a verb ("grip the body")
_VERB_NOUN_NEXT = r" (?:the|a|an|it|them|its|your|their|this|that)\b"
# what comes before a part word that means a hold ("a firm grip", "your grip")
_A_HOLD_BEFORE = r"\b(?:a|an|your|my|his|her|our)\s+(?:\w+\s+)?$"

# words of the finger patterns that their regex source does not spell whole ("thumbs?")
_FINGER_WORDS = ("thumb thumbs forefinger forefingers index pointer first pointing finger fingers middle second ring "
                 "third little pinky pinkie pinkies small smallest fourth palm palms heel hand hands fist fists whole "
                 "full entire open digits every each five four three two last other others remaining rest tripod "
                 "fingertips")
_FINGER_PATTERNS: dict[str, str] = {
    "thumb": r"\bthumbs?\b",
    "forefinger": r"\b(?:fore ?fingers?|index(?:es)?(?: fingers?)?|pointer(?: fingers?)?|first fingers?|"
                  r"pointing fingers?)\b",
    "middle": r"\bmiddle(?: fingers?)?\b|\bsecond fingers?\b",
    "ring": r"\bring(?: fingers?)?\b|\bthird fingers?\b",
    "little": r"\b(?:little(?: fingers?| ones?)?|pink(?:y|ie|ies)|small(?:est)? fingers?|fourth fingers?)\b",
    "palm": r"\bpalms?\b|\bheel of (?:your|the|one|my) hands?\b",
}
_FINGER_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"\bfirst (?:two|2) fingers\b", ("forefinger", "middle")),
    (r"\bfirst (?:three|3) fingers\b", ("forefinger", "middle", "ring")),
    (r"\blast (?:two|2) fingers\b", ("ring", "little")),
    (r"\b(?:whole|full|entire|open) hand\b|\bfists?\b|\bpower grip\b", FINGERS),
    (r"\ball (?:five |5 |of (?:your|the) |your |the |my )?(?:fingers|digits)\b|\bevery (?:finger|digit)\b|"
     r"\beach finger\b|\b(?:five|5) (?:fingers|digits)\b|\b(?:all|everything) but\b", DIGITS),
)
_CURL = r"\b(?:wrap|curl|close)(?:s|ed|ing)? (?:your |the |my )?(?:hand|fingers)\b"
_OTHERS = r"\b(?:other|remaining|rest of (?:the|your|my))(?: \w+)? (?:fingers|digits)\b|\bthe rest\b|\bothers\b|" \
          r"\brest of (?:the|your|my) hand\b"
_FOUR = r"(?<!first )(?<!last )\b(?:four|4) fingers\b"
_TWO = r"(?<!first )(?<!last )\b(?:two|2) fingers\b|\btwo finger\b"
_THREE = r"(?<!first )(?<!last )\b(?:three|3) fingers\b|\btripod\b"
# where a finger's clause starts; "but" after "every finger" ... excludes instead
_FINGER_CLAUSE_BREAK = r"[,.;:!?]| and |(?<!\bfinger)(?<!\bfingers)(?<!\bdigits)(?<!\bhand)(?<!\bones)(?<!\ball)" \
                       r"(?<!\beverything) but | while | with your | using "
# "every finger but your pinky"
_BUT_EXCEPT = r"\b(?:fingers?|digits|hand|ones?|all|everything)\s+but\s+(?:not\s+)?(?:(?:your|the|my)\s+)?$"
# between two fingers of one list: "thumb, index and", "ring or your"
_FINGER_LIST_GAP = r"(?:\s+fingers?)?\s*(?:,|,?\s*and|,?\s*or|,?\s*nor)\s+(?:(?:your|the|my)\s+)?"
_FINGER_OFF = r"\b(?:without|not|never|except|no|don'?t|do not|rather than|instead of|apart from|other than|" \
              r"besides|minus)\b[^,.;]*$"

#: other words people use for a part name (the part name itself always counts)
PART_WORDS: dict[str, tuple[str, ...]] = {
    "handle_loops": ("loops", "loop", "finger holes", "finger loops", "finger rings", "rings", "holes", "handles",
                     "bows", "eye rings"),
    "blades": ("blade", "cutting edges", "cutting edge", "sharp edges", "edges", "tips", "points"),
    "blade": ("cutting edge", "sharp edge", "edge", "knife edge", "sharp side"),
    "pump_head": ("pump", "pump top", "pump button", "plunger", "top", "head", "actuator"),
    "nozzle": ("spout", "tip", "spray nozzle", "outlet", "opening"),
    "earcups": ("ear cups", "ear cup", "earcup", "cups", "ear pads", "ear pad", "pads", "ear cushions", "cushions",
                "earpieces"),
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
_CATEGORY_PART_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "toothbrush": {"head": ("bristles", "brush head", "brush end", "bristle end")},
    "trigger_sprayer": {"head": ("spray head", "sprayer head", "nozzle head", "sprayer top")},
    "hammer": {"head": ("hammerhead", "striking face", "claw"), "handle": ("shaft",)},
    "wrench": {"head": ("jaws", "jaw", "mouth")},
    "flashlight": {"head": ("front", "lamp end", "light end", "lens")},
    "power_drill": {"handle": ("pistol grip", "handgrip", "grip"), "body": ("motor housing", "housing", "motor"),
                    "chuck": ("bit", "drill bit", "jaws")},
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
    "lotion_pump": ("soap dispenser", "lotion dispenser", "pump dispenser", "pump bottle", "dispenser",
                    "lotion bottle", "soap pump"),
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

_PREPOSITIONS = {"on", "by", "of", "around", "round", "through", "off", "from", "at", "against", "over", "under",
                 "near", "into", "onto", "to", "between", "across", "along", "beneath", "below", "above",
                 "behind", "with", "about", "underneath", "inside", "past"}
_CONJUNCTIONS = {"and", "or", "nor", "but", "then", "also", "either", "neither"}
_AVOID_VERBS = {"touch", "touching", "touches", "avoid", "avoiding", "avoids", "cover", "covering", "leave", "leaving",
                "keep", "keeping", "mind", "contact", "contacting"}
_FINGER_NOUNS = {"finger", "fingers", "thumb", "thumbs", "index", "pointer", "forefinger", "pinky", "pinkie", "palm",
                 "hand", "hands", "fingertip", "fingertips"}
_DETERMINERS = _NOUN_BEFORE | {"a", "an", "both", "two", "each", "either", "any", "one"}

_AVOID_BEFORE = r"(?:without (?:\w+ ){0,4}?|(?:don'?t|do not|never|not|no|nothing) (?:\w+ ){0,4}?|" \
                r"avoid(?:s|ing)? (?:\w+ ){0,3}?|(?:away|clear) (?:from|of) (?:\w+ ){0,2}?|" \
                r"(?:keep|keeping|stay|staying)(?: \w+){0,3} (?:off|away from) (?:\w+ ){0,2}?|" \
                r"(?:fingers |hands? )?off (?:of )?(?:the |your )?|except (?:for )?|rather than |instead of |" \
                r"mind |watch out for |careful (?:of|with|around) )$"
_FREE = r"(?:free|untouched|alone|uncovered|clear(?! of| from))"
_AVOID_AFTER = rf"^[\w ,]{{0,40}}?\b{_FREE}\b"
_CLAUSE_BREAK = r"[,.;:!?]| and (?!the\b)| but | while | so that | then "

# common English words that are never read as a slip of the reader's words ("heard" is not "head")
_COMMON_WORDS = frozenset("""
about above after again against along always another around away back because been before behind being below
beside better between board bread bring careful carefully case cloth could counter craved craving down during
each easily either enough even ever every everything face feel filed first firm firmly fold follow form from
gently good great hard heard here hole home into just kind know last least left less light like line long look
lose lost made many more most much must near need never next nice nothing once only other over own part person
place plate please point quick quickly quite rather ready really reset right same seconds seem several should
side since singing sings slightly slowly small some something soon stand start step steps still such sure table
taped tell than that their them then there these they thing things think this those though three tight tightly
time together told towards under until upon very want well were what when where which while will with without
work would your pride tires
""".split())


# ---------------------------------------------------------------------------------------
# the reading


@dataclass(frozen=True)
class Reading:
    """What :func:`read_instruction` understood: ``intent`` (None when no intent phrase),
    ``fingers`` (hand parts the words put on the object, :data:`~dexgys.language.words.FINGERS`
    order), ``touch_parts`` / ``avoid_parts`` (the object's part names), ``notes`` (what could not be
    matched, in words)."""

    intent: str | None
    fingers: tuple[str, ...] = ()
    touch_parts: tuple[str, ...] = ()
    avoid_parts: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def describe(self) -> str:
        """One line of plain words, e.g. ``intent: use; fingers: forefinger; touch: trigger; avoid: head``."""
        def words(items) -> str:
            return ", ".join(p.replace("_", " ") for p in items) or "(not stated)"

        line = [f"intent: {self.intent or '(not stated)'}", f"fingers: {words(self.fingers)}",
                f"touch: {words(self.touch_parts)}"]
        if self.avoid_parts:
            line.append(f"avoid: {words(self.avoid_parts)}")
        return "; ".join(line)

    def as_dict(self) -> dict:
        return {"intent": self.intent, "fingers": list(self.fingers), "touch_parts": list(self.touch_parts),
                "avoid_parts": list(self.avoid_parts), "notes": list(self.notes)}


# ---------------------------------------------------------------------------------------
# spelling


def _noun_forms(phrase: str) -> set[str]:
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


@functools.lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Every word the reader's tables spell out (patterns, finger, part and object words): the words a
    slip is read as."""
    from dexgys.objects.catalogue import categories, get_category

    phrases = [p for c in categories() for p in (*category_phrases(c), *get_category(c).parts)]
    phrases += [*PART_WORDS, *(w for ws in PART_WORDS.values() for w in ws)]
    phrases += [w for table in _CATEGORY_PART_WORDS.values() for ws in table.values() for w in ws]
    phrases += [w for ws in OBJECT_WORDS.values() for w in ws]
    words = {w for p in phrases for f in _noun_forms(p.replace("_", " ")) for w in f.split()}
    patterns = [*_INTENT_PATTERNS.values(), *_FINGER_PATTERNS.values(), *(p for p, _ in _FINGER_GROUPS), _CURL,
                _OTHERS, _FOUR, _TWO, _THREE, _AVOID_BEFORE, _AVOID_AFTER, _FINGER_OFF]
    words |= {w for p in patterns for w in re.findall(r"[a-z]{4,}", p)}
    words |= set(_FINGER_WORDS.split()) | _AVOID_VERBS
    return frozenset(w for w in words if len(w) >= 4)


@functools.lru_cache(maxsize=1)
def _known_words() -> frozenset[str]:
    """Words never corrected: the vocabulary, its inflections, and common English words."""
    vocab = _vocabulary()
    endings = ("s", "es", "d", "ed", "er", "ers", "ing", "ly", "y")
    return vocab | _COMMON_WORDS | {w + e for w in vocab for e in endings}


def _one_slip(word: str, target: str) -> bool:
    """Whether ``word`` is ``target`` with one slip: two neighbouring inner letters swapped ("tuhmb"), or
    one of a doubled letter dropped ("midle") or typed once more ("thummb")."""
    n, m = len(word), len(target)
    if word[0] != target[0] or word == target or min(n, m) < 5:
        return False
    if n == m:
        diff = [i for i in range(n) if word[i] != target[i]]
        return len(diff) == 2 and diff[1] == diff[0] + 1 and word[diff[0]] == target[diff[1]] \
            and word[diff[1]] == target[diff[0]]
    short, long_ = (word, target) if n < m else (target, word)
    return len(long_) == len(short) + 1 and any(long_[:i] + long_[i + 1:] == short and long_[i] == long_[i - 1]
                                                for i in range(1, len(long_)))


@functools.lru_cache(maxsize=4096)
def _spelling(word: str) -> str:
    """``word``, or the vocabulary word it is one slip from (the first in sorted order if several)."""
    if len(word) < 4 or word in _known_words():
        return word
    near = sorted(t for t in _vocabulary() if abs(len(t) - len(word)) <= 1 and _one_slip(word, t))
    return near[0] if near else word


def _normalise(text: str) -> str:
    text = text.lower().replace("’", "'").replace("-", " ")
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<!')\b[a-z]{4,}\b(?!')", lambda m: _spelling(m.group()), text)


# ---------------------------------------------------------------------------------------
# intent


def _object_names(category: str | None) -> list[str]:
    """The words for the object, longest first."""
    if not category:
        return []
    names = {*category_phrases(category), *OBJECT_WORDS.get(category, ())}
    return sorted(names, key=lambda s: (-len(s), s))


def _mask_object(text: str, category: str | None) -> str:
    """``text`` with the object's names, where they are nouns, replaced by "thing": a name of several
    words always ("the squeeze bottle", "spray bottle"), a single word after "the" / "a" / "your" ... or
    where no object of a verb follows it ("grab hammer by the handle", not "hammer a nail")."""
    for name in _object_names(category):
        pieces, last = [], 0
        for m in re.finditer(rf"\b{re.escape(name)}(?:s|es)?\b", text):
            before = text[:m.start()].split()
            verb = " " not in name and (not before or before[-1] not in _DETERMINERS) and re.match(_VERB_OBJECT,
                                                                                                  text[m.end():])
            if not verb:
                pieces += [text[last:m.start()], "thing"]
                last = m.end()
        text = "".join(pieces) + text[last:]
    return text


def _intent(text: str) -> str | None:
    """The intent of normalised text whose object names and part words are masked (see the module docstring)."""
    hand_verbs = {m.start() for m in re.finditer(_USE_A_HAND, text)}
    found = []  # (rank, start, intent): a goal ("to drink", "when you pass") before another use, lift or hand over
    for intent, pattern in _INTENT_PATTERNS.items():
        for m in re.finditer(pattern, text):
            before = text[:m.start()]
            words = before.split()
            if m.start() in hand_verbs or (words and words[-1] in _NOUN_BEFORE) or re.search(_NEGATION, before) \
                    or re.match(_HAND_CONTACT, text[m.start():]):
                continue
            rank = 2 if intent == "hold" else 0 if re.search(_GOAL_BEFORE, before) else 1
            found.append((rank, m.start(), intent))
    return min(found)[2] if found else None


def _mask_part_names(text: str) -> str:
    """``text`` with the catalogue's part words of several words replaced by "part" ("pump head",
    "screw cap", "cutting edge" name no intent)."""
    for word, _ in _known_part_words():
        if " " in word and word[:-1] in text:
            text = _phrase_regex(word).sub("part", text)
    return text


def infer_intent(sentence: str, category: str | None = None) -> str | None:
    """The intent (``"use"``, ``"hold"``, ``"lift"``, ``"hand over"``) a sentence asks for, or None;
    the ``category``'s names, when given, are read as the object, not as verbs."""
    return _intent(_mask_part_names(_mask_object(_normalise(sentence), category)))


# ---------------------------------------------------------------------------------------
# fingers


def _finger_off(text: str, start: int, end: int) -> bool:
    """Whether the finger named at ``start:end`` is left out ("not your thumb", "every finger but your
    pinky", "keep your thumb off")."""
    clause = re.split(_FINGER_CLAUSE_BREAK, text[:start])[-1]
    if re.search(_FINGER_OFF, clause) or re.search(_BUT_EXCEPT, clause):
        return True
    return bool(re.search(r"\bkeep(?:ing)?\b[^,.;]*$", clause) and re.match(r"\s*(?:fingers?\s*)?(?:off|away)\b",
                                                                              text[end:]))


def _fingers(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(named on the object, named off it) hand parts, canonical order. A finger in a list ("not your
    ring or little finger") goes where the one before it goes."""
    on, off = set(), set()
    mentions = sorted((m.start(), m.end(), finger) for finger, pattern in _FINGER_PATTERNS.items()
                      for m in re.finditer(pattern, text))
    left_out, last_end = False, None
    for start, end, finger in mentions:
        if last_end is None or not re.fullmatch(_FINGER_LIST_GAP, text[last_end:start]):
            left_out = _finger_off(text, start, end)
        (off if left_out else on).add(finger)
        last_end = end
    for pattern, fingers in _FINGER_GROUPS:
        for m in re.finditer(pattern, text):
            if not re.search(_FINGER_OFF, re.split(_CLAUSE_BREAK, text[:m.start()])[-1]):
                on.update(fingers)
    named_digits = on & set(DIGITS)
    if not named_digits - {"thumb"} and re.search(_TWO, text):
        on.update(("thumb", "forefinger"))
    if not named_digits - {"thumb", "forefinger"} and re.search(_THREE, text):
        on.update(("thumb", "forefinger", "middle"))
    if re.search(_OTHERS, text) and on & set(DIGITS):
        on.update(DIGITS)
    elif re.search(_FOUR, text):
        on.update(DIGITS[1:])
    if not on & set(DIGITS) and re.search(_CURL, text):
        on.update(DIGITS)
    on -= off
    order = {f: i for i, f in enumerate(FINGERS)}
    return tuple(sorted(on, key=order.get)), tuple(sorted(off, key=order.get))


# ---------------------------------------------------------------------------------------
# parts


def _part_words(part_names, category: str | None) -> list[tuple[str, str, bool]]:
    """(part, phrase, is the part's own name) for every way of naming each part, longest first (so
    "pump head" beats "head"); a word that is another part's own name is that part's only."""
    own = {f for p in part_names for f in _noun_forms(p.replace("_", " "))}
    extra = _CATEGORY_PART_WORDS.get(category or "", {})
    out = []
    for part in part_names:
        out.append((part, part.replace("_", " "), True))
        for word in (*extra.get(part, ()), *PART_WORDS.get(part, ())):
            if not _noun_forms(word) & own:
                out.append((part, word, False))
    out.sort(key=lambda t: -len(t[1]))
    return out


@functools.lru_cache(maxsize=None)
def _phrase_regex(phrase: str, after_determiner: bool = False) -> re.Pattern:
    """The phrase, singular or plural, as a word; with ``after_determiner`` only after "the", "its",
    "your", "their", "both", "two"."""
    forms = "|".join(re.escape(f) for f in sorted(_noun_forms(phrase), key=len, reverse=True))
    lead = r"(?:(?<=\bthe )|(?<=\bits )|(?<=\byour )|(?<=\btheir )|(?<=\bboth )|(?<=\btwo ))" if after_determiner \
        else ""
    return re.compile(rf"{lead}\b(?:{forms})\b")


def _where_a_noun_goes(text: str, start: int, word: str) -> bool:
    """Whether the single ``word`` at ``start`` stands where a noun goes: after a determiner or a
    preposition, after a determiner and an adjective ("the metal thread"), after "and" / "or", after a
    verb, or first in a clause; a word that is also one of the reader's verbs ("grip") only after
    "the" / "its" / "their" / "this" / "that" (and an adjective)."""
    words = text[:start].split()
    prev = words[-1] if words and words[-1][-1] not in ",.;:!?" else None
    before_prev = words[-2] if prev and len(words) > 1 else None
    if word in _VERB_FORMS:
        definite = {"the", "its", "their", "this", "that"}
        return prev in definite or (before_prev in definite and prev not in _VERB_FORMS)
    if prev in _DETERMINERS or prev in _PREPOSITIONS or (before_prev in _DETERMINERS and prev not in _VERB_FORMS):
        return True
    return prev is None or prev in _CONJUNCTIONS or prev in _AVOID_VERBS or prev in _VERB_FORMS


def _mentions(text: str, part_names, category: str | None,
              taken: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """(start, end, part) of every mention of the object's parts outside the spans ``taken`` (which
    it extends), in text order."""
    found = []
    for part, phrase, own in _part_words(part_names, category):
        for m in _phrase_regex(phrase).finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue  # inside a longer name already read ("pump head" before "head")
            before = text[:m.start()].split()
            if before and before[-1] in _FINGER_NOUNS:
                continue  # "finger tips", "thumb pad"
            if m.group() in _VERB_FORMS and (re.match(_VERB_NOUN_NEXT, text[m.end():]) and not (
                    before and before[-1] in _DETERMINERS) or re.search(_A_HOLD_BEFORE, text[:m.start()])):
                continue  # "grip the body", "a firm grip", "your grip" are no mention of the controller's grips
            if not own and " " not in phrase and not _where_a_noun_goes(text, m.start(), m.group()):
                continue  # "with a firm grip" is no mention of a drill's handle
            taken.append(m.span())
            found.append((m.start(), m.end(), part))
    return sorted(found)


def _lists(text: str, mentions: list[tuple[int, int, str]]) -> list[list[tuple[int, int, str]]]:
    """Mentions grouped into lists ("the handle and the spout", "the cap, the neck and the body"); a
    comma alone joins two mentions only when an "and" / "or" closes the list."""
    def gap(a, b) -> str | None:
        words = text[a[1]:b[0]]
        if re.fullmatch(r"\s*,?\s*(?:and|or|nor|and also|as well as)\s+(?:(?:the|its|their|your)\s+)?", words):
            return "conj"
        return "comma" if re.fullmatch(r"\s*,\s*(?:(?:the|its|their|your)\s+)?", words) else None

    gaps = [gap(a, b) for a, b in zip(mentions, mentions[1:])]
    groups = []
    for i, m in enumerate(mentions):
        if i and (gaps[i - 1] == "conj" or gaps[i - 1] == "comma" and _closed(gaps, i - 1)):
            groups[-1].append(m)
        else:
            groups.append([m])
    return groups


def _closed(gaps: list[str | None], i: int) -> bool:
    """Whether the comma gap ``i`` is followed, through commas only, by an "and" / "or"."""
    for g in gaps[i + 1:]:
        if g != "comma":
            return g == "conj"
    return False


def _avoided(text: str, start: int, end: int) -> bool:
    """Whether the list of parts at ``start:end`` sits in an avoiding phrase."""
    clause = re.split(_CLAUSE_BREAK, text[:start])[-1] + " "
    clause = re.sub(r"\b(?:the|your|its|his|her|their|a|an)\s+$", "", clause.rstrip() + " ").rstrip() + " "
    if re.search(_AVOID_BEFORE, clause.lstrip()):
        return True
    after = text[end:].lstrip()
    if re.match(rf"(?:(?:stays?|remains?|is|are|kept|left|staying)\b(?: \w+)? ?)?{_FREE}\b", after):
        return True
    return bool(re.search(_AVOID_AFTER, after) and re.search(r"\b(?:keep|leave|leaving|keeping)\b", clause))


@functools.lru_cache(maxsize=1)
def _known_part_words() -> tuple[tuple[str, str], ...]:
    """(word, part) for every part name of the catalogue and its other words."""
    from dexgys.objects.catalogue import categories, get_category

    names = {p for c in categories() for p in get_category(c).parts} | set(PART_WORDS)
    out = {(n.replace("_", " "), n) for n in names} | {(w, n) for n, ws in PART_WORDS.items() for w in ws}
    out |= {(w, n) for table in _CATEGORY_PART_WORDS.values() for n, ws in table.items() for w in ws}
    return tuple(sorted(out, key=lambda wp: -len(wp[0])))


def _foreign_parts(text: str, part_names, category: str | None, taken: list[tuple[int, int]]) -> list[str]:
    """Part words of other objects in ``text`` outside the spans already read (``taken``), where a
    noun goes after "the" / "its" / "your"...; not a word for one of the object's own parts, nor a
    hold ("your grip")."""
    own = {f for _, phrase, _ in _part_words(part_names, category) for f in _noun_forms(phrase)}
    found, spans = [], list(taken)
    for word, part in _known_part_words():
        if part in part_names or word in own or word[:-1] not in text:
            continue
        for m in _phrase_regex(word, True).finditer(text):
            if any(a < m.end() and m.start() < b for a, b in spans) or (
                    m.group() in _VERB_FORMS and re.search(_A_HOLD_BEFORE, text[:m.start()])):
                continue
            spans.append(m.span())
            if word not in found:
                found.append(word)
    return found


def read_instruction(text: str, part_names=(), category: str | None = None) -> Reading:
    """Read ``text`` (see the module docstring) against the object's ``part_names``; the ``category``'s
    names are not read as parts ("the lotion pump" is not its pump head) and word the notes."""
    t = _normalise(text)
    intent = _intent(_mask_part_names(_mask_object(t, category)))
    fingers, _ = _fingers(t)
    taken = []  # spans already read: the object's names, fingers, longer part names
    for name in _object_names(category):
        taken += [m.span() for m in re.finditer(rf"\b{re.escape(name)}(?:s|es)?\b", t)]
    for pattern in (*_FINGER_PATTERNS.values(), *(p for p, _ in _FINGER_GROUPS)):  # "ring finger" is no ring
        taken += [m.span() for m in re.finditer(pattern, t)]
    touch, avoid = [], []
    for group in _lists(t, _mentions(t, part_names, category, taken)):
        target = avoid if _avoided(t, group[0][0], group[-1][1]) else touch
        target += [part for _, _, part in group if part not in target]
    touch = [p for p in touch if p not in avoid]
    notes = []
    missing = _foreign_parts(t, part_names, category, taken)
    if missing and part_names:
        thing = category_phrase(category) if category else "object"
        notes.append(f"the {thing} has no {' or '.join(missing)} (its parts: "
                     f"{', '.join(p.replace('_', ' ') for p in part_names)})")
    count = re.search(r"\b(six|seven|eight|nine|ten|[6-9]) fingers\b", t)
    if count:
        notes.append(f"a hand has five fingers, not {count.group(1)}")
    if intent is None:
        notes.append("no intent is stated (use, hold, lift or hand over)")
    if not fingers and not touch:
        notes.append("the words name neither fingers nor a part of the "
                     f"{(category or 'object').replace('_', ' ')}")
    order = {p: i for i, p in enumerate(part_names)}
    return Reading(intent, fingers, tuple(sorted(touch, key=order.get)), tuple(sorted(avoid, key=order.get)),
                   tuple(notes))
