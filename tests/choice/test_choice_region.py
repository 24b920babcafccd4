"""The 2017 Jyväskylä pilot on the embedded Keski-Suomi data."""

from __future__ import annotations

import numpy as np
import pytest

from soteplan.choice import PILOTS, entrant_at, pilot_setup, region_setup, what_if
from soteplan.errors import InfeasibleError, NotFoundError

PILOT = ("hs-179-huhtasuo", "hs-179-keskusta", "hs-179-kuokkala")


def test_pilot_stations_and_choosers(pilot) -> None:
    m = pilot.model
    ids = set(m.station_ids)
    assert set(PILOT) <= ids
    assert all(s.startswith("hs-179-") for s in ids)
    assert "hs-179-sampoharju" not in ids  # opened 2019, not open in 2017
    today = m.station_ids[m.assigned]
    assert set(today[m.choosers]) <= set(PILOT)
    assert not set(today[~m.choosers]) & set(PILOT)
    assert m.meta["pilot"] == "jyvaskyla-2017"
    assert "nearest health station" in m.meta["approximation"]
    assert m.attributes["opening_days"].between(1, 7).all()
    assert m.attributes.loc["hs-179-tikkakoski", "private"]  # outsourced in 2017
    assert not m.attributes.loc["hs-179-keskusta", "private"]


def test_pilot_free_choice_moves_residents(pilot) -> None:
    r = pilot.model.solve()
    st = r.stations.set_index("id")
    assert st["list_today"].sum() == pytest.approx(pilot.model.total_population.sum())
    assert st.loc[list(PILOT), "change"].sum() < 0  # pilot stations lose to their neighbours
    assert r.meta["switchers"] > 0
    assert r.meta["visit_minutes_choice"] > 0
    # non-pilot residents do not move: a non-pilot station never loses
    others = [s for s in st.index if s not in PILOT]
    assert (st.loc[others, "change"] >= -1e-6).all()


def test_private_entrant_changes_lists(pilot) -> None:
    e = entrant_at(pilot, 435_500, 6_902_300, id="private-1", name="Private")
    w = what_if(pilot.model, enter=[e])
    st = w.stations.set_index("id")
    assert st.loc["private-1", "list_after"] > 0
    assert st.loc["private-1", "status"] == "entered"
    assert w.meta["switchers"] == pytest.approx(st.loc["private-1", "list_after"])


def test_capacity_in_region(ks) -> None:
    limited = region_setup(
        ks, year=2017, municipalities=["179"], capacity=dict.fromkeys(PILOT, 1000.0)
    ).model.solve()
    assert (limited.stations.set_index("id").loc[list(PILOT), "list_choice"] <= 1000.001).all()
    assert limited.meta["pushed_to_next_choice"] > 0
    everyone = region_setup(ks, year=2017, municipalities=["179"])
    cap = dict.fromkeys(everyone.model.station_ids, 1000.0)
    with pytest.raises(InfeasibleError, match="below their number"):
        region_setup(ks, year=2017, municipalities=["179"], capacity=cap).model.solve()


def test_unknown_pilot_and_station(ks) -> None:
    with pytest.raises(NotFoundError, match="pilots: jyvaskyla-2017"):
        pilot_setup(ks, "helsinki-2030")
    with pytest.raises(NotFoundError):
        region_setup(ks, year=2017, municipalities=["179"], sizes={"hs-nope": 3.0})
    assert set(PILOTS) == {"jyvaskyla-2017"}


def test_sizes_enter_attraction(ks, pilot) -> None:
    s = region_setup(
        ks,
        year=2017,
        municipalities=["179"],
        choosers_of=PILOT,
        sizes={"hs-179-kyllo": 40.0, "hs-179-keskusta": 10.0},
    )
    assert s.model.params.attraction["size"] == 1.0
    a = s.model.solve().stations.set_index("id")["list_choice"]
    b = pilot.model.solve().stations.set_index("id")["list_choice"]
    assert not np.allclose(a.to_numpy(), b.reindex(a.index).to_numpy())


def test_whole_region_with_unrecorded_opening_days(ks) -> None:
    """Stations whose days the source leaves at 0 (Haapamäki 2017, …) get the median, said."""
    days = ks.table("health_station_days")
    zero = set(days.loc[(days["year"] == 2017) & (days["opening_days"] <= 0), "id"])
    assert zero  # the data really have such stations
    setup = region_setup(ks, year=2017)
    att = setup.model.attributes
    for sid in zero & set(att.index):
        assert att.loc[sid, "opening_days"] > 0
    rows = setup.model.solve().to_frame()
    assert np.isfinite(rows[["list_today", "list_choice", "visits"]].to_numpy()).all()
    assert rows["list_choice"].sum() == pytest.approx(rows["list_today"].sum())
    assert any("missing or 0 in the data" in n for n in setup.meta["notes"])
