"""PNG sheet of random dataset grasps with their fine guidance.

    python scripts/grasp_sheet.py DATA_DIR OUT.png [--n 16] [--seed 0]

Reads the merged ``train/test.json.gz`` when present, otherwise the unit files of a build in progress.
"""

from __future__ import annotations

import argparse
import glob
from pathlib import Path

import numpy as np
import torch

from dexgys.data.builder import load_records, read_json_gz
from dexgys.hands import HandPose, load_hand
from dexgys.objects.catalogue import make_object
from dexgys.viz.render import contact_sheet, render_images, save_png, wrap_caption
from dexgys.viz.scene import hand_scene, object_scene


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if (args.data / "train.json.gz").exists():
        records = load_records(args.data / "train.json.gz") + load_records(args.data / "test.json.gz")
    else:
        records = [
            r
            for f in sorted(glob.glob(str(args.data / "units" / "*.json.gz")))
            for r in read_json_gz(Path(f))["records"]
        ]
    picks = np.random.default_rng(args.seed).choice(len(records), size=min(args.n, len(records)), replace=False)
    hand = load_hand()
    tiles, captions = [], []
    for i in picks:
        r = records[i]
        pose = HandPose.from_record(torch.tensor(r["dex_grasp"]), hand.n_dofs, hand.name)
        items = object_scene(make_object(r["obj_id"])) + hand_scene(hand.meshes(pose))
        tiles.append(render_images(items, views=[(150.0, -30.0)], size=(320, 320))[0])
        captions.append(r["guidance"])
    wrapped = [wrap_caption(c, 48) for c in captions]
    sheet = contact_sheet(tiles, wrapped, columns=4, caption_height=42)
    save_png(sheet, args.out)
    print(f"wrote {args.out} ({len(tiles)} grasps)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
