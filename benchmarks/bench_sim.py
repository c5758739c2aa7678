"""Sim-layer speed: MuJoCo grasp test (1 process and N workers), Q1, penetration, scene build, and
the time per grasp of every named physics protocol (:mod:`dexgys.sim.protocols`).

Grasps: a power grasp on a 13 cm capsule bar (fingers closed until contact), plus copies with its
palm and joints perturbed (seeded), so that some hold, some fail early and some fail the penetration
pre-check - the mix a generator's output has. The protocol rows time the holding grasp alone (every
direction runs to the end) and the mixed set, with the capsule Shadow Hand, one process. Prints a
table and writes ``benchmarks/results/sim.json``.
Run: ``python benchmarks/bench_sim.py [--grasps 64] [--workers 2] [--protocols dexgys dexgraspbench]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from pathlib import Path

import mujoco
import numpy as np
import torch

RESULTS = Path(__file__).resolve().parent / "results" / "sim.json"


def make_grasps(
    hand, obj, n: int, seed: int = 0, radius: float = 0.025, palm_gap: float = 0.001, gap: float = 0.001
) -> torch.Tensor:
    """A power grasp of a bar of ``radius`` (palm ``palm_gap`` from it, fingers closed to ``gap``),
    then ``n - 1`` seeded perturbations of it."""
    from dexgys.sim.closing import close_fingers

    centre = np.array([0.01, -(0.0111 + radius + palm_gap), 0.085])
    rec = torch.zeros(6 + hand.n_dofs, dtype=torch.float64)
    rec[:3] = torch.from_numpy(-centre)
    rec[6 + hand.joint_names.index("THJ4")] = 0.6
    base = close_fingers(hand, obj, rec, gap=gap)
    g = torch.Generator().manual_seed(seed)
    recs = base.expand(n, -1).clone()
    recs[1:, :3] += 0.003 * torch.randn(n - 1, 3, generator=g, dtype=torch.float64)
    recs[1:, 3:6] += 0.05 * torch.randn(n - 1, 3, generator=g, dtype=torch.float64)
    recs[1:, 6:] += 0.05 * torch.randn(n - 1, hand.n_dofs, generator=g, dtype=torch.float64)
    return recs


def timed(fn, repeats: int) -> tuple[float, object]:
    """Best wall time over ``repeats`` calls (after a warm-up call) and the last result."""
    out = fn()
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grasps", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--protocols", nargs="+", default=None, help="protocols to time (default: all)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from dexgys.geometry.primitives import Capsule
    from dexgys.hands import load_hand
    from dexgys.objects.primitive_object import Part, PrimitiveObject
    from dexgys.sim import grasp_test as gt
    from dexgys.sim import quality as ql
    from dexgys.sim.protocols import PROTOCOLS
    from dexgys.sim.scene import build_scene

    hand = load_hand()
    bar = PrimitiveObject.from_parts(
        "bar", [Part("body", [Capsule(0.025, 0.04, quat=(math.sqrt(0.5), 0, math.sqrt(0.5), 0))])]
    )
    recs = make_grasps(hand, bar, args.grasps)
    B = len(recs)
    rows = []

    def row(name, seconds, count, unit, **extra):
        rows.append({"case": name, "seconds": seconds, "per_second": count / seconds, "unit": unit, **extra})

    build_s, scene = timed(lambda: build_scene(hand, bar), args.repeats)
    row("build scene (capsule bar)", build_s, 1, "scenes")

    t, res = timed(lambda: gt.test_grasps(hand, bar, recs[:1], scene=scene), args.repeats)
    row("physics test, holding grasp (3,250 steps)", t, 1, "grasps", success_all6=float(res.success_all6.mean()))
    far = recs[:1].clone()
    far[0, 1] += 0.3
    t, _ = timed(lambda: gt.test_grasps(hand, bar, far, scene=scene), args.repeats)
    row("physics test, hand far away (early exits)", t, 1, "grasps")
    t, res = timed(lambda: gt.test_grasps(hand, bar, recs, scene=scene), 1)
    summary = res.summary()
    row(f"physics test, {B} mixed grasps, 1 process", t, B, "grasps", **summary)
    t_w, res_w = timed(lambda: gt.test_grasps(hand, bar, recs, scene=scene, workers=args.workers), 1)
    row(
        f"physics test, {B} mixed grasps, {args.workers} workers (incl. start-up)",
        t_w,
        B,
        "grasps",
        identical_to_1_process=bool(np.array_equal(res.held, res_w.held)),
    )

    # the protocols, on a 4 cm bar whose power grasp (fingers 0.8 mm off) holds under all three
    thin = PrimitiveObject.from_parts(
        "bar4", [Part("body", [Capsule(0.02, 0.04, quat=(math.sqrt(0.5), 0, math.sqrt(0.5), 0))])]
    )
    thin_recs = make_grasps(hand, thin, args.grasps, radius=0.02, palm_gap=0.0005, gap=0.0008)
    for name in args.protocols or list(PROTOCOLS):
        p_scene = build_scene(hand, thin, name)
        t, res = timed(lambda: gt.test_grasps(hand, thin, thin_recs[:1], scene=p_scene, protocol=name), args.repeats)
        row(
            f"protocol {name}: holding grasp, 4 cm bar",
            t,
            1,
            "grasps",
            protocol=res.protocol.protocol_id,
            success_all6=float(res.success_all6.mean()),
        )
        t, res = timed(lambda: gt.test_grasps(hand, thin, thin_recs, scene=p_scene, protocol=name), 1)
        row(
            f"protocol {name}: {B} mixed grasps, 4 cm bar ({int(res.simulated.sum())} simulated)",
            t,
            B,
            "grasps",
            protocol=res.protocol.protocol_id,
            **{k: v for k, v in res.summary().items() if k != "protocol"},
        )

    t, contacts = timed(lambda: ql.link_contacts(hand, bar, recs), args.repeats)
    row(f"link contacts, {B} grasps", t, B, "grasps")
    t, _ = timed(lambda: ql.grasp_q1(hand, bar, recs, contacts), args.repeats)
    row(f"Q1 hulls (contacts given), {B} grasps, 1 process", t, B, "grasps")
    t, _ = timed(lambda: ql.grasp_q1(hand, bar, recs, contacts, workers=args.workers), 1)
    row(f"Q1 hulls (contacts given), {B} grasps, {args.workers} workers", t, B, "grasps")
    t, _ = timed(lambda: ql.max_penetration(hand, bar, recs), args.repeats)
    row(f"max penetration (4,096 points), {B} grasps", t, B, "grasps")
    t, q = timed(lambda: ql.quality_metrics(hand, bar, recs), args.repeats)
    row(
        f"Q1 + penetration (quality_metrics), {B} grasps",
        t,
        B,
        "grasps",
        mean_valid_q1=float(q["valid_q1"].mean()),
        mean_penetration_cm=float(100 * q["penetration"].mean()),
    )

    try:  # a catalogue object made of many convex mesh pieces (skipped if the catalogue is unavailable)
        from scipy.spatial.transform import Rotation

        from dexgys.objects.catalogue import make_object
        from dexgys.sim.closing import approach_palm, close_fingers

        mug = make_object("mug", 0)
        t, mug_scene = timed(lambda: build_scene(hand, mug), args.repeats)
        row(f"build scene (mug:0, {mug_scene.n_object_geoms} convex pieces)", t, 1, "scenes")
        placed = [approach_palm(hand, mug, Rotation.random(random_state=k).as_matrix()) for k in range(8)]
        mug_recs = torch.stack([close_fingers(hand, mug, r) for r in placed if r is not None])
        t, res = timed(lambda: gt.test_grasps(hand, mug, mug_recs, scene=mug_scene), 1)
        row(
            f"physics test, mug:0, {len(mug_recs)} crafted power grasps, 1 process",
            t,
            len(mug_recs),
            "grasps",
            success_all6=float(res.success_all6.mean()),
        )
        t, _ = timed(lambda: ql.quality_metrics(hand, mug, mug_recs), 1)
        row(f"Q1 + penetration, mug:0, {len(mug_recs)} grasps", t, len(mug_recs), "grasps")
    except ImportError as exc:  # pragma: no cover
        print(f"skipping the catalogue rows: {exc}")

    width = max(len(r["case"]) for r in rows)
    print(f"{'case':<{width}}  {'ms':>9}  {'per second':>11}  unit")
    for r in rows:
        print(f"{r['case']:<{width}}  {1e3 * r['seconds']:9.1f}  {r['per_second']:11.2f}  {r['unit']}")
    print(
        f"mixed set: success_all6 {100 * summary['success_all6']:.1f} %, success_any {100 * summary['success_any']:.1f} %, "
        f"pre-check failures {summary['failed_precheck']}/{B}"
    )

    meta = {
        "mujoco": mujoco.__version__,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "load_average_1min": os.getloadavg()[0],
        "timing": "best of repeats after a warm-up call (single runs for the mixed sets)",
        "grasps": B,
        "workers": args.workers,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"meta": meta, "results": rows}, indent=1) + "\n")
    tmp.replace(RESULTS)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
