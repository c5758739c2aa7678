"""Turn what a user typed (``mug:3`` or a mesh path) into a :class:`GraspObject`."""

from __future__ import annotations

from pathlib import Path

from dexgys.errors import DexgysError
from dexgys.objects.catalogue import make_object, parse_object_name
from dexgys.objects.grasp_object import GraspObject
from dexgys.objects.mesh_object import load_mesh_object

MESH_SUFFIXES = {".obj", ".stl", ".ply", ".glb"}


def resolve_object(ref: str) -> GraspObject:
    """A catalogue name ``category:seed``, a real-mesh set object ``real:<name>``
    (:mod:`dexgys.objects.real_meshes`) or a mesh file (obj, stl, ply, glb; parts from ``<stem>.parts.json``)."""
    if ref.startswith("real:"):
        from dexgys.objects.real_meshes import load_real_object

        return load_real_object(ref)
    path = Path(ref)
    if path.suffix.lower() in MESH_SUFFIXES or path.exists():
        if not path.is_file():
            raise DexgysError(f"mesh file {ref!r} does not exist")
        return load_mesh_object(path)
    if ":" not in ref:
        raise DexgysError(f"{ref!r} is neither a catalogue object (like 'mug:3') nor an existing mesh file")
    category, seed = parse_object_name(ref)
    return make_object(category, seed)
