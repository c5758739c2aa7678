import numpy as np
import pytest
import torch

from dexgys.errors import DexgysError
from dexgys.geometry.pointcloud import (
    _fps_torch,
    ball_query,
    chamfer_distance,
    farthest_point_sample,
    knn,
    nearest_neighbors,
)


def _fps_reference(x: np.ndarray, k: int, start: int) -> np.ndarray:
    x = x.astype(np.float32)
    chosen, dist = [start], np.full(len(x), np.inf, dtype=np.float32)
    for _ in range(k - 1):
        dist = np.minimum(dist, ((x - x[chosen[-1]]) ** 2).sum(1))
        chosen.append(int(dist.argmax()))
    return np.array(chosen)


def _cloud(*shape, seed=0):
    return torch.from_numpy(np.random.default_rng(seed).random((*shape, 3)))


def test_fps_matches_brute_force_batched_and_unbatched():
    pts = _cloud(3, 500)
    idx = farthest_point_sample(pts, 64, start=7)
    assert idx.shape == (3, 64) and idx.dtype == torch.long
    for b in range(3):
        np.testing.assert_array_equal(idx[b].numpy(), _fps_reference(pts[b].numpy(), 64, 7))
    single = farthest_point_sample(pts[1], 64, start=7)
    np.testing.assert_array_equal(single.numpy(), idx[1].numpy())
    assert farthest_point_sample(pts[0], 10)[0] == 0


def test_fps_torch_fallback_picks_the_same_points():
    pts = _cloud(2, 2000, seed=1)
    np.testing.assert_array_equal(_fps_torch(pts, 200, 3).numpy(), farthest_point_sample(pts, 200, start=3).numpy())


def test_fps_rejects_bad_requests():
    with pytest.raises(DexgysError, match="farthest points"):
        farthest_point_sample(_cloud(10), 11)
    with pytest.raises(DexgysError, match="start"):
        farthest_point_sample(_cloud(10), 3, start=10)


def test_chamfer_matches_brute_force():
    a, b = _cloud(2, 40, seed=2), _cloud(2, 55, seed=3)
    d = np.linalg.norm(a.numpy()[:, :, None] - b.numpy()[:, None], axis=-1)
    for squared in (True, False):
        dd = d**2 if squared else d
        mean = dd.min(2).mean(1) + dd.min(1).mean(1)
        total = dd.min(2).sum(1) + dd.min(1).sum(1)
        np.testing.assert_allclose(chamfer_distance(a, b, squared=squared, batch_reduction=None).numpy(), mean)
        np.testing.assert_allclose(chamfer_distance(a, b, squared=squared).item(), mean.mean())
        np.testing.assert_allclose(
            chamfer_distance(a, b, squared=squared, point_reduction="sum", batch_reduction="sum").item(), total.sum()
        )
    np.testing.assert_allclose(
        chamfer_distance(a[0], b[0]).item(), (d[0] ** 2).min(1).mean() + (d[0] ** 2).min(0).mean()
    )


def test_chamfer_is_differentiable():
    a = _cloud(1, 5, seed=4).requires_grad_(True)
    b = _cloud(1, 4, seed=5).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x, y: chamfer_distance(x, y, squared=True), (a, b))
    assert chamfer_distance(a, a.detach()).item() == 0.0


def test_knn_and_nearest_neighbors_match_brute_force():
    q, r = _cloud(2, 30, seed=6), _cloud(2, 80, seed=7)
    d = np.linalg.norm(q.numpy()[:, :, None] - r.numpy()[:, None], axis=-1)
    dist, idx = knn(q, r, 4)
    np.testing.assert_array_equal(idx.numpy(), np.argsort(d, axis=-1)[..., :4])
    np.testing.assert_allclose(dist.numpy(), np.sort(d, axis=-1)[..., :4])
    d1, i1 = nearest_neighbors(q, r)
    assert d1.shape == (2, 30)
    np.testing.assert_array_equal(i1.numpy(), d.argmin(-1))
    dn, inn = nearest_neighbors(q[0].numpy(), r[0].numpy(), k=3)
    np.testing.assert_array_equal(inn, np.argsort(d[0], axis=-1)[:, :3])
    np.testing.assert_allclose(dn, np.sort(d[0], axis=-1)[:, :3])
    with pytest.raises(DexgysError):
        nearest_neighbors(q[0], r[0].numpy())


def test_knn_distances_are_differentiable():
    q = _cloud(6, seed=8).requires_grad_(True)
    r = _cloud(20, seed=9)
    dist, _ = knn(q, r, 3)
    dist.sum().backward()
    assert torch.isfinite(q.grad).all() and q.grad.abs().sum() > 0


def _ball_reference(c, p, radius, k):
    out = np.zeros((len(c), k), dtype=np.int64)
    for s, centre in enumerate(c):
        hits = np.nonzero(((p - centre) ** 2).sum(1) < radius**2)[0][:k]
        if len(hits):
            out[s] = np.concatenate([hits, np.full(k - len(hits), hits[0])])
    return out


def test_ball_query_matches_pointnet2_semantics():
    p = _cloud(2, 300, seed=10)
    c = torch.cat([p[:, :20], torch.full((2, 1, 3), 5.0, dtype=p.dtype)], 1)  # the last centroid has no hit
    idx = ball_query(c, p, 0.15, 16)
    assert idx.shape == (2, 21, 16)
    for b in range(2):
        np.testing.assert_array_equal(idx[b].numpy(), _ball_reference(c[b].numpy(), p[b].numpy(), 0.15, 16))
    assert (idx[:, -1] == 0).all()
    np.testing.assert_array_equal(ball_query(c[0], p[0], 0.15, 16).numpy(), idx[0].numpy())
    # more neighbours asked than points exist: padded with the first hit
    few = ball_query(p[0, :3], p[0, :5], 10.0, 8)
    np.testing.assert_array_equal(few.numpy(), _ball_reference(p[0, :3].numpy(), p[0, :5].numpy(), 10.0, 8))
