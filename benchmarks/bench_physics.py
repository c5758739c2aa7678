"""Physics-test throughput on real dataset grasps: grasps per second of the MuJoCo squeeze-and-shake test.

Picks ``--per-category`` random records of every category of a built dataset (``DIR/train.json.gz`` +
``DIR/test.json.gz``, or the unit files while a build runs), then per object: builds the scene once
(timed separately) and runs :func:`dexgys.sim.test_grasps` on its grasps (all six directions, as in
evaluation) in one process. Reports per category the grasps/s of the test alone, the scene-build time
and the success_all6 rate (every dataset grasp passed when it was built, so this is also a re-check).
Prints a table and writes ``benchmarks/results/physics.json``. Run:
``python benchmarks/bench_physics.py data/dexgys-v1 [--per-category 8]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

RESULTS = Path(__file__).resolve().parent / "results" / "physics.json"


def dataset_records(data: Path) -> list[dict]:
    merged = [data / "train.json.gz", data / "test.json.gz"]
    if all(p.exists() for p in merged):
        return [r for p in merged for r in json.loads(gzip.open(p).read())]
    return [r for p in sorted((data / "units").glob("*.json.gz")) for r in json.loads(gzip.open(p).read())["records"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--per-category", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    torch.set_num_threads(1)

    from dexgys.hands import load_hand
    from dexgys.objects.catalogue import make_object
    from dexgys.sim import test_grasps
    from dexgys.sim.evaluate import PROTOCOL
    from dexgys.sim.scene import build_scene

    records = dataset_records(args.data)
    by_category = defaultdict(list)
    for r in records:
        by_category[r["cate_id"]].append(r)
    rng = np.random.default_rng(args.seed)
    hand = load_hand()
    rows = []
    for category in sorted(by_category):
        pool = by_category[category]
        picks = [pool[i] for i in rng.choice(len(pool), size=min(args.per_category, len(pool)), replace=False)]
        by_object = defaultdict(list)
        for r in picks:
            by_object[r["obj_id"]].append(r["dex_grasp"])
        scene_s = test_s = 0.0
        held = []
        for name, grasps in sorted(by_object.items()):
            obj = make_object(name)
            t = time.perf_counter()
            scene = build_scene(hand, obj)
            scene_s += time.perf_counter() - t
            t = time.perf_counter()
            result = test_grasps(hand, obj, torch.tensor(grasps, dtype=torch.float64), scene=scene)
            test_s += time.perf_counter() - t
            held.extend(result.success_all6.tolist())
        rows.append(
            {
                "category": category,
                "grasps": len(held),
                "objects": len(by_object),
                "test_s": test_s,
                "grasps_per_s": len(held) / test_s,
                "scene_build_s": scene_s / len(by_object),
                "success_all6": float(np.mean(held)),
            }
        )
        r = rows[-1]
        print(
            f"{category:16s} {r['grasps']:3d} grasps  {r['grasps_per_s']:6.2f} grasps/s  scene {r['scene_build_s']:.2f} s  "
            f"success_all6 {100 * r['success_all6']:5.1f} %",
            flush=True,
        )
    n = sum(r["grasps"] for r in rows)
    total = sum(r["test_s"] for r in rows)
    overall = {
        "grasps": n,
        "test_s": total,
        "grasps_per_s": n / total,
        "success_all6": sum(r["success_all6"] * r["grasps"] for r in rows) / n,
    }
    print(
        f"{'all':16s} {n:3d} grasps  {overall['grasps_per_s']:6.2f} grasps/s (one process)  "
        f"success_all6 {100 * overall['success_all6']:.1f} %"
    )
    payload = {
        "benchmark": "physics",
        "protocol": PROTOCOL,
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(), "loadavg_1min": os.getloadavg()[0]},
        "data": str(args.data),
        "per_category": args.per_category,
        "rows": rows,
        "overall": overall,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=1))
    tmp.replace(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
