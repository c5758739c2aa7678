import json

import numpy as np
import pytest
import torch
import trimesh

import dexgys.objects.mesh_object as mo
from dexgys.errors import DexgysError
from dexgys.objects.mesh_object import MeshObject, load_mesh_object, mesh_object_from_arrays

R = 0.05


def _sphere(subdivisions=3):
    return trimesh.creation.icosphere(subdivisions=subdivisions, radius=R)


def _random_points(n, lo=-0.08, hi=0.08, seed=0):
    return np.random.default_rng(seed).uniform(lo, hi, (n, 3))


def _broken_sphere(seed=0):
    """Sphere as a triangle soup (duplicated vertices), 10 % flipped faces, 2 % deleted, 5 duplicates."""
    m = _sphere()
    rng = np.random.default_rng(seed)
    f = m.faces.copy()
    flip = rng.random(len(f)) < 0.1
    f[flip] = f[flip][:, ::-1]
    f = np.concatenate([f[rng.random(len(f)) > 0.02], f[:5]])
    soup = m.vertices[f].reshape(-1, 3)
    return soup, np.arange(len(soup)).reshape(-1, 3)


def test_sdf_matches_trimesh_on_a_watertight_mesh():
    mesh = trimesh.creation.torus(major_radius=0.05, minor_radius=0.02, major_sections=24, minor_sections=12)
    obj = mesh_object_from_arrays(mesh.vertices, mesh.faces, name="torus")
    assert obj.is_watertight and obj.repairs == []
    pts = _random_points(3000, -0.08, 0.08)
    ours = obj.sdf_numpy(pts)
    reference = -trimesh.proximity.signed_distance(obj.mesh, pts)  # trimesh: positive inside
    # trimesh's closest point is occasionally ~2e-5 m too far; ours is exact
    np.testing.assert_allclose(ours, reference, atol=5e-5)
    clear = np.abs(reference) > 1e-4
    assert (np.sign(ours[clear]) == np.sign(reference[clear])).all()
    assert (np.abs(ours) <= np.abs(reference) + 1e-12).all()  # exact distances are never longer than trimesh's


def test_sdf_shapes_dtypes_and_nonfinite_points():
    obj = mesh_object_from_arrays(_sphere(2).vertices, _sphere(2).faces, name="s")
    out = obj.sdf(torch.zeros(2, 5, 3, dtype=torch.float32))
    assert out.shape == (2, 5) and out.dtype == torch.float32
    assert torch.allclose(out, torch.full((2, 5), -R), atol=2e-3)
    assert obj.sdf(torch.zeros(0, 3)).shape == (0,)
    assert obj.sdf(torch.zeros(3)).shape == () and obj.sdf_numpy(np.zeros((1, 3))).shape == (1,)
    with pytest.raises(DexgysError, match="non-finite"):
        obj.sdf(torch.tensor([[0.0, float("nan"), 0.0]]))


def test_broken_mesh_is_repaired_and_keeps_inside_outside():
    soup, faces = _broken_sphere()
    obj = mesh_object_from_arrays(soup, faces, name="broken")
    text = " | ".join(obj.repairs)
    assert "duplicate vertices" in text and "duplicate faces" in text and "reversed the winding" in text
    assert not obj.is_watertight and obj.mesh.is_winding_consistent
    pts = _random_points(4000, seed=1)
    r = np.linalg.norm(pts, axis=1)
    clear = np.abs(r - R) > 5e-3
    sdf = obj.sdf_numpy(pts)
    assert ((sdf < 0) == (r < R))[clear].all()
    # also without repair: the winding-number sign does not need it
    raw = mesh_object_from_arrays(soup, faces, name="raw", repair=False)
    assert raw.repairs == []
    assert ((raw.sdf_numpy(pts) < 0) == (r < R))[clear].all()


def test_fully_inverted_mesh_is_turned_outward():
    m = _sphere(2)
    obj = mesh_object_from_arrays(m.vertices, m.faces[:, ::-1], name="inverted")
    assert obj.repairs == [f"reversed the winding of {len(m.faces)} faces so that all normals point outwards"]
    assert obj.mesh.volume > 0


def test_labels_follow_their_faces_through_repair():
    soup, faces = _broken_sphere(seed=2)
    centroids = soup[faces].mean(1)
    labels = (centroids[:, 2] > 0).astype(int)
    # add degenerate faces labelled with the wrong part: they must disappear, not shift labels
    extra = np.array([[0, 0, 1], [2, 2, 2]])
    obj = mesh_object_from_arrays(
        soup, np.concatenate([faces, extra]), np.concatenate([labels, [1 - labels[0], 0]]), ["low", "high"], name="l"
    )
    assert any("degenerate" in r for r in obj.repairs)
    tri_z = obj.mesh.triangles.mean(1)[:, 2]
    np.testing.assert_array_equal(obj.face_labels, (tri_z > 0).astype(int))
    assert obj.part_names == ["low", "high"]


def test_gradient_matches_finite_differences():
    mesh = trimesh.creation.torus(major_radius=0.05, minor_radius=0.02, major_sections=16, minor_sections=8)
    obj = mesh_object_from_arrays(mesh.vertices, mesh.faces, name="torus")
    pts = _random_points(300, seed=3)
    pts = pts[np.abs(obj.sdf_numpy(pts)) > 3e-3]
    p = torch.tensor(pts, requires_grad=True)
    obj.sdf(p).sum().backward()
    h = 1e-7
    fd = np.stack([(obj.sdf_numpy(pts + h * e) - obj.sdf_numpy(pts - h * e)) / (2 * h) for e in np.eye(3)], 1)
    assert np.linalg.norm(p.grad.numpy() - fd, axis=1).max() < 1e-6
    np.testing.assert_allclose(np.linalg.norm(p.grad.numpy(), axis=1), 1.0, atol=1e-9)


def test_load_centres_on_the_bounding_box_and_records_the_offset(tmp_path):
    m = trimesh.creation.box(extents=[0.1, 0.2, 0.3])
    m.apply_translation([1.0, -2.0, 0.5])
    m.export(tmp_path / "box.stl")
    obj = load_mesh_object(tmp_path / "box.stl")
    assert isinstance(obj, MeshObject) and obj.name == "box" and obj.part_names == ["body"]
    np.testing.assert_allclose(obj.source["offset"], [-1.0, 2.0, -0.5])
    np.testing.assert_allclose(obj.mesh.bounds, [[-0.05, -0.1, -0.15], [0.05, 0.1, 0.15]], atol=1e-7)
    assert obj.repairs == ["merged 28 duplicate vertices"]  # STL stores 3 vertices per face
    assert obj.is_watertight


@pytest.mark.parametrize("suffix", ["obj", "ply", "glb", "stl"])
def test_export_then_load_keeps_parts(tmp_path, suffix):
    box = trimesh.creation.box(extents=[0.04, 0.04, 0.1])
    labels = (box.triangles_center[:, 2] > 0.049).astype(int)
    obj = mesh_object_from_arrays(box.vertices, box.faces, labels, ["body", "lid"], name="jar", category="bottle")
    obj.export(tmp_path / f"jar.{suffix}")
    back = load_mesh_object(tmp_path / f"jar.{suffix}")  # finds jar.parts.json by itself
    assert back.part_names == ["body", "lid"] and back.category == "bottle" and back.name == "jar"
    np.testing.assert_array_equal(back.face_labels, (back.mesh.triangles_center[:, 2] > 0.049).astype(int))
    assert back.source["parts_file"].endswith("jar.parts.json")


def test_glb_scene_is_concatenated(tmp_path):
    a = trimesh.creation.box(extents=[0.05, 0.05, 0.05])
    b = trimesh.creation.icosphere(subdivisions=1, radius=0.02).apply_translation([0.1, 0, 0])
    trimesh.Scene([a, b]).export(tmp_path / "two.glb")
    obj = load_mesh_object(tmp_path / "two.glb")
    assert len(obj.mesh.faces) == len(a.faces) + len(b.faces)
    offset = np.array(obj.source["offset"])
    box_centre, ball_centre = offset, offset + [0.1, 0, 0]
    sdf = obj.sdf_numpy(np.stack([box_centre, ball_centre, (box_centre + ball_centre) / 2]))
    np.testing.assert_allclose(sdf[:2], [-0.025, -0.02], atol=2e-3)
    assert sdf[2] > 0


def test_parts_file_errors(tmp_path):
    _sphere(1).export(tmp_path / "s.obj")
    parts = tmp_path / "labels.json"
    parts.write_text(json.dumps({"parts": ["a"], "face_labels": [0] * 3}))
    with pytest.raises(DexgysError, match="3 face labels for a mesh of 80 faces"):
        load_mesh_object(tmp_path / "s.obj", parts_file=parts)
    parts.write_text("{not json")
    with pytest.raises(DexgysError, match="not valid JSON"):
        load_mesh_object(tmp_path / "s.obj", parts_file=parts)
    parts.write_text(json.dumps({"parts": ["a"], "face_labels": [1] * 80}))
    with pytest.raises(DexgysError, match="face labels must be integers in 0..0"):
        load_mesh_object(tmp_path / "s.obj", parts_file=parts)
    with pytest.raises(DexgysError, match="cannot read part-label file"):
        load_mesh_object(tmp_path / "s.obj", parts_file=tmp_path / "absent.json")


def test_bad_mesh_files_raise_one_clear_error(tmp_path, monkeypatch):
    with pytest.raises(DexgysError, match="does not exist"):
        load_mesh_object(tmp_path / "missing.obj")
    (tmp_path / "empty.stl").write_bytes(b"")
    with pytest.raises(DexgysError, match="no triangles|cannot read"):
        load_mesh_object(tmp_path / "empty.stl")
    (tmp_path / "nan.obj").write_text("v 0 0 0\nv 1 0 0\nv nan 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\nf 1 3 4\nf 2 3 4\n")
    with pytest.raises(DexgysError, match="NaN"):
        load_mesh_object(tmp_path / "nan.obj")
    (tmp_path / "flat.obj").write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 1 0\nf 1 2 3\nf 2 4 3\n")
    with pytest.raises(DexgysError, match="flat"):
        load_mesh_object(tmp_path / "flat.obj")
    (tmp_path / "tilted.obj").write_text("v 0 0 0\nv 1 0 1\nv 0 1 0\nv 1 1 1\nf 1 2 3\nf 2 4 3\n")
    with pytest.raises(DexgysError, match="zero volume"):
        load_mesh_object(tmp_path / "tilted.obj")
    (tmp_path / "degenerate.obj").write_text("v 0 0 0\nv 1 0 0\nv 2 0 0\nf 1 2 3\n")
    with pytest.raises(DexgysError, match="no faces left after repair"):
        load_mesh_object(tmp_path / "degenerate.obj")
    (tmp_path / "model.fbx").write_text("")
    with pytest.raises(DexgysError, match=".obj, .stl, .ply or .glb"):
        load_mesh_object(tmp_path / "model.fbx")
    _sphere(1).export(tmp_path / "big.obj")
    monkeypatch.setattr(mo, "MAX_FACES", 50)
    with pytest.raises(DexgysError, match="decimate"):
        load_mesh_object(tmp_path / "big.obj")


def test_hull_collision_pieces_cover_every_part_even_a_flat_one():
    box = trimesh.creation.box(extents=[0.04, 0.04, 0.1])
    labels = (box.triangles_center[:, 2] > 0.049).astype(int)  # "lid" = the two top triangles, flat
    obj = mesh_object_from_arrays(box.vertices, box.faces, labels, ["body", "lid"], name="jar")
    geoms = obj.collision_geoms(method="hull")
    assert obj.collision_method == "hull"
    assert sorted(g.part for g in geoms) == [0, 1]
    for g in geoms:
        assert g.kind == "mesh" and g.vertices.shape[1] == 3 and trimesh.convex.convex_hull(g.vertices).volume > 0
    with pytest.raises(DexgysError, match="unknown collision method"):
        obj.collision_geoms(method="vhacd")


def test_coacd_pieces_are_cached(tmp_path, monkeypatch):
    coacd = pytest.importorskip("coacd")
    m = _sphere(1)
    labels = (m.triangles_center[:, 0] > 0).astype(int)
    obj = mesh_object_from_arrays(m.vertices, m.faces, labels, ["left", "right"], name="ball")
    monkeypatch.setenv("DEXGYS_CACHE", str(tmp_path))
    geoms = obj.collision_geoms()
    assert obj.collision_method == "coacd" and geoms
    assert len(list((tmp_path / "coacd").glob("*.npz"))) == 1
    monkeypatch.setattr(coacd, "run_coacd", lambda *a, **k: pytest.fail("cache not used"))
    again = obj.collision_geoms(method="coacd")
    assert [g.part for g in again] == [g.part for g in geoms]
    np.testing.assert_array_equal(
        np.concatenate([g.vertices for g in again]), np.concatenate([g.vertices for g in geoms])
    )


def test_missing_coacd_is_reported(monkeypatch):
    monkeypatch.setattr(mo, "_coacd_module", lambda: None)
    obj = mesh_object_from_arrays(_sphere(1).vertices, _sphere(1).faces, name="ball")
    assert obj.collision_geoms()  # auto falls back to hulls
    assert obj.collision_method == "hull"
    with pytest.raises(DexgysError, match="pip install coacd"):
        obj.collision_geoms(method="coacd")
