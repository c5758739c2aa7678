"""The MuJoCo scene of the grasp test: the hand's MJCF plus one free object, compiled once per object.

:func:`build_scene` adds the object's convex collision pieces (:meth:`GraspObject.collision_geoms`:
native MuJoCo primitives, or convex ``mesh`` pieces such as a CoACD decomposition) to the hand's MJCF
as one free body and compiles the result. A grasp is then tested by changing only the palm placement
(``model.body_pos`` / ``model.body_quat`` of the jointless root body), the joint positions and the
actuator targets (:meth:`SimScene.place_hand`), so one compiled model serves every grasp of an object.

Frames: the world frame **is** the object frame. The object body starts at the origin with the
identity orientation, and a grasp record ``[t | axis-angle | q]`` (which places the hand in the object
frame) places the palm directly; gravity directions of the shake test are the world axes.

Fixed simulation settings (evaluation protocol; see ``spec/evaluation.md``):

* object density :data:`OBJECT_DENSITY` = 500 kg/m^3 (DexGraspNet). Mass, centre of mass and inertia
  come from the object's watertight surface mesh (exact for the solid, ``trimesh`` mass properties),
  not from the collision pieces: convex pieces of a union overlap, and summing them overstated the
  mass of catalogue objects by up to 1.9x (banana), 1.7x (knife, mouse, game controller). Only when
  the mesh is not watertight (or has no positive volume) does MuJoCo sum the pieces at that density;
* object friction :data:`OBJECT_FRICTION` = (1.0 sliding, 0.01 torsional, 0.0001 rolling) with
  ``condim`` :data:`OBJECT_CONDIM` = 4 (sliding + torsional). MuJoCo combines two geoms' friction by
  the element-wise maximum and their condim by the maximum, and the hand's geoms carry
  (1, 0.005, 0.0001) with condim 3, so every hand-object contact gets exactly these values;
* timestep :data:`TIMESTEP` = 4 ms (protocol ``dexgys-sim-2``; ``dexgys-sim-1`` used 2 ms: on 231
  optimised grasps of 8 categories the two agreed on 227 success_all6 outcomes, the 4 that differed
  were marginal precision grasps of pens and scissors, and 4 ms costs half the time), ``implicitfast`` integrator, Newton solver, **elliptic** friction
  cones with ``impratio`` :data:`IMPRATIO` = 10 (MuJoCo's advice for grasping: elliptic cones and a
  large impratio make friction nearly hard, so a squeezed object does not creep), no no-slip
  iterations (measured on 2 x 48 perturbed power grasps: 10 no-slip iterations changed the
  outcome of 1 grasp in 48 and cost 1.5-1.9x the time);
* gravity is off while squeezing (``model.opt.gravity`` is set per phase by the test); the hand's
  bodies get ``gravcomp = 1`` so that gravity never acts on the fingers (the palm is welded anyway);
* the hand geoms keep the MJCF's collision filter (contype 1, conaffinity 2); object geoms get
  contype 2 / conaffinity 1, so hand-object pairs collide and nothing else does (the object is alone).

These are the settings of the ``"dexgys"`` protocol. :func:`build_scene` takes any protocol of
:mod:`dexgys.sim.protocols` and applies its options (timestep, impratio, no-slip iterations, solver
limits), its friction, condim and solref/solimp to the object's geoms and -- where the protocol
prescribes them -- to every geom of the hand (whatever its type: primitives or meshes), its servo
gains (``kp`` and the torque limit of every position actuator of the hand), its object mass rule
(a density, or a fixed mass reached by rescaling the density) and its root: ``"fixed"`` as above, or
``"mocap-weld"``: the palm gets a free joint welded (equality constraint) to a mocap body that
:meth:`SimScene.place_hand` puts at the grasp's root pose, so contact forces can push the hand a
little, as in DexGraspBench.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import mujoco
import numpy as np

from dexgys.errors import DexgysError
from dexgys.sim.protocols import Protocol, get_protocol

if TYPE_CHECKING:  # the scene module stays importable without torch (worker processes)
    from dexgys.geometry.collision import CollisionGeom
    from dexgys.hands import HandModel
    from dexgys.objects.grasp_object import GraspObject

__all__ = [
    "GRAVITY",
    "IMPRATIO",
    "OBJECT_BODY",
    "OBJECT_CONDIM",
    "OBJECT_DENSITY",
    "OBJECT_FRICTION",
    "SOLVER_ITERATIONS",
    "SOLVER_TOLERANCE",
    "TIMESTEP",
    "SimScene",
    "build_scene",
    "build_scene_from_geoms",
    "object_inertial",
]

TIMESTEP = 0.004  # s
GRAVITY = 9.81  # m/s^2, magnitude used by the shake test
OBJECT_DENSITY = 500.0  # kg/m^3 (DexGraspNet)
OBJECT_FRICTION = (1.0, 0.01, 0.0001)  # sliding, torsional, rolling (rolling unused at condim 4)
OBJECT_CONDIM = 4  # sliding + torsional friction
IMPRATIO = 10.0  # frictional-to-normal impedance ratio (elliptic cones)
SOLVER_ITERATIONS = 100  # Newton iterations per step (at most)
SOLVER_TOLERANCE = 1e-8
LS_ITERATIONS = 50  # line-search iterations
MIN_PIECE_VOLUME = 1e-9  # m^3: flatter convex mesh pieces get shell inertia (MuJoCo rejects their volume)
OBJECT_BODY = "object"
_OBJECT_JOINT = "object_free"
_ROOT_JOINT = "hand_root_free"
_MOCAP_BODY = "hand_root_mocap"

_GEOM_TYPES = {
    "sphere": mujoco.mjtGeom.mjGEOM_SPHERE,
    "capsule": mujoco.mjtGeom.mjGEOM_CAPSULE,
    "cylinder": mujoco.mjtGeom.mjGEOM_CYLINDER,
    "box": mujoco.mjtGeom.mjGEOM_BOX,
    "ellipsoid": mujoco.mjtGeom.mjGEOM_ELLIPSOID,
    "mesh": mujoco.mjtGeom.mjGEOM_MESH,
}


@dataclass
class SimScene:
    """A compiled hand + free object model and the indices the grasp test needs.

    Picklable (``MjModel`` pickles), so worker processes can receive it. Attributes: ``model``,
    ``palm_body`` (id of the hand's root body), ``object_body``, ``object_qpos`` (address of the free
    joint's 7 qpos), ``object_dof`` (address of its 6 dofs), ``hand_qpos`` / ``hand_dof`` ``(n,)``
    addresses of the hand joints in hand joint order, ``hand_actuators`` ``(k,)`` the hand's actuator
    ids and ``ctrl_from_joints`` ``(k, n)`` their targets per joint target (identity rows for joint
    servos, a tendon's coefficients for a coupled pair; :meth:`set_joint_targets`), ``link_bodies`` ``(L,)`` body id of each hand link (``HandModel.link_names`` order),
    ``joint_lower`` / ``joint_upper`` ``(n,)`` joint ranges, ``object_mass`` (kg), ``object_name``,
    ``protocol`` (the :class:`~dexgys.sim.protocols.Protocol` the scene was built for), ``root_qpos``
    (address of the palm's free joint, -1 when the palm is fixed), ``mocap`` (mocap index of the
    palm's weld target, -1 when fixed), ``hand_geoms`` / ``object_geoms`` (geom ids).
    """

    model: mujoco.MjModel
    palm_body: int
    object_body: int
    object_qpos: int
    object_dof: int
    hand_qpos: np.ndarray
    hand_dof: np.ndarray
    hand_actuators: np.ndarray
    ctrl_from_joints: np.ndarray
    link_bodies: np.ndarray
    joint_lower: np.ndarray
    joint_upper: np.ndarray
    object_mass: float
    object_name: str = ""
    n_object_geoms: int = 0
    settings: dict = field(default_factory=dict)
    protocol: Protocol = field(default_factory=lambda: get_protocol("dexgys"))
    root_qpos: int = -1
    mocap: int = -1
    hand_geoms: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    object_geoms: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def new_data(self) -> mujoco.MjData:
        return mujoco.MjData(self.model)

    def place_hand(
        self,
        data: mujoco.MjData,
        translation: np.ndarray,
        rotation: np.ndarray,
        joints: np.ndarray,
    ) -> None:
        """Reset ``data`` and put the hand at a grasp: palm at ``translation`` (3,) with ``rotation``
        (3, 3) (object frame), joints ``joints`` (n,), actuator targets equal to ``joints`` (clipped to
        the joint ranges by MuJoCo's ctrlrange), the object at rest at the origin; then ``mj_forward``.

        A fixed palm's placement is written into ``self.model`` (the root body has no joint); a
        welded palm's into its free joint and its mocap target.
        """
        m = self.model
        quat = np.empty(4)
        mujoco.mju_mat2Quat(quat, np.ascontiguousarray(rotation, dtype=np.float64).reshape(9))
        if self.root_qpos < 0:
            m.body_pos[self.palm_body] = np.asarray(translation, dtype=np.float64)
            m.body_quat[self.palm_body] = quat
            mujoco.mj_resetData(m, data)
        else:
            mujoco.mj_resetData(m, data)
            data.qpos[self.root_qpos : self.root_qpos + 3] = translation
            data.qpos[self.root_qpos + 3 : self.root_qpos + 7] = quat
            data.mocap_pos[self.mocap] = translation
            data.mocap_quat[self.mocap] = quat
        joints = np.asarray(joints, dtype=np.float64)
        data.qpos[self.hand_qpos] = joints
        self.set_joint_targets(data, joints)
        data.qpos[self.object_qpos : self.object_qpos + 7] = (0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
        m.opt.gravity[:] = 0.0
        mujoco.mj_forward(m, data)

    def set_joint_targets(self, data: mujoco.MjData, joints: np.ndarray) -> None:
        """Servo targets for joint targets ``joints`` ``(n,)`` (a coupled pair gets its sum)."""
        data.ctrl[self.hand_actuators] = self.ctrl_from_joints @ np.asarray(joints, dtype=np.float64)

    def object_pose(self, data: mujoco.MjData) -> tuple[np.ndarray, np.ndarray]:
        """Object position (3,) and quaternion (w, x, y, z) (4,) in the world (= initial object) frame."""
        q = data.qpos[self.object_qpos : self.object_qpos + 7]
        return q[:3].copy(), q[3:].copy()


def _add_object_geom(
    spec: mujoco.MjSpec, body, geom: CollisionGeom, index: int, protocol: Protocol, shell: bool = False
) -> None:
    """Add collision piece ``index`` with ``protocol``'s contact settings and density; ``shell``: give
    mesh pieces shell inertia (used when the body's inertia is explicit, so that nearly flat pieces,
    whose volume MuJoCo rejects, never matter)."""
    kind = geom.kind
    if kind not in _GEOM_TYPES:
        raise DexgysError(f"object collision piece {index} has unknown type {kind!r}")
    g = body.add_geom(name=f"object_geom_{index}", type=_GEOM_TYPES[kind])
    g.contype, g.conaffinity = 2, 1
    g.condim = protocol.object_condim
    g.friction = list(protocol.object_friction)
    g.density = protocol.object_density_kg_m3
    g.group = 1
    if kind == "mesh":
        verts = np.asarray(geom.vertices, dtype=np.float64).reshape(-1, 3)
        if len(verts) < 4 or not np.isfinite(verts).all():
            raise DexgysError(f"object collision piece {index} is a mesh with fewer than 4 finite vertices")
        mesh = spec.add_mesh(name=f"object_piece_{index}")
        mesh.uservert = verts.reshape(-1).tolist()
        mesh.inertia = mujoco.mjtMeshInertia.mjMESH_INERTIA_CONVEX
        if shell or _hull_volume(verts) < MIN_PIECE_VOLUME:
            mesh.inertia = mujoco.mjtMeshInertia.mjMESH_INERTIA_SHELL
        g.meshname = mesh.name
    else:
        size = [float(s) for s in geom.size]
        g.size = size + [0.0] * (3 - len(size))
        g.pos = [float(x) for x in geom.pos]
        g.quat = [float(x) for x in geom.quat]


def _hull_volume(verts: np.ndarray) -> float:
    from scipy.spatial import ConvexHull, QhullError

    try:
        return float(ConvexHull(verts).volume)
    except (QhullError, ValueError):
        return 0.0


def object_inertial(obj: GraspObject) -> tuple[float, np.ndarray, np.ndarray] | None:
    """Mass (kg), centre of mass (3,) and inertia about it (3, 3) of ``obj``'s watertight mesh at
    :data:`OBJECT_DENSITY`; None when the mesh is not watertight or encloses no volume."""
    import trimesh

    mesh = obj.mesh
    if not mesh.is_watertight or not mesh.volume > 0:
        return None
    props = trimesh.triangles.mass_properties(mesh.triangles, density=OBJECT_DENSITY)
    inertia = np.asarray(props["inertia"], dtype=np.float64)
    if not (props["mass"] > 0 and np.isfinite(inertia).all() and np.linalg.eigvalsh(inertia).min() > 0):
        return None
    return float(props["mass"]), np.asarray(props["center_mass"], dtype=np.float64), inertia


def _apply_hand_protocol(spec: mujoco.MjSpec, protocol: Protocol, mjcf_path: str) -> None:
    """Contact settings on every geom of the hand MJCF (any geom type) and servo gains on every
    actuator, where ``protocol`` prescribes them."""
    for g in spec.geoms:
        if protocol.hand_friction is not None:
            g.friction = list(protocol.hand_friction)
        if protocol.hand_condim is not None:
            g.condim = protocol.hand_condim
        if protocol.hand_solref is not None:
            g.solref = list(protocol.hand_solref)
        if protocol.hand_solimp is not None:
            g.solimp = list(protocol.hand_solimp)
    if protocol.servo_kp is None and protocol.servo_force_limit is None:
        return
    for a in spec.actuators:
        servo = (
            a.gaintype == mujoco.mjtGain.mjGAIN_FIXED
            and a.biastype == mujoco.mjtBias.mjBIAS_AFFINE
            and a.biasprm[0] == 0.0
            and a.biasprm[1] == -a.gainprm[0]
        )
        if not servo:
            raise DexgysError(
                f"protocol {protocol.name!r} sets servo gains, but actuator {a.name!r} of "
                f"{mjcf_path} is not a position servo"
            )
        if protocol.servo_kp is not None:
            a.gainprm[0] = protocol.servo_kp
            a.biasprm[1] = -protocol.servo_kp
        if protocol.servo_force_limit is not None:
            if math.isinf(protocol.servo_force_limit):
                a.forcelimited = mujoco.mjtLimited.mjLIMITED_FALSE
            else:
                a.forcelimited = mujoco.mjtLimited.mjLIMITED_TRUE
                a.forcerange = [-protocol.servo_force_limit, protocol.servo_force_limit]


def _weld_palm(spec: mujoco.MjSpec, palm_name: str, protocol: Protocol) -> None:
    """Give the palm a free joint and weld it to a mocap body (both at the origin in qpos0, so the
    weld's relative pose is the identity; torque scale 1)."""
    palm = spec.body(palm_name)
    if palm is None:
        return  # reported after compiling, with the other missing names
    palm.add_freejoint(name=_ROOT_JOINT)
    spec.worldbody.add_body(name=_MOCAP_BODY, mocap=True)
    data = np.zeros(mujoco.mjNEQDATA)
    data[6] = 1.0  # relative orientation: identity quaternion
    data[10] = 1.0  # torque scale
    spec.add_equality(
        type=mujoco.mjtEq.mjEQ_WELD,
        name1=_MOCAP_BODY,
        name2=palm_name,
        objtype=mujoco.mjtObj.mjOBJ_BODY,
        solref=list(protocol.weld_solref),
        solimp=list(protocol.weld_solimp),
        data=data.tolist(),
    )


def _hand_actuation(
    model: mujoco.MjModel, joint_ids: list[int], joint_names: list[str], mjcf_path: str
) -> tuple[np.ndarray, np.ndarray]:
    """The hand's actuators ``(k,)`` and the matrix ``(k, n)`` that turns joint targets into their
    targets: each actuator's moment arm on each hand joint (MuJoCo's ``actuator_moment`` at qpos0),
    so a joint servo's row picks its joint and a fixed tendon's sums its joints with their
    coefficients (the E3M5's coupled J1 + J0). Every hand joint must be driven by some actuator."""
    data = mujoco.MjData(model)
    # the moment arms need only the kinematics, tendons and transmission, not the contacts: at qpos0
    # the object overlaps the hand, and a full forward pass can run out of MuJoCo's arena
    for stage in (mujoco.mj_kinematics, mujoco.mj_comPos, mujoco.mj_tendon, mujoco.mj_transmission):
        stage(model, data)
    moment = np.zeros((model.nu, model.nv))
    mujoco.mju_sparse2dense(moment, data.actuator_moment, data.moment_rownnz, data.moment_rowadr, data.moment_colind)
    dofs = np.array([model.jnt_dofadr[j] for j in joint_ids], dtype=np.int64)
    hand = np.nonzero(np.abs(moment[:, dofs]).sum(1) > 0)[0]
    rows = moment[np.ix_(hand, dofs)]
    for k, name in enumerate(joint_names):
        if not np.any(rows[:, k]):
            raise DexgysError(f"hand MJCF {mjcf_path}: no actuator drives joint {name!r}")
    return hand.astype(np.int64), rows


def _compile(spec: mujoco.MjSpec, object_name: str) -> mujoco.MjModel:
    try:
        return spec.compile()
    except Exception as exc:  # MuJoCo raises ValueError with its compiler message
        raise DexgysError(f"object {object_name!r}: MuJoCo could not compile the scene ({exc})") from None


def build_scene_from_geoms(
    mjcf_path: str,
    link_names: list[str],
    joint_names: list[str],
    geoms: list[CollisionGeom],
    object_name: str = "",
    inertial: tuple[float, np.ndarray, np.ndarray] | None = None,
    protocol: str | Protocol = "dexgys",
) -> SimScene:
    """Compile the hand MJCF at ``mjcf_path`` with a free object made of ``geoms`` (object frame),
    with the settings of ``protocol`` (a name of :data:`dexgys.sim.protocols.PROTOCOLS` or a
    :class:`~dexgys.sim.protocols.Protocol`).

    ``inertial`` = (mass, centre of mass (3,), inertia about it (3, 3)) at :data:`OBJECT_DENSITY`
    sets the object's inertia explicitly (rescaled to the protocol's density or fixed mass); without
    it MuJoCo sums the pieces at the protocol's density (rescaled to a fixed mass if there is one)."""
    protocol = get_protocol(protocol)
    if not geoms:
        raise DexgysError(f"object {object_name!r} has no collision pieces to simulate")
    spec = mujoco.MjSpec.from_file(str(mjcf_path))
    opt = spec.option
    opt.timestep = protocol.timestep_s
    opt.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    opt.cone = mujoco.mjtCone.mjCONE_ELLIPTIC
    opt.solver = mujoco.mjtSolver.mjSOL_NEWTON
    opt.impratio = protocol.impratio
    opt.iterations = protocol.solver_iterations
    opt.tolerance = protocol.solver_tolerance
    opt.ls_iterations = protocol.ls_iterations
    opt.noslip_iterations = protocol.noslip_iterations
    opt.gravity = [0.0, 0.0, 0.0]
    _apply_hand_protocol(spec, protocol, mjcf_path)

    hand_bodies = [b for b in spec.bodies if b.name in set(link_names)]
    for b in hand_bodies:
        b.gravcomp = 1.0  # gravity never acts on the hand
    welded = protocol.root == "mocap-weld"
    if welded:
        _weld_palm(spec, link_names[0], protocol)

    body = spec.worldbody.add_body(name=OBJECT_BODY)
    body.add_freejoint(name=_OBJECT_JOINT)
    for i, geom in enumerate(geoms):
        _add_object_geom(spec, body, geom, i, protocol, shell=inertial is not None)
    if inertial is not None:
        mass, com, inertia = inertial
        scale = protocol.object_density_kg_m3 / OBJECT_DENSITY
        if protocol.object_mass_kg is not None:
            scale = protocol.object_mass_kg / mass
        if scale != 1.0:
            mass, inertia = mass * scale, inertia * scale
        body.explicitinertial = True
        body.mass = float(mass)
        body.ipos = [float(x) for x in com]
        body.fullinertia = [inertia[0, 0], inertia[1, 1], inertia[2, 2], inertia[0, 1], inertia[0, 2], inertia[1, 2]]
    model = _compile(spec, object_name)
    if inertial is None and protocol.object_mass_kg is not None:  # the density that gives the mass
        density = protocol.object_density_kg_m3 * protocol.object_mass_kg / float(model.body_mass[-1])
        for g in body.geoms:
            g.density = density
        model = _compile(spec, object_name)

    def body_id(name: str) -> int:
        i = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, name)
        if i < 0:
            raise DexgysError(f"hand MJCF {mjcf_path} has no body {name!r}")
        return i

    joint_ids = []
    for name in joint_names:
        j = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, name)
        if j < 0:
            raise DexgysError(f"hand MJCF {mjcf_path} has no joint {name!r}")
        joint_ids.append(j)
    act_ids, ctrl_from_joints = _hand_actuation(model, joint_ids, joint_names, mjcf_path)
    obj_joint = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, _OBJECT_JOINT)
    palm = body_id(link_names[0])
    if model.body_jntnum[palm] != int(welded) or model.body_parentid[palm] != 0:
        raise DexgysError(
            f"hand MJCF {mjcf_path}: the root body {link_names[0]!r} must be a jointless child of the world"
        )
    object_body = body_id(OBJECT_BODY)
    root_qpos = mocap = -1
    if welded:
        root_qpos = int(model.jnt_qposadr[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, _ROOT_JOINT)])
        mocap = int(model.body_mocapid[body_id(_MOCAP_BODY)])
    geom_body = model.geom_bodyid
    hand_body_ids = np.nonzero((np.arange(model.nbody) != 0) & (model.body_rootid == palm))[0]
    return SimScene(
        model=model,
        palm_body=palm,
        object_body=object_body,
        object_qpos=int(model.jnt_qposadr[obj_joint]),
        object_dof=int(model.jnt_dofadr[obj_joint]),
        hand_qpos=np.array([model.jnt_qposadr[j] for j in joint_ids], dtype=np.int64),
        hand_dof=np.array([model.jnt_dofadr[j] for j in joint_ids], dtype=np.int64),
        hand_actuators=act_ids,
        ctrl_from_joints=ctrl_from_joints,
        link_bodies=np.array([body_id(n) for n in link_names], dtype=np.int64),
        joint_lower=np.array([model.jnt_range[j, 0] for j in joint_ids]),
        joint_upper=np.array([model.jnt_range[j, 1] for j in joint_ids]),
        object_mass=float(model.body_mass[object_body]),
        object_name=object_name,
        n_object_geoms=len(geoms),
        settings={"integrator": "implicitfast", "solver": "Newton", "cone": "elliptic", **protocol.constants()},
        protocol=protocol,
        root_qpos=root_qpos,
        mocap=mocap,
        hand_geoms=np.nonzero(np.isin(geom_body, hand_body_ids))[0].astype(np.int64),
        object_geoms=np.nonzero(geom_body == object_body)[0].astype(np.int64),
    )


def build_scene(hand: HandModel, obj: GraspObject, protocol: str | Protocol = "dexgys") -> SimScene:
    """The grasp-test scene of ``hand`` (its MJCF) and ``obj`` (its collision pieces) under
    ``protocol`` (see :func:`build_scene_from_geoms`), compiled once.

    Reuse the result for every grasp of ``obj``; only the palm pose, joints and targets change.
    """
    return build_scene_from_geoms(
        str(hand.mjcf_path),
        list(hand.link_names),
        list(hand.joint_names),
        obj.collision_geoms(),
        obj.name,
        object_inertial(obj),
        protocol,
    )


def quat_angle(q: np.ndarray) -> float:
    """Rotation angle (radians, [0, pi]) of unit quaternion ``q`` (w, x, y, z) relative to identity."""
    w = min(1.0, abs(float(q[0])) / max(float(np.linalg.norm(q)), 1e-300))
    return 2.0 * math.acos(w)
