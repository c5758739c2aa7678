"""``CollisionGeom``: one convex collision piece of an object, in MuJoCo terms."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CollisionGeom"]


@dataclass(frozen=True)
class CollisionGeom:
    """One convex collision piece in the object frame, in MuJoCo terms.

    ``kind`` is a MuJoCo geom type: sphere, capsule, cylinder, box, ellipsoid or mesh. ``size`` follows
    MuJoCo (radius / half-lengths / half-extents); for ``mesh`` the convex piece is
    ``vertices`` (V, 3) in the object frame, ``pos``/``quat`` are then the identity.
    ``part`` indexes the owning object's ``part_names``.
    """

    kind: str
    size: tuple[float, ...] = ()
    pos: tuple[float, float, float] = (0.0, 0.0, 0.0)
    quat: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)
    vertices: np.ndarray | None = None
    part: int = 0
