"""A differentiable, batched model of any MJCF hand: kinematics, points, signed distance.

``HandModel`` reads an MJCF file (through MuJoCo) and its semantics JSON (see
:mod:`dexgys.hands.description`) and evaluates, for a batch of poses, with autograd, on any device:

* ``forward_kinematics``: world transforms of every link ``(B, L, 4, 4)``;
* point sets fixed in the links: surface points (area-weighted, farthest-point sampled, seeded),
  fingertips, pads, contact candidates and self-penetration keypoints;
* ``signed_distance`` from query points to the union of the primitive geoms
  (**negative inside, positive outside**), ``self_penetration`` and ``joint_limit_violation``;
* ``collision_depth``: exact depth of points inside the real collision geometry;
* ``meshes`` for viewers.

Real geometry and proxy: surface points, ``collision_depth`` and ``meshes`` come from the hand's
collision geoms (primitives, and meshes by their convex hulls as MuJoCo collides them). The fast
``signed_distance`` (and everything optimisation builds on it) uses the primitives only: the
collision primitives plus, on mesh links, the ``proxy_*`` primitives that contain the hull (see
:mod:`dexgys.hands.description`), so a point the proxy keeps outside is outside the real hand.

Every method taking a ``pose`` accepts a :class:`HandPose` or a record tensor ``(B, 6+n)``
(``[t | axis-angle | q]``, checked like :meth:`HandPose.from_record`); poses and points are moved to
the model's device and dtype (float32 CPU unless :meth:`HandModel.to` made a copy elsewhere).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import torch
import trimesh

from dexgys.errors import DexgysError
from dexgys.geometry.rotations import quaternion_to_matrix
from dexgys.hands.description import HandDescription, HandSemantics, read_mjcf, read_semantics
from dexgys.hands.geom_shapes import half_extents, link_mesh_template, link_surface_samples, rounded_box_sdf
from dexgys.hands.pose import HandPose

__all__ = ["HandModel"]

_TINY = 1e-30  # squared-distance floor: keeps sqrt differentiable (zero gradient) at 0
_SDF_CHUNK = 1 << 21  # batch chunk of signed_distance: about this many (pose, point, geom) triples


def _homogeneous(R: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """``(..., 3, 3)``, ``(..., 3)`` -> ``(..., 4, 4)``."""
    top = torch.cat([R, t.unsqueeze(-1)], dim=-1)
    bottom = torch.zeros_like(top[..., :1, :])
    bottom[..., 0, 3] = 1.0
    return torch.cat([top, bottom], dim=-2)


def _runs(links: torch.Tensor) -> list[tuple[int, int, int]]:
    """``(K,)`` link ids -> ``(link, start, stop)`` for each run of equal consecutive ids."""
    ids = links.tolist()
    starts = [k for k in range(len(ids)) if k == 0 or ids[k] != ids[k - 1]]
    return [(ids[a], a, b) for a, b in zip(starts, starts[1:] + [len(ids)])]


def _transform_points(
    T: torch.Tensor, runs: list[tuple[int, int, int]], local: torch.Tensor, translate: bool = True
) -> torch.Tensor:
    """Link transforms ``(B, L, 4, 4)``, link runs of the points (see :func:`_runs`), link-frame points
    ``(K, 3)`` -> world ``(B, K, 3)`` (directions only, with ``translate=False``). One matmul per run:
    much cheaper than gathering a transform per point."""
    out = []
    for link, start, stop in runs:
        part = local[start:stop] @ T[:, link, :3, :3].transpose(1, 2)
        out.append(part + T[:, link, None, :3, 3] if translate else part)
    return torch.cat(out, dim=1) if out else local.new_zeros(T.shape[0], 0, 3)


def _augment(points: torch.Tensor) -> torch.Tensor:
    """``(B, N, 3)`` -> ``(B, N, 5)`` rows ``[p, 1, |p|^2]``: affine and squared terms become one ``bmm``."""
    return torch.cat([points, torch.ones_like(points[..., :1]), (points * points).sum(-1, keepdim=True)], dim=-1)


def _capsule_sdf(p_aug, a, axis, length, radius):
    """Augmented points ``(B, N, 5)`` (see :func:`_augment`); segments from ``a`` ``(B, G, 3)`` along
    unit ``axis`` ``(B, G, 3)`` for ``length`` ``(G,)`` with ``radius`` ``(G,)`` -> ``(B, N, G)`` exact
    signed distance. ``s = (p - a) . axis``; squared distance ``|p - a|^2 - tc (2 s - tc)`` with
    ``tc = clamp(s, 0, length)``."""
    ones = torch.ones_like(a[..., 0])
    along = torch.cat([axis, -(a * axis).sum(-1, keepdim=True), torch.zeros_like(ones)[..., None]], dim=-1)
    square = torch.cat([-2.0 * a, (a * a).sum(-1, keepdim=True), ones[..., None]], dim=-1)
    s = p_aug @ along.transpose(1, 2)
    pa2 = p_aug @ square.transpose(1, 2)
    tc = torch.clamp(s, min=torch.zeros_like(length), max=length)
    d2 = torch.addcmul(pa2, tc, torch.add(tc, s, alpha=-2.0))
    return torch.sqrt(torch.clamp(d2, min=_TINY)) - radius


def _box_sdf(p_aug, centre, R, half):
    """Augmented points ``(B, N, 5)``; boxes at ``centre`` ``(B, G, 3)`` with axes ``R``
    ``(B, G, 3, 3)`` and half-extents ``half`` ``(G, 3)`` -> ``(B, N, G)`` exact signed distance."""
    B, G = centre.shape[:2]
    rot = R.permute(0, 2, 1, 3).reshape(B, 3, 3 * G)  # [i, (g, j)] = R[g, i, j]
    shift = -torch.einsum("bgi,bgij->bgj", centre, R).reshape(B, 1, 3 * G)
    local = (p_aug[..., :4] @ torch.cat([rot, shift], dim=1)).view(B, p_aug.shape[1], G, 3)
    q = local.abs() - half
    return torch.linalg.vector_norm(torch.relu(q), dim=-1) + torch.clamp(q.amax(-1), max=0.0)


class HandModel:
    """Kinematics, point sets and signed distance of one hand; see the module docstring.

    Construct with :meth:`from_mjcf` (or :func:`dexgys.hands.load_hand`). Attributes: ``name``,
    ``mjcf_path``, ``n_dofs``, ``joint_names``, ``joint_lower``/``joint_upper`` ``(n,)``,
    ``link_names`` (L), ``link_fingers`` (L names), ``link_finger_ids`` ``(L,)`` (indices into
    ``finger_names``), ``geom_primitives`` (list of :class:`~dexgys.hands.description.GeomPrimitive`), and for each point set
    the link ids (and finger ids) of its points: ``surface_point_links``/``surface_point_fingers`` ``(N,)``,
    ``fingertip_links``/``fingertip_fingers`` ``(F,)``, ``pad_links``/``pad_fingers`` ``(P,)``,
    ``contact_candidate_links``/``contact_candidate_fingers`` ``(C,)``,
    ``penetration_keypoint_links``/``penetration_keypoint_radii`` ``(K,)``.
    """

    def __init__(
        self,
        description: HandDescription,
        semantics: HandSemantics,
        *,
        n_surface_points: int = 1024,
        seed: int = 0,
    ) -> None:
        if n_surface_points < 1:
            raise DexgysError(f"n_surface_points must be positive, got {n_surface_points}")
        d, s = description, semantics
        f64 = torch.float64
        self.name = s.hand
        self.mjcf_path = d.path
        self.joint_names = list(d.joint_names)
        self.n_dofs = len(d.joint_names)
        self.link_names = list(d.link_names)
        self.link_index = {n: i for i, n in enumerate(d.link_names)}
        self.finger_names = tuple(s.finger_names)
        self.link_fingers = list(s.link_fingers)
        self.link_finger_ids = torch.tensor([self.finger_names.index(f) for f in s.link_fingers])
        self.geom_primitives = list(d.geoms)
        self.collision_meshes = list(d.meshes)
        self._real_pieces = [g for g in d.geoms if not g.proxy] + list(d.meshes)

        self.joint_lower = torch.tensor(d.joint_lower, dtype=f64)
        self.joint_upper = torch.tensor(d.joint_upper, dtype=f64)

        # --- kinematic tree: fixed body transforms, joint slots, depth levels
        L = len(d.link_names)
        fixed = _homogeneous(quaternion_to_matrix(torch.tensor(d.body_quat, dtype=f64)), torch.tensor(d.body_pos))
        self._body_fixed = fixed
        self._joint_axis = torch.tensor(d.joint_axis, dtype=f64)
        self._joint_pos = torch.tensor(d.joint_pos, dtype=f64)
        self._joint_qpos0 = torch.tensor(d.joint_qpos0, dtype=f64)
        self._joint_is_slide = torch.tensor(d.joint_is_slide, dtype=torch.bool)
        per_link = [[j for j in range(self.n_dofs) if d.joint_link[j] == link] for link in range(L)]
        n_slots = max((len(js) for js in per_link), default=0)
        # joint index per (link, slot); ``n_dofs`` stands for "no joint" (an identity transform)
        self._joint_slots = torch.tensor(
            [js + [self.n_dofs] * (n_slots - len(js)) for js in per_link], dtype=torch.long
        ).reshape(L, n_slots)
        depth = np.zeros(L, dtype=np.int64)
        for link in range(L):
            p = d.parents[link]
            depth[link] = 0 if p < 0 else depth[p] + 1  # MuJoCo lists parents before children
        order = np.argsort(depth, kind="stable")
        position = np.empty(L, dtype=np.int64)
        position[order] = np.arange(L)
        self._levels = [
            (torch.tensor(order[depth[order] == lvl]), torch.tensor(position[d.parents[order[depth[order] == lvl]]]))
            for lvl in range(1, int(depth.max()) + 1)
        ]
        self._link_from_order = torch.tensor(position)

        # --- collision geoms, segments (capsule, sphere) first, then boxes
        geoms = sorted(d.geoms, key=lambda g: g.type == "box")
        self._n_segments = sum(g.type != "box" for g in geoms)
        self._geom_links = torch.tensor([g.link for g in geoms], dtype=torch.long)
        self._geom_local = torch.tensor(np.array([g.local_transform() for g in geoms]).reshape(-1, 4, 4))
        self._geom_half = torch.tensor(np.array([half_extents(g) for g in geoms]).reshape(-1, 3))
        self._geom_radius = torch.tensor([0.0 if g.type == "box" else g.size[0] for g in geoms], dtype=f64)
        self._real_geom_index = torch.tensor([k for k, g in enumerate(geoms) if not g.proxy], dtype=torch.long)
        # hull face planes of the collision meshes, stacked; (link, start, stop) rows per mesh
        sizes = np.cumsum([0] + [len(m.hull_planes) for m in d.meshes])
        self._hull_runs = [(m.link, int(a), int(b)) for m, a, b in zip(d.meshes, sizes[:-1], sizes[1:])]
        self._hull_planes = torch.tensor(np.concatenate([m.hull_planes for m in d.meshes] or [np.zeros((0, 4))]))

        # --- semantic point sets
        def finger_set(items):
            return (
                torch.tensor([link for _, link, _ in items], dtype=torch.long),
                torch.tensor([self.finger_names.index(f) for f, _, _ in items], dtype=torch.long),
                torch.tensor(np.array([p for _, _, p in items]).reshape(-1, 3)),
            )

        self.fingertip_links, self.fingertip_fingers, self._fingertip_local = finger_set(s.fingertips)
        self.pad_links, self.pad_fingers, self._pad_local = finger_set(s.pads)
        self.contact_candidate_links = torch.tensor([link for link, _ in s.contact_candidates], dtype=torch.long)
        self.contact_candidate_fingers = self.link_finger_ids[self.contact_candidate_links]
        self._contact_local = torch.tensor(np.array([p for _, p in s.contact_candidates]).reshape(-1, 3))
        kp = s.penetration_keypoints
        self.penetration_keypoint_links = torch.tensor([link for link, _, _ in kp], dtype=torch.long)
        self.penetration_keypoint_radii = torch.tensor([r for _, _, r in kp], dtype=f64)
        self._penetration_local = torch.tensor(np.array([p for _, p, _ in kp]).reshape(-1, 3))
        i, j = torch.triu_indices(len(kp), len(kp), offset=1)
        keep = self.penetration_keypoint_links[i] != self.penetration_keypoint_links[j]
        self._penetration_pairs = torch.stack([i[keep], j[keep]])

        # --- surface points and normals (link frames), mesh template for viewers
        pts, normals, links = link_surface_samples(
            self.name, self.geom_primitives, self._real_pieces, len(self.link_names), n_surface_points, seed
        )
        self._surface_local = torch.tensor(pts)
        self._surface_normal_local = torch.tensor(normals)
        self.surface_point_links = torch.tensor(links, dtype=torch.long)
        self.surface_point_fingers = self.link_finger_ids[self.surface_point_links]  # finger index of each point
        self._surface_runs = _runs(self.surface_point_links)
        self._fingertip_runs = _runs(self.fingertip_links)
        self._pad_runs = _runs(self.pad_links)
        self._contact_runs = _runs(self.contact_candidate_links)
        self._penetration_runs = _runs(self.penetration_keypoint_links)
        self._mesh_template = link_mesh_template(self._real_pieces)

        self._to_float32()

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def from_mjcf(
        cls, mjcf_path: str | Path, semantics_path: str | Path, *, n_surface_points: int = 1024, seed: int = 0
    ) -> HandModel:
        """Build a hand from its MJCF file and semantics JSON (float32, CPU; use :meth:`to`)."""
        description = read_mjcf(mjcf_path)
        return cls(
            description,
            read_semantics(semantics_path, description),
            n_surface_points=n_surface_points,
            seed=seed,
        )

    def _to_float32(self) -> None:
        """Keep float64 CPU masters of the floating tensors (so ``.to(dtype=float64)`` is exact) and
        switch the working copies to float32."""
        self._float64 = {k: v for k, v in vars(self).items() if isinstance(v, torch.Tensor) and v.is_floating_point()}
        for key, value in self._float64.items():
            setattr(self, key, value.float())

    def to(self, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> HandModel:
        """A copy whose tensors live on ``device`` with floating ``dtype`` (``self`` is unchanged);
        floating tensors are converted from float64 masters."""
        device = torch.device(device) if device is not None else self.device
        dtype = dtype or self.dtype

        def move(value):
            if isinstance(value, torch.Tensor):
                return value.to(device=device)
            if isinstance(value, list) and value and isinstance(value[0], tuple):
                return [tuple(move(v) for v in item) for item in value]
            return value

        new = copy.copy(self)
        for key, value in vars(self).items():
            if key in self._float64:
                setattr(new, key, self._float64[key].to(device=device, dtype=dtype))
            elif key != "_float64":
                setattr(new, key, move(value))
        return new

    @property
    def device(self) -> torch.device:
        return self.joint_lower.device

    @property
    def dtype(self) -> torch.dtype:
        return self.joint_lower.dtype

    def __repr__(self) -> str:
        return (
            f"HandModel(name={self.name!r}, n_dofs={self.n_dofs}, links={len(self.link_names)}, "
            f"geoms={len(self.geom_primitives)}, surface_points={len(self.surface_point_links)}, "
            f"device={self.device}, dtype={self.dtype})"
        )

    # ------------------------------------------------------------------ poses and kinematics
    def as_pose(self, pose: HandPose | torch.Tensor) -> HandPose:
        """A :class:`HandPose` with ``n_dofs`` joints on the model's device and dtype, from a pose or a
        record ``(B, 6+n)`` (checked like :meth:`HandPose.from_record`)."""
        if not isinstance(pose, HandPose):
            pose = HandPose.from_record(pose, self.n_dofs, self.name)
        elif pose.n_dofs != self.n_dofs:
            raise DexgysError(f"pose has {pose.n_dofs} joint values; the {self.name} hand has {self.n_dofs} joints")
        return pose.to(self.device, self.dtype)

    def _joint_transforms(self, q: torch.Tensor) -> torch.Tensor:
        """``(B, n)`` -> ``(B, n+1, 4, 4)`` joint motions in their link frames; the last is identity."""
        angle = (q - self._joint_qpos0).unsqueeze(-1)  # (B, n, 1)
        axis = self._joint_axis
        x, y, z = axis.unbind(-1)
        zero = torch.zeros_like(x)
        K = torch.stack([zero, -z, y, z, zero, -x, -y, x, zero], dim=-1).view(-1, 3, 3)
        eye = torch.eye(3, dtype=q.dtype, device=q.device)
        R = eye + torch.sin(angle)[..., None] * K + (1.0 - torch.cos(angle))[..., None] * (K @ K)
        slide = self._joint_is_slide[:, None]
        R = torch.where(slide[..., None], eye, R)
        t = torch.where(slide, axis * angle, self._joint_pos - (R @ self._joint_pos[..., None]).squeeze(-1))
        T = _homogeneous(R, t)
        ident = torch.eye(4, dtype=q.dtype, device=q.device).expand(q.shape[0], 1, 4, 4)
        return torch.cat([T, ident], dim=1)

    def forward_kinematics(self, pose: HandPose | torch.Tensor) -> torch.Tensor:
        """Pose (B) -> ``(B, L, 4, 4)`` world transform of every link frame (``link_names`` order)."""
        pose = self.as_pose(pose)
        joint_T = self._joint_transforms(pose.joints)
        local = self._body_fixed.expand(pose.batch_size, -1, -1, -1)
        for slot in range(self._joint_slots.shape[1]):
            local = local @ joint_T[:, self._joint_slots[:, slot]]
        world = _homogeneous(pose.rotation, pose.translation).unsqueeze(1)  # the root, level 0
        for links, parent_pos in self._levels:
            world = torch.cat([world, world[:, parent_pos] @ local[:, links]], dim=1)
        return world[:, self._link_from_order]

    # ------------------------------------------------------------------ point sets
    def surface_points(self, pose: HandPose | torch.Tensor) -> torch.Tensor:
        """Pose (B) -> ``(B, N, 3)`` world surface points; ``surface_point_links`` ``(N,)`` their links."""
        return _transform_points(self.forward_kinematics(pose), self._surface_runs, self._surface_local)

    def surface_normals(self, pose: HandPose | torch.Tensor) -> torch.Tensor:
        """Pose (B) -> ``(B, N, 3)`` outward unit normals at :meth:`surface_points`."""
        return _transform_points(self.forward_kinematics(pose), self._surface_runs, self._surface_normal_local, False)

    def fingertip_points(self, pose: HandPose | torch.Tensor) -> torch.Tensor:
        """Pose (B) -> ``(B, F, 3)``; fingers in ``fingertip_fingers`` (indices into ``finger_names``)."""
        return _transform_points(self.forward_kinematics(pose), self._fingertip_runs, self._fingertip_local)

    def pad_points(self, pose: HandPose | torch.Tensor) -> torch.Tensor:
        """Pose (B) -> ``(B, P, 3)`` touch points; fingers in ``pad_fingers``."""
        return _transform_points(self.forward_kinematics(pose), self._pad_runs, self._pad_local)

    def contact_candidates(self, pose: HandPose | torch.Tensor) -> torch.Tensor:
        """Pose (B) -> ``(B, C, 3)`` palmar contact candidates; ``contact_candidate_links``/``_fingers``."""
        return _transform_points(self.forward_kinematics(pose), self._contact_runs, self._contact_local)

    def penetration_keypoints(self, pose: HandPose | torch.Tensor) -> torch.Tensor:
        """Pose (B) -> ``(B, K, 3)`` self-penetration keypoints; ``penetration_keypoint_links``/``_radii``."""
        return _transform_points(self.forward_kinematics(pose), self._penetration_runs, self._penetration_local)

    # ------------------------------------------------------------------ energies
    def self_penetration(self, pose: HandPose | torch.Tensor) -> torch.Tensor:
        """Pose (B) -> ``(B,)`` sum over keypoint pairs on different links of relu(r_i + r_j - distance)."""
        kp = self.penetration_keypoints(pose)
        i, j = self._penetration_pairs
        diff = kp[:, i] - kp[:, j]
        dist = torch.sqrt(torch.clamp((diff * diff).sum(-1), min=_TINY))
        radii = self.penetration_keypoint_radii
        return torch.relu(radii[i] + radii[j] - dist).sum(-1)

    def joint_limit_violation(self, joints: torch.Tensor | HandPose) -> torch.Tensor:
        """Joints ``(B, n)`` (or a pose) -> ``(B,)`` sum of relu(q - upper) + relu(lower - q), radians."""
        q = joints.joints if isinstance(joints, HandPose) else joints
        return (torch.relu(q - self.joint_upper) + torch.relu(self.joint_lower - q)).sum(-1)

    def clamp_joints(self, joints: torch.Tensor) -> torch.Tensor:
        """``(B, n)`` -> ``(B, n)`` clamped into the joint limits."""
        return torch.clamp(joints, min=self.joint_lower, max=self.joint_upper)

    # ------------------------------------------------------------------ signed distance
    def signed_distance(
        self, pose: HandPose | torch.Tensor, points: torch.Tensor, *, return_link: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Pose (B), world points ``(B, N, 3)`` -> ``(B, N)`` signed distance to the hand, metres.

        **Negative inside the hand, positive outside** (the dexgys convention). The value is the
        minimum over the collision geoms (boxes, capsules, spheres) of each geom's exact signed
        distance: exact outside the hand and inside a single geom; where geoms overlap it is the
        deepest single-geom depth. Differentiable in the pose and the points. With
        ``return_link`` also the ``(B, N)`` link id of the nearest geom.
        """
        pose = self.as_pose(pose)
        points = torch.as_tensor(points)
        if points.dim() != 3 or points.shape[0] != pose.batch_size or points.shape[2] != 3:
            raise DexgysError(
                f"points must have shape ({pose.batch_size}, N, 3) for {pose.batch_size} poses, "
                f"got {tuple(points.shape)}"
            )
        points = points.to(self.device, self.dtype)
        T = self.forward_kinematics(pose)
        geom_world = T[:, self._geom_links] @ self._geom_local  # (B, G, 4, 4)
        chunk = max(1, _SDF_CHUNK // max(1, points.shape[1] * len(self._geom_links)))
        values, geoms = [], []
        for G_c, origin_c, points_c in zip(geom_world.split(chunk), pose.translation.split(chunk), points.split(chunk)):
            p = points_c - origin_c[:, None]
            G_c = torch.cat([G_c[..., :3, :3].flatten(-2), G_c[..., :3, 3] - origin_c[:, None]], dim=-1)
            with torch.no_grad():
                geom = self._nearest_geom(G_c, p)
            values.append(self._selected_geom_sdf(G_c, p, geom))
            geoms.append(geom)
        value = torch.cat(values)
        return (value, self._geom_links[torch.cat(geoms)]) if return_link else value

    def _nearest_geom(self, G: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        """Geoms ``(B, G, 12)`` (row-major rotation, centre; root-relative), root-relative points
        ``(B, N, 3)`` -> ``(B, N)`` id of the geom with the smallest signed distance, found with
        ``bmm`` expansions over all geoms (fast; float32-accurate to about 1e-6 m)."""
        p = _augment(p)
        R, c = G[..., :9].unflatten(-1, (3, 3)), G[..., 9:]
        n = self._n_segments
        best = idx = None
        if n:
            half = self._geom_half[:n, 2]
            axis = R[:, :n, :, 2]
            start = c[:, :n] - half[:, None] * axis
            best, idx = _capsule_sdf(p, start, axis, 2.0 * half, self._geom_radius[:n]).min(-1)
        if n < G.shape[1]:
            box, box_idx = _box_sdf(p, c[:, n:], R[:, n:], self._geom_half[n:]).min(-1)
            idx = box_idx + n if idx is None else torch.where(box < best, box_idx + n, idx)
        return idx

    def _selected_geom_sdf(self, G: torch.Tensor, p: torch.Tensor, geom: torch.Tensor) -> torch.Tensor:
        """Geoms ``(B, G, 12)``, points ``(B, N, 3)``, chosen geom ids ``(B, N)`` -> ``(B, N)`` exact
        signed distance to the chosen geoms, evaluated in their frames (this carries the gradient)."""
        sel = torch.gather(G, 1, geom.unsqueeze(-1).expand(-1, -1, 12))
        local = torch.einsum("bnij,bni->bnj", sel[..., :9].unflatten(-1, (3, 3)), p - sel[..., 9:])
        return rounded_box_sdf(local, self._geom_half[geom], self._geom_radius[geom])

    def penetration_depth(self, pose: HandPose | torch.Tensor, points: torch.Tensor) -> torch.Tensor:
        """Pose (B), points ``(B, N, 3)`` -> ``(B, N)`` depth inside the hand, ``relu(-signed_distance)``."""
        return torch.relu(-self.signed_distance(pose, points))

    @property
    def has_proxy(self) -> bool:
        """True when the signed distance uses proxies that stand for collision meshes."""
        return bool(self.collision_meshes)

    def collision_depth(self, pose: HandPose | torch.Tensor, points: torch.Tensor) -> torch.Tensor:
        """Pose (B), points ``(B, N, 3)`` -> ``(B, N)`` depth of each point inside the **real**
        collision geometry, metres (0 outside): the deepest single-piece depth over the collision
        primitives (exact) and the meshes' convex hulls (exact: ``min_k (d_k - n_k . x)`` over the
        hull's face planes), what MuJoCo collides. Without meshes this is :meth:`penetration_depth`."""
        if not self.has_proxy:
            return self.penetration_depth(pose, points)
        pose = self.as_pose(pose)
        points = torch.as_tensor(points).to(self.device, self.dtype)
        widest = max(stop - start for _, start, stop in self._hull_runs)
        chunk = max(1, _SDF_CHUNK // max(1, points.shape[1] * widest))  # bounds the (poses, points, planes) block
        parts = [
            self._collision_depth(pose[a : a + chunk], points[a : a + chunk]) for a in range(0, pose.batch_size, chunk)
        ]
        return torch.cat(parts)

    def _collision_depth(self, pose: HandPose, points: torch.Tensor) -> torch.Tensor:
        T = self.forward_kinematics(pose)
        depth = torch.zeros(points.shape[:2], dtype=self.dtype, device=self.device)
        for k in self._real_geom_index.tolist():
            G = T[:, self._geom_links[k]] @ self._geom_local[k]
            local = torch.einsum("bij,bni->bnj", G[:, :3, :3], points - G[:, None, :3, 3])
            d = rounded_box_sdf(local, self._geom_half[k], self._geom_radius[k])
            depth = torch.maximum(depth, torch.relu(-d))
        for link, start, stop in self._hull_runs:
            planes = self._hull_planes[start:stop]
            local = torch.einsum("bij,bni->bnj", T[:, link, :3, :3], points - T[:, link, None, :3, 3])
            inside = (planes[:, 3] - local @ planes[:, :3].T).amin(-1)
            depth = torch.maximum(depth, torch.relu(inside))
        return depth

    # ------------------------------------------------------------------ meshes
    def meshes(self, pose: HandPose | torch.Tensor) -> list[trimesh.Trimesh]:
        """Pose (B) -> B world-frame meshes (one closed piece per geom, not merged).

        ``mesh.metadata["face_link"]`` ``(F,)`` is each face's link id (into ``link_names``) and
        ``mesh.metadata["face_finger"]`` ``(F,)`` its finger id (into ``finger_names``).
        """
        with torch.no_grad():
            T = self.forward_kinematics(pose).detach().to("cpu", torch.float64).numpy()
        verts, vlinks, faces, flinks = self._mesh_template
        finger = self.link_finger_ids.cpu().numpy()[flinks]
        out = []
        for Tb in T:
            world = np.einsum("vij,vj->vi", Tb[vlinks, :3, :3], verts) + Tb[vlinks, :3, 3]
            mesh = trimesh.Trimesh(world, faces, process=False)
            mesh.metadata["face_link"] = flinks.copy()
            mesh.metadata["face_finger"] = finger.copy()
            out.append(mesh)
        return out
