"""``dexgys export FILE --format dexgraspbench --out DIR``: grasps in another project's layout."""

from __future__ import annotations

import argparse

from dexgys.errors import DexgysError

FORMATS = ("dexgraspbench",)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "export",
        help="write a grasp file's grasps in another evaluator's layout (DexGraspBench)",
        description="dexgraspbench: one .npy per grasp (pregrasp_qpos / grasp_qpos / squeeze_qpos for its "
        "Shadow Hand E3M5, the pre-grasp and squeeze derived as its protocol does) and the object's convex "
        "pieces, under DIR/graspdata/<object>/ and DIR/object/<object>/, for DexGraspBench's own evaluator.",
    )
    p.add_argument("file", help="grasp file (JSON: dexgys grasp file or a list of DexGYSNet records)")
    p.add_argument("--format", choices=FORMATS, required=True, help="layout to write")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    p.add_argument("--object", help="object to use instead of the file's: catalogue name (mug:3) or mesh file")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from dexgys.cli.common import checked_grasps
    from dexgys.data.dexgraspbench import write_dexgraspbench
    from dexgys.data.grasp_file import read_grasp_file
    from dexgys.hands import load_hand
    from dexgys.objects.resolve import resolve_object

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise DexgysError(f"--out {args.out!r} exists and is not a directory")
    grasp_file = read_grasp_file(args.file)
    ref = args.object or grasp_file.object_ref
    if not ref:
        raise DexgysError(f"{args.file}: the file names no object; give one with --object")
    obj = resolve_object(ref)
    grasps = checked_grasps(grasp_file.object_frame_vectors(), load_hand(grasp_file.hand), args.file)
    files = write_dexgraspbench(grasps, obj, out)
    print(
        f"wrote {len(files)} DexGraspBench grasp files under {out / 'graspdata'} and the object under {out / 'object'}"
    )
    return 0
