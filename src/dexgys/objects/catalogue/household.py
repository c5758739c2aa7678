"""Household catalogue categories: fruit, vessels, bottles, dispensers, kitchenware, bulbs, brushes.

Seventeen OakInk categories built from exact-SDF primitives: apple, banana, bottle, bowl, can, cup,
cylinder_bottle, donut, fryingpan, lightbulb, lotion_pump, mug, squeezable, teapot, trigger_sprayer,
wineglass, toothbrush. Every builder takes the category's ``numpy.random.Generator`` and nothing else,
builds in a frame whose +z is the object's natural "up" (centring happens in
:meth:`PrimitiveObject.from_parts`) and varies proportions, profile curvature, handle and feature
styles, not only the overall scale.

Conventions used below:

* Revolved profiles are ``(r, z)`` polygons. Vessels (mug, cup, bowl, pan, wineglass bowl) are made
  by :func:`_hollow_lathe`: the outer silhouette minus its inward offset by the wall thickness (so the
  wall is uniformly thick however the profile curves) above a floor, with rounded rims.
* Side handles lie in the xz plane on the +x side of the body and end a little inside the wall, so
  the union is one connected solid but nothing pokes into a vessel's cavity.
* Every feature is at least ~2 mm thick and every part overlaps the part it is attached to.
"""

from __future__ import annotations

import math

import manifold3d
import numpy as np
from scipy.interpolate import PchipInterpolator
from scipy.spatial.transform import Rotation

from dexgys.geometry.primitives import Box, Capsule, Cylinder, Ellipsoid, Sphere
from dexgys.geometry.swept_solids import Extrusion, Lathe, Torus
from dexgys.objects.catalogue import register_category
from dexgys.objects.primitive_object import Part

__all__: list[str] = []

_BIG = 10.0  # metres: half-planes for profile clipping
_ROUND = manifold3d.JoinType.Round
Q_X90 = (math.cos(math.pi / 4), math.sin(math.pi / 4), 0.0, 0.0)  # local xy plane -> object xz plane
Q_Y90 = (math.cos(math.pi / 4), 0.0, math.sin(math.pi / 4), 0.0)  # local +z -> object +x


# =========================================================================================== helpers
def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _pick(rng: np.random.Generator, options, p=None):
    return options[int(rng.choice(len(options), p=p))]


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


def _quat_frame(x_axis, y_axis) -> tuple[float, float, float, float]:
    """Quaternion (w, x, y, z) of the rotation taking local x, y to ``x_axis``, ``y_axis`` (orthonormalised)."""
    x = _unit(x_axis)
    y = np.asarray(y_axis, dtype=np.float64)
    y = _unit(y - x * float(x @ y))
    q = Rotation.from_matrix(np.column_stack([x, y, np.cross(x, y)])).as_quat()
    return (float(q[3]), float(q[0]), float(q[1]), float(q[2]))


def _quat_z_to(direction) -> tuple[float, float, float, float]:
    """A rotation taking local +z to ``direction`` (the roll about it is arbitrary)."""
    d = _unit(direction)
    helper = np.array([0.0, 1.0, 0.0]) if abs(d[1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    x = _unit(np.cross(helper, d))
    return _quat_frame(x, np.cross(d, x))


def _quat_axis_angle(axis, angle: float) -> tuple[float, float, float, float]:
    a = _unit(axis) * math.sin(angle / 2)
    return (math.cos(angle / 2), float(a[0]), float(a[1]), float(a[2]))


def _capsule(a, b, radius: float) -> Capsule:
    """Capsule of ``radius`` whose segment runs from point ``a`` to point ``b``."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return Capsule(radius, float(np.linalg.norm(b - a)) / 2, pos=tuple((a + b) / 2), quat=_quat_z_to(b - a))


def _round_cone(a, b, ra: float, rb: float, n_arc: int = 10) -> Lathe:
    """Convex hull of the spheres of radius ``ra`` at ``a`` and ``rb`` at ``b`` (a capsule with a taper)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    length = float(np.linalg.norm(b - a))
    phi = math.asin(max(-0.99, min(0.99, (ra - rb) / length)))  # tilt of the tangent line's normal
    lower = [(ra * math.cos(t), ra * math.sin(t)) for t in np.linspace(-math.pi / 2, phi, n_arc)]
    upper = [(rb * math.cos(t), length + rb * math.sin(t)) for t in np.linspace(phi, math.pi / 2, n_arc)]
    profile = np.asarray(lower + upper)
    profile[0, 0] = profile[-1, 0] = 0.0
    return Lathe(profile, pos=tuple(a), quat=_quat_z_to(b - a))


def _chain(points, radii) -> list[Capsule]:
    """Capsules joining consecutive ``points``; segment i has radius ``radii[i]`` (or one radius)."""
    radii = np.broadcast_to(np.asarray(radii, dtype=np.float64), (len(points) - 1,))
    return [_capsule(points[i], points[i + 1], float(radii[i])) for i in range(len(points) - 1)]


def _flat_bar(a, b, half_inplane: float, half_width: float, rounding: float, extend: float) -> Box:
    """Rounded box from ``a`` to ``b`` (points in the xz plane), ``half_width`` along y, extended at both ends."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    s = _unit(b - a)
    perp = np.array([s[2], 0.0, -s[0]])  # perp x (0, 1, 0) = s
    half_len = float(np.linalg.norm(b - a)) / 2 + extend
    return Box(
        (half_inplane, half_width, half_len), rounding, pos=tuple((a + b) / 2), quat=_quat_frame(perp, (0, 1, 0))
    )


def _segs(radius: float, tol: float = 1e-4) -> int:
    """Segments per full circle for offset arcs of ``radius`` (chord error ``tol``)."""
    if radius <= tol:
        return 8
    return int(min(256, max(8, math.ceil(2 * math.pi / (2 * math.acos(1 - tol / radius))))))


def _ccw(poly: np.ndarray) -> np.ndarray:
    x, y = poly[:, 0], poly[:, 1]
    area = 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))
    return poly if area > 0 else poly[::-1].copy()


def _cs(poly) -> manifold3d.CrossSection:
    return manifold3d.CrossSection([np.ascontiguousarray(_ccw(np.asarray(poly, dtype=np.float64)))])


def _full(half) -> manifold3d.CrossSection:
    """Symmetric silhouette (both signs of r) of a half profile ``(N, 2)`` whose axis edges lie on r = 0."""
    half = np.asarray(half, dtype=np.float64)
    return _cs(half) + _cs(np.column_stack([-half[:, 0], half[:, 1]]))


def _zband(lo: float = -_BIG, hi: float = _BIG) -> manifold3d.CrossSection:
    return manifold3d.CrossSection.square((2 * _BIG, hi - lo)).translate((-_BIG, lo))


def _offset(cs: manifold3d.CrossSection, delta: float) -> manifold3d.CrossSection:
    return cs.offset(delta, _ROUND, 2.0, _segs(abs(delta)))


def _rounded(cs: manifold3d.CrossSection, convex: float = 0.0, concave: float = 0.0) -> manifold3d.CrossSection:
    """Round convex corners (opening) and/or concave corners (closing) of a cross-section."""
    if convex > 0:
        cs = _offset(_offset(cs, -convex), convex)
    if concave > 0:
        cs = _offset(_offset(cs, concave), -concave)
    return cs


def _half_profile(full: manifold3d.CrossSection) -> np.ndarray:
    """The r >= 0 half of a symmetric silhouette as one ``(N, 2)`` profile polygon."""
    half = (full ^ manifold3d.CrossSection.square((_BIG, 2 * _BIG)).translate((0.0, -_BIG))).simplify(2e-5)
    polys = half.to_polygons()
    if len(polys) != 1:
        raise RuntimeError(f"revolved profile came out in {len(polys)} pieces")
    p = np.asarray(polys[0], dtype=np.float64)
    p[:, 0] = np.where(p[:, 0] < 1e-7, 0.0, p[:, 0])
    return p


def _lathe(half, convex: float = 0.0, concave: float = 0.0, **pose) -> Lathe:
    """Solid of revolution of a half profile (axis edges on r = 0), optionally with rounded corners."""
    if convex <= 0 and concave <= 0:
        return Lathe(np.asarray(half, dtype=np.float64), **pose)
    return Lathe(_half_profile(_rounded(_full(half), convex, concave)), **pose)


def _hollow_lathe(outer, wall: float, floor: float, fillet: float = 0.0, **pose) -> Lathe:
    """A vessel: the solid under the ``outer`` curve minus its cavity, open at the top.

    ``outer`` ``(N, 2)``: (r, z) points from the axis at the bottom, ``(0, z0)``, along the outside up
    to the rim ``(r_rim, z_rim)`` (the highest point). The wall is ``wall`` thick measured along the
    normal, the cavity's bottom is at ``z0 + floor`` (its corners filleted by ``fillet``); the rim and
    outer corners are rounded.
    """
    outer = np.asarray(outer, dtype=np.float64)
    r_rim, z_rim = outer[-1]
    z0 = float(outer[:, 1].min())
    extended = np.vstack([outer, [[r_rim, z_rim + 1.0], [0.0, z_rim + 1.0]]])
    silhouette = _full(extended)
    cavity = _offset(silhouette, -wall) ^ _zband(z0 + floor, _BIG)
    if fillet > 0:
        cavity = _rounded(cavity, convex=fillet)
    solid = (silhouette ^ _zband(-_BIG, z_rim)) - cavity
    return Lathe(_half_profile(_rounded(solid, convex=0.45 * wall)), **pose)


def _curve(z_ctrl, r_ctrl, z) -> np.ndarray:
    """Shape-preserving (no overshoot) interpolation r(z) through control points."""
    return PchipInterpolator(np.asarray(z_ctrl, dtype=np.float64), np.asarray(r_ctrl, dtype=np.float64))(z)


def _side_handle(rng, w1, w2, tube: float, reach: float, style: str) -> list:
    """A handle in the xz plane from attachment point ``w1`` to ``w2`` bulging towards +x by ``reach``.

    Styles: ``ring`` (a circular arc, Torus), ``loop`` (a superellipse from oval to D-shaped, capsule
    chain, possibly lopsided), ``angular`` (three flat bars with square corners).
    """
    w1, w2 = np.asarray(w1, dtype=np.float64), np.asarray(w2, dtype=np.float64)
    chord = w2 - w1
    length = float(np.linalg.norm(chord))
    c = chord / length
    n = np.array([c[2], 0.0, -c[0]])  # in-plane normal of the chord, towards +x for an upward chord
    n = n if n[0] >= 0 else -n
    mid = (w1 + w2) / 2
    if style == "ring":
        beta = 2 * math.atan(length / (2 * reach))  # half of the missing arc
        radius = length / (2 * math.sin(beta))
        centre = mid + n * radius * math.cos(beta)
        return [Torus(radius, tube, 2 * math.pi - 2 * beta, pos=tuple(centre), quat=_quat_frame(n, c))]
    if style == "loop":
        e = _u(rng, 2.0, 6.0)
        skew = _u(rng, -0.3, 0.3)
        t = np.linspace(-math.pi / 2, math.pi / 2, 6)
        out = reach * np.abs(np.cos(t)) ** (2 / e) * (1 + skew * np.sin(t))
        along = (length / 2) * np.sign(np.sin(t)) * np.abs(np.sin(t)) ** (2 / e)
        points = [mid + n * o + c * a for o, a in zip(out, along)]
        points[0], points[-1] = w1, w2
        return _chain(points, tube)
    # angular: flat bars (thin in the handle plane, wide across it)
    half_width = _u(rng, 1.4, 2.0) * tube
    top, bottom = reach * _u(rng, 0.9, 1.15), reach * _u(rng, 0.85, 1.1)
    a, b = w1 + n * bottom, w2 + n * top
    rounding = 0.8 * tube
    return [_flat_bar(p, q, tube, half_width, rounding, tube) for p, q in ((w1, a), (a, b), (b, w2))]


def _vessel_outer(radius_of_z, height: float, chamfer: float, n: int = 24) -> np.ndarray:
    """Outer (r, z) curve of a vessel from the axis at z = 0 to the rim at ``height``."""
    z = np.linspace(chamfer, height, n)
    r = radius_of_z(z)
    return np.vstack([[[0.0, 0.0], [float(radius_of_z(np.array([0.0]))[0]) - chamfer, 0.0]], np.column_stack([r, z])])


def _superellipse(a: float, b: float, exponent: float, n: int = 48) -> np.ndarray:
    """Closed xy polygon ``(n, 2)`` of the superellipse |x/a|^e + |y/b|^e = 1."""
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    return np.column_stack([a * np.sign(c) * np.abs(c) ** (2 / exponent), b * np.sign(s) * np.abs(s) ** (2 / exponent)])


# =========================================================================================== fruit
@register_category(
    "apple",
    parts=("body", "stem"),
    size_range=(0.055, 0.115),
    description="an apple: a dimpled solid of revolution, narrower or broader at the bottom, with a stalk",
)
def _apple(rng: np.random.Generator) -> list[Part]:
    R = _u(rng, 0.032, 0.046)
    b = R * _u(rng, 0.78, 1.02)  # half height
    taper = _u(rng, -0.05, 0.18)
    d_top, w_top = _u(rng, 0.006, 0.014), _u(rng, 0.3, 0.55)
    d_bot, w_bot = _u(rng, 0.002, 0.007), _u(rng, 0.25, 0.45)
    squash = _u(rng, -0.08, 0.08)  # moves the widest point up or down
    th = np.linspace(0.0, math.pi, 61)
    r = R * np.sin(th) * (1 - taper * np.cos(th))
    z = -b * np.cos(th) + squash * b * np.sin(th) ** 2
    z = z + d_bot * np.exp(-((th / w_bot) ** 2)) - d_top * np.exp(-(((math.pi - th) / w_top) ** 2))
    r[0] = r[-1] = 0.0
    body = Lathe(np.column_stack([r, z]))
    top = float(z[-1])
    radius = _u(rng, 0.0018, 0.0026)
    tilt, azimuth = _u(rng, 0.0, 0.45), _u(rng, 0.0, 2 * math.pi)
    d1 = np.array([math.sin(tilt) * math.cos(azimuth), math.sin(tilt) * math.sin(azimuth), math.cos(tilt)])
    p0 = np.array([0.0, 0.0, top - 0.003])
    p1 = p0 + d1 * _u(rng, 0.009, 0.016)
    stem = [_capsule(p0, p1, radius)]
    if rng.random() < 0.5:  # a bent stalk
        tilt2 = tilt + _u(rng, 0.3, 0.7)
        d2 = np.array([math.sin(tilt2) * math.cos(azimuth), math.sin(tilt2) * math.sin(azimuth), math.cos(tilt2)])
        stem.append(_capsule(p1, p1 + d2 * _u(rng, 0.004, 0.009), radius * 0.9))
    return [Part("body", [body]), Part("stem", stem)]


@register_category(
    "banana",
    parts=("body", "stem"),
    size_range=(0.13, 0.26),
    description="a banana: a curved tapering fruit with a stalk at one end",
)
def _banana(rng: np.random.Generator) -> list[Part]:
    chord = _u(rng, 0.13, 0.2)
    bend = _u(rng, 0.6, 1.5)  # total turning angle of the centre line, radians
    rc = chord / (2 * math.sin(bend / 2))
    r_max = _u(rng, 0.0145, 0.02)
    r_end = _u(rng, 0.28, 0.42)
    peak = _u(rng, 0.4, 0.6)
    fullness = _u(rng, 0.35, 0.7)  # small: plump over most of the length, large: tapering early
    n = 8
    s = np.linspace(0.0, 1.0, n + 1)
    warped = np.where(s < peak, 0.5 * s / peak, 0.5 + 0.5 * (s - peak) / (1 - peak))
    radii = np.maximum(r_max * (r_end + (1 - r_end) * np.sin(math.pi * warped) ** fullness), 0.004)
    theta = -bend / 2 + bend * s
    pts = np.column_stack([rc * np.sin(theta), np.zeros_like(theta), rc * (1 - np.cos(theta))])
    # round cones sharing a sphere at every joint: a smoothly tapering, curved body
    body = [_round_cone(pts[i], pts[i + 1], radii[i], radii[i + 1]) for i in range(n)]
    # the blossom end: a short darker nub
    tangent0 = _unit(pts[0] - pts[1])
    body.append(_round_cone(pts[0], pts[0] + tangent0 * _u(rng, 0.006, 0.01), radii[0], max(0.6 * radii[0], 0.003)))
    # stalk continuing the curve at the other end, often bending a little further
    tangent = _unit(pts[-1] - pts[-2])
    up = np.array([-tangent[2], 0.0, tangent[0]])
    stem_dir = _unit(tangent + up * _u(rng, 0.0, 0.5))
    stem_r = min(_u(rng, 0.004, 0.0055), radii[-1])
    start = pts[-1] - tangent * 0.002
    stem = [_round_cone(start, start + stem_dir * _u(rng, 0.018, 0.032), stem_r, stem_r * _u(rng, 0.8, 1.0))]
    return [Part("body", body), Part("stem", stem)]


@register_category(
    "donut",
    parts=("body",),
    size_range=(0.06, 0.12),
    description="a ring doughnut: an oval or squarish, flat-bottomed ring",
)
def _donut(rng: np.random.Generator) -> list[Part]:
    a = _u(rng, 0.012, 0.02)  # radial half width of the cross-section
    R = a + _u(rng, 0.007, 0.018)  # ring centre radius (hole radius R - a)
    b = _u(rng, 0.011, 0.017)  # upper half height
    flat = _u(rng, 0.5, 0.9)  # the bottom is flatter than the top
    e = _u(rng, 2.0, 3.2)  # 2: elliptic section, larger: squarer
    skew = _u(rng, -0.15, 0.15)
    t = np.linspace(0, 2 * math.pi, 56, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    r = R + a * np.sign(c) * np.abs(c) ** (2 / e) * (1 + skew * s)
    z = b * np.sign(s) * np.abs(s) ** (2 / e) * np.where(s < 0, flat, 1.0)
    return [Part("body", [Lathe(np.column_stack([r, z]))])]


# =========================================================================================== vessels
def _mug_radius(rng, height: float):
    """Random outer radius r(z) of a mug/cup-like body: straight, tapered, barrel, waisted or belly."""
    r0 = _u(rng, 0.031, 0.043)
    kind = _pick(rng, ["straight", "tapered", "barrel", "waisted", "belly"])
    if kind == "straight":
        rs = [r0, r0, r0, r0 * _u(rng, 0.97, 1.04)]
    elif kind == "tapered":
        top = r0 * _u(rng, 1.08, 1.25)
        rs = [r0, r0 + (top - r0) / 3, r0 + 2 * (top - r0) / 3, top]
    elif kind == "barrel":
        bulge = _u(rng, 1.06, 1.13)
        rs = [r0, r0 * bulge, r0 * bulge, r0 * _u(rng, 0.97, 1.03)]
    elif kind == "waisted":
        rs = [r0, r0 * _u(rng, 0.88, 0.95), r0 * _u(rng, 0.93, 1.0), r0 * _u(rng, 1.02, 1.1)]
    else:
        rs = [r0 * _u(rng, 0.9, 0.97), r0 * _u(rng, 1.05, 1.12), r0, r0 * _u(rng, 0.88, 0.97)]
    zs = [0.0, height / 3, 2 * height / 3, height]
    return lambda z: _curve(zs, rs, z)


@register_category(
    "mug",
    parts=("body", "handle"),
    size_range=(0.08, 0.16),
    description="a mug: a hollow, thick-walled body with a ring, loop or angular side handle",
)
def _mug(rng: np.random.Generator) -> list[Part]:
    H = _u(rng, 0.075, 0.115)
    radius = _mug_radius(rng, H)
    wall = _u(rng, 0.0035, 0.0055)
    body = _hollow_lathe(_vessel_outer(radius, H, _u(rng, 0.002, 0.007)), wall, _u(rng, 0.006, 0.01), fillet=0.004)
    style = _pick(rng, ["ring", "loop", "angular"])
    tube = _u(rng, 0.0042, 0.0065) if style != "angular" else _u(rng, 0.003, 0.0042)
    z2 = H - tube - _u(rng, 0.006, 0.02)
    z1 = max(tube + 0.006, z2 - H * _u(rng, 0.45, 0.72))
    depth = 0.6 * wall
    w1 = (float(radius(np.array([z1]))[0]) - depth + tube, 0.0, z1)
    w2 = (float(radius(np.array([z2]))[0]) - depth + tube, 0.0, z2)
    reach = _u(rng, 0.02, 0.034)
    return [Part("body", [body]), Part("handle", _side_handle(rng, w1, w2, tube, reach, style))]


@register_category(
    "cup",
    parts=("body",),
    size_range=(0.065, 0.15),
    description="a cup without a handle: a tumbler, tapered paper cup or bulged beaker, hollow",
)
def _cup(rng: np.random.Generator) -> list[Part]:
    H = _u(rng, 0.07, 0.135)
    kind = _pick(rng, ["tumbler", "paper", "beaker", "tulip"])
    r0 = _u(rng, 0.027, 0.037)
    if kind == "tumbler":
        rs = [r0, r0 * 1.02, r0 * 1.04, r0 * _u(rng, 1.04, 1.14)]
    elif kind == "paper":
        top = r0 * _u(rng, 1.2, 1.45)
        rs = [r0, r0 + (top - r0) / 3, r0 + 2 * (top - r0) / 3, top]
    elif kind == "beaker":
        rs = [r0, r0 * _u(rng, 1.05, 1.12), r0 * _u(rng, 1.05, 1.12), r0 * _u(rng, 0.97, 1.05)]
    else:
        rs = [r0 * 0.92, r0 * _u(rng, 1.0, 1.06), r0 * _u(rng, 1.12, 1.2), r0 * _u(rng, 1.22, 1.32)]
    zs = [0.0, H / 3, 2 * H / 3, H]
    wall = _u(rng, 0.0025, 0.004)
    radius = lambda z: _curve(zs, rs, z)  # noqa: E731
    prims = [_hollow_lathe(_vessel_outer(radius, H, _u(rng, 0.001, 0.005)), wall, _u(rng, 0.004, 0.009), fillet=0.003)]
    if kind == "paper" or rng.random() < 0.25:  # rolled rim bead
        r_top = float(radius(np.array([H]))[0])
        bead = _u(rng, 1.0, 1.3) * wall / 2 + 0.0005
        prims.append(Torus(r_top - wall / 2, bead, pos=(0.0, 0.0, H - bead)))
    return [Part("body", prims)]


@register_category(
    "bowl",
    parts=("body",),
    size_range=(0.1, 0.22),
    description="a bowl: a hollow rounded or conical body, with or without a foot ring",
)
def _bowl(rng: np.random.Generator) -> list[Part]:
    R = _u(rng, 0.055, 0.1)
    H = R * _u(rng, 0.55, 0.95)
    gamma = _u(rng, 0.45, 1.1)  # < 1: rounded belly, ~1: conical
    wall = _u(rng, 0.003, 0.005)
    has_foot = rng.random() < 0.6
    rf = R * _u(rng, 0.35, 0.55)  # foot / base radius
    hf = _u(rng, 0.005, 0.01) if has_foot else 0.0
    u = np.linspace(0, 1, 22)
    r = rf + (R - rf) * np.sin(u * math.pi / 2) ** gamma
    if rng.random() < 0.3:  # slightly in-turned rim
        r[-1] = r[-2] + (r[-1] - r[-2]) * _u(rng, -0.5, 0.3)
    z = hf + (H - hf) * u
    if has_foot:
        t = _u(rng, 0.004, 0.007)
        start = [[0.0, hf * 0.5], [rf - t, hf * 0.5], [rf - t, 0.0], [rf, 0.0]]
    else:
        start = [[0.0, 0.0]]
    outer = np.vstack([start, np.column_stack([r, z])])
    body = _hollow_lathe(outer, wall, hf + _u(rng, 0.005, 0.008), fillet=0.01)
    return [Part("body", [body])]


@register_category(
    "fryingpan",
    parts=("pan", "handle"),
    size_range=(0.3, 0.56),
    description="a frying pan: a shallow flared pan with a long round, flat or ring-ended handle",
)
def _fryingpan(rng: np.random.Generator) -> list[Part]:
    R = _u(rng, 0.09, 0.14)
    H = _u(rng, 0.03, 0.06)
    flare = _u(rng, 0.15, 0.5)  # wall angle from vertical, radians
    wall = _u(rng, 0.003, 0.0045)
    rb = R - H * math.tan(flare)
    curl = _u(rng, 0.0, 0.6)  # how much the wall curves (0: straight cone)
    u = np.linspace(0, 1, 16)
    r = rb + (R - rb) * (u + curl * (u**0.5 - u))
    z = H * u
    c = _u(rng, 0.006, 0.015)
    outer = np.vstack([[[0.0, 0.0], [rb - c, 0.0]], np.column_stack([r, z])[1:]])
    pan = _hollow_lathe(outer, wall, _u(rng, 0.004, 0.006), fillet=0.008)
    # attachment: a riveted bracket on the outer wall, a neck, then the grip, pitched upwards
    za = H * _u(rng, 0.55, 0.85)
    ra = float(np.interp(za, z, r))
    slope = float(np.interp(za, z[1:], np.diff(r) / np.diff(z)))
    fw = math.atan(slope)
    nw = np.array([math.cos(fw), 0.0, -math.sin(fw)])  # outward wall normal
    wall_pt = np.array([ra, 0.0, za])
    neck_r = _u(rng, 0.0045, 0.0065)
    ext = neck_r + 0.004
    bracket = Box(
        ((ext + 0.5 * wall) / 2, neck_r + 0.003, neck_r + _u(rng, 0.003, 0.007)),
        0.0018,
        pos=tuple(wall_pt + nw * (ext - 0.5 * wall) / 2),
        quat=_quat_frame(nw, (0, 1, 0)),
    )
    pitch = _u(rng, 0.05, 0.3)
    h = np.array([math.cos(pitch), 0.0, math.sin(pitch)])
    start = wall_pt + nw * (neck_r + 0.0015)
    length = _u(rng, 0.15, 0.22)
    style = _pick(rng, ["round", "flat", "ring"])
    handle = [bracket]
    if style == "round":
        neck_len = _u(rng, 0.02, 0.05)
        grip_r = _u(rng, 0.009, 0.013)
        mid = start + h * neck_len
        handle.append(_capsule(start, mid, neck_r))
        handle.append(_capsule(mid + h * grip_r * 0.5, start + h * (length - grip_r), grip_r))
        handle.append(Sphere(neck_r * 1.4, pos=tuple(mid)))  # ferrule between neck and grip
    else:
        hw0, hw1 = neck_r, _u(rng, 0.012, 0.018)
        taper_at = _u(rng, 0.15, 0.4)
        xs = np.array([-0.003, taper_at * length, length - hw1])
        upper = [(xs[0], hw0), (xs[1], hw1 * _u(rng, 0.7, 1.0)), (xs[2], hw1)]
        arc = [(xs[2] + hw1 * math.sin(a), hw1 * math.cos(a)) for a in np.linspace(0, math.pi, 9)[1:-1]]
        poly = upper + arc + [(x, -y) for x, y in upper[::-1]]
        thick = _u(rng, 0.004, 0.0065)
        handle.append(
            Extrusion(poly, thick, min(0.0035, thick * 0.8), pos=tuple(start), quat=_quat_axis_angle((0, 1, 0), -pitch))
        )
        if style == "ring":  # hanging ring at the end
            ring_R = _u(rng, 0.008, 0.012)
            end = start + h * (length - hw1 * 0.2)
            handle.append(
                Torus(ring_R, 0.003, pos=tuple(end + h * (ring_R - 0.001)), quat=_quat_axis_angle((0, 1, 0), -pitch))
            )
    return [Part("pan", [pan]), Part("handle", handle)]


@register_category(
    "wineglass",
    parts=("bowl", "stem", "base"),
    size_range=(0.1, 0.26),
    description="a wine glass: a hollow tulip, balloon, flute or coupe bowl on a stem and a round foot",
)
def _wineglass(rng: np.random.Generator) -> list[Part]:
    kind = _pick(rng, ["tulip", "balloon", "flute", "coupe"])
    if kind == "tulip":
        a, bh, tmax, p = _u(rng, 0.035, 0.045), _u(rng, 0.06, 0.09), _u(rng, 1.7, 2.0), _u(rng, 0.8, 1.1)
    elif kind == "balloon":
        a, bh, tmax, p = _u(rng, 0.042, 0.052), _u(rng, 0.07, 0.1), _u(rng, 2.1, 2.4), _u(rng, 0.8, 1.0)
    elif kind == "flute":
        a, bh, tmax, p = _u(rng, 0.022, 0.028), _u(rng, 0.1, 0.13), _u(rng, 1.6, 1.9), _u(rng, 0.55, 0.8)
    else:
        a, bh, tmax, p = _u(rng, 0.045, 0.055), _u(rng, 0.03, 0.045), _u(rng, 1.45, 1.6), _u(rng, 1.0, 1.3)
    t = np.linspace(0.0, tmax, 28)
    r = a * np.sin(t) ** p
    z = bh * (1 - np.cos(t)) / (1 - math.cos(tmax))
    wall = _u(rng, 0.0022, 0.003)
    stem_r = _u(rng, 0.0035, 0.0055)
    stem_len = _u(rng, 0.035, 0.09) if kind != "coupe" else _u(rng, 0.06, 0.1)
    base_r = _u(rng, 0.028, 0.042)
    base_t = _u(rng, 0.003, 0.0045)
    rise = _u(rng, 0.003, 0.009)
    z_bowl = base_t + rise + stem_len
    bowl = _hollow_lathe(np.column_stack([r, z]), wall, _u(rng, 0.006, 0.012), fillet=0.004, pos=(0.0, 0.0, z_bowl))
    # stem: a lathe with an optional knop, running from inside the foot into the solid bottom of the bowl
    zs = np.linspace(base_t, z_bowl + 0.004, 12)
    rs = np.full_like(zs, stem_r)
    if rng.random() < 0.45:
        knop_at, knop = _u(rng, 0.25, 0.75), _u(rng, 1.5, 2.2)
        rs = rs * (1 + (knop - 1) * np.exp(-((((zs - zs[0]) / (zs[-1] - zs[0]) - knop_at) / 0.09) ** 2)))
    rs[-1] = rs[-2] = max(rs[-1], stem_r * 1.3)  # widen where it meets the bowl
    stem = Lathe(np.vstack([[[0.0, zs[0]]], np.column_stack([rs, zs]), [[0.0, zs[-1]]]]))
    base_profile = [(0.0, 0.0), (base_r, 0.0), (base_r, base_t), (stem_r * 1.8, base_t + rise), (0.0, base_t + rise)]
    base = _lathe(base_profile, convex=0.0012, concave=0.004)
    return [Part("bowl", [bowl]), Part("stem", [stem]), Part("base", [base])]


@register_category(
    "teapot",
    parts=("body", "lid", "handle", "spout"),
    size_range=(0.16, 0.32),
    description="a teapot: a round body with a knobbed lid, a side or overhead handle and a spout",
)
def _teapot(rng: np.random.Generator) -> list[Part]:
    Hb = _u(rng, 0.08, 0.13)
    rm = _u(rng, 0.055, 0.085)
    kind = _pick(rng, ["globe", "squat", "pear", "drum"])
    if kind == "globe":
        rs = [0.6 * rm, 0.95 * rm, rm, 0.8 * rm, 0.45 * rm]
    elif kind == "squat":
        rs = [0.75 * rm, rm, rm * 0.97, 0.7 * rm, 0.45 * rm]
    elif kind == "pear":
        rs = [0.7 * rm, rm, 0.9 * rm, 0.65 * rm, 0.42 * rm]
    else:
        rs = [0.9 * rm, rm, rm, rm * 0.95, 0.55 * rm]
    zs = [0.0, 0.3 * Hb, 0.55 * Hb, 0.82 * Hb, Hb]
    rs = [float(x) * _u(rng, 0.95, 1.05) for x in rs]
    radius = lambda z: _curve(zs, rs, z)  # noqa: E731
    zz = np.linspace(0.0, Hb, 22)
    body = _lathe(np.vstack([[[0.0, 0.0]], np.column_stack([radius(zz), zz]), [[0.0, Hb]]]), convex=0.004)
    # lid: a flanged dome and a knob
    r_lid = rs[-1] + _u(rng, 0.002, 0.004)
    dome = _u(rng, 0.008, 0.025)
    a = np.linspace(0.0, math.pi / 2, 10)
    lid_profile = np.vstack(
        [
            [[0.0, Hb - 0.003], [r_lid, Hb - 0.003], [r_lid, Hb + 0.002]],
            np.column_stack([r_lid * np.cos(a[1:]), Hb + 0.002 + dome * np.sin(a[1:])]),
        ]
    )
    lid = [_lathe(lid_profile, convex=0.0015)]
    top = Hb + 0.002 + dome
    knob_r = _u(rng, 0.006, 0.011)
    if rng.random() < 0.5:
        lid.append(Sphere(knob_r, pos=(0.0, 0.0, top + knob_r * 0.7)))
    else:
        lid.append(Cylinder(knob_r, knob_r * _u(rng, 0.5, 0.9), knob_r * 0.3, pos=(0.0, 0.0, top + knob_r * 0.5)))
    # handle
    tube = _u(rng, 0.005, 0.008)
    if rng.random() < 0.25:  # overhead (bail) handle attached on the shoulders
        zsh = 0.82 * Hb
        x = float(radius(np.array([zsh]))[0]) - tube * 0.5
        w1, w2 = np.array([x, 0.0, zsh]), np.array([-x, 0.0, zsh])
        height = (top + 2 * knob_r + _u(rng, 0.03, 0.05)) - zsh
        beta = 2 * math.atan(2 * x / (2 * height))
        R = 2 * x / (2 * math.sin(beta))
        centre = (w1 + w2) / 2 + np.array([0.0, 0.0, 1.0]) * R * math.cos(beta)
        handle = [Torus(R, tube, 2 * math.pi - 2 * beta, pos=tuple(centre), quat=_quat_frame((0, 0, 1), (1, 0, 0)))]
    else:
        z2 = Hb * _u(rng, 0.7, 0.85)
        z1 = Hb * _u(rng, 0.15, 0.35)
        w1 = (float(radius(np.array([z1]))[0]) - tube * 0.3, 0.0, z1)
        w2 = (float(radius(np.array([z2]))[0]) - tube * 0.3, 0.0, z2)
        handle = _side_handle(rng, w1, w2, tube, _u(rng, 0.03, 0.05), _pick(rng, ["ring", "loop", "angular"]))
    # spout on the -x side: a cone from inside the body, outwards and up, maybe bent up at the tip
    z0 = Hb * _u(rng, 0.2, 0.4)
    x0 = float(radius(np.array([z0]))[0])
    ang = _u(rng, 0.55, 1.0)
    d = np.array([-math.cos(ang), 0.0, math.sin(ang)])
    length = _u(rng, 0.07, 0.11)
    r0, r1 = _u(rng, 0.011, 0.017), _u(rng, 0.005, 0.0075)
    start = np.array([-(x0 - 0.5 * r0 - 0.01), 0.0, z0])
    cone = Lathe([(0.0, 0.0), (r0, 0.0), (r1, length), (0.0, length)], pos=tuple(start), quat=_quat_z_to(d))
    spout = [cone]
    if rng.random() < 0.5:
        tip = start + d * length
        ang2 = ang + _u(rng, 0.3, 0.6)
        d2 = np.array([-math.cos(ang2), 0.0, math.sin(ang2)])
        spout.append(_capsule(tip - d * r1, tip + d2 * _u(rng, 0.012, 0.025), r1))
    return [Part("body", [body]), Part("lid", lid), Part("handle", handle), Part("spout", spout)]


# =========================================================================================== bottles
def _bottle_body(rng, radius_base: float, height: float, neck_r: float, shoulder: float) -> Lathe:
    """A round bottle body with a curved side wall and a shoulder that closes to ``neck_r`` at the top."""
    kind = _pick(rng, ["straight", "waisted", "bulged", "tapered"])
    f = {
        "straight": [1, 1, 1],
        "waisted": [1, _u(rng, 0.86, 0.94), 1],
        "bulged": [1, _u(rng, 1.04, 1.1), 1],
        "tapered": [1, _u(rng, 0.95, 0.99), _u(rng, 0.88, 0.95)],
    }[kind]
    zs = [0.0, (height - shoulder) / 2, height - shoulder]
    rs = [radius_base * x for x in f]
    z = np.linspace(0.0, height - shoulder, 10)
    side = np.column_stack([_curve(zs, rs, z), z])
    p = _u(rng, 0.6, 2.5)  # shoulder: small p dome-like, large p steep
    u = np.linspace(0.0, 1.0, 12)[1:]
    r_sh = neck_r + (rs[-1] - neck_r) * np.cos(u * math.pi / 2) ** p
    shoulder_pts = np.column_stack([r_sh, height - shoulder + shoulder * u])
    profile = np.vstack([[[0.0, 0.0]], side, shoulder_pts, [[0.0, height]]])
    return _lathe(profile, convex=_u(rng, 0.002, 0.007))


@register_category(
    "bottle",
    parts=("body", "neck", "cap"),
    size_range=(0.13, 0.34),
    description="a bottle: a round or square body, a shoulder, a narrow neck and a screw cap",
)
def _bottle(rng: np.random.Generator) -> list[Part]:
    neck_r = _u(rng, 0.0105, 0.016)
    Hb = _u(rng, 0.11, 0.22)
    shoulder = _u(rng, 0.02, 0.07)
    if rng.random() < 0.75:
        body = [_bottle_body(rng, _u(rng, 0.028, 0.045), Hb, neck_r, shoulder)]
    else:  # square body with a conical shoulder
        ax, ay = _u(rng, 0.025, 0.045), _u(rng, 0.022, 0.04)
        rounding = _u(rng, 0.004, 0.012)
        box = Box((ax, ay, (Hb - shoulder) / 2), rounding, pos=(0.0, 0.0, (Hb - shoulder) / 2))
        rs = min(ax, ay) - 0.7 * rounding
        sh = _lathe([(0.0, Hb - shoulder - 0.002), (rs, Hb - shoulder - 0.002), (neck_r, Hb), (0.0, Hb)], convex=0.002)
        body = [box, sh]
    neck_len = _u(rng, 0.015, 0.05)
    lip = rng.random() < 0.5
    z0, z1 = Hb - 0.003, Hb + neck_len
    flare = neck_r * _u(rng, 1.0, 1.15)
    profile = [(0.0, z0), (flare, z0), (neck_r, z0 + 0.3 * (z1 - z0)), (neck_r, z1), (0.0, z1)]
    if lip:
        zl = z0 + (z1 - z0) * _u(rng, 0.5, 0.75)
        profile = (
            profile[:3]
            + [(neck_r, zl - 0.002), (neck_r + 0.0018, zl - 0.001), (neck_r + 0.0018, zl + 0.002), (neck_r, zl + 0.003)]
            + profile[3:]
        )
    neck = _lathe(profile)
    cap_h = _u(rng, 0.008, 0.014)
    cap_r = neck_r + _u(rng, 0.001, 0.003)
    cz = z1 - 0.4 * 2 * cap_h + cap_h
    if rng.random() < 0.7:
        cap = [Cylinder(cap_r, cap_h, min(0.0015, cap_h * 0.5), pos=(0.0, 0.0, cz))]
    else:  # sports cap: a cylinder and a domed push-pull spout
        cap = [Cylinder(cap_r, cap_h, 0.0015, pos=(0.0, 0.0, cz))]
        sr = cap_r * _u(rng, 0.45, 0.65)
        cap.append(
            _lathe(
                [
                    (0.0, cz),
                    (sr, cz),
                    (sr, cz + cap_h + 0.008),
                    (sr * 0.6, cz + cap_h + 0.013),
                    (0.0, cz + cap_h + 0.013),
                ],
                convex=0.0015,
            )
        )
    return [Part("body", body), Part("neck", [neck]), Part("cap", cap)]


@register_category(
    "cylinder_bottle",
    parts=("body", "cap"),
    size_range=(0.11, 0.29),
    description="a cylindrical bottle (thermos, water bottle): a straight body and a wide cap",
)
def _cylinder_bottle(rng: np.random.Generator) -> list[Part]:
    r = _u(rng, 0.025, 0.04)
    H = _u(rng, 0.1, 0.22)
    style = _pick(rng, ["thermos", "shoulder", "sport", "loop"])
    if style == "thermos":
        neck_r = r - _u(rng, 0.0015, 0.003)
        sh = _u(rng, 0.003, 0.008)
    else:
        neck_r = r * _u(rng, 0.6, 0.85)
        sh = _u(rng, 0.01, 0.03)
    bottom_round = _u(rng, 0.002, 0.008)
    waist = rng.random() < 0.3
    z = np.linspace(0.0, H - sh, 8)
    rr = np.full_like(z, r)
    if waist:  # a grip waist
        rr = r * (1 - _u(rng, 0.04, 0.08) * np.exp(-((((z / (H - sh)) - _u(rng, 0.4, 0.6)) / 0.18) ** 2)))
    u = np.linspace(0.0, 1.0, 8)[1:]
    shoulder = np.column_stack([neck_r + (r - neck_r) * np.cos(u * math.pi / 2), H - sh + sh * u])
    body = _lathe(np.vstack([[[0.0, 0.0]], np.column_stack([rr, z]), shoulder, [[0.0, H]]]), convex=bottom_round)
    cap_h = _u(rng, 0.012, 0.03) if style != "thermos" else _u(rng, 0.025, 0.05)
    cap_r = neck_r + _u(rng, 0.0005, 0.002) if style != "thermos" else r
    cap = [Cylinder(cap_r, cap_h / 2, min(0.003, cap_h / 4), pos=(0.0, 0.0, H - 0.003 + cap_h / 2))]
    top = H - 0.003 + cap_h
    if style == "sport":
        sr = _u(rng, 0.005, 0.008)
        cap.append(
            _lathe(
                [(0.0, top - 0.002), (sr * 1.4, top - 0.002), (sr, top + 0.01), (sr, top + 0.016), (0.0, top + 0.016)],
                convex=0.0015,
            )
        )
    elif style == "loop":  # a carrying loop standing on the cap
        ring_r = _u(rng, 0.009, 0.014)
        cap.append(Torus(ring_r, 0.0032, pos=(0.0, 0.0, top + ring_r - 0.002), quat=Q_X90))
    return [Part("body", [body]), Part("cap", cap)]


@register_category(
    "can",
    parts=("body",),
    size_range=(0.06, 0.18),
    description="a can: a drinks can with a necked top, or a food tin with rolled rims and ribs",
)
def _can(rng: np.random.Generator) -> list[Part]:
    if rng.random() < 0.6:  # drinks can
        r = _u(rng, 0.026, 0.034)
        H = _u(rng, 0.09, 0.17)
        neck = _u(rng, 0.004, 0.008)
        prof = [
            (0.0, 0.003),
            (r - 0.009, 0.0),
            (r - 0.005, 0.0),
            (r, _u(rng, 0.006, 0.012)),
            (r, H - 0.016),
            (r - neck, H - 0.004),
            (r - neck, H - 0.001),
            (r - neck + 0.0005, H),
            (r - neck - 0.0025, H),
            (r - neck - 0.0025, H - 0.003),
            (0.0, H - 0.003),
        ]
        return [Part("body", [_lathe(prof, convex=0.001)])]
    r = _u(rng, 0.033, 0.05)
    H = _u(rng, 0.06, 0.125)
    bead = _u(rng, 0.001, 0.0018)
    prof = [(0.0, 0.002), (r - 0.002, 0.002), (r - 0.001, 0.0), (r + bead, 0.0), (r + bead, 0.004), (r, 0.005)]
    n_ribs = int(rng.integers(0, 6))
    if n_ribs:
        zs = np.linspace(0.015, H - 0.015, n_ribs)
        for zr in zs:
            prof += [(r, zr - 0.003), (r - 0.0012, zr - 0.0012), (r - 0.0012, zr + 0.0012), (r, zr + 0.003)]
    prof += [
        (r, H - 0.005),
        (r + bead, H - 0.004),
        (r + bead, H),
        (r - 0.001, H),
        (r - 0.002, H - 0.002),
        (0.0, H - 0.002),
    ]
    return [Part("body", [_lathe(prof, convex=0.0005)])]


@register_category(
    "squeezable",
    parts=("body", "cap"),
    size_range=(0.1, 0.23),
    description="a squeeze bottle or tube: a flat oval body (or a tube with a crimped end) and a cap",
)
def _squeezable(rng: np.random.Generator) -> list[Part]:
    if rng.random() < 0.55:  # flat oval squeeze bottle, standing on its base or on its cap
        a, b = _u(rng, 0.022, 0.04), _u(rng, 0.014, 0.024)
        hh = _u(rng, 0.045, 0.085)
        rounding = _u(rng, 0.005, min(0.012, b - 0.004))
        taper = rng.random() < 0.5
        poly = _superellipse(a, b, _u(rng, 2.0, 3.5), 40)
        body = [Extrusion(poly, hh, rounding, pos=(0.0, 0.0, hh))]
        top = 2 * hh
        if taper:  # a rounded conical shoulder
            sh = _u(rng, 0.01, 0.02)
            rs = max(b - rounding, 0.6 * b)
            body.append(
                _lathe([(0.0, top - 0.004), (rs, top - 0.004), (rs * 0.6, top + sh), (0.0, top + sh)], convex=0.002)
            )
            top += sh
        cap_r = _u(rng, 0.009, min(0.017, b))
        cap_h = _u(rng, 0.008, 0.014)
        cap = [Cylinder(cap_r, cap_h, 0.002, pos=(0.0, 0.0, top - 0.003 + cap_h))]
        if rng.random() < 0.5:  # flip-top lid hinge bump
            cap.append(
                Box((0.004, cap_r * 0.5, 0.003), 0.0015, pos=(cap_r - 0.001, 0.0, top - 0.003 + 2 * cap_h - 0.002))
            )
        parts = [Part("body", body), Part("cap", cap)]
    else:  # a tube standing on its cap: round near the cap, flattening and widening to a crimped end
        L = _u(rng, 0.1, 0.17)
        cap_r = _u(rng, 0.008, 0.013)
        cap_h = _u(rng, 0.008, 0.016)
        w0, w1 = cap_r + 0.0015, _u(rng, 0.022, 0.03)
        b = _u(rng, 0.008, 0.012)
        k = _u(rng, 0.5, 1.2)
        zs = np.linspace(0.0, L, 9)
        w = w0 + (w1 - w0) * (zs / L) ** k
        poly = [(x, z) for x, z in zip(w, zs)] + [(-x, z) for x, z in zip(w[::-1], zs[::-1])]
        body = [Extrusion(poly, b, min(0.9 * b, w0 - 0.0005), quat=Q_X90)]
        zb = L * _u(rng, 0.3, 0.45)
        wb = float(np.interp(zb, zs, w))
        body.append(Ellipsoid((wb * 0.92, b * _u(rng, 1.15, 1.45), zb * _u(rng, 0.8, 0.95)), pos=(0.0, 0.0, zb)))
        hc = _u(rng, 0.005, 0.009)
        body.append(Box((w1, 0.0012, hc), 0.001, pos=(0.0, 0.0, L + hc - 0.004)))
        # shoulder that the cap screws onto
        body.append(Cylinder(cap_r * 0.8, 0.006, 0.0, pos=(0.0, 0.0, 0.002)))
        if rng.random() < 0.5:
            cap = [Cylinder(cap_r, cap_h, 0.0015, pos=(0.0, 0.0, 0.001 - cap_h))]
        else:  # a flat-topped cone cap
            cap = [_lathe([(0.0, -2 * cap_h), (cap_r * 0.8, -2 * cap_h), (cap_r, 0.002), (0.0, 0.002)], convex=0.0015)]
        parts = [Part("body", body), Part("cap", cap)]
    return parts


# =========================================================================================== dispensers
@register_category(
    "lotion_pump",
    parts=("bottle", "pump_head", "nozzle"),
    size_range=(0.13, 0.28),
    description="a pump dispenser: a round or oval bottle, a collar, a pump head and a side nozzle",
)
def _lotion_pump(rng: np.random.Generator) -> list[Part]:
    Hb = _u(rng, 0.09, 0.17)
    collar_r = _u(rng, 0.013, 0.017)
    if rng.random() < 0.6:
        bottle = [_bottle_body(rng, _u(rng, 0.026, 0.042), Hb, collar_r - 0.001, _u(rng, 0.01, 0.035))]
    else:
        a, b = _u(rng, 0.03, 0.045), _u(rng, 0.018, 0.026)
        rounding = _u(rng, 0.005, 0.01)
        bottle = [Extrusion(_superellipse(a, b, _u(rng, 2.0, 4.0), 40), Hb / 2, rounding, pos=(0.0, 0.0, Hb / 2))]
        bottle.append(
            _lathe([(0.0, Hb - 0.004), (b * 0.95, Hb - 0.004), (collar_r, Hb + 0.004), (0.0, Hb + 0.004)], convex=0.002)
        )
    collar_h = _u(rng, 0.012, 0.02)
    bottle.append(Cylinder(collar_r, collar_h / 2, 0.0015, pos=(0.0, 0.0, Hb - 0.002 + collar_h / 2)))
    z = Hb - 0.002 + collar_h
    stem_r = _u(rng, 0.004, 0.006)
    stem_len = _u(rng, 0.008, 0.03)
    head_h = _u(rng, 0.012, 0.02)
    zc = z + stem_len + head_h / 2
    head_style = _pick(rng, ["round", "square", "dome"])
    head_r = _u(rng, 0.011, 0.017)
    pump = [Cylinder(stem_r, (stem_len + 0.006) / 2, pos=(0.0, 0.0, z - 0.003 + (stem_len + 0.006) / 2))]
    if head_style == "round":
        pump.append(Cylinder(head_r, head_h / 2, 0.003, pos=(0.0, 0.0, zc)))
    elif head_style == "square":
        pump.append(Box((head_r, head_r * _u(rng, 0.7, 1.0), head_h / 2), 0.003, pos=(0.0, 0.0, zc)))
    else:
        pump.append(
            _lathe(
                [
                    (0.0, zc - head_h / 2),
                    (head_r, zc - head_h / 2),
                    (head_r, zc),
                    (head_r * 0.5, zc + head_h / 2),
                    (0.0, zc + head_h / 2),
                ],
                convex=0.002,
            )
        )
    # nozzle: from inside the head out along +x, maybe tipping down at the end
    nr = _u(rng, 0.0032, 0.0048)
    reach = head_r + _u(rng, 0.015, 0.035)
    nz = zc + _u(rng, -0.2, 0.25) * head_h
    if rng.random() < 0.5:
        nozzle = [_capsule((head_r * 0.5, 0.0, nz), (reach, 0.0, nz), nr)]
        if rng.random() < 0.6:
            nozzle.append(
                _capsule((reach, 0.0, nz), (reach + _u(rng, 0.004, 0.008), 0.0, nz - _u(rng, 0.005, 0.01)), nr)
            )
    else:
        half = (reach - head_r * 0.5) / 2
        nozzle = [Box((half, _u(rng, 0.005, 0.007), nr), min(0.002, nr * 0.7), pos=(head_r * 0.5 + half, 0.0, nz))]
    return [Part("bottle", bottle), Part("pump_head", pump), Part("nozzle", nozzle)]


@register_category(
    "trigger_sprayer",
    parts=("bottle", "head", "trigger", "nozzle"),
    size_range=(0.19, 0.33),
    description="a trigger spray bottle: a bottle, a sprayer head with a shroud, a trigger and a nozzle",
)
def _trigger_sprayer(rng: np.random.Generator) -> list[Part]:
    Hb = _u(rng, 0.12, 0.19)
    neck_r = _u(rng, 0.0135, 0.017)
    shoulder = _u(rng, 0.015, 0.04)
    if rng.random() < 0.55:
        bottle = [_bottle_body(rng, _u(rng, 0.033, 0.048), Hb, neck_r, shoulder)]
    else:  # flat oval bottle with a round shoulder
        a, b = _u(rng, 0.038, 0.055), _u(rng, 0.024, 0.032)
        bottle = [
            Extrusion(
                _superellipse(a, b, _u(rng, 2.0, 3.5), 40),
                (Hb - shoulder) / 2,
                _u(rng, 0.006, 0.012),
                pos=(0.0, 0.0, (Hb - shoulder) / 2),
            )
        ]
        bottle.append(
            _lathe(
                [
                    (0.0, Hb - shoulder - 0.003),
                    (b * 0.97, Hb - shoulder - 0.003),
                    (b * 0.9, Hb - shoulder * 0.6),
                    (neck_r, Hb),
                    (0.0, Hb),
                ],
                convex=0.003,
            )
        )
    # head geometry (side profile in the xz plane, nozzle towards +x) relative to the collar top z0
    ht = _u(rng, 0.04, 0.058)  # head height
    bx = _u(rng, 0.015, 0.025)  # back overhang
    L = _u(rng, 0.055, 0.085)  # front reach of the shroud
    hn = _u(rng, 0.018, 0.026)  # front face height
    drop = _u(rng, 0.0, max(0.0, min(0.015, ht - hn - 0.014)))  # the top slopes down towards the nozzle
    z_front_bottom = ht - drop - hn
    z_under = max(0.008, z_front_bottom - _u(rng, 0.0, 0.008))
    collar_h = _u(rng, 0.014, 0.02)
    Lt = _u(rng, 0.035, 0.055)  # trigger length
    neck_len = max(_u(rng, 0.008, 0.02), Lt - z_under - collar_h + 0.012)
    z_neck = Hb - 0.003
    z0 = Hb + neck_len + collar_h
    bottle.append(Cylinder(neck_r, (neck_len + 0.006) / 2, pos=(0.0, 0.0, z_neck + (neck_len + 0.006) / 2)))
    collar_r = neck_r + _u(rng, 0.002, 0.004)
    head = [Cylinder(collar_r, collar_h / 2 + 0.002, 0.0015, pos=(0.0, 0.0, z0 - collar_h / 2))]
    hw = _u(rng, 0.012, 0.017)
    round_top = rng.random() < 0.5
    back_top = ht * _u(rng, 0.6, 0.9)
    poly = [(-bx, 0.0), (-bx, back_top)]
    if round_top:
        poly += [
            (-bx + (bx + 0.01) * (1 - math.cos(t)), back_top + (ht - back_top) * math.sin(t))
            for t in np.linspace(0.3, math.pi / 2, 5)
        ]
    else:
        poly += [(-bx * 0.3, ht)]
    poly += [(L, ht - drop), (L, z_front_bottom), (0.022, z_under), (collar_r * 0.9, 0.0)]
    head.append(Extrusion(poly, hw, min(0.004, hw * 0.3), pos=(0.0, 0.0, z0), quat=Q_X90))
    # trigger: a curved lever hanging under the shroud (side profile extruded across y)
    x_p = _u(rng, 0.03, min(0.045, L - 0.02))
    wt = _u(rng, 0.009, 0.014)
    bend = _u(rng, 0.0, 0.014)
    s = np.linspace(0.0, 1.0, 8)
    cx = x_p + bend * s**2
    z_edge = z_under + (x_p + wt / 2 - 0.022) / (L - 0.022) * (z_front_bottom - z_under)  # underside of the shroud
    cz = z_edge + 0.005 - (Lt + 0.005) * s
    front = [(x + wt / 2, zz) for x, zz in zip(cx, cz)]
    back = [(x - wt / 2, zz) for x, zz in zip(cx, cz)]
    tpoly = back + front[::-1]
    trigger = [Extrusion(tpoly, _u(rng, 0.006, 0.009), 0.0025, pos=(0.0, 0.0, z0), quat=Q_X90)]
    # nozzle on the front face
    nz = z0 + z_front_bottom + hn / 2
    nl = _u(rng, 0.005, 0.011)
    if rng.random() < 0.5:
        nozzle = [
            Cylinder(min(_u(rng, 0.005, 0.008), hn / 2 - 0.001), nl, 0.0015, pos=(L + nl - 0.003, 0.0, nz), quat=Q_Y90)
        ]
    else:
        side = min(_u(rng, 0.007, 0.011), hn / 2)
        nozzle = [Box((nl, min(side, hw), side), 0.0018, pos=(L + nl - 0.003, 0.0, nz))]
    return [Part("bottle", bottle), Part("head", head), Part("trigger", trigger), Part("nozzle", nozzle)]


# =========================================================================================== misc
@register_category(
    "lightbulb",
    parts=("bulb", "base"),
    size_range=(0.06, 0.17),
    description="a light bulb: a pear, globe or candle glass bulb on a threaded screw base",
)
def _lightbulb(rng: np.random.Generator) -> list[Part]:
    kind = _pick(rng, ["pear", "globe", "candle", "tubular"], p=[0.4, 0.2, 0.25, 0.15])
    rb = _u(rng, 0.0125, 0.0135) if kind != "candle" else _u(rng, 0.0068, 0.0075)
    Ls = _u(rng, 0.018, 0.024) if kind != "candle" else _u(rng, 0.014, 0.018)
    pitch = _u(rng, 0.0032, 0.0042) if kind != "candle" else _u(rng, 0.0025, 0.003)
    depth = 0.0009 if kind != "candle" else 0.0007
    tip_r, tip_h = rb * _u(rng, 0.3, 0.4), _u(rng, 0.002, 0.0035)
    ins_h = _u(rng, 0.002, 0.004)
    z_thread = tip_h + ins_h
    prof = [(0.0, 0.0), (tip_r, 0.0), (tip_r, tip_h), (rb * 0.7, tip_h), (rb * 0.78, z_thread)]
    n = max(2, int((Ls - 0.004) / pitch))
    zt = np.linspace(z_thread, z_thread + n * pitch, 6 * n + 1)
    rt = rb - depth * 0.5 * (1 + np.cos(2 * math.pi * (zt - z_thread) / pitch))
    prof += list(zip(rt, zt))
    z_top = z_thread + n * pitch + _u(rng, 0.002, 0.004)
    prof += [(rb, z_top), (0.0, z_top)]
    base = Lathe(prof)
    # bulb: the convex hull of a glass shape and the neck circle
    neck_z = z_top - 0.003
    neck = rb - 0.0004
    if kind == "pear":
        R = _u(rng, 0.026, 0.033)
        zc = z_top + _u(rng, 0.03, 0.045)
        t = np.linspace(0, math.pi, 40)
        curve = np.column_stack([R * np.sin(t), zc + R * np.cos(t)])
    elif kind == "globe":
        R = _u(rng, 0.035, 0.055)
        zc = z_top + R * _u(rng, 0.75, 0.9)
        t = np.linspace(0, math.pi, 48)
        curve = np.column_stack([R * np.sin(t), zc + R * np.cos(t)])
    elif kind == "candle":
        a, bb = _u(rng, 0.016, 0.019), _u(rng, 0.03, 0.045)
        zc = z_top + bb * _u(rng, 0.5, 0.8)
        t = np.linspace(0, math.pi, 40)
        tip = _u(rng, 1.0, 1.6)  # > 1: a pointed flame tip
        curve = np.column_stack([a * np.sin(t) ** np.where(np.cos(t) > 0, tip, 1.0), zc + bb * np.cos(t)])
    else:  # tubular
        a = _u(rng, 0.016, 0.022)
        length = _u(rng, 0.05, 0.08)
        t = np.linspace(0, math.pi / 2, 12)
        top = np.column_stack([a * np.sin(t), z_top + length + a * np.cos(t)])
        curve = np.vstack([top, [[a, z_top + 0.01]]])
    curve = curve[curve[:, 1] > z_top + 0.004]  # nothing of the glass reaches down over the base
    pts = np.vstack([curve, [[neck, neck_z], [0.0, neck_z]], [[0.0, float(curve[:, 1].max())]]])
    full = np.vstack([pts, pts * [-1, 1]])
    hull = manifold3d.CrossSection.hull_points(np.ascontiguousarray(full))
    bulb = Lathe(_half_profile(hull))
    return [Part("bulb", [bulb]), Part("base", [base])]


@register_category(
    "toothbrush",
    parts=("handle", "head"),
    size_range=(0.13, 0.21),
    description="a toothbrush lying with its bristles up: a shaped grip, a thin neck and a bristled head",
)
def _toothbrush(rng: np.random.Generator) -> list[Part]:
    Lg = _u(rng, 0.085, 0.12)
    hw = [_u(rng, 0.0055, 0.0075), _u(rng, 0.0068, 0.0095), _u(rng, 0.0055, 0.008), _u(rng, 0.0045, 0.0055)]
    xs = np.linspace(0.0, Lg, 14)
    half = _curve([0.0, 0.3 * Lg, 0.65 * Lg, Lg], hw, xs)
    arc = [(-half[0] * math.sin(t), half[0] * math.cos(t)) for t in np.linspace(0, math.pi, 9)[1:-1]]
    poly = [(x, y) for x, y in zip(xs, half)][::-1] + arc + [(x, -y) for x, y in zip(xs, half)]
    tg = _u(rng, 0.004, 0.0065)
    grip = Extrusion(poly, tg, min(0.003, 0.7 * tg))
    # neck and head, pitched up by a small angle at the end of the grip
    pitch = _u(rng, 0.0, 0.14)
    d = np.array([math.cos(pitch), 0.0, math.sin(pitch)])
    q = _quat_axis_angle((0, 1, 0), -pitch)
    Ln = _u(rng, 0.03, 0.05)
    nw, nt = _u(rng, 0.0025, 0.0034), _u(rng, 0.0022, 0.003)
    start = np.array([Lg - 0.006, 0.0, 0.0])
    neck = Box((Ln / 2 + 0.006, nw, nt), 0.0018, pos=tuple(start + d * Ln / 2), quat=q)
    Lh = _u(rng, 0.022, 0.03)
    hw_h, ht_h = _u(rng, 0.005, 0.0065), _u(rng, 0.0024, 0.003)
    hc = start + d * (Ln + Lh / 2 - 0.002)
    head = [Box((Lh / 2, hw_h, ht_h), 0.0018, pos=tuple(hc), quat=q)]
    # bristles: side silhouette (flat, wavy, angled or dipped top) extruded across the head
    bh = _u(rng, 0.008, 0.012)
    bl = Lh / 2 - 0.0012
    style = _pick(rng, ["flat", "wavy", "angled", "dipped"])
    xb = np.linspace(-bl, bl, 9)
    if style == "flat":
        top = np.full_like(xb, bh)
    elif style == "wavy":
        top = bh - 0.0025 * (0.5 + 0.5 * np.cos(2 * math.pi * int(rng.integers(1, 3)) * (xb + bl) / (2 * bl)))
    elif style == "angled":
        frac = (xb + bl) / (2 * bl)
        top = bh - 0.0035 * (frac if rng.random() < 0.5 else 1 - frac)
    else:
        top = bh - 0.003 * np.cos(math.pi * xb / (2 * bl))
    sil = [(-bl, 0.0), (bl, 0.0)] + [(x, float(t)) for x, t in zip(xb[::-1], top[::-1])]
    bristle_pos = hc + np.array([-math.sin(pitch), 0.0, math.cos(pitch)]) * (ht_h - 0.001)
    q_b = _quat_frame((math.cos(pitch), 0.0, math.sin(pitch)), (-math.sin(pitch), 0.0, math.cos(pitch)))
    head.append(Extrusion(sil, hw_h - 0.0008, 0.001, pos=tuple(bristle_pos), quat=q_b))
    return [Part("handle", [grip, neck]), Part("head", head)]
