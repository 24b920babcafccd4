"""The per-client limit of the computing routes (what-if, locate, comparisons, report)."""

from __future__ import annotations

import warnings

import pytest


@pytest.fixture
def limited(monkeypatch):
    monkeypatch.setenv("SOTEPLAN_RATE_LIMIT_COMPUTE", "0.01/2")  # bursts of 2, then 1 per 100 s
    from soteplan.api import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    return TestClient(create_app("keski-suomi"))


def test_a_client_past_its_burst_gets_429_with_retry_after(limited, canonical_error):
    url = "/api/v1/regions/keski-suomi/organise/compare"
    body = {"models": ["county-2023", "cooperation-2010"]}
    assert limited.post(url, json=body).status_code == 200
    assert limited.post(url, json=body).status_code == 200  # cached, still counted
    r = limited.post(url, json=body)
    canonical_error(r, 429)
    assert int(r.headers["Retry-After"]) >= 1
    # the budget is shared by every computing route of the client ...
    canonical_error(limited.get("/report.html"), 429)
    # ... and reads that compute nothing stay open
    assert limited.get("/api/v1/regions/keski-suomi").status_code == 200


def test_the_limit_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("SOTEPLAN_RATE_LIMIT_COMPUTE", "off")
    from fastapi.testclient import TestClient

    from soteplan.api import create_app

    c = TestClient(create_app("keski-suomi"))
    body = {"models": ["county-2023", "cooperation-2010"]}
    codes = {
        c.post("/api/v1/regions/keski-suomi/organise/compare", json=body).status_code
        for _ in range(5)
    }
    assert codes == {200}
