"""``dexgys demo``: the main job on built-in defaults (objects, a posed hand, viewer and PNG)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

DEMO_OBJECTS = ("mug:0", "trigger_sprayer:0", "hammer:0", "bottle:3")


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="build a few objects, pose the hand beside them, write viewers and a PNG",
                       description="Run the built-in demo: catalogue objects with a hand placed palm-first beside "
                                   "each, written as grasp JSON, offline HTML viewers and one PNG sheet.")
    p.add_argument("--out", default="demo_out", help="output directory (created; default: demo_out)")
    p.add_argument("--objects", nargs="+", default=list(DEMO_OBJECTS), help="catalogue names (default: %(default)s)")
    p.set_defaults(run=run)


def palm_first_pose(hand, obj, direction: np.ndarray, clearance: float = 0.004) -> torch.Tensor:
    """A record vector that puts the palm facing ``obj`` from ``direction`` (unit, object frame), fingers
    wrapped around the vertical, with the palm surface ``clearance`` metres from the object."""
    d = direction / np.linalg.norm(direction)
    z = np.cross([0.0, 0.0, 1.0], d)
    z = z / np.linalg.norm(z) if np.linalg.norm(z) > 1e-6 else np.array([1.0, 0.0, 0.0])
    y = -d  # the palm faces -y in the hand frame: make it face the object
    R = np.stack([np.cross(y, z), y, z], axis=1)
    palm = np.array([0.0, -0.0111, 0.04])  # palm surface point, hand frame
    joints = 0.5 * (hand.joint_lower + hand.joint_upper).double()
    joints[[1, 5, 9, 14]] = 0.35  # proximal flexion: fingers half open
    for r in np.linspace(0.0, 0.5, 501):  # walk out from the centre until the palm clears the surface
        point = d * r
        if obj.sdf_numpy(point[None])[0] > clearance:
            break
    t = point - R @ palm
    from dexgys.geometry.rotations import matrix_to_axis_angle

    aa = matrix_to_axis_angle(torch.as_tensor(R)).numpy()
    return torch.cat([torch.as_tensor(t), torch.as_tensor(aa), joints])


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from dexgys.data.grasp_file import write_grasp_file
    from dexgys.hands import HandPose, load_hand
    from dexgys.objects.resolve import resolve_object
    from dexgys.viz.output import write_views
    from dexgys.viz.render import contact_sheet, render_images, save_png
    from dexgys.viz.scene import hand_scene, object_scene

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    hand = load_hand("shadow")
    tiles, captions = [], []
    for ref in tqdm(args.objects, desc="demo objects", unit="obj"):
        obj = resolve_object(ref)
        stem = ref.replace(":", "_")
        vectors = torch.stack([palm_first_pose(hand, obj, np.array(d)) for d in ([1.0, 0.0, 0.0], [0.0, -1.0, 0.0])])
        records = [
            {"cate_id": obj.category, "obj_id": obj.name, "action_id": "0002",
             "guidance": f"palm-first approach pose beside the {obj.category} (not a validated grasp)",
             "dex_grasp": v.tolist()}
            for v in vectors
        ]
        write_grasp_file(out / f"{stem}.json", records, obj.name)
        meshes = [[m] for m in hand.meshes(HandPose.from_record(vectors.float(), hand.n_dofs, hand.name))]
        labels = ["palm from +x", "palm from -y"]
        write_views(obj, meshes, labels, html=out / f"{stem}.html")
        tiles.append(render_images(object_scene(obj) + hand_scene(meshes[0]), size=(360, 360))[0])
        captions.append(f"{obj.name}: {', '.join(obj.part_names)}")
    save_png(contact_sheet(tiles, captions, columns=min(4, len(tiles))), out / "demo.png")
    print(f"wrote {len(args.objects)} grasp files and HTML viewers, and {out / 'demo.png'}")
    return 0
