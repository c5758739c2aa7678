"""``dexgys predict --data DIR --out preds.json``: the model's grasps for the test split's conditions."""

from __future__ import annotations

import argparse

from dexgys.cli.common import add_generation_flags, add_polish_hand_flags
from dexgys.errors import DexgysError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "predict",
        help="draw grasps for every (object, instruction) of a test split, for dexgys eval",
        description="For each test record (or a seeded random subset), draw --samples grasps of its object for its "
        "fine guidance with the model (IDGC, QGC, physics polish), and write them as a predictions "
        "file for `dexgys eval` ('condition' = the test record's index). --coarse-out also writes "
        "the IDGC samples the grasps came from (the IDGC-only row of the results table), "
        "--unpolished-out the grasps before the polish (the IDGC + QGC row), --unselected-out the "
        "polished grasps before the selection (the first --samples candidates of each condition).",
    )
    p.add_argument(
        "--data", required=True, metavar="DIR_OR_FILE", help="built dataset directory (test.json.gz) or a split file"
    )
    p.add_argument("--out", required=True, help="predictions file to write (.json or .json.gz)")
    p.add_argument("--coarse-out", help="also write the IDGC-only predictions here")
    p.add_argument("--unpolished-out", help="also write the predictions before the physics polish here")
    p.add_argument("--unselected-out", help="also write the polished predictions before the selection here")
    p.add_argument("--model", help="model file or training output directory (default: the shipped model)")
    p.add_argument("--conditions", type=int, help="evaluate a seeded random subset of this many test records")
    p.add_argument("--samples", type=int, default=8, help="grasps per condition (default: 8, the paper's)")
    p.add_argument("--seed", type=int, default=0, help="seed (condition c uses seed + c; default: 0)")
    add_generation_flags(p)
    add_polish_hand_flags(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from dexgys.cli.common import check_output_dirs, generation_config
    from dexgys.evaluation.batch import choose_conditions, predict_records
    from dexgys.evaluation.predictions import write_predictions
    from dexgys.evaluation.report import load_split, resolve_split
    from dexgys.pipeline import GraspGenerator

    torch.set_num_threads(1)
    if args.samples < 1:
        raise DexgysError(f"--samples must be at least 1, got {args.samples}")
    config = generation_config(args)
    if args.no_polish and (args.unpolished_out or args.unselected_out):
        raise DexgysError(
            "--unpolished-out and --unselected-out need the polish: drop --no-polish (--out is then unpolished)"
        )
    check_output_dirs(args.out, args.coarse_out, args.unpolished_out, args.unselected_out)
    records = load_split(resolve_split(args.data))
    conditions = choose_conditions(len(records), args.conditions, args.seed)
    generator = GraspGenerator.from_pretrained(args.model, device=args.device, hand=args.hand)
    stages = predict_records(
        generator, records, conditions, args.samples, args.seed, config, unselected=bool(args.unselected_out)
    )
    print(f"{len(stages['final'])} grasps for {len(conditions)} conditions of {len(records)} test records")
    for path, stage in (
        (args.out, "final"),
        (args.coarse_out, "idgc"),
        (args.unpolished_out, "unpolished"),
        (args.unselected_out, "polished"),
    ):
        if path:
            write_predictions(path, stages[stage])
            print(f"wrote {path}")
    return 0
