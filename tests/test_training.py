"""Training layer: configs, object-grouped batches, cached text features, the loop, exact resume, QGC pairs."""

from __future__ import annotations

import copy
import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

from dexgys.errors import DexgysError
from dexgys.hands import load_hand
from dexgys.models import IDGC, load_checkpoint, load_model
from dexgys.models.grasp_repr import GraspHand, record_to_vector
from dexgys.models.losses import hand_chamfer
from dexgys.models.text_encoder import TextEncoder
from dexgys.training import (
    BatchBuilder,
    ObjectGroupedBatchSampler,
    ObjectTable,
    TrainConfig,
    Trainer,
    config_names,
    load_or_build_qgc_pairs,
    load_train_config,
    lr_factor,
    precompute_text_features,
    train_idgc,
    train_qgc,
)
from dexgys.training import qgc_pairs as qgc_pairs_module
from dexgys.training.qgc_pairs import chamfer_matrix

TINY_DATA = Path(__file__).parent / "fixtures" / "dexgys_tiny"
TINY_CONFIG = TINY_DATA / "tiny_config.json"  # 256-point clouds, a 128-point hand, d_model 32, 6 + 4 steps
TINY_PE = json.loads(TINY_CONFIG.read_text())["idgc"]["model"]["point_encoder"]


def tiny_config(**train) -> dict:
    """The tiny test config as a dict, with ``train`` settings replacing those of both stages."""
    raw = json.loads(TINY_CONFIG.read_text())
    for stage in ("idgc", "qgc"):
        raw[stage]["train"].update(train)
    return raw


@pytest.fixture(scope="module")
def trained(tmp_path_factory, dataset, minilm) -> Path:
    """A tiny IDGC (6 steps) and QGC (4 steps) run."""
    out = tmp_path_factory.mktemp("run")
    config = TrainConfig.from_dict(tiny_config(), "tiny")
    train_idgc(config, dataset, out, text_encoder=minilm, progress=False)
    train_qgc(config, dataset, out, out / "idgc.pt", text_encoder=minilm, progress=False)
    return out


# ---------------------------------------------------------------------- configs
def test_shipped_configs():
    assert {"cpu", "paper"} <= set(config_names())
    paper = load_train_config("paper")
    assert paper.idgc.train.epochs == 100 and paper.qgc.train.epochs == 20
    for stage in (paper.idgc, paper.qgc):
        t = stage.train
        assert t.batch_size == 64 and (t.lr, t.min_lr, t.weight_decay) == (2e-4, 2e-5, 5e-6)
    assert paper.idgc_config(384).diffusion_steps == 100 and paper.idgc_config(384).para_weight == 10
    q = paper.qgc_config()
    assert (q.para_weight, q.chamfer_weight, q.penetration_weight, q.self_penetration_weight, q.contact_weight) == (
        10,
        1,
        100,
        10,
        10,
    )
    cpu = load_train_config("cpu")
    assert cpu.idgc.train.steps == 15000 and cpu.qgc.train.steps == 7000
    assert (cpu.idgc.train.objects_per_batch, cpu.idgc.train.grasps_per_object) == (8, 4)
    assert cpu.data.hand_surface_points == 512 and cpu.data.object_points == 1024
    assert cpu.idgc_config(384).d_model == 256 and cpu.qgc_config().n_layers == 4
    assert "hour" in cpu.notes and paper.notes
    assert TrainConfig.from_dict(cpu.to_dict(), "again") == cpu
    assert cpu.replace_seed(5).seed == 5


def _with(path: str, value):
    """The tiny config with the JSON path ``a.b.c`` set to ``value`` (``...`` deletes it)."""
    raw = copy.deepcopy(tiny_config())
    *parents, last = path.split(".")
    node = raw
    for key in parents:
        node = node[key]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return raw


@pytest.mark.parametrize(
    "path, value, message",
    [
        ("optimizer", {}, "optimizer is not a setting"),
        ("idgc.train.lrr", 1e-3, "idgc.train.lrr is not a setting"),
        ("idgc.model.depth", 3, "idgc.model.depth is not a setting"),
        ("idgc.model.text_dim", 384, "idgc.model.text_dim is not a setting"),
        ("idgc.train.lr", "fast", "idgc.train.lr must be a finite number"),
        ("qgc.train.lr", -1.0, "qgc.train.lr must be positive"),
        ("idgc.train.epochs", 3, "exactly one of 'steps' and 'epochs'"),
        ("qgc.train.steps", ..., "exactly one of 'steps' and 'epochs'"),
        ("idgc.train.objects_per_batch", True, "must be an integer"),
        ("idgc.train.min_lr", 1.0, "must not exceed lr"),
        ("qgc.pairs.sampler", "euler", "qgc.pairs.sampler must be one of ddpm, ddim"),
        ("qgc.pairs.sampler", "ddpm", "must be null for the ddpm sampler"),
        ("idgc.model.n_heads", 3, "must be a multiple of n_heads"),
        ("idgc.model.dropout", 1.5, "dropout must lie in"),
        ("idgc.model.schedule", "sqrt", "schedule must be one of"),
        ("qgc.model.hand_encoder", {**TINY_PE, "centroids": [256, 16, 4]}, "the cloud has 128 points"),
        ("idgc.model.point_encoder", {**TINY_PE, "levels": 3}, "idgc.model is invalid"),
        ("data.text_encoder", "bert", "data.text_encoder must be one of"),
        ("seed", -1, "seed must be >= 0"),
    ],
)
def test_config_errors(path, value, message):
    with pytest.raises(DexgysError, match=message):
        TrainConfig.from_dict(_with(path, value), "bad.json")


def test_config_files(tmp_path):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(tiny_config()))
    assert load_train_config(path).idgc.train.steps == 6
    assert load_train_config(str(path)).name == "tiny"
    with pytest.raises(DexgysError, match="unknown training config 'gpu'; shipped configs: .*cpu"):
        load_train_config("gpu")
    with pytest.raises(DexgysError, match="does not exist"):
        load_train_config(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x",')
    with pytest.raises(DexgysError, match="not valid JSON"):
        load_train_config(bad)


# ---------------------------------------------------------------------- batches
def test_sampler_groups_objects_and_is_deterministic():
    counts = {"a": 7, "b": 3, "c": 1, "d": 4, "e": 9, "f": 2}
    objects = [name for name, n in counts.items() for _ in range(n)]
    sampler = ObjectGroupedBatchSampler(objects, objects_per_batch=3, examples_per_object=2, seed=0)
    assert sampler.chunks_per_epoch == 4 + 2 + 1 + 2 + 5 + 1 and sampler.nominal_batches_per_epoch() == 5
    batches = sampler.batches(0)
    assert 1 <= len(batches) <= 5
    for batch in batches:
        assert len(batch) == 6
        owners = [objects[i] for i in batch]
        assert all(owners[j] == owners[j + 1] for j in (0, 2, 4))  # m examples of one object, consecutive
        assert len({owners[0], owners[2], owners[4]}) == 3  # k distinct objects
    again = ObjectGroupedBatchSampler(objects, 3, 2, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(batches, again.batches(0)))
    assert not all(np.array_equal(a, b) for a, b in zip(batches, sampler.batches(1)))
    other_seed = ObjectGroupedBatchSampler(objects, 3, 2, seed=1).batches(0)
    assert not all(np.array_equal(a, b) for a, b in zip(batches, other_seed))
    even = ObjectGroupedBatchSampler([o for o in "abcd" for _ in range(4)], 2, 2, seed=3)
    epoch = even.batches(0)
    assert len(epoch) == 4 and sorted(np.concatenate(epoch).tolist()) == list(range(16))  # every example, once
    single = ObjectGroupedBatchSampler(["x", "y", "y", "y"], 2, 3).batches(0)[0]
    assert Counter(single.tolist())[0] == 3  # an object with fewer examples repeats them
    with pytest.raises(DexgysError, match="has 2 objects; a batch needs 3"):
        ObjectGroupedBatchSampler(["x", "y"], 3, 1)


class CountingEncoder(TextEncoder):
    """A stand-in text encoder: deterministic 8-d features, one token per word; counts what it encodes."""

    name, dim, max_tokens = "counting", 8, 32

    def __init__(self):
        super().__init__()
        self.encoded: list[str] = []

    @property
    def device(self):
        return torch.device("cpu")

    def to(self, device):
        return self

    def _compute(self, sentences):
        self.encoded.extend(sentences)
        out = []
        for s in sentences:
            g = torch.Generator().manual_seed(sum(map(ord, s)))
            out.append(torch.randn(len(s.split()), self.dim, generator=g))
        return out


def test_text_features_are_computed_once_and_cached(tmp_path):
    sentences = ["hold the mug", "  hold the mug ", "use the spray bottle", "lift the can off the table"]
    first = CountingEncoder()
    feats = precompute_text_features(sentences, first, tmp_path)
    assert len(feats) == 3 and feats.dim == 8 and len(first.encoded) == 4  # 3 sentences + the probe
    assert [p.name.startswith("text-counting-3-") for p in tmp_path.iterdir()] == [True]
    tokens, mask = feats.batch(["use the spray bottle", "hold the mug"])
    assert tokens.shape == (2, 4, 8) and tokens.dtype == torch.float32 and mask.tolist()[1] == [True] * 3 + [False]
    torch.testing.assert_close(tokens[1, :3], first._compute(["hold the mug"])[0], atol=2e-3, rtol=1e-3)
    second = CountingEncoder()
    cached = precompute_text_features(list(reversed(sentences)), second, tmp_path)
    assert len(second.encoded) == 1  # only the probe: the features came from the file
    assert torch.equal(cached.batch(["hold the mug"])[0], feats.batch(["hold the mug"])[0])
    with pytest.raises(DexgysError, match="no precomputed text features"):
        feats.features("wave at the mug")
    with pytest.raises(DexgysError, match="empty"):
        precompute_text_features(["hold the mug", " "], first, tmp_path)


def test_lr_schedule():
    factors = [lr_factor(s, 100, 10, 0.1) for s in range(100)]
    assert factors[0] == pytest.approx(0.1) and factors[9] == pytest.approx(1.0) and factors[10] == pytest.approx(1.0)
    assert factors[-1] == pytest.approx(0.1) and all(a >= b for a, b in zip(factors[10:], factors[11:]))


class RepeatStream:
    """The same batch at every step (the Trainer's stream interface)."""

    epoch = 0

    def __init__(self, batch):
        self.batch = batch

    def next(self):
        return self.batch, len(self.batch["grasp"])

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


def test_idgc_steps_reduce_the_loss_on_a_tiny_batch(dataset, minilm, tmp_path):
    raw = tiny_config(lr=3e-3, min_lr=3e-3, grad_clip=None, log_every=10)
    raw["idgc"]["model"]["dropout"] = 0.0
    config = TrainConfig.from_dict(raw, "tiny")
    text = precompute_text_features([r["guidance"] for r in dataset.records], minilm)
    torch.manual_seed(0)
    model = IDGC(config.idgc_config(text.dim), load_hand(n_surface_points=128))
    table = ObjectTable(dataset, model.object_tokens.encoder)
    rows = table.rows_of([r["obj_id"] for r in dataset.records])
    grasps = np.asarray([r["dex_grasp"] for r in dataset.records], dtype=np.float32)
    builder = BatchBuilder(table, rows, grasps, sentences=[r["guidance"] for r in dataset.records], text=text)
    batch = builder(np.array([0, 1, 12, 13, 24, 25]))
    assert batch["object_points"].shape == (3, 256, 3)
    assert batch["object_index"].tolist() == [2, 2, 1, 1, 0, 0]  # clouds in row order: bottle, can, mug

    def fixed_loss():
        with torch.no_grad():
            return float(model.loss(batch, torch.Generator().manual_seed(0))["total"])

    before = fixed_loss()
    trainer = Trainer(
        model,
        lambda m, b, g: m.loss(b, g),
        RepeatStream(batch),
        config.idgc.train,
        40,
        tmp_path,
        "idgc",
        seed=0,
        identity={},
        progress=False,
    )
    result = trainer.run()
    assert result.completed and result.step == 40
    model.eval()
    assert fixed_loss() < 0.7 * before
    rows = (tmp_path / "idgc-log.csv").read_text().splitlines()
    assert rows[0].startswith("step,epoch,lr,para,chamfer,total,grad_norm") and len(rows) == 5


# ---------------------------------------------------------------------- runs, resume
def test_exact_resume_and_checkpoints(tmp_path, dataset, minilm, trained):
    config = TrainConfig.from_dict(tiny_config(), "tiny")
    part = train_idgc(config, dataset, tmp_path, text_encoder=minilm, max_steps=3, progress=False)
    assert part.step == 3 and not part.completed
    assert load_checkpoint(tmp_path / "idgc.pt").extra["completed"] is False
    with pytest.raises(DexgysError, match="already exists: pass --resume"):
        train_idgc(config, dataset, tmp_path, text_encoder=minilm, progress=False)
    with pytest.raises(DexgysError, match="another config, seed"):
        train_idgc(config.replace_seed(1), dataset, tmp_path, text_encoder=minilm, resume=True, progress=False)
    done = train_idgc(config, dataset, tmp_path, text_encoder=minilm, resume=True, progress=False)
    assert done.step == 6 and done.completed
    resumed = load_checkpoint(tmp_path / "idgc.pt").state_dict
    straight = load_checkpoint(trained / "idgc.pt").state_dict
    assert resumed.keys() == straight.keys() and all(torch.equal(resumed[k], straight[k]) for k in straight)
    log_steps = [int(line.split(",")[0]) for line in (tmp_path / "idgc-log.csv").read_text().splitlines()[1:]]
    assert log_steps == [2, 3, 4, 6]
    with pytest.raises(DexgysError, match="nothing to resume"):
        train_idgc(config, dataset, tmp_path / "other", text_encoder=minilm, resume=True, progress=False)


def test_final_checkpoints_load_without_code(trained):
    for stage in ("idgc", "qgc"):
        payload = torch.load(trained / f"{stage}.pt", weights_only=True)
        assert payload["model_kind"] == stage and "training_state" not in payload["extra"]
        extra = payload["extra"]
        assert (extra["text_encoder"], extra["object_points"], extra["hand_surface_points"]) == ("minilm", 256, 128)
        assert extra["completed"] and extra["steps"] == (6 if stage == "idgc" else 4)
        model, _ = load_model(trained / f"{stage}.pt", load_hand(n_surface_points=128), stage)
        assert not model.training
        assert "training_state" in torch.load(trained / f"{stage}-state.pt", weights_only=True)["extra"]
    header = (trained / "qgc-log.csv").read_text().splitlines()[0]
    assert "penetration" in header and "contact" in header and "named_contact" in header


def test_object_table_named_points(dataset):
    from dexgys.models.point_encoder import PointEncoder, PointEncoderConfig

    table = ObjectTable(dataset, PointEncoder(PointEncoderConfig.from_dict(TINY_PE)))
    record = next(r for r in dataset.records if r["contacts"])
    row = int(table.rows_of([record["obj_id"]])[0])
    fingers = ("thumb", "forefinger", "middle", "ring", "little", "palm")
    named = table.named_points(row, record["contacts"], fingers)
    assert named.shape == (6, 256)
    names = table.part_names[row]
    for f, finger in enumerate(fingers):
        wanted = [names.index(p) for p in record["contacts"].get(finger, [])]
        expected = np.isin(table.parts[row].numpy(), wanted) if wanted else np.zeros(256, bool)
        assert np.array_equal(named[f].numpy(), expected)
    assert named.any()
    assert not table.named_points(row, {"thumb": ["no such part"]}, fingers).any()


def test_qgc_pairs_match_same_object_and_intent(trained, dataset, minilm, monkeypatch, tmp_path):
    config = TrainConfig.from_dict(tiny_config(), "tiny")
    hand = GraspHand(load_hand(n_surface_points=128))
    idgc, _ = load_model(trained / "idgc.pt", hand.hand, "idgc")
    table = ObjectTable(dataset, idgc.object_tokens.encoder)
    text = precompute_text_features([r["guidance"] for r in dataset.records], minilm)
    args = (trained / "idgc.pt", idgc, dataset, table, text, hand, config.qgc.pairs, config.seed)
    cache = tmp_path / "cache"
    shutil.copytree(trained / "cache", cache)
    pairs = load_or_build_qgc_pairs(cache, *args)  # made by the qgc run: read from its cache
    assert len(pairs) == 2 * len(dataset) and pairs.coarse.shape == (60, 28)
    assert np.array_equal(pairs.source, np.repeat(np.arange(30), 2))
    records = dataset.records
    for s, t in zip(pairs.source, pairs.target):
        assert (records[s]["obj_id"], records[s]["action_id"]) == (records[t]["obj_id"], records[t]["action_id"])
    # the target is the nearest same-group grasp by hand Chamfer (checked against the loss function)
    for p in (0, 7, 33):
        group = [
            i
            for i, r in enumerate(records)
            if (r["obj_id"], r["action_id"])
            == (records[pairs.source[p]]["obj_id"], records[pairs.source[p]]["action_id"])
        ]
        coarse_pts = hand.surface_points(record_to_vector(torch.from_numpy(pairs.coarse[p : p + 1])))
        gt_pts = hand.surface_points(record_to_vector(torch.tensor([records[i]["dex_grasp"] for i in group])))
        d = hand_chamfer(coarse_pts.expand(len(group), -1, -1), gt_pts)
        assert group[int(d.argmin())] == pairs.target[p]
        assert pairs.distance[p] == pytest.approx(float(d.min()), rel=1e-3)
        torch.testing.assert_close(chamfer_matrix(coarse_pts, gt_pts)[0], d, rtol=1e-3, atol=1e-6)
    # cached: not rebuilt for the same IDGC file; rebuilt when the file changes
    monkeypatch.setattr(qgc_pairs_module, "build_qgc_pairs", lambda *a, **k: pytest.fail("rebuilt"))
    again = load_or_build_qgc_pairs(cache, *args)
    assert np.array_equal(again.coarse, pairs.coarse) and again.key == pairs.key
    monkeypatch.undo()
    changed = tmp_path / "idgc-copy.pt"
    changed.write_bytes((trained / "idgc.pt").read_bytes() + b"\0")
    rebuilt = load_or_build_qgc_pairs(cache, changed, *args[1:])
    assert rebuilt.key != pairs.key and np.array_equal(rebuilt.coarse, pairs.coarse)  # same weights, same seed


# ---------------------------------------------------------------------- torchrun
def _torchrun(args: list[str], cwd: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        "-m",
        "dexgys",
        "train",
        *args,
    ]
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


def test_torchrun_trains_both_stages_on_two_processes_and_resumes_exactly(trained, tmp_path):
    common = ["--config", str(TINY_CONFIG), "--data", str(TINY_DATA)]
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    _torchrun(["idgc", *common, "--out", str(whole)], tmp_path)
    _torchrun(["idgc", *common, "--out", str(parts), "--max-steps", "3"], tmp_path)
    _torchrun(["idgc", *common, "--out", str(parts), "--resume"], tmp_path)
    a = torch.load(whole / "idgc.pt", weights_only=True)
    b = torch.load(parts / "idgc.pt", weights_only=True)
    assert a["extra"]["completed"] and a["extra"]["steps"] == 6
    assert all(torch.equal(a["state_dict"][k], b["state_dict"][k]) for k in a["state_dict"])  # exact resume
    single = torch.load(trained / "idgc.pt", weights_only=True)  # one process: half the batches per step
    assert not all(torch.equal(a["state_dict"][k], single["state_dict"][k]) for k in a["state_dict"])
    rows = (whole / "idgc-log.csv").read_text().splitlines()
    assert rows[0].startswith("step,epoch,lr,para,chamfer,total") and len(rows) == 4  # one writer, 3 rows
    _torchrun(["qgc", *common, "--out", str(whole)], tmp_path)
    model, _ = load_model(whole / "qgc.pt", load_hand(n_surface_points=128), "qgc")
    assert all(torch.isfinite(p).all() for p in model.parameters())
