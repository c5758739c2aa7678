"""Training on several processes with ``torchrun`` (PyTorch DistributedDataParallel).

``torchrun --nproc_per_node 4 -m dexgys train idgc --config paper --data DIR --out runs/gpu --device cuda``
runs four copies of the command. :func:`init_from_env` joins them into one process group (NCCL on
GPUs, Gloo on CPUs) and gives each its device (``cuda:LOCAL_RANK``); :class:`~dexgys.training.trainer.Trainer`
then wraps the model in DistributedDataParallel. Each optimiser step takes ``world_size`` consecutive
batches of the one batch stream, one per process, so a step sees ``world_size`` times as many grasps
and the run covers the data ``world_size`` times faster for the same ``steps``. Only rank 0 writes
logs, checkpoints and the model; caches (text features, object clouds, QGC pairs) are built by rank 0
first (:func:`main_first`) and read by the others.

Without torchrun (no ``WORLD_SIZE`` above 1 in the environment) nothing here does anything: one
process, the behaviour and results of a plain run.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import torch
import torch.distributed as dist

from dexgys.errors import DexgysError

__all__ = ["all_gather_objects", "init_from_env", "is_main", "main_first", "rank", "shutdown", "world_size"]


def world_size() -> int:
    """Processes in the group (1 without torchrun)."""
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def rank() -> int:
    """This process's rank (0 without torchrun)."""
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def is_main() -> bool:
    return rank() == 0


def init_from_env(device: str = "cpu") -> torch.device:
    """Join the torchrun process group when ``WORLD_SIZE`` > 1 and return this process's device
    (``cuda:LOCAL_RANK`` for ``"cuda"``); otherwise just ``torch.device(device)``."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return torch.device(device)
    if not dist.is_available():
        raise DexgysError("this torch build has no torch.distributed; run without torchrun")
    if device != "cuda":
        if not dist.is_initialized():
            dist.init_process_group("gloo")
        return torch.device(device)
    if not torch.cuda.is_available():
        raise DexgysError("--device cuda was asked for, but torch sees no CUDA device")
    local = int(os.environ.get("LOCAL_RANK", "0"))
    torch.cuda.set_device(local)
    if not dist.is_initialized():
        dist.init_process_group("nccl")
    return torch.device(f"cuda:{local}")


def shutdown() -> None:
    """Leave the process group, if one was joined."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


@contextlib.contextmanager
def main_first() -> Iterator[None]:
    """Rank 0 runs the block first (e.g. to build a cache), then the other ranks run it (and find the
    cache); a no-op in one process."""
    if world_size() > 1 and not is_main():
        dist.barrier()
    yield
    if world_size() > 1 and is_main():
        dist.barrier()


def all_gather_objects(value) -> list:
    """``value`` of every rank, in rank order (``[value]`` in one process)."""
    if world_size() == 1:
        return [value]
    out = [None] * world_size()
    dist.all_gather_object(out, value)
    return out
