"""The training loop shared by IDGC and QGC: AdamW, warm-up + cosine learning rate, gradient
clipping, logging, checkpoints and exact resume.

Files in the output directory, for stage ``S`` (``idgc`` or ``qgc``):

* ``S.pt``: the model at the end of the run (:func:`dexgys.models.save_model`: a plain checkpoint,
  ``torch.load(..., weights_only=True)``-safe), its ``extra`` holding what inference needs (text
  encoder, object and hand point counts) and how it was trained; written when a run ends (also when
  it stops early at ``max_steps``: ``extra["completed"]`` tells).
* ``S-state.pt``: everything needed to continue: model, AdamW and scheduler states, the step, the
  batch stream's position (epoch, batch), the RNG states (torch's global generator, which dropout
  draws from, CUDA's, and the loss generator of diffusion timesteps and noise), and the run's
  identity (config and data fingerprint). Written atomically every ``checkpoint_every`` steps and at
  the end. A run resumed from it gives the same weights, bit for bit, as one that never stopped (same
  device and thread count).
* ``S-log.csv``: ``step, epoch, lr, <losses averaged since the last row>, grad_norm, samples_per_s,
  elapsed_s, skipped`` every ``log_every`` steps; a resumed run first drops rows past its step.
* ``tensorboard/S/``: the same scalars, only when ``torch.utils.tensorboard`` imports (TensorBoard is
  not a dependency).

A step whose loss or gradient norm is not finite is skipped (no weight update; counted in
``skipped``), so one bad batch cannot poison the weights.

Under ``torchrun`` (:mod:`dexgys.training.distributed`) the model runs inside DistributedDataParallel:
each process takes its own batch of every ``world_size`` consecutive ones, gradients are averaged,
rank ``r`` seeds its dropout and diffusion noise with ``seed + r``, the losses in the log are the
mean over processes, only rank 0 writes files, and the state file keeps every rank's random state,
so a run resumed with the same number of processes continues exactly.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from dexgys.atomic import atomic_write_text
from dexgys.errors import DexgysError
from dexgys.models.checkpoint import load_checkpoint, save_checkpoint, save_model
from dexgys.training import distributed
from dexgys.training.config import TrainSettings
from dexgys.training.sampler import ObjectGroupedBatchSampler

__all__ = ["BatchStream", "LossFn", "TrainResult", "Trainer", "check_run_files", "lr_factor", "stage_files"]

log = logging.getLogger(__name__)

LossFn = Callable[[torch.nn.Module, dict, torch.Generator], dict]
"""``(model, batch, generator) -> {"total": scalar, <named parts>...}``."""


def stage_files(out_dir: str | Path, stage: str) -> dict[str, Path]:
    """The paths a stage writes: ``model``, ``state``, ``log``, ``tensorboard``."""
    out = Path(out_dir)
    return {
        "model": out / f"{stage}.pt",
        "state": out / f"{stage}-state.pt",
        "log": out / f"{stage}-log.csv",
        "tensorboard": out / "tensorboard" / stage,
    }


def check_run_files(out_dir: str | Path, stage: str, resume: bool) -> None:
    """A :class:`DexgysError` when a fresh run would overwrite an earlier run's files, or when there is
    nothing to resume; call it before expensive set-up."""
    files = stage_files(out_dir, stage)
    if resume:
        if not files["state"].exists():
            raise DexgysError(f"nothing to resume: {str(files['state'])!r} does not exist")
        return
    for key in ("state", "model"):
        if files[key].exists():
            raise DexgysError(
                f"{str(files[key])!r} already exists: pass --resume to continue that run, "
                "or choose another output directory"
            )


def lr_factor(step: int, total_steps: int, warmup_steps: int, min_ratio: float) -> float:
    """Learning-rate multiplier for optimiser step ``step`` (0-based): ``(step + 1) / warmup_steps``
    during the warm-up, then a cosine from 1 at the end of the warm-up to ``min_ratio`` at the last step."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - 1 - warmup_steps))
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


class BatchStream:
    """Endless batches: the sampler's epoch 0, then epoch 1, ...; its position is ``(epoch, offset)``."""

    def __init__(self, sampler: ObjectGroupedBatchSampler, build: Callable[[np.ndarray], dict]) -> None:
        self.sampler = sampler
        self.build = build
        self.epoch, self.offset = 0, 0
        self._epoch_batches: list[np.ndarray] | None = None

    def next(self) -> tuple[dict, int]:
        """The next batch and its number of examples."""
        indices = self._advance()
        return self.build(indices), len(indices)

    def skip(self, n: int) -> None:
        """Pass over the next ``n`` batches without building them (another process trains on them)."""
        for _ in range(n):
            self._advance()

    def _advance(self) -> np.ndarray:
        """The example indices of the next batch; moves the position past it."""
        while True:
            if self._epoch_batches is None:
                self._epoch_batches = self.sampler.batches(self.epoch)
                if not self._epoch_batches:
                    raise DexgysError("an epoch of the training set holds no complete batch")
            if self.offset < len(self._epoch_batches):
                indices = self._epoch_batches[self.offset]
                self.offset += 1
                return indices
            self.epoch, self.offset, self._epoch_batches = self.epoch + 1, 0, None

    def state_dict(self) -> dict:
        return {"epoch": self.epoch, "offset": self.offset}

    def load_state_dict(self, state: dict) -> None:
        self.epoch, self.offset, self._epoch_batches = int(state["epoch"]), int(state["offset"]), None


@dataclass
class TrainResult:
    """How a :meth:`Trainer.run` ended: ``step`` of ``total_steps`` (``completed`` when equal), the
    last logged mean losses, the files written, and the wall time of this run (s)."""

    step: int
    total_steps: int
    completed: bool
    losses: dict
    model_path: Path
    state_path: Path
    log_path: Path
    seconds: float


class Trainer:
    """Trains ``model`` on ``stream`` for ``total_steps`` steps; see the module docstring.

    ``identity`` (plain JSON values: config, data fingerprint...) must match on resume;
    ``model_extra`` goes into the ``extra`` of both checkpoint files. ``seed`` seeds the loss generator
    and torch's global generator (dropout) at the start of a fresh run.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        loss_fn: LossFn,
        stream: BatchStream,
        settings: TrainSettings,
        total_steps: int,
        out_dir: str | Path,
        stage: str,
        *,
        seed: int,
        identity: dict,
        model_extra: dict | None = None,
        progress: bool = True,
    ) -> None:
        if total_steps < 1:
            raise DexgysError(f"a run needs at least one step, got {total_steps}")
        self.model = model
        self.loss_fn = loss_fn
        self.stream = stream
        self.settings = settings
        self.total_steps = int(total_steps)
        self.stage = stage
        self.files = stage_files(out_dir, stage)
        self.seed = int(seed)
        self.world, self.rank = distributed.world_size(), distributed.rank()
        if self.world > 1:
            identity = {**identity, "world_size": self.world}
        self.identity = json.loads(json.dumps({**identity, "total_steps": self.total_steps}))
        self.model_extra = dict(model_extra or {})
        self.progress = progress and self.rank == 0
        self.device = next(model.parameters()).device
        self.engine = None
        if self.world > 1:
            from torch.nn.parallel import DistributedDataParallel

            ids = [self.device] if self.device.type == "cuda" else None
            self.engine = DistributedDataParallel(_LossModule(model, loss_fn), device_ids=ids)
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(
            self.params, lr=settings.lr, betas=settings.betas, weight_decay=settings.weight_decay
        )
        ratio = settings.min_lr / settings.lr
        warmup = settings.warmup_steps
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda s: lr_factor(s, self.total_steps, warmup, ratio)
        )
        self.generator = torch.Generator(self.device)
        self.step = 0
        self.elapsed = 0.0  # seconds of the earlier runs of a resumed run
        self._clock = time.perf_counter()
        self.skipped = 0

    # ------------------------------------------------------------------------------ run
    def run(self, resume: bool = False, max_steps: int | None = None) -> TrainResult:
        """Train from scratch (refusing to overwrite an earlier run) or, with ``resume``, continue the
        run saved in the output directory; stop at ``total_steps`` or at step ``max_steps``."""
        if max_steps is not None and max_steps < 1:
            raise DexgysError(f"max_steps must be positive, got {max_steps}")
        check_run_files(self.files["model"].parent, self.stage, resume)
        if resume:
            self._restore()
        else:
            torch.manual_seed(self.seed + self.rank)
            self.generator.manual_seed(self.seed + self.rank)
        stop = self.total_steps if max_steps is None else min(self.total_steps, max_steps)
        started = self._clock = time.perf_counter()
        losses = self._loop(stop)
        self._save_state()
        if self.rank == 0:
            save_model(
                self.files["model"],
                self.model,
                {
                    **self.model_extra,
                    "steps": self.step,
                    "total_steps": self.total_steps,
                    "completed": self.step >= self.total_steps,
                },
            )
        return TrainResult(
            self.step,
            self.total_steps,
            self.step >= self.total_steps,
            losses,
            self.files["model"],
            self.files["state"],
            self.files["log"],
            time.perf_counter() - started,
        )

    def _elapsed(self) -> float:
        """Training seconds of all runs so far (earlier runs' from the state file, plus this one's)."""
        return self.elapsed + time.perf_counter() - self._clock

    def _loop(self, stop: int) -> dict:
        from tqdm import tqdm

        s = self.settings
        logger = _Logger(self.files["log"], self.files["tensorboard"], self.step) if self.rank == 0 else None
        sums: dict[str, float] = {}
        count = samples = 0
        norm_sum = 0.0
        tick = time.perf_counter()
        last: dict = {}
        self.model.train()
        bar = tqdm(total=self.total_steps, initial=self.step, desc=self.stage, unit="step", disable=not self.progress)
        try:
            while self.step < stop:
                batch, size = self._next_batch()
                if self.engine is not None:
                    out = self.engine(batch, self.generator)
                else:
                    out = self.loss_fn(self.model, batch, self.generator)
                total = out["total"]
                self.optimizer.zero_grad(set_to_none=True)
                finite = self._everywhere(bool(torch.isfinite(total)))
                if finite:
                    total.backward()
                    norm = float(torch.nn.utils.clip_grad_norm_(self.params, s.grad_clip or math.inf))
                    finite = math.isfinite(norm)
                if finite:
                    self.optimizer.step()
                    for key, value in out.items():
                        sums[key] = sums.get(key, 0.0) + float(value.detach())
                    norm_sum += norm
                    count += 1
                else:
                    self.optimizer.zero_grad(set_to_none=True)
                    self.skipped += 1
                    log.warning("%s step %d: non-finite loss or gradient; step skipped", self.stage, self.step + 1)
                lr = self.optimizer.param_groups[0]["lr"]
                self.scheduler.step()
                self.step += 1
                samples += size
                bar.update()
                if self.step % s.log_every == 0 or self.step == stop:
                    now = time.perf_counter()
                    sums, count, samples, norm_sum = self._summed(sums, count, samples, norm_sum)
                    last = {k: v / max(count, 1) for k, v in sums.items()}
                    row = {
                        "step": self.step,
                        "epoch": self.stream.epoch,
                        "lr": lr,
                        **last,
                        "grad_norm": norm_sum / max(count, 1),
                        "samples_per_s": samples / max(now - tick, 1e-9),
                        "elapsed_s": self._elapsed(),
                        "skipped": self.skipped,
                    }
                    if logger is not None:
                        logger.write(row)
                    bar.set_postfix(loss=f"{last.get('total', float('nan')):.4g}", lr=f"{lr:.2e}")
                    sums, count, samples, norm_sum, tick = {}, 0, 0, 0.0, now
                if self.step % s.checkpoint_every == 0 and self.step < stop:
                    self._save_state()
        finally:
            bar.close()
            if logger is not None:
                logger.close()
        return last

    def _next_batch(self) -> tuple[dict, int]:
        """This process's batch of the next ``world_size`` of the stream (all of it in one process)."""
        if self.world == 1:
            return self.stream.next()
        self.stream.skip(self.rank)
        batch, size = self.stream.next()
        self.stream.skip(self.world - 1 - self.rank)
        return batch, size

    def _everywhere(self, flag: bool) -> bool:
        """``flag`` and-ed over the processes, so that every process skips a step or none does."""
        if self.world == 1:
            return flag
        value = torch.tensor([1.0 if flag else 0.0], device=self.device)
        torch.distributed.all_reduce(value, op=torch.distributed.ReduceOp.MIN)
        return bool(value.item() > 0)

    def _summed(self, sums: dict, count: int, samples: int, norm_sum: float) -> tuple[dict, int, int, float]:
        """Loss sums, step and sample counts and gradient-norm sum added over the processes (the
        gradient norm is the same everywhere, so its sum is divided back by ``world_size``)."""
        if self.world == 1:
            return sums, count, samples, norm_sum
        keys = list(sums)  # the loss function's order: the same in every process
        values = torch.tensor(
            [sums[k] for k in keys] + [count, samples, norm_sum], dtype=torch.float64, device=self.device
        )
        torch.distributed.all_reduce(values)
        out = values.tolist()
        return (dict(zip(keys, out[: len(keys)])), int(out[-3]), int(out[-2]), out[-1] / self.world)

    # ------------------------------------------------------------------------------ state
    def _save_state(self) -> None:
        rng = {"torch": torch.get_rng_state(), "loss_generator": self.generator.get_state()}
        if self.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(self.device)
        if self.world > 1:
            every = distributed.all_gather_objects({k: v.cpu() for k, v in rng.items()})
            if self.rank != 0:
                torch.distributed.barrier()
                return
            rng = {**rng, "ranks": every}
        state = {
            "identity": self.identity,
            "step": self.step,
            "elapsed_s": self._elapsed(),
            "skipped": self.skipped,
            "optimizer": _to_cpu(self.optimizer.state_dict()),
            "scheduler": self.scheduler.state_dict(),
            "stream": self.stream.state_dict(),
            "rng": rng,
        }
        save_checkpoint(
            self.files["state"],
            self.stage,
            self.model.config.to_dict(),
            self.model.state_dict(),
            getattr(self.model, "normalizer", None),
            {**self.model_extra, "training_state": state},
        )
        if self.world > 1:
            torch.distributed.barrier()

    def _restore(self) -> None:
        path = self.files["state"]
        ckpt = load_checkpoint(path, self.stage)
        state = ckpt.extra.get("training_state")
        if not isinstance(state, dict):
            raise DexgysError(f"{str(path)!r} holds no training state")
        if state.get("identity") != self.identity:
            raise DexgysError(
                f"{str(path)!r} belongs to a run with another config, seed, step count or data; "
                "resume it with the same options, or choose another output directory"
            )
        if ckpt.config != self.model.config.to_dict():
            raise DexgysError(f"{str(path)!r} holds a model with other settings")
        try:
            self.model.load_state_dict(ckpt.state_dict)
            self.optimizer.load_state_dict(state["optimizer"])
            self.scheduler.load_state_dict(state["scheduler"])
            self.stream.load_state_dict(state["stream"])
            rng = state["rng"]["ranks"][self.rank] if self.world > 1 else state["rng"]
            torch.set_rng_state(rng["torch"])
            self.generator.set_state(rng["loss_generator"])
            if self.device.type == "cuda" and "cuda" in rng:
                torch.cuda.set_rng_state(rng["cuda"], self.device)
            self.step, self.elapsed, self.skipped = int(state["step"]), float(state["elapsed_s"]), int(state["skipped"])
        except (KeyError, RuntimeError, ValueError, TypeError) as exc:
            raise DexgysError(f"{str(path)!r}: the training state is damaged ({exc})") from None


class _LossModule(torch.nn.Module):
    """``model`` with ``loss_fn`` as its forward, so DistributedDataParallel sees the loss computation."""

    def __init__(self, model: torch.nn.Module, loss_fn: LossFn) -> None:
        super().__init__()
        self.model = model
        self.loss_fn = loss_fn

    def forward(self, batch: dict, generator: torch.Generator) -> dict:
        return self.loss_fn(self.model, batch, generator)


def _to_cpu(value):
    """A copy of nested dicts/lists with every tensor on the CPU."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {k: _to_cpu(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_cpu(v) for v in value)
    return value


class _Logger:
    """CSV rows (columns fixed by the first row) and, when available, TensorBoard scalars."""

    def __init__(self, csv_path: Path, tensorboard_dir: Path, resume_step: int) -> None:
        self.path = csv_path
        self.columns: list[str] | None = None
        if resume_step > 0 and csv_path.exists():
            kept = _rows_up_to(csv_path, resume_step)
            atomic_write_text(csv_path, kept)
            header = kept.splitlines()[0] if kept else ""
            self.columns = header.split(",") if header else None
        elif csv_path.exists():
            csv_path.unlink()
        self._fh = None
        self._tb = None
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            log.info("tensorboard is not installed; logging to %s only", csv_path)
        else:
            self._tb = SummaryWriter(str(tensorboard_dir), purge_step=resume_step + 1 if resume_step else None)

    def write(self, row: dict) -> None:
        if self.columns is None:
            self.columns = list(row)
            with self.path.open("w", newline="") as fh:
                csv.writer(fh).writerow(self.columns)
        if self._fh is None:
            self._fh = self.path.open("a", newline="")
        csv.writer(self._fh).writerow([_fmt(row.get(c, "")) for c in self.columns])
        self._fh.flush()
        if self._tb is not None:
            for key, value in row.items():
                if key not in ("step", "epoch"):
                    self._tb.add_scalar(key, value, row["step"])

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        if self._tb is not None:
            self._tb.close()


def _fmt(value) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _rows_up_to(path: Path, step: int) -> str:
    """The CSV text of ``path`` without rows whose step exceeds ``step``."""
    lines = path.read_text().splitlines()
    if not lines:
        return ""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    reader = csv.reader(lines)
    header = next(reader)
    writer.writerow(header)
    for row in reader:
        if row and int(row[0]) <= step:
            writer.writerow(row)
    return out.getvalue()
