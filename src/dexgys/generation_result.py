"""``GenerationResult``: what :meth:`~dexgys.pipeline.GraspGenerator.generate` made — the grasps, every
candidate and its stages, what the words asked and what the grasps leave undone — and its grasp file.

Pictures of a result: :func:`dexgys.viz.output.write_generation_views`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dexgys.generation_config import GenerationConfig
from dexgys.language.reading import Reading
from dexgys.objects.inputs import ObjectInput

__all__ = ["GenerationResult"]


@dataclass(frozen=True)
class GenerationResult:
    """What :meth:`GraspGenerator.generate` made.

    ``records`` ``(n, 28)`` float64: the grasps (refined when ``refined``, polished when ``polished``)
    in the input frame; ``coarse`` ``(n, 28)``: the IDGC samples, input frame; ``unpolished``
    ``(n, 28)``: the grasps before the polish (the QGC output, or ``coarse`` without QGC), input
    frame; ``grasps``: ``records`` as DexGYSNet record dicts (``cate_id`` when known, ``obj_id``,
    ``action_id`` when the reading finds the intent, ``guidance``, ``dex_grasp``, and for an object
    with a surface ``dex_pregrasp_joints`` / ``dex_squeeze_joints``: the joints 1 cm off and 1 cm
    into the contacts, DexGraspBench's pre-grasp and squeeze, :data:`dexgys.pipeline.STAGE_PROTOCOL`);
    ``timings``: seconds for ``object``, ``text``, ``idgc``, ``qgc``, ``polish``, ``stages`` (the
    pre-grasp and squeeze joints) and ``total``.

    ``oversample``: candidates drawn per grasp, ``finalists``: of them, polished to the end
    (:mod:`dexgys.pipeline`'s docstring, "Selection"); ``candidates``: every candidate, in draw order: ``"coarse"``,
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
    avoid (``PolishConfig.weights.avoid``) and the selection prefers candidates that touch none of them.

    ``polish_settings``: the polish's :class:`~dexgys.synthesis.polish_config.PolishConfig` as
    :meth:`~dexgys.synthesis.polish_config.PolishConfig.as_dict` (None without the polish).

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
    polish_settings: dict | None = None

    def object_frame_records(self) -> np.ndarray:
        """``records`` in the object frame (bounding-box centre at the origin), as the model made them."""
        return self.object.to_object_frame(self.records)

    @property
    def generation(self) -> GenerationConfig:
        """The settings that make these grasps again (with the same model, object, instruction, ``n``
        and seed): the guidance scale, ``oversample`` and ``finalists`` as resolved, not as asked."""
        polished = self.polished
        return GenerationConfig(
            self.sampler,
            self.steps,
            self.refined,
            polished,
            float(self.guidance_scale),
            self.oversample if polished else None,
            self.finalists if polished else None,
        )

    def save(self, path: str | os.PathLike, model: str | None = None) -> None:
        """Write a dexgys grasp file (:mod:`dexgys.data.grasp_file`) atomically: the records (input
        frame; ``"frame": "input"``, ``"object_offset_m"`` = the offset to the object frame), the object
        (catalogue name or absolute mesh path; null for a point cloud) and how they were made (``"generation"``:
        :attr:`generation`, with ``"n"`` and ``"seed"``; ``"polish"``: :attr:`polish_settings`)."""
        from dexgys.data.grasp_file import write_grasp_file

        obj = self.object
        ref = None
        if obj.object is not None:
            source = obj.object.source
            ref = obj.name if source.get("kind") == "catalogue" else str(Path(source.get("path", obj.name)).resolve())
        write_grasp_file(
            path,
            self.grasps,
            ref,
            instruction=self.instruction,
            frame="input",
            generation=self.generation.as_dict(),
            n=len(self.grasps),
            object_offset_m=[float(x) for x in obj.offset],
            seed=self.seed,
            sampler=self.sampler,
            steps=self.steps,
            guidance_scale=self.guidance_scale,
            refined=self.refined,
            polished=self.polished,
            oversample=self.oversample,
            finalists=self.finalists,
            model=model,
            hand=self.hand,
            reading=None if self.reading is None else self.reading.as_dict(),
            polish=self.polish_settings,
        )
