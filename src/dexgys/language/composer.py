"""The built-in fine-guidance writer: contact facts -> one natural, varied, true sentence.

``compose(facts, category, intent, seed)`` writes one sentence of 10–20 words that
starts from the brief guidance ("To use the trigger sprayer, ...", "Pick up the mug
by ...", "When handing over the knife, ...") and says how the hand holds the object,
stating only contacts that are in the facts. It plays the role GPT-3.5 plays in the
paper's pipeline (DexGYS §3.3), without a network.

How it works:

1. **Plan** which (finger group, part) pairs to say: for "use", functional parts
   first (a trigger, a pump head, a cap, handle loops: the fingers on them matter
   most); then, greedily, the parts that cover the most remaining fingers; then the
   palm (merged into a clause on the same part, or its own clause). Later clauses
   are the first to go when a sentence must be cut.
2. **Realise** the plan with a seeded random choice of opening ("To use...",
   "For using...", "When using...", "Use ... by ...", "Use ... with ..."), clause
   shape (imperative list, participle tail, "while" clause), verbs that suit the
   part and the intent (press/pull a trigger, pinch or twist a cap, hook fingers
   through a handle, wrap fingers around a body, cradle it in the palm...) and finger
   names ("your forefinger", "your index and middle fingers", "your other fingers",
   "the remaining three fingers", "all five fingers").
3. **Check** each candidate: 10–20 words, no verb used twice, and
   :func:`~dexgys.language.verify.verify_sentence` finds no claim outside the facts.
   Minor clauses (the palm, then the least important fingers) are dropped when a
   sentence would run past 20 words; a short sentence gets an adverb or a short
   tail ("for a stable grip").
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dexgys.errors import DexgysError
from dexgys.language.brief import normalize_intent
from dexgys.language.composer_phrases import (
    FINGER_NAMES,
    FREE_TAILS,
    KIND_RANK,
    OPENERS,
    PALM_TEMPLATES,
    SHORT_TAILS,
    WITH_PREP,
    Template,
    clause_templates,
    finger_options,
    object_phrase,
    part_kind,
)
from dexgys.language.contacts import ContactFacts
from dexgys.language.verify import conjugate, verify_sentence
from dexgys.language.words import (
    DIGITS,
    category_phrase,
    count_words,
    is_plural_part,
    join_list,
    normalize_name,
    part_phrase,
)

#: Fine guidance length bounds (words), as the brief asks (the paper's prompt says "about 10-15").
MIN_WORDS = 10
MAX_WORDS = 20

# ---------------------------------------------------------------------------------------
# the plan


@dataclass
class _Clause:
    fingers: tuple[str, ...]  # digits, canonical order; () for a palm-only clause
    part: str
    kind: str
    palm: bool = False  # palm merged into this clause ("your other fingers and palm")


@dataclass
class _Plan:
    clauses: list[_Clause]
    palm_merge: int | None  # index of the clause the palm may join
    palm_clause: _Clause | None  # or a clause of its own
    free: list[str]


def _plan(facts: ContactFacts, category: str, intent: str, free_parts: Sequence[str]) -> _Plan:
    touch = {p: set(facts.fingers_on(p, digits_only=True)) for p in facts.parts}
    kinds = {p: part_kind(p, category) for p in facts.parts}
    clauses: list[_Clause] = []
    covered: set[str] = set()
    # for "use", the fingers on the working part (trigger, pump head, cap, loops) come first;
    # for the other intents the part that bears the grasp does
    functional = (
        sorted(
            (p for p in facts.parts if kinds[p] in ("press", "cap", "loop") and touch[p]),
            key=lambda p: (KIND_RANK[kinds[p]], len(touch[p]), p),
        )
        if intent == "use"
        else []
    )
    for p in functional:
        fs = touch[p] - covered
        if fs:
            clauses.append(_Clause(tuple(f for f in DIGITS if f in fs), p, kinds[p]))
            covered |= fs
    uncovered = {f for f in DIGITS if facts.parts_of(f)} - covered
    while uncovered:
        p = max(facts.parts, key=lambda q: (len(touch[q] & uncovered), -KIND_RANK[kinds[q]], q))
        fs = touch[p] & uncovered
        if not fs:
            break
        clauses.append(_Clause(tuple(f for f in DIGITS if f in fs), p, kinds[p]))
        uncovered -= fs
    palm_parts = facts.parts_of("palm")
    palm_merge = palm_clause = None
    if palm_parts:
        for i, c in enumerate(clauses):
            if c.part in palm_parts:
                palm_merge = i
                break
        pp = min(palm_parts, key=lambda q: (-KIND_RANK[kinds[q]], q))  # bulkiest part
        palm_clause = _Clause((), pp, kinds[pp], palm=True)
    touched = set(facts.parts)
    free = [p for p in dict.fromkeys(free_parts) if p not in touched]
    return _Plan(clauses, palm_merge, palm_clause, free)


# ---------------------------------------------------------------------------------------
# realisation


def _pick(rng: random.Random, items: Sequence, weights: Sequence[float] | None = None):
    return items[rng.choices(range(len(items)), weights=weights)[0]] if items else None


class _Realiser:
    def __init__(self, rng: random.Random, category: str, intent: str):
        self.rng = rng
        self.category = category
        self.intent = intent
        self.mentioned: set[str] = set()
        self.verbs: list[str] = []
        self.adverb_budget = 0
        self.part_words: set[str] = set()  # never use a verb that is also a part's name

    # one clause -> text in the requested mood, or None if no template fits
    def clause(self, c: _Clause, mood: str, palm_merge: bool) -> str | None:
        rng = self.rng
        P = f"the {part_phrase(c.part)}"
        if not c.fingers:  # palm only
            tpls = [t for t in PALM_TEMPLATES if self._mood_ok(t, mood)]
        else:
            n = len(c.fingers) + (1 if palm_merge else 0)
            tpls = [
                t
                for t in clause_templates(c.kind, self.intent, c.part)
                if t.nmin <= n <= t.nmax
                and self._mood_ok(t, mood)
                and not (t.pat == "C" and (palm_merge or len(c.fingers) != 2))
            ]
        tpls = [
            t
            for t in tpls
            if t.verb not in self.verbs and t.verb not in self.part_words and not (t.pat == "U" and "use" in self.verbs)
        ]
        if not tpls:
            return None
        t = _pick(rng, tpls, [t.weight for t in tpls])
        if c.fingers:
            opts = finger_options(c.fingers, self.mentioned, palm_merge)
        else:
            opts = [("your palm", False)]
        F, plural = _pick(rng, opts)
        adv = ""
        if t.advs and self.adverb_budget > 0 and rng.random() < 0.7:
            adv = rng.choice(t.advs)
            self.adverb_budget -= 1
        base, third, ing = conjugate(t.verb)
        v = {"imp": base, "ger": ing}.get(mood, base)
        pt = f" {t.prep}" if t.pat in ("A", "U") and t.prep else ""
        a = f" {adv}" if adv else ""
        text: str | None
        if t.pat == "A":
            if mood == "subj":
                v3 = t.verb if plural else third
                text = f"{F}{a} {v3}{pt} {P}"
            else:
                text = f"{v}{pt} {P}{a} with {F}"
        elif t.pat == "B":
            if mood == "subj":
                vb, v3b, _ = conjugate(t.vi)
                text = f"{F}{a} {vb if plural else v3b} {t.prep} {P}"
            elif mood == "with":
                text = f"{F} {WITH_PREP.get(t.prep, t.prep)} {P}"
            else:
                text = f"{v} {F}{a} {t.prep} {P}"
        elif t.pat == "C":
            names = [_pick(rng, FINGER_NAMES[f]) for f in c.fingers]
            text = f"{v} {P}{a} between your {names[0]} and {names[1]}"
        elif t.pat == "U":
            use = "use" if mood == "imp" else "using"
            text = f"{use} {F} to{a} {t.verb}{pt} {P}"
        else:  # E, palm
            if mood == "subj":
                vb, v3b, _ = conjugate(t.vi)
                text = f"{P}{a} {vb if is_plural_part(c.part) else v3b} {t.prep} your palm"
            elif mood == "with":
                text = f"your palm against {P}"
            else:
                text = f"{v} {P}{a} {t.prep} your palm"
        self.verbs += ["use", t.verb] if t.pat == "U" else [t.verb]
        self.mentioned.update(c.fingers)
        return text

    @staticmethod
    def _mood_ok(t: Template, mood: str) -> bool:
        if mood == "with":
            return t.pat in ("B", "E")
        if mood == "subj":
            return t.pat in ("A", "B", "E")
        return True


@dataclass(frozen=True)
class _Cut:
    """How much of the plan an attempt may say: at most ``clauses`` clauses, the palm with
    probability ``palm``, the free parts (hand over) with probability ``free``."""

    clauses: int
    palm: float
    free: float


def _cuts(plan: _Plan) -> list[_Cut]:
    """From saying everything to saying one clause, each step a little less."""
    n = min(len(plan.clauses), 4)
    steps = [_Cut(n, 0.8, 1.0)]
    if plan.palm_clause is not None:
        steps.append(_Cut(n, 0.3, 1.0))
    for m in range(n - 1, 0, -1):
        steps.append(_Cut(m, 0.2, 1.0 if m > 1 else 0.8))
    steps.append(_Cut(max(n, 1) if n <= 1 else 1, 0.0, 0.5))
    return steps


def _attempt(rng: random.Random, plan: _Plan, category: str, intent: str, cut: _Cut) -> str | None:
    """One random realisation of (a cut of) the plan."""
    clauses = [(_Clause(c.fingers, c.part, c.kind), i == plan.palm_merge) for i, c in enumerate(plan.clauses)]
    max_clauses = cut.clauses
    clauses = clauses[:max_clauses]
    # the palm: merge, own clause, or leave out (more often left out when cutting)
    use_palm = plan.palm_clause is not None and rng.random() < cut.palm
    if not clauses:
        if plan.palm_clause is None:
            return None
        clauses = [(plan.palm_clause, False)]
        use_palm = False
    merged_ok = any(m for _, m in clauses)
    if not (use_palm and merged_ok and rng.random() < 0.6):  # else: keep the palm merged into its clause
        clauses = [(c, False) for c, _ in clauses]
        said = {c.part for c, _ in clauses}
        if use_palm and plan.palm_clause.part not in said and len(clauses) <= max_clauses:
            clauses.append((plan.palm_clause, False))
    if len(clauses) >= 2 and rng.random() < 0.2:
        clauses[0], clauses[1] = clauses[1], clauses[0]
    free = plan.free if rng.random() < cut.free else []

    R = _Realiser(rng, category, intent)
    R.part_words = {
        w
        for c in plan.clauses
        + ([plan.palm_clause] if plan.palm_clause else [])
        + [_Clause((), p, "body") for p in plan.free]
        for w in c.part.split("_")
    }
    R.adverb_budget = 1 if rng.random() < 0.35 else 0
    inf, ger, _ = _pick(rng, OPENERS[intent], [w for *_, w in OPENERS[intent]])
    obj = object_phrase(rng, category)
    inf, ger = inf.format(o=obj), ger.format(o=obj)
    R.verbs.append(inf.split()[0])

    n = len(clauses)
    styles = ["to", "for", "when", "by", "with", "colon", "to_part", "to_while"]
    weights = [3.0, 0.8, 1.2, 1.6, 1.0, 0.25, 1.4 if n >= 2 else 0.0, 1.2 if n >= 2 else 0.0]
    style = _pick(rng, styles, weights)

    def realise_all(moods: list[str]) -> list[str] | None:
        out = []
        for (c, m), mood in zip(clauses, moods):
            t = R.clause(c, mood, m)
            if t is None:
                return None
            out.append(t)
        return out

    if style in ("to", "for", "when", "colon"):
        parts = realise_all(["imp"] * n)
        if parts is None:
            return None
        head = {
            "to": f"To {inf}, ",
            "for": f"For {ger}, ",
            "when": f"When {ger}, ",
            "colon": f"{inf[0].upper()}{inf[1:]}: ",
        }[style]
        body = join_list(parts)
        imperative = True
    elif style == "by":
        moods = ["ger"] * n
        tail_while = n >= 2 and rng.random() < 0.3
        if tail_while:
            moods[-1] = "subj"
        parts = realise_all(moods)
        if parts is None:
            return None
        head = f"{inf[0].upper()}{inf[1:]} by "
        body = join_list(parts[:-1]) + f" while {parts[-1]}" if tail_while else join_list(parts)
        imperative = False
    elif style == "with":
        parts = realise_all(["with"] * n)
        if parts is None:
            return None
        head = f"{inf[0].upper()}{inf[1:]} with "
        body = join_list(parts)
        imperative = False
    elif style == "to_part":
        parts = realise_all(["imp"] + ["ger"] * (n - 1))
        if parts is None:
            return None
        head = rng.choice([f"To {inf}, ", f"When {ger}, "])
        body = parts[0] + ", " + join_list(parts[1:])
        imperative = False
    else:  # to_while
        parts = realise_all(["imp"] * (n - 1) + ["subj"])
        if parts is None:
            return None
        head = rng.choice([f"To {inf}, ", f"For {ger}, ", f"When {ger}, "])
        body = join_list(parts[:-1]) + f" while {parts[-1]}"
        imperative = False

    sentence = head + body
    if free:
        tails = [
            (t, w)
            for t, w in FREE_TAILS
            if (imperative or not t.startswith(" and"))
            and (intent == "hand over" or not ("receiver" in t or "person" in t))
        ]
        tail = _pick(rng, [t for t, _ in tails], [w for _, w in tails])
        Ps = join_list([f"the {part_phrase(p)}" for p in free])
        stay = "stay" if len(free) > 1 or is_plural_part(free[0]) else "stays"
        sentence += tail.format(P=Ps, stay=stay)
    if count_words(sentence) < MIN_WORDS:
        sentence += rng.choice(SHORT_TAILS)
    return sentence + "."


def _fallback(plan: _Plan, category: str, intent: str) -> str:
    """A plain sentence for when no random realisation fits (very long part names)."""
    cat = category_phrase(category)
    if plan.clauses:
        c = plan.clauses[0]
        who = finger_options(c.fingers, set(), False)[0][0]
        s = f"To {intent} the {cat}, place {who} on the {part_phrase(c.part)}"
    else:
        s = f"To {intent} the {cat}, rest the {part_phrase(plan.palm_clause.part)} against your palm"  # type: ignore[union-attr]
    if count_words(s) < MIN_WORDS:
        s += " for a stable grip"
    return s + "."


def compose(
    facts: ContactFacts,
    category: str,
    intent: str,
    seed: int = 0,
    free_parts: Iterable[str] | None = None,
) -> str:
    """One fine-guidance sentence for a grasp, e.g. "To use the trigger sprayer, press the
    trigger with your forefinger and wrap your other fingers around the head."

    ``facts`` says which parts each finger touches; the sentence claims nothing else.
    ``free_parts`` names the parts the grasp should leave free (for "hand over", the parts
    the receiver needs): those the facts leave untouched are said to stay free. The same arguments always give the same
    sentence; another ``seed`` usually gives another phrasing. Sentences have 10–20
    words unless part names are so long that no sentence fits.
    """
    if not isinstance(facts, ContactFacts):
        facts = ContactFacts(facts)  # type: ignore[arg-type]
    if facts.is_empty:
        raise DexgysError("cannot write guidance for a grasp that touches nothing (empty contact facts)")
    category = normalize_name(category, "category")
    intent = normalize_intent(intent)
    free = [normalize_name(p) for p in (free_parts or ())]
    plan = _plan(facts, category, intent, free)
    names = sorted(set(facts.parts) | set(free))
    rng = random.Random(f"dexgys.compose|{seed}|{category}|{intent}|{facts.contacts}|{free}")
    best: str | None = None  # shortest true sentence seen, for when nothing fits
    cuts = _cuts(plan)
    step, misses = 0, 0
    for _ in range(160):
        s = _attempt(rng, plan, category, intent, cuts[step])
        n = count_words(s) if s is not None else 0
        if s is not None and MIN_WORDS <= n <= MAX_WORDS:
            if not verify_sentence(s, facts, names, category=category):
                return s
        elif s is not None and n > MAX_WORDS and (best is None or n < count_words(best)):
            if not verify_sentence(s, facts, names, category=category):
                best = s
        misses += 1
        if misses >= 12 and step + 1 < len(cuts):  # too long (or no template fits): say less
            step, misses = step + 1, 0
    fb = _fallback(plan, category, intent)
    if best is not None and count_words(best) <= count_words(fb):
        return best
    return fb
