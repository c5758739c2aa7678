"""PrimitiveObject: union mesh, centring, part labels, SDF, collision pieces, export."""

import json
import math

import numpy as np
import pytest
import torch

from dexgys.errors import DexgysError
from dexgys.geometry.primitives import Box, Capsule, Cylinder, Sphere
from dexgys.geometry.swept_solids import Lathe, Torus
from dexgys.objects.primitive_object import Part, PrimitiveObject

TOL = 1e-3


def mug_parts():
    """A six-primitive mug, deliberately off-centre: body (lathe + base disc), handle (four pieces)."""
    profile = [(0.0, 0.0), (0.04, 0.0), (0.042, 0.1), (0.038, 0.1), (0.036, 0.006), (0.0, 0.006)]
    body = Lathe(profile, pos=(0.1, 0.0, 0.0))
    base = Cylinder(0.041, 0.003, 0.001, pos=(0.1, 0.0, 0.003))
    upright = (math.cos(math.pi / 4), math.sin(math.pi / 4), 0.0, 0.0)  # torus plane xy -> xz
    handle = Torus(0.03, 0.006, arc=math.pi, pos=(0.14, 0.0, 0.05), quat=upright)
    grip = Capsule(0.005, 0.01, pos=(0.16, 0.0, 0.05))
    knob = Sphere(0.008, pos=(0.17, 0.0, 0.05))
    spur = Box((0.01, 0.005, 0.004), 0.002, pos=(0.15, 0.0, 0.018))
    return [Part("body", [body, base]), Part("handle", [handle, grip, knob, spur])]


@pytest.fixture(scope="module")
def mug():
    return PrimitiveObject.from_parts("mug", mug_parts(), category="mug", source={"seed": 0})


def test_union_is_watertight_and_centred(mug):
    assert mug.is_watertight and mug.mesh.is_winding_consistent and mug.mesh.volume > 0
    assert np.allclose(mug.mesh.bounds.mean(axis=0), 0.0, atol=1e-12)
    assert mug.category == "mug" and mug.source == {"seed": 0}
    assert [p.name for p in mug.parts] == mug.part_names == ["body", "handle"]
    assert len(mug.primitives) == 6
    # the primitives moved with the mesh: its vertices are on (or, at union seams, just inside) the solid
    at_vertices = mug.sdf(torch.tensor(mug.mesh.vertices)).numpy()
    assert at_vertices.max() <= 1e-8 and at_vertices.min() >= -TOL


def test_face_labels_cover_parts_and_follow_the_nearest_part(mug):
    assert set(np.unique(mug.face_labels)) == {0, 1}
    sample = mug.sample_surface(2000, seed=1)
    per_part = mug.part_sdfs(torch.as_tensor(sample.points)).numpy()
    assert per_part.shape == (2000, 2)
    on_own_part = np.abs(per_part[np.arange(2000), sample.labels])
    assert on_own_part.max() <= TOL  # each sampled point lies on the surface of its labelled part
    # known spots given in the original (uncentred) frame: the knob's tip and the middle of the bottom
    shift = np.asarray(mug.parts[0].primitives[0].pos) - [0.1, 0.0, 0.0]
    spots = np.array([[0.178, 0.0, 0.05], [0.1, 0.0, 0.0]]) + shift
    assert mug.part_labels_of(spots).tolist() == [1, 0]


def test_sample_surface_is_deterministic(mug):
    a, b, c = mug.sample_surface(500, seed=3), mug.sample_surface(500, seed=3), mug.sample_surface(500, seed=4)
    assert np.array_equal(a.points, b.points) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.points, c.points)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # trimesh on boolean slivers (zero-area faces)
def test_sdf_sign_agrees_with_mesh_containment(mug):
    lo, hi = mug.mesh.bounds
    points = np.random.default_rng(0).uniform(lo - 0.01, hi + 0.01, size=(4000, 3))
    d = mug.sdf_numpy(points)
    clear = np.abs(d) > TOL
    assert np.array_equal(d[clear] < 0, mug.mesh.contains(points[clear]))
    assert (d < 0).sum() > 100


def test_sdf_and_part_is_min_over_parts_and_differentiable(mug):
    points = torch.as_tensor(np.random.default_rng(1).uniform(-0.1, 0.1, size=(300, 3))).requires_grad_(True)
    d, part = mug.sdf_and_part(points)
    per_part = mug.part_sdfs(points)
    assert torch.allclose(d, per_part.min(-1).values)
    assert torch.equal(part, per_part.argmin(-1))
    (grad,) = torch.autograd.grad(d.sum(), points)
    outside = d.detach() > 1e-3
    assert torch.allclose(grad[outside].norm(dim=-1), torch.ones(int(outside.sum()), dtype=grad.dtype), atol=1e-6)
    assert mug.sdf(points.detach().float()).dtype == torch.float32


def test_collision_geoms_are_tagged_with_parts(mug):
    geoms = mug.collision_geoms()
    parts = {g.part for g in geoms}
    assert parts == {0, 1}
    kinds = {g.kind for g in geoms}
    assert {"mesh", "cylinder", "capsule", "sphere", "box"} <= kinds
    for g in geoms:
        if g.kind == "mesh":
            assert g.vertices.ndim == 2 and g.vertices.shape[1] == 3
            assert mug.sdf_numpy(g.vertices).max() <= 1e-8  # piece vertices lie on the solid


def test_collision_geoms_compile_in_mujoco(mug):
    mujoco = pytest.importorskip("mujoco")
    assets, geoms = [], []
    for i, g in enumerate(mug.collision_geoms()):
        if g.kind == "mesh":
            assets.append(f'<mesh name="piece{i}" vertex="{" ".join(map(str, g.vertices.ravel()))}"/>')
            geoms.append(f'<geom type="mesh" mesh="piece{i}"/>')
        else:
            fields = [("size", g.size), ("pos", g.pos), ("quat", g.quat)]
            attrs = " ".join(f'{k}="{" ".join(map(str, v))}"' for k, v in fields)
            geoms.append(f'<geom type="{g.kind}" {attrs}/>')
    body = f"<body><freejoint/>{''.join(geoms)}</body>"
    xml = f"<mujoco><asset>{''.join(assets)}</asset><worldbody>{body}</worldbody></mujoco>"
    model = mujoco.MjModel.from_xml_string(xml)
    assert model.ngeom == len(geoms)


def test_export_writes_mesh_and_parts(mug, tmp_path):
    mesh_path, parts_path = mug.export(tmp_path / "mug.obj")
    assert mesh_path.exists() and parts_path.name == "mug.parts.json"
    data = json.loads(parts_path.read_text())
    assert data["parts"] == ["body", "handle"] and len(data["face_labels"]) == len(mug.mesh.faces)


def test_tolerance_controls_resolution():
    coarse = PrimitiveObject.from_parts("mug", mug_parts(), tolerance=2e-3)
    fine = PrimitiveObject.from_parts("mug", mug_parts(), tolerance=5e-4)
    assert len(coarse.mesh.faces) < len(fine.mesh.faces)
    assert coarse.is_watertight and fine.is_watertight


@pytest.mark.parametrize(
    "parts",
    [
        [],
        [Part("a", [Sphere(0.01)]), Part("a", [Sphere(0.01, pos=(0.01, 0, 0))])],
        [Part("a", [])],
        [Part("", [Sphere(0.01)])],
        [Part("a", ["not a primitive"])],
    ],
)
def test_bad_parts_raise(parts):
    with pytest.raises(DexgysError):
        PrimitiveObject.from_parts("bad", parts)
