"""Write the real-mesh evaluation conditions: ``data/real-mesh-v1/test.json.gz``.

For every object of the real-mesh set (``dexgys objects list --real``) whose category is in the
catalogue, and every intent the category supports, up to ``--per-intent`` (default 2) instructions
drawn (seeded) from the catalogue dataset's sentences of that (category, intent) whose named parts
the real object has (a mouse without labelled buttons gets no "press the button" sentence). The
other objects (and those no catalogue sentence fits) get two plain instructions (hold with the
whole hand; lift with three fingers). Each
record is a condition without a reference grasp: ``cate_id``, ``obj_id`` (``real:<name>``),
``action_id``, ``guidance``, ``contacts`` (the finger -> parts the sentence states), ``source``.

    python scripts/real_mesh_conditions.py [--data data/dexgys-v1] [--out data/real-mesh-v1] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from dexgys.atomic import atomic_write_text
from dexgys.data.builder import load_records, write_json_gz
from dexgys.language.brief import action_id_from_intent, intent_from_action_id
from dexgys.objects.catalogue import categories
from dexgys.objects.real_meshes import REAL_OBJECTS, load_real_object

PLAIN = (  # (intent, sentence, hand parts on the object) for objects outside the catalogue
    (
        "hold",
        "Hold the {thing} with all five fingers and your palm.",
        ("thumb", "forefinger", "middle", "ring", "little", "palm"),
    ),
    ("lift", "Pick up the {thing} with your thumb, forefinger and middle finger.", ("thumb", "forefinger", "middle")),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/dexgys-v1", help="catalogue dataset whose sentences are drawn")
    parser.add_argument("--out", default="data/real-mesh-v1")
    parser.add_argument("--per-intent", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    pool: dict[tuple[str, str], list[dict]] = {}
    for split in ("train", "test"):
        for r in load_records(Path(args.data) / f"{split}.json.gz"):
            pool.setdefault((r["cate_id"], intent_from_action_id(r["action_id"])), []).append(r)
    known = set(categories())
    rng = random.Random(args.seed)
    records = []
    for name, spec in REAL_OBJECTS.items():
        obj = load_real_object(f"real:{name}")
        head = {"cate_id": spec.category, "obj_id": obj.name}
        drawn = []
        for (category, intent), candidates in sorted(pool.items()):
            if category != spec.category:
                continue
            fits = sorted(
                {
                    r["guidance"]: r
                    for r in candidates
                    if all(set(ps) <= set(obj.part_names) for ps in r["contacts"].values())
                }.values(),
                key=lambda r: r["guidance"],
            )
            for r in rng.sample(fits, min(args.per_intent, len(fits))):
                drawn.append(
                    {
                        **head,
                        "action_id": r["action_id"],
                        "guidance": r["guidance"],
                        "contacts": r["contacts"],
                        "source": f"{args.data}:{r['obj_id']}",
                    }
                )
        if not drawn:  # outside the catalogue, or no catalogue sentence names only parts this mesh has
            thing = name if spec.category in known else spec.category.replace("toy_", "toy ").replace("_", " ")
            part = obj.part_names[0]
            drawn = [
                {
                    **head,
                    "action_id": action_id_from_intent(intent),
                    "guidance": sentence.format(thing=thing),
                    "contacts": {h: [part] for h in hands},
                    "source": "template",
                }
                for intent, sentence, hands in PLAIN
            ]
        records.extend(drawn)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_json_gz(out / "test.json.gz", records)
    summary = {
        "format_version": 1,
        "conditions": len(records),
        "objects": len(REAL_OBJECTS),
        "categories": len({r["cate_id"] for r in records}),
        "seed": args.seed,
        "sentences_from": args.data,
        "note": "conditions without reference grasps: CD and Con. are not computed (scripts/real_mesh_conditions.py)",
    }
    atomic_write_text(out / "dataset.json", json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
