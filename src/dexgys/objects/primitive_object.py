"""Objects built from named parts, each a list of exact-SDF solid primitives.

:meth:`PrimitiveObject.from_parts` unions the primitive meshes with manifold3d (a watertight
2-manifold surface), moves everything so the surface's axis-aligned bounding-box centre is the origin
(the DexGYSNet object frame) and labels every face with its part:

* **face labels**: a face belongs to the part whose own SDF (min over its primitives) has the smallest
  ``|sdf|`` at the face centroid, i.e. the part whose surface the face lies on; where parts overlap the
  nearest surface wins, exact ties go to the earlier part.
* **SDF**: the min over all primitives - exact outside the union, a conservative bound inside (never
  deeper than the true depth; exact where only one primitive covers the point).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import manifold3d
import numpy as np
import torch

from dexgys.errors import DexgysError
from dexgys.geometry.collision import CollisionGeom
from dexgys.geometry.primitives import Primitive, union_sdf
from dexgys.geometry.tessellation import DEFAULT_TOLERANCE, manifold_to_trimesh
from dexgys.objects.grasp_object import GraspObject


@dataclass
class Part:
    """A named semantic part (``"handle"``, ``"body"``...) made of one or more primitives."""

    name: str
    primitives: list[Primitive]


@dataclass
class PrimitiveObject(GraspObject):
    """A :class:`GraspObject` whose surface is the union of primitives grouped into parts."""

    parts: list[Part] = field(default_factory=list)
    tolerance: float = DEFAULT_TOLERANCE

    def __post_init__(self) -> None:
        super().__post_init__()
        if [p.name for p in self.parts] != list(self.part_names):
            raise DexgysError(f"object {self.name!r}: parts do not match part_names")
        self._primitives = [prim for part in self.parts for prim in part.primitives]
        self._primitive_part = torch.tensor([i for i, part in enumerate(self.parts) for _ in part.primitives])

    @classmethod
    def from_parts(
        cls,
        name: str,
        parts: list[Part],
        category: str | None = None,
        source: dict | None = None,
        tolerance: float = DEFAULT_TOLERANCE,
    ) -> PrimitiveObject:
        """Union, centre and label ``parts``; ``tolerance`` (m) is the chordal error of the meshes.

        The primitives are translated along with the mesh, so ``parts`` of the result are centred too.
        """
        parts = _check_parts(name, parts)
        manifolds = [prim.to_manifold(tolerance) for part in parts for prim in part.primitives]
        union = manifold3d.Manifold.batch_boolean(manifolds, manifold3d.OpType.Add)
        if union.status() != manifold3d.Error.NoError or union.is_empty():
            raise DexgysError(f"object {name!r}: the union of its primitives failed ({union.status()})")
        mesh = manifold_to_trimesh(union)
        center = mesh.bounds.mean(axis=0)
        mesh.apply_translation(-center)
        parts = [Part(p.name, [prim.translated(-center) for prim in p.primitives]) for p in parts]
        per_part = _part_sdfs(parts, torch.tensor(np.asarray(mesh.triangles_center)))
        labels = per_part.abs().argmin(dim=-1).numpy()
        return cls(
            name=name,
            mesh=mesh,
            part_names=[p.name for p in parts],
            face_labels=labels,
            category=category,
            source=dict(source or {}),
            parts=parts,
            tolerance=tolerance,
        )

    @property
    def primitives(self) -> list[Primitive]:
        """All primitives, part by part, in order."""
        return list(self._primitives)

    def sdf(self, points: torch.Tensor) -> torch.Tensor:
        """Signed distance ``(...)`` of points ``(..., 3)``: min over primitives (exact outside, bound inside)."""
        return self.sdf_and_part(points)[0]

    def sdf_and_part(self, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Signed distance ``(...)`` and the index ``(...)`` (int64) of the part of the nearest primitive."""
        sdf, index = union_sdf(self._primitives, points)
        return sdf, self._primitive_part.to(index.device)[index]

    def part_sdfs(self, points: torch.Tensor) -> torch.Tensor:
        """Signed distance to each part ``(..., n_parts)`` for points ``(..., 3)``."""
        return _part_sdfs(self.parts, points)

    def collision_geoms(self) -> list[CollisionGeom]:
        """Every primitive's convex pieces (native geoms or mesh pieces) tagged with its part index."""
        return [
            dataclasses.replace(geom, part=i)
            for i, part in enumerate(self.parts)
            for prim in part.primitives
            for geom in prim.collision_geoms(self.tolerance)
        ]


def _check_parts(name: str, parts: list[Part]) -> list[Part]:
    parts = list(parts)
    if not parts:
        raise DexgysError(f"object {name!r} has no parts")
    names = [p.name for p in parts]
    if len(set(names)) != len(names) or not all(isinstance(n, str) and n for n in names):
        raise DexgysError(f"object {name!r}: part names must be distinct non-empty strings, got {names}")
    for p in parts:
        if not p.primitives or not all(isinstance(prim, Primitive) for prim in p.primitives):
            raise DexgysError(f"object {name!r}: part {p.name!r} needs one or more primitives")
    return parts


def _part_sdfs(parts: list[Part], points: torch.Tensor) -> torch.Tensor:
    return torch.stack(
        [torch.stack([prim.sdf(points) for prim in p.primitives], -1).min(-1).values for p in parts], dim=-1
    )
