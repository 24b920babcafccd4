"""Run a scenario through every engine it names, and sweep a lever over values.

Engines are imported lazily; an engine that is not installed or fails on
missing data is *skipped* and the reason recorded in ``meta["skipped"]``, so a
scenario runs with whatever engines exist.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from soteplan.demand import DemandForecast, ServiceRates, calibrate, forecast_demand
from soteplan.errors import NotFoundError, ParameterError, SoteplanError
from soteplan.parallel import Executor
from soteplan.region import Region, load_region
from soteplan.scenario._spec import Scenario
from soteplan.store import RunRecord

__all__ = ["ScenarioResult", "run"]

Progress = Callable[[int, int], None]


@dataclass(frozen=True, eq=False)
class ScenarioResult:
    """Everything one scenario run produced.

    Attributes
    ----------
    scenario
        The validated specification.
    spec_yaml
        The specification text as written (or dumped).
    tables
        Result tables by name: ``demand`` (municipality × year × service),
        ``population``, ``calibration_fit``, ``access`` (measure, level, area,
        band, before, after, change), ``access_losers``,
        ``organisation_areas``.
    summary
        Headline figures (JSON-compatible).
    meta
        Units, years, sources, approximations, engines run and skipped.
    """

    scenario: Scenario
    spec_yaml: str
    tables: dict[str, pd.DataFrame]
    summary: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)

    def to_record(self) -> RunRecord:
        """The run as a :class:`~soteplan.store.RunRecord` for the store."""
        return RunRecord(
            name=self.scenario.name,
            spec=self.scenario.model_dump(mode="json"),
            spec_yaml=self.spec_yaml,
            meta=self.meta,
            summary=self.summary,
            tables=self.tables,
        )


def _has_engine(module: str) -> str | None:
    """``None`` when ``soteplan.<module>`` imports, else the reason it does not."""
    try:
        importlib.import_module(f"soteplan.{module}")
    except ImportError as exc:
        return f"engine soteplan.{module} not available ({exc})"
    return None


def _rates(sc: Scenario, region: Region) -> tuple[ServiceRates, pd.DataFrame | None, list[str]]:
    d = sc.demand
    rates = (
        ServiceRates.from_files(d.rates_csv, d.services_csv)
        if d.rates_csv and d.services_csv
        else ServiceRates.default()
    )
    notes: list[str] = []
    fit = None
    if d.calibrate_year is None:
        notes.append("unit costs not calibrated (calibrate_year: null)")
    elif not region.has_table("net_costs"):
        notes.append(f"region {region.id} has no net_costs: unit costs not calibrated")
    else:
        rates, fit = calibrate(region, rates, year=d.calibrate_year, morbidity=d.morbidity)
    if d.price_year is not None and d.price_index_csv is not None:
        from soteplan.demand import PriceIndex, to_price_year

        rates = to_price_year(rates, PriceIndex.from_csv(d.price_index_csv), d.price_year)
    return rates, fit, notes


def _projection(
    sc: Scenario, region: Region, skipped: dict[str, str], progress: Progress | None
) -> tuple[pd.DataFrame | None, dict[str, Any]]:
    dem = sc.demography
    if dem.source == "cohort":
        why = _has_engine("demography")
        if why is None:
            from soteplan.demography import project_region

            official = dem.projection or (next(iter(region.projections), None))
            proj = project_region(
                region,
                to_year=sc.target_year,
                calibrate=official if dem.calibrate_to_official else None,
                progress=progress,
            )
            return proj.population, {
                "source": "cohort-component (soteplan.demography)",
                **{k: v for k, v in proj.meta.items() if k != "units"},
            }
        skipped["demography"] = f"{why}; the official projection was used"
    name = dem.projection
    if not region.projections:
        return None, {"source": "none (observed years only)"}
    p = region.projection(name)
    return p, {"source": f"official projection {name or next(iter(region.projections))}"}


def _summary_demand(fc: DemandForecast, base: int, target: int) -> dict[str, Any]:
    t = fc.frame.groupby(["year", "service"])[["volume", "trips", "cost_eur"]].sum(min_count=1)
    pop = fc.population.groupby("year")["population"].sum()
    out: dict[str, Any] = {}
    for y in (base, target):
        if y not in pop.index:
            continue
        ty = t.loc[y]
        out[str(y)] = {
            "population": float(pop[y]),
            "cost_eur": float(ty["cost_eur"].sum()),
            "cost_eur_per_resident": float(ty["cost_eur"].sum() / pop[y]),
            "trips": float(ty["trips"].sum()),
            "volume": {s: float(v) for s, v in ty["volume"].items()},
        }
    return out


def _access(
    sc: Scenario, region: Region, executor: Executor | None
) -> tuple[dict[str, pd.DataFrame], dict[str, Any], dict[str, Any]]:
    from soteplan.access import (
        region_graph,
        region_groupings,
        region_origins,
        service_points,
        what_if,
    )

    net = sc.network
    acc = sc.access
    stype = net.service_type if net is not None else (acc.service_type if acc else "")
    thresholds = acc.thresholds if acc is not None else [10.0, 15.0, 30.0]
    year = sc.base_year
    if acc is not None and acc.year is not None:
        year = acc.year
    if net is not None and net.year is not None:
        year = net.year
    graph = region_graph(region, osm_pbf=acc.osm_pbf if acc is not None else None)
    origins = region_origins(region)
    strict = bool((acc is not None and acc.strict_year) or (net is not None and net.strict_year))
    fac = service_points(region, stype, year, strict=strict)
    new = None
    if net is not None and net.open:
        new = gpd.GeoDataFrame(
            {
                "type": stype,
                "name": [p.name for p in net.open],
                "municipality": [p.municipality for p in net.open],
                "capacity": [p.capacity for p in net.open],
            },
            index=pd.Index([p.id for p in net.open], name="id"),
            geometry=gpd.points_from_xy([p.x for p in net.open], [p.y for p in net.open]),
            crs="EPSG:3067",
        )
    w = what_if(
        graph,
        origins,
        fac,
        close=net.close if net is not None else [],
        open=new,
        service=stype,
        thresholds=thresholds,
        groupings=region_groupings(region),
        executor=executor,
    )
    delta = w.delta.copy()
    for c in ("measure", "level", "area", "band"):
        delta[c] = delta[c].astype(str)
    reg = delta[(delta["level"] == "region") & (delta["band"].isin(["all", "75+"]))]
    summary: dict[str, Any] = {
        f"{r.measure} ({r.band})": {"before": float(r.before), "after": float(r.after)}
        for r in reg.itertuples()
        if str(r.measure).startswith(("coverage.share_", "nearest_min.mean", "nearest_min.p90"))
    }
    summary["service_type"] = stype
    network = dict(fac.attrs.get("network") or {})
    summary["network_year"] = network.get("network_year", year)
    summary["facilities_after"] = int(
        len(fac) - len(w.meta.get("closed", [])) + len(w.meta.get("opened", []))
    )
    losers = pd.DataFrame(w.losers).head(500).copy()
    for c in losers.columns:
        if losers[c].dtype == object or str(losers[c].dtype) == "string":
            losers[c] = losers[c].astype(str)
    meta: dict[str, Any] = {
        k: w.meta[k]
        for k in (
            "service",
            "units",
            "thresholds_min",
            "closed",
            "opened",
            "losers_population",
            "approximation",
        )
        if k in w.meta
    }
    if network:
        meta["network"] = network
        if network.get("note"):
            meta["approximation"] = "; ".join(
                a for a in (str(network["note"]), meta.get("approximation")) if a
            )
    return {"access": delta, "access_losers": losers}, summary, meta


def _organise(sc: Scenario, region: Region) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any]]:
    from soteplan.organise import builtin_model, evaluate

    if sc.organisation is None:
        raise ParameterError("the scenario names no organisation model")
    name = sc.organisation.model
    g = region.groupings.get(name)
    # a grouping is evaluated in its own year (membership changes, e.g. Kuhmoinen 2021)
    year = max(sc.base_year, g.year) if g is not None and g.year is not None else sc.base_year
    year = min(year, region.total_years[-1])
    ev = evaluate(builtin_model(region, name), region, year=year)
    areas = ev.areas.reset_index()
    for c in areas.columns:
        if areas[c].dtype == object:
            areas[c] = areas[c].astype(str)
    overall = {
        str(k): float(v)
        for k, v in ev.overall.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
    meta = {k: v for k, v in ev.meta.items() if k in ("units", "sources", "approximation")}
    return areas, {"model": sc.organisation.model, **overall}, meta


def _locate(sc: Scenario, region: Region) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any]]:
    from soteplan.locate import PMedian, region_location_input

    loc = sc.location
    if loc is None:
        raise ParameterError("the scenario names no location request")
    net = sc.network
    year = net.year if net is not None and net.year is not None else sc.base_year
    if sc.access is not None and sc.access.year is not None and net is None:
        year = sc.access.year
    inp = region_location_input(
        region,
        loc.service_type,
        extended=loc.candidates == "extended",
        year=year,
        osm_pbf=sc.access.osm_pbf if sc.access is not None else None,
    )
    ids = [str(i) for i in inp.candidates.index]
    closed = [c for c in (net.close if net is not None else []) if c in ids]
    w = inp.population[loc.weights]
    res = PMedian.from_cost_matrix(
        inp.minutes, w, p=loc.p, forbidden=closed, demand_ids=list(inp.demand_ids), site_ids=ids
    ).solve(loc.method, time_limit=loc.time_limit)
    served = pd.Series(w).groupby(res.assignment).sum()
    sites = inp.candidates.iloc[list(res.site_indices)].copy()
    sites["population_served"] = [float(served.get(int(j), 0.0)) for j in res.site_indices]
    sites = sites.reset_index()
    for c in sites.columns:
        if sites[c].dtype == object or str(sites[c].dtype) == "string":
            sites[c] = sites[c].astype(str)
    total = float(np.sum(w))
    summary = {
        "model": res.model,
        "p": loc.p,
        "weights": loc.weights,
        "objective_person_minutes": float(res.objective),
        "mean_minutes": float(res.objective) / total if total > 0 else float("nan"),
        "status": str(res.status.value),
        "gap": float(res.gap),
        "seconds": float(res.seconds),
        "forbidden": closed,
    }
    meta = {k: v for k, v in inp.meta.items() if k in ("units", "candidates", "approximation")}
    return sites, summary, meta


def run(
    scenario: Scenario,
    *,
    spec_yaml: str | None = None,
    region: Region | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> ScenarioResult:
    """Run every engine the scenario names and collect tables, summary and metadata.

    Parameters
    ----------
    scenario
        The validated scenario.
    spec_yaml
        The scenario text as written (stored with the run); default a dump.
    region
        The region (default: ``load_region(scenario.region)``).
    executor
        Executor for heavy batches (travel-time matrices).
    progress
        ``progress(done, total)`` over the engines.

    Returns
    -------
    ScenarioResult
        With ``meta["engines_run"]`` and ``meta["skipped"]`` (engine → reason).
    """
    sc = scenario
    region = region if region is not None else load_region(sc.region)
    steps = sc.engines()
    total = len(steps)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    skipped: dict[str, str] = {}
    ran: list[str] = []
    tables: dict[str, pd.DataFrame] = {}
    summary: dict[str, Any] = {}
    engine_meta: dict[str, Any] = {}
    approximations: list[str] = []

    projection, demo_meta = _projection(sc, region, skipped, None)
    engine_meta["demography"] = demo_meta
    if "demography" not in skipped:
        ran.append("demography")
    tick()

    rates, fit, notes = _rates(sc, region)
    years = list(range(sc.base_year, sc.target_year + 1))
    fc = forecast_demand(
        region,
        projection,
        rates,
        years=years,
        levers=sc.demand.levers.to_levers(),
        morbidity=sc.demand.morbidity,
    )
    tables["demand"] = fc.frame
    if sc.organisation is not None and sc.organisation.model in region.groupings:
        mapping = region.groupings[sc.organisation.model].mapping()
        try:
            by_area = fc.by_area(mapping).frame
            tables["demand_by_area"] = by_area.rename(columns={"municipality": "area"})
        except ParameterError as exc:
            notes.append(f"no demand by area for {sc.organisation.model}: {exc}")
    tables["population"] = fc.population
    if fit is not None:
        tables["calibration_fit"] = fit
    summary["demand"] = _summary_demand(fc, sc.base_year, sc.target_year)
    engine_meta["demand"] = {**fc.meta, "notes": notes}
    approximations.append(f"demand: {fc.meta['approximation']}")
    ran.append("demand")
    tick()

    if "access" in steps:
        why = _has_engine("access")
        if why is None:
            try:
                t, s, m = _access(sc, region, executor)
                tables.update(t)
                summary["access"] = s
                engine_meta["access"] = m
                if m.get("approximation"):
                    approximations.append(f"access: {m['approximation']}")
                ran.append("access")
            except (NotFoundError, ImportError) as exc:
                skipped["access"] = f"missing data or engine: {exc}"
        else:
            skipped["access"] = why
        tick()
    if "organise" in steps:
        why = _has_engine("organise")
        if why is None:
            try:
                areas, s, m = _organise(sc, region)
                tables["organisation_areas"] = areas
                summary["organisation"] = s
                engine_meta["organise"] = m
                ran.append("organise")
            except (SoteplanError, ImportError) as exc:
                skipped["organise"] = f"organise failed on the region's data: {exc}"
        else:
            skipped["organise"] = why
        tick()
    if "locate" in steps:
        why = _has_engine("locate")
        if why is None:
            try:
                sites, s, m = _locate(sc, region)
                tables["location_sites"] = sites
                summary["location"] = s
                engine_meta["locate"] = m
                if m.get("approximation"):
                    approximations.append(f"locate: {m['approximation']}")
                ran.append("locate")
            except (SoteplanError, ImportError) as exc:
                skipped["locate"] = f"locate failed on the region's data: {exc}"
        else:
            skipped["locate"] = why
        tick()

    meta: dict[str, Any] = {
        "scenario": sc.name,
        "region": region.id,
        "years": [years[0], sc.target_year],
        "units": fc.meta["units"],
        "price_year": fc.meta["price_year"],
        "sources": fc.meta["sources"] + list(region.attribution),
        "engines_run": ran,
        "skipped": skipped,
        "engines": engine_meta,
        "approximation": approximations,
    }
    return ScenarioResult(sc, spec_yaml or sc.to_yaml(), tables, summary, meta)
