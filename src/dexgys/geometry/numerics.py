"""Numeric guards shared by the SDF code: a norm with a finite gradient at zero, and checks of given numbers."""

from __future__ import annotations

import math

import numpy as np
import torch

from dexgys.errors import DexgysError

__all__ = ["TINY", "check_positive", "check_vector", "safe_norm"]

TINY = 1e-30  # squared-norm floor that keeps sqrt differentiable at zero


def safe_norm(v: torch.Tensor) -> torch.Tensor:
    """Euclidean norm over the last axis ``(..., d) -> (...)`` with a zero (not NaN) gradient at 0."""
    return torch.sqrt(torch.clamp((v * v).sum(-1), min=TINY))


def check_positive(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value <= 0.0:
        raise DexgysError(f"{name} must be a positive finite number, got {value}")
    return value


def check_vector(name: str, value, n: int) -> tuple[float, ...]:
    arr = np.asarray(value, dtype=np.float64).reshape(-1)
    if arr.shape != (n,) or not np.all(np.isfinite(arr)):
        raise DexgysError(f"{name} must be {n} finite numbers, got {value!r}")
    return tuple(float(x) for x in arr)
