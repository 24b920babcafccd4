"""Run every access measure for one service network, and what-if comparisons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from soteplan.access._measures import (
    DEFAULT_E2SFCA_STEPS,
    DEFAULT_THRESHOLDS,
    coverage,
    e2sfca,
    equity,
    time_distribution,
)
from soteplan.access._origins import Origins
from soteplan.errors import DataError, NotFoundError, ParameterError
from soteplan.network import NearestResult, RoadGraph, nearest_facility, points_xy, travel_times
from soteplan.parallel import Executor

__all__ = ["AccessResult", "WhatIfResult", "assess", "what_if"]


@dataclass(frozen=True, eq=False)
class AccessResult:
    """Every access measure of one service network.

    Attributes
    ----------
    origins
        The origins assessed.
    facilities
        The service points (GeoDataFrame indexed by id, EPSG:3067).
    nearest
        Time (minutes) and id of the nearest service point of every origin.
    coverage
        See :func:`~soteplan.access.coverage`.
    distribution
        See :func:`~soteplan.access.time_distribution` (all ages).
    e2sfca
        Per origin: E2SFCA access (capacity per person).
    e2sfca_ratio
        Per facility: supply-to-weighted-demand ratio ``R_j``.
    equity
        Per band: see :func:`~soteplan.access.equity`.
    meta
        Service, units, thresholds, approximations and sources.
    """

    origins: Origins
    facilities: gpd.GeoDataFrame
    nearest: NearestResult
    coverage: pd.DataFrame
    distribution: pd.DataFrame
    e2sfca: pd.Series
    e2sfca_ratio: pd.Series
    equity: dict[str, dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)

    def origins_frame(self) -> gpd.GeoDataFrame:
        """Origins with population, nearest time and facility and E2SFCA access."""
        g = self.origins.to_geodataframe()
        g["nearest_min"] = self.nearest.minutes
        g["nearest_id"] = pd.array(self.nearest.facility_id, dtype="string")
        g["e2sfca"] = self.e2sfca.to_numpy()
        return g


def _capacity(facilities: gpd.GeoDataFrame) -> tuple[np.ndarray, str | None]:
    if "capacity" in facilities.columns:
        cap = pd.to_numeric(facilities["capacity"], errors="coerce").to_numpy(float)
        if np.isfinite(cap).any():
            missing = ~np.isfinite(cap)
            if missing.any():
                fill = float(np.nanmedian(cap))
                cap = np.where(missing, fill, cap)
                return cap, f"capacity missing for {int(missing.sum())} point(s): median used"
            return cap, None
    return np.ones(len(facilities)), "no capacity data: every point counts as capacity 1"


def assess(
    graph: RoadGraph,
    origins: Origins,
    facilities: gpd.GeoDataFrame,
    *,
    service: str = "service",
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    groupings: Mapping[str, Mapping[str, str]] | None = None,
    e2sfca_steps: Sequence[tuple[float, float]] = DEFAULT_E2SFCA_STEPS,
    max_minutes: float | None = None,
    executor: Executor | None = None,
) -> AccessResult:
    """Compute coverage, time distribution, E2SFCA and equity for a set of service points.

    Parameters
    ----------
    graph
        Road graph used for car travel times.
    origins
        Origins with population by age band.
    facilities
        Service points: Point GeoDataFrame indexed by id, optional ``capacity``.
    service
        Service type label for the metadata.
    thresholds
        Coverage thresholds, minutes.
    groupings
        Organisation models: name → (municipality → area id).
    e2sfca_steps
        E2SFCA ``(upper bound minutes, weight)`` zones.
    max_minutes
        Search cut-off, minutes.
    executor
        Executor for the travel-time matrix batches.
    """
    if len(facilities) == 0:
        raise ParameterError(f"no {service} service points to assess")
    if facilities.index.has_duplicates:
        dup = sorted(set(facilities.index[facilities.index.duplicated()].astype(str)))
        raise DataError(f"duplicate service point ids: {', '.join(dup)}")
    fxy, fid = points_xy(facilities, name="service points")
    near = nearest_facility(
        graph, origins.xy, fxy, origin_ids=origins.ids, facility_ids=fid, max_minutes=max_minutes
    )
    tt = travel_times(
        graph,
        origins.xy,
        fxy,
        origin_ids=origins.ids,
        destination_ids=fid,
        max_minutes=max_minutes,
        executor=executor,
    )
    cap, cap_note = _capacity(facilities)
    acc, ratio = e2sfca(origins.population["all"], cap, tt.minutes, steps=e2sfca_steps)
    eq = {band: equity(origins, near.minutes, band=band) for band in origins.population}
    network = facilities.attrs.get("network")
    net_note = str(network.get("note") or "") if isinstance(network, dict) else ""
    notes = [n for n in (cap_note, net_note) if n]
    approximations = [
        a for a in (graph.meta.get("approximation"), origins.meta.get("approximation")) if a
    ]
    approximations += [str(a) for a in facilities.attrs.get("approximation", [])]
    meta: dict[str, Any] = {
        "service": service,
        "units": {
            "time": "minutes (car)",
            "population": "persons",
            "e2sfca": "capacity per person",
        },
        "thresholds_min": [float(x) for x in thresholds],
        "e2sfca_steps": [list(s) for s in e2sfca_steps],
        "e2sfca_method": "E2SFCA, Luo & Qi (2009); step weights",
        "n_origins": len(origins),
        "n_facilities": len(facilities),
        "travel_time": near.meta,
        "origins": origins.meta,
        "approximation": "; ".join(approximations) if approximations else None,
        "notes": notes,
    }
    if isinstance(network, dict):
        meta["network"] = dict(network)
        if net_note:
            meta["note"] = net_note
    return AccessResult(
        origins=origins,
        facilities=facilities,
        nearest=near,
        coverage=coverage(origins, near.minutes, thresholds=thresholds, groupings=groupings),
        distribution=time_distribution(origins, near.minutes, groupings=groupings),
        e2sfca=pd.Series(acc, index=pd.Index(origins.ids, name="origin"), name="e2sfca"),
        e2sfca_ratio=pd.Series(ratio, index=pd.Index(fid, name="facility"), name="ratio"),
        equity=eq,
        meta=meta,
    )


@dataclass(frozen=True, eq=False)
class WhatIfResult:
    """A change of the service network and its effect on every measure.

    Attributes
    ----------
    before, after
        Full results of the two networks.
    delta
        Long table ``measure, level, area, band, before, after, change``:
        ``coverage.within_T`` (persons) / ``coverage.share_T`` (0–1),
        ``nearest_min.mean|median|p90|max`` (minutes), ``e2sfca.per_10000``
        (population-weighted mean E2SFCA access, capacity per 10 000
        residents) and ``equity.*`` (see :func:`~soteplan.access.equity`).
    losers
        Origins whose nearest time grows: population, before/after minutes,
        ``change_min`` and the facility used before and after, worst first.
    meta
        Closed and opened ids plus the metadata of ``after``.
    """

    before: AccessResult
    after: AccessResult
    delta: pd.DataFrame
    losers: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)


def _long(frame: pd.DataFrame, keys: list[str], values: list[str], prefix: str) -> pd.DataFrame:
    m = frame.melt(id_vars=keys, value_vars=values, var_name="measure", value_name="value")
    m["measure"] = prefix + m["measure"]
    return m


def _measures_long(r: AccessResult) -> pd.DataFrame:
    cov_cols = [c for c in r.coverage.columns if c.startswith(("within_", "share_"))]
    parts = [_long(r.coverage, ["level", "area", "band"], cov_cols, "coverage.")]
    dist = r.distribution.assign(band="all")
    parts.append(
        _long(dist, ["level", "area", "band"], ["mean", "median", "p90", "max"], "nearest_min.")
    )
    e = pd.DataFrame(
        {"area": r.origins.municipality, "p": r.origins.population["all"], "a": r.e2sfca.to_numpy()}
    )
    e["pa"] = e["p"] * e["a"] * 10_000.0  # capacity per 10 000 residents
    agg = e.groupby("area").sum()
    emean = (agg["pa"] / agg["p"].where(agg["p"] > 0)).rename("value").reset_index()
    emean = emean.assign(level="municipality", band="all", measure="e2sfca.per_10000")
    tot = float(e["pa"].sum() / e["p"].sum()) if e["p"].sum() > 0 else np.nan
    parts.append(emean)
    parts.append(
        pd.DataFrame(
            [
                {
                    "level": "region",
                    "area": "all",
                    "band": "all",
                    "measure": "e2sfca.per_10000",
                    "value": tot,
                }
            ]
        )
    )
    rows = []
    for band, d in r.equity.items():
        for k, v in d.items():
            if isinstance(v, int | float) and not isinstance(v, bool):
                rows.append(
                    {
                        "level": "region",
                        "area": "all",
                        "band": band,
                        "measure": f"equity.{k}",
                        "value": float(v),
                    }
                )
    parts.append(pd.DataFrame(rows))
    return pd.concat(parts, ignore_index=True)[["measure", "level", "area", "band", "value"]]


def what_if(
    graph: RoadGraph,
    origins: Origins,
    facilities: gpd.GeoDataFrame,
    *,
    close: Sequence[Any] = (),
    open: gpd.GeoDataFrame | None = None,
    service: str = "service",
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    groupings: Mapping[str, Mapping[str, str]] | None = None,
    e2sfca_steps: Sequence[tuple[float, float]] = DEFAULT_E2SFCA_STEPS,
    max_minutes: float | None = None,
    executor: Executor | None = None,
) -> WhatIfResult:
    """Close and/or open service points and compare every measure.

    Parameters
    ----------
    close
        Ids (index values of ``facilities``) to close.
    open
        New points (GeoDataFrame indexed by new ids, optional ``capacity``
        and ``name``); their capacity defaults to the median of the others.
    Other parameters
        As in :func:`assess`.

    Raises
    ------
    NotFoundError
        When a closed id is not among ``facilities``.
    ParameterError
        When nothing would remain open, or a new id clashes with an old one.
    """
    closed = list(close)
    idx_str = {str(i): i for i in facilities.index}
    missing = [str(c) for c in closed if str(c) not in idx_str]
    if missing:
        raise NotFoundError(
            f"no {service} service point(s) {', '.join(missing)}; ids: "
            f"{', '.join(sorted(idx_str)[:50])}"
        )
    kw: dict[str, Any] = {
        "service": service,
        "thresholds": thresholds,
        "groupings": groupings,
        "e2sfca_steps": e2sfca_steps,
        "max_minutes": max_minutes,
        "executor": executor,
    }
    before = assess(graph, origins, facilities, **kw)
    after_fac = facilities.drop(index=[idx_str[str(c)] for c in closed])
    opened: list[str] = []
    if open is not None and len(open):
        new = open.to_crs(facilities.crs) if open.crs != facilities.crs else open
        clash = sorted(set(new.index.astype(str)) & set(after_fac.index.astype(str)))
        if clash:
            raise ParameterError(f"new service point ids already exist: {', '.join(clash)}")
        new = new.copy()
        if "capacity" in facilities.columns:
            med = pd.to_numeric(facilities["capacity"], errors="coerce").median()
            cap = (
                pd.to_numeric(new["capacity"], errors="coerce")
                if "capacity" in new
                else pd.Series(np.nan, index=new.index)
            )
            new["capacity"] = cap.fillna(med if pd.notna(med) else 1.0)
        after_fac = pd.concat([after_fac, new[[c for c in new.columns if c in after_fac.columns]]])
        after_fac = gpd.GeoDataFrame(after_fac, geometry="geometry", crs=facilities.crs)
        after_fac.attrs = dict(facilities.attrs)
        opened = [str(i) for i in new.index]
    if len(after_fac) == 0:
        raise ParameterError("closing every service point leaves nothing to assess")
    after = assess(graph, origins, after_fac, **kw)
    b, a = _measures_long(before), _measures_long(after)
    keys = ["measure", "level", "area", "band"]
    delta = b.merge(a, on=keys, how="outer", suffixes=("_before", "_after"))
    delta = delta.rename(columns={"value_before": "before", "value_after": "after"})
    delta["change"] = delta["after"] - delta["before"]
    tb, ta = before.nearest.minutes.astype(float), after.nearest.minutes.astype(float)
    with np.errstate(invalid="ignore"):
        change = ta - tb
    lose = np.flatnonzero((change > 1e-4) | (np.isinf(ta) & np.isfinite(tb)))
    losers = pd.DataFrame(
        {
            "origin": origins.ids[lose],
            "municipality": origins.municipality[lose],
            **{f"pop_{k}": v[lose] for k, v in origins.population.items()},
            "before_min": tb[lose],
            "after_min": ta[lose],
            "change_min": change[lose],
            "before_facility": before.nearest.facility_id[lose],
            "after_facility": after.nearest.facility_id[lose],
        }
    ).sort_values(["change_min", "pop_all"], ascending=False, ignore_index=True)
    meta = dict(after.meta)
    meta.update(
        {
            "closed": [str(c) for c in closed],
            "opened": opened,
            "losers_population": float(losers["pop_all"].sum()) if len(losers) else 0.0,
        }
    )
    return WhatIfResult(before, after, delta, losers, meta)
