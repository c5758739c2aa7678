"""``dexgys generate OBJECT "instruction"``: grasps from the trained two-stage model, as JSON and viewers."""

from __future__ import annotations

import argparse

from dexgys.cli.common import add_generation_flags, add_polish_hand_flags
from dexgys.errors import DexgysError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "generate",
        help="generate grasps for an object and an instruction",
        description="Generate dexterous grasps that do what the instruction says: IDGC samples, refined by QGC. "
        "Writes a grasp file (DexGYSNet records [t | axis-angle | 22 joints], metres and radians, in "
        "the input's frame) and optionally an HTML viewer and a PNG.",
    )
    p.add_argument(
        "object",
        help="catalogue name (mug:3), mesh file (.obj .stl .ply .glb) or point cloud "
        "(.npy .xyz .txt .ply: N x 3 points or N x 6 points + normals, metres)",
    )
    p.add_argument("instruction", help='what the hand should do, e.g. "hold the mug by its handle"')
    p.add_argument("-n", "--num", type=int, default=8, help="number of grasps (default: 8)")
    p.add_argument("--out", required=True, help="output grasp file (.json)")
    p.add_argument("--html", help="also write an HTML viewer")
    p.add_argument("--png", help="also write a PNG of the first four grasps")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0); the same seed gives the same grasps")
    p.add_argument("--model", help="model file, or a training output directory (default: the shipped model)")
    add_generation_flags(p)
    add_polish_hand_flags(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from dexgys.cli.common import check_output_dirs, generation_config
    from dexgys.language.instruction_check import check_instruction
    from dexgys.pipeline import GraspGenerator
    from dexgys.viz.output import write_generation_views

    torch.set_num_threads(1)
    check_output_dirs(args.out, args.html, args.png)
    instruction = check_instruction(args.instruction)
    if args.num < 1:
        raise DexgysError(f"-n must be at least 1, got {args.num}")
    config = generation_config(args)
    if args.device not in ("cpu", "cuda"):
        raise DexgysError(f"--device must be cpu or cuda, got {args.device!r}")
    generator = GraspGenerator.from_pretrained(args.model, device=args.device, hand=args.hand)
    result = generator.generate(args.object, instruction, n=args.num, seed=args.seed, config=config, progress=True)
    if args.html or args.png:
        write_generation_views(result, html=args.html, png=args.png)
    result.save(args.out, model=generator.source)
    t = result.timings
    rescued = int(result.candidates["rescued"].sum())
    polish = "polish" + (f" ({rescued} rescued from a thin wall)" if rescued else "")
    stages = " + ".join(
        ["IDGC"]
        + ["QGC"] * result.refined
        + [polish] * result.polished
        + [
            f"best {args.num} of {len(result.candidates['chosen']) * result.oversample}"
            + (
                f" ({int(result.candidates['finalist'].sum())} polished to the end)"
                if not result.candidates["finalist"].all()
                else ""
            )
        ]
        * (result.oversample > 1)
    )
    print(
        f"{len(result.grasps)} grasps for {result.object.name} ({stages}, {args.sampler}"
        f"{f' {args.steps} steps' if args.steps else ''}, seed {args.seed})"
    )
    print(f"read: {result.reading.describe()}")
    for note in result.reading.notes:
        print(f"note: {note}; the grasps follow what the model reads from the rest of the words")
    for line in result.unmet:
        print(f"note: {line}")
    print(
        f"time: object {t['object']:.2f} s, text {t['text']:.2f} s, IDGC {t['idgc']:.2f} s, QGC {t['qgc']:.2f} s, "
        f"polish {t['polish']:.2f} s, total {t['total']:.2f} s"
    )
    if result.touching is not None:
        print(f"touching: {describe_touching(result)}")
    for path in (args.out, args.html, args.png):
        if path:
            print(f"wrote {path}")
    return 0


def describe_touching(result) -> str:
    """The hand parts the model put on the object and, with its contact-region predictor, where: the
    object's parts by how many predicted points they hold (``forefinger -> trigger, head``), or the
    number of points for an object without part labels."""
    import numpy as np

    from dexgys.models.finger_contacts import HAND_PARTS

    obj = result.object
    names = None
    if obj.parts is not None and obj.object is not None:
        names = np.where(obj.parts >= 0, np.asarray(obj.object.part_names + [""])[obj.parts], "")
    items = []
    for f, hand_part in enumerate(HAND_PARTS):
        if hand_part not in result.touching:
            continue
        where = None if result.regions is None else result.regions[:, f]
        if where is None or not where.any():
            items.append(hand_part)
        elif names is None:
            items.append(f"{hand_part} ({int(where.sum())} points)")
        else:
            labels, counts = np.unique(names[where & (names != "")], return_counts=True)
            items.append(f"{hand_part} -> {', '.join(labels[np.argsort(-counts, kind='stable')])}")
    return "; ".join(items) or "nothing"
