"""Solids swept from a 2-D section: ``Torus`` (a circle around an axis, optionally an arc of it),
``Lathe`` (a polygon revolved about an axis) and ``Extrusion`` (a polygon extruded along z).

They are :class:`~dexgys.geometry.primitives.Primitive` subclasses and follow every convention of
:mod:`dexgys.geometry.primitives` (pose, sign, tolerance, rounding, polygons).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import manifold3d
import numpy as np
import torch

from dexgys.errors import DexgysError
from dexgys.geometry.collision import CollisionGeom
from dexgys.geometry.numerics import check_positive, safe_norm
from dexgys.geometry.polygons import clean_polygon, convex_pieces, polygon_sdf, signed_area
from dexgys.geometry.primitives import Primitive
from dexgys.geometry.tessellation import (
    DEFAULT_TOLERANCE,
    arc_points,
    arc_segments,
    check_tolerance,
    fibonacci_sphere,
    prism_vertices,
    revolve,
    ring_segments,
    tube_manifold,
)

__all__ = ["Extrusion", "Lathe", "Torus"]


def _quat_z_to(d: np.ndarray) -> np.ndarray:
    """Unit quaternion (w, x, y, z) of the shortest rotation taking +z to the unit vector ``d``."""
    w = 1.0 + d[2]
    if w < 1e-9:
        return np.array([0.0, 1.0, 0.0, 0.0])
    q = np.array([w, -d[1], d[0], 0.0])
    return q / np.linalg.norm(q)


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
        R = check_positive("Torus major_radius", self.major_radius)
        r = check_positive("Torus minor_radius", self.minor_radius)
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
        rho = safe_norm(p[..., :2])
        ring = safe_norm(torch.stack([rho - R, p[..., 2]], -1))
        if self.is_full:
            return ring - r
        half = self.arc / 2
        # nearest end: fold y onto y >= 0, the end is at angle +arc/2
        end = torch.tensor([R * math.cos(half), R * math.sin(half), 0.0], dtype=p.dtype, device=p.device)
        folded = torch.stack([p[..., 0], p[..., 1].abs(), p[..., 2]], -1)
        to_end = safe_norm(folded - end)
        with torch.no_grad():
            within = torch.atan2(p[..., 1].abs(), p[..., 0]) <= half
        return torch.where(within, ring, to_end) - r

    def local_manifold(self, tolerance):
        tolerance = tolerance / 2  # two curved directions: keep their sum below tolerance
        R, r = self.major_radius, self.minor_radius
        tube = ring_segments(r, tolerance)
        n = arc_segments(R + r, tolerance, self.arc, minimum=4)
        if self.is_full:
            return revolve(arc_points((R, 0.0), r, -math.pi, math.pi, tube)[:-1], 4 * math.ceil(n / 4))
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
        return tube_manifold(start + body + end, ring(lo, -r, 0.0)[0], ring(hi, r, 0.0)[0])

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
        n = arc_segments(R, check_tolerance(tolerance) / 4, self.arc, minimum=8 if self.is_full else 2)
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
        poly = clean_polygon("Lathe profile", raw)
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
        rho = safe_norm(p[..., :2])
        q = torch.stack([rho, p[..., 2]], -1)
        kw = dict(dtype=p.dtype, device=p.device)
        keep = torch.as_tensor(keep, device=p.device)
        return polygon_sdf(q, torch.as_tensor(starts, **kw), torch.as_tensor(ends, **kw), keep)

    def local_manifold(self, tolerance):
        poly = np.asarray(self.profile)
        return revolve(poly, ring_segments(float(poly[:, 0].max()), tolerance))

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
                n = ring_segments(float(outer.max()), tolerance)
                t = 2 * math.pi * np.arange(n) / n
                ring = np.stack([np.cos(t), np.sin(t)], 1)
                rings = [np.column_stack([rr * ring, np.full(n, zz)]) for rr, zz in zip(outer, z)]
                pieces.append(np.concatenate(rings))
                continue
            # annulus: sectors whose inner chords bulge into the hole by at most `tolerance`
            sectors = arc_segments(float(inner.max()), tolerance, minimum=8)
            per = max(1, math.ceil(arc_segments(float(outer.max()), tolerance, minimum=8) / sectors))
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
        poly = clean_polygon("Extrusion polygon", self.polygon)
        h = check_positive("Extrusion half_height", self.half_height)
        rounding = float(self.rounding)
        if not (0.0 <= rounding <= h) or not math.isfinite(rounding):
            raise DexgysError(f"Extrusion rounding must be in [0, half_height={h}], got {self.rounding}")
        object.__setattr__(self, "polygon", tuple((float(a), float(b)) for a, b in poly))
        object.__setattr__(self, "half_height", h)
        object.__setattr__(self, "rounding", rounding)
        if rounding > 0:
            section = manifold3d.CrossSection([poly]).offset(
                -rounding, manifold3d.JoinType.Round, 2.0, ring_segments(rounding, rounding * 0.02)
            )
            core = [np.asarray(c, dtype=np.float64) for c in section.to_polygons()]
            core = [c if signed_area(c) > 0 else c[::-1].copy() for c in core if len(c) >= 3]
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
        return safe_norm(d.clamp_min(0.0)) + d.max(-1).values.clamp_max(0.0) - self.rounding

    def _core_pieces(self) -> list[np.ndarray]:
        return [piece for contour in self._core[0] for piece in convex_pieces(contour)]

    def local_manifold(self, tolerance):
        h, c = self.half_height, self.rounding
        if c <= 0:
            section = manifold3d.CrossSection([np.asarray(self.polygon)])
            return manifold3d.Manifold.extrude(section, 2 * h).translate((0, 0, -h))
        ball = manifold3d.Manifold.sphere(c, ring_segments(c, tolerance / 2))
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
            return [prism_vertices(piece, -h, h) for piece in self._core_pieces()]
        ball = c * fibonacci_sphere(max(14, 2 * ring_segments(c, tolerance)))
        pieces = []
        for piece in self._core_pieces():
            base = prism_vertices(piece, -(h - c), h - c)
            pieces.append((base[:, None, :] + ball[None]).reshape(-1, 3))
        return pieces
