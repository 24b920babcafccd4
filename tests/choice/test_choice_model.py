"""The choice model: list sizes, visits by band, capacity balancing and input errors."""

from __future__ import annotations

import numpy as np
import pytest
from choice_synthetic import synthetic
from hypothesis import given, settings
from hypothesis import strategies as st

from soteplan.choice import ChoiceModel, ChoiceParams
from soteplan.errors import InfeasibleError, NotFoundError, ParameterError


def test_list_sizes_add_up_and_bands_split(model) -> None:
    r = model.solve()
    pop = model.total_population.sum()
    assert r.stations["list_today"].sum() == pytest.approx(pop)
    assert r.stations["list_choice"].sum() == pytest.approx(pop)
    assert r.stations["change"].sum() == pytest.approx(0.0, abs=1e-6)
    bands = r.stations["list_0-64"] + r.stations["list_65+"]
    np.testing.assert_allclose(bands, r.stations["list_choice"])
    visits = 4.0 * r.stations["list_0-64"] + 10.0 * r.stations["list_65+"]
    np.testing.assert_allclose(r.stations["visits"], visits)
    assert r.to_frame().shape[0] == 5
    assert r.meta["switchers"] == pytest.approx(r.origins["switchers"].sum())


def test_today_is_nearest_station(model) -> None:
    r = model.solve()
    nearest = model.station_ids[np.argmin(model.minutes, axis=1)]
    assert (r.origins["today_station"].to_numpy() == nearest).all()


def test_fixed_residents_keep_their_station() -> None:
    m = synthetic()
    ch = np.zeros(len(m.origin_ids), bool)
    ch[:10] = True
    m2 = ChoiceModel.build(
        origin_ids=m.origin_ids,
        station_ids=m.station_ids,
        minutes=m.minutes,
        population=m.population,
        attributes=m.attributes,
        params=m.params,
        choosers=ch,
    )
    r = m2.solve()
    assert (r.origins.loc[~ch, "stay_share"] == 1.0).all()
    assert (r.origins.loc[~ch, "switchers"] == 0.0).all()
    assert r.meta["choosers"] == pytest.approx(m2.total_population[ch].sum())


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.floats(1.02, 1.6))
def test_capacity_never_exceeded_after_balancing(seed, slack) -> None:
    m = synthetic(seed=seed)
    demand = m.total_population.sum()
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.2, 1.0, 5)
    cap = demand * slack * w / w.sum()
    m = synthetic(seed=seed, capacity=cap)
    r = m.solve()
    assert (r.stations["list_choice"].to_numpy() <= cap * (1 + 1e-6)).all()
    np.testing.assert_allclose(r.shares.sum(axis=1), 1.0, rtol=1e-9)
    assert r.meta["pushed_to_next_choice"] >= 0
    assert r.meta["pushed_to_next_choice"] == pytest.approx(r.stations["pushed_out"].sum())


def test_capacity_pushes_residents_and_costs_travel() -> None:
    free = synthetic(seed=1).solve()
    busiest = int(np.argmax(free.stations["list_choice"]))
    cap = np.full(5, np.nan)
    cap[busiest] = 0.5 * free.stations["list_choice"].iloc[busiest]
    r = synthetic(seed=1, capacity=cap).solve()
    assert r.stations["list_choice"].iloc[busiest] == pytest.approx(cap[busiest], rel=1e-6)
    assert r.meta["pushed_to_next_choice"] == pytest.approx(cap[busiest], rel=1e-6)
    assert r.meta["extra_person_minutes_from_capacity"] > 0
    assert r.balancing[busiest] < 1.0
    others = np.delete(np.arange(5), busiest)
    assert (r.balancing[others] == 1.0).all()


def test_total_capacity_below_demand_is_infeasible() -> None:
    m = synthetic()
    cap = np.full(5, m.total_population.sum() / 5 * 0.9)
    with pytest.raises(InfeasibleError, match="below"):
        synthetic(capacity=cap).solve()


def test_negative_capacity_is_refused() -> None:
    with pytest.raises(ParameterError, match="capacity"):
        synthetic(capacity=np.array([-1.0, 1e6, 1e6, 1e6, 1e6]))


def test_unknown_station_is_not_found(model) -> None:
    with pytest.raises(NotFoundError, match="no station 'nope'"):
        model.index_of("nope")


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"minutes": [[1.0, np.nan]]}, "NaN"),
        ({"minutes": [[1.0, -2.0]]}, ">= 0"),
        ({"minutes": [[1.0]]}, "must be"),
        ({"population": {"all": [-5.0]}}, "negative"),
        ({"station_ids": ["a", "a"]}, "duplicate"),
        ({"visit_rates": {"nope": 1.0}}, "visit rates"),
    ],
)
def test_bad_inputs(kw, match) -> None:
    base = {
        "origin_ids": ["o"],
        "station_ids": ["a", "b"],
        "minutes": [[1.0, 2.0]],
        "population": {"all": [10.0]},
    }
    base.update(kw)
    with pytest.raises(ParameterError, match=match):
        ChoiceModel.build(**base)


def test_unknown_attribute_in_params() -> None:
    m = synthetic(params=ChoiceParams(attraction={"staff": 1.0}))
    with pytest.raises(ParameterError, match="unknown station attribute 'staff'"):
        m.solve()


def test_power_and_exponential_give_different_lists(model) -> None:
    a = model.solve().stations["list_choice"].to_numpy()
    b = model.with_params(ChoiceParams(decay="power", beta=2.0)).solve()
    assert not np.allclose(a, b.stations["list_choice"].to_numpy())
