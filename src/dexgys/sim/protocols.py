"""Named physics protocols: each grasp-test rule set of the field as one frozen :class:`Protocol`.

A success rate is only comparable under the protocol that produced it, so every result of
:func:`dexgys.sim.grasp_test.test_grasps` names its protocol. A protocol is data -- scene settings,
servo gains, how the joint poses of the test are derived from the grasp, the load, the durations and
the thresholds -- and :mod:`dexgys.sim.scene` / :mod:`dexgys.sim.grasp_test` interpret it. Adding a
protocol means adding an entry to :data:`PROTOCOLS` (or passing a :class:`Protocol` of your own).

The test of one grasp ``[t | R | q]`` under a protocol ``P``:

1. **Contacts and joint offsets** (:class:`JointPush`): the links whose closest hand surface point is
   within ``P.push.contact_distance_m`` of the object; each such point asked to move ``P.push.push_m``
   along the inward object normal; the joint offsets ``dq`` that do it, from the point Jacobians at
   the grasp (damped least squares or a plain gradient step). ``dq = 0`` when nothing touches.
2. **Joint poses**: ``pose(a)`` = the grasp's own joints for ``a = 0`` and ``clip(q + a dq)`` to the
   joint ranges otherwise. The hand starts at ``pose(P.start)`` (the servo targets too), then each
   :class:`Stage` moves the targets linearly to ``pose(stage.pose)`` in ``stage.substeps`` equal
   steps, each held ``stage.steps`` MuJoCo steps. The palm stays at the grasp's root pose throughout.
3. **Pre-check** at ``pose(P.precheck_pose)``: ``"max"`` = the maximal penetration
   (:func:`dexgys.sim.quality.max_penetration`) or ``"energy"`` = DexGraspNet's penetration energy
   (:func:`dexgys.sim.quality.penetration_energy`) above ``P.precheck_threshold_m`` fails the grasp in
   all six directions without simulating.
4. **Load**: from the state after the stages (restored exactly for each direction), for each of the
   six object-frame axes +x, -x, +y, -y, +z, -z, ``"gravity"`` of ``P.load_m_s2`` along it, or a
   ``"force"`` of ``P.load_m_s2`` x the object mass applied at its centre of mass, for
   ``P.load_steps`` steps.
5. **Held**: ``"pose"``: at every check (each ``P.check_steps`` steps) the object's position differs
   from the grasp's (the object frame) by less than ``P.hold_translation_m`` and its orientation by
   less than ``P.hold_rotation_deg``; a direction stops at the first failed check. ``"contact"``: at
   the end of the load, some hand geom is within ``P.hold_contact_distance_m`` of the object.
   A numerically unstable simulation (MuJoCo's bad-acceleration warning) fails in every protocol.

The registered protocols (:data:`PROTOCOLS`; the sources are cited constant by constant below):

* ``"dexgys"`` -- ours, ``dexgys-sim-2`` (``spec/evaluation.md``): palm fixed, the MJCF's servos,
  friction 1.0 / 0.01, squeeze = 1.5 cm Jacobian push held 0.5 s, gravity 9.81 m/s^2 for 1 s per
  direction, held < 2 cm and < 15 degrees, 5 mm max-penetration pre-check.
* ``"dexgraspbench"`` -- DexGraspBench's force-closure test (JYChen18/DexGraspBench, main branch,
  commit 1e7a5a6): palm on a mocap weld, kp 5, friction 0.6 / 0.02, object 0.1 kg, pre-grasp ->
  grasp -> squeeze, then 10 x mass newtons along each axis for 2 s, held < 5 cm and < 15 degrees,
  1 cm pre-check at the pre-grasp.
* ``"dexgraspnet"`` -- DexGraspNet's Isaac Gym validator (PKU-EPIC/DexGraspNet, commit bdb423c)
  approximated in MuJoCo: palm fixed, PD stiffness 1000, friction 3.0, density 500, the 1 mm
  ``dis_move`` push, gravity 9.8 m/s^2 for 100 steps of 1/60 s per direction, held = still in
  contact, valid = all six and penetration energy < 1 mm.

This module holds data only (no torch, no MuJoCo), so worker processes import it cheaply.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from dexgys.errors import DexgysError

__all__ = ["DEFAULT_PROTOCOL", "PROTOCOLS", "JointPush", "Protocol", "Stage", "get_protocol"]

PUSH_SOLVES = ("damped-least-squares", "gradient")
ROOTS = ("fixed", "mocap-weld")
PRECHECKS = ("max", "energy")
LOADS = ("gravity", "force")
HOLDS = ("pose", "contact")


@dataclass(frozen=True)
class JointPush:
    """Joint offsets ``dq`` that move the grasp's contact points ``push_m`` into the object.

    Contacts: for every hand link, the hand surface point closest to (or deepest in) the object, if
    its signed distance is below ``contact_distance_m`` (:func:`dexgys.sim.quality.link_contacts`).
    With ``J`` the stacked point Jacobians (m/rad) at the grasp and ``dx`` = ``push_m`` x the inward
    unit normals, ``solve`` = ``"damped-least-squares"``: ``dq = J^T (J J^T + damping_m^2 I)^-1 dx``;
    ``"gradient"``: ``dq = gain J^T dx`` (one gradient step on ``|p(q) - target|^2``, as DexGraspNet).
    """

    contact_distance_m: float
    push_m: float
    solve: str
    damping_m: float = 0.0
    gain: float = 0.0


@dataclass(frozen=True)
class Stage:
    """Servo targets moved linearly from the previous joint pose to ``pose(pose)`` (see the module
    docstring) in ``substeps`` equal steps, each held for ``steps`` MuJoCo steps."""

    pose: float
    substeps: int
    steps: int


@dataclass(frozen=True)
class Protocol:
    """One physics grasp-test rule set; every field is a number or a name (SI units, angles in
    degrees where the name says so). ``None`` means "keep what the hand's MJCF says"."""

    name: str  # registry key, e.g. "dexgraspbench"
    protocol_id: str  # the versioned id written into reports, e.g. "dexgys-sim-2"
    source: str  # where the rules come from
    # --- MuJoCo options
    timestep_s: float
    impratio: float
    noslip_iterations: int
    solver_iterations: int
    solver_tolerance: float
    ls_iterations: int
    # --- contacts (MuJoCo combines two geoms' friction by the element-wise maximum, condim by the
    # maximum, solref/solimp by the solmix-weighted average)
    object_friction: tuple[float, float, float]  # sliding, torsional, rolling
    object_condim: int
    hand_friction: tuple[float, float, float] | None
    hand_condim: int | None
    hand_solref: tuple[float, float] | None
    hand_solimp: tuple[float, float, float, float, float] | None
    # --- hand
    root: str  # "fixed" (palm welded to the world) or "mocap-weld" (palm free, welded to a mocap body)
    weld_solref: tuple[float, float] | None
    weld_solimp: tuple[float, float, float, float, float] | None
    servo_kp: float | None  # position-servo stiffness, N m / rad
    servo_force_limit: float | None  # |torque| limit, N m (math.inf: unlimited)
    # --- object
    object_density_kg_m3: float
    object_mass_kg: float | None  # fixed mass (density rescaled to reach it) or None (density)
    # --- joint poses
    push: JointPush
    start: float
    stages: tuple[Stage, ...]
    # --- pre-check
    precheck: str  # "max" or "energy"
    precheck_threshold_m: float
    precheck_pose: float
    energy_samples: int
    # --- load and hold
    load: str  # "gravity" or "force"
    load_m_s2: float
    load_steps: int
    check_steps: int
    hold: str  # "pose" or "contact"
    hold_translation_m: float
    hold_rotation_deg: float
    hold_contact_distance_m: float

    def __post_init__(self) -> None:
        for value, allowed, what in (
            (self.push.solve, PUSH_SOLVES, "push solve"),
            (self.root, ROOTS, "root"),
            (self.precheck, PRECHECKS, "pre-check"),
            (self.load, LOADS, "load"),
            (self.hold, HOLDS, "hold rule"),
        ):
            if value not in allowed:
                raise DexgysError(
                    f"protocol {self.name!r}: unknown {what} {value!r}; choose one of {', '.join(allowed)}"
                )
        if self.check_steps < 1 or self.load_steps < self.check_steps or self.timestep_s <= 0:
            raise DexgysError(f"protocol {self.name!r}: needs timestep > 0 and 1 <= check_steps <= load_steps")

    @property
    def hold_rotation_rad(self) -> float:
        return math.radians(self.hold_rotation_deg)

    def constants(self) -> dict:
        """Every field as JSON-ready values (stages and the push as dicts, tuples as lists, infinite
        limits as None), plus ``load_time_s`` and ``servo_force_unlimited``."""

        def finite(value):
            if isinstance(value, float) and math.isinf(value):
                return None
            if isinstance(value, (list, tuple)):
                return [finite(v) for v in value]
            if isinstance(value, dict):
                return {k: finite(v) for k, v in value.items()}
            return value

        out = finite(asdict(self))
        out["load_time_s"] = self.load_steps * self.timestep_s
        out["servo_force_unlimited"] = self.servo_force_limit is not None and math.isinf(self.servo_force_limit)
        return out


# ---------------------------------------------------------------------------------------------------
# dexgys-sim-2 (ours). The numbers are the module constants of dexgys.sim.scene / grasp_test /
# quality, repeated here so that this module stays free of MuJoCo; tests/test_protocols.py checks
# that they agree.
DEXGYS = Protocol(
    name="dexgys",
    protocol_id="dexgys-sim-2",
    source="dexgys spec/evaluation.md (ours)",
    timestep_s=0.004,
    impratio=10.0,
    noslip_iterations=0,
    solver_iterations=100,
    solver_tolerance=1e-8,
    ls_iterations=50,
    object_friction=(1.0, 0.01, 0.0001),
    object_condim=4,
    hand_friction=None,  # the MJCF's (1, 0.005, 0.0001), condim 3: the object's values win the maximum
    hand_condim=None,
    hand_solref=None,
    hand_solimp=None,
    root="fixed",
    weld_solref=None,
    weld_solimp=None,
    servo_kp=None,  # the MJCF's kp 3 N m / rad, |torque| <= 1.5 N m
    servo_force_limit=None,
    object_density_kg_m3=500.0,
    object_mass_kg=None,
    push=JointPush(contact_distance_m=0.01, push_m=0.015, solve="damped-least-squares", damping_m=0.01),
    start=0.0,
    stages=(Stage(pose=1.0, substeps=1, steps=125),),  # the squeeze targets held 0.5 s
    precheck="max",
    precheck_threshold_m=0.005,
    precheck_pose=0.0,
    energy_samples=0,
    load="gravity",
    load_m_s2=9.81,
    load_steps=250,  # 1 s
    check_steps=5,  # 20 ms
    hold="pose",
    hold_translation_m=0.02,
    hold_rotation_deg=15.0,
    hold_contact_distance_m=0.0,
)

# ---------------------------------------------------------------------------------------------------
# DexGraspBench, main branch (commit 1e7a5a6), setting "fc" with the Shadow Hand on a mocap base.
# File:line references are to that commit; BODex = JYChen18/BODex commit 063a5db.
#
# * options: timestep 0.004 s (src/util/hand_util.py:33), implicitfast (:34), gravity disabled (:35),
#   elliptic cones, impratio 10, 2 no-slip iterations (:171-173); Newton, 100 iterations, tolerance
#   1e-8, 50 line-search iterations are MuJoCo's defaults, which they keep.
# * friction (0.6, 0.02) tangential / torsional on every geom, hand and object, condim 4
#   (config/task/eval.yaml:3 ``miu_coef``; hand_util.py:174-176); rolling keeps MuJoCo's 1e-4.
# * hand geoms solimp (0.5, 0.99, 0.0001) and solref (0.005, 1) (hand_util.py:106-111; the last two
#   solimp values keep MuJoCo's 0.5, 2); object geoms keep MuJoCo's defaults.
# * hand root: a freejoint welded to a mocap body, weld solimp (0.9, 0.95, 0.001, 0.5, 2),
#   torquescale 1, solref MuJoCo's default (0.02, 1) (hand_util.py:118-128; config/hand/shadow.yaml:2).
# * servos: kp 5, force range +-3 N m (assets/hand/shadow/right_hand.xml:10; README.md:88: "raising
#   the hand's kp from 1 to 5").
# * object mass 0.1 kg: the density is rescaled so that the mass is exactly obj_mass
#   (config/task/eval.yaml:2; src/task/eval_func/base.py:26-32).
# * joint poses: reset to the pre-grasp, then pre-grasp -> grasp and grasp -> squeeze, each a linear
#   interpolation of the servo targets in 10 steps of 10 MuJoCo steps (0.4 s each)
#   (src/task/eval_func/fc_mocap.py:25-42; hand_util.py:274-289 step_outer = step_inner = 10;
#   src/util/rot_util.py:24-25 ``linspace(...)[1:]``).
# * pre-check at the pre-grasp: any hand-object contact deeper than 1 cm fails
#   (eval.yaml:9 ``max_pene``; base.py:104-124).
# * load: an external force of 10 x obj_mass newtons on the object (``xfrc_applied``, at its centre of
#   mass, world frame) along -x, +x, -y, +y, -z, +z, each after a fresh reset and approach
#   (fc_mocap.py:13-47; hand_util.py:256-258), held for 10 x 50 steps = 2 s (fc_mocap.py:50-51).
# * held: after every 50 steps, the object's displacement from its initial pose is < 5 cm and its
#   rotation < 15 degrees, else the test stops (fc_mocap.py:53-64; eval.yaml:10-11;
#   rot_util.py:46-55); success = held in all six (base.py:134-139).
#
# Pre-grasp and squeeze when a grasp file carries only the grasp (DexGraspBench needs all three):
# BODex, whose grasps DexGraspBench publishes, optimises the pre-grasp as the same contacts at 1 cm
# from the surface (configs/manip/sim_shadow/fc.yml:31-36 ``distance: [0.01, 0.01, 0.0]``,
# ``save_qpos: [False, True]``: the pose saved when the 1 cm stage ends; rollout/cost/grasp_cost.py:
# 142-155), then the grasp at 0 cm, and sets the squeeze to the grasp's root with joints
# ``2 q_grasp - q_pregrasp`` (example_grasp/plan_batch_env.py:235-241). Here: pre-grasp = pose(-1),
# the grasp's contact points (links within 1 cm) moved 1 cm out along the object normal by a damped
# least-squares step through the Jacobian (lambda = 1 cm, as dexgys's squeeze); squeeze = pose(+1),
# the same offset the other way, which is BODex's ``2 q_grasp - q_pregrasp`` unless a joint limit
# clipped the pre-grasp. The root stays at the grasp's for all three (BODex re-optimises the root
# between its stages; a record has no other root to offer). The baseline branch's converter for
# DexGraspNet grasps (src/task/convert_format.py:83-100 on commit 9c961a4: pre-grasp 0.9 q,
# squeeze 1.1 q) is not used: it belongs to that branch's older settings (30 g, kp 1) and scales
# about the zero pose, which squeezes a nearly straight finger by almost nothing.
#
# Differences that remain: the hand is the dexgys hand's MJCF (its collision geometry, masses,
# joint damping and armature, 22 independent servos), not DexGraspBench's Menagerie Shadow Hand
# (joint damping 0.05, armature 0.0002, friction loss 0.01, middle and distal joints driven together
# by one tendon actuator); hand-hand contacts are off (the MJCF's collision filter), so their
# self-penetration half of the pre-check is absent; the pre-check measures object surface samples
# inside the hand (max_penetration) where they take MuJoCo's deepest contact; the approach runs once
# and its end state is restored for each direction (they redo it from a reset: the same trajectory,
# MuJoCo being deterministic; their mj_forward after each target change does not alter it either);
# all six directions run (they stop at the first failure: success_all6 is the same).
DEXGRASPBENCH = Protocol(
    name="dexgraspbench",
    protocol_id="dexgraspbench-fc-1",
    source="JYChen18/DexGraspBench@1e7a5a6 config/task/eval.yaml, src/task/eval_func/fc_mocap.py; "
    "pre-grasp/squeeze rule from JYChen18/BODex@063a5db",
    timestep_s=0.004,
    impratio=10.0,
    noslip_iterations=2,
    solver_iterations=100,
    solver_tolerance=1e-8,
    ls_iterations=50,
    object_friction=(0.6, 0.02, 0.0001),
    object_condim=4,
    hand_friction=(0.6, 0.02, 0.0001),
    hand_condim=4,
    hand_solref=(0.005, 1.0),
    hand_solimp=(0.5, 0.99, 0.0001, 0.5, 2.0),
    root="mocap-weld",
    weld_solref=(0.02, 1.0),
    weld_solimp=(0.9, 0.95, 0.001, 0.5, 2.0),
    servo_kp=5.0,
    servo_force_limit=3.0,
    object_density_kg_m3=500.0,
    object_mass_kg=0.1,
    push=JointPush(contact_distance_m=0.01, push_m=0.01, solve="damped-least-squares", damping_m=0.01),
    start=-1.0,
    stages=(Stage(pose=0.0, substeps=10, steps=10), Stage(pose=1.0, substeps=10, steps=10)),
    precheck="max",
    precheck_threshold_m=0.01,
    precheck_pose=-1.0,
    energy_samples=0,
    load="force",
    load_m_s2=10.0,
    load_steps=500,  # 2 s
    check_steps=50,  # 0.2 s
    hold="pose",
    hold_translation_m=0.05,
    hold_rotation_deg=15.0,
    hold_contact_distance_m=0.0,
)

# ---------------------------------------------------------------------------------------------------
# DexGraspNet (commit bdb423c): grasp_generation/utils/isaac_validator.py (V) and
# grasp_generation/scripts/validate_grasps.py (S), approximated in MuJoCo.
#
# * PhysX dt 1/60 s with 2 substeps (V:69-70), 100 steps (V:23 ``sim_step``) = 1.667 s; gravity
#   9.8 m/s^2 along -y of the world (V:71) with hand and object turned by six test rotations
#   (V:108-130), i.e. gravity along -y, +y, -x, +x, +z, -z of the object frame: here the six axes.
#   MuJoCo steps 1/960 s (the PhysX substep 1/120 s split 8 ways) for 1,600 steps: a position servo
#   of kp 1000 on the Shadow Hand's light finger links is only stable below about 2 ms in MuJoCo,
#   whose servos are explicit in position, where PhysX drives are implicit.
# * hand base fixed, gravity off on the hand (V:100-101); PD drives, stiffness 1000, damping 0
#   (V:151-153), no force limit (PhysX's default); the MJCF's joint damping and armature stay.
# * friction 3.0 on hand and object shapes (V:19-20, 183, 205; PhysX averages, MuJoCo takes the
#   maximum: 3.0 either way), no torsional friction (condim 3); object density 500 with mass and
#   inertia from the geometry (V:104-106).
# * before the test (S:93-125): per link, the hand surface point nearest the object (deepest inside)
#   is a contact if it is less than ``thres_cont`` = 1 mm outside (S:33, 113); the joints take one
#   gradient step ``hand_state[:, 9:] += grad * grad_move`` on ``sum |p + dis_move n - p|^2`` with
#   ``dis_move`` = 1 mm, ``grad_move`` = 500 (S:34-35, 120-125), which is ``dq = 2 grad_move J^T dx``
#   with ``dx`` = 1 mm along the inward normal. The pushed joints are both the start and the target
#   (S:152-153; V:155-171).
# * held in a direction: after the 100 steps, any hand-object contact is in PhysX's contact list
#   (V:290-303; ``threshold_dis`` = 0.1 (V:21) is never used). PhysX lists contacts for shapes closer
#   than the sum of their contact offsets, 2 x 0.01 m (V:78), so a hand geom within 2 cm counts.
# * valid = held in all six (S:178) and penetration energy ``E_pen`` < 0.001 (S:36, 180-181): the sum,
#   over 2,000 farthest-point samples of the object surface (grasp_generation/main.py:97;
#   utils/object_model.py:75-76), of their depths inside the hand (utils/energy.py ``E_pen``), at
#   the grasp before the push. Applied here as the pre-check (same success_all6; a grasp that fails
#   it is reported held in no direction, so success_any counts only grasps that pass it).
#
# Differences that remain: PhysX (TGS, 8 position / 0 velocity iterations, rigid contacts with a
# 1 cm contact offset, patch friction, implicit drives) against MuJoCo (Newton, soft contacts acting
# from touch, point friction with elliptic cones and impratio 10, explicit servos at the split
# timestep, the MJCF's joint damping 0.1 and armature kept); the hand is the dexgys hand's MJCF, not
# DexGraspNet's open_ai_assets Shadow Hand; contacts of the push come from the dexgys hand's surface
# points; ``E_pen``'s samples are drawn from 10 x (not 100 x) as many; pushed joints are clipped to
# their ranges (PhysX leaves that to the joint limits).
DEXGRASPNET = Protocol(
    name="dexgraspnet",
    protocol_id="dexgraspnet-isaac-mujoco-1",
    source="PKU-EPIC/DexGraspNet@bdb423c grasp_generation/utils/isaac_validator.py, scripts/validate_grasps.py",
    timestep_s=1.0 / 960.0,
    impratio=10.0,
    noslip_iterations=0,
    solver_iterations=100,
    solver_tolerance=1e-8,
    ls_iterations=50,
    object_friction=(3.0, 0.0, 0.0),
    object_condim=3,
    hand_friction=(3.0, 0.0, 0.0),
    hand_condim=3,
    hand_solref=None,
    hand_solimp=None,
    root="fixed",
    weld_solref=None,
    weld_solimp=None,
    servo_kp=1000.0,
    servo_force_limit=math.inf,
    object_density_kg_m3=500.0,
    object_mass_kg=None,
    push=JointPush(contact_distance_m=0.001, push_m=0.001, solve="gradient", gain=1000.0),
    start=1.0,
    stages=(),
    precheck="energy",
    precheck_threshold_m=0.001,
    precheck_pose=0.0,
    energy_samples=2000,
    load="gravity",
    load_m_s2=9.8,
    load_steps=1600,  # 100 PhysX steps of 1/60 s
    check_steps=1600,  # judged once, at the end
    hold="contact",
    hold_translation_m=math.inf,
    hold_rotation_deg=math.inf,
    hold_contact_distance_m=0.02,
)

PROTOCOLS: dict[str, Protocol] = {p.name: p for p in (DEXGYS, DEXGRASPBENCH, DEXGRASPNET)}
DEFAULT_PROTOCOL = "dexgys"


def get_protocol(protocol: str | Protocol) -> Protocol:
    """The registered protocol named ``protocol`` (a :class:`Protocol` passes through)."""
    if isinstance(protocol, Protocol):
        return protocol
    try:
        return PROTOCOLS[protocol]
    except (KeyError, TypeError):
        raise DexgysError(f"unknown physics protocol {protocol!r}; known: {', '.join(PROTOCOLS)}") from None
