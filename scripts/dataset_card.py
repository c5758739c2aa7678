"""Write ``docs/dataset.md``: counts, quality distributions, sentence diversity and examples of a built dataset,
plus the two audits the dataset must pass: a physics re-run of random grasps and a check that every
finger-part contact the fine guidance states is one the grasp makes.

    python scripts/dataset_card.py DATA_DIR [--revalidate 200] [--audit 100] [--out docs/dataset.md]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from dexgys.atomic import atomic_write_text
from dexgys.data.builder import load_records
from dexgys.language import ContactFacts, intent_from_action_id, verify_sentence


def revalidate(records: list[dict], n: int, seed: int) -> tuple[int, int, list[str]]:
    """Re-run the physics test on ``n`` random records; returns (passed, tested, notes on failures)."""
    import torch

    from dexgys.hands import load_hand
    from dexgys.objects.catalogue import make_object
    from dexgys.sim import test_grasps

    rng = np.random.default_rng(seed)
    picks = rng.choice(len(records), size=min(n, len(records)), replace=False)
    by_object = defaultdict(list)
    for i in picks:
        by_object[records[i]["obj_id"]].append(records[i])
    hand = load_hand()
    passed, notes = 0, []
    for name, recs in sorted(by_object.items()):
        result = test_grasps(hand, make_object(name), torch.tensor([r["dex_grasp"] for r in recs], dtype=torch.float64))
        passed += int(result.success_all6.sum())
        for r, ok, held in zip(recs, result.success_all6, result.held):
            if not ok:
                notes.append(f"{name} ({r['guidance']}): held in {int(held.sum())}/6 directions")
    return passed, len(picks), notes


def audit_language(records: list[dict], n: int, seed: int) -> tuple[int, list[str]]:
    from dexgys.objects.catalogue import get_category

    rng = np.random.default_rng(seed + 1)
    problems = []
    picks = rng.choice(len(records), size=min(n, len(records)), replace=False)
    for i in picks:
        r = records[i]
        found = verify_sentence(r["guidance"], ContactFacts.from_dict(r["contacts"]), get_category(r["cate_id"]).parts,
                                category=r["cate_id"])
        problems += [f"{r['obj_id']}: {p} in {r['guidance']!r}" for p in found]
    return len(picks), problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--revalidate", type=int, default=200)
    parser.add_argument("--audit", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("docs/dataset.md"))
    args = parser.parse_args()
    train, test = load_records(args.data / "train.json.gz"), load_records(args.data / "test.json.gz")
    records = train + test
    info = json.loads((args.data / "dataset.json").read_text())
    objects = json.loads((args.data / "objects.json").read_text())["objects"]
    per = Counter((r["cate_id"], intent_from_action_id(r["action_id"])) for r in records)
    cats = sorted({c for c, _ in per})
    intents = ["use", "hold", "lift", "hand over"]
    q1 = np.array([r["quality"]["q1"] for r in records])
    pen = np.array([r["quality"]["max_penetration_cm"] for r in records])
    sentences = [r["guidance"] for r in records]
    words = np.array([len(s.split()) for s in sentences])
    passed, tested, failures = revalidate(records, args.revalidate, args.seed)
    audited, problems = audit_language(records, args.audit, args.seed)
    rng = np.random.default_rng(args.seed + 2)
    examples = [records[i] for i in rng.choice(len(records), size=min(20, len(records)), replace=False)]
    lines = [
        "# Dataset card: dexgys-built DexGYSNet-style data",
        "",
        f"Directory `{args.data}`: {len(objects)} objects in {len(cats)} categories, **{len(records)} validated grasps** "
        f"({len(train)} train / {len(test)} test; test objects are unseen, 20 % of each category). "
        f"Format version {info['format_version']}. Build settings: `{json.dumps(info['config'])}`.",
        "",
        "## Quality (every grasp passed all of these when it was built)",
        f"* physics: held in all six gravity directions (MuJoCo, protocol in `docs/` and `spec/evaluation.md`);",
        f"* Q1 ≥ 0.005: mean {q1.mean():.3f}, median {np.median(q1):.3f}, 10th–90th percentile {np.percentile(q1, 10):.3f}–{np.percentile(q1, 90):.3f};",
        f"* max penetration ≤ 0.5 cm: mean {pen.mean():.3f} cm, max {pen.max():.3f} cm.",
        f"* **Re-validation**: {passed}/{tested} random grasps ({100 * passed / max(tested, 1):.1f} %) pass the physics test again "
        f"(`python scripts/dataset_card.py {args.data}`)." + (" Failures: " + "; ".join(failures[:10]) if failures else ""),
        f"* **Language audit**: {audited} random records, {len(problems)} stated finger–part contacts the grasp does not make"
        + (": " + "; ".join(problems[:10]) if problems else "."),
        "",
        "## Language",
        f"* unique fine-guidance sentences: {len(set(sentences))} of {len(sentences)} ({100 * len(set(sentences)) / len(sentences):.1f} %);",
        f"* words per sentence: mean {words.mean():.1f}, min {words.min()}, max {words.max()};",
        f"* backends: {dict(Counter(r['guidance_backend'] for r in records))}.",
        "",
        "Examples:",
        "",
        *[f"{k + 1}. *{r['obj_id']}, {intent_from_action_id(r['action_id'])}*: {r['guidance']}  \n   (contacts: {r['contact_text']})"
          for k, r in enumerate(examples)],
        "",
        "## Grasps per category and intent",
        "",
        "| category | " + " | ".join(intents) + " | total |",
        "|---|" + "---|" * (len(intents) + 1),
        *[f"| {c} | " + " | ".join(str(per.get((c, i), "—")) for i in intents) + f" | {sum(per.get((c, i), 0) for i in intents)} |" for c in cats],
        "",
    ]
    atomic_write_text(args.out, "\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
