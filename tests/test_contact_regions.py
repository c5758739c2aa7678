"""The contact-region predictor: the model, its training stage, its place in the model file and the polish."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import dexgys.cli.main as cli_main
from dexgys.cli.generate_cmd import describe_touching
from dexgys.errors import DexgysError
from dexgys.hands import HandPose, load_hand
from dexgys.models import PointEncoderConfig, load_checkpoint, load_model
from dexgys.models.contact_regions import ContactRegionConfig, ContactRegionPredictor
from dexgys.models.finger_contacts import HAND_PARTS
from dexgys.objects.resolve import resolve_object
from dexgys.pipeline import GraspGenerator
from dexgys.synthesis.energy import LinkPoints
from dexgys.synthesis.polish import PolishEnergy, polish_grasps
from dexgys.synthesis.polish_config import PolishConfig, PolishWeights
from dexgys.synthesis.polisher import polish_records
from dexgys.synthesis.synthesize import object_field
from dexgys.training import BatchBuilder, ObjectTable, TrainConfig, train_contact_regions

TINY_DATA = Path(__file__).parent / "fixtures" / "dexgys_tiny"
TINY_CONFIG = TINY_DATA / "tiny_config.json"
SMALL_ENCODER = PointEncoderConfig(
    centroids=(32, 8, 2), radii=(0.03, 0.06, 0.12), neighbours=(8, 8, 2), mlps=((8,), (16,), (16,))
)


def _apple_grasps(n: int):
    """The hand, ``n`` test grasps of apple:0 as a pose, and the apple's field."""
    hand = load_hand()
    records = json.loads(gzip.decompress((TINY_DATA / "test.json.gz").read_bytes()))
    pose = HandPose.from_record(
        torch.tensor([r["dex_grasp"] for r in records[:n]], dtype=torch.float32), hand.n_dofs, hand.name
    )
    return hand, pose, object_field(resolve_object("apple:0"))


# ---------------------------------------------------------------------- the model
def test_one_logit_per_point_and_hand_part_each_instruction_alone():
    torch.manual_seed(0)
    model = ContactRegionPredictor(
        ContactRegionConfig(text_dim=8, d_model=16, n_heads=2, dropout=0.0, point_encoder=SMALL_ENCODER)
    ).eval()
    clouds = torch.rand(2, 64, 3) * 0.1
    tokens = torch.randn(3, 5, 8)
    mask = torch.tensor([[True] * 5, [True, True, False, False, False], [True] * 5])
    index = torch.tensor([0, 1, 1])
    logits = model(clouds, tokens, mask, index=index)
    assert logits.shape == (3, 64, len(HAND_PARTS)) and torch.isfinite(logits).all()
    junk = tokens.clone()
    junk[1, 2:] = 100.0  # padded tokens change nothing
    torch.testing.assert_close(model(clouds, junk, mask, index=index), logits)
    # one cloud per instruction without an index gives the same as sharing clouds through it
    torch.testing.assert_close(model(clouds[index], tokens, mask), logits)
    torch.testing.assert_close(model(clouds[1:], tokens[1:2, :2], mask[1:2, :2]), logits[1:2])
    regions = model.regions(clouds[index], tokens, mask)
    assert regions.dtype == torch.bool and torch.equal(regions, torch.sigmoid(logits) > 0.5)
    with pytest.raises(DexgysError, match=r"tokens \(B, L, 8\)"):
        model(clouds, torch.randn(3, 5, 7), mask, index=index)
    with pytest.raises(DexgysError, match="2 clouds for 3 instructions and no index"):
        model(clouds, tokens, mask)
    with pytest.raises(DexgysError, match="needs at least 32 points"):
        model(clouds[:, :16], tokens, mask, index=index)
    with pytest.raises(DexgysError, match="threshold must lie in"):
        ContactRegionConfig.from_dict({"threshold": 0.0})
    with pytest.raises(DexgysError, match="divisible by n_heads"):
        ContactRegionConfig.from_dict({"d_model": 30, "n_heads": 4})


def test_labels_are_the_points_on_the_parts_each_hand_part_touches(dataset, config, minilm):
    table = ObjectTable(dataset, ContactRegionPredictor(config.regions_config(minilm.dim)).encoder)
    records = dataset.records
    builder = BatchBuilder(
        table,
        table.rows_of([r["obj_id"] for r in records]),
        np.asarray([r["dex_grasp"] for r in records], dtype=np.float32),
        contacts=[r["contacts"] for r in records],
        fingers=HAND_PARTS,
    )
    labels = builder(np.arange(len(records)))["named_points"]  # (R, 6, N)
    for i, r in enumerate(records):
        row = table.row[r["obj_id"]]
        for f, part in enumerate(HAND_PARTS):
            names = r["contacts"].get(part, [])
            expected = np.isin([table.part_names[row][k] if k >= 0 else "" for k in table.parts[row].tolist()], names)
            assert labels[i, f].numpy().tolist() == expected.tolist()
    assert labels.any() and not labels.all()


# ---------------------------------------------------------------------- training
def test_training_learns_the_tiny_sets_regions_and_resumes_exactly(config, dataset, minilm, tmp_path):
    straight = train_contact_regions(config, dataset, tmp_path / "a", text_encoder=minilm, progress=False)
    assert straight.completed and straight.step == 30
    model, ckpt = load_model(tmp_path / "a" / "regions.pt", None, "regions")
    assert ckpt.extra["object_points"] == 256 and ckpt.normalizer == {} and not model.training
    table = ObjectTable(dataset, model.encoder)
    records = dataset.records
    rows = table.rows_of([r["obj_id"] for r in records])
    from dexgys.training.text_features import precompute_text_features

    text = precompute_text_features([r["guidance"] for r in records], minilm, tmp_path / "text", False)
    batch = BatchBuilder(
        table,
        rows,
        np.zeros((len(records), 28), dtype=np.float32),
        sentences=[r["guidance"] for r in records],
        text=text,
        contacts=[r["contacts"] for r in records],
        fingers=HAND_PARTS,
    )(np.arange(len(records)))
    torch.manual_seed(0)
    before = ContactRegionPredictor(config.regions_config(minilm.dim)).eval()
    with torch.no_grad():
        assert float(model.loss(batch)["total"]) < 0.7 * float(before.loss(batch)["total"])

    part = train_contact_regions(config, dataset, tmp_path / "b", text_encoder=minilm, max_steps=12, progress=False)
    assert part.step == 12 and not part.completed
    train_contact_regions(config, dataset, tmp_path / "b", text_encoder=minilm, resume=True, progress=False)
    a = load_checkpoint(tmp_path / "a" / "regions.pt").state_dict
    b = load_checkpoint(tmp_path / "b" / "regions.pt").state_dict
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_config_section(config):
    raw = json.loads(TINY_CONFIG.read_text())
    del raw["regions"]
    default = TrainConfig.from_dict(raw, "no-regions")
    assert default.regions.train.steps == 3000 and default.regions_config(384) == ContactRegionConfig()
    assert TrainConfig.from_dict(config.to_dict(), "again") == config
    assert config.regions_config(384).point_encoder.centroids == (64, 16, 4)
    for key, value, message in [
        ("threshold", 1.0, "threshold must lie in"),
        ("dropout", -0.1, "dropout must lie in"),
        ("text_dim", 384, "regions.model.text_dim is not a setting"),
    ]:
        bad = json.loads(TINY_CONFIG.read_text())
        bad["regions"]["model"][key] = value
        with pytest.raises(DexgysError, match=message):
            TrainConfig.from_dict(bad, "bad.json")


# ---------------------------------------------------------------------- the polish
def test_polish_pulls_a_named_finger_toward_its_region():
    hand, pose, field = _apple_grasps(2)
    points = torch.from_numpy(resolve_object("apple:0").sample_surface(512, seed=0).points).float()
    config = PolishConfig(weights=PolishWeights(region=10.0))
    named = torch.tensor([[False, True, False, False, False, False]] * 2)  # the forefinger
    far = points[:, 2] < points[:, 2].min() + 0.01  # a strip at the bottom of the apple
    everywhere = torch.ones(len(points), dtype=torch.bool)
    mask = torch.zeros(2, 6, len(points), dtype=torch.bool)
    mask[0, 1], mask[1, 1] = far, everywhere
    energy = PolishEnergy(hand, field, pose, config, named_fingers=named, regions=(points, mask))
    _, terms = energy(pose)
    assert terms["region"][0] > 0.01 and terms["region"][1] < 0.005
    # no region term for a hand part that is not named, or without regions
    unnamed = PolishEnergy(
        hand, field, pose, config, named_fingers=torch.zeros(2, 6, dtype=torch.bool), regions=(points, mask)
    )
    assert "region" not in unnamed(pose)[1] and "region" not in PolishEnergy(hand, field, pose, config)(pose)[1]
    # the descent brings the forefinger closer to the far strip than the polish without regions does
    records = pose.to_record()[:1]
    polished, _ = polish_records(hand, field, records, config, named[0], (points, mask[0].T))
    plain, _ = polish_records(hand, field, records, config, named[0])
    first = PolishEnergy(
        hand,
        field,
        HandPose.from_record(records, hand.n_dofs, hand.name),
        config,
        named_fingers=named[:1],
        regions=(points, mask[:1]),
    )

    def gap(record: np.ndarray) -> float:
        pose = HandPose.from_record(torch.tensor(record, dtype=torch.float32), hand.n_dofs, hand.name)
        return float(first._region_distance(hand.forward_kinematics(pose)))

    assert gap(polished) < gap(plain)
    with pytest.raises(DexgysError, match=r"regions must be points \(P, 3\) and a mask \(2, 6, P\)"):
        PolishEnergy(hand, field, pose, config, named_fingers=named, regions=(points, mask[:, :5]))


def test_keep_off_pushes_the_hand_off_free_points():
    hand, pose, field = _apple_grasps(1)
    config = PolishConfig(weights=PolishWeights(keep_off=10.0))
    centres = LinkPoints.swept_spheres(hand)(hand.forward_kinematics(pose))[0]
    touched = centres[::7] + 0.002  # points right at the hand
    far = torch.tensor([[1.0, 1.0, 1.0]])
    near_terms = PolishEnergy(hand, field, pose, config, free=touched)(pose)[1]
    assert near_terms["keep_off"] > 0
    assert float(PolishEnergy(hand, field, pose, config, free=far)(pose)[1]["keep_off"]) == 0.0
    assert (
        "keep_off"
        not in PolishEnergy(hand, field, pose, PolishConfig(weights=PolishWeights(keep_off=0.0)), free=touched)(pose)[1]
    )
    assert "keep_off" not in PolishEnergy(hand, field, pose, config, free=far[:0])(pose)[1]
    # the descent moves the hand away from the free points
    polished, _ = polish_records(hand, field, pose.to_record(), config, free=touched)
    moved = HandPose.from_record(torch.tensor(polished, dtype=torch.float32), hand.n_dofs, hand.name)
    assert PolishEnergy(hand, field, pose, config, free=touched)(moved)[1]["keep_off"] < near_terms["keep_off"]
    with pytest.raises(DexgysError, match=r"free points must have shape \(K, 3\)"):
        PolishEnergy(hand, field, pose, config, free=touched[:, :2])


def test_avoid_term_is_on_by_default_apart_from_the_keep_off_term():
    """The words' avoid points: on at the default weight, where the predictor's free points are off,
    and the descent moves the hand away from them."""
    hand, pose, field = _apple_grasps(1)
    config = PolishConfig()
    assert config.weights.keep_off == 0.0 and config.weights.avoid > 0
    centres = LinkPoints.swept_spheres(hand)(hand.forward_kinematics(pose))[0]
    touched = centres[::7] + 0.002
    terms = PolishEnergy(hand, field, pose, config, free=touched, avoid=touched)(pose)[1]
    assert "keep_off" not in terms and terms["avoid"] > 0
    off = PolishConfig(weights=PolishWeights(avoid=0.0))
    assert "avoid" not in PolishEnergy(hand, field, pose, off, avoid=touched)(pose)[1]
    polished = polish_grasps(hand, field, pose, config, avoid=touched).pose
    assert PolishEnergy(hand, field, pose, config, avoid=touched)(polished)[1]["avoid"] < terms["avoid"]
    with pytest.raises(DexgysError, match=r"avoid points must have shape \(K, 3\)"):
        PolishEnergy(hand, field, pose, config, avoid=touched[:, :2])


# ---------------------------------------------------------------------- the model file
def test_train_export_and_generate_with_the_regions(tmp_path, capsys):
    common = ["--config", str(TINY_CONFIG), "--data", str(TINY_DATA), "--out", str(tmp_path)]
    assert cli_main.main(["train", "idgc", *common, "--max-steps", "2"]) == 0
    assert cli_main.main(["train", "fingers", *common, "--max-steps", "5"]) == 0
    assert cli_main.main(["train", "regions", *common, "--max-steps", "5"]) == 0
    out = capsys.readouterr().out
    assert "regions: stopped at step 5" in out and "regions.pt" in out
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
                "--regions",
                str(tmp_path / "regions.pt"),
                "--out",
                str(model),
            ]
        )
        == 0
    )
    assert "IDGC + finger-contact predictor + contact-region predictor" in capsys.readouterr().out
    assert (
        cli_main.main(
            [
                "train",
                "export",
                "--idgc",
                str(tmp_path / "idgc.pt"),
                "--regions",
                str(tmp_path / "fingers.pt"),
                "--out",
                str(tmp_path / "bad.pt"),
            ]
        )
        == 2
    )
    assert "holds a FINGERS model, not REGIONS" in capsys.readouterr().err and not (tmp_path / "bad.pt").exists()

    text = "hold the mug by its handle with all five fingers"
    kw = dict(n=2, seed=0, sampler="ddim", steps=2, oversample=1)
    gen = GraspGenerator.from_pretrained(model)
    assert gen.regions is not None and not gen.regions.training
    gen.polish_config = gen.polish_config.with_changes({"weights.region": 30.0})
    result = gen.generate("mug:3", text, **kw)
    points = torch.from_numpy(result.object.points)[None]
    expected = gen.regions.regions(points, *gen.text_encoder.encode([text]))[0].numpy()
    assert result.regions.shape == (256, 6) and np.array_equal(result.regions, expected)
    from_dir = GraspGenerator.from_pretrained(tmp_path)
    assert from_dir.regions is not None
    from_dir.polish_config = gen.polish_config
    np.testing.assert_array_equal(from_dir.generate("mug:3", text, **kw).records, result.records)

    assert (
        cli_main.main(
            [
                "generate",
                "mug:3",
                text,
                "-n",
                "2",
                "--model",
                str(model),
                "--sampler",
                "ddim",
                "--steps",
                "2",
                "--oversample",
                "1",
                "--out",
                str(tmp_path / "g.json"),
            ]
        )
        == 0
    )
    touching = [line for line in capsys.readouterr().out.splitlines() if line.startswith("touching: ")]
    assert touching == [f"touching: {describe_touching(result)}"]

    without = GraspGenerator.from_checkpoints(tmp_path / "idgc.pt", fingers_path=tmp_path / "fingers.pt")
    assert without.regions is None and without.generate("mug:3", text, **kw).regions is None
    # weight 0: the regions change nothing
    gen.polish_config = without.polish_config = gen.polish_config.with_changes({"weights.region": 0.0})
    np.testing.assert_array_equal(
        gen.generate("mug:3", text, **kw).records, without.generate("mug:3", text, **kw).records
    )


def test_describe_touching_names_the_parts_of_each_region():
    parts = np.array([0, 0, 1, 1, 1, -1])
    regions = np.zeros((6, 6), dtype=bool)
    regions[[0, 2, 3], 1] = True  # forefinger: one point on the body, two on the trigger
    regions[[0, 1], 0] = True  # thumb: the body
    obj = SimpleNamespace(parts=parts, object=SimpleNamespace(part_names=["body", "trigger"]))
    result = SimpleNamespace(object=obj, regions=regions, touching=("thumb", "forefinger", "palm"))
    assert describe_touching(result) == "thumb -> body; forefinger -> trigger, body; palm"
    cloud = SimpleNamespace(object=SimpleNamespace(parts=None, object=None), regions=regions, touching=("forefinger",))
    assert describe_touching(cloud) == "forefinger (3 points)"
    assert describe_touching(SimpleNamespace(object=obj, regions=None, touching=())) == "nothing"
