"""Write the standard pictures of an object with optional grasps, and of a generation's result: HTML
viewer and PNG."""

from __future__ import annotations

import os

import torch
import trimesh

from dexgys.hands import HandPose, load_hand
from dexgys.objects.grasp_object import GraspObject
from dexgys.viz.html import build_figure, write_html
from dexgys.viz.render import contact_sheet, render_images, save_png
from dexgys.viz.scene import hand_scene, object_scene, point_cubes

PNG_GRASPS = 4  # grasps shown in a PNG (the HTML viewer shows all)


def write_views(
    obj: GraspObject,
    hand_meshes: list[list[trimesh.Trimesh]] | None = None,
    labels: list[str] | None = None,
    html: str | os.PathLike | None = None,
    png: str | os.PathLike | None = None,
    title: str | None = None,
    tile_size: int = 420,
) -> None:
    """HTML (all grasps, selectable) and/or PNG (object alone from two sides, or up to 4 grasps)."""
    hand_meshes = hand_meshes or []
    labels = labels or [f"grasp {i}" for i in range(len(hand_meshes))]
    title = title or obj.name
    obj_items = object_scene(obj)
    grasp_items = [hand_scene(meshes, f"hand ({label})") for meshes, label in zip(hand_meshes, labels)]
    if html is not None:
        write_html(build_figure(obj_items, grasp_items, labels, title), html)
    if png is not None:
        if grasp_items:
            tiles = [
                render_images(obj_items + items, size=(tile_size, tile_size))[0] for items in grasp_items[:PNG_GRASPS]
            ]
            captions = labels[:PNG_GRASPS]
        else:
            tiles = render_images(obj_items, views=[(135.0, -25.0), (-45.0, -25.0)], size=(tile_size, tile_size))
            captions = [f"{title} ({', '.join(obj.part_names)})", "other side"]
        save_png(contact_sheet(tiles, [c[:70] for c in captions], columns=min(len(tiles), 2)), png)


def write_generation_views(result, html: str | os.PathLike | None = None, png: str | os.PathLike | None = None) -> None:
    """HTML viewer (every grasp, selectable) and/or PNG (up to four grasps) of a
    :class:`~dexgys.generation_result.GenerationResult`'s grasps on its object, drawn with the hand the
    polish fitted them to; a bare point cloud is drawn as small cubes."""
    hand = load_hand(result.hand)
    pose = HandPose.from_record(torch.from_numpy(result.object_frame_records()), hand.n_dofs, hand.name)
    meshes = [[m] for m in hand.meshes(pose)]
    labels = [f"grasp {i}" for i in range(len(meshes))]
    title = f"{result.object.name}: {result.instruction[:80]}"
    if result.object.object is not None:
        write_views(result.object.object, meshes, labels, html=html, png=png, title=title)
        return
    cloud = [point_cubes(result.object.points)]
    grasp_items = [hand_scene(m, f"hand ({label})") for m, label in zip(meshes, labels)]
    if html is not None:
        write_html(build_figure(cloud, grasp_items, labels, title), html)
    if png is not None:
        tiles = [render_images(cloud + items, size=(420, 420))[0] for items in grasp_items[:PNG_GRASPS]]
        save_png(contact_sheet(tiles, labels[:PNG_GRASPS], columns=min(len(tiles), 2)), png)
