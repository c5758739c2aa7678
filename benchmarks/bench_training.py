"""Training throughput of each stage (samples per second) with a shipped config, on a built dataset.

Runs ``--steps`` steps of IDGC, then of QGC (its training pairs made by that short IDGC run), then of
the finger-contact predictor and of the contact-region predictor, into a temporary directory, with one
torch thread (the layout the ``cpu`` config is sized for), and reads the samples/s the trainer logs
(``<stage>-log.csv``; the first logged row, which includes warm-up, is dropped when there are more).
Set-up time (object clouds, text features, QGC pairs) is reported apart. Prints a table and writes ``benchmarks/results/training.json``. Run:
``python benchmarks/bench_training.py data/dexgys-v1 [--config cpu] [--steps 200]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parent / "results" / "training.json"


def logged_rate(log: Path) -> tuple[float, int]:
    rows = list(csv.DictReader(log.open()))
    rates = [float(r["samples_per_s"]) for r in rows]
    kept = rates[1:] if len(rates) > 1 else rates
    return statistics.median(kept), len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--config", default="cpu")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from dexgys.data.grasp_dataset import GraspDataset
    from dexgys.training import load_train_config, train_contact_regions, train_finger_contacts, train_idgc, train_qgc

    config = load_train_config(args.config)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t = time.perf_counter()
        dataset = GraspDataset.from_dir(args.data, "train", n_points=config.data.object_points, cache_dir=out / "cache")
        dataset.preload(progress=False)
        clouds_s = time.perf_counter() - t
        idgc_path = out / "idgc.pt"
        for stage in ("idgc", "qgc", "fingers", "regions"):
            t = time.perf_counter()
            kw = dict(max_steps=args.steps, device=args.device, progress=False)
            if stage == "idgc":
                result = train_idgc(config, dataset, out, **kw)
            elif stage == "qgc":
                result = train_qgc(config, dataset, out, idgc_path, **kw)
            elif stage == "fingers":
                result = train_finger_contacts(config, dataset, out, **kw)
            else:
                result = train_contact_regions(config, dataset, out, **kw)
            wall = time.perf_counter() - t
            rate, logged = logged_rate(result.log_path)
            batch = getattr(config, stage).train.objects_per_batch * getattr(config, stage).train.grasps_per_object
            rows.append(
                {
                    "stage": stage,
                    "steps": result.step,
                    "batch": batch,
                    "samples_per_s": rate,
                    "s_per_step": batch / rate,
                    "wall_s": wall,
                    "log_rows": logged,
                }
            )
            r = rows[-1]
            print(
                f"{stage:7s} {r['steps']} steps of {batch}: {rate:7.1f} samples/s ({r['s_per_step']:.3f} s/step); "
                f"wall incl. set-up {wall:.0f} s",
                flush=True,
            )
    payload = {
        "benchmark": "training",
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "torch": torch.__version__,
            "threads": args.threads,
            "device": args.device,
            "loadavg_1min": os.getloadavg()[0],
        },
        "config": args.config,
        "data": str(args.data),
        "records": len(dataset),
        "object_clouds_s": clouds_s,
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(payload, indent=1))
    tmp_out.replace(args.out)
    print(f"object clouds {clouds_s:.0f} s; wrote {args.out}")


if __name__ == "__main__":
    main()
