"""``GraspGenerator``: an object and a sentence in, dexterous grasps out (IDGC, then QGC, then the physics polish).

>>> from dexgys.pipeline import GraspGenerator
>>> gen = GraspGenerator.from_pretrained()                     # the shipped CPU model
>>> result = gen.generate("mug:3", "hold the mug by its handle", n=8, seed=0)
>>> result.records.shape                                       # (8, 28), input frame
>>> result.save("grasps.json")                              # viewer: dexgys.viz.output.write_generation_views

**Objects** (:meth:`GraspGenerator.generate`'s ``obj``): a catalogue name (``"mug:3"``), a mesh or
point-cloud file (see :mod:`dexgys.objects.inputs`), an :class:`ObjectInput`, or an array of points
``(N, 3)`` (or points and normals ``(N, 6)``) in metres. The model sees the object in its own frame
(bounding-box centre at the origin) as a cloud of the point count it was trained with (seed 0);
grasps are returned in the **input frame** (:meth:`ObjectInput.to_input_frame`), ``[t (m) |
axis-angle (rad) | 22 joint angles (rad)]``.

**Model files.** :meth:`GraspGenerator.from_pretrained` reads a generator file (default
:data:`DEFAULT_MODEL`, shipped in the package), a training output directory or a single IDGC
checkpoint (no refinement), through :func:`~dexgys.models.generator_file.read_generator`, which
checks that the stages were trained together; ``dexgys train export`` writes a generator file.

**Stages.** IDGC draws grasps for the words; QGC refines them in one learned pass; the physics polish
(:mod:`dexgys.synthesis.polish`) then moves each grasp a little so the object does not reach into the
hand and the fingers that are at the surface rest on it, using only the object's surface: the exact
field of a catalogue or mesh object, or an approximate one built from a bare point cloud's points and
normals (:meth:`ObjectField.from_oriented_points`). When the model file has a finger-contact predictor
(:mod:`dexgys.models.finger_contacts`), it reads from the instruction which fingers (and whether the
palm) should touch, and the polish pulls those harder (``PolishConfig.contacts.named_finger``;
``GenerationResult.touching`` lists them). When it also has a contact-region predictor
(:mod:`dexgys.models.contact_regions`), it reads from the cloud and the instruction which points each
of them should touch, and the polish pulls each named finger toward its own region
(``PolishConfig.weights.region``; ``GenerationResult.regions`` holds them). ``refine=False`` skips QGC,
``polish=False`` the polish.

**Selection.** With the polish on, the generator draws ``oversample`` x ``n`` candidates (default
:data:`DEFAULT_OVERSAMPLE`) and hands them to the polish runner
(:class:`~dexgys.synthesis.polisher.Polisher`, whose docstring has the rules): at the polish's
screen (``PolishConfig.screen.step``) the ``finalists`` x ``n`` (default :data:`DEFAULT_FINALISTS`)
with the lowest residual energy so far go on, for an object with part labels those that break
fewer of the words' orders where they stand first (``PolishConfig.screen.words``;
``candidates["finalist"]``); of them it returns the
``n`` with the lowest :func:`~dexgys.synthesis.polisher.selection_score`, in the order they were
drawn: the residual energy the polish left, the valid Q1 (``candidates["valid_q1"]``) and, for an
object with part labels, the orders of the words a finalist breaks (``candidates["avoid_touched"]``:
a hand part on a part to keep free; ``candidates["named_missed"]``: a named finger on none of the
named parts), each of which ranks it after every finalist that breaks fewer. No simulator. Why a
screen: a descent step costs about the same for 8 and for 64 grasps on a CPU, the finishing steps
and the Q1 hulls do not; 64 candidates screened to 16 at step 20 of 150 chose better grasps than 16
or 32 candidates polished to the end, in 1.45 times the time of 16
(``docs/experiments/results-history.md``, "A wider draw, screened early"). Batch ``j`` of ``n``
candidates draws its noise from a seed derived from (``seed``, ``j``), batch 0 from ``seed`` itself, so
batch 0 holds the grasps ``oversample=1`` returns (up to float rounding: every stage runs on all
candidates at once).

**Determinism.** The object cloud is sampled with seed 0 and the diffusion noise comes from a CPU
``torch.Generator`` seeded with ``seed``, so a seed gives the same grasps on every run (and, up to
float arithmetic, on every device). Text features are rounded to float16, as the training cache
stores them.
"""

from __future__ import annotations

import os
import time
import weakref
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from dexgys.errors import DexgysError
from dexgys.generation_config import DEFAULT_FINALISTS, DEFAULT_OVERSAMPLE, GenerationConfig
from dexgys.generation_result import GenerationResult
from dexgys.geometry.object_field import ObjectField
from dexgys.hands import HandModel, canonical_hand_name, load_hand
from dexgys.language.brief import action_id_from_intent
from dexgys.language.instruction_check import check_instruction
from dexgys.language.reading import Reading, read_instruction
from dexgys.language.words import join_list
from dexgys.models.checkpoint import PREDICTOR_KINDS, Checkpoint, Model, build_model
from dexgys.models.contact_regions import ContactRegionPredictor
from dexgys.models.finger_contacts import HAND_PARTS, FingerContactPredictor
from dexgys.models.generator_file import GeneratorStages, StageContract, load_stages, read_generator
from dexgys.models.idgc import IDGC
from dexgys.models.qgc import QGC
from dexgys.models.text_encoder import TextEncoder, load_text_encoder
from dexgys.objects.inputs import ObjectInput, load_object_input
from dexgys.synthesis.polish_config import PolishConfig
from dexgys.synthesis.polisher import (
    DEFAULT_Q1_WEIGHT,
    Polisher,
    PolishTargets,
    WordOrders,
)

__all__ = [
    "DEFAULT_FINALISTS",
    "DEFAULT_MODEL",
    "DEFAULT_OVERSAMPLE",
    "GenerationResult",
    "GraspGenerator",
    "candidate_seed",
]

DEFAULT_MODEL = Path(__file__).resolve().parent / "pretrained" / "dexgys-cpu.pt"
MAX_GRASPS = 4096  # per call, candidates included: more is almost certainly a typo
STAGE_PROTOCOL = "dexgraspbench"  # whose pre-grasp / squeeze rule the grasps' stage joints follow
TRAIN_HINT = (
    "train one with 'dexgys train idgc --config cpu --data DIR --out runs/cpu', then "
    "'dexgys train qgc --config cpu --data DIR --out runs/cpu', and bundle it with "
    "'dexgys train export --idgc runs/cpu/idgc.pt --qgc runs/cpu/qgc.pt --out MODEL.pt' (or pass a run directory)"
)


def _build(ckpt: Checkpoint, where: str, device: torch.device) -> Model:
    hand = None
    if ckpt.model_kind not in PREDICTOR_KINDS:
        hand = load_hand(n_surface_points=StageContract.of(ckpt, where).hand_surface_points)
    return build_model(ckpt, hand, where).to(device)


# --------------------------------------------------------------------------------------------- generator
class GraspGenerator:
    """IDGC (and QGC, and the finger-contact and contact-region predictors) with their text encoder, ready
    to generate; build it with :meth:`from_pretrained` or :meth:`from_checkpoints`. ``object_points``:
    the cloud size the models were trained on."""

    def __init__(
        self,
        idgc: IDGC,
        qgc: QGC | None,
        text_encoder: TextEncoder,
        object_points: int,
        source: str = "",
        polish_config: PolishConfig = PolishConfig(),
        guidance_scale: float = 1.0,
        oversample: int = DEFAULT_OVERSAMPLE,
        fingers: FingerContactPredictor | None = None,
        regions: ContactRegionPredictor | None = None,
        q1_weight: float = DEFAULT_Q1_WEIGHT,
        finalists: int = DEFAULT_FINALISTS,
        hand: str = "shadow",
    ) -> None:
        if text_encoder.dim != idgc.config.text_dim:
            raise DexgysError(
                f"the text encoder gives {text_encoder.dim}-d features; the IDGC reads {idgc.config.text_dim}-d"
            )
        for name, model in (("finger-contact", fingers), ("contact-region", regions)):
            if model is not None and model.config.text_dim != text_encoder.dim:
                raise DexgysError(
                    f"the text encoder gives {text_encoder.dim}-d features; the {name} predictor "
                    f"reads {model.config.text_dim}-d"
                )
        self.idgc = idgc.eval()
        self.qgc = qgc.eval() if qgc is not None else None
        self.fingers = fingers.eval() if fingers is not None else None
        self.regions = regions.eval() if regions is not None else None
        self.text_encoder = text_encoder
        self.object_points = int(object_points)
        self.source = source
        self.polish_config = polish_config
        self.guidance_scale = idgc.config.check_guidance_scale(guidance_scale)
        GenerationConfig(oversample=oversample, finalists=finalists)  # checks them
        self.oversample, self.finalists = int(oversample), int(finalists)
        self.q1_weight = float(q1_weight)
        self.device = next(idgc.parameters()).device
        self.hand = canonical_hand_name(hand)  # the hand the polish fits grasps to
        self._hand = None
        self._field = None

    @classmethod
    def from_pretrained(
        cls, path: str | os.PathLike | None = None, device: torch.device | str = "cpu", hand: str = "shadow"
    ) -> GraspGenerator:
        """A generator file (default :data:`DEFAULT_MODEL`), a training output directory (``idgc.pt`` and,
        when present, ``qgc.pt``, ``fingers.pt`` and ``regions.pt``) or a single IDGC checkpoint; see the
        module docstring. ``hand``: the hand the physics polish fits the grasps to (``shadow-mesh``: the
        real link meshes, through their containing proxies)."""
        if path is None:
            if not DEFAULT_MODEL.is_file():
                raise DexgysError(f"no pretrained model is installed ({DEFAULT_MODEL} is missing): {TRAIN_HINT}")
            path = DEFAULT_MODEL
        stages = read_generator(path)
        generator = cls._assemble(stages, device)
        generator.hand = canonical_hand_name(hand)
        return generator

    @classmethod
    def from_checkpoints(
        cls,
        idgc_path: str | os.PathLike,
        qgc_path: str | os.PathLike | None = None,
        device: torch.device | str = "cpu",
        fingers_path: str | os.PathLike | None = None,
        regions_path: str | os.PathLike | None = None,
    ) -> GraspGenerator:
        """From the ``idgc.pt`` (and ``qgc.pt``, ``fingers.pt``, ``regions.pt``) of a training run; without
        QGC, no refinement; without the finger-contact predictor, the polish pulls no named fingers
        harder; without the contact-region predictor, it pulls no finger toward a part."""
        stages = load_stages((idgc_path, qgc_path, fingers_path, regions_path), str(idgc_path))
        return cls._assemble(stages, device)

    @classmethod
    def _assemble(cls, stages: GeneratorStages, device) -> GraspGenerator:
        device = torch.device(device)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise DexgysError("device 'cuda' was asked for, but torch sees no CUDA device")
        models = {
            stage: None if ckpt is None else _build(ckpt, stages.source, device)
            for stage, ckpt in stages.checkpoints.items()
        }
        contract = stages.contract
        encoder = load_text_encoder(contract.text_encoder, contract.text_encoder_path, device=device)
        return cls(
            models["idgc"],
            models["qgc"],
            encoder,
            contract.object_points,
            stages.source,
            guidance_scale=stages.defaults.get("guidance_scale", 1.0),
            fingers=models["fingers"],
            regions=models["regions"],
        )

    # ------------------------------------------------------------------------------ generation
    def _object(self, obj) -> ObjectInput:
        if isinstance(obj, ObjectInput):
            if len(obj.points) != self.object_points:
                raise DexgysError(
                    f"the object input has {len(obj.points)} points; this model reads "
                    f"{self.object_points} (load it with load_object_input(..., n_points="
                    f"{self.object_points}))"
                )
            return obj
        if isinstance(obj, (str, os.PathLike)):
            return load_object_input(str(obj), n_points=self.object_points, seed=0)
        if isinstance(obj, (np.ndarray, torch.Tensor)):
            from dexgys.objects.inputs import object_input_from_points

            data = obj.detach().cpu().numpy() if isinstance(obj, torch.Tensor) else obj
            if data.ndim != 2 or data.shape[1] not in (3, 6) or not np.issubdtype(data.dtype, np.number):
                raise DexgysError(
                    f"the point cloud has shape {tuple(data.shape)} ({data.dtype}): expected (N, 3) "
                    "points or (N, 6) points and normals, in metres"
                )
            data = data.astype(np.float64)
            normals = data[:, 3:] if data.shape[1] == 6 else None
            return object_input_from_points("points", data[:, :3], normals, n_points=self.object_points, seed=0)
        raise DexgysError(
            f"cannot generate grasps for a {type(obj).__name__}: give a catalogue name, a mesh or "
            "point-cloud file, an ObjectInput or an (N, 3) array"
        )

    def generate(
        self,
        obj,
        instruction: str,
        n: int = 8,
        seed: int = 0,
        config: GenerationConfig | None = None,
        progress: bool = False,
        **settings,
    ) -> GenerationResult:
        """``n`` grasps of ``obj`` (see the module docstring) that do what ``instruction`` says, made as
        ``config`` (:class:`~dexgys.generation_config.GenerationConfig`; default: the defaults) with
        any of its fields overridden by keyword (``sampler="ddim", steps=10``):

        ``sampler``: ``"ddpm"`` (all diffusion steps, the paper's) or ``"ddim"`` with ``steps``
        (e.g. 10: about 10x faster); ``refine``: run QGC on the IDGC samples (when the model has one);
        ``polish``: run the physics polish last; ``guidance_scale``: the classifier-free guidance scale (default:
        the model file's, else 1 = none; see :class:`~dexgys.models.idgc.IDGC`); ``oversample``:
        candidates drawn per returned grasp and ``finalists``: how many of them per grasp the polish
        finishes (defaults: the generator's; at most ``oversample`` count; only with the polish,
        which ranks them; module docstring). Deterministic in ``seed``. ``progress``: show the stage
        under way on stderr (``dexgys generate`` does).
        """
        total_start = time.perf_counter()
        instruction = check_instruction(instruction)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_GRASPS:
            raise DexgysError(f"the number of grasps must be an integer from 1 to {MAX_GRASPS}, got {n!r}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise DexgysError(f"the seed must be a non-negative integer, got {seed!r}")
        config = _with_settings(config, settings)
        polish = config.polish
        guidance_scale = self.idgc.config.check_guidance_scale(
            self.guidance_scale if config.guidance_scale is None else config.guidance_scale
        )
        oversample = (self.oversample if config.oversample is None else config.oversample) if polish else 1
        finalists = min(oversample, self.finalists if config.finalists is None else config.finalists)
        if n * oversample > MAX_GRASPS:
            raise DexgysError(f"{n} grasps x {oversample} candidates each is more than {MAX_GRASPS} per call")
        resolved = replace(config, guidance_scale=guidance_scale, oversample=oversample, finalists=finalists)
        with _StageClock(progress) as clock:
            result = self._run(obj, instruction, int(n), int(seed), resolved, clock)
        result.timings.update(clock.timings, total=time.perf_counter() - total_start)
        return result

    def _run(
        self, obj, instruction: str, n: int, seed: int, config: GenerationConfig, clock: _StageClock
    ) -> GenerationResult:
        """:meth:`generate`'s stages, its inputs checked and ``config`` resolved (guidance scale and
        candidates as used); ``clock`` times them."""
        sampler, steps, refine, polish = config.sampler, config.steps, config.refine, config.polish
        guidance_scale, oversample, finalists = config.guidance_scale, config.oversample, config.finalists
        clock.start("object")
        obj_input = self._object(obj)

        clock.start("text")
        tokens, mask = self.text_encoder.encode([instruction])
        tokens = tokens.to(torch.float16).float()
        named = None
        if self.fingers is not None:
            named = self.fingers.predict(tokens.to(self.device), mask.to(self.device))[0].cpu()
        points = torch.from_numpy(obj_input.points).unsqueeze(0).to(self.device)
        regions = free = None
        if self.regions is not None:
            probability = self.regions.probabilities(points, tokens.to(self.device), mask.to(self.device))[0].cpu()
            regions = probability > self.regions.config.threshold
            free = probability.amax(-1) < self.polish_config.contacts.free_below
        reading = self._read(obj_input, instruction)
        avoid = _avoid_mask(obj_input, reading) if self.polish_config.weights.avoid > 0 else None

        clock.start("idgc", f" {n * oversample} candidates")
        generators = [torch.Generator().manual_seed(candidate_seed(int(seed), j)) for j in range(oversample)]
        coarse = self.idgc.sample(
            points,
            tokens.to(self.device),
            mask.to(self.device),
            n=int(n) * oversample,
            generator=generators,
            sampler=sampler,
            steps=steps,
            guidance_scale=guidance_scale,
        )

        refined = refine and self.qgc is not None
        clock.start("qgc")
        final = self.qgc.refine(points, coarse) if refined else coarse

        unpolished = final[0].double().cpu().numpy()
        clock.start("polish")
        if polish:
            polisher = Polisher(self._polish_hand(), self.polish_config, self.q1_weight)
            cloud, field = torch.from_numpy(obj_input.points), self._surface_field(obj_input)
            targets = PolishTargets(named, regions, free, avoid, self._word_orders(obj_input, reading, avoid))
            run = polisher.polish(field, final[0], n * finalists, targets, cloud, obj_input.object)
            picked = polisher.select(run, n, field, cloud, obj_input.object, targets.orders, rank=oversample > 1)
            polished, residual, early, rescued = run.polished, run.residual, run.early, run.rescued
            finalist, q1, score, chosen = run.finished, picked.valid_q1, picked.score, picked.chosen
            touched, missed = picked.avoid_touched, picked.named_missed
        else:
            polished, residual, chosen = unpolished, np.full(len(unpolished), np.nan), np.arange(n)
            q1 = score = early = np.full(len(unpolished), np.nan)
            finalist = np.ones(len(unpolished), dtype=bool)
            rescued = touched = missed = np.zeros(len(unpolished), dtype=bool)

        coarse_all = coarse[0].double().cpu().numpy()
        candidates = {
            "coarse": obj_input.to_input_frame(coarse_all),
            "unpolished": obj_input.to_input_frame(unpolished),
            "polished": obj_input.to_input_frame(polished),
            "residual": residual,
            "valid_q1": q1,
            "score": score,
            "early_residual": early,
            "finalist": finalist,
            "rescued": rescued,
            "avoid_touched": touched,
            "named_missed": missed,
            "chosen": chosen,
        }
        records = candidates["polished"][chosen]
        coarse_records = candidates["coarse"][chosen]
        intent = reading.intent
        head = {}
        if obj_input.object is not None and obj_input.object.category:
            head["cate_id"] = obj_input.object.category
        head["obj_id"] = obj_input.name
        if intent is not None:
            head["action_id"] = action_id_from_intent(intent)
        grasps = [{**head, "guidance": instruction, "dex_grasp": [float(x) for x in r]} for r in records]
        clock.start("stages")
        stages = self._stage_joints(obj_input, polished[chosen])
        if stages is not None:
            for k, g in enumerate(grasps):
                g["dex_pregrasp_joints"] = [float(x) for x in stages["pregrasp"][k]]
                g["dex_squeeze_joints"] = [float(x) for x in stages["squeeze"][k]]
        touching = None if named is None else tuple(p for p, on in zip(HAND_PARTS, named.tolist()) if on)
        return GenerationResult(
            obj_input,
            instruction,
            records,
            coarse_records,
            grasps,
            refined,
            bool(polish),
            candidates["unpolished"][chosen],
            int(seed),
            sampler,
            steps,
            guidance_scale,
            {},
            oversample,
            candidates,
            touching,
            None if regions is None else regions.numpy(),
            finalists if polish else 1,
            self.hand if polish else "shadow",
            reading,
            _unmet(reading, touched, missed, finalist, chosen),
            self.polish_config.as_dict() if polish else None,
        )

    @staticmethod
    def _read(obj_input: ObjectInput, instruction: str) -> Reading:
        """:func:`~dexgys.language.reading.read_instruction` against the object's parts (none for a bare cloud)."""
        obj = obj_input.object
        parts = obj.part_names if obj is not None and obj_input.parts is not None else ()
        return read_instruction(instruction, parts, None if obj is None else obj.category)

    def _stage_joints(self, obj_input: ObjectInput, grasps: np.ndarray) -> dict | None:
        """The pre-grasp and squeeze joints ``{"pregrasp", "squeeze"}`` ``(n, 22)`` of object-frame
        ``grasps`` under :data:`STAGE_PROTOCOL` (DexGraspBench's layout: the contacts 1 cm off and 1 cm
        in), on the polish's hand; None for a bare point cloud (no surface to find the contacts on)."""
        if obj_input.object is None:
            return None
        from dexgys.sim.grasp_test import stage_joint_poses

        return stage_joint_poses(load_hand(self.hand), obj_input.object, grasps, STAGE_PROTOCOL)

    def _surface_field(self, obj_input: ObjectInput) -> ObjectField:
        """The object's surface field for the polish: exact for a catalogue or mesh object, from the
        points and normals for a bare cloud; the last one is kept while its object lives."""
        key = obj_input.object if obj_input.object is not None else obj_input
        cached = self._field
        if cached is not None and cached[0]() is key:
            return cached[1]
        if obj_input.object is not None:
            field = ObjectField.build(obj_input.object, parts=False)
        else:
            field = ObjectField.from_oriented_points(obj_input.points, obj_input.normals)
        self._field = (weakref.ref(key), field)
        return field

    def _polish_hand(self) -> HandModel:
        """The polish's hand (:attr:`hand`), loaded once on the generator's device."""
        if self._hand is None or self._hand.name != self.hand:
            self._hand = load_hand(self.hand).to(self.device, torch.float32)
        return self._hand

    def _word_orders(self, obj_input: ObjectInput, reading: Reading, avoid: np.ndarray | None) -> WordOrders:
        """The reading's orders as indices into the object's parts and the polish hand's parts: the parts
        to keep free when the polish avoids them (``avoid`` given), the named fingers and parts to touch
        (none for an object without part labels)."""
        obj = obj_input.object
        if obj is None or obj_input.parts is None:
            return WordOrders()
        fingers = self._polish_hand().finger_names
        return WordOrders(
            avoid_parts=tuple(obj.part_names.index(p) for p in reading.avoid_parts) if avoid is not None else (),
            fingers=tuple(fingers.index(f) for f in reading.fingers if f in fingers),
            touch_parts=tuple(obj.part_names.index(p) for p in reading.touch_parts),
        )


STAGE_LABELS = {
    "object": "reading the object",
    "text": "reading the words",
    "idgc": "IDGC: drawing",
    "qgc": "QGC: refining them",
    "polish": "polishing and choosing",
    "stages": "pre-grasp and squeeze poses",
}


class _StageClock:
    """The seconds of each stage of a generation (:data:`STAGE_LABELS`; ``timings``) and, with
    ``progress``, a bar on stderr naming the stage under way. A context manager, so that the bar is
    gone before an error or a Ctrl-C is reported."""

    def __init__(self, progress: bool) -> None:
        self.timings: dict[str, float] = {}
        self._stage, self._start = None, 0.0
        self._bar = tqdm(
            total=len(STAGE_LABELS),
            disable=not progress,
            leave=False,
            bar_format="generating: {desc} [stage {n_fmt}/{total_fmt}, {elapsed}]",
        )

    def __enter__(self) -> _StageClock:
        return self

    def __exit__(self, *exc) -> None:
        self._end()
        self._bar.close()

    def start(self, stage: str, detail: str = "") -> None:
        """End the stage under way and start ``stage`` (``detail``: words added to its label)."""
        self._end()
        self._stage, self._start = stage, time.perf_counter()
        self._bar.set_description_str(STAGE_LABELS[stage] + detail)

    def _end(self) -> None:
        if self._stage is not None:
            self.timings[self._stage] = time.perf_counter() - self._start
            self._bar.update()
            self._stage = None


def candidate_seed(seed: int, batch: int) -> int:
    """The noise seed of candidate batch ``batch`` of a generation with ``seed``: ``seed`` itself for
    batch 0 (so ``oversample=1`` draws the first batch), else one derived from both."""
    if batch == 0:
        return seed
    return int(np.random.SeedSequence([seed, batch]).generate_state(1, np.uint64)[0] >> 1)


def _unmet(
    reading: Reading, touched: np.ndarray, missed: np.ndarray, finished: np.ndarray, chosen: np.ndarray
) -> tuple[str, ...]:
    """The :attr:`GenerationResult.unmet` lines: the chosen grasps' broken orders, against how many of
    the ``finished`` candidates kept each order."""
    n, total, out = len(chosen), int(finished.sum()), []
    if touched[chosen].any():
        kept = int((finished & ~touched).sum())
        out.append(
            f"{int(touched[chosen].sum())} of {n} grasps touch the {' or the '.join(reading.avoid_parts)}, "
            f"which the words keep free: only {kept} of the {total} finished candidates kept off"
        )
    if missed[chosen].any():
        kept = int((finished & ~missed).sum())
        out.append(
            f"{int(missed[chosen].sum())} of {n} grasps do not put the {join_list(reading.fingers)} on the "
            f"{' or the '.join(reading.touch_parts)}: only {kept} of the {total} finished candidates did"
        )
    return tuple(out)


def _with_settings(config: GenerationConfig | None, settings: dict) -> GenerationConfig:
    """``config`` (default: the defaults) with ``settings`` (field name -> value) replacing its fields."""
    if config is not None and not isinstance(config, GenerationConfig):
        raise DexgysError(f"config must be a GenerationConfig, got {type(config).__name__}")
    unknown = sorted(set(settings) - set(GenerationConfig.__dataclass_fields__))
    if unknown:
        raise DexgysError(f"unknown generation setting(s): {', '.join(unknown)}")
    return replace(config or GenerationConfig(), **settings)


def _avoid_mask(obj_input: ObjectInput, reading: Reading) -> np.ndarray | None:
    """``(N,)`` bool: the object cloud's points on the parts the reading avoids (None when it avoids
    none or the cloud has no part labels)."""
    if not reading.avoid_parts or obj_input.parts is None or obj_input.object is None:
        return None
    names = obj_input.object.part_names
    return np.isin(obj_input.parts, [names.index(p) for p in reading.avoid_parts])
