"""What the viewers draw: coloured triangle meshes built from objects and posed hands."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh

from dexgys.objects.grasp_object import GraspObject

# Part colours: a qualitative palette (Tableau 10), cycled when an object has more parts.
PART_COLORS = (
    (0.122, 0.467, 0.706),
    (1.000, 0.498, 0.055),
    (0.173, 0.627, 0.173),
    (0.839, 0.153, 0.157),
    (0.580, 0.404, 0.741),
    (0.549, 0.337, 0.294),
    (0.890, 0.467, 0.761),
    (0.737, 0.741, 0.133),
    (0.090, 0.745, 0.812),
    (0.498, 0.498, 0.498),
)
HAND_COLOR = (0.93, 0.80, 0.69)


def part_color(index: int) -> tuple[float, float, float]:
    return PART_COLORS[index % len(PART_COLORS)]


@dataclass(frozen=True)
class ColoredMesh:
    """A triangle mesh in the object frame with one RGB colour (0..1) and a name for legends."""

    name: str
    mesh: trimesh.Trimesh
    color: tuple[float, float, float]
    opacity: float = 1.0


def object_scene(obj: GraspObject) -> list[ColoredMesh]:
    """One coloured mesh per part of ``obj`` (parts without faces are skipped)."""
    items = []
    for index, part in enumerate(obj.part_names):
        faces = np.flatnonzero(obj.face_labels == index)
        if len(faces) == 0:
            continue
        sub = obj.mesh.submesh([faces], append=True, repair=False)
        items.append(ColoredMesh(part, sub, part_color(index)))
    return items


def hand_scene(hand_meshes: list[trimesh.Trimesh], label: str = "hand") -> list[ColoredMesh]:
    """Posed hand meshes (one or more per grasp) as one skin-coloured item."""
    mesh = trimesh.util.concatenate(hand_meshes) if len(hand_meshes) > 1 else hand_meshes[0]
    return [ColoredMesh(label, mesh, HAND_COLOR)]


def point_cubes(
    points: np.ndarray,
    color: tuple[float, float, float] = PART_COLORS[0],
    name: str = "object points",
    size: float = 0.002,
) -> ColoredMesh:
    """A point cloud ``(N, 3)`` as one mesh of small cubes (edge ``size`` m) in one colour, for the viewers."""
    cube = trimesh.creation.box(extents=(size, size, size))
    n, v = len(points), len(cube.vertices)
    vertices = (cube.vertices[None] + np.asarray(points, dtype=np.float64)[:, None]).reshape(-1, 3)
    faces = (cube.faces[None] + v * np.arange(n)[:, None, None]).reshape(-1, 3)
    return ColoredMesh(name, trimesh.Trimesh(vertices, faces, process=False), color)
