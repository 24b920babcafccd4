"""Server-rendered pages: every page in both languages, the language cookie, static assets."""

from __future__ import annotations

import pytest

from soteplan.web import PAGES


def _fresh(app):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    return TestClient(app)


@pytest.mark.parametrize("path", [p for p, _, _ in PAGES])
def test_pages_render_in_finnish_by_default_and_in_english(app, path):
    client = _fresh(app)
    fi = client.get(path)
    assert fi.status_code == 200 and '<html lang="fi">' in fi.text
    assert "Siirry sisältöön" in fi.text  # skip link for keyboard users
    en = client.get(path, params={"lang": "en"})
    assert '<html lang="en">' in en.text and "Skip to content" in en.text
    assert en.cookies.get("lang") == "en"


def test_language_cookie_is_remembered(app):
    c = _fresh(app)
    c.get("/?lang=en")
    assert '<html lang="en">' in c.get("/network").text
    c.get("/?lang=fi")
    assert '<html lang="fi">' in c.get("/network").text
    assert '<html lang="fi">' in c.get("/network?lang=sv").text  # unsupported → default


def test_vendored_assets_and_licences_are_served(client):
    for path in [
        "/static/vendor/maplibre/maplibre-gl.mjs",
        "/static/vendor/maplibre/maplibre-gl-worker.mjs",
        "/static/vendor/maplibre/LICENSE.txt",
        "/static/vendor/echarts/echarts.esm.min.mjs",
        "/static/vendor/echarts/LICENSE",
        "/static/js/common.js",
        "/static/css/app.css",
    ]:
        assert client.get(path).status_code == 200, path
    html = client.get("/").text
    assert "https://" not in html.split("<body")[0]  # nothing loaded from a CDN


def test_report_html_route(client):
    r = client.get("/report.html", params={"lang": "en"})
    assert r.status_code == 200 and "Data sources" in r.text


def test_report_of_a_stored_run_and_unknown_run(app, client, tmp_path, canonical_error):
    store_mod = pytest.importorskip("soteplan.store")
    scenario = pytest.importorskip("soteplan.scenario")
    from soteplan.region import load_region

    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    sc = scenario.Scenario(
        name="stored-close", base_year=2020, target_year=2025, network={"close": ["hs-172-joutsa"]}
    )
    res = scenario.run(sc, region=load_region("keski-suomi"))
    run_id = store_mod.Store(url).save(res.to_record())
    old = app.state.store_url
    app.state.store_url = url
    try:
        r = client.get("/report.html", params={"run": run_id, "lang": "fi"})
        assert r.status_code == 200
        assert "stored-close" in r.text and "Joutsan terveysasema" in r.text
        canonical_error(client.get("/report.html", params={"run": "no-such-run"}), 404)
    finally:
        app.state.store_url = old
