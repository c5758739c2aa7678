"""``dexgys eval PREDICTIONS --data DIR``: every metric of spec/evaluation.md, as Markdown and JSON."""

from __future__ import annotations

import argparse

from dexgys.errors import DexgysError
from dexgys.sim.protocols import DEFAULT_PROTOCOL, PROTOCOLS


def add_parser(sub) -> None:
    p = sub.add_parser(
        "eval",
        help="evaluate predicted grasps against a dataset split (quality, intention, diversity)",
        description="Evaluate a predictions file (a JSON list of DexGYSNet records, each with 'condition' = the "
        "index of the test record it was drawn for and 'sample' = 0..k-1) against the test split: physics "
        "success (MuJoCo, all six / any of six gravity directions), valid Q1, max penetration, CD and Con. "
        "against the nearest target, part-contact accuracy, and diversity (dt, dr, dq). Prints a Markdown "
        "table with the paper's numbers beside it (context only). See spec/evaluation.md.",
    )
    p.add_argument("predictions", nargs="?", metavar="PREDICTIONS", help="predictions file (.json or .json.gz)")
    p.add_argument(
        "--data",
        required=True,
        metavar="DIR_OR_FILE",
        help="built dataset directory (its test.json.gz is used) or a split file",
    )
    p.add_argument(
        "--ground-truth",
        action="store_true",
        help="evaluate the split's own grasps instead of a predictions file (a sanity check)",
    )
    p.add_argument("--out", metavar="JSON", help="write the results (summary and per-grasp rows) as JSON")
    p.add_argument("--markdown", metavar="MD", help="write the results table as Markdown")
    p.add_argument("--workers", type=int, default=1, help="processes for the physics test and Q1 (default: 1)")
    p.add_argument(
        "--hand",
        default="shadow",
        help="hand of the physics, penetration, Q1 and contact metrics: "
        "shadow (capsules), shadow-mesh (real meshes) (default: shadow)",
    )
    p.add_argument(
        "--protocol",
        choices=list(PROTOCOLS),
        default=DEFAULT_PROTOCOL,
        help=f"physics protocol (default: {DEFAULT_PROTOCOL}; see dexgys sim --help)",
    )
    p.add_argument("--no-physics", action="store_true", help="skip the MuJoCo test (Q1 and the rest still run)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dexgys.atomic import atomic_write_text
    from dexgys.cli.common import check_output_dirs
    from dexgys.evaluation.report import evaluate_files

    if args.workers < 1:
        raise DexgysError(f"--workers must be at least 1, got {args.workers}")
    if args.ground_truth == (args.predictions is not None):
        raise DexgysError("give a PREDICTIONS file or --ground-truth (one of them)")
    check_output_dirs(args.out, args.markdown)
    results = evaluate_files(
        args.predictions,
        args.data,
        ground_truth=args.ground_truth,
        physics=not args.no_physics,
        workers=args.workers,
        hand=args.hand,
        protocol=args.protocol,
    )
    markdown = results.to_markdown()
    print(markdown, end="")
    if args.out:
        atomic_write_text(args.out, results.to_json() + "\n")
        print(f"wrote {args.out}")
    if args.markdown:
        atomic_write_text(args.markdown, markdown)
        print(f"wrote {args.markdown}")
    return 0
