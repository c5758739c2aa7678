"""Carry a hand's semantic points onto another hand with the same links: the semantics JSON of a new
geometry for a known kinematic tree (``shadow`` -> ``shadow-mesh``, ``shadow-e3m5``).

:func:`transfer_semantics` keeps the link-to-finger table and the self-penetration keypoints, and moves
every fingertip, pad and contact candidate to the closest point of the target link's real collision
surface (its primitives and meshes, link frame); points of links without geometry stay as they are.
"""

from __future__ import annotations

import json

import numpy as np
import trimesh

from dexgys.hands.description import HandDescription, MeshGeom

__all__ = ["link_surfaces", "transfer_semantics"]


def link_surfaces(description: HandDescription) -> dict[str, trimesh.Trimesh]:
    """Link name -> the union (not merged) of its real collision pieces as one mesh, link frame."""
    from dexgys.hands.geom_shapes import primitive_mesh

    pieces: dict[int, list[trimesh.Trimesh]] = {}
    for g in [g for g in description.geoms if not g.proxy] + list(description.meshes):
        if isinstance(g, MeshGeom):
            mesh = trimesh.Trimesh(g.vertices, g.faces, process=False)
        else:
            mesh = primitive_mesh(g, 32).apply_transform(g.local_transform())
        pieces.setdefault(g.link, []).append(mesh)
    return {description.link_names[k]: trimesh.util.concatenate(v) for k, v in pieces.items()}


def transfer_semantics(source: dict, target: HandDescription, hand: str, note: str) -> dict:
    """The semantics document ``source`` (a parsed semantics JSON) moved onto ``target``'s surfaces,
    named ``hand``; ``note`` says where it came from."""
    surfaces = link_surfaces(target)

    def project(link: str, point) -> list[float]:
        if link not in surfaces:
            return point
        closest, _, _ = trimesh.proximity.closest_point(surfaces[link], np.asarray([point], dtype=np.float64))
        return [round(float(x), 6) + 0.0 for x in closest[0]]  # + 0.0: no "-0.0" in the file

    doc = json.loads(json.dumps(source))
    doc["hand"] = hand
    doc["notes"] = {"frames": "all points are in the frame of their link (MJCF body), metres", "source": note}
    for key in ("fingertips", "pads"):
        for item in doc[key]:
            item["point"] = project(item["link"], item["point"])
    doc["contact_candidates"] = {
        link: [project(link, p) for p in pts] for link, pts in doc["contact_candidates"].items()
    }
    return doc
