"""Intent-conditioned grasp synthesis: initialise -> optimise -> validate.

>>> from dexgys.objects.catalogue import make_object
>>> result = synthesize_grasps(make_object("mug", 3), "hold", n_candidates=256, seed=0)
>>> result.records                      # (K, 28) accepted DexGYSNet records [t | axis-angle | q]
>>> result.grasps[0].facts.to_text()    # "thumb, forefinger, ... touch the body"
>>> result.rejected                     # {"penetration": 40, "contacts": 90, "q1": 12, "physics": 30}

Validation, cheapest first, each stage only on the survivors of the previous one; every check is
exact (no interpolated field):

1. ``penetration``: maximal depth of :data:`dexgys.sim.quality.PENETRATION_SAMPLES` (4,096) object
   surface points inside the hand (:func:`dexgys.sim.quality.max_penetration`) at most
   :data:`MAX_PENETRATION` (5 mm, the evaluation protocol's threshold);
2. ``contacts``: the contact facts (:func:`dexgys.synthesis.contacts.contact_facts`, 5 mm) satisfy the
   spec (:func:`dexgys.synthesis.contacts.spec_violations`); the detailed reasons are counted in
   :attr:`SynthesisResult.contact_reasons`;
3. ``q1``: Q1 (:func:`dexgys.sim.quality.q1_from_contacts` on the per-link contacts of
   :func:`dexgys.sim.quality.link_contacts`) at least :data:`Q1_THRESHOLD`;
4. ``precheck``: the physics protocol's own pre-check (:func:`dexgys.sim.grasp_test.precheck_values`;
   under ``"dexgraspbench"`` at most 1 cm penetration at the pre-grasp pose, 1 cm off the object)
   -- a grasp a protocol would refuse to simulate is never accepted;
5. ``physics``: the protocol's MuJoCo test (:func:`dexgys.sim.grasp_test.simulate_grasp`, with the
   same contacts :func:`~dexgys.sim.grasp_test.test_grasps` would use) holds the object in all six
   directions (``success_all6``). The protocol is :attr:`SynthesisConfig.protocol` (default ours,
   ``"dexgys"``); the hand is the ``hand`` argument (e.g. ``load_hand("shadow-mesh")``: then
   penetration and contacts are measured on the real link meshes and MuJoCo collides them).

``rejected`` counts each rejected candidate once, under the first stage it failed.
"""

from __future__ import annotations

import multiprocessing
import time
import weakref
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch

from dexgys.errors import DexgysError
from dexgys.geometry.object_field import ObjectField
from dexgys.hands import HandModel, HandPose, load_hand
from dexgys.language.contacts import ContactFacts
from dexgys.objects.grasp_object import GraspObject
from dexgys.sim.protocols import get_protocol
from dexgys.sim.quality import MAX_PENETRATION  # 5 mm, the evaluation protocol's threshold
from dexgys.synthesis.contacts import contact_facts, exact_hand_distances, fast_link_contacts, spec_violations
from dexgys.synthesis.energy import EnergyWeights, GraspEnergy
from dexgys.synthesis.initialization import initial_poses
from dexgys.synthesis.intents import IntentSpec, get_intent_spec
from dexgys.synthesis.optimize import OptimizerConfig, optimize_grasps

__all__ = [
    "MAX_PENETRATION",
    "Q1_THRESHOLD",
    "SYNTHESIS_VERSION",
    "STAGES",
    "SynthesisConfig",
    "SynthesisResult",
    "SynthesizedGrasp",
    "object_field",
    "synthesize_grasps",
]

#: accepted grasps have Q1 at least this: force closure with a small margin. Deliberately low -- the
#: physics test is the binding stability check (it rejects 15-45 % of the survivors, Q1 < 5 %), and
#: DexGYS reports a mean valid Q1 of 0.083, which a higher bar would bias upwards.
Q1_THRESHOLD = 0.005
#: bump when a change to initialisation, energies, optimiser or validation changes which grasps come out
SYNTHESIS_VERSION = 3
STAGES = ("penetration", "contacts", "q1", "precheck", "physics")


@dataclass(frozen=True)
class SynthesisConfig:
    """Everything that shapes a synthesis run besides the object, spec, count and seed.

    ``workers`` > 0 simulates in spawned processes (as :func:`dexgys.sim.grasp_test.test_grasps`)
    while the next batch is optimised: on 2 otherwise idle cores, one torch thread
    (``torch.set_num_threads(1)``) plus ``workers=1`` keeps both busy. A script doing so needs the usual
    ``if __name__ == "__main__":`` guard, and each call pays ~1-2 s to start its pool. The default 0
    simulates in this process: right when the caller already runs one synthesis per core (the
    dataset builder), and for small calls.
    """

    batch_size: int = 128
    optimizer: OptimizerConfig = OptimizerConfig()
    weights: EnergyWeights = EnergyWeights()
    sphere_spacing: float = 0.004  # m: spacing of the hand swept spheres in the optimisation loop
    q1_threshold: float = Q1_THRESHOLD
    physics: bool = True  # run the MuJoCo test (False: accept after Q1)
    workers: int = 0  # MuJoCo worker processes (0: simulate in this process, no overlap)
    protocol: str = "dexgys"  # the physics protocol of the pre-check and the test (dexgys.sim.protocols)


@dataclass
class SynthesizedGrasp:
    """One accepted grasp: its record ``(6+n,)`` float64, quality figures and contact facts."""

    record: np.ndarray
    q1: float
    penetration: float  # m
    energy: float
    facts: ContactFacts
    held: np.ndarray  # (6,) bool, gravity directions +x -x +y -y +z -z (all True when accepted by physics)
    candidate: int  # index of the candidate within the run

    def to_dict(self) -> dict:
        return {
            "record": [float(x) for x in self.record],
            "q1": self.q1,
            "penetration_cm": 100.0 * self.penetration,
            "energy": self.energy,
            "contacts": self.facts.as_dict(),
            "contact_text": self.facts.to_text(),
            "candidate": self.candidate,
        }


@dataclass
class SynthesisResult:
    """Accepted ``grasps``, how many candidates were tried, why the others were rejected (``rejected``:
    first failing stage -> count; ``contact_reasons``: spec rule -> count among contact rejections),
    ``timings`` (s) per stage (see :func:`synthesize_grasps`) and the run's ``wall_time`` (s)."""

    object_name: str
    spec: IntentSpec
    grasps: list[SynthesizedGrasp]
    n_candidates: int
    rejected: dict[str, int]
    contact_reasons: dict[str, int]
    timings: dict[str, float]
    seed: int = 0
    wall_time: float = 0.0
    record_size: int = 28
    unused: int = 0  # candidates not judged because ``max_accepted`` was reached

    def __len__(self) -> int:
        return len(self.grasps)

    def __iter__(self):
        return iter(self.grasps)

    @property
    def records(self) -> np.ndarray:
        """``(K, 6+n)`` accepted records (float64)."""
        if not self.grasps:
            return np.zeros((0, self.record_size))
        return np.stack([g.record for g in self.grasps])

    @property
    def pass_rate(self) -> float:
        """Accepted fraction of the judged candidates."""
        return len(self.grasps) / max(1, self.n_candidates - self.unused)

    @property
    def grasps_per_second(self) -> float:
        return len(self.grasps) / self.wall_time if self.wall_time > 0 else 0.0

    def summary(self) -> dict:
        return {
            "object": self.object_name,
            "category": self.spec.category,
            "intent": self.spec.intent,
            "n_candidates": self.n_candidates,
            "n_unused": self.unused,
            "n_accepted": len(self.grasps),
            "pass_rate": self.pass_rate,
            "rejected": dict(self.rejected),
            "contact_reasons": dict(self.contact_reasons),
            "timings_s": dict(self.timings),
            "wall_s": self.wall_time,
            "grasps_per_s": self.grasps_per_second,
        }


# ------------------------------------------------------------------------------------------ caches
_FIELDS: dict[int, tuple[weakref.ref, ObjectField]] = {}
_SCENES: dict[tuple[int, str], tuple[weakref.ref, object]] = {}


def object_field(obj: GraspObject) -> ObjectField:
    """The (CPU) :class:`ObjectField` of ``obj``, built once per object while it lives."""
    key = id(obj)
    hit = _FIELDS.get(key)
    if hit is not None and hit[0]() is obj:
        return hit[1]
    built = ObjectField.build(obj)
    for k in [k for k, (ref, _) in _FIELDS.items() if ref() is None]:
        del _FIELDS[k]
    _FIELDS[key] = (weakref.ref(obj), built)
    return built


def _scene(hand: HandModel, obj: GraspObject, protocol: str):
    from dexgys.sim.scene import build_scene

    key = (id(obj), str(hand.mjcf_path), protocol)
    hit = _SCENES.get(key)
    if hit is not None and hit[0]() is obj:
        return hit[1]
    scene = build_scene(hand, obj, protocol)
    for k in [k for k, (ref, _) in _SCENES.items() if ref() is None]:
        del _SCENES[k]
    _SCENES[key] = (weakref.ref(obj), scene)
    return scene


# ------------------------------------------------------------------------------------------ physics
_WORKER: dict = {}


def _init_worker(scene) -> None:
    _WORKER["scene"] = scene
    _WORKER["data"] = scene.new_data()


def _simulate_item(item: tuple) -> tuple[dict, float]:
    from dexgys.sim.grasp_test import simulate_grasp

    t = time.process_time()
    out = simulate_grasp(_WORKER["scene"], _WORKER["data"], *item)
    return out, time.process_time() - t


class _Physics:
    """Runs :func:`dexgys.sim.grasp_test.simulate_grasp` inline (``workers=0``) or in ``workers``
    spawned processes, asynchronously, so that the optimisation of the next batch overlaps it."""

    def __init__(self, scene, workers: int):
        self.scene = scene
        self.pool = None
        if workers > 0:
            ctx = multiprocessing.get_context("spawn")  # safe beside torch threads
            self.pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(scene,))
        else:
            _init_worker(scene)

    def submit(self, items: list[tuple]) -> list:
        if self.pool is None:
            return [_simulate_item(item) for item in items]
        return [self.pool.submit(_simulate_item, item) for item in items]

    @staticmethod
    def result(handle) -> tuple[dict, float]:
        return handle if isinstance(handle, tuple) else handle.result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


# ------------------------------------------------------------------------------------------ main
def synthesize_grasps(
    obj: GraspObject,
    spec: IntentSpec | str,
    n_candidates: int = 256,
    seed: int = 0,
    device: torch.device | str = "cpu",
    *,
    hand: HandModel | None = None,
    config: SynthesisConfig = SynthesisConfig(),
    max_accepted: int | None = None,
) -> SynthesisResult:
    """Synthesise grasps of ``obj`` for ``spec`` (an :class:`IntentSpec`, or an intent name looked up
    for ``obj.category``): ``n_candidates`` initial poses (seeded by ``seed``), optimised in batches of
    ``config.batch_size`` on ``device``, then validated (module docstring). Deterministic for a given
    (object, spec, n_candidates, seed, config, max_accepted): the result does not depend on
    ``workers`` or timing.

    Candidates are judged in index order. ``max_accepted`` stops once that many are accepted: the
    remaining candidates are not judged (:attr:`SynthesisResult.unused`), and with in-process physics
    (``config.workers`` = 0) they are not even Q1-tested, simulated or, for later batches, optimised.
    With worker processes the physics of one batch runs while the next batch is optimised.

    ``timings`` are wall-clock seconds of this process per stage, except ``physics``, which is the
    CPU time spent simulating (in the workers when there are any), and ``physics_wait``, the wall time
    this process waited for the workers after its own work was done."""
    if isinstance(spec, str):
        if not obj.category:
            raise DexgysError(f"object {obj.name!r} has no category; pass an IntentSpec")
        spec = get_intent_spec(obj.category, spec)
    if n_candidates < 1:
        raise DexgysError(f"n_candidates must be positive, got {n_candidates}")
    if config.batch_size < 1:
        raise DexgysError(f"batch_size must be positive, got {config.batch_size}")
    if max_accepted is not None and max_accepted < 1:
        raise DexgysError(f"max_accepted must be positive, got {max_accepted}")
    get_protocol(config.protocol)  # an unknown name fails here, before any work
    limit = n_candidates if max_accepted is None else max_accepted
    timings = {k: 0.0 for k in ("field", "init", "optimise", *STAGES, "physics_wait")}
    t0 = time.perf_counter()
    base_hand = hand if hand is not None else load_hand()
    cpu_hand = base_hand.to("cpu", torch.float32)
    run_hand = base_hand.to(device, torch.float32)
    field_cpu = object_field(obj)
    field_dev = field_cpu.to(device)
    timings["field"] = time.perf_counter() - t0

    generator = torch.Generator().manual_seed(int(seed))
    run = _Run(cpu_hand, obj, field_cpu, spec, config, timings, limit)
    physics = _Physics(_scene(cpu_hand, obj, config.protocol), config.workers) if config.physics else None
    pending = []
    try:
        for start in range(0, n_candidates, config.batch_size):
            if len(run.grasps) >= limit:
                break
            size = min(config.batch_size, n_candidates - start)
            t = time.perf_counter()
            init = initial_poses(cpu_hand, obj, field_cpu, spec, size, generator)
            energy = GraspEnergy(
                run_hand, field_dev, spec, init.prior_joints, init.prior_weights, config.weights, config.sphere_spacing
            )
            timings["init"] += time.perf_counter() - t
            t = time.perf_counter()
            result = optimize_grasps(energy, init.pose, config.optimizer)
            timings["optimise"] += time.perf_counter() - t
            batch = _Batch(start, result.pose.to("cpu", torch.float32), result.energy.cpu())
            run.screen(batch)
            if physics is not None and physics.pool is not None:
                t = time.perf_counter()
                batch.handles = physics.submit([batch.item(run.scene, k) for k in run.simulated(batch)])
                timings["physics_wait"] += time.perf_counter() - t
                pending.append(batch)
            else:
                run.judge(batch, physics)
        t = time.perf_counter()
        for batch in pending:
            run.judge(batch, physics)
        timings["physics_wait"] += time.perf_counter() - t
    finally:
        if physics is not None:
            physics.close()
    judged = run.judged
    return SynthesisResult(
        obj.name,
        spec,
        run.grasps,
        n_candidates,
        run.rejected,
        run.reasons,
        timings,
        int(seed),
        time.perf_counter() - t0,
        6 + base_hand.n_dofs,
        n_candidates - judged,
    )


@dataclass
class _Batch:
    """One optimised batch and what the cheap stages found (filled by :meth:`_Run.screen`)."""

    start: int
    pose: HandPose
    energy: torch.Tensor
    pen: np.ndarray | None = None  # (B,) m
    stage: list | None = None  # (B,) None (alive), "penetration", or ("contacts", reasons)
    alive: np.ndarray | None = None  # (A,) batch indices passing penetration and contacts
    facts: list | None = None  # (A,) ContactFacts
    contacts: object = None  # LinkContacts of the alive candidates
    q1: dict | None = None  # alive position -> Q1
    precheck: dict | None = None  # alive position -> the protocol's pre-check value (m)
    handles: list | None = None  # physics futures, in _Run.simulated() order

    def item(self, scene, k: int) -> tuple:
        """The :func:`dexgys.sim.grasp_test.simulate_grasp` arguments of alive candidate ``k``."""
        b = int(self.alive[k])
        lc, m = self.contacts, self.contacts.mask[k]
        return (
            self.pose.translation[b].double().numpy(),
            self.pose.rotation[b].double().numpy(),
            self.pose.joints[b].double().numpy(),
            scene.link_bodies[lc.links[m]],
            lc.hand_points[k, m],
            -lc.normals[k, m],
            True,
        )


class _Run:
    """Validation state of one synthesis call: counts, accepted grasps, the ordered judging."""

    def __init__(self, hand, obj, field, spec, config, timings, limit):
        self.hand, self.obj, self.field, self.spec, self.config = hand, obj, field, spec, config
        self.timings, self.limit = timings, limit
        self.protocol = get_protocol(config.protocol)
        self.scene = _scene(hand, obj, config.protocol) if config.physics else None
        self.rejected = {k: 0 for k in STAGES}
        self.reasons: dict[str, int] = {}
        self.grasps: list[SynthesizedGrasp] = []
        self.judged = 0

    def screen(self, batch: _Batch) -> None:
        """Exact penetration and the contact facts against the spec, for the whole batch."""
        from dexgys.sim.quality import max_penetration

        hand, obj, pose, B = self.hand, self.obj, batch.pose, batch.pose.batch_size
        t = time.perf_counter()
        batch.pen = max_penetration(hand, obj, pose)
        batch.stage = [None if p <= MAX_PENETRATION else "penetration" for p in batch.pen]
        alive = np.arange(B)[batch.pen <= MAX_PENETRATION]
        self.timings["penetration"] += time.perf_counter() - t
        batch.alive, batch.facts, batch.q1, batch.precheck = alive, [], {}, {}
        if len(alive) == 0:
            return
        t = time.perf_counter()
        dist = exact_hand_distances(hand, obj, pose[torch.as_tensor(alive)], self.field)
        facts = contact_facts(hand, obj, distances=dist)
        why = [spec_violations(f, self.spec) for f in facts]
        keep = np.array([not w for w in why], dtype=bool)
        for b, w in zip(alive, why):
            if w:
                batch.stage[b] = ("contacts", tuple(w))
        idx = torch.as_tensor(np.nonzero(keep)[0])
        dist.points, dist.parts, dist.screened = dist.points[idx], dist.parts[idx], dist.screened[idx]
        batch.alive, batch.facts = alive[keep], [f for f, k in zip(facts, keep) if k]
        batch.contacts = (
            fast_link_contacts(hand, obj, dist, self.protocol.push.contact_distance_m) if keep.any() else None
        )
        self.timings["contacts"] += time.perf_counter() - t

    def q1_of(self, batch: _Batch, k: int) -> float:
        from dexgys.sim.quality import q1_from_contacts

        if k not in batch.q1:
            t = time.perf_counter()
            lc, m = batch.contacts, batch.contacts.mask[k]
            batch.q1[k] = float(q1_from_contacts(lc.object_points[k, m], lc.normals[k, m]))
            self.timings["q1"] += time.perf_counter() - t
        return batch.q1[k]

    def precheck_of(self, batch: _Batch, k: int) -> float:
        """The protocol's pre-check value (m) of alive candidate ``k`` (0 without physics)."""
        from dexgys.sim.grasp_test import precheck_values

        if self.scene is None:
            return 0.0
        if k not in batch.precheck:
            t = time.perf_counter()
            b = int(batch.alive[k])
            pose = batch.pose[torch.as_tensor([b])]
            value = precheck_values(
                self.hand, self.obj, pose, self.scene, [batch.item(self.scene, k)[:6]], np.array([batch.pen[b]])
            )
            batch.precheck[k] = float(value[0])
            self.timings["precheck"] += time.perf_counter() - t
        return batch.precheck[k]

    def passes_precheck(self, batch: _Batch, k: int) -> bool:
        return self.precheck_of(batch, k) <= self.protocol.precheck_threshold_m

    def simulated(self, batch: _Batch) -> list[int]:
        """Alive positions that reach the physics test: Q1 and the pre-check pass (both computed)."""
        return [
            k
            for k in range(len(batch.alive))
            if self.q1_of(batch, k) >= self.config.q1_threshold and self.passes_precheck(batch, k)
        ]

    def judge(self, batch: _Batch, physics: _Physics | None) -> None:
        """Judge the batch's candidates in index order until :attr:`limit` grasps are accepted."""
        position = {int(b): k for k, b in enumerate(batch.alive)}
        handle_of = dict(zip(self.simulated(batch), batch.handles)) if batch.handles is not None else {}
        records = batch.pose.to_record().double().numpy()
        for b in range(batch.pose.batch_size):
            if len(self.grasps) >= self.limit:
                return
            self.judged += 1
            stage = batch.stage[b]
            if stage is not None:
                name = stage if isinstance(stage, str) else stage[0]
                self.rejected[name] += 1
                for r in () if isinstance(stage, str) else stage[1]:
                    self.reasons[r] = self.reasons.get(r, 0) + 1
                continue
            k = position[b]
            q1 = self.q1_of(batch, k)
            if q1 < self.config.q1_threshold:
                self.rejected["q1"] += 1
                continue
            if not self.passes_precheck(batch, k):
                self.rejected["precheck"] += 1
                continue
            held = np.ones(6, dtype=bool)
            if physics is not None:
                handle = handle_of[k] if k in handle_of else physics.submit([batch.item(self.scene, k)])[0]
                out, cpu = _Physics.result(handle)
                self.timings["physics"] += cpu
                held = np.asarray(out["held"], dtype=bool)
                if not held.all():
                    self.rejected["physics"] += 1
                    continue
            self.grasps.append(
                SynthesizedGrasp(
                    records[b].copy(),
                    q1,
                    float(batch.pen[b]),
                    float(batch.energy[b]),
                    batch.facts[k],
                    held.copy(),
                    batch.start + b,
                )
            )
