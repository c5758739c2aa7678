"""Catalogue categories for tools and hand-held devices (17 of OakInk's 34 categories).

binoculars, cameras, eyeglasses, flashlight, gamecontroller, hammer, headphones, knife, mouse, pen,
phone, pincer, power_drill, scissors, screwdriver, stapler, wrench.

Each builder draws a largest extent ``L`` from the category's ``size_range`` first, then a style
(claw / ball-peen / club / mallet hammers, chef / santoku / bread... knives, open / box / adjustable
wrenches...) and its proportions, builds the parts from exact-SDF primitives at roughly that size and
finally rescales the whole object uniformly so its largest extent is exactly ``L`` (most builders land
within a few per cent of ``L``; the rest within about a third, so proportions, not absolute sizes, are
what the style fixes). All randomness comes from the ``rng`` the catalogue hands in, so
``category:seed`` is deterministic.

Frames are chosen per category for convenience (the object is re-centred on its bounding box by
:class:`PrimitiveObject`); planar pieces (blades, wrench heads, side profiles) are
:class:`Extrusion` polygons placed with the plane frames ``_XY``, ``_XZ`` and ``_YZ``.
"""

from __future__ import annotations

import dataclasses
import math

import manifold3d
import numpy as np
import torch

from dexgys.geometry.primitives import Box, Capsule, Cylinder, Ellipsoid, Primitive, Sphere
from dexgys.geometry.rotations import matrix_to_quaternion
from dexgys.geometry.swept_solids import Extrusion, Lathe, Torus
from dexgys.objects.catalogue import register_category
from dexgys.objects.primitive_object import Part

__all__: list[str] = []

PI = math.pi


# ============================================================================ frames and placement
def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


def _frame(x, y) -> np.ndarray:
    """Rotation matrix whose columns are local x -> ``x``, local y -> ``y`` (orthonormalised), z = x cross y."""
    x = _unit(x)
    y = np.asarray(y, dtype=np.float64)
    y = _unit(y - np.dot(y, x) * x)
    return np.column_stack([x, y, np.cross(x, y)])


_XY = np.eye(3)  # polygon (u, v) -> (x, y), extruded along z
_XZ = _frame((1, 0, 0), (0, 0, 1))  # polygon (u, v) -> (x, z), extruded along y
_YZ = _frame((0, 1, 0), (0, 0, 1))  # polygon (u, v) -> (y, z), extruded along x


def _rot(axis, angle: float) -> np.ndarray:
    """Rotation matrix of ``angle`` radians about ``axis`` (Rodrigues)."""
    k = _unit(axis)
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + math.sin(angle) * K + (1 - math.cos(angle)) * (K @ K)


def _q(R: np.ndarray) -> tuple[float, ...]:
    """Rotation matrix -> quaternion (w, x, y, z)."""
    q = matrix_to_quaternion(torch.as_tensor(np.asarray(R, dtype=np.float64)))
    return tuple(float(v) for v in q)


def _z_to(d) -> np.ndarray:
    """A rotation matrix taking local +z to the direction ``d``."""
    d = _unit(d)
    helper = np.array([1.0, 0.0, 0.0]) if abs(d[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    x = _unit(helper - np.dot(helper, d) * d)
    return np.column_stack([x, np.cross(d, x), d])


def _p(v) -> tuple[float, float, float]:
    return tuple(float(x) for x in np.asarray(v, dtype=np.float64).reshape(3))


def _capsule(a, b, r: float) -> Primitive:
    a, b = np.asarray(a, float), np.asarray(b, float)
    d = b - a
    length = float(np.linalg.norm(d))
    if length < 1e-9:
        return Sphere(r, pos=_p(a))
    return Capsule(r, length / 2, pos=_p((a + b) / 2), quat=_q(_z_to(d)))


def _cylinder(a, b, r: float, rounding: float = 0.0) -> Cylinder:
    a, b = np.asarray(a, float), np.asarray(b, float)
    d = b - a
    return Cylinder(r, float(np.linalg.norm(d)) / 2, rounding, pos=_p((a + b) / 2), quat=_q(_z_to(d)))


def _lathe(profile, base=(0, 0, 0), axis=(0, 0, 1)) -> Lathe:
    prof = tuple((float(r), float(z)) for r, z in np.asarray(profile, float))
    return Lathe(prof, pos=_p(base), quat=_q(_z_to(axis)))


def _extrude(poly, half: float, frame=_XY, center=(0, 0, 0), rounding: float = 0.0) -> Extrusion:
    pts = tuple((float(u), float(v)) for u, v in np.asarray(poly, float))
    return Extrusion(pts, float(half), float(rounding), pos=_p(center), quat=_q(frame))


def _tube_arc(center, major: float, minor: float, a0: float, a1: float, frame=_XY) -> Torus:
    """Torus piece whose centre line runs over angles [a0, a1] in the frame's local xy plane."""
    mid = 0.5 * (a0 + a1)
    R = _rot(frame[:, 2], mid) @ frame
    return Torus(float(major), float(minor), arc=float(min(a1 - a0, 2 * PI)), pos=_p(center), quat=_q(R))


# ============================================================================ 2-D polygons
def _arc2(cx: float, cy: float, r: float, a0: float, a1: float, n: int) -> np.ndarray:
    t = np.linspace(a0, a1, n + 1)
    return np.column_stack([cx + r * np.cos(t), cy + r * np.sin(t)])


def _ellipse(a: float, b: float, n: int = 48, cx: float = 0.0, cy: float = 0.0, p: float = 2.0) -> np.ndarray:
    """Super-ellipse ``|x/a|^p + |y/b|^p = 1`` (p = 2: ellipse) as an (n, 2) counter-clockwise polygon."""
    t = 2 * PI * np.arange(n) / n
    c, s = np.cos(t), np.sin(t)
    e = 2.0 / p
    return np.column_stack([cx + a * np.sign(c) * np.abs(c) ** e, cy + b * np.sign(s) * np.abs(s) ** e])


def _largest(section: manifold3d.CrossSection, tolerance: float = 2e-6) -> np.ndarray:
    """The largest contour of a cross-section, simplified to ``tolerance`` (m), without the
    near-duplicate points Clipper can leave."""
    polys = [_clean2(np.asarray(p, dtype=np.float64)) for p in section.simplify(tolerance).to_polygons()]
    polys = [p for p in polys if len(p) >= 3]
    areas = [abs(_area(p)) for p in polys]
    return polys[int(np.argmax(areas))]


def _clean2(poly: np.ndarray, eps: float = 2e-5) -> np.ndarray:
    """Drop points closer than ``eps`` to the previous kept point, then (nearly) collinear points."""
    kept = [poly[0]]
    for q in poly[1:]:
        if np.linalg.norm(q - kept[-1]) > eps:
            kept.append(q)
    while len(kept) > 3 and np.linalg.norm(kept[-1] - kept[0]) <= eps:
        kept.pop()
    out = np.asarray(kept)
    changed = True
    while changed and len(out) > 3:
        prev, nxt = np.roll(out, 1, axis=0), np.roll(out, -1, axis=0)
        a, b = out - prev, nxt - out
        cross = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
        lens = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
        flat = np.abs(cross) <= 1e-9 * lens
        changed = bool(flat.any())
        if changed:
            out = out[~(flat & (np.arange(len(out)) == np.argmax(flat)))]
    return out


def _area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def _ccw(poly) -> np.ndarray:
    poly = np.asarray(poly, dtype=np.float64)
    return poly if _area(poly) > 0 else poly[::-1].copy()


def _round_corners(poly, r: float, segments: int = 20) -> np.ndarray:
    """Round the convex corners of a polygon by ``r`` (a morphological opening); also drops slivers < 2r."""
    cs = manifold3d.CrossSection([_ccw(poly)])
    jt = manifold3d.JoinType.Round
    cs = cs.offset(-r, jt, 2.0, segments).offset(r, jt, 2.0, segments)
    return _largest(cs)


def _rounded_rect(w: float, h: float, r: float, cx: float = 0.0, cy: float = 0.0) -> np.ndarray:
    """Rectangle ``w`` x ``h`` centred at (cx, cy) with corner radius ``r``."""
    r = min(r, 0.499 * min(w, h))
    hw, hh = w / 2 - r, h / 2 - r
    n = 8
    pts = np.concatenate(
        [
            _arc2(cx + hw, cy - hh, r, -PI / 2, 0, n),
            _arc2(cx + hw, cy + hh, r, 0, PI / 2, n),
            _arc2(cx - hw, cy + hh, r, PI / 2, PI, n),
            _arc2(cx - hw, cy - hh, r, PI, 1.5 * PI, n),
        ]
    )
    return pts


def _strip(center: np.ndarray, half_width: np.ndarray) -> np.ndarray:
    """Polygon of a 2-D centre line (n, 2) thickened by ``half_width`` (n,) on both sides."""
    c = np.asarray(center, float)
    d = np.gradient(c, axis=0)
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    n = np.column_stack([-d[:, 1], d[:, 0]])
    left = c + half_width[:, None] * n
    right = c - half_width[:, None] * n
    return np.concatenate([right, left[::-1]])


def _annular_sector(r_in: float, r_out: float, a0: float, a1: float, n: int = 48) -> np.ndarray:
    return np.concatenate([_arc2(0, 0, r_out, a0, a1, n), _arc2(0, 0, r_in, a1, a0, n)])


def _open_jaw(ro: float, s: float, c: float, n: int = 20) -> np.ndarray:
    """Open-end spanner head: disc of radius ``ro`` with a slot of half-width ``s`` opening towards +x,
    ending in a round throat centred at (c, 0)."""
    a0 = math.asin(s / ro)
    outer = _arc2(0, 0, ro, a0, 2 * PI - a0, n)
    throat = _arc2(c, 0, s, -PI / 2, -1.5 * PI, 8)
    return np.concatenate([outer, throat])


# ============================================================================ scaling and registration
def _scaled(prim: Primitive, s: float) -> Primitive:
    """``prim`` with every length (shape parameters and position) multiplied by ``s``."""

    def scale(v):
        if isinstance(v, (tuple, list)):
            return tuple(scale(x) for x in v)
        return float(v) * s

    changes = {f.name: scale(getattr(prim, f.name)) for f in dataclasses.fields(prim) if f.name not in ("quat", "arc")}
    return dataclasses.replace(prim, **changes)


def _closed(m: manifold3d.Manifold) -> bool:
    """Whether every edge of the manifold's triangle mesh is shared by exactly two triangles."""
    f = np.asarray(m.to_mesh64().tri_verts, dtype=np.int64)
    e = np.sort(np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]]), axis=1)
    _, counts = np.unique(e, axis=0, return_counts=True)
    return bool((counts == 2).all())


def _sound(prim: Primitive) -> Primitive:
    """A rounded box whose mesh comes out closed.

    manifold3d's hull of the eight corner balls very occasionally (about 1 box in 2,000) returns a
    mesh with a stray sliver; shrinking the rounding by a few per cent gives a clean hull.
    """
    if not isinstance(prim, Box) or prim.rounding <= 0:
        return prim
    for _ in range(8):
        if _closed(prim.local_manifold(1e-3)):
            break
        prim = dataclasses.replace(prim, rounding=0.97 * prim.rounding)
    return prim


def _sound_box_pairs(parts: list[Part]) -> list[Part]:
    """Overlapping rounded boxes whose union comes out as one shell.

    The union of two convex solids is one genus-0 shell, but manifold3d's boolean of two hull-built
    rounded boxes very occasionally leaves a stray sliver shell (seen once in ~1,700 objects); a
    slightly smaller rounding on the smaller box avoids it.
    """
    where = [
        (i, j) for i, p in enumerate(parts) for j, q in enumerate(p.primitives) if isinstance(q, Box) and q.rounding > 0
    ]
    for a in range(len(where)):
        for b in range(a + 1, len(where)):
            (i0, j0), (i1, j1) = where[a], where[b]
            for _ in range(8):
                p0, p1 = parts[i0].primitives[j0], parts[i1].primitives[j1]
                lo0, hi0 = p0.bounds()
                lo1, hi1 = p1.bounds()
                if np.any(hi0 < lo1) or np.any(hi1 < lo0):
                    break
                m0, m1 = p0.to_manifold(1e-3), p1.to_manifold(1e-3)
                union = m0 + m1
                touching = union.volume() < m0.volume() + m1.volume() - 1e-12
                if union.genus() == 0 or not touching:
                    break
                small = (i0, j0) if np.prod(hi0 - lo0) < np.prod(hi1 - lo1) else (i1, j1)
                box = parts[small[0]].primitives[small[1]]
                parts[small[0]].primitives[small[1]] = dataclasses.replace(box, rounding=0.97 * box.rounding)
    return parts


def _prim_bounds(prim: Primitive) -> np.ndarray:
    R = prim.rotation
    if isinstance(prim, (Sphere, Capsule)) or np.allclose(np.abs(R), np.round(np.abs(R)), atol=1e-9):
        return prim.bounds()
    lo_hi = prim.to_manifold(1e-3).bounding_box()
    return np.array([lo_hi[:3], lo_hi[3:]])


def _largest_extent(parts: list[Part]) -> float:
    b = np.array([_prim_bounds(p) for part in parts for p in part.primitives])
    return float((b[:, 1].max(0) - b[:, 0].min(0)).max())


def _category(name: str, parts: tuple[str, ...], size_range: tuple[float, float], description: str):
    """Register ``inner(rng, L) -> {part: [primitives]}`` as a category whose largest extent is exactly ``L``."""
    lo, hi = size_range
    margin = min(0.004, 0.1 * (hi - lo))

    def decorate(inner):
        def build(rng: np.random.Generator) -> list[Part]:
            target = float(rng.uniform(lo + margin, hi - margin))
            built = inner(rng, target)
            if set(built) != set(parts) or any(not built[p] for p in parts):
                raise RuntimeError(f"catalogue {name}: builder gave parts {sorted(built)}, expected {parts}")
            out = [Part(p, list(built[p])) for p in parts]
            s = target / _largest_extent(out)
            out = [Part(p.name, [_sound(_scaled(q, s)) for q in p.primitives]) for p in out]
            return _sound_box_pairs(out)

        build.__name__ = build.__qualname__ = f"build_{name}"
        build.__doc__ = inner.__doc__
        register_category(name, parts, size_range, description)(build)
        return inner

    return decorate


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _pick(rng: np.random.Generator, options, p=None) -> str:
    return str(options[int(rng.choice(len(options), p=p))])


# ============================================================================ knife
@_category(
    "knife",
    ("blade", "handle"),
    (0.17, 0.34),
    "kitchen knife: chef, santoku, utility, bread, cleaver or paring blade on a shaped handle",
)
def _knife(rng, L):
    """x along the knife (handle butt at 0, tip at L), side profile in the xz plane, thickness along y."""
    small = L < 0.23
    if small:
        style = _pick(rng, ["paring", "utility", "santoku"], [0.45, 0.35, 0.2])
    else:
        style = _pick(rng, ["chef", "santoku", "utility", "bread", "cleaver"], [0.3, 0.2, 0.15, 0.2, 0.15])
    hfrac = _u(rng, 0.38, 0.47) if small else _u(rng, 0.33, 0.42)
    if style == "cleaver":
        hfrac = _u(rng, 0.38, 0.45)
    Lh = hfrac * L
    Lb = L - Lh

    # handle: side profile with taper, belly, hump and an optional butt hook
    hh = _u(rng, 0.017, 0.025)
    ht = _u(rng, 0.0075, 0.011)
    x = np.linspace(0.0, Lh, 25)
    t = x / Lh
    half = hh / 2 * (1 + _u(rng, -0.25, 0.2) * (0.5 - t))
    top = half + _u(rng, -0.05, 0.15) * hh * np.sin(PI * t)
    bot = -half - _u(rng, 0.0, 0.18) * hh * np.sin(PI * t)
    if rng.random() < 0.4:
        bot = bot - _u(rng, 0.002, 0.005) * np.exp(-(((t - 0.05) / 0.08) ** 2))
    poly = np.concatenate([np.column_stack([x, bot]), np.column_stack([x[::-1], top[::-1]])])
    poly = _round_corners(poly, min(0.004, 0.25 * hh))
    handle = [_extrude(poly, ht, _XZ, rounding=min(0.85 * ht, _u(rng, 0.003, 0.006)))]
    if rng.random() < 0.5:  # bolster between handle and blade
        bw = _u(rng, 0.003, 0.006)
        zc, hz = 0.5 * (top[-1] + bot[-1]), 0.5 * (top[-1] - bot[-1]) + 0.001
        handle.append(Box((bw, 0.8 * ht, hz), 0.0015, pos=(Lh + bw - 0.002, 0.0, zc)))

    # blade
    bt = _u(rng, 0.0011, 0.0015)
    heights = {
        "chef": (0.038, 0.052),
        "santoku": (0.036, 0.048),
        "utility": (0.018, 0.027),
        "bread": (0.022, 0.032),
        "cleaver": (0.06, 0.085),
        "paring": (0.015, 0.022),
    }
    Hb = _u(rng, *heights[style])
    spine_z = top[-1] - _u(rng, 0.15, 0.5) * hh * 0.5
    if style == "cleaver":
        spine_z = top[-1] + _u(rng, 0.0, 0.01)
    edge_z = spine_z - Hb
    # (spine start of curve, spine power, edge start, edge power, tip height as a fraction of Hb below the spine)
    shape = {
        "chef": (_u(rng, 0.55, 0.75), 2.0, _u(rng, 0.25, 0.45), _u(rng, 1.6, 2.4), _u(rng, 0.12, 0.3)),
        "santoku": (_u(rng, 0.35, 0.55), _u(rng, 1.8, 2.5), _u(rng, 0.7, 0.85), 2.0, _u(rng, 0.85, 0.97)),
        "utility": (_u(rng, 0.7, 0.85), 1.5, _u(rng, 0.6, 0.8), 1.5, _u(rng, 0.35, 0.6)),
        "bread": (_u(rng, 0.85, 0.92), 2.0, _u(rng, 0.85, 0.92), 2.0, _u(rng, 0.4, 0.6)),
        "paring": (_u(rng, 0.5, 0.7), _u(rng, 1.5, 2.0), _u(rng, 0.3, 0.6), _u(rng, 1.5, 2.0), _u(rng, 0.1, 0.5)),
        "cleaver": (0.97, 1.0, _u(rng, 0.5, 0.8), 2.0, 0.5),
    }[style]
    ts, ps, te, pe, ftip = shape
    ztip = spine_z - ftip * Hb
    tt = np.linspace(0.0, 1.0, 41)
    xs = Lh + tt * Lb

    def ramp(t0, p):
        return np.clip((tt - t0) / (1 - t0), 0.0, 1.0) ** p

    spine = spine_z + (ztip - spine_z) * ramp(ts, ps)
    edge = edge_z + (ztip - edge_z) * ramp(te, pe)
    if style == "cleaver":  # near-rectangular: edge rises a little, square end
        edge = edge_z + _u(rng, 0.0, 0.15) * Hb * ramp(te, pe)
        spine = np.full_like(tt, spine_z)
    xt = Lh - 0.015
    tang_top = min(spine_z, float(np.interp(xt, x, top)) - 0.002)
    tang_bot = max(float(np.interp(xt, x, bot)) + 0.002, edge_z)
    if style == "cleaver":
        outline = [[xt, tang_top], [xt, tang_bot], [Lh - 0.001, tang_bot], [Lh, edge_z]]
        outline += list(zip(xs[1:], edge[1:])) + list(zip(xs[::-1], spine[::-1]))[:-1]
        outline += [[Lh, spine_z], [Lh - 0.001, tang_top]]
    else:
        outline = [[xt, tang_top], [xt, tang_bot], [Lh - 0.001, tang_bot]]
        outline += list(zip(xs, edge)) + list(zip(xs[::-1][1:], spine[::-1][1:]))
        outline += [[Lh - 0.001, tang_top]]
    tip_round = {"bread": 0.4 * Hb, "cleaver": 0.004, "utility": 0.0015}.get(style, 0.0012)
    blade_poly = _round_corners(_dedupe2(np.asarray(outline)), tip_round)
    blade = [_extrude(blade_poly, bt, _XZ)]
    return {"blade": blade, "handle": handle}


def _dedupe2(poly: np.ndarray) -> np.ndarray:
    keep = np.linalg.norm(poly - np.roll(poly, 1, axis=0), axis=1) > 1e-9
    return poly[keep]


# ============================================================================ hammer
@_category(
    "hammer",
    ("handle", "head"),
    (0.25, 0.36),
    "hammer: claw, ball-peen, club (octagonal) or mallet head on a wooden, gripped or oval handle",
)
def _hammer(rng, L):
    """Handle along z from 0, head along x at the top (top of the head at z = L)."""
    style = _pick(rng, ["claw", "ball_peen", "club", "mallet"], [0.4, 0.25, 0.15, 0.2])
    head: list[Primitive] = []
    if style in ("claw", "ball_peen"):
        hx, hy, hz = _u(rng, 0.014, 0.019), _u(rng, 0.0095, 0.0125), _u(rng, 0.014, 0.019)
        zc = L - hz
        head.append(Box((hx, hy, hz), 0.003, pos=(0, 0, zc)))
        rf, lf = _u(rng, 0.012, 0.016), _u(rng, 0.03, 0.05)
        prof = [
            (0, 0),
            (0.75 * rf, 0),
            (0.75 * rf, 0.35 * lf),
            (rf, 0.7 * lf),
            (rf, lf - 0.0025),
            (rf - 0.0025, lf),
            (0, lf),
        ]
        head.append(_lathe(prof, (hx - 0.004, 0, zc), (1, 0, 0)))
        if style == "claw":
            straight = rng.random() < 0.25
            Rc = _u(rng, 0.12, 0.2) if straight else _u(rng, 0.035, 0.06)
            lc = _u(rng, 0.045, 0.065)
            t_root, t_tip = _u(rng, 1.5, 1.8) * hz, _u(rng, 0.005, 0.007)
            cx, cz = -0.5 * hx, zc + 0.3 * hz - Rc
            s = np.linspace(-0.006, lc, 30)
            phi = PI / 2 + s / Rc
            th = np.interp(s, [0, lc], [t_root, t_tip])
            outer = np.column_stack([cx + (Rc + th / 2) * np.cos(phi), cz + (Rc + th / 2) * np.sin(phi)])
            inner = np.column_stack([cx + (Rc - th / 2) * np.cos(phi), cz + (Rc - th / 2) * np.sin(phi)])
            claw = np.concatenate([outer, inner[::-1]])
            head.append(_extrude(claw, _u(rng, 0.75, 0.95) * hy, _XZ, rounding=0.002))
        else:
            ln, rp = _u(rng, 0.012, 0.02), _u(rng, 0.85, 1.0) * rf
            head.append(_cylinder((-hx + 0.003, 0, zc), (-hx - ln, 0, zc), 0.62 * rf))
            head.append(Sphere(rp, pos=(-hx - ln, 0, zc)))
        half_top, max_r = hz, hy - 0.0008
    elif style == "club":
        w, hl = _u(rng, 0.017, 0.024), _u(rng, 0.04, 0.058)
        zc = L - w
        if rng.random() < 0.6:
            rad = w / math.cos(PI / 8)
            octagon = _arc2(0, 0, rad, PI / 8, PI / 8 + 2 * PI, 8)[:-1]
            head.append(_extrude(octagon, hl, _YZ, (0, 0, zc), rounding=0.002))
        else:
            head.append(Box((hl, w, w), _u(rng, 0.002, 0.006), pos=(0, 0, zc)))
        half_top, max_r = w, w - 0.002
    else:  # mallet
        R, hl, c = _u(rng, 0.024, 0.034), _u(rng, 0.04, 0.06), 0.004
        bulge = _u(rng, 0.0, 0.06)
        prof = [(0, -hl), (R - c, -hl), (R, -hl + c), (R * (1 + bulge), 0), (R, hl - c), (R - c, hl), (0, hl)]
        zc = L - R * (1 + bulge)
        head.append(_lathe(prof, (0, 0, zc), (1, 0, 0)))
        half_top, max_r = R, R - 0.004

    zt = zc + 0.55 * half_top  # handle top, hidden inside the head
    kind = _pick(rng, ["wood", "grip", "oval"], [0.45, 0.3, 0.25])
    handle: list[Primitive]
    if kind == "wood":
        r_end, r_mid = _u(rng, 0.014, 0.018), _u(rng, 0.0095, 0.0125)
        r_top = min(r_mid * _u(rng, 0.95, 1.1), max_r)
        r_mid = min(r_mid, max_r + 0.002)
        prof = [(0, 0), (r_end - 0.003, 0), (r_end, 0.004), (r_end, 0.03), (r_mid, 0.45 * zt), (r_top, zt), (0, zt)]
        handle = [_lathe(prof)]
    elif kind == "grip":
        rc = min(_u(rng, 0.0095, 0.0115), max_r)
        rg, lg = _u(rng, 0.014, 0.017), _u(rng, 0.1, 0.14)
        prof = [(0, 0), (rg - 0.003, 0), (rg + 0.001, 0.005), (rg, 0.02), (rg, lg - 0.01), (rc, lg), (0, lg)]
        handle = [_cylinder((0, 0, 0.01), (0, 0, zt), rc, 0.002), _lathe(prof)]
    else:
        a, b = _u(rng, 0.014, 0.017), min(_u(rng, 0.0095, 0.0115), max_r)
        handle = [_extrude(_ellipse(a, b, 40), zt / 2, _XY, (0, 0, zt / 2), rounding=0.004)]
    return {"handle": handle, "head": head}


# ============================================================================ screwdriver
@_category(
    "screwdriver",
    ("handle", "shaft", "tip"),
    (0.12, 0.30),
    "screwdriver: bulb, fluted, triangular or cylindrical handle; flat, Phillips or hex tip",
)
def _screwdriver(rng, L):
    """Along z: handle from 0, shaft upwards, tip at z = L."""
    precision = L < 0.17 and rng.random() < 0.4
    if precision:
        R, Lh, rs = _u(rng, 0.0065, 0.0085), _u(rng, 0.055, 0.075), _u(rng, 0.0013, 0.0018)
    else:
        R = _u(rng, 0.012, 0.019)
        Lh = float(np.clip(L * _u(rng, 0.36, 0.5), 0.075, 0.125))
        rs = _u(rng, 0.0024, 0.0042)
    rf = max(2.0 * rs, 0.0045)  # ferrule / nose radius
    lt = _u(rng, 0.006, 0.012)
    kind = _pick(rng, ["bulb", "fluted", "tri", "cyl"], [0.3, 0.3, 0.2, 0.2])
    if kind == "bulb":
        prof = [
            (0, 0),
            (0.7 * R, 0),
            (0.92 * R, 0.008),
            (R, 0.3 * Lh),
            (0.9 * R, 0.72 * Lh),
            (0.6 * R, 0.9 * Lh),
            (rf, Lh),
            (0, Lh),
        ]
        handle = [_lathe(prof)]
    else:
        if kind == "cyl":
            body = Cylinder(R, 0.41 * Lh, min(0.004, 0.5 * R), pos=(0, 0, 0.41 * Lh))
        else:
            k, amp = (3, _u(rng, 0.1, 0.15)) if kind == "tri" else (int(rng.integers(5, 9)), _u(rng, 0.05, 0.09))
            th = 2 * PI * np.arange(64) / 64
            r = R * (1 - amp + amp * np.cos(k * th))
            lobes = np.column_stack([r * np.cos(th), r * np.sin(th)])
            body = _extrude(lobes, 0.41 * Lh, _XY, (0, 0, 0.41 * Lh), rounding=min(_u(rng, 0.003, 0.005), 0.4 * R))
        r0 = 0.85 * R * (1 - (0.1 if kind == "tri" else 0.0))
        nose = _lathe([(0, 0.78 * Lh), (r0, 0.78 * Lh), (rf, Lh), (0, Lh)])
        handle = [body, nose]
    if precision and rng.random() < 0.6:  # swivel cap
        handle.append(Cylinder(0.75 * R, 0.004, 0.002, pos=(0, 0, -0.002)))
    z_tip0 = L - lt
    shaft = [Cylinder(rs, 0.5 * (z_tip0 + 0.001 - (Lh - 0.012)), pos=(0, 0, 0.5 * (z_tip0 + 0.001 + Lh - 0.012)))]
    tip_kind = _pick(rng, ["flat", "phillips", "hex"], [0.45, 0.4, 0.15] if not precision else [0.55, 0.45, 0.0])
    zs = z_tip0 - 0.002
    if tip_kind == "flat":
        w = rs * _u(rng, 1.0, 1.3)
        poly = [(-0.9 * rs, zs), (0.9 * rs, zs), (w, zs + 0.55 * lt), (w, L), (-w, L), (-w, zs + 0.55 * lt)]
        tip = [_extrude(poly, max(0.001, 0.35 * rs), _XZ)]
    elif tip_kind == "phillips":
        tip = [_lathe([(0, zs), (rs, zs), (rs, zs + 0.002), (0.0011, L), (0, L)])]
    else:
        rh = rs * _u(rng, 1.0, 1.15)
        hexagon = _arc2(0, 0, rh, 0, 2 * PI, 6)[:-1]
        tip = [_extrude(hexagon, lt / 2 + 0.001, _XY, (0, 0, L - lt / 2 - 0.001), rounding=0.0003)]
    return {"handle": handle, "shaft": shaft, "tip": tip}


# ============================================================================ wrench
@_category(
    "wrench",
    ("handle", "head"),
    (0.11, 0.30),
    "spanner: combination, double open-end, double box-end or adjustable wrench",
)
def _wrench(rng, L):
    """Flat in the xy plane (thickness along z), length along x."""
    style = _pick(rng, ["combination", "double_open", "double_box", "adjustable"], [0.4, 0.2, 0.15, 0.25])
    t = _u(rng, 0.0022, 0.0035)  # handle half thickness
    head: list[Primitive] = []
    if style == "adjustable":
        Ro = L * _u(rng, 0.12, 0.15)
        s = Ro * _u(rng, 0.33, 0.42)
        c = -Ro * _u(rng, 0.1, 0.22)
        th = max(0.0025, Ro * _u(rng, 0.2, 0.26))
        alpha = math.radians(_u(rng, 10, 22))
        xa = L / 2 - Ro
        Rz = _rot((0, 0, 1), alpha)
        head.append(_extrude(_open_jaw(Ro, s, c), th, Rz, (xa, 0, 0), rounding=0.0015))
        # worm screw, slightly proud of the head faces
        wc = Rz @ np.array([c + 0.2 * s, -(s + 0.5 * (Ro - s)), 0]) + np.array([xa, 0, 0])
        d = Rz @ np.array([1.0, 0, 0])
        lw = Ro * _u(rng, 0.22, 0.28)
        head.append(_cylinder(wc - lw * d, wc + lw * d, min(th * _u(rng, 1.1, 1.2), 0.4 * (Ro - s)), 0.001))
        hw_end = Ro * _u(rng, 0.3, 0.4)
        hw_back = hw_end * _u(rng, 0.8, 1.0)
        x0, x1 = -L / 2, xa - 0.7 * Ro
        xs = np.array([x0, x1])
        hw = np.interp(xs, [x0, x1], [hw_back, hw_end])
        poly = np.concatenate([np.column_stack([xs, -hw]), np.column_stack([xs[::-1], hw[::-1]])])
        poly = _round_corners(poly, min(0.9 * hw_back, 0.008))
        handle = [_extrude(poly, 0.8 * th, _XY, rounding=0.0015)]
        return {"handle": handle, "head": head}

    d1 = float(np.clip(L / _u(rng, 11.0, 15.0), 0.006, 0.026))
    d2 = d1 * (_u(rng, 0.8, 0.95) if style != "combination" else 1.0)
    th = t * _u(rng, 1.1, 1.4)
    ends = {"combination": ("open", "box"), "double_open": ("open", "open"), "double_box": ("box", "box")}[style]

    def reach(kind, d):
        return d * 1.02 if kind == "open" else d * 0.85

    rA, rB = reach(ends[0], d1), reach(ends[1], d2)
    xA, xB = L / 2 - rA, -(L / 2 - rB)
    inner_ends = []
    for kind, d, xc, sign in ((ends[0], d1, xA, 1.0), (ends[1], d2, xB, -1.0)):
        if kind == "open":
            Ro = d * _u(rng, 0.97, 1.07)
            alpha = math.radians(_u(rng, 10, 20)) * (1 if rng.random() < 0.5 else -1)
            base = 0.0 if sign > 0 else PI
            jaw = _open_jaw(Ro, d / 2, -0.1 * Ro)
            head.append(_extrude(jaw, th, _rot((0, 0, 1), base + alpha), (xc, 0, 0), 0.0012))
            inner_ends.append(xc - sign * 0.72 * Ro)
        else:
            Rb, ri, c = d * _u(rng, 0.8, 0.9), d * 0.56, 0.001
            prof = [
                (ri, -th + c),
                (ri + c, -th),
                (Rb - c, -th),
                (Rb, -th + c),
                (Rb, th - c),
                (Rb - c, th),
                (ri + c, th),
                (ri, th - c),
            ]
            head.append(_lathe(prof, (xc, 0, 0)))
            inner_ends.append(xc - sign * 0.5 * (ri + Rb))
    x1, x0 = inner_ends
    w_end = min(d1, d2) * _u(rng, 0.55, 0.72)
    w_mid = w_end * _u(rng, 0.72, 1.0)
    xs = np.linspace(x0, x1, 9)
    u = (xs - 0.5 * (x0 + x1)) / (0.5 * (x1 - x0))
    hw = 0.5 * (w_mid + (w_end - w_mid) * u**2)
    poly = np.concatenate([np.column_stack([xs, -hw]), np.column_stack([xs[::-1], hw[::-1]])])
    handle = [_extrude(poly, t, _XY, rounding=min(0.8 * t, 0.0015))]
    return {"handle": handle, "head": head}


# ============================================================================ pincer (pliers)
@_category(
    "pincer",
    ("jaws", "handles"),
    (0.13, 0.26),
    "pliers: combination, needle-nose, diagonal-cutter or bent-nose jaws on two gripped handles",
)
def _pincer(rng, L):
    """Flat in the xy plane: pivot at the origin, jaws towards +x, handles towards -x."""
    style = _pick(rng, ["combination", "needle_nose", "diagonal", "bent_nose"], [0.35, 0.3, 0.2, 0.15])
    Lj = (
        L
        * {
            "combination": _u(rng, 0.22, 0.27),
            "needle_nose": _u(rng, 0.3, 0.38),
            "diagonal": _u(rng, 0.15, 0.2),
            "bent_nose": _u(rng, 0.28, 0.34),
        }[style]
    )
    tz = _u(rng, 0.0045, 0.0065)
    rp = _u(rng, 0.009, 0.013)
    jaws: list[Primitive] = [Cylinder(rp, tz, 0.0015)]
    wr = rp * _u(rng, 0.75, 0.95)
    wt = {
        "combination": _u(rng, 0.0035, 0.005),
        "needle_nose": _u(rng, 0.0013, 0.0019),
        "diagonal": _u(rng, 0.0018, 0.0025),
        "bent_nose": _u(rng, 0.0013, 0.0019),
    }[style]
    tt = np.linspace(0.0, 1.0, 16)
    if style == "combination":
        hw = wt + (wr - wt) * (1 - tt**0.6)
    elif style == "diagonal":
        hw = wt + (wr - wt) * (1 - tt**2.2)
    else:
        hw = wt + (wr - wt) * (1 - tt) ** _u(rng, 1.0, 1.6)
    heading = np.zeros_like(tt)
    if style == "bent_nose":
        heading = np.radians(_u(rng, 30, 50)) * np.clip((tt - 0.5) / 0.15, 0.0, 1.0)
    seg = (Lj + 0.004) / (len(tt) - 1)
    centre = np.zeros((len(tt), 2))
    centre[0] = (-0.004, 0.0)
    for i in range(1, len(tt)):
        centre[i] = centre[i - 1] + seg * np.array([math.cos(heading[i]), math.sin(heading[i])])
    jaw_poly = _round_corners(_strip(centre, hw), 0.001)
    jaws.append(_extrude(jaw_poly, tz * _u(rng, 0.75, 0.9), _XY, rounding=0.0012))

    rg = _u(rng, 0.0072, 0.0095)
    rn = min(_u(rng, 0.0052, 0.0065), 0.8 * rg)
    Lh = L - Lj - rg
    Y = _u(rng, 0.014, 0.026)
    bow = _u(rng, -0.002, 0.006)
    mid_t = _u(rng, 0.2, 0.32)
    handles: list[Primitive] = []
    for sgn in (1.0, -1.0):
        a = np.array([-0.004, sgn * 0.0035, 0.0])
        m = np.array([-mid_t * Lh, sgn * (Y * _u(rng, 0.6, 0.8) + bow), 0.0])
        e = np.array([-Lh, sgn * Y, 0.0])
        handles.append(_capsule(a, m, rn))
        handles.append(_capsule(m, e, rg))
    return {"jaws": jaws, "handles": handles}


# ============================================================================ scissors
@_category(
    "scissors",
    ("blades", "handle_loops"),
    (0.12, 0.26),
    "scissors (closed): office, kitchen, kids or hair-cutting blades with round or oval finger loops",
)
def _scissors(rng, L):
    """Flat in the xy plane: pivot at the origin, blades towards +x, loops towards -x."""
    if L < 0.16:
        style = _pick(rng, ["office", "kids", "hair"], [0.4, 0.4, 0.2])
    else:
        style = _pick(rng, ["office", "kitchen", "hair"], [0.4, 0.35, 0.25])
    bfrac = {"office": (0.5, 0.58), "kitchen": (0.45, 0.55), "kids": (0.42, 0.5), "hair": (0.55, 0.62)}[style]
    Lb = L * _u(rng, *bfrac)
    Ll = L - Lb
    wb = _u(
        rng, *{"office": (0.014, 0.02), "kitchen": (0.02, 0.028), "kids": (0.013, 0.017), "hair": (0.010, 0.014)}[style]
    )
    bt = _u(rng, 0.0011, 0.0014)
    tip_r = {"office": 0.0012, "kitchen": 0.002, "kids": 0.0025, "hair": 0.001}[style]
    tw = _u(rng, 0.006, 0.008) if style == "kids" else 0.0
    blades: list[Primitive] = []
    for side, length in ((1.0, Lb), (-1.0, Lb * _u(rng, 0.93, 0.99))):
        xs = np.linspace(-0.012, length, 40)
        s = np.clip(xs / length, 0.0, 1.0)
        ytip = wb * _u(rng, -0.1, 0.25) * side
        pa, pb = _u(rng, 1.2, 2.5), _u(rng, 0.8, 1.6)
        if side < 0:
            pa, pb = pb, pa
        top = wb / 2 + (ytip + tw / 2 - wb / 2) * s**pa
        bot = -wb / 2 + (ytip - tw / 2 + wb / 2) * s**pb
        upper = np.column_stack([xs[::-1], top[::-1]])
        poly = np.concatenate([np.column_stack([xs, bot]), upper[1:] if tw == 0 else upper])
        poly = _round_corners(_dedupe2(poly), tip_r)
        blades.append(_extrude(poly, bt, _XY, (0, 0, side * (bt - 0.0003))))
    blades.append(Cylinder(_u(rng, 0.003, 0.0045), 2 * bt - 0.0003 + 0.0008))

    rr = _u(rng, 0.0025, 0.0034)
    loops: list[Primitive] = []

    def ring(center, R):
        return Torus(R, rr, pos=_p(center))

    def stadium(center, R, length, angle):
        Rz = _rot((0, 0, 1), angle)
        c = np.asarray(center, float)
        ax = Rz[:, 0] * length / 2
        ay = Rz[:, 1] * R
        return [
            _tube_arc(c + ax, R, rr, -PI / 2 + angle, PI / 2 + angle),
            _tube_arc(c - ax, R, rr, PI / 2 + angle, 1.5 * PI + angle),
            _capsule(c - ax + ay, c + ax + ay, rr),
            _capsule(c - ax - ay, c + ax - ay, rr),
        ]

    Rt = _u(rng, 0.0085, 0.0115) if style != "hair" else _u(rng, 0.008, 0.0095)
    round_finger = style in ("kids", "hair") or rng.random() < 0.2
    Rf = Rt * _u(rng, 1.0, 1.15) if round_finger else _u(rng, 0.0085, 0.011)
    lf = 0.0 if round_finger else (_u(rng, 0.025, 0.045) if style == "kitchen" else _u(rng, 0.012, 0.03))
    gap = _u(rng, 0.001, 0.005)
    yt = Rt + rr + gap / 2
    yf = -(Rf + rr + gap / 2)
    # thumb loop a little forward of the finger loop; the finger loop reaches x = -Ll
    ang = math.radians(_u(rng, -12, 12)) if not round_finger else 0.0
    xf = -Ll + lf / 2 * abs(math.cos(ang)) + Rf + rr
    xt = -Ll + Rt + rr + _u(rng, 0.0, 0.012)
    loops.append(ring((xt, yt, 0), Rt))
    if round_finger:
        loops.append(ring((xf, yf, 0), Rf))
        near_f = np.array([xf + Rf * 0.8, yf + Rf * 0.6, 0.0])
    else:
        loops += stadium((xf, yf, 0), Rf, lf, ang)
        near_f = np.array([xf, yf, 0.0]) + _rot((0, 0, 1), ang) @ np.array([lf / 2 + 0.7 * Rf, 0.7 * Rf, 0])
    near_t = np.array([xt + Rt * 0.8, yt - Rt * 0.6, 0.0])
    shank_r = rr * _u(rng, 1.0, 1.3)
    loops.append(_capsule(near_t, (-0.008, 0.004, 0), shank_r))
    loops.append(_capsule(near_f, (-0.008, -0.004, 0), shank_r))
    if style == "hair":  # finger rest
        start = np.array([xf, yf, 0.0]) + Rf * np.array([math.cos(-2.0), math.sin(-2.0), 0])
        loops.append(_capsule(start, start + np.array([-0.004, -_u(rng, 0.01, 0.015), 0]), rr))
    return {"blades": blades, "handle_loops": loops}


# ============================================================================ binoculars
@_category(
    "binoculars",
    ("barrels", "bridge", "eyepieces"),
    (0.09, 0.20),
    "binoculars: straight roof-prism or offset porro-prism barrels, hinge bridge with focus wheel",
)
def _binoculars(rng, L):
    """Barrels along x (eyepieces at -x, objectives at +x), side by side in y, z up."""
    style = _pick(rng, ["roof", "porro"], [0.55, 0.45])
    barrels: list[Primitive] = []
    bridge: list[Primitive] = []
    eyepieces: list[Primitive] = []
    le = _u(rng, 0.012, 0.02)
    if style == "roof":
        rb = L * _u(rng, 0.14, 0.18)
        lb = L - le
        r_back = rb * _u(rng, 0.85, 0.95)
        r_obj = rb * _u(rng, 1.0, 1.12)
        c = 0.002
        prof = [
            (0, 0),
            (r_back - c, 0),
            (r_back, c),
            (rb, 0.12 * lb),
            (rb, 0.7 * lb),
            (r_obj, 0.78 * lb),
            (r_obj, lb - c),
            (r_obj - c, lb),
            (0, lb),
        ]
        gap = _u(rng, 0.002, 0.012)
        r_max = max(rb, r_obj)
        yb = r_max + gap / 2
        for sgn in (1, -1):
            barrels.append(_lathe(prof, (0, sgn * yb, 0), (1, 0, 0)))
            re = r_back * _u(rng, 0.7, 0.85)
            eyepieces.append(_cylinder((-le, sgn * yb, 0), (0.004, sgn * yb, 0), re, 0.002))
        zh = rb * _u(rng, 0.1, 0.4)
        need = math.hypot(yb, zh) - r_back + 0.003
        rh = max(rb * _u(rng, 0.35, 0.5), need)
        x1 = lb * _u(rng, 0.55, 0.85)
        bridge.append(_cylinder((0.1 * lb, 0, zh), (x1, 0, zh), rh, 0.002))
        hw = _u(rng, 0.005, 0.009)
        xw = 0.1 * lb + hw + 0.004
        bridge.append(_cylinder((xw - hw, 0, zh), (xw + hw, 0, zh), rh + _u(rng, 0.003, 0.006), 0.0015))
        if rng.random() < 0.5:
            bridge.append(Box((0.012, yb * 0.7, rb * 0.3), 0.002, pos=(0.82 * lb, 0, 0.5 * zh)))
    else:
        rb = L * _u(rng, 0.11, 0.15)
        lo = L * _u(rng, 0.35, 0.5)
        hx = L * _u(rng, 0.12, 0.16)
        k = L / 0.15
        ye = k * _u(rng, 0.026, 0.032)
        yo = ye + k * _u(rng, 0.012, 0.025)
        dz = k * _u(rng, 0.004, 0.012)
        re = k * _u(rng, 0.011, 0.015)
        x_obj = 2 * hx - 0.006
        c = 0.002
        prof = [
            (0, 0),
            (rb, 0),
            (rb, lo * 0.7),
            (rb * _u(rng, 1.0, 1.1), lo * 0.8),
            (rb * 1.05, lo - c),
            (rb * 1.05 - c, lo),
            (0, lo),
        ]
        y_in = ye - re - 0.004
        y_out = yo + 0.9 * rb
        hz = max(rb, re + dz) * 1.05
        for sgn in (1, -1):
            barrels.append(_lathe(prof, (x_obj, sgn * yo, 0), (1, 0, 0)))
            barrels.append(
                Box(
                    (hx, 0.5 * (y_out - y_in), hz),
                    min(0.3 * min(hx, hz), 0.008),
                    pos=(hx, sgn * 0.5 * (y_in + y_out), dz / 2),
                )
            )
            eyepieces.append(_cylinder((-le, sgn * ye, dz), (0.004, sgn * ye, dz), re, 0.002))
        rh = k * _u(rng, 0.007, 0.01)
        bridge.append(Box((0.6 * hx, y_in + 0.004, 0.8 * rh), 0.002, pos=(hx, 0, dz + 0.3 * rh)))
        bridge.append(_cylinder((0.15 * hx, 0, dz + rh * 0.6), (1.85 * hx, 0, dz + rh * 0.6), rh, 0.002))
        hw = _u(rng, 0.005, 0.008)
        bridge.append(
            _cylinder(
                (0.2 * hx, 0, dz + rh * 0.6), (0.2 * hx + 2 * hw, 0, dz + rh * 0.6), rh + _u(rng, 0.003, 0.006), 0.0015
            )
        )
    return {"barrels": barrels, "bridge": bridge, "eyepieces": eyepieces}


# ============================================================================ cameras
@_category(
    "cameras",
    ("body", "lens", "shutter_button"),
    (0.09, 0.16),
    "camera: DSLR (grip, prism hump, zoom lens), compact, mirrorless or instant camera",
)
def _cameras(rng, L):
    """x across (width), z up, y front-to-back: the lens points to -y."""
    fits = {"compact": (0.0, 0.12), "instant": (0.1, 0.14), "mirrorless": (0.11, 0.145), "dslr": (0.125, 1.0)}
    weights = {"compact": 0.3, "instant": 0.15, "mirrorless": 0.25, "dslr": 0.3}
    options = [name for name, (lo, hi) in fits.items() if lo <= L <= hi]
    p = np.array([weights[o] for o in options])
    style = _pick(rng, options, p / p.sum())
    body: list[Primitive] = []
    shutter: list[Primitive] = []
    if style == "dslr":
        W, H, D = _u(rng, 0.125, 0.15), _u(rng, 0.09, 0.105), _u(rng, 0.065, 0.08)
        r = _u(rng, 0.008, 0.012)
    elif style == "compact":
        W, H, D = _u(rng, 0.09, 0.11), _u(rng, 0.052, 0.064), _u(rng, 0.02, 0.03)
        r = _u(rng, 0.005, 0.45 * D)
    elif style == "mirrorless":
        W, H, D = _u(rng, 0.11, 0.13), _u(rng, 0.065, 0.08), _u(rng, 0.03, 0.045)
        r = _u(rng, 0.006, 0.01)
    else:
        W, H, D = _u(rng, 0.1, 0.12), _u(rng, 0.09, 0.11), _u(rng, 0.065, 0.09)
        r = _u(rng, 0.012, 0.02)
    body.append(Box((W / 2, D / 2, H / 2), r))
    front = -D / 2
    # grip
    if style in ("dslr", "mirrorless"):
        gx = _u(rng, 0.014, 0.018) if style == "dslr" else _u(rng, 0.01, 0.013)
        gy = _u(rng, 0.016, 0.022) if style == "dslr" else _u(rng, 0.008, 0.012)
        gz = H / 2 * _u(rng, 0.8, 0.92)
        grip_at = (W / 2 - gx - 0.002, front + 0.4 * gy, -H / 2 + gz + 0.0015)  # bottom 1.5 mm above the body bottom
        body.append(Box((gx, gy, gz), min(gx, gy, 0.008) * 0.9, pos=grip_at))
    if style == "dslr":
        bw, hh = _u(rng, 0.05, 0.062), _u(rng, 0.018, 0.026)
        trap = [(-bw / 2, 0), (bw / 2, 0), (0.3 * bw, hh), (-0.3 * bw, hh)]
        body.append(_extrude(trap, D * _u(rng, 0.3, 0.4), _XZ, (-0.006, -0.05 * D, H / 2 - 0.006), 0.004))
    elif style == "mirrorless" and rng.random() < 0.5:
        body.append(Box((0.016, D * 0.35, 0.008), 0.003, pos=(-W / 2 + 0.03, -0.05 * D, H / 2 + 0.004)))
    # lens
    if style == "dslr":
        rl, ll = _u(rng, 0.028, 0.036), _u(rng, 0.04, 0.075)
        prof = [
            (0, 0),
            (1.06 * rl, 0),
            (1.06 * rl, 0.008),
            (rl, 0.012),
            (rl, 0.6 * ll),
            (0.96 * rl, 0.65 * ll),
            (0.96 * rl, 0.85 * ll),
            (1.06 * rl, 0.9 * ll),
            (1.06 * rl, ll),
            (0, ll),
        ]
        xl, zl = -0.012, -0.004
    elif style == "compact":
        r1 = _u(rng, 0.014, 0.02)
        l1, l2 = _u(rng, 0.004, 0.008), _u(rng, 0.004, 0.016)
        prof = [(0, 0), (r1, 0), (r1, l1), (0.8 * r1, l1 + 0.001), (0.8 * r1, l1 + l2 + 0.003), (0, l1 + l2 + 0.003)]
        xl, zl = W * _u(rng, -0.05, 0.22), _u(rng, -0.005, 0.0)
    elif style == "mirrorless":
        rl, ll = _u(rng, 0.024, 0.03), _u(rng, 0.02, 0.05)
        prof = [(0, 0), (rl, 0), (rl, 0.8 * ll), (0.95 * rl, ll), (0, ll)]
        xl, zl = _u(rng, -0.012, 0.0), -0.003
    else:
        rl, ll = _u(rng, 0.022, 0.028), _u(rng, 0.012, 0.02)
        prof = [(0, 0), (rl, 0), (rl, ll - 0.003), (rl - 0.003, ll), (0, ll)]
        xl, zl = 0.0, _u(rng, -0.012, 0.0)
    # keep the lens on the flat part of the front face (no slivers under the rounded edges)
    r_lens = max(r for r, _ in prof)
    room = min(H / 2 - r - abs(zl), W / 2 - r - abs(xl)) - 0.001
    if r_lens > room:
        prof = [(rr * room / r_lens, zz) for rr, zz in prof]
    lens = [_lathe(prof, (xl, front + 0.005, zl), (0, -1, 0))]
    # shutter button
    rs = _u(rng, 0.0045, 0.006)
    if style == "instant":
        pos = np.array([W / 2 - r - 0.012, front, -H / 2 + r + 0.012])
        shutter.append(_cylinder(pos + (0, 0.003, 0), pos - (0, _u(rng, 0.003, 0.005), 0), rs, 0.001))
    else:
        top = H / 2
        x = W / 2 - max(r, 0.008) - 0.01
        y = front + max(r, 0.006) + rs + 0.002
        shutter.append(_cylinder((x, y, top - 0.003), (x, y, top + _u(rng, 0.002, 0.004)), rs, 0.001))
    return {"body": body, "lens": lens, "shutter_button": shutter}


# ============================================================================ eyeglasses
@_category(
    "eyeglasses",
    ("frame", "lenses", "temples"),
    (0.12, 0.17),
    "glasses: round, oval, rectangular, aviator or cat-eye rims, open or folded temples",
)
def _eyeglasses(rng, L):
    """Front in the xz plane (x across, z up) at y = 0; temples run towards +y."""
    shape = _pick(rng, ["round", "oval", "rect", "aviator", "cateye"])
    if shape == "round":
        a = _u(rng, 0.019, 0.024)
        b, n, k = a, 2.0, 0.0
    elif shape == "oval":
        a = _u(rng, 0.024, 0.029)
        b, n, k = a * _u(rng, 0.6, 0.8), _u(rng, 2.0, 2.6), 0.0
    elif shape == "rect":
        a = _u(rng, 0.024, 0.029)
        b, n, k = a * _u(rng, 0.55, 0.75), _u(rng, 3.2, 5.0), 0.0
    elif shape == "aviator":
        a = _u(rng, 0.026, 0.03)
        b, n, k = a * _u(rng, 0.78, 0.88), 2.3, _u(rng, 0.2, 0.35)
    else:
        a = _u(rng, 0.025, 0.029)
        b, n, k = a * _u(rng, 0.62, 0.75), 2.5, _u(rng, 0.25, 0.4)

    def outline(th):
        """Right lens outline (relative to its centre), outer side at +x."""
        c, s = np.cos(th), np.sin(th)
        x = a * np.sign(c) * np.abs(c) ** (2 / n)
        z = b * np.sign(s) * np.abs(s) ** (2 / n)
        if shape == "aviator":  # teardrop: deeper towards the nose at the bottom
            z = z * (1 + k * np.clip(-s, 0, None) * (0.5 - 0.5 * c))
        elif shape == "cateye":  # upper outer corner swept up
            z = z + k * b * np.clip(s, 0, None) * np.clip(c, 0, None) ** 2
        return np.column_stack([x, z])

    def offset(th, w):
        p = outline(th)
        dp = outline(th + 1e-4) - outline(th - 1e-4)
        nrm = np.column_stack([dp[:, 1], -dp[:, 0]])
        return p + w * nrm / np.linalg.norm(nrm, axis=1, keepdims=True)

    w = _u(rng, 0.0025, 0.0045)
    ft = _u(rng, 0.0019, 0.0026)
    lt = _u(rng, 0.00105, 0.0013)
    g = _u(rng, 0.014, 0.022)
    folded = rng.random() < 0.25
    # size the lenses so the front is as wide as wanted (the widest extent when folded)
    width = L * (_u(rng, 0.86, 1.0) if not folded else 0.995)
    dense = np.linspace(0, 2 * PI, 721)[:-1]
    span = float(np.ptp(outline(dense)[:, 0]))
    f = (width - g - 4 * w - 0.01) / (2 * span)
    a, b = a * f, b * f
    pts = outline(dense)
    cx = g / 2 + w - pts[:, 0].min()

    def side_x(z, inner):
        mask = pts[:, 0] < 0 if inner else pts[:, 0] > 0
        cand = pts[mask]
        return float(cand[np.argmin(np.abs(cand[:, 1] - z)), 0])

    frame: list[Primitive] = []
    lenses: list[Primitive] = []
    temples: list[Primitive] = []
    th_lens = 2 * PI * np.arange(36) / 36
    for sgn in (1.0, -1.0):
        mirror = np.array([sgn, 1.0])
        for a0, a1 in ((-0.35, PI + 0.35), (PI - 0.35, 2 * PI + 0.35)):
            th = np.linspace(a0, a1, 15)
            poly = np.concatenate([offset(th, w), outline(th[::-1])]) * mirror + np.array([sgn * cx, 0])
            frame.append(_extrude(_ccw(poly), ft, _XZ))
        lens_poly = offset(th_lens, 0.5 * w) * mirror + np.array([sgn * cx, 0])
        lenses.append(_extrude(_ccw(lens_poly), lt, _XZ))
    # bridge
    rb = ft * _u(rng, 0.6, 0.8)
    zb = b * _u(rng, 0.15, 0.45)
    xr = cx + side_x(zb, True) - w / 2
    rise = _u(rng, 0.002, 0.008)
    Rb = (xr**2 + rise**2) / (2 * rise)
    phi = math.asin(min(xr / Rb, 1.0))
    frame.append(_tube_arc((0, 0, zb + rise - Rb), Rb, rb, PI / 2 - phi, PI / 2 + phi, _XZ))
    if shape == "aviator":
        zt = b * 0.8
        xt = cx + side_x(zt, True) - w / 2
        frame.append(_capsule((-xt, 0, zt), (xt, 0, zt), rb))
    # hinges (end pieces) and temples
    zh = b * _u(rng, 0.2, 0.5)
    xo = cx + side_x(zh, False) + w
    rt = _u(rng, 0.0014, 0.0019)
    beta = math.radians(_u(rng, 25, 50))
    ear = _u(rng, 0.025, 0.04)
    Lt = L * _u(rng, 0.88, 0.98) - ear * math.cos(beta) - 0.006
    for sgn, yh in ((1.0, 0.0055), (-1.0, 0.0055 if not folded else 0.0115)):
        ylen = yh + 0.0025
        frame.append(
            Box((0.0035, 0.5 * (ylen + 0.003), 0.003), 0.001, pos=(sgn * (xo + 0.0015), 0.5 * (ylen - 0.003), zh))
        )
        h = np.array([sgn * (xo + 0.002), yh, zh])
        if not folded:
            e = h + np.array([sgn * _u(rng, 0.0, 0.012), Lt, -_u(rng, 0.0, 0.006)])
            tip = e + ear * np.array([0, math.cos(beta), -math.sin(beta)])
        else:
            e = h + np.array([-sgn * 0.9 * 2 * xo * _u(rng, 0.9, 1.0), 0, -_u(rng, 0.0, 0.004)])
            tip = e + 0.6 * ear * np.array([-sgn * math.cos(beta), 0, -math.sin(beta)])
        temples.append(_capsule(h, e, rt))
        temples.append(_capsule(e, tip, rt))
    return {"frame": frame, "lenses": lenses, "temples": temples}


# ============================================================================ headphones
@_category(
    "headphones",
    ("headband", "earcups"),
    (0.15, 0.23),
    "over-ear, on-ear or studio headphones: arched (padded) headband, sliders or yokes, cushioned cups",
)
def _headphones(rng, L):
    """x from ear to ear, z up; the band arches in the xz plane."""
    k = L / 0.19  # size of this object relative to a typical one
    style = _pick(rng, ["over_ear", "on_ear", "studio"], [0.45, 0.3, 0.25])
    R = k * _u(rng, 0.068, 0.085)
    tb = k * _u(rng, 0.005, 0.01)
    wb = k * _u(rng, 0.011, 0.02)
    delta = _u(rng, -0.08, 0.2)
    band: list[Primitive] = [
        _extrude(_annular_sector(R, R + tb, -delta, PI + delta, 20), wb, _XZ, rounding=min(0.002, 0.4 * tb))
    ]
    if rng.random() < 0.5:  # padding under the band
        pad = k * _u(rng, 0.004, 0.008)
        band.append(
            _extrude(
                _annular_sector(R - pad, R + 0.001, 0.55, PI - 0.55, 14), 0.8 * wb, _XZ, rounding=min(0.003, 0.45 * pad)
            )
        )
    cups: list[Primitive] = []
    if style == "over_ear":
        ay = k * _u(rng, 0.032, 0.042)
        az = ay * _u(rng, 1.1, 1.35)
        outline = _ellipse(ay, az, 28, p=_u(rng, 2.0, 3.0))
        hc = k * _u(rng, 0.012, 0.018)
    else:
        rc = k * _u(rng, 0.028, 0.036) if style == "on_ear" else k * _u(rng, 0.036, 0.044)
        ay = az = rc
        hc = k * _u(rng, 0.01, 0.014)
    hcu = k * _u(rng, 0.006, 0.009)
    ls = k * _u(rng, 0.015, 0.035)
    for sgn in (1.0, -1.0):
        ex = sgn * (R + tb / 2) * math.cos(delta)
        ez = -(R + tb / 2) * math.sin(delta)
        xc = ex - sgn * 0.3 * hc
        if style == "studio":
            ry = k * _u(rng, 0.003, 0.0045)
            Ry = rc + 0.5 * ry
            zc = ez - ls - Ry
            band.append(
                Box((0.5 * tb + 0.001, k * _u(rng, 0.005, 0.008), 0.5 * ls + 0.003), 0.001, pos=(ex, 0, ez - 0.5 * ls))
            )
            band.append(_tube_arc((xc, 0, zc), Ry, ry, PI / 2 - 0.55 * PI, PI / 2 + 0.55 * PI, _YZ))
        else:
            zc = ez - ls - az + 0.004
            band.append(
                Box((0.5 * tb + 0.001, k * _u(rng, 0.005, 0.008), 0.5 * ls + 0.004), 0.001, pos=(ex, 0, ez - 0.5 * ls))
            )
        inward = np.array([-sgn, 0, 0])
        c = np.array([xc, 0, zc])
        if style == "over_ear":
            cups.append(_extrude(outline, hc, _YZ, c, rounding=min(0.9 * hc, k * _u(rng, 0.006, 0.01))))
            cups.append(_extrude(outline * 1.02, hcu, _YZ, c + inward * (hc + 0.7 * hcu), rounding=0.9 * hcu))
        else:
            cups.append(_cylinder(c - inward * hc, c + inward * hc, rc, min(0.9 * hc, 0.005)))
            cu = c + inward * (hc + 0.7 * hcu)
            cups.append(_cylinder(cu - inward * hcu, cu + inward * hcu, rc * 1.03, 0.9 * hcu))
    return {"headband": band, "earcups": cups}


# ============================================================================ flashlight
@_category(
    "flashlight",
    ("body", "head", "switch"),
    (0.10, 0.30),
    "flashlight: tactical, penlight, Maglite-style or lantern torch; side, slide or tail switch",
)
def _flashlight(rng, L):
    """Along z: tail at 0, lens at z = L."""
    if L < 0.17:
        style = _pick(rng, ["tactical", "penlight"], [0.65, 0.35])
    else:
        style = _pick(rng, ["maglite", "tactical", "torch"], [0.45, 0.3, 0.25])
    if style == "tactical":
        rb = _u(rng, 0.0105, 0.0135)
        rh, lh = rb * _u(rng, 1.2, 1.55), _u(rng, 0.025, 0.04)
    elif style == "penlight":
        rb = _u(rng, 0.006, 0.0075)
        rh, lh = rb * _u(rng, 1.0, 1.12), _u(rng, 0.02, 0.03)
    elif style == "maglite":
        rb = _u(rng, 0.016, 0.02)
        rh, lh = rb * _u(rng, 1.35, 1.7), _u(rng, 0.05, 0.07)
    else:
        rb = _u(rng, 0.014, 0.018)
        rh, lh = _u(rng, 0.03, 0.04), _u(rng, 0.05, 0.07)
    rh = max(rh, rb + 0.0008)
    z0 = L - lh
    r_tail = rb * _u(rng, 1.0, 1.1)
    lt = _u(rng, 0.015, 0.025)
    c = 0.0015
    prof = [(0, 0), (r_tail - c, 0), (r_tail, c), (r_tail, lt), (rb, lt + 0.002), (rb, z0 + 0.004), (0, z0 + 0.004)]
    body = [_lathe(_dedupe2(np.asarray(prof)))]
    fl = lh * _u(rng, 0.3, 0.6) if rh > 1.15 * rb else 0.003
    head_prof = [
        (0, z0 - 0.003),
        (rb - 0.0005, z0 - 0.003),
        (rb + 0.0008, z0),
        (rh, z0 + fl),
        (rh, L - 0.002),
        (rh - 0.002, L),
        (0, L),
    ]
    head = [_lathe(head_prof)]
    kind = _pick(rng, ["side", "slide", "tail"], [0.45, 0.2, 0.35])
    if kind == "tail":
        rs = r_tail * _u(rng, 0.45, 0.65)
        switch = [Cylinder(rs, 0.003, 0.001, pos=(0, 0, 0.003 - _u(rng, 0.002, 0.004)))]
    else:
        zs = z0 - _u(rng, 0.01, 0.03) if style != "torch" else z0 + fl + 0.3 * (lh - fl)
        r_local = rb if style != "torch" else rh
        if kind == "side":
            rs = _u(rng, 0.0035, 0.0055)
            switch = [_cylinder((r_local - 0.002, 0, zs), (r_local + _u(rng, 0.0015, 0.003), 0, zs), rs, 0.001)]
        else:
            hzs = _u(rng, 0.006, 0.01)
            switch = [Box((0.003, _u(rng, 0.003, 0.0045), hzs), 0.0012, pos=(r_local + 0.0005, 0, zs))]
    return {"body": body, "head": head, "switch": switch}


# ============================================================================ game controller
@_category(
    "gamecontroller",
    ("body", "grips", "buttons"),
    (0.12, 0.17),
    "gamepad: Xbox-style (offset sticks), PlayStation-style (symmetric sticks) or retro pad",
)
def _gamecontroller(rng, L):
    """Body in the xy plane (x across, +y away from the player), buttons on the +z face."""
    k = L / 0.15  # size of this object relative to a typical one
    style = _pick(rng, ["xbox", "ps", "retro"], [0.4, 0.4, 0.2])
    W = k * _u(rng, 0.13, 0.155) if style != "retro" else k * _u(rng, 0.11, 0.13)
    rl = k * _u(rng, 0.026, 0.032) if style != "retro" else k * _u(rng, 0.022, 0.027)
    xl, yl = W / 2 - rl, k * _u(rng, -0.004, 0.004)
    cs = manifold3d.CrossSection.square((2 * W * _u(rng, 0.22, 0.28), 2 * k * _u(rng, 0.022, 0.028)), True)
    for sgn in (1, -1):
        cs = cs + manifold3d.CrossSection.circle(rl, 28).translate((sgn * xl, yl))
    jt = manifold3d.JoinType.Round
    outline = _largest(cs.offset(0.008, jt, 2.0, 16).offset(-0.008, jt, 2.0, 16), tolerance=2e-4)
    hb = k * _u(rng, 0.011, 0.015) if style != "retro" else k * _u(rng, 0.007, 0.01)
    rounding = hb * _u(rng, 0.4, 0.6)
    body = [_extrude(outline, hb, _XY, rounding=rounding)]
    grips: list[Primitive] = []
    for sgn in (1, -1):
        if style == "retro":
            grips.append(Ellipsoid((0.8 * rl, 0.8 * rl, 1.2 * hb), pos=(sgn * xl, yl - 0.006, -0.5 * hb)))
        else:
            rg = k * _u(rng, 0.015, 0.019)
            a = (sgn * xl, yl - 0.005, -0.3 * hb)
            b = (sgn * (xl + k * _u(rng, 0.004, 0.014)), yl - k * _u(rng, 0.04, 0.055), -hb * _u(rng, 0.4, 0.9))
            grips.append(_capsule(a, b, rg))
    buttons: list[Primitive] = []
    hp = k * _u(rng, 0.002, 0.004)
    rbt = k * _u(rng, 0.0032, 0.0042)
    s = k * _u(rng, 0.0075, 0.0095)
    n_face = 4 if style != "retro" or rng.random() < 0.5 else 2
    offs = [(0, s), (s, 0), (0, -s), (-s, 0)] if n_face == 4 else [(0.6 * s, 0.4 * s), (-0.6 * s, -0.4 * s)]
    for dx, dy in offs:
        buttons.append(Cylinder(rbt, 0.5 * hp + 0.0025, 0.0008, pos=(xl + dx, yl + dy, hb + 0.5 * hp - 0.0025)))
    aw, al = k * _u(rng, 0.0033, 0.0042), k * _u(rng, 0.0095, 0.012)
    cross = [
        (al, -aw),
        (al, aw),
        (aw, aw),
        (aw, al),
        (-aw, al),
        (-aw, aw),
        (-al, aw),
        (-al, -aw),
        (-aw, -aw),
        (-aw, -al),
        (aw, -al),
        (aw, -aw),
    ]
    dpad_at = (-xl, yl) if style != "xbox" else (-0.45 * xl, yl - 0.015 * k)
    dpad = np.asarray(cross) + np.asarray(dpad_at)
    buttons.append(_extrude(dpad, 0.5 * hp + 0.0025, _XY, (0, 0, hb + 0.5 * hp - 0.0025), 0.0008))
    if style != "retro":
        rs = k * _u(rng, 0.0085, 0.0105)
        stick = [
            (0, -0.005),
            (0.005, -0.005),
            (0.005, 0.007),
            (rs, 0.008),
            (rs, 0.0115),
            (rs - 0.002, 0.013),
            (0, 0.013),
        ]
        spots = (
            [(-xl, yl), (0.45 * xl, yl - 0.015 * k)]
            if style == "xbox"
            else [(-0.42 * xl, yl - 0.015 * k), (0.42 * xl, yl - 0.015 * k)]
        )
        for x, y in spots:
            buttons.append(_lathe(stick, (x, y, hb)))
        for sgn in (1, -1):
            buttons.append(Box((0.013, 0.004, 0.0045), 0.002, pos=(sgn * xl, yl + rl - 0.002, 0.25 * hb)))
    else:  # select / start
        for sgn in (1, -1):
            c = np.array([sgn * 0.009, yl - 0.002, hb + 0.0005])
            buttons.append(_capsule(c - (0.003, -0.002, 0), c + (0.003, -0.002, 0), 0.0022))
    return {"body": body, "grips": grips, "buttons": buttons}


# ============================================================================ mouse
@_category(
    "mouse",
    ("body", "buttons"),
    (0.09, 0.135),
    "computer mouse: flat base, palm hump and a button shell with scroll wheel, optional side buttons",
)
def _mouse(rng, L):
    """Length along y (front at +y), x across, flat bottom at z = 0."""
    W = L * _u(rng, 0.5, 0.64)
    hs = _u(rng, 0.014, 0.019)
    body: list[Primitive] = [
        _extrude(_ellipse(W / 2, L / 2, 40), hs / 2, _XY, (0, 0, hs / 2), rounding=min(0.45 * hs, 0.004))
    ]

    def dome(ry, yc):
        """Largest x radius of an ellipse (rx, ry) centred at (0, yc) inside the base outline."""
        t = np.linspace(0, 2 * PI, 181)
        y = yc + ry * np.sin(t)
        room = (W / 2 - 0.0012) * np.sqrt(np.clip(1 - (2 * y / L) ** 2, 0, None))
        c = np.abs(np.cos(t))
        return float(np.min(room[c > 0.05] / c[c > 0.05]))

    # palm hump (back) and button shell (front): two domes meeting in a shallow seam
    ryb = L * _u(rng, 0.34, 0.42)
    yb = -L / 2 + ryb + 0.0015
    rzb = (hs - 0.001) * _u(rng, 0.8, 1.0)
    zc = hs - 0.0006  # dome centres just below the top of the base (no coincident rings)
    rxb = dome(ryb, yb)
    body.append(Ellipsoid((rxb, ryb, rzb), pos=(0, yb, zc)))
    if rng.random() < 0.3:  # thumb rest flare on the left
        body.append(Ellipsoid((0.008, 0.45 * ryb, 0.45 * hs), pos=(-W / 2 + 0.004, yb, 0.55 * hs)))
    ryf = L * _u(rng, 0.34, 0.42)
    yf = L / 2 - ryf - 0.0015
    rzf = rzb * _u(rng, 0.7, 0.9)
    rxf = dome(ryf, yf)
    buttons: list[Primitive] = [Ellipsoid((rxf, ryf, rzf), pos=(0, yf, zc))]
    rw = _u(rng, 0.008, 0.0105)
    yw = yf - ryf * _u(rng, 0.05, 0.3)
    zs = zc + rzf * math.sqrt(max(0.0, 1 - ((yw - yf) / ryf) ** 2))
    buttons.append(
        Cylinder(
            rw,
            _u(rng, 0.0032, 0.0045),
            0.0012,
            pos=(0, yw, zs + _u(rng, 0.0015, 0.0028) - rw),
            quat=_q(_z_to((1, 0, 0))),
        )
    )
    if rng.random() < 0.5:  # two thumb buttons on the left side of the hump
        zb = zc + 0.3 * rzb
        for y in (yb + 0.3 * ryb, yb + 0.6 * ryb):
            xs = rxb * math.sqrt(max(0.0, 1 - 0.09 - ((y - yb) / ryb) ** 2))
            buttons.append(_capsule((-(xs - 0.0006), y - 0.005, zb), (-(xs - 0.0006), y + 0.005, zb), 0.0022))
    return {"body": body, "buttons": buttons}


# ============================================================================ pen
@_category(
    "pen",
    ("body", "tip", "cap"),
    (0.12, 0.16),
    "pen: click ballpoint (top cap with clip), capped pen with posted cap (round or hexagonal), marker",
)
def _pen(rng, L):
    """Along z: writing tip at 0, cap at the top (z = L)."""
    style = _pick(rng, ["click", "capped", "marker"], [0.45, 0.35, 0.2])
    rb = _u(rng, 0.0042, 0.0055) if style != "marker" else _u(rng, 0.0065, 0.009)
    lt = _u(rng, 0.012, 0.02)
    if style == "marker":
        tip = [
            _lathe(
                [
                    (0, 0),
                    (0.0015, 0),
                    (0.0022, 0.0015),
                    (0.0025, 0.006),
                    (0.6 * rb, 0.009),
                    (0.75 * rb, lt),
                    (0.75 * rb, lt + 0.004),
                    (0, lt + 0.004),
                ]
            )
        ]
    else:
        tip = [_lathe([(0, 0), (0.001, 0), (0.0013, 0.002), (0.85 * rb, lt), (0.85 * rb, lt + 0.004), (0, lt + 0.004)])]
    lc = _u(rng, 0.03, 0.045) if style == "click" else _u(rng, 0.045, 0.06)
    zc0 = L - lc
    hexagonal = style == "capped" and rng.random() < 0.5
    if hexagonal:
        rh = rb / math.cos(PI / 6)
        hexagon = _arc2(0, 0, rh, PI / 6, PI / 6 + 2 * PI, 6)[:-1]
        z1 = zc0 + 0.6 * lc
        body = [_extrude(hexagon, 0.5 * (z1 - lt), _XY, (0, 0, 0.5 * (z1 + lt)), rounding=0.0008)]
        r_out = rh
    else:
        rg, lg = rb * _u(rng, 0.95, 1.12), _u(rng, 0.02, 0.035)
        z1 = zc0 + 0.004 if style == "click" else zc0 + 0.6 * lc
        prof = [(0, lt), (0.88 * rb, lt), (rg, lt + 0.004), (rg, lt + lg), (rb, lt + lg + 0.004), (rb, z1), (0, z1)]
        body = [_lathe(_dedupe2(np.asarray(prof)))]
        r_out = max(rb, rg)
    cap: list[Primitive] = []
    if style == "click":
        lp = _u(rng, 0.004, 0.008)
        rcap = rb * _u(rng, 1.0, 1.06) + 0.0006
        cap.append(_lathe([(0, zc0), (rcap, zc0), (rcap, L - lp - 0.002), (0.8 * rcap, L - lp), (0, L - lp)]))
        cap.append(Cylinder(_u(rng, 0.0022, 0.003), 0.5 * lp + 0.001, 0.0008, pos=(0, 0, L - 0.5 * lp - 0.001)))
        clip_top = L - lp - 0.003
    else:
        rcap = r_out + 0.0012
        cap.append(Cylinder(rcap, 0.5 * lc, 0.0015, pos=(0, 0, L - 0.5 * lc)))
        clip_top = L - 0.003
    if style != "marker" or rng.random() < 0.7:
        lclip = min(_u(rng, 0.03, 0.045), clip_top - zc0 + 0.02)
        hw = _u(rng, 0.0016, 0.0025)
        xc = rcap + 0.0008 + 0.0011
        cap.append(Box((0.0011, hw, lclip / 2), 0.0005, pos=(xc, 0, clip_top - lclip / 2)))
        cap.append(
            Box((0.5 * (xc - rcap) + 0.0016, hw, 0.003), 0.0005, pos=(0.5 * (xc + rcap) - 0.0005, 0, clip_top - 0.003))
        )
    return {"body": body, "tip": tip, "cap": cap}


# ============================================================================ phone
@_category(
    "phone",
    ("body", "screen", "buttons"),
    (0.11, 0.17),
    "smartphone: modern edge-to-edge slab, classic with bezels and home button, or rugged with bumpers",
)
def _phone(rng, L):
    """Long side along y, x across, screen on the +z face."""
    style = _pick(rng, ["modern", "classic", "rugged"], [0.55, 0.25, 0.2])
    if style == "modern":
        W, T, rc = L * _u(rng, 0.44, 0.5), _u(rng, 0.0072, 0.0095), _u(rng, 0.006, 0.011)
    elif style == "classic":
        W, T, rc = L * _u(rng, 0.46, 0.52), _u(rng, 0.008, 0.011), _u(rng, 0.006, 0.01)
    else:
        W, T, rc = L * _u(rng, 0.48, 0.55), _u(rng, 0.012, 0.016), _u(rng, 0.008, 0.012)
    re = min(0.45 * T, _u(rng, 0.002, 0.0035))
    body: list[Primitive] = [_extrude(_rounded_rect(W, L, rc), T / 2, _XY, rounding=re)]
    if style == "modern":
        bezel_x = re + _u(rng, 0.0004, 0.0015)
        bezel_top = bezel_bot = bezel_x
    elif style == "classic":
        bezel_x = re + _u(rng, 0.002, 0.004)
        bezel_top, bezel_bot = _u(rng, 0.012, 0.018), _u(rng, 0.012, 0.018)
    else:
        bezel_x = re + _u(rng, 0.004, 0.007)
        bezel_top = bezel_bot = bezel_x + _u(rng, 0.0, 0.006)
    sw, sh = W - 2 * bezel_x, L - bezel_top - bezel_bot
    scr = _rounded_rect(sw, sh, max(0.001, rc - bezel_x), 0.0, 0.5 * (bezel_bot - bezel_top))
    screen = [_extrude(scr, 0.0008, _XY, (0, 0, T / 2 - 0.0004))]
    if style == "modern" and rng.random() < 0.7:
        hx, hy = _u(rng, 0.008, 0.018), _u(rng, 0.008, 0.02)
        body.append(
            Box((hx, hy, 0.0012), 0.001, pos=(-W / 2 + re + hx + 0.004, L / 2 - re - hy - 0.004, -T / 2 - 0.0006))
        )
    if style == "rugged":
        rr = 0.5 * T + 0.0008  # corner bumpers, about 1.5 mm proud of the sides
        d = math.sqrt(0.5) * max(rc - rr, 0.0)
        for sx in (1, -1):
            for sy in (1, -1):
                at = (sx * (W / 2 - rc + d + rr - 0.0015), sy * (L / 2 - rc + d + rr - 0.0015), 0)
                body.append(Sphere(rr, pos=at))
    buttons: list[Primitive] = []
    r = _u(rng, 0.0012, 0.0016)
    x = W / 2 - r + 0.001
    y = L * _u(rng, 0.1, 0.25)
    hl = _u(rng, 0.004, 0.008)
    buttons.append(_capsule((x, y - hl, 0), (x, y + hl, 0), r))
    y = L * _u(rng, 0.15, 0.3)
    if rng.random() < 0.5:
        hl = _u(rng, 0.008, 0.015)
        buttons.append(_capsule((-x, y - hl, 0), (-x, y + hl, 0), r))
    else:
        hl = _u(rng, 0.004, 0.006)
        for dy in (0.0, -2 * hl - 0.004):
            buttons.append(_capsule((-x, y + dy - hl, 0), (-x, y + dy + hl, 0), r))
    if style == "classic":
        home = (0, -L / 2 + bezel_bot / 2, T / 2 - 0.0008)
        buttons.append(Cylinder(_u(rng, 0.0045, 0.0055), 0.0012, 0.0005, pos=home))
    return {"body": body, "screen": screen, "buttons": buttons}


# ============================================================================ power drill
@_category(
    "power_drill",
    ("body", "handle", "trigger", "chuck"),
    (0.15, 0.30),
    "power drill: round or boxy motor housing, pistol or mid handle (battery pack or corded foot), chuck and bit",
)
def _power_drill(rng, L):
    """Chuck towards +x, handle down (-z); the motor axis is the x axis."""
    k = L / 0.22  # size of this object relative to a typical one
    rb, lb = k * _u(rng, 0.026, 0.036), k * _u(rng, 0.13, 0.17)
    rn = rb * _u(rng, 0.6, 0.8)
    body: list[Primitive] = []
    if rng.random() < 0.6:
        prof = [(0, 0), (0.6 * rb, 0), (0.9 * rb, 0.012), (rb, 0.03), (rb, 0.6 * lb), (rn, 0.8 * lb), (rn, lb), (0, lb)]
        body.append(_lathe(prof, (0, 0, 0), (1, 0, 0)))
    else:
        side = [(0, -rb), (0.8 * lb, -rb), (lb, -rn), (lb, rn), (0.75 * lb, rb), (0.05 * lb, 1.1 * rb), (0, 0.6 * rb)]
        side = _round_corners(side, 0.008)
        body.append(_extrude(side, 0.85 * rb, _XZ, rounding=min(0.01, 0.8 * rb)))
    handle: list[Primitive] = []
    gw = k * _u(rng, 0.03, 0.038)
    hg = k * _u(rng, 0.08, 0.11)
    gamma = math.radians(_u(rng, 4, 20))
    xh = lb * _u(rng, 0.35, 0.58)
    zt, zb = -0.6 * rb, -rb - hg
    back = math.tan(gamma) * (zt - zb)
    grip = [(xh - gw, zt), (xh, zt), (xh - back, zb), (xh - back - gw, zb)]
    grip = _round_corners(grip, 0.006)
    hy = k * _u(rng, 0.014, 0.018)
    handle.append(_extrude(grip, hy, _XZ, rounding=min(0.008, 0.9 * hy)))
    xm = xh - back - gw / 2
    if rng.random() < 0.7:  # battery pack
        bx, by, bz = k * _u(rng, 0.04, 0.055), k * _u(rng, 0.03, 0.038), k * _u(rng, 0.018, 0.028)
        handle.append(Box((bx, by, bz), 0.006, pos=(xm + _u(rng, -0.008, 0.012), 0, zb - bz + 0.006)))
    else:  # corded foot and strain relief
        handle.append(Box((0.8 * gw, hy * 1.1, 0.01), 0.005, pos=(xm, 0, zb - 0.004)))
        handle.append(_capsule((xm - 0.5 * gw, 0, zb - 0.006), (xm - 0.5 * gw - 0.03, 0, zb - 0.02), 0.0055))
    tx, ty, tz = k * _u(rng, 0.006, 0.009), k * _u(rng, 0.005, 0.007), k * _u(rng, 0.01, 0.013)
    z_tr = -rb - 0.012 - tz
    x_front = xh - math.tan(gamma) * (zt - z_tr)
    trigger = [Box((tx, ty, tz), 0.003, pos=(x_front + 0.6 * tx, 0, z_tr), quat=_q(_rot((0, 1, 0), -gamma)))]
    rc, lc = k * _u(rng, 0.014, 0.02), k * _u(rng, 0.035, 0.055)
    rc = min(rc, rn * 0.9)  # a visible step between the nose and the chuck
    prof = [
        (0, 0),
        (0.9 * rc, 0),
        (rc, 0.006),
        (rc, 0.6 * lc),
        (0.7 * rc, lc - 0.002),
        (0.65 * rc - 0.002, lc),
        (0, lc),
    ]
    chuck: list[Primitive] = [_lathe(prof, (lb - 0.004, 0, 0), (1, 0, 0))]
    if rng.random() < 0.6:
        x0 = lb - 0.004 + lc - 0.004
        chuck.append(_cylinder((x0, 0, 0), (x0 + k * _u(rng, 0.03, 0.07), 0, 0), k * _u(rng, 0.0026, 0.0038)))
    return {"body": body, "handle": handle, "trigger": trigger, "chuck": chuck}


# ============================================================================ stapler
@_category(
    "stapler",
    ("top", "base"),
    (0.10, 0.22),
    "stapler: desktop, compact or heavy-duty; hinged top arm over a base plate",
)
def _stapler(rng, L):
    """Length along x (back hinge at 0, front at +x), z up."""
    if L < 0.14:
        style = _pick(rng, ["compact", "desktop"], [0.7, 0.3])
    else:
        style = _pick(rng, ["desktop", "heavy"], [0.7, 0.3])
    W = _u(rng, 0.032, 0.045) if style != "heavy" else _u(rng, 0.045, 0.055)
    tb = _u(rng, 0.006, 0.011)
    base_fp = _round_corners(np.array([[0, -W / 2], [L, -W / 2], [L, W / 2], [0, W / 2]]), W * _u(rng, 0.15, 0.45))
    base: list[Primitive] = [_extrude(base_fp, tb / 2, _XY, (0, 0, tb / 2), rounding=min(0.45 * tb, 0.003))]
    rh = _u(rng, 0.006, 0.009)
    xh = _u(rng, 0.012, 0.02)
    base.append(Cylinder(rh, W / 2 * 0.8, 0.0015, pos=(xh, 0, tb + 0.6 * rh), quat=_q(_z_to((0, 1, 0)))))
    H = {"desktop": _u(rng, 0.04, 0.06), "compact": _u(rng, 0.03, 0.04), "heavy": _u(rng, 0.06, 0.085)}[style]
    H = H * L / (0.17 if style != "compact" else 0.12)
    gap = _u(rng, 0.0015, 0.006)
    Lt = L * _u(rng, 0.88, 0.98)
    Tb = _u(rng, 0.012, 0.02)
    s = np.linspace(0.0, 1.0, 16)
    xs = 0.002 + s * (Lt - 0.002)
    zbot = np.full_like(s, tb + gap)
    if style == "desktop" and rng.random() < 0.5:  # front striker resting on the anvil
        zbot = np.where(s > 0.9, tb - 0.001, zbot)
    prof_kind = _pick(rng, ["hump", "flat", "rising"]) if style != "heavy" else "rising"
    if prof_kind == "hump":
        shape = np.sin(PI * np.clip(s, 0, 1) ** _u(rng, 0.6, 1.0)) ** 0.6
    elif prof_kind == "flat":
        shape = np.clip(s / _u(rng, 0.15, 0.3), 0, 1)
    else:
        shape = s ** _u(rng, 0.5, 0.9)
    ztop = tb + gap + Tb + (H - tb - gap - Tb) * shape
    poly = np.concatenate([np.column_stack([xs, zbot]), np.column_stack([xs[::-1], ztop[::-1]])])
    poly = _round_corners(_dedupe2(poly), min(0.008, 0.3 * Tb))
    hy = W / 2 * _u(rng, 0.7, 0.95)
    top = [_extrude(poly, hy, _XZ, rounding=min(_u(rng, 0.003, 0.006), 0.9 * hy))]
    return {"top": top, "base": base}
