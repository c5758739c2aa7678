"""Generation speed: time to make 8 grasps for a new object and sentence (encoders included).

For a few (catalogue object, sentence) pairs, builds a fresh :class:`dexgys.pipeline.GraspGenerator`
call per pair (the object cloud and the sentence's text features are computed inside the timed call;
the model is loaded once, outside) and times ``generate(n=8)`` with the 100-step DDPM and with DDIM at
``--ddim-steps``, with and without QGC and the physics polish, and with the polish choosing 8 of
64 candidates screened to 16 (``oversample=8, finalists=2``, the default), of 16 candidates polished
to the end (``oversample=2``, last session's default) or keeping all 8 draws (at the model file's
guidance scale).
Prints a table (median seconds over the pairs, and the
per-stage split) and writes ``benchmarks/results/generate.json``. Run:
``python benchmarks/bench_generate.py [--model PATH] [--threads 1] [--hand shadow-mesh] [--default-only]``
(``--hand``: the hand the polish fits the grasps to; ``--default-only``: just the default pipeline's
row; the stage joints of each grasp -- DexGraspBench's pre-grasp and squeeze -- are inside "total").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parent / "results" / "generate.json"
PAIRS = (
    ("mug:101", "grasp the mug by its handle with your thumb, forefinger and middle finger"),
    ("trigger_sprayer:101", "press the trigger with your forefinger and wrap the other fingers around the bottle"),
    ("hammer:101", "wrap all five fingers around the handle of the hammer"),
    ("apple:101", "hold the apple from the top with your fingertips"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model file or training directory (default: the shipped model)")
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--ddim-steps", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--hand", default="shadow", help="the polish's hand (default: shadow, the capsules)")
    parser.add_argument("--default-only", action="store_true", help="time the default pipeline only")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from dexgys.pipeline import GraspGenerator

    t = time.perf_counter()
    generator = GraspGenerator.from_pretrained(args.model, device=args.device, hand=args.hand)
    load_s = time.perf_counter() - t
    ddim = args.ddim_steps
    modes = (
        ("ddpm", None, True, True, 8, 2),
        ("ddim", ddim, True, True, 8, 2),
        ("ddpm", None, True, True, 2, 2),
        ("ddim", ddim, True, True, 2, 2),
        ("ddpm", None, True, True, 1, 1),
        ("ddim", ddim, True, True, 1, 1),
        ("ddpm", None, True, False, 1, 1),
        ("ddim", ddim, True, False, 1, 1),
        ("ddpm", None, False, False, 1, 1),
        ("ddim", ddim, False, False, 1, 1),
    )
    if args.default_only:
        modes = modes[:1]
    rows = []
    for sampler, steps, refine, polish, oversample, finalists in modes:
        runs = []
        for k, (name, sentence) in enumerate(PAIRS):
            generator.text_encoder.clear_cache()  # a new sentence every time
            result = generator.generate(
                name,
                sentence,
                n=args.n,
                seed=k,
                sampler=sampler,
                steps=steps,
                refine=refine,
                polish=polish,
                oversample=oversample,
                finalists=finalists,
            )
            runs.append(result.timings)
        screen = f", {args.n * finalists} finished" if finalists < oversample else ""
        stages = " + ".join(
            ["IDGC"]
            + ["QGC"] * refine
            + ["polish"] * polish
            + [f"best {args.n} of {args.n * oversample}{screen}"] * (oversample > 1)
        )
        label = f"{sampler}{f' {steps} steps' if steps else ' 100 steps'}, {stages}"
        row = {
            "mode": label,
            "sampler": sampler,
            "steps": steps,
            "refine": refine,
            "polish": polish,
            "oversample": oversample,
            "finalists": finalists,
            **{f"median_{key}_s": statistics.median(r[key] for r in runs) for key in runs[0]},
        }
        rows.append(row)
        print(
            f"{label:64s} total {row['median_total_s']:6.2f} s  (object {row['median_object_s']:.2f}, "
            f"text {row['median_text_s']:.2f}, IDGC {row['median_idgc_s']:.2f}, QGC {row['median_qgc_s']:.2f}, "
            f"polish {row['median_polish_s']:.2f})",
            flush=True,
        )
    payload = {
        "benchmark": "generate",
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "torch": torch.__version__,
            "threads": args.threads,
            "device": args.device,
            "loadavg_1min": os.getloadavg()[0],
        },
        "model": generator.source,
        "polish_hand": generator.hand,
        "model_load_s": load_s,
        "guidance_scale": generator.guidance_scale,
        "grasps_per_call": args.n,
        "pairs": [list(p) for p in PAIRS],
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=1))
    tmp.replace(args.out)
    print(f"model load {load_s:.2f} s; wrote {args.out}")


if __name__ == "__main__":
    main()
