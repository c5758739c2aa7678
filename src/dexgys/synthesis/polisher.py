"""The polish runner: candidates in bounded chunks, the early screen, the rescue, and the selection.

:mod:`dexgys.synthesis.polish` defines the polish's energy and one descent. A :class:`Polisher` runs
it the way every caller needs it, so that ``dexgys generate``, ``dexgys predict`` and ``dexgys
polish`` polish alike:

1. **chunks**: the candidates run in descents of at most :data:`POLISH_CHUNK` grasps (a grasp's
   descent does not depend on the others in its batch), which bounds the memory of large calls;
2. **screen**: after ``PolishConfig.screen.step`` steps the ``keep``
   candidates with the lowest residual energy so far go on (:func:`~dexgys.synthesis.polish.early_residual`),
   those that break fewer of the words' orders where they stand first (``PolishConfig.screen.words``);
   the others stop there;
3. **rescue**: finished candidates with an object point
   ``PolishConfig.rescue.depth`` or deeper inside the hand get
   :func:`~dexgys.synthesis.polish.rescue_polish` (needs the object's points);
4. **selection** (:meth:`Polisher.select`): of the finished candidates, the ``n`` with the lowest
   :func:`selection_score`: the log of the residual energy less ``q1_weight`` times the valid Q1
   (:func:`~dexgys.sim.quality.quality_metrics`: Q1 on the polish's field, 0 when a point of the
   object's cloud lies 5 mm or deeper inside the hand), plus :data:`WORDS_PENALTY` for each order of
   the words a candidate breaks (:class:`WordOrders`: a hand part on a part to keep free; a named
   finger on none of the named parts; contacts within
   :data:`~dexgys.language.contacts.CONTACT_THRESHOLD`, judged on the object's part labels).

What the words and the models ask of the candidates comes in one :class:`PolishTargets`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from dexgys.errors import DexgysError
from dexgys.geometry.object_field import ObjectField
from dexgys.hands import HandModel, HandPose
from dexgys.language.contacts import CONTACT_THRESHOLD
from dexgys.sim.quality import max_penetration, quality_metrics
from dexgys.synthesis.contacts import finger_part_distances
from dexgys.synthesis.polish import (
    early_residual,
    polish_grasps,
    rescue_polish,
    residual_energy,
    start_polish,
)
from dexgys.synthesis.polish_config import PolishConfig

__all__ = [
    "DEFAULT_Q1_WEIGHT",
    "POLISH_CHUNK",
    "WORDS_PENALTY",
    "PolishRun",
    "PolishTargets",
    "Polisher",
    "Selection",
    "WordOrders",
    "lowest",
    "polish_records",
    "selection_score",
]

DEFAULT_Q1_WEIGHT = (
    5.0  # the selection's weight of a candidate's valid Q1; chosen in docs/experiments/results-history.md
)
WORDS_PENALTY = 1e3  # added to a candidate's score per order of the words it breaks: after all that break fewer
POLISH_CHUNK = 256  # candidates per polish descent: bounds the memory of large calls (docs/benchmarks.md)


@dataclass(frozen=True)
class WordOrders:
    """What the instruction's words order, as indices: the object's parts to keep free
    (``avoid_parts``), and the hand parts (``fingers``, the hand's ``finger_names`` order) that must
    each touch one of ``touch_parts`` (checked only when both are given)."""

    avoid_parts: tuple[int, ...] = ()
    fingers: tuple[int, ...] = ()
    touch_parts: tuple[int, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.avoid_parts) or bool(self.fingers and self.touch_parts)


@dataclass(frozen=True)
class PolishTargets:
    """What the polish pulls toward and keeps off, for every candidate of one condition: ``named``
    ``(6,)`` bool, the hand parts pulled harder; ``regions`` ``(P, 6)`` bool, which of the object
    cloud's P points each hand part should touch; ``free`` ``(P,)`` bool, the points the predictor
    expects no hand part on (the keep-off term); ``avoid`` ``(P,)`` bool, the points on the parts the
    words keep free (the avoid term); ``orders``: the words' orders the selection checks."""

    named: torch.Tensor | None = None
    regions: torch.Tensor | None = None
    free: torch.Tensor | None = None
    avoid: np.ndarray | None = None
    orders: WordOrders = WordOrders()


@dataclass(frozen=True)
class PolishRun:
    """Polished candidates ``(N, 28)`` float64 (where the screen stopped a candidate: its pose there),
    their residual energies ``(N,)`` (NaN for the candidates the screen stopped), the residual
    energies at the screen ``(N,)`` and which finished candidates the rescue moved ``(N,)`` bool."""

    polished: np.ndarray
    residual: np.ndarray
    early: np.ndarray
    rescued: np.ndarray

    @property
    def finished(self) -> np.ndarray:
        return ~np.isnan(self.residual)


@dataclass(frozen=True)
class Selection:
    """The selection's view of a :class:`PolishRun`, all ``(N,)``: valid Q1 (NaN where not computed),
    which candidates put a hand part on a part to keep free (``avoid_touched``) and which have a named
    finger off the named parts (``named_missed``), the score (+inf for unfinished candidates) and
    ``chosen`` ``(n,)``, the indices of the selected, in draw order."""

    valid_q1: np.ndarray
    avoid_touched: np.ndarray
    named_missed: np.ndarray
    score: np.ndarray
    chosen: np.ndarray


class Polisher:
    """The polish of object-frame candidates on ``hand`` (see the module docstring)."""

    def __init__(
        self, hand: HandModel, config: PolishConfig = PolishConfig(), q1_weight: float = DEFAULT_Q1_WEIGHT
    ) -> None:
        self.hand, self.config, self.q1_weight = hand, config, float(q1_weight)

    def polish(
        self,
        field: ObjectField,
        records,
        keep: int | None = None,
        targets: PolishTargets = PolishTargets(),
        points: torch.Tensor | None = None,
        obj=None,
    ) -> PolishRun:
        """Polish object-frame ``records`` ``(N, 28)`` on ``field``: the ``keep`` (default all) with the
        lowest residual at the screen are finished (with ``screen.words``, those breaking fewer of
        ``targets.orders`` on ``obj``, the object with part labels, first), and rescued when ``points``
        (the object's cloud ``(P, 3)``, also the surface term's points) are given."""
        hand, config = self.hand, self.config
        records = torch.as_tensor(records, dtype=torch.float32)
        pose = HandPose.from_record(records, hand.n_dofs, hand.name)
        named, mask = _per_grasp(targets.named, targets.regions, pose.batch_size)
        if mask is not None and points is None:
            raise DexgysError("regions need the object's points")
        regions = None if mask is None else (torch.as_tensor(points, dtype=torch.float32), mask)
        free = None if targets.free is None else points[targets.free]
        avoid = None if targets.avoid is None else points[torch.from_numpy(targets.avoid)]
        n = len(records)
        keep = n if keep is None else int(keep)
        chunks = [slice(s, min(s + POLISH_CHUNK, n)) for s in range(0, n, POLISH_CHUNK)]
        descents, early, polished = [], [], []
        for part in chunks:
            descent = start_polish(
                hand,
                field,
                pose[part],
                config,
                None if named is None else named[part],
                None if regions is None else (regions[0], regions[1][part]),
                free,
                points,
                avoid,
            )
            early.append(early_residual(descent.run(config.screen.step)).double().cpu().numpy())
            polished.append(descent.pose().to_record().detach().double().cpu().numpy())
            descents.append(descent)
        early, polished = np.concatenate(early), np.concatenate(polished)
        finalists = self._finalists(early, polished, keep, obj, targets.orders)
        residual = np.full(n, np.nan)
        for part, descent in zip(chunks, descents):
            local = finalists[(finalists >= part.start) & (finalists < part.stop)] - part.start
            if len(local) == 0:
                continue
            if len(local) < part.stop - part.start:
                descent.keep(torch.as_tensor(local))
            result = descent.run().result()
            index = part.start + result.kept.cpu().numpy()
            polished[index] = result.pose.to_record().double().cpu().numpy()
            residual[index] = residual_energy(result, config).double().cpu().numpy()
        rescued = np.zeros(n, dtype=bool)
        if points is not None:
            rescued = self._rescue(polished, residual, named, regions, field, free, points, avoid)
        return PolishRun(polished, residual, early, rescued)

    def _finalists(self, early: np.ndarray, polished: np.ndarray, keep: int, obj, orders: WordOrders) -> np.ndarray:
        """The ``keep`` candidates the screen lets go on, in draw order: the lowest ``early`` residuals;
        with ``screen.words`` and orders to check on ``obj``, fewest broken orders (of the ``polished``
        poses where the screen stands) first, then the lowest residual."""
        n = len(early)
        if keep >= n:
            return np.arange(n)
        if not (self.config.screen.words and obj is not None and orders.any):
            return lowest(early, keep)
        touched, missed = self.words_broken(obj, polished, orders)
        return np.sort(np.lexsort((early, touched.astype(int) + missed))[:keep])

    def _rescue(
        self,
        polished: np.ndarray,
        residual: np.ndarray,
        named,
        regions,
        field: ObjectField,
        free: torch.Tensor | None,
        points: torch.Tensor,
        avoid: torch.Tensor | None,
    ) -> np.ndarray:
        """The rescue of the finished candidates with a cloud point ``rescue.depth`` or deeper inside the
        hand, in place in ``polished`` and ``residual`` -> which were rescued ``(N,)`` bool."""
        hand, config = self.hand, self.config
        rescued = np.zeros(len(polished), dtype=bool)
        if config.rescue.steps <= 0:
            return rescued
        finished = np.flatnonzero(~np.isnan(residual))
        for start in range(0, len(finished), POLISH_CHUNK):
            part = finished[start : start + POLISH_CHUNK]
            pose = HandPose.from_record(torch.as_tensor(polished[part], dtype=torch.float32), hand.n_dofs, hand.name)
            deep = max_penetration(hand, field, pose, points) >= config.rescue.depth
            if not deep.any():
                continue
            index = part[deep]
            pose, energy = rescue_polish(
                hand,
                field,
                pose[torch.from_numpy(deep)],
                config,
                None if named is None else named[index],
                None if regions is None else (regions[0], regions[1][index]),
                free,
                points,
                avoid,
            )
            polished[index] = pose.to_record().double().cpu().numpy()
            residual[index] = energy.double().cpu().numpy()
            rescued[index] = True
        return rescued

    def select(
        self,
        run: PolishRun,
        n: int,
        field: ObjectField,
        points: torch.Tensor,
        obj=None,
        orders: WordOrders = WordOrders(),
        rank: bool = True,
    ) -> Selection:
        """The ``n`` candidates of ``run`` to return (module docstring). ``obj``: the object with part
        labels that the words' ``orders`` are checked on (without it they are not). ``rank`` False
        (one candidate per grasp: nothing to choose from) skips the valid Q1 and the words."""
        finished = run.finished
        size = len(run.polished)
        q1 = np.full(size, np.nan)
        touched, missed = np.zeros(size, dtype=bool), np.zeros(size, dtype=bool)
        if rank:
            pose = torch.as_tensor(run.polished[finished], dtype=torch.float32)
            q1[finished] = quality_metrics(self.hand, field, pose, points=points)["valid_q1"]
            if obj is not None and orders.any:
                touched[finished], missed[finished] = self.words_broken(obj, run.polished[finished], orders)
        score = np.where(
            finished, selection_score(run.residual, q1, self.q1_weight, touched.astype(int) + missed), np.inf
        )
        return Selection(q1, touched, missed, score, lowest(score, n))

    def words_broken(self, obj, records: np.ndarray, orders: WordOrders) -> tuple[np.ndarray, np.ndarray]:
        """Which object-frame ``records`` ``(n, 28)`` break ``orders`` on ``obj`` -> ``(n,)`` bool twice:
        a hand part on a part to keep free, and a named finger on none of the parts to touch."""
        n = len(records)
        touched, missed = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        near = finger_part_distances(self.hand, obj, torch.as_tensor(records, dtype=torch.float32)) <= CONTACT_THRESHOLD
        if orders.avoid_parts:
            touched = near[:, :, list(orders.avoid_parts)].any((1, 2))
        if orders.fingers and orders.touch_parts:
            missed = ~near[:, list(orders.fingers)][:, :, list(orders.touch_parts)].any(-1).all(-1)
        return touched, missed


def polish_records(
    hand: HandModel,
    field: ObjectField,
    records,
    config: PolishConfig = PolishConfig(),
    named_fingers: torch.Tensor | None = None,
    regions: tuple[torch.Tensor, torch.Tensor] | None = None,
    free: torch.Tensor | None = None,
    surface: torch.Tensor | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One plain descent (:func:`~dexgys.synthesis.polish.polish_grasps`: no chunks, screen or rescue)
    of object-frame grasp records ``(n, 28)`` (array or tensor) on ``field`` -> polished records
    ``(n, 28)`` float64 and their :func:`~dexgys.synthesis.polish.residual_energy` ``(n,)``.
    ``named_fingers`` ``(6,)`` bool (the hand's ``finger_names`` order): the parts the polish pulls
    harder, the same for every grasp; ``regions``: object points ``(P, 3)`` and which of them each hand
    part should touch ``(P, 6)`` bool, the same for every grasp; ``free``: object points ``(K, 3)`` no
    hand part should touch."""
    pose = HandPose.from_record(torch.as_tensor(records, dtype=torch.float32), hand.n_dofs, hand.name)
    named, mask = _per_grasp(named_fingers, None if regions is None else regions[1], pose.batch_size)
    regions = None if regions is None else (torch.as_tensor(regions[0], dtype=torch.float32), mask)
    result = polish_grasps(hand, field, pose, config, named, regions, free, surface)
    return (result.pose.to_record().double().cpu().numpy(), residual_energy(result, config).double().cpu().numpy())


def _per_grasp(named, regions, batch: int) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """A condition's ``named`` ``(6,)`` and ``regions`` mask ``(P, 6)`` as the per-grasp arguments of
    the polish: ``(B, 6)`` and ``(B, 6, P)``."""
    if named is not None:
        named = torch.as_tensor(named, dtype=torch.bool).reshape(1, -1).expand(batch, -1)
    if regions is not None:
        regions = torch.as_tensor(regions, dtype=torch.bool).T.unsqueeze(0).expand(batch, -1, -1)
    return named, regions


def lowest(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` lowest ``values`` (ties: the earlier first), in draw order: how the polish
    picks its finalists and the selection its grasps."""
    return np.sort(np.argsort(values, kind="stable")[:k])


def selection_score(
    residual: np.ndarray, q1: np.ndarray, q1_weight: float = DEFAULT_Q1_WEIGHT, broken: np.ndarray | None = None
) -> np.ndarray:
    """The candidates' ranking score ``(n,)``, lower is better: ``log(residual) - q1_weight * q1`` (``q1``
    the candidates' valid Q1; the residual alone where ``q1`` is NaN, not computed). ``broken``
    ``(n,)``: how many orders of the words each candidate breaks; each adds :data:`WORDS_PENALTY`, which
    ranks a candidate after every one that breaks fewer (the order among those breaking as many kept)."""
    score = np.log(np.maximum(np.asarray(residual, dtype=np.float64), 1e-12))
    q1 = np.asarray(q1, dtype=np.float64)
    score = np.where(np.isnan(q1), score, score - q1_weight * np.nan_to_num(q1))
    if broken is not None:
        score = score + WORDS_PENALTY * np.asarray(broken, dtype=np.float64)
    return score
