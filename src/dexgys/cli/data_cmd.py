"""``dexgys data build``: build a DexGYSNet-style dataset from the catalogue."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dexgys.errors import DexgysError


def add_parser(sub) -> None:
    p = sub.add_parser("data", help="build datasets", description="Build DexGYSNet-style datasets.")
    dsub = p.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    b = dsub.add_parser(
        "build",
        help="synthesise, validate and annotate grasps for catalogue objects",
        description="Synthesise intent-conditioned grasps for catalogue objects, keep those that pass the physics "
        "test, Q1 and penetration checks, write language guidance grounded in their contacts, and "
        "write train/test files. Resumable: run the same command again after an interruption.",
    )
    b.add_argument("--categories", nargs="+", default=["all"], help="catalogue categories, or 'all' (default)")
    b.add_argument(
        "--intents",
        nargs="+",
        default=[],
        metavar="INTENT",
        help="only these intents (use, hold, lift, 'hand over'); each must apply to every category given",
    )
    b.add_argument(
        "--objects-per-category", type=int, default=5, help="objects (seeds 0..N-1) per category (default: 5)"
    )
    b.add_argument(
        "--grasps-per-intent", type=int, default=8, help="validated grasps per object and intent (default: 8)"
    )
    b.add_argument("--out", required=True, help="output directory")
    b.add_argument("--shard", help="build only shard i of n ('i/n'); merge runs when every unit exists")
    b.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    b.add_argument("--seed", type=int, default=0, help="build seed (default: 0)")
    b.add_argument(
        "--hand",
        default="shadow",
        help="hand to synthesise and simulate on: shadow (capsules, default), shadow-mesh, shadow-e3m5",
    )
    b.add_argument(
        "--protocol",
        default="dexgys",
        help="physics protocol that validates each grasp: dexgys (default), dexgraspbench, dexgraspnet",
    )
    b.add_argument(
        "--language",
        choices=("composer", "llm"),
        default="composer",
        help="guidance writer: built-in composer (default) or an OpenAI-compatible endpoint "
        "(DEXGYS_LLM_BASE_URL, DEXGYS_LLM_MODEL, DEXGYS_LLM_API_KEY), falling back to the composer",
    )
    b.set_defaults(run=run_build)


def run_build(args: argparse.Namespace) -> int:
    from dexgys.data.builder import BuildConfig, build_units, merge_dataset, parse_shard, unit_path
    from dexgys.objects.catalogue import categories

    if args.workers < 1:
        raise DexgysError("--workers must be at least 1")
    names = categories() if args.categories == ["all"] else args.categories
    from dexgys.hands import canonical_hand_name

    config = BuildConfig(
        tuple(names),
        args.objects_per_category,
        args.grasps_per_intent,
        args.seed,
        args.language,
        tuple(args.intents),
        canonical_hand_name(args.hand),
        args.protocol,
    )
    shard = parse_shard(args.shard)
    out = Path(args.out)
    counts = build_units(config, out, shard, workers=args.workers)
    print(
        f"shard {shard[0]}/{shard[1]}: {counts['built']} objects built, {counts['skipped']} already done, "
        f"{counts['new_records']} new grasps"
    )
    if all(unit_path(out, c, s).exists() for c, s in config.units()):
        summary = merge_dataset(config, out)
        print(
            json.dumps(
                {
                    k: summary[k]
                    for k in ("objects", "categories", "train_records", "test_records", "records_per_intent")
                },
                indent=1,
            )
        )
        print(f"wrote {out / 'train.json.gz'}, {out / 'test.json.gz'}, {out / 'objects.json'}, {out / 'dataset.json'}")
    else:
        print("other shards are still missing; run them, then any shard again (or this one) to merge")
    return 0
