"""Running, storing and comparing the example scenarios on the embedded region."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from soteplan.scenario import compare, load_scenario, plot_comparison, run
from soteplan.store import Store

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
sys.path.insert(0, str(REPO / "tests" / "demand"))


@pytest.fixture(scope="module")
def results(ks):
    out = {}
    for name in ("baseline-2040", "home-care-remote-2040", "network-2026"):
        sc, text = load_scenario(SCENARIOS / f"{name}.yaml")
        ticks: list[tuple[int, int]] = []
        out[name] = run(
            sc, spec_yaml=text, region=ks, progress=lambda d, t, k=ticks: k.append((d, t))
        )
        assert ticks[-1][0] == ticks[-1][1] == len(sc.engines())
    return out


def test_examples_run_every_available_engine(results):
    for name, r in results.items():
        assert {"demography", "demand", "access"} <= set(r.meta["engines_run"]), name
        assert r.meta["units"]["cost_eur"].endswith("2016 prices")
        assert r.meta["approximation"]
        d = r.summary["demand"]
        assert set(d) == {"2020", "2040"}
        assert d["2040"]["volume"]["housing_24h"] > 0
        assert len(r.tables["calibration_fit"]) == 22


def test_baseline_ageing_raises_long_term_care(results):
    d = results["baseline-2040"].summary["demand"]
    for svc in ("home_care", "housing_24h"):
        assert d["2040"]["volume"][svc] > 1.3 * d["2020"]["volume"][svc]
    assert d["2040"]["volume"]["child_family"] < d["2020"]["volume"]["child_family"]


def test_network_consolidation_worsens_access(results):
    a = results["network-2026"].summary["access"]
    assert a["coverage.share_10 (all)"]["after"] < a["coverage.share_10 (all)"]["before"]
    assert a["nearest_min.mean (all)"]["after"] > a["nearest_min.mean (all)"]["before"]
    losers = results["network-2026"].tables["access_losers"]
    closed = {"hs-179-tikkakoski", "hs-179-korpilahti", "hs-179-huhtasuo"}
    assert len(losers) > 0 and set(losers["before_facility"]) <= closed


def test_compare_gives_demand_cost_and_access_differences(results, tmp_path):
    base = results["baseline-2040"]
    c1 = compare(base, results["home-care-remote-2040"])
    d40 = c1.demand[c1.demand["year"] == 2040].set_index("service")
    assert d40.loc["housing_24h", "volume_diff"] < 0
    assert d40.loc["home_care", "volume_diff"] > 0
    assert d40.loc["primary_care", "trips_diff"] < 0
    assert c1.cost.set_index("year").loc[2040, "cost_eur_diff"] < 0
    assert c1.cost.set_index("year").loc[2020, "cost_eur_diff"] == pytest.approx(0.0)
    assert (c1.access["diff"].abs() < 1e-12).all()  # same network
    c2 = compare(base, results["network-2026"])
    acc = c2.access.set_index(["measure", "band"])
    assert acc.loc[("coverage.share_10", "all"), "diff"] < 0
    assert (c2.demand["cost_eur_diff"].abs() < 1e-6).all()  # same demand
    png = plot_comparison(c2, tmp_path / "c.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_store_roundtrip_and_compare_from_store(results, tmp_path):
    with Store(tmp_path / "s.sqlite") as st:
        ids = {n: st.save(r.to_record()) for n, r in results.items()}
        a = st.load("baseline-2040")
        assert a.id == ids["baseline-2040"]
        assert a.spec_yaml.startswith("# Baseline")
        b = st.load(ids["network-2026"])
    direct = compare(results["baseline-2040"], results["network-2026"])
    stored = compare(a, b)
    assert stored.cost.equals(direct.cost)
    assert stored.access["diff"].tolist() == pytest.approx(direct.access["diff"].tolist())


def test_an_engine_the_scenario_names_that_fails_is_an_error_not_a_skip():
    from demand_synthetic import make_region

    from soteplan.errors import SoteplanError
    from soteplan.scenario import Scenario

    region = make_region()  # no road network, no service points
    base = {"name": "synthetic", "region": "synthetic", "base_year": 2020, "target_year": 2030}
    r = run(Scenario(**base), region=region)  # asks only for demography and demand
    assert r.meta["engines_run"] == ["demography", "demand"] and r.meta["skipped"] == {}
    assert r.tables["demand"]["year"].max() == 2030
    for extra in ({"access": {"service_type": "health_station"}}, {"location": {"p": 3}}):
        with pytest.raises(SoteplanError):
            run(Scenario(**base, **extra), region=region)


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"network": {"close": ["hs-no-such-point"]}}, "hs-no-such-point"),
        ({"organisation": {"model": "no-such-model"}}, "no-such-model"),
        ({"location": {"p": 999}}, "candidates"),
    ],
)
def test_user_errors_in_named_engines_fail_the_run(ks, extra, needle):
    from soteplan.errors import SoteplanError
    from soteplan.scenario import Scenario

    sc = Scenario(name="bad", base_year=2020, target_year=2021, **extra)
    with pytest.raises(SoteplanError, match=needle):
        run(sc, region=ks)


def test_location_request_runs_pmedian_without_closed_points(ks):
    from soteplan.scenario import Scenario

    closed = ["hs-179-huhtasuo", "hs-179-tikkakoski"]
    sc = Scenario(
        name="loc",
        target_year=2021,
        network={"year": 2026, "close": closed},
        location={"p": 15, "weights": "75+"},
    )
    r = run(sc, region=ks)
    assert "locate" in r.meta["engines_run"]
    sites = r.tables["location_sites"]
    assert len(sites) == 15 and not set(sites["id"]) & set(closed)
    s = r.summary["location"]
    assert s["status"] == "optimal" and s["forbidden"] == closed
    assert 0 < s["mean_minutes"] < 60
    # every 75+ resident is served by exactly one chosen site
    from soteplan.access import region_origins

    total75 = float(region_origins(ks).population["75+"].sum())
    assert sites["population_served"].sum() == pytest.approx(total75)
