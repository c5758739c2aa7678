"""Reading an instruction: which intent, which hand parts, which object parts to touch and to avoid.

:func:`read_instruction` turns a free-form sentence into a :class:`Reading` that a user can inspect
(``GenerationResult.reading``, printed by ``dexgys generate``) and that the generator acts on: the
parts to avoid become object points the polish keeps the hand off. It is a small rule-based reader,
written apart from the composer that wrote the training sentences, so that it also reads the way
people talk:

* **intent**: the earliest intent phrase of the sentence (instructions open with what to do, the
  rest says how): ``use`` (use, operate, and what using an object means: press, squeeze, pull the
  trigger, spray, pump, pour, cut, write, drink, click, type...), ``hold`` (hold, grasp, grip, grab,
  clutch, pinch, wrap, cup, cradle...), ``lift`` (lift, raise, pick ... up), ``hand over`` (hand ... over / to, pass,
  give, offer);
* **fingers** (:data:`~dexgys.language.words.FINGERS`): thumb; forefinger = index / pointer / first
  finger; middle; ring; little = pinky / pinkie / small finger; palm. "All (five) fingers", "whole
  hand", "full hand", "fist" name all five (the fist and the whole hand the palm too), and so does
  "wrap" / "curl your fingers" when no finger is named; "two fingers" / "pinch" with nothing else named = thumb and forefinger, "three fingers"
  = and the middle finger, "four fingers" = all but the thumb; "the other / remaining (four) /
  rest of the fingers" = the digits not yet named;
  a finger after "without", "not", "except" or "keep ... off" is left out;
* **parts**: the object's part names (``pump_head`` read as "pump head"), singular or plural, and a
  few common words for them after "the" / "its" / "your" (:data:`PART_WORDS`: "loops" / "finger
  holes" for handle loops, "spout" for a nozzle, "ear cups", ...); a part mentioned in an avoiding phrase ("without
  touching the blade", "keep the cap free", "don't touch the body", "avoid the lid", "away from /
  off the spout", "leaving the trigger clear") is to be avoided, any other mention is to be touched.

Parts the words name that the object does not have (any part word of the catalogue), a finger
count no hand has, and an instruction that names no intent go into :attr:`Reading.notes`, in words,
so the caller can say what it did instead.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from dexgys.language.words import DIGITS, FINGERS, category_phrase, category_phrases

__all__ = ["PART_WORDS", "Reading", "infer_intent", "read_instruction"]

_INTENT_PATTERNS = {
    "hand over": r"\bhand(?:s|ed|ing)?\s+(?:it\s+|them\s+)?over\b|\bhand(?:s|ed|ing)?\s+(?:the|a|an|it|this|that)\b"
                 r"[^,.;:]*?\bto\b|\b(?:pass|passes|passed|passing|give|gives|giving|offer|offers|offering)\b",
    "lift": r"\b(?:lift|lifts|lifted|lifting|raise|raises|raising)\b|\bpick(?:s|ed|ing)?\s+(?:\w+\s+){0,3}?up\b",
    "hold": r"\b(?:hold|holds|holding|grasp|grasps|grasping|grip|grips|gripping|grab|grabs|grabbing|clutch|pinch|wrap|wraps|"
            r"wrapping|cup|cupping|"
            r"clutching|cradle|cradling|carry|carrying)\b",
    "use": r"\b(?:use|uses|using|operate|operates|operating|press|presses|pressing|push|pushing|squeeze|squeezing|"
           r"pull|pulling|spray|spraying|pump|pumping|pour|pouring|cut|cutting|write|writing|drink|drinking|"
           r"click|clicking|type|typing|brush|brushing|hammer|hammering|drill|drilling|switch|turn on|"
           r"snap|shoot|play|playing|staple|stapling|screw|unscrew|twist|twisting)\b",
}

_FINGER_PATTERNS = {
    "thumb": r"\bthumbs?\b",
    "forefinger": r"\b(?:fore ?fingers?|index(?: fingers?)?|pointer(?: fingers?)?|first fingers?|pointing fingers?)\b",
    "middle": r"\bmiddle(?: fingers?)?\b|\bsecond fingers?\b",
    "ring": r"\bring(?: fingers?)?\b|\bthird fingers?\b",
    "little": r"\b(?:little(?: fingers?)?|pink(?:y|ie|ies)|small(?:est)? fingers?|fourth fingers?)\b",
    "palm": r"\bpalms?\b",
}
_ALL_DIGITS = r"\ball (?:five |5 |of your |your |the )?(?:fingers|digits)\b|\bevery finger\b|\bfive fingers\b"
_WRAP = r"\bwrap(?:s|ped|ping)?\b|\bcurl(?:s|ed|ing)? (?:your |the )?(?:hand|fingers)\b"
_WHOLE_HAND = r"\b(?:whole|full|entire|open) hand\b|\bfist\b|\bpower grip\b"
_OTHERS = r"\b(?:other|remaining|rest of (?:the|your))(?: \w+)? (?:fingers|digits)\b|\bthe rest\b"
_FOUR = r"\b(?:four|4) fingers\b"
_TWO = r"\b(?:two|2) fingers\b|\bpinch(?:es|ed|ing)?\b|\btwo-finger\b"
_THREE = r"\b(?:three|3) fingers\b|\btripod\b"
_AVOID_BEFORE = r"(?:without (?:\w+ ){0,4}?|(?:don'?t|do not|never|not) (?:\w+ ){0,4}?|avoid(?:ing)? (?:\w+ ){0,3}?|" \
                r"away from (?:\w+ ){0,2}?|(?:keep|keeping|stay|staying)(?: \w+){0,3} (?:off|away from) (?:\w+ ){0,2}?|" \
                r"(?:fingers |hand )?off (?:of )?(?:the |your )?)$"
_AVOID_AFTER = r"^[\w ,]{0,40}?\b(?:free|clear|untouched|alone|uncovered)\b"

#: other words people use for a part name (the part name itself always counts)
PART_WORDS: dict[str, tuple[str, ...]] = {
    "handle_loops": ("loops", "loop", "finger holes", "finger loops", "rings", "handles"),
    "blades": ("blade", "cutting edge", "tips"),
    "pump_head": ("pump", "top", "head"),
    "nozzle": ("spout", "tip"),
    "earcups": ("ear cups", "ear cup", "cups", "ear pads"),
    "headband": ("band",),
    "temples": ("arms", "legs"),
    "lenses": ("glass", "glasses"),
    "barrels": ("tubes", "barrel"),
    "eyepieces": ("eyepiece",),
    "shutter_button": ("shutter", "button"),
    "buttons": ("button", "keys"),
    "trigger": ("lever",),
    "grips": ("grip", "handles"),
    "screen": ("display",),
    "body": ("barrel", "base", "main part"),
    "bowl": ("cup",),
}


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


def _normalise(text: str) -> str:
    text = text.lower().replace("’", "'").replace("-", " ")
    return re.sub(r"\s+", " ", text).strip()


def infer_intent(sentence: str) -> str | None:
    """The intent (``"use"``, ``"hold"``, ``"lift"``, ``"hand over"``) a sentence names first, or None."""
    text = _normalise(sentence)
    found = []
    for intent, pattern in _INTENT_PATTERNS.items():
        m = re.search(pattern, text)
        if m:
            found.append((m.start(), intent))
    return min(found)[1] if found else None


def _negated(text: str, start: int) -> bool:
    """Whether the mention at ``start`` sits in a negating phrase of its own clause."""
    clause = re.split(r"[,.;:!?]| and | but | while | with your | using ", text[:start])[-1]
    return bool(re.search(r"\b(?:without|not|never|except|no|don'?t|do not)\b[^,.;]*$", clause)) or \
        bool(re.search(r"\bkeep(?:ing)?\b[^,.;]*$", clause) and re.search(r"^\w*\s*(?:finger\s*)?(?:off|away)",
                                                                       text[start:].split(" ", 2)[-1]))


def _fingers(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(named on the object, named off it) hand parts, canonical order."""
    on, off = set(), set()
    for finger, pattern in _FINGER_PATTERNS.items():
        for m in re.finditer(pattern, text):
            (off if _negated(text, m.start()) else on).add(finger)
    if re.search(_WHOLE_HAND, text):
        on.update(FINGERS)
    if re.search(_ALL_DIGITS, text) or (not on & set(DIGITS) and re.search(_WRAP, text)):
        on.update(DIGITS)
    named_digits = on & set(DIGITS)
    if not named_digits - {"thumb"} and re.search(_TWO, text):
        on.update(("thumb", "forefinger"))
    if not named_digits - {"thumb", "forefinger"} and re.search(_THREE, text):
        on.update(("thumb", "forefinger", "middle"))
    if re.search(_OTHERS, text) and on & set(DIGITS):
        on.update(DIGITS)
    elif re.search(_FOUR, text):
        on.update(DIGITS[1:])
    on -= off
    order = {f: i for i, f in enumerate(FINGERS)}
    return tuple(sorted(on, key=order.get)), tuple(sorted(off, key=order.get))


_DETERMINER = r"(?:(?<=\bthe )|(?<=\bits )|(?<=\byour )|(?<=\btheir )|(?<=\bboth )|(?<=\btwo ))"


def _word_pattern(word: str, determiner: bool) -> str:
    stem = re.escape(word.rstrip("s")) if len(word) > 3 else re.escape(word)
    return rf"{_DETERMINER if determiner else ''}\b{stem}(?:s|es)?\b"


def _part_patterns(part_names) -> list[tuple[str, str]]:
    """(part, regex) for every way of naming each part, longest first (so "pump head" beats "head"):
    the part's own name anywhere, its other words (:data:`PART_WORDS`) only after "the", "its",
    "your"... (so the verb "grip" is not the game controller's grips)."""
    out = []
    for part in part_names:
        out.append((len(part), part, _word_pattern(part.replace("_", " "), False)))
        out += [(len(w), part, _word_pattern(w, True)) for w in PART_WORDS.get(part, ())]
    out.sort(key=lambda t: -t[0])
    return [(part, pattern) for _, part, pattern in out]


def _avoided(text: str, start: int, end: int) -> bool:
    before = text[:start]
    clause = re.split(r"[,.;:!?]| and (?!the\b)| but | while ", before)[-1] + " "
    clause = re.sub(r"\b(?:the|your|its|his|her|their|a|an)\s+$", "", clause.rstrip() + " ").rstrip() + " "
    if re.search(_AVOID_BEFORE, clause.lstrip()):
        return True
    after = text[end:].lstrip()
    if re.search(r"^(?:stays?|remains?|is|are|kept|left|untouched)\b(?: \w+)? ?(?:free|clear|untouched|alone)?", after) \
            and re.search(r"^[\w ]{0,20}?\b(?:free|clear|untouched|alone)\b", after):
        return True
    return bool(re.search(_AVOID_AFTER, after) and re.search(r"\b(?:keep|leave|leaving|keeping)\b", clause))


@functools.lru_cache(maxsize=1)
def _known_part_words() -> tuple[tuple[str, str], ...]:
    """(word, part) for every part name of the catalogue and its other words."""
    from dexgys.objects.catalogue import categories, get_category

    names = {p for c in categories() for p in get_category(c).parts} | set(PART_WORDS)
    out = {(n.replace("_", " "), n) for n in names} | {(w, n) for n, ws in PART_WORDS.items() for w in ws}
    return tuple(sorted(out, key=lambda wp: -len(wp[0])))


def _foreign_parts(text: str, own: set[str], taken: list[tuple[int, int]]) -> list[str]:
    """Part words of other objects in ``text`` outside the spans already read (``taken``)."""
    found, spans = [], list(taken)
    for word, part in _known_part_words():
        if part in own:
            continue
        for m in re.finditer(_word_pattern(word, True), text):
            if any(a < m.end() and m.start() < b for a, b in spans):
                continue
            spans.append(m.span())
            if word not in found:
                found.append(word)
    return found


def read_instruction(text: str, part_names=(), category: str | None = None) -> Reading:
    """Read ``text`` (see the module docstring) against the object's ``part_names``; the ``category``'s
    own name is not read as a part ("the lotion pump" is not its pump head) and words the notes."""
    t = _normalise(text)
    intent = infer_intent(t)
    fingers, _ = _fingers(t)
    touch, avoid = [], []
    taken = []  # spans already read: the object's name ("lotion pump" is no pump head), fingers, longer names
    for phrase in category_phrases(category) if category else ():
        taken += [m.span() for m in re.finditer(rf"\b{re.escape(phrase)}s?\b", t)]
    for pattern in _FINGER_PATTERNS.values():  # "ring finger" is no ring, "palm" no part
        taken += [m.span() for m in re.finditer(pattern, t)]
    for part, pattern in _part_patterns(part_names):
        for m in re.finditer(pattern, t):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue  # inside a longer name already read ("pump head" before "head")
            taken.append((m.start(), m.end()))
            target = avoid if _avoided(t, m.start(), m.end()) else touch
            if part not in target:
                target.append(part)
    touch = [p for p in touch if p not in avoid]
    notes = []
    missing = _foreign_parts(t, set(part_names), taken)
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
