"""evaluate / compare / plot_models on the synthetic grid."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteplan.errors import DataError, ParameterError
from soteplan.organise import (
    Criterion,
    OrganisationModel,
    ServiceArea,
    compare,
    evaluate,
    plot_models,
    straight_line_travel,
)


def _model(groups: dict[str, tuple[str, ...]], hubs: dict[str, str]) -> OrganisationModel:
    return OrganisationModel(
        "m",
        "M",
        tuple(ServiceArea(a, a, tuple(sorted(ms)), hubs[a]) for a, ms in groups.items()),
        central_site="101",
    )


WEST = ("101", "102", "105", "106", "109", "110")
EAST = ("103", "104", "107", "108", "111", "112")


@pytest.fixture(scope="module")
def two(grid):
    return _model({"west": WEST, "east": EAST}, {"west": "106", "east": "107"})


def test_totals_equal_regional_totals(grid, two) -> None:
    ev = evaluate(two, grid, 2020)
    a = ev.areas
    assert a["population 2020"].sum() == pytest.approx(grid.population_total(2020).sum())
    assert ev.overall["population 2020"] == pytest.approx(grid.population_total(2020).sum())
    ages = grid.population_by_age(2020)
    assert a["aged 65+ 2020"].sum() == ages.loc[ages["age"] >= 65, "population"].sum()
    assert a["aged 75+ 2020"].sum() == ev.overall["aged 75+ 2020"]
    proj = grid.projection()
    for y in (2030, 2040):
        assert a[f"population {y}"].sum() == proj.loc[proj["year"] == y, "population"].sum()
    assert ev.meta["year"] == 2020 and ev.meta["projection_years"] == [2030, 2040]


def test_travel_measures_by_hand(grid, two) -> None:
    tm = straight_line_travel(grid)
    ev = evaluate(two, grid, 2020, travel=tm, within_minutes=10)
    pop = grid.population_total(2020)
    t = tm.sub([*WEST, "106"])[:-1, -1].astype(float)
    w = pop.reindex(list(WEST)).to_numpy(float)
    row = ev.areas.loc["west"]
    assert row["mean min to hub"] == pytest.approx((w * t).sum() / w.sum(), rel=1e-6)
    assert row["max min to hub"] == pytest.approx(t.max(), rel=1e-6)
    assert row["% within 10 min of hub"] == pytest.approx(100 * w[t <= 10].sum() / w.sum())
    ages = grid.population_by_age(2020)
    o = (
        ages[ages["age"] >= 75].groupby("municipality")["population"].sum().reindex(list(WEST))
    ).to_numpy(float)
    assert row["% aged 75+ within 10 min 2020"] == pytest.approx(100 * o[t <= 10].sum() / o.sum())
    assert "approximation" in ev.meta
    # hospital sits at 101: a one-area model hubbed there has equal hub and central times
    one = _model({"all": WEST + EAST}, {"all": "101"})
    e1 = evaluate(one, grid, 2020, travel=tm)
    assert e1.overall["mean min to hub"] == pytest.approx(e1.overall["mean min to central"], 1e-5)


def test_contiguity_and_criteria(grid) -> None:
    corners = ("101", "112")
    rest = tuple(c for c in WEST + EAST if c not in corners)
    m = _model({"corners": corners, "rest": rest}, {"corners": "101", "rest": "106"})
    total = float(grid.population_total(2020).sum())
    crit = [Criterion("half", "half the region", total / 2, "test", "unconfirmed")]
    ev = evaluate(m, grid, 2020, criteria=crit)
    assert not ev.areas.loc["corners", "contiguous"]
    assert ev.areas.loc["rest", "contiguous"]
    assert not ev.overall["contiguous"]
    col = crit[0].column
    assert "[U]" in col
    big = ev.areas["population 2020"] >= total / 2
    assert (ev.areas[col] == big).all()
    assert ev.overall[col] == f"{int(big.sum())}/2"
    big40 = ev.areas["population 2040"] >= total / 2
    assert (ev.areas[f"{col} 2040 proj."] == big40).all()
    assert ev.overall[f"{col} 2040 proj."] == f"{int(big40.sum())}/2"


def test_net_cost_is_population_weighted(grid, two) -> None:
    ev = evaluate(two, grid, 2020)
    assert ev.meta["net_cost_year"] == 2020
    nc = grid.table("net_costs")
    c = nc[nc["year"] == 2020].set_index("municipality")["net_cost_eur_per_resident"]
    p = grid.population_total(2020)
    for area, members in (("west", WEST), ("east", EAST)):
        want = (c.reindex(list(members)) * p.reindex(list(members))).sum() / p.reindex(
            list(members)
        ).sum()
        assert ev.areas.loc[area, "net cost €/res"] == pytest.approx(want)
    want_all = (c.reindex(p.index) * p).sum() / p.sum()
    assert ev.overall["net cost €/res 2020"] == pytest.approx(want_all)
    # an earlier year falls back to the latest cost year before it
    assert evaluate(two, grid, 2019).meta["net_cost_year"] == 2019


def test_model_must_cover_members(grid) -> None:
    m = _model({"west": WEST}, {"west": "106"})
    with pytest.raises(DataError, match="in no area"):
        evaluate(m, grid, 2020)
    with pytest.raises(ParameterError):
        evaluate(_model({"a": WEST + EAST}, {"a": "101"}), grid, 2020, within_minutes=0)


def test_compare_and_maps(grid, two) -> None:
    one = _model({"all": WEST + EAST}, {"all": "101"})
    evs = [evaluate(two, grid, 2020), evaluate(one, grid, 2020)]
    table = compare(evs)
    assert table.shape[1] == 2
    assert table.loc["areas"].tolist() == [2, 1]
    assert table.loc["mean min to hub"].iloc[0] < table.loc["mean min to hub"].iloc[1]
    fig = plot_models([two, one], grid)
    assert len(fig.axes) == 2
    import matplotlib.pyplot as plt

    plt.close(fig)
    assert compare([two, one], grid, 2020).equals(table)  # models are evaluated on the fly
    with pytest.raises(ParameterError):
        compare([])
    with pytest.raises(ParameterError, match="region"):
        compare([two])


@settings(max_examples=15, deadline=None)
@given(labels=st.lists(st.integers(0, 3), min_size=12, max_size=12))
def test_any_partition_adds_up(grid, labels: list[int]) -> None:
    """Invariant: whatever the partition, area totals add up to the region's."""
    from soteplan.organise import adjacency, is_connected

    codes = grid.municipality_codes()
    groups: dict[str, list[str]] = {}
    for c, lab in zip(codes, labels, strict=True):
        groups.setdefault(f"a{lab}", []).append(c)
    model = _model({a: tuple(m) for a, m in groups.items()}, {a: m[0] for a, m in groups.items()})
    ev = evaluate(model, grid, 2020)
    assert ev.areas["population 2020"].sum() == pytest.approx(grid.population_total(2020).sum())
    assert ev.areas["aged 75+ 2020"].sum() == pytest.approx(ev.overall["aged 75+ 2020"])
    assert (
        (ev.areas["% within 30 min of hub"] >= 0) & (ev.areas["% within 30 min of hub"] <= 100)
    ).all()
    nb, _ = adjacency(grid)
    for a, members in groups.items():
        assert ev.areas.loc[a, "contiguous"] == is_connected(members, nb)
    hub_pop = ev.areas["population 2020"]
    w = (ev.areas["mean min to hub"] * hub_pop).sum() / hub_pop.sum()
    assert ev.overall["mean min to hub"] == pytest.approx(w)


def test_origin_travel_weights_residents_inside_municipalities(grid, two) -> None:
    import numpy as np

    from soteplan.organise import OriginTravel

    codes = grid.municipality_codes()
    base = straight_line_travel(grid)
    # two origins per municipality: one at its centre (weight 1), one 6 minutes further
    # from everything (weight 3); weights are rescaled to the municipality's population
    munis = [c for c in codes for _ in range(2)]
    weight = np.array([1.0, 3.0] * len(codes))
    m = base.sub(codes).astype(np.float32)
    minutes = np.repeat(m, 2, axis=0)
    minutes[1::2] += 6.0
    tc = np.repeat(base.to_central[base.index(codes)], 2)
    tc[1::2] += 6.0
    ot = OriginTravel(
        tuple(f"o{i}" for i in range(len(munis))), tuple(munis), weight, tuple(codes),
        minutes, tc.astype(np.float32), {"method": "test", "resolution": "test origins"},
    )  # fmt: skip
    e_mun = evaluate(two, grid, 2020, travel=base)
    e_org = evaluate(two, grid, 2020, travel=ot)
    # 3/4 of everyone is 6 minutes further away
    for col in ("mean min to hub", "mean min to central"):
        assert e_org.areas[col].to_numpy() == pytest.approx(e_mun.areas[col].to_numpy() + 4.5)
        assert e_org.overall[col] == pytest.approx(e_mun.overall[col] + 4.5)
    assert e_org.areas["max min to hub"].to_numpy() == pytest.approx(
        e_mun.areas["max min to hub"].to_numpy() + 6.0
    )
    assert (e_org.areas["population 2020"] == e_mun.areas["population 2020"]).all()
    assert e_org.meta["travel_note"] == "test origins to municipality centres"


def test_postal_travel_on_keski_suomi(ks) -> None:
    from soteplan.organise import builtin_model, postal_travel

    ot = postal_travel(ks, method="straight_line")
    assert set(ot.municipality) >= set(ks.municipality_codes())
    assert "approximation" in ot.meta
    county = builtin_model(ks, "county-2023")
    ev = evaluate(county, ks, 2022, travel=ot)
    ev_m = evaluate(county, ks, 2022, travel=straight_line_travel(ks))
    assert ev.areas["population 2022"].sum() == pytest.approx(ks.population_total(2022).sum())
    # residents of the hub municipality no longer all sit at the hub
    assert ev.overall["mean min to hub"] != pytest.approx(ev_m.overall["mean min to hub"])
    assert 0 < ev.overall["% within 30 min of hub"] < 100
