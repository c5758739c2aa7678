"""Where on the object each hand part should touch: a text-conditioned point segmentation.

"Press the trigger with your forefinger and wrap the rest around the bottle" names, for each hand
part, a region of the object. :class:`ContactRegionPredictor` reads the object's cloud and the
instruction's text-encoder tokens and gives, for every point and each of
:data:`~dexgys.models.finger_contacts.HAND_PARTS`, the probability that a grasp following the
instruction touches that point's part with that hand part.

* **Geometry**: a PointNet++ encoder (:class:`~dexgys.models.point_encoder.PointEncoder`) over the
  cloud; its coarsest tokens attend to the projected text tokens (one cross-attention block), and
  feature propagation (inverse-distance interpolation from the three nearest centroids, concatenated
  with the finer level's own tokens, then an MLP) carries them back down to every input point.
* **Hand parts**: one learned query per hand part attends over the text tokens (as in
  :class:`~dexgys.models.finger_contacts.FingerContactPredictor`); a point's logit for a hand part is
  the scaled dot product of its feature and that part's vector, plus a per-part bias.
* **Training** (:func:`dexgys.training.train_contact_regions`): binary cross-entropy against the
  training grasps' own contacts, as point labels: for a grasp whose record says the thumb touches
  ``cap`` and ``neck``, every cloud point on those two parts is 1 for the thumb. It learns the part
  labels of the training objects and what the words ask of them; at generation it needs neither the
  parts of the object nor the parser that checks the metric.

The generator hands the regions to the physics polish (:mod:`dexgys.synthesis.polish`), which pulls
each named finger toward its own region and ranks candidates by how far they stay from them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from dexgys.errors import DexgysError
from dexgys.geometry.pointcloud import knn
from dexgys.models._common import config_from_dict, per_grasp, require
from dexgys.models.finger_contacts import HAND_PARTS
from dexgys.models.point_encoder import LIGHT_POINT_ENCODER, Groups, PointEncoder, PointEncoderConfig

__all__ = ["ContactRegionConfig", "ContactRegionPredictor"]

_XYZ_SCALE = 0.05  # m: input coordinates are divided by this before the last MLP


@dataclass(frozen=True)
class ContactRegionConfig:
    """``text_dim``: the text encoder's width; ``d_model``: the feature width; ``threshold``: the
    probability above which :meth:`ContactRegionPredictor.regions` puts a point in a region."""

    text_dim: int = 384
    d_model: int = 128
    n_heads: int = 4
    dropout: float = 0.1
    threshold: float = 0.5
    point_encoder: PointEncoderConfig = field(default_factory=lambda: LIGHT_POINT_ENCODER)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ContactRegionConfig:
        config = config_from_dict(cls, d)
        widths = (config.d_model, config.text_dim, config.n_heads)
        if not all(isinstance(w, int) and w > 0 for w in widths) or config.d_model % config.n_heads:
            raise DexgysError(
                f"ContactRegionConfig needs positive integer widths, d_model divisible by n_heads, got {config}"
            )
        if not 0.0 < config.threshold < 1.0:
            raise DexgysError(f"ContactRegionConfig.threshold must lie in (0, 1), got {config.threshold}")
        return config


def _interpolation(fine: torch.Tensor, coarse: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices ``(B, M, k)`` of the ``k <= 3`` nearest ``coarse`` points of each ``fine`` point and their
    normalised inverse-distance weights."""
    with torch.no_grad():
        dist, idx = knn(fine, coarse, min(3, coarse.shape[1]))
        w = 1.0 / (dist + 1e-4)
        return idx, w / w.sum(-1, keepdim=True)


def _interpolate(h: torch.Tensor, idx: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Features ``h`` ``(B, S, d)`` at the fine points of ``(idx, w)`` ``(B, M, k)`` -> ``(B, M, d)``."""
    b, m, k = idx.shape
    gathered = h.gather(1, idx.reshape(b, m * k, 1).expand(-1, -1, h.shape[-1])).view(b, m, k, -1)
    return (gathered * w[..., None]).sum(2)


class ContactRegionPredictor(nn.Module):
    """Object clouds and instruction tokens -> one logit per point and hand part ``(B, N, 6)``."""

    kind = "regions"

    def __init__(self, config: ContactRegionConfig = ContactRegionConfig()) -> None:
        super().__init__()
        self.config = config
        d = config.d_model
        self.encoder = PointEncoder(config.point_encoder)
        widths = [m[-1] for m in config.point_encoder.mlps]
        self.text = nn.Sequential(nn.Linear(config.text_dim, d), nn.GELU(), nn.Linear(d, d))
        self.top = nn.Linear(widths[-1], d)
        self.attend_norm = nn.LayerNorm(d)
        self.attend = nn.MultiheadAttention(d, config.n_heads, dropout=config.dropout, batch_first=True)
        self.ff = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
        self.up = nn.ModuleList(
            nn.Sequential(nn.Linear(d + w, d), nn.GELU(), nn.Linear(d, d)) for w in reversed(widths[:-1])
        )
        self.to_points = nn.Sequential(nn.Linear(d + 3, d), nn.GELU(), nn.Dropout(config.dropout), nn.Linear(d, d))
        self.queries = nn.Parameter(torch.randn(len(HAND_PARTS), d) * d**-0.5)
        self.part_head = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, d), nn.GELU(), nn.Linear(d, d))
        self.bias = nn.Parameter(torch.zeros(len(HAND_PARTS)))

    def forward(
        self,
        points: torch.Tensor,
        tokens: torch.Tensor,
        mask: torch.Tensor,
        groups: Groups | None = None,
        index: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``points`` ``(O, N, 3)`` (object frame, metres), ``tokens`` ``(B, L, text_dim)`` and ``mask``
        ``(B, L)``; ``index`` ``(B,)``: the cloud of each instruction (None: ``O == B``); ``groups``: the
        encoder's grouping of ``points`` (computed when None) -> logits ``(B, N, 6)``."""
        c = self.config
        if tokens.ndim != 3 or tokens.shape[-1] != c.text_dim or mask.shape != tokens.shape[:2]:
            raise DexgysError(
                f"ContactRegionPredictor needs tokens (B, L, {c.text_dim}) and a mask (B, L), got "
                f"{tuple(tokens.shape)} and {tuple(mask.shape)}"
            )
        if index is None and points.shape[0] != tokens.shape[0]:
            raise DexgysError(f"{points.shape[0]} clouds for {tokens.shape[0]} instructions and no index")
        self.encoder.check_points(points)
        groups = self.encoder.group(points) if groups is None else groups
        levels = self.encoder.levels(points, None, groups)
        xyz = [points] + [lv[0] for lv in levels]
        links = [_interpolation(xyz[i], xyz[i + 1]) for i in range(len(levels))]

        keys = self.text(tokens)  # (B, L, d)
        h = per_grasp(self.top(levels[-1][1]), index)
        q = self.attend_norm(h)
        h = h + self.attend(q, keys, keys, key_padding_mask=~mask, need_weights=False)[0]
        h = h + self.ff(h)
        for up, level in zip(self.up, reversed(range(len(levels) - 1))):
            idx, w = (per_grasp(t, index) for t in links[level + 1])
            h = up(torch.cat([_interpolate(h, idx, w), per_grasp(levels[level][1], index)], -1))
        idx, w = (per_grasp(t, index) for t in links[0])
        h = self.to_points(torch.cat([_interpolate(h, idx, w), per_grasp(points, index) / _XYZ_SCALE], -1))

        scores = torch.einsum("pd,bld->bpl", self.queries, keys) * keys.shape[-1] ** -0.5
        pooled = torch.einsum("bpl,bld->bpd", scores.masked_fill(~mask[:, None, :], float("-inf")).softmax(-1), keys)
        parts = self.part_head(pooled + self.queries)  # (B, 6, d)
        return torch.einsum("bnd,bpd->bnp", h, parts) * h.shape[-1] ** -0.5 + self.bias

    def loss(self, batch: dict) -> dict[str, torch.Tensor]:
        """Mean binary cross-entropy against ``batch["named_points"]`` ``(B, 6, N)`` (1: the hand part
        touches that point's part), with ``object_points``, ``object_groups``, ``object_index``,
        ``text_tokens`` and ``text_mask`` as :class:`~dexgys.training.batches.BatchBuilder` makes them."""
        require(batch, "object_points", "text_tokens", "text_mask", "named_points")
        logits = self(
            batch["object_points"],
            batch["text_tokens"],
            batch["text_mask"],
            batch.get("object_groups"),
            batch.get("object_index"),
        )
        labels = batch["named_points"].transpose(1, 2).to(logits.dtype)
        total = nn.functional.binary_cross_entropy_with_logits(logits, labels)
        return {"total": total, "bce": total.detach()}

    @torch.no_grad()
    def probabilities(self, points: torch.Tensor, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``(B, N, 6)``: the probability that each hand part touches each point, for clouds
        ``(B, N, 3)`` and one instruction each."""
        return torch.sigmoid(self(points, tokens, mask))

    def regions(self, points: torch.Tensor, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``(B, N, 6)`` bool: the points each hand part should touch (probability above the threshold)."""
        return self.probabilities(points, tokens, mask) > self.config.threshold
