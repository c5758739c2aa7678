"""Self-contained HTML viewer (plotly, JavaScript inlined so it works offline).

The object is always shown, coloured by part; each grasp is one entry of a drop-down menu
("all grasps" overlays them).
"""

from __future__ import annotations

import os

import numpy as np
import plotly.graph_objects as go

from dexgys.atomic import atomic_write_text
from dexgys.viz.scene import ColoredMesh


def _trace(item: ColoredMesh, visible: bool = True, legendgroup: str | None = None) -> go.Mesh3d:
    v, f = np.asarray(item.mesh.vertices), np.asarray(item.mesh.faces)
    r, g, b = (int(255 * c) for c in item.color)
    return go.Mesh3d(
        x=v[:, 0],
        y=v[:, 1],
        z=v[:, 2],
        i=f[:, 0],
        j=f[:, 1],
        k=f[:, 2],
        color=f"rgb({r},{g},{b})",
        opacity=item.opacity,
        name=item.name,
        showlegend=True,
        legendgroup=legendgroup,
        visible=visible,
        flatshading=False,
        lighting=dict(ambient=0.45, diffuse=0.7, specular=0.15, roughness=0.8),
        hoverinfo="name",
    )


def build_figure(
    object_items: list[ColoredMesh],
    grasps: list[list[ColoredMesh]],
    grasp_labels: list[str] | None = None,
    title: str = "",
) -> go.Figure:
    """Figure with the object traces and one group of traces per grasp, selectable from a menu."""
    grasp_labels = grasp_labels or [f"grasp {i}" for i in range(len(grasps))]
    fig = go.Figure()
    for item in object_items:
        fig.add_trace(_trace(item, legendgroup="object"))
    n_obj = len(object_items)
    owners = []
    for g, items in enumerate(grasps):
        for item in items:
            fig.add_trace(_trace(item, visible=(g == 0), legendgroup=f"grasp{g}"))
            owners.append(g)
    buttons = []
    for g, label in enumerate(grasp_labels):
        visible = [True] * n_obj + [owner == g for owner in owners]
        buttons.append(
            dict(
                label=label,
                method="update",
                args=[{"visible": visible}, {"title.text": f"{title}<br><sup>{label}</sup>"}],
            )
        )
    if len(grasps) > 1:
        buttons.append(
            dict(
                label="all grasps",
                method="update",
                args=[{"visible": [True] * (n_obj + len(owners))}, {"title.text": title}],
            )
        )
    first = grasp_labels[0] if grasps else ""
    fig.update_layout(
        title=dict(text=f"{title}<br><sup>{first}</sup>" if first else title),
        scene=dict(aspectmode="data", xaxis_title="x (m)", yaxis_title="y (m)", zaxis_title="z (m)"),
        margin=dict(l=0, r=0, t=60, b=0),
        updatemenus=[dict(buttons=buttons, direction="down", x=0.0, y=1.0, xanchor="left", yanchor="top")]
        if buttons
        else [],
    )
    return fig


def write_html(fig: go.Figure, path: str | os.PathLike) -> None:
    """Write the figure as one offline HTML file (plotly.js inlined), atomically."""
    atomic_write_text(path, fig.to_html(include_plotlyjs=True, full_html=True))
