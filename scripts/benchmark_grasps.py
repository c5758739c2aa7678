"""Generated grasps on the instruction benchmark: are the named fingers on the named parts, and the
parts to keep free free?

For a seeded subset of the benchmark's items (``--items``, default 40, among those that name fingers
and parts or parts to keep free), generates 8 grasps (the default pipeline) on an unseen catalogue
object of the item's category (the first test-split object of ``data/dexgys-v1``), once per mode
(:data:`MODES`): the default generator (the polish keeps the hand off the parts the words keep
free; the screen and the selection prefer candidates that keep to the words), the screen ranking by
the residual energy alone (``PolishConfig.screen.words = False``), and the avoidance off
(``PolishConfig.weights.avoid = 0``). Per grasp
(contacts within 5 mm, the capsule hand): *named-part hit* = every finger the item names touches
one of its parts to touch; *violation* = some hand part touches a part to keep free. Writes
``docs/benchmark_grasps.json``.

    python scripts/benchmark_grasps.py [--items 40] [--out docs/benchmark_grasps.json]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import torch

from dexgys.atomic import atomic_write_text
from dexgys.hands import load_hand
from dexgys.objects.catalogue import make_object
from dexgys.pipeline import GraspGenerator
from dexgys.synthesis.contacts import contact_facts

BENCHMARK = Path("data/instruction-benchmark/benchmark-v1.json")
MODES = {  # the polish settings each mode changes
    "default": {},
    "without_words_screen": {"screen.words": False},  # the screen ranks by the residual energy alone
    "without_avoidance": {"weights.avoid": 0.0},
}


def judge(hand, obj, records, item) -> tuple[list[bool], list[bool]]:
    hits, violations = [], []
    for facts in contact_facts(hand, obj, torch.as_tensor(records)):
        touched = facts.as_dict()
        if item["fingers"] and item["touch_parts"]:
            hits.append(all(set(touched.get(f, ())) & set(item["touch_parts"]) for f in item["fingers"]))
        if item["avoid_parts"]:
            violations.append(any(set(ps) & set(item["avoid_parts"]) for ps in touched.values()))
    return hits, violations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--modes", nargs="+", choices=tuple(MODES), default=list(MODES))
    parser.add_argument("--out", type=Path, default=Path("docs/benchmark_grasps.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    objects = json.loads(Path("data/dexgys-v1/objects.json").read_text())["objects"]
    test_object = {}
    for o in objects:
        if o["split"] == "test":
            test_object.setdefault(o["category"], o["name"])
    items = [
        it
        for it in json.loads(BENCHMARK.read_text())["items"]
        if it["category"] in test_object and ((it["fingers"] and it["touch_parts"]) or it["avoid_parts"])
    ]
    items = random.Random(args.seed).sample(items, min(args.items, len(items)))
    generator, hand = GraspGenerator.from_pretrained(), load_hand("shadow")
    out = {}
    default = generator.polish_config
    for mode in args.modes:
        generator.polish_config = default.with_changes(MODES[mode])
        hits, violations, rows, seconds = [], [], [], []
        for k, it in enumerate(items):
            obj = make_object(test_object[it["category"]])
            result = generator.generate(obj.name, it["text"], n=8, seed=args.seed + k)
            seconds.append(result.timings["total"])
            h, v = judge(hand, obj, result.object_frame_records(), it)
            hits += h
            violations += v
            rows.append(
                {
                    "id": it["id"],
                    "object": obj.name,
                    "hit": sum(h),
                    "hit_of": len(h),
                    "violations": sum(v),
                    "violations_of": len(v),
                }
            )
        out[mode] = {
            "named_part_hit_pct": 100.0 * sum(hits) / max(1, len(hits)),
            "hit_grasps": len(hits),
            "violation_pct": 100.0 * sum(violations) / max(1, len(violations)),
            "violation_grasps": len(violations),
            "mean_generate_s": sum(seconds) / len(seconds),
            "items": rows,
        }
        print(
            f"{mode}: named-part hit {out[mode]['named_part_hit_pct']:.1f} % of {len(hits)} grasps, "
            f"violations {out[mode]['violation_pct']:.1f} % of {len(violations)} grasps, "
            f"{out[mode]['mean_generate_s']:.2f} s per generate",
            flush=True,
        )
    atomic_write_text(args.out, json.dumps({"items": len(items), "seed": args.seed, **out}, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
