"""The shipped pretrained model: present, loads without executing code, generates sensible grasps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dexgys.hands import HandPose, load_hand
from dexgys.models.finger_contacts import HAND_PARTS
from dexgys.objects.catalogue import make_object
from dexgys.objects.inputs import load_object_input
from dexgys.pipeline import DEFAULT_MODEL, GraspGenerator


@pytest.fixture(scope="module")
def shipped() -> GraspGenerator:
    assert DEFAULT_MODEL.is_file(), f"the pretrained model {DEFAULT_MODEL} is not installed"
    assert DEFAULT_MODEL.stat().st_size < 50 * 2**20
    return GraspGenerator.from_pretrained()


def test_shipped_model_is_a_complete_two_stage_generator(shipped):
    assert shipped.qgc is not None and shipped.fingers is not None and shipped.regions is not None
    assert shipped.object_points > 0 and shipped.text_encoder.dim == shipped.idgc.config.text_dim


def test_shipped_finger_contact_predictor_reads_the_named_fingers(shipped):
    tokens, mask = shipped.text_encoder.encode(
        [
            "press the trigger with your forefinger and wrap the other fingers around the body",
            "pinch the cap between your thumb and forefinger",
            "cup the bowl with all five fingers and your palm",
        ]
    )
    named = shipped.fingers.predict(tokens.to(torch.float16).float(), mask)
    assert named[0, 1] and named[1, :2].all() and named[2].all()
    assert not named[1, 3:5].any()  # a pinch leaves the ring and little fingers off


def test_shipped_contact_region_predictor_finds_the_named_parts(shipped):
    """On an unseen mug, the handle sentence puts the forefinger on the handle, the body sentence on the body."""
    obj = load_object_input("mug:9", n_points=shipped.object_points, seed=0)
    names = np.asarray(obj.object.part_names)[obj.parts]
    tokens, mask = shipped.text_encoder.encode(
        [
            "To use the mug, hook your thumb, index, middle and ring fingers through the handle.",
            "Wrap all five fingers and your palm around the body of the mug.",
        ]
    )
    clouds = torch.from_numpy(obj.points)[None].expand(2, -1, -1)
    with torch.no_grad():
        p = torch.sigmoid(shipped.regions(clouds, tokens.to(torch.float16).float(), mask)).numpy()
    forefinger = p[..., HAND_PARTS.index("forefinger")]
    handle, body = forefinger[:, names == "handle"].mean(1), forefinger[:, names == "body"].mean(1)
    assert handle[0] > 0.8 > body[0] and body[1] > 0.8 > handle[1], (handle, body)


def test_shipped_model_grasps_are_deterministic_and_near_the_object(shipped):
    torch.set_num_threads(1)
    text = "hold the mug by its handle with your thumb, forefinger and middle finger"
    first = shipped.generate("mug:5", text, n=4, seed=3, sampler="ddim", steps=10)
    again = shipped.generate("mug:5", text, n=4, seed=3, sampler="ddim", steps=10)
    other = shipped.generate("mug:5", text, n=4, seed=4, sampler="ddim", steps=10)
    assert first.records.shape == (4, 28) and np.isfinite(first.records).all()
    np.testing.assert_array_equal(first.records, again.records)
    assert not np.allclose(first.records, other.records)
    hand = load_hand()
    joints = torch.from_numpy(first.records[:, 6:])
    assert torch.all(joints >= hand.joint_lower - 1e-3) and torch.all(joints <= hand.joint_upper + 1e-3)
    # A trained model puts the hand at the object: some fingertip within 2 cm of the mug's surface.
    pose = HandPose.from_record(torch.from_numpy(first.object_frame_records()).float(), hand.n_dofs, hand.name)
    tips = hand.fingertip_points(pose).detach().double()
    distance = make_object("mug:5").sdf(tips.reshape(-1, 3)).reshape(4, -1)
    assert (distance.min(dim=1).values < 0.02).all()
    # every grasp carries DexGraspBench's pre-grasp and squeeze: joints on either side of the grasp
    pre = np.array([g["dex_pregrasp_joints"] for g in first.grasps])
    squeeze = np.array([g["dex_squeeze_joints"] for g in first.grasps])
    grasp = first.records[:, 6:]
    assert pre.shape == squeeze.shape == grasp.shape and not np.allclose(pre, grasp)
    # unclipped joints move symmetrically (BODex: squeeze = 2 grasp - pregrasp)
    inside = (
        (squeeze > hand.joint_lower.numpy() + 1e-6)
        & (squeeze < hand.joint_upper.numpy() - 1e-6)
        & (pre > hand.joint_lower.numpy() + 1e-6)
        & (pre < hand.joint_upper.numpy() - 1e-6)
    )
    np.testing.assert_allclose((squeeze - grasp)[inside], (grasp - pre)[inside], atol=1e-9)
