"""Vocabulary shared by the language layer: fingers, part and category phrases, list joining.

Everything here works on plain strings. Part and category names are snake_case
identifiers (``pump_head``, ``trigger_sprayer``); any such name can be turned
into words, and a small table gives nicer words for a few OakInk names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from dexgys.errors import DexgysError

#: The hand parts that contact facts talk about, in canonical order.
FINGERS: tuple[str, ...] = ("thumb", "forefinger", "middle", "ring", "little", "palm")
#: The five digits (the palm is not a finger).
DIGITS: tuple[str, ...] = FINGERS[:5]

#: Canonical finger name -> the words used for it in running text.
FINGER_WORDS: dict[str, str] = {
    "thumb": "thumb",
    "forefinger": "forefinger",
    "middle": "middle finger",
    "ring": "ring finger",
    "little": "little finger",
    "palm": "palm",
}

_FINGER_ALIASES: dict[str, str] = {
    "thumb": "thumb",
    "forefinger": "forefinger",
    "fore": "forefinger",
    "index": "forefinger",
    "first": "forefinger",
    "pointer": "forefinger",
    "middle": "middle",
    "ring": "ring",
    "little": "little",
    "pinky": "little",
    "pinkie": "little",
    "palm": "palm",
}

#: The 34 OakInk category names used by DexGYSNet ``cate_id``.
OAKINK_CATEGORIES: tuple[str, ...] = (
    "apple",
    "banana",
    "binoculars",
    "bottle",
    "bowl",
    "cameras",
    "can",
    "cup",
    "cylinder_bottle",
    "donut",
    "eyeglasses",
    "flashlight",
    "fryingpan",
    "gamecontroller",
    "hammer",
    "headphones",
    "knife",
    "lightbulb",
    "lotion_pump",
    "mouse",
    "mug",
    "pen",
    "phone",
    "pincer",
    "power_drill",
    "scissors",
    "screwdriver",
    "squeezable",
    "stapler",
    "teapot",
    "toothbrush",
    "trigger_sprayer",
    "wineglass",
    "wrench",
)

# Nicer words for OakInk names that are not plain English once underscores go.
_CATEGORY_WORDS: dict[str, str] = {
    "cameras": "camera",
    "cylinder_bottle": "cylindrical bottle",
    "fryingpan": "frying pan",
    "gamecontroller": "game controller",
    "lightbulb": "light bulb",
    "squeezable": "squeeze bottle",
    "pincer": "pincers",
}
# Categories that are plural nouns in English ("the scissors ... them").
_PLURAL_CATEGORIES = {"binoculars", "eyeglasses", "headphones", "scissors", "pincers", "pliers", "tongs"}
# A few part names read better with other words; any other name just loses its underscores.
_PART_WORDS: dict[str, str] = {
    "pumphead": "pump head",
    "handleloops": "handle loops",
    "bristle": "bristles",
}

_NAME_RE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")


def normalize_name(name: object, what: str = "part") -> str:
    """``"Pump Head"`` / ``"pump-head"`` / ``"pump_head"`` -> ``"pump_head"``; rejects anything else."""
    if not isinstance(name, str):
        raise DexgysError(f"{what} name must be a string, got {type(name).__name__}")
    norm = re.sub(r"[\s\-]+", "_", name.strip().lower())
    if not _NAME_RE.match(norm):
        raise DexgysError(f"bad {what} name {name!r}: use letters, digits and underscores (e.g. 'pump_head')")
    return norm


def normalize_finger(name: object) -> str:
    """Map ``"index finger"``, ``"Index"``, ``"pinky"``, ``"little_finger"``... to a canonical finger name."""
    if not isinstance(name, str):
        raise DexgysError(f"finger name must be a string, got {type(name).__name__}")
    key = re.sub(r"[\s_\-]+", " ", name.strip().lower())
    key = re.sub(r" ?fingers?$", "", key).strip()
    if key in _FINGER_ALIASES:
        return _FINGER_ALIASES[key]
    raise DexgysError(f"unknown finger {name!r}: expected one of {', '.join(FINGERS)}")


def part_phrase(part: str) -> str:
    """Words for a part name: ``pump_head`` -> ``pump head``."""
    return _PART_WORDS.get(part, part.replace("_", " "))


def part_phrases(part: str) -> list[str]:
    """Every phrase a sentence may use for ``part``: its words, the raw name, singular/plural."""
    base = {part_phrase(part), part.replace("_", " ")}
    out = set(base)
    for phrase in base:
        if phrase.endswith("ies") and len(phrase) > 4:
            out.add(phrase[:-3] + "y")
        elif phrase.endswith("s") and not phrase.endswith("ss") and len(phrase) > 3:
            out.add(phrase[:-1])
        else:
            out.add(phrase + "s")
    return sorted(out, key=lambda s: (-len(s.split()), -len(s), s))


def is_plural_part(part: str) -> bool:
    last = part_phrase(part).split()[-1]
    return last.endswith("s") and not last.endswith(("ss", "us", "is", "ns"))


def category_phrase(category: str) -> str:
    """Words for a category: ``trigger_sprayer`` -> ``trigger sprayer``, ``fryingpan`` -> ``frying pan``."""
    return _CATEGORY_WORDS.get(category, category.replace("_", " "))


def category_phrases(category: str) -> list[str]:
    """Every phrase naming the category, longest first (used to mask it before parsing contacts)."""
    out = {category_phrase(category), category.replace("_", " "), category}
    return sorted(out, key=lambda s: (-len(s.split()), -len(s), s))


def is_plural_category(category: str) -> bool:
    return category_phrase(category) in _PLURAL_CATEGORIES or category in _PLURAL_CATEGORIES


def indefinite(noun_phrase: str) -> str:
    """``a mug``, ``an apple``."""
    return ("an " if noun_phrase[:1].lower() in "aeio" else "a ") + noun_phrase


def join_list(items: Sequence[str], conj: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c`` (no Oxford comma)."""
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def sort_fingers(fingers: Iterable[str]) -> tuple[str, ...]:
    fs = set(fingers)
    return tuple(f for f in FINGERS if f in fs)


def count_words(sentence: str) -> int:
    """Number of words in a sentence (whitespace-separated tokens that contain a letter or digit)."""
    return sum(1 for tok in sentence.split() if re.search(r"[A-Za-z0-9]", tok))
