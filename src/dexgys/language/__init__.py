"""Language layer: contacts -> facts -> sentences (the paper's annotation pipeline, DexGYS §3.3).

* :class:`ContactFacts` — which parts each finger touches, and its text
  ("forefinger touches the trigger; thumb, middle finger, ring finger and little finger touch the head").
* :func:`brief_guidance` — "use the trigger sprayer" (the "simple" guidance); ``action_id`` mapping.
* :func:`compose` — one varied, true, 10–20-word fine-guidance sentence, written locally.
* :func:`verify_sentence` — which finger–part claims of a sentence the facts do not back.
* :func:`annotate` — brief + contact text + fine guidance, from the composer or an
  OpenAI-compatible LLM endpoint with the paper's prompts (falls back to the composer).
* :func:`check_instruction` — a user's sentence, stripped, or one clear error line.

Modules: ``words`` (finger and part words), ``contacts``, ``brief``, ``composer_phrases`` (the
composer's verbs, finger names, openings) and ``composer`` (plan and realise a sentence), ``verify``,
``llm``, ``annotate``; ``instruction_check``; reading an instruction: ``reading_patterns`` (the
reader's word tables and regexes), ``spelling`` (slips read as the word meant), ``reading`` (the
rule reader); the instruction benchmark: ``benchmark_items`` (labelled items and their checks),
``benchmark_tables`` (its own words and templates), ``benchmark_scenes`` (what its instructions
ask), ``benchmark`` (writing the items).

Plain data and text: it reads the object catalogue's category and part names and the intent table
(:mod:`dexgys.synthesis.intents`), never geometry, hands or models.
"""

from dexgys.language.annotate import Annotation, annotate
from dexgys.language.brief import (
    ACTION_IDS,
    INTENTS,
    action_id_from_intent,
    brief_guidance,
    intent_from_action_id,
    normalize_intent,
)
from dexgys.language.composer import MAX_WORDS, MIN_WORDS, compose
from dexgys.language.composer_phrases import part_kind
from dexgys.language.contacts import CONTACT_THRESHOLD, ContactFacts
from dexgys.language.instruction_check import MAX_INSTRUCTION_CHARS, check_instruction
from dexgys.language.llm import SYSTEM_PROMPT, USER_TEMPLATE, LLMConfig, build_prompts
from dexgys.language.verify import verify_sentence
from dexgys.language.words import (
    DIGITS,
    FINGERS,
    OAKINK_CATEGORIES,
    category_phrase,
    count_words,
    part_phrase,
)

__all__ = [
    "ACTION_IDS",
    "CONTACT_THRESHOLD",
    "DIGITS",
    "FINGERS",
    "INTENTS",
    "MAX_INSTRUCTION_CHARS",
    "MAX_WORDS",
    "MIN_WORDS",
    "OAKINK_CATEGORIES",
    "SYSTEM_PROMPT",
    "USER_TEMPLATE",
    "Annotation",
    "ContactFacts",
    "LLMConfig",
    "action_id_from_intent",
    "annotate",
    "brief_guidance",
    "build_prompts",
    "category_phrase",
    "check_instruction",
    "compose",
    "count_words",
    "intent_from_action_id",
    "normalize_intent",
    "part_kind",
    "part_phrase",
    "verify_sentence",
]
