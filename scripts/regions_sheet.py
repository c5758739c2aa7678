"""PNG sheet of predicted contact regions: test objects x 2 of their instructions, points coloured by hand part.

    python scripts/regions_sheet.py DATA_DIR OUT.png [--model MODEL] [--objects 8] [--seed 0]

The objects and instructions are those of ``scripts/generated_sheet.py`` (same ``--seed``). Each cell
draws the object's cloud as the model sees it: a point is coloured by the hand part whose predicted
region holds it (where regions overlap, the smallest region wins, so a forefinger on a trigger shows
over the hand around the body), grey when no hand part should touch it. The legend is in the caption.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from dexgys.data.builder import load_records
from dexgys.models.finger_contacts import HAND_PARTS
from dexgys.objects.inputs import load_object_input
from dexgys.pipeline import GraspGenerator
from dexgys.viz.render import contact_sheet, render_images, save_png, wrap_caption
from dexgys.viz.scene import point_cubes

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generated_sheet import pick_conditions  # noqa: E402

HAND_PART_COLORS = {
    "thumb": (0.84, 0.15, 0.16),
    "forefinger": (0.12, 0.47, 0.71),
    "middle": (0.17, 0.63, 0.17),
    "ring": (0.58, 0.40, 0.74),
    "little": (1.00, 0.50, 0.05),
    "palm": (0.55, 0.34, 0.29),
}
NO_REGION = (0.82, 0.82, 0.82)


def region_items(points: np.ndarray, regions: np.ndarray) -> list:
    """Cubes per hand part (``regions`` ``(N, 6)`` bool; the smallest region wins a shared point) and grey."""
    owner = np.full(len(points), -1)
    for f in np.argsort(-regions.sum(0), kind="stable"):  # largest first, so smaller ones overwrite
        owner[regions[:, f]] = f
    items = [point_cubes(points[owner == -1], NO_REGION, "no region", size=0.003)] if (owner == -1).any() else []
    for f, part in enumerate(HAND_PARTS):
        if (owner == f).any():
            items.append(point_cubes(points[owner == f], HAND_PART_COLORS[part], part, size=0.003))
    return items


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--model", help="model file or training directory (default: the shipped model)")
    parser.add_argument("--objects", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    generator = GraspGenerator.from_pretrained(args.model)
    if generator.regions is None:
        print(f"error: {generator.source} has no contact-region predictor", file=sys.stderr)
        return 2
    tiles, captions = [], []
    for name, texts in pick_conditions(load_records(args.data / "test.json.gz"), args.objects, args.seed):
        obj = load_object_input(name, n_points=generator.object_points, seed=0)
        for text in texts:
            tokens, mask = generator.text_encoder.encode([text])
            regions = generator.regions.regions(
                torch.from_numpy(obj.points)[None], tokens.to(torch.float16).float(), mask
            )[0].numpy()
            tiles.append(render_images(region_items(obj.points, regions), views=[(150.0, -30.0)], size=(360, 360))[0])
            shown = [p for p in HAND_PARTS if regions[:, HAND_PARTS.index(p)].any()]
            captions.append(wrap_caption(f"{name}: {text}") + "\n" + ", ".join(shown))
    legend = "colours: " + ", ".join(
        f"{p} {c}"
        for p, c in (
            ("thumb", "red"),
            ("forefinger", "blue"),
            ("middle", "green"),
            ("ring", "purple"),
            ("little", "orange"),
            ("palm", "brown"),
        )
    )
    save_png(contact_sheet(tiles, captions, columns=4, caption_height=56), args.out)
    print(f"wrote {args.out} ({len(tiles)} cells); {legend}, grey: no hand part")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
