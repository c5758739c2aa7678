"""Catalogue categories for tools and hand-held devices (``dexgys.objects.catalogue.tools``)."""

from functools import cache

import numpy as np
import pytest

from dexgys.objects.catalogue import categories, category_rng, get_category, make_object

TOOLS = {
    "binoculars": ("barrels", "bridge", "eyepieces"),
    "cameras": ("body", "lens", "shutter_button"),
    "eyeglasses": ("frame", "lenses", "temples"),
    "flashlight": ("body", "head", "switch"),
    "gamecontroller": ("body", "grips", "buttons"),
    "hammer": ("handle", "head"),
    "headphones": ("headband", "earcups"),
    "knife": ("blade", "handle"),
    "mouse": ("body", "buttons"),
    "pen": ("body", "tip", "cap"),
    "phone": ("body", "screen", "buttons"),
    "pincer": ("jaws", "handles"),
    "power_drill": ("body", "handle", "trigger", "chuck"),
    "scissors": ("blades", "handle_loops"),
    "screwdriver": ("handle", "shaft", "tip"),
    "stapler": ("top", "base"),
    "wrench": ("handle", "head"),
}
SEEDS = (0, 1, 2)


@cache
def obj(category: str, seed: int):
    return make_object(category, seed)


def test_tool_categories_registered_with_parts_and_sizes():
    assert set(TOOLS) <= set(categories())
    for name, parts in TOOLS.items():
        spec = get_category(name)
        assert spec.parts == parts
        lo, hi = spec.size_range
        assert 0.05 < lo < hi < 0.5
        assert spec.description


@pytest.mark.parametrize("category", sorted(TOOLS))
def test_objects_are_one_watertight_labelled_solid_of_the_right_size(category):
    spec = get_category(category)
    lo, hi = spec.size_range
    for seed in SEEDS:
        o = obj(category, seed)
        mesh = o.mesh
        assert mesh.is_watertight, f"{category}:{seed} not watertight"
        assert len(mesh.split(only_watertight=False)) == 1, f"{category}:{seed} has several bodies"
        assert o.part_names == list(spec.parts)
        counts = np.bincount(o.face_labels, minlength=len(o.part_names))
        assert (counts > 0).all(), f"{category}:{seed} parts without faces: {dict(zip(o.part_names, counts))}"
        assert lo <= mesh.extents.max() <= hi, f"{category}:{seed} extent {mesh.extents.max():.4f}"
        assert np.allclose(mesh.bounds.mean(axis=0), 0.0, atol=1e-9)
        assert len(o.primitives) <= 14
        assert o.category == category and o.source["seed"] == seed


@pytest.mark.parametrize("category", sorted(TOOLS))
def test_seeds_give_different_shapes_and_the_same_seed_the_same_shape(category):
    shapes = [obj(category, s).mesh for s in SEEDS]
    for i in range(len(shapes)):
        for j in range(i + 1, len(shapes)):
            a, b = shapes[i], shapes[j]
            assert a.vertices.shape != b.vertices.shape or not np.allclose(a.vertices, b.vertices)
            assert not np.allclose(a.extents, b.extents, atol=1e-4)
    spec = get_category(category)
    first = spec.build(category_rng(category, SEEDS[0]))
    again = spec.build(category_rng(category, SEEDS[0]))
    assert first == again  # same parts, same primitives, same parameters
