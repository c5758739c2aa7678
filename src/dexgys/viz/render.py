"""Offscreen PNG renders with MuJoCo's renderer (EGL by default, OSMesa if ``MUJOCO_GL=osmesa``).

The meshes are put into a throw-away MuJoCo model as visual-only mesh geoms (no collision, no
physics), so the picture shows exactly the triangles the HTML viewer shows.
"""

from __future__ import annotations

import io
import os
import textwrap

import mujoco
import numpy as np
from PIL import Image, ImageDraw

from dexgys.atomic import atomic_write_bytes
from dexgys.errors import DexgysError
from dexgys.viz.scene import ColoredMesh


def _build_model(items: list[ColoredMesh]) -> mujoco.MjModel:
    spec = mujoco.MjSpec()
    spec.visual.global_.offwidth = 2048
    spec.visual.global_.offheight = 2048
    spec.visual.headlight.ambient = [0.35, 0.35, 0.35]
    spec.visual.headlight.diffuse = [0.55, 0.55, 0.55]
    for i, item in enumerate(items):
        mesh = spec.add_mesh()
        mesh.name = f"m{i}"
        mesh.uservert = np.asarray(item.mesh.vertices, dtype=np.float32).ravel().tolist()
        mesh.userface = np.asarray(item.mesh.faces, dtype=np.int32).ravel().tolist()
        geom = spec.worldbody.add_geom()
        geom.type = mujoco.mjtGeom.mjGEOM_MESH
        geom.meshname = mesh.name
        geom.rgba = [*item.color, item.opacity]
        geom.contype = 0
        geom.conaffinity = 0
    light = spec.worldbody.add_light()
    light.pos = [0.3, -0.3, 0.6]
    light.dir = [-0.4, 0.4, -1.0]
    light.diffuse = [0.5, 0.5, 0.5]
    return spec.compile()


def render_images(
    items: list[ColoredMesh],
    views: list[tuple[float, float]] = ((135.0, -25.0),),
    size: tuple[int, int] = (480, 480),
    background: tuple[int, int, int] = (255, 255, 255),
) -> list[np.ndarray]:
    """Render ``items`` from each ``(azimuth, elevation)`` view (degrees); returns ``(H, W, 3)`` uint8 images.

    The camera looks at the centre of the scene's bounding box from a distance that fits it.
    """
    model = _build_model(items)
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    verts = np.concatenate([np.asarray(item.mesh.vertices) for item in items])
    lo, hi = verts.min(0), verts.max(0)
    width, height = size
    try:
        renderer = mujoco.Renderer(model, height=height, width=width)
    except Exception as exc:  # no GL platform: say how to get one instead of a traceback
        raise DexgysError(
            f"offscreen rendering failed with MUJOCO_GL={os.environ.get('MUJOCO_GL')!r} ({exc}); "
            "try MUJOCO_GL=osmesa after 'apt-get install libosmesa6'"
        ) from None
    images = []
    try:
        for azimuth, elevation in views:
            camera = mujoco.MjvCamera()
            camera.lookat[:] = (lo + hi) / 2
            camera.distance = 1.35 * float(np.linalg.norm(hi - lo)) / 2 / np.tan(np.radians(model.vis.global_.fovy / 2))
            camera.azimuth, camera.elevation = azimuth, elevation
            renderer.update_scene(data, camera=camera)
            rgb = renderer.render().copy()
            renderer.enable_depth_rendering()
            renderer.update_scene(data, camera=camera)
            depth = renderer.render()
            renderer.disable_depth_rendering()
            rgb[depth >= model.stat.extent * model.vis.map.zfar * 0.99] = background
            images.append(rgb)
    finally:
        renderer.close()
    return images


def wrap_caption(text: str, width: int = 52, max_lines: int = 3) -> str:
    """``text`` broken into at most ``max_lines`` lines of ``width`` characters, for :func:`contact_sheet`
    (three lines fit ``caption_height=42``)."""
    return "\n".join(textwrap.wrap(text, width)[:max_lines])


def contact_sheet(tiles: list[np.ndarray], captions: list[str], columns: int, caption_height: int = 18) -> Image.Image:
    """Arrange equally sized RGB tiles in a grid with a caption under each (``\n`` starts a new line)."""
    h, w = tiles[0].shape[:2]
    rows = (len(tiles) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * w, rows * (h + caption_height)), "white")
    draw = ImageDraw.Draw(sheet)
    for k, (tile, caption) in enumerate(zip(tiles, captions)):
        x, y = (k % columns) * w, (k // columns) * (h + caption_height)
        sheet.paste(Image.fromarray(tile), (x, y))
        for k_line, line in enumerate(caption.split("\n")):
            draw.text((x + 4, y + h + 3 + 12 * k_line), line, fill=(0, 0, 0))
    return sheet


def save_png(image: Image.Image | np.ndarray, path: str | os.PathLike) -> None:
    """Write a PNG atomically."""
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    atomic_write_bytes(path, buffer.getvalue())
