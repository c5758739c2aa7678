"""Dataset builder bookkeeping: shards, resume, atomic units, deterministic merge, object-level split.

The synthesis itself is replaced by a small deterministic stand-in here (its own tests live in
test_synthesis.py); these tests are about what the builder does with units.
"""

import gzip
import hashlib
import os
import subprocess
import sys

import pytest

from dexgys.data import builder
from dexgys.data.builder import BuildConfig, build_units, merge_dataset, parse_shard, read_json_gz, split_of, unit_path
from dexgys.errors import DexgysError

CALLS = []
REAL_BUILD_UNIT = builder.build_unit  # before the stand-in replaces it


def fake_unit(category, seed, config):
    CALLS.append((category, seed))
    records = [
        {
            "cate_id": category,
            "obj_id": f"{category}:{seed}",
            "action_id": "0002",
            "guidance": f"g{seed}-{k}",
            "dex_grasp": [float(seed)] * 28,
        }
        for k in range(config.grasps_per_intent)
    ]
    return {
        "format_version": builder.UNIT_FORMAT_VERSION,
        "pipeline": builder.pipeline_version(),
        "config": builder.asdict(config),
        "object": {"name": f"{category}:{seed}", "category": category, "seed": seed},
        "records": records,
        "stats": {"hold": {"accepted": len(records)}},
    }


@pytest.fixture(autouse=True)
def stand_in(monkeypatch):
    CALLS.clear()
    monkeypatch.setattr(builder, "build_unit", fake_unit)


CONFIG = BuildConfig(("mug", "bottle"), objects_per_category=5, grasps_per_intent=2)


def test_parse_shard():
    assert parse_shard(None) == (0, 1) and parse_shard("2/4") == (2, 4)
    for bad in ("4/4", "x", "1/0", "-1/2"):
        with pytest.raises(DexgysError):
            parse_shard(bad)


def test_split_is_by_object_and_about_a_fifth():
    names = [f"mug:{s}" for s in range(50)]
    splits = [split_of(n, 50) for n in names]
    assert splits.count("test") == 10
    assert splits == [split_of(n, 50) for n in names]
    assert split_of("mug:0", 1) == "train"


def test_shards_resume_and_merge_deterministically(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    first = build_units(CONFIG, a, (0, 2), progress=False)
    assert first["built"] == 5 and len(CALLS) == 5
    with pytest.raises(DexgysError, match="not built yet"):
        merge_dataset(CONFIG, a)
    build_units(CONFIG, a, (1, 2), progress=False)
    again = build_units(CONFIG, a, (0, 1), progress=False)  # everything exists: nothing is redone
    assert again == {"units_in_shard": 10, "built": 0, "skipped": 10, "new_records": 0} and len(CALLS) == 10
    summary = merge_dataset(CONFIG, a)
    assert summary["train_records"] + summary["test_records"] == 20 and summary["objects"] == 10
    build_units(CONFIG, b, (0, 1), progress=False)
    merge_dataset(CONFIG, b)
    for name in ("train.json.gz", "test.json.gz", "objects.json"):
        assert hashlib.sha1((a / name).read_bytes()).digest() == hashlib.sha1((b / name).read_bytes()).digest()
    test_objects = {r["obj_id"] for r in read_json_gz(a / "test.json.gz")}
    train_objects = {r["obj_id"] for r in read_json_gz(a / "train.json.gz")}
    assert test_objects and not test_objects & train_objects


def test_corrupt_unit_is_reported(tmp_path):
    build_units(CONFIG, tmp_path, progress=False)
    path = unit_path(tmp_path, "mug", 3)
    path.write_bytes(gzip.compress(b"{not json")[:20])
    with pytest.raises(DexgysError, match="corrupt"):
        merge_dataset(CONFIG, tmp_path)


def test_changed_settings_are_refused(tmp_path):
    build_units(CONFIG, tmp_path, progress=False)
    other = BuildConfig(CONFIG.categories, CONFIG.objects_per_category, grasps_per_intent=3)
    with pytest.raises(DexgysError, match="other settings"):
        build_units(other, tmp_path, progress=False)


def test_other_pipeline_versions_are_refused(tmp_path):
    build_units(CONFIG, tmp_path, progress=False)
    path = unit_path(tmp_path, "mug", 2)
    unit = read_json_gz(path)
    builder.write_json_gz(path, {**unit, "pipeline": "synthesis-0+dexgys-sim-0"})
    with pytest.raises(DexgysError, match="pipeline"):
        build_units(CONFIG, tmp_path, progress=False)


def test_units_held_by_a_live_builder_are_left_alone_and_stale_locks_taken(tmp_path):
    (tmp_path / "units").mkdir()
    held, stale = unit_path(tmp_path, "mug", 0), unit_path(tmp_path, "bottle", 0)
    builder._lock_path(held).write_text(f"{builder.socket.gethostname()} {os.getpid()}")  # alive: this process
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    builder._lock_path(stale).write_text(f"{builder.socket.gethostname()} {int(dead.stdout)}")
    build_units(CONFIG, tmp_path, progress=False)
    assert ("mug", 0) not in CALLS and not held.exists()
    assert ("bottle", 0) in CALLS and stale.exists() and not builder._lock_path(stale).exists()


def test_pipeline_version_names_protocol_and_hand():
    assert builder.pipeline_version().endswith("+dexgys-sim-2+shadow")
    real = BuildConfig(("mug",), 1, 1, hand="shadow-mesh", protocol="dexgraspbench")
    assert builder.pipeline_version(real).endswith("+dexgraspbench-fc-1+shadow-mesh")


def test_a_real_unit_on_the_mesh_hand_carries_its_protocol_stage_poses():
    """One real unit (apple, hold, 2 grasps) synthesised on the real-mesh hand and validated by the
    DexGraspBench protocol: every record holds under that protocol again, from its own pre-grasp and
    squeeze joints, which lie on either side of the grasp."""
    import numpy as np

    from dexgys.hands import load_hand
    from dexgys.objects.catalogue import make_object
    from dexgys.sim.grasp_test import stage_joint_poses, test_grasps

    config = BuildConfig(("apple",), 1, 2, intents=("hold",), hand="shadow-mesh", protocol="dexgraspbench")
    unit = REAL_BUILD_UNIT("apple", 0, config)
    assert unit["pipeline"] == builder.pipeline_version(config) and unit["records"]
    hand, obj = load_hand("shadow-mesh"), make_object("apple", 0)
    grasps = np.array([r["dex_grasp"] for r in unit["records"]])
    stages = stage_joint_poses(hand, obj, grasps, "dexgraspbench")
    for key, name in (("pregrasp", "dex_pregrasp_joints"), ("squeeze", "dex_squeeze_joints")):
        np.testing.assert_allclose([r[name] for r in unit["records"]], stages[key], atol=1e-9)
    assert test_grasps(hand, obj, grasps, protocol="dexgraspbench").success_all6.all()


def test_units_are_seed_major_and_candidates_follow_the_pass_rate():
    assert CONFIG.units()[:3] == [("mug", 0), ("bottle", 0), ("mug", 1)]
    assert builder.candidates_for(10, 0, 0) == 20  # prior pass rate 3/4
    assert builder.candidates_for(2, 0, 0) == builder.MIN_CANDIDATES
    assert builder.candidates_for(10, 0, 100) == builder.MAX_CANDIDATES  # nothing passed yet
    assert builder.candidates_for(5, 45, 50) < builder.candidates_for(5, 5, 50)


@pytest.mark.parametrize(
    "config, message",
    [
        (BuildConfig((), 1, 1), "no categories"),
        (BuildConfig(("mug",), 0, 1), "at least 1"),
        (BuildConfig(("mug",), 1, 0), "at least 1"),
        (BuildConfig(("teacup",), 1, 1), "unknown object category"),
        (BuildConfig(("apple",), 1, 1, intents=("use",)), "not supported"),
        (BuildConfig(("mug",), 1, 1, hand="allegro"), "unknown hand"),
        (BuildConfig(("mug",), 1, 1, hand="shadow-capsule"), "canonical name 'shadow'"),
        (BuildConfig(("mug",), 1, 1, protocol="isaac"), "unknown physics protocol"),
    ],
)
def test_impossible_requests(tmp_path, config, message):
    with pytest.raises(DexgysError, match=message):
        build_units(config, tmp_path, progress=False)
    assert not CALLS
