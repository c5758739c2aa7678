"""Export to DexGraspBench's layout: files its loader reads, pre-grasp / squeeze around the grasp,
read back exactly, and a reader that never runs a file's code."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dexgys.cli.main import main
from dexgys.data.dexgraspbench import e3m5_signs, read_dexgraspbench, write_dexgraspbench
from dexgys.data.grasp_file import write_grasp_file
from dexgys.errors import DexgysError
from dexgys.objects.catalogue import make_object


@pytest.fixture(scope="module")
def grasps():
    """Two power grasps of mug:3 (palm slid up to the mug, fingers closed on it)."""
    import torch

    from dexgys.hands import load_hand
    from dexgys.sim.closing import approach_palm, close_fingers

    mug, hand = make_object("mug", 3), load_hand("shadow")
    recs = []
    for angle in (0.0, 0.6):
        R = torch.tensor([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0], [0, 0, 1.0]])
        recs.append(close_fingers(hand, mug, approach_palm(hand, mug, R, gap=0.002), gap=0.001).numpy())
    return mug, np.array(recs)


def test_export_reads_back_and_loads_as_dexgraspbench_does(tmp_path, grasps):
    mug, recs = grasps
    files = write_dexgraspbench(recs, mug, tmp_path)
    assert [f.name for f in files] == ["0.npy", "1.npy"]
    item = np.load(files[1], allow_pickle=True).item()  # what DexGraspBench's BaseEval does
    assert item["grasp_qpos"].shape == item["pregrasp_qpos"].shape == item["squeeze_qpos"].shape == (29,)
    assert np.allclose(item["grasp_qpos"][:3], item["squeeze_qpos"][:3])  # the palm stays put
    info = json.loads((tmp_path / "object" / "mug_3" / "info" / "simplified.json").read_text())
    assert 0.8 < info["mass"] / info["density"] / mug.mesh.volume < 2.0  # the pieces' volume: overlaps add up
    assert len(list((tmp_path / "object" / "mug_3" / "urdf" / "meshes").glob("convex_piece_*.obj"))) == len(
        mug.collision_geoms()
    )
    back = read_dexgraspbench(files[1])
    np.testing.assert_allclose(back["record"], recs[1], atol=1e-9)
    # the pre-grasp opens what the squeeze closes, about the grasp (BODex's 2 q - q_pre)
    opened = back["grasp"] - back["pregrasp"]
    assert np.abs(opened).max() > 0.01
    assert np.all(e3m5_signs()[[1, 5, 20, 21]] == [1, 1, -1, -1])  # FFJ2, MFJ2 as recorded; THJ1, THJ0 flipped


def test_reader_refuses_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "evil.npy"
    np.save(path, np.array({"grasp_qpos": Evil()}, dtype=object), allow_pickle=True)
    with pytest.raises(DexgysError, match="refusing to load builtins.print"):
        read_dexgraspbench(path)
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    with pytest.raises(DexgysError, match="is not a DexGraspBench grasp file"):
        read_dexgraspbench(tmp_path / "junk.npy")


def test_export_command(tmp_path, grasps, capsys):
    mug, recs = grasps
    src = tmp_path / "g.json"
    write_grasp_file(src, [{"dex_grasp": [float(x) for x in r]} for r in recs], "mug:3")
    assert main(["export", str(src), "--format", "dexgraspbench", "--out", str(tmp_path / "out")]) == 0
    assert "wrote 2 DexGraspBench grasp files" in capsys.readouterr().out
    assert main(["export", str(src), "--format", "dexgraspbench", "--out", str(src)]) == 2
    assert "is not a directory" in capsys.readouterr().err
