"""The cohort-component projection: pure ageing, components, calibration, validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteplan.demography import Rates, project
from soteplan.errors import ParameterError

MUNIS = ("077", "179")


def base_frame(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [
        (m, s, a, float(rng.integers(0, 500)))
        for m in MUNIS
        for s in ("male", "female")
        for a in range(101)
    ]
    return pd.DataFrame(rows, columns=["municipality", "sex", "age", "population"])


def cube(frame: pd.DataFrame, year: int) -> np.ndarray:
    d = frame[frame["year"] == year].sort_values(["municipality", "sex", "age"])
    return d["population"].to_numpy().reshape(len(MUNIS), 2, 101)  # female, male order


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), years=st.integers(1, 30))
def test_closed_population_only_ages(seed: int, years: int) -> None:
    base = base_frame(seed)
    res = project(base, Rates.closed(MUNIS), base_year=2020, to_year=2020 + years)
    first = cube(res.population, 2020)
    last = cube(res.population, 2020 + years)
    # the total stays
    assert last.sum() == pytest.approx(first.sum())
    # each cohort moves up one year of age per year; nobody is born
    assert np.all(last[:, :, :years] == 0)
    np.testing.assert_allclose(last[:, :, years:100], first[:, :, : 100 - years])
    # 100+ accumulates everyone who reached 100
    np.testing.assert_allclose(last[:, :, 100], first[:, :, 100 - years :].sum(axis=2))
    comps = res.components
    assert comps[["births", "deaths", "net_migration", "clipped"]].abs().to_numpy().max() < 1e-9


def test_one_step_components_by_hand() -> None:
    base = base_frame(3)
    n = len(MUNIS)
    surv = np.full((2, 101), 0.99)
    fert = np.zeros((n, 101))
    fert[:, 20:40] = 0.05
    mig = np.zeros((n, 2, 101))
    mig[0, 1, 25] = 7.0
    rates = Rates(MUNIS, surv, fert, mig, birth_survival=np.array([1.0, 1.0]), male_birth_share=0.5)
    res = project(base, rates, base_year=2020, to_year=2021)
    b = base.sort_values(["municipality", "sex", "age"])["population"].to_numpy()
    b = b.reshape(n, 2, 101)  # sex order: female, male
    women = b[:, 0, 20:40].sum(axis=1)
    c = res.components.set_index("municipality")
    np.testing.assert_allclose(c["births"].to_numpy(), 0.05 * women)
    np.testing.assert_allclose(c["deaths"].to_numpy(), 0.01 * b.sum(axis=(1, 2)))
    after = cube(res.population, 2021)
    assert after[0, 0, 25] == pytest.approx(0.99 * b[0, 0, 24] + 7.0)  # female 25 in 077
    assert after[1, 1, 0] == pytest.approx(0.5 * 0.05 * women[1])


def test_negative_counts_are_clipped_and_reported() -> None:
    base = base_frame(4)
    rates = Rates.closed(MUNIS)
    mig = np.zeros((2, 2, 101))
    mig[0, 0, 50] = -1e6
    rates = Rates(MUNIS, rates.survival, rates.fertility, mig)
    res = project(base, rates, base_year=2020, to_year=2021)
    assert res.population["population"].min() >= 0
    assert res.meta["clipped_persons"] > 0


def test_calibration_follows_the_target_totals() -> None:
    base = base_frame(5)
    target = {2021: 250_000.0, 2022: 240_000.0, 2023: 260_000.0}
    res = project(base, Rates.closed(MUNIS), base_year=2020, to_year=2023, calibrate_to=target)
    tot = res.population.groupby("year")["population"].sum()
    for y, v in target.items():
        assert tot[y] == pytest.approx(v)
    assert set(res.meta["calibration_factors"]) == set(target)


def test_calibration_by_band_scales_each_band_and_rejects_bad_bands() -> None:
    base = base_frame(5)
    bands = {2021: {(0, 64): 150_000.0, (65, 100): 60_000.0}}
    res = project(base, Rates.closed(MUNIS), base_year=2020, to_year=2022, calibrate_bands=bands)
    p = res.population[res.population["year"] == 2021]
    assert p[p["age"] >= 65]["population"].sum() == pytest.approx(60_000.0)
    assert p[p["age"] < 65]["population"].sum() == pytest.approx(150_000.0)
    assert set(res.meta["calibration_band_factors"][2021]) == {"0-64", "65-100"}
    with pytest.raises(ParameterError, match="overlap"):
        project(
            base,
            Rates.closed(MUNIS),
            base_year=2020,
            to_year=2021,
            calibrate_bands={2021: {(0, 70): 1.0, (65, 100): 1.0}},
        )
    with pytest.raises(ParameterError, match="not positive"):
        project(
            base,
            Rates.closed(MUNIS),
            base_year=2020,
            to_year=2021,
            calibrate_bands={2021: {(0, 100): -5.0}},
        )


def test_mortality_improvement_raises_survival() -> None:
    base = base_frame(6)
    closed = Rates.closed(MUNIS)
    surv = np.full((2, 101), 0.9)
    flat = Rates(MUNIS, surv, closed.fertility, closed.net_migration)
    better = Rates(
        MUNIS,
        surv,
        closed.fertility,
        closed.net_migration,
        mortality_improvement=np.array([0.1, 0.1]),
    )
    a = project(base, flat, base_year=2020, to_year=2022).components
    b = project(base, better, base_year=2020, to_year=2022).components
    assert (b["deaths"].to_numpy() < a["deaths"].to_numpy()).all()


def test_invalid_inputs() -> None:
    base = base_frame(7)
    with pytest.raises(ParameterError, match="to_year"):
        project(base, Rates.closed(MUNIS), base_year=2020, to_year=2020)
    with pytest.raises(ParameterError, match="no demographic rates"):
        project(base, Rates.closed(("077",)), base_year=2020, to_year=2021)
    bad = base.copy()
    bad.loc[0, "sex"] = "x"
    with pytest.raises(ParameterError, match="sexes"):
        project(bad, Rates.closed(MUNIS), base_year=2020, to_year=2021)
    with pytest.raises(ParameterError, match="survival"):
        Rates(MUNIS, np.full((2, 101), 1.5), np.zeros((2, 101)), np.zeros((2, 2, 101)))
