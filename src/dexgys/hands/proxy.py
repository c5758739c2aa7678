"""Containing proxies of real link geometry: the capsules and boxes that fast optimisation uses.

A mesh hand collides in MuJoCo through the convex hull of each link mesh. Optimisation needs a signed
distance it can evaluate for thousands of poses a step, so every mesh link also carries primitives
(MJCF group 4, no collision) that **contain** the hull: a point outside the proxy is outside the real
link, so a grasp kept clear by the proxy is clear on the real hand. The price is overshoot, the proxy
volume beyond the hull, which :func:`proxy_overshoot` measures.

* :func:`fit_capsule`: the smallest-volume capsule along the link's z axis (offset in x and y
  allowed) whose radius is the largest distance of a hull vertex to its segment; a capsule is convex,
  so containing the hull's vertices contains the hull.
* :func:`fit_slab_boxes`: the hull cut into slabs along z at given heights, each slab's exact
  cross-section polytope boxed by its axis-aligned bounds; the boxes together contain the hull.

Everything is in the link frame, metres; no randomness except the seeded samples of
:func:`proxy_overshoot`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh
from scipy.optimize import minimize

__all__ = ["ProxyPrimitive", "fit_capsule", "fit_slab_boxes", "primitive_sdf", "proxy_overshoot"]


@dataclass(frozen=True)
class ProxyPrimitive:
    """A box (``size`` = half-extents) or a z-axis capsule (``size`` = radius, half-length) at ``pos``."""

    type: str
    size: tuple[float, ...]
    pos: tuple[float, float, float]


def _segment_distance(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    t = np.clip(((points - a) @ ab) / max(float(ab @ ab), 1e-30), 0.0, 1.0)
    return np.linalg.norm(points - (a + t[:, None] * ab), axis=1)


def fit_capsule(hull: trimesh.Trimesh) -> ProxyPrimitive:
    """Smallest-volume z-axis capsule containing ``hull`` (a convex mesh, link frame)."""
    v = np.asarray(hull.vertices, dtype=np.float64)
    lo, hi = v.min(0), v.max(0)

    def shape(x):
        cx, cy, z0, z1 = x
        z0, z1 = min(z0, z1), max(z0, z1)
        r = _segment_distance(v, np.array([cx, cy, z0]), np.array([cx, cy, z1])).max()
        return r, z0, z1

    def volume(x):
        r, z0, z1 = shape(x)
        return np.pi * r * r * (z1 - z0) + 4.0 / 3.0 * np.pi * r**3

    r0 = 0.5 * max(hi[0] - lo[0], hi[1] - lo[1])
    x0 = [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2] + r0, hi[2] - r0]
    best = minimize(volume, x0, method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-12, "maxiter": 4000})
    cx, cy = best.x[:2]
    r, z0, z1 = shape(best.x)
    r *= 1.0 + 1e-6  # float rounding must not leave a vertex a hair outside
    return ProxyPrimitive("capsule", (float(r), float((z1 - z0) / 2)), (float(cx), float(cy), float((z0 + z1) / 2)))


def fit_slab_boxes(hull: trimesh.Trimesh, cuts: list[float]) -> list[ProxyPrimitive]:
    """Boxes containing ``hull``: the hull is cut by the planes ``z = cut`` (inside its z range) and
    each slab's exact convex polytope (the hull clipped to it) is boxed by its bounds."""
    z_lo, z_hi = hull.bounds[:, 2]
    edges = [z_lo] + sorted(c for c in cuts if z_lo < c < z_hi) + [z_hi]
    v = np.asarray(hull.vertices, dtype=np.float64)
    e = v[np.asarray(hull.edges_unique)]  # (E, 2, 3)
    boxes = []
    for a, b in zip(edges[:-1], edges[1:]):
        # vertices of the convex slab polytope: hull vertices inside it and hull edges cut by its planes
        pts = [v[(v[:, 2] >= a) & (v[:, 2] <= b)]]
        for z in (a, b):
            z0, z1 = e[:, 0, 2], e[:, 1, 2]
            cut = (np.minimum(z0, z1) < z) & (np.maximum(z0, z1) > z)
            t = (z - z0[cut]) / (z1[cut] - z0[cut])
            pts.append(e[cut, 0] + t[:, None] * (e[cut, 1] - e[cut, 0]))
        pts = np.concatenate(pts)
        lo, hi = pts.min(0), pts.max(0)
        lo[2], hi[2] = a, b
        half = (hi - lo) / 2 * (1.0 + 1e-6)
        boxes.append(ProxyPrimitive("box", tuple(float(h) for h in half), tuple(float(c) for c in (lo + hi) / 2)))
    return boxes


def primitive_sdf(points: np.ndarray, prims: list[ProxyPrimitive]) -> np.ndarray:
    """``(M, 3)`` link-frame points -> ``(M,)`` signed distance to the union of ``prims`` (exact
    outside; the deepest single-primitive depth inside), metres."""
    out = np.full(len(points), np.inf)
    for p in prims:
        local = points - np.asarray(p.pos)
        if p.type == "box":
            q = np.abs(local) - np.asarray(p.size)
            d = np.linalg.norm(np.maximum(q, 0.0), axis=1) + np.minimum(q.max(1), 0.0)
        else:
            r, h = p.size
            d = _segment_distance(local, np.array([0.0, 0.0, -h]), np.array([0.0, 0.0, h])) - r
        out = np.minimum(out, d)
    return out


def _inside_convex(hull: trimesh.Trimesh, points: np.ndarray) -> np.ndarray:
    """``(M,)`` whether each point is inside the convex mesh ``hull`` (exact, deterministic)."""
    n = hull.face_normals
    d = np.einsum("ij,ij->i", n, hull.vertices[hull.faces[:, 0]])
    return (points @ n.T - d <= 0).all(axis=1)


def _primitive_mesh(p: ProxyPrimitive) -> trimesh.Trimesh:
    if p.type == "box":
        mesh = trimesh.creation.box(extents=2.0 * np.asarray(p.size))
    else:
        mesh = trimesh.creation.capsule(height=2.0 * p.size[1], radius=p.size[0], count=[32, 32])
        mesh.apply_translation(-mesh.bounds.mean(axis=0))
    return mesh.apply_translation(p.pos)


def proxy_overshoot(hull: trimesh.Trimesh, prims: list[ProxyPrimitive], n: int = 4000, seed: int = 0) -> dict:
    """How well ``prims`` stand for ``hull``: ``outside_mm`` (largest distance of a hull surface
    sample or vertex outside the proxy: 0 when it contains the hull), ``overshoot_mean_mm`` /
    ``overshoot_max_mm`` (distance of proxy-surface samples to the hull, the samples of each primitive
    that lie on the union's outer surface), and ``volume_ratio`` (proxy union / hull, Monte Carlo)."""
    rng = np.random.default_rng(seed)
    hull_pts = np.concatenate([trimesh.sample.sample_surface(hull, n, seed=seed)[0], hull.vertices])
    outside = float(np.maximum(primitive_sdf(hull_pts, prims), 0.0).max())
    surf = []
    for k, p in enumerate(prims):
        pts = trimesh.sample.sample_surface(_primitive_mesh(p), n, seed=seed + k + 1)[0]
        others = [q for j, q in enumerate(prims) if j != k]
        keep = primitive_sdf(pts, others) > -1e-9 if others else np.ones(len(pts), dtype=bool)
        surf.append(pts[keep])
    surf = np.concatenate(surf)
    inside_hull = _inside_convex(hull, surf)
    dist = np.where(inside_hull, 0.0, trimesh.proximity.closest_point(hull, surf)[1])
    lo = np.min([_primitive_mesh(p).bounds[0] for p in prims], axis=0)
    hi = np.max([_primitive_mesh(p).bounds[1] for p in prims], axis=0)
    box = rng.uniform(lo, hi, size=(20000, 3))
    in_proxy = primitive_sdf(box, prims) <= 0
    in_hull = _inside_convex(hull, box[in_proxy]).sum()
    return {
        "outside_mm": 1000.0 * outside,
        "overshoot_mean_mm": 1000.0 * float(dist.mean()),
        "overshoot_max_mm": 1000.0 * float(dist.max()),
        "volume_ratio": float(in_proxy.sum() / max(in_hull, 1)),
    }
