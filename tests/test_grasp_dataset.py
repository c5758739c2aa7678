"""``GraspDataset``: records + deterministic cached object clouds, for our datasets and the official files."""

import gzip
import json
import logging
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from dexgys.data import grasp_dataset
from dexgys.data.builder import write_json_gz
from dexgys.data.grasp_dataset import GraspDataset, check_records, collate
from dexgys.errors import DexgysError
from dexgys.objects.catalogue import make_object
from dexgys.objects.oakink import OakInkLibrary

FIXTURES = Path(__file__).parent / "fixtures"
OFFICIAL = FIXTURES / "dexgys_official_tiny"
OAKINK = FIXTURES / "oakink_tiny"
N = 128


def record(obj_id, action_id="0002", k=0):
    return {
        "cate_id": obj_id.split(":")[0],
        "obj_id": obj_id,
        "action_id": action_id,
        "guidance": f"grasp {obj_id} number {k}",
        "brief_guidance": f"hold the {obj_id.split(':')[0]}",
        "contacts": {"thumb": ["body"], "forefinger": ["body"]},
        "dex_grasp": [0.01 * k] * 3 + [0.1, 0.2, 0.3] + [0.05] * 22,
        "quality": {"q1": 0.1},
    }


def registry_entry(name):
    obj = make_object(name)
    category, seed = name.split(":")
    return {
        "name": name,
        "category": category,
        "seed": int(seed),
        "source": obj.source,
        "parts": list(obj.part_names),
        "extents_m": [float(e) for e in obj.extents],
        "split": "train",
    }


@pytest.fixture(scope="module")
def entries():
    return {name: registry_entry(name) for name in ("mug:0", "bottle:1")}


def write_dataset(root, entries, train=None, test=None):
    root.mkdir(parents=True, exist_ok=True)
    train = (
        train
        if train is not None
        else [
            record("mug:0", "0002", 0),
            record("mug:0", "0001", 1),
            record("bottle:1", "0003", 2),
            record("mug:0", "0002", 3),
        ]
    )
    write_json_gz(root / "train.json.gz", train)
    write_json_gz(root / "test.json.gz", test if test is not None else [record("bottle:1", "0004", 4)])
    (root / "objects.json").write_text(json.dumps({"format_version": 1, "objects": list(entries.values())}))
    return root


@pytest.fixture()
def data_dir(tmp_path, entries):
    return write_dataset(tmp_path / "ds", entries)


def test_items_of_our_dataset(data_dir):
    ds = GraspDataset.from_dir(data_dir, "train", n_points=N)
    assert len(ds) == 4 and ds.object_ids() == ["bottle:1", "mug:0"]
    item = ds[2]
    assert item["index"] == 2 and item["object_id"] == "bottle:1" and item["category"] == "bottle"
    assert item["object_points"].shape == (N, 3) and item["object_points"].dtype == torch.float32
    assert item["object_normals"].shape == (N, 3) and item["object_parts"].dtype == torch.int64
    assert item["grasp"].shape == (28,) and item["grasp"].dtype == torch.float32
    np.testing.assert_allclose(item["grasp"].numpy(), record("bottle:1", k=2)["dex_grasp"], rtol=1e-6)
    assert item["guidance"] == "grasp bottle:1 number 2" and item["action_id"] == 3
    assert item["contacts"] == {"thumb": ["body"], "forefinger": ["body"]}
    bottle = make_object("bottle:1")
    assert item["part_names"] == tuple(bottle.part_names)
    parts = item["object_parts"].numpy()
    assert parts.min() >= 0 and parts.max() < len(bottle.part_names)
    points = item["object_points"].numpy().astype(np.float64)
    assert np.abs(bottle.sdf_numpy(points)).max() < 1e-3  # on the surface, in the object frame
    np.testing.assert_allclose(np.linalg.norm(item["object_normals"].numpy(), axis=1), 1.0, atol=1e-5)
    assert ds[-1]["index"] == 3
    with pytest.raises(IndexError):
        ds[4]
    assert len(GraspDataset.from_dir(data_dir, "test", n_points=N)) == 1


def test_records_of_groups_by_object_and_intent(data_dir):
    ds = GraspDataset.from_dir(data_dir, n_points=N)
    hold = ds.records_of("mug:0", "0002")
    assert [r["guidance"] for r in hold] == ["grasp mug:0 number 0", "grasp mug:0 number 3"]
    assert ds.records_of("mug:0", 2) == hold and hold[0]["quality"] == {"q1": 0.1}  # other keys kept
    assert ds.records_of("mug:0", 4) == []
    with pytest.raises(DexgysError, match="not in this dataset"):
        ds.records_of("mug:7", 1)
    with pytest.raises(DexgysError, match="bad action_id"):
        ds.records_of("mug:0", "0009")
    assert ds.load_object("mug:0").part_names == ["body", "handle"]


def test_clouds_are_deterministic_and_sampled_once(data_dir, monkeypatch):
    calls = []
    real = grasp_dataset.sample_object_cloud

    def counting(obj, n, seed):
        calls.append(obj.name)
        return real(obj, n, seed)

    monkeypatch.setattr(grasp_dataset, "sample_object_cloud", counting)
    a = GraspDataset.from_dir(data_dir, n_points=N, seed=0)
    first = a[0]["object_points"]
    assert [a[i]["object_id"] for i in range(4)] == ["mug:0", "mug:0", "bottle:1", "mug:0"]
    assert calls == ["mug:0", "bottle:1"]  # the second access to an object does not resample
    a[0]["object_points"].zero_()  # items are copies: the cache is untouched
    assert a[0]["object_points"].numpy().tobytes() == first.numpy().tobytes()
    b = GraspDataset.from_dir(data_dir, n_points=N, seed=0)
    c = GraspDataset.from_dir(data_dir, n_points=N, seed=1)
    for key in ("object_points", "object_normals", "object_parts"):
        assert b[0][key].numpy().tobytes() == a[0][key].numpy().tobytes()
    assert c[0]["object_points"].numpy().tobytes() != a[0]["object_points"].numpy().tobytes()


def test_disk_cache_round_trip(data_dir, tmp_path, monkeypatch, caplog):
    cache = tmp_path / "cache"
    a = GraspDataset.from_dir(data_dir, n_points=N, cache_dir=cache)
    a.preload()
    files = sorted(cache.glob("*.npz"))
    assert len(files) == 2 and all(f.name.startswith("catalogue-") for f in files)

    def no_sampling(*args):
        raise AssertionError("resampled despite the disk cache")

    monkeypatch.setattr(grasp_dataset, "sample_object_cloud", no_sampling)
    b = GraspDataset.from_dir(data_dir, n_points=N, cache_dir=cache)
    for i in range(len(a)):
        for key in ("object_points", "object_normals", "object_parts"):
            assert b[i][key].numpy().tobytes() == a[i][key].numpy().tobytes()
        assert b[i]["part_names"] == a[i]["part_names"]
    monkeypatch.undo()

    GraspDataset.from_dir(data_dir, n_points=64, cache_dir=cache).preload()  # another size: other files
    assert len(list(cache.glob("*.npz"))) == 4
    mug_file = next(f for f in files if "mug_0" in f.name)
    mug_file.write_bytes(b"corrupt")
    with caplog.at_level(logging.WARNING):
        c = GraspDataset.from_dir(data_dir, n_points=N, cache_dir=cache)
        assert c[0]["object_points"].numpy().tobytes() == a[0]["object_points"].numpy().tobytes()
    assert "ignoring object-cloud cache" in caplog.text
    with np.load(mug_file) as data:  # rewritten
        assert data["points"].shape == (N, 3)


def test_collate_and_dataloader(data_dir):
    ds = GraspDataset.from_dir(data_dir, n_points=N)
    batch = next(iter(DataLoader(ds, batch_size=3, collate_fn=collate)))
    assert batch["object_points"].shape == (3, N, 3) and batch["object_normals"].shape == (3, N, 3)
    assert batch["object_parts"].shape == (3, N) and batch["grasp"].shape == (3, 28)
    assert batch["action_id"].tolist() == [2, 1, 3] and batch["index"].tolist() == [0, 1, 2]
    assert batch["guidance"] == [f"grasp {o} number {k}" for o, k in (("mug:0", 0), ("mug:0", 1), ("bottle:1", 2))]
    assert batch["object_id"] == ["mug:0", "mug:0", "bottle:1"] and len(batch["contacts"]) == 3
    assert batch["part_names"][0] == ("body", "handle")
    with pytest.raises(DexgysError, match="empty batch"):
        collate([])


def test_official_files_with_both_guidance_spellings():
    train = GraspDataset.from_official(OFFICIAL / "train.json", OAKINK, n_points=N)
    test = GraspDataset.from_official(OFFICIAL / "test.json", OAKINK, n_points=N)  # old 'guidence' key
    raw = json.loads((OFFICIAL / "test.json").read_text())
    assert [test[i]["guidance"] for i in range(len(test))] == [r["guidence"] for r in raw]
    assert all("guidence" not in r for r in test.records) and test.records[0]["seq_id"] == raw[0]["seq_id"]
    assert test[0]["action_id"] == 4 and test[0]["contacts"] == {}
    assert train.object_ids() == ["A02001", "s16101"] and len(train.records_of("A02001", 1)) == 2
    mug, bottle = train[0], train[3]
    assert mug["category"] == "mug" and mug["part_names"] == ("body", "handle")
    assert set(mug["object_parts"].unique().tolist()) == {0, 1}
    assert bottle["part_names"] == () and (bottle["object_parts"] == -1).all()  # no part labels
    # the object frame is DexGYS's: the align_ds mesh centred on its bounding box
    obj = OakInkLibrary(OAKINK).load("A02001")
    assert np.abs(obj.sdf_numpy(mug["object_points"].numpy().astype(np.float64))).max() < 1e-4
    assert train.load_object("A02001").source["oakink_name"] == "mug_tiny"
    np.testing.assert_allclose(
        mug["grasp"].numpy(), json.loads((OFFICIAL / "train.json").read_text())[0]["dex_grasp"], rtol=1e-6
    )


def test_official_errors(tmp_path):
    raw = json.loads((OFFICIAL / "train.json").read_text())
    absent = [*raw, {**raw[0], "obj_id": "A02999"}]  # listed in OakInk's metadata, mesh not downloaded
    (tmp_path / "absent.json").write_text(json.dumps(absent))
    with pytest.raises(DexgysError, match="record 4 refers to OakInk object 'A02999'"):
        GraspDataset.from_official(tmp_path / "absent.json", OAKINK)
    (tmp_path / "unknown.json").write_text(json.dumps([{**raw[0], "obj_id": "Z00000"}]))
    with pytest.raises(DexgysError, match="record 0 refers to OakInk object 'Z00000'"):
        GraspDataset.from_official(tmp_path / "unknown.json", OAKINK)
    (tmp_path / "category.json").write_text(json.dumps([raw[0], {**raw[1], "cate_id": "cup"}]))
    with pytest.raises(DexgysError, match="record 1 gives object 'A02001' category 'cup'"):
        GraspDataset.from_official(tmp_path / "category.json", OAKINK)
    (tmp_path / "nan.json").write_text(json.dumps([raw[0], {**raw[1], "dex_grasp": [float("nan")] * 28}]))
    with pytest.raises(DexgysError, match="record 1 has a NaN"):
        GraspDataset.from_official(tmp_path / "nan.json", OAKINK)
    with pytest.raises(DexgysError, match="does not exist"):
        GraspDataset.from_official(tmp_path / "missing.json", OAKINK)
    with pytest.raises(DexgysError, match="not an OakInk copy"):
        GraspDataset.from_official(OFFICIAL / "train.json", tmp_path)


GOOD = {"cate_id": "mug", "obj_id": "mug:0", "action_id": "0001", "guidance": "g", "dex_grasp": [0.0] * 28}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("not a record", "record 1 is a str, not a JSON object"),
        ({k: v for k, v in GOOD.items() if k != "obj_id"}, "record 1 has no 'obj_id'"),
        ({**GOOD, "guidance": "  "}, "record 1 has a bad 'guidance'"),
        ({**GOOD, "cate_id": 3}, "record 1 has a bad 'cate_id'"),
        ({**GOOD, "action_id": "0007"}, "record 1 has a bad action_id '0007'"),
        ({**GOOD, "action_id": True}, "record 1 has a bad action_id True"),
        ({**GOOD, "dex_grasp": [0.0] * 27}, "record 1 has a bad 'dex_grasp': expected a list of 28 numbers"),
        ({**GOOD, "dex_grasp": [0.0] * 27 + ["x"]}, "record 1 has a bad 'dex_grasp'"),
        ({**GOOD, "contacts": ["thumb"]}, "record 1 has a bad 'contacts'"),
    ],
)
def test_record_schema_errors_name_the_record(bad, message):
    with pytest.raises(DexgysError, match=message):
        check_records([GOOD, bad], "f.json")


def test_record_file_errors():
    with pytest.raises(DexgysError, match="expected a JSON list of grasp records"):
        check_records({"grasps": []}, "f.json")
    with pytest.raises(DexgysError, match="contains no grasp records"):
        check_records([], "f.json")
    old = check_records([{**{k: v for k, v in GOOD.items() if k != "guidance"}, "guidence": "old"}], "f.json")
    assert old[0]["guidance"] == "old" and "guidence" not in old[0] and old[0]["action_id"] == 1


def test_dataset_dir_errors(tmp_path, entries):
    with pytest.raises(DexgysError, match="does not exist"):
        GraspDataset.from_dir(tmp_path / "nowhere")
    root = write_dataset(tmp_path / "ds", entries)
    with pytest.raises(DexgysError, match="unknown split 'val'"):
        GraspDataset.from_dir(root, "val")
    with pytest.raises(DexgysError, match="must be positive"):
        GraspDataset.from_dir(root, n_points=0)
    (root / "test.json.gz").unlink()
    with pytest.raises(DexgysError, match="test.json.gz' does not exist"):
        GraspDataset.from_dir(root, "test")
    (root / "train.json.gz").write_bytes(gzip.compress(b"[{"))
    with pytest.raises(DexgysError, match="corrupt"):
        GraspDataset.from_dir(root)

    unknown = write_dataset(tmp_path / "unknown", entries, train=[record("mug:0"), record("mug:5")])
    with pytest.raises(DexgysError, match="record 1 refers to object 'mug:5', which objects.json does not list"):
        GraspDataset.from_dir(unknown)

    registry = tmp_path / "unknown" / "objects.json"
    registry.unlink()
    with pytest.raises(DexgysError, match="objects.json' is missing"):
        GraspDataset.from_dir(unknown)
    for content, message in [
        ("{", "not valid JSON"),
        (json.dumps({"objects": {}}), "needs an 'objects' list"),
        (json.dumps({"format_version": 9, "objects": []}), "format_version 9"),
        (json.dumps({"format_version": 1, "objects": [{"seed": 1}]}), "object entry 0 has no 'name'"),
        (json.dumps({"format_version": 1, "objects": [{"name": "chair:1"}]}), "unknown object category 'chair'"),
        (
            json.dumps({"format_version": 1, "objects": [{"name": "mug:0", "source": {"kind": "mesh"}}]}),
            "only catalogue objects",
        ),
    ]:
        registry.write_text(content)
        with pytest.raises(DexgysError, match=message):
            GraspDataset.from_dir(unknown)


def test_catalogue_drift_is_detected(tmp_path, entries):
    drifted = {**entries, "mug:0": {**entries["mug:0"], "parts": ["body", "handle", "lid"]}}
    ds = GraspDataset.from_dir(write_dataset(tmp_path / "a", drifted), n_points=N)
    with pytest.raises(DexgysError, match="objects.json lists parts .* rebuild it"):
        ds[0]
    moved = {**entries, "mug:0": {**entries["mug:0"], "extents_m": [0.2, 0.2, 0.2]}}
    ds = GraspDataset.from_dir(write_dataset(tmp_path / "b", moved), n_points=N)
    with pytest.raises(DexgysError, match="objects.json gives extents"):
        ds[0]
    with pytest.raises(DexgysError, match="not in this dataset"):
        ds.object_cloud("apple:0")
