"""Static maps and charts for the report (matplotlib, Agg backend, PNG bytes)."""

from __future__ import annotations

import base64
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import geopandas as gpd
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["access_map", "data_uri", "dependency_chart", "population_map", "pyramid_chart"]

SERVICE_COLORS = {
    "health_station": "#0b4f8a",
    "hospital": "#a4161a",
    "emergency_department": "#e07a00",
}


def data_uri(fig: Figure) -> str:
    """The figure as a PNG ``data:`` URI (150 dpi); closes the figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _frame(ax: Any) -> None:
    ax.set_axis_off()
    ax.set_aspect("equal")


def population_map(
    munis: gpd.GeoDataFrame,
    population: pd.Series,
    points: gpd.GeoDataFrame,
    labels: dict[str, str],
    title: str,
) -> str:
    """Municipalities shaded by population (persons) with service points, EPSG:3067."""
    fig, ax = plt.subplots(figsize=(6.2, 7.0))
    m = munis.assign(population=population.reindex(munis.index).to_numpy())
    m.plot(
        ax=ax,
        column="population",
        cmap="Blues",
        edgecolor="#5a6b7a",
        linewidth=0.5,
        legend=True,
        legend_kwds={"shrink": 0.5, "label": title},
    )
    for t, g in points.groupby("type"):
        g.plot(
            ax=ax,
            color=SERVICE_COLORS.get(str(t), "#555"),
            markersize=14,
            edgecolor="white",
            linewidth=0.4,
            label=labels.get(str(t), str(t)),
            zorder=3,
        )
    ax.legend(loc="lower left", fontsize=7, frameon=True)
    _frame(ax)
    return data_uri(fig)


def pyramid_chart(
    groups: list[str], male: list[int], female: list[int], men: str, women: str, xlabel: str = ""
) -> str:
    """Population pyramid: persons by five-year age group and sex (``xlabel``: the unit)."""
    fig, ax = plt.subplots(figsize=(6.0, 4.2))
    y = range(len(groups))
    ax.barh(list(y), [-v for v in male], color="#2c7fb8", label=men)
    ax.barh(list(y), female, color="#d95f02", label=women)
    ax.set_yticks(list(y), groups, fontsize=7)
    ticks = ax.get_xticks()
    ax.set_xticks(ticks, [f"{abs(int(v)):,}".replace(",", " ") for v in ticks], fontsize=7)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=8)
    ax.legend(fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return data_uri(fig)


def dependency_chart(frame: pd.DataFrame, names: dict[str, str], ylabel: str) -> str:
    """Dependency ratio by municipality (bars) for each year available (columns of ``frame``)."""
    fig, ax = plt.subplots(figsize=(7.0, 4.2))
    wide = frame.pivot(index="municipality", columns="year", values="dependency_ratio")
    wide = wide.sort_values(wide.columns[0])
    wide.index = [names.get(c, c) for c in wide.index]
    wide.plot.bar(ax=ax, width=0.8, colormap="viridis")
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(axis="x", labelsize=6.5)
    ax.legend(fontsize=7, title=None)
    ax.spines[["top", "right"]].set_visible(False)
    return data_uri(fig)


def access_map(
    munis: gpd.GeoDataFrame,
    origins: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    closed: list[str],
    label: str,
    open_label: str = "",
    closed_label: str = "",
) -> str:
    """Postcode areas coloured by minutes to the nearest service point; closed points marked.

    ``label`` names the colour bar (what the dots are and their unit); ``open_label`` and
    ``closed_label`` the squares (operating points) and crosses (closed ones) in the legend.
    """
    fig, ax = plt.subplots(figsize=(6.2, 7.0))
    munis.plot(ax=ax, color="#f4f6f8", edgecolor="#5a6b7a", linewidth=0.5)
    origins.plot(
        ax=ax,
        column="nearest_min",
        cmap="RdYlGn_r",
        markersize=10,
        vmin=0,
        vmax=45,
        legend=True,
        legend_kwds={"shrink": 0.5, "label": label},
    )
    is_closed = facilities.index.astype(str).isin(closed)
    facilities[~is_closed].plot(
        ax=ax,
        color="#0b4f8a",
        markersize=18,
        marker="s",
        edgecolor="white",
        linewidth=0.4,
        zorder=3,
        label=open_label or None,
    )
    if is_closed.any():
        facilities[is_closed].plot(
            ax=ax,
            color="#a4161a",
            markersize=60,
            marker="X",
            zorder=4,
            label=closed_label or None,
        )
    if open_label:
        ax.legend(loc="lower left", fontsize=7, frameon=True)
    _frame(ax)
    return data_uri(fig)
