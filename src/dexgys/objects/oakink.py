"""Objects from a local copy of OakInk, in the DexGYSNet object frame.

Layout read (OakInk's ``docs/datasets.md`` and ``oikit``; DexGYS ``task_dex_datasets.py``)::

    <root>/shape/metaV2/object_id.json            {"<obj_id>": {"name": "<obj_name>", ...}}  real objects
    <root>/shape/metaV2/virtual_object_id.json    same for virtual objects (also read: virtual_obj_id.json)
    <root>/shape/metaV2/yodaobject_cat.json       category names (optional)
    <root>/shape/OakInkObjectsV2/<obj_name>/align_ds/*.obj|*.ply
    <root>/shape/OakInkVirtualObjectsV2/<obj_name>/align_ds/*.obj|*.ply
    <root>/OakBase/<category>/<obj_name>/part_XX.ply + part_XX.json   part segmentation (optional)

``root`` may also be the ``shape`` folder itself (DexGYS's ``data/oakink/shape``); OakBase is then
looked for beside it. Object ids are the keys of the two id files (DexGYSNet's ``obj_id``).

Mesh and frame, exactly as DexGYS and oikit: the downsampled ``align_ds`` mesh; when that folder holds
several .obj/.ply files, the one whose file name contains ``align``; loaded with
``trimesh.load(process=False, force="mesh", skip_materials=True)`` and translated so that the centre
of the vertices' axis-aligned bounding box is the origin; no rotation, no scaling (metres).

Assumptions where OakInk's files could not be checked here (no copy of the dataset was available):

* Category: an explicit ``categories`` mapping wins (e.g. ``{obj_id: cate_id}`` from DexGYSNet
  records); otherwise ``yodaobject_cat.json`` is read as a JSON object keyed by the two digits after
  the id's leading letter (``"A16012"`` -> ``"16"``) or by the whole id, whose values are a name or an
  object with a ``"name"``. Its names may differ from DexGYSNet's 34 ``cate_id`` names.
* Parts: a dexgys ``<stem>.parts.json`` beside the mesh wins. Otherwise the OakBase instance folder
  named like the object (``OakBase/*/<obj_name>``) is used: each ``part_XX.ply`` is a point cloud of
  one part, named by ``part_XX.json``'s ``"name"``, assumed to lie in the same frame as the
  ``align_ds`` mesh before centring. Every face takes the part most of 7 points spread over it are
  nearest to. If the part points do not lie on the mesh (median gap above 2 % of the box diagonal) the
  parts are not used, the object gets one part ``"body"`` and ``source["parts_note"]`` says why.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import point_cloud_utils as pcu
import trimesh
from scipy.spatial import cKDTree

from dexgys.errors import DexgysError
from dexgys.objects.mesh_object import MeshObject, mesh_object_from_arrays, read_mesh, read_parts_file

log = logging.getLogger(__name__)

REAL_DIR = "OakInkObjectsV2"
VIRTUAL_DIR = "OakInkVirtualObjectsV2"
VIRTUAL_META_FILES = ("virtual_object_id.json", "virtual_obj_id.json")
PART_ALIGN_TOLERANCE = 0.02  # median part-point gap, as a fraction of the bounding-box diagonal
_VOTE_WEIGHTS = np.array(
    [[1 / 3, 1 / 3, 1 / 3], [2 / 3, 1 / 6, 1 / 6], [1 / 6, 2 / 3, 1 / 6], [1 / 6, 1 / 6, 2 / 3]]
    + [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]]
)


class OakInkLibrary:
    """The OakInk objects under ``root``; see the module docstring for the layout and frame."""

    def __init__(self, root: str | os.PathLike, categories: Mapping[str, str] | None = None):
        root = Path(root)
        if (root / "shape" / "metaV2").is_dir():
            self.shape_dir = root / "shape"
        elif (root / "metaV2").is_dir():
            self.shape_dir = root
        else:
            raise DexgysError(f"{str(root)!r} is not an OakInk copy: no shape/metaV2 folder in it")
        self.oakbase_dir = self.shape_dir.parent / "OakBase"
        meta = self.shape_dir / "metaV2"
        self._records: dict[str, tuple[str, bool]] = {}  # obj_id -> (obj_name, is_virtual)
        self._read_ids(meta / "object_id.json", virtual=False, required=True)
        for file_name in VIRTUAL_META_FILES:
            if (meta / file_name).is_file():
                self._read_ids(meta / file_name, virtual=True, required=False)
                break
        cat_file = meta / "yodaobject_cat.json"
        self._yoda = _read_json(cat_file) if cat_file.is_file() else {}
        if not isinstance(self._yoda, dict):
            raise DexgysError(f"{str(cat_file)!r} should hold a JSON object")
        self._categories = dict(categories or {})
        self._oakbase: dict[str, Path] | None = None

    def _read_ids(self, path: Path, virtual: bool, required: bool) -> None:
        if not path.is_file():
            if required:
                raise DexgysError(f"OakInk id file {str(path)!r} is missing")
            return
        data = _read_json(path)
        if not isinstance(data, dict):
            raise DexgysError(f"OakInk id file {str(path)!r} should map object ids to records")
        for obj_id, record in data.items():
            if not isinstance(record, dict) or not isinstance(record.get("name"), str):
                raise DexgysError(f"OakInk id file {str(path)!r}: entry {obj_id!r} has no 'name'")
            self._records[obj_id] = (record["name"], virtual)

    # ------------------------------------------------------------------------------------ queries
    def list_objects(self, category: str | None = None) -> list[str]:
        """Sorted ids of the objects whose ``align_ds`` folder is present (optionally of one category)."""
        ids = sorted(i for i in self._records if self._mesh_dir(i).is_dir())
        if category is not None:
            ids = [i for i in ids if self.category(i) == category]
        return ids

    def category(self, obj_id: str) -> str | None:
        """Category name of ``obj_id``, or ``None`` when no metadata names it."""
        self._record(obj_id)
        if obj_id in self._categories:
            return self._categories[obj_id]
        entry = self._yoda.get(obj_id, self._yoda.get(obj_id[1:3]))
        if isinstance(entry, dict):
            entry = entry.get("name")
        return entry if isinstance(entry, str) else None

    def mesh_path(self, obj_id: str) -> Path:
        """The ``align_ds`` mesh file of ``obj_id``, chosen as DexGYS does."""
        folder = self._mesh_dir(obj_id)
        if not folder.is_dir():
            raise DexgysError(f"OakInk object {obj_id!r}: mesh folder {str(folder)!r} is missing")
        files = sorted(folder.glob("*.obj")) + sorted(folder.glob("*.ply"))
        if len(files) > 1:
            files = [p for p in files if "align" in p.name]
        if len(files) != 1:
            raise DexgysError(f"OakInk object {obj_id!r}: expected one mesh in {str(folder)!r}, found {len(files)}")
        return files[0]

    def load(self, obj_id: str, repair: bool = True) -> MeshObject:
        """``obj_id`` as a :class:`MeshObject` centred on its bounding box, with parts where available."""
        obj_name, virtual = self._record(obj_id)
        path = self.mesh_path(obj_id)
        mesh = read_mesh(path)
        source = {"dataset": "oakink", "obj_id": obj_id, "oakink_name": obj_name, "virtual": virtual, "path": str(path)}
        parts_json = path.with_name(path.stem + ".parts.json")
        part_names, labels = None, None
        if parts_json.is_file():
            parts = read_parts_file(parts_json, len(mesh.faces))
            part_names, labels = parts["parts"], parts["face_labels"]
            source["parts_file"] = str(parts_json)
        elif obj_name in self._oakbase_index():
            part_dir = self._oakbase_index()[obj_name]
            part_names, labels, note = _oakbase_labels(mesh, part_dir)
            source["parts_file"] = str(part_dir)
            if note:
                log.warning("OakInk %s: %s", obj_id, note)
                source["parts_note"] = note
        return mesh_object_from_arrays(
            mesh.vertices,
            mesh.faces,
            labels,
            part_names,
            name=obj_id,
            category=self.category(obj_id),
            repair=repair,
            source=source,
        )

    # ------------------------------------------------------------------------------------ helpers
    def _record(self, obj_id: str) -> tuple[str, bool]:
        if obj_id not in self._records:
            raise DexgysError(f"unknown OakInk object id {obj_id!r} (not in {str(self.shape_dir / 'metaV2')!r})")
        return self._records[obj_id]

    def _mesh_dir(self, obj_id: str) -> Path:
        obj_name, virtual = self._record(obj_id)
        return self.shape_dir / (VIRTUAL_DIR if virtual else REAL_DIR) / obj_name / "align_ds"

    def _oakbase_index(self) -> dict[str, Path]:
        """OakBase instance folders by object name (built once)."""
        if self._oakbase is None:
            self._oakbase = {}
            if self.oakbase_dir.is_dir():
                for folder in sorted(self.oakbase_dir.glob("*/*")):
                    if folder.is_dir() and any(folder.glob("part_*.ply")):
                        self._oakbase.setdefault(folder.name, folder)
        return self._oakbase


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except OSError as exc:
        raise DexgysError(f"cannot read {str(path)!r}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise DexgysError(f"{str(path)!r} is not valid JSON ({exc.msg}, line {exc.lineno})") from None


def _oakbase_labels(mesh: trimesh.Trimesh, part_dir: Path) -> tuple[list[str] | None, np.ndarray | None, str | None]:
    """Part names and face labels ``(F,)`` of ``mesh`` from OakBase part clouds, or ``(None, None, why not)``."""
    names, clouds = [], []
    for ply in sorted(part_dir.glob("part_*.ply")):
        info = _read_json(ply.with_suffix(".json"))
        if not isinstance(info, dict) or not isinstance(info.get("name"), str):
            raise DexgysError(f"OakBase part file {str(ply.with_suffix('.json'))!r} has no 'name'")
        try:
            points = np.asarray(trimesh.load(ply, process=False).vertices, dtype=np.float64)
        except Exception as exc:  # trimesh raises many types on malformed files
            raise DexgysError(f"cannot read OakBase part {str(ply)!r}: {type(exc).__name__}: {exc}") from None
        if len(points) == 0 or not np.isfinite(points).all():
            raise DexgysError(f"OakBase part {str(ply)!r} has no usable points")
        names.append(info["name"])
        clouds.append(points)
    unique = list(dict.fromkeys(names))  # two part files may carry the same part name
    points = np.concatenate(clouds)
    owner = np.concatenate([np.full(len(c), unique.index(n)) for n, c in zip(names, clouds)])
    v = np.ascontiguousarray(mesh.vertices, dtype=np.float64)
    f = np.ascontiguousarray(mesh.faces, dtype=np.int64)
    gap = float(np.median(np.reshape(pcu.closest_points_on_mesh(points, v, f)[0], -1)))
    diagonal = float(np.linalg.norm(v.max(0) - v.min(0)))
    if gap > PART_ALIGN_TOLERANCE * diagonal:
        note = f"OakBase parts in {str(part_dir)!r} lie {1e3 * gap:.1f} mm from the mesh (median); parts not used"
        return None, None, note
    # each face votes with 7 points spread over it (centroid, towards the corners, edge midpoints)
    _, nearest = cKDTree(points).query(np.einsum("kc,fcd->fkd", _VOTE_WEIGHTS, v[f]).reshape(-1, 3))
    votes = owner[nearest].reshape(len(f), len(_VOTE_WEIGHTS))
    counts = np.stack([(votes == part).sum(1) for part in range(len(unique))], 1)
    return unique, counts.argmax(1).astype(np.int64), None
