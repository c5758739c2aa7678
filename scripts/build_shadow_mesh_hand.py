"""Write the real-mesh Shadow Hand (``shadow-mesh``) from the capsule hand and the OpenAI hand meshes.

    python scripts/build_shadow_mesh_hand.py          # after `make install` (the meshes are unpacked)

Reads ``src/dexgys/hands/assets/shadow_hand.{xml,json}`` (our capsule hand: kinematics, joints,
servos, masses) and the unpacked gymnasium-robotics 1.4.2 files (``robot.xml``: which mesh sits on
which link, where; ``stls/*.stl``: the meshes), and writes

* ``src/dexgys/hands/assets/shadow_mesh_hand.xml``: the same bodies, joints, actuators and inertias
  as the capsule hand (so only the collision geometry differs), the link meshes as MuJoCo collision
  geoms (MuJoCo collides their convex hulls), and containing proxies (group 4, no collision) fitted
  by :mod:`dexgys.hands.proxy` for the torch model;
* ``src/dexgys/hands/assets/shadow_mesh_hand.json``: the capsule hand's semantics with the contact
  candidates, pads and fingertips moved onto the real link surfaces;
* ``docs/hand_proxies.json``: per link, how the proxy contains and overshoots the hull.

The meshes themselves are never copied into the repository.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import mujoco
import numpy as np
import trimesh

from dexgys.hands.description import read_mjcf
from dexgys.hands.proxy import fit_capsule, fit_slab_boxes, proxy_overshoot
from dexgys.hands.semantics_transfer import transfer_semantics
from dexgys.hands.third_party import require, third_party_dir

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "src" / "dexgys" / "hands" / "assets"
MESH_SCALE = 0.001  # the STL files are in millimetres

# proxy per link: "capsule" or z cuts (link frame, metres) of slab boxes
BOX_CUTS = {
    "palm": [0.0, 0.019, 0.055, 0.080],
    "lfmetacarpal": [0.0, 0.02],
    "knuckle": [],
}


def _fmt(values) -> str:
    return " ".join(f"{float(v):.10g}" for v in values)


def mesh_placements() -> dict[str, tuple[str, np.ndarray]]:
    """Link name -> (mesh name, mesh position in the link frame) from OpenAI's robot.xml."""
    require("gymnasium-robotics", "building the shadow-mesh hand")
    tree = ET.parse(third_party_dir() / "gymnasium-robotics" / "robot.xml")
    out = {}
    for body in tree.iter("body"):
        name = body.get("name", "").removeprefix("robot0:")
        for geom in body.findall("geom"):
            if geom.get("class") == "robot0:D_Vizual" and geom.get("mesh"):
                pos = np.array([float(x) for x in geom.get("pos", "0 0 0").split()])
                out[name] = (geom.get("mesh").removeprefix("robot0:"), pos)
    return out


def link_hull(mesh: str, pos: np.ndarray) -> trimesh.Trimesh:
    m = trimesh.load(third_party_dir() / "gymnasium-robotics" / "stls" / f"{mesh}.stl", force="mesh")
    return trimesh.Trimesh(m.vertices * MESH_SCALE + pos, m.faces).convex_hull


def fit_proxies(placements) -> tuple[dict, dict]:
    proxies, report = {}, {}
    for link, (mesh, pos) in placements.items():
        hull = link_hull(mesh, pos)
        key = "knuckle" if link.endswith("knuckle") else link
        prims = fit_slab_boxes(hull, BOX_CUTS[key]) if key in BOX_CUTS else [fit_capsule(hull)]
        proxies[link] = prims
        report[link] = {"mesh": f"{mesh}.stl", "proxy": [p.type for p in prims], **proxy_overshoot(hull, prims)}
    return proxies, report


def write_xml(capsule: mujoco.MjModel, placements, proxies) -> str:
    lines = [
        "<!--",
        "  dexgys Shadow Hand with its real link meshes (hand 'shadow-mesh'), written by",
        "  scripts/build_shadow_mesh_hand.py: do not edit by hand.",
        "",
        "  * Bodies, joints, actuators and inertias are those of shadow_hand.xml (the DexGYSNet frame and",
        "    joint order, spec/shadow-hand.md), so a DexGYSNet record means the same pose on both hands.",
        "  * Collision geometry: the OpenAI Shadow Hand meshes of gymnasium-robotics 1.4.2 (ShadowRobot's",
        "    models; licence in third_party/gymnasium-robotics/LICENSE.md), placed as in its robot.xml and",
        "    unpacked at install time (`make install`). MuJoCo collides each mesh by its convex hull.",
        "  * Proxy geoms (class 'proxy', group 4, no collision) contain each hull; the torch HandModel",
        "    uses them for the fast signed distance of optimisation (docs/hand_proxies.json: overshoot).",
        "  * Collision filter and servos as shadow_hand.xml (contype 1 / conaffinity 2, kp 3, +-1.5 N m).",
        "-->",
        '<mujoco model="shadow_mesh_hand">',
        '  <compiler angle="radian" autolimits="true" meshdir="third_party/gymnasium-robotics/stls"/>',
        "",
        "  <default>",
        '    <default class="hand">',
        '      <joint type="hinge" armature="0.001" damping="0.1"/>',
        '      <geom contype="1" conaffinity="2" condim="3" friction="1 0.005 0.0001"/>',
        '      <position kp="3" forcerange="-1.5 1.5" inheritrange="1"/>',
        '      <default class="proxy">',
        '        <geom group="4" contype="0" conaffinity="0" rgba="0.9 0.4 0.2 0.25"/>',
        "      </default>",
        "    </default>",
        "  </default>",
        "",
        "  <asset>",
    ]
    for mesh in sorted({m for m, _ in placements.values()}):
        lines.append(f'    <mesh name="{mesh}" file="{mesh}.stl" scale="{MESH_SCALE} {MESH_SCALE} {MESH_SCALE}"/>')
    lines += ["  </asset>", "", "  <worldbody>"]

    children = {b: [c for c in range(1, capsule.nbody) if capsule.body_parentid[c] == b] for b in range(capsule.nbody)}

    def body(b: int, depth: int) -> None:
        pad = "  " * depth
        name = capsule.body(b).name
        attrs = f'name="{name}"'
        if capsule.body_parentid[b] == 0:
            attrs += ' childclass="hand"'
        else:
            if np.any(capsule.body_pos[b] != 0):
                attrs += f' pos="{_fmt(capsule.body_pos[b])}"'
            if np.any(capsule.body_quat[b] != [1, 0, 0, 0]):
                attrs += f' quat="{_fmt(capsule.body_quat[b])}"'
        lines.append(f"{pad}<body {attrs}>")
        lines.append(
            f'{pad}  <inertial pos="{_fmt(capsule.body_ipos[b])}" quat="{_fmt(capsule.body_iquat[b])}" '
            f'mass="{capsule.body_mass[b]:.7g}" diaginertia="{_fmt(capsule.body_inertia[b])}"/>'
        )
        for j in range(capsule.body_jntadr[b], capsule.body_jntadr[b] + capsule.body_jntnum[b]):
            lines.append(
                f'{pad}  <joint name="{capsule.joint(j).name}" axis="{_fmt(capsule.jnt_axis[j])}" '
                f'range="{_fmt(capsule.jnt_range[j])}"/>'
            )
        if name in placements:
            mesh, pos = placements[name]
            pos_attr = f' pos="{_fmt(pos)}"' if np.any(pos != 0) else ""
            lines.append(f'{pad}  <geom name="{name}_mesh" type="mesh" mesh="{mesh}"{pos_attr}/>')
            for k, p in enumerate(proxies[name]):
                lines.append(
                    f'{pad}  <geom class="proxy" name="proxy_{name}_{k}" type="{p.type}" '
                    f'size="{_fmt(p.size)}" pos="{_fmt(p.pos)}"/>'
                )
        for c in children[b]:
            body(c, depth + 1)
        lines.append(f"{pad}</body>")

    for root in children[0]:
        body(root, 2)
    lines += ["  </worldbody>", "", "  <actuator>"]
    for a in range(capsule.nu):
        joint = capsule.joint(capsule.actuator_trnid[a, 0]).name
        lines.append(f'    <position class="hand" name="{capsule.actuator(a).name}" joint="{joint}"/>')
    lines += ["  </actuator>", "</mujoco>", ""]
    return "\n".join(lines)


def main() -> None:
    capsule = mujoco.MjModel.from_xml_path(str(ASSETS / "shadow_hand.xml"))
    links = {capsule.body(b).name for b in range(1, capsule.nbody)}
    placements = {link: placed for link, placed in mesh_placements().items() if link in links}
    proxies, report = fit_proxies(placements)
    xml = write_xml(capsule, placements, proxies)
    (ASSETS / "shadow_mesh_hand.xml").write_text(xml)
    mujoco.MjModel.from_xml_path(str(ASSETS / "shadow_mesh_hand.xml"))  # must compile
    note = (
        "scripts/build_shadow_mesh_hand.py: the capsule hand's fingertips, pads and contact candidates "
        "(shadow_hand.json) moved to the closest point of the real link mesh; penetration keypoints unchanged"
    )
    semantics = transfer_semantics(
        json.loads((ASSETS / "shadow_hand.json").read_text()),
        read_mjcf(ASSETS / "shadow_mesh_hand.xml"),
        "shadow-mesh",
        note,
    )
    (ASSETS / "shadow_mesh_hand.json").write_text(json.dumps(semantics, indent=1) + "\n")
    (ROOT / "docs" / "hand_proxies.json").write_text(
        json.dumps({"hand": "shadow-mesh", "units": "mm", "links": report}, indent=1) + "\n"
    )
    print(f"{'link':<14} {'proxy':<22} {'outside mm':>10} {'over mean':>9} {'over max':>8} {'vol ratio':>9}")
    for link, r in report.items():
        print(
            f"{link:<14} {','.join(r['proxy']):<22} {r['outside_mm']:10.4f} {r['overshoot_mean_mm']:9.2f} "
            f"{r['overshoot_max_mm']:8.2f} {r['volume_ratio']:9.2f}"
        )


if __name__ == "__main__":
    main()
