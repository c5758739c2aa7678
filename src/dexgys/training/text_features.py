"""Token features of every training sentence, computed once with the frozen text encoder, cached on disk.

The text encoder is frozen (paper and official code), so its features of a sentence never change
during training: :func:`precompute_text_features` encodes every distinct sentence once and keeps the
result in one ``.npz`` file of the cache directory, named and keyed by the encoder (name, width,
token limit and a fingerprint of its features of a probe sentence, so other weights give another
file) and the exact sentence set. A second run (QGC after IDGC, a resumed run) reads the file.

Storage: the token states of all sentences concatenated, ``(T, dim)`` **float16** (MiniLM: about
20 tokens x 384 values per sentence, so 15,000 sentences take 230 MB instead of 460 MB); batches are
cast back to float32. The rounding (relative 5e-4) is far below what the models resolve.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from pathlib import Path

import numpy as np
import torch

from dexgys.atomic import atomic_write_bytes
from dexgys.errors import DexgysError
from dexgys.language.instruction_check import check_instruction
from dexgys.models.text_encoder import TextEncoder, pad_token_features

__all__ = ["TEXT_CACHE_VERSION", "TextFeatures", "encoder_fingerprint", "precompute_text_features"]

log = logging.getLogger(__name__)

TEXT_CACHE_VERSION = 1
_PROBE = "grasp the mug by its handle with the thumb and forefinger"
_ENCODE_BATCH = 64  # sentences per encoder call


class TextFeatures:
    """Sentence -> token features. ``tokens`` ``(T, dim)`` float16 holds every sentence's tokens,
    sentence ``i`` in rows ``offsets[i]:offsets[i+1]``."""

    def __init__(self, sentences: list[str], offsets: np.ndarray, tokens: np.ndarray) -> None:
        self.index = {s: i for i, s in enumerate(sentences)}
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.tokens = torch.from_numpy(np.ascontiguousarray(tokens))

    @property
    def dim(self) -> int:
        return int(self.tokens.shape[1])

    def __len__(self) -> int:
        return len(self.index)

    def features(self, sentence: str) -> torch.Tensor:
        """``(L, dim)`` float32 features of one known sentence (compared after stripping)."""
        i = self.index.get(sentence.strip())
        if i is None:
            raise DexgysError(f"no precomputed text features for {sentence[:60]!r}")
        return self.tokens[self.offsets[i] : self.offsets[i + 1]].float()

    def batch(self, sentences: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Sentences (B) -> tokens ``(B, L, dim)`` float32 and mask ``(B, L)`` (True: a real token)."""
        return pad_token_features([self.features(s) for s in sentences])


def encoder_fingerprint(encoder: TextEncoder) -> str:
    """Name, width, token limit and a hash of the encoder's features of a fixed probe sentence."""
    probe = encoder.features([_PROBE])[0].detach().cpu().to(torch.float16).numpy()
    digest = hashlib.sha1(probe.tobytes()).hexdigest()[:16]
    return f"{encoder.name}|dim={encoder.dim}|max_tokens={encoder.max_tokens}|probe={digest}"


def precompute_text_features(
    sentences: list[str],
    encoder: TextEncoder,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = False,
) -> TextFeatures:
    """Features of every distinct sentence of ``sentences`` (each checked by :func:`check_instruction`),
    read from ``cache_dir`` when a file for this encoder and sentence set exists, else computed (and
    stored there, atomically, when ``cache_dir`` is given)."""
    unique = sorted({check_instruction(s) for s in sentences})
    if not unique:
        raise DexgysError("no sentences to encode")
    key = (
        f"{encoder_fingerprint(encoder)}|v={TEXT_CACHE_VERSION}|" + hashlib.sha1("\n".join(unique).encode()).hexdigest()
    )
    path = None
    if cache_dir is not None:
        digest = hashlib.sha1(key.encode()).hexdigest()[:12]
        path = Path(cache_dir) / f"text-{encoder.name}-{len(unique)}-{digest}.npz"
        cached = _read(path, key, unique, encoder.dim)
        if cached is not None:
            return cached
    from tqdm import tqdm

    parts: list[np.ndarray] = []
    for start in tqdm(range(0, len(unique), _ENCODE_BATCH), desc="text features", unit="batch", disable=not progress):
        parts.extend(f.detach().cpu().numpy() for f in encoder.features(unique[start : start + _ENCODE_BATCH]))
    offsets = np.concatenate([[0], np.cumsum([len(p) for p in parts])]).astype(np.int64)
    tokens = np.concatenate(parts).astype(np.float16)
    if not np.isfinite(tokens).all():
        raise DexgysError("the text encoder's features overflow float16; they cannot be cached")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez(buffer, key=np.array(key), sentences=np.array(unique, dtype=str), offsets=offsets, tokens=tokens)
        atomic_write_bytes(path, buffer.getvalue())
    return TextFeatures(unique, offsets, tokens)


def _read(path: Path, key: str, sentences: list[str], dim: int) -> TextFeatures | None:
    """The cached features, or None when the file is absent, unreadable or made for another key."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) != key or data["sentences"].tolist() != sentences:
                raise ValueError("made for another encoder or sentence set")
            offsets, tokens = data["offsets"], data["tokens"]
        if offsets.shape != (len(sentences) + 1,) or tokens.ndim != 2 or tokens.shape != (offsets[-1], dim):
            raise ValueError("wrong array shapes")
    except (OSError, ValueError, KeyError, EOFError) as exc:
        log.warning("ignoring text-feature cache %s (%s); recomputing", path, exc)
        return None
    return TextFeatures(sentences, offsets, tokens)
