"""Built-in Keski-Suomi models: groupings, the production area and optimised 3–6-area models."""

from __future__ import annotations

import math

import pytest

from soteplan.organise import (
    OPTIMISED_MIN_POPULATION,
    adjacency,
    builtin_model,
    evaluate,
    is_connected,
    model_names,
)


def test_names(ks) -> None:
    names = model_names(ks)
    for n in ("cooperation-2010", "mof-merger-2012", "county-2023", "production-2014"):
        assert n in names
    assert [n for n in names if n.startswith("optimised-")] == [
        f"optimised-{k}" for k in (3, 4, 5, 6)
    ]


def test_production_area_shares_the_county_partition(ks) -> None:
    county = builtin_model(ks, "county-2023")
    prod = builtin_model(ks, "production-2014")
    assert sorted(a.members for a in prod.areas) == sorted(a.members for a in county.areas)
    assert "central" in county.areas[0].levels and "central" not in prod.areas[0].levels
    assert county.central_site == "179"  # Sairaala Nova is in Jyväskylä


@pytest.mark.parametrize("name", ["cooperation-2010", "mof-merger-2012", "county-2023"])
def test_grouping_totals_equal_regional_totals(ks, name: str) -> None:
    m = builtin_model(ks, name)
    for year in sorted({2022, m.year or 2022}):
        if year not in ks.total_years:
            continue
        ev = evaluate(m, ks, year)
        want = ks.population_total(year).sum()
        assert ev.areas[f"population {year}"].sum() == pytest.approx(want)
        assert ev.overall[f"population {year}"] == pytest.approx(want)
    proj = ks.projection()
    members = ks.municipality_codes(2022)
    ev = evaluate(m, ks, 2022)
    sel = proj[(proj["year"] == 2040) & proj["municipality"].isin(members)]
    assert ev.areas["population 2040"].sum() == pytest.approx(sel["population"].sum())


def test_kuhmoinen_in_2010_dropped_later(ks) -> None:
    m = builtin_model(ks, "cooperation-2010")
    assert "291" in m.mapping()
    ev = evaluate(m, ks, 2022)
    assert ev.meta["dropped"] == ["291"]
    if 2010 in ks.total_years:
        assert evaluate(m, ks, 2010).meta["dropped"] == []


@pytest.mark.parametrize("k", [3, 4, 5, 6])
def test_optimised_models_contiguous_meet_floor_report_gap(ks, k: int) -> None:
    m = builtin_model(ks, f"optimised-{k}")
    assert len(m.areas) == k
    nb, _ = adjacency(ks)
    pop = ks.population_total(ks.total_years[-1])
    for a in m.areas:
        assert is_connected(list(a.members), nb)
        assert pop.reindex(list(a.members)).sum() >= OPTIMISED_MIN_POPULATION
        assert a.hub in a.members
    assert m.extra["status"] in ("optimal", "time_limit")
    assert not math.isnan(m.extra["gap"]) and 0 <= m.extra["gap"] < 1
    ev = evaluate(m, ks)
    assert ev.overall["contiguous"]
    assert ev.overall["≥20k primary-2013"] == f"{k}/{k}"
