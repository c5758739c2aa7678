"""The training runs: IDGC on the training records, then QGC on pairs made with the trained IDGC; the
finger-contact predictor, on the records' sentences and contacts alone; and the contact-region
predictor, on the records' clouds, sentences and contacts.

>>> config = load_train_config("cpu")
>>> data = GraspDataset.from_dir("data/dexgys-v1", "train", n_points=config.data.object_points,
...                              cache_dir="runs/cpu/cache")
>>> train_idgc(config, data, "runs/cpu")                        # -> runs/cpu/idgc.pt
>>> train_qgc(config, data, "runs/cpu", "runs/cpu/idgc.pt")     # -> runs/cpu/qgc.pt
>>> train_finger_contacts(config, data, "runs/cpu")              # -> runs/cpu/fingers.pt
>>> train_contact_regions(config, data, "runs/cpu")              # -> runs/cpu/regions.pt

The stages share the output directory (file names in :mod:`dexgys.training.trainer`) and its
``cache/`` (object clouds when the dataset was opened with it, text features, QGC pairs). The model
files' ``extra`` holds their :class:`~dexgys.models.generator_file.StageContract`, which is what a
generator needs to run them (the text encoder, the object point count, the hand point count), and
what the run was (config, seed, data fingerprint).

Determinism: the model is initialised after ``torch.manual_seed(seed)``; batches, diffusion noise,
dropout and the QGC pairs all derive from the same seed.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import torch

from dexgys import __version__
from dexgys.data.grasp_dataset import GraspDataset
from dexgys.errors import DexgysError
from dexgys.hands import HandModel, load_hand
from dexgys.models.checkpoint import load_checkpoint, load_model
from dexgys.models.contact_regions import ContactRegionPredictor
from dexgys.models.finger_contacts import HAND_PARTS, FingerContactPredictor
from dexgys.models.generator_file import StageContract
from dexgys.models.grasp_repr import GraspHand
from dexgys.models.idgc import IDGC
from dexgys.models.qgc import QGC
from dexgys.models.text_encoder import TextEncoder, load_text_encoder
from dexgys.training.batches import BatchBuilder, ObjectTable, dataset_fingerprint
from dexgys.training.config import StageConfig, TrainConfig
from dexgys.training.distributed import main_first
from dexgys.training.qgc_pairs import load_or_build_qgc_pairs
from dexgys.training.sampler import ObjectGroupedBatchSampler
from dexgys.training.text_features import precompute_text_features
from dexgys.training.trainer import BatchStream, Trainer, TrainResult, check_run_files

__all__ = ["finger_labels", "total_steps", "train_contact_regions", "train_finger_contacts", "train_idgc", "train_qgc"]


def total_steps(stage: StageConfig, sampler: ObjectGroupedBatchSampler) -> int:
    """The run length in steps: ``steps``, or ``ceil(epochs x batches per epoch)``."""
    t = stage.train
    steps = t.steps if t.steps is not None else math.ceil(t.epochs * sampler.nominal_batches_per_epoch())
    if t.warmup_steps >= steps:
        raise DexgysError(f"the run has {steps} steps, not more than its {t.warmup_steps} warm-up steps")
    return steps


def _prepare(
    config: TrainConfig, dataset: GraspDataset, out_dir, device, stage: str, resume: bool
) -> tuple[Path, torch.device, HandModel]:
    if dataset.n_points != config.data.object_points:
        raise DexgysError(
            f"the dataset's object clouds have {dataset.n_points} points; config "
            f"{config.name!r} wants {config.data.object_points}"
        )
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise DexgysError("--device cuda was asked for, but torch sees no CUDA device")
    check_run_files(out_dir, stage, resume)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return out, device, load_hand(n_surface_points=config.data.hand_surface_points)


def _extra(stage: str, config: TrainConfig, encoder_name: str, encoder_path, dataset: GraspDataset) -> dict:
    contract = StageContract(encoder_name, encoder_path, config.data.object_points, config.data.hand_surface_points)
    return {
        "stage": stage,
        **contract.as_dict(),
        "config_name": config.name,
        "train_config": config.to_dict(),
        "seed": config.seed,
        "data_fingerprint": dataset_fingerprint(dataset),
        "dexgys_version": __version__,
    }


def _config_encoder(config: TrainConfig, text_encoder: TextEncoder | None) -> TextEncoder:
    """``text_encoder``, checked to be the config's kind, or the config's encoder, loaded."""
    d = config.data
    encoder = text_encoder or load_text_encoder(d.text_encoder, d.text_encoder_path)
    if encoder.name != d.text_encoder:
        raise DexgysError(f"config {config.name!r} trains on {d.text_encoder} features, not {encoder.name}")
    return encoder


def _run_stage(
    stage: str,
    config: TrainConfig,
    model,
    loss,
    make_batch,
    rows: np.ndarray,
    out: Path,
    extra: dict,
    identity: dict,
    resume: bool,
    max_steps: int | None,
    progress: bool,
) -> TrainResult:
    """Train ``model`` with ``loss`` on batches ``make_batch(indices)`` grouped by object ``rows``, the
    stage's schedule from ``config``; ``extra`` goes into the model file, ``identity`` (plus the config
    and the data fingerprint) must match on resume."""
    stage_config = getattr(config, stage)
    t = stage_config.train
    sampler = ObjectGroupedBatchSampler(rows, t.objects_per_batch, t.grasps_per_object, config.seed)
    trainer = Trainer(
        model,
        loss,
        BatchStream(sampler, make_batch),
        t,
        total_steps(stage_config, sampler),
        out,
        stage,
        seed=config.seed,
        identity={"config": config.to_dict(), "data": extra["data_fingerprint"], **identity},
        model_extra=extra,
        progress=progress,
    )
    return trainer.run(resume=resume, max_steps=max_steps)


def _train_on_clouds(
    stage: str,
    config: TrainConfig,
    dataset: GraspDataset,
    out: Path,
    device: torch.device,
    encoder: TextEncoder,
    build,
    loss,
    contacts: bool,
    resume: bool,
    max_steps: int | None,
    progress: bool,
) -> TrainResult:
    """A stage that reads every record's cloud and sentence (IDGC, the contact-region predictor):
    ``build(text_dim)`` -> the model and its point encoder (whose grouping the object table caches);
    ``contacts``: the batches carry the records' contacts as point labels per hand part."""
    sentences = [r["guidance"] for r in dataset.records]
    with main_first():  # under torchrun, rank 0 fills the caches first
        text = precompute_text_features(sentences, encoder, out / "cache", progress)
        torch.manual_seed(config.seed)
        model, point_encoder = build(text.dim)
        model = model.to(device)
        table = ObjectTable(dataset, point_encoder, progress)
    rows = table.rows_of([r["obj_id"] for r in dataset.records])
    grasps = np.asarray([r["dex_grasp"] for r in dataset.records], dtype=np.float32)
    builder = BatchBuilder(
        table,
        rows,
        grasps,
        sentences=sentences,
        text=text,
        contacts=[r["contacts"] for r in dataset.records] if contacts else None,
        fingers=HAND_PARTS if contacts else (),
        device=device,
    )
    d = config.data
    extra = _extra(stage, config, d.text_encoder, d.text_encoder_path, dataset)
    return _run_stage(stage, config, model, loss, builder, rows, out, extra, {}, resume, max_steps, progress)


def train_idgc(
    config: TrainConfig,
    dataset: GraspDataset,
    out_dir: str | os.PathLike,
    *,
    resume: bool = False,
    max_steps: int | None = None,
    device: torch.device | str = "cpu",
    text_encoder: TextEncoder | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train IDGC on ``dataset`` (its records' grasps, clouds and sentences) into ``out_dir/idgc.pt``.
    ``text_encoder``: an already loaded encoder of the config's kind (else it is loaded)."""
    out, device, hand = _prepare(config, dataset, out_dir, device, "idgc", resume)

    def build(text_dim: int):
        model = IDGC(config.idgc_config(text_dim), hand)
        return model, model.object_tokens.encoder

    return _train_on_clouds(
        "idgc",
        config,
        dataset,
        out,
        device,
        _config_encoder(config, text_encoder),
        build,
        lambda m, b, g: m.loss(b, g),
        False,
        resume,
        max_steps,
        progress,
    )


def train_qgc(
    config: TrainConfig,
    dataset: GraspDataset,
    out_dir: str | os.PathLike,
    idgc_path: str | os.PathLike,
    *,
    resume: bool = False,
    max_steps: int | None = None,
    device: torch.device | str = "cpu",
    text_encoder: TextEncoder | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train QGC into ``out_dir/qgc.pt`` on pairs made by the IDGC at ``idgc_path`` on ``dataset``
    (:mod:`dexgys.training.qgc_pairs`; cached in ``out_dir/cache``). ``text_encoder``: an already
    loaded encoder of the IDGC's kind, for sampling (else it is loaded)."""
    out, device, hand = _prepare(config, dataset, out_dir, device, "qgc", resume)
    contract = StageContract.of(load_checkpoint(idgc_path, "idgc"), str(idgc_path))
    if contract.object_points != config.data.object_points:
        raise DexgysError(
            f"the IDGC {str(idgc_path)!r} was trained on {contract.object_points}-point clouds; "
            f"config {config.name!r} uses {config.data.object_points}"
        )
    idgc, _ = load_model(idgc_path, load_hand(n_surface_points=contract.hand_surface_points), "idgc", device)
    encoder = text_encoder or load_text_encoder(contract.text_encoder, contract.text_encoder_path)
    if encoder.name != contract.text_encoder or encoder.dim != idgc.config.text_dim:
        raise DexgysError(
            f"the IDGC {str(idgc_path)!r} reads {contract.text_encoder} features "
            f"({idgc.config.text_dim}-d), not {encoder.name} ({encoder.dim}-d)"
        )
    with main_first():  # under torchrun, rank 0 fills the caches first
        text = precompute_text_features([r["guidance"] for r in dataset.records], encoder, out / "cache", progress)
        idgc_table = ObjectTable(dataset, idgc.object_tokens.encoder, progress)
        pairs = load_or_build_qgc_pairs(
            out / "cache",
            idgc_path,
            idgc,
            dataset,
            idgc_table,
            text,
            GraspHand(hand),
            config.qgc.pairs,
            config.seed,
            progress,
        )
    del idgc
    torch.manual_seed(config.seed)
    model = QGC(config.qgc_config(), hand).to(device)
    same_grouping = idgc_table.encoder_config == model.object_tokens.encoder.config
    table = idgc_table if same_grouping else ObjectTable(dataset, model.object_tokens.encoder, progress)
    rows = table.rows_of([dataset.records[i]["obj_id"] for i in pairs.source])
    grasps = np.asarray([dataset.records[i]["dex_grasp"] for i in pairs.target], dtype=np.float32)
    contacts = (
        [dataset.records[i].get("contacts", {}) for i in pairs.target]
        if model.config.named_contact_weight > 0
        else None
    )
    builder = BatchBuilder(
        table, rows, grasps, coarse=pairs.coarse, contacts=contacts, fingers=hand.finger_names, device=device
    )
    extra = {
        **_extra("qgc", config, contract.text_encoder, contract.text_encoder_path, dataset),
        "idgc_pairs_key": pairs.key,
    }
    return _run_stage(
        "qgc",
        config,
        model,
        lambda m, b, g: m.loss(b),
        builder,
        rows,
        out,
        extra,
        {"pairs": pairs.key},
        resume,
        max_steps,
        progress,
    )


def finger_labels(records: list[dict]) -> np.ndarray:
    """``(R, 6)`` float32: 1 where a record's ``contacts`` name a part for that hand part
    (:data:`~dexgys.models.finger_contacts.HAND_PARTS`); a record without contacts is refused."""
    out = np.zeros((len(records), len(HAND_PARTS)), dtype=np.float32)
    for i, r in enumerate(records):
        contacts = r.get("contacts")
        if not isinstance(contacts, dict):
            raise DexgysError(
                f"training record {i} ({r.get('obj_id')!r}) has no contacts: the finger-contact "
                "predictor learns from them (datasets made by 'dexgys data build' have them)"
            )
        out[i] = [bool(contacts.get(p)) for p in HAND_PARTS]
    return out


class _SentenceBatches:
    """Example indices -> ``{"text_tokens", "text_mask", "labels"}`` on ``device``."""

    def __init__(self, sentences: list[str], labels: np.ndarray, text, device: torch.device) -> None:
        self.sentences, self.labels, self.text, self.device = sentences, torch.from_numpy(labels), text, device

    def __call__(self, indices: np.ndarray) -> dict:
        tokens, mask = self.text.batch([self.sentences[i] for i in indices])
        return {
            "text_tokens": tokens.to(self.device),
            "text_mask": mask.to(self.device),
            "labels": self.labels[torch.as_tensor(np.asarray(indices, dtype=np.int64))].to(self.device),
        }


def train_finger_contacts(
    config: TrainConfig,
    dataset: GraspDataset,
    out_dir: str | os.PathLike,
    *,
    resume: bool = False,
    max_steps: int | None = None,
    device: torch.device | str = "cpu",
    text_encoder: TextEncoder | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train the finger-contact predictor (:mod:`dexgys.models.finger_contacts`) into
    ``out_dir/fingers.pt`` on ``dataset``'s sentences, labelled by their records' ``contacts``
    (:func:`finger_labels`). Batches group sentences by object like the other stages; it reads no clouds."""
    out, device, _ = _prepare(config, dataset, out_dir, device, "fingers", resume)
    d = config.data
    labels = finger_labels(dataset.records)
    encoder = _config_encoder(config, text_encoder)
    sentences = [r["guidance"] for r in dataset.records]
    with main_first():  # under torchrun, rank 0 fills the cache first
        text = precompute_text_features(sentences, encoder, out / "cache", progress)
    torch.manual_seed(config.seed)
    model = FingerContactPredictor(config.fingers_config(text.dim)).to(device)
    _, rows = np.unique(np.asarray([r["obj_id"] for r in dataset.records]), return_inverse=True)

    def loss(m, batch, _generator):
        total = m.loss(batch["text_tokens"], batch["text_mask"], batch["labels"])
        return {"total": total, "bce": total.detach()}

    extra = _extra("fingers", config, d.text_encoder, d.text_encoder_path, dataset)
    return _run_stage(
        "fingers",
        config,
        model,
        loss,
        _SentenceBatches(sentences, labels, text, device),
        rows,
        out,
        extra,
        {},
        resume,
        max_steps,
        progress,
    )


def train_contact_regions(
    config: TrainConfig,
    dataset: GraspDataset,
    out_dir: str | os.PathLike,
    *,
    resume: bool = False,
    max_steps: int | None = None,
    device: torch.device | str = "cpu",
    text_encoder: TextEncoder | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train the contact-region predictor (:mod:`dexgys.models.contact_regions`) into
    ``out_dir/regions.pt`` on ``dataset``'s clouds and sentences, labelled point by point by their
    records' ``contacts`` and the clouds' part labels (:meth:`ObjectTable.named_points`)."""
    out, device, _ = _prepare(config, dataset, out_dir, device, "regions", resume)
    finger_labels(dataset.records)  # refuses records without contacts

    def build(text_dim: int):
        model = ContactRegionPredictor(config.regions_config(text_dim))
        return model, model.encoder

    return _train_on_clouds(
        "regions",
        config,
        dataset,
        out,
        device,
        _config_encoder(config, text_encoder),
        build,
        lambda m, b, g: m.loss(b),
        True,
        resume,
        max_steps,
        progress,
    )
