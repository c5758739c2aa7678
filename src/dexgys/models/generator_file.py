"""Generator files: the trained stages of a grasp generator in one file, and the contract between them.

A *generator file* bundles the stages in one ``torch.save`` dict read with ``weights_only=True``::

    {"format": "dexgys-generator", "format_version": 1,
     "idgc": {model_kind, format_version, config, state_dict, normalizer, extra},   # a checkpoint's
     "qgc":  {...},                                       # optional               # sections
     "fingers": {...},                                    # optional: the finger-contact predictor
     "regions": {...},                                    # optional: the contact-region predictor
     "meta": {"dexgys_version", "idgc_sha256", "qgc_sha256", "fingers_sha256", "regions_sha256"},
     "defaults": {"guidance_scale": w}}                                                 # optional

Each stage's ``extra`` carries a :class:`StageContract`: what the stage was trained with and what
running it needs (the text encoder, the cloud size, the hand's surface point count).
:func:`dexgys.training.stages` writes it; :func:`check_stages` is the one compatibility check, run
when a generator is bundled (:func:`export_generator`, ``dexgys train export``) and whenever one is
loaded (:func:`read_generator`: a generator file, a training output directory with ``idgc.pt`` and
any of ``qgc.pt``, ``fingers.pt``, ``regions.pt``, or a single IDGC checkpoint).
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import torch

from dexgys import __version__
from dexgys.atomic import atomic_write_bytes
from dexgys.errors import DexgysError
from dexgys.models.checkpoint import (
    PREDICTOR_KINDS,
    Checkpoint,
    checkpoint_from_payload,
    load_checkpoint,
    read_torch_file,
)
from dexgys.models.idgc import IDGCConfig

__all__ = [
    "GENERATOR_FORMAT_VERSION",
    "OPTIONAL_STAGES",
    "STAGES",
    "GeneratorStages",
    "StageContract",
    "check_stages",
    "export_generator",
    "load_stages",
    "read_generator",
]

GENERATOR_FORMAT_VERSION = 1
_FORMAT = "dexgys-generator"
STAGES = ("idgc", "qgc", "fingers", "regions")
OPTIONAL_STAGES = STAGES[1:]
STAGE_NAMES = {
    "idgc": "IDGC",
    "qgc": "QGC",
    "fingers": "finger-contact predictor",
    "regions": "contact-region predictor",
}


@dataclass(frozen=True)
class StageContract:
    """What a trained stage's ``extra`` must hold for a generator to run it: the text encoder it reads
    (name and weights path), the object cloud size and the hand's surface point count."""

    text_encoder: str
    text_encoder_path: str | None
    object_points: int
    hand_surface_points: int

    @classmethod
    def of(cls, ckpt: Checkpoint, where: str) -> StageContract:
        """The contract in ``ckpt``'s extra; one error line naming ``where`` when a key is missing."""
        for key in ("text_encoder", "text_encoder_path", "object_points", "hand_surface_points"):
            if key not in ckpt.extra:
                raise DexgysError(
                    f"{where}: the {ckpt.model_kind.upper()} model lacks {key!r} in its extra: "
                    "it was not written by 'dexgys train'"
                )
        extra = ckpt.extra
        return cls(
            str(extra["text_encoder"]),
            extra["text_encoder_path"],
            int(extra["object_points"]),
            int(extra["hand_surface_points"]),
        )

    def as_dict(self) -> dict:
        return {
            "text_encoder": self.text_encoder,
            "text_encoder_path": self.text_encoder_path,
            "object_points": self.object_points,
            "hand_surface_points": self.hand_surface_points,
        }


@dataclass
class GeneratorStages:
    """The checked stages of a generator (``qgc``, ``fingers``, ``regions`` None when absent), the IDGC's
    contract, the generation defaults (``{"guidance_scale": w}`` or empty) and where they came from."""

    checkpoints: dict[str, Checkpoint | None]
    contract: StageContract
    defaults: dict
    source: str


def check_stages(checkpoints: dict[str, Checkpoint | None], where: str) -> StageContract:
    """Check that the stages were trained together: each carries a :class:`StageContract`; QGC and the
    contact-region predictor read the IDGC's cloud size, the predictors its text features -> the IDGC's
    contract."""
    if checkpoints.get("idgc") is None:
        raise DexgysError(f"{where}: a generator needs an IDGC")
    contracts = {stage: StageContract.of(ckpt, where) for stage, ckpt in checkpoints.items() if ckpt is not None}
    idgc = contracts["idgc"]
    for stage, contract in contracts.items():
        if stage in ("qgc", "regions") and contract.object_points != idgc.object_points:
            raise DexgysError(
                f"{where}: the IDGC reads {idgc.object_points}-point clouds, the {STAGE_NAMES[stage]} "
                f"{contract.object_points}: they were not trained together"
            )
        if stage in PREDICTOR_KINDS and contract.text_encoder != idgc.text_encoder:
            raise DexgysError(
                f"{where}: the IDGC reads {idgc.text_encoder} features, the {STAGE_NAMES[stage]} "
                f"{contract.text_encoder}: they were not trained together"
            )
    return idgc


def load_stages(paths, where: str, source: str | None = None) -> GeneratorStages:
    """The checked stages in checkpoint files ``paths`` (one per :data:`STAGES`, None where a stage is
    absent); errors name ``where``; ``source``: where they came from (default ``where``)."""
    checkpoints = {stage: None if p is None else load_checkpoint(p, stage) for stage, p in zip(STAGES, paths)}
    return GeneratorStages(checkpoints, check_stages(checkpoints, where), {}, where if source is None else source)


def read_generator(path: str | os.PathLike) -> GeneratorStages:
    """The checked stages at ``path``: a generator file, a training output directory or a single IDGC
    checkpoint (module docstring)."""
    path = Path(path)
    where = f"model file {str(path)!r}"
    defaults: dict = {}
    if path.is_dir():
        if not (path / "idgc.pt").is_file():
            raise DexgysError(f"{str(path)!r} holds no idgc.pt: not a training output directory")
        files = [path / f"{stage}.pt" if (path / f"{stage}.pt").is_file() else None for stage in STAGES]
        return load_stages(files, str(path / "idgc.pt"), str(path))
    else:
        payload = read_torch_file(path, "model file")
        if payload.get("format") == "dexgys-checkpoint":
            checkpoints = {"idgc": load_checkpoint(path, "idgc"), **dict.fromkeys(OPTIONAL_STAGES)}
        elif payload.get("format") != _FORMAT:
            raise DexgysError(f"{str(path)!r} is not a dexgys model file")
        else:
            version = payload.get("format_version")
            if version != GENERATOR_FORMAT_VERSION:
                raise DexgysError(
                    f"{where} has format version {version}; this dexgys reads version {GENERATOR_FORMAT_VERSION}"
                )
            defaults = payload.get("defaults", {})
            if not isinstance(defaults, dict):
                raise DexgysError(f"{where}: its 'defaults' section is not a dict")
            if not isinstance(payload.get("idgc"), dict):
                raise DexgysError(f"{where} has no IDGC section")
            checkpoints = {
                stage: None
                if payload.get(stage) is None
                else checkpoint_from_payload(payload[stage], f"{where}: its {stage.upper()} section", stage)
                for stage in STAGES
            }
    return GeneratorStages(checkpoints, check_stages(checkpoints, where), defaults, str(path))


def export_generator(
    idgc_path: str | os.PathLike,
    qgc_path: str | os.PathLike | None,
    out_path: str | os.PathLike,
    guidance_scale: float = 1.0,
    fingers_path: str | os.PathLike | None = None,
    regions_path: str | os.PathLike | None = None,
) -> None:
    """Bundle an IDGC checkpoint and (optionally) a QGC checkpoint, a finger-contact predictor
    (``dexgys train fingers``) and a contact-region predictor (``dexgys train regions``) into one
    generator file, atomically, after :func:`check_stages`; ``guidance_scale``: the classifier-free
    guidance scale a generator uses by default."""
    out_path = Path(out_path)
    if not out_path.resolve().parent.is_dir():
        raise DexgysError(f"output directory of {str(out_path)!r} does not exist")
    paths = {stage: p for stage, p in zip(STAGES, (idgc_path, qgc_path, fingers_path, regions_path)) if p is not None}
    stages = load_stages([paths.get(stage) for stage in STAGES], "the generator to export")
    checkpoints = {stage: ckpt for stage, ckpt in stages.checkpoints.items() if ckpt is not None}
    guidance_scale = IDGCConfig.from_dict(checkpoints["idgc"].config).check_guidance_scale(guidance_scale)
    payload = {
        "format": _FORMAT,
        "format_version": GENERATOR_FORMAT_VERSION,
        "meta": {"dexgys_version": __version__},
        "defaults": {"guidance_scale": guidance_scale},
    }
    for stage, ckpt in checkpoints.items():
        payload[stage] = {
            "model_kind": stage,
            "format_version": ckpt.format_version,
            "config": ckpt.config,
            "state_dict": ckpt.state_dict,
            "normalizer": ckpt.normalizer,
            "extra": ckpt.extra,
        }
        payload["meta"][f"{stage}_sha256"] = hashlib.sha256(Path(paths[stage]).read_bytes()).hexdigest()
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    atomic_write_bytes(out_path, buffer.getvalue())
