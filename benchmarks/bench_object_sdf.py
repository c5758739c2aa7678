"""Object signed-distance throughput: points per second for each kind of object.

Each row of :data:`CASES` builds one object; every object is queried with the same number of float32
points (half uniform in its padded bounding box, half within ~5 mm of its surface), without gradient
and with forward + backward. Prints a table and writes ``benchmarks/results/object_sdf.json``.

    python benchmarks/bench_object_sdf.py [--points 100000] [--repeats 5]

To add an object kind, add a ``name -> builder`` entry to ``CASES``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import trimesh

from dexgys.atomic import atomic_write_text
from dexgys.objects.grasp_object import GraspObject
from dexgys.objects.mesh_object import mesh_object_from_arrays


def _mesh_torus() -> GraspObject:
    mesh = trimesh.creation.torus(major_radius=0.05, minor_radius=0.015, major_sections=80, minor_sections=32)
    return mesh_object_from_arrays(mesh.vertices, mesh.faces, name="torus")


def _catalogue(name: str) -> Callable[[], GraspObject]:
    from dexgys.objects.catalogue import make_object

    return lambda: make_object(name)


CASES: dict[str, Callable[[], GraspObject]] = {
    "mesh (torus, 5,120 faces)": _mesh_torus,
    "primitives (catalogue mug:0)": _catalogue("mug:0"),
    "primitives (catalogue trigger_sprayer:0)": _catalogue("trigger_sprayer:0"),
}


def _queries(obj: GraspObject, n: int, seed: int = 0) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    lo, hi = obj.mesh.bounds
    pad = 0.2 * (hi - lo)
    uniform = rng.uniform(lo - pad, hi + pad, (n - n // 2, 3))
    near = obj.sample_surface(n // 2, seed=seed).points + rng.normal(0.0, 0.005, (n // 2, 3))
    return torch.tensor(np.concatenate([uniform, near]), dtype=torch.float32)


def _timings(fn: Callable[[], None], repeats: int) -> tuple[float, float]:
    """(best, median) wall time of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def bench(name: str, build: Callable[[], GraspObject], n: int, repeats: int) -> dict:
    start = time.perf_counter()
    obj = build()
    build_s = time.perf_counter() - start
    points = _queries(obj, n)

    def forward():
        with torch.no_grad():
            obj.sdf(points)

    def forward_backward():
        p = points.clone().requires_grad_(True)
        obj.sdf(p).sum().backward()

    fwd_best, fwd_median = _timings(forward, repeats)
    fb_best, fb_median = _timings(forward_backward, repeats)
    return {
        "object": name,
        "class": type(obj).__name__,
        "n_faces": int(len(obj.mesh.faces)),
        "n_points": n,
        "build_s": round(build_s, 4),
        "forward_s": round(fwd_best, 4),
        "forward_median_s": round(fwd_median, 4),
        "forward_points_per_s": round(n / fwd_best),
        "forward_backward_s": round(fb_best, 4),
        "forward_backward_median_s": round(fb_median, 4),
        "forward_backward_points_per_s": round(n / fb_best),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "object_sdf.json")
    args = parser.parse_args()

    rows = [bench(name, build, args.points, args.repeats) for name, build in CASES.items()]
    header = f"{'object':32s} {'faces':>7s} {'fwd s':>8s} {'fwd pts/s':>11s} {'fwd+bwd s':>10s} {'fwd+bwd pts/s':>14s}"
    print(
        f"object SDF, {args.points:,} float32 points, best of {args.repeats}, torch threads {torch.get_num_threads()}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['object']:32s} {r['n_faces']:7d} {r['forward_s']:8.3f} {r['forward_points_per_s']:11,d} "
            f"{r['forward_backward_s']:10.3f} {r['forward_backward_points_per_s']:14,d}"
        )
    report = {
        "benchmark": "object_sdf",
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
        },
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out, json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
