"""Helpers shared by IDGC and QGC: config dataclasses from checkpoint dicts, batch checks."""

from __future__ import annotations

from dataclasses import fields

import torch

from dexgys.errors import DexgysError
from dexgys.models.point_encoder import PointEncoderConfig


def config_from_dict(cls, d: dict):
    """Rebuild config dataclass ``cls`` from :func:`dataclasses.asdict` output; fields holding a
    :class:`PointEncoderConfig` are rebuilt too. Unknown keys or bad values give a :class:`DexgysError`
    (missing keys take their defaults)."""
    if not isinstance(d, dict):
        raise DexgysError(f"{cls.__name__} must be read from a dict, got {type(d).__name__}")
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(d) - names)
    if unknown:
        raise DexgysError(f"{cls.__name__} has no settings {', '.join(unknown)}")
    values = dict(d)
    for f in fields(cls):
        if f.name in values and isinstance(values[f.name], dict):
            values[f.name] = PointEncoderConfig.from_dict(values[f.name])
    try:
        return cls(**values)
    except TypeError as exc:
        raise DexgysError(f"{cls.__name__} is malformed ({exc})") from None


def require(batch: dict, *keys: str) -> None:
    """A :class:`DexgysError` naming the first of ``keys`` missing from ``batch``."""
    for key in keys:
        if key not in batch:
            raise DexgysError(f"the batch has no {key!r}")


def object_rows(batch: dict, n_grasps: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``batch["object_points"]`` ``(O, N, 3)`` and ``batch.get("object_index")`` ``(B,)``: the cloud
    of each grasp; without an index there must be one cloud per grasp (O == B)."""
    require(batch, "object_points")
    points = batch["object_points"]
    index = batch.get("object_index")
    if index is None and points.shape[0] != n_grasps:
        raise DexgysError(f"{points.shape[0]} object clouds for {n_grasps} grasps and no 'object_index'")
    return points, index


def per_grasp(x: torch.Tensor, index: torch.Tensor | None) -> torch.Tensor:
    """Rows of per-cloud ``x`` ``(O, ...)`` for each grasp ``(B, ...)``."""
    return x if index is None else x[index]
