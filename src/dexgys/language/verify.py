"""Check what a guidance sentence claims against the contact facts.

:func:`verify_sentence` reads a sentence the way a person would for the question
"which finger does it say touches which part?": it splits the sentence into
clauses (at punctuation that ends a clause, at "while", "so", ..., and at "and"
or a comma followed by a new verb), finds the finger phrases ("your forefinger",
"middle, ring and little fingers", "your other fingers", "all five fingers",
"your palm") and part phrases ("the pump head") in each clause, pairs them, and
returns every claimed pair that the facts do not contain. Clauses that say a part
is left free ("leaving the handle free") are checked the other way round.

It is a heuristic parser, not a grammar: it is exact on the composer's own
sentences (the composer uses it as a gate) and catches the usual mistakes of an
LLM (a wrong finger on a part, a part no finger touches). It does not see a part
called by a name that is not in ``part_names``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from dexgys.language.contacts import ContactFacts
from dexgys.language.words import DIGITS, FINGER_WORDS, FINGERS, category_phrases, part_phrase, part_phrases

# ---------------------------------------------------------------------------------------
# verbs (shared with the composer, which conjugates the same way)

_DOUBLE_FINAL = {
    "put",
    "set",
    "grip",
    "slip",
    "cup",
    "hug",
    "wrap",
    "clip",
    "tap",
    "pin",
    "tug",
    "trap",
    "drop",
    "stop",
    "grab",
    "plug",
    "rub",
    "pat",
    "sit",
    "let",
    "get",
}


def conjugate(base: str) -> tuple[str, str, str]:
    """``(base, third person singular, -ing form)`` of a regular-enough English verb."""
    if base == "lie":
        return "lie", "lies", "lying"
    if base in _DOUBLE_FINAL:
        ing = base + base[-1] + "ing"
    elif base.endswith("e") and not base.endswith(("ee", "ye", "oe")):
        ing = base[:-1] + "ing"
    else:
        ing = base + "ing"
    if base.endswith(("s", "sh", "ch", "x", "z")):
        third = base + "es"
    elif base.endswith("y") and base[-2:-1] not in "aeiou":
        third = base[:-1] + "ies"
    else:
        third = base + "s"
    return base, third, ing


_VERB_BASES = """
press push pull squeeze hold grip grasp grab take support steady brace clasp clutch pinch twist turn
cradle cup wrap curl close place put rest keep hook slip insert set lay lie loop thread slide tuck
secure stabilize stabilise balance position let use lift pick raise hand pass apply make ensure cover
encircle extend anchor nestle settle lock hug sandwich guide operate stay sit leave lean depress
activate wind embrace envelop fold bend curve drape spread grip hook tilt carry gather seat
""".split()
#: Every form of every verb that may start a new clause after "and" or a comma.
VERB_FORMS: frozenset[str] = frozenset(form for b in _VERB_BASES for form in conjugate(b))

_HARD_BOUNDARIES = {".", ";", ":", "!", "?", "(", ")"}
_CLAUSE_WORDS = {"while", "whilst", "whereas", "so", "then", "but", "until", "before", "after", "as"}
_SKIP_AFTER_AND = {"then", "also", "gently", "firmly", "lightly", "securely", "carefully", "slightly", "just"}
_NEGATIVE_CUES = {
    "free",
    "clear",
    "untouched",
    "unobstructed",
    "exposed",
    "off",
    "away",
    "avoid",
    "avoiding",
    "without",
    "not",
    "never",
    "no",
    "nothing",
}
_DETERMINERS = {"the", "a", "an", "its", "their", "this", "that", "each", "both", "either", "'s", "his", "her", "one"}
_AMBIGUOUS_EXTRA = {"handle", "handles", "top", "rest", "side", "back", "front", "end", "tip", "base", "cap", "head"}

_FINGER_NOUNS = {
    "thumb": "thumb",
    "thumbs": "thumb",
    "forefinger": "forefinger",
    "forefingers": "forefinger",
    "pinky": "little",
    "pinkie": "little",
    "pinkies": "little",
    "palm": "palm",
    "palms": "palm",
}
_FINGER_ADJS = {"index": "forefinger", "pointer": "forefinger", "middle": "middle", "ring": "ring", "little": "little"}
_FINGER_TERMS = {"finger", "fingers"}
_NUMBERS = {"two", "three", "four", "five"}
_VAGUE_DIGITS = {"finger", "fingers", "fingertip", "fingertips", "digits"}


@dataclass
class _Mention:
    kind: str  # "finger" or "part"
    fingers: frozenset[str] = frozenset()
    vague: str | None = None  # "digits" (some finger) or "hand" (some finger or the palm)
    part: str | None = None


@dataclass
class _Fragment:
    tokens: list[str] = field(default_factory=list)
    mentions: list[_Mention] = field(default_factory=list)

    @property
    def has_fingers(self) -> bool:
        return any(m.kind == "finger" for m in self.mentions)

    @property
    def has_parts(self) -> bool:
        return any(m.kind == "part" for m in self.mentions)

    @property
    def negative(self) -> bool:
        return any(t in _NEGATIVE_CUES for t in self.tokens)


def _tokenize(sentence: str) -> list[str]:
    text = sentence.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"n't\b", " not", text)
    text = re.sub(r"[\-\u2013\u2014/]", " ", text)
    return re.findall(r"[a-z0-9]+|'s\b|[,;:.!?()]", text)


class _Parser:
    def __init__(self, part_names: Iterable[str], category: str | None):
        self.phrases: list[tuple[tuple[str, ...], str | None]] = []  # (words, part or None for category)
        part_word_seqs = set()
        for part in part_names:
            for ph in part_phrases(part):
                words = tuple(ph.split())
                part_word_seqs.add(words)
                self.phrases.append((words, part))
        if category:
            for ph in category_phrases(category):
                words = tuple(ph.split())
                if words not in part_word_seqs:
                    self.phrases.append((words, None))
        # longest first; on a tie a part beats the category
        self.phrases.sort(key=lambda x: (-len(x[0]), x[1] is None))
        self.ambiguous = VERB_FORMS | _AMBIGUOUS_EXTRA

    # -- phrase matchers: each returns (n_tokens, mention or None) or None -------------
    def match_phrase(self, toks: list[str], i: int):
        for words, part in self.phrases:
            n = len(words)
            if tuple(toks[i : i + n]) != words:
                continue
            if part is not None and n == 1 and words[0] in self.ambiguous:
                if i == 0 or toks[i - 1] not in _DETERMINERS:
                    continue
            return n, (_Mention("part", part=part) if part is not None else None)
        return None

    def match_fingers(self, toks: list[str], i: int, mentioned: set[str]):
        n = len(toks)
        t = toks[i]
        # "other fingers", "remaining three fingers", "other four"
        if t in ("other", "remaining"):
            j = i + 1
            if j < n and toks[j] in _NUMBERS:
                j += 1
            if j < n and toks[j] in ("fingers", "finger", "digits"):
                return j + 1 - i, self._complement(mentioned)
            return None
        # "rest of your fingers"
        if t == "rest" and toks[i + 1 : i + 2] == ["of"] and i + 3 < n and toks[i + 3] in ("fingers", "digits"):
            return 4, self._complement(mentioned)
        # "all five fingers", "all your fingers", "all of your fingers", "every finger"
        if t in ("all", "every"):
            j = i + 1
            while j < n and toks[j] in ("five", "of", "your", "the", "my"):
                j += 1
            if j < n and toks[j] in ("fingers", "finger", "digits"):
                return j + 1 - i, _Mention("finger", fingers=frozenset(DIGITS))
            return None
        if t == "four" and toks[i + 1 : i + 2] == ["fingers"]:
            return 2, _Mention("finger", fingers=frozenset(DIGITS[1:]))
        if t in ("hand", "hands") and i > 0 and toks[i - 1] in ("your", "whole", "entire", "the", "one"):
            return 1, _Mention("finger", vague="hand")
        if t in _VAGUE_DIGITS:
            return 1, _Mention("finger", vague="digits")
        # explicit lists: "thumb", "index finger", "thumb, middle and ring fingers", "thumb and your palm"
        if t not in _FINGER_NOUNS and t not in _FINGER_ADJS:
            return None
        found: list[str] = []
        pending: list[str] = []
        j = i
        while j < n:
            w = toks[j]
            if w in _FINGER_NOUNS:
                found.append(_FINGER_NOUNS[w])
                j += 1
            elif w in _FINGER_ADJS:
                pending.append(_FINGER_ADJS[w])
                j += 1
                if j < n and toks[j] in _FINGER_TERMS:
                    found.extend(pending)
                    pending = []
                    j += 1
            else:
                break
            # continue over ", " / "and" / "or" (optionally "your"/"the") if another finger word follows
            k = j
            if k < n and toks[k] in (",", "and", "or"):
                k += 1
                while k < n and toks[k] in ("your", "the", "and"):
                    k += 1
                if k < n and (toks[k] in _FINGER_NOUNS or toks[k] in _FINGER_ADJS):
                    j = k
                    continue
            break
        if not found:
            return None
        return j - i, _Mention("finger", fingers=frozenset(found))

    @staticmethod
    def _complement(mentioned: set[str]) -> _Mention:
        rest = frozenset(f for f in DIGITS if f not in mentioned)
        if rest:
            return _Mention("finger", fingers=rest)
        return _Mention("finger", vague="digits")

    def comma_is_boundary(self, toks: list[str], i: int) -> bool:
        j = i + 1
        if j >= len(toks):
            return True
        if toks[j] in ("the", "your"):
            j += 1
            if j >= len(toks):
                return True
        w = toks[j]
        if w in _FINGER_NOUNS or w in _FINGER_ADJS:
            return False
        for words, part in self.phrases:
            if part is not None and tuple(toks[j : j + len(words)]) == words:
                return False
        return True

    # -- sentence -> fragments ----------------------------------------------------------
    def fragments(self, sentence: str) -> list[_Fragment]:
        toks = _tokenize(sentence)
        frags = [_Fragment()]
        mentioned: set[str] = set()
        i = 0
        n = len(toks)
        while i < n:
            t = toks[i]
            boundary = False
            if t in _HARD_BOUNDARIES or t in _CLAUSE_WORDS:
                boundary = True
            elif t == ",":
                boundary = self.comma_is_boundary(toks, i)
            elif t in ("and", "or"):
                k = i + 1
                while k < n and toks[k] in _SKIP_AFTER_AND:
                    k += 1
                boundary = k < n and toks[k] in VERB_FORMS
            if boundary:
                if frags[-1].tokens:
                    frags.append(_Fragment())
                i += 1
                continue
            best = None
            pm = self.match_phrase(toks, i)
            fm = self.match_fingers(toks, i, mentioned)
            if pm and (not fm or pm[0] > fm[0]):
                best = pm
            elif fm:
                best = fm
            frag = frags[-1]
            if best is None:
                frag.tokens.append(t)
                i += 1
                continue
            width, mention = best
            frag.tokens.extend(toks[i : i + width])
            if mention is not None:
                frag.mentions.append(mention)
                if mention.kind == "finger":
                    mentioned.update(mention.fingers)
            i += width
        return [f for f in frags if f.tokens]


@functools.lru_cache(maxsize=256)
def _parser(names: tuple[str, ...], category: str | None) -> _Parser:
    return _Parser(names, category)


def _merge_finger_only(frags: list[_Fragment]) -> list[_Fragment]:
    """Attach "with your forefinger," style fragments to the neighbouring clause that names the part."""
    frags = list(frags)
    i = 0
    while i < len(frags):
        f = frags[i]
        if f.has_fingers and not f.has_parts and not f.negative:

            def ok(g: _Fragment) -> bool:
                return g.has_parts and not g.has_fingers and not g.negative

            prev_ok = i > 0 and ok(frags[i - 1])
            next_ok = i + 1 < len(frags) and ok(frags[i + 1])
            leads = f.tokens[0] in ("with", "using", "by") if f.tokens else False
            if prev_ok and (leads or not next_ok):
                g = frags[i - 1]
                frags[i - 1] = _Fragment(g.tokens + f.tokens, g.mentions + f.mentions)
                del frags[i]
                continue
            if next_ok:
                g = frags[i + 1]
                frags[i + 1] = _Fragment(f.tokens + g.tokens, f.mentions + g.mentions)
                del frags[i]
                continue
        i += 1
    return frags


def _pairs(mentions: list[_Mention]) -> list[tuple[_Mention, str]]:
    """Pair finger mentions with part mentions inside one clause.

    Runs of consecutive finger mentions and of part mentions alternate. With one run
    of each, everything pairs with everything ("pinch the cap between your thumb and
    forefinger"); with more, each run pairs with the run of the other kind that follows
    it, in the order the clause started with ("your forefinger on the trigger and your
    other fingers around the head"), and a trailing run pairs with the one before it.
    """
    runs: list[tuple[str, list[_Mention]]] = []
    for m in mentions:
        if runs and runs[-1][0] == m.kind:
            runs[-1][1].append(m)
        else:
            runs.append((m.kind, [m]))
    out: list[tuple[_Mention, str]] = []

    def link(a: list[_Mention], b: list[_Mention]) -> None:
        fingers = [m for m in a + b if m.kind == "finger"]
        parts = [m.part for m in a + b if m.kind == "part"]
        for fm in fingers:
            for p in parts:
                out.append((fm, p))  # type: ignore[arg-type]

    if len(runs) < 2:
        return out
    i = 0
    while i < len(runs):
        if i + 1 < len(runs):
            link(runs[i][1], runs[i + 1][1])
            i += 2
        else:
            link(runs[i - 1][1], runs[i][1])
            i += 1
    return out


def verify_sentence(
    sentence: str,
    facts: ContactFacts,
    part_names: Iterable[str],
    *,
    category: str | None = None,
) -> list[str]:
    """Every finger–part contact that ``sentence`` claims and ``facts`` does not contain.

    ``part_names`` lists the object's parts (touched or not) so that a sentence naming an
    untouched part is caught; ``category`` (recommended) keeps the object's own name from
    being read as a part ("trigger sprayer" is not the trigger). Returns human-readable
    problems such as ``"claims thumb touches trigger"``; an empty list means every claim
    is backed by the facts.
    """
    parser = _parser(tuple(sorted(set(part_names) | set(facts.parts))), category)
    frags = _merge_finger_only(parser.fragments(sentence))
    problems: list[str] = []

    def add(msg: str) -> None:
        if msg not in problems:
            problems.append(msg)

    for frag in frags:
        parts = [m.part for m in frag.mentions if m.kind == "part"]
        if frag.negative:
            named = set()
            for m in frag.mentions:
                if m.kind == "finger":
                    named |= set(m.fingers) or set(FINGERS if m.vague == "hand" else DIGITS)
            for p in parts:
                touching = [f for f in facts.fingers_on(p) if not named or f in named]
                if touching:
                    add(f"claims {part_phrase(p)} is free, but {FINGER_WORDS[touching[0]]} touches it")
            continue
        if not frag.has_fingers:
            for p in parts:
                if not facts.fingers_on(p):
                    add(f"claims the hand touches {part_phrase(p)}")
            continue
        for fm, p in _pairs(frag.mentions):
            if fm.vague == "digits":
                if not facts.fingers_on(p, digits_only=True):
                    add(f"claims fingers touch {part_phrase(p)}")
            elif fm.vague == "hand":
                if not facts.fingers_on(p):
                    add(f"claims the hand touches {part_phrase(p)}")
            else:
                for f in FINGERS:
                    if f in fm.fingers and not facts.touches(f, p):
                        add(f"claims {FINGER_WORDS[f]} touches {part_phrase(p)}")
    return problems
