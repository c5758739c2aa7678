"""Close a hand's fingers on an object until they touch: a deterministic way to make grasps to test.

:func:`close_fingers` takes a pose whose palm is already placed next to an object and, finger by
finger, turns each closing joint (proximal to distal, in :data:`SHADOW_CLOSING` order) from its
current angle toward its closing limit until the links it moves come within ``gap`` of the object.
Each joint is swept on a grid of :data:`SWEEP_STEPS` angles (batched through the hand model) and the
first touching interval is searched again on a grid of :data:`REFINE_STEPS` angles. Used by the sim tests and
benchmarks to build power grasps; it is not a grasp synthesiser.
"""

from __future__ import annotations

import torch

from dexgys.errors import DexgysError

__all__ = ["SHADOW_CLOSING", "SHADOW_PALM_NORMAL", "SHADOW_PALM_POINT", "approach_palm", "close_fingers"]

# (joint name, closing sign) per finger, proximal to distal; the thumb first opposes (THJ4) elsewhere
SHADOW_CLOSING = (
    (("FFJ2", 1), ("FFJ1", 1), ("FFJ0", 1)),
    (("MFJ2", 1), ("MFJ1", 1), ("MFJ0", 1)),
    (("RFJ2", 1), ("RFJ1", 1), ("RFJ0", 1)),
    (("LFJ2", 1), ("LFJ1", 1), ("LFJ0", 1)),
    (("THJ3", 1), ("THJ0", -1)),
)
SHADOW_PALM_POINT = (0.01, -0.0111, 0.085)  # hand frame: a point on the palmar face, below the fingers
SHADOW_PALM_NORMAL = (0.0, -1.0, 0.0)  # hand frame: the palmar side faces -y
APPROACH_START = 0.3  # m: the palm point starts this far from the object centre
SWEEP_STEPS = 48
REFINE_STEPS = 64


def _downstream_links(hand64, joint_index: int) -> list[int]:
    """Links moved by joint ``joint_index`` (the joint's link and its descendants); float64 hand."""
    rec = torch.zeros(2, 6 + hand64.n_dofs, dtype=torch.float64)
    rec[1, 6 + joint_index] = 0.3 if hand64.joint_upper[joint_index] > 0 else -0.3
    T = hand64.forward_kinematics(rec)
    return [i for i in range(len(hand64.link_names)) if not torch.allclose(T[0, i], T[1, i], atol=1e-9)]


def _first_touch(rec: torch.Tensor, j: int, start: float, stop: float, touches) -> float:
    """Largest angle of joint ``j`` between ``start`` and ``stop`` before ``touches`` turns true:
    a grid of ``SWEEP_STEPS`` then a grid of ``REFINE_STEPS`` inside the first touching interval
    (two batched evaluations); ``stop`` when nothing touches, ``start`` when already touching."""
    angles = torch.linspace(start, stop, SWEEP_STEPS + 1, dtype=torch.float64)
    for level in range(2):
        recs = rec.expand(len(angles), -1).clone()
        recs[:, 6 + j] = angles
        hit = touches(recs).nonzero()
        if len(hit) == 0:
            return float(angles[-1])
        k = int(hit[0])
        if k == 0:
            return float(angles[0])
        if level == 0:
            angles = torch.linspace(float(angles[k - 1]), float(angles[k]), REFINE_STEPS + 1, dtype=torch.float64)
    return float(angles[k - 1])


def close_fingers(hand, obj, record, *, gap: float = 0.001, closing=SHADOW_CLOSING) -> torch.Tensor:
    """``record`` ``(6+n,)`` with the palm placed -> record with the closing joints turned to the
    last angle where the links they move are still more than ``gap`` (m) from ``obj`` (or to their
    limit). float64."""
    hand64 = hand.to(dtype=torch.float64)
    rec = torch.as_tensor(record, dtype=torch.float64).reshape(-1).clone()
    if rec.numel() != 6 + hand.n_dofs:
        raise DexgysError(f"record must have {6 + hand.n_dofs} values, got {rec.numel()}")
    links = hand.surface_point_links

    def clearance(recs: torch.Tensor, point_mask: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            pts = hand64.surface_points(recs)[:, point_mask]
            return obj.sdf(pts).amin(-1)

    for chain in closing:
        for name, sign in chain:
            j = hand.joint_names.index(name)
            mask = torch.isin(links, torch.tensor(_downstream_links(hand64, j)))
            lo, hi = float(hand64.joint_lower[j]), float(hand64.joint_upper[j])
            start = float(rec[6 + j])
            stop = hi if sign > 0 else lo
            rec[6 + j] = _first_touch(rec, j, start, stop, lambda r, m=mask: clearance(r, m) <= gap)
    return rec


def approach_palm(
    hand,
    obj,
    rotation,
    *,
    gap: float = 0.002,
    palm_point=SHADOW_PALM_POINT,
    palm_normal=SHADOW_PALM_NORMAL,
    thumb_opposition: float = 0.6,
) -> torch.Tensor | None:
    """A record with the hand turned by ``rotation`` (3, 3) (object frame) and slid along its palm
    normal toward the object centre to the last position (within 0.1 mm of search resolution) where the
    open hand is still more than ``gap`` (m) from the object.

    The palm point starts :data:`APPROACH_START` from the centre on the side the palm faces away
    from; joints are zero except THJ4 = ``thumb_opposition`` (if the hand has that joint). None when
    the hand already touches at the start. Follow with :func:`close_fingers` for a power grasp.
    """
    hand64 = hand.to(dtype=torch.float64)
    R = torch.as_tensor(rotation, dtype=torch.float64).reshape(3, 3)
    normal = R @ torch.tensor(palm_normal, dtype=torch.float64)
    point = R @ torch.tensor(palm_point, dtype=torch.float64)
    rec = torch.zeros(6 + hand.n_dofs, dtype=torch.float64)
    from dexgys.geometry.rotations import matrix_to_axis_angle

    rec[3:6] = matrix_to_axis_angle(R[None])[0]
    if "THJ4" in hand.joint_names:
        rec[6 + hand.joint_names.index("THJ4")] = thumb_opposition

    def records(dist: torch.Tensor) -> torch.Tensor:
        recs = rec.expand(len(dist), -1).clone()
        recs[:, :3] = -dist[:, None] * normal - point
        return recs

    def touches(dist: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return obj.sdf(hand64.surface_points(records(dist))).amin(-1) <= gap

    dist = torch.linspace(APPROACH_START, 0.0, SWEEP_STEPS * 4 + 1, dtype=torch.float64)
    hit = touches(dist).nonzero()
    if len(hit) == 0:
        return records(dist[-1:])[0]
    k = int(hit[0])
    if k == 0:
        return None
    fine = torch.linspace(float(dist[k - 1]), float(dist[k]), REFINE_STEPS + 1, dtype=torch.float64)
    k2 = int(touches(fine).nonzero()[0])
    return records(fine[k2 - 1 : k2])[0]
