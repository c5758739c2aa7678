"""Viewers: a self-contained HTML viewer (plotly) and offscreen PNG renders (MuJoCo, EGL/OSMesa)."""
