"""``POST /api/v1/regions/{r}/choice``."""

from __future__ import annotations

import warnings

import pytest


@pytest.fixture(scope="module")
def client():
    from soteplan.api import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    return TestClient(create_app("keski-suomi", web=True))


URL = "/api/v1/regions/keski-suomi/choice"


def test_pilot_rows_probabilities_and_whatif(client) -> None:
    r = client.post(URL, json={"enter": [{"name": "Yksityinen", "lon": 25.7482, "lat": 62.2415}]})
    assert r.status_code == 200, r.text
    d = r.json()
    rows = {row["id"]: row for row in d["rows"]}
    assert rows["entrant-1"]["status"] == "entered"
    assert rows["entrant-1"]["list_whatif"] > 0
    assert rows["hs-179-keskusta"]["change"] < 0
    assert d["whatif"]["switchers"] > 0
    n = len(d["origins"]["features"])
    for sid, p in d["probability"].items():
        assert len(p) == n, sid
    total = [sum(p[i] for p in d["probability"].values()) for i in range(n)]
    assert all(abs(t - 1) < 1e-3 for t in total)
    roles = {f["properties"]["role"] for f in d["stations"]["features"]}
    assert roles == {"pilot", "station", "entrant"}
    again = client.post(
        URL, json={"enter": [{"name": "Yksityinen", "lon": 25.7482, "lat": 62.2415}]}
    )
    assert again.headers["X-Cache"] == "hit"


@pytest.mark.parametrize(
    "body, status",
    [
        ({"pilot": "nowhere"}, 404),
        ({"close": ["hs-nope"]}, 404),
        ({"capacity": {"hs-179-kyllo": -1}}, 422),
        ({"colour": 1}, 422),
        ({"decay": "power"}, 422),
    ],
)
def test_errors(client, body, status) -> None:
    r = client.post(URL, json=body)
    assert r.status_code == status, r.text
    d = r.json()
    assert d["ok"] is False and d["status"] == status and d["errors"]
