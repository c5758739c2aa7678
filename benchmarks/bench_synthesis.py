"""Grasp-synthesis throughput: validated grasps per second, pass rates and where the time goes.

For a few (category, intent) pairs, runs :func:`dexgys.synthesis.synthesize.synthesize_grasps` on a
fresh catalogue object (the object field is built inside the timed run) and reports validated grasps
per second of wall time, the candidate pass rate, rejections per stage and the time split (field,
init, optimise, penetration, contacts, Q1 in this process; physics = CPU seconds in the MuJoCo
worker(s); physics_wait = wall time spent waiting for them at the end).

Prints a table and writes ``benchmarks/results/synthesis.json``. Run:
``python benchmarks/bench_synthesis.py`` (``--threads 1 --workers 1`` is the 2-core layout: one
torch thread optimising while one process simulates; ``--device cuda`` on a GPU machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch

from dexgys.hands import load_hand
from dexgys.objects.catalogue import make_object
from dexgys.synthesis.intents import get_intent_spec
from dexgys.synthesis.optimize import OptimizerConfig
from dexgys.synthesis.synthesize import SynthesisConfig, synthesize_grasps

RESULTS = Path(__file__).resolve().parent / "results" / "synthesis.json"
CASES = (
    ("mug", "hold"),
    ("mug", "use"),
    ("bottle", "hold"),
    ("hammer", "use"),
    ("knife", "use"),
    ("trigger_sprayer", "use"),
)
STAGE_KEYS = ("field", "init", "optimise", "penetration", "contacts", "q1", "physics", "physics_wait")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases",
        nargs="*",
        default=[f"{c}/{i}" for c, i in CASES],
        help="category/intent pairs (intent spaces as underscores), or 'all' for every spec",
    )
    parser.add_argument(
        "--shard", default="0/1", help="i/n: run every n-th case starting at i (split 'all' over processes)"
    )
    parser.add_argument("--object-seed", type=int, default=3)
    parser.add_argument("--candidates", type=int, default=256)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=OptimizerConfig().steps)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    hand = load_hand()
    config = SynthesisConfig(batch_size=args.batch, optimizer=OptimizerConfig(steps=args.steps), workers=args.workers)
    cases = args.cases
    if cases == ["all"]:
        from dexgys.objects.catalogue import categories
        from dexgys.synthesis.intents import intents_for

        cases = [f"{c}/{i.replace(' ', '_')}" for c in categories() for i in intents_for(c)]
    index, count = (int(x) for x in args.shard.split("/"))
    rows = []
    for case in cases[index::count]:
        category, intent = case.split("/")
        intent = intent.replace("_", " ")
        obj = make_object(category, args.object_seed)
        spec = get_intent_spec(category, intent)
        load0 = os.getloadavg()[0]
        start = time.perf_counter()
        result = synthesize_grasps(
            obj, spec, args.candidates, seed=args.seed, device=args.device, hand=hand, config=config
        )
        wall = time.perf_counter() - start
        q1 = [g.q1 for g in result.grasps]
        rows.append(
            {
                "case": f"{category}/{intent}",
                "object": obj.name,
                "candidates": args.candidates,
                "accepted": len(result),
                "pass_rate": result.pass_rate,
                "wall_s": wall,
                "grasps_per_s": len(result) / wall,
                "mean_q1": sum(q1) / len(q1) if q1 else 0.0,
                "rejected": result.rejected,
                "contact_reasons": result.contact_reasons,
                "timings_s": {k: result.timings.get(k, 0.0) for k in STAGE_KEYS},
                "loadavg_1min_start": load0,
                "loadavg_1min_end": os.getloadavg()[0],
            }
        )
        r = rows[-1]
        print(
            f"{r['case']:24s} {r['accepted']:4d}/{r['candidates']:<4d} pass {100 * r['pass_rate']:5.1f}%  "
            f"{r['wall_s']:6.1f} s  {r['grasps_per_s']:5.2f} grasps/s  Q1 {r['mean_q1']:.3f}  "
            f"rejected {r['rejected']}",
            flush=True,
        )

    total_acc = sum(r["accepted"] for r in rows)
    total_wall = sum(r["wall_s"] for r in rows)
    print()
    header = f"{'case':24s} {'acc/cand':>9s} {'pass%':>6s} {'g/s':>6s} " + " ".join(f"{k[:8]:>8s}" for k in STAGE_KEYS)
    print(header)
    for r in rows:
        print(
            f"{r['case']:24s} {r['accepted']:4d}/{r['candidates']:<4d} {100 * r['pass_rate']:6.1f} "
            f"{r['grasps_per_s']:6.2f} " + " ".join(f"{r['timings_s'][k]:8.1f}" for k in STAGE_KEYS)
        )
    print(
        f"{'all':24s} {total_acc:4d}/{args.candidates * len(rows):<4d} "
        f"{100 * total_acc / max(1, args.candidates * len(rows)):6.1f} {total_acc / max(total_wall, 1e-9):6.2f}"
    )

    payload = {
        "benchmark": "synthesis",
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "torch": torch.__version__,
            "torch_threads": args.threads,
            "workers": args.workers,
            "device": args.device,
        },
        "config": {
            "candidates": args.candidates,
            "batch": args.batch,
            "steps": args.steps,
            "seed": args.seed,
            "object_seed": args.object_seed,
        },
        "units": {"wall_s": "s", "timings_s": "s (physics: CPU s in the worker processes)"},
        "cases": rows,
        "overall": {"accepted": total_acc, "wall_s": total_wall, "grasps_per_s": total_acc / max(total_wall, 1e-9)},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=1))
    tmp.replace(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
