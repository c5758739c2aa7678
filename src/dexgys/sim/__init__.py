"""Physics and analytic grasp quality: the MuJoCo grasp test under named protocols, Q1, penetration.

>>> from dexgys.sim import build_scene, test_grasps, quality_metrics
>>> result = test_grasps(hand, obj, records, workers=2)   # records (B, 28); protocol "dexgys"
>>> result.success_all6.mean(), result.summary()
>>> test_grasps(hand, obj, records, protocol="dexgraspbench").summary()["protocol"]
'dexgraspbench-fc-1'
>>> quality_metrics(hand, obj, records)["valid_q1"]

Submodules: :mod:`~dexgys.sim.protocols` (the protocols as data: dexgys, dexgraspbench,
dexgraspnet), :mod:`~dexgys.sim.scene` (MuJoCo model, simulation constants),
:mod:`~dexgys.sim.grasp_test` (joint poses, pre-check, six-direction load),
:mod:`~dexgys.sim.quality` (contacts, Q1, penetration, penetration energy),
:mod:`~dexgys.sim.closing` (close fingers until contact, for making test grasps).
Names are imported lazily so that worker processes of the grasp test load MuJoCo but not torch.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "SimScene": "scene",
    "build_scene": "scene",
    "GraspTestResult": "grasp_test",
    "simulate_grasp": "grasp_test",
    "test_grasps": "grasp_test",
    "DIRECTION_NAMES": "grasp_test",
    "LinkContacts": "quality",
    "link_contacts": "quality",
    "grasp_q1": "quality",
    "q1_from_contacts": "quality",
    "max_penetration": "quality",
    "penetration_energy": "quality",
    "quality_metrics": "quality",
    "MAX_PENETRATION": "quality",
    "close_fingers": "closing",
    "approach_palm": "closing",
    "evaluate_grasps": "evaluate",
    "SimReport": "evaluate",
    "protocol_constants": "evaluate",
    "PROTOCOLS": "protocols",
    "Protocol": "protocols",
    "get_protocol": "protocols",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"dexgys.sim.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'dexgys.sim' has no attribute {name!r}")
