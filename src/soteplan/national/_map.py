"""The national map: one panel per measure, counties as dissolved municipalities."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["save_map"]

PANELS = (
    ("population", "Population 2020"),
    ("dependency_ratio", "Dependency ratio 2020"),
    ("coverage_15_min_pct", "% within 15 min of a health station"),
    ("pmedian_gain_pct", "p-median gain, % of mean minutes"),
    ("cost_per_resident_eur", "Cost per resident 2020, € (default rates)"),
)


def save_map(result: Any, path: str | Path, region_dirs: dict[str, str] | None = None) -> Path:
    """Write a PNG with one choropleth panel per measure of :data:`PANELS`."""
    import geopandas as gpd
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from soteplan.region import load_region

    table = result.to_frame()
    shapes = []
    for rid in table.index:
        r = load_region((region_dirs or {}).get(rid, rid))
        m = r.municipalities.loc[r.municipality_codes()]
        shapes.append(gpd.GeoDataFrame({"region": [rid]}, geometry=[m.union_all()], crs=3067))
    g = pd.concat(shapes, ignore_index=True).merge(table, left_on="region", right_index=True)
    fig, axes = plt.subplots(1, len(PANELS), figsize=(4 * len(PANELS), 6.5))
    for ax, (col, title) in zip(axes, PANELS, strict=True):
        if col in g.columns:
            g.plot(
                column=col,
                ax=ax,
                legend=True,
                cmap="viridis",
                edgecolor="white",
                linewidth=0.3,
                legend_kwds={"shrink": 0.6},
            )
        ax.set_title(title, fontsize=9)
        ax.set_axis_off()
    fig.suptitle(
        "Wellbeing services counties and Helsinki (soteplan national run). Sources: Statistics "
        "Finland; THL; © MML; Väylävirasto (approximate roads); Palo & Lavaste health stations",
        fontsize=8,
    )
    out = Path(path)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out
