"""Solid primitives with exact (or tightly bounded) signed distances, meshes and MuJoCo collision pieces.

Every primitive is a solid in its own local frame placed in the object frame by a rigid pose
(``pos`` (3,), ``quat`` (w, x, y, z)). Signed distance convention for all of dexgys:
**negative inside, positive outside**, in metres; ``sdf`` is differentiable in torch.

Primitive                          local frame
Sphere(radius)                     centred at the origin
Box(half_extents, rounding)        centred; ``rounding`` rounds edges without changing the extents
Capsule(radius, half_length)       axis z, segment z in [-h, h] (MuJoCo convention)
Cylinder(radius, half_length, rounding)  axis z, z in [-h, h]
Ellipsoid(radii)                   centred; SDF is a bound (sign exact, distance approximate)
Torus(major_radius, minor_radius, arc)   tube around the z axis in the xy plane; ``arc`` < 2*pi keeps
                                   the part of the ring with polar angle in [-arc/2, arc/2] (centred
                                   on +x) with rounded (spherical) ends - a bent capsule
Lathe(profile)                     closed polygon of (r, z) points (r >= 0) revolved about z; a profile
                                   touching r = 0 is a solid of revolution, one that does not is a ring
                                   (hollow cup walls); exact SDF from the 2-D polygon distance
Extrusion(polygon, half_height, rounding)  simple xy polygon extruded over z in [-h, h]; exact SDF

Each primitive gives:
* ``sdf(points)``: points ``(..., 3)`` in the object frame -> ``(...,)`` signed distance.
* ``to_mesh()``: a watertight ``trimesh.Trimesh`` in the object frame.
* ``collision_geoms()``: a list of :class:`CollisionGeom`, convex pieces whose union approximates
  the solid to within a millimetre or so, as MuJoCo geoms (native types where exact, convex
  ``mesh`` pieces otherwise).
* ``translated(offset)``: a copy moved by ``offset`` (object centring uses it).
"""
