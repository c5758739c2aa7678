"""The physics polish (synthesis.polish) and the point-cloud object field it uses for bare clouds."""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from dexgys.errors import DexgysError
from dexgys.geometry.object_field import ObjectField
from dexgys.hands import HandPose, load_hand
from dexgys.objects.resolve import resolve_object
from dexgys.sim.quality import max_penetration
from dexgys.synthesis.optimize import GraspDescent, OptimizerConfig
from dexgys.synthesis.polish import (
    PolishEnergy,
    early_residual,
    polish_grasps,
    rescue_polish,
    residual_energy,
    start_polish,
)
from dexgys.synthesis.polish_config import PolishConfig, PolishWeights
from dexgys.synthesis.polisher import Polisher, PolishTargets, WordOrders
from dexgys.synthesis.synthesize import object_field

TINY_TEST = Path(__file__).parent / "fixtures" / "dexgys_tiny" / "test.json.gz"  # validated apple:0 grasps


@pytest.fixture(scope="module")
def hand():
    return load_hand()


@pytest.fixture(scope="module")
def apple():
    return resolve_object("apple:0")


@pytest.fixture(scope="module")
def grasps(hand) -> HandPose:
    records = json.loads(gzip.decompress(TINY_TEST.read_bytes()))
    vec = torch.tensor([r["dex_grasp"] for r in records[:4]], dtype=torch.float32)
    return HandPose.from_record(vec, hand.n_dofs, hand.name)


def _pushed_in(pose: HandPose, depth: float) -> HandPose:
    """The grasps moved ``depth`` metres toward the object centre (the origin)."""
    t = pose.translation
    return HandPose(t - depth * t / t.norm(dim=-1, keepdim=True), pose.rotation, pose.joints)


def test_polish_pushes_the_object_out_of_the_hand_and_stays_close(hand, apple, grasps):
    sunk = _pushed_in(grasps, 0.02)
    before = max_penetration(hand, apple, sunk)
    assert (before > 0.006).all()  # each fails the 5 mm pre-check
    result = polish_grasps(hand, object_field(apple), sunk)
    after = max_penetration(hand, apple, result.pose)
    assert (after < 0.004).all(), after
    moved = (result.pose.translation - sunk.translation).norm(dim=-1)
    assert (moved < 0.02).all()  # the anchor keeps the grasp where the generator put it
    assert (result.energy < result.energy_start).all()
    joints = result.pose.joints
    assert (joints >= hand.joint_lower - 1e-6).all() and (joints <= hand.joint_upper + 1e-6).all()


def test_only_phalanges_near_the_object_are_pulled(hand, apple, grasps):
    far = HandPose(grasps.translation + torch.tensor([0.0, 0.0, 0.5]), grasps.rotation, grasps.joints)
    energy = PolishEnergy(hand, object_field(apple), far)
    assert energy.engaged.sum() == 0  # nothing within 2 cm: no contact is made up
    config = PolishConfig().with_changes({"descent.steps": 20})
    result = polish_grasps(hand, object_field(apple), far, config)
    assert float((result.pose.translation - far.translation).norm(dim=-1).max()) < 0.001
    pulled = polish_grasps(hand, object_field(apple), far, config.with_changes({"contacts.engage_distance": 1.0}))
    assert float((pulled.pose.translation - far.translation).norm(dim=-1).min()) > 0.005
    near = PolishEnergy(hand, object_field(apple), grasps)
    assert (near.engaged.sum(-1) >= 3).all()  # validated grasps touch with several phalanges


def test_polish_is_deterministic_and_per_grasp(hand, apple, grasps):
    sunk = _pushed_in(grasps, 0.008)
    config = PolishConfig().with_changes({"descent.steps": 15})
    both = polish_grasps(hand, object_field(apple), sunk, config).pose.to_record()
    again = polish_grasps(hand, object_field(apple), sunk, config).pose.to_record()
    alone = polish_grasps(hand, object_field(apple), sunk[1:2], config).pose.to_record()
    assert torch.equal(both, again)
    torch.testing.assert_close(alone[0], both[1], atol=1e-5, rtol=0)
    zero = polish_grasps(hand, object_field(apple), sunk, config.with_changes({"descent.steps": 0})).pose.to_record()
    torch.testing.assert_close(zero, sunk.to_record(), atol=1e-5, rtol=0)


def test_a_descent_drops_grasps_midway_and_the_kept_ones_go_on_unchanged(hand, apple, grasps):
    sunk = _pushed_in(grasps, 0.008)
    config = PolishConfig().with_changes({"descent.steps": 30, "screen.step": 10})
    named = torch.tensor([[True, True, False, False, False, False]]).expand(4, -1)
    full = polish_grasps(hand, object_field(apple), sunk, config, named_fingers=named)
    descent = start_polish(hand, object_field(apple), sunk, config, named_fingers=named).run(config.screen.step)
    early = early_residual(descent)
    assert early.shape == (4,) and descent.step == 10
    kept = descent.keep(torch.tensor([2, 0])).run().result()
    assert kept.kept.tolist() == [2, 0] and kept.pose.batch_size == 2
    torch.testing.assert_close(kept.pose.to_record(), full.pose.to_record()[[2, 0]], atol=1e-5, rtol=0)
    torch.testing.assert_close(
        residual_energy(kept, config), residual_energy(full, config)[[2, 0]], atol=1e-4, rtol=1e-4
    )
    assert full.kept.tolist() == [0, 1, 2, 3]
    # at the start the anchor term is 0: the early residual is the whole energy of the start poses
    start = start_polish(hand, object_field(apple), sunk, config, named_fingers=named)
    torch.testing.assert_close(early_residual(start), start.energy(sunk)[0].detach())
    assert not torch.allclose(early_residual(start), early)

    class NoSubset:  # an energy that cannot restrict itself to some grasps
        def __init__(self):
            self.hand = hand

        def __call__(self, pose):
            return (pose.translation**2).sum(-1), {}

    with pytest.raises(DexgysError, match="cannot drop grasps"):
        GraspDescent(NoSubset(), sunk, OptimizerConfig(steps=2)).run(1).keep(torch.tensor([0]))


def test_surface_term_pushes_the_hand_off_the_objects_points(hand, apple, grasps):
    """The object's points inside the hand's collision geometry: the term that keeps a finger from
    crossing a wall thinner than the swept spheres' reach."""
    sunk = _pushed_in(grasps, 0.02)
    points = torch.from_numpy(apple.sample_surface(1024, seed=0).points).float()
    config = PolishConfig().with_changes({"descent.steps": 60, "weights.penetration": 0.0, "weights.surface": 20.0})
    terms = PolishEnergy(hand, object_field(apple), sunk, config, surface=points)(sunk)[1]
    depth = -hand.signed_distance(sunk, points.expand(len(grasps.joints), -1, -1))
    torch.testing.assert_close(terms["surface"], (depth + 0.001).clamp_min(0).sum(-1))
    assert "surface" not in PolishEnergy(hand, object_field(apple), sunk, config)(sunk)[1]
    off = config.with_changes({"weights.surface": 0.0})
    assert "surface" not in PolishEnergy(hand, object_field(apple), sunk, off, surface=points)(sunk)[1]
    pushed = polish_grasps(hand, object_field(apple), sunk, config, surface=points).pose
    left = polish_grasps(hand, object_field(apple), sunk, off, surface=points).pose
    before, after = max_penetration(hand, apple, sunk), max_penetration(hand, apple, pushed)
    assert (after < 0.5 * before).all() and (after < max_penetration(hand, apple, left)).all(), (before, after)
    with pytest.raises(DexgysError, match=r"surface points must have shape \(K, 3\)"):
        PolishEnergy(hand, object_field(apple), sunk, config, surface=points[:, :2])


def _sphere_gaps(hand, field, pose: HandPose, config: PolishConfig) -> torch.Tensor:
    """``(B, S)``: how far each swept sphere of the hand is off the object's surface (m; < 0 inside)."""
    energy = PolishEnergy(hand, field, pose, config)
    return energy.field.sample(energy.spheres(hand.forward_kinematics(pose)))[..., 0] - energy.spheres.radii


def test_the_clearance_keeps_the_hand_that_far_off_the_surface(hand, apple, grasps):
    """``penetration_margin``: the swept spheres are pushed out to this clearance; the named fingers'
    spheres to ``named_penetration_margin`` when it is given (and the caller names fingers)."""
    sunk, field = _pushed_in(grasps, 0.008), object_field(apple)
    config = PolishConfig().with_changes({"descent.steps": 80})
    gaps = {}
    for margin in (0.001, 0.003):
        pose = polish_grasps(hand, field, sunk, config.with_changes({"margins.penetration": margin})).pose
        gaps[margin] = _sphere_gaps(hand, field, pose, config).amin(-1)
    assert (gaps[0.003] > gaps[0.001] + 0.001).all(), gaps
    named = torch.zeros(len(grasps.joints), len(hand.finger_names), dtype=torch.bool)
    named[:, hand.finger_names.index("thumb")] = True
    spheres = PolishEnergy(hand, field, sunk, config).spheres
    thumb = hand.link_finger_ids[spheres.links] == hand.finger_names.index("thumb")
    mixed = config.with_changes({"margins.penetration": 0.003, "margins.named_penetration": 0.0})
    terms = PolishEnergy(hand, field, sunk, mixed, named_fingers=named)(sunk)[1]
    gap = _sphere_gaps(hand, field, sunk, config)
    expected = torch.relu(torch.where(thumb, 0.0, 0.003) - gap).sum(-1)
    torch.testing.assert_close(terms["penetration"], expected)
    unnamed = PolishEnergy(hand, field, sunk, mixed)(sunk)[1]  # no fingers named: one clearance for all
    torch.testing.assert_close(unnamed["penetration"], torch.relu(0.003 - gap).sum(-1))


def test_the_rescue_pushes_sunk_grasps_out_and_scores_them_with_the_ordinary_energy(hand, apple, grasps):
    sunk = _pushed_in(grasps, 0.02)
    points = torch.from_numpy(apple.sample_surface(1024, seed=0).points).float()
    field, config = object_field(apple), PolishConfig().with_changes({"rescue.steps": 40})
    depth = max_penetration(hand, apple, sunk, points)
    assert (depth > 0.005).all() and (max_penetration(hand, apple, grasps, points) < depth).all()
    pose, residual = rescue_polish(hand, field, sunk, config, surface=points)
    assert (max_penetration(hand, apple, pose, points) < 0.5 * depth).all()
    torch.testing.assert_close(residual, early_residual(start_polish(hand, field, pose, config, surface=points)))
    assert residual.shape == (len(grasps.joints),) and torch.isfinite(residual).all()
    with pytest.raises(DexgysError, match="surface points"):
        rescue_polish(hand, field, sunk, config)


def test_point_cloud_field_approximates_the_surface():
    g = torch.Generator().manual_seed(0)
    normals = torch.nn.functional.normalize(torch.randn(1024, 3, generator=g), dim=1).numpy()
    radius = 0.04
    field = ObjectField.from_oriented_points(normals * radius, normals)
    assert field.part_names == ["object"] and field.values.shape[0] == 2
    query = torch.nn.functional.normalize(torch.randn(2000, 3, generator=g), dim=1)
    depth = torch.empty(2000, 1).uniform_(-0.015, 0.03, generator=g)
    points = query * (radius + depth)
    value = field.sample(points)[:, 0]
    error = (value - depth[:, 0]).abs()
    assert float(error.median()) < 0.001 and float(error.max()) < 0.004
    away = depth[:, 0].abs() > 0.003
    assert bool(((value > 0) == (depth[:, 0] > 0))[away].all())


def test_polish_cli_polishes_a_predictions_file(hand, apple, tmp_path, capsys):
    from dexgys.cli.main import main
    from dexgys.evaluation.batch import polish_predictions
    from dexgys.evaluation.predictions import ground_truth_predictions, read_predictions, write_predictions

    records = json.loads(gzip.decompress(TINY_TEST.read_bytes()))[:3]
    preds = ground_truth_predictions(records)
    vec = torch.tensor([p["dex_grasp"] for p in preds], dtype=torch.float32)
    sunk = _pushed_in(HandPose.from_record(vec, hand.n_dofs, hand.name), 0.02).to_record()
    for p, g in zip(preds, sunk):
        p["dex_grasp"] = g.tolist()
    src, out = tmp_path / "preds.json", tmp_path / "polished.json.gz"
    write_predictions(src, preds)
    assert main(["polish", str(src), "--out", str(out), "--steps", "40"]) == 0
    polished = read_predictions(out)
    assert [(p["condition"], p["sample"], p["guidance"]) for p in polished] == [
        (p["condition"], p["sample"], p["guidance"]) for p in preds
    ]
    after = torch.tensor([p["dex_grasp"] for p in polished], dtype=torch.float32)
    depth_before = max_penetration(hand, apple, HandPose.from_record(sunk, hand.n_dofs, hand.name))
    depth_after = max_penetration(hand, apple, HandPose.from_record(after, hand.n_dofs, hand.name))
    assert (depth_after < depth_before - 0.003).all()
    # the surface term, when on, reads the object's own surface points
    short = PolishConfig().with_changes({"descent.steps": 10})
    plain = polish_predictions(preds[:1], short, progress=False)[0]
    pushed = polish_predictions(preds[:1], short.with_changes({"weights.surface": 50.0}), progress=False)[0]
    assert plain["dex_grasp"] != pushed["dex_grasp"]
    assert PolishConfig.from_dict(plain["repolished"]["polish"]) == short and plain["repolished"]["hand"] == "shadow"
    assert main(["polish", str(src), "--out", str(tmp_path / "x.json"), "--contact", "-1"]) == 2
    assert "--contact must be positive" in capsys.readouterr().err and not (tmp_path / "x.json").exists()


def test_polish_config_is_checked():
    PolishConfig().with_changes({"descent.steps": 0, "rescue.steps": 0, "margins.named_penetration": None})
    for bad, message in (
        ({"weights.avoid": -1.0}, r"weights\.avoid must be a finite non-negative"),
        ({"descent.lr_joints": 0.0}, r"descent\.lr_joints must be a finite positive"),
        ({"anchor.rotation": 0.0}, r"anchor\.rotation must be a finite positive"),
        ({"margins.penetration": float("nan")}, r"margins\.penetration must be"),
        ({"margins.region": None}, r"margins\.region must be"),
        ({"descent.steps": 1.5}, r"descent\.steps must be a non-negative integer"),
        ({"screen.step": True}, r"screen\.step must be"),
        ({"screen.words": 1}, r"screen\.words must be True or False"),
        ({"weights.avoidance": 1.0}, r"unknown polish setting 'weights\.avoidance': weights\. takes"),
        ({"steps": 10}, "unknown polish setting 'steps'"),
    ):
        with pytest.raises(DexgysError, match=message):
            PolishConfig().with_changes(bad)
    with pytest.raises(DexgysError, match="PolishConfig.weights must be a PolishWeights"):
        PolishConfig(weights={"avoid": 0.0})


def test_polish_config_round_trips_and_names_every_energy_term(hand, apple, grasps):
    changed = PolishConfig().with_changes({"weights.avoid": 0.0, "descent.steps": 7, "margins.named_penetration": None})
    assert PolishConfig.from_dict(json.loads(json.dumps(changed.as_dict()))) == changed
    assert changed.weights.avoid == 0.0 and changed.descent.steps == 7 and changed.weights.contact == 5.0
    with pytest.raises(DexgysError, match="dict of setting groups"):
        PolishConfig.from_dict({"weights": 3})
    field, n = object_field(apple), len(grasps.joints)
    points = torch.from_numpy(apple.sample_surface(64, seed=0).points).float()
    regions = (points, torch.ones(n, len(hand.finger_names), len(points), dtype=torch.bool))
    config = PolishConfig().with_changes({"weights.keep_off": 1.0, "weights.surface": 1.0})
    terms = PolishEnergy(hand, field, grasps, config, regions=regions, free=points, surface=points, avoid=points)(
        grasps
    )[1]
    assert set(terms) == {f.name for f in dataclasses.fields(PolishWeights)}


def test_the_screen_lets_the_candidates_that_keep_to_the_words_go_on_first(hand, apple, grasps, monkeypatch):
    """``screen.words``: at the screen, candidates breaking fewer of the words' orders (where they
    stand) go on first, then the lowest residual; off, or with no orders, the residual alone."""
    config = PolishConfig().with_changes({"descent.steps": 20, "screen.step": 5})
    field, records = object_field(apple), grasps.to_record()
    orders = PolishTargets(orders=WordOrders(avoid_parts=(0,)))
    plain = Polisher(hand, config.with_changes({"screen.words": False})).polish(field, records, 2, orders, obj=apple)
    first = np.flatnonzero(plain.finished)
    assert len(first) == 2
    seen = []

    def breaks_the_first(self, obj, polished, words):  # the residual's finalists break an order
        seen.append(polished)
        return np.isin(np.arange(len(polished)), first), np.zeros(len(polished), dtype=bool)

    monkeypatch.setattr(Polisher, "words_broken", breaks_the_first)
    run = Polisher(hand, config).polish(field, records, 2, orders, obj=apple)
    np.testing.assert_array_equal(run.early, plain.early)
    assert len(seen) == 1 and seen[0].shape == (4, 28)  # judged once, on every candidate where the screen stands
    np.testing.assert_array_equal(np.flatnonzero(run.finished), np.setdiff1d(np.arange(4), first))
    for unjudged in (
        Polisher(hand, config).polish(field, records, 2, PolishTargets(), obj=apple),
        Polisher(hand, config).polish(field, records, 2, orders),
    ):  # no orders, or no object
        np.testing.assert_array_equal(np.flatnonzero(unjudged.finished), first)
    assert len(seen) == 1
