"""The single entry point: a grasp's contact facts -> brief, contact text and fine guidance."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

from dexgys.errors import DexgysError
from dexgys.language.brief import action_id_from_intent, brief_guidance, normalize_intent
from dexgys.language.composer import compose
from dexgys.language.contacts import ContactFacts
from dexgys.language.llm import LLMConfig, LLMUnavailable, llm_fine_guidance
from dexgys.language.words import normalize_name

log = logging.getLogger("dexgys.language")

BACKENDS = ("composer", "llm")


@dataclass(frozen=True)
class Annotation:
    """Language for one grasp. ``backend`` says who wrote ``fine`` ("composer" or "llm");
    ``note`` says why the LLM was not used when it was asked for."""

    category: str
    intent: str
    action_id: str
    brief: str
    contacts: str
    fine: str
    backend: str
    note: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def annotate(
    facts: ContactFacts | Mapping[str, Iterable[str]],
    category: str,
    intent: str,
    seed: int = 0,
    backend: str = "composer",
    llm_config: LLMConfig | None = None,
    free_parts: Iterable[str] | None = None,
    part_names: Iterable[str] | None = None,
) -> Annotation:
    """Brief guidance, contact text and fine guidance for one grasp.

    ``backend="llm"`` asks the OpenAI-compatible endpoint of ``llm_config`` (or the
    ``DEXGYS_LLM_*`` environment) with the paper's prompts; if it cannot be reached or
    its reply is not a usable sentence (wrong length, a contact the facts do not back),
    a warning is logged and the composer writes the sentence instead. ``part_names``
    (all of the object's parts) lets the check catch replies naming untouched parts;
    ``free_parts`` are the parts a receiver needs (hand over), mentioned when untouched.
    """
    if backend not in BACKENDS:
        raise DexgysError(f"unknown language backend {backend!r}: expected one of {', '.join(BACKENDS)}")
    if not isinstance(facts, ContactFacts):
        facts = ContactFacts.from_dict(facts)
    category = normalize_name(category, "category")
    intent = normalize_intent(intent)
    free = [normalize_name(p) for p in (free_parts or ())]
    names = sorted({normalize_name(p) for p in (part_names or ())} | set(free) | set(facts.parts))
    note = None
    if backend == "llm":
        if facts.is_empty:
            raise DexgysError("cannot write guidance for a grasp that touches nothing (empty contact facts)")
        try:
            fine = llm_fine_guidance(facts, category, intent, llm_config or LLMConfig(), names)
            return Annotation(
                category,
                intent,
                action_id_from_intent(intent),
                brief_guidance(intent, category),
                facts.to_text(),
                fine,
                "llm",
            )
        except LLMUnavailable as exc:
            note = f"LLM fall-back: {exc}"
            log.warning("language: LLM not used, composer writes the sentence instead (%s)", exc)
    fine = compose(facts, category, intent, seed=seed, free_parts=free)
    return Annotation(
        category,
        intent,
        action_id_from_intent(intent),
        brief_guidance(intent, category),
        facts.to_text(),
        fine,
        "composer",
        note,
    )
