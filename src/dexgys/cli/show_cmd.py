"""``dexgys show FILE``: view the grasps of a grasp file on their object."""

from __future__ import annotations

import argparse

from dexgys.errors import DexgysError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "show",
        help="view the grasps of a grasp JSON file (HTML and/or PNG)",
        description="Draw the grasps of a grasp file (DexGYSNet records) on their object.",
    )
    p.add_argument("file", help="grasp JSON file")
    p.add_argument("--object", help="object to use instead of the one the file names (mug:3 or a mesh path)")
    p.add_argument("--html", help="output HTML file (every grasp, selectable)")
    p.add_argument("--png", help="output PNG file (the first four grasps)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from dexgys.cli.common import check_output_dirs, checked_grasps
    from dexgys.data.grasp_file import read_grasp_file
    from dexgys.hands import load_hand
    from dexgys.hands.pose import HandPose
    from dexgys.objects.resolve import resolve_object
    from dexgys.viz.output import write_views

    if not args.html and not args.png:
        raise DexgysError("nothing to write: give --html and/or --png")
    check_output_dirs(args.html, args.png)
    grasp_file = read_grasp_file(args.file)
    object_ref = args.object or grasp_file.object_ref
    if object_ref is None:
        raise DexgysError(f"{args.file} does not say which object it grasps: pass --object")
    obj = resolve_object(object_ref)
    hand = load_hand(grasp_file.hand)
    vectors = torch.from_numpy(checked_grasps(grasp_file.object_frame_vectors(), hand, args.file))  # object frame
    pose = HandPose.from_record(vectors, n_dofs=hand.n_dofs, hand_name=hand.name)
    meshes = [[m] for m in hand.meshes(pose)]
    labels = [str(r.get("guidance") or f"grasp {i}") for i, r in enumerate(grasp_file.records)]
    write_views(obj, meshes, labels, html=args.html, png=args.png)
    print(f"{len(meshes)} grasps on {obj.name}")
    for path in (args.html, args.png):
        if path:
            print(f"wrote {path}")
    return 0
