"""Indicators on synthetic long frames: definitions, groupings, scaling invariance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteplan.demography import (
    age_band_totals,
    dependency_ratio,
    old_age_ratio,
    summary_table,
    working_age_index,
)
from soteplan.errors import ParameterError


def synthetic(seed: int = 1, munis: tuple[str, ...] = ("077", "179", "992")) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for m in munis:
        for sex in ("male", "female"):
            for age in range(101):
                rows.append((m, sex, age, int(rng.integers(0, 60))))
    return pd.DataFrame(rows, columns=["municipality", "sex", "age", "population"])


def test_dependency_ratio_matches_definition() -> None:
    pop = synthetic()
    d = pop[pop["municipality"] == "179"]
    young = d.loc[d["age"] <= 14, "population"].sum()
    work = d.loc[d["age"].between(15, 64), "population"].sum()
    old = d.loc[d["age"] >= 65, "population"].sum()
    assert dependency_ratio(pop)["179"] == pytest.approx(100 * (young + old) / work)
    assert old_age_ratio(pop)["179"] == pytest.approx(100 * old / work)


def test_groupings_mapping_and_region() -> None:
    pop = synthetic()
    mapping = {"077": "A", "179": "A", "992": "B"}
    t = age_band_totals(pop, groups=mapping)
    assert list(t.index) == ["A", "B"]
    ab = pop[pop["municipality"].isin(["077", "179"])]
    assert t.loc["A", "population"] == ab["population"].sum()
    reg = dependency_ratio(pop, groups="Region")
    assert len(reg) == 1
    whole = age_band_totals(pop, groups="Region").iloc[0]
    assert reg.iloc[0] == pytest.approx(100 * (whole["0-14"] + whole["65+"]) / whole["15-64"])


def test_unmapped_municipality_is_an_error_unless_dropped() -> None:
    pop = synthetic()
    with pytest.raises(ParameterError, match="992"):
        dependency_ratio(pop, groups={"077": "A", "179": "A"})
    r = dependency_ratio(pop, groups={"077": "A", "179": "A"}, drop_unmapped=True)
    assert list(r.index) == ["A"]


def test_negative_counts_rejected() -> None:
    pop = synthetic()
    pop.loc[3, "population"] = -1
    with pytest.raises(ParameterError, match="non-negative"):
        age_band_totals(pop)


def test_summary_total_row_equals_sum_of_groups() -> None:
    pop = synthetic()
    s = summary_table(pop, groups={"077": "A", "179": "B", "992": "B"}, total_label="All")
    assert s.loc["All", "population"] == s.loc[["A", "B"], "population"].sum()
    assert s.loc["All", "75+"] == pop.loc[pop["age"] >= 75, "population"].sum()


def test_working_age_index_base_is_100_and_follows_ratio() -> None:
    a = synthetic(1).assign(year=2008)
    b = synthetic(2).assign(year=2009)
    idx = working_age_index(pd.concat([a, b]), base_year=2008)
    assert idx.xs(2008, level="year").to_numpy() == pytest.approx(100.0)
    w = lambda d, m: d[(d.municipality == m) & d.age.between(15, 64)].population.sum()  # noqa: E731
    assert idx[("077", 2009)] == pytest.approx(100 * w(b, "077") / w(a, "077"))
    with pytest.raises(ParameterError, match="base year"):
        working_age_index(a, base_year=1999)


def test_working_age_index_from_precomputed_column() -> None:
    df = pd.DataFrame(
        {
            "municipality": ["077", "077", "179", "179"],
            "year": [2008, 2010, 2008, 2010],
            "population_15_64": [200, 150, 1000, 1100],
        }
    )
    idx = working_age_index(df, base_year=2008, groups="R")
    assert idx[("R", 2010)] == pytest.approx(100 * 1250 / 1200)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), factor=st.floats(0.01, 1000.0))
def test_indicators_invariant_to_scaling(seed: int, factor: float) -> None:
    pop = synthetic(seed)
    pop2 = pd.concat([pop.assign(year=2019), synthetic(seed + 1).assign(year=2020)])
    scaled = pop.assign(population=pop["population"] * factor)
    scaled2 = pop2.assign(population=pop2["population"] * factor)
    groups = {"077": "A", "179": "A", "992": "B"}
    for g in (None, groups, "R"):
        pd.testing.assert_series_equal(
            dependency_ratio(pop, groups=g), dependency_ratio(scaled, groups=g)
        )
        pd.testing.assert_series_equal(
            old_age_ratio(pop, groups=g), old_age_ratio(scaled, groups=g)
        )
        pd.testing.assert_series_equal(
            working_age_index(pop2, base_year=2019, groups=g),
            working_age_index(scaled2, base_year=2019, groups=g),
        )
