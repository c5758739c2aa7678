"""One Markdown table from several ``dexgys eval --out`` JSON files (e.g. IDGC only vs IDGC + QGC),
with the paper's row beside them (context only) and the held-per-direction rates under it.

    python scripts/results_table.py "IDGC only=runs/eval-idgc.json" "IDGC + QGC=runs/eval-qgc.json"
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dexgys.evaluation.report import results_table
from dexgys.sim import DIRECTION_NAMES


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", metavar="LABEL=JSON")
    args = parser.parse_args()
    runs = []
    for item in args.runs:
        label, _, path = item.partition("=")
        if not path:
            parser.error(f"expected LABEL=JSON, got {item!r}")
        runs.append((label, json.loads(Path(path).read_text())))
    lines = results_table([(label, result["metrics"]) for label, result in runs])
    lines += [
        "",
        "| held per gravity direction (%) | " + " | ".join(DIRECTION_NAMES) + " | failed 5 mm pre-check |",
        "|---|" + "---|" * (len(DIRECTION_NAMES) + 1),
    ]
    for label, result in runs:
        m = result["metrics"]
        if m["physics"]:
            lines.append(
                f"| {label} | "
                + " | ".join(f"{m[f'held_{n}_pct']:.1f}" for n in DIRECTION_NAMES)
                + f" | {m['failed_precheck']} |"
            )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
