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


def test_locate_with_a_capacity_per_site(client, monkeypatch, canonical_error):
    import soteplan.api._services as services

    monkeypatch.setattr(services, "LOCATE_CAPACITATED_SECONDS", 5.0)
    body = {"service": "health_station", "p": 18, "capacity": 16000}
    r = client.post(f"{R}/locate", json=body)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["capacity"] == 16000 and len(d["sites"]) == 18
    served = [row["served_weight"] for row in d["sites_table"]]
    assert max(served) <= 16000 and sum(served) == pytest.approx(d["population"])
    # the mean is over the assigned sites, so it is still the objective per resident
    assert d["objective"] == pytest.approx(d["mean_min"] * d["population"], rel=1e-6)
    free = client.post(f"{R}/locate", json={"service": "health_station", "p": 18}).json()
    assert max(row["served_weight"] for row in free["sites_table"]) > 16000
    assert free["objective"] <= d["objective"] + 1e-6
    canonical_error(client.post(f"{R}/locate", json={**body, "model": "max-cover"}), 422)
    canonical_error(client.post(f"{R}/locate", json={**body, "capacity": 100}), 409)
    canonical_error(client.post(f"{R}/locate", json={**body, "capacity": 0}), 422)
