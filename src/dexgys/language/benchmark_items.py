"""The instruction benchmark's items: what a labelled instruction holds, the checks on its labels, and
the comparison with training sentences.

Each :class:`BenchmarkItem` (written by :func:`~dexgys.language.benchmark.generate_benchmark`) is
labelled with what its words say:

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

:func:`validate_item` says what is wrong with an item's labels. :func:`training_overlap` finds
benchmark texts that equal a training sentence (case, whitespace and final punctuation ignored), so a
test can show the benchmark is disjoint from the training set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dexgys.objects.catalogue import categories, get_category
from dexgys.synthesis.intents import get_intent_spec, intents_for

__all__ = [
    "DIGIT_LABELS",
    "FINGER_LABELS",
    "PHENOMENA",
    "BenchmarkItem",
    "normalise_sentence",
    "training_overlap",
    "validate_item",
]

#: Hand-part labels, in canonical order.
FINGER_LABELS: tuple[str, ...] = ("thumb", "forefinger", "middle", "ring", "little", "palm")
#: The five digits' labels (:data:`FINGER_LABELS` without the palm).
DIGIT_LABELS: tuple[str, ...] = FINGER_LABELS[:5]
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
        return {
            "id": self.id,
            "category": self.category,
            "text": self.text,
            "intent": self.intent,
            "fingers": list(self.fingers),
            "touch_parts": list(self.touch_parts),
            "avoid_parts": list(self.avoid_parts),
            "phenomena": list(self.phenomena),
        }


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
    if not set(item.fingers) <= set(FINGER_LABELS) or list(item.fingers) != sorted(
        item.fingers, key=FINGER_LABELS.index
    ):
        problems.append(f"{item.id}: bad fingers {item.fingers}")
    if not set(item.phenomena) <= set(PHENOMENA):
        problems.append(f"{item.id}: unknown phenomena {sorted(set(item.phenomena) - set(PHENOMENA))}")
    if not item.text.strip():
        problems.append(f"{item.id}: empty text")
    return problems


def normalise_sentence(text: str) -> str:
    """Lower case, single spaces, no final ``.``/``!``/``?``: the form texts are compared in."""
    return re.sub(r"\s+", " ", text).strip().rstrip(".!?").strip().lower()


def training_overlap(texts: Iterable[str], sentences: Iterable[str]) -> list[str]:
    """The ``texts`` that equal one of ``sentences`` (training guidance) once normalised."""
    seen = {normalise_sentence(s) for s in sentences}
    return [t for t in texts if normalise_sentence(t) in seen]
