"""Brief guidance (the paper's "simple" type): intent + category, and DexGYSNet ``action_id``s.

DexGYSNet stores the intent as ``action_id`` "0001".."0004" = use / hold / lift /
hand over (OakInk's intents); the official code's "simple" guidance is
``f"{intent} the {cate_id}"`` with underscores kept.
"""

from __future__ import annotations

import re

from dexgys.errors import DexgysError
from dexgys.language.words import category_phrase, normalize_name

#: The four intents, in ``action_id`` order.
INTENTS: tuple[str, ...] = ("use", "hold", "lift", "hand over")
#: DexGYSNet ``action_id`` -> intent.
ACTION_IDS: dict[str, str] = {f"{i + 1:04d}": name for i, name in enumerate(INTENTS)}
_INTENT_TO_ID: dict[str, str] = {name: aid for aid, name in ACTION_IDS.items()}

_INTENT_ALIASES = {
    "use": "use",
    "using": "use",
    "hold": "hold",
    "holding": "hold",
    "lift": "lift",
    "lifting": "lift",
    "hand over": "hand over",
    "handover": "hand over",
    "handing over": "hand over",
}


def normalize_intent(intent: object) -> str:
    """``"Hand_over"``, ``"handover"``, ``"hand over"`` -> ``"hand over"``; unknown intents raise."""
    if not isinstance(intent, str):
        raise DexgysError(f"intent must be a string, got {type(intent).__name__}")
    key = re.sub(r"[\s_\-]+", " ", intent.strip().lower())
    if key in _INTENT_ALIASES:
        return _INTENT_ALIASES[key]
    raise DexgysError(f"unknown intent {intent!r}: expected one of {', '.join(INTENTS)}")


def intent_from_action_id(action_id: object) -> str:
    """``"0001"`` (or ``1``, ``"1"``) -> ``"use"``; ... ``"0004"`` -> ``"hand over"``."""
    try:
        n = int(str(action_id).strip())
    except ValueError:
        raise DexgysError(f"bad action_id {action_id!r}: expected 0001..0004") from None
    key = f"{n:04d}"
    if key not in ACTION_IDS:
        raise DexgysError(f"bad action_id {action_id!r}: expected 0001..0004")
    return ACTION_IDS[key]


def action_id_from_intent(intent: str) -> str:
    """``"use"`` -> ``"0001"`` ... ``"hand over"`` -> ``"0004"``."""
    return _INTENT_TO_ID[normalize_intent(intent)]


def brief_guidance(intent: str, category: str, keep_underscores: bool = False) -> str:
    """``"use the trigger sprayer"``; with ``keep_underscores`` exactly the official code's
    ``"use the trigger_sprayer"``."""
    verb = normalize_intent(intent)
    cat = normalize_name(category, "category")
    return f"{verb} the {cat if keep_underscores else category_phrase(cat)}"
