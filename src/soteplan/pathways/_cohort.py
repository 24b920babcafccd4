"""Discrete-time Markov cohort model of a pathway per municipality × age band × sex.

State ``x[m, b, s, k]``: persons of municipality ``m``, age band ``b`` and sex
``s`` in stage ``k`` on 31 December.  Each projection year, in this order:

1. transitions with the annual probabilities of the spec (row ``k``:
   to every stage, to recovery, to death with ``q_b × death_multiplier_k``;
   the rest stay);
2. ageing: a share ``1 / width_b`` of band ``b`` moves to band ``b + 1``
   (uniform ages within a band; people leaving the oldest band when it ends
   before age 100 exit as ``aged_out``);
3. entry: ``rate × population`` new entrants of the year (incidence), or the
   top-up to ``share × population`` (prevalence), into the entry stage.

Contacts are end-of-year persons × contacts per person-year (an
approximation of person-years, named in ``meta``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from soteplan.errors import DataError, DataProblem, ParameterError
from soteplan.pathways._levers import (
    ChannelShift,
    HeavyUserTargeting,
    Lever,
    PeerSupport,
    check_levers,
)
from soteplan.pathways._spec import CHANNELS, PROVIDERS, RECOVERY, Pathway

__all__ = ["PathwayResult", "band_population", "run_cohort"]

FArray = npt.NDArray[np.float64]
SEXES = ("male", "female")
EXITS = ("recovery", "death", "aged_out")

APPROXIMATIONS = [
    "persons counted on 31 December; contacts = end-of-year persons × contacts per person-year",
    "ageing between bands: 1/width of a band moves up each year (uniform ages within a band)",
    "incidence applied to the whole band population (not only those outside the pathway)",
    "people in the pathway follow the municipality's population; no migration of their own",
    "travel: round trip per in-person contact at the population-weighted mean network time "
    "from the municipality's postal areas to the nearest point of the stage's service type",
]


@dataclass(frozen=True, eq=False)
class PathwayResult:
    """Result of :func:`run_cohort` (or the mean of a simulation).

    Attributes
    ----------
    rows
        Long frame ``year, municipality, stage, provider, channel, persons,
        contacts, cost_eur, trips, travel_minutes``: persons are allocated to
        provider × channel in proportion to contacts, so sums over rows are the
        stage's persons; companion stages (peer support, case management)
        have ``companion = True`` and are not part of the stock.
    stocks
        ``year, municipality, band, sex, stage, persons`` (31 Dec).
    flows
        ``year, source, target, persons``: entries (source ``entry``), moves
        between stages, stays (source = target), exits (target
        ``recovery``/``death``/``aged_out``; ageing out has source ``*``) and
        companion participation.
    meta
        Pathway, years, units, price year, sources, assumptions, approximations.
    """

    rows: pd.DataFrame
    stocks: pd.DataFrame
    flows: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def to_frame(self, *, by_municipality: bool = False) -> pd.DataFrame:
        """Rows summed over municipalities (or not): one per year × stage × provider × channel."""
        keys = ["year", "stage", "provider", "channel"]
        if by_municipality:
            keys.insert(1, "municipality")
        cols = ["persons", "contacts", "cost_eur", "trips", "travel_minutes"]
        out = self.rows.groupby(keys, sort=False, as_index=False)[cols].sum(min_count=1)
        return out.sort_values(keys, kind="stable").reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """Per year: persons (stock), contacts, cost, trips, travel minutes, third-sector share."""
        r = self.rows
        stock = r[~r["companion"]].groupby("year")["persons"].sum()
        agg = r.groupby("year")[["contacts", "cost_eur", "trips"]].sum()
        agg["travel_minutes"] = r.groupby("year")["travel_minutes"].apply(
            lambda v: float(v.sum(skipna=False))
        )
        third = r[r["provider"] == "third_sector"].groupby("year")["contacts"].sum()
        out = agg.assign(persons=stock)
        out["third_sector_share"] = (third.reindex(out.index).fillna(0.0) / out["contacts"]).where(
            out["contacts"] > 0, 0.0
        )
        return out[
            ["persons", "contacts", "cost_eur", "trips", "travel_minutes", "third_sector_share"]
        ]

    def stage_table(self) -> pd.DataFrame:
        """Persons, contacts and cost by year and stage (all providers and channels)."""
        cols = ["persons", "contacts", "cost_eur", "trips", "travel_minutes"]
        return self.rows.groupby(["year", "stage"], sort=False, as_index=False)[cols].sum()


def band_population(
    population: pd.DataFrame, pathway: Pathway, years: Sequence[int]
) -> tuple[list[str], FArray]:
    """Population ``(Y, M, B, 2)`` by year, municipality, band and sex from a long frame.

    ``population`` has ``municipality, year, sex, age, population`` (the
    demography engine's :attr:`~soteplan.demography.Projection.population`).

    Raises
    ------
    DataError
        On missing columns or years.
    """
    need = {"municipality", "year", "sex", "age", "population"}
    missing = sorted(need - set(population.columns))
    if missing:
        raise DataError([DataProblem("population", None, c, "missing column") for c in missing])
    have = set(population["year"].astype(int))
    lacking = [y for y in years if y not in have]
    if lacking:
        raise DataError(
            [
                DataProblem(
                    "population",
                    None,
                    "year",
                    f"no population for years {lacking}; have {min(have)}–{max(have)}",
                )
            ]
        )
    pop = population[population["year"].astype(int).isin(list(years))]
    codes = sorted(set(pop["municipality"].astype(str)))
    edges = np.full(101, -1, dtype=np.int64)
    for i, b in enumerate(pathway.age_bands):
        edges[b.lo : b.hi + 1] = i
    band = edges[np.clip(pop["age"].to_numpy(np.int64), 0, 100)]
    keep = band >= 0
    mi = pd.Index(codes).get_indexer(pop["municipality"].astype(str))
    yi = pd.Index(list(years)).get_indexer(pop["year"].astype(int))
    si = pd.Index(SEXES).get_indexer(pop["sex"].astype(str))
    keep &= si >= 0
    out = np.zeros((len(years), len(codes), len(pathway.age_bands), 2))
    np.add.at(
        out,
        (yi[keep], mi[keep], band[keep], si[keep]),
        pop["population"].to_numpy(np.float64)[keep],
    )
    return codes, out


def _band_sex(rows: Sequence[Any], bands: list[str]) -> FArray:
    out = np.zeros((len(bands), 2))
    for r in rows:
        b = bands.index(r.band)
        for s in (0, 1) if r.sex == "both" else (SEXES.index(r.sex),):
            out[b, s] = r.value
    return out


@dataclass(frozen=True)
class _Setup:
    """Arrays of one pathway for every year of the run."""

    stages: list[str]
    A: FArray  # (Y, B, K, K + 2): to stages, recovery, death
    contacts: FArray  # (Y, K) contacts per person-year
    channel: FArray  # (Y, K, C)
    provider: FArray  # (K, P)
    cost: FArray  # (K,) unit cost in person
    channel_factor: FArray  # (C,)
    companions: list[dict[str, Any]]


def _setup(p: Pathway, years: Sequence[int], levers: Sequence[Lever]) -> _Setup:
    K, B, Y = len(p.stages), len(p.age_bands), len(years)  # noqa: N806
    ids = p.stage_ids
    bands = [b.id for b in p.age_bands]
    base = np.zeros((B, K, K + 2))
    for tr in p.transitions:
        j = K if tr.to == RECOVERY else ids.index(tr.to)
        base[:, ids.index(tr.from_), j] += tr.annual_probability
    q = np.zeros(B)
    for d in p.death:
        q[bands.index(d.band)] = d.probability
    mult = np.array([s.death_multiplier for s in p.stages])
    base[:, :, K + 1] = np.minimum(1.0, q[:, None] * mult[None, :])
    A = np.repeat(base[None], Y, axis=0)  # noqa: N806
    contacts = np.repeat(np.array([[s.contacts_per_year for s in p.stages]]), Y, axis=0)
    channel = np.zeros((Y, K, len(CHANNELS)))
    provider = np.zeros((K, len(PROVIDERS)))
    for k, s in enumerate(p.stages):
        for c, v in s.channel_shares().items():
            channel[:, k, CHANNELS.index(c)] = v
        for pk, v in s.provider_shares().items():
            provider[k, PROVIDERS.index(pk)] = v
    yrs = np.asarray(years)
    companions: list[dict[str, Any]] = []
    for lv in levers:
        on = yrs >= lv.start_year
        if isinstance(lv, ChannelShift):
            k = ids.index(lv.stage)
            moved = channel[on, k, 0] * lv.share
            channel[on, k, 0] -= moved
            channel[on, k, CHANNELS.index(lv.to)] += moved
        elif isinstance(lv, PeerSupport):
            k = ids.index(lv.stage)
            j = K if lv.target == RECOVERY else ids.index(lv.target)
            A[on, :, k, j] *= 1.0 - lv.coverage * lv.effect
            companions.append(
                {
                    "stage": f"peer_support_{lv.stage}",
                    "of": k,
                    "share": np.where(on, lv.coverage, 0.0),
                    "contacts": lv.contacts_per_year,
                    "cost": lv.unit_cost_eur,
                    "provider": "third_sector",
                    "channel": lv.channel,
                    "service_type": lv.service_type,
                }
            )
        elif isinstance(lv, HeavyUserTargeting):
            hu = p.heavy_users or {}
            ps = lv.person_share if lv.person_share is not None else hu["person_share"]
            cs = lv.contact_share if lv.contact_share is not None else hu["contact_share"]
            for st in lv.stages:
                k = ids.index(st)
                contacts[on, k] *= 1.0 - cs * lv.contact_reduction
                companions.append(
                    {
                        "stage": f"case_management_{st}",
                        "of": k,
                        "share": np.where(on, ps, 0.0),
                        "contacts": lv.case_manager_contacts,
                        "cost": lv.case_manager_cost_eur,
                        "provider": "public",
                        "channel": "remote",
                        "service_type": None,
                    }
                )
    cf = np.array([1.0, p.channel_cost.remote, p.channel_cost.digital])
    cost = np.array([s.unit_cost_eur for s in p.stages])
    return _Setup(ids, A, contacts, channel, provider, cost, cf, companions)


def _travel_matrix(
    travel: pd.DataFrame | None, codes: list[str], types: list[str | None]
) -> FArray:
    """One-way minutes ``(M, K)``; NaN where unknown, 0 for stages without a service type."""
    out = np.full((len(codes), len(types)), np.nan)
    for k, t in enumerate(types):
        if t is None:
            out[:, k] = 0.0
    if travel is None:
        return out
    need = {"municipality", "service_type", "minutes"}
    if not need <= set(travel.columns):
        raise ParameterError(f"travel table needs columns {sorted(need)}")
    tab = travel.assign(municipality=travel["municipality"].astype(str)).set_index(
        ["municipality", "service_type"]
    )["minutes"]
    for k, t in enumerate(types):
        if t is None:
            continue
        for m, code in enumerate(codes):
            v = tab.get((code, t))
            if v is not None:
                out[m, k] = float(v)
    return out


def run_cohort(
    pathway: Pathway,
    population: pd.DataFrame,
    *,
    start_year: int = 2025,
    end_year: int = 2040,
    travel: pd.DataFrame | None = None,
    levers: Sequence[Lever] = (),
    progress: Callable[[int, int], None] | None = None,
) -> PathwayResult:
    """Run the Markov cohort model of ``pathway`` over ``start_year..end_year``.

    Parameters
    ----------
    pathway
        A validated :class:`~soteplan.pathways.Pathway`.
    population
        Long ``municipality, year, sex, age, population`` frame covering
        ``start_year - 1 .. end_year`` (e.g. a demography projection).
    start_year, end_year
        First and last reported year; the initial stock is set on 31 Dec of
        ``start_year - 1`` from the entry's ``initial`` prevalence.
    travel
        ``municipality, service_type, minutes``: one-way network minutes to the
        nearest point of each service type (see
        :func:`~soteplan.pathways.municipal_travel_minutes`); without it travel
        minutes are NaN.
    levers
        :class:`ChannelShift`, :class:`PeerSupport`, :class:`HeavyUserTargeting`.
    progress
        Optional ``progress(done, total)`` callback, once per year.
    """
    if end_year < start_year:
        raise ParameterError(f"end_year {end_year} is before start_year {start_year}")
    check_levers(pathway, levers)
    years = list(range(start_year, end_year + 1))
    codes, pop = band_population(population, pathway, [start_year - 1, *years])
    setup = _setup(pathway, years, levers)
    K, B, M = len(setup.stages), len(pathway.age_bands), len(codes)  # noqa: N806
    bands = [b.id for b in pathway.age_bands]
    e = pathway.entry
    k0 = setup.stages.index(e.stage)
    rates = _band_sex(e.rates, bands)
    x = np.zeros((M, B, 2, K))
    if e.initial:
        init = _band_sex(e.initial, bands)
        shares = np.array([e.initial_shares.get(s, 0.0) for s in setup.stages])
        x = pop[0][..., None] * init[None, :, :, None] * shares[None, None, None, :]
    initial = float(x.sum())
    up = np.array([1.0 / b.width for b in pathway.age_bands])
    last_open = pathway.age_bands[-1].hi >= 100
    stocks = np.zeros((len(years), M, B, 2, K))
    flow_rows: list[tuple[int, str, str, float]] = []
    names = [*setup.stages, "recovery", "death"]
    for t, year in enumerate(years):
        f = np.einsum("mbsk,bkj->mbskj", x, setup.A[t])
        stay = x - f.sum(axis=-1)
        moved = f[..., :K].sum(axis=3) + stay
        between = f.sum(axis=(0, 1, 2))  # (K, K + 2)
        kept = stay.sum(axis=(0, 1, 2))
        for k in range(K):
            if kept[k] > 0:
                flow_rows.append((year, setup.stages[k], setup.stages[k], float(kept[k])))
        for k in range(K):
            for j in range(K + 2):
                if between[k, j] > 0:
                    flow_rows.append((year, setup.stages[k], names[j], float(between[k, j])))
        out_up = moved * up[None, :, None, None]
        aged_out = float(out_up[:, -1].sum()) if not last_open else 0.0
        if last_open:
            out_up[:, -1] = 0.0
        moved = moved - out_up
        moved[:, 1:] += out_up[:, :-1]
        if aged_out > 0:
            flow_rows.append((year, "*", "aged_out", aged_out))
        p_now = pop[t + 1]
        if e.mode == "incidence":
            new = p_now * rates[None]
        else:
            new = np.maximum(0.0, p_now * rates[None] - moved.sum(axis=-1))
        moved[..., k0] += new
        flow_rows.append((year, "entry", e.stage, float(new.sum())))
        x = moved
        stocks[t] = x
        if progress is not None:
            progress(t + 1, len(years))
    minutes = _travel_matrix(travel, codes, [s.service_type for s in pathway.stages])
    rows = _rows(pathway, setup, years, codes, stocks, minutes, travel)
    for comp in setup.companions:
        for t, year in enumerate(years):
            v = float(stocks[t, ..., comp["of"]].sum() * comp["share"][t])
            if v > 0:
                flow_rows.append((year, setup.stages[comp["of"]], comp["stage"], v))
    idx = pd.MultiIndex.from_product(
        [years, codes, bands, list(SEXES), setup.stages],
        names=["year", "municipality", "band", "sex", "stage"],
    )
    stock_frame = pd.DataFrame({"persons": stocks.reshape(-1)}, index=idx).reset_index()
    flows = pd.DataFrame(flow_rows, columns=["year", "source", "target", "persons"])
    meta = _meta(pathway, years, levers, travel, "cohort")
    meta["initial_persons"] = initial
    return PathwayResult(rows, stock_frame, flows, meta)


def _rows(
    p: Pathway,
    setup: _Setup,
    years: list[int],
    codes: list[str],
    stocks: FArray,
    minutes: FArray,
    travel: pd.DataFrame | None,
) -> pd.DataFrame:
    persons = stocks.sum(axis=(2, 3))  # (Y, M, K)
    contacts = persons * setup.contacts[:, None, :]
    # (Y, M, K, P, C)
    share = setup.provider[None, None, :, :, None] * setup.channel[:, None, :, None, :]
    c5 = contacts[..., None, None] * share
    p5 = persons[..., None, None] * share
    cost5 = c5 * setup.cost[None, None, :, None, None] * setup.channel_factor
    has_trip = np.array([s.service_type is not None for s in p.stages], dtype=float)
    trips5 = np.zeros_like(c5)
    trips5[..., 0] = c5[..., 0] * has_trip[None, None, :, None]
    tmin5 = trips5 * 2.0 * minutes[None, :, :, None, None]
    frames = []
    idx = pd.MultiIndex.from_product(
        [years, codes, setup.stages, list(PROVIDERS), list(CHANNELS)],
        names=["year", "municipality", "stage", "provider", "channel"],
    )
    frames.append(
        pd.DataFrame(
            {
                "persons": p5.reshape(-1),
                "contacts": c5.reshape(-1),
                "cost_eur": cost5.reshape(-1),
                "trips": trips5.reshape(-1),
                "travel_minutes": tmin5.reshape(-1),
            },
            index=idx,
        )
        .reset_index()
        .assign(companion=False)
    )
    for comp in setup.companions:
        base = persons[:, :, comp["of"]] * comp["share"][:, None]  # (Y, M)
        con = base * comp["contacts"]
        chan = comp["channel"]
        trips = con if (chan == "in_person" and comp["service_type"] is not None) else con * 0
        if comp["service_type"] is not None and travel is not None:
            mins = _travel_matrix(travel, codes, [comp["service_type"]])[:, 0]
        else:
            mins = (
                np.zeros(len(codes))
                if comp["service_type"] is None
                else np.full(len(codes), np.nan)
            )
        factor = 1.0 if chan == "in_person" else float(setup.channel_factor[CHANNELS.index(chan)])
        yy, mm = np.meshgrid(years, codes, indexing="ij")
        frames.append(
            pd.DataFrame(
                {
                    "year": yy.reshape(-1),
                    "municipality": mm.reshape(-1),
                    "stage": comp["stage"],
                    "provider": comp["provider"],
                    "channel": chan,
                    "persons": base.reshape(-1),
                    "contacts": con.reshape(-1),
                    "cost_eur": (con * comp["cost"] * factor).reshape(-1),
                    "trips": trips.reshape(-1),
                    "travel_minutes": (trips * 2.0 * mins[None, :]).reshape(-1),
                    "companion": True,
                }
            )
        )
    rows = pd.concat(frames, ignore_index=True)
    keep = (rows["persons"] > 0) | (rows["contacts"] > 0)
    # keep every (stage, provider, channel) that is used in any year, so years line up
    used = rows[keep].groupby(["stage", "provider", "channel"]).size().index
    key = pd.MultiIndex.from_frame(rows[["stage", "provider", "channel"]])
    return rows[key.isin(used)].reset_index(drop=True)


def _meta(
    p: Pathway,
    years: list[int],
    levers: Sequence[Lever],
    travel: pd.DataFrame | None,
    model: str,
) -> dict[str, Any]:
    price_year = p.stages[0].price_year
    approx = list(APPROXIMATIONS)
    if travel is None:
        approx.append("no travel table given: travel minutes are not computed (NaN)")
    return {
        "pathway": p.id,
        "name": p.name.en,
        "name_fi": p.name.fi,
        "model": model,
        "years": [years[0], years[-1]],
        "price_year": price_year,
        "units": {
            "persons": "persons in the stage on 31 Dec, split over provider × channel by contacts",
            "contacts": "contacts per year",
            "cost_eur": f"euros per year at {price_year} prices",
            "trips": "in-person trips per year (one per in-person contact at a service point)",
            "travel_minutes": "minutes per year, round trips by car on the road network",
        },
        "stages": {
            s.id: {
                "fi": s.label.fi,
                "en": s.label.en,
                "provider": s.provider_shares(),
                "channel": s.channel_shares(),
                "service_type": s.service_type,
                "unit_cost_eur": s.unit_cost_eur,
                "contacts_per_year": s.contacts_per_year,
                "capacity": s.capacity,
            }
            for s in p.stages
        },
        "levers": [{"kind": lv.kind, **_lever_dict(lv)} for lv in levers],
        "sources": p.cited(),
        "assumptions": p.assumptions(),
        "approximation": approx,
    }


def _lever_dict(lv: Lever) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in lv.__dataclass_fields__:
        v = getattr(lv, k)
        out[k] = list(v) if isinstance(v, tuple) else v
    return out
