"""Training configurations: one JSON file names every setting of every stage, checked on load.

Shipped configs (``dexgys/training/configs/<name>.json``): ``paper`` (the paper's schedule and the
official network sizes, for a GPU) and ``cpu`` (sized so each stage trains in under an hour on one
CPU thread); each explains its choices in ``"notes"``. :func:`load_train_config` takes a shipped
name or the path of a JSON file; unknown keys, wrong types and impossible values give one
:class:`DexgysError` line naming the key (``config 'x.json': idgc.train.lr must be positive``).

Layout (every key optional except ``idgc.train`` / ``qgc.train``'s ``steps`` or ``epochs``)::

    {"name": str, "notes": str | [str], "seed": int,
     "data": {"object_points", "hand_surface_points", "text_encoder", "text_encoder_path"},
     "idgc": {"model": {IDGCConfig fields but text_dim}, "train": {TrainSettings}},
     "qgc":  {"model": {QGCConfig fields}, "train": {TrainSettings}, "pairs": {PairSettings}},
     "fingers": {"model": {FingerContactConfig fields but text_dim}, "train": {TrainSettings}},
     "regions": {"model": {ContactRegionConfig fields but text_dim}, "train": {TrainSettings}}}

The ``fingers`` section (the finger-contact predictor, :mod:`dexgys.models.finger_contacts`) and the
``regions`` section (the contact-region predictor, :mod:`dexgys.models.contact_regions`) may be
left out: they then take :data:`DEFAULT_FINGERS` and :data:`DEFAULT_REGIONS`.

``text_dim`` is not a setting: it comes from the text encoder (384 for MiniLM). Model dicts are
stored as given and turned into :class:`IDGCConfig` / :class:`QGCConfig` / :class:`FingerContactConfig` /
:class:`ContactRegionConfig` by :meth:`TrainConfig.idgc_config` / :meth:`TrainConfig.qgc_config` /
:meth:`TrainConfig.fingers_config` / :meth:`TrainConfig.regions_config`.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, fields
from importlib import resources
from pathlib import Path

from dexgys.errors import DexgysError
from dexgys.models.contact_regions import ContactRegionConfig
from dexgys.models.diffusion import SAMPLERS, SCHEDULES
from dexgys.models.finger_contacts import FingerContactConfig
from dexgys.models.idgc import IDGCConfig
from dexgys.models.qgc import QGCConfig
from dexgys.models.text_encoder import TEXT_ENCODERS

__all__ = [
    "DEFAULT_FINGERS",
    "DEFAULT_REGIONS",
    "STAGES",
    "DataSettings",
    "PairSettings",
    "StageConfig",
    "TrainConfig",
    "TrainSettings",
    "config_names",
    "load_train_config",
]

STAGES = ("idgc", "qgc", "fingers", "regions")
DEFAULT_FINGERS = {
    "model": {},
    "train": {
        "steps": 3000,
        "objects_per_batch": 32,
        "grasps_per_object": 4,
        "lr": 1e-3,
        "min_lr": 1e-5,
        "warmup_steps": 100,
        "log_every": 100,
    },
}
"""The ``fingers`` section of a configuration that has none: a minute of training on one CPU thread."""
DEFAULT_REGIONS = {
    "model": {},
    "train": {
        "steps": 3000,
        "objects_per_batch": 8,
        "grasps_per_object": 4,
        "lr": 1e-3,
        "min_lr": 1e-5,
        "warmup_steps": 200,
        "grad_clip": 1.0,
        "log_every": 100,
    },
}
"""The ``regions`` section of a configuration that has none (the contact-region predictor)."""


@dataclass(frozen=True)
class DataSettings:
    """What the networks see. ``object_points``: points per object cloud (farthest-point sampled,
    seed 0, as ``dexgys generate``); ``hand_surface_points``: points of the hand model used by the
    Chamfer/contact losses, the QGC hand encoder and the QGC pair matching; ``text_encoder``:
    ``"minilm"`` (packaged) or ``"clip"`` (``text_encoder_path``: a local CLIP directory)."""

    object_points: int = 2048
    hand_surface_points: int = 1024
    text_encoder: str = "minilm"
    text_encoder_path: str | None = None


@dataclass(frozen=True)
class TrainSettings:
    """Optimisation of one stage.

    Length: ``steps`` optimiser steps, or ``epochs`` passes over the examples (converted to steps
    with the batch sampler's batches per epoch); exactly one is given. A batch is
    ``objects_per_batch`` distinct objects x ``grasps_per_object`` examples of each (see
    :class:`~dexgys.training.sampler.ObjectGroupedBatchSampler`). AdamW with ``lr``, ``betas``,
    ``weight_decay``; the learning rate rises linearly over ``warmup_steps``, then follows a cosine
    down to ``min_lr`` at the last step. ``grad_clip``: maximal global gradient norm (None: no
    clipping). A resumable state is written every ``checkpoint_every`` steps; losses are averaged
    and logged every ``log_every`` steps.
    """

    steps: int | None = None
    epochs: float | None = None
    objects_per_batch: int = 8
    grasps_per_object: int = 4
    lr: float = 2e-4
    min_lr: float = 2e-5
    betas: tuple[float, float] = (0.9, 0.999)
    weight_decay: float = 5e-6
    warmup_steps: int = 0
    grad_clip: float | None = 1.0
    checkpoint_every: int = 1000
    log_every: int = 50

    @property
    def batch_size(self) -> int:
        return self.objects_per_batch * self.grasps_per_object


@dataclass(frozen=True)
class PairSettings:
    """How QGC training pairs are made (:mod:`dexgys.training.qgc_pairs`): ``samples_per_record``
    IDGC samples for every training record, drawn with ``sampler`` (``"ddpm"``, or ``"ddim"`` with
    ``steps``), ``records_per_batch`` records at a time."""

    samples_per_record: int = 1
    sampler: str = "ddpm"
    steps: int | None = None
    records_per_batch: int = 64


@dataclass(frozen=True)
class StageConfig:
    """One stage: the model settings (a dict of IDGCConfig / QGCConfig fields), its optimisation and,
    for QGC, how its training pairs are made."""

    model: dict
    train: TrainSettings
    pairs: PairSettings | None = None


@dataclass(frozen=True)
class TrainConfig:
    """A whole training configuration; see the module docstring."""

    name: str
    notes: str
    seed: int
    data: DataSettings
    idgc: StageConfig
    qgc: StageConfig
    fingers: StageConfig
    regions: StageConfig

    def idgc_config(self, text_dim: int) -> IDGCConfig:
        """The IDGC settings for a text encoder of width ``text_dim``."""
        return IDGCConfig.from_dict({**self.idgc.model, "text_dim": int(text_dim)})

    def qgc_config(self) -> QGCConfig:
        return QGCConfig.from_dict(self.qgc.model)

    def fingers_config(self, text_dim: int) -> FingerContactConfig:
        """The finger-contact predictor's settings for a text encoder of width ``text_dim``."""
        return FingerContactConfig.from_dict({**self.fingers.model, "text_dim": int(text_dim)})

    def regions_config(self, text_dim: int) -> ContactRegionConfig:
        """The contact-region predictor's settings for a text encoder of width ``text_dim``."""
        return ContactRegionConfig.from_dict({**self.regions.model, "text_dim": int(text_dim)})

    def to_dict(self) -> dict:
        """Plain JSON-ready values (tuples as lists); :meth:`from_dict` reads it back."""
        out = json.loads(json.dumps(asdict(self)))
        for stage in ("idgc", "fingers", "regions"):  # only QGC has pairs
            del out[stage]["pairs"]
        return out

    def replace_seed(self, seed: int) -> TrainConfig:
        """The same configuration with another seed."""
        return TrainConfig.from_dict({**self.to_dict(), "seed": seed}, self.name)

    @classmethod
    def from_dict(cls, raw: dict, where: str = "config") -> TrainConfig:
        """Check ``raw`` (the JSON layout of the module docstring); ``where`` names it in errors."""
        top = _section(raw, where, "", {"name", "notes", "seed", "data", *STAGES})
        name = top.get("name", where)
        if not isinstance(name, str) or not name:
            raise _err(where, "name", "must be a non-empty string")
        notes = top.get("notes", "")
        if isinstance(notes, list) and all(isinstance(n, str) for n in notes):
            notes = "\n".join(notes)
        if not isinstance(notes, str):
            raise _err(where, "notes", "must be a string or a list of strings")
        seed = _value(top.get("seed", 0), "int", where, "seed")
        if seed < 0:
            raise _err(where, "seed", "must be >= 0")
        data = _dataclass(DataSettings, top.get("data", {}), where, "data")
        _check_data(data, where)
        stages = {}
        for stage in STAGES:
            default = {"fingers": DEFAULT_FINGERS, "regions": DEFAULT_REGIONS}.get(stage, {})
            section = _section(
                top.get(stage, default),
                where,
                stage,
                {"model", "train", "pairs"} if stage == "qgc" else {"model", "train"},
            )
            train = _dataclass(TrainSettings, section.get("train", {}), where, f"{stage}.train")
            _check_train(train, where, f"{stage}.train")
            pairs = None
            if stage == "qgc":
                pairs = _dataclass(PairSettings, section.get("pairs", {}), where, "qgc.pairs")
                _check_pairs(pairs, where)
            model = _model(stage, section.get("model", {}), data, where)
            stages[stage] = StageConfig(model, train, pairs)
        return cls(name, notes, seed, data, stages["idgc"], stages["qgc"], stages["fingers"], stages["regions"])


# ------------------------------------------------------------------------------------------ loading
def _configs_dir() -> Path:
    return Path(str(resources.files("dexgys.training") / "configs"))


def config_names() -> list[str]:
    """Names of the shipped configurations."""
    return sorted(p.stem for p in _configs_dir().glob("*.json"))


def load_train_config(name_or_path: str | os.PathLike) -> TrainConfig:
    """A shipped configuration by name (``"cpu"``, ``"paper"``) or a JSON file by path."""
    text = str(name_or_path)
    path = Path(text)
    if not (path.suffix.lower() == ".json" or path.exists() or os.sep in text):
        names = config_names()
        if text not in names:
            raise DexgysError(f"unknown training config {text!r}; shipped configs: {', '.join(names)} (or a JSON path)")
        path = _configs_dir() / f"{text}.json"
    if not path.is_file():
        raise DexgysError(f"training config {text!r} does not exist")
    try:
        raw = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as exc:
        raise DexgysError(f"cannot read training config {text!r}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise DexgysError(f"training config {text!r} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    return TrainConfig.from_dict(raw, path.name)


# ------------------------------------------------------------------------------------------ checks
def _err(where: str, key: str, problem: str) -> DexgysError:
    return DexgysError(f"config {where!r}: {key} {problem}")


def _section(raw, where: str, prefix: str, known: set[str]) -> dict:
    if not isinstance(raw, dict):
        raise _err(where, prefix or "the file", "must be a JSON object")
    unknown = sorted(set(raw) - known)
    if unknown:
        key = f"{prefix}.{unknown[0]}" if prefix else unknown[0]
        raise _err(where, key, f"is not a setting; known here: {', '.join(sorted(known))}")
    return raw


def _value(value, kind: str, where: str, key: str):
    """``value`` checked against ``kind`` (``int``, ``float``, ``str``, ``pair``, optionally ``| None``)."""
    optional = kind.endswith("| None")
    base = kind.replace("| None", "").strip()
    if value is None:
        if optional:
            return None
        raise _err(where, key, "must not be null")
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if base == "int" and isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if base == "float" and number and math.isfinite(value):
        return float(value)
    if base == "str" and isinstance(value, str):
        return value
    if base == "tuple[float, float]" and isinstance(value, (list, tuple)) and len(value) == 2:
        return tuple(_value(v, "float", where, key) for v in value)
    expected = {
        "int": "an integer",
        "float": "a finite number",
        "str": "a string",
        "tuple[float, float]": "a list of two numbers",
    }[base]
    raise _err(where, key, f"must be {expected}{' or null' if optional else ''}, got {value!r}")


def _dataclass(cls, raw, where: str, prefix: str):
    section = _section(raw, where, prefix, {f.name for f in fields(cls)})
    values = {
        f.name: _value(section[f.name], f.type, where, f"{prefix}.{f.name}") for f in fields(cls) if f.name in section
    }
    return cls(**values)


def _positive(where: str, key: str, value, allow_zero: bool = False) -> None:
    if value is not None and (value < 0 or (value == 0 and not allow_zero)):
        raise _err(where, key, f"must be {'>= 0' if allow_zero else 'positive'}, got {value}")


def _check_data(d: DataSettings, where: str) -> None:
    _positive(where, "data.object_points", d.object_points)
    _positive(where, "data.hand_surface_points", d.hand_surface_points)
    if d.text_encoder not in TEXT_ENCODERS:
        raise _err(where, "data.text_encoder", f"must be one of {', '.join(TEXT_ENCODERS)}, got {d.text_encoder!r}")
    if d.text_encoder == "clip" and not d.text_encoder_path:
        raise _err(where, "data.text_encoder_path", "must name a local CLIP directory when text_encoder is 'clip'")


def _check_train(t: TrainSettings, where: str, prefix: str) -> None:
    if (t.steps is None) == (t.epochs is None):
        raise _err(where, prefix, "needs exactly one of 'steps' and 'epochs'")
    for key in (
        "steps",
        "epochs",
        "objects_per_batch",
        "grasps_per_object",
        "lr",
        "grad_clip",
        "checkpoint_every",
        "log_every",
    ):
        _positive(where, f"{prefix}.{key}", getattr(t, key))
    for key in ("min_lr", "weight_decay", "warmup_steps"):
        _positive(where, f"{prefix}.{key}", getattr(t, key), allow_zero=True)
    if t.min_lr > t.lr:
        raise _err(where, f"{prefix}.min_lr", f"({t.min_lr}) must not exceed lr ({t.lr})")
    if not all(0.0 <= b < 1.0 for b in t.betas):
        raise _err(where, f"{prefix}.betas", f"must lie in [0, 1), got {list(t.betas)}")
    if t.steps is not None and t.warmup_steps >= t.steps:
        raise _err(where, f"{prefix}.warmup_steps", f"({t.warmup_steps}) must be fewer than steps ({t.steps})")


def _check_pairs(p: PairSettings, where: str) -> None:
    _positive(where, "qgc.pairs.samples_per_record", p.samples_per_record)
    _positive(where, "qgc.pairs.records_per_batch", p.records_per_batch)
    _positive(where, "qgc.pairs.steps", p.steps)
    if p.sampler not in SAMPLERS:
        raise _err(where, "qgc.pairs.sampler", f"must be one of {', '.join(SAMPLERS)}, got {p.sampler!r}")
    if p.sampler == "ddpm" and p.steps is not None:
        raise _err(where, "qgc.pairs.steps", "must be null for the ddpm sampler (it runs every step); use ddim")


def _model(stage: str, raw, data: DataSettings, where: str) -> dict:
    """The model dict, checked by building its config (keys, types, cross-checks with ``data``)."""
    cls = {"idgc": IDGCConfig, "qgc": QGCConfig, "fingers": FingerContactConfig, "regions": ContactRegionConfig}[stage]
    known = {f.name for f in fields(cls)} - {"text_dim"}
    model = dict(_section(raw, where, f"{stage}.model", known))
    try:
        config = cls.from_dict({**model, "text_dim": 384} if stage != "qgc" else model)
    except DexgysError as exc:
        raise _err(where, f"{stage}.model", f"is invalid: {exc}") from None
    prefix = f"{stage}.model"
    if not isinstance(config.dropout, (int, float)) or isinstance(config.dropout, bool) or not 0 <= config.dropout < 1:
        raise _err(where, f"{prefix}.dropout", f"must lie in [0, 1), got {config.dropout}")
    if stage in ("fingers", "regions"):  # their from_dict checked the widths and the threshold
        return json.loads(json.dumps({k: v for k, v in asdict(config).items() if k in model}))
    for key in ("d_model", "n_layers", "n_heads", "ff_mult"):
        value = getattr(config, key)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise _err(where, f"{prefix}.{key}", f"must be a positive integer, got {value!r}")
    if not isinstance(config.translation_scale, (int, float)) or not config.translation_scale > 0:
        raise _err(where, f"{prefix}.translation_scale", f"must be positive, got {config.translation_scale!r}")
    if config.d_model % config.n_heads:
        raise _err(where, f"{prefix}.d_model", f"({config.d_model}) must be a multiple of n_heads ({config.n_heads})")
    weights = [f.name for f in fields(cls) if f.name.endswith("_weight")]
    for key in weights:
        value = getattr(config, key)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0:
            raise _err(where, f"{prefix}.{key}", f"must be >= 0, got {value!r}")
    encoders = (
        {"point_encoder": data.object_points}
        if stage == "idgc"
        else {"object_encoder": data.object_points, "hand_encoder": data.hand_surface_points}
    )
    for key, points in encoders.items():
        first = getattr(config, key).centroids[0]
        if first > points:
            raise _err(
                where, f"{prefix}.{key}.centroids", f"start with {first} centroids but the cloud has {points} points"
            )
    if stage == "idgc":
        if config.schedule not in SCHEDULES:
            raise _err(where, f"{prefix}.schedule", f"must be one of {', '.join(SCHEDULES)}, got {config.schedule!r}")
        if not isinstance(config.diffusion_steps, int) or config.diffusion_steps < 1:
            raise _err(
                where, f"{prefix}.diffusion_steps", f"must be a positive integer, got {config.diffusion_steps!r}"
            )
        if config.clip_x0 is not None and not config.clip_x0 > 0:
            raise _err(where, f"{prefix}.clip_x0", f"must be positive or null, got {config.clip_x0}")
    return json.loads(json.dumps({k: v for k, v in asdict(config).items() if k in model}))
