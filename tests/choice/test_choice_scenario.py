"""The scenario ``choice:`` block: spec, shorthand, run and what it feeds."""

from __future__ import annotations

import pytest

from soteplan.errors import DataError
from soteplan.scenario import parse_scenario, run

BASE = {"name": "choice", "base_year": 2020, "target_year": 2025}


def test_spec_block_and_shorthand() -> None:
    sc = parse_scenario({**BASE, "choice": {"pilot": "jyvaskyla-2017", "beta": 0.2}})
    assert sc.choice is not None and sc.choice.beta == 0.2
    assert "choice" in sc.engines()
    flag = parse_scenario({**BASE, "demand": {"levers": {"freedom_of_choice": True}}})
    assert flag.choice is not None and flag.choice.pilot is None
    assert "choice" in flag.engines()
    assert "choice" not in parse_scenario(BASE).engines()


@pytest.mark.parametrize(
    "block",
    [{"decay": "power"}, {"beta": -1}, {"capacity": {"hs-179-kyllo": -3}}, {"colour": 1}],
)
def test_bad_choice_block(block) -> None:
    with pytest.raises(DataError):
        parse_scenario({**BASE, "choice": block})


@pytest.fixture(scope="module")
def runs(ks):
    net = {
        "service_type": "health_station",
        "year": 2017,
        "open": [{"id": "priv", "name": "Yksityinen", "x": 435_500, "y": 6_902_300}],
    }
    acc = {"service_type": "health_station", "year": 2017}
    with_choice = run(
        parse_scenario(
            {**BASE, "network": net, "access": acc, "choice": {"pilot": "jyvaskyla-2017"}}
        ),
        region=ks,
    )
    without = run(parse_scenario({**BASE, "network": net, "access": acc}), region=ks)
    return with_choice, without


def test_scenario_with_choice_gives_other_numbers(runs) -> None:
    w, wo = runs
    assert "choice" in w.meta["engines_run"] and "choice" not in wo.meta["engines_run"]
    assert "choice" not in w.meta["skipped"]
    s = w.summary["choice"]
    assert s["switchers"] > 0
    assert s["whatif"]["entered"] == ["priv"]
    acc_w, acc_wo = w.summary["access"], wo.summary["access"]
    assert (
        "choice.mean_minutes (area → choice)" in acc_w
        and "choice.mean_minutes (area → choice)" not in acc_wo
    )
    assert (
        acc_w["choice.mean_minutes (area → choice)"]["after"]
        != acc_w["choice.mean_minutes (area → choice)"]["before"]
    )


def test_list_sizes_feed_the_demand_forecast(runs) -> None:
    w, _ = runs
    wl = w.tables["choice_workload"]
    d = w.tables["demand"]
    for year in (2020, 2025):
        contacts = d[(d["municipality"] == "179") & (d["service"] == "primary_care")]
        total = float(contacts[contacts["year"] == year]["trips"].sum())
        y = wl[wl["year"] == year]
        assert y["contacts_today"].sum() == pytest.approx(total, rel=1e-9)
        assert y["contacts_choice"].sum() == pytest.approx(total, rel=1e-9)
        assert y["change"].abs().max() > 0
    st = w.tables["choice_stations"].set_index("id")
    assert st.loc["priv", "list_choice"] > 0
    assert st.loc["priv", "list_before_network_change"] == 0
