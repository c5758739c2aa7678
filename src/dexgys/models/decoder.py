"""Building blocks shared by IDGC and QGC: point-cloud tokens and a single-query cross-attention decoder.

The paper's denoiser (and the official UNet) treats the grasp as **one** query token that attends,
layer after layer, to condition tokens (object and text for IDGC, object and hand for QGC):

* :class:`CloudTokens`: a :class:`PointEncoder` whose centroid tokens are projected to ``d_model`` and
  given their centroid position (a small MLP of xyz, in metres; the official code drops the xyz).
* :class:`QueryDecoder`: ``n_layers`` x [time-conditioned residual MLP, cross-attention from the query
  to the context (with a key padding mask: padded text tokens are ignored, unlike the official code),
  feed-forward], all pre-LayerNorm residual blocks. Self-attention is left out: with a single query it
  is an identity map. For sampling, :meth:`QueryDecoder.memory` projects a context's keys and values
  once and :meth:`QueryDecoder.attend` runs many queries (grasps, diffusion steps) against them.
* :func:`timestep_embedding`: sinusoidal ``[cos | sin]`` features of the diffusion step.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from dexgys.errors import DexgysError
from dexgys.models.point_encoder import Groups, PointEncoder, PointEncoderConfig

__all__ = ["CloudTokens", "DecoderMemory", "QueryDecoder", "mlp", "timestep_embedding"]


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

    def _residual(self, h, temb):
        r = self.res_in(F.silu(self.norm_res(h)))
        if self.res_time is not None:
            r = r + self.res_time(F.silu(temb))
        return h + self.res_out(r)

    def forward(self, h, context, pad, temb):
        h = self._residual(h, temb)
        q = self.norm_attn(h).unsqueeze(1)
        h = h + self.attn(q, context, context, key_padding_mask=pad, need_weights=False)[0].squeeze(1)
        return h + self.ff(self.norm_ff(h))

    def keys_values(self, context: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The attention's keys and values ``(B, heads, M, d/heads)`` of a normalised context ``(B, M, d)``."""
        d, heads = context.shape[-1], self.attn.num_heads
        w, b = self.attn.in_proj_weight, self.attn.in_proj_bias
        k, v = F.linear(context, w[d : 2 * d], b[d : 2 * d]), F.linear(context, w[2 * d :], b[2 * d :])
        return tuple(x.view(x.shape[0], x.shape[1], heads, d // heads).transpose(1, 2) for x in (k, v))

    def forward_cached(self, h, keys, values, allowed, temb):
        """:meth:`forward` for ``h`` ``(B * n, d)``, rows ``i * n ...`` attending to context ``i`` of
        :meth:`keys_values`; ``allowed`` ``(B, 1, 1, M)`` bool (True: a real token)."""
        h = self._residual(h, temb)
        d, heads = h.shape[-1], self.attn.num_heads
        batch = keys.shape[0]
        n = h.shape[0] // batch
        q = F.linear(self.norm_attn(h), self.attn.in_proj_weight[:d], self.attn.in_proj_bias[:d])
        q = q.view(batch, n, heads, d // heads).transpose(1, 2)
        a = F.scaled_dot_product_attention(q, keys, values, attn_mask=allowed)  # (B, heads, n, d/heads)
        h = h + self.attn.out_proj(a.transpose(1, 2).reshape(batch * n, d))
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

    def memory(self, context: torch.Tensor, context_mask: torch.Tensor | None = None) -> DecoderMemory:
        """Every block's keys and values of ``context`` ``(B, M, d)`` (``context_mask`` as in
        :meth:`forward`), computed once for many queries and steps (:meth:`attend`)."""
        context = self.context_norm(context)
        allowed = None if context_mask is None else context_mask[:, None, None, :].bool()
        return DecoderMemory([block.keys_values(context) for block in self.blocks], allowed, context.shape[0])

    def attend(self, query: torch.Tensor, memory: DecoderMemory, temb: torch.Tensor | None = None) -> torch.Tensor:
        """:meth:`forward` for queries ``(B * n, d)`` whose rows ``i * n ... (i + 1) * n - 1`` attend to
        context ``i`` of ``memory``: the same result (up to float rounding) without projecting the
        context again for every query and every call. For sampling: no attention dropout."""
        if (temb is None) == self.time_conditioned:
            raise DexgysError("QueryDecoder: pass temb exactly when the decoder is time-conditioned")
        if query.shape[0] % memory.batch:
            raise DexgysError(f"{query.shape[0]} queries cannot be split evenly over {memory.batch} contexts")
        h = query
        for block, (keys, values) in zip(self.blocks, memory.keys_values):
            h = block.forward_cached(h, keys, values, memory.allowed, temb)
        return self.out_norm(h)


class DecoderMemory:
    """What :meth:`QueryDecoder.memory` computed: per block ``(keys, values)``, the token mask
    ``allowed`` ``(B, 1, 1, M)`` (or None) and the number of contexts ``batch``."""

    def __init__(
        self, keys_values: list[tuple[torch.Tensor, torch.Tensor]], allowed: torch.Tensor | None, batch: int
    ) -> None:
        self.keys_values, self.allowed, self.batch = keys_values, allowed, batch
