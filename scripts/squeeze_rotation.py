"""How far DexGraspBench's squeeze turns a power-grasped bar on each hand, before any load.

    python scripts/squeeze_rotation.py

A 4 cm capsule bar; the palm slid up to it (0.5 mm and 2 mm gaps), the fingers closed to 0.8 mm
(`dexgys.sim.closing`); prints the held directions and the object's rotation after the squeeze.
"""

from __future__ import annotations

import math

import torch

from dexgys.geometry.primitives import Capsule
from dexgys.hands import load_hand
from dexgys.objects.primitive_object import Part, PrimitiveObject
from dexgys.sim.closing import approach_palm, close_fingers
from dexgys.sim.grasp_test import test_grasps


def main() -> None:
    bar = PrimitiveObject.from_parts(
        "bar", [Part("body", [Capsule(0.02, 0.04, quat=(math.sqrt(0.5), 0, math.sqrt(0.5), 0))])]
    )
    print(f"{'hand':<12} {'palm gap mm':>11} {'held (of 6)':>11} {'squeeze rotation deg':>21}")
    for name in ("shadow", "shadow-mesh", "shadow-e3m5"):
        hand = load_hand(name)
        for gap in (0.0005, 0.002):
            grasp = close_fingers(
                hand, bar, approach_palm(hand, bar, torch.eye(3, dtype=torch.float64), gap=gap), gap=0.0008
            )
            r = test_grasps(hand, bar, grasp[None].float(), protocol="dexgraspbench")
            print(
                f"{name:<12} {1000 * gap:11.1f} {int(r.held.sum()):11d} {math.degrees(float(r.squeeze_rotation[0])):21.1f}"
            )


if __name__ == "__main__":
    main()
