"""End to end: tiny training from the command line -> export -> GraspGenerator -> ``dexgys generate``."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

import dexgys.cli.main as cli_main
import dexgys.pipeline as pipeline
from dexgys.data.grasp_dataset import check_records
from dexgys.data.grasp_file import read_grasp_file
from dexgys.errors import DexgysError
from dexgys.evaluation.predictions import read_predictions
from dexgys.generation_config import GenerationConfig
from dexgys.geometry.object_field import ObjectField
from dexgys.hands import load_hand
from dexgys.language.brief import intent_from_action_id
from dexgys.language.reading import infer_intent
from dexgys.models import load_checkpoint
from dexgys.models.finger_contacts import HAND_PARTS
from dexgys.models.generator_file import export_generator
from dexgys.objects.resolve import resolve_object
from dexgys.pipeline import GraspGenerator
from dexgys.sim.quality import grasp_q1, max_penetration
from dexgys.synthesis.polish_config import PolishConfig
from dexgys.synthesis.polisher import WORDS_PENALTY, Polisher, PolishRun, PolishTargets, selection_score

TINY_DATA = Path(__file__).parent / "fixtures" / "dexgys_tiny"
TINY_CONFIG = TINY_DATA / "tiny_config.json"  # 256-point clouds, a 128-point hand, d_model 32, 6 + 4 steps
INSTRUCTION = "hold the mug by its handle with all five fingers"


def cli(argv: list[str]) -> int:
    return cli_main.main(argv)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """``dexgys train idgc``, ``train qgc`` and ``train export`` on the tiny dataset with a tiny config."""
    out = tmp_path_factory.mktemp("train")
    common = ["--config", str(TINY_CONFIG), "--data", str(TINY_DATA), "--out", str(out)]
    assert cli(["train", "idgc", *common]) == 0
    assert cli(["train", "qgc", *common]) == 0
    assert (
        cli(
            [
                "train",
                "export",
                "--idgc",
                str(out / "idgc.pt"),
                "--qgc",
                str(out / "qgc.pt"),
                "--out",
                str(out / "model.pt"),
            ]
        )
        == 0
    )
    return out


@pytest.fixture(scope="module")
def generator(run_dir) -> GraspGenerator:
    return GraspGenerator.from_pretrained(run_dir / "model.pt")


def test_generate_api(generator):
    result = generator.generate("mug:3", INSTRUCTION, n=5, seed=7)
    assert result.records.shape == (5, 28) and result.coarse.shape == (5, 28) and result.refined
    assert np.isfinite(result.records).all() and not np.allclose(result.records, result.coarse)
    hand = load_hand()
    assert (result.records[:, 6:] >= hand.joint_lower.numpy() - 1e-6).all()
    assert (result.records[:, 6:] <= hand.joint_upper.numpy() + 1e-6).all()
    head = {k: v for k, v in result.grasps[0].items() if k not in ("dex_pregrasp_joints", "dex_squeeze_joints")}
    assert head == {
        "cate_id": "mug",
        "obj_id": "mug:3",
        "action_id": "0002",
        "guidance": INSTRUCTION,
        "dex_grasp": result.records[0].tolist(),
    }
    assert len(result.grasps[0]["dex_squeeze_joints"]) == 22 and result.reading.intent == "hold"
    assert set(result.timings) == {"object", "text", "idgc", "qgc", "polish", "stages", "total"}
    assert result.polished and result.guidance_scale == 1.0 and not np.allclose(result.records, result.unpolished)
    again = generator.generate("mug:3", f"  {INSTRUCTION} ", n=5, seed=7)
    assert np.array_equal(again.records, result.records)
    assert not np.allclose(generator.generate("mug:3", INSTRUCTION, n=5, seed=8).records, result.records)
    coarse = generator.generate("mug:3", INSTRUCTION, n=5, seed=7, refine=False, polish=False)
    assert not coarse.refined and np.array_equal(coarse.records, coarse.coarse)
    assert np.array_equal(coarse.coarse, result.candidates["coarse"][:5])  # candidate batch 0 = the plain draw
    unpolished = generator.generate("mug:3", INSTRUCTION, n=5, seed=7, polish=False)
    assert not unpolished.polished and np.array_equal(unpolished.records, result.candidates["unpolished"][:5])
    assert unpolished.oversample == 1 and np.isnan(unpolished.candidates["residual"]).all()
    guided = generator.generate("mug:3", INSTRUCTION, n=5, seed=7, guidance_scale=3.0)
    assert guided.guidance_scale == 3.0 and not np.allclose(guided.coarse, result.coarse)
    assert np.array_equal(
        generator.generate("mug:3", INSTRUCTION, n=5, seed=7, guidance_scale=3.0).records, guided.records
    )
    with pytest.raises(DexgysError, match="at least 1"):
        generator.generate("mug:3", INSTRUCTION, guidance_scale=0.0)
    fast = generator.generate("mug:3", INSTRUCTION, n=3, sampler="ddim", steps=4)
    assert fast.records.shape == (3, 28) and fast.sampler == "ddim"
    assert "action_id" not in generator.generate("mug:3", "the mug, please", n=1).grasps[0]


def test_generate_keeps_the_candidates_the_polish_left_cleanest(generator):
    result = generator.generate("mug:3", INSTRUCTION, n=4, seed=2, oversample=3, finalists=3)
    c = result.candidates
    assert result.oversample == 3 and c["polished"].shape == (12, 28) and c["residual"].shape == (12,)
    assert c["finalist"].all() and (c["early_residual"] > 0).all()  # no screen, but the early residuals
    assert ((c["valid_q1"] >= 0) & (c["valid_q1"] <= 1)).all() and c["valid_q1"].max() > 0
    broken = c["avoid_touched"].astype(int) + c["named_missed"]  # the words name five fingers and the handle
    np.testing.assert_allclose(
        c["score"], np.log(c["residual"]) - generator.q1_weight * c["valid_q1"] + WORDS_PENALTY * broken
    )
    assert np.array_equal(c["chosen"], np.sort(np.argsort(c["score"], kind="stable")[:4]))
    assert c["score"][c["chosen"]].max() <= np.delete(c["score"], c["chosen"]).min()
    # the candidates' valid Q1: the evaluation's Q1 on the polish's sampled field of the object, 0 where
    # a point of the object's cloud lies 5 mm or deeper inside the hand
    hand, pose = load_hand(), torch.as_tensor(result.object_frame_records(), dtype=torch.float32)
    field_q1 = grasp_q1(hand, ObjectField.build(resolve_object("mug:3"), parts=False), pose)
    depth = max_penetration(hand, None, pose, points=torch.from_numpy(result.object.points))
    np.testing.assert_allclose(c["valid_q1"][c["chosen"]], np.where(depth < 0.005, field_q1, 0.0), atol=1e-4)
    deep = result.candidates["polished"][:1].copy()
    deep[0, :3] = 0.0  # the palm at the mug's centre
    run = PolishRun(deep, np.ones(1), np.ones(1), np.zeros(1, dtype=bool))
    cloud = torch.from_numpy(result.object.points)
    runner = Polisher(load_hand(), generator.polish_config, generator.q1_weight)
    assert runner.select(run, 1, generator._surface_field(result.object), cloud).valid_q1[0] == 0.0
    assert selection_score(np.array([1.0, 2.0]), np.array([np.nan, 0.5]), 4.0).tolist() == [0.0, np.log(2.0) - 2.0]
    # a candidate breaking more orders of the words ranks after all breaking fewer, whatever its residual
    broken = selection_score(np.array([1e-6, 1e3, 1e4, 1.0]), np.full(4, np.nan), 4.0, np.array([1, 0, 1, 2]))
    assert np.argsort(broken).tolist() == [1, 0, 2, 3]
    generator.q1_weight, weight = 0.0, generator.q1_weight
    try:
        by_residual = generator.generate("mug:3", INSTRUCTION, n=4, seed=2, oversample=3, finalists=3).candidates[
            "chosen"
        ]
    finally:
        generator.q1_weight = weight
    assert np.array_equal(by_residual, np.sort(np.argsort(c["residual"], kind="stable")[:4]))
    assert np.array_equal(result.records, c["polished"][c["chosen"]])
    assert np.array_equal(result.coarse, c["coarse"][c["chosen"]])
    assert np.array_equal(result.unpolished, c["unpolished"][c["chosen"]])
    single = generator.generate("mug:3", INSTRUCTION, n=4, seed=2, oversample=1)
    # batch 0 of the candidates draws the noise oversample=1 draws; all candidates run through each stage
    # together, so the grasps agree up to float rounding
    np.testing.assert_allclose(single.records, c["polished"][:4], atol=1e-5)
    np.testing.assert_allclose(single.coarse, c["coarse"][:4], atol=1e-5)
    assert np.array_equal(
        generator.generate("mug:3", INSTRUCTION, n=4, seed=2, oversample=3, finalists=3).records, result.records
    )
    for bad in (0, 65, 2.0, True):
        with pytest.raises(DexgysError, match="oversample"):
            generator.generate("mug:3", INSTRUCTION, n=2, oversample=bad)
        with pytest.raises(DexgysError, match="finalists"):
            generator.generate("mug:3", INSTRUCTION, n=2, finalists=bad)


def test_the_screen_drops_the_candidates_with_the_highest_early_residual(generator):
    full = generator.generate("mug:3", INSTRUCTION, n=4, seed=2, oversample=3, finalists=3).candidates
    result = generator.generate("mug:3", INSTRUCTION, n=4, seed=2, oversample=3, finalists=1)
    c = result.candidates
    early, finalist = c["early_residual"], c["finalist"]
    assert finalist.sum() == 4 and not np.isnan(early).any()
    assert early[finalist].max() <= early[~finalist].min()  # the 4 lowest at the screen go on
    assert np.isnan(c["residual"][~finalist]).all() and np.isnan(c["valid_q1"][~finalist]).all()
    assert np.isinf(c["score"][~finalist]).all() and finalist[c["chosen"]].all()
    # the finalists are polished exactly as without the screen, the others stop where the screen left them
    np.testing.assert_allclose(c["polished"][finalist], full["polished"][finalist], atol=1e-5)
    np.testing.assert_allclose(c["residual"][finalist], full["residual"][finalist], rtol=1e-4)
    assert np.abs(c["polished"][~finalist] - full["polished"][~finalist]).max() > 1e-3
    assert np.array_equal(c["chosen"], np.sort(np.argsort(c["score"], kind="stable")[:4]))
    assert generator.generate("mug:3", INSTRUCTION, n=4, seed=2, oversample=3, finalists=9).candidates["finalist"].all()


def test_the_polish_in_chunks_gives_the_grasps_of_one_batch(generator, monkeypatch):
    whole = generator.generate("mug:3", INSTRUCTION, n=4, seed=2, oversample=3, finalists=1)
    from dexgys.synthesis import polisher

    monkeypatch.setattr(polisher, "POLISH_CHUNK", 5)  # 12 candidates: descents of 5, 5 and 2
    chunked = generator.generate("mug:3", INSTRUCTION, n=4, seed=2, oversample=3, finalists=1)
    a, b = whole.candidates, chunked.candidates
    assert np.array_equal(a["finalist"], b["finalist"]) and np.array_equal(a["chosen"], b["chosen"])
    assert not a["finalist"][:5].all() and a["finalist"].sum() == 4  # the screen keeps some of a chunk, not all
    np.testing.assert_allclose(b["early_residual"], a["early_residual"], rtol=1e-4)
    np.testing.assert_allclose(b["polished"], a["polished"], atol=1e-5)
    np.testing.assert_allclose(b["residual"], a["residual"], rtol=1e-4)
    np.testing.assert_allclose(chunked.records, whole.records, atol=1e-5)


def test_the_rescue_moves_only_finished_grasps_that_a_wall_left_in_the_hand(generator, monkeypatch):
    hand = load_hand()
    # with the default clearance (2 mm) the test model leaves no finalist deep; at 1 mm it leaves some
    monkeypatch.setattr(
        generator,
        "polish_config",
        generator.polish_config.with_changes({"margins.penetration": 0.001, "margins.named_penetration": None}),
    )
    result = generator.generate("mug:3", INSTRUCTION, n=4, seed=2, oversample=3, finalists=2)
    points = torch.from_numpy(result.object.points)

    def depth(records):  # input frame -> how deep the cloud reaches into each hand
        pose = hand.as_pose(torch.as_tensor(result.object.to_object_frame(records), dtype=torch.float32))
        return max_penetration(hand, result.object.object, pose, points)

    monkeypatch.setattr(generator, "polish_config", generator.polish_config.with_changes({"rescue.steps": 0}))
    plain = generator.generate("mug:3", INSTRUCTION, n=4, seed=2, oversample=3, finalists=2).candidates
    rescued = result.candidates
    was = rescued["rescued"]
    assert not plain["rescued"].any() and was.any() and plain["finalist"][was].all()
    deep = plain["finalist"] & (depth(plain["polished"]) >= generator.polish_config.rescue.depth)
    assert np.array_equal(was, deep)  # exactly the finished grasps that were deep
    assert (depth(rescued["polished"][was]) < depth(plain["polished"][was])).all()
    assert np.array_equal(rescued["polished"][~was], plain["polished"][~was])
    assert np.isfinite(rescued["residual"][was]).all()


def test_grasps_come_back_in_the_input_frame(generator):
    g = torch.Generator().manual_seed(0)
    sphere = torch.nn.functional.normalize(torch.randn(600, 3, generator=g), dim=1).numpy()
    cloud = sphere * np.array([0.04, 0.03, 0.05])  # an ellipsoid, metres
    shift = np.array([0.3, -0.1, 0.05])
    base = generator.generate(cloud, "lift the box", n=3, seed=1)
    moved = generator.generate(torch.from_numpy(cloud + shift), "lift the box", n=3, seed=1)
    assert "cate_id" not in base.grasps[0] and base.grasps[0]["action_id"] == "0003"
    np.testing.assert_allclose(moved.records[:, :3] - base.records[:, :3], np.broadcast_to(shift, (3, 3)), atol=1e-6)
    np.testing.assert_allclose(moved.records[:, 3:], base.records[:, 3:], atol=1e-6)
    np.testing.assert_allclose(moved.object_frame_records(), base.object_frame_records(), atol=1e-6)


def test_generate_cli_writes_records_and_viewers(run_dir, tmp_path, capsys):
    out, html, png = tmp_path / "grasps.json", tmp_path / "grasps.html", tmp_path / "grasps.png"
    args = [
        "generate",
        "mug:3",
        INSTRUCTION,
        "-n",
        "2",
        "--model",
        str(run_dir / "model.pt"),
        "--seed",
        "3",
        "--sampler",
        "ddim",
        "--steps",
        "5",
    ]
    assert cli([*args, "--out", str(out), "--html", str(html), "--png", str(png)]) == 0
    printed = capsys.readouterr().out
    assert "wrote" in printed
    assert re.search(r"IDGC \+ QGC \+ polish( \(\d+ rescued from a thin wall\))? \+ best 2 of 16 \(4 polished", printed)
    grasps = read_grasp_file(out)
    assert grasps.object_ref == "mug:3" and len(grasps.records) == 2 and grasps.extra["frame"] == "input"
    assert all(len(r["dex_grasp"]) == 28 and r["action_id"] == "0002" for r in grasps.records)
    assert check_records(grasps.records, str(out))[0]["action_id"] == 2  # valid DexGYSNet records
    assert "plotly" in html.read_text() and png.read_bytes()[:4] == b"\x89PNG"
    again = tmp_path / "again.json"
    assert cli([*args, "--out", str(again)]) == 0
    assert again.read_bytes() == out.read_bytes()  # the same command gives the same bytes
    assert (
        cli(
            [
                "generate",
                "mug:3",
                INSTRUCTION,
                "-n",
                "1",
                "--model",
                str(run_dir),
                "--no-refine",
                "--out",
                str(tmp_path / "dir.json"),
            ]
        )
        == 0
    )
    assert read_grasp_file(tmp_path / "dir.json").extra["refined"] is False
    assert grasps.extra["polished"] is True and grasps.extra["guidance_scale"] == 1.0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "again.json",
        "dir.json",
        "grasps.html",
        "grasps.json",
        "grasps.png",
    ]  # no temporary files left


@pytest.mark.parametrize(
    "instruction, message",
    [("", "empty"), ("   \n", "empty"), ("用食指按下喷雾器的扳机", "not English"), ("1234 !!", "no words")],
)
def test_bad_instructions(generator, run_dir, tmp_path, capsys, instruction, message):
    with pytest.raises(DexgysError, match=message):
        generator.generate("mug:3", instruction)
    out = tmp_path / "g.json"
    assert cli(["generate", "mug:3", instruction, "--model", str(run_dir), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert not out.exists()


def test_bad_objects_and_options(generator, run_dir, tmp_path, capsys):
    with pytest.raises(DexgysError, match=r"shape \(50, 4\)"):
        generator.generate(np.zeros((50, 4)), INSTRUCTION)
    with pytest.raises(DexgysError, match="cannot generate grasps for a dict"):
        generator.generate({"points": []}, INSTRUCTION)
    with pytest.raises(DexgysError, match="from 1 to"):
        generator.generate("mug:3", INSTRUCTION, n=0)
    with pytest.raises(DexgysError, match="unknown sampler"):
        generator.generate("mug:3", INSTRUCTION, sampler="euler")
    with pytest.raises(DexgysError, match="runs all 100 steps"):
        generator.generate("mug:3", INSTRUCTION, steps=10)
    bad_cloud = tmp_path / "cloud.npy"
    np.save(bad_cloud, np.zeros((100, 4)))
    out = tmp_path / "g.json"
    model = ["--model", str(run_dir / "model.pt"), "--out", str(out)]
    for argv, message in [
        (["generate", str(bad_cloud), INSTRUCTION, *model], "expected (N, 3) points"),
        (["generate", "mug:3", INSTRUCTION, "--steps", "5", *model], "--steps needs --sampler ddim"),
        (["generate", "mug:3", INSTRUCTION, "-n", "0", *model], "-n must be at least 1"),
        (["generate", "mug:3", INSTRUCTION, *model, "--html", str(tmp_path / "no" / "x.html")], "does not exist"),
    ]:
        assert cli(argv) == 2
        assert message in capsys.readouterr().err
    assert not out.exists()


def test_bad_model_files(run_dir, tmp_path, monkeypatch):
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"\x00not a model" * 20)
    with pytest.raises(DexgysError, match="corrupt"):
        GraspGenerator.from_pretrained(corrupt)
    payload = torch.load(run_dir / "model.pt", weights_only=True)
    newer = tmp_path / "newer.pt"
    torch.save({**payload, "format_version": 99}, newer)
    with pytest.raises(DexgysError, match="format version 99"):
        GraspGenerator.from_pretrained(newer)
    old_stage = tmp_path / "old-stage.pt"
    torch.save({**payload, "qgc": {**payload["qgc"], "format_version": 0}}, old_stage)
    with pytest.raises(DexgysError, match="QGC section has checkpoint format version 0"):
        GraspGenerator.from_pretrained(old_stage)
    qgc = payload["qgc"]
    mismatched = tmp_path / "mismatched.pt"
    torch.save({**payload, "qgc": {**qgc, "extra": {**qgc["extra"], "object_points": 7}}}, mismatched)
    with pytest.raises(DexgysError, match="the QGC 7: they were not trained together"):
        GraspGenerator.from_pretrained(mismatched)
    unsigned = tmp_path / "unsigned.pt"
    extra = {k: v for k, v in qgc["extra"].items() if k != "text_encoder"}
    torch.save({**payload, "qgc": {**qgc, "extra": extra}}, unsigned)
    with pytest.raises(DexgysError, match="QGC model lacks 'text_encoder'.*not written by 'dexgys train'"):
        GraspGenerator.from_pretrained(unsigned)
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(3)}, foreign)
    with pytest.raises(DexgysError, match="not a dexgys model file"):
        GraspGenerator.from_pretrained(foreign)
    with pytest.raises(DexgysError, match="holds a QGC model, not IDGC"):
        GraspGenerator.from_pretrained(run_dir / "qgc.pt")
    with pytest.raises(DexgysError, match="does not exist"):
        GraspGenerator.from_pretrained(tmp_path / "missing.pt")
    with pytest.raises(DexgysError, match="holds no idgc.pt"):
        GraspGenerator.from_pretrained(tmp_path)
    monkeypatch.setattr(pipeline, "DEFAULT_MODEL", tmp_path / "pretrained" / "dexgys-cpu.pt")
    with pytest.raises(DexgysError, match="no pretrained model is installed.*dexgys train idgc"):
        GraspGenerator.from_pretrained()
    with pytest.raises(DexgysError, match="output directory"):
        export_generator(run_dir / "idgc.pt", run_dir / "qgc.pt", tmp_path / "no" / "model.pt")
    with pytest.raises(DexgysError, match="holds a QGC model, not IDGC"):
        export_generator(run_dir / "qgc.pt", None, tmp_path / "x.pt")
    assert not (tmp_path / "x.pt").exists()


def test_export_carries_the_guidance_scale(run_dir, tmp_path, capsys):
    guided = tmp_path / "guided.pt"
    assert (
        cli(
            [
                "train",
                "export",
                "--idgc",
                str(run_dir / "idgc.pt"),
                "--qgc",
                str(run_dir / "qgc.pt"),
                "--guidance-scale",
                "2.5",
                "--out",
                str(guided),
            ]
        )
        == 0
    )
    generator = GraspGenerator.from_pretrained(guided)
    assert generator.guidance_scale == 2.5 and GraspGenerator.from_pretrained(run_dir / "model.pt").guidance_scale == 1
    result = generator.generate("mug:3", INSTRUCTION, n=2, seed=1, polish=False)
    assert result.guidance_scale == 2.5
    assert np.array_equal(
        result.records, generator.generate("mug:3", INSTRUCTION, n=2, seed=1, polish=False, guidance_scale=2.5).records
    )
    assert (
        cli(
            [
                "train",
                "export",
                "--idgc",
                str(run_dir / "idgc.pt"),
                "--guidance-scale",
                "0.5",
                "--out",
                str(tmp_path / "bad.pt"),
            ]
        )
        == 2
    )
    assert "at least 1" in capsys.readouterr().err and not (tmp_path / "bad.pt").exists()
    payload = torch.load(guided, weights_only=True)
    plain = {**payload["idgc"], "config": {**payload["idgc"]["config"], "text_dropout": 0.0}}
    torch.save({**payload, "idgc": plain}, tmp_path / "plain.pt")
    with pytest.raises(DexgysError, match="without text dropout"):
        GraspGenerator.from_pretrained(tmp_path / "plain.pt")


def test_single_stage_and_checkpoint_pairs(run_dir):
    idgc_only = GraspGenerator.from_pretrained(run_dir / "idgc.pt")
    result = idgc_only.generate("can:1", "lift the can", n=2)
    assert idgc_only.qgc is None and not result.refined
    pair = GraspGenerator.from_checkpoints(run_dir / "idgc.pt", run_dir / "qgc.pt")
    assert pair.qgc is not None and pair.object_points == 256
    assert load_checkpoint(run_dir / "idgc.pt").extra["config_name"] == "tiny"


def test_train_cli_errors(run_dir, tmp_path, capsys):
    config = TINY_CONFIG
    for argv, message in [
        (["train", "idgc", "--config", str(config), "--out", str(tmp_path / "a")], "no training data"),
        (
            [
                "train",
                "idgc",
                "--config",
                str(config),
                "--data",
                str(TINY_DATA),
                "--official",
                "x.json",
                "--out",
                str(tmp_path / "a"),
            ],
            "not both",
        ),
        (
            ["train", "qgc", "--config", str(config), "--data", str(TINY_DATA), "--out", str(tmp_path / "b")],
            "no IDGC checkpoint",
        ),
        (
            ["train", "idgc", "--config", "gpu", "--data", str(TINY_DATA), "--out", str(tmp_path / "c")],
            "unknown training config",
        ),
        (["train", "idgc", "--config", str(config), "--data", str(TINY_DATA), "--out", str(run_dir)], "pass --resume"),
        (
            [
                "train",
                "idgc",
                "--config",
                str(config),
                "--data",
                str(TINY_DATA),
                "--out",
                str(tmp_path / "d"),
                "--max-steps",
                "0",
            ],
            "--max-steps must be positive",
        ),
    ]:
        assert cli(argv) == 2
        assert message in capsys.readouterr().err


def test_infer_intent():
    for split in ("train", "test"):
        for record in json.loads(gzip.decompress((TINY_DATA / f"{split}.json.gz").read_bytes())):
            assert infer_intent(record["guidance"]) == intent_from_action_id(record["action_id"])
    assert infer_intent("Pass the knife to someone, handle first") == "hand over"
    assert infer_intent("pick the bottle up by its neck") == "lift"
    assert infer_intent("To use the sprayer, hold the body and press the trigger") == "use"
    assert infer_intent("the mug") is None


def _same_predictions(a: Path, b: Path) -> None:
    """Two predictions files hold the same records, grasps equal up to float rounding (made by different
    settings: their ``generation`` entries differ)."""
    rows_a, rows_b = read_predictions(a), read_predictions(b)
    assert [{k: v for k, v in r.items() if k not in ("dex_grasp", "generation")} for r in rows_a] == [
        {k: v for k, v in r.items() if k not in ("dex_grasp", "generation")} for r in rows_b
    ]
    np.testing.assert_allclose([r["dex_grasp"] for r in rows_a], [r["dex_grasp"] for r in rows_b], atol=1e-5)


def test_predict_then_eval_on_the_test_split(run_dir, tmp_path, capsys):
    """The tiny end-to-end path: trained model -> predictions for test conditions -> every metric."""
    preds, coarse, unpolished = tmp_path / "preds.json", tmp_path / "coarse.json", tmp_path / "unpolished.json"
    args = [
        "predict",
        "--data",
        str(TINY_DATA),
        "--model",
        str(run_dir / "model.pt"),
        "--conditions",
        "2",
        "--samples",
        "2",
        "--sampler",
        "ddim",
        "--steps",
        "3",
    ]
    assert cli([*args, "--out", str(preds), "--coarse-out", str(coarse), "--unpolished-out", str(unpolished)]) == 0
    rows = read_predictions(preds)
    assert len(rows) == 4 and sorted({r["sample"] for r in rows}) == [0, 1] and len({r["condition"] for r in rows}) == 2
    assert len(read_predictions(coarse)) == 4 and read_predictions(coarse) != read_predictions(unpolished)  # QGC
    assert read_predictions(unpolished) != rows  # the polish moved the grasps
    made = rows[-1]["generation"]  # how it was made, enough to make it again from the file alone
    assert (made["sampler"], made["steps"], made["stage"], made["n"]) == ("ddim", 3, "final", 2)
    assert read_predictions(coarse)[0]["generation"]["stage"] == "idgc"
    again = GraspGenerator.from_pretrained(made["model"])
    again.polish_config = PolishConfig.from_dict(made["polish"])
    remade = again.generate(
        rows[-1]["obj_id"],
        rows[-1]["guidance"],
        n=made["n"],
        seed=made["seed"],
        config=GenerationConfig.from_dict(
            {k: v for k, v in made.items() if k not in ("n", "seed", "model", "stage", "polish")}
        ),
    )
    np.testing.assert_allclose(remade.object_frame_records()[rows[-1]["sample"]], rows[-1]["dex_grasp"], atol=1e-9)
    no_polish = tmp_path / "no-polish.json"
    assert cli([*args, "--no-polish", "--out", str(no_polish)]) == 0
    _same_predictions(no_polish, unpolished)  # batch 0 of the candidates, up to float rounding
    idgc_only = tmp_path / "idgc-only.json"
    assert cli([*args, "--no-refine", "--no-polish", "--out", str(idgc_only)]) == 0
    _same_predictions(idgc_only, coarse)
    again, unselected = tmp_path / "again.json", tmp_path / "unselected.json"
    assert cli([*args, "--out", str(again), "--unselected-out", str(unselected)]) == 0
    assert again.read_bytes() == preds.read_bytes()
    single = tmp_path / "single.json"
    assert cli([*args, "--oversample", "1", "--out", str(single)]) == 0
    _same_predictions(single, unselected)  # the first candidates, polished
    assert cli([*args, "--no-polish", "--oversample", "2", "--out", str(tmp_path / "x.json")]) == 2
    assert "need the polish" in capsys.readouterr().err
    out = tmp_path / "results.json"
    assert cli(["eval", str(preds), "--data", str(TINY_DATA), "--no-physics", "--out", str(out)]) == 0
    metrics = json.loads(out.read_text())["metrics"]
    assert metrics["n_grasps"] == 4 and metrics["n_conditions"] == 2
    assert metrics["mean_max_penetration_cm"] >= 0 and metrics["delta_q_deg"] is not None
    assert cli(["predict", "--data", str(TINY_DATA), "--out", str(tmp_path / "x.json"), "--samples", "0"]) == 2
    assert "samples" in capsys.readouterr().err


def test_demo_generates_with_a_model_and_falls_back_without_one(run_dir, tmp_path, capsys, monkeypatch):
    out = tmp_path / "demo"
    assert cli(["demo", "--out", str(out), "--objects", "mug:0", "-n", "2", "--model", str(run_dir / "model.pt")]) == 0
    grasps = read_grasp_file(out / "mug_0.json")
    assert len(grasps.records) == 2 and "handle" in grasps.records[0]["guidance"]
    assert (out / "mug_0.html").exists() and (out / "demo.png").read_bytes()[:4] == b"\x89PNG"
    monkeypatch.setattr(pipeline, "DEFAULT_MODEL", tmp_path / "missing.pt")
    bare = tmp_path / "bare"
    assert cli(["demo", "--out", str(bare), "--objects", "mug:0"]) == 0
    assert "no trained model" in capsys.readouterr().out
    assert "not a validated grasp" in read_grasp_file(bare / "mug_0.json").records[0]["guidance"]


def test_parts_the_words_keep_free_are_kept_free_by_the_polish_and_the_selection(generator, tmp_path, monkeypatch):
    """The reading's parts to avoid reach the polish as avoid points (exactly the cloud's points on
    those parts, apart from the predictor's free points); the selection ranks the finalists that touch
    them last, judged as the evaluation judges contacts; the grasp file records the reading."""
    from dexgys.objects.catalogue import make_object
    from dexgys.synthesis.contacts import contact_facts

    seen = {}
    original = Polisher.polish

    def spy(self, field, records, keep=None, targets=PolishTargets(), points=None, obj=None):
        seen["avoid"] = targets.avoid
        return original(self, field, records, keep, targets, points, obj)

    monkeypatch.setattr(Polisher, "polish", spy)
    instruction = "Hold the mug by the body and keep the handle free."
    result = generator.generate("mug:3", instruction, n=3, seed=0, oversample=3, finalists=3)
    seen["parts"], seen["names"] = result.object.parts, result.object.object.part_names
    assert result.reading.avoid_parts == ("handle",) and result.reading.touch_parts == ("body",)
    handle = seen["parts"] == seen["names"].index("handle")
    assert handle.any() and np.array_equal(seen["avoid"], handle)
    c = result.candidates
    finalists = np.flatnonzero(c["finalist"])
    facts = contact_facts(
        load_hand("shadow"),
        make_object("mug:3"),
        torch.as_tensor(result.object.to_object_frame(c["polished"][finalists]), dtype=torch.float32),
    )
    judged = np.array(["handle" in f.parts for f in facts])
    assert np.array_equal(c["avoid_touched"][finalists], judged)
    assert not c["named_missed"].any()  # the words name no finger
    clean = int((~judged).sum())
    assert int(c["avoid_touched"][c["chosen"]].sum()) == max(0, 3 - clean)
    # named fingers on named parts: finalists with the thumb or forefinger off the handle rank after the others
    pinch = generator.generate(
        "mug:3", "Pinch the handle with your thumb and index finger.", n=3, seed=0, oversample=3, finalists=3
    ).candidates
    finalists = np.flatnonzero(pinch["finalist"])
    facts = contact_facts(
        load_hand("shadow"),
        make_object("mug:3"),
        torch.as_tensor(result.object.to_object_frame(pinch["polished"][finalists]), dtype=torch.float32),
    )
    judged = np.array([not (f.touches("thumb", "handle") and f.touches("forefinger", "handle")) for f in facts])
    assert np.array_equal(pinch["named_missed"][finalists], judged)
    assert int(pinch["named_missed"][pinch["chosen"]].sum()) == max(0, 3 - int((~judged).sum()))
    path = tmp_path / "g.json"
    result.save(path)
    import json

    assert json.loads(path.read_text())["reading"]["avoid_parts"] == ["handle"]
    # avoidance off: no avoid points, nothing marked
    monkeypatch.setattr(generator, "polish_config", generator.polish_config.with_changes({"weights.avoid": 0.0}))
    off = generator.generate("mug:3", instruction, n=3, seed=0, oversample=3, finalists=3)
    assert seen["avoid"] is None and not off.candidates["avoid_touched"].any()


def test_generate_and_dexgys_polish_run_one_polisher(generator):
    """generate's polish is the Polisher's: the same candidates through Polisher.polish give the same
    grasps bit for bit; polish_predictions (dexgys polish) runs it too."""
    from dexgys.evaluation.batch import POLISH_SURFACE_POINTS, polish_predictions
    from dexgys.evaluation.predictions import ground_truth_predictions

    result = generator.generate("mug:3", INSTRUCTION, n=4, seed=1, oversample=1)
    obj = result.object
    start = obj.to_object_frame(result.unpolished)
    named = None if result.touching is None else torch.tensor([p in result.touching for p in HAND_PARTS])
    runner = Polisher(load_hand(generator.hand), generator.polish_config, generator.q1_weight)
    cloud = torch.from_numpy(obj.points)
    regions = None if result.regions is None else torch.from_numpy(result.regions)
    targets = PolishTargets(named, regions)
    field = generator._surface_field(obj)
    alone = runner.polish(field, start, targets=targets, points=cloud)
    np.testing.assert_array_equal(alone.polished, obj.to_object_frame(result.candidates["polished"]))
    chosen = runner.select(alone, 2, field, cloud, rank=False).chosen
    assert np.array_equal(chosen, np.sort(np.argsort(alone.residual, kind="stable")[:2]))
    # dexgys polish: the runner with every grasp finished and the rescue on the object's surface points
    record = {"obj_id": "mug:3", "guidance": INSTRUCTION, "dex_grasp": start[0].tolist()}
    [prediction] = ground_truth_predictions([record])
    polished = polish_predictions([prediction], generator.polish_config, progress=False)[0]["dex_grasp"]
    surface = torch.as_tensor(
        resolve_object("mug:3").sample_surface(POLISH_SURFACE_POINTS, seed=0).points, dtype=torch.float32
    )
    plain = Polisher(load_hand("shadow"), generator.polish_config).polish(
        ObjectField.build(resolve_object("mug:3"), parts=False), start[:1], points=surface
    )
    np.testing.assert_allclose(polished, plain.polished[0], atol=1e-6)


def test_a_grasp_file_holds_what_makes_its_grasps_again(generator, tmp_path):
    """GenerationConfig: checked once, taken by generate (keywords override its fields), and written
    into the grasp file, from which the same grasps come again."""
    from dexgys.generation_config import SAMPLER_NAMES, GenerationConfig
    from dexgys.models.diffusion import SAMPLERS

    assert SAMPLER_NAMES == tuple(SAMPLERS)
    for bad, message in (
        ({"sampler": "euler"}, "unknown sampler"),
        ({"sampler": "ddim", "steps": 0}, "positive integer"),
        ({"guidance_scale": 0.5}, "at least 1"),
        ({"oversample": 65}, "from 1 to 64"),
        ({"finalists": True}, "from 1 to 64"),
        ({"polish": "yes"}, "true or false"),
    ):
        with pytest.raises(DexgysError, match=message):
            GenerationConfig(**bad)
    with pytest.raises(DexgysError, match="unknown generation setting"):
        GenerationConfig.from_dict({"samplr": "ddim"})
    with pytest.raises(DexgysError, match="unknown generation setting"):
        generator.generate("mug:3", INSTRUCTION, n=2, oversmaple=2)
    config = GenerationConfig(sampler="ddim", steps=4, oversample=2)
    result = generator.generate("mug:3", INSTRUCTION, n=2, seed=3, config=config, finalists=1)
    path = tmp_path / "g.json"
    result.save(path)
    payload = json.loads(path.read_text())
    again = GenerationConfig.from_dict(payload["generation"])
    assert again.oversample == 2 and again.finalists == 1 and again.guidance_scale == generator.guidance_scale
    assert PolishConfig.from_dict(payload["polish"]) == generator.polish_config
    twice = generator.generate("mug:3", payload["instruction"], n=payload["n"], seed=payload["seed"], config=again)
    np.testing.assert_array_equal(twice.records, result.records)
    dataclasses.replace(result, polish_settings=None).save(path)  # as made without the polish
    assert json.loads(path.read_text())["polish"] is None


def test_unmet_orders_are_said_in_words():
    from dexgys.language.reading import Reading
    from dexgys.pipeline import _unmet

    reading = Reading(intent="use", fingers=("thumb", "forefinger"), touch_parts=("trigger",), avoid_parts=("nozzle",))
    finished = np.array([True, True, True, False])
    touched, missed = np.array([False, True, False, False]), np.array([True, True, True, False])
    lines = _unmet(reading, touched, missed, finished, np.array([0, 1]))
    assert lines == (
        "1 of 2 grasps touch the nozzle, which the words keep free: only 2 of the 3 finished candidates kept off",
        "2 of 2 grasps do not put the thumb and forefinger on the trigger: only 0 of the 3 finished candidates did",
    )
    assert _unmet(reading, touched, missed, finished, np.array([0, 2]))[0].startswith("2 of 2 grasps do not")
    assert _unmet(reading, touched, np.zeros(4, dtype=bool), finished, np.array([2])) == ()


def test_generate_shows_its_stages_on_stderr_when_asked(generator, capsys):
    quick = {"n": 1, "seed": 0, "sampler": "ddim", "steps": 2, "oversample": 1}
    result = generator.generate("mug:3", INSTRUCTION, progress=True, **quick)
    err = capsys.readouterr().err
    assert "generating: reading the object" in err and "generating: polishing and choosing" in err
    assert set(result.timings) == {"object", "text", "idgc", "qgc", "polish", "stages", "total"}
    assert result.timings["total"] >= sum(v for k, v in result.timings.items() if k != "total")
    quiet = generator.generate("mug:3", INSTRUCTION, **quick)
    assert capsys.readouterr().err == ""
    np.testing.assert_array_equal(quiet.records, result.records)
