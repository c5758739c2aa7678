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

The word tables and regexes (:data:`OBJECT_WORDS`, :data:`PART_WORDS` ...) live in
:mod:`dexgys.language.reading_patterns`, the spelling in :mod:`dexgys.language.spelling`; this module
holds the parser.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from dexgys.language.reading_patterns import (
    A_HOLD_BEFORE,
    AVOID_AFTER,
    AVOID_BEFORE,
    AVOID_VERBS,
    BUT_EXCEPT,
    CATEGORY_PART_WORDS,
    CLAUSE_BREAK,
    CONJUNCTIONS,
    CURL,
    DETERMINERS,
    FINGER_CLAUSE_BREAK,
    FINGER_GROUPS,
    FINGER_LIST_GAP,
    FINGER_NOUNS,
    FINGER_OFF,
    FINGER_PATTERNS,
    FOUR,
    FREE,
    GOAL_BEFORE,
    HAND_CONTACT,
    INTENT_PATTERNS,
    NEGATION,
    NOUN_BEFORE,
    OBJECT_WORDS,
    OTHERS,
    PART_WORDS,
    PREPOSITIONS,
    THREE,
    TWO,
    USE_A_HAND,
    VERB_FORMS,
    VERB_NOUN_NEXT,
    VERB_OBJECT,
    noun_forms,
)
from dexgys.language.spelling import normalise
from dexgys.language.words import DIGITS, FINGERS, category_phrase, category_phrases

__all__ = ["Reading", "infer_intent", "read_instruction"]


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

        line = [
            f"intent: {self.intent or '(not stated)'}",
            f"fingers: {words(self.fingers)}",
            f"touch: {words(self.touch_parts)}",
        ]
        if self.avoid_parts:
            line.append(f"avoid: {words(self.avoid_parts)}")
        return "; ".join(line)

    def as_dict(self) -> dict:
        return {
            "intent": self.intent,
            "fingers": list(self.fingers),
            "touch_parts": list(self.touch_parts),
            "avoid_parts": list(self.avoid_parts),
            "notes": list(self.notes),
        }


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
            before = text[: m.start()].split()
            verb = (
                " " not in name
                and (not before or before[-1] not in DETERMINERS)
                and re.match(VERB_OBJECT, text[m.end() :])
            )
            if not verb:
                pieces += [text[last : m.start()], "thing"]
                last = m.end()
        text = "".join(pieces) + text[last:]
    return text


def _intent(text: str) -> str | None:
    """The intent of normalised text whose object names and part words are masked (see the module docstring)."""
    hand_verbs = {m.start() for m in re.finditer(USE_A_HAND, text)}
    found = []  # (rank, start, intent): a goal ("to drink", "when you pass") before another use, lift or hand over
    for intent, pattern in INTENT_PATTERNS.items():
        for m in re.finditer(pattern, text):
            before = text[: m.start()]
            words = before.split()
            if (
                m.start() in hand_verbs
                or (words and words[-1] in NOUN_BEFORE)
                or re.search(NEGATION, before)
                or re.match(HAND_CONTACT, text[m.start() :])
            ):
                continue
            rank = 2 if intent == "hold" else 0 if re.search(GOAL_BEFORE, before) else 1
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
    return _intent(_mask_part_names(_mask_object(normalise(sentence), category)))


# ---------------------------------------------------------------------------------------
# fingers


def _finger_off(text: str, start: int, end: int) -> bool:
    """Whether the finger named at ``start:end`` is left out ("not your thumb", "every finger but your
    pinky", "keep your thumb off")."""
    clause = re.split(FINGER_CLAUSE_BREAK, text[:start])[-1]
    if re.search(FINGER_OFF, clause) or re.search(BUT_EXCEPT, clause):
        return True
    return bool(
        re.search(r"\bkeep(?:ing)?\b[^,.;]*$", clause) and re.match(r"\s*(?:fingers?\s*)?(?:off|away)\b", text[end:])
    )


def _fingers(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(named on the object, named off it) hand parts, canonical order. A finger in a list ("not your
    ring or little finger") goes where the one before it goes."""
    on, off = set(), set()
    mentions = sorted(
        (m.start(), m.end(), finger) for finger, pattern in FINGER_PATTERNS.items() for m in re.finditer(pattern, text)
    )
    left_out, last_end = False, None
    for start, end, finger in mentions:
        if last_end is None or not re.fullmatch(FINGER_LIST_GAP, text[last_end:start]):
            left_out = _finger_off(text, start, end)
        (off if left_out else on).add(finger)
        last_end = end
    for pattern, fingers in FINGER_GROUPS:
        for m in re.finditer(pattern, text):
            if not re.search(FINGER_OFF, re.split(CLAUSE_BREAK, text[: m.start()])[-1]):
                on.update(fingers)
    named_digits = on & set(DIGITS)
    if not named_digits - {"thumb"} and re.search(TWO, text):
        on.update(("thumb", "forefinger"))
    if not named_digits - {"thumb", "forefinger"} and re.search(THREE, text):
        on.update(("thumb", "forefinger", "middle"))
    if re.search(OTHERS, text) and on & set(DIGITS):
        on.update(DIGITS)
    elif re.search(FOUR, text):
        on.update(DIGITS[1:])
    if not on & set(DIGITS) and re.search(CURL, text):
        on.update(DIGITS)
    on -= off
    order = {f: i for i, f in enumerate(FINGERS)}
    return tuple(sorted(on, key=order.get)), tuple(sorted(off, key=order.get))


# ---------------------------------------------------------------------------------------
# parts


def _part_words(part_names, category: str | None) -> list[tuple[str, str, bool]]:
    """(part, phrase, is the part's own name) for every way of naming each part, longest first (so
    "pump head" beats "head"); a word that is another part's own name is that part's only."""
    own = {f for p in part_names for f in noun_forms(p.replace("_", " "))}
    extra = CATEGORY_PART_WORDS.get(category or "", {})
    out = []
    for part in part_names:
        out.append((part, part.replace("_", " "), True))
        for word in (*extra.get(part, ()), *PART_WORDS.get(part, ())):
            if not noun_forms(word) & own:
                out.append((part, word, False))
    out.sort(key=lambda t: -len(t[1]))
    return out


@functools.cache
def _phrase_regex(phrase: str, after_determiner: bool = False) -> re.Pattern:
    """The phrase, singular or plural, as a word; with ``after_determiner`` only after "the", "its",
    "your", "their", "both", "two"."""
    forms = "|".join(re.escape(f) for f in sorted(noun_forms(phrase), key=len, reverse=True))
    lead = (
        r"(?:(?<=\bthe )|(?<=\bits )|(?<=\byour )|(?<=\btheir )|(?<=\bboth )|(?<=\btwo ))" if after_determiner else ""
    )
    return re.compile(rf"{lead}\b(?:{forms})\b")


def _where_a_noun_goes(text: str, start: int, word: str) -> bool:
    """Whether the single ``word`` at ``start`` stands where a noun goes: after a determiner or a
    preposition, after a determiner and an adjective ("the metal thread"), after "and" / "or", after a
    verb, or first in a clause; a word that is also one of the reader's verbs ("grip") only after
    "the" / "its" / "their" / "this" / "that" (and an adjective)."""
    words = text[:start].split()
    prev = words[-1] if words and words[-1][-1] not in ",.;:!?" else None
    before_prev = words[-2] if prev and len(words) > 1 else None
    if word in VERB_FORMS:
        definite = {"the", "its", "their", "this", "that"}
        return prev in definite or (before_prev in definite and prev not in VERB_FORMS)
    if prev in DETERMINERS or prev in PREPOSITIONS or (before_prev in DETERMINERS and prev not in VERB_FORMS):
        return True
    return prev is None or prev in CONJUNCTIONS or prev in AVOID_VERBS or prev in VERB_FORMS


def _mentions(text: str, part_names, category: str | None, taken: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """(start, end, part) of every mention of the object's parts outside the spans ``taken`` (which
    it extends), in text order."""
    found = []
    for part, phrase, own in _part_words(part_names, category):
        for m in _phrase_regex(phrase).finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue  # inside a longer name already read ("pump head" before "head")
            before = text[: m.start()].split()
            if before and before[-1] in FINGER_NOUNS:
                continue  # "finger tips", "thumb pad"
            if m.group() in VERB_FORMS and (
                re.match(VERB_NOUN_NEXT, text[m.end() :])
                and not (before and before[-1] in DETERMINERS)
                or re.search(A_HOLD_BEFORE, text[: m.start()])
            ):
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
        words = text[a[1] : b[0]]
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
    for g in gaps[i + 1 :]:
        if g != "comma":
            return g == "conj"
    return False


def _avoided(text: str, start: int, end: int) -> bool:
    """Whether the list of parts at ``start:end`` sits in an avoiding phrase."""
    clause = re.split(CLAUSE_BREAK, text[:start])[-1] + " "
    clause = re.sub(r"\b(?:the|your|its|his|her|their|a|an)\s+$", "", clause.rstrip() + " ").rstrip() + " "
    if re.search(AVOID_BEFORE, clause.lstrip()):
        return True
    after = text[end:].lstrip()
    if re.match(rf"(?:(?:stays?|remains?|is|are|kept|left|staying)\b(?: \w+)? ?)?{FREE}\b", after):
        return True
    return bool(re.search(AVOID_AFTER, after) and re.search(r"\b(?:keep|leave|leaving|keeping)\b", clause))


@functools.lru_cache(maxsize=1)
def _known_part_words() -> tuple[tuple[str, str], ...]:
    """(word, part) for every part name of the catalogue and its other words."""
    from dexgys.objects.catalogue import categories, get_category

    names = {p for c in categories() for p in get_category(c).parts} | set(PART_WORDS)
    out = {(n.replace("_", " "), n) for n in names} | {(w, n) for n, ws in PART_WORDS.items() for w in ws}
    out |= {(w, n) for table in CATEGORY_PART_WORDS.values() for n, ws in table.items() for w in ws}
    return tuple(sorted(out, key=lambda wp: -len(wp[0])))


def _foreign_parts(text: str, part_names, category: str | None, taken: list[tuple[int, int]]) -> list[str]:
    """Part words of other objects in ``text`` outside the spans already read (``taken``), where a
    noun goes after "the" / "its" / "your"...; not a word for one of the object's own parts, nor a
    hold ("your grip")."""
    own = {f for _, phrase, _ in _part_words(part_names, category) for f in noun_forms(phrase)}
    found, spans = [], list(taken)
    for word, part in _known_part_words():
        if part in part_names or word in own or word[:-1] not in text:
            continue
        for m in _phrase_regex(word, True).finditer(text):
            if any(a < m.end() and m.start() < b for a, b in spans) or (
                m.group() in VERB_FORMS and re.search(A_HOLD_BEFORE, text[: m.start()])
            ):
                continue
            spans.append(m.span())
            if word not in found:
                found.append(word)
    return found


def read_instruction(text: str, part_names=(), category: str | None = None) -> Reading:
    """Read ``text`` (see the module docstring) against the object's ``part_names``; the ``category``'s
    names are not read as parts ("the lotion pump" is not its pump head) and word the notes."""
    t = normalise(text)
    intent = _intent(_mask_part_names(_mask_object(t, category)))
    fingers, _ = _fingers(t)
    taken = []  # spans already read: the object's names, fingers, longer part names
    for name in _object_names(category):
        taken += [m.span() for m in re.finditer(rf"\b{re.escape(name)}(?:s|es)?\b", t)]
    for pattern in (*FINGER_PATTERNS.values(), *(p for p, _ in FINGER_GROUPS)):  # "ring finger" is no ring
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
        notes.append(
            f"the {thing} has no {' or '.join(missing)} (its parts: "
            f"{', '.join(p.replace('_', ' ') for p in part_names)})"
        )
    count = re.search(r"\b(six|seven|eight|nine|ten|[6-9]) fingers\b", t)
    if count:
        notes.append(f"a hand has five fingers, not {count.group(1)}")
    if intent is None:
        notes.append("no intent is stated (use, hold, lift or hand over)")
    if not fingers and not touch:
        notes.append(f"the words name neither fingers nor a part of the {(category or 'object').replace('_', ' ')}")
    order = {p: i for i, p in enumerate(part_names)}
    return Reading(
        intent, fingers, tuple(sorted(touch, key=order.get)), tuple(sorted(avoid, key=order.get)), tuple(notes)
    )
