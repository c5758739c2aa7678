"""How well instructions are read: the rule reader (``dexgys.language.reading``) and the shipped
model's finger-contact predictor against the labels of the instruction benchmark
(``data/instruction-benchmark/benchmark-v1.json``, written apart from the composer), of 15
instructions a reviewer wrote after the reader was tuned (``reviewer-v1.json``: outside the
benchmark's word lists, on which the reader's tables were built) and of the catalogue test split's
composer sentences.

    python scripts/reading_accuracy.py [--out docs/reading_accuracy.json]
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

import torch

from dexgys.atomic import atomic_write_text
from dexgys.data.builder import load_records
from dexgys.language.brief import intent_from_action_id
from dexgys.language.reading import read_instruction
from dexgys.models.finger_contacts import HAND_PARTS
from dexgys.objects.catalogue import get_category
from dexgys.pipeline import GraspGenerator

BENCHMARK = Path("data/instruction-benchmark/benchmark-v1.json")
REVIEWER = Path("data/instruction-benchmark/reviewer-v1.json")


def score(items: list[dict], generator: GraspGenerator) -> dict:
    """Per item: intent, fingers, touch and avoid parts right (exact sets) for the reader; fingers for the
    predictor. Confusion tables of the reader: intent (labelled -> read), each hand part (named or
    not, labelled -> read) and each of the object's parts (touch / avoid / none, labelled -> read)."""
    hits, per_finger, phenomena = Counter(), Counter(), {}
    intents, fingers, roles = Counter(), Counter(), Counter()
    for it in items:
        parts = get_category(it["category"]).parts
        r = read_instruction(it["text"], parts, it["category"])
        tokens, mask = generator.text_encoder.encode([it["text"]])
        named = generator.fingers.predict(tokens.to(torch.float16).float(), mask)[0].tolist()
        predicted = {p for p, on in zip(HAND_PARTS, named) if on}
        truth = set(it["fingers"])
        ok = {
            "intent": r.intent == it["intent"],
            "fingers": set(r.fingers) == truth,
            "touch": set(r.touch_parts) == set(it["touch_parts"]),
            "avoid": set(r.avoid_parts) == set(it["avoid_parts"]),
            "predictor_fingers": predicted == truth,
        }
        ok["all"] = ok["intent"] and ok["fingers"] and ok["touch"] and ok["avoid"]
        hits.update(k for k, v in ok.items() if v)
        for f in HAND_PARTS:
            per_finger[f] += (f in r.fingers) == (f in truth)
            fingers[(f, _named(f in truth), _named(f in r.fingers))] += 1
        intents[(str(it["intent"]), str(r.intent))] += 1
        for part in parts:
            roles[(_role(part, it["touch_parts"], it["avoid_parts"]), _role(part, r.touch_parts, r.avoid_parts))] += 1
        for tag in it.get("phenomena", []):
            phenomena.setdefault(tag, Counter()).update({"n": 1, "all": ok["all"]})
    n = len(items)
    return {
        "items": n,
        **{
            f"{k}_pct": 100.0 * hits[k] / n for k in ("intent", "fingers", "touch", "avoid", "all", "predictor_fingers")
        },
        "per_finger_pct": {f: 100.0 * per_finger[f] / n for f in HAND_PARTS},
        "all_right_by_phenomenon_pct": {t: 100.0 * c["all"] / c["n"] for t, c in sorted(phenomena.items())},
        "confusion": {
            "intent": _nested(intents),
            "parts": _nested(roles),
            "fingers": {f: _nested({(t, r): c for (g, t, r), c in fingers.items() if g == f}) for f in HAND_PARTS},
        },
    }


def _named(on: bool) -> str:
    return "named" if on else "not named"


def _role(part: str, touch, avoid) -> str:
    return "touch" if part in touch else "avoid" if part in avoid else "none"


def _nested(pairs: dict) -> dict:
    """``{(labelled, read): count}`` -> ``{labelled: {read: count}}``, sorted."""
    out: dict = {}
    for (truth, read), count in sorted(pairs.items()):
        out.setdefault(truth, {})[read] = count
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/reading_accuracy.json"))
    parser.add_argument("--composer", type=int, default=300, help="composer test sentences to score")
    args = parser.parse_args()
    torch.set_num_threads(1)
    generator = GraspGenerator.from_pretrained()
    bench = json.loads(BENCHMARK.read_text())["items"]
    records = random.Random(0).sample(load_records("data/dexgys-v1/test.json.gz"), args.composer)
    composer = [
        {
            "category": r["cate_id"],
            "text": r["guidance"],
            "intent": intent_from_action_id(r["action_id"]),
            "fingers": sorted(r["contacts"]),
            "touch_parts": sorted({p for ps in r["contacts"].values() for p in ps}),
            "avoid_parts": [],
        }
        for r in records
    ]
    reviewer = json.loads(REVIEWER.read_text())["items"]
    out = {
        "benchmark": score(bench, generator),
        "reviewer": score(reviewer, generator),
        "composer_test_sentences": score(composer, generator),
    }
    atomic_write_text(args.out, json.dumps(out, indent=1) + "\n")
    for name, s in out.items():
        print(
            f"{name} ({s['items']} items): reader intent {s['intent_pct']:.1f} %, fingers {s['fingers_pct']:.1f} %, "
            f"touch parts {s['touch_pct']:.1f} %, avoid parts {s['avoid_pct']:.1f} %, all right {s['all_pct']:.1f} %; "
            f"finger predictor fingers {s['predictor_fingers_pct']:.1f} %"
        )
    for truth, row in out["reviewer"]["confusion"]["parts"].items():
        print(f"reviewer, a part labelled {truth!r} read as: {row}")
    print(
        "benchmark, all right by phenomenon:",
        {k: round(v, 1) for k, v in out["benchmark"]["all_right_by_phenomenon_pct"].items()},
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
