"""``dexgys polish PREDICTIONS --out FILE``: the physics polish of any predictions file."""

from __future__ import annotations

import argparse

from dexgys.cli.common import add_polish_hand_flags
from dexgys.errors import DexgysError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "polish",
        help="physics polish of a predictions file (any generator's grasps), for dexgys eval",
        description="Move every grasp of a predictions file (object frame, e.g. from `dexgys predict --no-polish` "
        "or another model) a little so the object does not reach into the hand and the phalanges near "
        "the surface rest on it (dexgys.synthesis.polish; it sees only the object's surface). Writes a "
        "predictions file in the same order.",
    )
    p.add_argument(
        "predictions", help="predictions file (.json or .json.gz) whose obj_id are catalogue names or meshes"
    )
    p.add_argument("--out", required=True, help="polished predictions file to write")
    p.add_argument("--steps", type=int, help="descent steps (default: PolishConfig's)")
    p.add_argument(
        "--engage-distance",
        type=float,
        metavar="M",
        help="phalanges within this many metres of the object are pulled onto it",
    )
    p.add_argument("--contact", type=float, metavar="W", help="weight of the contact term")
    add_polish_hand_flags(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from dexgys.cli.common import check_output_dirs
    from dexgys.evaluation.batch import polish_predictions
    from dexgys.evaluation.predictions import read_predictions, write_predictions
    from dexgys.synthesis.polish_config import PolishConfig

    torch.set_num_threads(1)
    check_output_dirs(args.out)
    flags = (
        ("steps", "descent.steps", args.steps),
        ("engage-distance", "contacts.engage_distance", args.engage_distance),
        ("contact", "weights.contact", args.contact),
    )
    for flag, _, value in flags:
        if value is not None and (value < 0 or (flag == "steps" and value < 1)):
            raise DexgysError(f"--{flag} must be positive, got {value}")
    config = PolishConfig().with_changes({name: value for _, name, value in flags if value is not None})
    predictions = read_predictions(args.predictions)
    polished = polish_predictions(predictions, config, device=args.device, hand=args.hand)
    write_predictions(args.out, polished)
    print(f"polished {len(polished)} grasps of {len({p['obj_id'] for p in polished})} objects; wrote {args.out}")
    return 0
