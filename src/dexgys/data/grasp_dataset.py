"""``GraspDataset``: DexGYSNet-format grasp records with their object point clouds, for training.

Two sources:

* :meth:`GraspDataset.from_dir`: a dataset built by ``dexgys data build`` (``DIR/train.json.gz`` or
  ``DIR/test.json.gz`` plus the ``DIR/objects.json`` registry; objects are catalogue objects);
* :meth:`GraspDataset.from_official`: an official DexGYSNet JSON file (a list of
  ``{cate_id, obj_id, action_id, guidance | guidence, dex_grasp}``) with a local OakInk copy (see
  :mod:`dexgys.objects.oakink` for the layout and the object frame).

One item per record (the official ``sample_in_pose=True`` grouping; for multi-GT evaluation use
:meth:`GraspDataset.records_of`), a dict of

* ``index``: int, position of the record in the file;
* ``object_id``, ``category``: str;
* ``object_points`` ``(N, 3)`` float32, metres, object frame (bounding-box centre at the origin);
* ``object_normals`` ``(N, 3)`` float32, outward unit normals;
* ``object_parts`` ``(N,)`` int64, indices into ``part_names``, ``-1`` where the object has no labels;
* ``part_names``: tuple of str (empty when the object has no part labels);
* ``grasp`` ``(28,)`` float32: the record's ``dex_grasp`` ``[t (m) | axis-angle (rad) | q (rad)]``;
* ``guidance``: str (the fine sentence); ``action_id``: int 1..4 (use, hold, lift, hand over);
* ``contacts``: dict finger -> list of parts (empty for official records).

Object clouds: unlike the official loader (fresh random ``mesh.sample(4096)`` on every item, see
``reference/official-code.md`` §2.2 and bug 17), each object is sampled **once**, deterministically
from ``seed`` (:func:`dexgys.objects.inputs.sample_object_cloud`: seeded area-uniform samples, then
farthest-point sampling to ``n_points``, the same rule ``dexgys generate`` uses), and kept in memory.
With ``cache_dir`` the clouds are also stored as ``.npz`` files keyed by source, object id,
``n_points``, ``seed`` and :data:`CACHE_VERSION` (bump it when sampling or the catalogue changes);
an unreadable or mismatched cache file is ignored, resampled and rewritten. DataLoader workers each
hold their own memory cache; call :meth:`GraspDataset.preload` before creating the loader so forked
workers share the parent's clouds.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from dexgys.atomic import atomic_write_bytes
from dexgys.data.builder import DATASET_FORMAT_VERSION, load_records
from dexgys.errors import DexgysError
from dexgys.language.brief import intent_from_action_id
from dexgys.objects.catalogue import make_object, parse_object_name
from dexgys.objects.grasp_object import GraspObject
from dexgys.objects.inputs import sample_object_cloud
from dexgys.objects.oakink import OakInkLibrary

log = logging.getLogger(__name__)

CACHE_VERSION = 1
SHADOW_GRASP_DIM = 28  # [t(3) | axis-angle(3) | q(22)]
SPLITS = ("train", "test")
_REQUIRED = ("cate_id", "obj_id", "action_id", "guidance", "dex_grasp")


@dataclass(frozen=True)
class ObjectCloud:
    """One object's sampled cloud: ``points``/``normals`` ``(N, 3)`` float32 (object frame, metres),
    ``parts`` ``(N,)`` int64 (``-1``: no labels) indexing ``part_names``. The arrays are read-only."""

    points: np.ndarray
    normals: np.ndarray
    parts: np.ndarray
    part_names: tuple[str, ...]


class GraspDataset(Dataset):
    """Grasp records with deterministic, cached object clouds; see the module docstring.

    Build it with :meth:`from_dir` or :meth:`from_official`. The constructor takes records already
    checked by :func:`check_records` and ``load_object(object_id) -> GraspObject``; ``source`` names
    where the objects come from (part of the disk-cache key).
    """

    def __init__(
        self,
        records: list[dict],
        load_object: Callable[[str], GraspObject],
        *,
        source: str,
        n_points: int = 2048,
        seed: int = 0,
        cache_dir: str | os.PathLike | None = None,
    ):
        if n_points < 1:
            raise DexgysError(f"number of object points must be positive, got {n_points}")
        self.records = records
        self.n_points = int(n_points)
        self.seed = int(seed)
        self.source = source
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._load_object = load_object
        self._grasps = np.asarray([r["dex_grasp"] for r in records], dtype=np.float32)
        self._groups: dict[tuple[str, int], list[int]] = {}
        for i, r in enumerate(records):
            self._groups.setdefault((r["obj_id"], r["action_id"]), []).append(i)
        self._object_ids = sorted({r["obj_id"] for r in records})
        self._known = frozenset(self._object_ids)
        self._clouds: dict[str, ObjectCloud] = {}

    # ------------------------------------------------------------------------------ constructors
    @classmethod
    def from_dir(
        cls,
        path: str | os.PathLike,
        split: str = "train",
        n_points: int = 2048,
        seed: int = 0,
        cache_dir: str | os.PathLike | None = None,
    ) -> GraspDataset:
        """The ``split`` (``"train"`` or ``"test"``) of a dataset built by ``dexgys data build``."""
        path = Path(path)
        if split not in SPLITS:
            raise DexgysError(f"unknown split {split!r}: use 'train' or 'test'")
        if not path.is_dir():
            raise DexgysError(f"dataset directory {str(path)!r} does not exist")
        registry = _read_registry(path / "objects.json")
        where = str(path / f"{split}.json.gz")
        records = check_records(load_records(where), where)
        for i, r in enumerate(records):
            if r["obj_id"] not in registry:
                raise DexgysError(
                    f"{where}: record {i} refers to object {r['obj_id']!r}, which objects.json does not list"
                )
        return cls(
            records,
            partial(_load_registered, registry),
            source="catalogue",
            n_points=n_points,
            seed=seed,
            cache_dir=cache_dir,
        )

    @classmethod
    def from_official(
        cls,
        json_path: str | os.PathLike,
        oakink_root: str | os.PathLike,
        n_points: int = 2048,
        seed: int = 0,
        cache_dir: str | os.PathLike | None = None,
    ) -> GraspDataset:
        """An official DexGYSNet file (``train.json`` / ``test.json``, old ``guidence`` key accepted)
        whose ``obj_id``s are OakInk ids found under ``oakink_root``; categories are the records' ``cate_id``."""
        where = str(json_path)
        records = check_records(load_records(json_path), where)
        categories: dict[str, str] = {}
        for i, r in enumerate(records):
            first = categories.setdefault(r["obj_id"], r["cate_id"])
            if first != r["cate_id"]:
                raise DexgysError(
                    f"{where}: record {i} gives object {r['obj_id']!r} category {r['cate_id']!r}, "
                    f"earlier records {first!r}"
                )
        library = OakInkLibrary(oakink_root, categories=categories)
        present = set(library.list_objects())
        for i, r in enumerate(records):
            if r["obj_id"] not in present:
                raise DexgysError(
                    f"{where}: record {i} refers to OakInk object {r['obj_id']!r}, which has no "
                    f"align_ds mesh under {str(oakink_root)!r}"
                )
        return cls(records, library.load, source="oakink", n_points=n_points, seed=seed, cache_dir=cache_dir)

    # ------------------------------------------------------------------------------ queries
    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> dict:
        index = range(len(self.records))[index]  # IndexError outside, negative indices allowed
        record = self.records[index]
        cloud = self.object_cloud(record["obj_id"])
        return {
            "index": index,
            "object_id": record["obj_id"],
            "category": record["cate_id"],
            "object_points": torch.tensor(cloud.points),
            "object_normals": torch.tensor(cloud.normals),
            "object_parts": torch.tensor(cloud.parts),
            "part_names": cloud.part_names,
            "grasp": torch.tensor(self._grasps[index]),
            "guidance": record["guidance"],
            "action_id": record["action_id"],
            "contacts": record["contacts"],
        }

    def object_ids(self) -> list[str]:
        """Sorted ids of the objects the records refer to."""
        return list(self._object_ids)

    def records_of(self, object_id: str, action_id: int | str) -> list[dict]:
        """Every record of ``object_id`` with intent ``action_id`` (``1`` or ``"0001"``), in file order:
        the multi-GT set of official evaluation (§2.4), as stored (do not modify them). Empty when the
        object has no grasp with that intent."""
        if object_id not in self._known:
            raise DexgysError(f"object {object_id!r} is not in this dataset")
        key = (object_id, _action_number(action_id))
        return [self.records[i] for i in self._groups.get(key, [])]

    def load_object(self, object_id: str) -> GraspObject:
        """The full :class:`GraspObject` (mesh, parts, SDF) of ``object_id``, e.g. for physics; not cached."""
        if object_id not in self._known:
            raise DexgysError(f"object {object_id!r} is not in this dataset")
        return self._load_object(object_id)

    def object_cloud(self, object_id: str) -> ObjectCloud:
        """The cloud of ``object_id``: from memory, else from the disk cache, else sampled (and stored)."""
        cloud = self._clouds.get(object_id)
        if cloud is not None:
            return cloud
        if object_id not in self._known:
            raise DexgysError(f"object {object_id!r} is not in this dataset")
        cache_file = self._cache_file(object_id) if self.cache_dir is not None else None
        cloud = _read_cloud_cache(cache_file, self._cache_key(object_id), self.n_points) if cache_file else None
        if cloud is None:
            obj = self._load_object(object_id)
            points, normals, parts = sample_object_cloud(obj, self.n_points, self.seed)
            if parts is None:
                cloud = _frozen_cloud(points, normals, np.full(len(points), -1, np.int64), ())
            else:
                cloud = _frozen_cloud(points, normals, parts, obj.part_names)
            if cache_file is not None:
                _write_cloud_cache(cache_file, self._cache_key(object_id), cloud)
        self._clouds[object_id] = cloud
        return cloud

    def preload(self, progress: bool = False) -> None:
        """Sample (or read from the disk cache) every object's cloud now."""
        from tqdm import tqdm

        for object_id in tqdm(self._object_ids, desc="object clouds", unit="obj", disable=not progress):
            self.object_cloud(object_id)

    # ------------------------------------------------------------------------------ helpers
    def _cache_key(self, object_id: str) -> str:
        return f"{self.source}|{object_id}|n={self.n_points}|seed={self.seed}|v={CACHE_VERSION}"

    def _cache_file(self, object_id: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", object_id)
        digest = hashlib.sha1(self._cache_key(object_id).encode()).hexdigest()[:10]
        return self.cache_dir / f"{self.source}-{safe}-n{self.n_points}-s{self.seed}-v{CACHE_VERSION}-{digest}.npz"


def collate(items: list[dict]) -> dict:
    """Batch dataset items: tensors stacked (``object_points`` ``(B, N, 3)``, ``grasp`` ``(B, 28)``...),
    ints (``index``, ``action_id``) as int64 tensors ``(B,)``, everything else as lists."""
    if not items:
        raise DexgysError("cannot collate an empty batch")
    batch = {}
    for key, first in items[0].items():
        values = [item[key] for item in items]
        if isinstance(first, torch.Tensor):
            batch[key] = torch.stack(values)
        elif isinstance(first, int):
            batch[key] = torch.tensor(values, dtype=torch.long)
        else:
            batch[key] = values
    return batch


def check_records(raw, where: str) -> list[dict]:
    """Checked copies of DexGYSNet records: ``guidence`` renamed ``guidance``, ``action_id`` an int 1..4,
    ``contacts`` a dict (``{}`` when absent), other keys kept. ``where`` names the file in errors."""
    if not isinstance(raw, list):
        raise DexgysError(f"{where}: expected a JSON list of grasp records, got {type(raw).__name__}")
    if not raw:
        raise DexgysError(f"{where}: contains no grasp records")
    return [_check_record(r, i, where) for i, r in enumerate(raw)]


def _check_record(raw, index: int, where: str) -> dict:
    def fail(problem: str) -> DexgysError:
        return DexgysError(f"{where}: record {index} {problem}")

    if not isinstance(raw, dict):
        raise fail(f"is a {type(raw).__name__}, not a JSON object")
    record = dict(raw)
    if "guidence" in record:  # the official files before commit b9d1ebe
        spelled = record.pop("guidence")
        record.setdefault("guidance", spelled)
    missing = [k for k in _REQUIRED if k not in record]
    if missing:
        raise fail(f"has no {', '.join(map(repr, missing))} (a record needs {', '.join(_REQUIRED)})")
    for key in ("cate_id", "obj_id", "guidance"):
        if not isinstance(record[key], str) or not record[key].strip():
            raise fail(f"has a bad {key!r}: expected a non-empty string, got {record[key]!r}")
    try:
        record["action_id"] = _action_number(record["action_id"])
    except DexgysError as exc:
        raise fail(f"has a {exc}") from None
    vec = record["dex_grasp"]
    if (
        not isinstance(vec, list)
        or len(vec) != SHADOW_GRASP_DIM
        or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in vec)
    ):
        raise fail(f"has a bad 'dex_grasp': expected a list of {SHADOW_GRASP_DIM} numbers [t | axis-angle | q(22)]")
    if not all(np.isfinite(vec)):
        raise fail("has a NaN or infinite value in 'dex_grasp'")
    contacts = record.setdefault("contacts", {})
    if not isinstance(contacts, dict):
        raise fail(f"has a bad 'contacts': expected an object finger -> parts, got {type(contacts).__name__}")
    return record


def _action_number(action_id) -> int:
    """``"0001"`` / ``1`` -> 1 ... ``"0004"`` -> 4; anything else raises."""
    if isinstance(action_id, bool) or not isinstance(action_id, (int, str)):
        raise DexgysError(f"bad action_id {action_id!r}: expected 0001..0004")
    intent_from_action_id(action_id)
    return int(str(action_id).strip())


def _read_registry(path: Path) -> dict[str, dict]:
    """``objects.json`` as ``{object name: entry}``."""
    if not path.is_file():
        raise DexgysError(f"{str(path)!r} is missing: not a dataset directory made by 'dexgys data build'")
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as exc:
        raise DexgysError(f"cannot read {str(path)!r}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise DexgysError(f"{str(path)!r} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("objects"), list):
        raise DexgysError(f"{str(path)!r} needs an 'objects' list")
    if data.get("format_version") != DATASET_FORMAT_VERSION:
        raise DexgysError(
            f"{str(path)!r} has format_version {data.get('format_version')!r}; "
            f"this dexgys reads {DATASET_FORMAT_VERSION}"
        )
    registry = {}
    for i, entry in enumerate(data["objects"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise DexgysError(f"{str(path)!r}: object entry {i} has no 'name'")
        kind = (entry.get("source") or {}).get("kind", "catalogue")
        if kind != "catalogue":
            raise DexgysError(
                f"{str(path)!r}: object {entry['name']!r} comes from {kind!r}; only catalogue objects are supported"
            )
        try:
            parse_object_name(entry["name"])
        except DexgysError as exc:
            raise DexgysError(f"{str(path)!r}: object entry {i}: {exc}") from None
        registry[entry["name"]] = entry
    return registry


def _load_registered(registry: dict[str, dict], object_id: str) -> GraspObject:
    """Catalogue object ``object_id``, checked against its ``objects.json`` entry (parts, extents)."""
    obj = make_object(object_id)
    entry = registry[object_id]
    rebuild = "the dataset was built by another dexgys version, rebuild it"
    if "parts" in entry and list(entry["parts"]) != list(obj.part_names):
        raise DexgysError(
            f"object {object_id!r}: objects.json lists parts {entry['parts']} but the catalogue now "
            f"builds {obj.part_names}; {rebuild}"
        )
    if "extents_m" in entry and not np.allclose(entry["extents_m"], obj.extents, rtol=0.0, atol=1e-6):
        raise DexgysError(
            f"object {object_id!r}: objects.json gives extents {entry['extents_m']} m but the catalogue "
            f"now builds {obj.extents.tolist()}; {rebuild}"
        )
    return obj


def _frozen_cloud(points, normals, parts, part_names) -> ObjectCloud:
    arrays = [
        np.ascontiguousarray(points, np.float32),
        np.ascontiguousarray(normals, np.float32),
        np.ascontiguousarray(parts, np.int64),
    ]
    for a in arrays:
        a.flags.writeable = False
    return ObjectCloud(*arrays, tuple(part_names))


def _read_cloud_cache(path: Path, key: str, n_points: int) -> ObjectCloud | None:
    """The cached cloud, or ``None`` when absent, unreadable or made for another key."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) != key:
                raise ValueError(f"made for {str(data['key'])!r}")
            points, normals, parts = data["points"], data["normals"], data["parts"]
            names = tuple(str(n) for n in data["part_names"])
        if points.shape != (n_points, 3) or normals.shape != (n_points, 3) or parts.shape != (n_points,):
            raise ValueError("wrong array shapes")
        if not (np.isfinite(points).all() and np.isfinite(normals).all()) or parts.max() >= len(names):
            raise ValueError("bad values")
    except (OSError, ValueError, KeyError, EOFError) as exc:
        log.warning("ignoring object-cloud cache %s (%s); resampling", path, exc)
        return None
    return _frozen_cloud(points, normals, parts, names)


def _write_cloud_cache(path: Path, key: str, cloud: ObjectCloud) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    np.savez(
        buf,
        key=np.array(key),
        points=cloud.points,
        normals=cloud.normals,
        parts=cloud.parts,
        part_names=np.array(cloud.part_names, dtype=str),
    )
    atomic_write_bytes(path, buf.getvalue())
