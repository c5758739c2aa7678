"""The physics grasp test (``spec/evaluation.md``, "Physics success"): squeeze, then shake six ways.

One grasp = hand pose + object. The palm is fixed at the grasp pose (the world frame is the object
frame, see :mod:`dexgys.sim.scene`), the 22 joints are position servos, the object is free.

1. **Pre-check**: maximal penetration (:func:`dexgys.sim.quality.max_penetration`) above
   :data:`MAX_PENETRATION` = 5 mm fails the grasp in all six directions without simulating.
2. **Squeeze targets** (the fixed rule, identical for dataset filtering and model evaluation): the
   contacts are those of Q1 but within :data:`SQUEEZE_CONTACT_DISTANCE` = 1 cm: for every hand link
   the hand surface point closest to (or deepest in) the object, if its object signed distance is
   below 1 cm. Each such point is asked to move :data:`SQUEEZE_PUSH` = 1.5 cm along the inward object
   normal (minus the object SDF gradient). The joint offsets come from one damped least-squares step
   through the stacked point Jacobians at the grasp pose (MuJoCo ``mj_jac``):
   ``dq = J^T (J J^T + lambda^2 I)^-1 dx`` with ``lambda`` = :data:`SQUEEZE_DAMPING` = 0.01 m; the
   targets ``q + dq`` are clipped to the joint ranges. Links that touch nothing are not moved, and the
   palm (no joint) contributes nothing. The hand's servos (kp 3 N m/rad, |torque| <= 1.5 N m, from the
   MJCF) turn the unreachable part of the offset into a bounded squeezing force.
3. **Settle**: the joints start at the grasp's ``q`` with the squeeze targets as servo commands and
   the object at rest; :data:`SETTLE_TIME` = 0.5 s is simulated without gravity.
4. **Shake**: from that squeezed state (restored exactly each time with ``mj_setState``), for each of
   :data:`DIRECTION_NAMES` (+x, -x, +y, -y, +z, -z of the object frame) gravity of 9.81 m/s^2 along
   that direction is applied for :data:`SHAKE_TIME` = 1 s.
5. **Held** in a direction when, at every check (every :data:`CHECK_STEPS` = 5 steps = 20 ms) of the
   shake, the object's pose relative to the hand differs from its pose **in the grasp** (before the
   squeeze) by less than :data:`HOLD_TRANSLATION` = 2 cm and :data:`HOLD_ROTATION` = 15 degrees. A
   direction stops at the first check that fails (the recorded displacement is then the one at that
   check). A numerically unstable simulation (MuJoCo's bad-acceleration warning) fails.

``success_all6`` = held in all six directions (primary, DexGraspNet's validator criterion),
``success_any`` = held in at least one (the paper's stated criterion).

Results are deterministic: each grasp starts from ``mj_resetData``, so the outcome does not depend on
the order of grasps or on the number of worker processes. ``workers`` > 1 runs grasps in a process
pool (:mod:`dexgys.sim._pool`: forked on Linux; spawned elsewhere, where the calling script needs an
``if __name__ == "__main__":`` guard); it pays off from a few dozen grasps on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mujoco
import numpy as np

from dexgys.errors import DexgysError
from dexgys.sim._pool import pool_map
from dexgys.sim.scene import GRAVITY, TIMESTEP, SimScene, quat_angle

__all__ = [
    "CHECK_STEPS",
    "DIRECTIONS",
    "DIRECTION_NAMES",
    "HOLD_ROTATION",
    "HOLD_ROTATION_DEG",
    "HOLD_TRANSLATION",
    "SETTLE_TIME",
    "SHAKE_TIME",
    "SQUEEZE_CONTACT_DISTANCE",
    "SQUEEZE_DAMPING",
    "SQUEEZE_PUSH",
    "GraspTestResult",
    "simulate_grasp",
    "squeeze_targets",
    "test_grasps",
]

SQUEEZE_CONTACT_DISTANCE = 0.01  # m: links whose closest point is this near the object are squeezed
SQUEEZE_PUSH = 0.015  # m: how far each contact point is asked to move into the object
SQUEEZE_DAMPING = 0.01  # m: damping lambda of the least-squares step
SETTLE_TIME = 0.5  # s: squeeze without gravity
SHAKE_TIME = 1.0  # s: each gravity direction
CHECK_STEPS = 5  # steps (20 ms) between displacement checks during a shake
HOLD_TRANSLATION = 0.02  # m
HOLD_ROTATION_DEG = 15.0  # degrees
HOLD_ROTATION = math.radians(HOLD_ROTATION_DEG)  # rad
DIRECTIONS = np.array(
    [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], dtype=np.float64
)
DIRECTION_NAMES = ("+x", "-x", "+y", "-y", "+z", "-z")
SETTLE_STEPS = round(SETTLE_TIME / TIMESTEP)
SHAKE_STEPS = round(SHAKE_TIME / TIMESTEP)
_STATE = mujoco.mjtState.mjSTATE_INTEGRATION


def squeeze_targets(
    scene: SimScene,
    data: mujoco.MjData,
    joints: np.ndarray,
    bodies: np.ndarray,
    points: np.ndarray,
    directions: np.ndarray,
) -> np.ndarray:
    """Joint targets ``(n,)`` of the squeeze: contact points ``(K, 3)`` (world) on hand bodies ``(K,)``
    moved :data:`SQUEEZE_PUSH` along unit ``directions`` ``(K, 3)`` by one damped least-squares step.
    ``data`` must hold the grasp pose (after :meth:`SimScene.place_hand`)."""
    joints = np.asarray(joints, dtype=np.float64)
    if len(bodies) == 0:
        return np.clip(joints, scene.joint_lower, scene.joint_upper)
    m = scene.model
    jacp = np.zeros((3, m.nv))
    rows = []
    for body, point in zip(bodies, points):
        mujoco.mj_jac(m, data, jacp, None, np.ascontiguousarray(point, dtype=np.float64), int(body))
        rows.append(jacp[:, scene.hand_dof].copy())
    J = np.concatenate(rows)  # (3K, n)
    dx = SQUEEZE_PUSH * np.asarray(directions, dtype=np.float64).reshape(-1)
    A = J @ J.T + SQUEEZE_DAMPING**2 * np.eye(len(J))
    dq = J.T @ np.linalg.solve(A, dx)
    return np.clip(joints + dq, scene.joint_lower, scene.joint_upper)


def _unstable(data: mujoco.MjData) -> bool:
    return bool(data.warning[mujoco.mjtWarning.mjWARN_BADQACC].number) or not np.isfinite(data.qpos).all()


def simulate_grasp(
    scene: SimScene,
    data: mujoco.MjData,
    translation: np.ndarray,
    rotation: np.ndarray,
    joints: np.ndarray,
    bodies: np.ndarray,
    points: np.ndarray,
    directions: np.ndarray,
    stop_on_failure: bool = False,
) -> dict:
    """Squeeze and shake one grasp (see the module docstring) -> ``{"held" (6,) bool, "translation"
    (6,) m, "rotation" (6,) rad, "squeeze_translation" m, "squeeze_rotation" rad, "unstable" bool}``.

    ``bodies``/``points``/``directions``: the squeeze contacts (MuJoCo body ids, world points, inward
    unit directions), e.g. from :func:`dexgys.sim.quality.link_contacts`. ``stop_on_failure``: skip
    the remaining directions once one fails (they are reported not held, displacement NaN) -- for
    filters that only need ``success_all6``; evaluation keeps the default, every direction.
    """
    m = scene.model
    scene.place_hand(data, translation, rotation, joints)
    target = squeeze_targets(scene, data, joints, bodies, points, directions)
    data.ctrl[scene.hand_actuators] = target
    mujoco.mj_step(m, data, nstep=SETTLE_STEPS)
    held = np.zeros(6, dtype=bool)
    trans = np.full(6, np.nan)
    rot = np.full(6, np.nan)
    pos0, quat0 = scene.object_pose(data)
    squeeze_t, squeeze_r = float(np.linalg.norm(pos0)), quat_angle(quat0)
    if _unstable(data):
        return {"held": held, "translation": trans, "rotation": rot, "squeeze_translation": squeeze_t,
                "squeeze_rotation": squeeze_r, "unstable": True}
    state = np.empty(mujoco.mj_stateSize(m, _STATE))
    mujoco.mj_getState(m, data, state, _STATE)
    unstable = False
    for k, direction in enumerate(DIRECTIONS):
        mujoco.mj_setState(m, data, state, _STATE)
        data.warning[mujoco.mjtWarning.mjWARN_BADQACC].number = 0
        m.opt.gravity[:] = GRAVITY * direction
        max_t = max_r = 0.0
        ok = True
        for _ in range(0, SHAKE_STEPS, CHECK_STEPS):
            mujoco.mj_step(m, data, nstep=CHECK_STEPS)
            if _unstable(data):
                ok, unstable = False, True
                break
            pos, quat = scene.object_pose(data)
            max_t = max(max_t, float(np.linalg.norm(pos)))
            max_r = max(max_r, quat_angle(quat))
            if max_t >= HOLD_TRANSLATION or max_r >= HOLD_ROTATION:
                ok = False
                break
        held[k], trans[k], rot[k] = ok, max_t, max_r
        if not ok and stop_on_failure:
            break
    m.opt.gravity[:] = 0.0
    return {"held": held, "translation": trans, "rotation": rot, "squeeze_translation": squeeze_t,
            "squeeze_rotation": squeeze_r, "unstable": unstable}


@dataclass
class GraspTestResult:
    """Per-grasp physics outcomes (B grasps); directions in :data:`DIRECTION_NAMES` order.

    ``held`` ``(B, 6)`` bool; ``success_all6``/``success_any`` ``(B,)`` bool; ``simulated`` ``(B,)``
    bool (False: failed the penetration pre-check); ``penetration`` ``(B,)`` m; ``translation`` /
    ``rotation`` ``(B, 6)`` largest object displacement from the grasp pose seen during each shake
    (m / rad; NaN when not simulated); ``squeeze_translation``/``squeeze_rotation`` ``(B,)`` after the
    settle; ``n_contacts`` ``(B,)`` squeeze contacts; ``unstable`` ``(B,)`` bool.
    """

    held: np.ndarray
    simulated: np.ndarray
    penetration: np.ndarray
    translation: np.ndarray
    rotation: np.ndarray
    squeeze_translation: np.ndarray
    squeeze_rotation: np.ndarray
    n_contacts: np.ndarray
    unstable: np.ndarray

    directions = DIRECTION_NAMES

    @property
    def success_all6(self) -> np.ndarray:
        return self.held.all(axis=1)

    @property
    def success_any(self) -> np.ndarray:
        return self.held.any(axis=1)

    def __len__(self) -> int:
        return len(self.held)

    def summary(self) -> dict:
        """Rates in [0, 1]: ``success_all6``, ``success_any``, ``held_<dir>`` per direction, plus counts."""
        n = max(len(self), 1)
        out = {
            "n_grasps": len(self),
            "success_all6": float(self.success_all6.sum() / n),
            "success_any": float(self.success_any.sum() / n),
        }
        for k, name in enumerate(DIRECTION_NAMES):
            out[f"held_{name}"] = float(self.held[:, k].sum() / n)
        out["failed_precheck"] = int((~self.simulated).sum())
        out["unstable"] = int(self.unstable.sum())
        return out


# ------------------------------------------------------------------ worker processes
_WORKER_SCENE: SimScene | None = None
_WORKER_DATA: mujoco.MjData | None = None


def _init_worker(scene: SimScene) -> None:
    global _WORKER_SCENE, _WORKER_DATA
    _WORKER_SCENE = scene
    _WORKER_DATA = scene.new_data()


def _run_item(item: tuple) -> dict:
    return simulate_grasp(_WORKER_SCENE, _WORKER_DATA, *item)


def test_grasps(hand, obj, grasps, *, workers: int = 1, scene: SimScene | None = None) -> GraspTestResult:
    """Physics-test grasps ``(B, 6+n)`` records (or a :class:`~dexgys.hands.HandPose`) of ``hand`` on
    ``obj``. ``workers`` > 1 spreads grasps over that many processes (MuJoCo uses one core each);
    ``scene`` reuses a scene from :func:`~dexgys.sim.scene.build_scene` (built here otherwise)."""
    from dexgys.sim.quality import MAX_PENETRATION, link_contacts, max_penetration
    from dexgys.sim.scene import build_scene

    if workers < 1:
        raise DexgysError(f"workers must be at least 1, got {workers}")
    pose = hand.as_pose(grasps)
    B = pose.batch_size
    pen = max_penetration(hand, obj, pose)
    contacts = link_contacts(hand, obj, pose, SQUEEZE_CONTACT_DISTANCE)
    scene = scene or build_scene(hand, obj)
    t = pose.translation.detach().cpu().double().numpy()
    R = pose.rotation.detach().cpu().double().numpy()
    q = pose.joints.detach().cpu().double().numpy()
    simulated = pen <= MAX_PENETRATION
    items, index = [], []
    for b in np.nonzero(simulated)[0]:
        mask = contacts.mask[b]
        bodies = scene.link_bodies[contacts.links[mask]]
        items.append((t[b], R[b], q[b], bodies, contacts.hand_points[b, mask], -contacts.normals[b, mask]))
        index.append(b)
    outcomes = pool_map(_run_item, items, workers, _init_worker, (scene,))

    held = np.zeros((B, 6), dtype=bool)
    trans = np.full((B, 6), np.nan)
    rot = np.full((B, 6), np.nan)
    sq_t = np.full(B, np.nan)
    sq_r = np.full(B, np.nan)
    unstable = np.zeros(B, dtype=bool)
    for b, out in zip(index, outcomes):
        held[b], trans[b], rot[b] = out["held"], out["translation"], out["rotation"]
        sq_t[b], sq_r[b], unstable[b] = out["squeeze_translation"], out["squeeze_rotation"], out["unstable"]
    return GraspTestResult(
        held=held,
        simulated=simulated,
        penetration=pen,
        translation=trans,
        rotation=rot,
        squeeze_translation=sq_t,
        squeeze_rotation=sq_r,
        n_contacts=contacts.mask.sum(1),
        unstable=unstable,
    )


test_grasps.__test__ = False  # not a pytest test, despite its name
