"""Hand-model speed: kinematics, surface points, signed distance, forward and forward+backward.

Prints a table and writes ``benchmarks/results/hand.json``. Run: ``python benchmarks/bench_hand.py``
(``--device cuda`` on a GPU machine, ``--repeats N``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch

from dexgys.hands import HandModel, hand_files, load_hand

RESULTS = Path(__file__).resolve().parent / "results" / "hand.json"


def timed(fn, repeats: int, device: torch.device) -> float:
    """Best wall time of ``fn()`` over ``repeats`` calls, in seconds, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times)


def random_records(hand: HandModel, batch: int, device: torch.device) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    lower, upper = hand.joint_lower.cpu(), hand.joint_upper.cpu()
    q = lower + torch.rand(batch, hand.n_dofs, generator=g) * (upper - lower)
    rec = torch.cat([0.1 * torch.randn(batch, 3, generator=g), torch.randn(batch, 3, generator=g), q], dim=1)
    return rec.to(device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)

    build_s = timed(lambda: HandModel.from_mjcf(*hand_files("shadow")), args.repeats, torch.device("cpu"))
    hand = load_hand("shadow", device=device)
    rows = []

    def case(name: str, fn, count: int, unit: str) -> None:
        seconds = timed(fn, args.repeats, device)
        rows.append({"case": name, "seconds": seconds, "per_second": count / seconds, "unit": unit})

    def grad_case(name, fn, inputs, count, unit):
        def run():
            for x in inputs:
                x.grad = None
            fn().sum().backward()

        case(name, run, count, unit)

    rows.append(
        {"case": "build HandModel (1,024 points)", "seconds": build_s, "per_second": 1 / build_s, "unit": "models"}
    )

    for batch in (1024,):
        rec = random_records(hand, batch, device)
        with torch.no_grad():
            case(f"FK, {batch} poses", lambda: hand.forward_kinematics(rec), batch, "poses")
            case(f"FK + surface points (1,024), {batch} poses", lambda: hand.surface_points(rec), batch, "poses")
            case(f"self-penetration, {batch} poses", lambda: hand.self_penetration(rec), batch, "poses")
        rec_g = rec.clone().requires_grad_()
        name = f"FK + surface points fwd+bwd, {batch} poses"
        grad_case(name, lambda: hand.surface_points(rec_g), [rec_g], batch, "poses")

    for batch, n_points in ((1024, 2048), (256, 1024)):
        rec = random_records(hand, batch, device)
        with torch.no_grad():
            points = hand.surface_points(rec)[:, torch.arange(n_points) % 1024]
            points = points + 0.01 * torch.randn(points.shape, generator=torch.Generator().manual_seed(1)).to(device)
        count = batch * n_points
        with torch.no_grad():
            name = f"hand SDF, {batch} poses x {n_points} points"
            case(name, lambda: hand.signed_distance(rec, points), count, "pose-points")
        rec_g, pts_g = rec.clone().requires_grad_(), points.clone().requires_grad_()
        grad_case(
            f"hand SDF fwd+bwd, {batch} poses x {n_points} points",
            lambda: hand.signed_distance(rec_g, pts_g),
            [rec_g, pts_g],
            count,
            "pose-points",
        )

    width = max(len(r["case"]) for r in rows)
    print(f"{'case':<{width}}  {'ms':>9}  {'per second':>14}  unit")
    for r in rows:
        print(f"{r['case']:<{width}}  {1e3 * r['seconds']:9.2f}  {r['per_second']:14,.0f}  {r['unit']}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "device": str(device),
        "machine": platform.processor() or platform.machine(),
        "repeats": args.repeats,
        "timing": "best of repeats, after one warm-up call",
        "load_average_1min": os.getloadavg()[0],
        "geoms": len(hand.geom_primitives),
        "links": len(hand.link_names),
    }
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"meta": meta, "results": rows}, indent=1) + "\n")
    tmp.replace(RESULTS)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
