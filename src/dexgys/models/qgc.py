"""QGC, the Quality Grasp Component: a one-pass residual refiner of coarse grasps.

The paper's second stage (DexGYS §4.2): given a coarse grasp (an IDGC sample), the hand surface points
of that grasp and the object point cloud, regress a residual ``delta`` and return ``coarse + delta``
(on normalised grasp vectors). No text, no diffusion. Object and hand clouds are each encoded by a
PointNet++ (:class:`CloudTokens`, separate weights); the coarse grasp is the single query of a
:class:`QueryDecoder` whose keys/values are ``[object tokens | hand tokens]``. The output layer starts
at zero, so an untrained QGC returns its input.

Loss (paper §4.3, against the matched target grasp): ``10 * parameter MSE + 1 * hand Chamfer + 100 *
object penetration + 10 * self-penetration + 10 * contact-map MSE``; object penetration and the
contact map are in :mod:`dexgys.models.losses` (penetration from object points with normals),
self-penetration is :meth:`HandModel.self_penetration` (metres, summed over keypoint pairs).

dexgys adds an optional **named-contact** term (``named_contact_weight``, 0 in the paper config): for
every finger to which the target's record gives parts (its ``contacts``, the training data's own
labels), the distance from that finger's hand points to the nearest object point on those parts,
beyond a 2 mm tolerance, in cm (:func:`dexgys.models.losses.named_contact`). The paper's contact map
treats every object point alike, so a refiner that backs the hand out of the object to cut
penetration loses the contacts the instruction asked for at no extra cost; this term prices them.
QGC still reads no text: the term only shapes training.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from dexgys.errors import DexgysError
from dexgys.hands import HandModel
from dexgys.models._common import config_from_dict, object_rows, per_grasp, require
from dexgys.models.decoder import CloudTokens, QueryDecoder, mlp
from dexgys.models.grasp_repr import (
    DEFAULT_TRANSLATION_SCALE,
    GraspHand,
    GraspNormalizer,
    record_to_vector,
    vector_to_record,
)
from dexgys.models.losses import contact_map, hand_chamfer, named_contact, nearest_indices, object_penetration
from dexgys.models.point_encoder import LIGHT_POINT_ENCODER, Groups, PointEncoderConfig

__all__ = ["HAND_POINT_ENCODER", "QGC", "QGCConfig", "REFINE_CHUNK"]

REFINE_CHUNK = 256  # grasps per forward pass of QGC.refine: about 0.4 GB of hand-encoder memory on a CPU

HAND_POINT_ENCODER = PointEncoderConfig(
    centroids=(128, 32, 8),
    radii=(0.02, 0.04, 0.08),
    neighbours=(16, 16, 8),
    mlps=((32, 32, 64), (64, 64, 128), (128, 128, 128)),
)
"""QGC's default hand encoder: for hand models of 128 or more surface points (512 suggested)."""


@dataclass(frozen=True)
class QGCConfig:
    """QGC settings; the hand encoder sees the hand model's surface points (512 suggested)."""

    hand: str = "shadow"
    d_model: int = 256
    n_layers: int = 4
    n_heads: int = 4
    ff_mult: int = 2
    dropout: float = 0.1
    object_encoder: PointEncoderConfig = field(default_factory=lambda: LIGHT_POINT_ENCODER)
    hand_encoder: PointEncoderConfig = field(default_factory=lambda: HAND_POINT_ENCODER)
    translation_scale: float = DEFAULT_TRANSLATION_SCALE
    para_weight: float = 10.0
    chamfer_weight: float = 1.0
    penetration_weight: float = 100.0
    self_penetration_weight: float = 10.0
    contact_weight: float = 10.0
    named_contact_weight: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> QGCConfig:
        return config_from_dict(cls, d)


class QGC(nn.Module):
    """The QGC refiner; see the module docstring. ``kind = "qgc"`` names it in checkpoints."""

    kind = "qgc"

    def __init__(self, config: QGCConfig, hand: HandModel, normalizer: GraspNormalizer | None = None) -> None:
        super().__init__()
        if hand.name != config.hand:
            raise DexgysError(f"this QGC is for the {config.hand} hand, not the {hand.name} hand")
        self.config = config
        self.normalizer = normalizer or GraspNormalizer.from_hand(hand, config.translation_scale)
        if self.normalizer.n_dofs != hand.n_dofs:
            raise DexgysError(f"the grasp normaliser has {self.normalizer.n_dofs} joints; the hand has {hand.n_dofs}")
        self.grasp_hand = GraspHand(hand)
        if self.grasp_hand.n_surface_points < config.hand_encoder.centroids[0]:
            raise DexgysError(
                f"the hand has {self.grasp_hand.n_surface_points} surface points; the QGC hand encoder "
                f"needs at least {config.hand_encoder.centroids[0]}"
            )
        d, dim = config.d_model, self.normalizer.dim
        self.object_tokens = CloudTokens(config.object_encoder, d)
        self.hand_tokens = CloudTokens(config.hand_encoder, d)
        self.token_type = nn.Parameter(torch.zeros(2, d))  # object, hand
        self.query = mlp(dim, d, d)
        self.decoder = QueryDecoder(d, config.n_layers, config.n_heads, config.ff_mult, config.dropout, False)
        self.head = nn.Sequential(nn.SiLU(), nn.Linear(d, dim))
        nn.init.zeros_(self.head[-1].weight)
        nn.init.zeros_(self.head[-1].bias)

    def forward(
        self,
        object_points: torch.Tensor,
        coarse: torch.Tensor,
        object_groups: Groups | None = None,
        object_index: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Object clouds ``(O, N, 3)`` (rows ``object_index`` ``(B,)`` per grasp; O == B without it) and
        coarse normalised grasp vectors ``(B, 9+n)`` -> refined normalised vectors ``(B, 9+n)``."""
        if coarse.dim() != 2 or coarse.shape[1] != self.normalizer.dim:
            raise DexgysError(f"coarse grasps must have shape (B, {self.normalizer.dim}), got {tuple(coarse.shape)}")
        obj = self.object_tokens(object_points, object_groups, object_index) + self.token_type[0]
        coarse = coarse.to(obj)
        if obj.shape[0] != coarse.shape[0]:
            raise DexgysError(f"{obj.shape[0]} object clouds for {coarse.shape[0]} coarse grasps")
        with torch.no_grad():
            hand_points = self.grasp_hand.surface_points(self.normalizer.denormalize(coarse))
        hand = self.hand_tokens(hand_points) + self.token_type[1]
        h = self.decoder(self.query(coarse), torch.cat([obj, hand], 1))
        return coarse + self.head(h)

    def loss(self, batch: dict) -> dict[str, torch.Tensor]:
        """Refinement loss of one batch.

        ``batch``: ``coarse`` ``(B, 6+n)`` coarse records (IDGC samples), ``grasp`` ``(B, 6+n)`` their
        matched target records, ``object_points`` and ``object_normals`` ``(O, N, 3)`` with optional
        ``object_index`` ``(B,)`` and ``object_groups``; with ``named_contact_weight`` > 0 also
        ``named_points`` ``(B, F, N)``: the object points on the parts the target names for each of the
        hand's fingers (:meth:`dexgys.training.batches.ObjectTable.named_points`). -> ``{"total",
        "para", "chamfer", "penetration", "self_penetration", "contact", "named_contact"}`` scalars.
        """
        require(batch, "grasp", "coarse", "object_normals")
        c = self.config
        if c.named_contact_weight > 0:
            require(batch, "named_points")
        target = batch["grasp"]
        if batch["coarse"].shape != target.shape:
            raise DexgysError("the batch's 'coarse' records must be shaped like its 'grasp' records")
        points, index = object_rows(batch, target.shape[0])
        ref = self.token_type
        coarse = self.normalizer.normalize(record_to_vector(batch["coarse"].to(ref)))
        x0 = self.normalizer.normalize(record_to_vector(target.to(ref)))
        refined = self(points, coarse, batch.get("object_groups"), index)

        pred_vec = self.normalizer.denormalize(refined)
        pred_points = self.grasp_hand.surface_points(pred_vec)
        obj_points = per_grasp(points, index).to(ref)
        obj_normals = per_grasp(batch["object_normals"], index).to(ref)
        with torch.no_grad():
            target_points = self.grasp_hand.surface_points(self.normalizer.denormalize(x0))
            target_map = contact_map(obj_points, target_points)
        hand_to_obj, obj_to_hand = nearest_indices(pred_points, obj_points)
        named = batch.get("named_points")
        out = {
            "para": torch.nn.functional.mse_loss(refined, x0),
            "chamfer": hand_chamfer(pred_points, target_points).mean(),
            "penetration": object_penetration(pred_points, obj_points, obj_normals, hand_to_obj).mean(),
            "self_penetration": self.grasp_hand.self_penetration(pred_vec).mean(),
            "contact": torch.nn.functional.mse_loss(contact_map(obj_points, pred_points, obj_to_hand), target_map),
            "named_contact": (
                pred_points.new_zeros(())
                if named is None
                else named_contact(
                    pred_points,
                    self.grasp_hand.hand.surface_point_fingers.to(pred_points.device),
                    obj_points,
                    named.to(obj_points.device),
                )
            ),
        }
        out["total"] = (
            c.para_weight * out["para"]
            + c.chamfer_weight * out["chamfer"]
            + c.penetration_weight * out["penetration"]
            + c.self_penetration_weight * out["self_penetration"]
            + c.contact_weight * out["contact"]
            + c.named_contact_weight * out["named_contact"]
        )
        return out

    @torch.no_grad()
    def refine(
        self, object_points: torch.Tensor, coarse: torch.Tensor, object_groups: Groups | None = None
    ) -> torch.Tensor:
        """Refined records for coarse records ``(B, k, 6+n)`` (k grasps per cloud) or ``(B, 6+n)``, with
        object clouds ``(B, N, 3)`` -> the same shape; joints clamped into their limits. Call ``eval()`` first.
        Runs :data:`REFINE_CHUNK` grasps at a time (each grasp's refinement does not depend on the others),
        which bounds the memory of the hand encoder."""
        shape = coarse.shape
        if coarse.dim() == 2:
            coarse = coarse.unsqueeze(1)
        if coarse.dim() != 3 or coarse.shape[0] != object_points.shape[0]:
            raise DexgysError(
                f"coarse grasps must have shape (B, k, 6+n) or (B, 6+n) for {object_points.shape[0]} clouds, "
                f"got {tuple(shape)}"
            )
        b, k = coarse.shape[:2]
        index = torch.arange(b, device=object_points.device).repeat_interleave(k)
        x = self.normalizer.normalize(record_to_vector(coarse.reshape(b * k, -1).to(self.token_type)))
        refined = torch.cat(
            [
                self(object_points, part, object_groups, rows)
                for part, rows in zip(x.split(REFINE_CHUNK), index.split(REFINE_CHUNK))
            ]
        )
        return vector_to_record(self.normalizer.clamp_joints(self.normalizer.denormalize(refined))).view(shape)
