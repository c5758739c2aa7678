"""The Shadow Hand E3M5 (MuJoCo Menagerie) as a dexgys hand: ``shadow-e3m5``, written at install time.

The mujoco-mjx 3.1.4 wheel ships Menagerie's ``shadow_hand/right_hand.xml`` edited for MJX.
:func:`write_e3m5_hand` turns it into ``shadow_e3m5_hand.xml`` beside it (never committed: it carries
Menagerie's numbers; Apache 2.0, licence beside it), a hand that reads the same 28-float DexGYSNet
record as ``shadow``:

* **Frame**: the palm (``rh_palm``) becomes the jointless root; forearm, wrist and the two wrist
  joints go. E3M5's palm frame is the DexGYSNet frame (+z to the fingers, palm toward -y, thumb +x).
* **Joints, in record order and under record names** (:data:`JOINT_MAP`: E3M5 numbers from the
  fingertip J1, DexGYSNet from J0): where E3M5 turns the other way (forefinger and middle knuckles,
  thumb middle and distal), the axis is flipped so that a positive angle moves the finger as in the
  record. The thumb's distal body is turned back by the quarter turn E3M5 gives it (its geoms and
  inertia are turned instead), so its frame is the record's.
* **Undone MJX edits**: the solver settings (iterations 1, 4 line-search steps, 1 ms, Euler damping
  off) are dropped for MuJoCo's defaults and the original ``impratio`` 10, joint friction loss 0.01 is
  back, every collision geom collides again (MJX kept only explicit pairs), the distal phalanges
  collide with their full meshes instead of the decimated ``_214`` / ``_190`` ones, and the
  commented-out coupling is restored: each finger's middle and distal joints (record J1 and J0) hang
  on one fixed tendon ``J1 + J0``, driven by one position actuator (kp 0.5, target 0..pi), as the real
  hand's single tendon drives them. The joints stay free to share the motion as contacts decide.
* **Collision filter** as dexgys hands: contype 1 / conaffinity 2 (hand-object only).
* **Proxies** for the torch model: a containing capsule for each collision mesh (:func:`fit_capsule`)
  and a containing box for each cylinder; cylinders and meshes are the real geometry.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import trimesh

from dexgys.errors import DexgysError
from dexgys.hands.description import CYLINDER_SECTIONS

__all__ = ["COUPLED", "E3M5_FILE", "JOINT_MAP", "write_e3m5_hand"]

E3M5_FILE = "shadow_e3m5_hand.xml"

# E3M5 joint -> (record joint, flip the axis)
JOINT_MAP = {
    **{f"rh_{f}J{k + 1}": (f"{f}J{k}", f in ("FF", "MF") and k == 3) for f in ("FF", "MF", "RF") for k in range(4)},
    **{f"rh_LFJ{k + 1}": (f"LFJ{k}", False) for k in range(5)},
    "rh_THJ5": ("THJ4", False),
    "rh_THJ4": ("THJ3", False),
    "rh_THJ3": ("THJ2", False),
    "rh_THJ2": ("THJ1", True),
    "rh_THJ1": ("THJ0", True),
}
# the coupled pairs (record names) and the name of their tendon
COUPLED = {f"{f}J1J0": (f"{f}J1", f"{f}J0") for f in ("FF", "MF", "RF", "LF")}
_FULL_MESH = {"f_distal_pst_214": "f_distal_pst", "th_distal_pst_190": "th_distal_pst"}


def _floats(text: str | None, default: str) -> np.ndarray:
    return np.array([float(x) for x in (text or default).split()])


def _fmt(values) -> str:
    return " ".join(f"{float(v):.10g}" for v in values)


def _quat_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    w1, x1, y1, z1 = a
    w2, x2, y2, z2 = b
    return np.array(
        [
            w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
            w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
            w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
        ]
    )


def _quat_matrix(q: np.ndarray) -> np.ndarray:
    w, x, y, z = q / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def _unrotate_body(body: ET.Element) -> None:
    """Give ``body`` the identity orientation by turning its inertial, geoms and joint axes instead."""
    q = _floats(body.get("quat"), "1 0 0 0")
    q = q / np.linalg.norm(q)
    R = _quat_matrix(q)
    body.attrib.pop("quat", None)
    for child in list(body):
        if child.tag in ("inertial", "geom", "site"):
            child.set("pos", _fmt(R @ _floats(child.get("pos"), "0 0 0")))
            child.set("quat", _fmt(_quat_mul(q, _floats(child.get("quat"), "1 0 0 0"))))
        elif child.tag == "joint":
            child.set("axis", _fmt(R @ _floats(child.get("axis"), "1 0 0")))


def _mesh_file(root: ET.Element, name: str, base: Path) -> Path:
    for mesh in root.iter("mesh"):
        file = mesh.get("file", "")
        if mesh.get("name", Path(file).stem) == name:
            return base / file
    raise DexgysError(f"Menagerie shadow hand: no mesh asset '{name}'")


def write_e3m5_hand(folder: str | Path) -> Path:
    """Read ``folder/right_hand.xml`` (the unpacked MJX Shadow Hand) and write ``folder/`` +
    :data:`E3M5_FILE` (see the module docstring); -> its path."""
    from dexgys.hands.proxy import fit_capsule

    folder = Path(folder)
    tree = ET.parse(folder / "right_hand.xml")
    root = tree.getroot()
    root.set("model", "shadow_e3m5_hand")
    for tag in ("option", "custom"):
        for el in root.findall(tag):
            root.remove(el)
    root.insert(1, ET.Element("option", {"impratio": "10"}))

    # defaults: joint friction loss back; collision geoms collide with objects only
    for d in root.iter("default"):
        joint = d.find("joint")
        if d.get("class") == "right_hand" and joint is not None:
            joint.set("frictionloss", "0.01")
        if d.get("class") == "plastic_collision":
            d.find("geom").attrib.update({"contype": "1", "conaffinity": "2"})
        if d.get("class") == "middle_distal":
            d.find("position").set("kp", "0.5")

    # the palm becomes the root; the forearm's and wrist's meshes go with them
    asset = root.find("asset")
    for mesh in list(asset.findall("mesh")):
        if Path(mesh.get("file", "")).stem.startswith(("forearm", "wrist")):
            asset.remove(mesh)
    world = root.find("worldbody")
    forearm = world.find("body")
    palm = next(b for b in forearm.iter("body") if b.get("name") == "rh_palm")
    world.remove(forearm)
    world.append(palm)
    palm.attrib.pop("pos", None)
    palm.set("childclass", "right_hand")
    for child in list(palm):
        if child.tag == "joint" or child.tag == "site":
            palm.remove(child)

    base, flipped = folder, {}
    meshdir = root.find("compiler").get("meshdir", "")
    for body in palm.iter("body"):
        body.set("name", body.get("name").removeprefix("rh_"))
        if body.get("name") == "thdistal":
            _unrotate_body(body)
        for joint in body.findall("joint"):
            name, flip = JOINT_MAP[joint.get("name")]
            joint.set("name", name)
            if flip:
                cls = joint.get("class")
                default = next(d for d in root.iter("default") if d.get("class") == cls).find("joint")
                axis = _floats(joint.get("axis") or default.get("axis"), "1 0 0")
                lo, hi = _floats(joint.get("range") or default.get("range"), "0 0")
                joint.set("axis", _fmt(-axis))
                joint.set("range", _fmt([-hi, -lo]))
                flipped[name] = joint.get("range")
        proxies = []
        for geom in body.findall("geom"):
            if geom.get("class") != "plastic_collision":
                continue
            geom.attrib.pop("contype", None)
            geom.attrib.pop("conaffinity", None)
            pos, quat = _floats(geom.get("pos"), "0 0 0"), _floats(geom.get("quat"), "1 0 0 0")
            kind = geom.get("type", "sphere")
            if kind == "mesh":
                mesh = _FULL_MESH.get(geom.get("mesh"), geom.get("mesh"))
                geom.set("mesh", mesh)
                m = trimesh.load(_mesh_file(root, mesh, base / meshdir), force="mesh")
                verts = m.vertices * 0.001 @ _quat_matrix(quat).T + pos
                cap = fit_capsule(trimesh.Trimesh(verts, m.faces).convex_hull)
                proxies.append({"type": "capsule", "size": _fmt(cap.size), "pos": _fmt(cap.pos)})
            elif kind == "cylinder":
                r, h = _floats(geom.get("size"), "0 0")[:2]
                r /= math.cos(math.pi / CYLINDER_SECTIONS)  # the prism dexgys reads the cylinder as
                proxies.append({"type": "box", "size": _fmt([r, r, h]), "pos": _fmt(pos), "quat": _fmt(quat)})
        for k, attrs in enumerate(proxies):
            body.append(ET.Element("geom", {"class": "proxy", "name": f"proxy_{body.get('name')}_{k}", **attrs}))

    # a proxy class, and the excludes / tendons / actuators in record names
    right = next(d for d in root.iter("default") if d.get("class") == "right_hand")
    proxy = ET.SubElement(right, "default", {"class": "proxy"})
    ET.SubElement(proxy, "geom", {"group": "4", "contype": "0", "conaffinity": "0", "rgba": "0.9 0.4 0.2 0.25"})
    for el in root.findall("contact"):
        root.remove(el)
    contact = ET.SubElement(root, "contact")
    ET.SubElement(contact, "exclude", {"body1": "thproximal", "body2": "thmiddle"})
    tendon = ET.SubElement(root, "tendon")
    for name, (j1, j0) in COUPLED.items():
        fixed = ET.SubElement(tendon, "fixed", {"name": name})
        ET.SubElement(fixed, "joint", {"joint": j1, "coef": "1"})
        ET.SubElement(fixed, "joint", {"joint": j0, "coef": "1"})
    old = root.find("actuator")
    classes = {a.get("joint"): a.get("class") for a in old}
    root.remove(old)
    actuator = ET.SubElement(root, "actuator")
    coupled = {j: t for t, pair in COUPLED.items() for j in pair}
    done = set()
    for e3m5, (name, _) in JOINT_MAP.items():
        if name in coupled:
            t = coupled[name]
            if t not in done:
                ET.SubElement(actuator, "position", {"name": f"A_{t}", "tendon": t, "class": "middle_distal"})
                done.add(t)
        else:
            attrs = {"name": f"A_{name}", "joint": name, "class": classes[e3m5]}
            if name in flipped:
                attrs["ctrlrange"] = flipped[name]
            ET.SubElement(actuator, "position", attrs)

    ET.indent(tree, "  ")
    header = (
        "\n  Written by dexgys (dexgys.hands.e3m5) from MuJoCo Menagerie's Shadow Hand E3M5 as shipped in "
        "mujoco-mjx 3.1.4\n  (Apache 2.0, see LICENSE and README.md here); do not edit: `dexgys hands "
        "install` rewrites it.\n"
    )
    out = folder / E3M5_FILE
    out.write_text(f"<!--{header}-->\n" + ET.tostring(root, encoding="unicode") + "\n")
    return out
