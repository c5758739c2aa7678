"""Grasp files: DexGYSNet records plus the object they refer to.

A dexgys grasp file is JSON::

    {"format_version": 1, "hand": "shadow", "object": "mug:3",
     "grasps": [{"cate_id": "mug", "obj_id": "mug:3", "action_id": "0001",
                 "guidance": "...", "dex_grasp": [t(3) | axis-angle(3) | q(22)]}, ...]}

``object`` is a catalogue name (``mug:3``) or a mesh path (relative paths are relative to the grasp
file). A bare JSON list of DexGYSNet records is read too; its object then comes from the records'
``obj_id`` when that is a catalogue name, or from the caller. The official files' ``guidence`` key
is accepted and read as ``guidance``.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from dexgys.atomic import atomic_write_text
from dexgys.errors import DexgysError

GRASP_FILE_VERSION = 1


@dataclass
class GraspFile:
    """The contents of a grasp file: records in DexGYSNet format and what they grasp."""

    records: list[dict]
    object_ref: str | None = None
    hand: str = "shadow"
    extra: dict = field(default_factory=dict)

    def vectors(self) -> list[list[float]]:
        return [r["dex_grasp"] for r in self.records]

    def object_frame_vectors(self) -> list[list[float]]:
        """The grasps in the object frame: files written by ``dexgys generate`` for an off-centre mesh
        hold input-frame grasps (``"frame": "input"``), moved back by ``object_offset_m``."""
        if self.extra.get("frame") != "input":
            return self.vectors()
        offset = [float(x) for x in self.extra.get("object_offset_m", [0.0, 0.0, 0.0])]
        return [[v[0] + offset[0], v[1] + offset[1], v[2] + offset[2], *v[3:]] for v in self.vectors()]


def _check_record(record, index: int, path: Path) -> dict:
    if not isinstance(record, dict):
        raise DexgysError(f"{path}: grasp {index} is not a JSON object")
    if "guidence" in record and "guidance" not in record:
        record = {**record, "guidance": record["guidence"]}
        del record["guidence"]
    vec = record.get("dex_grasp")
    if not isinstance(vec, list) or not all(isinstance(x, (int, float)) for x in vec):
        raise DexgysError(f"{path}: grasp {index} has no 'dex_grasp' list of numbers")
    if not all(math.isfinite(x) for x in vec):
        raise DexgysError(f"{path}: grasp {index} has a NaN or infinite value in 'dex_grasp'")
    return record


def read_grasp_file(path: str | os.PathLike) -> GraspFile:
    """Read and check a grasp file (see the module docstring); DexgysError on any problem."""
    path = Path(path)
    if not path.is_file():
        raise DexgysError(f"grasp file {str(path)!r} does not exist")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DexgysError(f"{path}: not valid JSON ({exc})") from None
    if isinstance(data, list):
        records, object_ref, hand, extra = data, None, "shadow", {}
    elif isinstance(data, dict) and isinstance(data.get("grasps"), list):
        version = data.get("format_version", GRASP_FILE_VERSION)
        if version != GRASP_FILE_VERSION:
            raise DexgysError(
                f"{path}: grasp file format version {version} is not supported (expected {GRASP_FILE_VERSION})"
            )
        records, object_ref, hand = data["grasps"], data.get("object"), data.get("hand", "shadow")
        extra = {k: v for k, v in data.items() if k not in {"grasps", "object", "hand", "format_version"}}
    else:
        raise DexgysError(f"{path}: expected a list of grasp records or an object with a 'grasps' list")
    if not records:
        raise DexgysError(f"{path}: contains no grasps")
    records = [_check_record(r, i, path) for i, r in enumerate(records)]
    if object_ref is None:
        ids = {str(r.get("obj_id")) for r in records}
        if len(ids) == 1 and ":" in next(iter(ids)):
            object_ref = ids.pop()
    if isinstance(object_ref, str) and ":" not in object_ref and not Path(object_ref).is_absolute():
        object_ref = str(path.parent / object_ref)
    return GraspFile(records, object_ref, hand, extra)


def write_grasp_file(
    path: str | os.PathLike, records: list[dict], object_ref: str, hand: str = "shadow", **extra
) -> None:
    """Write a grasp file atomically."""
    payload = {"format_version": GRASP_FILE_VERSION, "hand": hand, "object": object_ref, **extra, "grasps": records}
    atomic_write_text(path, json.dumps(payload, indent=1))
