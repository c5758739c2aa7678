"""Named physics protocols: the registry, what each applies to the scene, grasps that must hold and
must fail under each, worker independence, and results that name their protocol."""

import argparse
import dataclasses
import json
import math

import numpy as np
import pytest
import torch

from dexgys.errors import DexgysError
from dexgys.geometry.primitives import Capsule
from dexgys.hands import load_hand
from dexgys.objects.primitive_object import Part, PrimitiveObject
from dexgys.sim import grasp_test as gt
from dexgys.sim import quality as ql
from dexgys.sim import scene as sc
from dexgys.sim.closing import approach_palm, close_fingers
from dexgys.sim.evaluate import evaluate_grasps, protocol_constants
from dexgys.sim.protocols import PROTOCOLS, get_protocol

# A capsule is a cylinder with round ends; MuJoCo collides exactly the shape its SDF describes
# (a catalogue cylinder's rounded rims would collide sharp).
BAR_RADIUS, BAR_HALF = 0.02, 0.04
PALM_HALF_THICKNESS = 0.0111  # palm box half-extent along y (shadow_hand.xml)
NEW = ("dexgraspbench", "dexgraspnet")


@pytest.fixture(scope="module")
def hand():
    return load_hand()


@pytest.fixture(scope="module")
def bar():
    """A 4 cm thick, 12 cm long bar lying along x."""
    return PrimitiveObject.from_parts(
        "bar", [Part("body", [Capsule(BAR_RADIUS, BAR_HALF, quat=(math.sqrt(0.5), 0, math.sqrt(0.5), 0))])]
    )


@pytest.fixture(scope="module")
def scenes(hand, bar):
    return {name: sc.build_scene(hand, bar, name) for name in PROTOCOLS}


@pytest.fixture(scope="module")
def power_grasp(hand, bar):
    """Palm 0.5 mm from the bar, thumb opposed, every finger closed to 0.8 mm from it (within
    DexGraspNet's 1 mm contact threshold, so its push applies)."""
    centre = np.array([0.01, -(PALM_HALF_THICKNESS + BAR_RADIUS + 0.0005), 0.085])
    rec = torch.zeros(28, dtype=torch.float64)
    rec[:3] = torch.from_numpy(-centre)
    rec[6 + hand.joint_names.index("THJ4")] = 0.6
    return close_fingers(hand, bar, rec, gap=0.0008)


@pytest.fixture(scope="module")
def open_palm(hand, bar):
    """The flat hand (all joints zero) with its palm 0.5 mm from the bar: nothing wraps it."""
    return approach_palm(hand, bar, np.eye(3), gap=0.0005, thumb_opposition=0.0)


@pytest.fixture(scope="module")
def results(hand, bar, scenes, power_grasp, open_palm):
    """Each new protocol's results on [power grasp, open palm]."""
    recs = torch.stack([power_grasp, open_palm])
    return {name: gt.test_grasps(hand, bar, recs, scene=scenes[name], protocol=name) for name in NEW}


# ------------------------------------------------------------------ registry
def test_unknown_protocol_is_one_line_error_naming_the_known_ones(hand, bar, power_grasp):
    with pytest.raises(DexgysError) as exc:
        get_protocol("isaac")
    message = str(exc.value)
    assert "\n" not in message and "'isaac'" in message
    assert all(name in message for name in ("dexgys", "dexgraspbench", "dexgraspnet"))
    with pytest.raises(DexgysError, match="unknown physics protocol"):
        gt.test_grasps(hand, bar, power_grasp[None], protocol="isaac")
    with pytest.raises(DexgysError, match="unknown physics protocol"):
        protocol_constants("isaac")
    with pytest.raises(DexgysError, match="unknown hold rule"):
        dataclasses.replace(get_protocol("dexgys"), hold="velocity")


def test_dexgys_entry_is_the_published_rule_set():
    p = get_protocol("dexgys")
    assert p.protocol_id == "dexgys-sim-2" == protocol_constants()["protocol"]
    assert (p.timestep_s, p.impratio, p.solver_iterations, p.solver_tolerance, p.ls_iterations) == (
        sc.TIMESTEP,
        sc.IMPRATIO,
        sc.SOLVER_ITERATIONS,
        sc.SOLVER_TOLERANCE,
        sc.LS_ITERATIONS,
    )
    assert (p.object_friction, p.object_condim, p.object_density_kg_m3) == (
        sc.OBJECT_FRICTION,
        sc.OBJECT_CONDIM,
        sc.OBJECT_DENSITY,
    )
    assert (p.push.contact_distance_m, p.push.push_m, p.push.damping_m) == (
        gt.SQUEEZE_CONTACT_DISTANCE,
        gt.SQUEEZE_PUSH,
        gt.SQUEEZE_DAMPING,
    )
    assert p.stages[0].steps == gt.SETTLE_STEPS and p.load_steps == gt.SHAKE_STEPS and p.check_steps == gt.CHECK_STEPS
    assert (p.load_m_s2, p.hold_translation_m, p.hold_rotation_rad) == (
        sc.GRAVITY,
        gt.HOLD_TRANSLATION,
        gt.HOLD_ROTATION,
    )
    assert p.precheck_threshold_m == ql.MAX_PENETRATION
    assert p.hand_friction is None and p.servo_kp is None and p.root == "fixed"


def test_scenes_apply_friction_gains_mass_and_root(hand, bar, scenes, power_grasp):
    pose = hand.as_pose(power_grasp[None])
    args = (pose.translation[0].double().numpy(), pose.rotation[0].double().numpy(), pose.joints[0].double().numpy())
    expect = {"dexgys": (1.0, 3.0, 1.5), "dexgraspbench": (0.6, 5.0, 3.0), "dexgraspnet": (3.0, 1000.0, None)}
    for name, (mu, kp, limit) in expect.items():
        s, p = scenes[name], get_protocol(name)
        m = s.model
        assert s.protocol == p and m.opt.timestep == p.timestep_s and m.opt.noslip_iterations == p.noslip_iterations
        assert np.all(m.actuator_gainprm[s.hand_actuators, 0] == kp) and np.all(
            m.actuator_biasprm[s.hand_actuators, 1] == -kp
        )
        if limit is None:
            assert not m.actuator_forcelimited[s.hand_actuators].any()
        else:
            assert m.actuator_forcelimited[s.hand_actuators].all()
            np.testing.assert_array_equal(m.actuator_forcerange[s.hand_actuators, 1], limit)
        data = s.new_data()
        s.place_hand(data, *args)
        np.testing.assert_allclose(data.xpos[s.palm_body], args[0], atol=1e-12)
        assert data.ncon > 0
        np.testing.assert_allclose(data.contact.friction[: data.ncon, 0], mu)  # every hand-object contact
    bench, net = scenes["dexgraspbench"], scenes["dexgraspnet"]
    assert bench.object_mass == pytest.approx(0.1, rel=1e-12) and bench.root_qpos == 0 and bench.model.neq == 1
    np.testing.assert_allclose(bench.model.geom_solref[bench.hand_geoms], [[0.005, 1.0]] * len(bench.hand_geoms))
    assert net.object_mass == scenes["dexgys"].object_mass and net.root_qpos == -1
    assert net.model.geom_condim[net.object_geoms].tolist() == [3]


# ------------------------------------------------------------------ must hold, must fail
@pytest.mark.parametrize("name", NEW)
def test_tight_power_grasp_holds(results, name):
    res = results[name]
    assert res.simulated[0] and not res.unstable[0]
    assert res.success_all6[0], (res.translation[0], np.degrees(res.rotation[0]))
    assert res.protocol.name == name and res.summary()["protocol"] == get_protocol(name).protocol_id


@pytest.mark.parametrize("name", NEW)
def test_object_on_an_open_palm_falls(results, name):
    res = results[name]
    assert res.simulated[1] and not res.unstable[1]
    assert not res.success_all6[1]
    assert res.held[1].sum() <= 2  # at most the directions that press it onto the palm


def test_far_hand_fails_every_direction(hand, bar, scenes, power_grasp):
    far = power_grasp.clone()
    far[1] += 0.3
    for name in NEW:
        res = gt.test_grasps(hand, bar, far[None], scene=scenes[name], protocol=name)
        assert res.simulated[0] and not res.held.any() and res.n_contacts[0] == 0


def test_prechecks_follow_their_protocols(hand, bar, scenes, power_grasp):
    pressed = power_grasp.clone()
    pressed[1] -= 0.003  # palm 2.5 mm into the bar
    deep = power_grasp.clone()
    deep[1] -= 0.016  # palm 15.5 mm into the bar
    recs = torch.stack([power_grasp, pressed, deep])
    out = {name: gt.test_grasps(hand, bar, recs, scene=scenes[name], protocol=name) for name in PROTOCOLS}
    assert out["dexgys"].simulated.tolist() == [True, True, False]  # max penetration <= 5 mm
    assert out["dexgraspbench"].simulated.tolist() == [True, True, False]  # <= 1 cm at the pre-grasp
    assert out["dexgraspnet"].simulated.tolist() == [True, False, False]  # energy < 1 mm
    energy = out["dexgraspnet"].precheck
    assert energy[1] > get_protocol("dexgraspnet").precheck_threshold_m and energy[1] >= out["dexgys"].penetration[1]
    np.testing.assert_array_equal(out["dexgys"].precheck, out["dexgys"].penetration)


def test_pregrasp_and_squeeze_back_off_and_press(hand, bar, scenes, power_grasp):
    """DexGraspBench's poses derived from the grasp: the pre-grasp's contacts stand off about 1 cm,
    the squeeze's press in; DexGraspNet pushes only links within 1 mm."""
    s = scenes["dexgraspbench"]
    pose = hand.as_pose(power_grasp[None])
    c = ql.link_contacts(hand, bar, pose, s.protocol.push.contact_distance_m)
    m = c.mask[0]
    t, R, q = (pose.translation[0].double().numpy(), pose.rotation[0].double().numpy(), pose.joints[0].double().numpy())
    data = s.new_data()
    s.place_hand(data, t, R, q)
    dq = gt.joint_offsets(s, data, s.link_bodies[c.links[m]], c.hand_points[0, m], -c.normals[0, m])
    pre, squeeze = gt.joint_pose(s, q, dq, -1.0), gt.joint_pose(s, q, dq, 1.0)
    np.testing.assert_array_equal(gt.joint_pose(s, q, dq, 0.0), q)
    np.testing.assert_allclose(pre, np.clip(q - dq, s.joint_lower, s.joint_upper))
    distal = [hand.link_names.index(f"{f}distal") for f in ("ff", "mf", "rf", "lf")]

    def gaps(joints):
        rec = torch.cat([power_grasp[:6], torch.as_tensor(joints)])[None]
        d = ql.link_contacts(hand, bar, rec, 1.0).distance[0]
        return d[np.isin(c.links, distal)]

    np.testing.assert_array_less(gaps(q) + 0.005, gaps(pre))
    assert (gaps(squeeze) < gaps(q) - 0.002).sum() >= 3  # joint limits clip part of the press

    net = scenes["dexgraspnet"]
    c = ql.link_contacts(hand, bar, pose, net.protocol.push.contact_distance_m)
    m = c.mask[0]
    net.place_hand(data, t, R, q)
    pushed = gt.joint_pose(
        net, q, gt.joint_offsets(net, data, net.link_bodies[c.links[m]], c.hand_points[0, m], -c.normals[0, m]), 1.0
    )
    moved = (
        ql.link_contacts(hand, bar, torch.cat([power_grasp[:6], torch.as_tensor(pushed)])[None], 1.0).distance[0]
        - c.distance[0]
    )
    palm = c.links == hand.link_names.index("palm")
    assert m.sum() >= 8 and m[palm].all() and moved[palm] == pytest.approx(0.0)  # the palm has no joint
    fingers = m & ~palm
    assert np.all((moved[fingers] < -1e-4) & (moved[fingers] > -0.005))  # a gradient step of "1 mm"


# ------------------------------------------------------------------ determinism and reports
def test_workers_give_the_same_results(hand, bar, scenes, power_grasp, open_palm):
    g = torch.Generator().manual_seed(1)
    recs = torch.stack([power_grasp, open_palm, power_grasp])
    recs[2, 6:] += 0.03 * torch.randn(22, generator=g, dtype=torch.float64)
    for name in NEW:
        a = gt.test_grasps(hand, bar, recs, scene=scenes[name], protocol=name)
        b = gt.test_grasps(hand, bar, recs, scene=scenes[name], protocol=name, workers=2)
        for field in ("held", "simulated", "precheck", "translation", "rotation", "squeeze_translation", "unstable"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


def test_scene_of_another_protocol_is_refused(hand, bar, scenes, power_grasp):
    with pytest.raises(DexgysError, match="built for protocol 'dexgys'"):
        gt.test_grasps(hand, bar, power_grasp[None], scene=scenes["dexgys"], protocol="dexgraspnet")


def test_reports_and_command_name_the_protocol(tmp_path, monkeypatch, capsys, hand, bar, scenes, power_grasp):
    report = evaluate_grasps(hand, bar, power_grasp[None], scene=scenes["dexgraspbench"], protocol="dexgraspbench")
    data = json.loads(report.to_json())
    assert data["protocol"] == data["summary"]["protocol"] == data["grasps"][0]["protocol"] == "dexgraspbench-fc-1"
    assert data["constants"]["object_mass_kg"] == 0.1 and data["constants"]["hold_translation_m"] == 0.05
    net = protocol_constants("dexgraspnet")
    json.dumps(net, allow_nan=False)
    assert (
        net["servo_force_unlimited"]
        and net["hold_contact_distance_m"] == 0.02
        and net["load_time_s"] == pytest.approx(100 / 60)
    )

    from dexgys.cli import sim_cmd
    from dexgys.data.grasp_file import write_grasp_file

    monkeypatch.setenv("DEXGYS_CACHE", str(tmp_path / "cache"))
    bar.export(tmp_path / "bar.obj")
    write_grasp_file(tmp_path / "g.json", [{"guidance": "hold the bar", "dex_grasp": power_grasp.tolist()}], "bar.obj")
    parser = argparse.ArgumentParser()
    sim_cmd.add_parser(parser.add_subparsers())
    args = parser.parse_args(
        ["sim", str(tmp_path / "g.json"), "--protocol", "dexgraspnet", "--json", str(tmp_path / "r.json")]
    )
    assert sim_cmd.run(args) == 0
    text = capsys.readouterr().out
    assert "protocol dexgraspnet (dexgraspnet-isaac-mujoco-1)" in text.splitlines()[0]
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["protocol"] == "dexgraspnet-isaac-mujoco-1"
    with pytest.raises(SystemExit):
        parser.parse_args(["sim", "g.json", "--protocol", "isaac"])


def test_custom_protocol_needs_no_registration(hand, bar, power_grasp):
    """A protocol is data: a variant runs through the same code (here DexGraspBench with friction 0.1)."""
    slippery = dataclasses.replace(
        get_protocol("dexgraspbench"),
        name="slippery",
        protocol_id="slippery-1",
        object_friction=(0.1, 0.0, 0.0),
        hand_friction=(0.1, 0.0, 0.0),
    )
    res = gt.test_grasps(hand, bar, power_grasp[None], protocol=slippery)
    assert res.summary()["protocol"] == "slippery-1" and not res.success_all6[0]
