"""Progress of a dataset build from its unit files: grasps per (category, intent), pass rates, why
candidates were rejected, the cells still short of grasps. Works on a build still running.

    python scripts/build_progress.py data/dexgys-v2 [--json docs/dexgys-v2-progress.json] \
        [--revalidate 60 --judges shadow-mesh/dexgraspbench shadow-e3m5/dexgraspbench]

``--revalidate N`` re-runs the physics test on N random grasps of the units under each judge
(hand/protocol): the build's own judge must hold them all again; the others show how the data
carries over to another hand or protocol.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

from dexgys.atomic import atomic_write_text
from dexgys.data.builder import read_json_gz


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--json", type=Path, help="also write the summary here")
    parser.add_argument("--revalidate", type=int, default=0, metavar="N", help="re-test N random grasps")
    parser.add_argument("--judges", nargs="+", default=["shadow-mesh/dexgraspbench"], metavar="HAND/PROTOCOL")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    units = sorted((args.data / "units").glob("*.json.gz"))
    cells: dict[tuple[str, str], Counter] = defaultdict(Counter)
    objects: Counter = Counter()
    pipeline = config = None
    for path in units:
        unit = read_json_gz(path)
        pipeline, config = unit["pipeline"], unit["config"]
        category = unit["object"]["category"]
        objects[category] += 1
        for intent, stats in unit["stats"].items():
            cells[(category, intent)].update({k: v for k, v in stats.items() if k != "seconds"})
            cells[(category, intent)]["seconds"] += stats["seconds"]
    total = Counter()
    for c in cells.values():
        total.update(c)
    rejected = {k.removeprefix("rejected_"): v for k, v in total.items() if k.startswith("rejected_")}
    print(
        f"{args.data}: {len(units)} units ({pipeline}), {total['accepted']:,} grasps, pass rate "
        f"{total['accepted'] / max(1, total['judged']):.1%} of {total['judged']:,} judged, "
        f"{total['accepted'] / max(1e-9, total['seconds']):.2f} grasps per worker-second"
    )
    print("rejected:", ", ".join(f"{k} {v:,}" for k, v in rejected.items()))
    print("\n| category | intent | objects | grasps | per object | pass rate |\n|---|---|---|---|---|---|")
    rows = []
    for (category, intent), c in sorted(cells.items()):
        per_object = c["accepted"] / objects[category]
        rows.append(
            {
                "category": category,
                "intent": intent,
                "objects": objects[category],
                "grasps": c["accepted"],
                "judged": c["judged"],
                "pass_rate": c["accepted"] / max(1, c["judged"]),
            }
        )
        flag = " **short**" if config and per_object < 0.5 * config["grasps_per_intent"] else ""
        print(
            f"| {category} | {intent} | {objects[category]} | {c['accepted']} | {per_object:.1f}{flag} | "
            f"{rows[-1]['pass_rate']:.1%} |"
        )
    revalidated = revalidate(units, args.revalidate, args.judges, args.seed) if args.revalidate else {}
    if args.json:
        atomic_write_text(
            args.json,
            json.dumps(
                {
                    "data": str(args.data),
                    "pipeline": pipeline,
                    "config": config,
                    "units": len(units),
                    "grasps": total["accepted"],
                    "judged": total["judged"],
                    "rejected": rejected,
                    "revalidated": revalidated,
                    "cells": rows,
                },
                indent=1,
            )
            + "\n",
        )


def revalidate(units: list[Path], n: int, judges: list[str], seed: int) -> dict:
    """Held in all six directions again, per judge, for ``n`` random grasps of ``units``."""
    import random

    import numpy as np

    from dexgys.hands import load_hand
    from dexgys.objects.catalogue import make_object
    from dexgys.sim.grasp_test import test_grasps

    records = [r for path in units for r in read_json_gz(path)["records"]]
    sample = random.Random(seed).sample(records, min(n, len(records)))
    by_object: dict[str, list[dict]] = defaultdict(list)
    for r in sample:
        by_object[r["obj_id"]].append(r)
    out = {}
    for judge in judges:
        hand_name, protocol = judge.split("/")
        hand, held = load_hand(hand_name), []
        for name, recs in sorted(by_object.items()):
            result = test_grasps(hand, make_object(name), np.array([r["dex_grasp"] for r in recs]), protocol=protocol)
            held += result.success_all6.tolist()
        out[judge] = {"tested": len(held), "held_all6": int(sum(held))}
        print(
            f"re-tested {len(held)} random grasps on {hand_name} / {protocol}: {sum(held)} hold in all six "
            f"({100 * sum(held) / len(held):.1f} %)"
        )
    return out


if __name__ == "__main__":
    main()
