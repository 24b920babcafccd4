"""One county's national-run figures: a plain function that runs on any worker."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CountyParams", "county_figures"]


@dataclass(frozen=True)
class CountyParams:
    """What every county task computes (plain values, so tasks pickle small)."""

    year: int = 2020
    #: p values of the health-station p-median curve; ``None``: the existing count only.
    p_values: tuple[int, ...] | None = None
    #: p-median method (``"heuristic"`` or ``"exact"``).
    method: str = "heuristic"
    forecast_year: int = 2030
    time_limit: float | None = 60.0


def county_figures(region_dir: str | Path, params: CountyParams) -> dict[str, Any]:
    """Demography, access, p-median curve, organisation check and cost forecast of a region.

    Returns a flat dict of numbers (and a few labels) plus ``curve`` (p → mean minutes)
    and ``approximation`` (the approximations of the engines used).
    """
    from soteplan import access as acc
    from soteplan import demography as dem
    from soteplan.demand import forecast_demand
    from soteplan.locate import PMedian, region_location_input
    from soteplan.organise import builtin_models, evaluate
    from soteplan.region import load_region

    t0 = time.perf_counter()
    r = load_region(region_dir)
    y = params.year
    codes = r.municipality_codes()
    out: dict[str, Any] = {"region": r.id, "name": r.name_fi, "municipalities": len(codes)}
    # ---- demography
    pop = r.population_by_age(y)
    pop = pop[pop["municipality"].isin(codes)]  # current members
    tot = pop.groupby("age")["population"].sum()
    young, old = float(tot.loc[:14].sum()), float(tot.loc[65:].sum())
    work = float(tot.loc[15:64].sum())
    out["population"] = int(tot.sum())
    out["dependency_ratio"] = round(100.0 * (young + old) / work, 2)
    out["share_65_plus_pct"] = round(100.0 * old / float(tot.sum()), 2)
    out["share_75_plus_pct"] = round(100.0 * float(tot.loc[75:].sum()) / float(tot.sum()), 2)
    dr = dem.dependency_ratio(pop)
    out["dependency_ratio_max_municipality"] = round(float(dr.max()), 2)
    # ---- access to health stations
    graph = acc.region_graph(r, cache=False)
    origins = acc.region_origins(r, y)
    fac = acc.service_points(r, "health_station", y)
    res = acc.assess(graph, origins, fac, service="health_station")
    cov = res.coverage
    row = cov[(cov["level"] == "region") & (cov["band"] == "all")].iloc[0]
    out["health_stations"] = len(fac)
    out["coverage_15_min_pct"] = round(100.0 * float(row["share_15"]), 2)
    out["coverage_30_min_pct"] = round(100.0 * float(row["share_30"]), 2)
    w = np.asarray(origins.population["all"], dtype=float)
    minutes = np.asarray(res.nearest.minutes, dtype=float)
    out["mean_minutes"] = round(float((w * minutes).sum() / w.sum()), 3)
    out["gini_minutes"] = round(float(acc.gini(minutes, w)), 4)
    # ---- p-median curve of the health stations (postal-area demand, existing sites)
    li = region_location_input(r, "health_station", extended=True, year=y)
    cost, wt = li.minutes, li.weights("all")
    n_exist = int(li.existing.sum())
    kw: dict[str, Any] = {"demand_ids": li.demand_ids, "site_ids": list(li.candidates.index)}
    existing_mean = float((wt * np.min(cost[:, li.existing], axis=1)).sum() / wt.sum())
    ps = {*(params.p_values or ()), n_exist}
    curve: dict[int, float] = {}
    gaps: dict[int, float] = {}
    for p in sorted(p for p in ps if 1 <= p <= cost.shape[1]):
        s = PMedian.from_cost_matrix(cost, wt, p=p, **kw).solve(params.method, params.time_limit)
        curve[p] = round(float(s.objective) / float(wt.sum()), 3)
        gaps[p] = round(float(s.gap), 5)
    out["pmedian_existing_mean_min"] = round(existing_mean, 3)
    # the existing layout is a feasible p = n_exist solution: the curve keeps the best known
    out["pmedian_existing_is_best_known"] = bool(curve.get(n_exist, np.inf) > existing_mean)
    if out["pmedian_existing_is_best_known"]:
        curve[n_exist] = round(existing_mean, 3)
    if n_exist in curve:
        out["pmedian_gain_min"] = round(existing_mean - curve[n_exist], 3)
        out["pmedian_gain_pct"] = round(100.0 * (existing_mean - curve[n_exist]) / existing_mean, 2)
    out["curve"] = curve
    out["curve_gap"] = gaps
    out["pmedian_method"] = params.method
    # ---- organisation model check: the county as one area
    models = builtin_models(r, optimised=False)
    if "county" in models:
        ev = evaluate(models["county"], r, r.total_years[-1])  # current members
        ov = ev.overall
        for k, v in ov.items():
            if str(k).startswith("≥"):  # population-base criteria: "areas meeting/areas"
                out[f"org {k}"] = str(v)
    # ---- demand and cost forecast
    fc = forecast_demand(r, years=[y, params.forecast_year], morbidity=False)
    out.update(_costs(fc.frame, r, y, params.forecast_year))
    approx = [
        res.meta.get("approximation"),
        li.meta.get("approximation"),
        fc.meta.get("approximation"),
    ]
    parts = [p for a in approx if a for p in str(a).split("; ")]
    out["approximation"] = "; ".join(dict.fromkeys(parts))
    out["seconds"] = round(time.perf_counter() - t0, 2)
    return out


def _costs(frame: pd.DataFrame, r: Any, y0: int, y1: int) -> dict[str, Any]:
    cols = set(frame.columns)
    cost_col = next(c for c in ("cost_eur", "cost", "euros") if c in cols)
    by_year = frame.groupby("year")[cost_col].sum()
    pop1 = r.projections[next(iter(r.projections))]
    pop1 = pop1[(pop1["year"] == y1) & pop1["municipality"].isin(r.municipality_codes())]
    p0 = float(r.population_total(y0).sum())
    return {
        "cost_meur": round(float(by_year[y0]) / 1e6, 3),
        "cost_per_resident_eur": round(float(by_year[y0]) / p0, 1),
        f"cost_meur_{y1}": round(float(by_year[y1]) / 1e6, 3),
        f"cost_per_resident_eur_{y1}": round(
            float(by_year[y1]) / float(pop1["population"].sum()), 1
        ),
    }
