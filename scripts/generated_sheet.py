"""PNG sheet of generated grasps: 8 unseen test objects x 2 of their test instructions.

    python scripts/generated_sheet.py DATA_DIR OUT.png [--model MODEL] [--objects 8] [--samples 2] [--seed 0]

Each row is one test-split object (distinct categories, chosen at random with ``--seed``); its two
cells are two test instructions of that object with different intents. A cell shows the first
``--samples`` grasps the model draws (refined by QGC when the model has it), overlaid.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

from dexgys.data.builder import load_records
from dexgys.hands import HandPose, load_hand
from dexgys.pipeline import GraspGenerator
from dexgys.viz.render import contact_sheet, render_images, save_png, wrap_caption
from dexgys.viz.scene import hand_scene, object_scene


def pick_conditions(records: list[dict], n_objects: int, seed: int) -> list[tuple[str, list[str]]]:
    """``(object, [instruction, instruction])`` for ``n_objects`` objects of distinct categories,
    each with two instructions of different intents where the object has them."""
    by_object: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        by_object[r["obj_id"]][r["action_id"]].append(r["guidance"])
    rng = np.random.default_rng(seed)
    names = sorted(by_object)
    rng.shuffle(names)
    chosen, categories = [], set()
    for name in names:
        category = name.split(":")[0]
        intents = sorted(by_object[name])
        if category in categories or len(intents) < 2:
            continue
        first, second = rng.choice(len(intents), size=2, replace=False)
        texts = [by_object[name][intents[i]][rng.integers(len(by_object[name][intents[i]]))] for i in (first, second)]
        chosen.append((name, texts))
        categories.add(category)
        if len(chosen) == n_objects:
            break
    return chosen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--model", help="model file or training directory (default: the shipped model)")
    parser.add_argument("--objects", type=int, default=8)
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    records = load_records(args.data / "test.json.gz")
    generator = GraspGenerator.from_pretrained(args.model)
    hand = load_hand()
    tiles, captions = [], []
    for name, texts in pick_conditions(records, args.objects, args.seed):
        for text in texts:
            result = generator.generate(name, text, n=args.samples, seed=args.seed)
            poses = HandPose.from_record(torch.from_numpy(result.object_frame_records()), hand.n_dofs, hand.name)
            items = object_scene(result.object.object) + hand_scene(hand.meshes(poses))
            tiles.append(render_images(items, views=[(150.0, -30.0)], size=(360, 360))[0])
            captions.append(wrap_caption(f"{name}: {text}"))
    save_png(contact_sheet(tiles, captions, columns=4, caption_height=42), args.out)
    print(f"wrote {args.out} ({len(tiles)} cells)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
