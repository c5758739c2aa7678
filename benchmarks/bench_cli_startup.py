"""How fast the ``dexgys`` command answers before doing any work: ``--version``, ``--help``,
``objects list`` and an argument error, each the median of ``--repeat`` fresh processes.

Prints a table and writes ``benchmarks/results/cli_startup.json``. Run:
``python benchmarks/bench_cli_startup.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from results_io import machine, write_results  # benchmarks/ is the script's folder

RESULTS = Path(__file__).resolve().parent / "results" / "cli_startup.json"
COMMANDS = (["--version"], ["--help"], ["objects", "list"], ["generate"], ["sim", "missing.json"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    exe = shutil.which("dexgys") or str(Path(sys.executable).with_name("dexgys"))
    rows = []
    for command in COMMANDS:
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            subprocess.run([exe, *command], capture_output=True, check=False)
            times.append(time.perf_counter() - t)
        rows.append({"command": " ".join(command), "median_s": statistics.median(times), "max_s": max(times)})
        print(f"dexgys {' '.join(command):<20} {rows[-1]['median_s']:.2f} s (max {rows[-1]['max_s']:.2f} s)")
    payload = {"benchmark": "cli_startup", "machine": machine(), "repeat": args.repeat, "rows": rows}
    write_results(args.out, payload)


if __name__ == "__main__":
    main()
