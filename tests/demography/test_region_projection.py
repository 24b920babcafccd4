"""Projection of the embedded region with the shipped default rates."""

from __future__ import annotations

import pytest

from soteplan.demography import compare_with_official, default_rates, project_region
from soteplan.demography._series import dependency_then_and_projected, working_age_by_subregion
from soteplan.region import load_region


@pytest.fixture(scope="module")
def region():  # type: ignore[no-untyped-def]
    return load_region("keski-suomi")


def test_default_rates_cover_the_region(region) -> None:  # type: ignore[no-untyped-def]
    rates = default_rates()
    assert set(region.municipality_codes()) <= set(rates.municipalities)
    # survival falls with age from 40 on; total fertility plausible for Finland
    s = rates.survival
    assert (s[:, 41:100] <= s[:, 40:99] + 1e-12).all()
    tfr = rates.fertility.sum(axis=1)
    assert tfr.min() > 0.8 and tfr.max() < 3.0


def test_one_year_ahead_from_2019_is_close_to_observed_2020(region) -> None:  # type: ignore[no-untyped-def]
    res = project_region(region, base_year=2019, to_year=2020)
    got = res.population[res.population["year"] == 2020].groupby("municipality")["population"].sum()
    obs = region.population_total(2020)
    # rates come from 2018-2020 stocks (migration level from 2010-2020): the region must be
    # within 0.5 %, the typical municipality within 1 % and none off by more than 4 %
    assert abs(got.sum() / obs.sum() - 1) < 0.005
    rel = (got / obs.reindex(got.index) - 1).abs()
    assert rel.median() < 0.01
    assert rel.max() < 0.04


def test_comparison_with_official_projection(region) -> None:  # type: ignore[no-untyped-def]
    res = project_region(region, base_year=2019, to_year=2040)
    cmp = compare_with_official(res.population, region.projection("statfin-2019"))
    reg = cmp[cmp["municipality"] == "REGION"].set_index(["year", "band"])
    munis = cmp[cmp["municipality"] != "REGION"]
    assert munis["municipality"].nunique() == 22
    # regional total within 5 % of the official projection even in 2040
    assert abs(reg.loc[(2040, "total"), "pct_error"]) < 5
    assert reg.loc[(2030, "total"), "projected"] == pytest.approx(
        munis[(munis["year"] == 2030) & (munis["band"] == "total")]["projected"].sum()
    )


def test_calibrated_projection_hits_official_totals(region) -> None:  # type: ignore[no-untyped-def]
    res = project_region(region, base_year=2020, to_year=2040, calibrate="statfin-2019")
    tot = res.population.groupby("year")["population"].sum()
    off = region.projection("statfin-2019")
    off = off[off["municipality"].isin(region.municipality_codes())]
    want = off.groupby("year")["population"].sum()
    for y in (2025, 2030, 2040):
        assert tot[y] == pytest.approx(want[y])


def test_calibration_by_age_band_hits_65_and_75_plus(region) -> None:  # type: ignore[no-untyped-def]
    off = region.projection("statfin-2019")
    off = off[off["municipality"].isin(region.municipality_codes())]
    errors = {}
    for by_age in (True, False):
        res = project_region(
            region, base_year=2020, to_year=2040, calibrate="statfin-2019", calibrate_by_age=by_age
        )
        p = res.population
        for y in (2030, 2040):
            for lo in (65, 75):
                got = p[(p["year"] == y) & (p["age"] >= lo)]["population"].sum()
                want = off[(off["year"] == y) & (off["age"] >= lo)]["population"].sum()
                errors[(by_age, y, lo)] = 100 * (got / want - 1)
        assert res.meta["calibrated_by_age"] is by_age
    for y in (2030, 2040):
        for lo in (65, 75):
            assert abs(errors[(True, y, lo)]) < 1.0
    # one factor for every age (the earlier behaviour) leaves 75+ in 2040 well below
    assert errors[(False, 2040, 75)] < -3.0


def test_chart_series(region) -> None:  # type: ignore[no-untyped-def]
    dep, meta = dependency_then_and_projected(region)
    assert len(dep) == 22 and dep["then"].notna().all() and dep["future"].notna().all()
    assert meta["region_then"] > 0
    wide, wmeta = working_age_by_subregion(region)
    assert wide.loc[2008].round(9).eq(100).all()
    assert wide.index.max() == 2030 and wmeta["join_year"] == 2018
