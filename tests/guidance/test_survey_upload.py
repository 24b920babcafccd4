"""``PUT /api/v1/guidance/survey``: a planner's survey upload, its token and its problems."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from soteplan.i18n import catalogue

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

DATA = Path(__file__).resolve().parents[1] / "data" / "guidance"
TOKEN = "test-token-for-the-survey-upload"


@pytest.fixture
def app(ks_guide, monkeypatch):
    from soteplan.api import create_app

    monkeypatch.delenv("SOTEPLAN_API_TOKEN", raising=False)
    monkeypatch.delenv("SOTEPLAN_GUIDANCE_SURVEY", raising=False)
    a = create_app("keski-suomi", web=False)
    a.state.guidance_guide = ks_guide
    return a


def _put(client, name, body, token=TOKEN):
    headers = {"Content-Type": "text/csv"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.put(
        "/api/v1/guidance/survey", params={"name": name}, content=body, headers=headers
    )


def test_upload_needs_the_token(app):
    c = TestClient(app)
    body = (DATA / "survey_example.csv").read_bytes()
    r = _put(c, "survey.csv", body, token=None)
    assert r.status_code == 503 and r.json()["ok"] is False  # no token configured at all
    app.state.local_token = TOKEN
    assert _put(c, "survey.csv", body, token=None).status_code == 401
    assert _put(c, "survey.csv", body, token="wrong").status_code == 401
    assert c.get("/api/v1/guidance/voice").json()["survey"] is None  # nothing was taken


def test_upload_replaces_the_survey_beside_the_access_figures(app, ks_guide):
    app.state.local_token = TOKEN
    c = TestClient(app)
    assert c.get("/api/v1/guidance/voice").json()["areas"] == []
    r = _put(c, "kysely.csv", (DATA / "survey_google_forms_example.csv").read_bytes())
    assert r.status_code == 200, r.text
    meta = r.json()["survey"]
    assert meta["source"] == "kysely.csv" and meta["layout"].lower().startswith("google")
    v = c.get("/api/v1/guidance/voice", params={"need": "home-help"})
    assert v.headers["cache-control"] == "no-store"
    areas = {a["area"]: a for a in v.json()["areas"]}
    assert "43100" in areas
    unmet = ks_guide.unmet_needs(30.0, ["home-help"]).to_frame()
    want = float(unmet.loc[unmet["postcode"] == "43100", "nearest_min"].iloc[0])
    assert areas["43100"]["nearest_min"] == pytest.approx(want, abs=0.05)
    # the cookie of a loopback page works as well as the bearer header
    c.cookies.set("soteplan_token", TOKEN)
    r = c.put(
        "/api/v1/guidance/survey",
        params={"name": "s.csv"},
        content=(DATA / "survey_example.csv").read_bytes(),
    )
    assert r.status_code == 200 and r.json()["survey"]["source"] == "s.csv"
    assert c.delete("/api/v1/guidance/survey").status_code == 200
    assert c.get("/api/v1/guidance/voice").json()["survey"] is None


def test_bad_file_answers_every_problem_with_its_row_field_and_key(app):
    app.state.local_token = TOKEN
    c = TestClient(app)
    r = _put(c, "broken_survey.csv", (DATA / "broken_survey.csv").read_bytes())
    assert r.status_code == 422
    body = r.json()
    assert body["ok"] is False and body["error"] == "; ".join(body["errors"])
    got = {(p["row"], p["field"], p["key"]) for p in body["problems"]}
    assert got == {
        (1, "score", "gplan.svp.scale"),
        (2, "area", "gplan.svp.area"),
        (3, "theme", "gplan.svp.theme"),
        (4, "score", "gplan.svp.number"),
    }
    cat = catalogue()
    for p in body["problems"]:
        assert p["source"] == "broken_survey.csv"
        for lang in ("fi", "en"):  # the page can say it: every parameter is filled
            text = cat[p["key"]][lang].format(**p["params"])
            assert "{" not in text
    # the survey in use is unchanged by a failed upload
    assert c.get("/api/v1/guidance/voice").json()["survey"] is None


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (b"", "gplan.svp.empty"),
        (b"postcode;text\n43100;x\n", "gplan.svp.no_column"),
        (b"area,theme,score,text,date\n43100,x,3,,yesterday\n", "gplan.svp.date"),
    ],
)
def test_other_problems_have_their_own_keys(app, body, key):
    app.state.local_token = TOKEN
    r = _put(TestClient(app), "x.csv", body)
    assert r.status_code == 422
    assert key in {p["key"] for p in r.json()["problems"]}


def test_bad_names_are_refused(app):
    app.state.local_token = TOKEN
    r = _put(TestClient(app), "../../etc/passwd", b"area,theme,score\n")
    assert r.status_code == 422
