"""Solid primitives with exact (or tightly bounded) signed distances, meshes and MuJoCo collision pieces.

Every primitive is a solid in its own local frame placed in the object frame by a rigid pose
(``pos`` (3,), ``quat`` (w, x, y, z)). Signed distance convention for all of dexgys:
**negative inside, positive outside**, in metres; ``sdf`` is differentiable in torch.

This module holds the base :class:`Primitive` and the elementary solids; the solids swept from a
2-D section (``Torus``, ``Lathe``, ``Extrusion``) are in :mod:`dexgys.geometry.swept_solids`, the
polygon code in :mod:`dexgys.geometry.polygons` and the meshing helpers in
:mod:`dexgys.geometry.tessellation`.

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
* ``collision_geoms()``: a list of :class:`~dexgys.geometry.collision.CollisionGeom`, convex pieces
  whose union approximates the solid to within a millimetre or so, as MuJoCo geoms (native types
  where exact, convex ``mesh`` pieces otherwise).
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
from dexgys.geometry.collision import CollisionGeom
from dexgys.geometry.numerics import check_positive, check_vector, safe_norm
from dexgys.geometry.polygons import dedupe_polygon
from dexgys.geometry.rotations import quaternion_to_matrix
from dexgys.geometry.tessellation import (
    DEFAULT_TOLERANCE,
    arc_points,
    check_tolerance,
    manifold_to_trimesh,
    revolve,
    ring_segments,
)

__all__ = [
    "Primitive",
    "Sphere",
    "Box",
    "Capsule",
    "Cylinder",
    "Ellipsoid",
    "union_sdf",
]


# --------------------------------------------------------------------------------------- base
@dataclass(frozen=True)
class Primitive:
    """Base of all solid primitives: the pose and everything that follows from local-frame geometry."""

    pos: tuple[float, float, float] = field(default=(0.0, 0.0, 0.0), kw_only=True)
    quat: tuple[float, float, float, float] = field(default=(1.0, 0.0, 0.0, 0.0), kw_only=True)

    def __post_init__(self) -> None:
        pos = check_vector(f"{type(self).__name__} pos", self.pos, 3)
        quat = np.array(check_vector(f"{type(self).__name__} quat", self.quat, 4))
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
        return self.local_manifold(check_tolerance(tolerance)).transform(transform)

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
        pieces = self.local_pieces(check_tolerance(tolerance))
        return [CollisionGeom("mesh", vertices=self.to_object(np.unique(v, axis=0))) for v in pieces]

    def translated(self, offset) -> Primitive:
        """A copy moved by ``offset`` (3,) in the object frame."""
        offset = check_vector("offset", offset, 3)
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
        object.__setattr__(self, "radius", check_positive("Sphere radius", self.radius))

    def local_sdf(self, p):
        return safe_norm(p) - self.radius

    def local_manifold(self, tolerance):
        tolerance = tolerance / 2  # two curved directions: keep their sum below tolerance
        n = ring_segments(self.radius, tolerance)
        profile = arc_points((0.0, 0.0), self.radius, -math.pi / 2, math.pi / 2, n // 2)
        profile[[0, -1], 0] = 0.0
        return revolve(profile, n)

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
        half = check_vector("Box half_extents", self.half_extents, 3)
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
        outside = safe_norm(q.clamp_min(0.0))
        inside = q.max(-1).values.clamp_max(0.0)
        return outside + inside - self.rounding

    def local_manifold(self, tolerance):
        half = np.asarray(self.half_extents)
        if self.rounding <= 0.0:
            return manifold3d.Manifold.cube(tuple(2 * half), True)
        ball = manifold3d.Manifold.sphere(self.rounding, ring_segments(self.rounding, tolerance / 2))
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
        object.__setattr__(self, "radius", check_positive("Capsule radius", self.radius))
        h = float(self.half_length)
        if not math.isfinite(h) or h < 0:
            raise DexgysError(f"Capsule half_length must be a non-negative finite number, got {self.half_length}")
        object.__setattr__(self, "half_length", h)

    def local_sdf(self, p):
        z = p[..., 2].clamp(-self.half_length, self.half_length)
        axis = torch.stack([torch.zeros_like(z), torch.zeros_like(z), z], dim=-1)
        return safe_norm(p - axis) - self.radius

    def local_manifold(self, tolerance):
        tolerance = tolerance / 2  # two curved directions: keep their sum below tolerance
        n = ring_segments(self.radius, tolerance)
        r, h = self.radius, self.half_length
        profile = np.concatenate(
            [arc_points((0.0, -h), r, -math.pi / 2, 0.0, n // 4), arc_points((0.0, h), r, 0.0, math.pi / 2, n // 4)]
        )
        profile[[0, -1], 0] = 0.0
        return revolve(dedupe_polygon(profile), n)

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
        r = check_positive("Cylinder radius", self.radius)
        h = check_positive("Cylinder half_length", self.half_length)
        rounding = float(self.rounding)
        if not (0.0 <= rounding <= min(r, h)):
            raise DexgysError(f"Cylinder rounding must be in [0, {min(r, h)}], got {self.rounding}")
        object.__setattr__(self, "radius", r)
        object.__setattr__(self, "half_length", h)
        object.__setattr__(self, "rounding", rounding)

    def local_sdf(self, p):
        rho = safe_norm(p[..., :2])
        d = torch.stack([rho - (self.radius - self.rounding), p[..., 2].abs() - (self.half_length - self.rounding)], -1)
        return safe_norm(d.clamp_min(0.0)) + d.max(-1).values.clamp_max(0.0) - self.rounding

    def _profile(self, tolerance: float) -> np.ndarray:
        """Counter-clockwise ``(r, z)`` half-section ``(N, 2)`` touching the axis."""
        R, h, c = self.radius, self.half_length, self.rounding
        if c <= 0:
            return np.array([[0.0, -h], [R, -h], [R, h], [0.0, h]])
        n = max(2, ring_segments(c, tolerance / 2) // 4)
        pts = np.concatenate(
            [
                [[0.0, -h]],
                arc_points((R - c, -h + c), c, -math.pi / 2, 0.0, n),
                arc_points((R - c, h - c), c, 0.0, math.pi / 2, n),
                [[0.0, h]],
            ]
        )
        return dedupe_polygon(pts)

    def local_manifold(self, tolerance):
        ring = tolerance / 2 if self.rounding > 0 else tolerance
        return revolve(self._profile(tolerance), ring_segments(self.radius, ring))

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
        radii = check_vector("Ellipsoid radii", self.radii, 3)
        if min(radii) <= 0:
            raise DexgysError(f"Ellipsoid radii must be positive, got {radii}")
        object.__setattr__(self, "radii", radii)

    def local_sdf(self, p):
        r = torch.as_tensor(self.radii, dtype=p.dtype, device=p.device)
        k0 = safe_norm(p / r)
        k1 = safe_norm(p / (r * r))
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
