"""Model checkpoints: one ``torch.save`` file, written atomically, read without executing code.

A checkpoint is a dict ``{"format": "dexgys-checkpoint", "format_version", "model_kind", "config",
"state_dict", "normalizer", "extra"}`` holding only tensors and plain Python values, so
``torch.load(..., weights_only=True)`` reads it. :func:`load_checkpoint` gives one
:class:`DexgysError` line for a missing, corrupt, foreign, wrong-version or wrong-kind file;
:func:`save_model` / :func:`load_model` do the same for model instances: IDGC, QGC and the
:class:`~dexgys.models.finger_contacts.FingerContactPredictor` (``"fingers"``) and the
:class:`~dexgys.models.contact_regions.ContactRegionPredictor` (``"regions"``), which read no grasps:
their normaliser sections are empty. :func:`build_model` rebuilds any of them from a checked checkpoint.
"""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import torch

from dexgys.atomic import atomic_write_bytes
from dexgys.errors import DexgysError
from dexgys.hands import HandModel
from dexgys.models.contact_regions import ContactRegionConfig, ContactRegionPredictor
from dexgys.models.finger_contacts import FingerContactConfig, FingerContactPredictor
from dexgys.models.grasp_repr import GraspNormalizer
from dexgys.models.idgc import IDGC, IDGCConfig
from dexgys.models.qgc import QGC, QGCConfig

__all__ = [
    "CHECKPOINT_FORMAT_VERSION",
    "MODEL_KINDS",
    "PREDICTOR_KINDS",
    "Checkpoint",
    "build_model",
    "checkpoint_from_payload",
    "load_checkpoint",
    "load_model",
    "read_torch_file",
    "save_checkpoint",
    "save_model",
]

CHECKPOINT_FORMAT_VERSION = 1
_FORMAT = "dexgys-checkpoint"
_MODELS = {
    "idgc": (IDGC, IDGCConfig),
    "qgc": (QGC, QGCConfig),
    "fingers": (FingerContactPredictor, FingerContactConfig),
    "regions": (ContactRegionPredictor, ContactRegionConfig),
}
MODEL_KINDS = tuple(_MODELS)
PREDICTOR_KINDS = ("fingers", "regions")
"""The predictors: model kinds that read no grasps, so they need no hand and have no normaliser."""
Model = IDGC | QGC | FingerContactPredictor | ContactRegionPredictor


@dataclass
class Checkpoint:
    """The checked contents of a checkpoint file."""

    model_kind: str
    config: dict
    state_dict: dict
    normalizer: dict
    extra: dict = field(default_factory=dict)
    format_version: int = CHECKPOINT_FORMAT_VERSION


def _check_kind(kind: str) -> None:
    if kind not in _MODELS:
        raise DexgysError(f"unknown model kind {kind!r}; known kinds: {', '.join(MODEL_KINDS)}")


def save_checkpoint(
    path: str | os.PathLike,
    model_kind: str,
    config: dict,
    state_dict: dict,
    normalizer: GraspNormalizer | dict | None,
    extra: dict | None = None,
) -> None:
    """Write a checkpoint to ``path`` atomically (a temporary file, then a rename); tensors are saved
    from the CPU. ``config`` and ``extra`` must hold only plain values (numbers, strings, lists, dicts,
    tensors)."""
    _check_kind(model_kind)
    payload = {
        "format": _FORMAT,
        "format_version": CHECKPOINT_FORMAT_VERSION,
        "model_kind": model_kind,
        "config": config,
        "state_dict": {k: v.detach().cpu() for k, v in state_dict.items()},
        "normalizer": normalizer.to_dict() if isinstance(normalizer, GraspNormalizer) else dict(normalizer or {}),
        "extra": dict(extra or {}),
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    path = Path(path)
    if not path.parent.is_dir():
        raise DexgysError(f"cannot write checkpoint {str(path)!r}: directory {str(path.parent)!r} does not exist")
    atomic_write_bytes(path, buffer.getvalue())


def read_torch_file(path: str | os.PathLike, what: str) -> dict:
    """The dict saved at ``path``, read on the CPU with ``weights_only=True`` (no code runs); one clear
    :class:`DexgysError` naming ``what`` (e.g. "checkpoint") when it is missing, corrupt or not a dict."""
    path = Path(path)
    if not path.is_file():
        raise DexgysError(f"{what} {str(path)!r} does not exist")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, ValueError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DexgysError(f"{what} {str(path)!r} is corrupt or not a {what} ({reason[:120]})") from None
    if not isinstance(payload, dict):
        raise DexgysError(f"{str(path)!r} is not a dexgys {what}")
    return payload


def load_checkpoint(path: str | os.PathLike, kind: str | None = None) -> Checkpoint:
    """Read and check the checkpoint at ``path`` (on the CPU); ``kind`` (``"idgc"``/``"qgc"``), when
    given, must match the file's model kind."""
    path = Path(path)
    if kind is not None:
        _check_kind(kind)
    payload = read_torch_file(path, "checkpoint")
    if payload.get("format") != _FORMAT:
        raise DexgysError(f"{str(path)!r} is not a dexgys checkpoint")
    return checkpoint_from_payload(payload, f"checkpoint {str(path)!r}", kind)


def checkpoint_from_payload(payload, where: str, kind: str | None = None) -> Checkpoint:
    """The :class:`Checkpoint` in a checkpoint's dict (a file's, or a generator file's stage section),
    checked: its format version, its model kind (``kind``, when given) and its sections; errors name
    ``where``."""
    if not isinstance(payload, dict):
        raise DexgysError(f"{where} is not a checkpoint")
    version = payload.get("format_version")
    if version != CHECKPOINT_FORMAT_VERSION:
        raise DexgysError(
            f"{where} has checkpoint format version {version}; this dexgys reads version {CHECKPOINT_FORMAT_VERSION}"
        )
    file_kind = payload.get("model_kind")
    if file_kind not in _MODELS:
        raise DexgysError(f"{where} holds an unknown model kind {file_kind!r}")
    if kind is not None and file_kind != kind:
        raise DexgysError(f"{where} holds a {file_kind.upper()} model, not {kind.upper()}")
    for key in ("config", "state_dict", "normalizer", "extra"):
        if not isinstance(payload.get(key), dict):
            raise DexgysError(f"{where} is incomplete: no {key!r} section")
    return Checkpoint(
        file_kind, payload["config"], payload["state_dict"], payload["normalizer"], payload["extra"], version
    )


def save_model(path: str | os.PathLike, model: Model, extra: dict | None = None) -> None:
    """:func:`save_checkpoint` of a model (its kind, config, weights and normaliser, if it has one)."""
    save_checkpoint(
        path, model.kind, model.config.to_dict(), model.state_dict(), getattr(model, "normalizer", None), extra
    )


def build_model(ckpt: Checkpoint, hand: HandModel | None, where: str) -> Model:
    """The model of a checked checkpoint, on the CPU in eval mode (``hand``: the hand IDGC and QGC work
    on; unused for :data:`PREDICTOR_KINDS`); ``where`` names the source in the one-line error when the weights
    do not fit the config."""
    model_cls, config_cls = _MODELS[ckpt.model_kind]
    config = config_cls.from_dict(ckpt.config)
    if ckpt.model_kind in PREDICTOR_KINDS:
        model = model_cls(config)
    else:
        model = model_cls(config, hand, GraspNormalizer.from_dict(ckpt.normalizer))
    try:
        model.load_state_dict(ckpt.state_dict)
    except RuntimeError as exc:
        raise DexgysError(
            f"{where}: the {ckpt.model_kind.upper()} weights do not match its config ({str(exc).splitlines()[0]})"
        ) from None
    return model.eval()


def load_model(
    path: str | os.PathLike, hand: HandModel | None, kind: str | None = None, device: torch.device | str = "cpu"
) -> tuple[Model, Checkpoint]:
    """Rebuild the model stored at ``path`` (for ``hand``; None for :data:`PREDICTOR_KINDS`), on ``device``, in
    eval mode. -> the model and its :class:`Checkpoint` (for ``extra``)."""
    ckpt = load_checkpoint(path, kind)
    return build_model(ckpt, hand, f"checkpoint {str(path)!r}").to(device), ckpt
