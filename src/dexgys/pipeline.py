"""``GraspGenerator``: an object and a sentence in, dexterous grasps out (IDGC, then QGC, then the physics polish).

>>> from dexgys.pipeline import GraspGenerator
>>> gen = GraspGenerator.from_pretrained()                     # the shipped CPU model
>>> result = gen.generate("mug:3", "hold the mug by its handle", n=8, seed=0)
>>> result.records.shape                                       # (8, 28), input frame
>>> result.save("grasps.json"); result.write_views(html="grasps.html")

**Objects** (:meth:`GraspGenerator.generate`'s ``obj``): a catalogue name (``"mug:3"``), a mesh or
point-cloud file (see :mod:`dexgys.objects.inputs`), an :class:`ObjectInput`, or an array of points
``(N, 3)`` (or points and normals ``(N, 6)``) in metres. The model sees the object in its own frame
(bounding-box centre at the origin) as a cloud of the point count it was trained with (seed 0);
grasps are returned in the **input frame** (:meth:`ObjectInput.to_input_frame`), ``[t (m) |
axis-angle (rad) | 22 joint angles (rad)]``.

**Model files.** A *generator file* bundles both stages in one ``torch.save`` dict read with
``weights_only=True``::

    {"format": "dexgys-generator", "format_version": 1,
     "idgc": {model_kind, format_version, config, state_dict, normalizer, extra},   # a checkpoint's
     "qgc":  {...},                                                                 # sections
     "fingers": {...},                              # optional: the finger-contact predictor
     "regions": {...},                              # optional: the contact-region predictor
     "meta": {"dexgys_version", "idgc_sha256", "qgc_sha256", "fingers_sha256", "regions_sha256"},
     "defaults": {"guidance_scale": w}}                                                 # optional

:func:`export_generator` (``dexgys train export``) writes one from the ``idgc.pt``, ``qgc.pt``,
``fingers.pt`` and ``regions.pt`` of a training run. :meth:`GraspGenerator.from_pretrained` reads a
generator file (default :data:`DEFAULT_MODEL`, shipped in the package), a training output directory
(``idgc.pt`` and, if present, ``qgc.pt``, ``fingers.pt`` and ``regions.pt``) or a single IDGC
checkpoint (no refinement). Each stage's ``extra`` must carry what :func:`dexgys.training.train_idgc`
writes: ``text_encoder``, ``text_encoder_path``, ``object_points``, ``hand_surface_points``.

**Stages.** IDGC draws grasps for the words; QGC refines them in one learned pass; the physics polish
(:mod:`dexgys.synthesis.polish`) then moves each grasp a little so the object does not reach into the
hand and the fingers that are at the surface rest on it, using only the object's surface: the exact
field of a catalogue or mesh object, or an approximate one built from a bare point cloud's points and
normals (:meth:`ObjectField.from_oriented_points`). When the model file has a finger-contact predictor
(:mod:`dexgys.models.finger_contacts`), it reads from the instruction which fingers (and whether the
palm) should touch, and the polish pulls those harder (``PolishConfig.named_weight``;
``GenerationResult.touching`` lists them). When it also has a contact-region predictor
(:mod:`dexgys.models.contact_regions`), it reads from the cloud and the instruction which points each
of them should touch, and the polish pulls each named finger toward its own region
(``PolishConfig.region``; ``GenerationResult.regions`` holds them). ``refine=False`` skips QGC,
``polish=False`` the polish.

**Selection.** With the polish on, the generator draws ``oversample`` x ``n`` candidates (default
:data:`DEFAULT_OVERSAMPLE`) and hands them to the polish runner
(:class:`~dexgys.synthesis.polisher.Polisher`, whose docstring has the rules): at the polish's
screen (``PolishConfig.screen_step``) the ``finalists`` x ``n`` (default :data:`DEFAULT_FINALISTS`)
with the lowest residual energy so far go on (``candidates["finalist"]``); of them it returns the
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

import hashlib
import io
import os
import time
import weakref
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from dexgys import __version__
from dexgys.atomic import atomic_write_bytes
from dexgys.errors import DexgysError
from dexgys.generation_config import GenerationConfig
from dexgys.hands import HandModel, HandPose, canonical_hand_name, load_hand
from dexgys.language.brief import action_id_from_intent
from dexgys.language.reading import Reading, read_instruction
from dexgys.language.words import join_list
from dexgys.models.checkpoint import (
    CHECKPOINT_FORMAT_VERSION,
    PREDICTOR_KINDS,
    Checkpoint,
    Model,
    build_model,
    load_checkpoint,
    read_torch_file,
)
from dexgys.models.contact_regions import ContactRegionPredictor
from dexgys.models.finger_contacts import HAND_PARTS, FingerContactPredictor
from dexgys.models.idgc import IDGC, IDGCConfig
from dexgys.models.qgc import QGC
from dexgys.models.text_encoder import TextEncoder, check_instruction, load_text_encoder
from dexgys.objects.inputs import ObjectInput, load_object_input
from dexgys.synthesis.energy import ObjectField
from dexgys.synthesis.polish import PolishConfig
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
    "GENERATOR_FORMAT_VERSION",
    "GenerationResult",
    "GraspGenerator",
    "candidate_seed",
    "export_generator",
]

DEFAULT_MODEL = Path(__file__).resolve().parent / "pretrained" / "dexgys-cpu.pt"
GENERATOR_FORMAT_VERSION = 1
_GENERATOR_FORMAT = "dexgys-generator"
_EXTRA_KEYS = ("text_encoder", "text_encoder_path", "object_points", "hand_surface_points")
_OPTIONAL_STAGES = ("qgc", "fingers", "regions")
_STAGE_NAMES = {"idgc": "IDGC", "qgc": "QGC", "fingers": "finger-contact predictor",
                "regions": "contact-region predictor"}
MAX_GRASPS = 4096  # per call, candidates included: more is almost certainly a typo
DEFAULT_OVERSAMPLE = 8  # candidates drawn per returned grasp when polishing; chosen in docs/experiments/results-history.md
DEFAULT_FINALISTS = 2  # candidates per returned grasp that the polish finishes; chosen in docs/experiments/results-history.md
STAGE_PROTOCOL = "dexgraspbench"  # whose pre-grasp / squeeze rule the grasps' stage joints follow
TRAIN_HINT = (
    "train one with 'dexgys train idgc --config cpu --data DIR --out runs/cpu', then "
    "'dexgys train qgc --config cpu --data DIR --out runs/cpu', and bundle it with "
    "'dexgys train export --idgc runs/cpu/idgc.pt --qgc runs/cpu/qgc.pt --out MODEL.pt' (or pass a run directory)"
)

# --------------------------------------------------------------------------------------------- files
def _read_payload(path: Path) -> dict:
    return read_torch_file(path, "model file")


def _stage_checkpoint(section, stage: str, path: Path) -> Checkpoint:
    """A generator file's stage section, checked like :func:`load_checkpoint` checks a file."""
    where = f"model file {str(path)!r}"
    if not isinstance(section, dict):
        raise DexgysError(f"{where} has no {stage.upper()} section")
    if section.get("model_kind") != stage:
        raise DexgysError(f"{where}: its {stage.upper()} section holds a {section.get('model_kind')!r} model")
    if section.get("format_version") != CHECKPOINT_FORMAT_VERSION:
        raise DexgysError(f"{where}: its {stage.upper()} section has checkpoint format version "
                          f"{section.get('format_version')}; this dexgys reads {CHECKPOINT_FORMAT_VERSION}")
    for key in ("config", "state_dict", "normalizer", "extra"):
        if not isinstance(section.get(key), dict):
            raise DexgysError(f"{where}: its {stage.upper()} section is incomplete (no {key!r})")
    return Checkpoint(stage, section["config"], section["state_dict"], section["normalizer"], section["extra"],
                      section["format_version"])


def _read_generator(path: Path) -> tuple[dict[str, Checkpoint | None], dict]:
    """The checkpoints of a generator file (``{"idgc", "qgc", "fingers", "regions"}``, the last three None
    when it has none) and its generation defaults; or those of a single IDGC checkpoint file (no defaults)."""
    payload = _read_payload(path)
    if payload.get("format") == "dexgys-checkpoint":
        return {"idgc": load_checkpoint(path, "idgc"), **dict.fromkeys(_OPTIONAL_STAGES)}, {}
    if payload.get("format") != _GENERATOR_FORMAT:
        raise DexgysError(f"{str(path)!r} is not a dexgys model file")
    version = payload.get("format_version")
    if version != GENERATOR_FORMAT_VERSION:
        raise DexgysError(f"model file {str(path)!r} has format version {version}; "
                          f"this dexgys reads version {GENERATOR_FORMAT_VERSION}")
    defaults = payload.get("defaults", {})
    if not isinstance(defaults, dict):
        raise DexgysError(f"model file {str(path)!r}: its 'defaults' section is not a dict")
    stages = {stage: None if payload.get(stage) is None else _stage_checkpoint(payload[stage], stage, path)
              for stage in _OPTIONAL_STAGES}
    return {"idgc": _stage_checkpoint(payload.get("idgc"), "idgc", path), **stages}, defaults


def _check_extra(ckpt: Checkpoint, where: str) -> dict:
    missing = [k for k in _EXTRA_KEYS if k not in ckpt.extra]
    if missing:
        raise DexgysError(f"{where}: the {ckpt.model_kind.upper()} model lacks {missing[0]!r} in its extra: "
                          "it was not written by 'dexgys train'")
    return ckpt.extra


def export_generator(idgc_path: str | os.PathLike, qgc_path: str | os.PathLike | None,
                     out_path: str | os.PathLike, guidance_scale: float = 1.0,
                     fingers_path: str | os.PathLike | None = None,
                     regions_path: str | os.PathLike | None = None) -> None:
    """Bundle an IDGC checkpoint and (optionally) a QGC checkpoint, a finger-contact predictor
    (``dexgys train fingers``) and a contact-region predictor (``dexgys train regions``) into one
    generator file, atomically; ``guidance_scale``: the
    classifier-free guidance scale :meth:`GraspGenerator.generate` uses by default."""
    out_path = Path(out_path)
    if not out_path.resolve().parent.is_dir():
        raise DexgysError(f"output directory of {str(out_path)!r} does not exist")
    paths = {stage: p for stage, p in (("idgc", idgc_path), ("qgc", qgc_path), ("fingers", fingers_path),
                                        ("regions", regions_path)) if p is not None}
    stages = {stage: load_checkpoint(p, stage) for stage, p in paths.items()}
    guidance_scale = IDGCConfig.from_dict(stages["idgc"].config).check_guidance_scale(guidance_scale)
    extras = {stage: _check_extra(ckpt, str(paths[stage])) for stage, ckpt in stages.items()}
    if "qgc" in extras and extras["qgc"]["object_points"] != extras["idgc"]["object_points"]:
        raise DexgysError(f"the IDGC reads {extras['idgc']['object_points']}-point clouds, the QGC "
                          f"{extras['qgc']['object_points']}: they were not trained together")
    for stage in PREDICTOR_KINDS:
        if stage in extras and extras[stage]["text_encoder"] != extras["idgc"]["text_encoder"]:
            raise DexgysError(f"the IDGC reads {extras['idgc']['text_encoder']} features, the {_STAGE_NAMES[stage]} "
                              f"{extras[stage]['text_encoder']}: they were not trained together")
    if "regions" in extras and extras["regions"]["object_points"] != extras["idgc"]["object_points"]:
        raise DexgysError(f"the IDGC reads {extras['idgc']['object_points']}-point clouds, the contact-region "
                          f"predictor {extras['regions']['object_points']}: they were not trained together")
    payload = {"format": _GENERATOR_FORMAT, "format_version": GENERATOR_FORMAT_VERSION,
               "meta": {"dexgys_version": __version__}, "defaults": {"guidance_scale": guidance_scale}}
    for stage, ckpt in stages.items():
        payload[stage] = {"model_kind": stage, "format_version": ckpt.format_version, "config": ckpt.config,
                          "state_dict": ckpt.state_dict, "normalizer": ckpt.normalizer, "extra": ckpt.extra}
        payload["meta"][f"{stage}_sha256"] = hashlib.sha256(Path(paths[stage]).read_bytes()).hexdigest()
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    atomic_write_bytes(out_path, buffer.getvalue())


def _build(ckpt: Checkpoint, where: str, device: torch.device) -> Model:
    extra = _check_extra(ckpt, where)
    hand = None if ckpt.model_kind in PREDICTOR_KINDS else load_hand(n_surface_points=int(extra["hand_surface_points"]))
    return build_model(ckpt, hand, where).to(device)


# --------------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class GenerationResult:
    """What :meth:`GraspGenerator.generate` made.

    ``records`` ``(n, 28)`` float64: the grasps (refined when ``refined``, polished when ``polished``)
    in the input frame; ``coarse`` ``(n, 28)``: the IDGC samples, input frame; ``unpolished``
    ``(n, 28)``: the grasps before the polish (the QGC output, or ``coarse`` without QGC), input
    frame; ``grasps``: ``records`` as DexGYSNet record dicts (``cate_id`` when known, ``obj_id``,
    ``action_id`` when the reading finds the intent, ``guidance``, ``dex_grasp``, and for an object
    with a surface ``dex_pregrasp_joints`` / ``dex_squeeze_joints``: the joints 1 cm off and 1 cm
    into the contacts, DexGraspBench's pre-grasp and squeeze, :data:`STAGE_PROTOCOL`);
    ``timings``: seconds for ``object``, ``text``,
    ``idgc``, ``qgc``, ``polish`` and ``total``.

    ``oversample``: candidates drawn per grasp, ``finalists``: of them, polished to the end (module
    docstring, "Selection"); ``candidates``: every candidate, in draw order: ``"coarse"``,
    ``"unpolished"``, ``"polished"`` ``(n * oversample, 28)`` (input frame; ``"polished"`` equals
    ``"unpolished"`` without the polish, and holds where the polish stopped a candidate the screen
    dropped), ``"residual"``, ``"valid_q1"`` and ``"score"`` ``(n * oversample,)`` (NaN without the
    polish and for dropped candidates, whose score is +inf; valid Q1 NaN when there is nothing to
    choose from, ``oversample`` 1), ``"early_residual"`` (the residual energy at the screen step, also
    when no candidate was dropped; NaN without the polish), ``"finalist"`` (bool), ``"rescued"`` (bool:
    finalists the polish's rescue moved off a thin wall, :func:`~dexgys.synthesis.polish.rescue_polish`),
    ``"avoid_touched"`` (bool: finalists touching a part the words keep free), ``"named_missed"``
    (bool: finalists with a finger the words name off the parts they name; both all False when the
    words name no such parts or the object has no part labels) and ``"chosen"``
    ``(n,)``, the indices of ``records`` among them. ``records`` are
    ``candidates["polished"][chosen]``; ``coarse`` and ``unpolished`` are the same candidates'
    earlier stages.

    ``hand``: the hand the polish fitted the grasps to (``"shadow"`` without the polish).

    ``reading``: what :func:`~dexgys.language.reading.read_instruction` read from the instruction
    (intent, fingers, parts to touch and to avoid, notes); the polish keeps the hand off the parts to
    avoid (``PolishConfig.avoid``) and the selection prefers candidates that touch none of them.

    ``unmet``: what the returned grasps do not do of what the words order, in plain words (a part
    to keep free touched, a named finger off the named parts), because too few candidates did; empty
    when every grasp keeps to the words' orders, or none was checked.

    ``touching``: the hand parts (:data:`~dexgys.models.finger_contacts.HAND_PARTS`) that the model's
    finger-contact predictor read from the instruction, and that the polish pulled onto the object
    harder; None when the model has no predictor. ``regions`` ``(N, 6)`` bool: for each point of
    ``object.points`` and hand part, whether the model's contact-region predictor puts that part
    there; None when the model has none.
    """

    object: ObjectInput
    instruction: str
    records: np.ndarray
    coarse: np.ndarray
    grasps: list[dict]
    refined: bool
    polished: bool
    unpolished: np.ndarray
    seed: int
    sampler: str
    steps: int | None
    guidance_scale: float = 1.0
    timings: dict = field(default_factory=dict)
    oversample: int = 1
    candidates: dict = field(default_factory=dict)
    touching: tuple[str, ...] | None = None
    regions: np.ndarray | None = None
    finalists: int = 1
    hand: str = "shadow"
    reading: Reading | None = None
    unmet: tuple[str, ...] = ()

    def object_frame_records(self) -> np.ndarray:
        """``records`` in the object frame (bounding-box centre at the origin), as the model made them."""
        return self.object.to_object_frame(self.records)

    @property
    def generation(self) -> GenerationConfig:
        """The settings that make these grasps again (with the same model, object, instruction, ``n``
        and seed): the guidance scale, ``oversample`` and ``finalists`` as resolved, not as asked."""
        polished = self.polished
        return GenerationConfig(self.sampler, self.steps, self.refined, polished, float(self.guidance_scale),
                                self.oversample if polished else None, self.finalists if polished else None)

    def save(self, path: str | os.PathLike, model: str | None = None) -> None:
        """Write a dexgys grasp file (:mod:`dexgys.data.grasp_file`) atomically: the records (input
        frame; ``"frame": "input"``, ``"object_offset_m"`` = the offset to the object frame), the object
        (catalogue name or absolute mesh path; null for a point cloud) and how they were made (``"generation"``:
        :attr:`generation`, with ``"n"`` and ``"seed"``)."""
        from dexgys.data.grasp_file import write_grasp_file

        obj = self.object
        ref = None
        if obj.object is not None:
            source = obj.object.source
            ref = obj.name if source.get("kind") == "catalogue" else str(Path(source.get("path", obj.name)).resolve())
        write_grasp_file(path, self.grasps, ref, instruction=self.instruction, frame="input",
                         generation=self.generation.as_dict(), n=len(self.grasps),
                         object_offset_m=[float(x) for x in obj.offset], seed=self.seed, sampler=self.sampler,
                         steps=self.steps, guidance_scale=self.guidance_scale, refined=self.refined,
                         polished=self.polished, oversample=self.oversample, finalists=self.finalists, model=model,
                         hand=self.hand, reading=None if self.reading is None else self.reading.as_dict())

    def write_views(self, html: str | os.PathLike | None = None, png: str | os.PathLike | None = None) -> None:
        """HTML viewer (every grasp, selectable) and/or PNG (up to four grasps) of the grasps on the
        object; a bare point cloud is drawn as small cubes."""
        hand = load_hand(self.hand)
        pose = HandPose.from_record(torch.from_numpy(self.object_frame_records()), hand.n_dofs, hand.name)
        meshes = [[m] for m in hand.meshes(pose)]
        labels = [f"grasp {i}" for i in range(len(meshes))]
        title = f"{self.object.name}: {self.instruction[:80]}"
        if self.object.object is not None:
            from dexgys.viz.output import write_views

            write_views(self.object.object, meshes, labels, html=html, png=png, title=title)
            return
        from dexgys.viz.html import build_figure, write_html
        from dexgys.viz.render import contact_sheet, render_images, save_png
        from dexgys.viz.scene import hand_scene, point_cubes

        cloud = [point_cubes(self.object.points)]
        grasp_items = [hand_scene(m, f"hand ({label})") for m, label in zip(meshes, labels)]
        if html is not None:
            write_html(build_figure(cloud, grasp_items, labels, title), html)
        if png is not None:
            tiles = [render_images(cloud + items, size=(420, 420))[0] for items in grasp_items[:4]]
            save_png(contact_sheet(tiles, labels[:4], columns=min(len(tiles), 2)), png)


# --------------------------------------------------------------------------------------------- generator
class GraspGenerator:
    """IDGC (and QGC, and the finger-contact and contact-region predictors) with their text encoder, ready
    to generate; build it with :meth:`from_pretrained` or :meth:`from_checkpoints`. ``object_points``:
    the cloud size the models were trained on."""

    def __init__(self, idgc: IDGC, qgc: QGC | None, text_encoder: TextEncoder, object_points: int,
                 source: str = "", polish_config: PolishConfig = PolishConfig(), guidance_scale: float = 1.0,
                 oversample: int = DEFAULT_OVERSAMPLE, fingers: FingerContactPredictor | None = None,
                 regions: ContactRegionPredictor | None = None, q1_weight: float = DEFAULT_Q1_WEIGHT,
                 finalists: int = DEFAULT_FINALISTS, hand: str = "shadow") -> None:
        if text_encoder.dim != idgc.config.text_dim:
            raise DexgysError(f"the text encoder gives {text_encoder.dim}-d features; the IDGC reads "
                              f"{idgc.config.text_dim}-d")
        for name, model in (("finger-contact", fingers), ("contact-region", regions)):
            if model is not None and model.config.text_dim != text_encoder.dim:
                raise DexgysError(f"the text encoder gives {text_encoder.dim}-d features; the {name} predictor "
                                  f"reads {model.config.text_dim}-d")
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
        path = Path(path)
        if path.is_dir():
            idgc_path = path / "idgc.pt"
            if not idgc_path.is_file():
                raise DexgysError(f"{str(path)!r} holds no idgc.pt: not a training output directory")
            present = {stage: path / f"{stage}.pt" for stage in _OPTIONAL_STAGES if (path / f"{stage}.pt").is_file()}
            generator = cls.from_checkpoints(idgc_path, present.get("qgc"), device, present.get("fingers"),
                                             present.get("regions"))
        else:
            stages, defaults = _read_generator(path)
            generator = cls._assemble(stages, str(path), device, defaults.get("guidance_scale", 1.0))
        generator.hand = canonical_hand_name(hand)
        return generator

    @classmethod
    def from_checkpoints(cls, idgc_path: str | os.PathLike, qgc_path: str | os.PathLike | None = None,
                         device: torch.device | str = "cpu",
                         fingers_path: str | os.PathLike | None = None,
                         regions_path: str | os.PathLike | None = None) -> GraspGenerator:
        """From the ``idgc.pt`` (and ``qgc.pt``, ``fingers.pt``, ``regions.pt``) of a training run; without
        QGC, no refinement; without the finger-contact predictor, the polish pulls no named fingers
        harder; without the contact-region predictor, it pulls no finger toward a part."""
        stages = {stage: None if p is None else load_checkpoint(p, stage)
                  for stage, p in (("idgc", idgc_path), ("qgc", qgc_path), ("fingers", fingers_path),
                                   ("regions", regions_path))}
        return cls._assemble(stages, str(idgc_path), device)

    @classmethod
    def _assemble(cls, stages: dict[str, Checkpoint | None], where: str, device,
                  guidance_scale: float = 1.0) -> GraspGenerator:
        device = torch.device(device)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise DexgysError("device 'cuda' was asked for, but torch sees no CUDA device")
        models = {stage: None if ckpt is None else _build(ckpt, where, device) for stage, ckpt in stages.items()}
        extra = stages["idgc"].extra
        if stages["qgc"] is not None and stages["qgc"].extra["object_points"] != extra["object_points"]:
            raise DexgysError(f"{where}: the IDGC and QGC were trained on clouds of different sizes")
        for stage in PREDICTOR_KINDS:
            if stages[stage] is not None and stages[stage].extra["text_encoder"] != extra["text_encoder"]:
                raise DexgysError(f"{where}: the IDGC and the {_STAGE_NAMES[stage]} read different text features")
        if stages["regions"] is not None and stages["regions"].extra["object_points"] != extra["object_points"]:
            raise DexgysError(f"{where}: the IDGC and the contact-region predictor were trained on clouds of "
                              "different sizes")
        encoder = load_text_encoder(extra["text_encoder"], extra["text_encoder_path"], device=device)
        return cls(models["idgc"], models["qgc"], encoder, int(extra["object_points"]), where,
                   guidance_scale=guidance_scale, fingers=models["fingers"], regions=models["regions"])

    # ------------------------------------------------------------------------------ generation
    def _object(self, obj) -> ObjectInput:
        if isinstance(obj, ObjectInput):
            if len(obj.points) != self.object_points:
                raise DexgysError(f"the object input has {len(obj.points)} points; this model reads "
                                  f"{self.object_points} (load it with load_object_input(..., n_points="
                                  f"{self.object_points}))")
            return obj
        if isinstance(obj, (str, os.PathLike)):
            return load_object_input(str(obj), n_points=self.object_points, seed=0)
        if isinstance(obj, (np.ndarray, torch.Tensor)):
            from dexgys.objects.inputs import object_input_from_points

            data = obj.detach().cpu().numpy() if isinstance(obj, torch.Tensor) else obj
            if data.ndim != 2 or data.shape[1] not in (3, 6) or not np.issubdtype(data.dtype, np.number):
                raise DexgysError(f"the point cloud has shape {tuple(data.shape)} ({data.dtype}): expected (N, 3) "
                                  "points or (N, 6) points and normals, in metres")
            data = data.astype(np.float64)
            normals = data[:, 3:] if data.shape[1] == 6 else None
            return object_input_from_points("points", data[:, :3], normals, n_points=self.object_points, seed=0)
        raise DexgysError(f"cannot generate grasps for a {type(obj).__name__}: give a catalogue name, a mesh or "
                          "point-cloud file, an ObjectInput or an (N, 3) array")

    def generate(
        self,
        obj,
        instruction: str,
        n: int = 8,
        seed: int = 0,
        config: GenerationConfig | None = None,
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
        which ranks them; module docstring). Deterministic in ``seed``.
        """
        total_start = time.perf_counter()
        instruction = check_instruction(instruction)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_GRASPS:
            raise DexgysError(f"the number of grasps must be an integer from 1 to {MAX_GRASPS}, got {n!r}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise DexgysError(f"the seed must be a non-negative integer, got {seed!r}")
        config = _with_settings(config, settings)
        sampler, steps, refine, polish = config.sampler, config.steps, config.refine, config.polish
        guidance_scale = self.idgc.config.check_guidance_scale(
            self.guidance_scale if config.guidance_scale is None else config.guidance_scale)
        oversample = (self.oversample if config.oversample is None else config.oversample) if polish else 1
        finalists = min(oversample, self.finalists if config.finalists is None else config.finalists)
        if n * oversample > MAX_GRASPS:
            raise DexgysError(f"{n} grasps x {oversample} candidates each is more than {MAX_GRASPS} per call")
        timings = {}
        start = time.perf_counter()
        obj_input = self._object(obj)
        timings["object"] = time.perf_counter() - start

        start = time.perf_counter()
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
            free = probability.amax(-1) < self.polish_config.free_below
        reading = self._read(obj_input, instruction)
        avoid = _avoid_mask(obj_input, reading) if self.polish_config.avoid > 0 else None
        timings["text"] = time.perf_counter() - start

        start = time.perf_counter()
        generators = [torch.Generator().manual_seed(candidate_seed(int(seed), j)) for j in range(oversample)]
        coarse = self.idgc.sample(points, tokens.to(self.device), mask.to(self.device), n=int(n) * oversample,
                                  generator=generators, sampler=sampler, steps=steps, guidance_scale=guidance_scale)
        timings["idgc"] = time.perf_counter() - start

        start = time.perf_counter()
        refined = refine and self.qgc is not None
        final = self.qgc.refine(points, coarse) if refined else coarse
        timings["qgc"] = time.perf_counter() - start

        unpolished = final[0].double().cpu().numpy()
        start = time.perf_counter()
        if polish:
            polisher = Polisher(self._polish_hand(), self.polish_config, self.q1_weight)
            cloud, field = torch.from_numpy(obj_input.points), self._surface_field(obj_input)
            targets = PolishTargets(named, regions, free, avoid, self._word_orders(obj_input, reading, avoid))
            run = polisher.polish(field, final[0], n * finalists, targets, cloud)
            picked = polisher.select(run, n, field, cloud, obj_input.object, targets.orders, rank=oversample > 1)
            polished, residual, early, rescued = run.polished, run.residual, run.early, run.rescued
            finalist, q1, score, chosen = run.finished, picked.valid_q1, picked.score, picked.chosen
            touched, missed = picked.avoid_touched, picked.named_missed
        else:
            polished, residual, chosen = unpolished, np.full(len(unpolished), np.nan), np.arange(n)
            q1 = score = early = np.full(len(unpolished), np.nan)
            finalist = np.ones(len(unpolished), dtype=bool)
            rescued = touched = missed = np.zeros(len(unpolished), dtype=bool)
        timings["polish"] = time.perf_counter() - start

        coarse_all = coarse[0].double().cpu().numpy()
        candidates = {"coarse": obj_input.to_input_frame(coarse_all),
                      "unpolished": obj_input.to_input_frame(unpolished),
                      "polished": obj_input.to_input_frame(polished), "residual": residual, "valid_q1": q1,
                      "score": score, "early_residual": early, "finalist": finalist, "rescued": rescued,
                      "avoid_touched": touched, "named_missed": missed, "chosen": chosen}
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
        stages = self._stage_joints(obj_input, polished[chosen])
        if stages is not None:
            for k, g in enumerate(grasps):
                g["dex_pregrasp_joints"] = [float(x) for x in stages["pregrasp"][k]]
                g["dex_squeeze_joints"] = [float(x) for x in stages["squeeze"][k]]
        timings["total"] = time.perf_counter() - total_start
        touching = None if named is None else tuple(p for p, on in zip(HAND_PARTS, named.tolist()) if on)
        return GenerationResult(obj_input, instruction, records, coarse_records, grasps, refined, bool(polish),
                                candidates["unpolished"][chosen], int(seed), sampler, steps, guidance_scale,
                                timings, oversample, candidates, touching,
                                None if regions is None else regions.numpy(), finalists if polish else 1,
                                self.hand if polish else "shadow", reading,
                                _unmet(reading, touched, missed, finalist, chosen))

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
            touch_parts=tuple(obj.part_names.index(p) for p in reading.touch_parts))


def candidate_seed(seed: int, batch: int) -> int:
    """The noise seed of candidate batch ``batch`` of a generation with ``seed``: ``seed`` itself for
    batch 0 (so ``oversample=1`` draws the first batch), else one derived from both."""
    if batch == 0:
        return seed
    return int(np.random.SeedSequence([seed, batch]).generate_state(1, np.uint64)[0] >> 1)


def _unmet(reading: Reading, touched: np.ndarray, missed: np.ndarray, finished: np.ndarray,
           chosen: np.ndarray) -> tuple[str, ...]:
    """The :attr:`GenerationResult.unmet` lines: the chosen grasps' broken orders, against how many of
    the ``finished`` candidates kept each order."""
    n, total, out = len(chosen), int(finished.sum()), []
    if touched[chosen].any():
        kept = int((finished & ~touched).sum())
        out.append(f"{int(touched[chosen].sum())} of {n} grasps touch the {' or the '.join(reading.avoid_parts)}, "
                   f"which the words keep free: only {kept} of the {total} finished candidates kept off")
    if missed[chosen].any():
        kept = int((finished & ~missed).sum())
        out.append(f"{int(missed[chosen].sum())} of {n} grasps do not put the {join_list(reading.fingers)} on the "
                   f"{' or the '.join(reading.touch_parts)}: only {kept} of the {total} finished candidates did")
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
