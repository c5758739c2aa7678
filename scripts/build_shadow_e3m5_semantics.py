"""Write ``src/dexgys/hands/assets/shadow_e3m5_hand.json``, the semantics of the ``shadow-e3m5`` hand.

    python scripts/build_shadow_e3m5_semantics.py     # after `make install` (the E3M5 MJCF is written)

The E3M5 MJCF (:mod:`dexgys.hands.e3m5`) has the capsule hand's link names and frames, so the capsule
hand's semantics (``shadow_hand.json``) carry over: fingertips, pads and contact candidates move to the
closest point of the E3M5 link's real collision surface (:mod:`dexgys.hands.semantics_transfer`).
"""

from __future__ import annotations

import json
from pathlib import Path

from dexgys.hands.description import read_mjcf
from dexgys.hands.e3m5 import E3M5_FILE
from dexgys.hands.semantics_transfer import transfer_semantics
from dexgys.hands.third_party import require, third_party_dir

ASSETS = Path(__file__).resolve().parents[1] / "src" / "dexgys" / "hands" / "assets"


def main() -> None:
    require("mujoco-mjx", "building the shadow-e3m5 semantics")
    target = read_mjcf(third_party_dir() / "menagerie-shadow-e3m5" / E3M5_FILE)
    note = (
        "scripts/build_shadow_e3m5_semantics.py: the capsule hand's fingertips, pads and contact candidates "
        "(shadow_hand.json) moved to the closest point of the E3M5 link's collision surface; penetration "
        "keypoints unchanged"
    )
    doc = transfer_semantics(json.loads((ASSETS / "shadow_hand.json").read_text()), target, "shadow-e3m5", note)
    (ASSETS / "shadow_e3m5_hand.json").write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {ASSETS / 'shadow_e3m5_hand.json'}")


if __name__ == "__main__":
    main()
