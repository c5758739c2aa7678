"""Batched hand poses: the root placement plus the joint angles.

A pose places the hand's root link (the palm) in the world, ``p_world = R @ p_hand + t``, and sets
the joints. Records (DexGYSNet ``dex_grasp``) are ``[t(3) | axis-angle(3) | q(n)]``; the 6-D form
used inside networks is ``[t(3) | rot6d(6) | q(n)]`` (first two columns of ``R``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from dexgys.errors import DexgysError
from dexgys.geometry.rotations import (
    axis_angle_to_matrix,
    matrix_to_axis_angle,
    matrix_to_rotation_6d,
    rotation_6d_to_matrix,
)

__all__ = ["HandPose"]


def _check_vector(vec: torch.Tensor, rot_dim: int, n_dofs: int | None, hand_name: str, what: str) -> torch.Tensor:
    """``(6+n,)`` or ``(B, 6+n)`` -> ``(B, 6+n)`` after checking length and finiteness."""
    vec = torch.as_tensor(vec)
    if vec.dim() == 1:
        vec = vec.unsqueeze(0)
    if vec.dim() != 2:
        raise DexgysError(f"{what} must have shape (n_values,) or (batch, n_values), got {tuple(vec.shape)}")
    if not vec.is_floating_point():
        vec = vec.to(torch.get_default_dtype())
    length = vec.shape[1]
    if n_dofs is not None and length != 3 + rot_dim + n_dofs:
        hand = f"the {hand_name} hand" if hand_name else "this hand"
        raise DexgysError(f"{what} has {length} values; {hand} needs {3 + rot_dim + n_dofs} = 3 + {rot_dim} + {n_dofs}")
    if length < 3 + rot_dim:
        raise DexgysError(f"{what} has {length} values; it needs at least 3 + {rot_dim}")
    if not bool(torch.isfinite(vec).all()):
        bad = int((~torch.isfinite(vec)).any(dim=1).nonzero()[0])
        raise DexgysError(f"{what} number {bad} contains NaN or infinite values")
    return vec


@dataclass(frozen=True, eq=False)
class HandPose:
    """translation ``(B, 3)``, rotation ``(B, 3, 3)``, joints ``(B, n)`` (radians / metres)."""

    translation: torch.Tensor
    rotation: torch.Tensor
    joints: torch.Tensor

    def __post_init__(self) -> None:
        b = self.translation.shape[0] if self.translation.dim() == 2 else -1
        if (
            self.translation.shape != (b, 3)
            or self.rotation.shape != (b, 3, 3)
            or self.joints.dim() != 2
            or self.joints.shape[0] != b
        ):
            raise DexgysError(
                "HandPose needs translation (B, 3), rotation (B, 3, 3) and joints (B, n); got "
                f"{tuple(self.translation.shape)}, {tuple(self.rotation.shape)}, {tuple(self.joints.shape)}"
            )

    @property
    def batch_size(self) -> int:
        return self.translation.shape[0]

    @property
    def n_dofs(self) -> int:
        return self.joints.shape[1]

    @classmethod
    def identity(
        cls, batch_size: int, n_dofs: int, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None
    ) -> HandPose:
        """Root at the origin, identity rotation, all joints zero (the flat open Shadow Hand)."""
        kw = {"device": device, "dtype": dtype or torch.get_default_dtype()}
        return cls(
            torch.zeros(batch_size, 3, **kw),
            torch.eye(3, **kw).expand(batch_size, 3, 3).clone(),
            torch.zeros(batch_size, n_dofs, **kw),
        )

    @classmethod
    def from_record(cls, vec: torch.Tensor, n_dofs: int | None = None, hand_name: str = "") -> HandPose:
        """``(B, 6+n)`` or ``(6+n,)`` record ``[t | axis-angle | q]`` -> pose (batch of 1 for a vector).

        With ``n_dofs`` the length is checked (``hand_name`` names the hand in the message).
        """
        vec = _check_vector(vec, 3, n_dofs, hand_name, "grasp vector")
        return cls(vec[:, :3], axis_angle_to_matrix(vec[:, 3:6]), vec[:, 6:])

    def to_record(self) -> torch.Tensor:
        """``(B, 6+n)`` record ``[t | axis-angle | q]``."""
        return torch.cat([self.translation, matrix_to_axis_angle(self.rotation), self.joints], dim=1)

    @classmethod
    def from_rot6d(cls, vec: torch.Tensor, n_dofs: int | None = None, hand_name: str = "") -> HandPose:
        """``(B, 9+n)`` or ``(9+n,)`` ``[t | rot6d | q]`` -> pose; the 6-D part is Gram-Schmidt decoded."""
        vec = _check_vector(vec, 6, n_dofs, hand_name, "6-D grasp vector")
        return cls(vec[:, :3], rotation_6d_to_matrix(vec[:, 3:9]), vec[:, 9:])

    def to_rot6d(self) -> torch.Tensor:
        """``(B, 9+n)`` ``[t | rot6d | q]``."""
        return torch.cat([self.translation, matrix_to_rotation_6d(self.rotation), self.joints], dim=1)

    def to(self, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> HandPose:
        return HandPose(*(x.to(device=device, dtype=dtype) for x in (self.translation, self.rotation, self.joints)))

    def __getitem__(self, index) -> HandPose:
        """Select grasps along the batch: an int keeps a batch of one."""
        if isinstance(index, int):
            index = slice(index, index + 1 if index != -1 else None)
        return HandPose(self.translation[index], self.rotation[index], self.joints[index])
