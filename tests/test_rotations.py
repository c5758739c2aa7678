import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from dexgys.geometry import rotations as rot


@pytest.fixture()
def scipy_rotations():
    return Rotation.random(64, random_state=7)


def test_axis_angle_matches_scipy(scipy_rotations):
    v = torch.as_tensor(scipy_rotations.as_rotvec())
    np.testing.assert_allclose(rot.axis_angle_to_matrix(v).numpy(), scipy_rotations.as_matrix(), atol=1e-12)
    back = rot.matrix_to_axis_angle(torch.as_tensor(scipy_rotations.as_matrix()))
    np.testing.assert_allclose(back.numpy(), scipy_rotations.as_rotvec(), atol=1e-9)


def test_quaternion_is_wxyz_and_matches_scipy(scipy_rotations):
    q_xyzw = scipy_rotations.as_quat(canonical=True)
    q_wxyz = torch.as_tensor(q_xyzw[:, [3, 0, 1, 2]])
    np.testing.assert_allclose(rot.quaternion_to_matrix(q_wxyz).numpy(), scipy_rotations.as_matrix(), atol=1e-12)
    back = rot.matrix_to_quaternion(torch.as_tensor(scipy_rotations.as_matrix()))
    assert bool((back[:, 0] >= 0).all())
    np.testing.assert_allclose(back.numpy(), q_wxyz.numpy(), atol=1e-9)


def test_euler_xyz_is_the_official_convention(scipy_rotations):
    e = torch.as_tensor(scipy_rotations.as_euler("xyz"))
    R = rot.euler_xyz_to_matrix(e)
    np.testing.assert_allclose(R.numpy(), scipy_rotations.as_matrix(), atol=1e-12)
    rx, ry, rz = e.unbind(-1)
    Rz = Rotation.from_euler("z", rz.numpy()[:, None]).as_matrix()
    Ry = Rotation.from_euler("y", ry.numpy()[:, None]).as_matrix()
    Rx = Rotation.from_euler("x", rx.numpy()[:, None]).as_matrix()
    np.testing.assert_allclose(R.numpy(), Rz @ Ry @ Rx, atol=1e-12)
    np.testing.assert_allclose(rot.matrix_to_euler_xyz(R).numpy(), e.numpy(), atol=1e-9)


def test_rotation_6d_round_trip_and_gram_schmidt(scipy_rotations):
    R = torch.as_tensor(scipy_rotations.as_matrix())
    d6 = rot.matrix_to_rotation_6d(R)
    np.testing.assert_allclose(rot.rotation_6d_to_matrix(d6).numpy(), R.numpy(), atol=1e-12)
    noisy = rot.rotation_6d_to_matrix(d6 * 3.0 + 0.1 * torch.randn_like(d6, dtype=torch.float64))
    eye = torch.eye(3, dtype=torch.float64).expand_as(noisy)
    np.testing.assert_allclose((noisy.transpose(1, 2) @ noisy).numpy(), eye.numpy(), atol=1e-12)
    assert torch.allclose(torch.linalg.det(noisy), torch.ones(len(noisy), dtype=torch.float64))
    v = torch.as_tensor(scipy_rotations.as_rotvec())
    np.testing.assert_allclose(
        rot.rotation_6d_to_axis_angle(rot.axis_angle_to_rotation_6d(v)).numpy(), v.numpy(), atol=1e-9
    )


def test_gradients_flow():
    v = torch.tensor([[0.3, -0.2, 0.5]], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(rot.axis_angle_to_matrix, (v,))
    d6 = torch.randn(3, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(rot.rotation_6d_to_matrix, (d6,))
