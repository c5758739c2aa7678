"""Batch prediction for evaluation: grasps for many test conditions, and the polish of a predictions file.

:func:`predict_records` draws a generator's grasps for test records (``dexgys predict``), with the
earlier stages of the same candidates for the ablation rows; :func:`polish_predictions` polishes a
predictions list with the generator's polish runner (``dexgys polish``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from dexgys.errors import DexgysError
from dexgys.evaluation.predictions import make_prediction
from dexgys.generation_config import GenerationConfig
from dexgys.geometry.object_field import ObjectField
from dexgys.hands import load_hand
from dexgys.synthesis.polish_config import PolishConfig
from dexgys.synthesis.polisher import Polisher

__all__ = ["POLISH_SURFACE_POINTS", "choose_conditions", "polish_predictions", "predict_records"]

POLISH_SURFACE_POINTS = 1024  # object surface points for the polish's surface term and rescue in polish_predictions


def choose_conditions(n_records: int, max_conditions: int | None, seed: int = 0) -> list[int]:
    """Indices of the test records to draw for: all of them, or ``max_conditions`` chosen at random
    (seeded) and returned in file order, so a subset evaluation is reproducible."""
    if max_conditions is None or max_conditions >= n_records:
        return list(range(n_records))
    if max_conditions < 1:
        raise DexgysError(f"the number of conditions must be at least 1, got {max_conditions}")
    rng = np.random.default_rng(seed)
    return sorted(int(i) for i in rng.choice(n_records, size=max_conditions, replace=False))


def predict_records(
    generator,
    records: list[dict],
    conditions: list[int],
    samples: int = 8,
    seed: int = 0,
    config: GenerationConfig | None = None,
    progress: bool = True,
    unselected: bool = True,
) -> dict[str, list[dict]]:
    """Draw ``samples`` grasps for each test record ``conditions[i]`` (its object and fine guidance) with
    ``generator`` (a :class:`~dexgys.pipeline.GraspGenerator`).

    Returns predictions (:func:`dexgys.evaluation.predictions.make_prediction`, object frame) per
    stage: ``"final"`` (what :meth:`~dexgys.pipeline.GraspGenerator.generate` returns) and, for the first ``samples``
    candidates (those that ``oversample=1`` draws), ``"idgc"`` (the IDGC samples: the IDGC-only row),
    ``"unpolished"`` (before the polish: the IDGC + QGC row; without QGC, the IDGC samples again) and,
    when ``unselected``, ``"polished"`` (after it, before the selection: the ``oversample=1`` result;
    when the generator's screen stopped some of them early, they are generated again without one).
    ``config``: how (:class:`~dexgys.generation_config.GenerationConfig`; default: the defaults).
    Each prediction records how it was made, so that it can be made again from its file alone:
    ``"generation"``: the settings as resolved (:attr:`~dexgys.generation_result.GenerationResult.generation`)
    with ``"n"``, ``"seed"``, ``"model"`` (the model file), ``"polish"`` (the polish settings,
    :attr:`~dexgys.generation_result.GenerationResult.polish_settings`) and ``"stage"`` (the key it
    is returned under).
    Condition ``c`` uses seed ``seed + c``, so any subset draws the same grasps for a condition."""
    from tqdm import tqdm

    config = GenerationConfig() if config is None else config
    out: dict[str, list[dict]] = {"final": [], "idgc": [], "unpolished": []}
    if unselected:
        out["polished"] = []
    for c in tqdm(conditions, desc="conditions", unit="cond", disable=not progress):
        record = records[c]
        result = generator.generate(record["obj_id"], record["guidance"], n=samples, seed=seed + c, config=config)
        first = {
            stage: result.candidates[key][:samples] for stage, key in (("idgc", "coarse"), ("unpolished", "unpolished"))
        }
        if unselected:
            whole = result.candidates["finalist"][:samples].all()
            first["polished"] = (
                result.candidates["polished"][:samples]
                if whole
                else generator.generate(
                    record["obj_id"], record["guidance"], n=samples, seed=seed + c, config=replace(config, oversample=1)
                ).records
            )
        made = {
            **result.generation.as_dict(),
            "n": samples,
            "seed": seed + c,
            "model": generator.source,
            "polish": result.polish_settings,
        }
        for stage, grasps in (("final", result.records), *first.items()):
            for k, g in enumerate(grasps):
                prediction = make_prediction(record, c, k, result.object.to_object_frame(g))
                out[stage].append({**prediction, "generation": {**made, "stage": stage}})
    return out


def polish_predictions(
    predictions: list[dict],
    config: PolishConfig = PolishConfig(),
    progress: bool = True,
    device: torch.device | str = "cpu",
    hand: str = "shadow",
) -> list[dict]:
    """The physics polish of a predictions list (object frame; each ``obj_id`` a catalogue name or a
    mesh file) with the generator's runner (:class:`~dexgys.synthesis.polisher.Polisher`: chunks and
    the rescue on the object's surface points; every grasp finished, none dropped): new records with
    polished ``dex_grasp``, in the same order, all grasps of one object polished together, fitted to
    ``hand``, each recording how (``"repolished"``: the polish settings and the hand). Deterministic;
    the input is not modified."""
    from tqdm import tqdm

    from dexgys.objects.resolve import resolve_object

    made = {"polish": config.as_dict(), "hand": hand}
    hand = load_hand(hand).to(device, torch.float32)
    by_object: dict[str, list[int]] = {}
    for i, p in enumerate(predictions):
        by_object.setdefault(p["obj_id"], []).append(i)
    out = [dict(p) for p in predictions]
    for name, rows in tqdm(by_object.items(), desc="polish", unit="object", disable=not progress):
        obj = resolve_object(name)
        surface = torch.as_tensor(obj.sample_surface(POLISH_SURFACE_POINTS, seed=0).points, dtype=torch.float32)
        run = Polisher(hand, config).polish(
            ObjectField.build(obj, parts=False), np.array([predictions[i]["dex_grasp"] for i in rows]), points=surface
        )
        for i, g in zip(rows, run.polished):
            out[i]["dex_grasp"] = [float(x) for x in g]
            out[i]["repolished"] = made
    return out
