"""Tessellation helpers of the solid primitives: chord counts for a tolerance, arcs, revolved and
tubular ``manifold3d`` solids, vertex sets of convex pieces, and ``Manifold`` -> ``trimesh`` conversion."""

from __future__ import annotations

import math

import manifold3d
import numpy as np
import trimesh

from dexgys.geometry.numerics import check_positive

__all__ = [
    "DEFAULT_TOLERANCE",
    "arc_points",
    "arc_segments",
    "check_tolerance",
    "fibonacci_sphere",
    "manifold_to_trimesh",
    "prism_vertices",
    "revolve",
    "ring_segments",
    "tube_manifold",
]

DEFAULT_TOLERANCE = 1e-3  # metres: chordal error of meshes and collision pieces


def arc_segments(radius: float, tolerance: float, angle: float = 2 * math.pi, minimum: int = 3) -> int:
    """Chords needed on an arc of ``radius`` spanning ``angle`` so the sagitta stays below ``tolerance``."""
    if radius <= tolerance:
        step = math.pi / 2
    else:
        step = 2.0 * math.acos(1.0 - tolerance / radius)
    return max(minimum, min(1024, math.ceil(angle / step - 1e-9)))


def ring_segments(radius: float, tolerance: float) -> int:
    """Full-circle segment count, a multiple of 4 (so meshes reach the exact axis-aligned extents)."""
    n = arc_segments(radius, tolerance, minimum=12)
    return 4 * math.ceil(n / 4)


def check_tolerance(tolerance: float) -> float:
    return check_positive("mesh tolerance", tolerance)


def manifold_to_trimesh(m: manifold3d.Manifold) -> trimesh.Trimesh:
    """A ``manifold3d.Manifold`` as a ``trimesh.Trimesh`` (no merging or reordering)."""
    mesh = m.to_mesh64()
    vertices = np.asarray(mesh.vert_properties, dtype=np.float64)[:, :3]
    faces = np.asarray(mesh.tri_verts, dtype=np.int64)
    return trimesh.Trimesh(vertices=vertices, faces=faces, process=False)


def revolve(profile: np.ndarray, segments: int, degrees: float = 360.0) -> manifold3d.Manifold:
    """Revolve a counter-clockwise ``(r, z)`` polygon ``(N, 2)`` about z (starting at +x, turning to +y)."""
    section = manifold3d.CrossSection([np.ascontiguousarray(profile, dtype=np.float64)])
    return manifold3d.Manifold.revolve(section, segments, degrees)


def tube_manifold(rings: list[np.ndarray], first: np.ndarray, last: np.ndarray) -> manifold3d.Manifold:
    """Closed surface through ``rings`` (each (n, 3), same n) capped by the points ``first`` and ``last``."""
    n, k = len(rings[0]), len(rings)
    vertices = np.concatenate([first[None], *rings, last[None]])
    idx = 1 + np.arange(k * n).reshape(k, n)
    nxt = np.roll(idx, -1, axis=1)
    quads = np.stack([idx[:-1], nxt[:-1], nxt[1:], idx[1:]], -1).reshape(-1, 4)
    faces = np.concatenate(
        [
            np.stack([np.zeros(n, dtype=np.int64), nxt[0], idx[0]], 1),
            quads[:, [0, 1, 2]],
            quads[:, [0, 2, 3]],
            np.stack([np.full(n, len(vertices) - 1), idx[-1], nxt[-1]], 1),
        ]
    )
    tri = vertices[faces]
    if np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() < 0:
        faces = faces[:, ::-1]
    mesh = manifold3d.Mesh64(
        vert_properties=np.ascontiguousarray(vertices), tri_verts=np.ascontiguousarray(faces, dtype=np.uint64)
    )
    return manifold3d.Manifold(mesh)


def arc_points(center: tuple[float, float], radius: float, start: float, stop: float, n: int) -> np.ndarray:
    t = np.linspace(start, stop, n + 1)
    return np.stack([center[0] + radius * np.cos(t), center[1] + radius * np.sin(t)], axis=1)


def prism_vertices(polygon: np.ndarray, z0: float, z1: float) -> np.ndarray:
    """Vertices ``(2N, 3)`` of the xy ``polygon`` ``(N, 2)`` at heights ``z0`` and ``z1``."""
    return np.concatenate([np.column_stack([polygon, np.full(len(polygon), z)]) for z in (z0, z1)])


def fibonacci_sphere(n: int) -> np.ndarray:
    """``n`` roughly even unit vectors ``(n, 3)`` including both poles."""
    k = np.arange(n)
    z = 1.0 - 2.0 * k / (n - 1)
    r = np.sqrt(np.clip(1.0 - z * z, 0.0, None))
    phi = k * math.pi * (3.0 - math.sqrt(5.0))
    return np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=1)
