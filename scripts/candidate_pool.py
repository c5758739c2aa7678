"""Every candidate the generator draws for held-out test conditions, to compare selection rules.

For the first ``--conditions`` of ``--draw`` test records drawn with ``--draw-seed`` that are not among
the ``--reported`` ones (those ``dexgys predict --conditions 150 --seed 0`` scores), generates ``8 x --oversample`` candidates per
condition with seed = the condition index, as ``dexgys predict`` does, and writes to ``OUT/``:

* ``batch{j}.json.gz``: candidate batch ``j`` of every condition (8 grasps each), a predictions file
  that ``dexgys eval`` scores;
* ``candidates.json``: per condition, every candidate's residual energy and valid Q1 (the values the
  selection ranks by; :func:`dexgys.synthesis.polisher.selection_score`) and its residual energy at the polish's
  screen step (what the screen ranks by).

Every candidate is polished to the end (no screen), so the rules can screen afterwards.

Then score each batch and compare rules with ``scripts/selection_rules.py``::

    python scripts/candidate_pool.py --data data/dexgys-v1 --out runs/pool --oversample 8
    for j in 0 1 2 3 4 5 6 7; do dexgys eval runs/pool/batch$j.json.gz --data data/dexgys-v1 --out runs/pool/eval-batch$j.json; done
    python scripts/selection_rules.py runs/pool

``--polish JSON`` overrides polish settings (e.g. ``'{"surface": 300}'``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from tqdm import tqdm

from dexgys.atomic import atomic_write_bytes
from dexgys.evaluation.batch import choose_conditions
from dexgys.evaluation.predictions import make_prediction, write_predictions
from dexgys.evaluation.report import load_split, resolve_split
from dexgys.pipeline import GraspGenerator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="dataset directory (its test split)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--model", help="model file or training directory (default: the shipped model)")
    parser.add_argument("--conditions", type=int, default=100)
    parser.add_argument("--draw", type=int, default=260, help="conditions drawn before leaving out the reported ones")
    parser.add_argument("--draw-seed", type=int, default=1)
    parser.add_argument("--reported", type=int, default=150, help="leave out the conditions seed 0 draws for this many")
    parser.add_argument("--oversample", type=int, default=8)
    parser.add_argument(
        "--polish", default="{}", help='JSON of PolishConfig overrides by dotted name, e.g. {"descent.steps": 50}'
    )
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    records = load_split(resolve_split(args.data))
    reported = set(choose_conditions(len(records), args.reported, 0)) if args.reported else set()
    drawn = choose_conditions(len(records), args.draw, args.draw_seed)
    conditions = [c for c in drawn if c not in reported][: args.conditions]
    generator = GraspGenerator.from_pretrained(args.model)
    generator.polish_config = generator.polish_config.with_changes(json.loads(args.polish))

    batches: list[list[dict]] = [[] for _ in range(args.oversample)]
    values = []
    for c in tqdm(conditions, desc="conditions", unit="cond"):
        record = records[c]
        result = generator.generate(
            record["obj_id"], record["guidance"], n=8, seed=c, oversample=args.oversample, finalists=args.oversample
        )
        for i, g in enumerate(result.candidates["polished"]):
            batches[i // 8].append(make_prediction(record, c, i % 8, result.object.to_object_frame(g)))
        values.append(
            {
                "condition": c,
                "residual": result.candidates["residual"].tolist(),
                "valid_q1": result.candidates["valid_q1"].tolist(),
                "early_residual": result.candidates["early_residual"].tolist(),
            }
        )
    args.out.mkdir(parents=True, exist_ok=True)
    for j, batch in enumerate(batches):
        write_predictions(args.out / f"batch{j}.json.gz", batch)
    atomic_write_bytes(
        args.out / "candidates.json",
        json.dumps(
            {
                "polish": json.loads(args.polish),
                "oversample": args.oversample,
                "screen_step": generator.polish_config.screen.step,
                "conditions": values,
            }
        ).encode(),
    )
    print(f"{len(conditions)} conditions x {8 * args.oversample} candidates -> {args.out}")


if __name__ == "__main__":
    main()
