"""Building blocks shared by IDGC and QGC: point-cloud tokens and a single-query cross-attention decoder.

The paper's denoiser (and the official UNet) treats the grasp as **one** query token that attends,
layer after layer, to condition tokens (object and text for IDGC, object and hand for QGC):

* :class:`CloudTokens`: a :class:`PointEncoder` whose centroid tokens are projected to ``d_model`` and
  given their centroid position (a small MLP of xyz, in metres; the official code drops the xyz).
* :class:`QueryDecoder`: ``n_layers`` x [time-conditioned residual MLP, cross-attention from the query
  to the context (with a key padding mask: padded text tokens are ignored, unlike the official code),
  feed-forward], all pre-LayerNorm residual blocks. Self-attention is left out: with a single query it
  is an identity map.
* :func:`timestep_embedding`: sinusoidal ``[cos | sin]`` features of the diffusion step.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from dexgys.errors import DexgysError
from dexgys.models.point_encoder import Groups, PointEncoder, PointEncoderConfig

__all__ = ["CloudTokens", "QueryDecoder", "mlp", "timestep_embedding"]


def mlp(*widths: int) -> nn.Sequential:
    """``Linear - SiLU - ... - Linear`` through ``widths``."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        if i:
            layers.append(nn.SiLU())
        layers.append(nn.Linear(a, b))
    return nn.Sequential(*layers)


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Steps ``(B,)`` -> ``(B, dim)`` sinusoidal features ``[cos(t f_k) | sin(t f_k)]``, ``f_k`` geometric
    from 1 to ``1 / max_period``."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    return torch.cat([emb, emb.new_zeros(emb.shape[0], dim % 2)], dim=-1)


class CloudTokens(nn.Module):
    """Point clouds -> ``(B, M, d_model)`` tokens: projected PointNet++ centroid features + xyz embedding."""

    def __init__(self, config: PointEncoderConfig, d_model: int) -> None:
        super().__init__()
        self.encoder = PointEncoder(config)
        self.proj = nn.Linear(self.encoder.out_dim, d_model)
        self.position = mlp(3, d_model, d_model)

    def forward(
        self, points: torch.Tensor, groups: Groups | None = None, index: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Clouds ``(O, N, 3)`` (metres) with optional precomputed ``groups`` -> tokens ``(O, M, d)``,
        or ``(B, M, d)`` rows ``index`` ``(B,)`` of them (each distinct cloud is encoded once)."""
        feats, xyz = self.encoder(points, groups=groups)
        tokens = self.proj(feats) + self.position(xyz)
        if index is None:
            return tokens
        if index.dim() != 1 or (index.numel() and not 0 <= int(index.min()) <= int(index.max()) < points.shape[0]):
            raise DexgysError(f"object_index must be a vector of indices into the {points.shape[0]} object clouds")
        return tokens[index]


class _Block(nn.Module):
    def __init__(self, d: int, heads: int, ff_mult: int, dropout: float, time_conditioned: bool) -> None:
        super().__init__()
        self.norm_res = nn.LayerNorm(d)
        self.res_in = nn.Linear(d, d)
        self.res_time = nn.Linear(d, d) if time_conditioned else None
        self.res_out = nn.Sequential(nn.SiLU(), nn.Dropout(dropout), nn.Linear(d, d))
        self.norm_attn = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, dropout=dropout, batch_first=True)
        self.norm_ff = nn.LayerNorm(d)
        self.ff = nn.Sequential(
            nn.Linear(d, ff_mult * d), nn.GELU(), nn.Dropout(dropout), nn.Linear(ff_mult * d, d), nn.Dropout(dropout)
        )

    def forward(self, h, context, pad, temb):
        r = self.res_in(torch.nn.functional.silu(self.norm_res(h)))
        if self.res_time is not None:
            r = r + self.res_time(torch.nn.functional.silu(temb))
        h = h + self.res_out(r)
        q = self.norm_attn(h).unsqueeze(1)
        h = h + self.attn(q, context, context, key_padding_mask=pad, need_weights=False)[0].squeeze(1)
        return h + self.ff(self.norm_ff(h))


class QueryDecoder(nn.Module):
    """One query vector ``(B, d)`` attending to context tokens ``(B, M, d)``; see the module docstring."""

    def __init__(
        self,
        d_model: int,
        n_layers: int,
        n_heads: int,
        ff_mult: int = 2,
        dropout: float = 0.0,
        time_conditioned: bool = True,
    ) -> None:
        super().__init__()
        if d_model % n_heads:
            raise DexgysError(f"d_model ({d_model}) must be a multiple of n_heads ({n_heads})")
        self.time_conditioned = time_conditioned
        self.context_norm = nn.LayerNorm(d_model)
        self.blocks = nn.ModuleList(
            _Block(d_model, n_heads, ff_mult, dropout, time_conditioned) for _ in range(n_layers)
        )
        self.out_norm = nn.LayerNorm(d_model)

    def forward(
        self,
        query: torch.Tensor,
        context: torch.Tensor,
        context_mask: torch.Tensor | None = None,
        temb: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``query`` ``(B, d)``, ``context`` ``(B, M, d)``, ``context_mask`` ``(B, M)`` (True: a real token;
        every row needs one), ``temb`` ``(B, d)`` when time-conditioned -> ``(B, d)``."""
        if (temb is None) == self.time_conditioned:
            raise DexgysError("QueryDecoder: pass temb exactly when the decoder is time-conditioned")
        pad = None if context_mask is None else ~context_mask
        context = self.context_norm(context)
        h = query
        for block in self.blocks:
            h = block(h, context, pad, temb)
        return self.out_norm(h)
