"""The physics grasp test under a named protocol: derive the joint poses, pre-check, load six ways.

The rules of every protocol -- ours (``"dexgys"``, ``dexgys-sim-2``), DexGraspBench's and
DexGraspNet's -- are data (:mod:`dexgys.sim.protocols`, whose docstring gives the generic test and
the sources of every number); this module runs them. One grasp = hand pose + object; the world
frame is the object frame (:mod:`dexgys.sim.scene`). The default protocol, ``"dexgys"``
(``spec/evaluation.md``, "Physics success"), spelled out:

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
``success_any`` = held in at least one (the paper's stated criterion, and DextER's released DexGYS
evaluator's).

Other protocols change the same steps: DexGraspBench starts at a pre-grasp, moves the targets to the
grasp and to a squeeze before loading with a force; DexGraspNet starts at (and holds) the grasp
pushed 1 mm into the object and judges "still in contact" once, at the end. Their pre-grasp,
squeeze and pushed poses are derived from the grasp record here (a record carries one pose).

Results are deterministic: each grasp starts from ``mj_resetData``, so the outcome does not depend on
the order of grasps or on the number of worker processes. ``workers`` > 1 runs grasps in a process
pool (:mod:`dexgys.sim._pool`: forked on Linux; spawned elsewhere, where the calling script needs an
``if __name__ == "__main__":`` guard); it pays off from a few dozen grasps on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import mujoco
import numpy as np

from dexgys.errors import DexgysError
from dexgys.sim._pool import pool_map
from dexgys.sim.protocols import DEFAULT_PROTOCOL, JointPush, Protocol, get_protocol
from dexgys.sim.scene import TIMESTEP, SimScene, quat_angle

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
    "joint_offsets",
    "joint_pose",
    "precheck_values",
    "simulate_grasp",
    "stage_joint_poses",
    "test_grasps",
]

# the "dexgys" protocol's constants (its entry in dexgys.sim.protocols holds the same numbers)
SQUEEZE_CONTACT_DISTANCE = 0.01  # m: links whose closest point is this near the object are squeezed
SQUEEZE_PUSH = 0.015  # m: how far each contact point is asked to move into the object
SQUEEZE_DAMPING = 0.01  # m: damping lambda of the least-squares step
SETTLE_TIME = 0.5  # s: squeeze without gravity
SHAKE_TIME = 1.0  # s: each gravity direction
CHECK_STEPS = 5  # steps (20 ms) between displacement checks during a shake
HOLD_TRANSLATION = 0.02  # m
HOLD_ROTATION_DEG = 15.0  # degrees
HOLD_ROTATION = math.radians(HOLD_ROTATION_DEG)  # rad
DIRECTIONS = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], dtype=np.float64)
DIRECTION_NAMES = ("+x", "-x", "+y", "-y", "+z", "-z")
SETTLE_STEPS = round(SETTLE_TIME / TIMESTEP)
SHAKE_STEPS = round(SHAKE_TIME / TIMESTEP)
_STATE = mujoco.mjtState.mjSTATE_INTEGRATION


def joint_offsets(
    scene: SimScene,
    data: mujoco.MjData,
    bodies: np.ndarray,
    points: np.ndarray,
    directions: np.ndarray,
    push: JointPush | None = None,
) -> np.ndarray:
    """Joint offsets ``dq`` ``(n,)`` that move contact points ``(K, 3)`` (world) on hand bodies
    ``(K,)`` ``push.push_m`` along unit ``directions`` ``(K, 3)`` (see :class:`JointPush`; default:
    the scene's protocol). ``data`` must hold the grasp pose (after :meth:`SimScene.place_hand`)."""
    push = push or scene.protocol.push
    if len(bodies) == 0:
        return np.zeros(len(scene.hand_dof))
    m = scene.model
    jacp = np.zeros((3, m.nv))
    rows = []
    for body, point in zip(bodies, points):
        mujoco.mj_jac(m, data, jacp, None, np.ascontiguousarray(point, dtype=np.float64), int(body))
        rows.append(jacp[:, scene.hand_dof].copy())
    J = np.concatenate(rows)  # (3K, n)
    dx = push.push_m * np.asarray(directions, dtype=np.float64).reshape(-1)
    if push.solve == "gradient":
        return push.gain * (J.T @ dx)
    A = J @ J.T + push.damping_m**2 * np.eye(len(J))
    return J.T @ np.linalg.solve(A, dx)


def joint_pose(scene: SimScene, joints: np.ndarray, offsets: np.ndarray, a: float) -> np.ndarray:
    """Joint pose ``a`` of a test: the grasp's ``joints`` as given for ``a = 0``, otherwise
    ``joints + a * offsets`` clipped to the joint ranges."""
    joints = np.asarray(joints, dtype=np.float64)
    if a == 0:
        return joints
    return np.clip(joints + a * offsets, scene.joint_lower, scene.joint_upper)


def stage_joint_poses(
    hand, obj, grasps, protocol: str | Protocol = "dexgraspbench", scene: SimScene | None = None
) -> dict[str, np.ndarray]:
    """The joint poses a protocol derives from grasps ``(B, 6+n)``: ``{"pregrasp", "grasp",
    "squeeze"}`` -> ``(B, n)`` each, ``pose(-1)``, ``pose(0)`` and ``pose(1)`` of the protocol's
    joint push (the module docstring; under ``"dexgraspbench"`` BODex's pre-grasp 1 cm off and
    squeeze 1 cm in). The palm stays at the grasp's root pose in all three."""
    from dexgys.sim.quality import link_contacts
    from dexgys.sim.scene import build_scene

    protocol = get_protocol(protocol)
    pose = hand.as_pose(grasps)
    contacts = link_contacts(hand, obj, pose, protocol.push.contact_distance_m)
    scene = scene or build_scene(hand, obj, protocol)
    data = scene.new_data()
    t = pose.translation.detach().cpu().double().numpy()
    R = pose.rotation.detach().cpu().double().numpy()
    q = pose.joints.detach().cpu().double().numpy()
    out = {"pregrasp": [], "grasp": [], "squeeze": []}
    for b in range(pose.batch_size):
        mask = contacts.mask[b]
        scene.place_hand(data, t[b], R[b], q[b])
        dq = joint_offsets(
            scene,
            data,
            scene.link_bodies[contacts.links[mask]],
            contacts.hand_points[b, mask],
            -contacts.normals[b, mask],
            protocol.push,
        )
        for key, a in (("pregrasp", -1.0), ("grasp", 0.0), ("squeeze", 1.0)):
            out[key].append(joint_pose(scene, q[b], dq, a))
    return {k: np.array(v, dtype=np.float64).reshape(pose.batch_size, -1) for k, v in out.items()}


def _unstable(data: mujoco.MjData) -> bool:
    return bool(data.warning[mujoco.mjtWarning.mjWARN_BADQACC].number) or not np.isfinite(data.qpos).all()


def _touching(scene: SimScene, data: mujoco.MjData, distance: float) -> bool:
    """Whether some hand geom is within ``distance`` (m) of the object in ``data``'s state: MuJoCo's
    collision pass run once with the object geoms' margin (and gap, so no force would act) set to
    ``distance``; the model's margins are restored afterwards."""
    m, geoms = scene.model, scene.object_geoms
    margin, gap = m.geom_margin[geoms].copy(), m.geom_gap[geoms].copy()
    m.geom_margin[geoms] = m.geom_gap[geoms] = distance
    try:
        mujoco.mj_fwdPosition(m, data)
        pairs = data.contact.geom[: data.ncon]
        hand = np.isin(pairs, scene.hand_geoms).any(axis=1) & np.isin(pairs, geoms).any(axis=1)
        return bool((data.contact.dist[: data.ncon][hand] <= distance).any())
    finally:
        m.geom_margin[geoms], m.geom_gap[geoms] = margin, gap


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
    """Test one grasp under the scene's protocol (see the module docstring and
    :mod:`dexgys.sim.protocols`) -> ``{"held" (6,) bool, "translation" (6,) m, "rotation" (6,) rad,
    "squeeze_translation" m, "squeeze_rotation" rad, "unstable" bool}``; the squeeze displacement is
    the object's after the joint-pose stages, translation/rotation the largest seen at the checks.

    ``bodies``/``points``/``directions``: the contacts of the joint push (MuJoCo body ids, world
    points, inward unit directions), e.g. from :func:`dexgys.sim.quality.link_contacts`.
    ``stop_on_failure``: skip the remaining directions once one fails (they are reported not held,
    displacement NaN) -- for filters that only need ``success_all6``; evaluation keeps the default,
    every direction.
    """
    m, p = scene.model, scene.protocol
    scene.place_hand(data, translation, rotation, joints)
    offsets = joint_offsets(scene, data, bodies, points, directions)
    previous = joint_pose(scene, joints, offsets, p.start)
    if p.start != 0:
        scene.place_hand(data, translation, rotation, previous)
    for stage in p.stages:
        target = joint_pose(scene, joints, offsets, stage.pose)
        for ctrl in np.linspace(previous, target, stage.substeps + 1)[1:]:
            scene.set_joint_targets(data, ctrl)
            mujoco.mj_step(m, data, nstep=stage.steps)
        previous = target
    held = np.zeros(6, dtype=bool)
    trans = np.full(6, np.nan)
    rot = np.full(6, np.nan)
    pos0, quat0 = scene.object_pose(data)
    squeeze_t, squeeze_r = float(np.linalg.norm(pos0)), quat_angle(quat0)
    if _unstable(data):
        return {
            "held": held,
            "translation": trans,
            "rotation": rot,
            "squeeze_translation": squeeze_t,
            "squeeze_rotation": squeeze_r,
            "unstable": True,
        }
    state = np.empty(mujoco.mj_stateSize(m, _STATE))
    mujoco.mj_getState(m, data, state, _STATE)
    unstable = False
    max_rotation = p.hold_rotation_rad
    for k, direction in enumerate(DIRECTIONS):
        mujoco.mj_setState(m, data, state, _STATE)
        data.warning[mujoco.mjtWarning.mjWARN_BADQACC].number = 0
        if p.load == "gravity":
            m.opt.gravity[:] = p.load_m_s2 * direction
        else:
            data.xfrc_applied[scene.object_body, :3] = p.load_m_s2 * scene.object_mass * direction
        max_t = max_r = 0.0
        ok = True
        for _ in range(0, p.load_steps, p.check_steps):
            mujoco.mj_step(m, data, nstep=p.check_steps)
            if _unstable(data):
                ok, unstable = False, True
                break
            pos, quat = scene.object_pose(data)
            max_t = max(max_t, float(np.linalg.norm(pos)))
            max_r = max(max_r, quat_angle(quat))
            if max_t >= p.hold_translation_m or max_r >= max_rotation:
                ok = False
                break
        if ok and p.hold == "contact":
            ok = _touching(scene, data, p.hold_contact_distance_m)
        held[k], trans[k], rot[k] = ok, max_t, max_r
        if not ok and stop_on_failure:
            break
    m.opt.gravity[:] = 0.0
    return {
        "held": held,
        "translation": trans,
        "rotation": rot,
        "squeeze_translation": squeeze_t,
        "squeeze_rotation": squeeze_r,
        "unstable": unstable,
    }


@dataclass
class GraspTestResult:
    """Per-grasp physics outcomes (B grasps) under ``protocol``; directions in
    :data:`DIRECTION_NAMES` order.

    ``held`` ``(B, 6)`` bool; ``success_all6``/``success_any`` ``(B,)`` bool; ``simulated`` ``(B,)``
    bool (False: failed the penetration pre-check); ``penetration`` ``(B,)`` m, the maximal
    penetration at the grasp; ``precheck`` ``(B,)`` m, the value the pre-check compared (the maximal
    penetration at the protocol's pre-check pose, or the penetration energy); ``translation`` /
    ``rotation`` ``(B, 6)`` largest object displacement from the grasp pose seen during each load
    (m / rad; NaN when not simulated); ``squeeze_translation``/``squeeze_rotation`` ``(B,)`` after the
    joint-pose stages; ``n_contacts`` ``(B,)`` contacts of the joint push; ``unstable`` ``(B,)`` bool.
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
    precheck: np.ndarray | None = None
    protocol: Protocol = field(default_factory=lambda: get_protocol(DEFAULT_PROTOCOL))

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
        """``protocol`` (its id), rates in [0, 1]: ``success_all6``, ``success_any``, ``held_<dir>``
        per direction, plus counts."""
        n = max(len(self), 1)
        out = {
            "protocol": self.protocol.protocol_id,
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


def precheck_values(hand, obj, pose, scene: SimScene, items: list[tuple], penetration: np.ndarray) -> np.ndarray:
    """The value ``(B,)`` (m) the protocol's pre-check compares: the maximal penetration or the
    penetration energy, at the joint pose ``scene.protocol.precheck_pose`` of each grasp. ``items``:
    per grasp ``(t, R, q, bodies, points, directions)`` as :func:`simulate_grasp` takes them;
    ``penetration``: the maximal penetration ``(B,)`` at the grasp itself (m)."""
    from dexgys.hands import HandPose
    from dexgys.sim.quality import max_penetration, penetration_energy

    p = scene.protocol
    if p.precheck_pose != 0:
        data = scene.new_data()
        joints = []
        for t, R, q, bodies, points, directions in items:
            scene.place_hand(data, t, R, q)
            joints.append(joint_pose(scene, q, joint_offsets(scene, data, bodies, points, directions), p.precheck_pose))
        pose = HandPose(pose.translation, pose.rotation, pose.joints.new_tensor(np.stack(joints)))
    if p.precheck == "energy":
        return penetration_energy(hand, obj, pose, p.energy_samples)
    return penetration if p.precheck_pose == 0 else max_penetration(hand, obj, pose)


def test_grasps(
    hand,
    obj,
    grasps,
    *,
    workers: int = 1,
    scene: SimScene | None = None,
    protocol: str | Protocol = DEFAULT_PROTOCOL,
    progress: bool = False,
) -> GraspTestResult:
    """Physics-test grasps ``(B, 6+n)`` records (or a :class:`~dexgys.hands.HandPose`) of ``hand`` on
    ``obj`` under ``protocol`` (a name of :data:`dexgys.sim.protocols.PROTOCOLS` or a
    :class:`~dexgys.sim.protocols.Protocol`). ``workers`` > 1 spreads grasps over that many
    processes (MuJoCo uses one core each); ``scene`` reuses a scene from
    :func:`~dexgys.sim.scene.build_scene` built for the same protocol (built here otherwise);
    ``progress``: a bar on stderr while the grasps are simulated."""
    from dexgys.sim.quality import link_contacts, max_penetration
    from dexgys.sim.scene import build_scene

    protocol = get_protocol(protocol)
    if workers < 1:
        raise DexgysError(f"workers must be at least 1, got {workers}")
    if scene is not None and scene.protocol != protocol:
        raise DexgysError(f"the scene was built for protocol {scene.protocol.name!r}, not {protocol.name!r}")
    pose = hand.as_pose(grasps)
    B = pose.batch_size
    pen = max_penetration(hand, obj, pose)
    contacts = link_contacts(hand, obj, pose, protocol.push.contact_distance_m)
    scene = scene or build_scene(hand, obj, protocol)
    t = pose.translation.detach().cpu().double().numpy()
    R = pose.rotation.detach().cpu().double().numpy()
    q = pose.joints.detach().cpu().double().numpy()
    all_items = []
    for b in range(B):
        mask = contacts.mask[b]
        bodies = scene.link_bodies[contacts.links[mask]]
        all_items.append((t[b], R[b], q[b], bodies, contacts.hand_points[b, mask], -contacts.normals[b, mask]))
    precheck = precheck_values(hand, obj, pose, scene, all_items, pen)
    simulated = precheck <= protocol.precheck_threshold_m
    index = np.nonzero(simulated)[0]
    outcomes = pool_map(
        _run_item, [all_items[b] for b in index], workers, _init_worker, (scene,), "simulating" if progress else None
    )

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
        precheck=precheck,
        protocol=protocol,
    )


test_grasps.__test__ = False  # not a pytest test, despite its name
