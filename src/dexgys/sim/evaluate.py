"""Physics test + Q1 + penetration of a batch of grasps, as per-grasp rows and a summary.

:func:`evaluate_grasps` runs :func:`~dexgys.sim.grasp_test.test_grasps` and
:func:`~dexgys.sim.quality.quality_metrics` on the same grasps and returns a :class:`SimReport`
whose ``rows`` (one dict per grasp) and ``summary`` use report units (cm, degrees, per cent) with the
unit in every key. ``protocol_constants()`` lists every constant of the protocol, for reports.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from dexgys.sim import grasp_test as gt
from dexgys.sim import quality as ql
from dexgys.sim import scene as sc

__all__ = ["PROTOCOL", "SimReport", "evaluate_grasps", "protocol_constants"]

PROTOCOL = "dexgys-sim-2"  # bump when any constant or rule of the test changes


def protocol_constants() -> dict:
    """Every named constant of the physics test, Q1 and penetration (SI units, angles in degrees)."""
    return {
        "protocol": PROTOCOL,
        "timestep_s": sc.TIMESTEP,
        "integrator": "implicitfast",
        "solver": "Newton",
        "cone": "elliptic",
        "impratio": sc.IMPRATIO,
        "solver_iterations": sc.SOLVER_ITERATIONS,
        "gravity_m_s2": sc.GRAVITY,
        "object_density_kg_m3": sc.OBJECT_DENSITY,
        "object_friction_sliding_torsional_rolling": list(sc.OBJECT_FRICTION),
        "object_condim": sc.OBJECT_CONDIM,
        "max_penetration_m": ql.MAX_PENETRATION,
        "penetration_samples": ql.PENETRATION_SAMPLES,
        "squeeze_contact_distance_m": gt.SQUEEZE_CONTACT_DISTANCE,
        "squeeze_push_m": gt.SQUEEZE_PUSH,
        "squeeze_damping_m": gt.SQUEEZE_DAMPING,
        "settle_time_s": gt.SETTLE_TIME,
        "shake_time_s": gt.SHAKE_TIME,
        "check_steps": gt.CHECK_STEPS,
        "hold_translation_m": gt.HOLD_TRANSLATION,
        "hold_rotation_deg": gt.HOLD_ROTATION_DEG,
        "q1_contact_distance_m": ql.Q1_CONTACT_DISTANCE,
        "q1_friction": ql.Q1_FRICTION,
        "q1_cone_edges": ql.Q1_CONE_EDGES,
        "q1_torque_scale": ql.Q1_TORQUE_SCALE,
        "q1_cap": ql.Q1_CAP,
    }


def _num(x: float) -> float | None:
    """JSON-safe float (NaN -> None)."""
    return None if x is None or not math.isfinite(float(x)) else float(x)


@dataclass
class SimReport:
    """Per-grasp ``rows`` and the ``summary`` of :func:`evaluate_grasps` (plus the raw results)."""

    rows: list[dict]
    summary: dict
    physics: gt.GraspTestResult
    quality: dict
    meta: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"format_version": 1, **self.meta, "constants": protocol_constants(), "summary": self.summary,
                "grasps": self.rows}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, allow_nan=False)


def evaluate_grasps(hand, obj, grasps, *, workers: int = 1, scene: sc.SimScene | None = None) -> SimReport:
    """Physics test, Q1 and max penetration of ``grasps`` ``(B, 6+n)`` (or a HandPose) on ``obj``."""
    pose = hand.as_pose(grasps)
    physics = gt.test_grasps(hand, obj, pose, workers=workers, scene=scene)
    quality = ql.quality_metrics(hand, obj, pose, workers=workers, penetration=physics.penetration)
    rows = []
    for b in range(pose.batch_size):
        rows.append({
            "index": b,
            "penetration_cm": 100.0 * float(quality["penetration"][b]),
            "q1": float(quality["q1"][b]),
            "valid_q1": float(quality["valid_q1"][b]),
            "q1_contacts": int(quality["n_contacts"][b]),
            "simulated": bool(physics.simulated[b]),
            "unstable": bool(physics.unstable[b]),
            "held": {name: bool(physics.held[b, k]) for k, name in enumerate(gt.DIRECTION_NAMES)},
            "success_all6": bool(physics.success_all6[b]),
            "success_any": bool(physics.success_any[b]),
            "squeeze_contacts": int(physics.n_contacts[b]),
            "squeeze_translation_cm": _num(100.0 * physics.squeeze_translation[b]),
            "squeeze_rotation_deg": _num(math.degrees(physics.squeeze_rotation[b])),
            "translation_cm": [_num(100.0 * x) for x in physics.translation[b]],
            "rotation_deg": [_num(math.degrees(x)) for x in physics.rotation[b]],
        })
    n = max(pose.batch_size, 1)
    phys = physics.summary()
    summary = {
        "n_grasps": pose.batch_size,
        "success_all6_pct": 100.0 * phys["success_all6"],
        "success_any_pct": 100.0 * phys["success_any"],
        **{f"held_{name}_pct": 100.0 * phys[f"held_{name}"] for name in gt.DIRECTION_NAMES},
        "mean_q1": float(np.sum(quality["q1"]) / n),
        "mean_valid_q1": float(np.sum(quality["valid_q1"]) / n),
        "mean_max_penetration_cm": 100.0 * float(np.sum(quality["penetration"]) / n),
        "max_penetration_cm": 100.0 * float(np.max(quality["penetration"], initial=0.0)),
        "failed_precheck": phys["failed_precheck"],
        "unstable": phys["unstable"],
    }
    meta = {"object": obj.name, "hand": hand.name}
    return SimReport(rows, summary, physics, quality, meta)
