"""Training: configs, object-grouped batches, cached text features, the loop, QGC pairs, both stages.

>>> from dexgys.training import load_train_config, train_idgc, train_qgc
>>> config = load_train_config("cpu")          # or "paper", or a JSON path
>>> train_idgc(config, dataset, "runs/cpu")    # runs/cpu/idgc.pt (+ idgc-state.pt, idgc-log.csv)
>>> train_qgc(config, dataset, "runs/cpu", "runs/cpu/idgc.pt")

* :mod:`~dexgys.training.config`: :class:`TrainConfig`, :func:`load_train_config` (shipped JSON configs).
* :mod:`~dexgys.training.sampler`: :class:`ObjectGroupedBatchSampler` (k objects x m grasps per batch).
* :mod:`~dexgys.training.text_features`: every sentence encoded once, cached as ``.npz``.
* :mod:`~dexgys.training.batches`: object clouds and groupings in memory, model batches.
* :mod:`~dexgys.training.trainer`: :class:`Trainer` (AdamW, warm-up + cosine, clipping, CSV/TensorBoard
  logs, checkpoints, exact resume).
* :mod:`~dexgys.training.qgc_pairs`: IDGC samples matched to training grasps, cached per IDGC checkpoint.
* :mod:`~dexgys.training.stages`: :func:`train_idgc`, :func:`train_qgc`, :func:`train_finger_contacts`,
  :func:`train_contact_regions`.
* :mod:`~dexgys.training.distributed`: ``torchrun`` process groups (DistributedDataParallel in the trainer).
"""

from dexgys.training.batches import BatchBuilder, ObjectTable, dataset_fingerprint
from dexgys.training.config import (
    STAGES,
    DataSettings,
    PairSettings,
    StageConfig,
    TrainConfig,
    TrainSettings,
    config_names,
    load_train_config,
)
from dexgys.training.qgc_pairs import QGCPairs, build_qgc_pairs, load_or_build_qgc_pairs
from dexgys.training.sampler import ObjectGroupedBatchSampler
from dexgys.training.stages import finger_labels, train_contact_regions, train_finger_contacts, train_idgc, train_qgc
from dexgys.training.text_features import TextFeatures, precompute_text_features
from dexgys.training.trainer import BatchStream, Trainer, TrainResult, lr_factor, stage_files

__all__ = [
    "STAGES",
    "BatchBuilder",
    "BatchStream",
    "DataSettings",
    "ObjectGroupedBatchSampler",
    "ObjectTable",
    "PairSettings",
    "QGCPairs",
    "StageConfig",
    "TextFeatures",
    "TrainConfig",
    "TrainResult",
    "TrainSettings",
    "Trainer",
    "build_qgc_pairs",
    "config_names",
    "dataset_fingerprint",
    "finger_labels",
    "load_or_build_qgc_pairs",
    "load_train_config",
    "lr_factor",
    "precompute_text_features",
    "stage_files",
    "train_contact_regions",
    "train_finger_contacts",
    "train_idgc",
    "train_qgc",
]
