"""``GraspObject``: a watertight surface with a semantic part label per face and a signed distance.

All objects live in the DexGYSNet object frame: metres, the axis-aligned bounding-box centre of the
surface at the origin, no scaling. Signed distance is **negative inside, positive outside**.

Subclasses supply the signed distance (:meth:`GraspObject.sdf`) and the MuJoCo collision pieces
(:meth:`GraspObject.collision_geoms`); everything that only needs the labelled surface lives here.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import trimesh

from dexgys.atomic import atomic_write_bytes
from dexgys.errors import DexgysError
from dexgys.geometry.collision import CollisionGeom

PARTS_FILE_VERSION = 1


@dataclass(frozen=True)
class SurfaceSample:
    """Points on an object surface with their outward unit normals and part indices."""

    points: np.ndarray  # (N, 3) float64, object frame
    normals: np.ndarray  # (N, 3) float64
    labels: np.ndarray  # (N,) int64 index into GraspObject.part_names


@dataclass
class GraspObject:
    """A part-labelled object surface; see the module docstring for frame and sign conventions."""

    name: str
    mesh: trimesh.Trimesh
    part_names: list[str]
    face_labels: np.ndarray
    category: str | None = None
    source: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.face_labels = np.asarray(self.face_labels, dtype=np.int64)
        if len(self.mesh.faces) == 0:
            raise DexgysError(f"object {self.name!r} has no faces")
        if self.face_labels.shape != (len(self.mesh.faces),):
            raise DexgysError(
                f"object {self.name!r}: {len(self.face_labels)} face labels for {len(self.mesh.faces)} faces"
            )
        if len(self.part_names) == 0 or self.face_labels.min() < 0 or self.face_labels.max() >= len(self.part_names):
            raise DexgysError(f"object {self.name!r}: face labels do not index its {len(self.part_names)} parts")

    # ----------------------------------------------------------------- to be supplied by subclasses
    def sdf(self, points: torch.Tensor) -> torch.Tensor:
        """Signed distance ``(...,)`` of ``points`` ``(..., 3)`` (object frame), negative inside; differentiable."""
        raise NotImplementedError

    def collision_geoms(self) -> list[CollisionGeom]:
        """Convex collision pieces for MuJoCo, each tagged with its part."""
        raise NotImplementedError

    # ----------------------------------------------------------------- shared behaviour
    @property
    def extents(self) -> np.ndarray:
        """Bounding-box size (3,) in metres."""
        return self.mesh.extents

    @property
    def is_watertight(self) -> bool:
        return bool(self.mesh.is_watertight)

    def sdf_numpy(self, points: np.ndarray) -> np.ndarray:
        """:meth:`sdf` for numpy input, float64, no gradient."""
        with torch.no_grad():
            return self.sdf(torch.as_tensor(np.asarray(points, dtype=np.float64))).numpy()

    def sample_surface(self, n: int, seed: int = 0) -> SurfaceSample:
        """``n`` area-uniform surface points with normals and part labels; the same seed gives the same points."""
        if n <= 0:
            raise DexgysError(f"number of surface points must be positive, got {n}")
        rng = np.random.default_rng(seed)
        areas = self.mesh.area_faces
        faces = rng.choice(len(areas), size=n, p=areas / areas.sum())
        uv = rng.random((n, 2))
        flip = uv.sum(1) > 1.0
        uv[flip] = 1.0 - uv[flip]
        tri = self.mesh.triangles[faces]  # (n, 3, 3)
        points = tri[:, 0] + uv[:, :1] * (tri[:, 1] - tri[:, 0]) + uv[:, 1:] * (tri[:, 2] - tri[:, 0])
        return SurfaceSample(points, self.mesh.face_normals[faces].copy(), self.face_labels[faces].copy())

    def part_index(self, name: str) -> int:
        try:
            return self.part_names.index(name)
        except ValueError:
            raise DexgysError(
                f"object {self.name!r} has no part {name!r} (parts: {', '.join(self.part_names)})"
            ) from None

    def part_labels_of(self, points: np.ndarray) -> np.ndarray:
        """Part index of the surface face nearest to each point ``(N, 3)``."""
        _, _, face = trimesh.proximity.closest_point(self.mesh, np.asarray(points, dtype=np.float64))
        return self.face_labels[face]

    def parts_dict(self) -> dict:
        """``{"parts": [...], "face_labels": [...]}``: the ``.parts.json`` companion of an exported mesh."""
        return {
            "format_version": PARTS_FILE_VERSION,
            "name": self.name,
            "category": self.category,
            "parts": list(self.part_names),
            "face_labels": self.face_labels.tolist(),
        }

    def export(self, path: str | os.PathLike) -> tuple[Path, Path]:
        """Write the mesh (format from the suffix: obj, stl, ply, glb) and ``<stem>.parts.json`` beside it.

        Both files are written to temporary names first and renamed, so nothing half-written is left.
        """
        path = Path(path)
        suffix = path.suffix.lower().lstrip(".")
        if suffix not in {"obj", "stl", "ply", "glb"}:
            raise DexgysError(f"cannot export to {path.name!r}: use .obj, .stl, .ply or .glb")
        if not path.parent.exists():
            raise DexgysError(f"output directory {str(path.parent)!r} does not exist")
        parts_path = path.with_name(path.stem + ".parts.json")
        data = self.mesh.export(file_type=suffix)
        payload = data.encode() if isinstance(data, str) else data
        atomic_write_bytes(path, payload)
        atomic_write_bytes(parts_path, json.dumps(self.parts_dict()).encode())
        return path, parts_path
