"""The network's grasp vector and its normalisation.

* **Record** (DexGYSNet ``dex_grasp``, the I/O format): ``[t(3) | axis-angle(3) | q(n)]``, ``(B, 6+n)``,
  metres and radians.
* **Vector** (inside the networks): ``[t(3) | rot6d(6) | q(n)]``, ``(B, 9+n)``; ``rot6d`` is the first two
  columns of the root rotation (continuous, unlike axis-angle or Euler angles, whose wrap at pi the
  official code ignores). 31 values for the 22-joint Shadow Hand.
* **Normalised vector**: :class:`GraspNormalizer` maps a vector to roughly ``[-1, 1]`` per value:
  translation divided by a fixed scale, 6-D rotation unchanged (already in ``[-1, 1]``), each joint
  mapped affinely from ``[lower, upper]`` to ``[-1, 1]``.
* :class:`GraspHand`: hand surface points and self-penetration of grasp vectors, on their device.
"""

from __future__ import annotations

import torch
from torch import nn

from dexgys.errors import DexgysError
from dexgys.geometry.rotations import axis_angle_to_rotation_6d, rotation_6d_to_axis_angle
from dexgys.hands import HandModel, HandPose

__all__ = ["DEFAULT_TRANSLATION_SCALE", "GraspHand", "GraspNormalizer", "record_to_vector", "vector_to_record"]

DEFAULT_TRANSLATION_SCALE = 0.25  # m: palm positions of grasps on 5-30 cm objects stay within about +-0.25 m


def _check_width(x: torch.Tensor, offset: int, what: str) -> torch.Tensor:
    x = torch.as_tensor(x)
    if x.dim() < 1 or x.shape[-1] <= offset:
        raise DexgysError(f"{what} must have shape (..., {offset}+n_dofs), got {tuple(x.shape)}")
    return x if x.is_floating_point() else x.to(torch.get_default_dtype())


def record_to_vector(record: torch.Tensor) -> torch.Tensor:
    """Record ``(..., 6+n)`` ``[t | axis-angle | q]`` -> vector ``(..., 9+n)`` ``[t | rot6d | q]``."""
    record = _check_width(record, 6, "grasp record")
    return torch.cat([record[..., :3], axis_angle_to_rotation_6d(record[..., 3:6]), record[..., 6:]], dim=-1)


def vector_to_record(vector: torch.Tensor) -> torch.Tensor:
    """Vector ``(..., 9+n)`` -> record ``(..., 6+n)``; the 6-D part is Gram-Schmidt decoded, so any
    vector with independent halves gives a valid rotation (axis-angle with angle in ``[0, pi]``)."""
    vector = _check_width(vector, 9, "grasp vector")
    return torch.cat([vector[..., :3], rotation_6d_to_axis_angle(vector[..., 3:9]), vector[..., 9:]], dim=-1)


class GraspNormalizer(nn.Module):
    """Per-value affine map between grasp vectors ``(..., 9+n)`` and normalised vectors.

    ``normalize``: ``t / translation_scale``, ``rot6d`` unchanged, ``2 (q - lower) / (upper - lower) - 1``.
    The limits are non-persistent buffers (they move with ``.to(device)`` but stay out of the model's
    ``state_dict``); :meth:`to_dict` / :meth:`from_dict` carry them in checkpoints.
    """

    def __init__(self, joint_lower: torch.Tensor, joint_upper: torch.Tensor, translation_scale: float) -> None:
        super().__init__()
        lower = torch.as_tensor(joint_lower, dtype=torch.float32).flatten()
        upper = torch.as_tensor(joint_upper, dtype=torch.float32).flatten()
        if lower.shape != upper.shape or lower.numel() == 0:
            raise DexgysError(
                f"joint limits must be two equal-length vectors, got {tuple(lower.shape)}, {tuple(upper.shape)}"
            )
        if not bool((upper > lower).all()):
            raise DexgysError("every joint's upper limit must exceed its lower limit")
        if not translation_scale > 0:
            raise DexgysError(f"translation_scale must be positive, got {translation_scale}")
        self.translation_scale = float(translation_scale)
        self.register_buffer("joint_lower", lower, persistent=False)
        self.register_buffer("joint_upper", upper, persistent=False)

    @classmethod
    def from_hand(cls, hand: HandModel, translation_scale: float = DEFAULT_TRANSLATION_SCALE) -> GraspNormalizer:
        """Joints scaled by ``hand``'s limits, translation by ``translation_scale`` (m)."""
        return cls(hand.joint_lower, hand.joint_upper, translation_scale)

    @property
    def n_dofs(self) -> int:
        return self.joint_lower.numel()

    @property
    def dim(self) -> int:
        """Length of a grasp vector, ``9 + n_dofs``."""
        return 9 + self.n_dofs

    def _check(self, x: torch.Tensor) -> torch.Tensor:
        x = _check_width(x, 9, "grasp vector")
        if x.shape[-1] != self.dim:
            raise DexgysError(f"grasp vector has {x.shape[-1]} values; expected {self.dim} = 9 + {self.n_dofs} joints")
        return x

    def normalize(self, vector: torch.Tensor) -> torch.Tensor:
        """Vector ``(..., 9+n)`` -> normalised ``(..., 9+n)``."""
        v = self._check(vector)
        lo, hi = self.joint_lower.to(v), self.joint_upper.to(v)
        q = 2.0 * (v[..., 9:] - lo) / (hi - lo) - 1.0
        return torch.cat([v[..., :3] / self.translation_scale, v[..., 3:9], q], -1)

    def denormalize(self, normalized: torch.Tensor) -> torch.Tensor:
        """Normalised ``(..., 9+n)`` -> vector ``(..., 9+n)`` (metres, 6-D rotation, radians)."""
        v = self._check(normalized)
        lo, hi = self.joint_lower.to(v), self.joint_upper.to(v)
        q = 0.5 * (v[..., 9:] + 1.0) * (hi - lo) + lo
        return torch.cat([v[..., :3] * self.translation_scale, v[..., 3:9], q], -1)

    def clamp_joints(self, vector: torch.Tensor) -> torch.Tensor:
        """Vector ``(..., 9+n)`` with its joints clamped into the limits."""
        v = self._check(vector)
        q = torch.clamp(v[..., 9:], min=self.joint_lower.to(v), max=self.joint_upper.to(v))
        return torch.cat([v[..., :9], q], -1)

    def to_dict(self) -> dict:
        """Plain ``{"translation_scale": float, "joint_lower": tensor, "joint_upper": tensor}`` (CPU)."""
        return {
            "translation_scale": self.translation_scale,
            "joint_lower": self.joint_lower.detach().cpu().clone(),
            "joint_upper": self.joint_upper.detach().cpu().clone(),
        }

    @classmethod
    def from_dict(cls, state: dict) -> GraspNormalizer:
        try:
            return cls(state["joint_lower"], state["joint_upper"], state["translation_scale"])
        except (KeyError, TypeError) as exc:
            raise DexgysError(f"grasp normaliser state is incomplete or malformed ({exc!r})") from None

    def extra_repr(self) -> str:
        return f"n_dofs={self.n_dofs}, translation_scale={self.translation_scale}"


class GraspHand:
    """A :class:`HandModel` seen through grasp vectors ``[t | rot6d | q]``, on whatever device they live.

    ``HandModel`` is not an ``nn.Module``, so ``model.to("cuda")`` cannot move it; this wrapper keeps
    the original and makes (then reuses) a copy for every device and dtype it is asked about.
    """

    def __init__(self, hand: HandModel) -> None:
        self.hand = hand
        self._copies: dict[tuple[torch.device, torch.dtype], HandModel] = {(hand.device, hand.dtype): hand}

    @property
    def n_dofs(self) -> int:
        return self.hand.n_dofs

    @property
    def n_surface_points(self) -> int:
        return len(self.hand.surface_point_links)

    def like(self, x: torch.Tensor) -> HandModel:
        """The hand on ``x``'s device with ``x``'s floating dtype."""
        key = (x.device, x.dtype)
        if key not in self._copies:
            self._copies[key] = self.hand.to(x.device, x.dtype)
        return self._copies[key]

    def pose(self, vector: torch.Tensor) -> HandPose:
        """Vectors ``(B, 9+n)`` -> :class:`HandPose` (6-D rotation Gram-Schmidt decoded)."""
        return HandPose.from_rot6d(vector, self.n_dofs, self.hand.name)

    def surface_points(self, vector: torch.Tensor) -> torch.Tensor:
        """Vectors ``(B, 9+n)`` -> world surface points ``(B, P, 3)``, differentiable."""
        return self.like(vector).surface_points(self.pose(vector))

    def self_penetration(self, vector: torch.Tensor) -> torch.Tensor:
        """Vectors ``(B, 9+n)`` -> ``(B,)`` :meth:`HandModel.self_penetration` (metres)."""
        return self.like(vector).self_penetration(self.pose(vector))
