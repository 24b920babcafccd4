"""Tests of rates, the demand forecast, calibration and levers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from demand_synthetic import make_region
from hypothesis import given, settings
from hypothesis import strategies as st

from soteplan.demand import (
    DemandLevers,
    HeavyUserTargeting,
    HomeCareShift,
    Prevention,
    RemoteServices,
    ServiceRates,
    calibrate,
    forecast_demand,
    heavy_user_sigma,
    top_share_of_cost,
)
from soteplan.errors import DataError, NotFoundError, ParameterError


def test_default_rates_carry_sources_and_s44_figures():
    r = ServiceRates.default()
    assert r.service_names[0] == "primary_care" and len(r.service_names) == 8
    arr = r.rate_array()
    hc = r.service_names.index("home_care")
    assert arr[hc, 0, 80] == pytest.approx(0.157)  # [S44] 2021
    assert arr[r.service_names.index("housing_24h"), 1, 90] == pytest.approx(0.067)
    assert set(r.rates["status"]) <= {"sourced", "assumption", "calibrated", "derived"}
    assert (r.rates[r.rates["status"] == "sourced"]["source"].str.contains(r"\[S44\]")).all()


def test_invalid_rates_report_every_problem(tmp_path):
    rates = pd.DataFrame(
        {
            "service": ["primary_care", "nope", "primary_care"],
            "age_from": [0, 0, 50],
            "age_to": [60, 10, 40],
            "sex": ["all", "x", "all"],
            "rate": [1.0, -1.0, 2.0],
            "status": ["sourced", "sourced", "guess"],
            "source": ["a", "b", "c"],
        }
    )
    services = ServiceRates.default().services.reset_index()
    with pytest.raises(DataError) as ei:
        ServiceRates.from_frames(rates, services)
    msg = str(ei.value)
    for needle in (
        "row 2, field 'service'",
        "row 2, field 'rate'",
        "row 2, field 'sex'",
        "row 3, field 'age_from'",
        "row 3, field 'status'",
    ):
        assert needle in msg


def test_sex_specific_row_overrides_all():
    r = ServiceRates.default()
    extra = pd.DataFrame(
        [
            {
                "service": "primary_care",
                "age_from": 18,
                "age_to": 64,
                "sex": "female",
                "rate": 7.0,
                "status": "assumption",
                "source": "t",
            }
        ]
    )
    r2 = ServiceRates.from_frames(pd.concat([r.rates, extra]), r.services.reset_index())
    arr = r2.rate_array()
    assert arr[0, 1, 30] == 7.0 and arr[0, 0, 30] == 5.0


def test_forecast_volume_is_population_times_rate(region):
    rates = ServiceRates.default()
    fc = forecast_demand(region, rates=rates, years=[2019], morbidity=False)
    pas = region.population_age_sex
    p = pas[(pas["year"] == 2019) & (pas["municipality"] == "179")]
    older = p[p["age"] >= 75]["population"].sum()
    band = p[(p["age"] >= 65) & (p["age"] <= 74)]["population"].sum()
    got = fc.frame.query("municipality == '179' and service == 'home_care'")["volume"].item()
    assert got == pytest.approx(0.157 * older + 0.025 * band)
    row = fc.frame.query("municipality == '179' and service == 'primary_care'")
    assert row["cost_eur"].item() == pytest.approx(row["volume"].item() * 75.0)


def test_forecast_covers_projection_years_and_older_population_grows(region):
    fc = forecast_demand(region)
    assert fc.meta["years"] == [2018, 2040]
    t = fc.totals(["year", "service"])["volume"].unstack()
    assert t.loc[2040, "housing_24h"] > 1.2 * t.loc[2020, "housing_24h"]
    assert "projection has no sex" in fc.meta["approximation"]
    assert fc.meta["units"]["cost_eur"].endswith("2016 prices")


def test_morbidity_raises_need_where_index_is_high(region):
    a = forecast_demand(region, years=[2020], morbidity=True).frame
    b = forecast_demand(region, years=[2020], morbidity=False).frame
    ratio = (
        a.set_index(["municipality", "service"])["volume"]
        / b.set_index(["municipality", "service"])["volume"]
    )
    assert ratio[("077", "primary_care")] == pytest.approx(1.25**0.5)
    assert ratio[("179", "primary_care")] == pytest.approx(0.95**0.5)
    assert ratio[("077", "child_family")] == pytest.approx(1.0)


def test_calibration_recovers_a_known_scale():
    region = make_region(3, morbidity=False)
    base = forecast_demand(region, years=[2016], morbidity=False)
    cpr = base.cost_per_resident().set_index("municipality")["cost_eur_per_resident"]
    nc = pd.DataFrame(
        {
            "municipality": cpr.index,
            "year": 2016,
            "net_cost_eur_per_resident": cpr.to_numpy() * 1.37,
        }
    )
    region = replace(region, tables={"net_costs": nc})
    cal, fit = calibrate(region, morbidity=False)
    assert cal.cost_scale == pytest.approx(1.37, rel=1e-9)
    assert fit["error_pct"].abs().max() < 1e-6
    assert cal.unit_cost("primary_care") == pytest.approx(75 * 1.37)


def test_calibration_without_net_costs_raises():
    region = replace(make_region(), tables={})
    with pytest.raises(NotFoundError):
        calibrate(region)


def test_home_care_shift_moves_clients_to_home_care(region):
    lev = DemandLevers(home_care_shift=HomeCareShift(2020, 2030, 0.002, 0.05))
    base = forecast_demand(region, morbidity=False).totals(["year", "service"])["volume"]
    alt = forecast_demand(region, morbidity=False, levers=lev).totals(["year", "service"])["volume"]
    ltc = ["home_care", "housing_24h", "institutional"]
    for y in (2019, 2025, 2035):
        assert alt.loc[y][ltc].sum() == pytest.approx(base.loc[y][ltc].sum())
    assert alt.loc[2019, "housing_24h"] == pytest.approx(base.loc[2019, "housing_24h"])
    assert alt.loc[2035, "housing_24h"] < base.loc[2035, "housing_24h"]
    assert alt.loc[2035, "home_care"] > base.loc[2035, "home_care"]
    # housing 75+ share reaches the target: 75+ housing = 0.05 × pop75 (+ the 65-74 part)
    fc = forecast_demand(region, morbidity=False, levers=lev, years=[2030])
    assert (
        fc.frame["cost_eur"].sum()
        < forecast_demand(region, morbidity=False, years=[2030]).frame["cost_eur"].sum()
    )


def test_prevention_only_changes_its_band_after_start(region):
    lev = DemandLevers(prevention=(Prevention(("primary_care",), 65, 74, -0.2, 2025, 2029),))
    base = forecast_demand(region, morbidity=False).totals(["year", "service"])["volume"]
    alt = forecast_demand(region, morbidity=False, levers=lev).totals(["year", "service"])["volume"]
    assert alt.loc[2024, "primary_care"] == pytest.approx(base.loc[2024, "primary_care"])
    assert alt.loc[2030, "primary_care"] < base.loc[2030, "primary_care"]
    assert alt.loc[2030, "specialised_care"] == pytest.approx(base.loc[2030, "specialised_care"])
    mid = base.loc[2027, "primary_care"] - alt.loc[2027, "primary_care"]
    full = base.loc[2029, "primary_care"] - alt.loc[2029, "primary_care"]
    assert 0 < mid < full


def test_remote_services_cut_trips_not_volume(region):
    lev = DemandLevers(remote=RemoteServices(("primary_care",), 0.288, 0.4, 2020, 2025, 0.8))
    base = forecast_demand(region, levers=None, years=[2030]).frame.set_index("service")
    alt = (
        forecast_demand(region, levers=lev, years=[2030])
        .frame.groupby("service")
        .sum(numeric_only=True)
    )
    b = base.groupby(level=0).sum(numeric_only=True)
    assert alt.loc["primary_care", "volume"] == pytest.approx(b.loc["primary_care", "volume"])
    assert alt.loc["primary_care", "trips"] == pytest.approx(
        (1 - 0.4) / (1 - 0.288) * b.loc["primary_care", "trips"]
    )
    # Only the remote contacts beyond the measured baseline save staff time.
    assert alt.loc["primary_care", "cost_eur"] == pytest.approx(
        b.loc["primary_care", "cost_eur"] * (1 - (0.4 - 0.288) * (1 - 0.8))
    )


def test_remote_share_starts_at_its_measured_baseline(region):
    from soteplan.demand import ServiceRates

    rates = ServiceRates.default()
    assert rates.remote_baseline["primary_care"] == pytest.approx(0.288)
    fc = forecast_demand(region, years=[2020])
    t = fc.frame.groupby("service").sum(numeric_only=True)
    assert t.loc["primary_care", "trips"] == pytest.approx(0.712 * t.loc["primary_care", "volume"])
    assert t.loc["specialised_care", "trips"] == pytest.approx(t.loc["specialised_care", "volume"])
    assert "28.8 %" in fc.meta["approximation"]
    assert any("S48" in s for s in fc.meta["sources"])
    svc = rates.services.reset_index()
    bad = svc.assign(remote_share=[1.5 if s == "home_care" else 0.0 for s in svc["service"]])
    with pytest.raises(DataError, match=r"row 2.*remote_share"):
        ServiceRates.from_frames(rates.rates, bad, services_name="services.csv")


def test_heavy_user_targeting_uses_cost_share(region):
    lev = DemandLevers(heavy_users=HeavyUserTargeting(("specialised_care",), 0.1, 2020, 2020))
    b = forecast_demand(region, years=[2030]).totals("service")
    a = forecast_demand(region, levers=lev, years=[2030]).totals("service")
    assert a.loc["specialised_care", "cost_eur"] == pytest.approx(
        b.loc["specialised_care", "cost_eur"] * (1 - 0.81 * 0.1)
    )


def test_heavy_user_sigma_roundtrip():
    s = heavy_user_sigma(0.10, 0.81)
    assert s == pytest.approx(2.159, abs=1e-3)
    assert top_share_of_cost(0.10, s) == pytest.approx(0.81)
    with pytest.raises(ParameterError):
        heavy_user_sigma(0.5, 0.3)


def test_lever_validation():
    with pytest.raises(ParameterError):
        HomeCareShift(2030, 2025, 0.1, 0.1)
    with pytest.raises(ParameterError):
        RemoteServices(("primary_care",), 0.0, 1.5, 2020, 2025)
    with pytest.raises(ParameterError):
        forecast_demand(
            make_region(),
            levers=DemandLevers(prevention=(Prevention(("dentistry",), 0, 10, -0.1, 2020, 2020),)),
        )


@settings(max_examples=15, deadline=None)
@given(st.floats(0.1, 5.0))
def test_volume_scales_linearly_with_population(k):
    region = make_region(1)
    pas = region.population_age_sex.assign(population=region.population_age_sex["population"] * k)
    scaled = replace(region, population_age_sex=pas)
    a = forecast_demand(region, years=[2019]).frame["volume"].to_numpy()
    b = forecast_demand(scaled, years=[2019]).frame["volume"].to_numpy()
    np.testing.assert_allclose(b, a * k, rtol=1e-9)


def test_by_area_preserves_totals(region):
    fc = forecast_demand(region, years=[2020, 2030])
    areas = fc.by_area({"077": "south", "179": "south", "992": "north"})
    assert set(areas.frame["municipality"]) == {"south", "north"}
    np.testing.assert_allclose(areas.frame["cost_eur"].sum(), fc.frame["cost_eur"].sum())
    cpr = areas.cost_per_resident().set_index(["municipality", "year"])
    assert cpr.loc[("north", 2020), "cost_eur_per_resident"] > 0
    with pytest.raises(ParameterError, match="992"):
        fc.by_area({"077": "a", "179": "a"})


def test_edited_rates_file_changes_demand(tmp_path, region):
    r = ServiceRates.default()
    rates = r.rates.copy()
    rates.loc[(rates["service"] == "home_care") & (rates["age_from"] == 75), "rate"] = 0.314
    rates.to_csv(tmp_path / "rates.csv", index=False)
    r.services.reset_index().to_csv(tmp_path / "services.csv", index=False)
    edited = ServiceRates.from_files(tmp_path / "rates.csv", tmp_path / "services.csv")
    a = forecast_demand(region, rates=r, years=[2020]).totals("service")["volume"]
    b = forecast_demand(region, rates=edited, years=[2020]).totals("service")["volume"]
    assert b["home_care"] > 1.5 * a["home_care"]
    assert b["primary_care"] == pytest.approx(a["primary_care"])
