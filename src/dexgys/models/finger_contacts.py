"""Which parts of the hand an instruction asks to touch the object: a small text classifier.

"Cup the bowl with all five fingers and your palm" asks for six contacts; "press the trigger with
your forefinger" for one. :class:`FingerContactPredictor` reads the frozen text encoder's token
states of an instruction and gives, for each of :data:`HAND_PARTS` (the five digits and the palm),
the probability that a grasp following it touches the object with that part.

* Each hand part has a learned query that attends over the projected tokens (padded tokens masked
  out), so "forefinger" can find its own word; a shared MLP turns each pooled vector, plus the
  part's query, into one logit.
* Trained (:func:`dexgys.training.train_finger_contacts`) with binary cross-entropy on the dataset's
  own contacts: a training grasp's label for a hand part is whether that part touches the object
  (its record's ``contacts``). It learns what the words imply, including contacts a sentence leaves
  unsaid.
* It reads no object and no parts, and it is not the parser of :mod:`dexgys.language.verify`.

:class:`~dexgys.pipeline.GraspGenerator` hands the predicted parts to the physics polish
(:mod:`dexgys.synthesis.polish`), which pulls their engaged phalanges onto the object
``PolishConfig.contacts.named_finger`` times harder.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from dexgys.errors import DexgysError
from dexgys.language.words import FINGERS
from dexgys.models._common import config_from_dict

__all__ = ["HAND_PARTS", "FingerContactConfig", "FingerContactPredictor"]

HAND_PARTS = FINGERS
"""The hand parts the predictor scores: the dataset's finger names (:data:`dexgys.language.words.FINGERS`),
in the order of :attr:`dexgys.hands.HandModel.finger_names`."""


@dataclass(frozen=True)
class FingerContactConfig:
    """``text_dim``: the text encoder's width; ``d_model``: the width of the projected tokens;
    ``threshold``: the probability above which :meth:`FingerContactPredictor.predict` says a part
    touches."""

    text_dim: int = 384
    d_model: int = 128
    dropout: float = 0.1
    threshold: float = 0.5

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> FingerContactConfig:
        config = config_from_dict(cls, d)
        if not (
            isinstance(config.d_model, int)
            and config.d_model > 0
            and isinstance(config.text_dim, int)
            and config.text_dim > 0
        ):
            raise DexgysError(f"FingerContactConfig needs positive integer widths, got {config}")
        if not 0.0 < config.threshold < 1.0:
            raise DexgysError(f"FingerContactConfig.threshold must lie in (0, 1), got {config.threshold}")
        return config


class FingerContactPredictor(nn.Module):
    """Text tokens ``(B, L, text_dim)`` and mask ``(B, L)`` -> one logit per :data:`HAND_PARTS` ``(B, 6)``."""

    kind = "fingers"

    def __init__(self, config: FingerContactConfig = FingerContactConfig()) -> None:
        super().__init__()
        self.config = config
        d = config.d_model
        self.project = nn.Sequential(nn.Linear(config.text_dim, d), nn.GELU(), nn.Linear(d, d))
        self.queries = nn.Parameter(torch.randn(len(HAND_PARTS), d) * d**-0.5)
        self.head = nn.Sequential(
            nn.LayerNorm(d), nn.Linear(d, d), nn.GELU(), nn.Dropout(config.dropout), nn.Linear(d, 1)
        )

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if tokens.ndim != 3 or tokens.shape[-1] != self.config.text_dim or mask.shape != tokens.shape[:2]:
            raise DexgysError(
                f"FingerContactPredictor needs tokens (B, L, {self.config.text_dim}) and a mask "
                f"(B, L), got {tuple(tokens.shape)} and {tuple(mask.shape)}"
            )
        keys = self.project(tokens)  # (B, L, d)
        scores = torch.einsum("pd,bld->bpl", self.queries, keys) * keys.shape[-1] ** -0.5
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        pooled = torch.einsum("bpl,bld->bpd", scores.softmax(-1), keys)  # (B, 6, d)
        return self.head(pooled + self.queries)[..., 0]

    def loss(self, tokens: torch.Tensor, mask: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Mean binary cross-entropy against ``labels`` ``(B, 6)`` (1: the part touches)."""
        return nn.functional.binary_cross_entropy_with_logits(self(tokens, mask), labels.to(tokens.dtype))

    @torch.no_grad()
    def predict(self, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``(B, 6)`` bool: the hand parts whose probability exceeds the config's threshold."""
        return torch.sigmoid(self(tokens, mask)) > self.config.threshold
