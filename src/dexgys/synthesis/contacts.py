"""The contacts a grasp actually makes, with exact signed distances, batched.

* :func:`finger_part_distances` -- for every finger (and the palm) of the hand and every object part,
  the smallest exact signed distance from the finger's links' surface points (the hand model's 1,024
  surface points, grouped by ``link_fingers``) to the part (``part_sdfs``; negative = inside).
* :func:`contact_facts` -- those distances thresholded at
  :data:`dexgys.language.contacts.CONTACT_THRESHOLD` (5 mm) into
  :class:`~dexgys.language.contacts.ContactFacts`, one per grasp.
* :func:`spec_violations` -- the acceptance rule of an :class:`IntentSpec` on those facts (below).
* :func:`fast_link_contacts` -- the per-link contacts of :func:`dexgys.sim.quality.link_contacts`
  (Q1 and the physics squeeze), computed from the same exact distances.

Speed: exact part SDFs of catalogue objects are slow (lathes, extrusions), so hand points are first
screened with the interpolated :class:`~dexgys.geometry.object_field.ObjectField` (when one is given): a
point whose grid value exceeds the distance of interest plus :data:`SCREEN_MARGIN` is farther than
that distance (the grid's interpolation error is below 2.2 mm at 2.5 mm spacing), so only the rest get
exact distances. Screened-out distances are reported as ``+inf`` ("farther than the screen").

**Acceptance rule** (:func:`spec_violations`), on facts with the 5 mm threshold:

1. ``target_untouched``: every target part is touched by some finger or the palm;
2. ``free_part_touched``: no finger and not the palm touches a part the spec leaves free;
3. ``key_role_missed``: every *key* role holds (the finger touches its part): the thumb's role, the
   role of a finger that is alone on its part when the roles name several parts (the trigger finger,
   the thumb on a screen), and for precision grasps (pinch, tripod, lateral pinch, hook) every role;
4. ``roles_missed``: at least :data:`ROLE_FRACTION` of the digits' roles hold.

The palm's role (power grasps) is not required: whether the grasp holds is the physics test's job.
Non-role fingers may touch anything that is not free, and fingers may touch non-target parts.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from dexgys.geometry.object_field import ObjectField, exact_part_sdfs
from dexgys.hands import HandModel, HandPose
from dexgys.language.contacts import CONTACT_THRESHOLD, ContactFacts
from dexgys.objects.grasp_object import GraspObject
from dexgys.synthesis.energy import DIGITS
from dexgys.synthesis.intents import IntentSpec

__all__ = [
    "PRECISION_TYPES",
    "ROLE_FRACTION",
    "SCREEN_MARGIN",
    "ExactDistances",
    "contact_facts",
    "exact_hand_distances",
    "fast_link_contacts",
    "finger_part_distances",
    "key_roles",
    "spec_violations",
]

SCREEN_MARGIN = 0.005  # m: grid values above (distance of interest + this) are certainly beyond it
SCREEN_DISTANCE = 0.015  # m: exact distances are computed for hand points within this of the object
ROLE_FRACTION = 0.6  # at least this share of the digits' roles must hold
PRECISION_TYPES = ("precision_pinch", "tripod", "lateral_pinch", "hook")
_CHUNK = 64  # grasps per batch


class ExactDistances:
    """Exact part distances of the hand surface points of a batch of grasps (object frame, metres).

    ``points`` ``(B, N, 3)`` hand surface points; ``parts`` ``(B, N, P)`` exact signed distance to each
    part where ``screened`` ``(B, N)`` is True, ``+inf`` elsewhere (farther than ``screen`` from the
    object); ``sdf`` ``(B, N)`` = min over parts (the object SDF).
    """

    def __init__(self, points: torch.Tensor, parts: torch.Tensor, screened: torch.Tensor, screen: float):
        self.points = points
        self.parts = parts
        self.screened = screened
        self.screen = screen

    @property
    def sdf(self) -> torch.Tensor:
        return self.parts.amin(-1)


def exact_hand_distances(
    hand: HandModel,
    obj: GraspObject,
    pose: HandPose | torch.Tensor,
    field: ObjectField | None = None,
    screen: float = SCREEN_DISTANCE,
) -> ExactDistances:
    """Exact part distances of every hand surface point within ``screen`` of ``obj`` (float64)."""
    pose = hand.as_pose(pose)
    out_p, out_d, out_s = [], [], []
    n_parts = len(obj.part_names)
    for start in range(0, pose.batch_size, _CHUNK):
        with torch.no_grad():
            pts = hand.surface_points(pose[start : start + _CHUNK])
            if field is not None:
                grid = field.sample(pts.to(field.device, torch.float32))[..., 0].to(pts.device)
                near = grid < screen + SCREEN_MARGIN
            else:
                near = torch.ones(pts.shape[:2], dtype=torch.bool, device=pts.device)
            pts64 = pts.to(torch.float64).cpu()
            near = near.cpu()
            parts = torch.full((*pts.shape[:2], n_parts), math.inf, dtype=torch.float64)
            if bool(near.any()):
                parts[near] = exact_part_sdfs(obj, pts64[near])
        out_p.append(pts64)
        out_d.append(parts)
        out_s.append(near)
    return ExactDistances(torch.cat(out_p), torch.cat(out_d), torch.cat(out_s), screen)


def finger_part_distances(
    hand: HandModel,
    obj: GraspObject,
    pose: HandPose | torch.Tensor | None = None,
    field: ObjectField | None = None,
    distances: ExactDistances | None = None,
) -> np.ndarray:
    """``(B, F, P)`` smallest signed distance from each finger's surface points (``hand.finger_names``
    order, the palm included) to each object part; ``+inf`` beyond the screen distance."""
    if distances is None:
        distances = exact_hand_distances(hand, obj, pose, field)
    finger_of_point = hand.surface_point_fingers.cpu()  # (N,)
    d = distances.parts  # (B, N, P)
    out = torch.full((d.shape[0], len(hand.finger_names), d.shape[2]), math.inf, dtype=torch.float64)
    index = finger_of_point.view(1, -1, 1).expand_as(d)
    out = out.scatter_reduce(1, index, d, reduce="amin", include_self=True)
    return out.numpy()


def contact_facts(
    hand: HandModel,
    obj: GraspObject,
    pose: HandPose | torch.Tensor | None = None,
    field: ObjectField | None = None,
    threshold: float = CONTACT_THRESHOLD,
    distances: ExactDistances | None = None,
) -> list[ContactFacts]:
    """One :class:`ContactFacts` per grasp: a finger (or the palm) touches a part when some point of
    its links lies within ``threshold`` of the part (or inside it)."""
    fpd = finger_part_distances(hand, obj, pose, field, distances)
    facts = []
    for b in range(fpd.shape[0]):
        table = {
            finger: {part: float(fpd[b, f, p]) for p, part in enumerate(obj.part_names) if fpd[b, f, p] <= threshold}
            for f, finger in enumerate(hand.finger_names)
        }
        facts.append(ContactFacts.from_distances(table, threshold))
    return facts


def key_roles(spec: IntentSpec) -> dict[str, str]:
    """The digit roles that must hold (see the module docstring)."""
    roles = {f: p for f, p in spec.finger_roles.items() if f in DIGITS}
    if spec.grasp_type in PRECISION_TYPES:
        return dict(roles)
    parts = list(roles.values())
    key = {f: p for f, p in roles.items() if len(set(parts)) > 1 and parts.count(p) == 1}
    if "thumb" in roles:
        key["thumb"] = roles["thumb"]
    return key


def spec_violations(facts: ContactFacts, spec: IntentSpec) -> list[str]:
    """The acceptance rules (module docstring) that ``facts`` break for ``spec``; empty = accepted."""
    reasons = []
    touched = set(facts.parts)
    if any(part not in touched for part in spec.target_parts):
        reasons.append("target_untouched")
    if any(part in touched for part in spec.free_parts):
        reasons.append("free_part_touched")
    if any(not facts.touches(f, p) for f, p in key_roles(spec).items()):
        reasons.append("key_role_missed")
    roles = {f: p for f, p in spec.finger_roles.items() if f in DIGITS}
    if roles:
        held = sum(facts.touches(f, p) for f, p in roles.items())
        if held < ROLE_FRACTION * len(roles) - 1e-9:
            reasons.append("roles_missed")
    return reasons


def fast_link_contacts(hand: HandModel, obj: GraspObject, distances: ExactDistances, threshold: float = 0.01):
    """:func:`dexgys.sim.quality.link_contacts` from precomputed exact distances (needs
    ``distances.screen >= threshold``): per hand link the surface point with the smallest object SDF,
    a contact when below ``threshold``; normals are exact SDF gradients at those points."""
    from dexgys.sim.quality import LinkContacts

    if distances.screen < threshold:
        raise ValueError("the distances were screened closer than the contact threshold")
    point_links = hand.surface_point_links.cpu().numpy()
    links = np.unique(point_links)
    sdf = distances.sdf  # (B, N), +inf beyond the screen
    B = sdf.shape[0]
    hp = np.zeros((B, len(links), 3))
    dist = np.full((B, len(links)), math.inf)
    normals = np.tile(np.array([1.0, 0.0, 0.0]), (B, len(links), 1))
    for i, link in enumerate(links):
        cols = torch.as_tensor(np.nonzero(point_links == link)[0])
        d_link = sdf[:, cols]
        best, arg = d_link.min(-1)
        hp[:, i] = distances.points[torch.arange(B), cols[arg]].numpy()
        dist[:, i] = best.numpy()
    mask = dist < threshold
    if mask.any():
        p = torch.as_tensor(hp[mask], dtype=torch.float64).requires_grad_(True)
        with torch.enable_grad():
            d = obj.sdf(p)
            (grad,) = torch.autograd.grad(d.sum(), p)
        norm = grad.norm(dim=-1, keepdim=True)
        fallback = torch.tensor([1.0, 0.0, 0.0], dtype=grad.dtype).expand_as(grad)
        normals[mask] = torch.where(norm > 1e-12, grad / norm.clamp_min(1e-12), fallback).numpy()
        dist[mask] = d.detach().numpy()
    obj_pts = hp - np.where(np.isfinite(dist), dist, 0.0)[..., None] * normals
    return LinkContacts(links, hp, dist, normals, obj_pts, mask)
