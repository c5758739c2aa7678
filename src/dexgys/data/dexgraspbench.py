"""Grasps in DexGraspBench's layout, so its own evaluator (JYChen18/DexGraspBench) can judge them.

:func:`write_dexgraspbench` writes, under ``out``::

    object/<name>/info/simplified.json           {"mass", "density", "scale"} (what its evaluator reads
                                                 to set the object's density for its 0.1 kg)
    object/<name>/urdf/meshes/convex_piece_<k>.obj   the object's convex collision pieces (metres)
    graspdata/<name>/<i>.npy                     one grasp: a dict with obj_path, obj_scale (1),
                                                 obj_pose [0 0 0 1 0 0 0], pregrasp_qpos,
                                                 grasp_qpos, squeeze_qpos

Each ``*_qpos`` is ``[root position (3) | root quaternion w x y z (4) | 22 joints]`` for
DexGraspBench's Shadow Hand, the Menagerie E3M5 (``assets/hand/shadow/right_hand.xml``): its joint
order is the record's, its signs are E3M5's (:data:`dexgys.hands.e3m5.JOINT_MAP`: the forefinger and
middle knuckles and the thumb's middle and distal joints turn the other way). The root is the palm,
as in the record. Pre-grasp and squeeze come from :func:`dexgys.sim.grasp_test.stage_joint_poses`
under the ``dexgraspbench`` protocol on the ``shadow-e3m5`` hand (BODex's rule: contacts 1 cm off,
then 1 cm in). The ``.npy`` files hold pickled dicts because that is what DexGraspBench loads
(``np.load(..., allow_pickle=True).item()``); :func:`read_dexgraspbench` reads them back with an
unpickler that only builds numpy arrays, so reading a file never runs its code.
"""

from __future__ import annotations

import functools
import io
import json
import math
import pickle
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch
import trimesh

from dexgys.errors import DexgysError
from dexgys.geometry.rotations import (
    axis_angle_to_matrix,
    matrix_to_axis_angle,
    matrix_to_quaternion,
    quaternion_to_matrix,
)

__all__ = ["e3m5_signs", "read_dexgraspbench", "write_dexgraspbench"]

REFERENCE_DENSITY = 1000.0  # kg/m^3 written into info/simplified.json (the evaluator rescales it to its mass)


@functools.lru_cache(maxsize=1)
def e3m5_signs() -> np.ndarray:
    """``(22,)`` +-1 per record joint: DexGraspBench's (E3M5) joint value = sign x the record's."""
    from dexgys.hands import hand_files, read_mjcf
    from dexgys.hands.e3m5 import JOINT_MAP

    flipped = {name for name, flip in JOINT_MAP.values() if flip}
    return np.array([-1.0 if j in flipped else 1.0 for j in read_mjcf(hand_files("shadow")[0]).joint_names])


def _piece_mesh(g) -> trimesh.Trimesh:
    """A convex collision piece (:class:`~dexgys.geometry.collision.CollisionGeom`) as a mesh."""
    if g.kind == "mesh":
        return trimesh.convex.convex_hull(np.asarray(g.vertices, dtype=np.float64).reshape(-1, 3))
    size = [float(s) for s in g.size]
    if g.kind == "sphere":
        mesh = trimesh.creation.icosphere(subdivisions=3, radius=size[0])
    elif g.kind == "ellipsoid":
        mesh = trimesh.creation.icosphere(subdivisions=3, radius=1.0)
        mesh.apply_scale(size[:3])
    elif g.kind == "box":
        mesh = trimesh.creation.box(extents=2.0 * np.asarray(size[:3]))
    elif g.kind == "capsule":
        mesh = trimesh.creation.capsule(height=2.0 * size[1], radius=size[0], count=[24, 24])
        mesh.apply_translation(-mesh.bounds.mean(axis=0))
    elif g.kind == "cylinder":
        mesh = trimesh.creation.cylinder(radius=size[0], height=2.0 * size[1], sections=48)
    else:
        raise DexgysError(f"cannot export a collision piece of type {g.kind!r}")
    T = np.eye(4)
    T[:3, :3] = quaternion_to_matrix(torch.tensor(g.quat, dtype=torch.float64)).numpy()
    T[:3, 3] = g.pos
    return mesh.apply_transform(T)


def _qpos(records: np.ndarray, joints: np.ndarray) -> np.ndarray:
    """Records ``(B, 28)`` and record-convention joints ``(B, 22)`` -> ``(B, 29)`` DexGraspBench qpos."""
    r = torch.as_tensor(records[:, 3:6], dtype=torch.float64)
    quat = matrix_to_quaternion(axis_angle_to_matrix(r)).numpy()
    return np.concatenate([records[:, :3], quat, joints * e3m5_signs()], axis=1)


def write_dexgraspbench(records, obj, out: str | Path, name: str | None = None) -> list[Path]:
    """Write grasp records ``(B, 28)`` (object frame) on ``obj`` (a GraspObject) in DexGraspBench's
    layout under ``out`` (module docstring); -> the grasp files. The object and grasp folders are
    written to a temporary folder first and moved into place."""
    from dexgys.hands import load_hand
    from dexgys.sim.grasp_test import stage_joint_poses

    records = np.asarray(records, dtype=np.float64)
    if records.ndim != 2 or records.shape[1] != 28 or not np.isfinite(records).all():
        raise DexgysError(f"grasps must be finite (B, 28) Shadow Hand records, got shape {records.shape}")
    name = (name or obj.name).replace(":", "_").replace("/", "_")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    poses = stage_joint_poses(load_hand("shadow-e3m5"), obj, torch.as_tensor(records), "dexgraspbench")
    staging = Path(tempfile.mkdtemp(prefix=".dexgraspbench.", dir=out))
    try:
        obj_dir = staging / "object" / name
        (obj_dir / "urdf" / "meshes").mkdir(parents=True)
        (obj_dir / "info").mkdir()
        volume = 0.0
        for k, g in enumerate(obj.collision_geoms()):
            mesh = _piece_mesh(g)
            volume += float(mesh.volume)
            mesh.export(obj_dir / "urdf" / "meshes" / f"convex_piece_{k}.obj")
        info = {"mass": volume * REFERENCE_DENSITY, "density": REFERENCE_DENSITY, "scale": 1.0}
        (obj_dir / "info" / "simplified.json").write_text(json.dumps(info) + "\n")
        grasp_dir = staging / "graspdata" / name
        grasp_dir.mkdir(parents=True)
        qpos = {k: _qpos(records, v) for k, v in poses.items()}
        final_obj = out / "object" / name
        for i in range(len(records)):
            item = {
                "obj_path": str(final_obj.resolve()),
                "obj_scale": 1.0,
                "obj_pose": np.array([0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]),
                **{f"{k}_qpos": qpos[k][i] for k in ("pregrasp", "grasp", "squeeze")},
            }
            np.save(grasp_dir / f"{i}.npy", item, allow_pickle=True)
        for sub in ("object", "graspdata"):
            target = out / sub / name
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            (staging / sub / name).rename(target)
        written = [out / "graspdata" / name / f"{i}.npy" for i in range(len(records))]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


class _ArraysOnly(pickle.Unpickler):
    """Builds dicts, lists, numbers, strings and numpy arrays; refuses every other global."""

    _ALLOWED = {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
    }

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise DexgysError(f"refusing to load {module}.{name} from a DexGraspBench grasp file")


def read_dexgraspbench(path: str | Path) -> dict[str, np.ndarray]:
    """One DexGraspBench grasp file -> ``{"record" (28,), "pregrasp", "grasp", "squeeze" (22,)}``
    in the record convention (joint signs undone, quaternion back to axis-angle)."""
    path = Path(path)
    try:
        buf = io.BytesIO(path.read_bytes())
        version = np.lib.format.read_magic(buf)
        header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        header(buf)
        item = _ArraysOnly(buf).load()
    except (OSError, ValueError, pickle.UnpicklingError, EOFError) as exc:
        raise DexgysError(f"{path} is not a DexGraspBench grasp file ({exc})") from None
    item = item.item() if isinstance(item, np.ndarray) else item
    if not isinstance(item, dict) or any(f"{k}_qpos" not in item for k in ("pregrasp", "grasp", "squeeze")):
        raise DexgysError(f"{path} has no pregrasp_qpos / grasp_qpos / squeeze_qpos")
    out = {
        k: np.asarray(item[f"{k}_qpos"], dtype=np.float64)[7:] * e3m5_signs() for k in ("pregrasp", "grasp", "squeeze")
    }
    g = np.asarray(item["grasp_qpos"], dtype=np.float64)
    quat = torch.tensor(g[3:7] / max(math.sqrt(float(g[3:7] @ g[3:7])), 1e-12))
    r = matrix_to_axis_angle(quaternion_to_matrix(quat)).numpy()
    out["record"] = np.concatenate([g[:3], r, out["grasp"]])
    return out
