"""Maps of organisation models (matplotlib): areas coloured, hubs and central site marked."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from soteplan.organise._model import OrganisationModel
from soteplan.region import Region

__all__ = ["plot_models"]


def plot_models(
    models: Sequence[OrganisationModel],
    region: Region,
    *,
    titles: Sequence[str] | None = None,
    panel_size: float = 4.5,
) -> Figure:
    """One map panel per model: areas coloured, hubs ★, central hospital ✚.

    Parameters
    ----------
    models
        Models to draw (side by side).
    region
        The region with municipality polygons (EPSG:3067).
    titles
        Panel titles (default: model names).
    panel_size
        Panel width and height, inches.
    """
    n = max(len(models), 1)
    fig, axes = plt.subplots(1, n, figsize=(panel_size * n, panel_size * 1.25), squeeze=False)
    cmap = plt.get_cmap("tab10")
    muni = region.municipalities
    for p, model in enumerate(models):
        ax: Any = axes[0, p]
        mapping = model.mapping()
        order = {a.id: i for i, a in enumerate(model.areas)}
        sub = muni[muni.index.isin(list(mapping))].copy()
        colours = [cmap(order[mapping[c]] % 10) for c in sub.index]
        if sub.geometry.notna().all():
            sub.plot(ax=ax, color=colours, edgecolor="white", linewidth=0.6)
            dissolved = sub.assign(area=[mapping[c] for c in sub.index]).dissolve("area")
            dissolved.boundary.plot(ax=ax, color="black", linewidth=1.0)
        for a in model.areas:
            if a.hub in muni.index:
                x, y = muni.at[a.hub, "centre_x"], muni.at[a.hub, "centre_y"]
                if x == x and y == y:  # not NaN
                    ax.plot(x, y, marker="*", color="black", markersize=12, markeredgecolor="white")
                    ax.annotate(
                        str(muni.at[a.hub, "name_fi"]),
                        (x, y),
                        xytext=(4, 4),
                        textcoords="offset points",
                        fontsize=7,
                    )
        if region.central_hospital is not None:
            pt = region.central_hospital[1]
            ax.plot(pt.x, pt.y, marker="P", color="red", markersize=9, markeredgecolor="white")
        ax.set_title(titles[p] if titles else model.name, fontsize=9)
        ax.set_axis_off()
        ax.set_aspect("equal")
    # boundaries and population are what the map shows: cite those sources
    keep = [a for a in region.attribution if "MML" in a or "Statistics Finland" in a]
    text = "★ area hub   ✚ central hospital   " + "; ".join(keep)
    fig.text(0.01, 0.005, textwrap.fill(text, width=int(40 * panel_size * n / 4.5)), fontsize=6,
             va="bottom")  # fmt: skip
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig
