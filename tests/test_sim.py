"""The sim layer: MuJoCo scene, physics grasp test, Q1 and maximal penetration."""

import argparse
import json
import math

import mujoco
import numpy as np
import pytest
import torch

from dexgys.errors import DexgysError
from dexgys.geometry.primitives import Capsule
from dexgys.hands import load_hand
from dexgys.objects.primitive_object import Part, PrimitiveObject
from dexgys.sim import grasp_test as gt
from dexgys.sim import quality as ql
from dexgys.sim.closing import approach_palm, close_fingers
from dexgys.sim.scene import OBJECT_DENSITY, build_scene, object_inertial

BAR_RADIUS, BAR_HALF = 0.025, 0.04
PALM_HALF_THICKNESS = 0.0111  # palm box half-extent along y (shadow_hand.xml)


@pytest.fixture(scope="module")
def hand():
    return load_hand()


@pytest.fixture(scope="module")
def bar():
    """A 13 cm capsule lying along x: a handle for a power grasp."""
    return PrimitiveObject.from_parts(
        "bar", [Part("body", [Capsule(BAR_RADIUS, BAR_HALF, quat=(math.sqrt(0.5), 0, math.sqrt(0.5), 0))])]
    )


@pytest.fixture(scope="module")
def scene(hand, bar):
    return build_scene(hand, bar)


@pytest.fixture(scope="module")
def power_grasp(hand, bar):
    """Palm (identity rotation) 1 mm from the bar, fingers closed until they touch, thumb opposed."""
    centre = np.array([0.01, -(PALM_HALF_THICKNESS + BAR_RADIUS + 0.001), 0.085])  # bar centre, hand frame
    rec = torch.zeros(28, dtype=torch.float64)
    rec[:3] = torch.from_numpy(-centre)
    rec[6 + hand.joint_names.index("THJ4")] = 0.6
    return close_fingers(hand, bar, rec)


def _shifted(rec: torch.Tensor, dy: float) -> torch.Tensor:
    out = rec.clone()
    out[1] += dy
    return out


# ------------------------------------------------------------------ scene
def test_scene_matches_hand_kinematics_and_object_mass(hand, bar, scene):
    g = torch.Generator().manual_seed(3)
    rec = torch.cat(
        [
            0.1 * torch.randn(3, generator=g),
            torch.randn(3, generator=g),
            hand.joint_lower + torch.rand(22, generator=g) * (hand.joint_upper - hand.joint_lower),
        ]
    )
    pose = hand.as_pose(rec[None].double())
    data = scene.new_data()
    scene.place_hand(
        data, pose.translation[0].double().numpy(), pose.rotation[0].double().numpy(), pose.joints[0].double().numpy()
    )
    T = hand.to(dtype=torch.float64).forward_kinematics(rec[None].double())[0].numpy()
    np.testing.assert_allclose(data.xpos[scene.link_bodies], T[:, :3, 3], atol=1e-6)
    np.testing.assert_allclose(data.xmat[scene.link_bodies].reshape(-1, 3, 3), T[:, :3, :3], atol=1e-6)
    # mass and inertia of the solid at 500 kg/m^3 (from the tessellated mesh, 1 mm chords: within 5 % of the capsule)
    volume = math.pi * BAR_RADIUS**2 * 2 * BAR_HALF + 4 / 3 * math.pi * BAR_RADIUS**3
    assert scene.object_mass == pytest.approx(OBJECT_DENSITY * volume, rel=5e-2)
    mass, com, inertia = object_inertial(bar)
    assert scene.object_mass == pytest.approx(mass, rel=1e-9)
    np.testing.assert_allclose(
        sorted(scene.model.body_inertia[scene.object_body]), np.linalg.eigvalsh(inertia), rtol=1e-6
    )
    np.testing.assert_allclose(com, 0.0, atol=1e-4)
    assert list(scene.hand_qpos) == list(range(22)) and scene.model.nu == 22
    # actuators drive the joints they are named after
    for k, name in enumerate(hand.joint_names):
        act = scene.hand_actuators[k]
        assert mujoco.mj_id2name(scene.model, mujoco.mjtObj.mjOBJ_ACTUATOR, act) == f"A_{name}"


# ------------------------------------------------------------------ physics test
def test_power_grasp_holds_in_all_six_directions(hand, bar, scene, power_grasp):
    res = gt.test_grasps(hand, bar, power_grasp[None], scene=scene)
    assert res.simulated[0] and not res.unstable[0]
    assert res.penetration[0] < ql.MAX_PENETRATION
    assert res.held[0].all(), (res.translation, res.rotation)
    assert res.success_all6[0] and res.success_any[0]
    assert np.all(res.translation[0] < gt.HOLD_TRANSLATION) and np.all(res.rotation[0] < gt.HOLD_ROTATION)
    assert res.n_contacts[0] >= 10


def test_far_hand_and_penetrating_hand_fail(hand, bar, scene, power_grasp):
    far = _shifted(power_grasp, 0.3)  # palm 30 cm away: the object floats, then falls every way
    deep = _shifted(power_grasp, -0.012)  # palm pushed 12 mm into the bar
    res = gt.test_grasps(hand, bar, torch.stack([far, deep]), scene=scene)
    assert res.simulated.tolist() == [True, False]
    assert not res.held.any() and not res.success_any.any()
    assert res.n_contacts[0] == 0
    assert np.all(res.translation[0] >= gt.HOLD_TRANSLATION)
    assert res.penetration[1] > ql.MAX_PENETRATION
    assert np.isnan(res.translation[1]).all()
    summary = res.summary()
    assert summary["success_all6"] == 0.0 and summary["failed_precheck"] == 1


def test_grasp_test_is_deterministic_and_worker_independent(hand, bar, scene, power_grasp):
    g = torch.Generator().manual_seed(0)
    recs = power_grasp.expand(3, -1).clone()
    recs[1:, 6:] += 0.05 * torch.randn(2, 22, generator=g, dtype=torch.float64)
    a = gt.test_grasps(hand, bar, recs, scene=scene)
    b = gt.test_grasps(hand, bar, recs)  # a freshly built scene
    c = gt.test_grasps(hand, bar, recs, scene=scene, workers=2)
    for other in (b, c):
        np.testing.assert_array_equal(a.held, other.held)
        np.testing.assert_array_equal(a.translation, other.translation)
        np.testing.assert_array_equal(a.squeeze_translation, other.squeeze_translation)
    q1 = ql.grasp_q1(hand, bar, recs)
    np.testing.assert_array_equal(q1, ql.grasp_q1(hand, bar, recs, workers=2))


def test_grasp_test_rejects_bad_input(hand, bar, scene):
    with pytest.raises(DexgysError):
        gt.test_grasps(hand, bar, torch.zeros(2, 27), scene=scene)
    with pytest.raises(DexgysError):
        gt.test_grasps(hand, bar, torch.zeros(1, 28), scene=scene, workers=0)


# ------------------------------------------------------------------ Q1
def _sphere_contacts(directions, radius=0.05):
    n = np.asarray(directions, dtype=np.float64)
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    return radius * n, n


def test_q1_degenerate_cases_are_zero():
    assert ql.q1_from_contacts(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0
    assert ql.q1_from_contacts(*_sphere_contacts([[1, 0, 0]])) == 0.0  # one contact
    # two antipodal contacts on a sphere cannot resist torque about their axis (no torsional friction)
    assert ql.q1_from_contacts(*_sphere_contacts([[1, 0, 0], [-1, 0, 0]])) == 0.0
    # all contacts on one side: the origin is outside the wrench hull
    assert ql.q1_from_contacts(*_sphere_contacts([[1, 0, 0], [1, 0.3, 0], [1, 0, 0.3], [1, -0.3, -0.3]])) == 0.0
    assert ql.q1_from_contacts(np.full((3, 3), np.nan), np.ones((3, 3))) == 0.0


def test_q1_tetrahedral_contacts_and_facet_support():
    tetra = [[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]
    p, n = _sphere_contacts(tetra)
    q1 = ql.q1_from_contacts(p, n)
    assert 0.0 < q1 <= ql.Q1_CAP
    # Q1 is the smallest support value of the wrench set over unit directions
    w = ql.cone_wrenches(p, n)
    dirs = np.random.default_rng(0).normal(size=(20000, 6))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    assert (dirs @ w.T).max(axis=1).min() >= q1 - 1e-12
    from scipy.spatial import ConvexHull

    eq = ConvexHull(np.concatenate([w, np.zeros((1, 6))])).equations
    best = eq[np.argmin(-eq[:, 6])]
    assert (w @ best[:6]).max() == pytest.approx(q1, abs=1e-9)
    # the grasp turned about z: same Q1 (the cone edges are built from z x n, so they turn along;
    # other rotations change the linearisation slightly)
    c, s = math.cos(0.7), math.sin(0.7)
    R = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    assert ql.q1_from_contacts(p @ R.T, n @ R.T) == pytest.approx(q1, rel=1e-6)
    # more contacts can only enlarge the hull
    p6, n6 = _sphere_contacts(tetra + [[1, 0, 0], [-1, 0, 0]])
    assert ql.q1_from_contacts(p6, n6) >= q1 - 1e-12


def test_cone_wrenches_follow_the_official_construction():
    p, n = np.array([[0.0, 0.0, 0.05]]), np.array([[0.0, 0.0, 1.0]])
    w = ql.cone_wrenches(p, n)
    assert w.shape == (8, 6)
    np.testing.assert_allclose(w[:, 2], -1.0)  # pressing into the object along -n
    np.testing.assert_allclose(np.linalg.norm(w[:, :2], axis=1), 1.0)  # mu = 1
    np.testing.assert_allclose(w[:, 3:], 10.0 * np.cross(p, w[:, :3]))


def test_grasp_q1_on_crafted_grasps(hand, bar, power_grasp):
    far = _shifted(power_grasp, 0.3)
    deep = _shifted(power_grasp, -0.012)
    m = ql.quality_metrics(hand, bar, torch.stack([power_grasp, far, deep]))
    assert m["q1"][0] > 0.01 and m["valid_q1"][0] == m["q1"][0]
    assert m["q1"][1] == 0.0 and m["n_contacts"][1] == 0
    assert m["valid_q1"][2] == 0.0 and m["penetration"][2] > ql.MAX_PENETRATION
    c = ql.link_contacts(hand, bar, power_grasp[None])
    # contacts are the projections of hand points onto the surface
    np.testing.assert_allclose(bar.sdf_numpy(c.object_points[0][c.mask[0]]), 0.0, atol=1e-9)


# ------------------------------------------------------------------ penetration
def _brute_force_penetration(hand, rec, points):
    """Depth of the deepest point inside any collision primitive, from FK and the MJCF geoms."""
    T = hand.to(dtype=torch.float64).forward_kinematics(rec[None])[0].numpy()
    depth = 0.0
    for g in hand.geom_primitives:
        G = T[g.link] @ g.local_transform()
        local = (points - G[:3, 3]) @ G[:3, :3]
        if g.type == "box":
            q = np.abs(local) - np.asarray(g.size)
            sdf = np.linalg.norm(np.maximum(q, 0), axis=1) + np.minimum(q.max(axis=1), 0)
        else:
            half = g.size[1] if g.type == "capsule" else 0.0
            axis = np.stack([np.zeros(len(local)), np.zeros(len(local)), np.clip(local[:, 2], -half, half)], 1)
            sdf = np.linalg.norm(local - axis, axis=1) - g.size[0]
        depth = max(depth, float(-sdf.min()))
    return max(depth, 0.0)


def test_max_penetration_matches_brute_force(hand, bar, power_grasp):
    recs = torch.stack(
        [power_grasp, _shifted(power_grasp, -0.004), _shifted(power_grasp, -0.012), _shifted(power_grasp, 0.3)]
    )
    pen = ql.max_penetration(hand, bar, recs)
    points = ql.penetration_points(bar).numpy()
    assert points.shape == (ql.PENETRATION_SAMPLES, 3)
    expected = [_brute_force_penetration(hand, r, points) for r in recs]
    np.testing.assert_allclose(pen, expected, atol=2e-6)
    assert pen[3] == 0.0 and pen[2] > pen[1] > pen[0]
    np.testing.assert_array_equal(pen, ql.max_penetration(hand, bar, recs))  # deterministic


# ------------------------------------------------------------------ grasp-making helpers
def test_approach_palm_and_close_fingers_stop_at_contact(hand, bar, power_grasp):
    rec = approach_palm(hand, bar, np.eye(3), gap=0.002)
    with torch.no_grad():
        clearance = bar.sdf(hand.to(dtype=torch.float64).surface_points(rec[None])).min()
    assert 0.002 < float(clearance) <= 0.0021  # the last position before touching
    assert approach_palm(hand, bar, np.eye(3), gap=0.5) is None  # already "touching" at the start
    with torch.no_grad():
        d = bar.sdf(hand.to(dtype=torch.float64).surface_points(power_grasp[None]))
    assert float(d.min()) > 0.0  # closed fingers touch (within 1 mm) without penetrating
    c = ql.link_contacts(hand, bar, power_grasp[None])
    assert c.mask.sum() >= 12


# ------------------------------------------------------------------ command line
def test_sim_command_table_and_json(tmp_path, monkeypatch, capsys, hand, bar, power_grasp):
    from dexgys.cli import sim_cmd
    from dexgys.data.grasp_file import write_grasp_file

    monkeypatch.setenv("DEXGYS_CACHE", str(tmp_path / "cache"))
    bar.export(tmp_path / "bar.obj")
    recs = [power_grasp.tolist(), _shifted(power_grasp, -0.012).tolist()]
    write_grasp_file(tmp_path / "g.json", [{"guidance": "hold the bar", "dex_grasp": r} for r in recs], "bar.obj")
    out = tmp_path / "sim.json"
    args = argparse.Namespace(file=str(tmp_path / "g.json"), object=None, workers=1, json_out=str(out))
    assert sim_cmd.run(args) == 0
    text = capsys.readouterr().out
    assert "success_all6 50.0 %" in text and "penetration > 5 mm" in text
    data = json.loads(out.read_text())
    assert data["summary"]["n_grasps"] == 2 and data["constants"]["max_penetration_m"] == ql.MAX_PENETRATION
    assert data["grasps"][0]["success_all6"] and not data["grasps"][1]["simulated"]

    parser = argparse.ArgumentParser()
    sim_cmd.add_parser(parser.add_subparsers())
    with pytest.raises(DexgysError, match="no object"):
        (tmp_path / "bare.json").write_text(json.dumps([{"dex_grasp": recs[0]}]))
        sim_cmd.run(argparse.Namespace(file=str(tmp_path / "bare.json"), object=None, workers=1, json_out=None))
