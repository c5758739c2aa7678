"""Simple 2-D polygons: validation, exact signed distance (differentiable in torch) and convex decomposition.

Polygons are ``(N, 2)`` point lists, open (the last point joins the first); :func:`clean_polygon`
checks one is simple and returns it counter-clockwise without repeated points.
"""

from __future__ import annotations

import manifold3d
import numpy as np
import torch

from dexgys.errors import DexgysError
from dexgys.geometry.numerics import TINY, safe_norm

__all__ = ["clean_polygon", "convex_pieces", "dedupe_polygon", "polygon_sdf", "segments_intersect", "signed_area"]


def dedupe_polygon(points: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Drop consecutive (cyclic) duplicates from a closed polygon ``(N, 2)``."""
    keep = np.linalg.norm(points - np.roll(points, 1, axis=0), axis=1) > eps
    return points[keep] if keep.any() else points[:1]


def signed_area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def segments_intersect(p: np.ndarray, q: np.ndarray, r: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Whether closed segments ``p-q`` and ``r-s`` (broadcast, (..., 2)) touch or cross."""

    def orient(a, b, c):
        return (b[..., 0] - a[..., 0]) * (c[..., 1] - a[..., 1]) - (b[..., 1] - a[..., 1]) * (c[..., 0] - a[..., 0])

    def on_segment(a, b, c):  # c collinear with a-b: is it within the box of a-b?
        return (
            (np.minimum(a[..., 0], b[..., 0]) <= c[..., 0])
            & (c[..., 0] <= np.maximum(a[..., 0], b[..., 0]))
            & (np.minimum(a[..., 1], b[..., 1]) <= c[..., 1])
            & (c[..., 1] <= np.maximum(a[..., 1], b[..., 1]))
        )

    scale = max(float(np.abs(np.concatenate([p, q, r, s], axis=-2 if p.ndim > 1 else 0)).max()), 1e-9)
    eps = 1e-12 * scale * scale
    o1, o2, o3, o4 = orient(p, q, r), orient(p, q, s), orient(r, s, p), orient(r, s, q)
    s1, s2, s3, s4 = (np.where(np.abs(o) <= eps, 0, np.sign(o)) for o in (o1, o2, o3, o4))
    proper = (s1 * s2 < 0) & (s3 * s4 < 0)
    touch = (
        ((s1 == 0) & on_segment(p, q, r))
        | ((s2 == 0) & on_segment(p, q, s))
        | ((s3 == 0) & on_segment(r, s, p))
        | ((s4 == 0) & on_segment(r, s, q))
    )
    return proper | touch


def clean_polygon(name: str, points) -> np.ndarray:
    """Validate a simple polygon; returns it ``(N, 2)`` float64, counter-clockwise, no repeated points."""
    poly = np.asarray(points, dtype=np.float64)
    if poly.ndim != 2 or poly.shape[1] != 2 or not np.all(np.isfinite(poly)):
        raise DexgysError(f"{name} must be an (N, 2) array of finite numbers")
    poly = dedupe_polygon(poly)
    n = len(poly)
    if n < 3:
        raise DexgysError(f"{name} needs at least 3 distinct points, got {n}")
    area = signed_area(poly)
    extent = float(np.ptp(poly, axis=0).max())
    if abs(area) <= 1e-10 * extent * extent:
        raise DexgysError(f"{name} is degenerate (zero area)")
    a, b = poly, np.roll(poly, -1, axis=0)
    i, j = np.triu_indices(n, k=2)
    adjacent = (i == 0) & (j == n - 1)
    i, j = i[~adjacent], j[~adjacent]
    if len(i) and segments_intersect(a[i], b[i], a[j], b[j]).any():
        raise DexgysError(f"{name} intersects itself")
    # adjacent edges folding back onto each other
    e0, e1 = b - a, np.roll(b - a, -1, axis=0)
    cross = e0[:, 0] * e1[:, 1] - e0[:, 1] * e1[:, 0]
    dot = (e0 * e1).sum(1)
    if np.any((np.abs(cross) <= 1e-12 * extent * extent) & (dot < 0)):
        raise DexgysError(f"{name} folds back on itself")
    return poly if area > 0 else poly[::-1].copy()


_CHUNK = 4096  # points per block in the (points x edges) search: keeps the block in cache


def polygon_sdf(
    q: torch.Tensor, starts: torch.Tensor, ends: torch.Tensor, distance_edges: torch.Tensor | None = None
) -> torch.Tensor:
    """Exact signed distance ``(...)`` of 2-D points ``q`` ``(..., 2)`` to polygons given as edges.

    ``starts``/``ends`` ``(E, 2)`` are the edges of one or more closed loops (any orientation; holes
    and disjoint loops work, inside = odd crossing number). ``distance_edges`` ``(E,)`` bool, when
    given, restricts the *distance* to those edges (the sign still uses all of them).
    The nearest edge and the sign are found without autograd; only the distance to that one edge is
    differentiated, so the backward pass costs O(points), not O(points x edges).
    """
    e = ends - starts  # (E, 2)
    with torch.no_grad():
        flat = q.detach().reshape(-1, 2)
        found = [
            _nearest_edge_and_inside(flat[i : i + _CHUNK], starts, ends, distance_edges)
            for i in range(0, len(flat), _CHUNK)
        ]
        nearest = torch.cat([f[0] for f in found]).reshape(q.shape[:-1])
        inside = torch.cat([f[1] for f in found]).reshape(q.shape[:-1])
    a, edge = starts[nearest], e[nearest]  # (..., 2)
    w = q - a
    t = ((w * edge).sum(-1) / (edge * edge).sum(-1).clamp_min(TINY)).clamp(0.0, 1.0)
    dist = safe_norm(w - t[..., None] * edge)
    return torch.where(inside, -dist, dist)


def _nearest_edge_and_inside(q, starts, ends, distance_edges):
    """For points ``(M, 2)``: index of the nearest edge ``(M,)`` and odd crossing number ``(M,)``."""
    ex, ey = ends[:, 0] - starts[:, 0], ends[:, 1] - starts[:, 1]
    wx = q[:, 0, None] - starts[:, 0]  # (M, E)
    wy = q[:, 1, None] - starts[:, 1]
    t = ((wx * ex + wy * ey) * (1.0 / (ex * ex + ey * ey).clamp_min(TINY))).clamp_(0.0, 1.0)
    # crossing number of a ray from q towards +x (Inigo Quilez's form, no division)
    c1 = q[:, 1, None] >= starts[:, 1]
    c2 = q[:, 1, None] < ends[:, 1]
    c3 = ex * wy > ey * wx
    inside = ((c1 == c2) & (c2 == c3)).sum(-1) % 2 == 1
    dx = wx.sub_(t * ex)
    dy = wy.sub_(t * ey)
    d2 = dx.mul_(dx).add_(dy.mul_(dy))
    if distance_edges is not None:
        d2.masked_fill_(~distance_edges, float("inf"))
    return d2.argmin(-1), inside


def convex_pieces(poly: np.ndarray) -> list[np.ndarray]:
    """Split a counter-clockwise simple polygon ``(N, 2)`` into convex polygons (Hertel-Mehlhorn)."""
    tris = np.asarray(manifold3d.triangulate([poly]), dtype=np.int64)
    pieces = [list(t) for t in tris]

    def convex(cycle: list[int]) -> bool:
        p = poly[cycle]
        e0 = np.roll(p, -1, axis=0) - p
        e1 = np.roll(e0, -1, axis=0)
        scale = float(np.ptp(poly, axis=0).max()) ** 2
        return bool(np.all(e0[:, 0] * e1[:, 1] - e0[:, 1] * e1[:, 0] >= -1e-12 * scale))

    merged = True
    while merged:
        merged = False
        for i in range(len(pieces)):
            edges_i = {(pieces[i][k], pieces[i][(k + 1) % len(pieces[i])]): k for k in range(len(pieces[i]))}
            for j in range(i + 1, len(pieces)):
                pj = pieces[j]
                for k in range(len(pj)):
                    u, v = pj[k], pj[(k + 1) % len(pj)]
                    if (v, u) not in edges_i:
                        continue
                    ki = edges_i[(v, u)]  # piece i runs v -> u at position ki
                    a = pieces[i][ki + 1 :] + pieces[i][: ki + 1]  # starts at u, ends at v
                    b = pj[k + 1 :] + pj[: k + 1]  # starts at v, ends at u
                    cycle = a[:-1] + b[:-1]
                    if convex(cycle):
                        pieces[i] = cycle
                        del pieces[j]
                        merged = True
                    break
                if merged:
                    break
            if merged:
                break
    return [poly[c] for c in pieces]
