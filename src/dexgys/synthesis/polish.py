"""Physics polish: a short descent that makes generated grasps physically clean without changing what they do.

A learned generator (IDGC + QGC) puts the hand at the right part with the right fingers, but its
fingers sink a few millimetres into thin parts or hover just above them. The polish takes each
generated grasp as it is and moves it a little, with the synthesis machinery of
:mod:`dexgys.synthesis.energy` but **no intent spec**: the grasp's own contacts are the spec.

At the start, every phalanx (distal, middle, proximal of each digit; and the palm) whose closest
contact candidate lies within ``contacts.engage_distance`` of the object is *engaged*; the set is
fixed for the descent. The energy of :class:`PolishEnergy` is then, per grasp, each term weighted by
its field of :class:`~dexgys.synthesis.polish_config.PolishWeights` (the settings named below are
:class:`~dexgys.synthesis.polish_config.PolishConfig`'s, by group):

``penetration``       the swept-sphere penetration of :class:`~dexgys.synthesis.energy.GraspEnergy`
                      (the object reaching into the hand), but with the polish's own clearance
                      ``margins.penetration``: every sphere is pushed out to that
                      distance off the surface; the named fingers' spheres to
                      ``margins.named_penetration`` when it is set;
``contact``           each engaged phalanx's closest candidate onto the surface (``|sdf|``; distal
                      phalanges weigh 1, the others and the palm ``contacts.inner_phalanx``;
                      the phalanges of the *named fingers* weigh ``contacts.named_finger``
                      times more);
``region``            for each named finger given a *region* (the object points it should touch), how far
                      its closest contact candidate is from the closest region point, less
                      ``margins.region``;
``keep_off``          for every swept sphere of the hand, how far it comes within
                      ``margins.keep_off`` of the closest *free* object point (one
                      that no hand part should touch), when the caller gives free points;
``avoid``             the same for the *avoid* points, the parts the instruction's words keep free
                      ("without touching the blade"), within ``margins.avoid``;
                      on by default, unlike ``keep_off``: the words are an order, the predictor's
                      free points a guess (weight 0 also stops the generator's selection from
                      preferring grasps that keep off them: :mod:`dexgys.pipeline`, "Selection");
``surface``           when the caller gives the object's surface points: how far each comes within
                      ``margins.surface`` of the hand's collision geometry, or
                      inside it (:meth:`~dexgys.hands.HandModel.signed_distance`): the object reaching
                      into the hand seen from the object's side, which the swept spheres miss where
                      a finger crosses a wall thinner than the finger (the field's gradient vanishes
                      inside the wall). Off by default (below);
``force_closure``     :func:`~dexgys.synthesis.energy.force_closure` of the engaged distal phalanges
                      and the palm, normals fixed within a step;
``self_penetration``, ``joint_limits`` as in synthesis;
``anchor``            squared distance to the start: translation / ``anchor.translation``,
                      rotation (Frobenius) / ``anchor.rotation``, joints /
                      ``anchor.joints``, so the grasp keeps its place, its approach
                      and its finger roles.

It never sees the object's parts or a physics simulator: only the object's surface (an
:class:`~dexgys.geometry.object_field.ObjectField`). Nor does it read the instruction: the caller may pass
``named_fingers``, the hand parts the instruction puts on the object (in the generator, what the
model's :class:`~dexgys.models.finger_contacts.FingerContactPredictor` reads from the words). Their
engaged phalanges are then pulled harder, because a named finger that stops a few millimetres short
of the surface breaks the instruction. Which phalanges are engaged does not change. The caller may
also pass ``regions``, the object points each hand part should touch (in the generator, what the
model's :class:`~dexgys.models.contact_regions.ContactRegionPredictor` reads from the cloud and the
words): a named finger that touches the wrong part is then pulled toward its own, and a candidate
that stays far from it keeps a high residual energy, so the selection drops it. ``free`` points
(where the predictor expects no hand part) push the hand off parts the instruction leaves free.

**Defaults** (150 steps, engage 5 cm, contact weight 5) come from a sweep on 40 test conditions x 8
grasps of an earlier shipped model (``docs/experiments/results-history.md``, "Tuning the polish"): more steps, a wider
engage distance and a stronger contact pull each raised success and part contact; a looser anchor
(0.005), a stronger force-closure term (0.1) or a much stiffer anchor (0.2) lowered both, and a
stiffer anchor (0.05) kept success but lowered part contact.
Contact weight 8 gained little more and pushed the mean penetration from 0.14 to 0.17 cm.
The named fingers' weight (8) and the penetration weight (20, up from 5) were chosen together on 40
held-out test conditions ("The finger-contact predictor"): pulling the named fingers harder raised
part contact and success but pushed other links into the object; the stronger penetration term
took that back. The region weight (100; margin 5 mm) was chosen on the same held-out conditions from
40, 100, 150 and 400: part contact rose from 69 to 74-75 % at every weight, success in all six
directions held at 100 (70.6 %, against 70.0 % without regions) and fell at 150 and 400 (67.8 and
60.9 %), as the mean penetration rose from 0.06 to 0.07 and 0.10 cm. The keep-off term is off by
default: at weights 30 and 100 it raised held-out part contact by 2.5 points and lowered success in
all six directions by 2-3 and in any direction by 1-2. The surface term is off by default too: at
weight 300 (clearance 1 mm) it cut the held-out mean penetration from 0.058 to 0.005 cm and lowered
success in all six directions from 70.6 to 59.7 % and part contact from 75.3 to 63.7 %; weaker
settings (weight 30, or a 2 mm tolerance inside the hand instead of the clearance) also lowered
success, and with the tolerance the mean penetration rose (0.100 cm); why is not yet understood.

**Clearance.** The penetration term keeps every swept sphere 2 mm off the surface
(``margins.penetration``; the synthesis keeps 1 mm), the named fingers' spheres
1.5 mm (``margins.named_penetration``); the contact pull still brings the phalanges
to the surface, so the hand ends just short of it, a gap that the closing fingers take up.
Chosen on 150 held-out test conditions (``docs/experiments/results-history.md``, "The clearance"): against 1 mm,
2 mm for every sphere held 3.8 points more grasps in some direction but cost 2.2 points of part
contact; the named fingers at 1.5 mm kept 2.5 of the 3.8 points at 0.75 of part contact. On 50
other held-out conditions the shipped setting lost 3 points (over all 200: +1.1), and touching
(0 mm) or sinking 1 mm lost 7 and 10.

:func:`residual_energy` is what is left of the energy after the descent, less the anchor: how far a
polished grasp still is from a clean, closed grasp. :class:`~dexgys.pipeline.GraspGenerator` draws
more grasps than asked and keeps those with the lowest residual and the best Q1 (its ``oversample``;
:func:`~dexgys.synthesis.polisher.selection_score`).

**Rescue.** A finger that ends up across a wall thinner than itself stays there: the swept spheres'
field has no gradient inside the wall. The generator therefore checks its finished grasps with
:func:`~dexgys.sim.quality.max_penetration` and gives those with an object point ``rescue.depth`` (2 mm) or
deeper inside the hand :func:`rescue_polish`: ``rescue.steps`` (100) more steps with
the surface term at ``rescue.surface`` (100), which pushes the wall out of the
finger from the object's side. Chosen on 50 held-out test conditions (``docs/experiments/results-history.md``, "The
rescue"): the surface term on every grasp costs success, on these few it does not.

:func:`polish_grasps` runs it with a :class:`~dexgys.synthesis.optimize.GraspDescent` (Adam, joints
clamped), deterministic for given inputs; each grasp's result does not depend on the others in the
batch. :func:`start_polish` returns the descent unrun, so a caller can stop at
``screen.step`` (20 of the 150 steps), read :func:`early_residual` and finish only
the best grasps; the generator's screen does that (:mod:`dexgys.pipeline`, "Selection").
"""

from __future__ import annotations

import copy

import torch

from dexgys.errors import DexgysError
from dexgys.geometry.object_field import ObjectField
from dexgys.hands import HandModel, HandPose
from dexgys.synthesis.energy import LinkPoints, force_closure
from dexgys.synthesis.optimize import GraspDescent, OptimizeResult
from dexgys.synthesis.polish_config import PolishConfig

__all__ = [
    "PolishEnergy",
    "early_residual",
    "polish_grasps",
    "rescue_polish",
    "residual_energy",
    "start_polish",
]


class PolishEnergy:
    """The polish energy (module docstring) of a batch of generated grasps ``start`` on ``field``."""

    def __init__(
        self,
        hand: HandModel,
        field: ObjectField,
        start: HandPose,
        config: PolishConfig = PolishConfig(),
        sphere_spacing: float = 0.004,
        named_fingers: torch.Tensor | None = None,
        regions: tuple[torch.Tensor, torch.Tensor] | None = None,
        free: torch.Tensor | None = None,
        surface: torch.Tensor | None = None,
        avoid: torch.Tensor | None = None,
    ) -> None:
        self.hand, self.config = hand, config
        device, dtype = hand.device, hand.dtype
        self.field = field.with_channels(field.values[:1])
        self.spheres = LinkPoints.swept_spheres(hand, sphere_spacing)
        self.candidates = LinkPoints.candidates(hand)
        self.keypoints = LinkPoints.keypoints(hand)
        self.kp_pairs = self.keypoints.cross_link_pairs()

        # one group of contact candidates per phalanx and one for the palm, in stored candidate order
        links = hand.contact_candidate_links.tolist()
        fingers = [hand.finger_names[f] for f in hand.contact_candidate_fingers.tolist()]
        stored = torch.argsort(self.candidates.order)
        groups, weights, distal, owner = [], [], [], []
        for finger in dict.fromkeys(fingers):
            idx = [k for k in range(len(links)) if fingers[k] == finger]
            per_link = sorted({links[k] for k in idx})
            if finger == "palm":
                per_link = per_link[:1]
            for rank, link in enumerate(reversed(per_link[-3:])):
                groups.append([k for k in idx if links[k] == link])
                is_tip = finger != "palm" and rank == 0
                weights.append(1.0 if is_tip else config.contacts.inner_phalanx)
                distal.append(is_tip or finger == "palm")
                owner.append(hand.finger_names.index(finger))
        width = max(len(g) for g in groups)
        padded = torch.tensor([g + g[-1:] * (width - len(g)) for g in groups])
        self.group_index = stored[padded].to(device)
        self.group_weight = torch.tensor(weights, dtype=dtype, device=device)
        self.group_fc = torch.tensor(distal, device=device)

        self.start = start.to(device, dtype)
        with torch.no_grad():
            best, _ = self._closest(hand.forward_kinematics(self.start))
        self.engaged = (best < config.contacts.engage_distance).to(dtype)  # (B, G), fixed for the descent
        self.group_scale = torch.ones_like(best)  # (B, G): contacts.named_finger for the named fingers' groups
        # the penetration term's clearance: (B, 1), or (B, S) when the named fingers' spheres have their own
        self.clearance = torch.full((best.shape[0], 1), config.margins.penetration, dtype=dtype, device=device)
        if named_fingers is not None:
            named = torch.as_tensor(named_fingers, device=device).bool()
            if named.shape != (best.shape[0], len(hand.finger_names)):
                raise DexgysError(
                    f"named_fingers must have shape ({best.shape[0]}, {len(hand.finger_names)}), "
                    f"got {tuple(named.shape)}"
                )
            self.group_scale = torch.where(
                named[:, torch.tensor(owner, device=device)], config.contacts.named_finger, 1.0
            ).to(dtype)
            if config.margins.named_penetration is not None:
                sphere_named = named[:, hand.link_finger_ids.to(device)[self.spheres.links]]  # (B, S)
                self.clearance = torch.where(
                    sphere_named, config.margins.named_penetration, config.margins.penetration
                ).to(dtype)
        self.regions = None
        if regions is not None and config.weights.region > 0:
            self.regions = self._check_regions(regions, named_fingers, best.shape[0], stored, fingers)
        w = config.weights
        self.free = self._point_set(free, w.keep_off, "free")
        self.avoid = self._point_set(avoid, w.avoid, "avoid")
        self.surface = self._point_set(surface, w.surface, "surface")

    def subset(self, index: torch.Tensor) -> PolishEnergy:
        """The same energy for the grasps ``index`` ``(k,)`` alone (:meth:`GraspDescent.keep
        <dexgys.synthesis.optimize.GraspDescent.keep>`)."""
        out = copy.copy(self)
        out.start = self.start[index]
        out.engaged, out.group_scale = self.engaged[index], self.group_scale[index]
        out.clearance = self.clearance[index]
        if self.regions is not None:
            out.regions = [
                (positions, points, mask[index], pull[index]) for positions, points, mask, pull in self.regions
            ]
        return out

    def _point_set(self, points, weight: float, what: str) -> torch.Tensor | None:
        """Object points ``(K, 3)`` for a term of ``weight``, on the hand's device; None when the term is
        off or there are none."""
        if points is None or weight <= 0:
            return None
        points = torch.as_tensor(points, device=self.hand.device, dtype=self.hand.dtype)
        if points.ndim != 2 or points.shape[1] != 3:
            raise DexgysError(f"{what} points must have shape (K, 3), got {tuple(points.shape)}")
        return points if len(points) else None

    def _check_regions(
        self, regions, named_fingers, batch: int, stored: torch.Tensor, fingers: list[str]
    ) -> list[tuple[torch.Tensor, ...]]:
        """Per hand part with a region: its candidates' positions ``(C_f,)``, the points of any grasp's
        region ``(P_f, 3)``, which of them each grasp's region holds ``(B, P_f)`` and which grasps pull
        it ``(B,)`` (named, when ``named_fingers`` is given, and the region not empty)."""
        hand, device, dtype = self.hand, self.hand.device, self.hand.dtype
        points, mask = (torch.as_tensor(x, device=device) for x in regions)
        n_parts = len(hand.finger_names)
        if points.ndim != 2 or points.shape[1] != 3 or mask.shape != (batch, n_parts, points.shape[0]):
            raise DexgysError(
                f"regions must be points (P, 3) and a mask ({batch}, {n_parts}, P), got "
                f"{tuple(points.shape)} and {tuple(mask.shape)}"
            )
        mask = mask.bool()
        pull = mask.any(-1)
        if named_fingers is not None:
            pull = pull & torch.as_tensor(named_fingers, device=device).bool()
        out = []
        for f, finger in enumerate(hand.finger_names):
            if pull[:, f].any():
                positions = stored[[k for k, name in enumerate(fingers) if name == finger]].to(device)
                used = mask[:, f].any(0)  # only the points some grasp's region holds
                out.append((positions, points[used].to(dtype), mask[:, f][:, used], pull[:, f].to(dtype)))
        return out

    def _region_distance(self, T: torch.Tensor) -> torch.Tensor:
        """``(B,)``: the summed region term (module docstring) of the grasps at link transforms ``T``."""
        cands = self.candidates(T)
        batch = torch.arange(cands.shape[0], device=cands.device)
        total = torch.zeros(cands.shape[0], dtype=cands.dtype, device=cands.device)
        for positions, points, mask, pull in self.regions:
            finger = cands[:, positions]  # (B, C_f, 3)
            with torch.no_grad():  # which candidate-point pair is closest; the gradient needs only that pair
                d = torch.cdist(finger, points.expand(cands.shape[0], -1, -1))  # (B, C_f, P)
                pair = d.masked_fill(~mask[:, None, :], float("inf")).flatten(1).argmin(1)
            gap = (finger[batch, pair // points.shape[0]] - points[pair % points.shape[0]]).norm(dim=-1)
            total = total + torch.relu(gap - self.config.margins.region) * pull
        return total

    def _keep_off(self, T: torch.Tensor, points: torch.Tensor, margin: float) -> torch.Tensor:
        """``(B,)``: how far the swept spheres of the grasps at link transforms ``T`` come within
        ``margin`` of the closest of ``points`` ``(K, 3)``, summed (the keep-off and avoid terms)."""
        centres = self.spheres(T)  # (B, S, 3)
        with torch.no_grad():
            nearest = torch.cdist(centres, points.expand(centres.shape[0], -1, -1)).argmin(-1)  # (B, S)
        gap = (centres - points[nearest]).norm(dim=-1) - self.spheres.radii
        return torch.relu(margin - gap).sum(-1)

    def _closest(self, T: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per group, the smallest ``|sdf|`` of its candidates ``(B, G)`` and the candidate points ``(B, G, 3)``."""
        cands = self.candidates(T)
        d = self.field.sample(cands)[..., 0][:, self.group_index]  # (B, G, K)
        best, arg = d.abs().min(-1)
        pts = torch.gather(cands[:, self.group_index], 2, arg[..., None, None].expand(-1, -1, 1, 3))[:, :, 0]
        return best, pts

    def __call__(self, pose: HandPose) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Pose (B) -> total energy ``(B,)`` and the unweighted terms ``{name: (B,)}``."""
        margins, anchor = self.config.margins, self.config.anchor
        T = self.hand.forward_kinematics(pose)
        terms: dict[str, torch.Tensor] = {}
        gap = self.field.sample(self.spheres(T))[..., 0] - self.spheres.radii
        terms["penetration"] = torch.relu(self.clearance - gap).sum(-1)

        best, pts = self._closest(T)
        terms["contact"] = (best * self.group_weight * self.group_scale * self.engaged).sum(-1)
        if self.regions:
            terms["region"] = self._region_distance(T)
        if self.free is not None:
            terms["keep_off"] = self._keep_off(T, self.free, margins.keep_off)
        if self.avoid is not None:
            terms["avoid"] = self._keep_off(T, self.avoid, margins.avoid)
        if self.surface is not None:
            depth = -self.hand.signed_distance(pose, self.surface.expand(pose.batch_size, -1, -1))
            terms["surface"] = torch.relu(depth + margins.surface).sum(-1)
        fc = self.group_fc
        with torch.no_grad():
            normals = self.field.normals(pts[:, fc])
        terms["force_closure"] = force_closure(pts[:, fc], normals, self.engaged[:, fc])

        terms["self_penetration"] = self.keypoints.self_penetration(T, self.kp_pairs)
        terms["joint_limits"] = self.hand.joint_limit_violation(pose.joints)
        s = self.start
        terms["anchor"] = (
            ((pose.translation - s.translation) ** 2).sum(-1) / anchor.translation**2
            + ((pose.rotation - s.rotation) ** 2).sum((-1, -2)) / anchor.rotation**2
            + ((pose.joints - s.joints) ** 2).sum(-1) / anchor.joints**2
        )
        weights = self.config.weights
        total = sum(getattr(weights, name) * value for name, value in terms.items())
        return total, terms


def polish_grasps(
    hand: HandModel,
    field: ObjectField,
    poses: HandPose,
    config: PolishConfig = PolishConfig(),
    named_fingers: torch.Tensor | None = None,
    regions: tuple[torch.Tensor, torch.Tensor] | None = None,
    free: torch.Tensor | None = None,
    surface: torch.Tensor | None = None,
    avoid: torch.Tensor | None = None,
) -> OptimizeResult:
    """Polish ``poses`` (B generated grasps, object frame) on ``field``: see the module docstring.
    ``named_fingers`` ``(B, 6)`` bool; ``regions``: object points ``(P, 3)`` and, per grasp and hand
    part, which of them it should touch ``(B, 6, P)`` bool; ``free``: object points ``(K, 3)`` no
    hand part should touch (a guess: the keep-off term); ``avoid``: object points ``(K', 3)`` that the
    instruction keeps free (the avoid term)."""
    return start_polish(hand, field, poses, config, named_fingers, regions, free, surface, avoid).run().result()


def start_polish(
    hand: HandModel,
    field: ObjectField,
    poses: HandPose,
    config: PolishConfig = PolishConfig(),
    named_fingers: torch.Tensor | None = None,
    regions: tuple[torch.Tensor, torch.Tensor] | None = None,
    free: torch.Tensor | None = None,
    surface: torch.Tensor | None = None,
    avoid: torch.Tensor | None = None,
) -> GraspDescent:
    """The polish of :func:`polish_grasps` as a :class:`~dexgys.synthesis.optimize.GraspDescent` not yet
    run, to run in stretches and drop grasps on the way (:func:`early_residual`)."""
    energy = PolishEnergy(
        hand,
        field.to(hand.device),
        poses,
        config,
        named_fingers=named_fingers,
        regions=regions,
        free=free,
        surface=surface,
        avoid=avoid,
    )
    return GraspDescent(energy, poses, config.optimizer())


def early_residual(descent: GraspDescent) -> torch.Tensor:
    """``(b,)``: :func:`residual_energy` of the grasps of a polish descent where it stands now."""
    total, terms = descent.evaluate()
    return _without_anchor(total, terms, descent.energy.config)


def rescue_polish(
    hand: HandModel,
    field: ObjectField,
    poses: HandPose,
    config: PolishConfig = PolishConfig(),
    named_fingers: torch.Tensor | None = None,
    regions: tuple[torch.Tensor, torch.Tensor] | None = None,
    free: torch.Tensor | None = None,
    surface: torch.Tensor | None = None,
    avoid: torch.Tensor | None = None,
) -> tuple[HandPose, torch.Tensor]:
    """The rescue (module docstring) of polished grasps ``poses`` that a thin wall left inside the hand:
    ``rescue.steps`` more steps from where they are, with the surface term at
    ``rescue.surface`` (the object's ``surface`` points, required) -> the new poses
    and their :func:`residual_energy` under ``config`` itself (comparable with the other grasps')."""
    if surface is None:
        raise DexgysError("the rescue needs the object's surface points")
    rescue = config.with_changes({"weights.surface": config.rescue.surface, "descent.steps": config.rescue.steps})
    result = polish_grasps(hand, field, poses, rescue, named_fingers, regions, free, surface, avoid)
    check = start_polish(hand, field, result.pose, config, named_fingers, regions, free, surface, avoid)
    return result.pose, early_residual(check)


def residual_energy(result: OptimizeResult, config: PolishConfig = PolishConfig()) -> torch.Tensor:
    """``(B,)``: the polish energy at the polished poses of ``result`` less its anchor term (which
    measures how far a grasp moved, not how good it is): penetration, unreached contacts, force
    closure, self-penetration and joint limits, with the polish's weights."""
    return _without_anchor(result.energy, result.terms, config)


def _without_anchor(total: torch.Tensor, terms: dict[str, torch.Tensor], config: PolishConfig) -> torch.Tensor:
    return total - config.weights.anchor * terms["anchor"]
