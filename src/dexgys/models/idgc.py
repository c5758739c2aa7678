"""IDGC, the Intention and Diversity Grasp Component: a conditional diffusion model over grasps.

The paper's first stage (DexGYS §4.2): a DDPM whose denoiser predicts the clean grasp ``x0`` from a
noisy one, conditioned on object tokens (PointNet++) and text tokens (a frozen text encoder's token
states, computed outside and passed in as tensors):

* query ``f0(f1(x_t) + f2(emb(t)))`` from the noisy normalised grasp vector ``x_t`` ``(B, 9+n)``;
* key/value: ``[object tokens (M) | projected text tokens (L)]``, padded text tokens masked out;
* a :class:`QueryDecoder` (residual MLP with the time embedding, cross-attention, feed-forward, per
  layer) and a final MLP regressing ``x0``.

Loss (paper §4.3): ``10 * MSE(x0_hat, x0)`` on normalised vectors ``+ 1 * hand Chamfer`` between the
hand surface points of the predicted and target grasps (m^2, see :mod:`dexgys.models.losses`);
``penetration_weight`` (default 0, the paper's choice) adds object penetration for the Fig. 4 ablation
and then needs object normals. No self-penetration term (the released config adds one; the paper not).

**Classifier-free guidance** (not in the paper): with ``text_dropout`` > 0, that share of training
grasps sees no text (every text token masked), so the one network also learns grasps of the object
alone. :meth:`IDGC.sample` with ``guidance_scale`` ``w`` > 1 then uses ``x0_text + (w - 1) (x0_text -
x0_object_only)`` at every step, pushing the samples toward what the words add (at twice the denoiser
cost); ``w = 1`` is the plain conditional model.

Grasps enter and leave as DexGYSNet records ``[t | axis-angle | q]`` (metres, radians); see
:mod:`dexgys.models.grasp_repr` for the internal vector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from dexgys.errors import DexgysError
from dexgys.hands import HandModel
from dexgys.models._common import config_from_dict, object_rows, per_grasp, require
from dexgys.models.decoder import CloudTokens, DecoderMemory, QueryDecoder, mlp, timestep_embedding
from dexgys.models.diffusion import Diffusion
from dexgys.models.grasp_repr import (
    DEFAULT_TRANSLATION_SCALE,
    GraspHand,
    GraspNormalizer,
    record_to_vector,
    vector_to_record,
)
from dexgys.models.losses import hand_chamfer, object_penetration
from dexgys.models.point_encoder import LIGHT_POINT_ENCODER, Groups, PointEncoderConfig

__all__ = ["IDGC", "IDGCConfig"]


@dataclass(frozen=True)
class IDGCConfig:
    """IDGC settings. ``text_dim`` must match the text encoder (384 MiniLM, 768 CLIP ViT-L/14)."""

    hand: str = "shadow"
    text_dim: int = 384
    d_model: int = 256
    n_layers: int = 4
    n_heads: int = 4
    ff_mult: int = 2
    dropout: float = 0.1
    point_encoder: PointEncoderConfig = field(default_factory=lambda: LIGHT_POINT_ENCODER)
    diffusion_steps: int = 100
    schedule: str = "cosine"
    clip_x0: float | None = 1.5
    translation_scale: float = DEFAULT_TRANSLATION_SCALE
    para_weight: float = 10.0
    chamfer_weight: float = 1.0
    penetration_weight: float = 0.0
    text_dropout: float = 0.0

    def check_guidance_scale(self, guidance_scale) -> float:
        """``guidance_scale`` as a float, or a :class:`DexgysError` when it is not a number of at least 1,
        or above 1 for a model trained without ``text_dropout``."""
        if isinstance(guidance_scale, bool) or not isinstance(guidance_scale, (int, float)) or not guidance_scale >= 1:
            raise DexgysError(f"the guidance scale must be a number of at least 1, got {guidance_scale!r}")
        if guidance_scale != 1 and self.text_dropout <= 0:
            raise DexgysError(
                f"this IDGC was trained without text dropout, so it cannot use a guidance scale of "
                f"{guidance_scale} (only 1)"
            )
        return float(guidance_scale)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> IDGCConfig:
        return config_from_dict(cls, d)


class IDGC(nn.Module):
    """The IDGC diffusion model; see the module docstring. ``kind = "idgc"`` names it in checkpoints."""

    kind = "idgc"

    def __init__(self, config: IDGCConfig, hand: HandModel, normalizer: GraspNormalizer | None = None) -> None:
        super().__init__()
        if hand.name != config.hand:
            raise DexgysError(f"this IDGC is for the {config.hand} hand, not the {hand.name} hand")
        self.config = config
        self.normalizer = normalizer or GraspNormalizer.from_hand(hand, config.translation_scale)
        if self.normalizer.n_dofs != hand.n_dofs:
            raise DexgysError(f"the grasp normaliser has {self.normalizer.n_dofs} joints; the hand has {hand.n_dofs}")
        self.grasp_hand = GraspHand(hand)
        d, dim = config.d_model, self.normalizer.dim
        self.object_tokens = CloudTokens(config.point_encoder, d)
        self.text_proj = nn.Sequential(nn.LayerNorm(config.text_dim), nn.Linear(config.text_dim, d))
        self.token_type = nn.Parameter(torch.zeros(2, d))  # object, text
        self.x_in = mlp(dim, d, d)
        self.t_in = mlp(d, d, d)
        self.query = mlp(d, d, d)
        self.decoder = QueryDecoder(d, config.n_layers, config.n_heads, config.ff_mult, config.dropout, True)
        self.head = nn.Sequential(nn.SiLU(), nn.Linear(d, dim))
        self.diffusion = Diffusion(config.diffusion_steps, config.schedule, config.clip_x0)

    # ------------------------------------------------------------------ network
    def condition(
        self,
        object_points: torch.Tensor,
        text_tokens: torch.Tensor,
        text_mask: torch.Tensor,
        object_groups: Groups | None = None,
        object_index: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Object clouds ``(O, N, 3)`` (rows ``object_index`` ``(B,)`` per grasp; O == B without it), text
        tokens ``(B, L, text_dim)`` and mask ``(B, L)`` -> context ``(B, M+L, d)`` and its mask."""
        if text_tokens.dim() != 3 or text_tokens.shape[-1] != self.config.text_dim:
            raise DexgysError(
                f"text tokens must have shape (B, L, {self.config.text_dim}), got {tuple(text_tokens.shape)}"
            )
        if text_mask.shape != text_tokens.shape[:2]:
            raise DexgysError(
                f"text mask {tuple(text_mask.shape)} does not match text tokens {tuple(text_tokens.shape)}"
            )
        obj = self.object_tokens(object_points, object_groups, object_index) + self.token_type[0]
        if obj.shape[0] != text_tokens.shape[0]:
            raise DexgysError(f"{obj.shape[0]} object clouds for {text_tokens.shape[0]} sentences")
        text = self.text_proj(text_tokens.to(obj)) + self.token_type[1]
        mask = torch.cat([torch.ones(obj.shape[:2], dtype=torch.bool, device=obj.device), text_mask.to(obj.device)], 1)
        return torch.cat([obj, text], 1), mask

    def denoise(self, x_t: torch.Tensor, t: torch.Tensor, context: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Noisy normalised grasps ``(B, 9+n)``, steps ``(B,)`` and a context -> predicted ``x0`` ``(B, 9+n)``."""
        h, temb = self._query(x_t, t)
        return self.head(self.decoder(h, context, mask, temb))

    def _query(self, x_t: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The decoder's query ``(B, d)`` and time embedding ``(B, d)`` of noisy grasps at steps ``t``."""
        temb = self.t_in(timestep_embedding(t, self.config.d_model).to(x_t.dtype))
        return self.query(self.x_in(x_t) + temb), temb

    def _denoise_cached(self, x_t: torch.Tensor, t: torch.Tensor, memory: DecoderMemory) -> torch.Tensor:
        """:meth:`denoise` of ``(B * n, ...)`` grasps against the ``B`` contexts of ``memory``
        (:meth:`QueryDecoder.memory`), rows ``i * n ...`` against context ``i``."""
        h, temb = self._query(x_t, t)
        return self.head(self.decoder.attend(h, memory, temb))

    # ------------------------------------------------------------------ training
    def loss(self, batch: dict, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Diffusion training loss of one batch.

        ``batch``: ``grasp`` ``(B, 6+n)`` target records; ``text_tokens`` ``(B, L, text_dim)`` and
        ``text_mask`` ``(B, L)``; ``object_points`` ``(O, N, 3)`` with optional ``object_index``
        ``(B,)`` (grasp -> cloud; encoding each distinct cloud once) and ``object_groups``
        (:meth:`PointEncoder.group` of the O clouds); ``object_normals`` ``(O, N, 3)`` when
        ``penetration_weight > 0``. Timesteps and noise come from ``generator`` (default: torch's
        global generator). -> ``{"total", "para", "chamfer"[, "penetration"]}`` scalars.
        """
        require(batch, "grasp", "text_tokens", "text_mask")
        target = batch["grasp"]
        points, index = object_rows(batch, target.shape[0])
        text_mask = batch["text_mask"]
        if self.config.text_dropout > 0:
            gen_device = generator.device if generator is not None else "cpu"
            hidden = torch.rand(target.shape[0], generator=generator, device=gen_device) < self.config.text_dropout
            text_mask = text_mask & ~hidden.to(text_mask.device)[:, None]
        context, mask = self.condition(points, batch["text_tokens"], text_mask, batch.get("object_groups"), index)
        x0 = self.normalizer.normalize(record_to_vector(target.to(context)))
        t = self.diffusion.timesteps(x0.shape[0], generator, device=x0.device)
        gen_device = generator.device if generator is not None else "cpu"
        noise = torch.randn(x0.shape, generator=generator, device=gen_device).to(x0)
        x0_hat = self.denoise(self.diffusion.q_sample(x0, t, noise), t, context, mask)

        pred_vec = self.normalizer.denormalize(x0_hat)
        pred_points = self.grasp_hand.surface_points(pred_vec)
        with torch.no_grad():
            target_points = self.grasp_hand.surface_points(self.normalizer.denormalize(x0))
        out = {
            "para": torch.nn.functional.mse_loss(x0_hat, x0),
            "chamfer": hand_chamfer(pred_points, target_points).mean(),
        }
        c = self.config
        total = c.para_weight * out["para"] + c.chamfer_weight * out["chamfer"]
        if c.penetration_weight > 0:
            require(batch, "object_normals")
            pen = object_penetration(pred_points, per_grasp(points, index), per_grasp(batch["object_normals"], index))
            out["penetration"] = pen.mean()
            total = total + c.penetration_weight * out["penetration"]
        out["total"] = total
        return out

    # ------------------------------------------------------------------ inference
    @torch.no_grad()
    def sample(
        self,
        object_points: torch.Tensor,
        text_tokens: torch.Tensor,
        text_mask: torch.Tensor,
        n: int = 1,
        generator: torch.Generator | Sequence[torch.Generator] | None = None,
        sampler: str = "ddpm",
        steps: int | None = None,
        object_groups: Groups | None = None,
        guidance_scale: float = 1.0,
    ) -> torch.Tensor:
        """``n`` grasps for each of B (object, sentence) pairs -> records ``(B, n, 6+n_dofs)``.

        ``object_points`` ``(B, N, 3)``, ``text_tokens`` ``(B, L, text_dim)``, ``text_mask`` ``(B, L)``.
        The condition is encoded once, and its attention keys and values are projected once for all
        grasps and steps (:meth:`QueryDecoder.memory`); noise comes from ``generator`` (None: a CPU generator seeded 0;
        a sequence of k generators: with B = 1, grasp block j of ``n / k`` from generator j, see
        :meth:`Diffusion.sample <dexgys.models.diffusion.Diffusion.sample>`), so the result is a
        deterministic function of it. Joints are clamped into their limits. Call
        ``eval()`` first (BatchNorm statistics, no dropout). ``guidance_scale`` > 1: classifier-free guidance
        (module docstring); it needs a model trained with ``text_dropout`` > 0.
        """
        if n < 1:
            raise DexgysError(f"the number of grasps per input must be positive, got {n}")
        guidance_scale = self.config.check_guidance_scale(guidance_scale)
        if generator is None:
            generator = torch.Generator().manual_seed(0)
        context, mask = self.condition(object_points, text_tokens, text_mask, object_groups)
        if guidance_scale == 1.0:
            memory = self.decoder.memory(context, mask)

            def denoise_fn(x_t, t):
                return self._denoise_cached(x_t, t, memory)
        else:
            n_obj = context.shape[1] - text_tokens.shape[1]
            alone = torch.cat([mask[:, :n_obj], torch.zeros_like(mask[:, n_obj:])], 1)
            memory = self.decoder.memory(torch.cat([context, context]), torch.cat([mask, alone]))

            def denoise_fn(x_t, t):
                with_text, without = self._denoise_cached(torch.cat([x_t, x_t]), torch.cat([t, t]), memory).chunk(2)
                return with_text + (guidance_scale - 1.0) * (with_text - without)

        x = self.diffusion.sample(
            denoise_fn,
            (context.shape[0] * n, self.normalizer.dim),
            generator,
            sampler,
            steps,
            device=context.device,
        )
        vec = self.normalizer.clamp_joints(self.normalizer.denormalize(x))
        return vector_to_record(vec).view(object_points.shape[0], n, -1)
