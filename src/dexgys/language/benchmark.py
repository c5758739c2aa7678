"""An instruction benchmark written apart from the composer: labelled sentences in the wording people use.

The training sentences all come from :mod:`dexgys.language.composer`, so a reader or a model scored
on them is scored on the composer's own phrasing. ``generate_benchmark(seed)`` writes instructions
from rules and word lists of its own (:mod:`dexgys.language.benchmark_tables`; nothing there comes
from the composer's phrase tables or :mod:`dexgys.language.words`' finger aliases) and labels each
one with what its words say (:class:`~dexgys.language.benchmark_items.BenchmarkItem`: intent,
fingers, parts to touch and to avoid, phenomena).

How an item is written: each category has a few **scenes** (an intent, finger groups on parts,
parts to keep free), checked against the intent catalogue (a scene never asks to keep free a part
its intent needs). A seeded ``random.Random`` per item picks a scene, a **style** (a full sentence
with the goal first or last, "grab X by the Y", a terse note, two sentences, a long polite one), how
to name the object (its name, a synonym that names no other category, or not at all: "it"), the
words for fingers and parts, and whether to misspell one word (two letters swapped or a doubled
one dropped). The labels are collected while the words are chosen, so a finger group the style
leaves out is not labelled. The same seed always gives the same items; every label is validated before it is returned.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping

from dexgys.errors import DexgysError
from dexgys.language.benchmark_items import (
    DIGIT_LABELS,
    FINGER_LABELS,
    PHENOMENA,
    BenchmarkItem,
    normalise_sentence,
    validate_item,
)
from dexgys.language.benchmark_scenes import SCENES, Scene
from dexgys.language.benchmark_tables import (
    AVOID_INLINE,
    AVOID_SENTENCES,
    AVOID_TERSE,
    BY_VERBS,
    CLAUSES,
    FIRST_SENTENCES,
    HANDS,
    HEADS,
    IMPERATIVE_ONLY,
    LONG_GOALS,
    LONG_OPENERS,
    LONG_REASONS,
    OBJECTS,
    PART_SYNONYM_RATE,
    PLURAL_NOUNS,
    SQUEEZE_CLAUSES,
    SQUEEZED,
    SUBJECT_CLAUSES,
    TAILS,
    TERSE_PRESS_VERBS,
    USE_ACTS,
    ClauseTemplate,
    part_words,
    verb_kind,
)
from dexgys.language.words import join_list
from dexgys.objects.catalogue import categories

__all__ = ["FORMAT_VERSION", "GENERATOR", "generate_benchmark"]

FORMAT_VERSION = 1
GENERATOR = "dexgys.language.benchmark/1"
_STYLES = ("full",) * 4 + ("by",) * 3 + ("terse",) * 3 + ("two_sentences",) * 3 + ("long",) * 2
_TYPO_RATE = 0.12
_LONG_WORDS = 22

# ---------------------------------------------------------------------------------------
# writing one item


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Writer:
    """Chooses the words of one item and records the labels of what they say, in text order."""

    def __init__(self, rng: random.Random, category: str, scene: Scene):
        self.rng, self.category, self.scene = rng, category, scene
        name, synonyms = OBJECTS[category]
        mode = rng.choices(("name", "synonym", "none"), (0.5, 0.35 if synonyms else 0.0, 0.15))[0]
        self.noun = rng.choice(synonyms) if mode == "synonym" else name
        self.plural = self.noun in PLURAL_NOUNS
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
        """ "the mug" the first time, "it" / "them" after (or always, when the object goes unnamed)."""
        if self.unnamed or self.named:
            return self.pronoun()
        return f"the {self.bare_obj()}"

    def bare_obj(self) -> str:
        if self.unnamed:
            return self.pronoun()
        self.named = True
        if self.noun != OBJECTS[self.category][0]:
            self.tags.add("object_synonym")
        return self.noun

    def act(self) -> str:
        return self.rng.choice(USE_ACTS.get(self.category, ("use {o}",))).format(o=self.obj())

    # parts and hands ----------------------------------------------------------------------
    def part_word(self, part: str) -> str:
        words = part_words(self.category, part)
        if len(words) > 1 and self.rng.random() < PART_SYNONYM_RATE:
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
        hand = HANDS[key]
        if hand.labels != "rest":
            return hand.labels  # type: ignore[return-value]
        named = self.fingers & set(DIGIT_LABELS)
        if not named:
            raise DexgysError(f"{self.category}: 'the other fingers' before any finger is named")
        return tuple(f for f in DIGIT_LABELS if f not in named)

    def hand(self, key: str, terse: bool = False) -> tuple[str, bool]:
        """The words for a finger group, and whether they are plural; labels the fingers."""
        hand = HANDS[key]
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
    def _templates(self, key: str, part: str | None) -> list[ClauseTemplate]:
        kind = "grip" if part is None else verb_kind(self.category, part)
        grasp = self.scene.intent != "use"
        pool = list(CLAUSES[kind])
        if not grasp and (self.category, part) in SQUEEZED:
            pool = list(SQUEEZE_CLAUSES) + pool
        cls = "N" if key == "none" else HANDS[key].cls
        out = [
            t
            for t in pool
            if cls in t.hands and (not t.parts or part in t.parts) and t.intents in ("any", "grasp" if grasp else "use")
        ]
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
        """ "your index finger goes on the trigger" (a hand named first)."""
        text, plural = self.hand(key)
        tpl = self.rng.choice(SUBJECT_CLAUSES)
        return tpl.format(F=text, goes="go" if plural else "goes", P=self.part(part))

    def clauses(self) -> str:
        return join_list([self.clause(k, p) for k, p in self.scene.contacts])

    def avoid_inline(self, after_imperative: bool = True) -> str:
        if not self.scene.avoid:
            return ""
        options = [
            (t, c)
            for t, c, handover in AVOID_INLINE
            if (not handover or self.scene.intent == "hand over")
            and (after_imperative or not t.startswith(IMPERATIVE_ONLY))
        ]
        tpl, conj = self.rng.choice(options)
        return tpl.format(A=self.avoid_phrase(conj))

    def avoid_sentence(self) -> str:
        options = [(t, c) for t, c, handover in AVOID_SENTENCES if not handover or self.scene.intent == "hand over"]
        tpl, conj = self.rng.choice(options)
        return tpl.format(A=self.avoid_phrase(conj))

    # styles -----------------------------------------------------------------------------------
    def goal(self, table: Mapping[str, tuple[str, ...]]) -> str:
        return self._fill_goal(self.rng.choice(table[self.scene.intent]))

    def _fill_goal(self, tpl: str) -> str:
        return tpl.format(act=self.act(), o=self.obj()) if "{act}" in tpl else tpl.format(o=self.obj())

    def full(self) -> str:
        if self.rng.random() < 0.6:
            head = self.goal(HEADS)
            return f"{head}, {self.clauses()}{self.avoid_inline()}."
        body = self.clauses()
        tails = [t for t in TAILS[self.scene.intent] if len(self.scene.contacts) == 1 or t.startswith(" to")]
        tail = self.rng.choice(tails)
        goal = self._fill_goal(tail)
        return _capital(f"{body}{goal}{self.avoid_inline(after_imperative=not tail.startswith(' and'))}.")

    def by(self) -> str:
        """ "Grab the mug by its handle (with two fingers)."; hold, lift and hand over only."""
        ((key, part),) = self.scene.contacts
        verb = self.rng.choice(BY_VERBS[self.scene.intent]).format(o=self.obj())
        text = f"{verb} by {self.part(part)}"
        if key != "none" and self.rng.random() < 0.6:
            words = self.hand(key)[0]
            text += f" in {words}" if HANDS[key].cls == "F" else f" {self.rng.choice(('with', 'using'))} {words}"
        return text + self.avoid_inline() + "."

    def terse(self) -> str:
        """ "press trigger with index, others on bottle, nozzle free"."""
        contacts = [(k, p) for k, p in self.scene.contacts if p is not None]
        (key, part), rest = contacts[0], contacts[1:]
        intent, kind = self.scene.intent, verb_kind(self.category, part)
        chunks = []
        if intent == "use" and (kind == "loop" or kind == "grip" and (self.category, part) not in SQUEEZED):
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
            on = "through" if verb_kind(self.category, p) == "loop" and HANDS[k].cls in "PM" else "on"
            chunks.append(f"{hand} {on} {self.part_word(p)}")
        if self.scene.avoid:
            tpl, conj = self.rng.choice(AVOID_TERSE)
            chunks.append(tpl.format(A=self.avoid_phrase(conj, bare=True)))
        self.tags.add("terse")
        return ", ".join(chunks)

    def _terse_verb(self, kind: str, part: str, key: str) -> str:
        intent = self.scene.intent
        if intent == "lift":
            return self.rng.choice(("lift by", "pick up by"))
        if intent == "use":
            if kind == "press":
                return self.rng.choice(TERSE_PRESS_VERBS.get(part, ("press",)))
            return "twist" if kind == "cap" else "squeeze"
        if kind == "loop":
            return self.rng.choice(("hook", "grab"))
        if kind == "cap" or (key != "none" and HANDS[key].cls == "P"):
            return "pinch"
        return self.rng.choice(("grab", "grip", "hold"))

    def two_sentences(self) -> str:
        self.tags.add("two_sentences")
        if self.scene.avoid and self.rng.random() < 0.5:
            first = f"{self.goal(HEADS)}, {self.clauses()}."
            return f"{first} {self.avoid_sentence()}"
        first = self.goal(FIRST_SENTENCES)
        (key, part), *others = self.scene.contacts
        subject = key != "none" and not HANDS[key].exclusion and self.rng.random() < 0.35
        if subject:
            parts = [self.subject_clause(key, part)] + [self.clause(k, p) for k, p in others]
            second = parts[0] if not others else f"{parts[0]}, and {join_list(parts[1:])}"
        else:
            second = self.clauses()
        return f"{_capital(first)} {_capital(second)}{self.avoid_inline(after_imperative=not subject or bool(others))}."

    def long(self) -> str:
        opener = self.rng.choice(LONG_OPENERS)
        goal = self.goal(LONG_GOALS)
        reason = self.rng.choice(LONG_REASONS[self.scene.intent]).format(it=self.pronoun())
        how = f"{self.clauses()}{self.avoid_inline()}, so that {reason}"
        if len(f"{opener} {goal} and while you do that {how}".split()) < _LONG_WORDS:
            goal += " slowly and carefully"
        self.tags.add("long")
        return f"{opener} {goal}, and while you do that, {how}" + ("?" if opener.startswith("Could") else ".")


_VERB_STEMS = (
    "hold",
    "grab",
    "grip",
    "grasp",
    "press",
    "squeeze",
    "pinch",
    "wrap",
    "close",
    "curl",
    "lift",
    "push",
    "pull",
    "click",
    "twist",
    "take",
)


def _repeats_a_verb(text: str) -> bool:
    """ "When you hold the pen, hold the body", "Grip the grips": a verb (or its stem) used twice."""
    words = re.findall(r"[a-z]+", text.lower())
    return any(sum(w.startswith(stem) for w in words) > 1 for stem in _VERB_STEMS)


def _style_fits(style: str, scene: Scene) -> bool:
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
            typo = w[:i] + w[i + 1 :]
        else:
            i = rng.randrange(1, len(w) - 2)
            typo = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
        if typo != w:
            return text[: m.start()] + typo + text[m.end() :]
    return None


def _write(rng: random.Random, category: str, scene: Scene, style: str) -> tuple[str, _Writer] | None:
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


def _category_items(category: str, seed: int, per_category: int, taken: set[str]) -> list[BenchmarkItem]:
    scenes = SCENES[category]
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
        items.append(
            BenchmarkItem(
                id=f"{category}-{k:02d}",
                category=category,
                text=text,
                intent=scene.intent,
                fingers=tuple(f for f in FINGER_LABELS if f in w.fingers),
                touch_parts=tuple(w.touch),
                avoid_parts=tuple(w.avoid),
                phenomena=tuple(t for t in PHENOMENA if t in w.tags),
            )
        )
    return items


def generate_benchmark(seed: int = 0, per_category: int = 15) -> list[BenchmarkItem]:
    """``per_category`` labelled instructions for every catalogue category, the same for the same
    ``seed``. Raises :class:`~dexgys.errors.DexgysError` if any label fails
    :func:`~dexgys.language.benchmark_items.validate_item` (a bug in the tables)."""
    if per_category < 1:
        raise DexgysError(f"per_category must be at least 1, got {per_category}")
    missing = sorted(set(categories()) - set(SCENES))
    if missing:
        raise DexgysError(f"no benchmark scenes for {', '.join(missing)}")
    taken: set[str] = set()
    items = [item for c in sorted(SCENES) for item in _category_items(c, seed, per_category, taken)]
    problems = [p for item in items for p in validate_item(item)]
    if problems:
        raise DexgysError("bad benchmark labels: " + "; ".join(problems[:5]))
    return items
