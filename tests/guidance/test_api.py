"""The public guidance routes: same answer as the CLI, validation, envelope, rate limit."""

from __future__ import annotations

import json
import warnings

import pytest
from typer.testing import CliRunner

from soteplan.cli import app as cli_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def gapp(ks_guide):
    from soteplan.api import create_app

    app = create_app("keski-suomi", web=False)
    app.state.guidance_guide = ks_guide  # the session's guide: times computed once
    return app


@pytest.fixture(scope="module")
def client(gapp):
    return TestClient(gapp)


def _envelope(r, status):
    assert r.status_code == status, r.text
    body = r.json()
    assert body["ok"] is False and body["status"] == status
    assert body["error"] == "; ".join(body["errors"])
    return body


def test_cli_and_api_give_the_same_ranked_services(client):
    r = client.get("/api/v1/guidance", params={"need": "home-help", "postcode": "43100"})
    assert r.status_code == 200, r.text
    api = r.json()
    res = CliRunner().invoke(
        cli_app, ["guidance", "--need", "home-help", "--postcode", "43100", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    cli = json.loads(res.output)
    assert cli["services"] == api["services"]
    assert cli["place"] == api["place"]
    assert cli["region_channels"] == api["region_channels"]
    assert len(api["services"]) == 5
    for s in api["services"]:
        assert {
            "name",
            "municipality",
            "municipality_name",
            "travel_minutes",
            "opening_days",
            "opening_days_known",
            "channels",
        } <= set(s)
        assert s["name"] and s["municipality_name"] and s["travel_minutes"] >= 0
        # every service can be visited: its address is its in-person channel
        assert [c["kind"] for c in s["channels"]][:1] == ["in_person"]
    first = api["services"][0]
    assert first["municipality_name"] == "Saarijärvi"
    # the phone alternative of home help: named, with its source, number honestly missing
    phone = [c for c in api["region_channels"] if c["kind"] == "phone"]
    assert phone and all(c["source"].startswith("https://") for c in phone)
    assert all(c["known"] == bool(c["value"]) for c in api["region_channels"])
    assert any(c["kind"] == "e_service" and c["known"] for c in api["region_channels"])
    assert [s["travel_minutes"] for s in api["services"]] == sorted(
        s["travel_minutes"] for s in api["services"]
    )


def test_municipality_and_point_places(client):
    r = client.get("/api/v1/guidance", params={"need": "emergency", "municipality": "729"})
    body = r.json()
    assert body["region_channels"][0]["value"] == "112"
    assert body["services"][0]["service_type"] == "emergency_department"
    r = client.get("/api/v1/guidance", params={"need": "doctor", "point": "62.2415,25.7482"})
    assert r.status_code == 200 and r.json()["place"]["municipality"] == "179"
    assert r.headers["cache-control"].startswith("public")


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"need": "haircut", "postcode": "43100"}, 404),
        ({"need": "doctor", "postcode": "00100"}, 404),
        ({"need": "doctor", "postcode": "431"}, 422),
        ({"need": "doctor"}, 422),
        ({"need": "doctor", "postcode": "43100", "municipality": "729"}, 422),
        ({"need": "doctor", "point": "north"}, 422),
        ({"need": "doctor", "point": "60.17,24.94"}, 422),  # Helsinki: outside the region
        ({"need": "doctor", "postcode": "43100", "limit": 0}, 422),
        ({"need": "DROP TABLE", "postcode": "43100"}, 422),
    ],
)
def test_bad_requests_get_the_error_envelope(client, params, status):
    _envelope(client.get("/api/v1/guidance", params=params), status)


def test_routes_are_read_only(client):
    _envelope(client.post("/api/v1/guidance", json={"need": "doctor"}), 405)
    _envelope(client.delete("/api/v1/guidance/directory"), 405)


def test_directory_is_hsds_shaped_and_needs_and_unmet(client):
    d = client.get("/api/v1/guidance/directory").json()
    assert {"organizations", "services", "locations", "service_at_locations", "meta"} <= set(d)
    assert d["meta"]["crs"] == "EPSG:4326"
    loc = next(x for x in d["locations"] if x["id"] == "hs-077-hankasalmi")
    assert 61 < loc["latitude"] < 64 and 24 < loc["longitude"] < 28
    assert loc["schedules"][0]["byday"] == "MO,TU,WE,TH,FR"
    n = client.get("/api/v1/guidance/needs").json()
    assert [x["need"] for x in n][-1] == "emergency"
    u = client.get("/api/v1/guidance/unmet", params={"threshold": 30, "need": "emergency"}).json()
    assert u["summary"][0]["need"] == "emergency"
    assert all(a["need"] == "emergency" for a in u["areas"])
    outside = [a for a in u["areas"] if not a["within"]]
    assert outside and all(a["nearest_min"] > 30 for a in outside)
    _envelope(client.get("/api/v1/guidance/unmet", params={"threshold": -1}), 422)


def test_public_routes_are_rate_limited(ks_guide, monkeypatch):
    from soteplan.api import create_app

    monkeypatch.setenv("SOTEPLAN_RATE_LIMIT_GUIDANCE", "0.5/3")
    app = create_app("keski-suomi", web=False)
    app.state.guidance_guide = ks_guide
    c = TestClient(app)
    codes = [c.get("/api/v1/guidance/needs").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]
    r = c.get("/api/v1/guidance", params={"need": "doctor", "postcode": "43100"})
    body = _envelope(r, 429)
    assert "too many requests" in body["error"]
    assert int(r.headers["retry-after"]) >= 1


def test_rate_limit_env_errors(monkeypatch, ks_guide):
    from soteplan.api import create_app

    monkeypatch.setenv("SOTEPLAN_RATE_LIMIT_GUIDANCE", "lots")
    app = create_app("keski-suomi", web=False)
    app.state.guidance_guide = ks_guide
    _envelope(TestClient(app).get("/api/v1/guidance/needs"), 422)
    monkeypatch.setenv("SOTEPLAN_RATE_LIMIT_GUIDANCE", "off")
    app = create_app("keski-suomi", web=False)
    app.state.guidance_guide = ks_guide
    c = TestClient(app)
    assert all(c.get("/api/v1/guidance/needs").status_code == 200 for _ in range(40))


def test_first_use_builds_the_guide_and_warms_every_default_answer():
    from soteplan.api import create_app
    from soteplan.api._guidance import guide_of

    app = create_app("keski-suomi", web=False)
    guide = guide_of(app)
    cache = app.state.guidance_answers
    n = len(guide.needs.needs) * (len(guide.postcodes()) + len(guide.municipality_names()))
    assert len(cache) == n
    body = json.loads(cache[("home-help", "43100", None, None, 5)])
    assert body["services"][0]["name"] == "Saarijärven terveysasema"
    assert guide_of(app) is guide


def test_voice_route_with_and_without_a_survey(ks_guide, monkeypatch):
    from pathlib import Path

    from soteplan.api import create_app

    app = create_app("keski-suomi", web=False)
    app.state.guidance_guide = ks_guide
    c = TestClient(app)
    assert c.get("/api/v1/guidance/voice").json()["survey"] is None
    data = Path(__file__).resolve().parents[1] / "data" / "guidance"
    monkeypatch.setenv("SOTEPLAN_GUIDANCE_SURVEY", str(data / "survey_example.csv"))
    app = create_app("keski-suomi", web=False)
    app.state.guidance_guide = ks_guide
    c = TestClient(app)
    body = c.get("/api/v1/guidance/voice", params={"need": "doctor"}).json()
    assert body["survey"]["answers"] == 6
    assert {a["area"] for a in body["areas"]} == {"43100", "40100", "729", "077"}
    _envelope(c.get("/api/v1/guidance/voice", params={"need": "nope"}), 404)


def test_the_cli_module_imports_no_engine_until_a_command_runs():
    import subprocess
    import sys

    code = (
        "import sys, soteplan.cli; "
        "print(any(m.startswith(('soteplan.guidance', 'soteplan.network')) for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
