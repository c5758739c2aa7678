"""Analytic grasp quality: per-link contacts, the Q1 (epsilon) metric and the maximal penetration depth.

Definitions follow ``spec/evaluation.md`` (and the official DexGYS ``scripts/q1/eval_utils.py``):

**Contacts** (:func:`link_contacts`): for every hand link that carries surface points, the surface
point with the smallest object signed distance (closest to, or deepest in, the object) is that link's
candidate; it is a contact when its distance is below :data:`Q1_CONTACT_DISTANCE` = 1 cm (inside
counts). At most one contact per link. Contact normal = the object's outward surface normal (unit
gradient of the object SDF at the hand point); contact position = the hand point projected onto the
object surface along that normal (``p - d n``, the closest surface point for an exact SDF).

**Q1** (:func:`q1_from_contacts`, :func:`grasp_q1`): each contact's friction cone (``mu`` =
:data:`Q1_FRICTION` = 1) is linearised with :data:`Q1_CONE_EDGES` = 8 forces
``f_k = -n + mu (cos(2 pi k / 8) u + sin(2 pi k / 8) v)`` (``u = normalize(-n_y, n_x, 0)``, falling back
to x, ``v = u x n``; unnormalised, pressing into the object), with wrenches
``[f, TORQUE_SCALE (p x f)]`` (:data:`Q1_TORQUE_SCALE` = 10) about the object-frame origin (the
bounding-box centre). Q1 is the distance from the origin to the nearest facet of the convex hull of the
wrenches and the origin (scipy ``ConvexHull``): 0 when the origin is not strictly inside (then it is
a hull vertex and some facet passes through it; offsets below :data:`Q1_ZERO_TOL` count as 0), 0 when
the hull is degenerate (Qhull error, e.g. one contact, or no contact at all), capped at
:data:`Q1_CAP` = 1. The official code builds its cone on the outward normal; that mirrors every wrench
through the origin and gives the same Q1.

**valid Q1** = Q1 if the maximal penetration is below :data:`MAX_PENETRATION` = 5 mm, else 0.

**Maximal penetration** (:func:`max_penetration`): :data:`PENETRATION_SAMPLES` = 4,096 object
surface points (area-uniform, seed :data:`PENETRATION_SEED`); the depth of the deepest one inside the
hand's real collision geometry (boxes and capsules of the MJCF, the convex hulls of its collision
meshes; exact), in **metres**, 0 when none is inside. Reports show it in cm.

**Penetration energy** (:func:`penetration_energy`, the ``"dexgraspnet"`` protocol's pre-check):
DexGraspNet's ``E_pen``, the *sum* of those depths over 2,000 farthest-point object samples, metres.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.spatial import ConvexHull, QhullError

from dexgys.errors import DexgysError
from dexgys.hands import HandModel, HandPose
from dexgys.objects.grasp_object import GraspObject
from dexgys.sim._pool import pool_map

__all__ = [
    "ENERGY_DENSE_FACTOR",
    "ENERGY_SAMPLES",
    "MAX_PENETRATION",
    "PENETRATION_SAMPLES",
    "PENETRATION_SEED",
    "Q1_CAP",
    "Q1_CONE_EDGES",
    "Q1_CONTACT_DISTANCE",
    "Q1_FRICTION",
    "Q1_TORQUE_SCALE",
    "Q1_ZERO_TOL",
    "LinkContacts",
    "cone_wrenches",
    "grasp_q1",
    "link_contacts",
    "max_penetration",
    "penetration_energy",
    "penetration_points",
    "q1_from_contacts",
    "quality_metrics",
]

Q1_CONTACT_DISTANCE = 0.01  # m: a link's closest hand point is a contact within 1 cm of the object (or inside)
Q1_FRICTION = 1.0  # friction coefficient of the linearised cones
Q1_CONE_EDGES = 8  # edges per friction cone
Q1_TORQUE_SCALE = 10.0  # wrench = [f, 10 * (p x f)] (p in metres)
Q1_CAP = 1.0  # Q1 is capped at 1
Q1_ZERO_TOL = 1e-12  # facet offsets below this count as "origin on the boundary": Q1 = 0
MAX_PENETRATION = 0.005  # m: valid Q1 and the physics pre-check need max penetration below 5 mm
PENETRATION_SAMPLES = 4096  # object surface points tested against the hand
PENETRATION_SEED = 0  # seed of those points (the same points for every grasp of an object)
_POSE_CHUNK = 256  # grasps per torch batch in the metric functions (bounds memory)


class LinkContacts:
    """Per-link contact candidates of a batch of grasps (object frame, metres).

    ``links`` ``(L,)`` hand link ids (links with surface points), ``hand_points`` ``(B, L, 3)`` the
    closest/deepest hand surface point of each link, ``distance`` ``(B, L)`` its object signed
    distance (negative inside), ``normals`` ``(B, L, 3)`` outward unit object normals there,
    ``object_points`` ``(B, L, 3)`` the points projected onto the object surface, ``mask`` ``(B, L)``
    bool: ``distance < threshold``.
    """

    def __init__(self, links, hand_points, distance, normals, object_points, mask):
        self.links = links
        self.hand_points = hand_points
        self.distance = distance
        self.normals = normals
        self.object_points = object_points
        self.mask = mask


def _link_groups(hand: HandModel) -> tuple[np.ndarray, np.ndarray]:
    """Links with surface points ``(L,)`` and a padded index ``(L, P)`` of their points (-1 = pad)."""
    point_links = hand.surface_point_links.cpu().numpy()
    links = np.unique(point_links)
    groups = [np.nonzero(point_links == link)[0] for link in links]
    width = max(len(g) for g in groups)
    index = np.full((len(links), width), -1, dtype=np.int64)
    for i, g in enumerate(groups):
        index[i, : len(g)] = g
    return links, index


def _object_sdf_and_normal(obj: GraspObject, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Object signed distance ``(...)`` and outward unit normal ``(..., 3)`` (SDF gradient), float64."""
    p = points.detach().to(torch.float64).requires_grad_(True)
    with torch.enable_grad():
        d = obj.sdf(p)
        (grad,) = torch.autograd.grad(d.sum(), p)
    norm = grad.norm(dim=-1, keepdim=True)
    fallback = torch.tensor([1.0, 0.0, 0.0], dtype=grad.dtype).expand_as(grad)
    normal = torch.where(norm > 1e-12, grad / norm.clamp_min(1e-12), fallback)
    return d.detach(), normal


def link_contacts(
    hand: HandModel,
    obj: GraspObject,
    pose: HandPose | torch.Tensor,
    threshold: float = Q1_CONTACT_DISTANCE,
) -> LinkContacts:
    """Per-link contacts of grasps ``pose`` (B) on ``obj``; see the module docstring. float64 numpy.
    ``obj`` may be anything with a differentiable ``sdf(points)`` (e.g. the polish's sampled field)."""
    pose = hand.as_pose(pose)
    links, index = _link_groups(hand)
    out = {k: [] for k in ("hp", "d", "n")}
    idx = torch.as_tensor(index)
    pad = idx < 0
    for start in range(0, pose.batch_size, _POSE_CHUNK):
        with torch.no_grad():
            pts = hand.surface_points(pose[start : start + _POSE_CHUNK]).to(torch.float64)
        d, n = _object_sdf_and_normal(obj, pts)
        d_links = d[:, idx.clamp_min(0)].masked_fill(pad, math.inf)  # (b, L, P)
        best = d_links.argmin(-1)  # (b, L)
        point_idx = idx.clamp_min(0)[torch.arange(len(links)), best]  # (b, L)
        gather = point_idx.unsqueeze(-1).expand(-1, -1, 3)
        out["hp"].append(torch.gather(pts, 1, gather))
        out["d"].append(torch.gather(d, 1, point_idx))
        out["n"].append(torch.gather(n, 1, gather))
    hp = torch.cat(out["hp"]).numpy()
    dist = torch.cat(out["d"]).numpy()
    normals = torch.cat(out["n"]).numpy()
    obj_pts = hp - dist[..., None] * normals
    return LinkContacts(links, hp, dist, normals, obj_pts, dist < threshold)


def cone_wrenches(
    points: np.ndarray,
    normals: np.ndarray,
    friction: float = Q1_FRICTION,
    edges: int = Q1_CONE_EDGES,
    torque_scale: float = Q1_TORQUE_SCALE,
) -> np.ndarray:
    """Contacts ``(K, 3)`` with outward normals ``(K, 3)`` -> ``(K * edges, 6)`` cone-edge wrenches."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    n = np.asarray(normals, dtype=np.float64).reshape(-1, 3)
    n = n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-300)
    u = np.stack([-n[:, 1], n[:, 0], np.zeros(len(n))], axis=1)
    un = np.linalg.norm(u, axis=1, keepdims=True)
    u = np.where(un > 1e-12, u / np.maximum(un, 1e-300), np.array([1.0, 0.0, 0.0]))
    v = np.cross(u, n)
    theta = 2.0 * math.pi * np.arange(edges) / edges
    tangent = np.cos(theta)[None, :, None] * u[:, None] + np.sin(theta)[None, :, None] * v[:, None]
    f = -n[:, None, :] + friction * tangent  # (K, edges, 3), pressing into the object
    torque = torque_scale * np.cross(np.broadcast_to(points[:, None], f.shape), f)
    return np.concatenate([f, torque], axis=-1).reshape(-1, 6)


def q1_from_contacts(points: np.ndarray, normals: np.ndarray) -> float:
    """Q1 of contacts ``(K, 3)`` with outward normals ``(K, 3)`` (object frame); 0 when degenerate."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    if len(points) == 0 or not np.isfinite(points).all() or not np.isfinite(normals).all():
        return 0.0
    wrenches = np.concatenate([cone_wrenches(points, normals), np.zeros((1, 6))])
    try:
        hull = ConvexHull(wrenches)
    except (QhullError, ValueError):
        return 0.0
    normal = hull.equations[:, :6]
    offset = hull.equations[:, 6] / np.linalg.norm(normal, axis=1)
    q1 = float(np.min(np.abs(offset)))
    return 0.0 if q1 < Q1_ZERO_TOL else min(Q1_CAP, q1)


def _q1_item(item: tuple[np.ndarray, np.ndarray]) -> float:
    return q1_from_contacts(*item)


def grasp_q1(
    hand: HandModel,
    obj: GraspObject,
    pose: HandPose | torch.Tensor,
    contacts: LinkContacts | None = None,
    *,
    workers: int = 1,
) -> np.ndarray:
    """Q1 ``(B,)`` of grasps ``pose`` on ``obj`` (contacts from :func:`link_contacts` unless given; ``obj``
    as there).

    Each hull takes tens of milliseconds (about 11,000 facets for 17 contacts), so ``workers`` > 1
    spreads the hulls over processes."""
    c = contacts if contacts is not None else link_contacts(hand, obj, pose)
    items = [(c.object_points[b, c.mask[b]], c.normals[b, c.mask[b]]) for b in range(len(c.mask))]
    return np.array(pool_map(_q1_item, items, workers), dtype=np.float64).reshape(len(items))


def penetration_points(obj: GraspObject, n: int = PENETRATION_SAMPLES, seed: int = PENETRATION_SEED) -> torch.Tensor:
    """The object surface points ``(n, 3)`` used for max penetration (float64, object frame)."""
    if n < 1:
        raise DexgysError(f"number of penetration samples must be positive, got {n}")
    return torch.as_tensor(obj.sample_surface(n, seed=seed).points, dtype=torch.float64)


def max_penetration(
    hand: HandModel,
    obj: GraspObject,
    pose: HandPose | torch.Tensor,
    points: torch.Tensor | None = None,
) -> np.ndarray:
    """Maximal depth ``(B,)`` (metres, >= 0) of object surface points inside the hand's real collision
    geometry (:meth:`HandModel.collision_depth`: primitives, and meshes by their convex hulls)."""
    pose = hand.as_pose(pose)
    pts = penetration_points(obj) if points is None else torch.as_tensor(points)
    pts = pts.to(hand.device, hand.dtype)
    out = []
    with torch.no_grad():
        for start in range(0, pose.batch_size, _POSE_CHUNK):
            sub = pose[start : start + _POSE_CHUNK]
            depth = hand.collision_depth(sub, pts.expand(sub.batch_size, -1, -1))
            out.append(depth.amax(-1).to(torch.float64).cpu())
    return torch.cat(out).clamp_min(0.0).numpy()


def quality_metrics(
    hand: HandModel,
    obj: GraspObject,
    pose: HandPose | torch.Tensor,
    *,
    workers: int = 1,
    penetration: np.ndarray | None = None,
    points: torch.Tensor | None = None,
) -> dict[str, np.ndarray]:
    """``{"q1", "penetration", "valid_q1", "n_contacts"}`` arrays ``(B,)`` (penetration in metres).

    ``penetration`` reuses max penetrations already computed (e.g. ``GraspTestResult.penetration``);
    ``points``: the object surface points to measure it with (default :func:`penetration_points`), so
    ``obj`` may be any object :func:`link_contacts` reads (e.g. a sampled field with the object's cloud)."""
    pose = hand.as_pose(pose)
    contacts = link_contacts(hand, obj, pose)
    q1 = grasp_q1(hand, obj, pose, contacts, workers=workers)
    pen = max_penetration(hand, obj, pose, points) if penetration is None else np.asarray(penetration, dtype=np.float64)
    return {
        "q1": q1,
        "penetration": pen,
        "valid_q1": np.where(pen < MAX_PENETRATION, q1, 0.0),
        "n_contacts": contacts.mask.sum(1),
    }


ENERGY_SAMPLES = 2000  # object surface points of DexGraspNet's penetration energy (its main.py num_samples)
ENERGY_DENSE_FACTOR = 10  # farthest-point samples are drawn from this many times as many uniform ones


def penetration_energy(
    hand: HandModel,
    obj: GraspObject,
    pose: HandPose | torch.Tensor,
    n_points: int = ENERGY_SAMPLES,
    seed: int = PENETRATION_SEED,
) -> np.ndarray:
    """DexGraspNet's penetration energy ``E_pen`` ``(B,)`` (metres, >= 0): the sum, over ``n_points``
    farthest-point samples of the object surface, of their depths inside the hand's real collision
    geometry (:meth:`HandModel.collision_depth`, the depth :func:`max_penetration` maximises).

    DexGraspNet (``utils/energy.py``; ``utils/object_model.py``) draws its 2,000 points by FPS from
    100 x as many uniform samples; here from :data:`ENERGY_DENSE_FACTOR` x as many (seeded), which
    spaces them alike at a tenth of the cost. The sum grows with ``n_points``: compare values only at
    the same count."""
    from dexgys.geometry.pointcloud import farthest_point_sample

    pose = hand.as_pose(pose)
    dense = torch.as_tensor(obj.sample_surface(ENERGY_DENSE_FACTOR * n_points, seed=seed).points, dtype=torch.float64)
    pts = dense[farthest_point_sample(dense, n_points)].to(hand.device, hand.dtype)
    out = []
    with torch.no_grad():
        for start in range(0, pose.batch_size, _POSE_CHUNK):
            sub = pose[start : start + _POSE_CHUNK]
            depth = hand.collision_depth(sub, pts.expand(sub.batch_size, -1, -1))
            out.append(depth.to(torch.float64).sum(-1).cpu())
    return torch.cat(out).numpy()
