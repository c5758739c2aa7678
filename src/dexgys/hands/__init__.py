"""Robot hands as data: an MJCF file plus a semantics JSON, and the torch model built from them
(kinematics, surface points, signed distance, meshes).

Hands (all take the same 28-float DexGYSNet record ``[t | axis-angle | q(22)]``):

* ``shadow`` (alias ``shadow-capsule``): the DexGYSNet Shadow Hand of boxes and capsules, our own MJCF
  (``spec/shadow-hand.md``); fast, and the hand the shipped data and model were made with.
* ``shadow-mesh``: the same kinematics with the real link meshes of OpenAI's Shadow Hand
  (gymnasium-robotics 1.4.2, the DexGraspNet lineage), unpacked by ``make install``; MuJoCo collides
  the meshes, the torch model uses containing proxies (:mod:`dexgys.hands.proxy`).
* ``shadow-e3m5``: the current Shadow Hand E3M5 of MuJoCo Menagerie (mujoco-mjx 3.1.4 wheel), its
  joints mapped onto the record and its middle and distal joints coupled by one tendon per finger
  (:mod:`dexgys.hands.e3m5`), written by ``make install``.

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
    "HAND_ALIASES",
    "HAND_NAMES",
    "GeomPrimitive",
    "HandDescription",
    "HandModel",
    "HandPose",
    "HandSemantics",
    "canonical_hand_name",
    "hand_files",
    "hand_info",
    "load_hand",
    "read_mjcf",
    "read_semantics",
]

HAND_NAMES = ("shadow", "shadow-mesh", "shadow-e3m5")
HAND_ALIASES = {"shadow-capsule": "shadow"}
# hand -> (MJCF path under assets/, third-party package it needs or None, geometry in words); the
# semantics JSON is assets/<stem>_hand.json
_HANDS = {
    "shadow": ("shadow_hand.xml", None, "boxes and capsules (DexGYSNet primitives)"),
    "shadow-mesh": ("shadow_mesh_hand.xml", "gymnasium-robotics", "OpenAI Shadow Hand meshes (gymnasium-robotics)"),
    "shadow-e3m5": (
        "third_party/menagerie-shadow-e3m5/shadow_e3m5_hand.xml",
        "mujoco-mjx",
        "Shadow Hand E3M5, J1/J2 coupled (MuJoCo Menagerie)",
    ),
}


def canonical_hand_name(name: str) -> str:
    """``name`` with aliases resolved; one clear line for an unknown hand."""
    name = HAND_ALIASES.get(name, name)
    if name not in _HANDS:
        known = ", ".join(list(HAND_NAMES) + list(HAND_ALIASES))
        raise DexgysError(f"unknown hand '{name}'; known hands: {known}")
    return name


def hand_files(name: str = "shadow") -> tuple[Path, Path]:
    """Paths of the packaged MJCF and semantics JSON of hand ``name`` (raises when a hand's
    third-party meshes are not installed)."""
    from dexgys.hands.third_party import require

    mjcf, package, _ = _HANDS[canonical_hand_name(name)]
    if package is not None:
        require(package, f"the {name} hand")
    assets = Path(str(resources.files("dexgys.hands") / "assets"))
    return assets / mjcf, assets / f"{Path(mjcf).stem}.json"


def hand_info(name: str) -> dict:
    """``geometry`` (in words), ``installed`` and ``n_dofs`` (None when not installed) of hand
    ``name``, without building its torch model."""
    import mujoco

    from dexgys.hands.third_party import missing_assets

    _, package, geometry = _HANDS[canonical_hand_name(name)]
    installed = package is None or not missing_assets(package)
    n_dofs = mujoco.MjModel.from_xml_path(str(hand_files(name)[0])).njnt if installed else None
    return {"name": name, "n_dofs": n_dofs, "geometry": geometry, "installed": installed}


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
    hand = _load(canonical_hand_name(name), n_surface_points)
    return hand if device is None and dtype is None else hand.to(device, dtype)
