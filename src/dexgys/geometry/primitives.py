"""Solid primitives with exact (or tightly bounded) signed distances, meshes and MuJoCo collision pieces.

Every primitive is a solid in its own local frame placed in the object frame by a rigid pose
(``pos`` (3,), ``quat`` (w, x, y, z)). Signed distance convention for all of dexgys:
**negative inside, positive outside**, in metres; ``sdf`` is differentiable in torch.

Primitive                          local frame
Sphere(radius)                     centred at the origin
Box(half_extents, rounding)        centred; ``rounding`` rounds edges without changing the extents
Capsule(radius, half_length)       axis z, segment z in [-h, h] (MuJoCo convention)
Cylinder(radius, half_length, rounding)  axis z, z in [-h, h]
Ellipsoid(radii)                   centred; SDF is a bound (sign exact, distance approximate)
Torus(major_radius, minor_radius, arc)   tube around the z axis in the xy plane; ``arc`` < 2*pi keeps
                                   the part of the ring with polar angle in [-arc/2, arc/2] (centred
                                   on +x) with rounded (spherical) ends - a bent capsule
Lathe(profile)                     closed polygon of (r, z) points (r >= 0) revolved about z; a profile
                                   touching r = 0 is a solid of revolution, one that does not is a ring
                                   (hollow cup walls); exact SDF from the 2-D polygon distance
Extrusion(polygon, half_height, rounding)  simple xy polygon extruded over z in [-h, h]; exact SDF

Each primitive gives:
* ``sdf(points)``: points ``(..., 3)`` in the object frame -> ``(...,)`` signed distance.
* ``to_mesh()``: a watertight ``trimesh.Trimesh`` in the object frame.
* ``collision_geoms()``: a list of :class:`CollisionGeom`, convex pieces whose union approximates
  the solid to within a millimetre or so, as MuJoCo geoms (native types where exact, convex
  ``mesh`` pieces otherwise).
* ``translated(offset)``: a copy moved by ``offset`` (object centring uses it).

Details shared by all primitives:

* Constructors take the shape parameters positionally and ``pos``/``quat`` as keywords only, e.g.
  ``Capsule(0.01, 0.05, pos=(0, 0, 0.1), quat=(0.7071, 0.7071, 0, 0))``; ``quat`` is normalised.
* Polygons (``Lathe`` profile, ``Extrusion`` polygon) are ``(N, 2)`` point lists, open (the last
  point joins the first), either orientation, simple (no self-intersection), ``N >= 3``.
  Profiles are stored counter-clockwise in the ``(r, z)`` plane (r to the right, z up).
* ``rounding`` is a Minkowski rounding: the solid shrunk by ``rounding`` then grown by a ball of that
  radius, so straight extents stay and convex edges become round (concave corners stay sharp).
* Mesh vertices lie on the exact surface (except the intersection curves of internal unions) and
  the chords between them stay within ``tolerance`` (metres, default 1 mm) of it: inside where the
  surface is convex, outside where it is saddle-shaped (the inner side of a torus or a ring).
  Non-native collision pieces likewise have their vertices on the surface.
* Distances are exact except the ``Ellipsoid`` bound (exact on the surface, conservative inside).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import manifold3d
import numpy as np
import torch
import trimesh

from dexgys.errors import DexgysError
from dexgys.geometry.rotations import quaternion_to_matrix
from dexgys.objects.grasp_object import CollisionGeom

__all__ = [
    "Primitive",
    "Sphere",
    "Box",
    "Capsule",
    "Cylinder",
    "Ellipsoid",
    "Torus",
    "Lathe",
    "Extrusion",
    "union_sdf",
    "polygon_sdf",
    "manifold_to_trimesh",
]

DEFAULT_TOLERANCE = 1e-3  # metres: chordal error of meshes and collision pieces
_TINY = 1e-30  # squared-norm floor that keeps sqrt differentiable at zero


# --------------------------------------------------------------------------------------- helpers
def _safe_norm(v: torch.Tensor) -> torch.Tensor:
    """Euclidean norm over the last axis ``(..., d) -> (...)`` with a zero (not NaN) gradient at 0."""
    return torch.sqrt(torch.clamp((v * v).sum(-1), min=_TINY))


def _check_positive(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value <= 0.0:
        raise DexgysError(f"{name} must be a positive finite number, got {value}")
    return value


def _check_vector(name: str, value, n: int) -> tuple[float, ...]:
    arr = np.asarray(value, dtype=np.float64).reshape(-1)
    if arr.shape != (n,) or not np.all(np.isfinite(arr)):
        raise DexgysError(f"{name} must be {n} finite numbers, got {value!r}")
    return tuple(float(x) for x in arr)


def _quat_z_to(d: np.ndarray) -> np.ndarray:
    """Unit quaternion (w, x, y, z) of the shortest rotation taking +z to the unit vector ``d``."""
    w = 1.0 + d[2]
    if w < 1e-9:
        return np.array([0.0, 1.0, 0.0, 0.0])
    q = np.array([w, -d[1], d[0], 0.0])
    return q / np.linalg.norm(q)


def _segments(radius: float, tolerance: float, angle: float = 2 * math.pi, minimum: int = 3) -> int:
    """Chords needed on an arc of ``radius`` spanning ``angle`` so the sagitta stays below ``tolerance``."""
    if radius <= tolerance:
        step = math.pi / 2
    else:
        step = 2.0 * math.acos(1.0 - tolerance / radius)
    return max(minimum, min(1024, math.ceil(angle / step - 1e-9)))


def _ring_segments(radius: float, tolerance: float) -> int:
    """Full-circle segment count, a multiple of 4 (so meshes reach the exact axis-aligned extents)."""
    n = _segments(radius, tolerance, minimum=12)
    return 4 * math.ceil(n / 4)


def _check_tolerance(tolerance: float) -> float:
    return _check_positive("mesh tolerance", tolerance)


def manifold_to_trimesh(m: manifold3d.Manifold) -> trimesh.Trimesh:
    """A ``manifold3d.Manifold`` as a ``trimesh.Trimesh`` (no merging or reordering)."""
    mesh = m.to_mesh64()
    vertices = np.asarray(mesh.vert_properties, dtype=np.float64)[:, :3]
    faces = np.asarray(mesh.tri_verts, dtype=np.int64)
    return trimesh.Trimesh(vertices=vertices, faces=faces, process=False)


def _revolve(profile: np.ndarray, segments: int, degrees: float = 360.0) -> manifold3d.Manifold:
    """Revolve a counter-clockwise ``(r, z)`` polygon ``(N, 2)`` about z (starting at +x, turning to +y)."""
    section = manifold3d.CrossSection([np.ascontiguousarray(profile, dtype=np.float64)])
    return manifold3d.Manifold.revolve(section, segments, degrees)


def _tube_manifold(rings: list[np.ndarray], first: np.ndarray, last: np.ndarray) -> manifold3d.Manifold:
    """Closed surface through ``rings`` (each (n, 3), same n) capped by the points ``first`` and ``last``."""
    n, k = len(rings[0]), len(rings)
    vertices = np.concatenate([first[None], *rings, last[None]])
    idx = 1 + np.arange(k * n).reshape(k, n)
    nxt = np.roll(idx, -1, axis=1)
    quads = np.stack([idx[:-1], nxt[:-1], nxt[1:], idx[1:]], -1).reshape(-1, 4)
    faces = np.concatenate(
        [
            np.stack([np.zeros(n, dtype=np.int64), nxt[0], idx[0]], 1),
            quads[:, [0, 1, 2]],
            quads[:, [0, 2, 3]],
            np.stack([np.full(n, len(vertices) - 1), idx[-1], nxt[-1]], 1),
        ]
    )
    tri = vertices[faces]
    if np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() < 0:
        faces = faces[:, ::-1]
    mesh = manifold3d.Mesh64(
        vert_properties=np.ascontiguousarray(vertices), tri_verts=np.ascontiguousarray(faces, dtype=np.uint64)
    )
    return manifold3d.Manifold(mesh)


def _arc(center: tuple[float, float], radius: float, start: float, stop: float, n: int) -> np.ndarray:
    t = np.linspace(start, stop, n + 1)
    return np.stack([center[0] + radius * np.cos(t), center[1] + radius * np.sin(t)], axis=1)


def _dedupe(points: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Drop consecutive (cyclic) duplicates from a closed polygon ``(N, 2)``."""
    keep = np.linalg.norm(points - np.roll(points, 1, axis=0), axis=1) > eps
    return points[keep] if keep.any() else points[:1]


# --------------------------------------------------------------------------------------- polygons
def _signed_area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def _segments_intersect(p: np.ndarray, q: np.ndarray, r: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Whether closed segments ``p-q`` and ``r-s`` (broadcast, (..., 2)) touch or cross."""

    def orient(a, b, c):
        return (b[..., 0] - a[..., 0]) * (c[..., 1] - a[..., 1]) - (b[..., 1] - a[..., 1]) * (c[..., 0] - a[..., 0])

    def on_segment(a, b, c):  # c collinear with a-b: is it within the box of a-b?
        return (np.minimum(a[..., 0], b[..., 0]) <= c[..., 0]) & (c[..., 0] <= np.maximum(a[..., 0], b[..., 0])) & (
            np.minimum(a[..., 1], b[..., 1]) <= c[..., 1]
        ) & (c[..., 1] <= np.maximum(a[..., 1], b[..., 1]))

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


def _clean_polygon(name: str, points) -> np.ndarray:
    """Validate a simple polygon; returns it ``(N, 2)`` float64, counter-clockwise, no repeated points."""
    poly = np.asarray(points, dtype=np.float64)
    if poly.ndim != 2 or poly.shape[1] != 2 or not np.all(np.isfinite(poly)):
        raise DexgysError(f"{name} must be an (N, 2) array of finite numbers")
    poly = _dedupe(poly)
    n = len(poly)
    if n < 3:
        raise DexgysError(f"{name} needs at least 3 distinct points, got {n}")
    area = _signed_area(poly)
    extent = float(np.ptp(poly, axis=0).max())
    if abs(area) <= 1e-10 * extent * extent:
        raise DexgysError(f"{name} is degenerate (zero area)")
    a, b = poly, np.roll(poly, -1, axis=0)
    i, j = np.triu_indices(n, k=2)
    adjacent = (i == 0) & (j == n - 1)
    i, j = i[~adjacent], j[~adjacent]
    if len(i) and _segments_intersect(a[i], b[i], a[j], b[j]).any():
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
    t = ((w * edge).sum(-1) / (edge * edge).sum(-1).clamp_min(_TINY)).clamp(0.0, 1.0)
    dist = _safe_norm(w - t[..., None] * edge)
    return torch.where(inside, -dist, dist)


def _nearest_edge_and_inside(q, starts, ends, distance_edges):
    """For points ``(M, 2)``: index of the nearest edge ``(M,)`` and odd crossing number ``(M,)``."""
    ex, ey = ends[:, 0] - starts[:, 0], ends[:, 1] - starts[:, 1]
    wx = q[:, 0, None] - starts[:, 0]  # (M, E)
    wy = q[:, 1, None] - starts[:, 1]
    t = ((wx * ex + wy * ey) * (1.0 / (ex * ex + ey * ey).clamp_min(_TINY))).clamp_(0.0, 1.0)
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


def _convex_pieces(poly: np.ndarray) -> list[np.ndarray]:
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


def _prism(polygon: np.ndarray, z0: float, z1: float) -> np.ndarray:
    """Vertices ``(2N, 3)`` of the xy ``polygon`` ``(N, 2)`` at heights ``z0`` and ``z1``."""
    return np.concatenate([np.column_stack([polygon, np.full(len(polygon), z)]) for z in (z0, z1)])


def _fibonacci_sphere(n: int) -> np.ndarray:
    """``n`` roughly even unit vectors ``(n, 3)`` including both poles."""
    k = np.arange(n)
    z = 1.0 - 2.0 * k / (n - 1)
    r = np.sqrt(np.clip(1.0 - z * z, 0.0, None))
    phi = k * math.pi * (3.0 - math.sqrt(5.0))
    return np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=1)


# --------------------------------------------------------------------------------------- base
@dataclass(frozen=True)
class Primitive:
    """Base of all solid primitives: the pose and everything that follows from local-frame geometry."""

    pos: tuple[float, float, float] = field(default=(0.0, 0.0, 0.0), kw_only=True)
    quat: tuple[float, float, float, float] = field(default=(1.0, 0.0, 0.0, 0.0), kw_only=True)

    def __post_init__(self) -> None:
        pos = _check_vector(f"{type(self).__name__} pos", self.pos, 3)
        quat = np.array(_check_vector(f"{type(self).__name__} quat", self.quat, 4))
        norm = float(np.linalg.norm(quat))
        if norm < 1e-9:
            raise DexgysError(f"{type(self).__name__} quat must be non-zero")
        object.__setattr__(self, "pos", pos)
        object.__setattr__(self, "quat", tuple(float(x) for x in quat / norm))
        rotation = quaternion_to_matrix(torch.tensor(self.quat, dtype=torch.float64)).numpy()
        object.__setattr__(self, "_rotation", rotation)

    # ------------------------------------------------------------ to be supplied by subclasses
    def local_sdf(self, p: torch.Tensor) -> torch.Tensor:
        """Signed distance ``(...)`` of points ``(..., 3)`` given in the primitive's local frame."""
        raise NotImplementedError

    def local_manifold(self, tolerance: float) -> manifold3d.Manifold:
        """The solid in the local frame as a ``manifold3d.Manifold``."""
        raise NotImplementedError

    def local_bounds(self) -> np.ndarray:
        """Local-frame axis-aligned bounds ``(2, 3)`` (min, max)."""
        raise NotImplementedError

    def local_pieces(self, tolerance: float) -> list[np.ndarray]:
        """Convex pieces as local-frame vertex sets ``[(V, 3), ...]`` (for non-native primitives)."""
        raise NotImplementedError

    # ------------------------------------------------------------ shared
    @property
    def rotation(self) -> np.ndarray:
        """Rotation matrix ``(3, 3)``, ``p_object = R @ p_local + pos``."""
        return self._rotation

    def to_local(self, points: torch.Tensor) -> torch.Tensor:
        """Object-frame points ``(..., 3)`` to the local frame ``(..., 3)``."""
        R = torch.as_tensor(self.rotation, dtype=points.dtype, device=points.device)
        t = torch.as_tensor(self.pos, dtype=points.dtype, device=points.device)
        return (points - t) @ R

    def to_object(self, points: np.ndarray) -> np.ndarray:
        """Local-frame points ``(N, 3)`` (numpy) to the object frame."""
        return np.asarray(points, dtype=np.float64) @ self.rotation.T + np.asarray(self.pos)

    def sdf(self, points: torch.Tensor) -> torch.Tensor:
        """Signed distance ``(...)`` of object-frame points ``(..., 3)``; negative inside; differentiable."""
        if points.shape[-1] != 3:
            raise DexgysError(f"points must have shape (..., 3), got {tuple(points.shape)}")
        return self.local_sdf(self.to_local(points))

    def to_manifold(self, tolerance: float = DEFAULT_TOLERANCE) -> manifold3d.Manifold:
        """The solid in the object frame as a ``manifold3d.Manifold`` (for boolean unions)."""
        transform = np.concatenate([self.rotation, np.asarray(self.pos)[:, None]], axis=1)
        return self.local_manifold(_check_tolerance(tolerance)).transform(transform)

    def to_mesh(self, tolerance: float = DEFAULT_TOLERANCE) -> trimesh.Trimesh:
        """Watertight mesh in the object frame, vertices on the surface, chordal error below ``tolerance``."""
        return manifold_to_trimesh(self.to_manifold(tolerance))

    def native_geom(self) -> CollisionGeom | None:
        """The exact MuJoCo geom for this primitive, or None when it needs convex mesh pieces."""
        return None

    def collision_geoms(self, tolerance: float = DEFAULT_TOLERANCE) -> list[CollisionGeom]:
        """Convex MuJoCo pieces covering the solid: one native geom, or ``mesh`` pieces (object-frame vertices)."""
        geom = self.native_geom()
        if geom is not None:
            return [geom]
        pieces = self.local_pieces(_check_tolerance(tolerance))
        return [CollisionGeom("mesh", vertices=self.to_object(np.unique(v, axis=0))) for v in pieces]

    def translated(self, offset) -> Primitive:
        """A copy moved by ``offset`` (3,) in the object frame."""
        offset = _check_vector("offset", offset, 3)
        return dataclasses.replace(self, pos=tuple(p + o for p, o in zip(self.pos, offset)))

    def bounds(self) -> np.ndarray:
        """Object-frame axis-aligned box ``(2, 3)`` containing the solid (tight when axis-aligned)."""
        lo, hi = self.local_bounds()
        corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
        world = self.to_object(corners)
        return np.stack([world.min(0), world.max(0)])


# --------------------------------------------------------------------------------------- primitives
@dataclass(frozen=True)
class Sphere(Primitive):
    """Ball of ``radius`` centred at ``pos``."""

    radius: float

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "radius", _check_positive("Sphere radius", self.radius))

    def local_sdf(self, p):
        return _safe_norm(p) - self.radius

    def local_manifold(self, tolerance):
        tolerance = tolerance / 2  # two curved directions: keep their sum below tolerance
        n = _ring_segments(self.radius, tolerance)
        profile = _arc((0.0, 0.0), self.radius, -math.pi / 2, math.pi / 2, n // 2)
        profile[[0, -1], 0] = 0.0
        return _revolve(profile, n)

    def local_bounds(self):
        return np.array([[-self.radius] * 3, [self.radius] * 3])

    def bounds(self):
        return np.stack([np.asarray(self.pos) - self.radius, np.asarray(self.pos) + self.radius])

    def native_geom(self):
        return CollisionGeom("sphere", (self.radius,), self.pos, self.quat)


@dataclass(frozen=True)
class Box(Primitive):
    """Box with ``half_extents`` (3,); ``rounding`` rounds all edges/corners, extents unchanged."""

    half_extents: tuple[float, float, float]
    rounding: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        half = _check_vector("Box half_extents", self.half_extents, 3)
        if min(half) <= 0:
            raise DexgysError(f"Box half_extents must be positive, got {half}")
        rounding = float(self.rounding)
        if not (0.0 <= rounding <= min(half)):
            raise DexgysError(f"Box rounding must be in [0, {min(half)}], got {self.rounding}")
        object.__setattr__(self, "half_extents", half)
        object.__setattr__(self, "rounding", rounding)

    def local_sdf(self, p):
        inner = torch.as_tensor(self.half_extents, dtype=p.dtype, device=p.device) - self.rounding
        q = p.abs() - inner
        outside = _safe_norm(q.clamp_min(0.0))
        inside = q.max(-1).values.clamp_max(0.0)
        return outside + inside - self.rounding

    def local_manifold(self, tolerance):
        half = np.asarray(self.half_extents)
        if self.rounding <= 0.0:
            return manifold3d.Manifold.cube(tuple(2 * half), True)
        ball = manifold3d.Manifold.sphere(self.rounding, _ring_segments(self.rounding, tolerance / 2))
        inner = half - self.rounding
        signs = np.array(np.meshgrid([-1, 1], [-1, 1], [-1, 1])).reshape(3, -1).T
        corners = [ball.translate(tuple(s * inner)) for s in signs]
        return manifold3d.Manifold.batch_hull(corners)

    def local_bounds(self):
        half = np.asarray(self.half_extents)
        return np.stack([-half, half])

    def native_geom(self):
        return CollisionGeom("box", self.half_extents, self.pos, self.quat)


@dataclass(frozen=True)
class Capsule(Primitive):
    """Segment z in [-half_length, half_length] swept by a ball of ``radius`` (MuJoCo capsule)."""

    radius: float
    half_length: float

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "radius", _check_positive("Capsule radius", self.radius))
        h = float(self.half_length)
        if not math.isfinite(h) or h < 0:
            raise DexgysError(f"Capsule half_length must be a non-negative finite number, got {self.half_length}")
        object.__setattr__(self, "half_length", h)

    def local_sdf(self, p):
        z = p[..., 2].clamp(-self.half_length, self.half_length)
        axis = torch.stack([torch.zeros_like(z), torch.zeros_like(z), z], dim=-1)
        return _safe_norm(p - axis) - self.radius

    def local_manifold(self, tolerance):
        tolerance = tolerance / 2  # two curved directions: keep their sum below tolerance
        n = _ring_segments(self.radius, tolerance)
        r, h = self.radius, self.half_length
        profile = np.concatenate(
            [_arc((0.0, -h), r, -math.pi / 2, 0.0, n // 4), _arc((0.0, h), r, 0.0, math.pi / 2, n // 4)]
        )
        profile[[0, -1], 0] = 0.0
        return _revolve(_dedupe(profile), n)

    def local_bounds(self):
        r, h = self.radius, self.half_length
        return np.array([[-r, -r, -h - r], [r, r, h + r]])

    def bounds(self):
        ends = self.to_object(np.array([[0, 0, -self.half_length], [0, 0, self.half_length]]))
        return np.stack([ends.min(0) - self.radius, ends.max(0) + self.radius])

    def native_geom(self):
        return CollisionGeom("capsule", (self.radius, self.half_length), self.pos, self.quat)


@dataclass(frozen=True)
class Cylinder(Primitive):
    """Cylinder about z, z in [-half_length, half_length]; ``rounding`` rounds both rims."""

    radius: float
    half_length: float
    rounding: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        r = _check_positive("Cylinder radius", self.radius)
        h = _check_positive("Cylinder half_length", self.half_length)
        rounding = float(self.rounding)
        if not (0.0 <= rounding <= min(r, h)):
            raise DexgysError(f"Cylinder rounding must be in [0, {min(r, h)}], got {self.rounding}")
        object.__setattr__(self, "radius", r)
        object.__setattr__(self, "half_length", h)
        object.__setattr__(self, "rounding", rounding)

    def local_sdf(self, p):
        rho = _safe_norm(p[..., :2])
        d = torch.stack([rho - (self.radius - self.rounding), p[..., 2].abs() - (self.half_length - self.rounding)], -1)
        return _safe_norm(d.clamp_min(0.0)) + d.max(-1).values.clamp_max(0.0) - self.rounding

    def _profile(self, tolerance: float) -> np.ndarray:
        """Counter-clockwise ``(r, z)`` half-section ``(N, 2)`` touching the axis."""
        R, h, c = self.radius, self.half_length, self.rounding
        if c <= 0:
            return np.array([[0.0, -h], [R, -h], [R, h], [0.0, h]])
        n = max(2, _ring_segments(c, tolerance / 2) // 4)
        pts = np.concatenate(
            [
                [[0.0, -h]],
                _arc((R - c, -h + c), c, -math.pi / 2, 0.0, n),
                _arc((R - c, h - c), c, 0.0, math.pi / 2, n),
                [[0.0, h]],
            ]
        )
        return _dedupe(pts)

    def local_manifold(self, tolerance):
        ring = tolerance / 2 if self.rounding > 0 else tolerance
        return _revolve(self._profile(tolerance), _ring_segments(self.radius, ring))

    def local_bounds(self):
        r, h = self.radius, self.half_length
        return np.array([[-r, -r, -h], [r, r, h]])

    def native_geom(self):
        return CollisionGeom("cylinder", (self.radius, self.half_length), self.pos, self.quat)


@dataclass(frozen=True)
class Ellipsoid(Primitive):
    """Axis-aligned (local) ellipsoid with semi-axes ``radii`` (3,).

    SDF: outside, Inigo Quilez's bound ``k0 (k0 - 1) / k1`` (``k0 = |p / r|``, ``k1 = |p / r^2|``; exact on
    the surface with unit gradient); inside, ``(k0 - 1) * min(radii)``, a conservative (never too deep)
    distance. The sign is exact everywhere.
    """

    radii: tuple[float, float, float]

    def __post_init__(self) -> None:
        super().__post_init__()
        radii = _check_vector("Ellipsoid radii", self.radii, 3)
        if min(radii) <= 0:
            raise DexgysError(f"Ellipsoid radii must be positive, got {radii}")
        object.__setattr__(self, "radii", radii)

    def local_sdf(self, p):
        r = torch.as_tensor(self.radii, dtype=p.dtype, device=p.device)
        k0 = _safe_norm(p / r)
        k1 = _safe_norm(p / (r * r))
        outside = k0 * (k0 - 1.0) / k1
        inside = (k0 - 1.0) * min(self.radii)
        return torch.where(k0 >= 1.0, outside, inside)

    def local_manifold(self, tolerance):
        big = max(self.radii)
        return Sphere(1.0).local_manifold(tolerance / big).scale(self.radii)

    def local_bounds(self):
        r = np.asarray(self.radii)
        return np.stack([-r, r])

    def native_geom(self):
        return CollisionGeom("ellipsoid", self.radii, self.pos, self.quat)


@dataclass(frozen=True)
class Torus(Primitive):
    """Tube of ``minor_radius`` around the circle of ``major_radius`` in the local xy plane.

    ``arc`` in (0, 2*pi]: the kept centre-line arc has polar angle in [-arc/2, arc/2] (centred on +x),
    closed by spherical caps (a bent capsule). Full ring needs ``minor_radius < major_radius``.
    """

    major_radius: float
    minor_radius: float
    arc: float = 2 * math.pi

    def __post_init__(self) -> None:
        super().__post_init__()
        R = _check_positive("Torus major_radius", self.major_radius)
        r = _check_positive("Torus minor_radius", self.minor_radius)
        arc = float(self.arc)
        if not (0.0 < arc <= 2 * math.pi + 1e-9):
            raise DexgysError(f"Torus arc must be in (0, 2*pi], got {self.arc}")
        if r >= R:
            raise DexgysError(f"Torus minor_radius ({r}) must be smaller than major_radius ({R})")
        object.__setattr__(self, "major_radius", R)
        object.__setattr__(self, "minor_radius", r)
        object.__setattr__(self, "arc", min(arc, 2 * math.pi))

    @property
    def is_full(self) -> bool:
        return self.arc >= 2 * math.pi - 1e-9

    def local_sdf(self, p):
        R, r = self.major_radius, self.minor_radius
        rho = _safe_norm(p[..., :2])
        ring = _safe_norm(torch.stack([rho - R, p[..., 2]], -1))
        if self.is_full:
            return ring - r
        half = self.arc / 2
        # nearest end: fold y onto y >= 0, the end is at angle +arc/2
        end = torch.tensor([R * math.cos(half), R * math.sin(half), 0.0], dtype=p.dtype, device=p.device)
        folded = torch.stack([p[..., 0], p[..., 1].abs(), p[..., 2]], -1)
        to_end = _safe_norm(folded - end)
        with torch.no_grad():
            within = torch.atan2(p[..., 1].abs(), p[..., 0]) <= half
        return torch.where(within, ring, to_end) - r

    def local_manifold(self, tolerance):
        tolerance = tolerance / 2  # two curved directions: keep their sum below tolerance
        R, r = self.major_radius, self.minor_radius
        tube = _ring_segments(r, tolerance)
        n = _segments(R + r, tolerance, self.arc, minimum=4)
        if self.is_full:
            return _revolve(_arc((R, 0.0), r, -math.pi, math.pi, tube)[:-1], 4 * math.ceil(n / 4))
        half = self.arc / 2
        if self.arc > math.pi and R * math.sin(math.pi - half) < r * (1 + 1e-6):  # caps would meet: two halves
            halves = [self._bent_capsule(-half, 0.0, tube, n // 2 + 1), self._bent_capsule(0.0, half, tube, n // 2 + 1)]
            return manifold3d.Manifold.batch_boolean(halves, manifold3d.OpType.Add)
        return self._bent_capsule(-half, half, tube, n)

    def _bent_capsule(self, lo: float, hi: float, tube: int, n: int) -> manifold3d.Manifold:
        """The tube over polar angles [lo, hi] with spherical caps, swept as one closed ring sequence."""
        R, r = self.major_radius, self.minor_radius
        psi = 2 * math.pi * np.arange(tube) / tube
        cos_psi, sin_psi = np.cos(psi)[:, None], np.sin(psi)[:, None]
        z_axis = np.array([0.0, 0.0, 1.0])

        def ring(theta: float, shift: float, scale: float) -> np.ndarray:
            radial = np.array([math.cos(theta), math.sin(theta), 0.0])
            tangent = np.array([-math.sin(theta), math.cos(theta), 0.0])
            return R * radial + shift * tangent + scale * (cos_psi * radial + sin_psi * z_axis)

        quarter = tube // 4
        phis = (math.pi / 2) * np.arange(1, quarter) / quarter
        start = [ring(lo, -r * math.sin(f), r * math.cos(f)) for f in phis[::-1]]
        body = [ring(t, 0.0, r) for t in np.linspace(lo, hi, n + 1)]
        end = [ring(hi, r * math.sin(f), r * math.cos(f)) for f in phis]
        return _tube_manifold(start + body + end, ring(lo, -r, 0.0)[0], ring(hi, r, 0.0)[0])

    def local_bounds(self):
        R, r = self.major_radius, self.minor_radius
        if self.is_full:
            return np.array([[-R - r, -R - r, -r], [R + r, R + r, r]])
        half = self.arc / 2
        angles = [-half, half] + [a for a in (0.0, math.pi / 2, -math.pi / 2, math.pi) if abs(a) <= half]
        xy = R * np.array([[math.cos(a), math.sin(a)] for a in angles])
        return np.array([[*(xy.min(0) - r), -r], [*(xy.max(0) + r), r]])

    def collision_geoms(self, tolerance=DEFAULT_TOLERANCE):
        """A chain of capsules along the centre-line arc (chord sagitta below ``tolerance / 4``: thin tubes)."""
        R, r = self.major_radius, self.minor_radius
        n = _segments(R, _check_tolerance(tolerance) / 4, self.arc, minimum=8 if self.is_full else 2)
        angles = np.linspace(-self.arc / 2, self.arc / 2, n + 1)
        points = self.to_object(np.stack([R * np.cos(angles), R * np.sin(angles), np.zeros_like(angles)], 1))
        geoms = []
        for a, b in zip(points[:-1], points[1:]):
            d = b - a
            length = float(np.linalg.norm(d))
            geoms.append(CollisionGeom("capsule", (r, length / 2), tuple((a + b) / 2), tuple(_quat_z_to(d / length))))
        return geoms


@dataclass(frozen=True)
class Lathe(Primitive):
    """Closed ``(r, z)`` polygon ``profile`` (N, 2), r >= 0, revolved about the local z axis.

    Edges lying on the axis (r = 0 at both ends) make a solid of revolution; a profile away from the
    axis makes a ring (a cup wall). SDF: exact 2-D distance in the half-plane ``(sqrt(x^2+y^2), z)`` to
    the profile's non-axis edges, sign from the whole polygon.
    """

    profile: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        raw = np.asarray(self.profile, dtype=np.float64)
        if raw.ndim == 2 and raw.shape[1] == 2 and np.all(np.isfinite(raw)) and raw[:, 0].min() < 0:
            raise DexgysError(f"Lathe profile radii must be >= 0, got min r = {raw[:, 0].min()}")
        poly = _clean_polygon("Lathe profile", raw)
        scale = float(np.abs(poly).max())
        poly[:, 0] = np.where(poly[:, 0] <= 1e-12 * scale, 0.0, poly[:, 0])
        object.__setattr__(self, "profile", tuple((float(a), float(b)) for a, b in poly))
        starts, ends = poly, np.roll(poly, -1, axis=0)
        on_axis = (starts[:, 0] == 0.0) & (ends[:, 0] == 0.0)
        object.__setattr__(self, "_edges", (starts, ends, ~on_axis))

    @property
    def is_solid(self) -> bool:
        """True when the profile has an edge on the axis (a solid of revolution, not a ring)."""
        return bool((~self._edges[2]).any())

    def local_sdf(self, p):
        starts, ends, keep = self._edges
        rho = _safe_norm(p[..., :2])
        q = torch.stack([rho, p[..., 2]], -1)
        kw = dict(dtype=p.dtype, device=p.device)
        keep = torch.as_tensor(keep, device=p.device)
        return polygon_sdf(q, torch.as_tensor(starts, **kw), torch.as_tensor(ends, **kw), keep)

    def local_manifold(self, tolerance):
        poly = np.asarray(self.profile)
        return _revolve(poly, _ring_segments(float(poly[:, 0].max()), tolerance))

    def local_bounds(self):
        poly = np.asarray(self.profile)
        r = float(poly[:, 0].max())
        return np.array([[-r, -r, poly[:, 1].min()], [r, r, poly[:, 1].max()]])

    def slabs(self, tolerance: float = DEFAULT_TOLERANCE) -> list[dict]:
        """Convex-in-(r, z) runs of the profile: dicts with ``z``, ``inner``, ``outer`` (levels,) and ``solid``.

        Between consecutive vertex heights the profile's cross-section is a set of r-intervals whose
        ends are linear in z; consecutive intervals are merged while the inner bound stays convex and
        the outer bound concave in z (within ``tolerance / 10``), so each run revolves to a convex
        solid (``solid``: inner bound on the axis) or to an annulus that is convex per angular sector.
        """
        poly = np.asarray(self.profile)
        starts, ends = poly, np.roll(poly, -1, axis=0)
        scale = float(np.abs(poly).max())
        zs = np.unique(poly[:, 1])
        zs = zs[np.concatenate([[True], np.diff(zs) > 1e-9 * scale])]
        zlo, zhi = np.minimum(starts[:, 1], ends[:, 1]), np.maximum(starts[:, 1], ends[:, 1])
        slack = tolerance / 10
        eps = 1e-9 * scale
        runs: list[dict] = []
        open_runs: list[dict] = []
        for z0, z1 in zip(zs[:-1], zs[1:]):
            zm = 0.5 * (z0 + z1)
            idx = np.nonzero((zlo < zm) & (zhi > zm))[0]
            a, b = starts[idx], ends[idx]

            def r_at(z, a=a, b=b):
                return a[:, 0] + (z - a[:, 1]) * (b[:, 0] - a[:, 0]) / (b[:, 1] - a[:, 1])

            order = np.argsort(r_at(zm))
            r0, r1 = r_at(z0)[order], r_at(z1)[order]
            next_open = []
            for k in range(0, len(order) - 1, 2):
                inner, outer = (r0[k], r1[k]), (r0[k + 1], r1[k + 1])
                solid = bool(max(inner) <= eps)
                run = next(
                    (
                        g
                        for g in open_runs
                        if g["solid"] == solid
                        and abs(g["inner"][-1] - inner[0]) <= eps
                        and abs(g["outer"][-1] - outer[0]) <= eps
                        and _hull_excess(g["z"] + [z1], g["outer"] + [outer[1]], upper=True) <= slack
                        and _hull_excess(g["z"] + [z1], g["inner"] + [inner[1]], upper=False) <= slack
                    ),
                    None,
                )
                if run is None:
                    run = {"z": [z0], "inner": [inner[0]], "outer": [outer[0]], "solid": solid}
                    runs.append(run)
                run["z"].append(z1)
                run["inner"].append(inner[1])
                run["outer"].append(outer[1])
                next_open.append(run)
            open_runs = next_open
        return [{k: (np.asarray(v) if k != "solid" else v) for k, v in g.items()} for g in runs]

    def local_pieces(self, tolerance):
        pieces = []
        for run in self.slabs(tolerance):
            z, inner, outer = run["z"], run["inner"], run["outer"]
            if run["solid"]:
                n = _ring_segments(float(outer.max()), tolerance)
                t = 2 * math.pi * np.arange(n) / n
                ring = np.stack([np.cos(t), np.sin(t)], 1)
                rings = [np.column_stack([rr * ring, np.full(n, zz)]) for rr, zz in zip(outer, z)]
                pieces.append(np.concatenate(rings))
                continue
            # annulus: sectors whose inner chords bulge into the hole by at most `tolerance`
            sectors = _segments(float(inner.max()), tolerance, minimum=8)
            per = max(1, math.ceil(_segments(float(outer.max()), tolerance, minimum=8) / sectors))
            for s in range(sectors):
                t0, t1 = 2 * math.pi * s / sectors, 2 * math.pi * (s + 1) / sectors
                t_out = np.linspace(t0, t1, per + 1)
                verts = []
                for ri, ro, zz in zip(inner, outer, z):
                    verts += [[ri * math.cos(t), ri * math.sin(t), zz] for t in (t0, t1)]
                    verts += [[ro * math.cos(t), ro * math.sin(t), zz] for t in t_out]
                pieces.append(np.asarray(verts))
        return pieces


def _hull_excess(z: list[float], r: list[float], upper: bool) -> float:
    """How far the piecewise-linear ``r(z)`` falls short of its concave (upper) or convex (lower) hull."""
    z, r = np.asarray(z), np.asarray(r) * (1.0 if upper else -1.0)
    hull: list[int] = []
    for i in range(len(z)):
        while len(hull) >= 2:
            (i0, i1) = hull[-2], hull[-1]
            cross = (z[i1] - z[i0]) * (r[i] - r[i0]) - (r[i1] - r[i0]) * (z[i] - z[i0])
            if cross >= 0:  # i1 is on or below the chord i0-i: not on the upper hull
                hull.pop()
            else:
                break
        hull.append(i)
    envelope = np.interp(z, z[hull], r[hull])
    return float((envelope - r).max())


@dataclass(frozen=True)
class Extrusion(Primitive):
    """Simple xy ``polygon`` (N, 2) extruded over z in [-half_height, half_height].

    ``rounding`` rounds the solid (convex edges and corners, including the polygon's convex corners)
    without changing the straight extents: the polygon is eroded by ``rounding`` (reflex corners
    become arcs, polygonised to 2 % of ``rounding``), the height shrunk by it, and the result grown by
    a ball. Exact SDF (of that polygonised core grown by the ball).
    """

    polygon: tuple[tuple[float, float], ...]
    half_height: float
    rounding: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        poly = _clean_polygon("Extrusion polygon", self.polygon)
        h = _check_positive("Extrusion half_height", self.half_height)
        rounding = float(self.rounding)
        if not (0.0 <= rounding <= h) or not math.isfinite(rounding):
            raise DexgysError(f"Extrusion rounding must be in [0, half_height={h}], got {self.rounding}")
        object.__setattr__(self, "polygon", tuple((float(a), float(b)) for a, b in poly))
        object.__setattr__(self, "half_height", h)
        object.__setattr__(self, "rounding", rounding)
        if rounding > 0:
            section = manifold3d.CrossSection([poly]).offset(
                -rounding, manifold3d.JoinType.Round, 2.0, _ring_segments(rounding, rounding * 0.02)
            )
            core = [np.asarray(c, dtype=np.float64) for c in section.to_polygons()]
            core = [c if _signed_area(c) > 0 else c[::-1].copy() for c in core if len(c) >= 3]
            if not core:
                raise DexgysError(f"Extrusion rounding {rounding} erodes the whole polygon")
        else:
            core = [poly]
        starts = np.concatenate(core)
        ends = np.concatenate([np.roll(c, -1, axis=0) for c in core])
        object.__setattr__(self, "_core", (core, starts, ends))

    def local_sdf(self, p):
        _, starts, ends = self._core
        kw = dict(dtype=p.dtype, device=p.device)
        d2 = polygon_sdf(p[..., :2], torch.as_tensor(starts, **kw), torch.as_tensor(ends, **kw))
        d = torch.stack([d2, p[..., 2].abs() - (self.half_height - self.rounding)], -1)
        return _safe_norm(d.clamp_min(0.0)) + d.max(-1).values.clamp_max(0.0) - self.rounding

    def _core_pieces(self) -> list[np.ndarray]:
        return [piece for contour in self._core[0] for piece in _convex_pieces(contour)]

    def local_manifold(self, tolerance):
        h, c = self.half_height, self.rounding
        if c <= 0:
            section = manifold3d.CrossSection([np.asarray(self.polygon)])
            return manifold3d.Manifold.extrude(section, 2 * h).translate((0, 0, -h))
        ball = manifold3d.Manifold.sphere(c, _ring_segments(c, tolerance / 2))
        hulls = []
        for piece in self._core_pieces():
            balls = [ball.translate((x, y, z)) for x, y in piece for z in (-(h - c), h - c)]
            hulls.append(manifold3d.Manifold.batch_hull(balls))
        solid = manifold3d.Manifold.batch_boolean(hulls, manifold3d.OpType.Add)
        # A simple polygon gives one connected solid; the union of the rounded hulls can leave a
        # sliver void shell where neighbouring hulls meet (seen ~1 in 400 shapes): keep the solid.
        shells = solid.decompose()
        return max(shells, key=lambda m: m.volume()) if len(shells) > 1 else solid

    def local_bounds(self):
        poly = np.asarray(self.polygon)
        return np.array([[*poly.min(0), -self.half_height], [*poly.max(0), self.half_height]])

    def local_pieces(self, tolerance):
        h, c = self.half_height, self.rounding
        if c <= 0:
            return [_prism(piece, -h, h) for piece in self._core_pieces()]
        ball = c * _fibonacci_sphere(max(14, 2 * _ring_segments(c, tolerance)))
        pieces = []
        for piece in self._core_pieces():
            base = _prism(piece, -(h - c), h - c)
            pieces.append((base[:, None, :] + ball[None]).reshape(-1, 3))
        return pieces


# --------------------------------------------------------------------------------------- unions
def union_sdf(primitives, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Signed distance of the union ``(...)`` and the index ``(...)`` (int64) of the nearest primitive.

    The min over primitives: exact outside the union, a conservative (never too deep) bound inside.
    """
    primitives = list(primitives)
    if not primitives:
        raise DexgysError("union_sdf needs at least one primitive")
    values = torch.stack([p.sdf(points) for p in primitives], dim=-1)
    sdf, index = values.min(dim=-1)
    return sdf, index
