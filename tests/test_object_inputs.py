"""``load_object_input``: catalogue names, mesh files and point clouds -> object-frame clouds."""

import numpy as np
import pytest
import trimesh

from dexgys.errors import DexgysError
from dexgys.objects.catalogue import make_object
from dexgys.objects.inputs import MIN_POINTS, load_object_input

N = 128


def sphere_cloud(n=400, radius=0.04, centre=(0.0, 0.0, 0.0), seed=0):
    """Points on a sphere ``(n, 3)`` and their outward normals ``(n, 3)``."""
    d = np.random.default_rng(seed).normal(size=(n, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    return radius * d + np.asarray(centre), d


def write_ply_cloud(path, points, normals=None):
    props = ["x", "y", "z"] + (["nx", "ny", "nz"] if normals is not None else [])
    rows = points if normals is None else np.hstack([points, normals])
    header = ["ply", "format ascii 1.0", f"element vertex {len(points)}"]
    header += [f"property float {p}" for p in props] + ["end_header"]
    path.write_text("\n".join(header + [" ".join(f"{x:.9g}" for x in row) for row in rows]) + "\n")


def test_catalogue_name_gives_object_frame_cloud_with_parts():
    inp = load_object_input("mug:0", n_points=N, seed=0)
    obj = make_object("mug", 0)
    assert inp.name == "mug:0" and inp.object is not None and inp.object.part_names == obj.part_names
    assert inp.points.shape == (N, 3) and inp.points.dtype == np.float32
    assert inp.normals.shape == (N, 3) and inp.normals.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(inp.normals, axis=1), 1.0, atol=1e-5)
    assert inp.parts.shape == (N,) and set(np.unique(inp.parts)) == {0, 1}  # body and handle both sampled
    np.testing.assert_array_equal(inp.offset, 0.0)
    assert np.abs(obj.sdf_numpy(inp.points)).max() < 1e-3  # on the surface, in the object frame
    assert np.abs(inp.points).max(0).max() <= obj.extents.max() / 2 + 1e-6
    again = load_object_input("mug:0", n_points=N, seed=0)
    assert again.points.tobytes() == inp.points.tobytes() and again.normals.tobytes() == inp.normals.tobytes()
    assert load_object_input("mug:0", n_points=N, seed=1).points.tobytes() != inp.points.tobytes()


def test_mesh_file_keeps_parts_and_records_the_offset(tmp_path):
    obj = make_object("mug", 0)
    obj.export(tmp_path / "mug.obj")  # writes mug.parts.json beside it
    inp = load_object_input(str(tmp_path / "mug.obj"), n_points=N)
    assert inp.object is not None and inp.object.part_names == ["body", "handle"] and inp.parts is not None

    moved = obj.mesh.copy()
    moved.apply_translation([0.3, -0.1, 0.05])
    (tmp_path / "moved.stl").write_bytes(moved.export(file_type="stl"))
    inp = load_object_input(str(tmp_path / "moved.stl"), n_points=N)
    assert inp.parts is None and inp.name == "moved"  # no part file: no labels
    np.testing.assert_allclose(inp.offset, [-0.3, 0.1, -0.05], atol=1e-7)
    # object-frame points minus the offset lie on the file's surface
    _, dist, _ = trimesh.proximity.closest_point(moved, inp.points.astype(np.float64) - inp.offset)
    assert dist.max() < 1e-5
    grasp = np.zeros(28)
    grasp[3:6] = [0.1, 0.2, 0.3]
    back = inp.to_input_frame(grasp[None])
    np.testing.assert_allclose(back[0, :3], [0.3, -0.1, 0.05], atol=1e-7)
    np.testing.assert_array_equal(back[0, 3:], grasp[3:])

    (tmp_path / "mesh.ply").write_bytes(obj.mesh.export(file_type="ply"))  # a .ply with faces is a mesh
    assert load_object_input(str(tmp_path / "mesh.ply"), n_points=N).object is not None


def test_npy_clouds_are_centred_and_get_outward_normals(tmp_path):
    points, radial = sphere_cloud(centre=(0.5, 0.2, -0.1))
    np.save(tmp_path / "ball.npy", points)
    inp = load_object_input(str(tmp_path / "ball.npy"), n_points=N)
    assert inp.object is None and inp.parts is None and inp.name == "ball"
    assert inp.points.shape == (N, 3) and inp.normals.shape == (N, 3)
    np.testing.assert_allclose(inp.offset, -(points.min(0) + points.max(0)) / 2)
    # estimated normals are radial and point outwards
    outward = inp.points / np.linalg.norm(inp.points, axis=1, keepdims=True)
    assert ((inp.normals * outward).sum(1) > 0.9).mean() > 0.95
    assert load_object_input(str(tmp_path / "ball.npy"), n_points=N).points.tobytes() == inp.points.tobytes()

    given = -radial  # (N, 6): the file's normals are used as given (here deliberately inward), unit length
    np.save(tmp_path / "with_normals.npy", np.hstack([points, 2.0 * given]))
    inp = load_object_input(str(tmp_path / "with_normals.npy"), n_points=N)
    outward = inp.points / np.linalg.norm(inp.points, axis=1, keepdims=True)
    np.testing.assert_allclose((inp.normals * outward).sum(1), -1.0, atol=1e-3)


def test_ply_and_text_clouds(tmp_path):
    points, radial = sphere_cloud()
    write_ply_cloud(tmp_path / "a.ply", points, radial)
    write_ply_cloud(tmp_path / "b.ply", points)
    a = load_object_input(str(tmp_path / "a.ply"), n_points=N)
    b = load_object_input(str(tmp_path / "b.ply"), n_points=N)
    assert a.object is None and b.object is None
    np.testing.assert_allclose(a.points, b.points)
    assert ((a.normals * b.normals).sum(1) > 0.9).mean() > 0.95  # given and estimated normals agree

    np.savetxt(tmp_path / "c.xyz", points)
    lines = ["# x, y, z"] + [", ".join(f"{x:.9g}" for x in p) for p in points]
    (tmp_path / "d.txt").write_text("\n".join(lines) + "\n")
    for name in ("c.xyz", "d.txt"):
        np.testing.assert_allclose(load_object_input(str(tmp_path / name), n_points=N).points, a.points, atol=1e-6)


def test_small_clouds_are_padded_with_repeats(tmp_path):
    points, _ = sphere_cloud(n=100)
    np.save(tmp_path / "few.npy", points)
    inp = load_object_input(str(tmp_path / "few.npy"), n_points=N)
    assert inp.points.shape == (N, 3)
    assert len(np.unique(inp.points, axis=0)) == 100  # every input point kept, the rest repeats


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("nan", "NaN or infinite"),
        ("shape", r"expected \(N, 3\) points"),
        ("few", f"at least {MIN_POINTS}"),
        ("millimetres", "scale it by 0.001"),
        ("tiny", "too small to grasp"),
        ("zero_normals", "zero-length normals"),
    ],
)
def test_bad_point_clouds(tmp_path, content, message):
    points, radial = sphere_cloud()
    data = {
        "nan": np.where(np.arange(len(points))[:, None] == 5, np.nan, points),
        "shape": np.hstack([points, points[:, :1]]),
        "few": points[:10],
        "millimetres": points * 1000.0,
        "tiny": points * 0.01,
        "zero_normals": np.hstack([points, np.zeros_like(radial)]),
    }[content]
    np.save(tmp_path / "bad.npy", data)
    with pytest.raises(DexgysError, match=message):
        load_object_input(str(tmp_path / "bad.npy"))


def test_bad_meshes_and_files(tmp_path):
    tetra = "v 0 0 0\nv 0.1 0 0\nv 0 0.1 0\nv {} 0 0.1\n"
    (tmp_path / "nan.obj").write_text(tetra.format("nan") + "f 1 2 3\nf 1 2 4\nf 1 3 4\nf 2 3 4\n")
    (tmp_path / "nofaces.obj").write_text(tetra.format("0"))
    big = make_object("mug", 0).mesh.copy()
    big.apply_scale(1000.0)
    (tmp_path / "mug_mm.stl").write_bytes(big.export(file_type="stl"))
    (tmp_path / "garbage.ply").write_text("not a ply file")
    (tmp_path / "words.txt").write_text("hello world\n")
    (tmp_path / "cloud.pcd").write_text("")
    cases = {
        "nan.obj": "NaN or infinite",
        "nofaces.obj": "no triangles",
        "mug_mm.stl": "millimetres, scale it by 0.001",
        "garbage.ply": "cannot read",
        "words.txt": "cannot read point cloud",
        "cloud.pcd": "cannot read",
        "missing.obj": "does not exist",
        "missing.npy": "does not exist",
    }
    for name, message in cases.items():
        with pytest.raises(DexgysError, match=message):
            load_object_input(str(tmp_path / name))
    with pytest.raises(DexgysError, match="unknown object category 'chair'"):
        load_object_input("chair:1")
    with pytest.raises(DexgysError, match="neither a catalogue name"):
        load_object_input("somewhere/cup.pcd")
    with pytest.raises(DexgysError, match="must be positive"):
        load_object_input("mug:0", n_points=0)


def test_the_largest_catalogue_objects_pass_the_size_check():
    # fryingpan:16 is 0.505 m with its handle: once rejected as "larger than a hand-held object".
    obj = load_object_input("fryingpan:16", n_points=256)
    assert 0.5 < float(np.ptp(obj.points, axis=0).max()) < 1.0
