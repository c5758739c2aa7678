"""Evaluation: prediction files, the metrics of ``spec/evaluation.md`` and the results table.

>>> from dexgys.evaluation import evaluate_files
>>> results = evaluate_files("preds.json", "data/dexgys-v1", workers=2)   # or ground_truth=True
>>> print(results.to_markdown()); results.metrics["part_contact_accuracy_pct"]

Submodules: :mod:`~dexgys.evaluation.predictions` (file format, reader, writer),
:mod:`~dexgys.evaluation.metrics` (each metric a function on arrays, with its exact definition),
:mod:`~dexgys.evaluation.report` (per-object evaluation of a split, Markdown and JSON).
"""

from dexgys.evaluation.predictions import (
    check_predictions,
    ground_truth_predictions,
    make_prediction,
    read_predictions,
    write_predictions,
)
from dexgys.evaluation.report import (
    EVAL_PROTOCOL,
    PAPER_LABEL,
    EvalResults,
    evaluate_files,
    evaluate_predictions,
    load_split,
    resolve_split,
)

__all__ = [
    "EVAL_PROTOCOL",
    "PAPER_LABEL",
    "EvalResults",
    "check_predictions",
    "evaluate_files",
    "evaluate_predictions",
    "ground_truth_predictions",
    "load_split",
    "make_prediction",
    "read_predictions",
    "resolve_split",
    "write_predictions",
]
