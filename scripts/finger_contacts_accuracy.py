"""How well a model's finger-contact predictor reads the test sentences: a Markdown table and a JSON file.

For every record of a split it compares the hand parts the predictor says the sentence puts on the
object with (a) the record's own contacts (what the predictor was trained to predict) and (b) the
contacts the sentence states, read by the dataset's language checker (recall only: a sentence may
leave contacts unsaid).

    python scripts/finger_contacts_accuracy.py --model src/dexgys/pretrained/dexgys-cpu.pt \
        --data data/dexgys-v1 --out runs/fingers-accuracy.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np
import torch

from dexgys.atomic import atomic_write_text
from dexgys.errors import DexgysError
from dexgys.evaluation.report import load_split, resolve_split
from dexgys.language.contacts import ContactFacts
from dexgys.language.verify import verify_sentence
from dexgys.language.words import FINGER_WORDS
from dexgys.models.finger_contacts import HAND_PARTS
from dexgys.objects.catalogue import get_category
from dexgys.pipeline import GraspGenerator
from dexgys.training import finger_labels

_CLAIM = re.compile(r"claims (.+) touches ")


def stated_parts(sentence: str, category: str) -> np.ndarray:
    """``(6,)`` bool: the hand parts the sentence says touch some part (the language checker's claims)."""
    names = {word: part for part, word in FINGER_WORDS.items()}
    out = np.zeros(len(HAND_PARTS), dtype=bool)
    for claim in verify_sentence(sentence, ContactFacts(), get_category(category).parts, category=category):
        m = _CLAIM.match(claim)
        if m and "is free" not in claim:
            out[HAND_PARTS.index(names[m.group(1)])] = True
    return out


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
        if generator.fingers is None:
            raise DexgysError(f"{generator.source} has no finger-contact predictor")
        records = load_split(resolve_split(args.data))
        predicted = []
        for i in range(0, len(records), 256):
            tokens, mask = generator.text_encoder.encode([r["guidance"] for r in records[i : i + 256]])
            predicted.append(generator.fingers.predict(tokens.to(torch.float16).float(), mask).numpy())
        p = np.concatenate(predicted)
        truth = finger_labels(records) > 0.5
        stated = np.stack([stated_parts(r["guidance"], r["cate_id"]) for r in records])
    except DexgysError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = {
        "model": str(generator.source),
        "split": str(resolve_split(args.data)),
        "records": len(records),
        "accuracy_pct": {part: 100.0 * float((p[:, k] == truth[:, k]).mean()) for k, part in enumerate(HAND_PARTS)},
        "exact_set_pct": 100.0 * float((p == truth).all(1).mean()),
        "stated_recall_pct": 100.0 * float((p & stated).sum() / max(stated.sum(), 1)),
        "stated_contacts": int(stated.sum()),
        "predicted_contacts": int(p.sum()),
        "true_contacts": int(truth.sum()),
    }
    print("| | " + " | ".join(HAND_PARTS) + " | all six right |")
    print("|---|" + "---|" * (len(HAND_PARTS) + 1))
    print(
        "| accuracy against the record's contacts (%) | "
        + " | ".join(f"{result['accuracy_pct'][part]:.1f}" for part in HAND_PARTS)
        + f" | {result['exact_set_pct']:.1f} |"
    )
    print(
        f"\n{result['records']} sentences; of the {result['stated_contacts']} contacts the sentences "
        f"state, the predictor finds {result['stated_recall_pct']:.2f} %."
    )
    if args.out:
        atomic_write_text(Path(args.out), json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
