"""``dexgys demo``: the main job on built-in defaults.

With a trained model (the shipped one, or ``--model``): grasps generated for built-in objects and
instructions, written as grasp files, HTML viewers and one PNG sheet. Without one (none shipped yet):
the catalogue objects with the hand placed palm-first beside them, clearly labelled as not grasps.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: the CLI answers --help without them
    import numpy as np
    import torch

DEMO_OBJECTS = ("mug:0", "trigger_sprayer:0", "hammer:0", "bottle:3")
DEMO_INSTRUCTIONS = (
    ("mug:0", "hold the mug by its handle with your thumb, forefinger and middle finger"),
    ("trigger_sprayer:0", "press the trigger with your forefinger and wrap your other fingers around the bottle"),
    ("hammer:0", "wrap all five fingers around the handle of the hammer"),
    ("bottle:3", "hold the bottle around its body with all your fingers and your palm"),
)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="build a few objects, pose the hand beside them, write viewers and a PNG",
        description="Run the built-in demo: catalogue objects with a hand placed palm-first beside "
        "each, written as grasp JSON, offline HTML viewers and one PNG sheet.",
    )
    p.add_argument("--out", default="demo_out", help="output directory (created; default: demo_out)")
    p.add_argument("--objects", nargs="+", default=list(DEMO_OBJECTS), help="catalogue names (default: %(default)s)")
    p.add_argument("--model", help="model file or training directory (default: the shipped model, if any)")
    p.add_argument("-n", "--num", type=int, default=4, help="grasps per object with a model (default: 4)")
    p.set_defaults(run=run)


def palm_first_pose(hand, obj, direction: np.ndarray, clearance: float = 0.004) -> torch.Tensor:
    """A record vector that puts the palm facing ``obj`` from ``direction`` (unit, object frame), fingers
    wrapped around the vertical, with the palm surface ``clearance`` metres from the object."""
    import numpy as np
    import torch

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
    from dexgys.pipeline import DEFAULT_MODEL

    if args.model or Path(DEFAULT_MODEL).is_file():
        return run_generate(args)
    print(
        "no trained model is shipped yet: showing palm-first approach poses (not grasps); "
        "train one with `dexgys train`, or pass --model"
    )
    return run_poses(args)


def run_generate(args: argparse.Namespace) -> int:
    """Generated grasps for each built-in (object, instruction), viewers and a PNG sheet."""
    import torch
    from tqdm import tqdm

    from dexgys.errors import DexgysError
    from dexgys.hands import HandPose, load_hand
    from dexgys.pipeline import GraspGenerator
    from dexgys.viz.output import write_generation_views
    from dexgys.viz.render import contact_sheet, render_images, save_png, wrap_caption
    from dexgys.viz.scene import hand_scene, object_scene

    if args.num < 1:
        raise DexgysError(f"-n must be at least 1, got {args.num}")
    torch.set_num_threads(1)
    instructions = dict(DEMO_INSTRUCTIONS)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    generator = GraspGenerator.from_pretrained(args.model)
    hand = load_hand()
    tiles, captions = [], []
    for k, ref in enumerate(tqdm(args.objects, desc="demo objects", unit="obj")):
        category = ref.split(":")[0]
        sentence = instructions.get(ref, f"hold the {category.replace('_', ' ')} with all your fingers")
        result = generator.generate(ref, sentence, n=args.num, seed=k)
        stem = ref.replace(":", "_")
        result.save(out / f"{stem}.json", model=generator.source)
        write_generation_views(result, html=out / f"{stem}.html")
        pose = HandPose.from_record(torch.from_numpy(result.object_frame_records()[:1]), hand.n_dofs, hand.name)
        tiles.append(
            render_images(object_scene(result.object.object) + hand_scene([hand.meshes(pose)[0]]), size=(360, 360))[0]
        )
        captions.append(wrap_caption(f"{ref}: {sentence}"))
    save_png(contact_sheet(tiles, captions, columns=min(4, len(tiles)), caption_height=42), out / "demo.png")
    print(f"wrote {len(tiles)} grasp files ({args.num} generated grasps each) and HTML viewers, and {out / 'demo.png'}")
    return 0


def run_poses(args: argparse.Namespace) -> int:
    """Without a model: the hand placed palm-first beside each object (labelled as not a grasp)."""
    import numpy as np
    import torch
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
            {
                "cate_id": obj.category,
                "obj_id": obj.name,
                "action_id": "0002",
                "guidance": f"palm-first approach pose beside the {obj.category} (not a validated grasp)",
                "dex_grasp": v.tolist(),
            }
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
