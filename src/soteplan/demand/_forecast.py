"""Demand and cost forecast: population × use rates × need × unit cost.

Method (cell-based, as in THL's and municipalities' service-need
projections): for every municipality ``m``, year ``y``, sex ``s`` and single
year of age ``a``::

    volume[m, y, svc] = Σ_s,a pop_arr[m, y, s, a] · rate[svc, s, a] · need[m, svc]
    cost[m, y, svc]   = volume · unit_cost[svc] · cost_scale

where ``need[m, svc] = (morbidity_index[m] / 100) ** elasticity[svc]`` when the
region has a morbidity index.  Costs are in euros at the rates' price year
(constant prices).  Levers (:mod:`soteplan.demand._levers`) modify the volume
array before aggregation.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from soteplan.demand._levers import DemandLevers, apply_levers, heavy_user_sigma
from soteplan.demand._rates import N_AGES, ServiceRates
from soteplan.errors import DataError, DataProblem, NotFoundError, ParameterError
from soteplan.region import Region

__all__ = ["DemandForecast", "calibrate", "forecast_demand", "population_array"]


@dataclass(frozen=True)
class DemandForecast:
    """Demand and cost by municipality × service × year.

    Attributes
    ----------
    frame
        Long frame ``municipality, year, service, unit, volume, in_person,
        remote, trips, cost_eur``: ``volume`` in the service's unit per year
        (clients, contacts or visit equivalents), ``trips`` = in-person
        contacts/visits (``NaN`` for client-based services), ``cost_eur`` in
        euros per year at ``meta["price_year"]``.
    population
        Long frame ``municipality, year, population``.
    meta
        Units, years, sources, approximations, calibration.
    """

    frame: pd.DataFrame
    population: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def totals(self, by: str | list[str] = "year") -> pd.DataFrame:
        """Sums of volume, trips and cost grouped by ``by`` (e.g. ``["year", "service"]``)."""
        cols = ["volume", "in_person", "remote", "trips", "cost_eur"]
        return self.frame.groupby(by)[cols].sum(min_count=1)

    def by_area(self, mapping: dict[str, str]) -> DemandForecast:
        """Aggregate to areas (e.g. an organisation model's ``Grouping.mapping()``).

        Parameters
        ----------
        mapping
            Municipality code → area id; every forecast municipality must be mapped.

        Raises
        ------
        ParameterError
            Naming the municipalities without an area.
        """
        codes = sorted(set(self.frame["municipality"]))
        missing = [c for c in codes if c not in mapping]
        if missing:
            raise ParameterError(f"municipalities without an area: {missing}")
        cols = ["volume", "in_person", "remote", "trips", "cost_eur"]
        f = self.frame.assign(municipality=self.frame["municipality"].map(mapping))
        frame = f.groupby(["municipality", "year", "service", "unit"], as_index=False, sort=False)[
            cols
        ].sum(min_count=1)
        p = self.population.assign(municipality=self.population["municipality"].map(mapping))
        pop = p.groupby(["municipality", "year"], as_index=False)["population"].sum()
        meta = {**self.meta, "areas": "municipality column holds area ids"}
        return DemandForecast(frame, pop, meta)

    def cost_per_resident(self) -> pd.DataFrame:
        """Cost per resident (euros) by municipality × year."""
        c = self.frame.groupby(["municipality", "year"])["cost_eur"].sum()
        p = self.population.set_index(["municipality", "year"])["population"]
        return (c / p).rename("cost_eur_per_resident").reset_index()


def population_array(
    region: Region,
    projection: pd.DataFrame | None,
    years: list[int],
    codes: list[str],
) -> tuple[np.ndarray, list[str]]:
    """Population ``pop_arr[m, y, sex(male, female), age]`` for the requested years.

    Observed years come from ``region.population_age_sex``.  Projection years
    (frame ``municipality, year, age, population`` with optional ``sex``) are
    split by sex with the shares of the last observed year (approximation when
    the projection has no sex).  Years before the first observed age-by-sex
    year use that year's age-sex structure scaled to the municipality's
    population total (approximation).

    Returns
    -------
    (array, notes)
        The array and a list of approximations made.
    """
    notes: list[str] = []
    nosex: list[int] = []
    backcast: list[int] = []
    cidx = {c: i for i, c in enumerate(codes)}
    pop_arr = np.zeros((len(codes), len(years), 2, N_AGES))
    pas = region.population_age_sex
    obs_years = sorted(int(y) for y in pas["year"].unique())
    if not obs_years:
        raise NotFoundError(f"region {region.id} has no population by age and sex")

    def arrays(df: pd.DataFrame) -> dict[str, np.ndarray]:
        """Year, municipality index, sex index, age and population as arrays (members only)."""
        df = df[df["municipality"].astype(str).isin(codes)]
        out = {
            "year": df["year"].to_numpy(int),
            "m": np.array([cidx[str(c)] for c in df["municipality"]], dtype=int),
            "a": np.minimum(df["age"].to_numpy(int), N_AGES - 1),
            "p": df["population"].to_numpy(float),
        }
        if "sex" in df.columns:
            out["s"] = (df["sex"].astype(str) == "female").to_numpy(int)
        return out

    obs = arrays(pas)

    def observed(year: int) -> np.ndarray:
        out = np.zeros((len(codes), 2, N_AGES))
        k = obs["year"] == year
        np.add.at(out, (obs["m"][k], obs["s"][k], obs["a"][k]), obs["p"][k])
        return out

    proj = arrays(projection) if projection is not None else None
    proj_years = set(proj["year"].tolist()) if proj is not None else set()

    last = observed(obs_years[-1])
    tot = last.sum(axis=1, keepdims=True)
    female_share = np.divide(last[:, 1:2], tot, out=np.full_like(tot, 0.5), where=tot > 0)
    first = observed(obs_years[0])
    for j, y in enumerate(years):
        if y in obs_years:
            pop_arr[:, j] = observed(y)
            continue
        if proj is not None and y in proj_years:
            k = proj["year"] == y
            m, a, vals = proj["m"][k], proj["a"][k], proj["p"][k]
            if "s" in proj:
                np.add.at(pop_arr[:, j], (m, proj["s"][k], a), vals)
            else:
                both = np.zeros((len(codes), N_AGES))
                np.add.at(both, (m, a), vals)
                pop_arr[:, j, 1] = both * female_share[:, 0]
                pop_arr[:, j, 0] = both * (1 - female_share[:, 0])
                nosex.append(y)
            continue
        if y < obs_years[0] and y in region.total_years:
            totals = region.population_totals
            t = totals[totals["year"] == y].set_index("municipality")["population"]
            base = first.sum(axis=(1, 2))
            target = np.array([float(t.get(c, np.nan)) for c in codes])
            scale = np.divide(target, base, out=np.zeros_like(base), where=base > 0)
            pop_arr[:, j] = first * np.nan_to_num(scale)[:, None, None]
            backcast.append(y)
            continue
        raise NotFoundError(
            f"no population for {y}: observed {obs_years[0]}–{obs_years[-1]}, projection "
            f"{max(proj_years) if proj_years else 'none'}"
        )
    if nosex:
        notes.append(
            f"{nosex[0]}–{nosex[-1]}: projection has no sex; split by the {obs_years[-1]} "
            "female share of each municipality × age"
        )
    if backcast:
        notes.append(
            f"{', '.join(map(str, backcast))}: age-sex structure of {obs_years[0]} scaled to "
            "the municipality population totals of that year"
        )
    return pop_arr, notes


def _need(
    region: Region, codes: list[str], rates: ServiceRates, use: bool
) -> tuple[np.ndarray, list[str]]:
    """Need multiplier ``[m, svc]`` from the morbidity index (1 where unknown)."""
    out = np.ones((len(codes), len(rates.service_names)))
    if not use or not region.has_table("morbidity_index"):
        return out, []
    mi = region.table("morbidity_index")
    vals = mi.assign(municipality=mi["municipality"].astype(str)).set_index("municipality")["value"]
    idx = np.array([float(vals.get(c, np.nan)) for c in codes])
    el = rates.services["morbidity_elasticity"].to_numpy(float)
    ratio = np.where(np.isfinite(idx) & (idx > 0), idx / 100.0, 1.0)
    out = ratio[:, None] ** el[None, :]
    missing = [c for c, v in zip(codes, idx, strict=True) if not np.isfinite(v)]
    notes = ["need adjusted by (morbidity_index / 100) ** elasticity (elasticities: assumption)"]
    if missing:
        notes.append(f"no morbidity index for {missing}; need multiplier 1")
    return out, notes


def forecast_demand(
    region: Region,
    projection: pd.DataFrame | None = None,
    rates: ServiceRates | None = None,
    *,
    years: list[int] | None = None,
    levers: DemandLevers | None = None,
    morbidity: bool = True,
    municipalities: list[str] | None = None,
) -> DemandForecast:
    """Forecast service demand and cost by municipality × service × year.

    Parameters
    ----------
    region
        The planning region (population by age and sex, optional
        ``morbidity_index`` table).
    projection
        Population by ``municipality, year, age[, sex]`` for future years
        (default: the region's first official projection; the output of
        :mod:`soteplan.demography` fits too).
    rates
        Use rates and unit costs (default :meth:`ServiceRates.default`,
        uncalibrated; see :func:`calibrate`).
    years
        Years to forecast (default: first observed age-by-sex year … 2040).
    levers
        Scenario levers (home-care shift, prevention, remote services, heavy
        users).
    morbidity
        Adjust need by the region's morbidity index when present.
    municipalities
        Codes to include (default: current members).

    Returns
    -------
    DemandForecast
        Volumes (service units per year) and costs (euros per year at the
        price year of ``rates``).
    """
    rates = rates if rates is not None else ServiceRates.default()
    if projection is None and region.projections:
        projection = region.projection()
    codes = municipalities if municipalities is not None else region.municipality_codes()
    if not codes:
        raise ParameterError("no municipalities to forecast")
    if years is None:
        last = 2040
        if projection is not None:
            last = min(2040, int(projection["year"].max()))
        years = list(range(region.age_sex_years[0], last + 1))
    years = sorted({int(y) for y in years})
    pop_arr, notes = population_array(region, projection, years, codes)
    rate = rates.rate_array()  # [svc, sex, age]
    need, need_notes = _need(region, codes, rates, morbidity)
    vol = pop_arr[:, :, None, :, :] * rate[None, None, :, :, :] * need[:, None, :, None, None]
    services = rates.service_names
    yarr = np.array(years)
    lev = levers or DemandLevers()
    vol, lever_share = apply_levers(vol, pop_arr, yarr, services, lev)
    v = vol.sum(axis=(3, 4))  # [m, y, svc]
    uc = np.array([rates.unit_cost(s) for s in services])
    rf = np.ones(len(services))
    # The measured remote share of each service holds in every year; a remote lever
    # replaces it (from its base_share to its target_share) for the services it names.
    baseline = np.array([rates.remote_baseline.get(s, 0.0) for s in services])
    remote_share = np.broadcast_to(baseline, lever_share.shape).copy()
    if lev.remote is not None:
        for s in lev.remote.services:
            i = services.index(s)
            rf[i] = lev.remote.staff_time_factor
            remote_share[:, i] = lever_share[:, i]
    remote = v * remote_share[None, :, :]
    in_person = v - remote
    # Unit costs are calibrated on the baseline mix, so only the remote contacts beyond
    # the measured baseline save staff time (fewer than the baseline cost more).
    extra = remote - v * baseline[None, None, :]
    cost = (v - extra * (1.0 - rf[None, None, :])) * uc[None, None, :]
    units = rates.services["unit"].astype(str).to_numpy()
    contact_based = np.isin(units, ["contacts", "visits"])
    trips = np.where(contact_based[None, None, :], in_person, np.nan)
    m_i, y_i, s_i = np.meshgrid(
        np.arange(len(codes)), np.arange(len(years)), np.arange(len(services)), indexing="ij"
    )
    frame = pd.DataFrame(
        {
            "municipality": np.array(codes, dtype=object)[m_i.ravel()],
            "year": yarr[y_i.ravel()],
            "service": np.array(services, dtype=object)[s_i.ravel()],
            "unit": units[s_i.ravel()],
            "volume": v.ravel(),
            "in_person": in_person.ravel(),
            "remote": remote.ravel(),
            "trips": trips.ravel(),
            "cost_eur": cost.ravel(),
        }
    )
    pop = pop_arr.sum(axis=(2, 3))
    pm, py = np.meshgrid(np.arange(len(codes)), np.arange(len(years)), indexing="ij")
    population = pd.DataFrame(
        {
            "municipality": np.array(codes, dtype=object)[pm.ravel()],
            "year": yarr[py.ravel()],
            "population": pop.ravel(),
        }
    )
    approximations = [*notes, *need_notes, "rates constant over time unless a lever changes them"]
    pi = rates.calibration.get("price_index")
    if isinstance(pi, dict) and pi:
        approximations.append(
            f"unit costs carried from {pi['from_year']} to {pi['to_year']} prices with the "
            f"user-supplied index {pi['name']} (factor {pi['factor']:.4f}; {pi['source']})"
        )
    measured = {s: b for s, b in zip(services, baseline, strict=True) if b > 0}
    if measured:
        approximations.append(
            "remote share of contacts at its measured baseline in every year ("
            + ", ".join(f"{s} {100 * b:.1f} %" for s, b in measured.items())
            + ", national figure applied to the region)"
        )
    hu = lev.heavy_users
    if hu is not None:
        approximations.append(
            "heavy users' share of volume taken equal to their share of cost "
            f"(log-normal σ={heavy_user_sigma(hu.top_share, hu.cost_share):.2f})"
        )
    if rates.cost_scale == 1.0 and "cost_scale" not in rates.calibration:
        approximations.append("unit costs uncalibrated relative weights (assumption)")
    meta: dict[str, Any] = {
        "units": {
            "volume": "service units per year (see column unit)",
            "trips": "in-person contacts per year",
            "cost_eur": f"euros per year at {rates.price_year} prices",
        },
        "price_year": rates.price_year,
        "years": [years[0], years[-1]],
        "municipalities": len(codes),
        "sources": rates.sources(),
        "calibration": dict(rates.calibration),
        "freedom_of_choice": lev.freedom_of_choice,
        "remote_baseline": {s: float(b) for s, b in zip(services, baseline, strict=True)},
        "price_index": dict(rates.calibration.get("price_index") or {}),
        "approximation": "; ".join(approximations),
    }
    return DemandForecast(frame, population, meta)


def calibrate(
    region: Region,
    rates: ServiceRates | None = None,
    *,
    year: int = 2016,
    morbidity: bool = True,
) -> tuple[ServiceRates, pd.DataFrame]:
    """Scale unit costs so the modelled region cost matches the embedded net costs.

    One factor ``k`` multiplies every unit cost so that
    ``Σ_m modelled_m(year) · k = Σ_m net_cost_per_resident_m · population_m``
    (population-weighted region total).  The municipality pattern is then a
    validation, not a fit: the returned frame lists observed and modelled
    euros per resident for every municipality.

    Returns
    -------
    (rates, fit)
        Calibrated rates (``cost_scale``, ``calibration``) and the fit frame
        ``municipality, population, observed_eur, modelled_eur, error_pct``.

    Raises
    ------
    NotFoundError
        When the region has no ``net_costs`` table or no row for ``year``.
    """
    rates = rates if rates is not None else ServiceRates.default()
    nc = region.table("net_costs")
    nc = nc[(nc["year"].astype(int) == year) & (nc["municipality"].astype(str) != "KS")]
    if nc.empty:
        raise NotFoundError(f"net_costs has no municipality rows for {year}")
    obs = (
        nc.assign(municipality=nc["municipality"].astype(str))
        .set_index("municipality")["net_cost_eur_per_resident"]
        .astype(float)
    )
    codes = sorted(set(obs.index) & set(region.municipality_codes()))
    if not codes:
        raise DataError([DataProblem("net_costs", None, "municipality", "no current members")])
    fc = forecast_demand(
        region,
        None,
        replace(rates, cost_scale=1.0, calibration={}),
        years=[year],
        morbidity=morbidity,
        municipalities=codes,
    )
    model = fc.frame.groupby("municipality")["cost_eur"].sum()
    pop = fc.population.set_index("municipality")["population"]
    k = float((obs[codes] * pop[codes]).sum() / model[codes].sum())
    fit = pd.DataFrame(
        {
            "population": pop[codes],
            "observed_eur": obs[codes],
            "modelled_eur": model[codes] * k / pop[codes],
        }
    )
    fit["error_pct"] = 100 * (fit["modelled_eur"] / fit["observed_eur"] - 1)
    fit.index.name = "municipality"
    w = fit["population"] / fit["population"].sum()
    resid = fit["observed_eur"] - fit["modelled_eur"]
    ss_tot = float((w * (fit["observed_eur"] - (w * fit["observed_eur"]).sum()) ** 2).sum())
    stats = {
        "year": year,
        "cost_scale": k,
        "municipalities": len(codes),
        "morbidity": morbidity and region.has_table("morbidity_index"),
        "mape_pct": float(fit["error_pct"].abs().mean()),
        "weighted_r2": 1 - float((w * resid**2).sum()) / ss_tot if ss_tot > 0 else float("nan"),
        "pearson_r": float(np.corrcoef(fit["observed_eur"], fit["modelled_eur"])[0, 1]),
        "method": "one factor on all unit costs, population-weighted region total of "
        f"net costs per resident {year} (nominal euros)",
    }
    calibrated = replace(rates, cost_scale=k, calibration=stats)
    return calibrated, fit.reset_index()
