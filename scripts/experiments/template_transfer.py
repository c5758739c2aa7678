"""How far training grasps carry to unseen objects of their category, for the tool-use cells the model misses.

For each (category, intent) cell given, on every test-split object of ``data/dexgys-v1``: the shipped
generator's 8 grasps for one of the cell's own training sentences, against every 4th training grasp of
the cell (from the training objects) placed unchanged on the test object (catalogue objects of a
category share a canonical frame) and polished (the generator's polish, capsule hand). Reports the
share whose key finger roles of the intent (``synthesis.contacts.key_roles``) all hold, contacts
within 5 mm. An experiment, not part of the package (``docs/experiments/session-19.md``).

    python scripts/experiments/template_transfer.py [--cells trigger_sprayer/use power_drill/use ...]
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import numpy as np
import torch

from dexgys.geometry.object_field import ObjectField
from dexgys.hands import load_hand
from dexgys.language.brief import action_id_from_intent
from dexgys.objects.catalogue import make_object
from dexgys.pipeline import GraspGenerator
from dexgys.synthesis.contacts import contact_facts, key_roles
from dexgys.synthesis.intents import get_intent_spec
from dexgys.synthesis.polisher import polish_records

DATA = Path("data/dexgys-v1")


def roles_held(hand, obj, records, roles: dict[str, str]) -> int:
    facts = contact_facts(hand, obj, torch.as_tensor(np.asarray(records), dtype=torch.float32))
    return sum(all(f.touches(finger, part) for finger, part in roles.items()) for f in facts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cells",
        nargs="+",
        default=["trigger_sprayer/use", "power_drill/use", "flashlight/use", "bottle/use", "phone/use"],
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    train = json.loads(gzip.open(DATA / "train.json.gz").read())
    train = train["records"] if isinstance(train, dict) else train
    objects = json.loads((DATA / "objects.json").read_text())["objects"]
    generator, hand = GraspGenerator.from_pretrained(), load_hand("shadow")
    for cell in args.cells:
        category, intent = cell.split("/")
        roles = key_roles(get_intent_spec(category, intent))
        action = action_id_from_intent(intent)
        rows = [r for r in train if r["cate_id"] == category and r["action_id"] == action]
        pool = np.array([r["dex_grasp"] for r in rows])[::4]
        sentence = rows[0]["guidance"]
        generated = transferred = n_gen = n_tr = 0
        for o in objects:
            if o["split"] != "test" or o["category"] != category:
                continue
            obj = make_object(o["name"])
            result = generator.generate(o["name"], sentence, n=8, seed=0)
            generated += roles_held(hand, obj, result.object_frame_records(), roles)
            n_gen += 8
            polished, _ = polish_records(hand, ObjectField.build(obj, parts=False), pool)
            transferred += roles_held(hand, obj, polished, roles)
            n_tr += len(pool)
        print(
            f"{cell}: key roles {roles}; generated {100 * generated / max(1, n_gen):.1f} % of {n_gen}, "
            f"training grasps transferred and polished {100 * transferred / max(1, n_tr):.1f} % of {n_tr}",
            flush=True,
        )


if __name__ == "__main__":
    main()
