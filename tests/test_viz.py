import numpy as np

from dexgys.hands import HandPose, load_hand
from dexgys.objects.catalogue import make_object
from dexgys.viz.html import build_figure
from dexgys.viz.render import render_images
from dexgys.viz.scene import hand_scene, object_scene


def test_object_scene_has_one_item_per_part():
    obj = make_object("mug", 2)
    items = object_scene(obj)
    assert [i.name for i in items] == obj.part_names
    assert sum(len(i.mesh.faces) for i in items) == len(obj.mesh.faces)


def test_render_shows_the_object_in_its_part_colours():
    obj = make_object("mug", 2)
    items = object_scene(obj)
    (img,) = render_images(items, size=(160, 160))
    assert img.shape == (160, 160, 3) and img.dtype == np.uint8
    background = (img == 255).all(-1)
    assert 0.05 < 1 - background.mean() < 0.95  # something drawn, not everything
    blueish = img[..., 2] > img[..., 0] + 40  # the first part colour is blue
    assert blueish.mean() > 0.01


def test_html_figure_has_a_menu_entry_per_grasp():
    obj = make_object("bottle", 0)
    hand = load_hand()
    pose = HandPose.identity(3, hand.n_dofs)
    grasps = [hand_scene([m]) for m in hand.meshes(pose)]
    fig = build_figure(object_scene(obj), grasps, ["a", "b", "c"], "bottle")
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert labels == ["a", "b", "c", "all grasps"]
    n_obj = len(obj.part_names)
    assert fig.layout.updatemenus[0].buttons[1].args[0]["visible"] == [True] * n_obj + [False, True, False]
