"""The metrics of ``spec/evaluation.md``, each a function on plain arrays (object frame, SI units in,
report units out: cm, cm², degrees, per cent, named in every key).

**Quality** (the per-grasp numbers come from :mod:`dexgys.sim`):

* :func:`success_rates` -- ``success_all6`` (held in all six gravity directions, primary),
  ``success_any`` (held in at least one, the paper's criterion) and the rate per direction
  (:data:`dexgys.sim.grasp_test.DIRECTION_NAMES` order), in per cent of all grasps.
* :func:`valid_q1` -- Q1 where the maximal penetration is below
  :data:`dexgys.sim.quality.MAX_PENETRATION` (5 mm), else 0; reports average it over all grasps.
* penetration: :func:`dexgys.sim.quality.max_penetration` (metres) shown in cm, averaged over grasps.

**Intention:**

* :func:`chamfer_cm2` / :func:`match_targets` -- **CD** = two-sided Chamfer distance between hand
  surface point clouds (the hand model's 1,024 points), *mean* over points of the *squared*
  nearest-neighbour distance, both directions summed, in **cm²** (pytorch3d's default reduction). The
  official DexGYS ``hand_chamfer`` loss *sums* over the 1,024 points in m²: that value is
  ``1024 · 1e-4 · CD`` = ``0.1024 · CD``. Nearest neighbours are exact (scipy cKDTree, float64), so
  identical clouds give exactly 0. Each prediction is matched to the target with the smallest CD.
* :func:`contact_map` / :func:`contact_map_distance` -- **Con.**: the object contact map is
  ``c_i = 1 - 2 (sigmoid(60 d_i) - 0.5)`` per object surface point, ``d_i`` = distance (m) to the
  nearest hand surface point (``60`` = :data:`CONTACT_MAP_SHARPNESS`, 1/m, as the official
  ``contact_map_of_m_to_n``); 1 at contact, 0.5 at 18 mm, about 0.1 at 5 cm. Con. is the Euclidean (L2)
  norm of the difference of two maps over :data:`CONTACT_MAP_POINTS` = 4,096 area-uniform object
  surface points (seed :data:`CONTACT_MAP_SEED`); its range is ``[0, 64]``.
* :func:`part_contact` -- **part-contact accuracy**, see its docstring for the exact rule.

**Diversity** (:func:`diversity`): for each condition (one object + instruction) with at least two
samples, the standard deviation over its samples (``ddof`` = :data:`DIVERSITY_DDOF` = 1, unbiased, as
the official script's ``torch.std``) of every translation component (cm), every Euler angle
(degrees, :func:`euler_degrees`, wrap-aware: :func:`circular_std_deg`) and every joint angle
(degrees, as predicted, not clamped), averaged over the components; then averaged over conditions:
``delta_t_cm``, ``delta_r_deg``, ``delta_q_deg``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import torch
from scipy.spatial import cKDTree

from dexgys.errors import DexgysError
from dexgys.geometry.rotations import axis_angle_to_matrix, matrix_to_euler_xyz
from dexgys.language.contacts import ContactFacts
from dexgys.language.verify import verify_sentence
from dexgys.sim.grasp_test import DIRECTION_NAMES
from dexgys.sim.quality import MAX_PENETRATION

__all__ = [
    "CONTACT_MAP_POINTS",
    "CONTACT_MAP_SEED",
    "CONTACT_MAP_SHARPNESS",
    "DIVERSITY_DDOF",
    "chamfer_cm2",
    "circular_std_deg",
    "contact_map",
    "contact_map_distance",
    "diversity",
    "euler_degrees",
    "match_targets",
    "part_contact",
    "success_rates",
    "valid_q1",
]

CONTACT_MAP_SHARPNESS = 60.0  # 1/m: contact map value 1 - 2 (sigmoid(60 d) - 0.5)
CONTACT_MAP_POINTS = 4096  # object surface points of the contact map (the official obj_pc size)
CONTACT_MAP_SEED = 0  # their sampling seed (the same points for every grasp of an object)
DIVERSITY_DDOF = 1  # unbiased standard deviation over a condition's samples
_M2_TO_CM2 = 1e4


# ------------------------------------------------------------------------------------------ quality
def success_rates(held: np.ndarray) -> dict[str, float]:
    """``held`` ``(N, 6)`` bool (directions in :data:`DIRECTION_NAMES` order) -> per cent of the N
    grasps: ``success_all6_pct``, ``success_any_pct`` and ``held_<direction>_pct``."""
    held = np.asarray(held, dtype=bool)
    if held.ndim != 2 or held.shape[1] != len(DIRECTION_NAMES) or len(held) == 0:
        raise DexgysError(f"held must have shape (N > 0, {len(DIRECTION_NAMES)}), got {held.shape}")
    out = {"success_all6_pct": 100.0 * float(held.all(1).mean()), "success_any_pct": 100.0 * float(held.any(1).mean())}
    for k, name in enumerate(DIRECTION_NAMES):
        out[f"held_{name}_pct"] = 100.0 * float(held[:, k].mean())
    return out


def valid_q1(q1: np.ndarray, penetration: np.ndarray) -> np.ndarray:
    """Q1 ``(N,)`` where the maximal penetration ``(N,)`` (metres) is below 5 mm, else 0."""
    q1, penetration = np.asarray(q1, dtype=np.float64), np.asarray(penetration, dtype=np.float64)
    return np.where(penetration < MAX_PENETRATION, q1, 0.0)


# ------------------------------------------------------------------------------------------ intention
def _cloud(points, what: str) -> np.ndarray:
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 3 or len(pts) == 0:
        raise DexgysError(f"{what} must have shape (N > 0, 3), got {pts.shape}")
    return pts


def match_targets(predictions: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hand clouds of predictions ``(P, N, 3)`` and targets ``(T, M, 3)`` (metres) -> for each
    prediction the index ``(P,)`` of its nearest target and that Chamfer distance ``(P,)`` in cm²
    (module docstring); ties go to the lower index."""
    preds = [_cloud(p, "prediction cloud") for p in predictions]
    tgts = [_cloud(t, "target cloud") for t in targets]
    if not preds or not tgts:
        raise DexgysError("match_targets needs at least one prediction and one target")
    pred_trees = [cKDTree(p) for p in preds]
    tgt_trees = [cKDTree(t) for t in tgts]
    cd = np.empty((len(preds), len(tgts)))
    for i, (p, pt) in enumerate(zip(preds, pred_trees)):
        for j, (t, tt) in enumerate(zip(tgts, tgt_trees)):
            a = tt.query(p)[0]
            b = pt.query(t)[0]
            cd[i, j] = float(np.mean(a * a) + np.mean(b * b))
    best = cd.argmin(1)
    return best, _M2_TO_CM2 * cd[np.arange(len(preds)), best]


def chamfer_cm2(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided mean squared Chamfer distance (cm²) between clouds ``(N, 3)`` and ``(M, 3)`` (metres)."""
    return float(match_targets(np.asarray(a)[None], np.asarray(b)[None])[1][0])


def contact_map(object_points: np.ndarray, hand_points: np.ndarray) -> np.ndarray:
    """``1 - 2 (sigmoid(60 d) - 0.5)`` ``(M,)`` per object point ``(M, 3)``; ``d`` = distance (m) to the
    nearest of ``hand_points`` ``(N, 3)``. Values in ``(0, 1]``, 1 where the hand touches."""
    d = cKDTree(_cloud(hand_points, "hand points")).query(_cloud(object_points, "object points"))[0]
    return 2.0 - 2.0 / (1.0 + np.exp(-CONTACT_MAP_SHARPNESS * d))


def contact_map_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Con.: the L2 norm of the difference of two contact maps ``(M,)``."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise DexgysError(f"contact maps must be two vectors of the same length, got {a.shape} and {b.shape}")
    return float(np.linalg.norm(a - b))


def _facts(facts: ContactFacts | Mapping[str, Iterable[str]]) -> ContactFacts:
    return facts if isinstance(facts, ContactFacts) else ContactFacts.from_dict(facts)


def part_contact(
    sentence: str,
    actual: ContactFacts | Mapping[str, Iterable[str]],
    part_names: Iterable[str],
    category: str | None = None,
) -> tuple[int, int, bool]:
    """``(kept, total, correct)`` for one prediction of the instruction ``sentence``.

    The named contacts are what the sentence itself states, read by
    :func:`dexgys.language.verify.verify_sentence` (the parser the dataset's language gate uses): its
    ``total`` claims are the problems it finds against a hand that touches nothing (one per claimed
    finger–part pair, or per part for "your fingers" / "the hand"), ``kept`` of them are backed by the
    prediction's contacts ``actual`` (finger links within 5 mm of the part, the dataset's
    :data:`~dexgys.language.contacts.CONTACT_THRESHOLD`, or inside it).

    **Rule**: the prediction is ``correct`` when the sentence names at least one contact and
    :func:`~dexgys.language.verify.verify_sentence` finds no problem against ``actual``: every stated
    finger–part contact is made and every part the sentence says to leave free is free. Extra contacts
    are allowed. Sentences that name no contact (``total == 0``) are left out of the accuracy."""
    parts = tuple(part_names)
    claims = set(verify_sentence(sentence, ContactFacts(), parts, category=category))
    problems = verify_sentence(sentence, _facts(actual), parts, category=category)
    kept = len(claims) - len(claims.intersection(problems))
    return kept, len(claims), bool(claims) and not problems


# ------------------------------------------------------------------------------------------ diversity
def euler_degrees(axis_angle: np.ndarray) -> np.ndarray:
    """Axis-angle ``(N, 3)`` -> Euler angles ``(N, 3)`` in degrees, :mod:`dexgys.geometry.rotations`'
    ``euler_xyz`` convention (``R = Rz Ry Rx``; ``rx, rz`` in [-180, 180], ``ry`` in [-90, 90])."""
    v = torch.as_tensor(np.asarray(axis_angle, dtype=np.float64).reshape(-1, 3))
    return np.degrees(matrix_to_euler_xyz(axis_angle_to_matrix(v)).numpy())


def circular_std_deg(angles: np.ndarray, ddof: int = DIVERSITY_DDOF) -> np.ndarray:
    """Wrap-aware standard deviation ``(D,)`` of angles ``(n, D)`` in degrees: deviations from the
    circular mean (``atan2`` of the mean sine and cosine), wrapped into [-180, 180), then
    ``sqrt(sum dev² / (n - ddof))``. +179 and -179 are 2 degrees apart, not 358."""
    a = np.radians(np.asarray(angles, dtype=np.float64))
    if a.ndim != 2 or len(a) <= ddof:
        raise DexgysError(f"circular_std_deg needs (n > {ddof}, D) angles, got shape {a.shape}")
    mean = np.arctan2(np.sin(a).mean(0), np.cos(a).mean(0))
    dev = np.degrees((a - mean + np.pi) % (2.0 * np.pi) - np.pi)
    return np.sqrt((dev * dev).sum(0) / (len(a) - ddof))


def diversity(grasps: np.ndarray, conditions: np.ndarray) -> dict[str, float | int | None]:
    """``grasps`` ``(N, 6+n)`` records ``[t | axis-angle | q]`` with the condition ``(N,)`` each was
    drawn for -> ``{"delta_t_cm", "delta_r_deg", "delta_q_deg", "diversity_conditions"}`` (module
    docstring); the deltas are None when no condition has two samples."""
    g = np.asarray(grasps, dtype=np.float64)
    cond = np.asarray(conditions)
    if g.ndim != 2 or g.shape[1] < 7 or len(cond) != len(g):
        raise DexgysError(f"diversity needs grasps (N, 6+n) and N conditions, got {g.shape} and {cond.shape}")
    per = {"delta_t_cm": [], "delta_r_deg": [], "delta_q_deg": []}
    for c in np.unique(cond):
        s = g[cond == c]
        if len(s) <= DIVERSITY_DDOF:
            continue
        per["delta_t_cm"].append(float(np.mean(100.0 * s[:, :3].std(0, ddof=DIVERSITY_DDOF))))
        per["delta_r_deg"].append(float(np.mean(circular_std_deg(euler_degrees(s[:, 3:6])))))
        per["delta_q_deg"].append(float(np.mean(np.degrees(s[:, 6:]).std(0, ddof=DIVERSITY_DDOF))))
    out: dict[str, float | int | None] = {k: (float(np.mean(v)) if v else None) for k, v in per.items()}
    out["diversity_conditions"] = len(per["delta_t_cm"])
    return out
