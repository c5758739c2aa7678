"""What a hand is, read from files: the MJCF kinematic tree and geoms, and the semantics JSON.

Both loaders return plain numpy data and raise :class:`~dexgys.errors.DexgysError` (one line naming
the file and the problem) on anything they cannot use.

MJCF requirements: exactly one body under ``<worldbody>`` (the root link, placed by the grasp pose;
its own ``pos``/``quat`` are ignored and it must have no joint), hinge or slide joints only, and
collision geoms (``contype`` or ``conaffinity`` non-zero) of type box, capsule, sphere, cylinder or
mesh (a cylinder is read as the circumscribed prism, :func:`_cylinder_geom`, and treated as a mesh).

The real geometry of a hand is its collision geoms (MuJoCo collides a mesh by its convex hull). The
torch model's fast signed distance needs primitives, so every link with a collision mesh (or cylinder) must also
carry **proxy** geoms: boxes, capsules or spheres named ``proxy_*`` that do not collide
(``contype = conaffinity = 0``) and contain the mesh's hull (:mod:`dexgys.hands.proxy` fits them).

Semantics JSON (``format: "dexgys-hand-semantics"``, ``format_version: 1``)::

    finger_names          ["thumb", ..., "palm"]
    link_fingers          {link: finger}                      every MJCF body exactly once
    fingertips, pads      [{"finger", "link", "point": [x, y, z]}, ...]
    contact_candidates    {link: [[x, y, z], ...]}            links without candidates may be left out
    penetration_keypoints [{"link", "point", "radius"}, ...]
    notes                 free text (optional)

Points are in their link's frame, metres.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import mujoco
import numpy as np

from dexgys.errors import DexgysError

__all__ = ["GeomPrimitive", "HandDescription", "HandSemantics", "MeshGeom", "read_mjcf", "read_semantics"]

SEMANTICS_FORMAT = "dexgys-hand-semantics"
SEMANTICS_VERSION = 1
CYLINDER_SECTIONS = 32  # sides of the prism that stands for a collision cylinder

_GEOM_TYPES = {
    int(mujoco.mjtGeom.mjGEOM_BOX): "box",
    int(mujoco.mjtGeom.mjGEOM_CAPSULE): "capsule",
    int(mujoco.mjtGeom.mjGEOM_SPHERE): "sphere",
}
_HINGE, _SLIDE = int(mujoco.mjtJoint.mjJNT_HINGE), int(mujoco.mjtJoint.mjJNT_SLIDE)


@dataclass(frozen=True)
class GeomPrimitive:
    """One collision geom in its link frame (MuJoCo conventions).

    ``size``: box half-extents ``(x, y, z)``; capsule ``(radius, half_length)`` with the axis along the
    geom z, segment ``z in [-half_length, half_length]``; sphere ``(radius,)``.
    ``pos`` (3,) and ``quat`` (4,) (w, x, y, z) place the geom in link ``link``.
    """

    name: str
    type: str
    size: tuple[float, ...]
    link: int
    pos: np.ndarray
    quat: np.ndarray
    proxy: bool = False

    def local_transform(self) -> np.ndarray:
        """``(4, 4)`` geom-to-link transform."""
        T = np.eye(4)
        mat = np.zeros(9)
        mujoco.mju_quat2Mat(mat, np.asarray(self.quat, dtype=np.float64))
        T[:3, :3] = mat.reshape(3, 3)
        T[:3, 3] = self.pos
        return T

    def area(self) -> float:
        if self.type == "box":
            x, y, z = self.size
            return 8.0 * (x * y + y * z + z * x)
        r = self.size[0]
        half = self.size[1] if self.type == "capsule" else 0.0
        return 4.0 * math.pi * r * r + 4.0 * math.pi * r * half


@dataclass(frozen=True)
class MeshGeom:
    """One collision mesh in its link frame: ``vertices`` ``(V, 3)`` metres, ``faces`` ``(F, 3)``.
    MuJoCo collides it by its convex hull; ``hull_planes`` ``(P, 4)`` rows ``[n, d]`` of the hull's
    faces (outward unit normal ``n``, ``n . x <= d`` inside)."""

    name: str
    link: int
    vertices: np.ndarray
    faces: np.ndarray
    hull_planes: np.ndarray

    def area(self) -> float:
        v = self.vertices[self.faces]
        return float(0.5 * np.linalg.norm(np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0]), axis=1).sum())


def _hull_planes(vertices: np.ndarray) -> np.ndarray:
    from scipy.spatial import ConvexHull

    eq = ConvexHull(vertices).equations  # n . x + c <= 0 inside, n unit
    return np.concatenate([eq[:, :3], -eq[:, 3:]], axis=1)


@dataclass(frozen=True)
class HandDescription:
    """The kinematic tree of an MJCF hand; L links (bodies except the world), n joints.

    ``parents`` (L,) parent link index, -1 for the root; ``body_pos`` (L, 3), ``body_quat`` (L, 4)
    (w, x, y, z) in the parent frame; ``joint_link`` (n,), ``joint_is_slide`` (n,), ``joint_axis``
    (n, 3) unit, ``joint_pos`` (n, 3) anchor in the link frame, ``joint_qpos0`` (n,) reference angle,
    ``joint_lower``/``joint_upper`` (n,) (infinite when unlimited). Joint order = MuJoCo qpos order.
    """

    path: Path
    link_names: list[str]
    parents: np.ndarray
    body_pos: np.ndarray
    body_quat: np.ndarray
    joint_names: list[str]
    joint_link: np.ndarray
    joint_is_slide: np.ndarray
    joint_axis: np.ndarray
    joint_pos: np.ndarray
    joint_qpos0: np.ndarray
    joint_lower: np.ndarray
    joint_upper: np.ndarray
    geoms: list[GeomPrimitive]
    meshes: list[MeshGeom]


def read_mjcf(path: str | Path) -> HandDescription:
    """Compile ``path`` with MuJoCo and read the hand's tree, joints and collision geoms."""
    path = Path(path)
    if not path.is_file():
        raise DexgysError(f"hand MJCF file not found: {path}")
    try:
        model = mujoco.MjModel.from_xml_path(str(path))
    except ValueError as exc:
        raise DexgysError(f"cannot load hand MJCF {path}: {' '.join(str(exc).split())}") from None

    n_links = model.nbody - 1
    roots = [b for b in range(1, model.nbody) if model.body_parentid[b] == 0]
    if n_links == 0 or len(roots) != 1:
        raise DexgysError(f"hand MJCF {path} must have exactly one body under <worldbody>, found {len(roots)}")
    if model.body_jntnum[roots[0]] != 0:
        raise DexgysError(f"hand MJCF {path}: the root body must have no joint (the grasp pose places it)")

    names = [model.body(b).name or f"body{b}" for b in range(1, model.nbody)]
    joints = []
    for j in range(model.njnt):
        jtype = int(model.jnt_type[j])
        jname = model.joint(j).name or f"joint{j}"
        if jtype not in (_HINGE, _SLIDE):
            raise DexgysError(f"hand MJCF {path}: joint '{jname}' is not a hinge or slide joint")
        if model.jnt_qposadr[j] != j:
            raise DexgysError(f"hand MJCF {path}: joint '{jname}' is out of qpos order")
        joints.append(jname)
    limited = model.jnt_limited.astype(bool)
    lower = np.where(limited, model.jnt_range[:, 0], -np.inf)
    upper = np.where(limited, model.jnt_range[:, 1], np.inf)

    geoms, meshes = [], []
    for g in range(model.ngeom):
        gname = model.geom(g).name or f"geom{g}"
        colliding = model.geom_contype[g] != 0 or model.geom_conaffinity[g] != 0
        proxy = gname.startswith("proxy_")
        if not colliding and not proxy:
            continue
        if model.geom_bodyid[g] == 0 or (proxy and colliding):
            raise DexgysError(f"hand MJCF {path}: geom '{gname}' must sit on a hand body (a proxy must not collide)")
        if int(model.geom_type[g]) == int(mujoco.mjtGeom.mjGEOM_MESH) and not proxy:
            meshes.append(_mesh_geom(model, g, gname))
            continue
        if int(model.geom_type[g]) == int(mujoco.mjtGeom.mjGEOM_CYLINDER) and not proxy:
            meshes.append(_cylinder_geom(model, g, gname))
            continue
        gtype = _GEOM_TYPES.get(int(model.geom_type[g]))
        if gtype is None:
            raise DexgysError(
                f"hand MJCF {path}: geom '{gname}' must be a box, capsule or sphere (or a collision mesh)"
            )
        n_size = {"box": 3, "capsule": 2, "sphere": 1}[gtype]
        geoms.append(
            GeomPrimitive(
                name=gname,
                type=gtype,
                size=tuple(float(s) for s in model.geom_size[g, :n_size]),
                link=int(model.geom_bodyid[g]) - 1,
                pos=model.geom_pos[g].copy(),
                quat=model.geom_quat[g].copy(),
                proxy=proxy,
            )
        )
    proxied = {g.link for g in geoms if g.proxy}
    for m in meshes:
        if m.link not in proxied:
            raise DexgysError(f"hand MJCF {path}: collision mesh '{m.name}' has no proxy geom on its body")

    return HandDescription(
        path=path,
        link_names=names,
        parents=model.body_parentid[1:].astype(np.int64) - 1,
        body_pos=model.body_pos[1:].copy(),
        body_quat=model.body_quat[1:].copy(),
        joint_names=joints,
        joint_link=model.jnt_bodyid.astype(np.int64) - 1,
        joint_is_slide=model.jnt_type == _SLIDE,
        joint_axis=model.jnt_axis / np.linalg.norm(model.jnt_axis, axis=1, keepdims=True),
        joint_pos=model.jnt_pos.copy(),
        joint_qpos0=model.qpos0.copy(),
        joint_lower=lower,
        joint_upper=upper,
        geoms=geoms,
        meshes=meshes,
    )


def _geom_to_link(model: mujoco.MjModel, g: int, verts: np.ndarray) -> np.ndarray:
    R = np.zeros(9)
    mujoco.mju_quat2Mat(R, model.geom_quat[g])
    return verts @ R.reshape(3, 3).T + model.geom_pos[g]


def _cylinder_geom(model: mujoco.MjModel, g: int, name: str) -> MeshGeom:
    """A collision cylinder as the prism of :data:`CYLINDER_SECTIONS` sides circumscribing it (it
    contains the cylinder and overshoots by at most ``r (1 / cos(pi / n) - 1)``, 0.04 mm at 9 mm)."""
    import trimesh

    r, h = model.geom_size[g, :2]
    prism = trimesh.creation.cylinder(
        radius=r / math.cos(math.pi / CYLINDER_SECTIONS), height=2.0 * h, sections=CYLINDER_SECTIONS
    )
    verts = _geom_to_link(model, g, np.asarray(prism.vertices, dtype=np.float64))
    return MeshGeom(
        name=name,
        link=int(model.geom_bodyid[g]) - 1,
        vertices=verts,
        faces=np.asarray(prism.faces, dtype=np.int64),
        hull_planes=_hull_planes(verts),
    )


def _mesh_geom(model: mujoco.MjModel, g: int, name: str) -> MeshGeom:
    """The compiled mesh of geom ``g`` in its link frame (MuJoCo re-centres meshes and places the
    geom to compensate, so vertices go through ``geom_pos`` / ``geom_quat``)."""
    mid = int(model.geom_dataid[g])
    v0, nv = model.mesh_vertadr[mid], model.mesh_vertnum[mid]
    f0, nf = model.mesh_faceadr[mid], model.mesh_facenum[mid]
    verts = _geom_to_link(model, g, model.mesh_vert[v0 : v0 + nv].astype(np.float64))
    return MeshGeom(
        name=name,
        link=int(model.geom_bodyid[g]) - 1,
        vertices=verts,
        faces=model.mesh_face[f0 : f0 + nf].astype(np.int64).copy(),
        hull_planes=_hull_planes(verts),
    )


@dataclass(frozen=True)
class HandSemantics:
    """Semantic names and points of a hand, checked against its :class:`HandDescription`.

    ``link_fingers`` (L,) finger name per link; ``fingertips`` / ``pads``: lists of
    ``(finger, link index, point (3,))``; ``contact_candidates``: ``(link index, point)`` list;
    ``penetration_keypoints``: ``(link index, point, radius)`` list.
    """

    hand: str
    finger_names: tuple[str, ...]
    link_fingers: list[str]
    fingertips: list[tuple[str, int, np.ndarray]]
    pads: list[tuple[str, int, np.ndarray]]
    contact_candidates: list[tuple[int, np.ndarray]]
    penetration_keypoints: list[tuple[int, np.ndarray, float]]


def _point(value, where: str) -> np.ndarray:
    p = np.asarray(value, dtype=np.float64) if isinstance(value, list) else None
    if p is None or p.shape != (3,) or not np.isfinite(p).all():
        raise DexgysError(f"{where} must be a point [x, y, z] of finite numbers, got {value!r}")
    return p


def read_semantics(path: str | Path, description: HandDescription) -> HandSemantics:
    """Read and check the semantics JSON of the hand ``description``."""
    path = Path(path)
    if not path.is_file():
        raise DexgysError(f"hand semantics file not found: {path}")
    try:
        doc = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DexgysError(f"hand semantics file {path} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != SEMANTICS_FORMAT:
        raise DexgysError(f"{path} is not a dexgys hand semantics file (format '{SEMANTICS_FORMAT}')")
    if doc.get("format_version") != SEMANTICS_VERSION:
        raise DexgysError(
            f"hand semantics file {path} has format_version {doc.get('format_version')!r}; "
            f"this dexgys reads version {SEMANTICS_VERSION}"
        )
    for key in ("finger_names", "link_fingers", "fingertips", "pads", "contact_candidates", "penetration_keypoints"):
        if key not in doc:
            raise DexgysError(f"hand semantics file {path} has no '{key}'")

    fingers = tuple(doc["finger_names"])
    link_index = {name: i for i, name in enumerate(description.link_names)}

    def link(name, where: str) -> int:
        if name not in link_index:
            raise DexgysError(f"hand semantics file {path}: {where} names link '{name}', which the MJCF lacks")
        return link_index[name]

    def finger(name, where: str) -> str:
        if name not in fingers:
            raise DexgysError(f"hand semantics file {path}: {where} names finger '{name}', not one of {list(fingers)}")
        return name

    link_fingers = doc["link_fingers"]
    for name in link_fingers:
        link(name, "link_fingers")
    missing = [n for n in description.link_names if n not in link_fingers]
    if missing:
        raise DexgysError(f"hand semantics file {path}: link_fingers has no finger for link '{missing[0]}'")

    def finger_points(key: str) -> list[tuple[str, int, np.ndarray]]:
        out = []
        for i, item in enumerate(doc[key]):
            where = f"{key}[{i}]"
            if not isinstance(item, dict) or not {"finger", "link", "point"} <= set(item):
                raise DexgysError(f"hand semantics file {path}: {where} needs 'finger', 'link' and 'point'")
            out.append((finger(item["finger"], where), link(item["link"], where), _point(item["point"], where)))
        return out

    candidates = [
        (link(name, "contact_candidates"), _point(p, f"contact_candidates['{name}'][{i}]"))
        for name, points in doc["contact_candidates"].items()
        for i, p in enumerate(points)
    ]
    keypoints = []
    for i, item in enumerate(doc["penetration_keypoints"]):
        where = f"penetration_keypoints[{i}]"
        radius = item.get("radius") if isinstance(item, dict) else None
        if not isinstance(radius, (int, float)) or not radius > 0 or "link" not in item:
            raise DexgysError(f"hand semantics file {path}: {where} needs 'link', 'point' and a positive 'radius'")
        keypoints.append((link(item["link"], where), _point(item.get("point"), where), float(radius)))

    return HandSemantics(
        hand=str(doc.get("hand", path.stem)),
        finger_names=fingers,
        link_fingers=[finger(link_fingers[n], f"link_fingers['{n}']") for n in description.link_names],
        fingertips=finger_points("fingertips"),
        pads=finger_points("pads"),
        contact_candidates=candidates,
        penetration_keypoints=keypoints,
    )
