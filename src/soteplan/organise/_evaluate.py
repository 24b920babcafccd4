"""Evaluate organisation models: population, age, travel, contiguity, costs, criteria."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from soteplan.demography import dependency_ratio as _dependency_ratio
from soteplan.errors import DataError, DataProblem, ParameterError
from soteplan.organise._model import OrganisationModel
from soteplan.organise._origins import Origins, origins_of
from soteplan.organise._spatial import (
    OriginTravel,
    TravelMatrix,
    adjacency,
    cached_travel,
    is_connected,
)
from soteplan.region import Region

__all__ = [
    "DEFAULT_CRITERIA",
    "Criterion",
    "Evaluation",
    "compare",
    "evaluate",
]


@dataclass(frozen=True)
class Criterion:
    """A population-base criterion an area should meet.

    Attributes
    ----------
    id
        Short identifier.
    label
        What the threshold is for.
    min_population
        Minimum residents of an area (persons).
    source
        Instrument and citation key of ``domain-facts.md`` §2.
    status
        ``confirmed`` (text retrieved) or ``unconfirmed`` (standard reading,
        text not retrieved; marked ``[U]`` in the research note).
    """

    id: str
    label: str
    min_population: float
    source: str
    status: str = "confirmed"

    @property
    def column(self) -> str:
        """Column name in evaluation tables."""
        mark = "" if self.status == "confirmed" else " [U]"
        return f"≥{self.min_population / 1000:g}k {self.id}{mark}"


#: Population-base criteria of Finnish sote reforms (``domain-facts.md`` §2).
DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "primary-2013",
        "own primary-care (sote) production and local services",
        20_000,
        "draft kuntarakennelaki 2013, selvitysperusteet [S28]",
        "confirmed",
    ),
    Criterion(
        "paras-2007",
        "primary care and closely related social services",
        20_000,
        "PARAS framework act 169/2007 §5 (text not retrieved)",
        "unconfirmed",
    ),
    Criterion(
        "producer-2014",
        "producer municipality (20,000 in special cases)",
        45_000,
        "parliamentary agreement, March 2014 (text not retrieved)",
        "unconfirmed",
    ),
    Criterion(
        "sote-alue-2013",
        "'sote-alue' organising social and health care",
        50_000,
        "government line / STM 2013:45 preparation group (figure not in retrieved text)",
        "unconfirmed",
    ),
)
#: Default travel-time threshold (minutes) of the "share within" measure: the
#: car threshold suggested in ``domain-facts.md`` §4.4 for area-level services.
DEFAULT_WITHIN_MINUTES = 30.0


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Measures of one organisation model.

    Attributes
    ----------
    model
        The evaluated model (restricted to the region's members in ``year``).
    year
        Population year.
    areas
        One row per area (index: area id); columns listed in ``meta["columns"]``.
    overall
        The same measures for the whole region plus summary counts.
    meta
        Units, sources, years used, travel provenance and approximations.
    """

    model: OrganisationModel
    year: int
    areas: pd.DataFrame
    overall: pd.Series
    meta: dict[str, Any] = field(default_factory=dict)


def _age_year(region: Region, year: int) -> int | None:
    years = region.age_sex_years
    if not years:
        return None
    before = [y for y in years if y <= year]
    return before[-1] if before else years[0]


def evaluate(
    model: OrganisationModel,
    region: Region,
    year: int | None = None,
    *,
    travel: TravelMatrix | OriginTravel | None = None,
    criteria: Sequence[Criterion] | None = None,
    within_minutes: float = DEFAULT_WITHIN_MINUTES,
    projection: str | None = None,
    projection_years: Sequence[int] = (2030, 2040),
) -> Evaluation:
    """Evaluate an organisation model per area and overall.

    With a municipality matrix residents are placed at their municipality
    centre, so travel times are centre-to-centre and a hub's own residents
    travel 0 minutes; with :class:`~soteplan.organise.OriginTravel` they are
    spread over postal areas (or other origins).  75+ residents are spread over
    a municipality's origins like all residents.

    Parameters
    ----------
    model
        The organisation model.
    region
        The region with population, projections, polygons and (optionally)
        ``net_costs``.
    year
        Population year (default: the latest with totals).  Municipalities of
        the model that are not members of the region in ``year`` are dropped
        (noted in ``meta["dropped"]``).
    travel
        Municipality × municipality travel times (default
        :func:`~soteplan.organise.default_travel`, cached in memory), or an
        :class:`~soteplan.organise.OriginTravel` from finer origins (postal areas,
        :func:`~soteplan.organise.postal_travel`) to municipality centres, whose
        resident weights are rescaled to each municipality's population.
    criteria
        Population-base criteria (default :data:`DEFAULT_CRITERIA`).
    within_minutes
        Threshold of the "share within" measure, minutes.
    projection
        Official projection name (default: the region's first).
    projection_years
        Projection years to report.

    Raises
    ------
    DataError
        When a member municipality of the region in ``year`` is in no area.
    """
    if within_minutes <= 0:
        raise ParameterError(f"within_minutes must be positive, got {within_minutes}")
    year = year if year is not None else region.total_years[-1]
    crit = tuple(criteria) if criteria is not None else DEFAULT_CRITERIA
    members = region.municipality_codes(year)
    mapping = model.mapping()
    missing = [c for c in members if c not in mapping]
    if missing:
        raise DataError(
            [
                DataProblem(
                    f"organisation model {model.id}",
                    None,
                    "areas",
                    f"region members in {year} in no area: {', '.join(missing)}",
                )
            ]
        )
    dropped = sorted(set(mapping) - set(members))
    pop = region.population_total(year).reindex(members).fillna(0.0).astype(float)
    tm = (
        travel
        if travel is not None
        else cached_travel(region, members, central_site=model.central_site)
    )
    origins = origins_of(tm, members, pop)
    pos = {c: i for i, c in enumerate(members)}
    neighbours, adj_meta = adjacency(region, members)

    # age structure: observed (latest year ≤ year) and projected (last projection year)
    age_frames: dict[str, pd.DataFrame] = {}
    ay = _age_year(region, year)
    if ay is not None:
        a = region.population_by_age(ay)
        age_frames[str(ay)] = a.groupby(["municipality", "age"], as_index=False)["population"].sum()
    old75: pd.Series | None = None
    if ay is not None:
        f = age_frames[str(ay)]
        old75 = (
            f[f["age"] >= 75].groupby("municipality")["population"].sum().reindex(members)
        ).fillna(0.0)
    o75: np.ndarray | None = None
    if old75 is not None:  # 75+ spread over a municipality's origins like its residents
        share = origins.weight / np.maximum(pop.reindex(origins.muni).to_numpy(float), 1e-12)
        o75 = old75.reindex(origins.muni).to_numpy(float) * share
    proj_tot: dict[int, pd.Series] = {}
    proj_name = None
    proj_missing: list[str] = []
    if region.projections:
        p = region.projection(projection)
        proj_name = projection or next(iter(region.projections))
        proj_missing = sorted(set(members) - set(p["municipality"].astype(str)))
        for py in projection_years:
            sub = p[(p["year"] == py) & p["municipality"].isin(members)]
            if len(sub):
                proj_tot[py] = (
                    sub.groupby("municipality")["population"].sum().reindex(members).fillna(0.0)
                )
        if proj_tot:
            last = max(proj_tot)
            sub = p[(p["year"] == last) & p["municipality"].isin(members)]
            age_frames[f"{last} proj."] = sub.groupby(["municipality", "age"], as_index=False)[
                "population"
            ].sum()
    # net costs
    cost_year = None
    cost: pd.Series | None = None
    if region.has_table("net_costs"):
        nc = region.table("net_costs")
        col = "net_cost_eur_per_resident"
        if col in nc.columns:
            years_nc = sorted(int(y) for y in nc["year"].dropna().unique())
            cands = [y for y in years_nc if y <= year and y in region.total_years] or [
                y for y in years_nc if y in region.total_years
            ]
            if cands:
                cost_year = cands[-1]
                c = nc[nc["year"] == cost_year].set_index("municipality")[col]
                cost = c.reindex(members).astype(float)
    cost_pop = region.population_total(cost_year).reindex(members) if cost_year else None

    rows: list[dict[str, Any]] = []
    areas_kept = []
    for a in model.areas:
        mem = [m for m in a.members if m in pos]
        if not mem:
            continue
        areas_kept.append(a)
        rows.append(_measures(a.id, a.name, a.hub, mem, a.levels, region, pop, origins,
                              pos, neighbours, age_frames, proj_tot, cost, cost_pop,
                              within_minutes, crit, year, o75, ay))  # fmt: skip
    areas = pd.DataFrame(rows).set_index("area")
    # overall: region as one unit but travel to each area's own hub
    hub_col = {c: pos[_hub_or_self(model, mapping[c], pos)] for c in members}
    w = origins.weight
    hub_t = origins.minutes[np.arange(len(w)), [hub_col[m] for m in origins.muni]]
    tot = float(pop.sum())
    overall: dict[str, Any] = {
        "name": model.name,
        "areas": len(areas),
        "municipalities": len(members),
        f"population {year}": tot,
    }
    for py, s in proj_tot.items():
        overall[f"population {py}"] = float(s.sum())
    for label, frame in age_frames.items():
        overall.update(_age_measures(frame, members, label))
    overall["mean min to hub"] = float((w * hub_t).sum() / tot) if tot else float("nan")
    overall["max min to hub"] = float(hub_t.max())
    overall[f"% within {within_minutes:g} min of hub"] = (
        100 * float(w[hub_t <= within_minutes].sum()) / tot if tot else float("nan")
    )
    if o75 is not None:
        overall[f"% aged 75+ within {within_minutes:g} min {ay}"] = (
            100 * float(o75[hub_t <= within_minutes].sum()) / float(o75.sum())
            if o75.sum()
            else np.nan
        )
    overall["mean min to central"] = (
        float((w * origins.to_central).sum() / tot) if tot else float("nan")
    )
    overall["contiguous"] = bool(areas["contiguous"].all())
    if cost is not None and cost_pop is not None:
        ok = cost.notna().to_numpy()
        cp = cost_pop.to_numpy(float)
        overall[f"net cost €/res {cost_year}"] = float(
            (cost.to_numpy()[ok] * cp[ok]).sum() / cp[ok].sum()
        )
    smallest = float(areas[f"population {year}"].min())
    overall["smallest area"] = smallest
    overall["largest area"] = float(areas[f"population {year}"].max())
    if proj_tot:
        last = max(proj_tot)
        overall[f"smallest area {last}"] = float(areas[f"population {last}"].min())
    # spread between areas (text "min–max") of the rates that do not add up
    for col in areas.columns:
        if str(col).startswith(("dependency ratio", "share 75+", "net cost")):
            vals = areas[col].astype(float)
            overall[f"{col} (areas min–max)"] = f"{vals.min():.1f}–{vals.max():.1f}"
    for c in crit:
        overall[c.column] = f"{int(areas[c.column].sum())}/{len(areas)}"
        if proj_tot:
            col = f"{c.column} {max(proj_tot)} proj."
            overall[col] = f"{int(areas[col].sum())}/{len(areas)}"
    approx = [x for x in (tm.meta.get("approximation"), adj_meta.get("approximation")) if x]
    meta: dict[str, Any] = {
        "model": model.id,
        "region": region.id,
        "year": year,
        "age_year": ay,
        "projection": proj_name,
        "projection_years": sorted(proj_tot),
        "net_cost_year": cost_year,
        "net_cost_note": "net operating cost of social and health care, euros per resident, "
        f"current prices of {cost_year}"
        if cost_year
        else "no net cost data",
        "travel": tm.meta.get("method", "given"),
        "travel_note": (
            "municipality centre to centre; residents placed at their centre"
            if isinstance(tm, TravelMatrix)
            else f"{tm.meta.get('resolution', 'fine origins')} to municipality centres"
        ),
        "adjacency": adj_meta.get("method"),
        "within_minutes": within_minutes,
        "criteria": [
            {
                "id": c.id,
                "column": c.column,
                "min_population": c.min_population,
                "label": c.label,
                "source": c.source,
                "status": c.status,
            }
            for c in crit
        ],
        "dropped": dropped,
        "projection_missing": proj_missing,
        "units": {"population": "persons", "minutes": "minutes", "net cost": "EUR/resident"},
        "sources": sorted({p.publisher for p in region.provenance.values()}),
    }
    if approx:
        meta["approximation"] = "; ".join(str(x) for x in approx)
    return Evaluation(model, year, areas, pd.Series(overall, name=model.id), meta)


def _hub_or_self(model: OrganisationModel, area_id: str, pos: Mapping[str, int]) -> str:
    hub = model.area(area_id).hub
    return hub if hub in pos else next(m for m in model.area(area_id).members if m in pos)


def _measures(
    aid: str,
    name: str,
    hub: str,
    mem: list[str],
    levels: tuple[str, ...],
    region: Region,
    pop: pd.Series,
    origins: Origins,
    pos: Mapping[str, int],
    neighbours: dict[str, frozenset[str]],
    age_frames: Mapping[str, pd.DataFrame],
    proj_tot: Mapping[int, pd.Series],
    cost: pd.Series | None,
    cost_pop: pd.Series | None,
    within: float,
    crit: Sequence[Criterion],
    year: int,
    o75_all: np.ndarray | None = None,
    age_year: int | None = None,
) -> dict[str, Any]:
    if hub not in pos:
        hub = max(mem, key=lambda c: float(pop[c]))
    sel = np.isin(np.asarray(origins.muni), mem)
    w = origins.weight[sel]
    t = origins.minutes[sel, pos[hub]]
    tot = float(pop.reindex(mem).sum())
    row: dict[str, Any] = {
        "area": aid,
        "name": name,
        "hub": region.name(hub) if hub in region.municipalities.index else hub,
        "levels": "+".join(levels),
        "municipalities": len(mem),
        f"population {year}": tot,
    }
    for py, s in proj_tot.items():
        row[f"population {py}"] = float(s.reindex(mem).sum())
    for label, frame in age_frames.items():
        row.update(_age_measures(frame, mem, label))
    row["mean min to hub"] = float((w * t).sum() / tot) if tot else float("nan")
    row["max min to hub"] = float(t.max())
    row[f"% within {within:g} min of hub"] = (
        100 * float(w[t <= within].sum()) / tot if tot else float("nan")
    )
    if o75_all is not None:
        o = o75_all[sel]
        row[f"% aged 75+ within {within:g} min {age_year}"] = (
            100 * float(o[t <= within].sum()) / float(o.sum()) if o.sum() else float("nan")
        )
    tc = origins.to_central[sel]
    row["mean min to central"] = float((w * tc).sum() / tot) if tot else float("nan")
    row["contiguous"] = is_connected(mem, neighbours)
    if cost is not None and cost_pop is not None:
        c = cost.reindex(mem).to_numpy(float)
        cp = cost_pop.reindex(mem).to_numpy(float)
        ok = np.isfinite(c) & np.isfinite(cp)
        row["net cost €/res"] = float((c[ok] * cp[ok]).sum() / cp[ok].sum()) if ok.any() else np.nan
    last = max(proj_tot) if proj_tot else None
    for cr in crit:
        row[cr.column] = bool(tot >= cr.min_population)
        if last is not None:
            row[f"{cr.column} {last} proj."] = bool(
                float(proj_tot[last].reindex(mem).sum()) >= cr.min_population
            )
    return row


def _age_measures(frame: pd.DataFrame, members: Sequence[str], label: str) -> dict[str, float]:
    """65+ and 75+ counts, 75+ share (%) and dependency ratio of ``members`` (long frame)."""
    sub = frame[frame["municipality"].isin(list(members))]
    ages = sub["age"].to_numpy()
    vals = sub["population"].to_numpy(float)
    total = float(vals.sum())
    old75 = float(vals[ages >= 75].sum())
    dep = _dependency_ratio(sub[["municipality", "age", "population"]], groups="all")
    return {
        f"aged 65+ {label}": float(vals[ages >= 65].sum()),
        f"aged 75+ {label}": old75,
        f"share 75+ % {label}": 100 * old75 / total if total else float("nan"),
        f"dependency ratio {label}": float(dep.iloc[0]) if len(dep) else float("nan"),
    }


def compare(
    items: Sequence[Evaluation] | Sequence[OrganisationModel],
    region: Region | None = None,
    year: int | None = None,
    *,
    travel: TravelMatrix | OriginTravel | None = None,
    criteria: Sequence[Criterion] | None = None,
    within_minutes: float = DEFAULT_WITHIN_MINUTES,
) -> pd.DataFrame:
    """Side-by-side table: one column per model, one row per overall measure.

    Parameters
    ----------
    items
        Results of :func:`evaluate` (same year for a fair comparison), or
        organisation models, which are then evaluated on ``region`` in ``year``
        with ``travel``, ``criteria`` and ``within_minutes``.
    region, year, travel, criteria, within_minutes
        Used only when ``items`` are models (see :func:`evaluate`).
    """
    if not items:
        raise ParameterError("compare needs at least one evaluation or model")
    evaluations: list[Evaluation] = []
    for it in items:
        if isinstance(it, Evaluation):
            evaluations.append(it)
        else:
            if region is None:
                raise ParameterError("compare: give the region when passing models")
            evaluations.append(
                evaluate(
                    it,
                    region,
                    year,
                    travel=travel,
                    criteria=criteria,
                    within_minutes=within_minutes,
                )
            )
    frame = pd.concat([e.overall for e in evaluations], axis=1)
    frame.columns = pd.Index([e.model.id for e in evaluations], name="model")
    frame.index.name = "measure"
    return frame
