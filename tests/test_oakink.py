import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import trimesh

from dexgys.errors import DexgysError
from dexgys.objects.oakink import OakInkLibrary

FIXTURE = Path(__file__).parent / "fixtures" / "oakink_tiny"
MUG_MESH = FIXTURE / "shape" / "OakInkObjectsV2" / "mug_tiny" / "align_ds" / "textured_simple.obj"


@pytest.fixture()
def copy(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "oakink")
    return tmp_path / "oakink"


def test_lists_present_objects_with_categories():
    lib = OakInkLibrary(FIXTURE)
    assert lib.list_objects() == ["A02001", "s16101"]  # A02999 is listed in the metadata but absent
    assert lib.category("A02001") == "mug" and lib.category("s16101") == "bottle"
    assert lib.list_objects(category="bottle") == ["s16101"]
    relabelled = OakInkLibrary(FIXTURE, categories={"s16101": "cylinder_bottle"})
    assert relabelled.category("s16101") == "cylinder_bottle"


def test_root_may_be_the_shape_folder():
    assert OakInkLibrary(FIXTURE / "shape").list_objects() == ["A02001", "s16101"]
    assert OakInkLibrary(FIXTURE / "shape").load("A02001").part_names == ["body", "handle"]


def test_real_object_is_centred_exactly_as_dexgys_and_gets_oakbase_parts():
    obj = OakInkLibrary(FIXTURE).load("A02001")
    # DexGYS task_dex_datasets.py: trimesh.load(process=False, force="mesh", skip_materials=True) - bbox centre
    raw = trimesh.load(MUG_MESH, process=False, force="mesh", skip_materials=True)
    centre = (raw.vertices.min(0) + raw.vertices.max(0)) / 2
    np.testing.assert_array_equal(obj.source["offset"], -centre)
    np.testing.assert_allclose(obj.mesh.triangles, raw.triangles - centre, atol=1e-12)
    assert obj.name == "A02001" and obj.category == "mug"
    assert obj.source["oakink_name"] == "mug_tiny" and obj.source["virtual"] is False
    assert obj.part_names == ["body", "handle"]
    # faces 0-39 are the cylinder, 40-51 the box handle (see the fixture's README)
    assert (obj.face_labels[:40] == 0).mean() >= 0.9 and (obj.face_labels[40:] == 1).mean() >= 0.9
    assert obj.sdf_numpy(np.zeros((1, 3)))[0] < 0


def test_virtual_object_takes_the_align_file_and_one_part():
    obj = OakInkLibrary(FIXTURE).load("s16101")
    assert obj.source["path"].endswith("bottle_tiny_v0_align.ply") and obj.source["virtual"] is True
    assert obj.part_names == ["body"] and obj.category == "bottle"
    np.testing.assert_allclose(obj.mesh.bounds.sum(0), 0.0, atol=1e-9)


def test_errors_name_the_problem(tmp_path):
    lib = OakInkLibrary(FIXTURE)
    with pytest.raises(DexgysError, match="unknown OakInk object id 'Z00000'"):
        lib.load("Z00000")
    with pytest.raises(DexgysError, match="mesh folder .* is missing"):
        lib.load("A02999")
    with pytest.raises(DexgysError, match="not an OakInk copy"):
        OakInkLibrary(tmp_path)


def test_several_meshes_without_align_in_the_name_are_ambiguous(copy):
    folder = copy / "shape" / "OakInkObjectsV2" / "mug_tiny" / "align_ds"
    shutil.copy(folder / "textured_simple.obj", folder / "other.obj")
    with pytest.raises(DexgysError, match="expected one mesh"):
        OakInkLibrary(copy).load("A02001")


def test_misaligned_oakbase_parts_fall_back_to_one_part(copy):
    for ply in (copy / "OakBase" / "mug" / "mug_tiny").glob("part_*.ply"):
        cloud = trimesh.load(ply, process=False)
        trimesh.PointCloud(np.asarray(cloud.vertices) + [0.0, 0.0, 1.0]).export(ply)
    obj = OakInkLibrary(copy).load("A02001")
    assert obj.part_names == ["body"] and "parts not used" in obj.source["parts_note"]


def test_a_parts_json_beside_the_mesh_wins(copy):
    folder = copy / "shape" / "OakInkObjectsV2" / "mug_tiny" / "align_ds"
    labels = [0] * 40 + [1] * 12
    (folder / "textured_simple.parts.json").write_text(json.dumps({"parts": ["cup", "grip"], "face_labels": labels}))
    obj = OakInkLibrary(copy).load("A02001")
    assert obj.part_names == ["cup", "grip"]
    np.testing.assert_array_equal(obj.face_labels, labels)
