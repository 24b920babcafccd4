"""Individual-level discrete-event simulation (SimPy) of a pathway, with stage capacities.

The same spec as :func:`~soteplan.pathways.run_cohort`, person by person:

- the initial stock and the entrants of each year are Poisson draws of the
  cohort model's expected numbers (× ``scale``); entrants arrive at uniform
  times within their year, initial persons at uniform review offsets;
- every person is reviewed on each anniversary of their arrival: one draw
  over the annual probabilities of their stage (to a stage, recovery, death
  or stay), then one year of age — so a person is reviewed exactly once per
  calendar year after the year of entry, as in the cohort model;
- a stage with a ``capacity`` is a :class:`simpy.Resource` of that many places
  (× ``scale``); a person moving to a full stage waits in the current stage
  (reviews then only test death) until a place frees: the wait is recorded.

With unlimited capacity the mean of the replications estimates the cohort
model's flows (the tests check it lies within the confidence interval).
Results are divided by ``scale``; ``municipality`` is ``"region"``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import simpy
from scipy import stats

from soteplan.errors import ParameterError
from soteplan.parallel import Executor, executor
from soteplan.pathways._cohort import (
    SEXES,
    PathwayResult,
    _band_sex,
    _meta,
    _rows,
    _Setup,
    _setup,
    band_population,
)
from soteplan.pathways._levers import Lever, check_levers
from soteplan.pathways._spec import Pathway

__all__ = ["SimulationResult", "simulate"]

FArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class SimulationResult(PathwayResult):
    """A :class:`PathwayResult` of the replication means, plus uncertainty and waiting.

    Attributes
    ----------
    ci
        ``year, stage, mean, lo, hi, sd`` of persons on 31 Dec over the
        replications (95 % t interval of the mean).
    waiting
        ``year, stage, admissions, waited, mean_wait_days, lo, hi``: admissions to
        capacitated stages, how many had to wait and the mean wait (days, 95 %
        interval over replications).
    """

    ci: pd.DataFrame = field(default_factory=pd.DataFrame)
    waiting: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary(self) -> pd.DataFrame:
        """The cohort summary plus the mean wait (days) over capacitated stages."""
        out = super().summary()
        w = self.waiting
        if len(w):
            tot = w.groupby("year").apply(
                lambda g: (
                    float((g["mean_wait_days"] * g["admissions"]).sum())
                    / max(1.0, float(g["admissions"].sum()))
                ),
                include_groups=False,
            )
            out["mean_wait_days"] = tot.reindex(out.index).fillna(0.0)
        return out


@dataclass(frozen=True)
class _Job:
    """Everything one replication needs (picklable)."""

    setup: _Setup
    band_lo: list[int]
    band_hi: list[int]
    last_open: bool
    entry_stage: int
    mode: str
    rates: FArray  # (B, 2)
    init: FArray  # (B, 2, K)
    pop: FArray  # (Y + 1, B, 2), already scaled
    capacity: list[float | None]  # per stage, already scaled
    seed: int
    rep: int


@dataclass(frozen=True)
class _Rep:
    stocks: FArray  # (Y, B, 2, K)
    flows: FArray  # (Y, K + 3, K + 3): entry row, stages, recovery, death, aged_out
    admissions: FArray  # (Y, K)
    waited: FArray  # (Y, K)
    wait_sum: FArray  # (Y, K) years
    initial: float


def _replicate(job: _Job) -> _Rep:
    s = job.setup
    rng = np.random.default_rng([job.seed, job.rep])
    n_years = s.A.shape[0]
    n_stages = len(s.stages)
    env = simpy.Environment()
    res = [
        simpy.Resource(env, capacity=max(1, round(c))) if c is not None else None
        for c in job.capacity
    ]
    counts = np.zeros((len(job.band_lo), 2, n_stages))
    stocks = np.zeros((n_years, len(job.band_lo), 2, n_stages))
    flows = np.zeros((n_years, n_stages + 4, n_stages + 4))  # 0 = entry, 1.. = stages, exits
    adm = np.zeros((n_years, n_stages))
    waited = np.zeros((n_years, n_stages))
    wsum = np.zeros((n_years, n_stages))
    cum = np.cumsum(s.A, axis=-1)  # (Y, B, K, K + 2)
    edges = np.full(101, -1, dtype=np.int64)
    for i, (lo, hi) in enumerate(zip(job.band_lo, job.band_hi, strict=True)):
        edges[lo : hi + 1] = i
    recovery, death, aged_out = n_stages + 1, n_stages + 2, n_stages + 3

    def year_of(t: float) -> int:
        return min(n_years - 1, max(0, math.ceil(t) - 1))

    def leave(k: int, b: int, sex: int, y: int, to: int, held: Any, pending: Any) -> None:
        counts[b, sex, k] -= 1
        flows[y, k + 1, to] += 1
        if held is not None:
            _release(res[k], held)
        if pending is not None:
            pending.cancel()

    def person(k: int, age: int, sex: int, first: float, entered: bool) -> Any:
        b = int(edges[age])
        counts[b, sex, k] += 1
        if entered:
            flows[year_of(env.now), 0, k + 1] += 1
        rk = res[k]
        held = rk.request() if rk is not None else None
        pending: Any = None
        target = -1
        t0 = 0.0
        review = first
        yield env.timeout(review - env.now)
        while True:
            y = year_of(env.now)
            j = int(np.searchsorted(cum[y, b, k], rng.random(), side="right"))
            if j in (n_stages, n_stages + 1):  # recovery or death
                leave(k, b, sex, y, recovery if j == n_stages else death, held, None)
                return
            if j < n_stages:
                rj = res[j]
                req = rj.request() if rj is not None else None
                if req is None or req.triggered:
                    if req is not None:
                        adm[y, j] += 1
                    counts[b, sex, k] -= 1
                    counts[b, sex, j] += 1
                    flows[y, k + 1, j + 1] += 1
                    if held is not None:
                        _release(res[k], held)
                    held, k = req, j
                else:
                    pending, target, t0 = req, j, env.now
            old_b = b
            age, b, gone = _age(age, b, edges, job.last_open)
            if gone:
                leave(k, old_b, sex, y, aged_out, held, pending)
                return
            if b != old_b:
                counts[old_b, sex, k] -= 1
                counts[b, sex, k] += 1
            review += 1.0
            while pending is not None:
                got = yield pending | env.timeout(review - env.now)
                if pending in got:
                    ya = year_of(env.now)
                    adm[ya, target] += 1
                    waited[ya, target] += 1
                    wsum[ya, target] += env.now - t0
                    counts[b, sex, k] -= 1
                    counts[b, sex, target] += 1
                    flows[ya, k + 1, target + 1] += 1
                    if held is not None:
                        _release(res[k], held)
                    held, k, pending = pending, target, None
                    break
                yw = year_of(env.now)  # a review while waiting: only death, then a year older
                if rng.random() < s.A[yw, b, k, n_stages + 1]:
                    leave(k, b, sex, yw, death, held, pending)
                    return
                old_b = b
                age, b, gone = _age(age, b, edges, job.last_open)
                if gone:
                    leave(k, old_b, sex, yw, aged_out, held, pending)
                    return
                if b != old_b:
                    counts[old_b, sex, k] -= 1
                    counts[b, sex, k] += 1
                review += 1.0
            yield env.timeout(review - env.now)

    def spawn(k: int, b: int, sex: int, n: int, t0: float, entered: bool) -> None:
        lo, hi = job.band_lo[b], job.band_hi[b]
        for _ in range(n):
            age = int(rng.integers(lo, hi + 1))
            t = t0 + (1.0 - rng.random())  # in (t0, t0 + 1]
            if entered:
                env.process(arrive(k, age, sex, t))
            else:
                env.process(person(k, age, sex, t, False))

    def arrive(k: int, age: int, sex: int, t: float) -> Any:
        yield env.timeout(t - env.now)
        yield env.process(person(k, age, sex, t + 1.0, True))

    def years_process() -> Any:
        for t in range(n_years):
            if job.mode == "incidence":
                lam = job.pop[t + 1] * job.rates
                n = rng.poisson(lam)
                for b in range(n.shape[0]):
                    for sx in range(2):
                        spawn(job.entry_stage, b, sx, int(n[b, sx]), float(t), True)
            yield env.timeout(t + 1.0 - env.now)
            if job.mode == "prevalence":  # top up to the target share at the year end
                target = job.pop[t + 1] * job.rates
                deficit = np.maximum(0, np.round(target - counts.sum(axis=-1))).astype(int)
                for b in range(deficit.shape[0]):
                    for sx in range(2):
                        for _ in range(int(deficit[b, sx])):
                            age = int(rng.integers(job.band_lo[b], job.band_hi[b] + 1))
                            env.process(
                                person(job.entry_stage, age, sx, t + 2.0 - rng.random(), True)
                            )
                yield env.timeout(0)
            stocks[t] = counts.copy()

    n0 = rng.poisson(job.init)
    for b in range(n0.shape[0]):
        for sx in range(2):
            for k in range(n_stages):
                spawn(k, b, sx, int(n0[b, sx, k]), 0.0, False)
    env.process(years_process())
    env.run(until=n_years + 1e-9)
    return _Rep(stocks, flows, adm, waited, wsum, float(n0.sum()))


def _release(resource: simpy.Resource | None, req: Any) -> None:
    if resource is None:
        return
    if req.triggered:
        resource.release(req)
    else:
        req.cancel()


def _age(age: int, b: int, edges: npt.NDArray[np.int64], last_open: bool) -> tuple[int, int, bool]:
    """One year older: (age, band, aged out of the last band)."""
    if age >= 100:
        return 100, b, not last_open
    nb = int(edges[age + 1])
    if nb < 0:
        return age + 1, b, True
    return age + 1, nb, False


def simulate(
    pathway: Pathway,
    population: pd.DataFrame,
    *,
    start_year: int = 2025,
    end_year: int = 2040,
    scale: float = 1.0,
    replications: int = 10,
    seed: int = 1,
    levers: Sequence[Lever] = (),
    capacity: Mapping[str, float] | None = None,
    travel: pd.DataFrame | None = None,
    executor_: str | Executor = "serial",
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Simulate ``pathway`` person by person with SimPy; replications with 95 % intervals.

    Parameters
    ----------
    pathway, population, start_year, end_year, levers, travel
        As in :func:`~soteplan.pathways.run_cohort` (the population is summed
        over municipalities; travel minutes are population-weighted means).
    scale
        Share of the population simulated (0 < scale ≤ 1); results are divided
        by it.  Capacities are scaled alike.
    replications
        Independent replications (seeds ``[seed, r]``), at least 2 for an interval.
    capacity
        Places by stage id (persons at a time), overriding the spec's ``capacity``.
    executor_
        Where replications run (:func:`soteplan.parallel.executor`; default serial).
    progress
        ``progress(done, total)`` after each replication.
    """
    probs = []
    if not 0 < scale <= 1:
        probs.append(f"scale {scale} must be in (0, 1]")
    if replications < 2:
        probs.append(f"replications {replications} must be at least 2 (for an interval)")
    if end_year < start_year:
        probs.append(f"end_year {end_year} is before start_year {start_year}")
    cap = dict(capacity or {})
    unknown = sorted(set(cap) - set(pathway.stage_ids))
    if unknown:
        probs.append(f"capacity for unknown stages {', '.join(unknown)}")
    probs += [f"capacity of {k} must be > 0" for k, v in cap.items() if not v > 0]
    if probs:
        raise ParameterError("invalid simulation input:\n  " + "\n  ".join(probs))
    check_levers(pathway, levers)
    years = list(range(start_year, end_year + 1))
    codes, pop_m = band_population(population, pathway, [start_year - 1, *years])
    pop = pop_m.sum(axis=1)  # (Y + 1, B, 2)
    setup = _setup(pathway, years, levers)
    bands = [b.id for b in pathway.age_bands]
    e = pathway.entry
    init = np.zeros((len(bands), 2, len(setup.stages)))
    if e.initial:
        shares = np.array([e.initial_shares.get(s, 0.0) for s in setup.stages])
        init = pop[0][..., None] * _band_sex(e.initial, bands)[..., None] * shares
    caps: list[float | None] = []
    for st in pathway.stages:
        c = cap.get(st.id, st.capacity)
        caps.append(None if c is None else float(c) * scale)
    jobs = [
        _Job(
            setup=setup,
            band_lo=[b.lo for b in pathway.age_bands],
            band_hi=[b.hi for b in pathway.age_bands],
            last_open=pathway.age_bands[-1].hi >= 100,
            entry_stage=setup.stages.index(e.stage),
            mode=e.mode,
            rates=_band_sex(e.rates, bands),
            init=init * scale,
            pop=pop * scale,
            capacity=caps,
            seed=seed,
            rep=r,
        )
        for r in range(replications)
    ]
    reps: list[_Rep] = executor(executor_).map(_replicate, jobs, progress=progress)
    return _collect(pathway, setup, years, codes, pop_m, reps, scale, levers, travel, caps, seed)


def _collect(
    p: Pathway,
    setup: _Setup,
    years: list[int],
    codes: list[str],
    pop_m: FArray,
    reps: list[_Rep],
    scale: float,
    levers: Sequence[Lever],
    travel: pd.DataFrame | None,
    caps: list[float | None],
    seed: int,
) -> SimulationResult:
    stage_ids = setup.stages
    stocks = np.stack([r.stocks for r in reps]) / scale  # (R, Y, B, 2, K)
    mean = stocks.mean(axis=0)
    minutes = np.full((1, len(stage_ids)), np.nan)
    if travel is not None:
        w = pd.Series(pop_m[1].sum(axis=(1, 2)), index=codes)
        tab = travel.assign(municipality=travel["municipality"].astype(str))
        for k, st in enumerate(p.stages):
            if st.service_type is None:
                continue
            t = tab[tab["service_type"] == st.service_type].set_index("municipality")["minutes"]
            ww = w.reindex(t.index).fillna(0.0)
            if ww.sum() > 0:
                minutes[0, k] = float((t * ww).sum() / ww.sum())
    for k, st in enumerate(p.stages):
        if st.service_type is None:
            minutes[0, k] = 0.0
    rows = _rows(p, setup, years, ["region"], mean[:, None], minutes, travel)
    idx = pd.MultiIndex.from_product(
        [years, ["region"], [b.id for b in p.age_bands], list(SEXES), stage_ids],
        names=["year", "municipality", "band", "sex", "stage"],
    )
    stock_frame = pd.DataFrame({"persons": mean.reshape(-1)}, index=idx).reset_index()
    names = ["entry", *stage_ids, "recovery", "death", "aged_out"]
    fl = np.stack([r.flows for r in reps]).mean(axis=0) / scale
    frows = [
        (years[t], names[i] if i else "entry", names[j], float(fl[t, i, j]))
        for t in range(len(years))
        for i in range(fl.shape[1])
        for j in range(fl.shape[2])
        if fl[t, i, j] > 0
    ]
    flows = pd.DataFrame(frows, columns=["year", "source", "target", "persons"])
    by_stage = stocks.sum(axis=(2, 3))  # (R, Y, K)
    n = by_stage.shape[0]
    tq = float(stats.t.ppf(0.975, n - 1))
    m, sd = by_stage.mean(axis=0), by_stage.std(axis=0, ddof=1)
    half = tq * sd / math.sqrt(n)
    ci = pd.DataFrame(
        [
            (years[t], stage_ids[k], m[t, k], m[t, k] - half[t, k], m[t, k] + half[t, k], sd[t, k])
            for t in range(len(years))
            for k in range(len(stage_ids))
        ],
        columns=["year", "stage", "mean", "lo", "hi", "sd"],
    )
    wrows = []
    for k, c in enumerate(caps):
        if c is None:
            continue
        adm = np.stack([r.admissions[:, k] for r in reps])  # (R, Y)
        wt = np.stack([r.waited[:, k] for r in reps])
        ws = np.stack([r.wait_sum[:, k] for r in reps])
        per = np.where(adm > 0, ws / np.maximum(adm, 1) * 365.0, 0.0)  # mean wait per admission
        pm, psd = per.mean(axis=0), per.std(axis=0, ddof=1)
        ph = tq * psd / math.sqrt(n)
        for t in range(len(years)):
            wrows.append(
                (
                    years[t],
                    stage_ids[k],
                    float(adm[:, t].mean() / scale),
                    float(wt[:, t].mean() / scale),
                    float(pm[t]),
                    float(max(0.0, pm[t] - ph[t])),
                    float(pm[t] + ph[t]),
                )
            )
    waiting = pd.DataFrame(
        wrows,
        columns=["year", "stage", "admissions", "waited", "mean_wait_days", "lo", "hi"],
    )
    meta = _meta(p, years, levers, travel, "simulation")
    meta["initial_persons"] = float(np.mean([r.initial for r in reps]) / scale)
    meta.update(
        {
            "replications": n,
            "seed": seed,
            "scale": scale,
            "capacity": {s: c / scale for s, c in zip(stage_ids, caps, strict=True) if c},
            "interval": "95 % t interval of the replication mean",
            "per_replication_mean_stock": {
                st: [float(v) for v in by_stage[:, :, k].mean(axis=1)]
                for k, st in enumerate(stage_ids)
            },
        }
    )
    meta["approximation"] = [
        *meta["approximation"],
        "simulation: results are replication means divided by the simulated share (scale); "
        "while waiting for a full stage a person is reviewed only for death",
    ]
    if len(waiting):
        s = SimulationResult(rows, stock_frame, flows, meta, ci, waiting).summary()
        meta["waiting_by_year"] = {int(y): float(v) for y, v in s["mean_wait_days"].items()}
    return SimulationResult(rows, stock_frame, flows, meta, ci, waiting)
