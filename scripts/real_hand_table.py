"""Collect the evaluations written by scripts/eval_real_hands.sh into one table (Markdown on stdout) and
a JSON summary; with a third argument, also every evaluation's per-(category, intent) cells as Markdown.

    python scripts/real_hand_table.py out/s17 docs/real_hand_results.json
    python scripts/real_hand_table.py out/s18 docs/real_mesh_results.json docs/real_mesh_cells.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

KEYS = (
    "success_all6_pct",
    "success_any_pct",
    "mean_max_penetration_cm",
    "failed_precheck",
    "mean_valid_q1",
    "part_contact_accuracy_pct",
    "delta_r_deg",
    "n_grasps",
    "n_conditions",
)


def main() -> None:
    folder, out = Path(sys.argv[1]), Path(sys.argv[2])
    rows = []
    for path in sorted(folder.glob("eval-*.json")):
        d = json.loads(path.read_text())
        m = d["metrics"]
        rows.append(
            {
                "run": path.stem.removeprefix("eval-"),
                "predictions": d["predictions"],
                "hand": d["hand"],
                "protocol": d["sim_protocol"],
                "friction": d["constants"]["physics"].get(
                    "object_friction_sliding_torsional_rolling", d["constants"]["physics"].get("object_friction")
                ),
                **{k: m[k] for k in KEYS},
            }
        )
    out.write_text(json.dumps({"rows": rows}, indent=1) + "\n")
    if len(sys.argv) > 3:
        write_cells(folder, Path(sys.argv[3]))
    print(
        "| predictions | hand | protocol | all 6 (%) | any (%) | pen. (mm) | pre-check fails | valid Q1 | part contact (%) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {Path(r['predictions']).name} | {r['hand']} | {r['protocol']} | {r['success_all6_pct']:.1f} | "
            f"{r['success_any_pct']:.1f} | {10 * r['mean_max_penetration_cm']:.2f} | {r['failed_precheck']} | "
            f"{r['mean_valid_q1']:.3f} | {r['part_contact_accuracy_pct']:.1f} |"
        )


def write_cells(folder: Path, path: Path) -> None:
    """Every evaluation's cells (dexgys eval's per-(category, intent) table), one section per run."""
    from dexgys.evaluation.report import cells_table

    lines = [
        f"# Per (category, intent): `{folder}`",
        "",
        f"Written by `python scripts/real_hand_table.py {' '.join(sys.argv[1:])}` from `dexgys eval` runs "
        "(commands: `docs/results.md`).",
        "",
    ]
    for p in sorted(folder.glob("eval-*.json")):
        d = json.loads(p.read_text())
        lines += [
            f"## {Path(d['predictions']).name}: hand {d['hand']}, protocol {d['sim_protocol']}, "
            f"data {d['dataset']['path']}",
            "",
            *cells_table(d["metrics"]["cells"]),
            "",
        ]
    path.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
