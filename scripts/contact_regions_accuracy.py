"""How well a model's contact-region predictor finds the parts each hand part touches: a table and a JSON file.

For every record of a split (unseen objects for the test split) it predicts, from the object's cloud
and the sentence alone, the points each hand part should touch, and compares them with the record's
own contacts as point labels (every point on a part the record's grasp touches with that hand part;
the predictor's training target). Per hand part, over the records whose grasp touches with it:

* **IoU**: intersection over union of the predicted and the labelled points;
* **top part right**: the part that holds most of the predicted points is one the grasp touches;
* **empty**: no point predicted.

    python scripts/contact_regions_accuracy.py --model src/dexgys/pretrained/dexgys-cpu.pt \
        --data data/dexgys-v1 --out runs/regions-accuracy.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from dexgys.atomic import atomic_write_text
from dexgys.errors import DexgysError
from dexgys.evaluation.report import load_split, resolve_split
from dexgys.models.finger_contacts import HAND_PARTS
from dexgys.objects.inputs import load_object_input
from dexgys.pipeline import GraspGenerator


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="model file (default: the shipped model)")
    parser.add_argument(
        "--data", required=True, metavar="DIR|FILE", help="dataset directory (its test split) or a split file"
    )
    parser.add_argument("--out", metavar="JSON", help="write the numbers here")
    args = parser.parse_args()
    try:
        torch.set_num_threads(1)
        generator = GraspGenerator.from_pretrained(args.model)
        if generator.regions is None:
            raise DexgysError(f"{generator.source} has no contact-region predictor")
        records = load_split(resolve_split(args.data))
        iou, top, empty = ({p: [] for p in HAND_PARTS} for _ in range(3))
        objects = {}
        for r in tqdm(records, desc="records", unit="rec"):
            if r["obj_id"] not in objects:
                objects[r["obj_id"]] = load_object_input(r["obj_id"], n_points=generator.object_points, seed=0)
            obj = objects[r["obj_id"]]
            if obj.parts is None:
                raise DexgysError(f"object {r['obj_id']!r} has no part labels")
            names = np.asarray(obj.object.part_names)[obj.parts]
            tokens, mask = generator.text_encoder.encode([r["guidance"]])
            regions = generator.regions.regions(
                torch.from_numpy(obj.points)[None], tokens.to(torch.float16).float(), mask
            )[0].numpy()
            for f, part in enumerate(HAND_PARTS):
                wanted = r["contacts"].get(part, [])
                if not wanted:
                    continue
                truth, pred = np.isin(names, wanted), regions[:, f]
                iou[part].append(float((truth & pred).sum() / max((truth | pred).sum(), 1)))
                empty[part].append(not pred.any())
                if pred.any():
                    labels, counts = np.unique(names[pred], return_counts=True)
                    top[part].append(bool(labels[np.argmax(counts)] in wanted))
                else:
                    top[part].append(False)
    except DexgysError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    pct = lambda v: 100.0 * float(np.mean(v)) if v else None  # noqa: E731
    result = {
        "model": str(generator.source),
        "split": str(resolve_split(args.data)),
        "records": len(records),
        "objects": len(objects),
        "iou_pct": {p: pct(iou[p]) for p in HAND_PARTS},
        "top_part_right_pct": {p: pct(top[p]) for p in HAND_PARTS},
        "empty_pct": {p: pct(empty[p]) for p in HAND_PARTS},
        "touching": {p: len(iou[p]) for p in HAND_PARTS},
        "mean_iou_pct": pct(sum(iou.values(), [])),
        "mean_top_part_right_pct": pct(sum(top.values(), [])),
    }
    print("| | " + " | ".join(HAND_PARTS) + " | all |")
    print("|---|" + "---|" * (len(HAND_PARTS) + 1))
    for label, key, mean in (
        ("IoU (%)", "iou_pct", "mean_iou_pct"),
        ("top part right (%)", "top_part_right_pct", "mean_top_part_right_pct"),
    ):
        print(f"| {label} | " + " | ".join(f"{result[key][p]:.1f}" for p in HAND_PARTS) + f" | {result[mean]:.1f} |")
    print("| no point predicted (%) | " + " | ".join(f"{result['empty_pct'][p]:.1f}" for p in HAND_PARTS) + " | |")
    print(f"\n{len(records)} records of {len(objects)} objects.")
    if args.out:
        atomic_write_text(Path(args.out), json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
