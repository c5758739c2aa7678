"""dexgys: language-guided dexterous grasping (Grasp as You Say), on a laptop CPU."""

__version__ = "0.1.0"
