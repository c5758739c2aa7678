"""The finger-contact predictor: the model, its training stage, its place in the model file and the polish."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
import torch

import dexgys.cli.main as cli_main
from dexgys.errors import DexgysError
from dexgys.hands import HandPose, load_hand
from dexgys.models import load_checkpoint, load_model
from dexgys.models.finger_contacts import HAND_PARTS, FingerContactConfig, FingerContactPredictor
from dexgys.objects.resolve import resolve_object
from dexgys.pipeline import GraspGenerator
from dexgys.synthesis.polish import PolishEnergy
from dexgys.synthesis.polish_config import PolishConfig
from dexgys.synthesis.synthesize import object_field
from dexgys.training import TrainConfig, finger_labels, train_finger_contacts

TINY_DATA = Path(__file__).parent / "fixtures" / "dexgys_tiny"
TINY_CONFIG = TINY_DATA / "tiny_config.json"


# ---------------------------------------------------------------------- the model
def test_predictor_reads_each_sentence_alone_and_ignores_padding():
    torch.manual_seed(0)
    model = FingerContactPredictor(FingerContactConfig(text_dim=8, d_model=16)).eval()
    tokens = torch.randn(2, 5, 8)
    mask = torch.tensor([[True] * 5, [True, True, False, False, False]])
    logits = model(tokens, mask)
    assert logits.shape == (2, len(HAND_PARTS)) and torch.isfinite(logits).all()
    junk = tokens.clone()
    junk[1, 2:] = 100.0  # padded tokens of sentence 1 change nothing
    torch.testing.assert_close(model(junk, mask), logits)
    torch.testing.assert_close(model(tokens[1:, :2], mask[1:, :2]), logits[1:])
    predicted = model.predict(tokens, mask)
    assert predicted.dtype == torch.bool and torch.equal(predicted, torch.sigmoid(logits) > 0.5)
    with pytest.raises(DexgysError, match=r"tokens \(B, L, 8\)"):
        model(torch.randn(2, 5, 7), mask)
    with pytest.raises(DexgysError, match="threshold must lie in"):
        FingerContactConfig.from_dict({"threshold": 1.5})
    with pytest.raises(DexgysError, match="no settings depth"):
        FingerContactConfig.from_dict({"depth": 2})


def test_labels_are_the_records_contacts():
    records = [{"contacts": {"thumb": ["handle"], "palm": ["body"], "ring": []}}, {"contacts": {}}]
    assert finger_labels(records).tolist() == [[1, 0, 0, 0, 0, 1], [0] * 6]
    with pytest.raises(DexgysError, match="has no contacts"):
        finger_labels([{"obj_id": "mug:0"}])


# ---------------------------------------------------------------------- training
def test_training_learns_the_tiny_sets_contacts_and_resumes_exactly(config, dataset, minilm, tmp_path):
    straight = train_finger_contacts(config, dataset, tmp_path / "a", text_encoder=minilm, progress=False)
    assert straight.completed and straight.step == 40
    model, ckpt = load_model(tmp_path / "a" / "fingers.pt", None, "fingers")
    assert ckpt.extra["text_encoder"] == "minilm" and ckpt.normalizer == {} and not model.training
    tokens, mask = minilm.encode([r["guidance"] for r in dataset.records])
    labels = torch.from_numpy(finger_labels(dataset.records))
    before = FingerContactPredictor(config.fingers_config(minilm.dim))
    with torch.no_grad():
        assert float(model.loss(tokens, mask, labels)) < 0.5 * float(before.loss(tokens, mask, labels))

    part = train_finger_contacts(config, dataset, tmp_path / "b", text_encoder=minilm, max_steps=15, progress=False)
    assert part.step == 15 and not part.completed
    with pytest.raises(DexgysError, match="pass --resume"):
        train_finger_contacts(config, dataset, tmp_path / "b", text_encoder=minilm, progress=False)
    train_finger_contacts(config, dataset, tmp_path / "b", text_encoder=minilm, resume=True, progress=False)
    a = load_checkpoint(tmp_path / "a" / "fingers.pt").state_dict
    b = load_checkpoint(tmp_path / "b" / "fingers.pt").state_dict
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_config_section(config):
    raw = json.loads(TINY_CONFIG.read_text())
    del raw["fingers"]
    default = TrainConfig.from_dict(raw, "no-fingers")
    assert default.fingers.train.steps == 3000 and default.fingers_config(384) == FingerContactConfig()
    assert TrainConfig.from_dict(config.to_dict(), "again") == config
    for key, value, message in [
        ("threshold", 0.0, "threshold must lie in"),
        ("dropout", 1.0, "dropout must lie in"),
        ("text_dim", 384, "fingers.model.text_dim is not a setting"),
    ]:
        bad = json.loads(TINY_CONFIG.read_text())
        bad["fingers"]["model"][key] = value
        with pytest.raises(DexgysError, match=message):
            TrainConfig.from_dict(bad, "bad.json")


# ---------------------------------------------------------------------- the polish
def test_polish_pulls_the_named_fingers_harder():
    hand = load_hand()
    apple = resolve_object("apple:0")
    records = json.loads(gzip.decompress((TINY_DATA / "test.json.gz").read_bytes()))
    pose = HandPose.from_record(
        torch.tensor([r["dex_grasp"] for r in records[:2]], dtype=torch.float32), hand.n_dofs, hand.name
    )
    field = object_field(apple)
    config = PolishConfig().with_changes({"contacts.named_finger": 3.0})
    plain = PolishEnergy(hand, field, pose, config)
    named = torch.tensor([[True, False, False, False, False, True]] * 2)
    pulled = PolishEnergy(hand, field, pose, config, named_fingers=named)
    assert torch.equal(plain.engaged, pulled.engaged) and (plain.group_scale == 1).all()
    assert set(pulled.group_scale.unique().tolist()) == {1.0, 3.0}
    assert int((pulled.group_scale == 3).sum()) == 2 * (3 + 1)  # the thumb's three phalanges and the palm
    moved = HandPose(pose.translation + 0.003, pose.rotation, pose.joints)
    _, plain_terms = plain(moved)
    _, pulled_terms = pulled(moved)
    assert (pulled_terms["contact"] > plain_terms["contact"]).all()
    none = PolishEnergy(hand, field, pose, config, named_fingers=torch.zeros(2, 6, dtype=torch.bool))
    torch.testing.assert_close(none(moved)[1]["contact"], plain_terms["contact"])
    with pytest.raises(DexgysError, match=r"named_fingers must have shape \(2, 6\)"):
        PolishEnergy(hand, field, pose, config, named_fingers=named[:, :5])


# ---------------------------------------------------------------------- the model file
def test_train_export_and_generate_with_the_predictor(tmp_path, capsys):
    common = ["--config", str(TINY_CONFIG), "--data", str(TINY_DATA), "--out", str(tmp_path)]
    assert cli_main.main(["train", "idgc", *common, "--max-steps", "2"]) == 0
    assert cli_main.main(["train", "fingers", *common]) == 0
    out = capsys.readouterr().out
    assert "fingers: done" in out and "fingers.pt" in out
    model = tmp_path / "model.pt"
    assert (
        cli_main.main(
            [
                "train",
                "export",
                "--idgc",
                str(tmp_path / "idgc.pt"),
                "--fingers",
                str(tmp_path / "fingers.pt"),
                "--out",
                str(model),
            ]
        )
        == 0
    )
    assert "IDGC + finger-contact predictor" in capsys.readouterr().out
    assert (
        cli_main.main(
            [
                "train",
                "export",
                "--idgc",
                str(tmp_path / "idgc.pt"),
                "--fingers",
                str(tmp_path / "idgc.pt"),
                "--out",
                str(tmp_path / "bad.pt"),
            ]
        )
        == 2
    )
    assert "holds a IDGC model, not FINGERS" in capsys.readouterr().err and not (tmp_path / "bad.pt").exists()

    text = "hold the mug by its handle with all five fingers"
    with_fingers = GraspGenerator.from_pretrained(model)
    assert with_fingers.fingers is not None and not with_fingers.fingers.training
    result = with_fingers.generate("mug:3", text, n=2, seed=0, sampler="ddim", steps=2, oversample=1)
    assert result.touching is not None and set(result.touching) <= set(HAND_PARTS)
    expected = with_fingers.fingers.predict(*with_fingers.text_encoder.encode([text]))[0]
    assert result.touching == tuple(p for p, on in zip(HAND_PARTS, expected.tolist()) if on)
    from_dir = GraspGenerator.from_pretrained(tmp_path)
    assert from_dir.fingers is not None
    np.testing.assert_array_equal(
        from_dir.generate("mug:3", text, n=2, seed=0, sampler="ddim", steps=2, oversample=1).records, result.records
    )
    without = GraspGenerator.from_checkpoints(tmp_path / "idgc.pt")
    assert without.fingers is None
    assert without.generate("mug:3", text, n=2, seed=0, sampler="ddim", steps=2).touching is None

    # the named fingers change two things: their pull (contacts.named_finger) and their clearance
    polish = with_fingers.polish_config.with_changes({"contacts.named_finger": 1.0, "margins.named_penetration": None})
    with_fingers.polish_config = polish
    neutral = with_fingers.generate("mug:3", text, n=2, seed=0, sampler="ddim", steps=2, oversample=1)
    without.polish_config = polish
    np.testing.assert_array_equal(
        neutral.records, without.generate("mug:3", text, n=2, seed=0, sampler="ddim", steps=2, oversample=1).records
    )
