"""Compare ways of choosing 8 grasps per condition from a candidate pool (``scripts/candidate_pool.py``).

Reads ``DIR/candidates.json`` and the evaluations ``DIR/eval-batch{j}.json`` of its candidate batches
(``dexgys eval``), and prints, per rule, success all 6 and any (%), valid Q1, mean penetration (cm) and
part contact (%) of the chosen grasps. The rules: the first 8 (``--oversample 1``); the residual energy
alone; :func:`dexgys.synthesis.polisher.selection_score` at several Q1 weights; the generator's screen (the 16
lowest residual energies at the polish's screen step go on, then the score with the default Q1
weight); and, as an upper bound that no generator can use, the simulator's own verdict. Each at 16
and 32 candidates and at all of them.

    python scripts/selection_rules.py runs/pool [--json runs/pool/rules.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from dexgys.synthesis.polisher import DEFAULT_Q1_WEIGHT, lowest, selection_score

METRICS = ("success_all6", "success_any", "valid_q1", "penetration_cm", "part_contact")


def load_pool(folder: Path) -> list[dict[str, np.ndarray]]:
    """Per condition: every candidate's residual, valid Q1 and evaluation fields, in draw order."""
    pool = json.loads((folder / "candidates.json").read_text())
    k = pool["oversample"]
    evals = []
    for j in range(k):
        grasps = json.loads((folder / f"eval-batch{j}.json").read_text())["grasps"]
        evals.append({(g["condition"], g["sample"]): g for g in grasps})
    rows = []
    for entry in pool["conditions"]:
        c = entry["condition"]
        graded = [evals[i // 8][(c, i % 8)] for i in range(8 * k)]
        row = {key: np.asarray(entry[key]) for key in ("residual", "valid_q1", "early_residual") if key in entry}
        for m in METRICS:
            row["eval_" + m] = np.array([np.nan if g[m] is None else float(g[m]) for g in graded])
        rows.append(row)
    return rows


def choose(score: np.ndarray, k: int) -> np.ndarray:
    """The 8 lowest of the first ``k`` scores, in draw order."""
    return lowest(score[:k], 8)


def screened(row: dict[str, np.ndarray], k: int, keep: int = 16) -> np.ndarray:
    """The generator's rule on the first ``k`` candidates: the ``keep`` lowest residual energies at the
    screen go on, the 8 best :func:`selection_score` of those come back, in draw order."""
    kept = lowest(row["early_residual"][:k], keep)
    return kept[choose(selection_score(row["residual"][kept], row["valid_q1"][kept], DEFAULT_Q1_WEIGHT), keep)]


def rules(q1_weights: tuple[float, ...], screen_step: int | None) -> dict[str, callable]:
    """Rule name -> ``pick(row, k)``: the indices of the 8 grasps it returns from the first ``k``."""
    out = {"residual": lambda r, k: choose(r["residual"], k)}
    for w in q1_weights:
        out[f"log(residual) - {w:g} valid Q1"] = lambda r, k, w=w: choose(
            selection_score(r["residual"], r["valid_q1"], w), k
        )
    if screen_step is not None:
        out[f"screen to 16 at step {screen_step}, then the default score"] = screened
    out["simulator (upper bound)"] = lambda r, k: choose(
        -r["eval_success_any"] - 0.01 * r["eval_success_all6"] + 1e-6 * r["residual"], k
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--q1-weights", default="2,5,10,20")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = load_pool(args.folder)
    total = len(rows[0]["residual"])
    table = []
    print(f"{len(rows)} conditions, {total} candidates each\n")
    print("| rule | candidates | success all 6 (%) | success any (%) | valid Q1 | pen. (cm) | part contact (%) |")
    print("|---|---|---|---|---|---|---|")
    print_row = "| {} | {} | {:.1f} | {:.1f} | {:.3f} | {:.3f} | {:.1f} |"
    first = {m: np.concatenate([r["eval_" + m][:8] for r in rows]) for m in METRICS}
    table.append({"rule": "first 8", "candidates": 8, **{m: float(np.nanmean(v)) for m, v in first.items()}})
    screen_step = json.loads((args.folder / "candidates.json").read_text()).get("screen_step")
    if "early_residual" not in rows[0]:
        screen_step = None
    for k in sorted({min(16, total), min(32, total), total}):
        for name, pick in rules(tuple(float(w) for w in args.q1_weights.split(",")), screen_step).items():
            if name.startswith("screen") and k <= 16:
                continue
            picked = {m: np.concatenate([r["eval_" + m][pick(r, k)] for r in rows]) for m in METRICS}
            table.append({"rule": name, "candidates": k, **{m: float(np.nanmean(v)) for m, v in picked.items()}})
    for t in table:
        print(
            print_row.format(
                t["rule"],
                t["candidates"],
                100 * t["success_all6"],
                100 * t["success_any"],
                t["valid_q1"],
                t["penetration_cm"],
                100 * t["part_contact"],
            )
        )
    if args.json:
        args.json.write_text(json.dumps(table, indent=1) + "\n")


if __name__ == "__main__":
    main()
