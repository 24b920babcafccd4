"""REST routes of the pathway engine."""

from __future__ import annotations

import warnings

import pytest


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    from soteplan.api import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    return TestClient(create_app("keski-suomi", web=True))


def test_list_and_spec(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/pathways")
    assert r.status_code == 200
    assert {p["id"] for p in r.json()} >= {"memory-disorders", "older-people"}
    spec = client.get("/api/v1/pathways/memory-disorders").json()
    assert spec["stages"][0]["id"] == "diagnosis"
    assert spec["peer_support"]["stage"] == "home_care" and spec["assumptions"]
    assert client.get("/api/v1/pathways/nope").status_code == 404


def test_run_with_levers_compares(client) -> None:  # type: ignore[no-untyped-def]
    body = {
        "levers": [
            {"kind": "peer_support"},
            {"kind": "channel_shift", "stage": "diagnosis", "share": 0.5, "to": "remote"},
        ]
    }
    r = client.post("/api/v1/regions/keski-suomi/pathways/memory-disorders/run", json=body)
    assert r.status_code == 200, r.text
    d = r.json()
    assert {row["year"] for row in d["rows"]} == set(range(2025, 2041))
    cmp = {row["year"]: row for row in d["comparison"]}
    assert cmp[2025]["cost_eur_change"] == pytest.approx(0.0, abs=1e-6)
    assert cmp[2035]["cost_eur_change"] < 0
    assert "peer_support_home_care" in d["labels"]
    links = [f for f in d["flows"] if f["year"] == 2030]
    assert any(f["source"] == "home_care" and f["target"] == "care_24h" for f in links)


def test_bad_levers_are_one_422(client) -> None:  # type: ignore[no-untyped-def]
    body = {"levers": [{"kind": "channel_shift", "stage": "zz", "share": 0.5}]}
    r = client.post("/api/v1/regions/keski-suomi/pathways/memory-disorders/run", json=body)
    assert r.status_code == 422
    assert "unknown stage 'zz'" in r.json()["error"]
    r = client.post("/api/v1/regions/keski-suomi/pathways/memory-disorders/run", json={"bogus": 1})
    assert r.status_code == 422


def test_run_simulated_with_capacity(client) -> None:  # type: ignore[no-untyped-def]
    body = {
        "simulate": True, "replications": 2, "scale": 0.02, "end_year": 2030, "travel": False,
        "capacity": {"care_24h": 2000},
    }  # fmt: skip
    r = client.post("/api/v1/regions/keski-suomi/pathways/memory-disorders/run", json=body)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["meta"]["model"] == "simulation" and d["meta"]["replications"] == 2
    assert {w["stage"] for w in d["waiting"]} == {"care_24h"}
    assert all(c["lo"] <= c["mean"] <= c["hi"] for c in d["ci"])
