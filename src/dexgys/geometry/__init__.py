"""Pure tensor geometry, the bottom layer (it imports no other dexgys package but ``errors``).

* :mod:`~dexgys.geometry.rotations` -- rotation conversions (axis-angle, quaternions, 6-D, Euler).
* :mod:`~dexgys.geometry.primitives` -- the solid primitives' base and the elementary solids (sphere,
  box, capsule, cylinder, ellipsoid) with exact SDFs, meshes and collision pieces; ``union_sdf``.
* :mod:`~dexgys.geometry.swept_solids` -- solids swept from a 2-D section: torus (arc), lathe, extrusion.
* :mod:`~dexgys.geometry.polygons` -- simple 2-D polygons: validation, exact SDF, convex pieces.
* :mod:`~dexgys.geometry.tessellation` -- chord counts, arcs, revolved and tubular meshes.
* :mod:`~dexgys.geometry.numerics` -- a norm safe at zero and checks of given numbers.
* :mod:`~dexgys.geometry.collision` -- ``CollisionGeom``, one convex MuJoCo collision piece.
* :mod:`~dexgys.geometry.object_field` -- ``ObjectField``, an object's per-part SDF sampled on a grid.
* :mod:`~dexgys.geometry.pointcloud` -- farthest-point sampling, nearest neighbours, ball query, Chamfer distance.
"""
