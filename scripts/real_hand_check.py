"""How a dataset's grasps fare on each hand under each protocol: a seeded sample of a split, every
(hand, protocol) pair, success all 6 / any, mean and >1 cm penetration, pre-check failures.

    python scripts/real_hand_check.py data/dexgys-v1 --samples 200 --json docs/real_hand_data.json

The grasps are the split's own (``dex_grasp``, object frame); objects are resolved from ``obj_id``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

from dexgys.hands import load_hand
from dexgys.objects.resolve import resolve_object
from dexgys.sim.grasp_test import test_grasps
from dexgys.sim.protocols import get_protocol

HANDS = ("shadow", "shadow-mesh", "shadow-e3m5")
PROTOCOLS = ("dexgys", "dexgraspbench", "dexgraspnet")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", help="dataset directory (its test split is sampled)")
    ap.add_argument("--split", default="test")
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", help="write the table as JSON")
    args = ap.parse_args()
    records = json.load(gzip.open(Path(args.data) / f"{args.split}.json.gz"))
    pick = random.Random(args.seed).sample(range(len(records)), min(args.samples, len(records)))
    by_object = defaultdict(list)
    for i in pick:
        by_object[records[i]["obj_id"]].append(records[i]["dex_grasp"])
    objects = {name: resolve_object(name) for name in by_object}
    rows = []
    print(f"{len(pick)} grasps of {args.data} ({args.split}, seed {args.seed}) on {len(objects)} objects")
    print(
        f"{'hand':<12} {'protocol':<14} {'all6 %':>7} {'any %':>6} {'pen mm':>7} {'>1cm %':>7} {'pre-check':>9} {'s':>5}"
    )
    for hand_name in HANDS:
        hand = load_hand(hand_name)
        for protocol in PROTOCOLS:
            start = time.perf_counter()
            all6 = any_ = failed = 0
            pens = []
            for name, grasps in by_object.items():
                r = test_grasps(
                    hand,
                    objects[name],
                    torch.tensor(grasps, dtype=torch.float32),
                    workers=args.workers,
                    protocol=protocol,
                )
                all6 += int(r.success_all6.sum())
                any_ += int(r.success_any.sum())
                failed += int((~r.simulated).sum())
                pens += list(r.penetration)
            n = len(pick)
            row = {
                "hand": hand_name,
                "protocol": protocol,
                "protocol_id": get_protocol(protocol).protocol_id,
                "grasps": n,
                "success_all6_pct": 100 * all6 / n,
                "success_any_pct": 100 * any_ / n,
                "mean_penetration_mm": 1000 * float(np.mean(pens)),
                "penetration_over_1cm_pct": 100 * float(np.mean(np.array(pens) > 0.01)),
                "failed_precheck": failed,
                "seconds": round(time.perf_counter() - start, 1),
            }
            rows.append(row)
            print(
                f"{hand_name:<12} {protocol:<14} {row['success_all6_pct']:7.1f} {row['success_any_pct']:6.1f} "
                f"{row['mean_penetration_mm']:7.2f} {row['penetration_over_1cm_pct']:7.1f} {failed:9d} "
                f"{row['seconds']:5.0f}",
                flush=True,
            )
    if args.json:
        Path(args.json).write_text(
            json.dumps({"data": str(args.data), "split": args.split, "seed": args.seed, "rows": rows}, indent=1) + "\n"
        )


if __name__ == "__main__":
    main()
