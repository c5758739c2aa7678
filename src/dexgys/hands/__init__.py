"""Robot hands as data: an MJCF file of primitives plus a semantics JSON, and the torch model built
from them (kinematics, surface points, signed distance, meshes).

>>> hand = load_hand("shadow")                   # float32, CPU; hand.to("cuda") for a GPU copy
>>> pose = HandPose.from_record(records, hand.n_dofs, hand.name)   # records (B, 28)
>>> hand.surface_points(pose).shape              # (B, 1024, 3)
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import torch

from dexgys.errors import DexgysError
from dexgys.hands.description import GeomPrimitive, HandDescription, HandSemantics, read_mjcf, read_semantics
from dexgys.hands.hand_model import HandModel
from dexgys.hands.pose import HandPose

__all__ = [
    "HAND_NAMES",
    "GeomPrimitive",
    "HandDescription",
    "HandModel",
    "HandPose",
    "HandSemantics",
    "hand_files",
    "load_hand",
    "read_mjcf",
    "read_semantics",
]

HAND_NAMES = ("shadow",)


def hand_files(name: str = "shadow") -> tuple[Path, Path]:
    """Paths of the packaged MJCF and semantics JSON of hand ``name``."""
    if name not in HAND_NAMES:
        raise DexgysError(f"unknown hand '{name}'; known hands: {', '.join(HAND_NAMES)}")
    assets = Path(str(resources.files("dexgys.hands") / "assets"))
    return assets / f"{name}_hand.xml", assets / f"{name}_hand.json"


@functools.lru_cache(maxsize=8)
def _load(name: str, n_surface_points: int) -> HandModel:
    return HandModel.from_mjcf(*hand_files(name), n_surface_points=n_surface_points)


def load_hand(
    name: str = "shadow",
    *,
    n_surface_points: int = 1024,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
) -> HandModel:
    """The packaged hand ``name`` (built once per process and ``n_surface_points``, then shared;
    ``HandModel.to`` returns copies, so sharing is safe)."""
    hand = _load(name, n_surface_points)
    return hand if device is None and dtype is None else hand.to(device, dtype)
