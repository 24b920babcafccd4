"""A division of mainland Finland (or any region) into N service areas with population floors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Division", "divide"]


@dataclass(frozen=True)
class Division:
    """The optimised areas, how they were found, and the present counties on the same matrix."""

    areas: pd.DataFrame
    mean_minutes: float
    method: str
    status: str
    gap: float
    #: Population-weighted mean minutes of the present counties (best hub in each, same matrix).
    counties_mean_minutes: float | None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per area: hub, population, municipalities (codes joined by spaces)."""
        return self.areas


def divide(
    region: str | Path = "finland",
    k: int = 21,
    *,
    min_population: float = 50_000.0,
    method: str = "auto",
    time_limit: float | None = 120.0,
) -> Division:
    """Optimise ``k`` contiguous service areas with a population floor (:func:`regionalise`).

    ``method="auto"`` uses the exact HiGHS model up to
    :data:`soteplan.organise._regionalise.EXACT_MAX_UNITS` municipalities and the tabu-search
    heuristic above (mainland Finland has ~300): ``status`` and ``gap`` say which was used and
    what is proven (``gap`` is NaN when no bound was computed).
    """
    from soteplan.organise import regionalise
    from soteplan.organise._spatial import cached_travel
    from soteplan.region import load_region

    r = load_region(region)
    res = regionalise(r, k, min_population=min_population, method=method, time_limit=time_limit)
    areas = pd.DataFrame(
        {
            "hub": list(res.hubs),
            "hub_name": [r.name(h) for h in res.hubs],
            "population": [int(p) for p in res.population],
            "municipalities": [len(a) for a in res.areas],
            "members": [" ".join(a) for a in res.areas],
        }
    )
    year = int(res.meta.get("population_year", r.total_years[-1]))
    pop = r.population_total(year)
    codes = list(pop.index)
    tm = cached_travel(r, codes).sub(codes)
    county = r.municipalities.loc[codes].get("wellbeing_county_code")
    counties_mean = None
    if county is not None and county.notna().all():
        w = pop.to_numpy(np.float64)
        total = 0.0
        for _, idx in pd.Series(range(len(codes)), index=codes).groupby(county.to_numpy()):
            ii = idx.to_numpy()
            sub = tm[np.ix_(ii, ii)]
            total += float((w[ii][:, None] * sub).sum(axis=0).min())  # best hub in the county
        counties_mean = round(total / float(w.sum()), 3)
    return Division(
        areas=areas,
        mean_minutes=round(float(res.mean_minutes), 3),
        method=res.method,
        status=res.status,
        gap=float(res.gap),
        counties_mean_minutes=counties_mean,
        meta={**res.meta, "k": k, "min_population": min_population, "seconds": res.seconds},
    )
