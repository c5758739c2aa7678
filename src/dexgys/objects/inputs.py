"""What ``dexgys generate OBJECT`` accepts, turned into the fixed-size point cloud the generator reads.

``OBJECT`` is one of

* a catalogue name (``mug:3``) -> the catalogue object;
* a mesh file (``.obj``, ``.stl``, ``.glb``, or a ``.ply`` with faces; parts from ``<stem>.parts.json``
  beside it) -> :func:`dexgys.objects.mesh_object.load_mesh_object` (which rejects NaN vertices, no
  faces and other degenerate meshes);
* a point-cloud file: ``.npy`` holding ``(N, 3)`` points or ``(N, 6)`` points and normals, a ``.ply``
  without faces (normals read from its ``nx ny nz`` properties when present), or a text file
  (``.xyz``, ``.txt``: 3 or 6 numbers per line, separated by spaces or commas, ``#`` comments).

Every input ends up in the DexGYSNet object frame (metres, axis-aligned bounding-box centre at the
origin). ``ObjectInput.offset`` is the translation that was added to the input's coordinates, so a
grasp generated in the object frame goes back to the input frame by subtracting it from the grasp
translation (:meth:`ObjectInput.to_input_frame`; rotations are unchanged).

Sampling (:func:`sample_object_cloud`, shared with training so both see the same kind of cloud):
``OVERSAMPLE * n`` area-uniform surface points drawn with ``seed``, then farthest-point sampling to
``n`` (starting at index 0); normals are the face normals, parts the face labels. Point clouds are
thinned to at most ``MAX_CLOUD_POINTS`` (seeded random subset), given normals estimated by PCA of the
``NORMAL_NEIGHBOURS`` nearest neighbours (point-cloud-utils) and turned away from the cloud's centroid
(right for convex-ish objects, not inside deep concavities), then farthest-point sampled to ``n``; a
cloud with fewer than ``n`` points keeps all of them and repeats a seeded random choice of them.

Sizes: the largest bounding-box extent must lie in ``[MIN_EXTENT, MAX_EXTENT]`` metres; a larger
object is most likely in millimetres or centimetres, and the error says which scale would fit.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import point_cloud_utils as pcu
import torch
import trimesh

from dexgys.errors import DexgysError
from dexgys.geometry.pointcloud import farthest_point_sample
from dexgys.objects.grasp_object import GraspObject
from dexgys.objects.mesh_object import MeshObject, load_mesh_object
from dexgys.objects.resolve import resolve_object

OVERSAMPLE = 4  # surface samples per output point before farthest-point sampling
MIN_POINTS = 64  # fewer input points cannot describe an object
MAX_CLOUD_POINTS = 32768  # larger input clouds are thinned (seeded) before normals and FPS
NORMAL_NEIGHBOURS = 16
# plausible largest extent of a graspable object, metres (catalogue frying pans reach 0.505 m with the handle)
MIN_EXTENT, MAX_EXTENT = 0.005, 1.0
MESH_SUFFIXES = (".obj", ".stl", ".glb")
CLOUD_SUFFIXES = (".npy", ".xyz", ".txt")


@dataclass(frozen=True)
class ObjectInput:
    """An object ready for the generator, in the object frame (metres, bounding-box centre at 0).

    ``points`` ``(N, 3)`` float32; ``normals`` ``(N, 3)`` float32 unit outward normals (estimated for
    bare point clouds); ``parts`` ``(N,)`` int64 indices into ``object.part_names``, or ``None`` when
    the input has no part labels; ``offset`` ``(3,)`` float64, metres: object frame = input frame +
    offset; ``object`` the :class:`GraspObject` (catalogue or mesh input) that physics and viewers
    need, ``None`` for a point cloud.
    """

    name: str
    points: np.ndarray
    normals: np.ndarray
    parts: np.ndarray | None
    offset: np.ndarray
    object: GraspObject | None

    def to_input_frame(self, grasps: np.ndarray) -> np.ndarray:
        """Grasp records ``(..., 28)`` (``[t | axis-angle | q]``, object frame) moved to the input frame."""
        return self._shifted(grasps, -self.offset)

    def to_object_frame(self, grasps: np.ndarray) -> np.ndarray:
        """Grasp records ``(..., 28)`` in the input frame moved back to the object frame."""
        return self._shifted(grasps, self.offset)

    @staticmethod
    def _shifted(grasps: np.ndarray, shift: np.ndarray) -> np.ndarray:
        out = np.array(grasps, dtype=np.float64, copy=True)
        if out.ndim == 0 or out.shape[-1] < 6:
            raise DexgysError(f"grasp records must have shape (..., 6 + n_dof), got {out.shape}")
        out[..., :3] += shift
        return out


def sample_object_cloud(
    obj: GraspObject, n_points: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``n_points`` well-spread surface points of ``obj``: points ``(n, 3)`` and normals ``(n, 3)`` float32
    (object frame, metres) and part labels ``(n,)`` int64, or ``None`` when ``obj`` has no part labels
    (a mesh without a part file). Deterministic in ``seed``; see the module docstring."""
    if n_points < 1:
        raise DexgysError(f"number of object points must be positive, got {n_points}")
    sample = obj.sample_surface(OVERSAMPLE * n_points, seed=seed)
    idx = farthest_point_sample(torch.from_numpy(sample.points.astype(np.float32)), n_points).numpy()
    parts = sample.labels[idx].astype(np.int64) if _has_part_labels(obj) else None
    return sample.points[idx].astype(np.float32), sample.normals[idx].astype(np.float32), parts


def _has_part_labels(obj: GraspObject) -> bool:
    """False for a mesh whose single ``"body"`` part is only the default (no part file, or parts rejected);
    the real-mesh set's objects are labelled (:mod:`dexgys.objects.real_meshes`)."""
    if not isinstance(obj, MeshObject) or obj.source.get("kind") == "real":
        return True
    return bool(obj.source.get("parts_file")) and "parts_note" not in obj.source


def load_object_input(spec: str, n_points: int = 2048, seed: int = 0) -> ObjectInput:
    """``spec`` (catalogue name, mesh file or point-cloud file; see the module docstring) as an
    :class:`ObjectInput` of ``n_points`` points; the same ``seed`` gives the same bytes."""
    if n_points < 1:
        raise DexgysError(f"number of object points must be positive, got {n_points}")
    path = Path(spec)
    suffix = path.suffix.lower()
    if suffix in CLOUD_SUFFIXES or suffix == ".ply":
        if not path.is_file():
            raise DexgysError(f"input file {spec!r} does not exist")
        cloud = _read_cloud(path)
        if cloud is None:  # a .ply with faces
            return _from_object(load_mesh_object(path), n_points, seed)
        return object_input_from_points(path.stem, *cloud, n_points=n_points, seed=seed)
    if suffix in MESH_SUFFIXES:
        if not path.is_file():
            raise DexgysError(f"mesh file {spec!r} does not exist")
        return _from_object(load_mesh_object(path), n_points, seed)
    kinds = ", ".join(MESH_SUFFIXES + (".ply",) + CLOUD_SUFFIXES)
    if path.exists():
        raise DexgysError(f"cannot read {spec!r}: give a catalogue name like 'mug:3' or a file ending in {kinds}")
    if ":" not in spec:
        raise DexgysError(f"{spec!r} is neither a catalogue name like 'mug:3' nor an existing file ({kinds})")
    return _from_object(resolve_object(spec), n_points, seed)


# --------------------------------------------------------------------------------------------- helpers
def _check_size(name: str, extent: float) -> None:
    if extent > MAX_EXTENT:
        units = (("millimetres", 1e-3), ("centimetres", 1e-2))
        hint = next(
            (
                f"; if it is in {unit}, scale it by {factor:g}"
                for unit, factor in units
                if MIN_EXTENT <= extent * factor <= MAX_EXTENT
            ),
            "",
        )
        raise DexgysError(
            f"{name!r} is {extent:.4g} m across, larger than a graspable object ({MAX_EXTENT} m): "
            f"dexgys expects metres{hint}"
        )
    if extent < MIN_EXTENT:
        raise DexgysError(f"{name!r} is {1e3 * extent:.3g} mm across, too small to grasp: dexgys expects metres")


def _from_object(obj: GraspObject, n_points: int, seed: int) -> ObjectInput:
    _check_size(obj.name, float(obj.extents.max()))
    points, normals, parts = sample_object_cloud(obj, n_points, seed)
    offset = np.asarray(obj.source.get("offset", (0.0, 0.0, 0.0)), dtype=np.float64)
    return ObjectInput(obj.name, points, normals, parts, offset, obj)


def _read_cloud(path: Path) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Points ``(N, 3)`` and normals ``(N, 3)`` or ``None`` (float64, unchecked); ``None`` for a mesh ply."""
    suffix = path.suffix.lower()
    if suffix == ".npy":
        try:
            data = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise DexgysError(f"cannot read point cloud {str(path)!r}: {exc}") from None
        return _split_columns(path, data)
    if suffix == ".ply":
        try:
            loaded = trimesh.load(path, file_type="ply", process=False)
        except Exception as exc:  # trimesh raises many types on malformed files
            raise DexgysError(f"cannot read {str(path)!r}: {type(exc).__name__}: {exc}") from None
        if isinstance(loaded, trimesh.Trimesh) and len(loaded.faces) > 0:
            return None
        if not isinstance(loaded, (trimesh.Trimesh, trimesh.PointCloud)):
            raise DexgysError(f"{str(path)!r} holds neither a mesh nor a point cloud")
        points = np.asarray(loaded.vertices, dtype=np.float64)
        raw = loaded.metadata.get("_ply_raw", {}).get("vertex", {}).get("data")
        names = getattr(getattr(raw, "dtype", None), "names", None) or ()
        normals = None
        if {"nx", "ny", "nz"} <= set(names) and len(raw) == len(points):
            normals = np.stack([raw["nx"], raw["ny"], raw["nz"]], 1).astype(np.float64)
        return points, normals
    try:
        text = path.read_text().replace(",", " ")
        data = np.loadtxt(io.StringIO(text), ndmin=2)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DexgysError(f"cannot read point cloud {str(path)!r}: {exc}") from None
    return _split_columns(path, data)


def _split_columns(path: Path, data: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    if data.ndim != 2 or data.shape[1] not in (3, 6) or not np.issubdtype(data.dtype, np.number):
        raise DexgysError(
            f"point cloud {str(path)!r} has shape {data.shape} ({data.dtype}): "
            "expected (N, 3) points or (N, 6) points and normals"
        )
    data = data.astype(np.float64)
    return data[:, :3], (data[:, 3:] if data.shape[1] == 6 else None)


def object_input_from_points(
    name: str, points: np.ndarray, normals: np.ndarray | None, n_points: int, seed: int
) -> ObjectInput:
    """An :class:`ObjectInput` from a bare cloud ``points`` ``(M, 3)`` (metres, any frame) with optional
    ``normals`` ``(M, 3)`` (estimated when None): checked, centred and resampled to ``n_points``."""
    if len(points) < MIN_POINTS:
        raise DexgysError(f"point cloud {name!r} has {len(points)} points; at least {MIN_POINTS} are needed")
    bad = ~np.isfinite(points).all(1) if normals is None else ~np.isfinite(np.hstack([points, normals])).all(1)
    if bad.any():
        raise DexgysError(f"point cloud {name!r} has {int(bad.sum())} points with NaN or infinite values")
    lo, hi = points.min(0), points.max(0)
    _check_size(name, float((hi - lo).max()))
    offset = -(lo + hi) / 2.0
    points = points + offset
    rng = np.random.default_rng(seed)
    if len(points) > MAX_CLOUD_POINTS:
        keep = np.sort(rng.choice(len(points), MAX_CLOUD_POINTS, replace=False))
        points, normals = points[keep], None if normals is None else normals[keep]
    if normals is None:
        normals = _estimate_normals(points)
    else:
        length = np.linalg.norm(normals, axis=1, keepdims=True)
        if (length < 1e-9).any():
            raise DexgysError(f"point cloud {name!r} has {int((length < 1e-9).sum())} zero-length normals")
        normals = normals / length
    if len(points) >= n_points:
        idx = farthest_point_sample(torch.from_numpy(points.astype(np.float32)), n_points).numpy()
    else:
        idx = np.concatenate([np.arange(len(points)), rng.choice(len(points), n_points - len(points))])
    return ObjectInput(name, points[idx].astype(np.float32), normals[idx].astype(np.float32), None, offset, None)


def _estimate_normals(points: np.ndarray) -> np.ndarray:
    """Unit normals ``(N, 3)`` of ``points`` ``(N, 3)`` by k-NN PCA, turned away from the centroid."""
    k = min(NORMAL_NEIGHBOURS, len(points))
    idx, normals = pcu.estimate_point_cloud_normals_knn(np.ascontiguousarray(points), k)
    if len(idx) != len(points):
        raise DexgysError(f"could not estimate normals for {len(points) - len(idx)} points of the point cloud")
    normals = np.asarray(normals, dtype=np.float64)[np.argsort(idx)]
    inward = ((points - points.mean(0)) * normals).sum(1) < 0
    normals[inward] *= -1.0
    return normals
