"""Spelling: reading a slip of the reader's words as the word meant ("tuhmb" -> "thumb").

:func:`normalise` lower-cases an instruction, unifies apostrophes and hyphens, squeezes whitespace,
and reads each word of five letters or more that the reader does not know and that is one slip
from a word of its tables (two neighbouring letters swapped, or one of a doubled letter dropped or
typed once more; the first letter kept) as that word. Words the tables spell, their inflections
and a list of common English words are never changed ("heard" stays "heard").
"""

from __future__ import annotations

import functools
import re

from dexgys.language.reading_patterns import (
    AVOID_AFTER,
    AVOID_BEFORE,
    AVOID_VERBS,
    CATEGORY_PART_WORDS,
    CURL,
    FINGER_GROUPS,
    FINGER_OFF,
    FINGER_PATTERN_WORDS,
    FINGER_PATTERNS,
    FOUR,
    INTENT_PATTERNS,
    OBJECT_WORDS,
    OTHERS,
    PART_WORDS,
    THREE,
    TWO,
    noun_forms,
)
from dexgys.language.words import category_phrases

__all__ = ["normalise"]

# common English words that are never read as a slip of the reader's words ("heard" is not "head")
_COMMON_WORDS = frozenset(
    """
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
""".split()
)


@functools.lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Every word the reader's tables spell out (patterns, finger, part and object words): the words a
    slip is read as."""
    from dexgys.objects.catalogue import categories, get_category

    phrases = [p for c in categories() for p in (*category_phrases(c), *get_category(c).parts)]
    phrases += [*PART_WORDS, *(w for ws in PART_WORDS.values() for w in ws)]
    phrases += [w for table in CATEGORY_PART_WORDS.values() for ws in table.values() for w in ws]
    phrases += [w for ws in OBJECT_WORDS.values() for w in ws]
    words = {w for p in phrases for f in noun_forms(p.replace("_", " ")) for w in f.split()}
    patterns = [
        *INTENT_PATTERNS.values(),
        *FINGER_PATTERNS.values(),
        *(p for p, _ in FINGER_GROUPS),
        CURL,
        OTHERS,
        FOUR,
        TWO,
        THREE,
        AVOID_BEFORE,
        AVOID_AFTER,
        FINGER_OFF,
    ]
    words |= {w for p in patterns for w in re.findall(r"[a-z]{4,}", p)}
    words |= set(FINGER_PATTERN_WORDS.split()) | AVOID_VERBS
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
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and word[diff[0]] == target[diff[1]]
            and word[diff[1]] == target[diff[0]]
        )
    short, long_ = (word, target) if n < m else (target, word)
    return len(long_) == len(short) + 1 and any(
        long_[:i] + long_[i + 1 :] == short and long_[i] == long_[i - 1] for i in range(1, len(long_))
    )


@functools.lru_cache(maxsize=4096)
def _spelling(word: str) -> str:
    """``word``, or the vocabulary word it is one slip from (the first in sorted order if several)."""
    if len(word) < 4 or word in _known_words():
        return word
    near = sorted(t for t in _vocabulary() if abs(len(t) - len(word)) <= 1 and _one_slip(word, t))
    return near[0] if near else word


def normalise(text: str) -> str:
    text = text.lower().replace("’", "'").replace("-", " ")
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<!')\b[a-z]{4,}\b(?!')", lambda m: _spelling(m.group()), text)
