"""Shapes of a hand's collision geoms: exact signed distance of a primitive in its own frame, closed
meshes and seeded surface samples, and the link-frame surface sample and viewer mesh template that
:class:`~dexgys.hands.hand_model.HandModel` builds once from them.

A collision primitive (:class:`~dexgys.hands.description.GeomPrimitive`) is a box, a capsule or a
sphere; all three are a box of :func:`half_extents` grown by a radius (see :func:`rounded_box_sdf`).
"""

from __future__ import annotations

import math

import fpsample
import numpy as np
import torch
import trimesh

from dexgys.errors import DexgysError
from dexgys.hands.description import GeomPrimitive, MeshGeom

__all__ = [
    "DENSE_FACTOR",
    "MESH_SECTIONS",
    "half_extents",
    "link_mesh_template",
    "link_surface_samples",
    "primitive_mesh",
    "rounded_box_sdf",
    "sample_primitive",
]

MESH_SECTIONS = 24  # capsule/sphere mesh resolution of ``HandModel.meshes`` (sagitta < 0.1 mm at 13 mm radius)
DENSE_FACTOR = 40  # dense surface samples per kept surface point before farthest-point sampling


def rounded_box_sdf(local: torch.Tensor, half: torch.Tensor, radius: torch.Tensor) -> torch.Tensor:
    """Geom-frame points ``(..., 3)``, ``half`` ``(..., 3)``, ``radius`` ``(...)`` -> ``(...)`` exact
    signed distance to a box of half-extents ``half`` grown by ``radius``: a box is ``(x, y, z), 0``,
    a capsule ``(0, 0, half_length), r``, a sphere ``(0, 0, 0), r``."""
    q = local.abs() - half
    return torch.linalg.vector_norm(torch.relu(q), dim=-1) + torch.clamp(q.amax(-1), max=0.0) - radius


def primitive_mesh(g: GeomPrimitive, sections: int) -> trimesh.Trimesh:
    """Closed mesh of ``g`` in its own geom frame."""
    if g.type == "box":
        return trimesh.creation.box(extents=2.0 * np.asarray(g.size))
    half = g.size[1] if g.type == "capsule" else 0.0
    if half == 0.0:
        return trimesh.creation.uv_sphere(radius=g.size[0], count=[sections, sections])
    mesh = trimesh.creation.capsule(height=2.0 * half, radius=g.size[0], count=[sections, sections])
    return mesh.apply_translation(-mesh.bounds.mean(axis=0))  # centred, as MuJoCo's capsule


def sample_primitive(g: GeomPrimitive, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` seeded uniform points ``(M, 3)`` on ``g`` and outward normals ``(M, 3)``, geom frame."""
    mesh = primitive_mesh(g, 32)
    pts, face = trimesh.sample.sample_surface(mesh, count, seed=seed)
    if g.type == "box":
        return pts, mesh.face_normals[face]
    half = g.size[1] if g.type == "capsule" else 0.0
    centre = np.zeros_like(pts)
    centre[:, 2] = np.clip(pts[:, 2], -half, half)
    normals = pts - centre
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    return centre + g.size[0] * normals, normals


def half_extents(g: GeomPrimitive) -> tuple[float, float, float]:
    """Box half-extents of ``g`` before rounding by its radius (see :func:`rounded_box_sdf`)."""
    if g.type == "box":
        return tuple(g.size)
    return (0.0, 0.0, g.size[1] if g.type == "capsule" else 0.0)


def _distance_to_other_geoms(
    geoms: list[GeomPrimitive], geom: GeomPrimitive | MeshGeom, points: np.ndarray
) -> np.ndarray:
    """``(M, 3)`` points in the frame of ``geom``'s link -> ``(M,)`` float64 signed distance to the
    union of the link's other collision primitives (``inf`` when there are none)."""
    dist = np.full(len(points), np.inf)
    for g in geoms:
        if g.link != geom.link or g is geom or g.proxy:
            continue
        T = g.local_transform()
        local = torch.tensor((points - T[:3, 3]) @ T[:3, :3])
        radius = 0.0 if g.type == "box" else g.size[0]
        sdf = rounded_box_sdf(local, torch.tensor(half_extents(g)), torch.tensor(radius))
        dist = np.minimum(dist, sdf.numpy())
    return dist


def link_surface_samples(
    hand_name: str,
    geoms: list[GeomPrimitive],
    pieces: list[GeomPrimitive | MeshGeom],
    n_links: int,
    n_points: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Area-weighted farthest-point samples of the outer surface of each link, in link frames.

    Each geom is sampled densely (seeded), points are projected onto the exact primitive surface,
    points inside (or on) another geom of the same link are dropped, the remaining area of each
    link sets its share of ``n_points`` (the rounding remainder goes to the largest link), and
    farthest-point sampling starting at index 0 picks that many. -> points, normals ``(N, 3)``,
    link ids ``(N,)``.

    ``geoms``: all the hand's collision primitives (proxies included, they are skipped);
    ``pieces``: its real collision pieces (primitives that are not proxies, then meshes); ``n_links``:
    how many links it has; ``hand_name`` names it in errors.
    """
    total_area = sum(g.area() for g in pieces)
    if total_area <= 0:
        raise DexgysError(f"hand '{hand_name}' has no collision geometry to sample surface points from")
    density = DENSE_FACTOR * n_points / total_area
    dense: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
    link_area = np.zeros(n_links)
    for gi, g in enumerate(pieces):
        count = max(8, math.ceil(g.area() * density))
        if isinstance(g, MeshGeom):
            mesh = trimesh.Trimesh(g.vertices, g.faces, process=False)
            pts, face = trimesh.sample.sample_surface(mesh, count, seed=seed + gi)
            normals = mesh.face_normals[face]
        else:
            pts, normals = sample_primitive(g, count, seed + gi)
            T = g.local_transform()
            pts, normals = pts @ T[:3, :3].T + T[:3, 3], normals @ T[:3, :3].T
        keep = _distance_to_other_geoms(geoms, g, pts) > 1e-7
        dense.setdefault(g.link, []).append((pts[keep], normals[keep]))
        link_area[g.link] += g.area() * keep.mean()

    counts = np.floor(link_area / link_area.sum() * n_points).astype(np.int64)
    counts[int(np.argmax(link_area))] += n_points - counts.sum()
    out_p, out_n, out_l = [], [], []
    for link in sorted(dense):
        pts = np.concatenate([p for p, _ in dense[link]])
        normals = np.concatenate([n for _, n in dense[link]])
        k = int(min(counts[link], len(pts)))
        if k == 0:
            continue
        idx = fpsample.bucket_fps_kdline_sampling(pts, k, h=5, start_idx=0) if k < len(pts) else np.arange(k)
        out_p.append(pts[idx])
        out_n.append(normals[idx])
        out_l.append(np.full(k, link))
    return np.concatenate(out_p), np.concatenate(out_n), np.concatenate(out_l)


def link_mesh_template(
    pieces: list[GeomPrimitive | MeshGeom],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Closed meshes of the real collision ``pieces`` in their link frames, concatenated: link-frame
    vertices ``(V, 3)``, vertex links ``(V,)``, faces ``(F, 3)``, face links ``(F,)``."""
    verts, vlinks, faces, flinks = [], [], [], []
    offset = 0
    for g in pieces:
        if isinstance(g, MeshGeom):
            mesh = trimesh.Trimesh(g.vertices, g.faces, process=False)
        else:
            mesh = primitive_mesh(g, MESH_SECTIONS)
            mesh.apply_transform(g.local_transform())
        verts.append(mesh.vertices)
        vlinks.append(np.full(len(mesh.vertices), g.link))
        faces.append(mesh.faces + offset)
        flinks.append(np.full(len(mesh.faces), g.link))
        offset += len(mesh.vertices)
    return np.concatenate(verts), np.concatenate(vlinks), np.concatenate(faces), np.concatenate(flinks)
