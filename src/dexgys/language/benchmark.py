"""An instruction benchmark written apart from the composer: labelled sentences in the wording people use.

The training sentences all come from :mod:`dexgys.language.composer`, so a reader or a model scored
on them is scored on the composer's own phrasing. ``generate_benchmark(seed)`` writes instructions
from rules and word lists of its own (nothing here comes from the composer's phrase tables or
:mod:`dexgys.language.words`' finger aliases) and labels each one with what its words say:

* ``intent``: ``use`` / ``hold`` / ``lift`` / ``hand over``, always one that
  :func:`~dexgys.synthesis.intents.intents_for` supports for the category;
* ``fingers``: the hand parts the words put on the object (``thumb``, ``forefinger``, ``middle``,
  ``ring``, ``little``, ``palm``; empty when the words name none). Conventions: "two fingers" = thumb
  and forefinger (a pinch); "first two fingers" = forefinger and middle; "four fingers" = all
  but the thumb; "whole hand" and "fist" = the five digits and the palm; "heel of your hand" =
  palm; "the other / remaining fingers" = the digits not named before them in the sentence; a
  finger after "not" / "except" / "but" is left out. A verb alone ("pinch the cap") names no finger;
* ``touch_parts`` / ``avoid_parts``: catalogue part names the words say to touch / to keep free
  ("without touching the blade", "keep the cap free", "don't put fingers on the body"). Naming the
  object itself ("wrap all five fingers around the tumbler") names no part;
* ``phenomena``: what makes the wording unlike the composer's (:data:`PHENOMENA`).

How an item is written: each category has a few **scenes** (an intent, finger groups on parts,
parts to keep free), checked against the intent catalogue (a scene never asks to keep free a part
its intent needs). A seeded ``random.Random`` per item picks a scene, a **style** (a full sentence
with the goal first or last, "grab X by the Y", a terse note, two sentences, a long polite one), how
to name the object (its name, a synonym that names no other category, or not at all: "it"), the
words for fingers and parts, and whether to misspell one word (two letters swapped or a doubled
one dropped). The labels are collected while the words are chosen, so a finger group the style
leaves out is not labelled. The same seed always gives the same items; every label is validated before it is returned.

:func:`training_overlap` finds benchmark texts that equal a training sentence (case, whitespace and
final punctuation ignored), so a test can show the benchmark is disjoint from the training set.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dexgys.errors import DexgysError
from dexgys.language.words import join_list
from dexgys.objects.catalogue import categories, get_category
from dexgys.synthesis.intents import get_intent_spec, intents_for

__all__ = [
    "BenchmarkItem",
    "FINGER_LABELS",
    "FORMAT_VERSION",
    "GENERATOR",
    "PHENOMENA",
    "generate_benchmark",
    "normalise_sentence",
    "object_words",
    "training_overlap",
    "validate_item",
]

FORMAT_VERSION = 1
GENERATOR = "dexgys.language.benchmark/1"
#: Hand-part labels, in canonical order.
FINGER_LABELS: tuple[str, ...] = ("thumb", "forefinger", "middle", "ring", "little", "palm")
_DIGITS = FINGER_LABELS[:5]
#: Phenomenon tags an item may carry.
PHENOMENA: tuple[str, ...] = (
    "synonym",  # a finger named other than thumb / forefinger / middle, ring, little finger / palm
    "part_synonym",  # a part named by another word ("finger holes" for handle loops)
    "object_synonym",  # the object named by a synonym ("spray bottle")
    "no_object",  # the object not named at all ("grab it by the handle")
    "negation",  # parts to keep free
    "finger_exclusion",  # fingers left out by name ("every finger but your pinky")
    "terse",  # a note, not a sentence ("pinch cap")
    "long",  # a long, polite sentence
    "two_sentences",
    "misspelling",  # one word with two letters swapped or a doubled letter dropped
)
_STYLES = ("full",) * 4 + ("by",) * 3 + ("terse",) * 3 + ("two_sentences",) * 3 + ("long",) * 2
_TYPO_RATE = 0.12
_LONG_WORDS = 22


@dataclass(frozen=True)
class BenchmarkItem:
    """One labelled instruction (see the module docstring for what each label means)."""

    id: str
    category: str
    text: str
    intent: str
    fingers: tuple[str, ...]
    touch_parts: tuple[str, ...]
    avoid_parts: tuple[str, ...]
    phenomena: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"id": self.id, "category": self.category, "text": self.text, "intent": self.intent,
                "fingers": list(self.fingers), "touch_parts": list(self.touch_parts),
                "avoid_parts": list(self.avoid_parts), "phenomena": list(self.phenomena)}


# ---------------------------------------------------------------------------------------
# words for objects and parts

_PLURAL_NOUNS = {"binoculars", "eyeglasses", "glasses", "spectacles", "specs", "headphones", "scissors",
                 "shears", "pincers", "pliers"}

# category -> (its usual name, synonyms that name no other category)
_OBJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
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
_PART_SYNONYM_RATE = 0.3


def object_words(category: str) -> tuple[str, ...]:
    """The words the benchmark uses for a category: its usual name, then its synonyms."""
    name, synonyms = _OBJECTS[category]
    return (name, *synonyms)


def _part_words(category: str, part: str) -> tuple[str, ...]:
    return _PART_WORDS.get(f"{category}.{part}") or _PART_WORDS.get(part) or (part.replace("_", " "),)


def _part_kind(category: str, part: str) -> str:
    """``press`` | ``cap`` | ``loop`` | ``grip``: which verbs suit the part."""
    if part in ("trigger", "pump_head", "buttons", "switch", "shutter_button", "screen") or (category, part) == ("stapler", "top"):
        return "press"
    if part in ("cap", "lid"):
        return "cap"
    if (category, part) in (("mug", "handle"), ("teapot", "handle"), ("scissors", "handle_loops")):
        return "loop"
    return "grip"


_SQUEEZED = {("squeezable", "body"), ("pincer", "handles")}  # parts that "use" squeezes

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


_HANDS: dict[str, _Hand] = {
    "thumb": _Hand(("thumb",), "S", (("your thumb", False, False),), (("thumb", False),)),
    "index": _Hand(("forefinger",), "S",
                   (("your forefinger", False, False), ("your index finger", False, True),
                    ("your pointer finger", False, True), ("your first finger", False, True),
                    ("your pointer", False, True)),
                   (("forefinger", False), ("index", True), ("pointer", True), ("index finger", True))),
    "little": _Hand(("little",), "S",
                    (("your little finger", False, False), ("your pinky", False, True),
                     ("your little one", False, True), ("your pinkie", False, True)),
                    (("little finger", False), ("pinky", True))),
    "index_not_thumb": _Hand(("forefinger",), "S",
                             (("your index finger, not your thumb", False, True),
                              ("your forefinger rather than your thumb", False, False)),
                             (("index, not thumb", True),), exclusion=True),
    "pinch": _Hand(("thumb", "forefinger"), "P",
                   (("your thumb and forefinger", True, False), ("your thumb and index finger", True, True),
                    ("your thumb and pointer", True, True), ("two fingers", True, True)),
                   (("thumb and forefinger", False), ("two fingers", True), ("thumb and index", True))),
    "first_two": _Hand(("forefinger", "middle"), "P",
                       (("your forefinger and middle finger", True, False), ("your first two fingers", True, True),
                        ("your index and middle fingers", True, True), ("your pointer and middle fingers", True, True)),
                       (("first two fingers", True), ("index and middle", True))),
    "thumb_little": _Hand(("thumb", "little"), "P",
                          (("your thumb and little finger", True, False), ("your thumb and pinky", True, True)),
                          (("thumb and pinky", True),)),
    "thumb_middle": _Hand(("thumb", "middle"), "P",
                          (("your thumb and middle finger", True, False),),
                          (("thumb and middle finger", False),)),
    "tripod": _Hand(("thumb", "forefinger", "middle"), "M",
                    (("your thumb, forefinger and middle finger", True, False),
                     ("your thumb and first two fingers", True, True),
                     ("your thumb, index and middle fingers", True, True)),
                    (("thumb, index, middle", True), ("thumb and first two fingers", True))),
    "three_base": _Hand(("forefinger", "middle", "ring"), "M",
                        (("your forefinger, middle and ring fingers", True, False),
                         ("your index, middle and ring fingers", True, True)),
                        (("index, middle, ring", True),)),
    "four": _Hand(("forefinger", "middle", "ring", "little"), "M",
                  (("your four fingers", True, False), ("four fingers", True, False)), (("four fingers", False),)),
    "all5": _Hand(_DIGITS, "M", (("all five fingers", True, False), ("all your fingers", True, False)),
                  (("all fingers", False), ("five fingers", False))),
    "all_but_little": _Hand(("thumb", "forefinger", "middle", "ring"), "M",
                            (("every finger but your pinky", True, True),
                             ("all your fingers except the little one", True, True),
                             ("all fingers except your little finger", True, False)),
                            (("all but pinky", True),), exclusion=True),
    "rest": _Hand("rest", "M",
                  (("the rest of your fingers", True, False), ("your other fingers", True, False),
                   ("the remaining fingers", True, False)),
                  (("others", False), ("other fingers", False))),
    "whole": _Hand((*_DIGITS, "palm"), "W",
                   (("your whole hand", False, True), ("your entire hand", False, True), ("your full hand", False, True)),
                   (("whole hand", True),)),
    "fist": _Hand((*_DIGITS, "palm"), "F", (("your fist", False, True),), (("fist", True),)),
    "palm": _Hand(("palm",), "L", (("your palm", False, False), ("the heel of your hand", False, True)),
                  (("palm", False),)),
}

# ---------------------------------------------------------------------------------------
# scenes: what an instruction asks (per category)


@dataclass(frozen=True)
class _Scene:
    intent: str
    contacts: tuple[tuple[str, str | None], ...]  # (hand key or "none", part or None for the object)
    avoid: tuple[str, ...] = ()


def _scene(intent: str, contacts: str, avoid: str = "") -> _Scene:
    """``_scene("use", "index:trigger rest:bottle", "nozzle")``; ``-`` for the object itself."""
    pairs = tuple((hand, None if part == "-" else part) for hand, part in (c.split(":") for c in contacts.split()))
    return _Scene(intent, pairs, tuple(avoid.split()))


_S = _scene
_SCENES: dict[str, tuple[_Scene, ...]] = {
    "apple": (_S("hold", "whole:-"), _S("hold", "tripod:body", "stem"), _S("lift", "all5:-", "stem"),
              _S("lift", "none:stem"), _S("hand over", "tripod:-", "stem")),
    "banana": (_S("use", "index:stem rest:body"), _S("use", "pinch:stem"), _S("hold", "fist:-"),
               _S("hold", "all5:body", "stem"), _S("hand over", "tripod:body", "stem")),
    "binoculars": (_S("use", "all5:barrels", "eyepieces"), _S("use", "whole:barrels"),
                   _S("hold", "tripod:barrels", "eyepieces"), _S("hand over", "none:barrels", "eyepieces"),
                   _S("hand over", "pinch:bridge", "eyepieces")),
    "bottle": (_S("use", "pinch:cap rest:body"), _S("use", "none:cap"), _S("use", "index:neck rest:body"),
               _S("hold", "whole:body", "cap"), _S("hold", "fist:neck"), _S("hand over", "all5:body", "cap neck"),
               _S("hand over", "none:body", "cap")),
    "bowl": (_S("hold", "all5:-"), _S("hold", "palm:-"), _S("lift", "tripod:-"), _S("lift", "whole:-")),
    "cameras": (_S("use", "index:shutter_button rest:body", "lens"), _S("use", "index:shutter_button"),
                _S("hold", "whole:body", "lens"), _S("hold", "all5:body"), _S("hand over", "none:body", "lens")),
    "can": (_S("use", "all5:-"), _S("use", "whole:-"), _S("hold", "fist:-"), _S("lift", "tripod:-"),
            _S("lift", "pinch:-")),
    "cup": (_S("use", "all5:-"), _S("use", "whole:-"), _S("hold", "thumb:- four:-"), _S("hold", "all_but_little:-"),
            _S("lift", "tripod:-")),
    "cylinder_bottle": (_S("hold", "whole:body", "cap"), _S("hold", "all5:-"), _S("hold", "fist:body"),
                        _S("hand over", "all5:body", "cap"), _S("hand over", "none:body", "cap")),
    "donut": (_S("hold", "pinch:-"), _S("hold", "tripod:-"), _S("lift", "palm:-"), _S("lift", "all5:-")),
    "eyeglasses": (_S("hold", "pinch:frame", "lenses"), _S("hold", "none:frame", "lenses"), _S("hold", "tripod:frame"),
                   _S("hand over", "pinch:frame", "temples"), _S("hand over", "none:frame", "lenses temples")),
    "flashlight": (_S("use", "thumb:switch rest:body"), _S("use", "thumb:switch", "head"), _S("hold", "fist:body"),
                   _S("hold", "all5:body", "head"), _S("hand over", "all5:head", "body"),
                   _S("hand over", "none:head", "body")),
    "fryingpan": (_S("use", "whole:handle", "pan"), _S("use", "fist:handle"), _S("hold", "all5:handle", "pan"),
                  _S("hold", "none:handle")),
    "gamecontroller": (_S("use", "thumb:buttons rest:grips"), _S("use", "thumb:buttons"), _S("hold", "whole:grips"),
                       _S("hold", "all5:grips", "buttons"), _S("hand over", "pinch:body", "grips"),
                       _S("hand over", "none:body", "grips")),
    "hammer": (_S("use", "fist:handle", "head"), _S("use", "all5:handle"), _S("hold", "whole:handle"),
               _S("hold", "none:handle", "head"), _S("lift", "none:handle"), _S("lift", "all5:handle")),
    "headphones": (_S("use", "tripod:headband", "earcups"), _S("use", "pinch:headband"), _S("hold", "four:headband"),
                   _S("hold", "none:headband", "earcups"), _S("hand over", "pinch:headband", "earcups"),
                   _S("hand over", "none:headband", "earcups")),
    "knife": (_S("use", "fist:handle", "blade"), _S("use", "all5:handle", "blade"),
              _S("use", "all_but_little:handle", "blade"), _S("hold", "whole:handle", "blade"),
              _S("hold", "none:handle", "blade"), _S("hold", "pinch:handle")),
    "lightbulb": (_S("use", "tripod:bulb", "base"), _S("use", "all5:bulb"), _S("hold", "whole:bulb", "base"),
                  _S("hold", "none:bulb", "base")),
    "lotion_pump": (_S("use", "index:pump_head rest:bottle"), _S("use", "palm:pump_head", "nozzle"),
                    _S("use", "index_not_thumb:pump_head"), _S("use", "none:pump_head", "nozzle"),
                    _S("hold", "whole:bottle", "pump_head"), _S("hand over", "all5:bottle", "pump_head"),
                    _S("hand over", "none:bottle", "pump_head nozzle")),
    "mouse": (_S("use", "first_two:buttons palm:body"), _S("use", "index:buttons"), _S("hold", "thumb_little:body"),
              _S("hold", "pinch:body", "buttons")),
    "mug": (_S("use", "first_two:handle thumb:handle"), _S("use", "none:handle"), _S("lift", "three_base:handle"),
            _S("lift", "none:handle"), _S("hold", "whole:body", "handle"), _S("hold", "all_but_little:body"),
            _S("hand over", "all5:body", "handle"), _S("hand over", "none:body", "handle")),
    "pen": (_S("use", "tripod:body", "tip"), _S("use", "pinch:body", "cap"), _S("hold", "fist:body"),
            _S("hold", "none:body", "tip")),
    "phone": (_S("use", "thumb:screen rest:body"), _S("use", "thumb:screen"), _S("hold", "little:body rest:body"),
              _S("hold", "whole:body", "screen"), _S("hold", "none:body", "buttons")),
    "pincer": (_S("use", "all5:handles", "jaws"), _S("use", "fist:handles"), _S("hold", "whole:handles", "jaws"),
               _S("hand over", "pinch:jaws", "handles"), _S("hand over", "none:jaws", "handles")),
    "power_drill": (_S("use", "index:trigger rest:handle"), _S("use", "index:trigger", "chuck"),
                    _S("use", "first_two:trigger rest:handle"), _S("hold", "fist:handle", "trigger"),
                    _S("hold", "none:handle", "trigger"), _S("lift", "all5:body", "chuck"), _S("lift", "none:body"),
                    _S("hand over", "none:body", "handle trigger"), _S("hand over", "whole:body", "trigger")),
    "scissors": (_S("use", "thumb_middle:handle_loops index:handle_loops", "blades"),
                 _S("use", "none:handle_loops", "blades"), _S("use", "thumb_middle:handle_loops", "blades"),
                 _S("hold", "pinch:handle_loops", "blades"), _S("hold", "none:handle_loops", "blades")),
    "screwdriver": (_S("use", "fist:handle", "shaft"), _S("use", "palm:handle all5:handle"),
                    _S("use", "all5:handle", "tip"), _S("hold", "tripod:handle", "tip"),
                    _S("hold", "none:handle", "shaft tip")),
    "squeezable": (_S("use", "all5:body"), _S("use", "fist:body"), _S("hold", "all5:body", "cap"),
                   _S("hold", "whole:body"), _S("hand over", "none:body", "cap"), _S("hand over", "all5:body", "cap")),
    "stapler": (_S("use", "palm:top", "base"), _S("use", "palm:top thumb:base"), _S("use", "first_two:top"),
                _S("hold", "thumb:top three_base:base"), _S("hold", "none:base")),
    "teapot": (_S("hand over", "all5:body", "handle"), _S("hand over", "whole:body", "handle spout"),
               _S("hand over", "none:body", "handle"), _S("hand over", "palm:body four:body", "spout")),
    "toothbrush": (_S("use", "all5:handle", "head"), _S("use", "tripod:handle"), _S("hold", "pinch:handle", "head"),
                   _S("hold", "none:handle")),
    "trigger_sprayer": (_S("use", "index:trigger rest:bottle"), _S("use", "index:trigger", "nozzle"),
                        _S("use", "first_two:trigger rest:bottle"), _S("use", "none:trigger", "nozzle"),
                        _S("use", "index_not_thumb:trigger", "nozzle"),
                        _S("hold", "whole:bottle", "trigger"), _S("hand over", "all5:bottle", "trigger head"),
                        _S("hand over", "none:bottle", "trigger")),
    "wineglass": (_S("use", "tripod:stem", "bowl"), _S("use", "pinch:stem"), _S("hold", "palm:bowl"),
                  _S("lift", "pinch:stem", "bowl"), _S("lift", "none:stem"), _S("hand over", "tripod:bowl", "stem base"),
                  _S("hand over", "none:bowl", "stem")),
    "wrench": (_S("use", "fist:handle", "head"), _S("use", "all5:handle"), _S("hold", "all_but_little:handle"),
               _S("hold", "none:handle", "head")),
}

# ---------------------------------------------------------------------------------------
# clause templates: {F} the hand phrase, {P} the part (or object) phrase with its determiner


@dataclass(frozen=True)
class _Tpl:
    text: str
    hands: str  # hand classes it suits (see _Hand), "N" for no hand named
    parts: frozenset[str] = frozenset()  # only these parts (empty: any part of the kind)
    intents: str = "any"  # "use" | "grasp" (hold, lift, hand over) | "any"


def _t(text: str, hands: str, parts: str = "", intents: str = "any") -> _Tpl:
    return _Tpl(text, hands, frozenset(parts.split()), intents)


_CLAUSES: dict[str, tuple[_Tpl, ...]] = {
    "press": (  # to hold an object by a button, the hand only rests on it
        _t("press {P} with {F}", "SPML", intents="use"), _t("put {F} on {P}", "SPM"),
        _t("use {F} to press {P}", "SPML", intents="use"), _t("press {P}", "N", intents="use"),
        _t("rest {F} on {P}", "SL", intents="grasp"), _t("grab {P}", "N", intents="grasp"),
        _t("squeeze {P} with {F}", "SP", "trigger", "use"), _t("pull {P} back with {F}", "SP", "trigger", "use"),
        _t("curl {F} over {P}", "SP", "trigger", "use"), _t("pull {P}", "N", "trigger", "use"),
        _t("push {P} down with {F}", "SPML", "pump_head top", "use"),
        _t("push down on {P} with {F}", "SL", "pump_head top", "use"), _t("push {P} down", "N", "pump_head top", "use"),
        _t("click {P} with {F}", "SP", "buttons shutter_button", "use"),
        _t("tap {P} with {F}", "S", "screen shutter_button", "use"), _t("swipe across {P} with {F}", "S", "screen", "use"),
        _t("flick {P} with {F}", "S", "switch", "use"),
    ),
    "cap": (
        _t("twist {P} with {F}", "SPM", intents="use"), _t("unscrew {P} with {F}", "PM", intents="use"),
        _t("twist {P} between {F}", "P", intents="use"), _t("twist {P}", "N", intents="use"),
        _t("unscrew {P}", "N", intents="use"),
        _t("pinch {P} between {F}", "P", intents="grasp"), _t("grip {P} with {F}", "PM", intents="grasp"),
        _t("pinch {P}", "N", intents="grasp"),
    ),
    "loop": (
        _t("hook {F} through {P}", "PM"), _t("slide {F} into {P}", "PM"), _t("put {F} through {P}", "PM"),
        _t("rest {F} on {P}", "S"), _t("grab {P}", "N"), _t("hold {P}", "N"),
    ),
    "grip": (
        _t("wrap {F} around {P}", "PMW"), _t("grip {P} with {F}", "PMW"), _t("grab {P} with {F}", "PMW"),
        _t("close {F} around {P}", "PMWF"), _t("curl {F} around {P}", "M"), _t("hold {P} in {F}", "FL"),
        _t("cradle {P} in {F}", "LW"), _t("support {P} with {F}", "SL"), _t("pinch {P} between {F}", "P"),
        _t("rest {F} on {P}", "SL"), _t("let {P} rest against {F}", "L"),
        _t("grab {P}", "N"), _t("grip {P}", "N"), _t("take hold of {P}", "N"), _t("hold {P}", "N"),
    ),
}
_SQUEEZE_CLAUSES = (_t("squeeze {P} with {F}", "PMW"), _t("squeeze {P} in {F}", "F"), _t("squeeze {P}", "N"))
# the subject form of a clause, for a second sentence ("Your index finger goes on the trigger.")
_SUBJECT_CLAUSES = ("{F} {goes} on {P}", "{F} should rest on {P}")

# ---------------------------------------------------------------------------------------
# goals, by intent ({o}: the object phrase)

_USE_ACTS: dict[str, tuple[str, ...]] = {
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
_HEADS: dict[str, tuple[str, ...]] = {  # a goal before the clauses: "{Head}, {clauses}."
    "use": ("To {act}", "If you want to {act}", "When you {act}"),
    "hold": ("To keep {o} steady", "When you hold {o}", "To get a firm hold on {o}"),
    "lift": ("To pick {o} up", "When you lift {o}", "To raise {o} off the table"),
    "hand over": ("To pass {o} over", "When you give {o} to someone", "To hand {o} across to a friend"),
}
_TAILS: dict[str, tuple[str, ...]] = {  # a goal after them: "{Clauses}{tail}."
    "use": (" to {act}",),
    "hold": (" to hold {o} steady", " to keep a good hold on {o}"),
    "lift": (" to pick {o} up", " and lift {o}", " and raise {o} off the table"),
    "hand over": (" to pass {o} over", " and hand {o} to me", " and give {o} to the person next to you"),
}
_BY_VERBS: dict[str, tuple[str, ...]] = {  # "{Verb} by the {part}"
    "hold": ("Grab {o}", "Grip {o}", "Hold {o}", "Take hold of {o}", "Grasp {o}"),
    "lift": ("Pick {o} up", "Lift {o}", "Raise {o}"),
    "hand over": ("Pass {o} over", "Hand {o} to me", "Give {o} to a friend"),
}
_FIRST_SENTENCES: dict[str, tuple[str, ...]] = {
    "use": ("I want to {act}.", "Let's {act}.", "Time to {act}."),
    "hold": ("Hold {o} steady.", "Grab {o}.", "Take hold of {o}."),
    "lift": ("Pick {o} up.", "Lift {o} off the table."),
    "hand over": ("Pass {o} to me.", "Hand {o} over to your friend.", "Give {o} to the person next to you."),
}
_LONG_GOALS: dict[str, tuple[str, ...]] = {
    "use": ("{act}",),
    "hold": ("hold {o} steady for a few seconds", "keep {o} firmly in place"),
    "lift": ("pick {o} up off the table", "lift {o} slowly off the counter"),
    "hand over": ("pass {o} over to the person next to you", "hand {o} to your friend"),
}
_LONG_OPENERS = ("I'd like you to", "Could you please", "When you get a moment, please", "Please go ahead and")
_LONG_REASONS: dict[str, tuple[str, ...]] = {  # {it}: "it" or "them"
    "use": ("everything works the way it should", "you stay in full control of {it}"),
    "hold": ("nothing slips at all", "your grip stays steady the whole time"),
    "lift": ("you lift {it} cleanly off the table", "nothing tips over"),
    "hand over": ("the other person can take {it} easily", "your friend can take {it} without fumbling"),
}

# parts to keep free: (template, list conjunction, hand over only); {A} the parts. Inline ones
# starting " and" / " but" follow imperative clauses only.
_AVOID_INLINE = (
    (", without touching {A}", "or", False), (", keeping {A} free", "and", False), (" and keep {A} free", "and", False),
    (" but don't put fingers on {A}", "or", False), (", keeping your fingers off {A}", "and", False),
    (", not touching {A}", "or", False), (", leaving {A} alone", "and", False), ("; avoid {A}", "and", False),
    (" and stay away from {A}", "and", False), (", leaving {A} free for them", "and", True),
)
_IMPERATIVE_ONLY = (" and", " but")
_AVOID_SENTENCES = (
    ("Don't touch {A}.", "or", False), ("Keep {A} free.", "and", False), ("Keep your fingers off {A}.", "and", False),
    ("Do not put fingers on {A}.", "or", False), ("Leave {A} alone.", "and", False), ("Stay clear of {A}.", "and", False),
    ("Leave {A} free for the other person.", "and", True),
)
_AVOID_TERSE = (("avoid {A}", "and"), ("{A} free", "and"), ("no fingers on {A}", "or"), ("don't touch {A}", "or"),
                ("keep off {A}", "and"))
_TERSE_PRESS_VERBS = {"trigger": ("press", "pull", "squeeze"), "pump_head": ("press", "push down"),
                      "top": ("press", "push down"), "buttons": ("press", "click"), "screen": ("tap",),
                      "switch": ("flick", "press"), "shutter_button": ("press", "click")}

# ---------------------------------------------------------------------------------------
# writing one item


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Writer:
    """Chooses the words of one item and records the labels of what they say, in text order."""

    def __init__(self, rng: random.Random, category: str, scene: _Scene):
        self.rng, self.category, self.scene = rng, category, scene
        name, synonyms = _OBJECTS[category]
        mode = rng.choices(("name", "synonym", "none"), (0.5, 0.35 if synonyms else 0.0, 0.15))[0]
        self.noun = rng.choice(synonyms) if mode == "synonym" else name
        self.plural = self.noun in _PLURAL_NOUNS
        self.unnamed = mode == "none"
        self.named = False
        self.fingers: set[str] = set()
        self.touch: list[str] = []
        self.avoid: list[str] = []
        self.tags: set[str] = set()

    # the object ------------------------------------------------------------------------
    def pronoun(self) -> str:
        return "them" if self.plural else "it"

    def obj(self) -> str:
        """"the mug" the first time, "it" / "them" after (or always, when the object goes unnamed)."""
        if self.unnamed or self.named:
            return self.pronoun()
        return f"the {self.bare_obj()}"

    def bare_obj(self) -> str:
        if self.unnamed:
            return self.pronoun()
        self.named = True
        if self.noun != _OBJECTS[self.category][0]:
            self.tags.add("object_synonym")
        return self.noun

    def act(self) -> str:
        return self.rng.choice(_USE_ACTS.get(self.category, ("use {o}",))).format(o=self.obj())

    # parts and hands ----------------------------------------------------------------------
    def part_word(self, part: str) -> str:
        words = _part_words(self.category, part)
        if len(words) > 1 and self.rng.random() < _PART_SYNONYM_RATE:
            self.tags.add("part_synonym")
            return self.rng.choice(words[1:])
        return words[0]

    def part(self, part: str | None) -> str:
        """The phrase for a part to touch ("the handle", "its handle", "the handle of the mug");
        for ``None`` the object itself."""
        if part is None:
            return self.obj()
        self.touch_part(part)
        word = self.part_word(part)
        if (self.named or self.unnamed) and self.rng.random() < 0.25:
            return f"{'their' if self.plural else 'its'} {word}"
        if not self.named and not self.unnamed and self.rng.random() < 0.3:
            return f"the {word} of {self.obj()}"
        return f"the {word}"

    def touch_part(self, part: str) -> None:
        if part not in self.touch:
            self.touch.append(part)

    def avoid_phrase(self, conj: str, bare: bool = False) -> str:
        words = []
        for part in self.scene.avoid:
            self.avoid.append(part)
            words.append(self.part_word(part) if bare else f"the {self.part_word(part)}")
        self.tags.add("negation")
        return join_list(words, conj)

    def _labels(self, key: str) -> tuple[str, ...]:
        hand = _HANDS[key]
        if hand.labels != "rest":
            return hand.labels  # type: ignore[return-value]
        named = self.fingers & set(_DIGITS)
        if not named:
            raise DexgysError(f"{self.category}: 'the other fingers' before any finger is named")
        return tuple(f for f in _DIGITS if f not in named)

    def hand(self, key: str, terse: bool = False) -> tuple[str, bool]:
        """The words for a finger group, and whether they are plural; labels the fingers."""
        hand = _HANDS[key]
        self.fingers.update(self._labels(key))
        if terse:
            text, synonym = self.rng.choice(hand.terse)
            plural = True
        else:
            text, plural, synonym = self.rng.choice(hand.phrases)
        if synonym:
            self.tags.add("synonym")
        if hand.exclusion:
            self.tags.add("finger_exclusion")
        return text, plural

    # clauses --------------------------------------------------------------------------------
    def _templates(self, key: str, part: str | None) -> list[_Tpl]:
        kind = "grip" if part is None else _part_kind(self.category, part)
        grasp = self.scene.intent != "use"
        pool = list(_CLAUSES[kind])
        if not grasp and (self.category, part) in _SQUEEZED:
            pool = list(_SQUEEZE_CLAUSES) + pool
        cls = "N" if key == "none" else _HANDS[key].cls
        out = [t for t in pool if cls in t.hands and (not t.parts or part in t.parts)
               and t.intents in ("any", "grasp" if grasp else "use")]
        if part is None:  # "grab it" says nothing: the object needs a hand on it
            out = [t for t in out if "{F}" in t.text]
        if key == "index_not_thumb":  # "your index finger, not your thumb" reads well last only
            out = [t for t in out if t.text.endswith("{F}")]
        if not out:
            raise DexgysError(f"{self.category}: no clause for {key} on {part}")
        return out

    def clause(self, key: str, part: str | None) -> str:
        """An imperative clause: "hook your first two fingers through the handle"."""
        tpl = self.rng.choice(self._templates(key, part))
        hand = self.hand(key)[0] if "{F}" in tpl.text else ""
        return tpl.text.format(F=hand, P=self.part(part))

    def subject_clause(self, key: str, part: str | None) -> str:
        """"your index finger goes on the trigger" (a hand named first)."""
        text, plural = self.hand(key)
        tpl = self.rng.choice(_SUBJECT_CLAUSES)
        return tpl.format(F=text, goes="go" if plural else "goes", P=self.part(part))

    def clauses(self) -> str:
        return join_list([self.clause(k, p) for k, p in self.scene.contacts])

    def avoid_inline(self, after_imperative: bool = True) -> str:
        if not self.scene.avoid:
            return ""
        options = [(t, c) for t, c, handover in _AVOID_INLINE if (not handover or self.scene.intent == "hand over")
                   and (after_imperative or not t.startswith(_IMPERATIVE_ONLY))]
        tpl, conj = self.rng.choice(options)
        return tpl.format(A=self.avoid_phrase(conj))

    def avoid_sentence(self) -> str:
        options = [(t, c) for t, c, handover in _AVOID_SENTENCES if not handover or self.scene.intent == "hand over"]
        tpl, conj = self.rng.choice(options)
        return tpl.format(A=self.avoid_phrase(conj))

    # styles -----------------------------------------------------------------------------------
    def goal(self, table: Mapping[str, tuple[str, ...]]) -> str:
        return self._fill_goal(self.rng.choice(table[self.scene.intent]))

    def _fill_goal(self, tpl: str) -> str:
        return tpl.format(act=self.act(), o=self.obj()) if "{act}" in tpl else tpl.format(o=self.obj())

    def full(self) -> str:
        if self.rng.random() < 0.6:
            head = self.goal(_HEADS)
            return f"{head}, {self.clauses()}{self.avoid_inline()}."
        body = self.clauses()
        tails = [t for t in _TAILS[self.scene.intent] if len(self.scene.contacts) == 1 or t.startswith(" to")]
        tail = self.rng.choice(tails)
        goal = self._fill_goal(tail)
        return _capital(f"{body}{goal}{self.avoid_inline(after_imperative=not tail.startswith(' and'))}.")

    def by(self) -> str:
        """"Grab the mug by its handle (with two fingers)."; hold, lift and hand over only."""
        ((key, part),) = self.scene.contacts
        verb = self.rng.choice(_BY_VERBS[self.scene.intent]).format(o=self.obj())
        text = f"{verb} by {self.part(part)}"
        if key != "none" and self.rng.random() < 0.6:
            words = self.hand(key)[0]
            text += f" in {words}" if _HANDS[key].cls == "F" else f" {self.rng.choice(('with', 'using'))} {words}"
        return text + self.avoid_inline() + "."

    def terse(self) -> str:
        """"press trigger with index, others on bottle, nozzle free"."""
        contacts = [(k, p) for k, p in self.scene.contacts if p is not None]
        (key, part), rest = contacts[0], contacts[1:]
        intent, kind = self.scene.intent, _part_kind(self.category, part)
        chunks = []
        if intent == "use" and (kind == "loop" or kind == "grip" and (self.category, part) not in _SQUEEZED):
            chunks.append(f"use {self.bare_obj()}")
            rest = contacts
        else:
            if intent == "hand over":
                chunks.append(self.rng.choice(("pass {o}", "hand {o} over")).format(o=self.bare_obj()))
            verb = self._terse_verb(kind, part, key)
            self.touch_part(part)
            lead = f"{verb} {self.part_word(part)}"
            if key != "none" and (self.rng.random() < 0.65 or any(k == "rest" for k, _ in rest)):
                lead += self.rng.choice((" with ", ", ")) + self.hand(key, terse=True)[0]
            chunks.append(lead)
        for k, p in rest:
            self.touch_part(p)
            if k == "none":
                chunks.append(f"by {self.part_word(p)}")
                continue
            hand = self.hand(k, terse=True)[0]
            on = "through" if _part_kind(self.category, p) == "loop" and _HANDS[k].cls in "PM" else "on"
            chunks.append(f"{hand} {on} {self.part_word(p)}")
        if self.scene.avoid:
            tpl, conj = self.rng.choice(_AVOID_TERSE)
            chunks.append(tpl.format(A=self.avoid_phrase(conj, bare=True)))
        self.tags.add("terse")
        return ", ".join(chunks)

    def _terse_verb(self, kind: str, part: str, key: str) -> str:
        intent = self.scene.intent
        if intent == "lift":
            return self.rng.choice(("lift by", "pick up by"))
        if intent == "use":
            if kind == "press":
                return self.rng.choice(_TERSE_PRESS_VERBS.get(part, ("press",)))
            return "twist" if kind == "cap" else "squeeze"
        if kind == "loop":
            return self.rng.choice(("hook", "grab"))
        if kind == "cap" or (key != "none" and _HANDS[key].cls == "P"):
            return "pinch"
        return self.rng.choice(("grab", "grip", "hold"))

    def two_sentences(self) -> str:
        self.tags.add("two_sentences")
        if self.scene.avoid and self.rng.random() < 0.5:
            first = f"{self.goal(_HEADS)}, {self.clauses()}."
            return f"{first} {self.avoid_sentence()}"
        first = self.goal(_FIRST_SENTENCES)
        (key, part), *others = self.scene.contacts
        subject = key != "none" and not _HANDS[key].exclusion and self.rng.random() < 0.35
        if subject:
            parts = [self.subject_clause(key, part)] + [self.clause(k, p) for k, p in others]
            second = parts[0] if not others else f"{parts[0]}, and {join_list(parts[1:])}"
        else:
            second = self.clauses()
        return f"{_capital(first)} {_capital(second)}{self.avoid_inline(after_imperative=not subject or bool(others))}."

    def long(self) -> str:
        opener = self.rng.choice(_LONG_OPENERS)
        goal = self.goal(_LONG_GOALS)
        reason = self.rng.choice(_LONG_REASONS[self.scene.intent]).format(it=self.pronoun())
        how = f"{self.clauses()}{self.avoid_inline()}, so that {reason}"
        if len(f"{opener} {goal} and while you do that {how}".split()) < _LONG_WORDS:
            goal += " slowly and carefully"
        self.tags.add("long")
        return f"{opener} {goal}, and while you do that, {how}" + ("?" if opener.startswith("Could") else ".")


_VERB_STEMS = ("hold", "grab", "grip", "grasp", "press", "squeeze", "pinch", "wrap", "close", "curl", "lift",
               "push", "pull", "click", "twist", "take")


def _repeats_a_verb(text: str) -> bool:
    """"When you hold the pen, hold the body", "Grip the grips": a verb (or its stem) used twice."""
    words = re.findall(r"[a-z]+", text.lower())
    return any(sum(w.startswith(stem) for w in words) > 1 for stem in _VERB_STEMS)


def _style_fits(style: str, scene: _Scene) -> bool:
    if style == "by":
        return scene.intent != "use" and len(scene.contacts) == 1 and scene.contacts[0][1] is not None
    if style == "terse":
        return any(p is not None for _, p in scene.contacts)
    return True


def _misspell(rng: random.Random, text: str) -> str | None:
    """The text with one word of 5+ letters misspelt: two adjacent inner letters swapped, or one of
    a doubled letter dropped ("midle"). Both keep the first and last letters, and neither tends to
    make another English word (dropping any letter does: "body" -> "boy", "frame" -> "fame")."""
    words = list(re.finditer(r"[A-Za-z]{5,}", text))
    rng.shuffle(words)
    for m in words:
        w = m.group()
        doubled = [i for i in range(1, len(w)) if w[i] == w[i - 1]]
        if doubled and rng.random() < 0.5:
            i = rng.choice(doubled)
            typo = w[:i] + w[i + 1:]
        else:
            i = rng.randrange(1, len(w) - 2)
            typo = w[:i] + w[i + 1] + w[i] + w[i + 2:]
        if typo != w:
            return text[:m.start()] + typo + text[m.end():]
    return None


def _write(rng: random.Random, category: str, scene: _Scene, style: str) -> tuple[str, _Writer] | None:
    """One item's text and the writer holding its labels; None when the words repeat a verb."""
    w = _Writer(rng, category, scene)
    text = getattr(w, style if _style_fits(style, scene) else "full")()
    if _repeats_a_verb(text):
        return None
    if rng.random() < _TYPO_RATE:
        typo = _misspell(rng, text)
        if typo is not None:
            text = typo
            w.tags.add("misspelling")
    if not w.named:
        w.tags.add("no_object")
    return text, w


# ---------------------------------------------------------------------------------------
# the benchmark


def _category_parts(category: str) -> tuple[str, ...]:
    return get_category(category).parts


def validate_item(item: BenchmarkItem, part_names: Sequence[str] | None = None) -> list[str]:
    """What is wrong with an item's labels (empty when nothing): unknown category, part or
    finger, an intent the category does not support, a part both to touch and to avoid, a part to
    avoid that the intent needs, an unknown phenomenon. ``part_names`` defaults to the
    catalogue's declared parts."""
    problems = []
    if item.category not in categories():
        return [f"{item.id}: unknown category {item.category!r}"]
    parts = set(part_names if part_names is not None else _category_parts(item.category))
    if item.intent not in intents_for(item.category):
        problems.append(f"{item.id}: intent {item.intent!r} is not supported for {item.category}")
    else:
        needed = set(get_intent_spec(item.category, item.intent).target_parts) & set(item.avoid_parts)
        if needed:
            problems.append(f"{item.id}: asks to avoid {sorted(needed)}, which {item.intent!r} needs")
    unknown = (set(item.touch_parts) | set(item.avoid_parts)) - parts
    if unknown:
        problems.append(f"{item.id}: parts {sorted(unknown)} are not parts of {item.category}")
    both = set(item.touch_parts) & set(item.avoid_parts)
    if both:
        problems.append(f"{item.id}: parts {sorted(both)} both to touch and to avoid")
    if not set(item.fingers) <= set(FINGER_LABELS) or list(item.fingers) != sorted(item.fingers, key=FINGER_LABELS.index):
        problems.append(f"{item.id}: bad fingers {item.fingers}")
    if not set(item.phenomena) <= set(PHENOMENA):
        problems.append(f"{item.id}: unknown phenomena {sorted(set(item.phenomena) - set(PHENOMENA))}")
    if not item.text.strip():
        problems.append(f"{item.id}: empty text")
    return problems


def _category_items(category: str, seed: int, per_category: int, taken: set[str]) -> list[BenchmarkItem]:
    scenes = _SCENES[category]
    order = random.Random(f"dexgys.benchmark|{seed}|{category}|order")
    scene_cycle = order.sample(scenes, len(scenes))
    styles = order.sample(_STYLES, len(_STYLES))
    items = []
    for k in range(per_category):
        scene, style = scene_cycle[k % len(scene_cycle)], styles[k % len(styles)]
        for attempt in range(50):
            rng = random.Random(f"dexgys.benchmark|{seed}|{category}|{k}|{attempt}")
            written = _write(rng, category, scene, style)
            if written is not None and normalise_sentence(written[0]) not in taken:
                break
        else:
            raise DexgysError(f"{category}: no new sentence for item {k} after 50 attempts")
        text, w = written
        taken.add(normalise_sentence(text))
        items.append(BenchmarkItem(
            id=f"{category}-{k:02d}", category=category, text=text, intent=scene.intent,
            fingers=tuple(f for f in FINGER_LABELS if f in w.fingers), touch_parts=tuple(w.touch),
            avoid_parts=tuple(w.avoid), phenomena=tuple(t for t in PHENOMENA if t in w.tags),
        ))
    return items


def generate_benchmark(seed: int = 0, per_category: int = 15) -> list[BenchmarkItem]:
    """``per_category`` labelled instructions for every catalogue category, the same for the same
    ``seed``. Raises :class:`~dexgys.errors.DexgysError` if any label fails :func:`validate_item`
    (a bug in the tables)."""
    if per_category < 1:
        raise DexgysError(f"per_category must be at least 1, got {per_category}")
    missing = sorted(set(categories()) - set(_SCENES))
    if missing:
        raise DexgysError(f"no benchmark scenes for {', '.join(missing)}")
    taken: set[str] = set()
    items = [item for c in sorted(_SCENES) for item in _category_items(c, seed, per_category, taken)]
    problems = [p for item in items for p in validate_item(item)]
    if problems:
        raise DexgysError("bad benchmark labels: " + "; ".join(problems[:5]))
    return items


def normalise_sentence(text: str) -> str:
    """Lower case, single spaces, no final ``.``/``!``/``?``: the form texts are compared in."""
    return re.sub(r"\s+", " ", text).strip().rstrip(".!?").strip().lower()


def training_overlap(texts: Iterable[str], sentences: Iterable[str]) -> list[str]:
    """The ``texts`` that equal one of ``sentences`` (training guidance) once normalised."""
    seen = {normalise_sentence(s) for s in sentences}
    return [t for t in texts if normalise_sentence(t) in seen]
