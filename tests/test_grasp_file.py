import json

import pytest

from dexgys.data.grasp_file import read_grasp_file, write_grasp_file
from dexgys.errors import DexgysError

VEC = [0.0] * 28


def test_round_trip(tmp_path):
    path = tmp_path / "g.json"
    write_grasp_file(path, [{"obj_id": "mug:1", "guidance": "hold the mug", "dex_grasp": VEC}], "mug:1")
    gf = read_grasp_file(path)
    assert gf.object_ref == "mug:1" and gf.hand == "shadow" and gf.vectors() == [VEC]


def test_bare_list_with_old_guidence_key(tmp_path):
    path = tmp_path / "g.json"
    path.write_text(
        json.dumps([{"cate_id": "mug", "obj_id": "mug:2", "action_id": "0001", "guidence": "use it", "dex_grasp": VEC}])
    )
    gf = read_grasp_file(path)
    assert gf.records[0]["guidance"] == "use it" and "guidence" not in gf.records[0]
    assert gf.object_ref == "mug:2"


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ("[]", "no grasps"),
        ('{"format_version": 9, "grasps": [{"dex_grasp": []}]}', "version 9"),
        ('[{"dex_grasp": "x"}]', "no 'dex_grasp'"),
        ('[{"dex_grasp": [NaN, 0]}]', "NaN"),
        ('{"x": 1}', "expected a list"),
    ],
)
def test_bad_files(tmp_path, content, message):
    path = tmp_path / "g.json"
    path.write_text(content)
    with pytest.raises(DexgysError, match=message):
        read_grasp_file(path)


def test_missing_file(tmp_path):
    with pytest.raises(DexgysError, match="does not exist"):
        read_grasp_file(tmp_path / "nope.json")
