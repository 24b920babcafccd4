"""Cohort model: conservation, closed-form steady state, lever effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pathways_synthetic import chain_spec, flat_population

from soteplan.pathways import (
    ChannelShift,
    HeavyUserTargeting,
    PeerSupport,
    compare_results,
    parse_pathway,
    run_cohort,
)


def test_steady_state_closed_form() -> None:
    p = parse_pathway(chain_spec())
    pop = flat_population(range(2000, 2301))
    res = run_cohort(p, pop, start_year=2001, end_year=2300)
    n = 2 * 101 * 100.0
    inflow = 0.01 * n
    a_star = inflow / (0.2 + 0.1)  # x = T x + I  →  a = I / p_out(a)
    b_star = a_star * 0.2 / 0.25
    last = res.stocks[res.stocks["year"] == 2300].groupby("stage")["persons"].sum()
    assert last["a"] == pytest.approx(a_star, rel=1e-9)
    assert last["b"] == pytest.approx(b_star, rel=1e-9)
    rows = res.to_frame()
    r = rows[(rows["year"] == 2300) & (rows["stage"] == "a")]
    assert float(r["contacts"].sum()) == pytest.approx(4 * a_star)
    assert float(r["cost_eur"].sum()) == pytest.approx(400 * a_star)
    b = rows[(rows["year"] == 2300) & (rows["stage"] == "b")]
    assert float(b["cost_eur"].sum()) == pytest.approx(2 * b_star * 10 * 0.7)  # remote factor
    assert float(b["trips"].sum()) == 0.0  # remote: no trips
    assert res.summary().loc[2300, "third_sector_share"] == pytest.approx(
        2 * b_star / (2 * b_star + 4 * a_star)
    )


def _conservation_gap(res) -> float:  # type: ignore[no-untyped-def]
    f = res.flows
    y0 = res.stocks["year"].min()
    start = float(res.meta["initial_persons"])
    entries = float(f.loc[f["source"] == "entry", "persons"].sum())
    exits = float(f.loc[f["target"].isin(["recovery", "death", "aged_out"]), "persons"].sum())
    end = float(res.stocks.loc[res.stocks["year"] == res.stocks["year"].max(), "persons"].sum())
    assert y0 == res.meta["years"][0]
    return abs(start + entries - exits - end) / max(1.0, start + entries)


@settings(max_examples=25, deadline=None)
@given(
    pab=st.floats(0, 0.5),
    par=st.floats(0, 0.4),
    pbr=st.floats(0, 0.9),
    q=st.floats(0, 0.09),
    rate=st.floats(0, 0.05),
    init=st.floats(0, 0.3),
)
def test_conservation(
    pab: float, par: float, pbr: float, q: float, rate: float, init: float
) -> None:
    spec = chain_spec(
        age_bands=[{"id": "young", "lo": 0, "hi": 39}, {"id": "old", "lo": 40, "hi": 79}],
        death=[
            {"band": "young", "probability": q / 3, "source": "t"},
            {"band": "old", "probability": q, "source": "t"},
        ],
    )
    spec["transitions"] = [
        {"from": "a", "to": "b", "probability": pab, "source": "t"},
        {"from": "a", "to": "recovery", "probability": par, "source": "t"},
        {"from": "b", "to": "recovery", "probability": pbr, "source": "t"},
    ]
    spec["entry"]["rates"] = [
        {"band": "young", "value": rate, "source": "t"},
        {"band": "old", "sex": "female", "value": rate / 2, "source": "t"},
    ]
    spec["entry"]["initial"] = [{"band": "old", "value": init, "source": "t"}]
    spec["entry"]["initial_shares"] = {"a": 0.6, "b": 0.4}
    p = parse_pathway(spec)
    pop = flat_population(range(2024, 2041), municipalities=("001", "002"))
    res = run_cohort(p, pop)  # 2025–2040, last band ends at 79: people age out
    assert _conservation_gap(res) < 1e-9
    assert (res.stocks["persons"] >= -1e-9).all()


def test_peer_support_lever_hand_checked() -> None:
    spec = chain_spec()
    spec["entry"]["rates"] = [{"band": "all", "value": 0.0, "source": "t"}]
    spec["entry"]["initial"] = [{"band": "all", "value": 0.5, "source": "t"}]
    spec["entry"]["initial_shares"] = {"a": 1.0}
    p = parse_pathway(spec)
    pop = flat_population(range(2024, 2027))
    base = run_cohort(p, pop, end_year=2026)
    lever = PeerSupport(
        "a", "b", coverage=0.5, effect=0.4, contacts_per_year=6, unit_cost_eur=5, start_year=2025
    )
    alt = run_cohort(p, pop, end_year=2026, levers=[lever])
    a0 = 0.5 * 2 * 101 * 100.0  # 10 100 persons in a on 31.12.2024
    fb, fa = base.flows, alt.flows

    def move(f: pd.DataFrame) -> float:
        return float(f[(f.year == 2025) & (f.source == "a") & (f.target == "b")].persons.sum())

    assert move(fb) == pytest.approx(a0 * 0.2)
    assert move(fa) == pytest.approx(a0 * 0.2 * (1 - 0.5 * 0.4))  # 20 % fewer progress
    rows = alt.to_frame()
    peer = rows[(rows.stage == "peer_support_a") & (rows.year == 2025)]
    a1 = a0 * (1 - 0.2 * 0.8 - 0.1)
    assert float(peer.persons.sum()) == pytest.approx(0.5 * a1)
    assert float(peer.cost_eur.sum()) == pytest.approx(0.5 * a1 * 6 * 5)
    assert set(peer.provider) == {"third_sector"}
    cmp = compare_results(base, alt)
    assert cmp.loc[2025, "third_sector_share_change"] > 0


def test_channel_shift_lever_hand_checked() -> None:
    p = parse_pathway(chain_spec())
    pop = flat_population(range(2024, 2031))
    base = run_cohort(p, pop, end_year=2030)
    alt = run_cohort(p, pop, end_year=2030, levers=[ChannelShift("a", 0.5, "digital", 2028)])
    rb, ra = base.to_frame(), alt.to_frame()

    def tot(r: pd.DataFrame, year: int, col: str) -> float:
        return float(r[(r.year == year) & (r.stage == "a")][col].sum())

    assert tot(ra, 2027, "cost_eur") == pytest.approx(tot(rb, 2027, "cost_eur"))  # before start
    assert tot(ra, 2028, "cost_eur") == pytest.approx(tot(rb, 2028, "cost_eur") * (1 - 0.5 * 0.7))
    assert tot(ra, 2028, "trips") == pytest.approx(tot(rb, 2028, "trips") * 0.5)
    assert tot(ra, 2028, "contacts") == pytest.approx(tot(rb, 2028, "contacts"))
    assert tot(ra, 2028, "persons") == pytest.approx(tot(rb, 2028, "persons"))


def test_heavy_user_lever_hand_checked() -> None:
    p = parse_pathway(chain_spec(heavy_users={"person_share": 0.1, "contact_share": 0.4}))
    pop = flat_population(range(2024, 2027))
    base = run_cohort(p, pop, end_year=2026)
    lever = HeavyUserTargeting(
        ("a",),
        contact_reduction=0.25,
        case_manager_contacts=12,
        case_manager_cost_eur=40,
        start_year=2025,
    )
    alt = run_cohort(p, pop, end_year=2026, levers=[lever])
    rb, ra = base.to_frame(), alt.to_frame()
    ca = float(rb[(rb.year == 2026) & (rb.stage == "a")].contacts.sum())
    assert float(ra[(ra.year == 2026) & (ra.stage == "a")].contacts.sum()) == pytest.approx(
        ca * (1 - 0.4 * 0.25)
    )
    cm = ra[(ra.year == 2026) & (ra.stage == "case_management_a")]
    persons_a = ca / 4
    assert float(cm.contacts.sum()) == pytest.approx(persons_a * 0.1 * 12)
    assert float(cm.cost_eur.sum()) == pytest.approx(persons_a * 0.1 * 12 * 40 * 0.7)


def test_travel_minutes_round_trips() -> None:
    p = parse_pathway(chain_spec())
    pop = flat_population(range(2024, 2026), municipalities=("001", "002"))
    travel = pd.DataFrame(
        {"municipality": ["001", "002"], "service_type": "health_station", "minutes": [10.0, 30.0]}
    )
    res = run_cohort(p, pop, end_year=2025, travel=travel)
    r = res.to_frame(by_municipality=True)
    a = r[(r.stage == "a")].set_index("municipality")
    np.testing.assert_allclose(a["travel_minutes"], a["trips"] * 2 * np.array([10.0, 30.0]))


def test_missing_population_years() -> None:
    from soteplan.errors import DataError

    p = parse_pathway(chain_spec())
    with pytest.raises(DataError, match="no population for years"):
        run_cohort(p, flat_population(range(2024, 2030)))


def test_memory_disorders_keski_suomi() -> None:
    from soteplan.demography import project_region
    from soteplan.pathways import load_builtin
    from soteplan.region import load_region

    r = load_region("keski-suomi")
    proj = project_region(r, to_year=2040)
    res = run_cohort(load_builtin("memory-disorders"), proj.population)
    s = res.summary()
    assert list(s.index) == list(range(2025, 2041))
    assert s.loc[2040, "persons"] > s.loc[2025, "persons"]  # ageing region
    # order of magnitude of the national prevalence (150 829 of 5.5 M in 2021) × KS population
    ks = proj.population[proj.population.year == 2025].population.sum()
    assert 0.5 < s.loc[2025, "persons"] / (ks * 150_829 / 5_533_793) < 2.0
    assert res.meta["assumptions"] and res.meta["sources"]
