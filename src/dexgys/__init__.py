"""dexgys: language-guided dexterous grasping (Grasp as You Say), on a laptop CPU."""

import os as _os

# Headless rendering by default: MuJoCo reads MUJOCO_GL when it is first imported, and several
# layers import it, so the choice is made here, before any of them. Set MUJOCO_GL=osmesa (with
# Debian's libosmesa6) or glfw (with a display) to override.
_os.environ.setdefault("MUJOCO_GL", "egl")
if _os.environ["MUJOCO_GL"] in ("egl", "osmesa"):
    _os.environ.setdefault("PYOPENGL_PLATFORM", _os.environ["MUJOCO_GL"])

__version__ = "0.1.0"
