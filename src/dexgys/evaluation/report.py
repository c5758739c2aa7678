"""Evaluate predictions against a dataset split: every metric of ``spec/evaluation.md``, one table.

>>> records = load_split(resolve_split("data/dexgys-v1"))          # DIR/test.json.gz, or a file
>>> results = evaluate_predictions(read_predictions("preds.json"), records, workers=2)
>>> print(results.to_markdown()); open("results.json", "w").write(results.to_json())

How (per object, so that each object's MuJoCo scene, field and targets are built once):

* **quality** -- :func:`dexgys.sim.evaluate.evaluate_grasps` (penetration pre-check, squeeze, six
  shakes, Q1, max penetration; ``workers`` processes), or only Q1 and penetration
  (:func:`dexgys.sim.quality.quality_metrics`) without physics;
* **contacts** -- :func:`dexgys.synthesis.contacts.contact_facts` at 5 mm, exactly as the dataset
  builder computed the ``contacts`` of its records;
* **targets** of a condition (test record ``c``) -- every record of the split with the same
  ``obj_id``, the same intent (``action_id``) and the same set of contact parts (the parts in its
  ``contacts``, any finger or the palm); record ``c`` is one of them. Each prediction is matched to the
  target with the smallest hand-point Chamfer distance (CD), and Con. compares it with that target;
* **part-contact accuracy** -- :func:`dexgys.evaluation.metrics.part_contact` with the condition's
  instruction as the named contacts;
* **diversity** -- :func:`dexgys.evaluation.metrics.diversity` over each condition's samples.

Means are over all grasps (conditions weigh by their number of samples). The results carry the
paper's numbers (Table 1, DexGYSGrasp row) separately, labelled :data:`PAPER_LABEL`: the paper used
other objects, other grasps and Isaac Gym, so they are context, not a comparison.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from dexgys.data.builder import load_records
from dexgys.errors import DexgysError
from dexgys.evaluation import metrics as mt
from dexgys.evaluation.predictions import check_predictions, ground_truth_predictions, read_predictions
from dexgys.hands import HandModel, canonical_hand_name, load_hand
from dexgys.language.brief import intent_from_action_id
from dexgys.language.contacts import CONTACT_THRESHOLD, ContactFacts
from dexgys.objects.resolve import resolve_object
from dexgys.sim.evaluate import evaluate_grasps, protocol_constants
from dexgys.sim.grasp_test import DIRECTION_NAMES
from dexgys.sim.protocols import DEFAULT_PROTOCOL, get_protocol
from dexgys.sim.quality import quality_metrics
from dexgys.synthesis.contacts import contact_facts
from dexgys.synthesis.synthesize import object_field

__all__ = [
    "EVAL_PROTOCOL",
    "PAPER_LABEL",
    "PAPER_TABLE1",
    "PART_CONTACT_RULE",
    "EvalResults",
    "evaluate_files",
    "evaluate_predictions",
    "load_split",
    "resolve_split",
    "results_table",
]

EVAL_PROTOCOL = "dexgys-eval-1"  # bump when a metric definition or constant changes
RESULTS_FORMAT_VERSION = 1
SPLIT_KEYS = ("obj_id", "action_id", "guidance", "contacts")  # "dex_grasp" (a reference grasp) is optional
_POINT_CHUNK = 256  # grasps per forward-kinematics batch for the hand clouds

PAPER_LABEL = "paper (different data and simulator — context only)"
PAPER_SOURCE = (
    "DexGYS, NeurIPS 2024, Table 1, DexGYSGrasp row, on DexGYSNet (OakInk objects, Isaac Gym), "
    "as transcribed from secondary sources in reference/dexgys-paper.md §5.1"
)
#: The paper's numbers under our metric names. CD: the paper states no unit. Success: "at least one of
#: six gravity directions" in Isaac Gym. Not reported there: success in all six, Con., delta_t (the one
#: copy found equals delta_q, a likely transcription error).
PAPER_TABLE1 = {
    "success_any_pct": 63.31,
    "mean_valid_q1": 0.083,
    "mean_max_penetration_cm": 0.223,
    "cd_unit_not_stated": 1.198,
    "delta_r_deg": 55.68,
    "delta_q_deg": 6.118,
    "fid": 6.538,
    "p_fid": 5.595,
}
PART_CONTACT_RULE = (
    "named contacts = what the instruction states (finger -> part pairs and parts to leave free, read by "
    "dexgys.language.verify); a prediction is correct when every stated contact is made (finger links within "
    f"{1000 * CONTACT_THRESHOLD:g} mm of the part, or inside) and every part said to be free is free; extra "
    "contacts are allowed; instructions naming no contact are left out"
)

# (column header, results key, paper key, number format)
_COLUMNS = (
    ("Success all 6 (%) ↑", "success_all6_pct", None, ".2f"),
    ("Success any (%) ↑", "success_any_pct", "success_any_pct", ".2f"),
    ("valid Q1 ↑", "mean_valid_q1", "mean_valid_q1", ".3f"),
    ("Pen. (cm) ↓", "mean_max_penetration_cm", "mean_max_penetration_cm", ".3f"),
    ("CD (cm²) ↓", "cd_cm2", "cd_unit_not_stated", ".3f"),
    ("Con. (L2) ↓", "con_l2", None, ".3f"),
    ("Part contact (%) ↑", "part_contact_accuracy_pct", None, ".1f"),
    ("δt (cm) ↑", "delta_t_cm", None, ".3f"),
    ("δr (°) ↑", "delta_r_deg", "delta_r_deg", ".2f"),
    ("δq (°) ↑", "delta_q_deg", "delta_q_deg", ".3f"),
)


def eval_constants(protocol: str = DEFAULT_PROTOCOL) -> dict:
    """Every constant of the evaluation, with those of the physics ``protocol``."""
    return {
        "protocol": EVAL_PROTOCOL,
        "contact_threshold_m": CONTACT_THRESHOLD,
        "hand_points": "the hand model's surface points (1,024, seed 0)",
        "cd": "mean squared nearest-neighbour distance, both directions summed, cm^2",
        "contact_map_sharpness_per_m": mt.CONTACT_MAP_SHARPNESS,
        "contact_map_points": mt.CONTACT_MAP_POINTS,
        "contact_map_seed": mt.CONTACT_MAP_SEED,
        "diversity_ddof": mt.DIVERSITY_DDOF,
        "euler_convention": "xyz extrinsic (R = Rz Ry Rx), degrees, wrap-aware std",
        "part_contact_rule": PART_CONTACT_RULE,
        "physics": protocol_constants(protocol),
    }


# ------------------------------------------------------------------------------------------ inputs
def resolve_split(data: str | os.PathLike) -> Path:
    """``DIR`` -> ``DIR/test.json.gz``; a file is used as it is."""
    path = Path(data)
    if path.is_dir():
        split = path / "test.json.gz"
        if not split.is_file():
            raise DexgysError(f"{path} has no test.json.gz: give a built dataset directory or a split file")
        return split
    if not path.is_file():
        raise DexgysError(f"dataset {str(path)!r} does not exist")
    return path


def load_split(path: str | os.PathLike) -> list[dict]:
    """The records of a split file, checked to carry what the evaluation needs (:data:`SPLIT_KEYS`)."""
    records = load_records(path)
    if not isinstance(records, list) or not records:
        raise DexgysError(f"{path}: expected a non-empty JSON list of dataset records")
    for i, r in enumerate(records):
        if not isinstance(r, dict):
            raise DexgysError(f"{path}: record {i} is not a JSON object")
        missing = [k for k in SPLIT_KEYS if k not in r]
        if missing:
            raise DexgysError(
                f"{path}: record {i} lacks {', '.join(repr(k) for k in missing)} "
                "(a dexgys dataset split is needed: 'dexgys data build')"
            )
        try:
            intent_from_action_id(r["action_id"])
            ContactFacts.from_dict(r["contacts"])
        except DexgysError as exc:
            raise DexgysError(f"{path}: record {i}: {exc}") from None
    return records


def _check_against_split(preds: list[dict], records: list[dict]) -> None:
    for i, p in enumerate(preds):
        c = p["condition"]
        if c >= len(records):
            raise DexgysError(f"prediction {i}: condition {c} is not a record of the split ({len(records)} records)")
        r = records[c]
        mismatch = [k for k in ("obj_id", "guidance") if p[k] != r[k]]
        if intent_from_action_id(p["action_id"]) != intent_from_action_id(r["action_id"]):
            mismatch.append("action_id")
        if mismatch:
            k = mismatch[0]
            raise DexgysError(
                f"prediction {i} (condition {c}): {k} {p[k]!r} differs from split record {c}'s "
                f"{r[k]!r}; were the predictions made for another split?"
            )


# ------------------------------------------------------------------------------------------ results
def _fmt(value, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def results_table(runs: list[tuple[str, dict]]) -> list[str]:
    """Markdown table lines: one row per ``(label, metrics)`` (an evaluation's summary), then the
    paper's row (context only)."""
    lines = ["| | " + " | ".join(h for h, *_ in _COLUMNS) + " |", "|---|" + "---|" * len(_COLUMNS)]
    for label, m in runs:
        lines.append(f"| {label} | " + " | ".join(_fmt(m.get(k), f) for _, k, _, f in _COLUMNS) + " |")
    lines.append(
        f"| {PAPER_LABEL} | "
        + " | ".join(_fmt(PAPER_TABLE1.get(p) if p else None, f) for _, _, p, f in _COLUMNS)
        + " |"
    )
    return lines


@dataclass
class EvalResults:
    """``metrics`` (the summary, report units), ``rows`` (one dict per prediction, input order) and
    ``meta`` (dataset and predictions provenance)."""

    metrics: dict
    rows: list[dict]
    meta: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "format_version": RESULTS_FORMAT_VERSION,
            "protocol": EVAL_PROTOCOL,
            "sim_protocol": self.sim_protocol_id,
            **self.meta,
            "metrics": self.metrics,
            "paper": {"label": PAPER_LABEL, "source": PAPER_SOURCE, "values": PAPER_TABLE1},
            "constants": eval_constants(self.meta.get("sim_protocol_name", DEFAULT_PROTOCOL)),
            "grasps": self.rows,
        }

    @property
    def sim_protocol_id(self) -> str:
        """The id of the physics protocol that produced the success rates (e.g. ``dexgys-sim-2``)."""
        return get_protocol(self.meta.get("sim_protocol_name", DEFAULT_PROTOCOL)).protocol_id

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, allow_nan=False)

    def to_markdown(self) -> str:
        m = self.metrics
        data = self.meta.get("dataset", {})
        low, high = m["samples_per_condition_min"], m["samples_per_condition_max"]
        samples = f"{low} sample{'s' * (low > 1)}" if low == high else f"{low}–{high} samples"
        lines = [
            "## dexgys evaluation",
            "",
            f"* predictions: `{self.meta.get('predictions', '?')}`: {m['n_grasps']} grasps, {m['n_conditions']} "
            f"conditions ({samples} each), {m['n_objects']} objects",
            f"* dataset: `{data.get('path', '?')}` ({data.get('records', '?')} records, sha256 "
            f"{str(data.get('sha256', '?'))[:12]})",
            f"* protocol: {EVAL_PROTOCOL} (physics {self.sim_protocol_id}, MuJoCo, hand {self.meta.get('hand', 'shadow')}"
            + ("" if m["physics"] else "; physics not run")
            + ")",
            "",
            *results_table([("dexgys (this run)", m)]),
            "",
        ]
        if m["physics"]:
            held = " · ".join(f"{name} {m[f'held_{name}_pct']:.1f}" for name in DIRECTION_NAMES)
            p = get_protocol(self.meta.get("sim_protocol_name", DEFAULT_PROTOCOL))
            where = "the grasp" if p.precheck_pose == 0 else "the pre-grasp" if p.precheck_pose < 0 else "the squeeze"
            what = "penetration" if p.precheck == "max" else "penetration-energy"
            lines.append(
                f"Held per load direction (%): {held}; failed the {1000 * p.precheck_threshold_m:g} mm {what} "
                f"pre-check at {where}: {m['failed_precheck']}."
            )
        lines += [
            f"Part contact: {PART_CONTACT_RULE} ({m['part_contact_grasps']} grasps judged; named finger–part "
            f"pairs kept: {_fmt(m['part_contact_pair_recall_pct'], '.1f')} %).",
            f"CD: two-sided mean squared Chamfer distance of the 1,024 hand surface points, cm². Con.: L2 "
            f"distance of contact maps over {mt.CONTACT_MAP_POINTS} object points. Diversity over "
            f"{m['diversity_conditions']} conditions with two or more samples.",
            f"Paper row: {PAPER_SOURCE}. Its success counts a grasp held in at least one of six directions "
            f"(Isaac Gym); its CD unit is not stated; it also reports FID {PAPER_TABLE1['fid']} and P-FID "
            f"{PAPER_TABLE1['p_fid']} (Point-E features), which are not computed here.",
            "",
            "### Per category and intent",
            "",
            *cells_table(m["cells"]),
        ]
        return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------ evaluation
def _target_key(record: dict, facts: ContactFacts) -> tuple:
    return record["obj_id"], intent_from_action_id(record["action_id"]), facts.parts


def _hand_clouds(hand64: HandModel, grasps: np.ndarray) -> np.ndarray:
    """``(B, 6+n)`` records -> ``(B, N, 3)`` float64 hand surface points."""
    out = []
    with torch.no_grad():
        for start in range(0, len(grasps), _POINT_CHUNK):
            out.append(hand64.surface_points(torch.as_tensor(grasps[start : start + _POINT_CHUNK])).numpy())
    return np.concatenate(out)


def _evaluate_object(
    obj_id, idx, preds, records, named, groups, keys, hand, hand64, physics, workers, protocol
) -> list[dict]:
    """Rows of the predictions ``idx`` (indices into ``preds``), all of object ``obj_id``."""
    obj = resolve_object(obj_id)
    grasps = np.array([preds[i]["dex_grasp"] for i in idx], dtype=np.float64)
    pose = torch.as_tensor(grasps)
    if physics:
        report = evaluate_grasps(hand, obj, pose, workers=workers, protocol=protocol)
        quality, held, simulated = report.quality, report.physics.held, report.physics.simulated
    else:
        quality, held, simulated = quality_metrics(hand, obj, pose, workers=workers), None, None
    valid_q1 = mt.valid_q1(quality["q1"], quality["penetration"])
    facts = contact_facts(hand, obj, pose, field=object_field(obj))
    pred_clouds = _hand_clouds(hand64, grasps)
    target_ids = sorted({t for i in idx for t in groups[keys[preds[i]["condition"]]]})
    target_clouds = {}
    if target_ids:
        target_grasps = np.array([records[t]["dex_grasp"] for t in target_ids], dtype=np.float64)
        target_clouds = dict(zip(target_ids, _hand_clouds(hand64, target_grasps)))
    object_points = obj.sample_surface(mt.CONTACT_MAP_POINTS, seed=mt.CONTACT_MAP_SEED).points
    target_maps: dict[int, np.ndarray] = {}

    by_condition: dict[int, list[int]] = defaultdict(list)  # condition -> positions in idx
    for k, i in enumerate(idx):
        by_condition[preds[i]["condition"]].append(k)
    rows: dict[int, dict] = {}
    for c, ks in by_condition.items():
        tids = groups[keys[c]]
        if tids:
            best, cd = mt.match_targets(pred_clouds[ks], np.stack([target_clouds[t] for t in tids]))
        else:  # no reference grasp for this condition (e.g. the real-mesh set): no CD, no Con.
            best, cd = [None] * len(ks), [None] * len(ks)
        for k, b, d in zip(ks, best, cd):
            t = None if b is None else tids[b]
            con = None
            if t is not None:
                if t not in target_maps:
                    target_maps[t] = mt.contact_map(object_points, target_clouds[t])
                con = mt.contact_map_distance(mt.contact_map(object_points, pred_clouds[k]), target_maps[t])
            kept, total, correct = mt.part_contact(records[c]["guidance"], facts[k], obj.part_names, obj.category)
            i = idx[k]
            rows[k] = {
                "index": i,
                "condition": c,
                "sample": preds[i]["sample"],
                "obj_id": obj_id,
                "category": obj.category,
                "intent": intent_from_action_id(records[c]["action_id"]),
                "penetration_cm": 100.0 * float(quality["penetration"][k]),
                "q1": float(quality["q1"][k]),
                "valid_q1": float(valid_q1[k]),
                "simulated": None if simulated is None else bool(simulated[k]),
                "held": None if held is None else [bool(h) for h in held[k]],
                "success_all6": None if held is None else bool(held[k].all()),
                "success_any": None if held is None else bool(held[k].any()),
                "target": t,
                "cd_cm2": None if d is None else float(d),
                "con_l2": con,
                "contacts": facts[k].as_dict(),
                "named_pairs": total,
                "kept_pairs": kept,
                "part_contact": correct if total else None,
            }
    return [rows[k] for k in range(len(idx))]


def _summarise(rows: list[dict], preds: list[dict], physics: bool) -> dict:
    per_condition = defaultdict(int)
    for p in preds:
        per_condition[p["condition"]] += 1
    judged = [r for r in rows if r["part_contact"] is not None]
    out = {
        "n_grasps": len(rows),
        "n_conditions": len(per_condition),
        "n_objects": len({r["obj_id"] for r in rows}),
        "samples_per_condition_min": min(per_condition.values()),
        "samples_per_condition_max": max(per_condition.values()),
        "physics": physics,
    }
    if physics:
        out.update(mt.success_rates(np.array([r["held"] for r in rows], dtype=bool)))
        out["failed_precheck"] = sum(not r["simulated"] for r in rows)
    else:
        out.update(
            {
                k: None
                for k in ("success_all6_pct", "success_any_pct", *(f"held_{name}_pct" for name in DIRECTION_NAMES))
            }
        )
        out["failed_precheck"] = None
    out.update(
        {
            "mean_q1": float(np.mean([r["q1"] for r in rows])),
            "mean_valid_q1": float(np.mean([r["valid_q1"] for r in rows])),
            "mean_max_penetration_cm": float(np.mean([r["penetration_cm"] for r in rows])),
            "cd_cm2": _mean_of_known([r["cd_cm2"] for r in rows]),
            "con_l2": _mean_of_known([r["con_l2"] for r in rows]),
            "part_contact_grasps": len(judged),
            "part_contact_accuracy_pct": 100.0 * float(np.mean([r["part_contact"] for r in judged]))
            if judged
            else None,
            "part_contact_pair_recall_pct": (
                100.0 * float(np.mean([r["kept_pairs"] / r["named_pairs"] for r in judged])) if judged else None
            ),
        }
    )
    out.update(mt.diversity(np.array([p["dex_grasp"] for p in preds]), np.array([p["condition"] for p in preds])))
    out["cells"] = _cells(rows, physics)
    return out


def _mean_of_known(values: list) -> float | None:
    """Mean of the values that are not None (None when all are: no reference grasps)."""
    known = [v for v in values if v is not None]
    return float(np.mean(known)) if known else None


def _cells(rows: list[dict], physics: bool) -> list[dict]:
    """Per (category, intent): grasps, success all 6 / any (%), part contact (%), mean penetration (cm)."""
    cells: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        cells[(r["category"] or "?", r["intent"])].append(r)
    out = []
    for (category, intent), rs in sorted(cells.items()):
        judged = [r["part_contact"] for r in rs if r["part_contact"] is not None]
        out.append(
            {
                "category": category,
                "intent": intent,
                "grasps": len(rs),
                "success_all6_pct": 100.0 * float(np.mean([r["success_all6"] for r in rs])) if physics else None,
                "success_any_pct": 100.0 * float(np.mean([r["success_any"] for r in rs])) if physics else None,
                "part_contact_grasps": len(judged),
                "part_contact_pct": 100.0 * float(np.mean(judged)) if judged else None,
                "mean_max_penetration_cm": float(np.mean([r["penetration_cm"] for r in rs])),
            }
        )
    return out


def cells_table(cells: list[dict]) -> list[str]:
    """Markdown rows of the per-(category, intent) cells of a summary."""
    lines = [
        "| category | intent | grasps | success all 6 (%) | any (%) | part contact (%) | penetration (mm) |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in cells:
        lines.append(
            f"| {c['category']} | {c['intent']} | {c['grasps']} | {_fmt(c['success_all6_pct'], '.1f')} | "
            f"{_fmt(c['success_any_pct'], '.1f')} | {_fmt(c['part_contact_pct'], '.1f')} | "
            f"{10 * c['mean_max_penetration_cm']:.2f} |"
        )
    return lines


def evaluate_predictions(
    predictions: list[dict],
    records: list[dict],
    *,
    physics: bool = True,
    workers: int = 1,
    progress: bool = True,
    meta: dict | None = None,
    hand: str = "shadow",
    protocol: str = DEFAULT_PROTOCOL,
) -> EvalResults:
    """Every metric of ``predictions`` (prediction records, see :mod:`dexgys.evaluation.predictions`)
    against the split ``records`` they were drawn for (module docstring). ``physics=False`` skips the
    MuJoCo test (success rates are then None); ``workers`` processes run the physics and Q1 hulls.
    ``hand`` (:data:`dexgys.hands.HAND_NAMES`) is the hand of the physics, penetration, Q1 and contact
    metrics; CD and Con. always compare the capsule hand's surface points, so they stay comparable
    across hands. ``protocol``: the physics protocol (:data:`dexgys.sim.protocols.PROTOCOLS`)."""
    from tqdm import tqdm

    if workers < 1:
        raise DexgysError(f"workers must be at least 1, got {workers}")
    preds = check_predictions(list(predictions))
    _check_against_split(preds, records)
    protocol = get_protocol(protocol).name
    hand_name = canonical_hand_name(hand)
    hand = load_hand(hand_name)
    hand64 = load_hand("shadow").to(dtype=torch.float64)
    named = [ContactFacts.from_dict(r["contacts"]) for r in records]
    keys = [_target_key(r, f) for r, f in zip(records, named)]
    groups: dict[tuple, list[int]] = defaultdict(list)  # condition key -> records with a reference grasp
    for i, key in enumerate(keys):
        if "dex_grasp" in records[i]:
            groups[key].append(i)
    by_object: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(preds):
        by_object[p["obj_id"]].append(i)

    rows: list[dict | None] = [None] * len(preds)
    bar = tqdm(sorted(by_object), desc="evaluating", unit="obj", disable=not progress)
    for obj_id in bar:
        bar.set_postfix_str(obj_id)
        idx = by_object[obj_id]
        for i, row in zip(
            idx,
            _evaluate_object(
                obj_id, idx, preds, records, named, groups, keys, hand, hand64, physics, workers, protocol
            ),
        ):
            rows[i] = row
    bar.close()
    return EvalResults(
        _summarise(rows, preds, physics), rows, {**(meta or {}), "hand": hand_name, "sim_protocol_name": protocol}
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def evaluate_files(
    predictions: str | os.PathLike | None,
    data: str | os.PathLike,
    *,
    ground_truth: bool = False,
    physics: bool = True,
    workers: int = 1,
    progress: bool = True,
    hand: str = "shadow",
    protocol: str = DEFAULT_PROTOCOL,
) -> EvalResults:
    """:func:`evaluate_predictions` of a predictions file (or, with ``ground_truth``, of the split's own
    grasps: record ``i`` as condition ``i``, sample 0) against ``data`` (a dataset directory -> its
    ``test.json.gz``, or a split file)."""
    if ground_truth == (predictions is not None):
        raise DexgysError("give either a predictions file or ground_truth, not both and not neither")
    split = resolve_split(data)
    records = load_split(split)
    preds = ground_truth_predictions(records) if ground_truth else read_predictions(predictions)
    meta = {
        "dataset": {
            "path": str(split),
            "sha256": _sha256(split),
            "records": len(records),
            "objects": len({r["obj_id"] for r in records}),
        },
        "predictions": "ground truth (the split's own grasps)" if ground_truth else str(predictions),
    }
    return evaluate_predictions(
        preds, records, physics=physics, workers=workers, progress=progress, meta=meta, hand=hand, protocol=protocol
    )
