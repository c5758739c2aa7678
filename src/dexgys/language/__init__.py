"""Language layer: contacts -> facts -> sentences (the paper's annotation pipeline, DexGYS §3.3).

* :class:`ContactFacts` — which parts each finger touches, and its text
  ("forefinger touches the trigger; thumb, middle finger, ring finger and little finger touch the head").
* :func:`brief_guidance` — "use the trigger sprayer" (the "simple" guidance); ``action_id`` mapping.
* :func:`compose` — one varied, true, 10–20-word fine-guidance sentence, written locally.
* :func:`verify_sentence` — which finger–part claims of a sentence the facts do not back.
* :func:`annotate` — brief + contact text + fine guidance, from the composer or an
  OpenAI-compatible LLM endpoint with the paper's prompts (falls back to the composer).

Plain data only: nothing here depends on geometry, hands or objects.
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
from dexgys.language.composer import MAX_WORDS, MIN_WORDS, compose, part_kind
from dexgys.language.contacts import CONTACT_THRESHOLD, ContactFacts
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
    "ACTION_IDS", "CONTACT_THRESHOLD", "DIGITS", "FINGERS", "INTENTS", "MAX_WORDS", "MIN_WORDS",
    "OAKINK_CATEGORIES", "SYSTEM_PROMPT", "USER_TEMPLATE", "Annotation", "ContactFacts", "LLMConfig",
    "action_id_from_intent", "annotate", "brief_guidance", "build_prompts", "category_phrase", "compose",
    "count_words", "intent_from_action_id", "normalize_intent", "part_kind", "part_phrase",
    "verify_sentence",
]
