"""Travel inputs of the pathway engine: network minutes to the nearest service point by type."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from soteplan.access import region_graph, region_origins, service_points
from soteplan.network import RoadGraph, nearest_facility

if TYPE_CHECKING:
    from soteplan.region import Region

__all__ = ["municipal_travel_minutes"]


def municipal_travel_minutes(
    region: Region,
    service_types: Iterable[str],
    *,
    graph: RoadGraph | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Population-weighted mean one-way car minutes to the nearest point, by municipality.

    Origins are the region's postal-code areas (:func:`soteplan.access.region_origins`),
    times are network times (:func:`soteplan.network.nearest_facility`) on
    :func:`soteplan.access.region_graph` to the service points of each type
    operating in ``year`` (``None``: still open at the end of the data).

    Returns
    -------
    DataFrame
        ``municipality, service_type, minutes`` (float minutes, one way); ``attrs``
        carry the approximations of the service points (e.g. home-care bases).
    """
    g = graph if graph is not None else region_graph(region)
    origins = region_origins(region)
    w = origins.population["all"]
    rows: list[tuple[str, str, float]] = []
    approx: list[str] = []
    for st in sorted(set(service_types)):
        sp = service_points(region, st, year)
        approx += list(sp.attrs.get("approximation", []))
        near = nearest_facility(g, origins.xy, sp, origin_ids=origins.ids)
        mins = near.minutes.astype(np.float64)
        ok = np.isfinite(mins)
        frame = pd.DataFrame(
            {"municipality": origins.municipality[ok].astype(str), "m": mins[ok], "w": w[ok]}
        )
        for code, grp in frame.groupby("municipality"):
            tot = float(grp["w"].sum())
            if tot > 0:
                rows.append((str(code), st, float((grp["m"] * grp["w"]).sum() / tot)))
    out = pd.DataFrame(rows, columns=["municipality", "service_type", "minutes"])
    out.attrs["approximation"] = sorted(set(approx))
    return out
