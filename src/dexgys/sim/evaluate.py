"""Physics test + Q1 + penetration of a batch of grasps, as per-grasp rows and a summary.

:func:`evaluate_grasps` runs :func:`~dexgys.sim.grasp_test.test_grasps` and
:func:`~dexgys.sim.quality.quality_metrics` on the same grasps and returns a :class:`SimReport`
whose ``rows`` (one dict per grasp) and ``summary`` use report units (cm, degrees, per cent) with the
unit in every key. ``protocol_constants(protocol)`` lists every constant of a protocol
(:mod:`dexgys.sim.protocols`), for reports; the report, its rows and its summary name the protocol.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from dexgys.sim import grasp_test as gt
from dexgys.sim import quality as ql
from dexgys.sim import scene as sc
from dexgys.sim.protocols import DEFAULT_PROTOCOL, Protocol, get_protocol

__all__ = ["PROTOCOL", "SimReport", "evaluate_grasps", "protocol_constants"]

PROTOCOL = "dexgys-sim-2"  # the "dexgys" protocol's id; bump when any constant or rule of it changes


def _q1_constants() -> dict:
    return {
        "q1_contact_distance_m": ql.Q1_CONTACT_DISTANCE,
        "q1_friction": ql.Q1_FRICTION,
        "q1_cone_edges": ql.Q1_CONE_EDGES,
        "q1_torque_scale": ql.Q1_TORQUE_SCALE,
        "q1_cap": ql.Q1_CAP,
    }


def protocol_constants(protocol: str | Protocol = DEFAULT_PROTOCOL) -> dict:
    """Every named constant of ``protocol``'s physics test, with Q1's and the penetration's (SI units,
    angles in degrees). ``"dexgys"`` keeps the keys its reports have always had."""
    p = get_protocol(protocol)
    if p != get_protocol(DEFAULT_PROTOCOL):
        return {
            "protocol": p.protocol_id,
            "protocol_name": p.name,
            **p.constants(),
            "integrator": "implicitfast",
            "solver": "Newton",
            "cone": "elliptic",
            "penetration_samples": ql.PENETRATION_SAMPLES,
            **_q1_constants(),
        }
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
        **_q1_constants(),
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

    @property
    def protocol(self) -> Protocol:
        return self.physics.protocol

    def to_dict(self) -> dict:
        return {
            "format_version": 1,
            **self.meta,
            "constants": protocol_constants(self.protocol),
            "summary": self.summary,
            "grasps": self.rows,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, allow_nan=False)


def evaluate_grasps(
    hand,
    obj,
    grasps,
    *,
    workers: int = 1,
    scene: sc.SimScene | None = None,
    protocol: str | Protocol = DEFAULT_PROTOCOL,
    progress: bool = False,
) -> SimReport:
    """Physics test under ``protocol``, Q1 and max penetration of ``grasps`` ``(B, 6+n)`` (or a
    HandPose) on ``obj``. ``precheck_cm`` is the value the protocol's pre-check compared (max
    penetration at its pre-check pose, or the penetration energy), in cm. ``progress``: a bar on
    stderr while the grasps are simulated."""
    pose = hand.as_pose(grasps)
    physics = gt.test_grasps(hand, obj, pose, workers=workers, scene=scene, protocol=protocol, progress=progress)
    quality = ql.quality_metrics(hand, obj, pose, workers=workers, penetration=physics.penetration)
    protocol_id = physics.protocol.protocol_id
    rows = []
    for b in range(pose.batch_size):
        rows.append(
            {
                "index": b,
                "protocol": protocol_id,
                "penetration_cm": 100.0 * float(quality["penetration"][b]),
                "q1": float(quality["q1"][b]),
                "valid_q1": float(quality["valid_q1"][b]),
                "q1_contacts": int(quality["n_contacts"][b]),
                "precheck_cm": 100.0 * float(physics.precheck[b]),
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
            }
        )
    n = max(pose.batch_size, 1)
    phys = physics.summary()
    summary = {
        "protocol": protocol_id,
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
    meta = {"object": obj.name, "hand": hand.name, "protocol": protocol_id, "protocol_name": physics.protocol.name}
    return SimReport(rows, summary, physics, quality, meta)
