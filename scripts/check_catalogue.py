"""Check every catalogue category over many seeds and write the table in ``docs/catalogue.md``.

For each category and seed 0..N-1: watertight, one connected body, every declared part has faces,
largest extent inside the declared size range, bounding-box centre at the origin. Also measures the
spread of shapes (volume and extents) and the build time.

    python scripts/check_catalogue.py [--seeds 20] [--out docs/catalogue.md] [--png docs/catalogue.png]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import trimesh
from tqdm import tqdm

from dexgys.atomic import atomic_write_text
from dexgys.objects.catalogue import categories, get_category, make_object


def sdf_agreement(obj, n: int = 2000, seed: int = 0) -> tuple[float, float]:
    """Against the mesh: fraction of random points with the same inside/outside, and the largest
    |distance| error (m) for points outside (inside, the union SDF is a documented bound)."""
    rng = np.random.default_rng(seed)
    lo, hi = obj.mesh.bounds
    pad = 0.15 * (hi - lo) + 0.005
    points = np.concatenate(
        [
            rng.uniform(lo - pad, hi + pad, (n // 2, 3)),
            obj.sample_surface(n // 2, seed).points + rng.normal(0, 0.004, (n // 2, 3)),
        ]
    )
    sdf = obj.sdf_numpy(points)
    inside = obj.mesh.contains(points)
    keep = np.abs(sdf) > 1e-3  # the mesh is a 1 mm chordal approximation: skip the band it cannot judge
    sign = float(((sdf < 0) == inside)[keep].mean())
    closest, distance, _ = trimesh.proximity.closest_point(obj.mesh, points[~inside])
    error = float(np.abs(sdf[~inside] - distance).max())
    return sign, error


def check(category: str, seed: int) -> dict:
    start = time.perf_counter()
    obj = make_object(category, seed)
    seconds = time.perf_counter() - start
    spec = get_category(category)
    counts = np.bincount(obj.face_labels, minlength=len(obj.part_names))
    largest = float(max(obj.extents))
    return {
        "watertight": obj.is_watertight,
        "connected": len(obj.mesh.split(only_watertight=False)) == 1,
        "parts": list(obj.part_names) == list(spec.parts) and bool((counts > 0).all()),
        "size_ok": spec.size_range[0] <= largest <= spec.size_range[1],
        "centred": bool(np.abs(obj.mesh.bounds.mean(0)).max() < 1e-9),
        "largest": largest,
        "volume": float(obj.mesh.volume),
        "seconds": seconds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path("docs/catalogue.md"))
    args = parser.parse_args()
    rows, failures = [], 0
    for name in tqdm(categories(), desc="categories", unit="cat"):
        results = [check(name, seed) for seed in range(args.seeds)]
        spec = get_category(name)
        sign, error = sdf_agreement(make_object(name, 0))
        flags = {k: sum(r[k] for r in results) for k in ("watertight", "connected", "parts", "size_ok", "centred")}
        failures += sum(args.seeds - v for v in flags.values())
        largest = np.array([r["largest"] for r in results]) * 100
        volume = np.array([r["volume"] for r in results]) * 1e6
        rows.append(
            f"| {name} | {', '.join(spec.parts)} | {100 * spec.size_range[0]:.0f}–{100 * spec.size_range[1]:.0f} "
            f"| {largest.min():.1f}–{largest.max():.1f} | {volume.min():.0f}–{volume.max():.0f} "
            f"| {flags['watertight']}/{args.seeds} | {flags['connected']}/{args.seeds} | {flags['parts']}/{args.seeds} "
            f"| {flags['size_ok']}/{args.seeds} | {100 * sign:.2f} | {1000 * error:.2f} | {np.mean([r['seconds'] for r in results]):.2f} |"
        )
    text = "\n".join(
        [
            "# The procedural object catalogue",
            "",
            f"{len(rows)} categories (OakInk names). Each row was measured over seeds 0–{args.seeds - 1} by",
            f"`python scripts/check_catalogue.py --seeds {args.seeds}`; failures in total: **{failures}**.",
            "Size = the largest bounding-box extent. Every object is centred at its bounding-box centre.",
            "SDF columns (seed 0): 2,000 random points (half uniform around the object, half within ~4 mm of",
            "its surface) compared with the object's own mesh: inside/outside against `mesh.contains` (points",
            "within 1 mm of the surface, where the 1 mm chordal mesh cannot judge, are skipped), distance",
            "against trimesh's exact closest point for points outside.",
            "",
            "![catalogue](catalogue.png)",
            "",
            "`dexgys objects sheet docs/catalogue.png --seeds 3` draws the sheet above.",
            "",
            "| category | parts | size range (cm) | sizes seen (cm) | volumes seen (cm³) | watertight | one body | all parts | size in range | SDF sign agrees (%) | SDF max error outside (mm) | build (s) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    atomic_write_text(args.out, text)
    print(text)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
