"""/locate works for every service type, over the candidate sites of ``soteplan locate``."""

from __future__ import annotations

import numpy as np
import pytest

R = "/api/v1/regions/keski-suomi"


@pytest.mark.parametrize("service", ["health_station", "hospital", "emergency_department"])
def test_locate_every_service_with_new_sites_and_today(client, ks, service):
    from soteplan.locate import region_location_input

    today = int((ks.service_points_in(None)["type"] == service).sum())
    r = client.post(f"{R}/locate", json={"service": service, "p": today + 1})
    assert r.status_code == 200, r.text
    d = r.json()
    li = region_location_input(ks, service, extended=True)
    assert d["candidates"] == len(li.candidates) > today  # centres and settlements added
    assert d["today"]["sites"] == today
    # today's mean is recomputed here from the same matrix: weighted mean minutes to the nearest
    w = li.weights("all")
    t = li.minutes[:, np.flatnonzero(li.existing)].min(axis=1)
    assert d["today"]["mean_min"] == pytest.approx(float(w @ t) / float(w.sum()), rel=1e-6)
    # one more site than today cannot be worse than today, and p-median's objective is the
    # person-minutes of its mean
    assert d["mean_min"] <= d["today"]["mean_min"] + 1e-9
    assert d["objective"] == pytest.approx(d["mean_min"] * d["population"], rel=1e-6)
    assert len(d["sites"]) == today + 1
    chosen = [f for f in d["facilities"]["features"] if f["properties"]["chosen"]]
    assert len(chosen) == today + 1


def test_emergency_department_can_get_a_new_site(client):
    d = client.post(f"{R}/locate", json={"service": "emergency_department", "p": 2}).json()
    assert d["new_sites"], d["sites"]
    assert all(not row["existing"] for row in d["sites_table"] if row["site_id"] in d["new_sites"])


def test_too_many_sites_is_a_clear_422(client, canonical_error):
    r = client.post(f"{R}/locate", json={"service": "emergency_department", "p": 400})
    canonical_error(r, 422)
    assert "candidate sites" in r.json()["error"]
    canonical_error(client.post(f"{R}/locate", json={"service": "nope", "p": 1}), 422)
