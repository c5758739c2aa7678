"""Hand layer: kinematics against MuJoCo, poses, point sets, signed distance, energies, generic MJCF."""

from __future__ import annotations

import json

import mujoco
import numpy as np
import pytest
import torch

from dexgys.errors import DexgysError
from dexgys.geometry.rotations import matrix_to_quaternion
from dexgys.hands import HandModel, HandPose, hand_files, load_hand


@pytest.fixture(scope="module")
def hand() -> HandModel:
    return load_hand("shadow").to(dtype=torch.float64)


def random_records(hand: HandModel, batch: int, seed: int) -> torch.Tensor:
    """``(batch, 6+n)`` records: joints uniform within limits, random rotation, translation ~ 0.2 m."""
    g = torch.Generator().manual_seed(seed)
    q = hand.joint_lower + torch.rand(batch, hand.n_dofs, generator=g, dtype=torch.float64) * (
        hand.joint_upper - hand.joint_lower
    )
    t = 0.2 * torch.randn(batch, 3, generator=g, dtype=torch.float64)
    r = torch.randn(batch, 3, generator=g, dtype=torch.float64)
    r = r / r.norm(dim=1, keepdim=True) * torch.rand(batch, 1, generator=g, dtype=torch.float64) * 3.0
    return torch.cat([t, r, q], dim=1)


def mujoco_kinematics(hand: HandModel, pose: HandPose) -> tuple[mujoco.MjModel, list[mujoco.MjData]]:
    """MuJoCo's own kinematics of ``pose``, the root placed through ``body_pos``/``body_quat``."""
    model = mujoco.MjModel.from_xml_path(str(hand.mjcf_path))
    datas = []
    for b in range(pose.batch_size):
        data = mujoco.MjData(model)
        model.body_pos[1] = pose.translation[b].numpy()
        model.body_quat[1] = matrix_to_quaternion(pose.rotation[b]).numpy()
        data.qpos[:] = pose.joints[b].numpy()
        mujoco.mj_kinematics(model, data)
        datas.append(data)
    return model, datas


def fk_error(hand: HandModel, pose: HandPose) -> float:
    T = hand.forward_kinematics(pose).numpy()
    _, datas = mujoco_kinematics(hand, pose)
    err = 0.0
    for b, data in enumerate(datas):
        err = max(err, np.abs(T[b, :, :3, 3] - data.xpos[1:]).max())
        err = max(err, np.abs(T[b, :, :3, :3] - data.xmat[1:].reshape(-1, 3, 3)).max())
    return err


# ---------------------------------------------------------------------------------- kinematics
def test_shadow_structure(hand):
    assert hand.n_dofs == 22
    assert hand.joint_names[:4] == ["FFJ3", "FFJ2", "FFJ1", "FFJ0"]
    assert hand.joint_names[12:] == ["LFJ4", "LFJ3", "LFJ2", "LFJ1", "LFJ0", "THJ4", "THJ3", "THJ2", "THJ1", "THJ0"]
    assert hand.link_names[0] == "palm" and len(hand.link_names) == 23
    assert hand.finger_names == ("thumb", "forefinger", "middle", "ring", "little", "palm")
    assert hand.link_fingers[hand.link_index["thdistal"]] == "thumb"
    assert float(hand.joint_upper[hand.joint_names.index("LFJ4")]) == pytest.approx(0.785)
    assert sorted({g.type for g in hand.geom_primitives}) == ["box", "capsule"]


def test_forward_kinematics_matches_mujoco(hand):
    pose = HandPose.from_record(random_records(hand, 24, seed=1), hand.n_dofs, hand.name)
    assert fk_error(hand, pose) < 1e-9  # float64; the spec asks for 1e-6 m


def test_actuators_servo_the_joints(hand):
    model = mujoco.MjModel.from_xml_path(str(hand.mjcf_path))
    assert [model.actuator(i).name for i in range(model.nu)] == [f"A_{n}" for n in hand.joint_names]
    data = mujoco.MjData(model)
    target = random_records(hand, 1, seed=2)[0, 6:].numpy()
    data.ctrl[:] = target
    for _ in range(750):
        mujoco.mj_step(model, data)
    assert np.isfinite(data.qpos).all() and np.abs(data.qpos - target).max() < 0.02


def test_collision_filter_hand_object_only(hand):
    """Hand geoms never collide with each other but do with a default-filtered object."""
    spec = mujoco.MjSpec.from_file(str(hand.mjcf_path))
    spec.worldbody.add_body(name="object", pos=[0.01, -0.02, 0.06]).add_geom(
        name="object", type=mujoco.mjtGeom.mjGEOM_BOX, size=[0.02, 0.02, 0.02]
    )
    model = spec.compile()
    data = mujoco.MjData(model)
    data.qpos[17:] = [1.0, 0.6, 0.0, -0.4, -0.4]  # thumb crossed into the forefinger
    data.qpos[1:4] = 1.2  # forefinger curled into the palm
    mujoco.mj_forward(model, data)
    obj = model.geom("object").id
    pairs = {(int(c.geom1), int(c.geom2)) for c in data.contact[: data.ncon]}
    assert pairs and all(obj in pair for pair in pairs)


# ---------------------------------------------------------------------------------- poses
def test_record_round_trip(hand):
    rec = random_records(hand, 16, seed=3)
    pose = HandPose.from_record(rec, 22, "shadow")
    assert pose.batch_size == 16
    torch.testing.assert_close(pose.to_record(), rec)
    torch.testing.assert_close(HandPose.from_rot6d(pose.to_rot6d(), 22).to_record(), rec)
    single = HandPose.from_record(rec[0])
    assert single.batch_size == 1 and single.n_dofs == 22
    torch.testing.assert_close(pose[3].to_record(), rec[3:4])


def test_bad_grasp_vectors(hand):
    with pytest.raises(DexgysError, match=r"grasp vector has 27 values; the shadow hand needs 28 = 3 \+ 3 \+ 22"):
        hand.forward_kinematics(torch.zeros(2, 27))
    bad = torch.zeros(3, 28)
    bad[1, 7] = float("nan")
    with pytest.raises(DexgysError, match="number 1 contains NaN"):
        HandPose.from_record(bad, 22)
    with pytest.raises(DexgysError, match="6-D grasp vector has 28 values"):
        HandPose.from_rot6d(torch.zeros(28), 22, "shadow")
    with pytest.raises(DexgysError, match="21 joint values"):
        hand.surface_points(HandPose.identity(1, 21))


# ---------------------------------------------------------------------------------- point sets
def test_surface_points_deterministic_and_area_weighted(hand):
    a = HandModel.from_mjcf(*hand_files("shadow"), n_surface_points=512)
    b = HandModel.from_mjcf(*hand_files("shadow"), n_surface_points=512)
    assert torch.equal(a._surface_local, b._surface_local)
    assert torch.equal(a.surface_point_links, b.surface_point_links)
    counts = torch.bincount(hand.surface_point_links, minlength=len(hand.link_names))
    assert int(counts.sum()) == 1024 and int(counts.argmax()) == hand.link_index["palm"]
    assert counts[hand.link_index["ffproximal"]] > counts[hand.link_index["ffdistal"]] > 0
    assert counts[hand.link_index["ffknuckle"]] == 0

    pose = HandPose.from_record(random_records(hand, 3, seed=4), 22)
    pts = hand.surface_points(pose)
    sdf, link = hand.signed_distance(pose, pts, return_link=True)
    assert (link[sdf > -1e-9] == hand.surface_point_links.expand(3, -1)[sdf > -1e-9]).float().mean() > 0.99
    assert pts.shape == (3, 1024, 3) and sdf.max() < 1e-9  # on the surface, or inside another link
    normals = hand.surface_normals(pose)
    torch.testing.assert_close(normals.norm(dim=-1), torch.ones(3, 1024, dtype=torch.float64))
    outer = sdf > -1e-9  # points on the outer surface: stepping along the normal leaves the hand
    assert outer.float().mean() > 0.7
    stepped = hand.signed_distance(pose, pts + 1e-4 * normals)[outer]
    assert (stepped > 5e-5).float().mean() > 0.99  # a few sit where two links touch


def test_semantic_points(hand):
    pose = HandPose.identity(2, 22, dtype=torch.float64)
    tips = hand.fingertip_points(pose)
    assert tips.shape == (2, 5, 3)
    fingers = [hand.finger_names[i] for i in hand.fingertip_fingers]
    assert fingers == ["thumb", "forefinger", "middle", "ring", "little"]
    ff = tips[0, fingers.index("forefinger")]
    torch.testing.assert_close(ff, torch.tensor([0.033, 0.0, 0.095 + 0.045 + 0.025 + 0.03105], dtype=torch.float64))
    pads = hand.pad_points(pose)
    assert pads.shape == (2, 5, 3) and (pads[0, 1:, 1] < 0).all()  # finger pads on the palmar side (-y)
    cand = hand.contact_candidates(pose)
    assert cand.shape[1] == len(hand.contact_candidate_links) == len(hand.contact_candidate_fingers)
    sdf = hand.signed_distance(pose, cand)
    assert sdf.max() < 1e-9 and (sdf.abs() < 1e-9).float().mean() > 0.8  # on the surface, a few under a neighbour
    assert hand.penetration_keypoints(pose).shape == (2, 15, 3)


# ---------------------------------------------------------------------------------- energies
def test_self_penetration(hand):
    pose = HandPose.identity(1, 22, dtype=torch.float64)
    assert float(hand.self_penetration(pose)) == 0.0  # flat open hand
    q = pose.joints.clone()
    q[0, hand.joint_names.index("FFJ3")] = -0.349  # forefinger and middle finger driven together
    q[0, hand.joint_names.index("MFJ3")] = 0.349
    assert float(hand.self_penetration(HandPose(pose.translation, pose.rotation, q))) > 0.01
    q = pose.joints.clone()
    q[0, 17:] = torch.tensor([1.0, 0.6, 0.0, -0.4, -0.4])  # thumb crossed into the forefinger
    crossed = HandPose(pose.translation, pose.rotation, q.requires_grad_())
    energy = hand.self_penetration(crossed)
    assert float(energy.detach()) > 0.005
    energy.sum().backward()
    assert q.grad[0, 17:].abs().sum() > 0


def test_joint_limits(hand):
    q = torch.zeros(2, 22, dtype=torch.float64)
    q[1, 1] = 1.571 + 0.1  # FFJ2 above its upper limit
    q[1, 0] = -0.349 - 0.2  # FFJ3 below its lower limit
    torch.testing.assert_close(hand.joint_limit_violation(q), torch.tensor([0.0, 0.3], dtype=torch.float64))
    assert float(hand.joint_limit_violation(hand.clamp_joints(q)).max()) == 0.0


# ---------------------------------------------------------------------------------- signed distance
def reference_sdf(hand: HandModel, pose: HandPose, points: np.ndarray) -> np.ndarray:
    """Independent exact reference for one pose: MuJoCo's own geom distances (``mj_geomDistance``)
    from a small probe sphere moved to each point, plus the probe radius, minimum over hand geoms."""
    radius = 1e-3
    spec = mujoco.MjSpec.from_file(str(hand.mjcf_path))
    probe_body = spec.worldbody.add_body(name="probe", mocap=True)
    probe_body.add_geom(name="probe", type=mujoco.mjtGeom.mjGEOM_SPHERE, size=[radius, 0, 0], contype=0, conaffinity=0)
    model = spec.compile()
    data = mujoco.MjData(model)
    model.body_pos[1] = pose.translation[0].numpy()
    model.body_quat[1] = matrix_to_quaternion(pose.rotation[0]).numpy()
    data.qpos[:] = pose.joints[0].numpy()
    probe = model.geom("probe").id
    geoms = [g for g in range(model.ngeom) if g != probe and (model.geom_contype[g] or model.geom_conaffinity[g])]
    out = []
    for p in points:
        data.mocap_pos[0] = p
        mujoco.mj_kinematics(model, data)
        out.append(min(mujoco.mj_geomDistance(model, data, probe, g, 1.0, None) for g in geoms) + radius)
    return np.array(out)


def test_signed_distance_matches_reference(hand):
    pose = HandPose.from_record(random_records(hand, 1, seed=5), 22)
    g = torch.Generator().manual_seed(6)
    surface = hand.surface_points(pose)[0]
    noise = 0.006 * torch.randn(200, 3, generator=g, dtype=torch.float64)
    pts = surface[torch.randperm(1024, generator=g)[:200]] + noise
    sdf = hand.signed_distance(pose, pts[None])[0].numpy()
    ref = reference_sdf(hand, pose, pts.numpy())
    assert (sdf < 0).any() and (sdf > 0).any()
    assert np.abs(sdf - ref).max() < 1e-9
    torch.testing.assert_close(hand.penetration_depth(pose, pts[None])[0], torch.relu(-torch.tensor(sdf)))


def test_signed_distance_gradcheck(hand):
    rec = random_records(hand, 2, seed=7)
    pose = HandPose.from_record(rec, 22)
    pts = hand.surface_points(pose)[:, ::200] + 0.004 * hand.surface_normals(pose)[:, ::200]
    rec.requires_grad_()
    pts.requires_grad_()
    assert torch.autograd.gradcheck(lambda r, p: hand.signed_distance(r, p), (rec, pts))


def test_signed_distance_chunked_like_whole(hand, monkeypatch):
    pose = HandPose.from_record(random_records(hand, 5, seed=8), 22)
    pts = hand.surface_points(pose) + 0.003
    whole = hand.signed_distance(pose, pts)
    monkeypatch.setattr("dexgys.hands.hand_model._SDF_CHUNK", 1)
    torch.testing.assert_close(hand.signed_distance(pose, pts), whole)


def test_meshes_carry_face_links(hand):
    pose = HandPose.from_record(random_records(hand, 2, seed=9), 22)
    meshes = hand.meshes(pose)
    assert len(meshes) == 2
    for b, mesh in enumerate(meshes):
        assert mesh.metadata["face_link"].shape == (len(mesh.faces),)
        assert set(mesh.metadata["face_link"]) == {g.link for g in hand.geom_primitives}
        sdf = hand.signed_distance(pose[b], torch.tensor(mesh.vertices)[None])
        assert sdf.max() < 1e-9  # vertices lie on the collision surface


# ---------------------------------------------------------------------------------- devices
def test_to_keeps_the_shared_model_and_float32_default():
    hand = load_hand()
    assert hand.dtype == torch.float32 and hand.device.type == "cpu"
    double = hand.to(dtype=torch.float64)
    assert double.dtype == torch.float64 and hand.dtype == torch.float32
    pose = HandPose.identity(4, 22)
    assert hand.surface_points(pose).dtype == torch.float32
    torch.testing.assert_close(double.surface_points(pose).float(), hand.surface_points(pose))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu(hand):
    rec = random_records(hand, 4, seed=10)
    cuda = hand.to("cuda")
    pts = hand.surface_points(rec) + 0.002
    torch.testing.assert_close(cuda.signed_distance(rec.cuda(), pts.cuda()).cpu(), hand.signed_distance(rec, pts))
    torch.testing.assert_close(cuda.forward_kinematics(rec.cuda()).cpu(), hand.forward_kinematics(rec))


# ---------------------------------------------------------------------------------- hands are data
TINY_HAND = """
<mujoco model="tiny">
  <compiler angle="radian"/>
  <worldbody>
    <body name="base" pos="0 0 1">
      <geom name="base" type="box" size="0.02 0.01 0.03"/>
      <body name="finger" pos="0.01 0 0.03" quat="0.9659258 0 0.258819 0">
        <joint name="bend" axis="1 0 0" pos="0 0 0.005" range="-0.5 1.5" ref="0.2"/>
        <geom name="finger" type="capsule" fromto="0 0 0 0.01 0 0.04" size="0.008"/>
        <geom name="nail" type="box" size="0.002 0.002 0.002" contype="0" conaffinity="0"/>
        <body name="tip" pos="0.01 0 0.04">
          <joint name="extend" type="slide" axis="0 0 1" range="0 0.02"/>
          <joint name="twist" axis="0 0 1"/>
          <geom name="tip" type="sphere" size="0.009" pos="0 0.002 0.004"/>
        </body>
      </body>
    </body>
  </worldbody>
</mujoco>
"""

TINY_SEMANTICS = {
    "format": "dexgys-hand-semantics",
    "format_version": 1,
    "hand": "tiny",
    "finger_names": ["forefinger", "palm"],
    "link_fingers": {"base": "palm", "finger": "forefinger", "tip": "forefinger"},
    "fingertips": [{"finger": "forefinger", "link": "tip", "point": [0, 0, 0.013]}],
    "pads": [{"finger": "forefinger", "link": "tip", "point": [0, -0.009, 0.004]}],
    "contact_candidates": {"base": [[0, -0.01, 0]], "tip": [[0, -0.007, 0.004]]},
    "penetration_keypoints": [
        {"link": "base", "point": [0, 0, 0.02], "radius": 0.01},
        {"link": "tip", "point": [0, 0, 0.004], "radius": 0.009},
    ],
}


def write_tiny(tmp_path, semantics=TINY_SEMANTICS):
    xml, js = tmp_path / "tiny.xml", tmp_path / "tiny.json"
    xml.write_text(TINY_HAND)
    js.write_text(json.dumps(semantics))
    return xml, js


def test_generic_hand_from_files(tmp_path):
    tiny = HandModel.from_mjcf(*write_tiny(tmp_path), n_surface_points=64).to(dtype=torch.float64)
    assert tiny.name == "tiny" and tiny.n_dofs == 3 and tiny.link_names == ["base", "finger", "tip"]
    assert tiny.joint_names == ["bend", "extend", "twist"]
    assert torch.isinf(tiny.joint_upper[2]) and len(tiny.geom_primitives) == 3  # the nail is visual only
    assert len(tiny.surface_point_links) == 64 and tiny.fingertip_points(torch.zeros(1, 9)).shape == (1, 1, 3)

    g = torch.Generator().manual_seed(11)
    bend, extend, twist = (
        torch.rand(8, generator=g) * 2 - 0.5,
        torch.rand(8, generator=g) * 0.02,
        torch.randn(8, generator=g),
    )
    q = torch.stack([bend, extend, twist], 1)
    rec = torch.cat([0.1 * torch.randn(8, 3, generator=g), torch.randn(8, 3, generator=g), q], 1).double()
    pose = HandPose.from_record(rec, 3)
    assert fk_error(tiny, pose) < 1e-9  # joint anchors, ref angles, slide + hinge on one body

    pts = tiny.surface_points(pose[0])[0][::4] + 0.005 * torch.randn(16, 3, generator=g, dtype=torch.float64)
    ref = reference_sdf(tiny, pose[0], pts.numpy())
    np.testing.assert_allclose(tiny.signed_distance(pose[0], pts[None])[0].numpy(), ref, atol=1e-9)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda s: s["link_fingers"].pop("tip"), "no finger for link 'tip'"),
        (lambda s: s["fingertips"][0].update(link="nail"), "names link 'nail', which the MJCF lacks"),
        (lambda s: s["pads"][0].update(finger="thumb"), "names finger 'thumb'"),
        (lambda s: s.update(format_version=7), "format_version 7"),
        (lambda s: s["contact_candidates"].update(tip=[[0, 1]]), "must be a point"),
    ],
)
def test_bad_semantics(tmp_path, change, message):
    semantics = json.loads(json.dumps(TINY_SEMANTICS))
    change(semantics)
    with pytest.raises(DexgysError, match=message):
        HandModel.from_mjcf(*write_tiny(tmp_path, semantics))


def test_bad_files(tmp_path):
    with pytest.raises(DexgysError, match="not found"):
        HandModel.from_mjcf(tmp_path / "nope.xml", tmp_path / "nope.json")
    with pytest.raises(DexgysError, match="unknown hand 'allegro'"):
        load_hand("allegro")
    bad = tmp_path / "bad.xml"
    ellipsoid = TINY_HAND.replace('type="sphere" size="0.009"', 'type="ellipsoid" size="0.01 0.01 0.02"')
    bad.write_text(ellipsoid)
    with pytest.raises(DexgysError, match="must be a box, capsule or sphere"):
        HandModel.from_mjcf(bad, write_tiny(tmp_path)[1])
