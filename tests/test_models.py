"""Models layer: text encoders, point encoder, grasp vectors, diffusion, IDGC, QGC, losses, checkpoints."""

from __future__ import annotations

import pytest
import torch

import dexgys.models.qgc as qgc_module
from dexgys.errors import DexgysError
from dexgys.geometry.pointcloud import chamfer_distance
from dexgys.hands import load_hand
from dexgys.models import (
    CHECKPOINT_FORMAT_VERSION,
    IDGC,
    QGC,
    ClipTextEncoder,
    Diffusion,
    GraspNormalizer,
    Groups,
    IDGCConfig,
    PointEncoder,
    PointEncoderConfig,
    QGCConfig,
    load_checkpoint,
    load_model,
    load_text_encoder,
    pad_token_features,
    record_to_vector,
    save_checkpoint,
    save_model,
    vector_to_record,
)
from dexgys.models.decoder import QueryDecoder
from dexgys.models.losses import (
    _closest_named_pairs,
    _closest_named_pairs_dense,
    _nearest_dense,
    contact_map,
    hand_chamfer,
    named_contact,
    nearest_indices,
    object_penetration,
)

TINY_PE = PointEncoderConfig(
    centroids=(64, 16, 4), radii=(0.03, 0.06, 0.12), neighbours=(8, 8, 4), mlps=((16, 16), (32, 32), (32, 32))
)
TEXT_DIM = 16


# ---------------------------------------------------------------------- fixtures and helpers
@pytest.fixture(scope="module")
def hand():
    return load_hand(n_surface_points=128)


def sphere_cloud(batch: int, n: int, radius: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Points ``(batch, n, 3)`` on spheres of ``radius`` (m) and their outward normals."""
    g = torch.Generator().manual_seed(seed)
    normals = torch.nn.functional.normalize(torch.randn(batch, n, 3, generator=g), dim=-1)
    return radius * normals, normals


def random_records(hand, batch: int, seed: int, dtype=torch.float32) -> torch.Tensor:
    """``(batch, 28)`` records: joints within limits, rotation angle < 3 rad, translation ~ 0.1 m."""
    g = torch.Generator().manual_seed(seed)
    lo, hi = hand.joint_lower.to(dtype), hand.joint_upper.to(dtype)
    q = lo + torch.rand(batch, hand.n_dofs, generator=g, dtype=dtype) * (hi - lo)
    axis = torch.nn.functional.normalize(torch.randn(batch, 3, generator=g, dtype=dtype), dim=-1)
    r = axis * 3.0 * torch.rand(batch, 1, generator=g, dtype=dtype)
    return torch.cat([0.1 * torch.randn(batch, 3, generator=g, dtype=dtype), r, q], dim=1)


def tiny_idgc(hand, **overrides) -> IDGC:
    torch.manual_seed(0)
    cfg = dict(text_dim=TEXT_DIM, d_model=32, n_layers=2, n_heads=2, dropout=0.0, point_encoder=TINY_PE)
    return IDGC(IDGCConfig(**{**cfg, **overrides}), hand)


def tiny_qgc(hand) -> QGC:
    torch.manual_seed(0)
    cfg = QGCConfig(d_model=32, n_layers=2, n_heads=2, dropout=0.0, object_encoder=TINY_PE, hand_encoder=TINY_PE)
    return QGC(cfg, hand)


def idgc_batch(hand, seed: int = 0) -> dict:
    """4 grasps on 2 objects (object_index), text of 5 tokens with 2 padded."""
    points, normals = sphere_cloud(2, 128, 0.04, seed)
    g = torch.Generator().manual_seed(seed)
    records = random_records(hand, 4, seed)
    return {
        "grasp": records,
        "coarse": records + 0.02 * torch.randn(records.shape, generator=g),
        "object_points": points,
        "object_normals": normals,
        "object_index": torch.tensor([0, 0, 1, 1]),
        "text_tokens": torch.randn(4, 5, TEXT_DIM, generator=g),
        "text_mask": torch.tensor([[True, True, True, False, False]] * 4),
    }


def train_steps(model, batch, steps: int, **loss_kw) -> tuple[float, float]:
    """Loss before and after ``steps`` Adam steps on one batch (same timesteps/noise every step)."""
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)

    def loss():
        kw = {k: torch.Generator().manual_seed(v) for k, v in loss_kw.items()}
        return model.loss(batch, **kw)["total"]

    first = loss()
    for _ in range(steps):
        opt.zero_grad()
        value = loss()
        value.backward()
        opt.step()
    return first.item(), loss().item()


# ---------------------------------------------------------------------- text encoders
def test_minilm_shapes_and_mask(minilm):
    sentences = ["hold the mug by its handle", "use the sprayer: press the trigger with your forefinger"]
    tokens, mask = minilm.encode(sentences)
    assert minilm.dim == 384 and minilm.max_tokens == 128
    assert tokens.dtype == torch.float32 and mask.dtype == torch.bool
    assert tokens.shape[0] == 2 and tokens.shape[2] == 384 and mask.shape == tokens.shape[:2]
    lengths = mask.sum(1)
    assert lengths[1] == tokens.shape[1] > lengths[0] > 2  # [CLS] ... [SEP], padded to the longest
    assert mask[0, : lengths[0]].all() and not mask[0, lengths[0] :].any()
    assert torch.count_nonzero(tokens[0, lengths[0] :]) == 0
    assert not tokens.requires_grad and torch.isfinite(tokens).all()


def test_minilm_same_sentence_same_features_and_cache(minilm):
    minilm.clear_cache()
    a = "pick up the knife by its handle with all fingers"
    b = "press the spray bottle trigger with the forefinger"
    hits = minilm.cache_hits
    first, _ = minilm.encode([a])
    assert minilm.cache_hits == hits
    again, _ = minilm.encode([f"  {a} ", b])
    assert minilm.cache_hits == hits + 1  # the stripped sentence is a cache hit
    assert torch.equal(first[0], again[0, : first.shape[1]])
    n = min(first.shape[1], again.shape[1])
    assert not torch.allclose(again[0, :n], again[1, :n], atol=1e-3)
    minilm.clear_cache()
    fresh, _ = minilm.encode([a])
    torch.testing.assert_close(fresh, first, atol=1e-5, rtol=0)


def test_minilm_truncates_long_sentences_with_a_warning(minilm, monkeypatch):
    monkeypatch.setattr(minilm, "max_tokens", 8)
    monkeypatch.setattr(minilm, "_cache", type(minilm._cache)())
    with pytest.warns(UserWarning, match="keeping the first 8"):
        tokens, mask = minilm.encode(["grasp the mug by its handle and lift it up to drink from it"])
    assert tokens.shape[1] == 8 and mask.all()


def test_text_encoder_input_errors(minilm, tmp_path):
    with pytest.raises(DexgysError, match="list of sentences"):
        minilm.encode("hold the mug")
    with pytest.raises(DexgysError, match="empty"):
        minilm.encode(["hold the mug", " "])
    with pytest.raises(DexgysError, match="does not exist"):
        ClipTextEncoder(tmp_path / "missing")
    with pytest.raises(DexgysError, match="cannot load the CLIP text model"):
        ClipTextEncoder(tmp_path)
    with pytest.raises(DexgysError, match="needs the path"):
        load_text_encoder("clip")
    with pytest.raises(DexgysError, match="unknown text encoder"):
        load_text_encoder("bert")


def test_pad_token_features():
    tokens, mask = pad_token_features([torch.ones(2, 3), torch.ones(4, 3)])
    assert tokens.shape == (2, 4, 3) and mask.tolist() == [[True, True, False, False], [True] * 4]
    assert tokens[0, 2:].abs().sum() == 0


# ---------------------------------------------------------------------- point encoder
def test_point_encoder_shapes_and_grouping_reuse():
    torch.manual_seed(0)
    enc = PointEncoder(TINY_PE).eval()
    points, _ = sphere_cloud(3, 100, 0.05, 1)
    groups = enc.group(points)
    assert [c.shape for c in groups.centroids] == [(3, 64), (3, 16), (3, 4)]
    assert [n.shape for n in groups.neighbours] == [(3, 64, 8), (3, 16, 8), (3, 4, 4)]
    tokens, xyz = enc(points)
    assert tokens.shape == (3, 4, 32) and xyz.shape == (3, 4, 3)
    again, xyz_again = enc(points, groups=groups)
    assert torch.equal(tokens, again) and torch.equal(xyz, xyz_again)
    index = torch.tensor([2, 0, 2])
    picked, _ = enc(points[index], groups=Groups.cat([groups.select(index[:1]), groups.select(index[1:])]))
    torch.testing.assert_close(picked, tokens[index])


def test_point_encoder_backward_and_errors():
    enc = PointEncoder(TINY_PE)
    points, _ = sphere_cloud(2, 80, 0.05, 2)
    tokens, _ = enc(points)
    tokens.sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in enc.parameters())
    with pytest.raises(DexgysError, match="at least 64 points"):
        enc(points[:, :10])
    with pytest.raises(DexgysError, match=r"\(B, N, 3\)"):
        enc(points[0])
    with pytest.raises(DexgysError, match="do not match"):
        enc(points, groups=enc.group(points[:1]))
    with pytest.raises(DexgysError, match="must not increase"):
        PointEncoderConfig(centroids=(16, 32, 4))


# ---------------------------------------------------------------------- grasp representation
def test_record_vector_round_trip(hand):
    records = random_records(hand, 64, 3, torch.float64)
    vectors = record_to_vector(records)
    assert vectors.shape == (64, 31)
    torch.testing.assert_close(vector_to_record(vectors), records, atol=1e-5, rtol=0)
    torch.testing.assert_close(vector_to_record(record_to_vector(records[0])), records[0], atol=1e-5, rtol=0)


def test_normalizer_round_trip_and_state(hand):
    norm = GraspNormalizer.from_hand(hand, translation_scale=0.25)
    vectors = record_to_vector(random_records(hand, 16, 4))
    x = norm.normalize(vectors)
    assert x.shape == vectors.shape and x[:, 9:].abs().max() <= 1 + 1e-6
    torch.testing.assert_close(x[:, :3], vectors[:, :3] / 0.25)
    torch.testing.assert_close(norm.denormalize(x), vectors, atol=1e-6, rtol=0)
    copy = GraspNormalizer.from_dict(norm.to_dict())
    torch.testing.assert_close(copy.normalize(vectors), x)
    assert norm.state_dict() == {}  # the limits travel in checkpoints' "normalizer" section only
    with pytest.raises(DexgysError, match="expected 31"):
        norm.normalize(vectors[:, :30])
    with pytest.raises(DexgysError, match="incomplete"):
        GraspNormalizer.from_dict({"translation_scale": 0.2})
    with pytest.raises(DexgysError, match="upper limit"):
        GraspNormalizer(torch.ones(3), torch.zeros(3), 0.2)


# ---------------------------------------------------------------------- diffusion
def test_q_sample_statistics():
    diff = Diffusion(100)
    x0 = torch.full((20000, 1), 0.7)
    t = torch.full((20000,), 30)
    xt = diff.q_sample(x0, t, torch.randn(20000, 1, generator=torch.Generator().manual_seed(0)))
    abar = diff.alphas_cumprod[30]
    assert abs(xt.mean() - abar.sqrt() * 0.7) < 0.02
    assert abs(xt.std() - (1 - abar).sqrt()) < 0.02
    assert diff.alphas_cumprod[-1] < 1e-4 and Diffusion(100, "linear").alphas_cumprod[-1] < 1e-4


@pytest.mark.parametrize("schedule", ["cosine", "linear"])
def test_posterior_matches_gaussian_product(schedule):
    """q(x_{t-1} | x_t, x_0) from the product q(x_t | x_{t-1}) q(x_{t-1} | x_0), derived independently."""
    diff = Diffusion(100, schedule)
    g = torch.Generator().manual_seed(1)
    x0, xt = torch.randn(5, 3, generator=g), torch.randn(5, 3, generator=g)
    t = torch.tensor([1, 10, 50, 98, 99])
    mean, var = diff.q_posterior(x0, xt, t)
    beta = diff.betas[t].double()[:, None]
    abar_prev = diff.alphas_cumprod_prev[t].double()[:, None]
    precision = (1 - beta) / beta + 1 / (1 - abar_prev)
    expected = ((1 - beta).sqrt() * xt.double() / beta + abar_prev.sqrt() * x0.double() / (1 - abar_prev)) / precision
    torch.testing.assert_close(mean.double(), expected, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(var.double(), 1 / precision, atol=1e-7, rtol=1e-4)
    mean0, var0 = diff.q_posterior(x0, xt, torch.zeros(5, dtype=torch.long))
    torch.testing.assert_close(mean0, x0)
    assert var0.abs().max() == 0


@pytest.mark.parametrize("sampler, steps", [("ddpm", None), ("ddim", 100), ("ddim", 7)])
def test_samplers_return_an_oracle_x0(sampler, steps):
    diff = Diffusion(100)
    target = torch.tensor([0.3, -0.2, 0.9])
    out = diff.sample(lambda x, t: target.expand_as(x), (4, 3), torch.Generator().manual_seed(0), sampler, steps)
    torch.testing.assert_close(out, target.expand(4, 3))


@pytest.mark.parametrize("sampler, steps", [("ddpm", None), ("ddim", 10)])
def test_one_generator_per_block_draws_what_separate_calls_draw(sampler, steps):
    diff = Diffusion(100)

    def denoise(x, t):  # row by row, so the batch does not change the arithmetic
        return torch.tanh(0.5 * x + 0.01 * t[:, None].float())

    blocks = diff.sample(denoise, (6, 5), [torch.Generator().manual_seed(s) for s in (3, 4, 5)], sampler, steps)
    alone = [diff.sample(denoise, (2, 5), torch.Generator().manual_seed(s), sampler, steps) for s in (3, 4, 5)]
    torch.testing.assert_close(blocks, torch.cat(alone))
    with pytest.raises(DexgysError, match="equal blocks"):
        diff.sample(denoise, (5, 5), [torch.Generator(), torch.Generator()], sampler, steps)


def test_samplers_are_deterministic_functions_of_the_generator():
    diff = Diffusion(100)

    def denoise(x, t):  # a smooth, input-dependent stand-in network
        return torch.tanh(0.5 * x + 0.01 * t[:, None].float())

    def run(seed, sampler, steps=None):
        return diff.sample(denoise, (3, 5), torch.Generator().manual_seed(seed), sampler, steps)

    for sampler, steps in [("ddim", 100), ("ddim", 10), ("ddpm", None)]:
        assert torch.equal(run(5, sampler, steps), run(5, sampler, steps))
        assert not torch.allclose(run(5, sampler, steps), run(6, sampler, steps))
    assert diff.ddim_timesteps(10)[0] == 99 and diff.ddim_timesteps(10)[-1] == 0
    assert diff.ddim_timesteps(100) == list(range(99, -1, -1))
    with pytest.raises(DexgysError, match="unknown sampler"):
        run(0, "euler")
    with pytest.raises(DexgysError, match="runs all 100 steps"):
        run(0, "ddpm", 10)
    with pytest.raises(DexgysError, match="1 to 100 steps"):
        run(0, "ddim", 101)
    t = diff.timesteps(7, torch.Generator().manual_seed(0))
    assert t.shape == (7,) and t.min() >= 0 and t.max() <= 99 and torch.equal(t[:3] + t[4:7], torch.full((3,), 99))


# ---------------------------------------------------------------------- losses
def test_loss_pieces():
    a, _ = sphere_cloud(2, 50, 0.05, 3)
    b, _ = sphere_cloud(2, 70, 0.06, 4)
    torch.testing.assert_close(hand_chamfer(a, b), 1024 * chamfer_distance(a, b, batch_reduction=None))
    assert hand_chamfer(a, a).abs().max() < 1e-10
    cmap = contact_map(a, a)
    torch.testing.assert_close(cmap, torch.ones_like(cmap), atol=1e-5, rtol=0)
    origin, hand_pts = torch.zeros(1, 1, 3), torch.tensor([[[0.01, 0.0, 0.0], [0.0, 0.05, 0.0]]])
    torch.testing.assert_close(contact_map(origin, hand_pts), 1 - 2 * (torch.sigmoid(torch.tensor([[0.6]])) - 0.5))
    # a flat floor z = 0 with normals +z: points at z = -0.01 are 1 cm inside
    floor = torch.stack(torch.meshgrid(torch.linspace(-0.1, 0.1, 11), torch.linspace(-0.1, 0.1, 11), indexing="ij"), -1)
    floor = torch.cat([floor.reshape(1, -1, 2), torch.zeros(1, 121, 1)], -1)
    up = torch.tensor([0.0, 0.0, 1.0]).expand_as(floor)
    hand_pts = torch.tensor([[[0.0, 0.0, -0.01], [0.02, 0.0, 0.03]]], requires_grad=True)
    pen = object_penetration(hand_pts, floor, up)
    torch.testing.assert_close(pen, torch.tensor([1024 * 0.01**2 / 2]))
    pen.sum().backward()
    assert hand_pts.grad[0, 0, 2] < 0 and hand_pts.grad[0, 1].abs().sum() == 0


def test_nearest_indices_kdtree_matches_distance_matrix():
    a, _ = sphere_cloud(3, 40, 0.05, 5)
    b, _ = sphere_cloud(3, 60, 0.07, 6)
    ab, ba = nearest_indices(a, b)
    dense_ab, dense_ba = _nearest_dense(a, b, True)
    assert torch.equal(ab, dense_ab) and torch.equal(ba, dense_ba)
    assert torch.equal(ab, torch.cdist(a, b).argmin(2)) and nearest_indices(a, b, both=False)[1] is None


# ---------------------------------------------------------------------- IDGC
def test_idgc_loss_backward_and_overfit(hand):
    model = tiny_idgc(hand)
    batch = idgc_batch(hand)
    out = model.loss(batch, torch.Generator().manual_seed(0))
    assert set(out) == {"total", "para", "chamfer"} and all(torch.isfinite(v) for v in out.values())
    out["total"].backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    model.zero_grad()
    before, after = train_steps(model, batch, 15, generator=0)
    assert after < 0.5 * before


def test_idgc_penetration_ablation_needs_normals(hand):
    model = tiny_idgc(hand, penetration_weight=100.0)
    batch = idgc_batch(hand)
    out = model.loss(batch)
    assert "penetration" in out and torch.isfinite(out["total"])
    del batch["object_normals"]
    with pytest.raises(DexgysError, match="object_normals"):
        model.loss(batch)


def test_idgc_sample_shapes_and_determinism(hand):
    model = tiny_idgc(hand).eval()
    batch = idgc_batch(hand)
    tokens, mask = batch["text_tokens"][:2], batch["text_mask"][:2]
    points = batch["object_points"]

    def run(seed, sampler="ddim", steps=5):
        generator = torch.Generator().manual_seed(seed)
        return model.sample(points, tokens, mask, n=3, generator=generator, sampler=sampler, steps=steps)

    out = run(0)
    assert out.shape == (2, 3, 28) and torch.isfinite(out).all()
    assert torch.equal(out, run(0)) and not torch.equal(out, run(1))
    q = out[..., 6:]
    assert (q >= hand.joint_lower - 1e-6).all() and (q <= hand.joint_upper + 1e-6).all()
    assert model.sample(points[:1], tokens[:1], mask[:1], n=2, sampler="ddpm").shape == (1, 2, 28)
    with pytest.raises(DexgysError, match="text tokens"):
        model.sample(points, tokens[..., :4], mask)
    with pytest.raises(DexgysError, match="2 object clouds for 1 sentences"):
        model.sample(points, tokens[:1], mask[:1])


def test_cached_attention_matches_the_decoder(hand):
    """QueryDecoder.attend against a precomputed memory = forward on the repeated context (padding too),
    and IDGC.sample's cached path = denoising each grasp with the full decoder."""
    torch.manual_seed(0)
    decoder = QueryDecoder(32, 2, 4, time_conditioned=True).eval()
    context, mask = torch.randn(2, 7, 32), torch.ones(2, 7, dtype=torch.bool)
    mask[1, 5:] = False  # padded tokens of the second context
    query, temb = torch.randn(6, 32), torch.randn(6, 32)
    full = decoder(query, context.repeat_interleave(3, 0), mask.repeat_interleave(3, 0), temb)
    torch.testing.assert_close(decoder.attend(query, decoder.memory(context, mask), temb), full, atol=1e-5, rtol=0)
    with pytest.raises(DexgysError, match="split evenly"):
        decoder.attend(query[:5], decoder.memory(context, mask), temb[:5])
    model = tiny_idgc(hand).eval()
    batch = idgc_batch(hand)
    tokens, tmask, points = batch["text_tokens"][:2], batch["text_mask"][:2], batch["object_points"]
    context, cmask = model.condition(points, tokens, tmask)
    x_t, t = torch.randn(4, model.normalizer.dim), torch.tensor([3, 3, 7, 7])
    torch.testing.assert_close(
        model._denoise_cached(x_t, t, model.decoder.memory(context, cmask)),
        model.denoise(x_t, t, context.repeat_interleave(2, 0), cmask.repeat_interleave(2, 0)),
        atol=1e-5,
        rtol=0,
    )


def test_idgc_text_dropout_and_classifier_free_guidance(hand):
    batch = idgc_batch(hand)
    tokens, mask, points = batch["text_tokens"][:2], batch["text_mask"][:2], batch["object_points"]
    plain = tiny_idgc(hand).eval()
    with pytest.raises(DexgysError, match="without text dropout"):
        plain.sample(points, tokens, mask, guidance_scale=2.0)
    model = tiny_idgc(hand, text_dropout=0.5)
    # text dropout draws from the batch generator: the loss is a deterministic function of it and differs
    # from the plain model's (same weights, same generator) because some grasps lose their text
    plain.train()
    a = model.train().loss(batch, torch.Generator().manual_seed(3))["total"]
    assert torch.equal(a, model.loss(batch, torch.Generator().manual_seed(3))["total"])
    assert not torch.equal(a, plain.loss(batch, torch.Generator().manual_seed(3))["total"])
    model.eval()

    def run(scale):
        generator = torch.Generator().manual_seed(0)
        return model.sample(
            points, tokens, mask, n=3, generator=generator, sampler="ddim", steps=4, guidance_scale=scale
        )

    guided = run(2.5)
    assert torch.isfinite(guided).all() and torch.equal(guided, run(2.5)) and not torch.allclose(guided, run(1.0))
    with pytest.raises(DexgysError, match="at least 1"):
        run(0.5)


# ---------------------------------------------------------------------- QGC
def test_qgc_starts_as_identity_and_refines_shapes(hand):
    model = tiny_qgc(hand).eval()
    batch = idgc_batch(hand)
    coarse = batch["coarse"].view(2, 2, 28)
    refined = model.refine(batch["object_points"], coarse)
    assert refined.shape == (2, 2, 28)
    expected = record_to_vector(coarse)
    expected = torch.cat([expected[..., :9], torch.clamp(expected[..., 9:], hand.joint_lower, hand.joint_upper)], -1)
    torch.testing.assert_close(record_to_vector(refined), expected, atol=1e-5, rtol=0)
    assert model.refine(batch["object_points"], batch["coarse"][::2]).shape == (2, 28)


def test_qgc_refines_in_chunks_as_in_one_pass(hand, monkeypatch):
    model = tiny_qgc(hand)
    batch = idgc_batch(hand)
    train_steps(model, batch, 3)  # away from the identity it starts as
    model.eval()
    coarse = batch["coarse"].view(2, 2, 28)
    with torch.no_grad():
        whole = model.refine(batch["object_points"], coarse)
        monkeypatch.setattr(qgc_module, "REFINE_CHUNK", 3)  # 4 grasps: passes of 3 and 1, across the two clouds
        chunked = model.refine(batch["object_points"], coarse)
    assert (whole - coarse).abs().max() > 1e-4
    torch.testing.assert_close(chunked, whole, atol=1e-5, rtol=0)


def test_qgc_loss_backward_and_overfit(hand):
    model = tiny_qgc(hand)
    batch = idgc_batch(hand)
    out = model.loss(batch)
    assert set(out) == {"total", "para", "chamfer", "penetration", "self_penetration", "contact", "named_contact"}
    assert all(torch.isfinite(v) for v in out.values()) and out["named_contact"] == 0  # no named points given
    out["total"].backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())
    model.zero_grad()
    before, after = train_steps(model, batch, 10)
    assert after < 0.7 * before
    with pytest.raises(DexgysError, match="object_normals"):
        model.loss({k: v for k, v in batch.items() if k != "object_normals"})


def test_qgc_named_contact_term_needs_and_uses_named_points(hand):
    torch.manual_seed(0)
    cfg = QGCConfig(
        d_model=32,
        n_layers=2,
        n_heads=2,
        dropout=0.0,
        object_encoder=TINY_PE,
        hand_encoder=TINY_PE,
        named_contact_weight=1.0,
    )
    model = QGC(cfg, hand)
    batch = idgc_batch(hand)
    with pytest.raises(DexgysError, match="named_points"):
        model.loss(batch)
    named = torch.zeros(4, len(hand.finger_names), 128, dtype=torch.bool)
    named[:, hand.finger_names.index("thumb"), :64] = True
    out = model.loss({**batch, "named_points": named})
    assert out["named_contact"] > 0
    base = {k: v for k, v in out.items() if k not in ("total", "named_contact")}
    torch.testing.assert_close(
        out["total"], sum(getattr(cfg, f"{k}_weight") * v for k, v in base.items()) + out["named_contact"]
    )


def test_named_contact_measures_named_finger_to_named_part():
    # finger 0 has two points, finger 1 one; object: part A at x = 0, part B at x = 1 m
    hand_points = torch.tensor([[[0.05, 0.0, 0.0], [0.2, 0.0, 0.0], [0.9, 0.0, 0.0]]], requires_grad=True)
    fingers = torch.tensor([0, 0, 1])
    obj = torch.tensor([[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]])
    named = torch.tensor([[[True, False], [False, False]]])  # finger 0 -> part A; finger 1 unnamed
    value = named_contact(hand_points, fingers, obj, named)
    torch.testing.assert_close(value, torch.tensor((0.05 - 0.002) * 100))  # nearest finger-0 point, in cm
    value.backward()
    assert hand_points.grad[0, 0, 0] > 0 and hand_points.grad[0, 1:].abs().sum() == 0  # pulls that point in
    both = torch.tensor([[[True, False], [False, True]]])  # finger 1 -> part B, 0.1 m away
    torch.testing.assert_close(named_contact(hand_points, fingers, obj, both), torch.tensor((4.8 + 9.8) / 2))
    assert named_contact(hand_points, fingers, obj, torch.zeros_like(named)) == 0
    touching = torch.tensor([[[0.001, 0.0, 0.0], [0.2, 0.0, 0.0], [0.9, 0.0, 0.0]]])
    assert named_contact(touching, fingers, obj, named) == 0  # within the 2 mm tolerance
    with pytest.raises(DexgysError, match="do not match"):
        named_contact(hand_points, fingers, obj, named[:, :, :1])


def test_named_contact_pairs_kd_tree_and_dense_agree():
    g = torch.Generator().manual_seed(0)
    hand_points, obj = torch.rand(3, 40, 3, generator=g), torch.rand(3, 60, 3, generator=g)
    fingers = torch.randint(0, 4, (40,), generator=g)
    named = torch.rand(3, 5, 60, generator=g) > 0.6  # finger 4 has no points
    named[1, 2] = False
    kd = _closest_named_pairs(hand_points, fingers, obj, named)
    dense = _closest_named_pairs_dense(hand_points, fingers, obj, named)
    valid = named.any(-1) & (torch.arange(5) < 4)
    for a, b in zip(kd, dense):
        assert torch.equal(a[valid], b[valid])


# ---------------------------------------------------------------------- checkpoints
def test_checkpoint_round_trip(hand, tmp_path):
    model = tiny_idgc(hand).eval()
    path = tmp_path / "idgc.pt"
    save_model(path, model, {"epoch": 7, "note": "tiny"})
    loaded, ckpt = load_model(path, hand, kind="idgc")
    assert ckpt.extra == {"epoch": 7, "note": "tiny"} and ckpt.format_version == CHECKPOINT_FORMAT_VERSION
    assert loaded.config == model.config and not loaded.training
    batch = idgc_batch(hand)
    args = (batch["object_points"], batch["text_tokens"][:2], batch["text_mask"][:2], 2)
    kw = dict(sampler="ddim", steps=4)
    expected = model.sample(*args, generator=torch.Generator().manual_seed(3), **kw)
    torch.testing.assert_close(loaded.sample(*args, generator=torch.Generator().manual_seed(3), **kw), expected)
    qgc = tiny_qgc(hand)
    save_model(tmp_path / "qgc.pt", qgc)
    assert isinstance(load_model(tmp_path / "qgc.pt", hand)[0], QGC)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idgc.pt", "qgc.pt"]  # no temporary files left


def test_checkpoint_errors(hand, tmp_path):
    model = tiny_idgc(hand)
    good = tmp_path / "good.pt"
    save_model(good, model)
    with pytest.raises(DexgysError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"\x00garbage" * 10)
    with pytest.raises(DexgysError, match="corrupt"):
        load_checkpoint(corrupt)
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[:2000])
    with pytest.raises(DexgysError, match="corrupt"):
        load_checkpoint(truncated)
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(2)}, foreign)
    with pytest.raises(DexgysError, match="not a dexgys checkpoint"):
        load_checkpoint(foreign)
    pickled = tmp_path / "pickled.pt"
    torch.save({"format": "dexgys-checkpoint", "normalizer": GraspNormalizer.from_hand(hand)}, pickled)  # code
    with pytest.raises(DexgysError, match="corrupt"):
        load_checkpoint(pickled)
    old = tmp_path / "old.pt"
    payload = torch.load(good, weights_only=True)
    torch.save({**payload, "format_version": CHECKPOINT_FORMAT_VERSION + 1}, old)
    with pytest.raises(DexgysError, match="format version"):
        load_checkpoint(old)
    with pytest.raises(DexgysError, match="IDGC model, not QGC"):
        load_model(good, hand, kind="qgc")
    with pytest.raises(DexgysError, match="unknown model kind"):
        save_checkpoint(tmp_path / "x.pt", "gan", {}, {}, model.normalizer)
    with pytest.raises(DexgysError, match="directory"):
        save_model(tmp_path / "no" / "such.pt", model)
    mismatched = tmp_path / "mismatched.pt"
    smaller = {**model.config.to_dict(), "d_model": 16, "n_heads": 2}
    save_checkpoint(mismatched, "idgc", smaller, model.state_dict(), model.normalizer)
    with pytest.raises(DexgysError, match="do not match"):
        load_model(mismatched, hand)
    with pytest.raises(DexgysError, match="no settings"):
        save_checkpoint(mismatched, "idgc", {"depth": 3}, model.state_dict(), model.normalizer)
        load_model(mismatched, hand)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_models_run_on_cuda(hand):
    cpu_batch = idgc_batch(hand)
    batch = {k: v.cuda() for k, v in cpu_batch.items()}
    args = ("object_points", "text_tokens", "text_mask")
    on_cpu = tiny_idgc(hand).eval().sample(*(cpu_batch[k][:2] for k in args), n=2, sampler="ddim", steps=4)
    idgc, qgc = tiny_idgc(hand).cuda().eval(), tiny_qgc(hand).cuda().eval()
    on_gpu = idgc.sample(*(batch[k][:2] for k in args), n=2, sampler="ddim", steps=4)
    assert on_gpu.is_cuda and on_gpu.shape == (2, 2, 28)
    torch.testing.assert_close(on_gpu.cpu(), on_cpu, atol=1e-3, rtol=0)
    assert qgc.refine(batch["object_points"], on_gpu).is_cuda
    idgc.train().loss(batch, torch.Generator("cuda").manual_seed(0))["total"].backward()
    qgc.train().loss(batch)["total"].backward()
