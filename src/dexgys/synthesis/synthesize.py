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
4. ``physics``: the MuJoCo squeeze-and-shake test (:func:`dexgys.sim.grasp_test.simulate_grasp`,
   with the same contacts :func:`~dexgys.sim.grasp_test.test_grasps` would use) holds the object in
   all six gravity directions (``success_all6``).

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
from dexgys.hands import HandModel, HandPose, load_hand
from dexgys.language.contacts import ContactFacts
from dexgys.objects.grasp_object import GraspObject
from dexgys.sim.quality import MAX_PENETRATION  # 5 mm, the evaluation protocol's threshold
from dexgys.synthesis.contacts import contact_facts, exact_hand_distances, fast_link_contacts, spec_violations
from dexgys.synthesis.energy import EnergyWeights, GraspEnergy, ObjectField
from dexgys.synthesis.initialization import initial_poses
from dexgys.synthesis.intents import IntentSpec, get_intent_spec
from dexgys.synthesis.optimize import OptimizerConfig, optimize_grasps

__all__ = [
    "MAX_PENETRATION",
    "Q1_THRESHOLD",
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
STAGES = ("penetration", "contacts", "q1", "physics")


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
        return len(self.grasps) / max(1, self.n_candidates)

    @property
    def grasps_per_second(self) -> float:
        return len(self.grasps) / self.wall_time if self.wall_time > 0 else 0.0

    def summary(self) -> dict:
        return {
            "object": self.object_name,
            "category": self.spec.category,
            "intent": self.spec.intent,
            "n_candidates": self.n_candidates,
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


def _scene(hand: HandModel, obj: GraspObject):
    from dexgys.sim.scene import build_scene

    key = (id(obj), str(hand.mjcf_path))
    hit = _SCENES.get(key)
    if hit is not None and hit[0]() is obj:
        return hit[1]
    scene = build_scene(hand, obj)
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
) -> SynthesisResult:
    """Synthesise grasps of ``obj`` for ``spec`` (an :class:`IntentSpec`, or an intent name looked up
    for ``obj.category``): ``n_candidates`` initial poses (seeded by ``seed``), optimised in batches of
    ``config.batch_size`` on ``device``, then validated (module docstring). The physics test of one
    batch runs in ``config.workers`` processes while the next batch is optimised (``workers=0``: in
    this process). Deterministic for a given (object, spec, n_candidates, seed, config): the result
    does not depend on ``workers`` or timing.

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
    timings = {k: 0.0 for k in ("field", "init", "optimise", *STAGES, "physics_wait")}
    t0 = time.perf_counter()
    base_hand = hand if hand is not None else load_hand()
    cpu_hand = base_hand.to("cpu", torch.float32)
    run_hand = base_hand.to(device, torch.float32)
    field_cpu = object_field(obj)
    field_dev = field_cpu.to(device)
    timings["field"] = time.perf_counter() - t0

    generator = torch.Generator().manual_seed(int(seed))
    rejected = {k: 0 for k in STAGES}
    reasons: dict[str, int] = {}
    physics = _Physics(_scene(cpu_hand, obj), config.workers) if config.physics else None
    pending = []
    try:
        for start in range(0, n_candidates, config.batch_size):
            size = min(config.batch_size, n_candidates - start)
            t = time.perf_counter()
            init = initial_poses(cpu_hand, obj, field_cpu, spec, size, generator)
            energy = GraspEnergy(run_hand, field_dev, spec, init.prior_joints, init.prior_weights,
                                 config.weights, config.sphere_spacing)
            timings["init"] += time.perf_counter() - t
            t = time.perf_counter()
            result = optimize_grasps(energy, init.pose, config.optimizer)
            timings["optimise"] += time.perf_counter() - t
            pose = result.pose.to("cpu", torch.float32)
            survivors = _screen(cpu_hand, obj, field_cpu, spec, pose, config, timings, rejected, reasons)
            handles = []
            if physics is not None and survivors["items"]:
                t = time.perf_counter()
                handles = physics.submit(survivors["items"])
                timings["physics_wait"] += time.perf_counter() - t  # inline runs count as waiting
            pending.append((start, pose, result.energy.cpu(), survivors, handles))
        grasps: list[SynthesizedGrasp] = []
        t = time.perf_counter()
        for start, pose, energy_b, surv, handles in pending:
            n = len(surv["alive"])
            held = np.ones((n, 6), dtype=bool)
            for k, handle in zip(surv["sim_index"], handles):
                out, cpu = _Physics.result(handle)
                held[k] = out["held"]
                timings["physics"] += cpu
            ok = surv["q1_ok"].copy()
            if physics is not None:
                passed = held.all(1)
                rejected["physics"] += int((ok & ~passed).sum())
                ok &= passed
            records = pose.to_record().double().numpy()
            for k in np.nonzero(ok)[0]:
                b = int(surv["alive"][k])
                grasps.append(SynthesizedGrasp(records[b].copy(), float(surv["q1"][k]), float(surv["pen"][b]),
                                               float(energy_b[b]), surv["facts"][k], held[k].copy(), start + b))
        timings["physics_wait"] += time.perf_counter() - t
    finally:
        if physics is not None:
            physics.close()
    return SynthesisResult(obj.name, spec, grasps, n_candidates, rejected, reasons, timings, int(seed),
                           time.perf_counter() - t0, 6 + base_hand.n_dofs)


def _screen(hand, obj, field, spec, pose: HandPose, config, timings, rejected, reasons) -> dict:
    """Penetration, contact facts and Q1 of a batch (exact); the physics items of the survivors."""
    from dexgys.sim.quality import max_penetration, q1_from_contacts  # noqa: I001

    B = pose.batch_size
    out = {"alive": np.zeros(0, dtype=np.int64), "items": [], "sim_index": [], "facts": [], "q1": np.zeros(0),
           "q1_ok": np.zeros(0, dtype=bool), "pen": np.zeros(B)}
    # 1. exact penetration
    t = time.perf_counter()
    pen = max_penetration(hand, obj, pose)
    out["pen"] = pen
    ok = pen <= MAX_PENETRATION
    rejected["penetration"] += int((~ok).sum())
    alive = np.arange(B)[ok]
    timings["penetration"] += time.perf_counter() - t
    if len(alive) == 0:
        return out

    # 2. contact facts against the spec
    t = time.perf_counter()
    dist = exact_hand_distances(hand, obj, pose[torch.as_tensor(alive)], field)
    facts = contact_facts(hand, obj, distances=dist)
    keep = []
    for f in facts:
        why = spec_violations(f, spec)
        for r in why:
            reasons[r] = reasons.get(r, 0) + 1
        keep.append(not why)
    keep = np.array(keep, dtype=bool)
    rejected["contacts"] += int((~keep).sum())
    alive, facts = alive[keep], [f for f, k in zip(facts, keep) if k]
    idx = torch.as_tensor(np.nonzero(keep)[0])
    dist.points, dist.parts, dist.screened = dist.points[idx], dist.parts[idx], dist.screened[idx]
    timings["contacts"] += time.perf_counter() - t
    out["alive"], out["facts"] = alive, facts
    if len(alive) == 0:
        return out

    # 3. Q1 (the per-link contacts also drive the physics squeeze, as in sim.grasp_test.test_grasps)
    t = time.perf_counter()
    lc = fast_link_contacts(hand, obj, dist)
    q1 = np.array([q1_from_contacts(lc.object_points[b, lc.mask[b]], lc.normals[b, lc.mask[b]]) for b in range(len(alive))])
    q1_ok = q1 >= config.q1_threshold
    rejected["q1"] += int((~q1_ok).sum())
    out["q1"], out["q1_ok"] = q1, q1_ok
    timings["q1"] += time.perf_counter() - t

    # 4. physics items of the survivors
    if config.physics:
        scene = _scene(hand, obj)
        sel = np.nonzero(q1_ok)[0]
        sub = pose[torch.as_tensor(alive[sel])] if len(sel) else None
        for k, b in enumerate(sel):
            m = lc.mask[b]
            out["items"].append((sub.translation[k].double().numpy(), sub.rotation[k].double().numpy(),
                                 sub.joints[k].double().numpy(), scene.link_bodies[lc.links[m]],
                                 lc.hand_points[b, m], -lc.normals[b, m]))
        out["sim_index"] = list(sel)
    return out
