"""Initial hand poses for intent-conditioned grasp synthesis.

For an :class:`~dexgys.synthesis.intents.IntentSpec`, :func:`initial_poses` draws ``B`` poses with a
seeded ``torch.Generator``:

1. **Anchor**: a surface point ``p`` (with outward normal ``n``) on the *anchor part* -- the palm's
   role part, else the part most role fingers touch, else the first target part. Approach ``side``
   uses the sampled normal (for a trigger press only points facing away from the pressed part, so the
   palm sits behind it); ``top`` uses points whose normal points up and approaches along ``-z``;
   ``end`` approaches along the part's principal (long) axis, at the end farther from the other parts.
   For side approaches of non-elongated parts, normals within :data:`SIDE_MAX_Z` of horizontal are
   preferred (catalogue and OakInk objects stand upright, +z up), so a mug is held round its side and
   not from below. Points whose approach corridor is blocked (the ray ``p + s n`` re-enters the object,
   or is not :data:`CLEARANCE_PROBE` clear) are skipped: no palm inside a cup or a handle loop.
2. **Orientation**: the palm (hand ``-y``) faces ``-n``. For an elongated part (principal-axis ratio
   above :data:`ELONGATED_RATIO`) the fingers (hand ``+z``) point across the long axis so that they
   wrap around it (thumb towards either end); a side approach of a squat part wraps round the
   vertical (+z) the same way; otherwise (top and end approaches) the roll about ``n`` is uniform.
   Pinches (precision, tripod, lateral) instead turn the thumb-to-fingers axis (hand +z) along the
   part's narrowest chord in the tangent plane, so the fingers straddle the part where it is thin
   (a phone across its thickness, not its width). Then a small random tilt.
3. **Joints**: the grasp type's preshape (:func:`preshape`) plus Gaussian jitter, clamped to limits.
4. **Placement**: power-type grasps put the middle of the palm at :data:`POWER_GAP` (random in range)
   from ``p`` along ``n``; precision grasps (pinch, tripod, hook) put the centroid of the role
   fingers' pads on the line ``p - s n`` at the part's local mid-depth (at most
   :data:`PINCH_DEPTH`), so the fingers straddle the part. A trigger press puts the palm behind the
   hold part (anchor normals pointing away from the pressed part, cosine below
   :data:`PRESS_BEHIND`, within :data:`PRESS_LEVEL` of its height), the thumb up (so the finger next
   to it is the top one, as on a sprayer or a drill), and slides the hand along the thumb axis until
   the pressing finger's row is level with the pressed part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from dexgys.errors import DexgysError
from dexgys.geometry.object_field import ObjectField
from dexgys.hands import HandModel, HandPose
from dexgys.objects.grasp_object import GraspObject
from dexgys.synthesis.energy import DIGITS
from dexgys.synthesis.intents import IntentSpec

__all__ = [
    "CLEARANCE_PROBE",
    "ELONGATED_RATIO",
    "JOINT_JITTER",
    "PINCH_DEPTH",
    "POWER_GAP",
    "InitialPoses",
    "anchor_part",
    "initial_poses",
    "preshape",
]

ANCHOR_SAMPLES = 4096  # object surface samples the anchors are drawn from (seed 0)
ELONGATED_RATIO = 1.5  # principal std ratio above which a part counts as elongated
POWER_GAP = (0.015, 0.035)  # m: palm-centre distance from the anchor for power-type grasps
PRESS_LEVEL = 0.03  # m: trigger press: palm anchors within this height of the pressed part's centroid
PRESS_BEHIND = -0.6  # trigger press: the palm anchor normal points away from the pressed part (cosine below this)
PINCH_DEPTH = 0.015  # m: the pad centroid goes at most this deep below the anchor
CLEARANCE_PROBE = (0.03, 0.012)  # m: the point n * 3 cm out must be at least 1.2 cm outside the object
JOINT_JITTER = 0.08  # rad: std of the joint jitter
FREE_FINGER_PRIOR = 3.0  # prior weight of the joints of fingers without a role (role fingers: 1)
SIDE_MAX_Z = 0.7  # side approaches of non-elongated parts prefer normals this horizontal ...
SIDE_MIN_SHARE = 0.2  # ... when at least this share of the part's surface is that horizontal
ROLL_JITTER = 0.25  # rad: std of the roll jitter of wrapping grasps
TILT_JITTER = 0.12  # rad: std of the random tilt
PALM_POINT = (0.008, -0.0111, 0.065)  # hand frame: palm point placed at the power gap (below the knuckles)

POWER_TYPES = ("power_wrap", "palm_top", "trigger_press")
PINCH_TYPES = ("precision_pinch", "tripod", "lateral_pinch")

# preshape flexions (J2, J1, J0) of a finger, and thumb (THJ4, THJ3, THJ2, THJ1, THJ0)
_FLEX = {
    "wrap": (0.1, 0.15, 0.1),
    "open": (0.3, 0.3, 0.2),
    "pinch": (0.45, 0.35, 0.2),
    "hook": (0.45, 1.0, 0.8),
    "press": (0.45, 0.6, 0.3),
    "curl": (1.2, 1.3, 0.8),
}
_THUMB = {
    "wrap": (0.8, 0.2, 0.0, 0.2, -0.2),
    "pinch": (0.8, 1.0, 0.0, 0.2, -0.3),
    "rest": (0.3, 0.3, 0.0, 0.0, -0.2),
}
_FINGER_PREFIX = {"forefinger": "FF", "middle": "MF", "ring": "RF", "little": "LF"}


@dataclass
class InitialPoses:
    """``pose`` (B), the prior the energy pulls the joints to (``prior_joints``/``prior_weights``
    ``(n,)``), and the anchors ``(B, 3)`` and approach directions ``(B, 3)`` (object frame)."""

    pose: HandPose
    prior_joints: torch.Tensor
    prior_weights: torch.Tensor
    anchors: torch.Tensor
    approach: torch.Tensor


def preshape(hand: HandModel, spec: IntentSpec) -> tuple[torch.Tensor, torch.Tensor]:
    """The grasp type's joint preshape ``(n,)`` and per-joint prior weights ``(n,)`` (fingers without a
    role keep their preshape: weight FREE_FINGER_PRIOR; role fingers 1)."""
    q = torch.zeros(hand.n_dofs, dtype=torch.float64)
    wts = torch.ones(hand.n_dofs, dtype=torch.float64)
    names = hand.joint_names
    kind = spec.grasp_type
    roles = spec.finger_roles
    press_parts = list(roles.values())

    def set_joint(name: str, value: float, weight: float | None = None) -> None:
        if name in names:
            q[names.index(name)] = value
            if weight is not None:
                wts[names.index(name)] = weight

    for finger, prefix in _FINGER_PREFIX.items():
        has_role = finger in roles
        if kind in ("power_wrap", "trigger_press"):
            style = "wrap" if has_role else "curl"
            if kind == "trigger_press" and has_role and press_parts.count(roles[finger]) == 1:
                style = "press"
        elif kind == "palm_top":
            style = "open" if has_role else "curl"
        elif kind == "hook":
            style = "hook" if has_role else "curl"
        else:
            style = "pinch" if has_role else "curl"
        for joint, value in zip(("J2", "J1", "J0"), _FLEX[style]):
            set_joint(prefix + joint, value, 1.0 if has_role else FREE_FINGER_PRIOR)
        set_joint(prefix + "J3", 0.0, 1.0 if has_role else FREE_FINGER_PRIOR)
    set_joint("LFJ4", 0.2 if kind in POWER_TYPES else 0.1)
    thumb = "rest" if "thumb" not in roles else ("wrap" if kind in POWER_TYPES else "pinch")
    for joint, value in zip(("THJ4", "THJ3", "THJ2", "THJ1", "THJ0"), _THUMB[thumb]):
        set_joint(joint, value, 1.0 if "thumb" in roles else FREE_FINGER_PRIOR)
    set_joint("THJ2", 0.0, 3.0)
    lower, upper = hand.joint_lower.double().cpu(), hand.joint_upper.double().cpu()
    return torch.clamp(q, lower, upper), wts


def press_finger(spec: IntentSpec) -> str | None:
    """The pressing finger of a trigger press: the role finger alone on its part (None otherwise)."""
    if spec.grasp_type != "trigger_press":
        return None
    parts = list(spec.finger_roles.values())
    alone = [f for f, p in spec.finger_roles.items() if f in DIGITS and parts.count(p) == 1]
    return alone[0] if alone else None


def anchor_part(spec: IntentSpec) -> str:
    """The part the palm is placed against (see the module docstring)."""
    roles = spec.finger_roles
    if "palm" in roles:
        return roles["palm"]
    digit_parts = [roles[f] for f in DIGITS if f in roles]
    if digit_parts:
        counts = {p: digit_parts.count(p) for p in digit_parts}
        best = max(counts.values())
        for p in (*spec.target_parts, *digit_parts):
            if counts.get(p) == best:
                return p
    return spec.target_parts[0]


def _principal_axis(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Unit principal axis (3,) of ``points`` and the ratio of the two largest principal stds."""
    centred = points - points.mean(0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    ratio = float(s[0] / max(s[1], 1e-12))
    return vt[0], ratio


def _frame(n: torch.Tensor, z_hint: torch.Tensor) -> torch.Tensor:
    """Rotations ``(B, 3, 3)`` with hand ``y = n`` (palm ``-y`` facing ``-n``) and ``z`` as close to
    ``z_hint`` as is perpendicular to ``n``."""
    z = z_hint - (z_hint * n).sum(-1, keepdim=True) * n
    z = z / z.norm(dim=-1, keepdim=True).clamp_min(1e-9)
    x = torch.cross(n, z, dim=-1)
    return torch.stack([x, n, z], dim=-1)


def _rotate(v: torch.Tensor, axis: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Rodrigues: rotate ``v`` ``(B, 3)`` about unit ``axis`` ``(B, 3)`` by ``angle`` ``(B,)``."""
    c, s = torch.cos(angle)[:, None], torch.sin(angle)[:, None]
    return v * c + torch.cross(axis, v, dim=-1) * s + axis * (axis * v).sum(-1, keepdim=True) * (1 - c)


def _axis_angle(axis_angle: torch.Tensor) -> torch.Tensor:
    from dexgys.geometry.rotations import axis_angle_to_matrix

    return axis_angle_to_matrix(axis_angle)


def _perpendicular(n: torch.Tensor) -> torch.Tensor:
    helper = torch.where(
        n[:, :1].abs() < 0.9, torch.tensor([1.0, 0.0, 0.0], dtype=n.dtype), torch.tensor([0.0, 1.0, 0.0], dtype=n.dtype)
    )
    p = torch.cross(n, helper, dim=-1)
    return p / p.norm(dim=-1, keepdim=True)


def initial_poses(
    hand: HandModel,
    obj: GraspObject,
    field: ObjectField,
    spec: IntentSpec,
    batch_size: int,
    generator: torch.Generator,
) -> InitialPoses:
    """``batch_size`` initial poses for ``spec`` on ``obj`` (see the module docstring), float64 on the
    CPU (the optimiser moves them); deterministic for a given generator state."""
    if batch_size < 1:
        raise DexgysError(f"batch size must be positive, got {batch_size}")
    g = generator
    f64 = torch.float64
    sample = _surface_sample(obj)
    anchor = anchor_part(spec)
    part_id = obj.part_index(anchor)
    mask = sample.labels == part_id
    if not mask.any():
        raise DexgysError(f"object {obj.name!r} has no surface on part {anchor!r}")
    pts_all, nrm_all = sample.points[mask], sample.normals[mask]
    axis, ratio = _principal_axis(pts_all)
    elongated = ratio > ELONGATED_RATIO
    part_centre = pts_all.mean(0)
    press = press_finger(spec)
    press_centre = None
    if press is not None:
        press_centre = sample.points[sample.labels == obj.part_index(spec.finger_roles[press])].mean(0)

    # ---- candidate anchors and approach directions
    if spec.approach == "top":
        keep = nrm_all[:, 2] > 0.5
        if keep.sum() < 8:
            keep = pts_all[:, 2] >= np.quantile(pts_all[:, 2], 0.8)
        cand_p, cand_n = pts_all[keep], np.tile([0.0, 0.0, 1.0], (int(keep.sum()), 1))
    elif spec.approach == "end":
        others = sample.points[~mask]
        proj = (pts_all - part_centre) @ axis
        sign = 1.0
        if len(others):
            sign = 1.0 if float(((others - part_centre) @ axis).mean()) < 0 else -1.0
        u = sign * axis
        proj = proj * sign
        keep = proj >= proj.max() - 0.005
        cand_p = pts_all[keep]
        cand_n = np.tile(u, (int(keep.sum()), 1))
        elongated = False  # the roll about the long axis is free
    else:
        keep = np.ones(len(pts_all), dtype=bool)
        if press is not None:
            to_press = press_centre - pts_all
            to_press /= np.linalg.norm(to_press, axis=1, keepdims=True).clip(1e-9)
            behind = (nrm_all * to_press).sum(1) < PRESS_BEHIND
            level = np.abs(pts_all[:, 2] - press_centre[2]) < PRESS_LEVEL
            keep = behind & level if (behind & level).sum() >= 8 else behind
        if elongated:
            keep &= np.abs(nrm_all @ axis) < 0.5  # not the end caps
        else:
            side = np.abs(nrm_all[:, 2]) <= SIDE_MAX_Z  # objects stand upright (+z) in their frame
            if side.mean() >= SIDE_MIN_SHARE:
                keep &= side
        if keep.sum() < 8:
            keep = np.ones(len(pts_all), dtype=bool)
        cand_p, cand_n = pts_all[keep], nrm_all[keep]
    cand_p = torch.as_tensor(cand_p, dtype=f64)
    cand_n = torch.as_tensor(cand_n, dtype=f64)

    # ---- corridor check: the ray out of the anchor leaves the object (no palm inside a cup or a loop)
    clear = _corridor_clear(field, cand_p, cand_n)
    if clear.sum() >= 4:
        cand_p, cand_n = cand_p[clear], cand_n[clear]
    pick = torch.randint(len(cand_p), (batch_size,), generator=g)
    p, n = cand_p[pick], cand_n[pick]

    # ---- orientation
    B = batch_size
    if spec.approach == "side" and not elongated:
        axis, elongated = np.array([0.0, 0.0, 1.0]), True  # upright object: wrap round the vertical
    if elongated:
        u = torch.as_tensor(axis, dtype=f64).expand(B, 3)
        z_hint = torch.cross(u, n, dim=-1)
        degenerate = z_hint.norm(dim=-1) < 0.2
        z_hint = torch.where(degenerate[:, None], _perpendicular(n), z_hint)
        flip = torch.rand(B, generator=g, dtype=f64) < 0.5
        z_hint = torch.where(flip[:, None], -z_hint, z_hint)
        roll = ROLL_JITTER * torch.randn(B, generator=g, dtype=f64)
    else:
        z_hint = _perpendicular(n)
        roll = 2.0 * math.pi * torch.rand(B, generator=g, dtype=f64)
    z_hint = _rotate(z_hint / z_hint.norm(dim=-1, keepdim=True).clamp_min(1e-9), n, roll)
    if press is not None:
        # thumb up (hand +x along object +z): the finger next to the thumb is the top one, as on a
        # sprayer or a drill; towards the pressed part where the palm faces up or down
        up = torch.tensor([0.0, 0.0, 1.0], dtype=f64).expand(B, 3)
        towards = torch.as_tensor(press_centre, dtype=f64) - p
        away = torch.where((n[:, 2].abs() < 0.8)[:, None], up, towards)
        away = away - (away * n).sum(-1, keepdim=True) * n
        ok = away.norm(dim=-1) > 1e-3
        x_hint = away / away.norm(dim=-1, keepdim=True).clamp_min(1e-9)
        x_hint = _rotate(x_hint, n, ROLL_JITTER * torch.randn(B, generator=g, dtype=f64))
        z_from_x = torch.cross(x_hint, n, dim=-1)  # x = n cross z  =>  z = x cross n
        z_hint = torch.where(ok[:, None], z_from_x, z_hint)
    if spec.grasp_type in PINCH_TYPES:
        # pinch across the part's narrowest direction in the tangent plane (the pads' axis is hand +z)
        depth = _mid_depth(field, p, n)
        centre = p - torch.clamp(depth, max=PINCH_DEPTH)[:, None] * n
        narrow = _narrowest_direction(field, centre, n)
        narrow = _rotate(narrow, n, ROLL_JITTER * torch.randn(B, generator=g, dtype=f64))
        flip = torch.rand(B, generator=g, dtype=f64) < 0.5
        z_hint = torch.where(flip[:, None], -narrow, narrow)
    R = _frame(n, z_hint)
    tilt = TILT_JITTER * torch.randn(B, 3, generator=g, dtype=f64)
    R = _axis_angle(tilt) @ R

    # ---- joints
    q0, prior_w = preshape(hand, spec)
    lower, upper = hand.joint_lower.double().cpu(), hand.joint_upper.double().cpu()
    q = q0 + JOINT_JITTER * torch.randn(B, hand.n_dofs, generator=g, dtype=f64)
    q = torch.clamp(q, lower, upper)

    # ---- placement
    hand64 = hand.to("cpu", f64)
    if spec.grasp_type in POWER_TYPES:
        gap = POWER_GAP[0] + (POWER_GAP[1] - POWER_GAP[0]) * torch.rand(B, generator=g, dtype=f64)
        target = p + gap[:, None] * n
        local = torch.tensor(PALM_POINT, dtype=f64).expand(B, 3)
    else:
        digits = [hand.finger_names.index(f) for f in DIGITS if f in spec.finger_roles]
        zero_t = HandPose(torch.zeros(B, 3, dtype=f64), torch.eye(3, dtype=f64).expand(B, 3, 3), q)
        pads = hand64.pad_points(zero_t)  # (B, P, 3), hand frame
        sel = torch.isin(hand64.pad_fingers, torch.tensor(digits))
        local = pads[:, sel].mean(1)
        depth = _mid_depth(field, p, n)
        target = p - torch.clamp(depth, max=PINCH_DEPTH)[:, None] * n
    t = target - (R @ local[..., None])[..., 0]
    if press is not None:
        # slide the hand along its thumb axis (the wrap axis) until the press finger's row is level
        # with the pressed part
        finger = hand.finger_names.index(press)
        zero_t = HandPose(torch.zeros(B, 3, dtype=f64), torch.eye(3, dtype=f64).expand(B, 3, 3), q)
        pad = hand64.pad_points(zero_t)[:, hand64.pad_fingers == finger].mean(1)
        pad_world = (R @ pad[..., None])[..., 0] + t
        x_axis = R[:, :, 0]
        shift = ((torch.as_tensor(press_centre, dtype=f64) - pad_world) * x_axis).sum(-1, keepdim=True)
        t = t + shift * x_axis
    pose = HandPose(t, R, q)
    return InitialPoses(pose, q0, prior_w, p, n)


def _corridor_clear(field: ObjectField, p: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """``(K,)`` bool: the object SDF along ``p + s n`` stays positive for ``s`` up to four times
    :data:`CLEARANCE_PROBE` ``[0]`` (12 cm: wider than a cup) and is at least
    :data:`CLEARANCE_PROBE` ``[1]`` from ``s =`` :data:`CLEARANCE_PROBE` ``[0]`` on."""
    reach, room = CLEARANCE_PROBE
    s = torch.linspace(0.25 * reach, 4.0 * reach, 16, dtype=p.dtype)
    probe = p[:, None] + s[None, :, None] * n[:, None]
    with torch.no_grad():
        d = field.sample(probe.float().to(field.device))[..., 0].cpu()
    at = int(torch.argmin((s - reach).abs()))
    return (d > 0.002).all(-1) & (d[:, at:] > room).all(-1)


def _narrowest_direction(
    field: ObjectField, c: torch.Tensor, n: torch.Tensor, k: int = 12, reach: float = 0.06, steps: int = 31
) -> torch.Tensor:
    """Unit directions ``(B, 3)`` perpendicular to ``n`` along which the object's chord through ``c``
    is shortest (of ``k`` directions over half a turn; the chord ends where the SDF turns positive)."""
    u = _perpendicular(n)
    v = torch.cross(n, u, dim=-1)
    theta = torch.arange(k, dtype=c.dtype) * (math.pi / k)
    dirs = torch.cos(theta)[None, :, None] * u[:, None] + torch.sin(theta)[None, :, None] * v[:, None]  # (B, k, 3)
    s = torch.linspace(0.0, reach, steps, dtype=c.dtype)
    both = torch.stack([dirs, -dirs], dim=2)  # (B, k, 2, 3)
    probe = c[:, None, None, None] + s[None, None, None, :, None] * both[..., None, :]  # (B, k, 2, S, 3)
    with torch.no_grad():
        d = field.sample(probe.float().to(field.device))[..., 0].cpu()
    outside = d > 0
    first = torch.where(
        outside.any(-1), outside.float().argmax(-1), torch.full_like(outside[..., 0], steps, dtype=torch.long)
    )
    chord = first.sum(-1)  # (B, k) in probe steps
    best = chord.argmin(-1)
    return dirs[torch.arange(len(c)), best]


def _mid_depth(
    field: ObjectField, p: torch.Tensor, n: torch.Tensor, reach: float = 0.05, steps: int = 26
) -> torch.Tensor:
    """Depth ``(B,)`` along ``-n`` from ``p`` of the deepest point inside the object (within ``reach``)."""
    s = torch.linspace(0.0, reach, steps, dtype=p.dtype)
    probe = p[:, None] - s[None, :, None] * n[:, None]
    with torch.no_grad():
        d = field.sample(probe.float().to(field.device))[..., 0].cpu()
    return s[d.argmin(-1)]


def _surface_sample(obj: GraspObject):
    cache = obj.__dict__.setdefault("_dexgys_synthesis_cache", {})
    if "anchor_sample" not in cache:
        cache["anchor_sample"] = obj.sample_surface(ANCHOR_SAMPLES, seed=0)
    return cache["anchor_sample"]
