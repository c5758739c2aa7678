"""The instruction check: a user's sentence, stripped, or one clear :class:`~dexgys.errors.DexgysError` line.

:func:`check_instruction` is applied to every instruction before it is read or encoded (``dexgys
generate``, :class:`~dexgys.pipeline.GraspGenerator`, the text encoders and the training features).
"""

from __future__ import annotations

import unicodedata

from dexgys.errors import DexgysError

__all__ = ["MAX_INSTRUCTION_CHARS", "check_instruction"]

MAX_INSTRUCTION_CHARS = 1000
_MIN_LATIN_SHARE = 0.8  # share of letters that must be Latin for a text to count as English


def check_instruction(text) -> str:
    """The stripped instruction, or a :class:`DexgysError` naming what is wrong with it.

    Refused: non-strings; empty or whitespace-only text; more than 1,000 characters; control
    characters (a NUL byte...); text without letters; text whose letters are mostly not Latin (a cheap "is this English" test: the encoders
    are English-only; other Latin-script languages pass, as the check cannot tell them apart).
    """
    if not isinstance(text, str):
        raise DexgysError(f"the instruction must be a string, got {type(text).__name__}")
    text = text.strip()
    if not text:
        raise DexgysError("the instruction is empty")
    if len(text) > MAX_INSTRUCTION_CHARS:
        raise DexgysError(f"the instruction has {len(text)} characters; at most {MAX_INSTRUCTION_CHARS} are allowed")
    control = [c for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r"]
    if control:
        raise DexgysError(f"the instruction contains a control character ({control[0]!r}); give plain text")
    letters = [c for c in text if c.isalpha()]
    if not letters:
        raise DexgysError(f"the instruction {text[:40]!r} contains no words")
    latin = sum(unicodedata.name(c, "").startswith("LATIN") for c in letters)
    if latin < _MIN_LATIN_SHARE * len(letters):
        raise DexgysError(f"the instruction {text[:40]!r} is not English text (mostly non-Latin letters)")
    return text
