"""Rate estimation recovers known rates from synthetic populations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soteplan.demography import (
    Rates,
    adjust_migration_level,
    fertility_levels,
    fertility_schedule,
    project,
    residual_net_migration,
    split_migration,
    survival_from_cohort_ratios,
)
from soteplan.demography._estimate import mortality_improvement

AGES = np.arange(101)


def gompertz_q(alpha: float, beta: float) -> np.ndarray:
    return np.minimum(np.exp(alpha + beta * AGES), 0.6)


def test_survival_recovers_gompertz_from_five_year_stocks() -> None:
    # a closed national population with known single-year mortality, run 30 years
    q = {"male": gompertz_q(-10.0, 0.095), "female": gompertz_q(-11.0, 0.10)}
    surv = np.vstack([1 - q["male"], 1 - q["female"]])
    rng = np.random.default_rng(0)
    n = 1
    base = pd.DataFrame(
        [
            ("000", s, a, float(rng.integers(40_000, 60_000)))
            for s in ("male", "female")
            for a in range(101)
        ],
        columns=["municipality", "sex", "age", "population"],
    )
    fert = np.zeros((n, 101))
    fert[:, 20:40] = 0.07
    rates = Rates(("000",), surv, fert, np.zeros((n, 2, 101)))
    pop = project(base, rates, base_year=1990, to_year=2020).population
    pop["age_start"] = np.minimum(pop["age"] // 5 * 5, 85)
    pop5 = pop.groupby(["year", "sex", "age_start"], as_index=False)["population"].sum()
    est, ratios = survival_from_cohort_ratios(pop5, first_year=2005, last_year=2020)
    for sex in ("male", "female"):
        got = est[est["sex"] == sex].set_index("age")["q"]
        true = pd.Series(q[sex], index=AGES)
        # within 15 % of the true death probability at ages 50..90
        rel = (got.loc[50:90] / true.loc[50:90] - 1).abs()
        assert rel.max() < 0.15, (sex, rel.max())
    assert set(ratios["sex"]) == {"male", "female"}
    imp = mortality_improvement(est, est, years_apart=5)
    assert imp["annual_rate"].abs().max() < 1e-12


def test_residual_migration_recovers_known_flows() -> None:
    munis = ("077", "179")
    rng = np.random.default_rng(1)
    base = pd.DataFrame(
        [
            (m, s, a, float(rng.integers(200, 400)))
            for m in munis
            for s in ("male", "female")
            for a in range(101)
        ],
        columns=["municipality", "sex", "age", "population"],
    )
    surv = np.vstack([1 - gompertz_q(-9.5, 0.09), 1 - gompertz_q(-10.5, 0.095)])
    mig = rng.normal(0, 5, size=(2, 2, 101))
    mig[:, :, 0] = 0
    fert = np.zeros((2, 101))
    fert[:, 20:40] = 0.05  # births keep age 0 well above the migration noise
    rates = Rates(munis, surv, fert, mig)
    res = project(base, rates, base_year=2018, to_year=2020)
    assert res.meta["clipped_persons"] == 0
    pop = res.population
    survival = pd.DataFrame(
        [
            {"sex": s, "age": a, "survival": surv[i, a]}
            for i, s in enumerate(("male", "female"))
            for a in range(101)
        ]
    )
    est = residual_net_migration(pop, survival, smooth=1)
    got = est.set_index(["municipality", "sex", "age"])["net_migration"].sort_index()
    np.testing.assert_allclose(got.loc[("179", "female")].to_numpy(), mig[1, 1], atol=1e-6)
    np.testing.assert_allclose(got.loc[("077", "male")].to_numpy(), mig[0, 0], atol=1e-6)
    smoothed = residual_net_migration(pop, survival, smooth=3)
    tot = smoothed.groupby(["municipality", "sex"])["net_migration"].sum().to_numpy()
    np.testing.assert_allclose(tot, mig.sum(axis=2)[:, ::-1].ravel(), atol=1e-6)  # female first


def test_fertility_schedule_and_levels() -> None:
    sched = fertility_schedule()
    assert sched.sum() == pytest.approx(1.0)
    assert 28 <= float((sched.index.to_numpy() * sched.to_numpy()).sum()) <= 32
    munis = ("077", "179")
    rng = np.random.default_rng(2)
    base = pd.DataFrame(
        [
            (m, s, a, float(rng.integers(500, 900)))
            for m in munis
            for s in ("male", "female")
            for a in range(101)
        ],
        columns=["municipality", "sex", "age", "population"],
    )
    tfr = np.array([1.2, 1.8])
    fert = np.zeros((2, 101))
    fert[:, 15:50] = tfr[:, None] * sched.to_numpy()[None, :]
    rates = Rates(
        munis,
        np.ones((2, 101)),
        fert,
        np.zeros((2, 2, 101)),
        birth_survival=np.array([0.998, 0.998]),
    )
    pop = project(base, rates, base_year=2018, to_year=2020).population
    est = fertility_levels(pop, sched, prior_births=0.0)
    np.testing.assert_allclose(est["tfr"].to_numpy(), tfr, rtol=1e-9)
    shrunk = fertility_levels(pop, sched, prior_births=50.0)["tfr"].to_numpy()
    assert tfr[0] < shrunk[0] < shrunk[1] < tfr[1]


def test_adjust_migration_level_hits_targets_and_keeps_untouched() -> None:
    rng = np.random.default_rng(5)
    rows = [
        (m, s, a, float(rng.normal(0, 3)) if a > 0 else 0.0)
        for m in ("077", "179")
        for s in ("male", "female")
        for a in range(101)
    ]
    mig = pd.DataFrame(rows, columns=["municipality", "sex", "age", "net_migration"])
    out = adjust_migration_level(mig, {"077": 42.0})
    sums = out.groupby("municipality")["net_migration"].sum()
    assert sums["077"] == pytest.approx(42.0)
    before = mig[mig.municipality == "179"]["net_migration"].to_numpy()
    np.testing.assert_array_equal(out[out.municipality == "179"]["net_migration"], before)
    # the correction goes where migration happens: zero cells stay zero
    assert (out.loc[mig["net_migration"] == 0, "net_migration"] == 0).all()


def test_split_migration_reproduces_the_residual_on_the_observed_years() -> None:
    munis = ("077", "179")
    rng = np.random.default_rng(8)
    base = pd.DataFrame(
        [
            (m, s, a, float(rng.integers(200, 400)))
            for m in munis
            for s in ("male", "female")
            for a in range(101)
        ],
        columns=["municipality", "sex", "age", "population"],
    )
    surv = np.vstack([1 - gompertz_q(-9.5, 0.09), 1 - gompertz_q(-10.5, 0.095)])
    fert = np.zeros((2, 101))
    fert[:, 20:40] = 0.05
    mig = rng.normal(0, 5, size=(2, 2, 101))
    mig[:, :, 0] = 0
    pop = project(base, Rates(munis, surv, fert, mig), base_year=2018, to_year=2019).population
    survival = pd.DataFrame(
        [
            {"sex": s, "age": a, "survival": surv[i, a]}
            for i, s in enumerate(("male", "female"))
            for a in range(101)
        ]
    )
    est = residual_net_migration(pop, survival, smooth=1)
    split = split_migration(est, pop, survival)
    assert (split["net_migration"] >= 0).all() and (split["net_migration_rate"] <= 0).all()
    # counts and rates applied to the same survivors give back the residual exactly
    cnt = split["net_migration"].to_numpy().reshape(2, 2, 101)[:, ::-1]  # to male, female
    rate = split["net_migration_rate"].to_numpy().reshape(2, 2, 101)[:, ::-1]
    res = project(
        pop[pop["year"] == 2018].drop(columns="year"),
        Rates(munis, surv, fert, cnt, net_migration_rate=rate),
        base_year=2018,
        to_year=2019,
    )
    np.testing.assert_allclose(
        res.components["net_migration"].to_numpy(), mig.sum(axis=(1, 2)), atol=1e-6
    )
