"""Rotation conversions, batched over leading dimensions, differentiable, CPU or CUDA.

Conventions (one per representation, shared by all of dexgys):

* **matrix**: ``(..., 3, 3)``, column vectors, ``p_world = R @ p_local``.
* **axis-angle** (rotation vector): ``(..., 3)``, axis times angle in radians (DexGYSNet records).
* **quaternion**: ``(..., 4)`` **real part first** ``(w, x, y, z)`` as MuJoCo. (roma, which does
  the numerics here, stores ``(x, y, z, w)``; the conversion happens only in this module.)
* **euler_xyz**: ``(..., 3)`` angles ``(rx, ry, rz)`` with ``R = Rz(rz) @ Ry(ry) @ Rx(rx)``: scipy's
  ``Rotation.from_euler("xyz", ...)`` (extrinsic), the official DexGYS network convention.
* **6-D** (Zhou et al. 2019): ``(..., 6)`` the first two *columns* of the matrix, concatenated;
  decoded with Gram-Schmidt, so any 6-vector with independent halves maps to a rotation.
"""

from __future__ import annotations

import roma
import torch

__all__ = [
    "axis_angle_to_matrix",
    "matrix_to_axis_angle",
    "quaternion_to_matrix",
    "matrix_to_quaternion",
    "euler_xyz_to_matrix",
    "matrix_to_euler_xyz",
    "rotation_6d_to_matrix",
    "matrix_to_rotation_6d",
    "axis_angle_to_rotation_6d",
    "rotation_6d_to_axis_angle",
    "wxyz_to_xyzw",
    "xyzw_to_wxyz",
]


def wxyz_to_xyzw(q: torch.Tensor) -> torch.Tensor:
    return torch.cat([q[..., 1:], q[..., :1]], dim=-1)


def xyzw_to_wxyz(q: torch.Tensor) -> torch.Tensor:
    return torch.cat([q[..., 3:], q[..., :3]], dim=-1)


def axis_angle_to_matrix(v: torch.Tensor) -> torch.Tensor:
    return roma.rotvec_to_rotmat(v)


def matrix_to_axis_angle(R: torch.Tensor) -> torch.Tensor:
    """Angle in [0, pi]; at exactly pi either of the two equivalent vectors may come back."""
    return roma.rotmat_to_rotvec(R)


def quaternion_to_matrix(q: torch.Tensor) -> torch.Tensor:
    """Unit quaternion ``(w, x, y, z)`` to matrix (the input is normalised first)."""
    q = q / q.norm(dim=-1, keepdim=True)
    return roma.unitquat_to_rotmat(wxyz_to_xyzw(q))


def matrix_to_quaternion(R: torch.Tensor) -> torch.Tensor:
    """Matrix to unit quaternion ``(w, x, y, z)`` with ``w >= 0``."""
    q = xyzw_to_wxyz(roma.rotmat_to_unitquat(R))
    return torch.where(q[..., :1] < 0, -q, q)


def euler_xyz_to_matrix(e: torch.Tensor) -> torch.Tensor:
    return roma.euler_to_rotmat("xyz", e)


def matrix_to_euler_xyz(R: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`euler_xyz_to_matrix`; ``ry`` in [-pi/2, pi/2], ``rx, rz`` in [-pi, pi]."""
    return roma.rotmat_to_euler("xyz", R)


def rotation_6d_to_matrix(d6: torch.Tensor) -> torch.Tensor:
    a1, a2 = d6[..., :3], d6[..., 3:]
    b1 = torch.nn.functional.normalize(a1, dim=-1)
    b2 = torch.nn.functional.normalize(a2 - (b1 * a2).sum(-1, keepdim=True) * b1, dim=-1)
    b3 = torch.cross(b1, b2, dim=-1)
    return torch.stack([b1, b2, b3], dim=-1)


def matrix_to_rotation_6d(R: torch.Tensor) -> torch.Tensor:
    return torch.cat([R[..., :, 0], R[..., :, 1]], dim=-1)


def axis_angle_to_rotation_6d(v: torch.Tensor) -> torch.Tensor:
    return matrix_to_rotation_6d(axis_angle_to_matrix(v))


def rotation_6d_to_axis_angle(d6: torch.Tensor) -> torch.Tensor:
    return matrix_to_axis_angle(rotation_6d_to_matrix(d6))
