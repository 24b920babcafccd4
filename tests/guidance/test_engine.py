"""The guidance engine on the embedded Keski-Suomi data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteplan.errors import NotFoundError, ParameterError
from soteplan.guidance import NEEDS, load_needs


def test_every_need_is_answered_for_every_postal_area(ks_guide, ks):
    postcodes = ks_guide.postcodes()
    in_region = ks.table("postal_areas")
    in_region = in_region[in_region["municipality"].isin(ks.municipality_codes())]
    assert sorted(postcodes) == sorted(in_region["postcode"].astype(str))
    for need in NEEDS:
        for pc in postcodes:
            res = ks_guide.answer(need, postcode=pc, limit=3)
            assert res.services, (need, pc)
            minutes = [s.travel_minutes for s in res.services]
            assert minutes == sorted(minutes)
            assert all(np.isfinite(m) and m >= 0 for m in minutes)
            types = load_needs().types(need)
            assert all(s.service_type in types for s in res.services)


def test_emergency_answers_112_first_then_the_nearest_emergency_department(ks_guide):
    for pc in ks_guide.postcodes():
        res = ks_guide.answer("emergency", postcode=pc)
        assert res.region_channels[0].kind == "phone"
        assert res.region_channels[0].value == "112"
        assert res.services[0].service_type == "emergency_department"


def _independent_nearest(ks, graph, xy, service_type):
    from soteplan.access import service_points
    from soteplan.network import nearest_facility

    pts = service_points(ks, service_type)
    return nearest_facility(graph, xy, pts)


@pytest.mark.parametrize(
    ("need", "service_type"), [("doctor", "health_station"), ("emergency", "emergency_department")]
)
def test_ranking_agrees_with_an_independent_nearest_facility_search(
    ks_guide, ks, need, service_type
):
    postal = ks_guide.postal
    near = _independent_nearest(ks, ks_guide.graph, postal[["x", "y"]].to_numpy(), service_type)
    for i, pc in enumerate(postal["postcode"]):
        first = ks_guide.answer(need, postcode=pc, limit=1).services[0]
        assert first.travel_minutes == pytest.approx(float(near.minutes[i]), abs=1e-3)
        if first.location_id != str(near.facility_id[i]):  # a tie is the only excuse
            other = ks_guide.answer(need, postcode=pc, limit=5).services
            assert any(s.location_id == str(near.facility_id[i]) for s in other)


def test_home_help_in_saarijarvi(ks_guide):
    res = ks_guide.answer("home-help", postcode="43100")
    assert res.place.municipality == "729"
    first = res.services[0]
    assert first.name == "Saarijärven terveysasema"
    assert first.municipality == "729"
    assert first.basis == "assumption"
    assert res.meta["assumptions"]
    # the data does not know Saarijärvi's days in any year: not invented
    assert first.opening_days_known is False and first.opening_days == ()
    assert [c.kind for c in first.channels] == ["in_person"]
    assert any(c.kind == "e_service" for c in res.region_channels)
    d = res.to_dict({"729": "Saarijärvi"})
    assert d["services"][0]["municipality_name"] == "Saarijärvi"
    assert set(d["services"][0]) >= {"name", "municipality", "travel_minutes", "opening_days"}


def test_opening_days_come_from_the_health_station_data(ks_guide):
    res = ks_guide.answer("doctor", municipality="077", limit=1)
    s = res.services[0]
    assert s.location_id == "hs-077-hankasalmi"
    assert s.opening_days == ("MO", "TU", "WE", "TH", "FR")
    assert s.opening_days_known and s.opening_days_year == 2019


def test_no_phone_numbers_are_invented_for_the_region_points(ks_guide):
    kinds = {c.kind for c in ks_guide.directory.channels}
    assert kinds == {"in_person"}


def test_places_and_errors(ks_guide):
    with pytest.raises(NotFoundError, match="unknown need"):
        ks_guide.answer("haircut", postcode="43100")
    with pytest.raises(ParameterError, match="five digits"):
        ks_guide.answer("doctor", postcode="431")
    with pytest.raises(NotFoundError, match="not a postal area"):
        ks_guide.answer("doctor", postcode="00100")
    with pytest.raises(ParameterError, match="exactly one"):
        ks_guide.answer("doctor", postcode="43100", municipality="729")
    with pytest.raises(ParameterError, match="exactly one"):
        ks_guide.answer("doctor")
    with pytest.raises(NotFoundError):
        ks_guide.answer("doctor", municipality="091")
    with pytest.raises(ParameterError, match="outside"):
        ks_guide.answer("doctor", point=(385000.0, 6672000.0))  # Helsinki
    with pytest.raises(ParameterError, match="limit"):
        ks_guide.answer("doctor", postcode="43100", limit=0)


def test_a_point_gives_the_same_answer_as_its_postcode(ks_guide):
    row = ks_guide.postal[ks_guide.postal["postcode"] == "43100"].iloc[0]
    a = ks_guide.answer("doctor", postcode="43100")
    b = ks_guide.answer("doctor", point=(float(row["x"]), float(row["y"])))
    assert [s.service_id for s in a.services] == [s.service_id for s in b.services]
    assert [s.travel_minutes for s in b.services] == pytest.approx(
        [s.travel_minutes for s in a.services], abs=1e-3
    )
    assert b.place.municipality == "729"


@settings(max_examples=30, deadline=None)
@given(
    dx=st.floats(-30_000, 30_000),
    dy=st.floats(-30_000, 30_000),
    need=st.sampled_from(NEEDS),
    limit=st.integers(1, 8),
)
def test_any_point_ranks_by_nondecreasing_time_and_first_is_the_minimum(
    ks_guide, dx, dy, need, limit
):
    x, y = 435_000.0 + dx, 6_900_000.0 + dy
    res = ks_guide.answer(need, point=(x, y), limit=limit)
    t = [s.travel_minutes for s in res.services]
    assert t == sorted(t) and len(t) <= limit
    _, row = ks_guide.place(point=(x, y))
    cols = [c[0] for c in ks_guide._candidates[need]]
    assert t[0] == pytest.approx(float(np.min(row[cols])), abs=1e-4)


def test_unmet_needs_table(ks_guide):
    res = ks_guide.unmet_needs(30.0)
    t = res.to_frame()
    assert set(t["need"]) == set(NEEDS)
    assert len(t) == len(NEEDS) * len(ks_guide.postal)
    # nearest time equals the first answer of the engine for that area
    for _, r in t[t["need"] == "doctor"].head(20).iterrows():
        first = ks_guide.answer("doctor", postcode=r["postcode"], limit=1).services[0]
        assert r["nearest_min"] == pytest.approx(round(first.travel_minutes, 1))
        assert r["within"] == (first.travel_minutes <= 30.0)
    s = res.summary()
    assert s.loc["emergency", "areas_outside"] > s.loc["doctor", "areas_outside"]
    tighter = ks_guide.unmet_needs(10.0).summary()
    assert (tighter["areas_outside"] >= s["areas_outside"]).all()
    with pytest.raises(ParameterError):
        ks_guide.unmet_needs(0)


def test_a_postcode_stands_for_the_weighted_centre_of_its_resident_points():
    from soteplan.access import Origins
    from soteplan.guidance._engine import _postal_points

    o = Origins(
        np.array(["43100-a", "43100-b", "40100", "grid-1"]),
        np.array([[0.0, 0.0], [30.0, 0.0], [5.0, 5.0], [9.0, 9.0]]),
        np.array(["729", "729", "179", "179"]),
        {"all": np.array([1.0, 2.0, 0.0, 4.0])},
    )
    xy, pop = _postal_points(o)
    assert xy["43100"] == pytest.approx((20.0, 0.0))
    assert pop == {"43100": 3.0, "40100": 0.0}
    assert xy["40100"] == (5.0, 5.0)  # no residents: the plain centre
    assert "grid-1" not in xy
