"""Prediction files: the grasps a model drew for the test split, as DexGYSNet records.

A predictions file is a JSON list (``.json``, or gzipped ``.json.gz``) of records::

    [{"obj_id": "mug:3", "action_id": "0002", "guidance": "Hold the mug by ...",
      "dex_grasp": [t(3) | axis-angle(3) | q(22)], "condition": 17, "sample": 0, ...}, ...]

* ``condition`` -- the index (0-based) of the test-split record the grasp was drawn for; it names
  the (object, instruction) pair, and all samples drawn for one pair share it. ``obj_id``,
  ``action_id`` and ``guidance`` must equal that record's (checked by the evaluation).
* ``sample`` -- 0..k-1 among the samples of that condition; a (condition, sample) pair appears once.
* ``action_id`` -- "0001".."0004" (use, hold, lift, hand over); integers 1..4 are accepted and
  written back as "000k".
* other keys (``cate_id``, ``brief_guidance``...) are kept as they are.

:func:`make_prediction` builds a record from a test record; :func:`ground_truth_predictions` turns a
split's own grasps into predictions (one sample per record), the sanity check of the evaluation.
"""

from __future__ import annotations

import gzip
import json
import math
import os
from collections.abc import Sequence
from numbers import Integral, Real
from pathlib import Path

from dexgys.atomic import atomic_write_text
from dexgys.data.builder import write_json_gz
from dexgys.errors import DexgysError
from dexgys.language.brief import action_id_from_intent, intent_from_action_id

__all__ = [
    "PREDICTION_KEYS",
    "RECORD_SIZE",
    "check_predictions",
    "ground_truth_predictions",
    "make_prediction",
    "read_predictions",
    "write_predictions",
]

RECORD_SIZE = 28  # Shadow Hand record: t(3) + axis-angle(3) + 22 joint angles
PREDICTION_KEYS = ("obj_id", "action_id", "guidance", "dex_grasp", "condition", "sample")
_COPIED_KEYS = ("cate_id", "obj_id", "action_id", "guidance", "brief_guidance")


def _index(value, key: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise DexgysError(f"{where}: '{key}' must be a non-negative integer, got {value!r}")
    return int(value)


def _check_one(entry, where: str, record_size: int) -> dict:
    if not isinstance(entry, dict):
        raise DexgysError(f"{where} is not a JSON object")
    missing = [k for k in PREDICTION_KEYS if k not in entry]
    if missing:
        raise DexgysError(f"{where} lacks {', '.join(repr(k) for k in missing)}")
    if not isinstance(entry["obj_id"], str) or not entry["obj_id"]:
        raise DexgysError(f"{where}: 'obj_id' must be a non-empty string")
    if not isinstance(entry["guidance"], str):
        raise DexgysError(f"{where}: 'guidance' must be a string")
    try:
        action_id = action_id_from_intent(intent_from_action_id(entry["action_id"]))
    except DexgysError as exc:
        raise DexgysError(f"{where}: {exc}") from None
    vec = entry["dex_grasp"]
    if not isinstance(vec, list) or not all(isinstance(x, Real) and not isinstance(x, bool) for x in vec):
        raise DexgysError(f"{where}: 'dex_grasp' must be a list of numbers")
    if len(vec) != record_size:
        raise DexgysError(f"{where}: 'dex_grasp' has {len(vec)} values, expected {record_size}")
    if not all(math.isfinite(x) for x in vec):
        raise DexgysError(f"{where}: 'dex_grasp' contains NaN or infinite values")
    return {
        **entry,
        "action_id": action_id,
        "dex_grasp": [float(x) for x in vec],
        "condition": _index(entry["condition"], "condition", where),
        "sample": _index(entry["sample"], "sample", where),
    }


def check_predictions(entries, source: str = "predictions", record_size: int = RECORD_SIZE) -> list[dict]:
    """Checked, normalised copies of prediction records (module docstring); DexgysError naming the
    first problem (``source`` names the file in the message)."""
    if not isinstance(entries, list):
        raise DexgysError(f"{source}: expected a JSON list of prediction records")
    if not entries:
        raise DexgysError(f"{source}: contains no predictions")
    out = [_check_one(e, f"{source}: prediction {i}", record_size) for i, e in enumerate(entries)]
    seen: dict[tuple[int, int], int] = {}
    for i, e in enumerate(out):
        key = (e["condition"], e["sample"])
        if key in seen:
            raise DexgysError(f"{source}: predictions {seen[key]} and {i} are both condition {key[0]}, sample {key[1]}")
        seen[key] = i
    return out


def read_predictions(path: str | os.PathLike, record_size: int = RECORD_SIZE) -> list[dict]:
    """Read and check a predictions file (``.json`` or ``.json.gz``)."""
    path = Path(path)
    if not path.is_file():
        raise DexgysError(f"predictions file {str(path)!r} does not exist")
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        data = json.loads(raw)
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DexgysError(f"{path}: not valid {'gzipped ' if path.suffix == '.gz' else ''}JSON ({exc})") from None
    return check_predictions(data, str(path), record_size)


def write_predictions(path: str | os.PathLike, predictions: Sequence[dict], record_size: int = RECORD_SIZE) -> None:
    """Check ``predictions`` and write them atomically (gzipped when ``path`` ends in ``.gz``)."""
    path = Path(path)
    checked = check_predictions(list(predictions), str(path), record_size)
    if not path.resolve().parent.is_dir():
        raise DexgysError(f"output directory of {str(path)!r} does not exist")
    if path.suffix == ".gz":
        write_json_gz(path, checked)
    else:
        atomic_write_text(path, json.dumps(checked, allow_nan=False) + "\n")


def make_prediction(record: dict, condition: int, sample: int, dex_grasp: Sequence[float]) -> dict:
    """A prediction for test record ``record`` (number ``condition`` of its split): its ``cate_id``,
    ``obj_id``, ``action_id``, ``guidance`` and ``brief_guidance`` with a new ``dex_grasp``."""
    return {
        **{k: record[k] for k in _COPIED_KEYS if k in record},
        "dex_grasp": [float(x) for x in dex_grasp],
        "condition": int(condition),
        "sample": int(sample),
    }


def ground_truth_predictions(records: Sequence[dict]) -> list[dict]:
    """A split's own grasps as predictions: record ``i`` is condition ``i``, sample 0."""
    missing = [i for i, r in enumerate(records) if "dex_grasp" not in r]
    if missing:
        raise DexgysError(
            f"record {missing[0]} of the split has no grasp ('dex_grasp'): a split of conditions "
            "without reference grasps has no ground truth to evaluate"
        )
    return [make_prediction(r, i, 0, r["dex_grasp"]) for i, r in enumerate(records)]
