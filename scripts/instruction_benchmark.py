"""Write the instruction benchmark (``dexgys.language.benchmark``) as JSON and print its counts.

Every item's part names are checked against a built catalogue object (``make_object(category, 0)``),
and no text may equal a sentence of the training split given by ``--train`` (skipped when the file
is missing). Nothing is written if a check fails.

    python scripts/instruction_benchmark.py [--seed 0] [--per-category 15]
        [--out data/instruction-benchmark/benchmark-v1.json] [--train data/dexgys-v1/train.json.gz]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from dexgys.atomic import atomic_write_text
from dexgys.data.builder import load_records
from dexgys.language.benchmark import FORMAT_VERSION, GENERATOR, generate_benchmark
from dexgys.language.benchmark_items import PHENOMENA, training_overlap, validate_item
from dexgys.objects.catalogue import make_object


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-category", type=int, default=15)
    parser.add_argument("--out", type=Path, default=Path("data/instruction-benchmark/benchmark-v1.json"))
    parser.add_argument(
        "--train",
        type=Path,
        default=Path("data/dexgys-v1/train.json.gz"),
        help="training split whose guidance the benchmark must not repeat",
    )
    args = parser.parse_args()

    items = generate_benchmark(args.seed, args.per_category)
    parts = {c: make_object(c, 0).part_names for c in sorted({it.category for it in items})}
    problems = [p for it in items for p in validate_item(it, parts[it.category])]
    if args.train.is_file():
        records = load_records(args.train)
        sentences = [r[key] for r in records for key in ("guidance", "brief_guidance") if r.get(key)]
        problems += [f"in the training set: {t!r}" for t in training_overlap([it.text for it in items], sentences)]
        print(f"checked against {len(sentences)} training sentences of {args.train}")
    else:
        print(f"no {args.train}: training overlap not checked")
    if problems:
        sys.exit("not written:\n  " + "\n  ".join(problems))

    document = {
        "format_version": FORMAT_VERSION,
        "generator": GENERATOR,
        "seed": args.seed,
        "items": [it.as_dict() for it in items],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out, json.dumps(document, indent=1) + "\n")

    by_category = Counter(it.category for it in items)
    by_intent = Counter(it.intent for it in items)
    by_phenomenon = Counter(p for it in items for p in it.phenomena)
    print(f"wrote {len(items)} items over {len(by_category)} categories to {args.out}")
    print("per category: " + ", ".join(f"{c} {n}" for c, n in sorted(by_category.items())))
    print("per intent: " + ", ".join(f"{i} {n}" for i, n in by_intent.most_common()))
    print("per phenomenon: " + ", ".join(f"{p} {by_phenomenon[p]}" for p in PHENOMENA))


if __name__ == "__main__":
    main()
