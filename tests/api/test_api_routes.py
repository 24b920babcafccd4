"""Every API route: success on the embedded region, error envelope, auth, limits, cache."""

from __future__ import annotations

import time

import pytest

R = "/api/v1/regions/keski-suomi"


def test_openapi_documents_every_route(client):
    spec = client.get("/api/v1/openapi.json").json()
    paths = set(spec["paths"])
    for p in [
        "/api/v1/regions/{region}/municipalities",
        "/api/v1/regions/{region}/access/what-if",
        "/api/v1/regions/{region}/locate",
        "/api/v1/scenarios",
        "/api/v1/jobs/{job_id}/events",
    ]:
        assert p in paths
    assert "Strict" not in str(spec["components"]["schemas"].get("WhatIfRequest", {}))
    assert spec["components"]["schemas"]["WhatIfRequest"]["additionalProperties"] is False


def test_summary_matches_region(client, ks):
    d = client.get(R).json()
    year = ks.total_years[-1]
    assert d["year"] == year
    assert d["population"] == int(ks.population_total(year).sum())
    assert d["municipalities"] == len(ks.municipality_codes())
    sp = ks.service_points_in(None)
    assert d["service_points"]["health_station"] == int((sp["type"] == "health_station").sum())


def test_municipalities_geojson_in_wgs84(client, ks):
    fc = client.get(f"{R}/municipalities").json()
    assert fc["type"] == "FeatureCollection"
    codes = {f["properties"]["code"] for f in fc["features"]}
    assert codes == set(ks.municipality_codes())
    lon, lat = fc["features"][0]["geometry"]["coordinates"][0][0][:2]
    assert 20 < lon < 32 and 60 < lat < 65  # degrees, Keski-Suomi
    jkl = next(f for f in fc["features"] if f["properties"]["code"] == "179")
    assert jkl["properties"]["population"] == int(ks.population_total(ks.total_years[-1])["179"])


def test_service_points_filter_and_unknown_type(client, canonical_error):
    fc = client.get(f"{R}/service-points", params={"type": "hospital"}).json()
    assert fc["features"] and all(f["properties"]["type"] == "hospital" for f in fc["features"])
    canonical_error(client.get(f"{R}/service-points", params={"type": "spa"}), 404)


def test_unknown_region_is_404(client, canonical_error):
    canonical_error(client.get("/api/v1/regions/lappi"), 404)


def test_regions_and_provenance(client):
    assert client.get("/api/v1/regions").json()[0]["id"] == "keski-suomi"
    prov = client.get(f"{R}/provenance").json()
    assert any(p["table"].startswith("population_totals") for p in prov)
    assert all(p["publisher"] and p["licence"] for p in prov)


def test_pyramid_sums_to_population(client, ks):
    d = client.get(f"{R}/demography/pyramid", params={"year": 2020}).json()
    total = sum(d["male"]) + sum(d["female"])
    assert total == int(ks.population_by_age(2020)["population"].sum())
    one = client.get(f"{R}/demography/pyramid", params={"year": 2020, "municipality": "179"}).json()
    assert 0 < sum(one["male"]) + sum(one["female"]) < total


def test_pyramid_errors(client, canonical_error):
    canonical_error(client.get(f"{R}/demography/pyramid", params={"year": 1999}), 404)
    canonical_error(client.get(f"{R}/demography/pyramid"), 422)
    canonical_error(
        client.get(f"{R}/demography/pyramid", params={"year": 2020, "municipality": "x"}), 422
    )


def test_dependency_ratio_years_and_honest_gaps(client):
    d = client.get(
        f"{R}/demography/dependency-ratio",
        params=[("years", 2009), ("years", 2020), ("years", 2040)],
    ).json()
    assert 2020 in d["years"] and 2040 in d["years"]
    assert d["source"]["2040"].startswith("projection")
    for y in d["missing_years"]:
        assert y not in d["years"]
    vals = [r["dependency_ratio"] for r in d["by_municipality"] if r["year"] == 2020]
    assert all(30 < v < 150 for v in vals)


def test_working_age_index_and_projection(client):
    w = client.get(f"{R}/demography/working-age-index").json()
    first = w["observed"][0]
    assert first["year"] == w["base_year"] and first["index"] == pytest.approx(100.0)
    p = client.get(f"{R}/demography/projection").json()
    assert len(p["years"]) == len(p["population"]) > 5
    canonical_error_status = client.get(f"{R}/demography/projection", params={"name": "nope"})
    assert canonical_error_status.status_code == 404


def test_access_coverage_and_cache(client):
    params = {"service": "health_station", "thresholds": [15, 30]}
    a = client.get(f"{R}/access/coverage", params=params)
    b = client.get(f"{R}/access/coverage", params=params)
    assert a.headers["x-cache"] == "miss" and b.headers["x-cache"] == "hit"
    assert a.json() == b.json()
    reg = next(r for r in a.json()["coverage"] if r["level"] == "region" and r["band"] == "all")
    assert 0 < reg["share_15"] <= reg["share_30"] <= 1
    assert "approximation" in a.json()["meta"]
    assert "health_station" in client.get(f"{R}/access/services").json()


def test_access_coverage_unknown_service(client, canonical_error):
    canonical_error(client.get(f"{R}/access/coverage", params={"service": "spa"}), 422)


def test_what_if_closing_a_station_lowers_coverage(client):
    body = {"service": "health_station", "close": ["hs-077-hankasalmi"]}
    d = client.post(f"{R}/access/what-if", json=body).json()
    hk = next(
        r
        for r in d["delta"]
        if r["area"] == "077" and r["band"] == "all" and r["measure"] == "coverage.share_15"
    )
    assert hk["after"] < hk["before"]
    assert d["meta"]["losers_population"] > 0
    assert all(r["change_min"] > 0 for r in d["losers"])


def test_what_if_open_a_new_point(client):
    body = {"close": [], "open": [{"id": "new-1", "lon": 25.0, "lat": 62.8, "name": "Uusi"}]}
    d = client.post(f"{R}/access/what-if", json=body).json()
    assert d["meta"]["opened"] == ["new-1"]


def test_what_if_errors(client, canonical_error):
    canonical_error(client.post(f"{R}/access/what-if", json={"close": ["nope"]}), 404)
    canonical_error(client.post(f"{R}/access/what-if", json={"close": [], "colse": []}), 422)
    r = client.post(f"{R}/access/what-if", json={"open": [{"id": "x", "lon": 0, "lat": 0}]})
    canonical_error(r, 422)
    assert len(r.json()["errors"]) == 2  # both coordinates reported at once
    canonical_error(
        client.post(
            f"{R}/access/what-if",
            content=b"{not json",
            headers={"content-type": "application/json"},
        ),
        422,
    )


def test_method_not_allowed_and_unknown_route(client, canonical_error):
    canonical_error(client.get(f"{R}/access/what-if"), 405)
    canonical_error(client.delete(R), 405)
    canonical_error(client.get("/api/v1/nothing-here"), 404)


def test_body_too_large_is_413(client, canonical_error):
    big = {"close": ["x" * 70] * 1000}
    canonical_error(client.post(f"{R}/access/what-if", json=big), 413)


def test_locate(client, canonical_error):
    r = client.post(f"{R}/locate", json={"service": "health_station", "model": "p-median", "p": 5})
    d = r.json()
    assert r.status_code == 200 and len(d["sites"]) == 5 and d["objective"] > 0
    canonical_error(client.post(f"{R}/locate", json={"p": 0}), 422)
    canonical_error(client.post(f"{R}/locate", json={"model": "magic"}), 422)


def test_organisation_models_and_compare(client, canonical_error):
    models = client.get(f"{R}/organisation-models").json()
    assert len(models) >= 2 and all(m["areas"] for m in models)
    a, b = models[0]["id"], models[-1]["id"]
    r = client.post(f"{R}/organise/compare", json={"models": [a, b]})
    assert r.status_code == 200, r.text
    canonical_error(client.post(f"{R}/organise/compare", json={"models": [a, "nope"]}), 404)
    canonical_error(client.post(f"{R}/organise/compare", json={"models": [a]}), 422)


def test_write_endpoints_need_a_configured_token(client, canonical_error, monkeypatch):
    monkeypatch.delenv("SOTEPLAN_API_TOKEN", raising=False)
    monkeypatch.delenv("SOTEPLAN_API_TOKEN_FILE", raising=False)
    r = client.post("/api/v1/scenarios", json={"scenario": {}})
    canonical_error(r, 503)
    assert "SOTEPLAN_API_TOKEN" in r.json()["error"]


def test_write_endpoints_reject_missing_or_wrong_token(
    client, canonical_error, monkeypatch, tmp_path
):
    f = tmp_path / "token"
    f.write_text("s3cret\n")
    monkeypatch.delenv("SOTEPLAN_API_TOKEN", raising=False)
    monkeypatch.setenv("SOTEPLAN_API_TOKEN_FILE", str(f))
    r = client.post("/api/v1/scenarios", json={"scenario": {}})
    canonical_error(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer")
    canonical_error(
        client.post(
            "/api/v1/scenarios", json={"scenario": {}}, headers={"Authorization": "Bearer wrong"}
        ),
        401,
    )
    canonical_error(
        client.post(
            "/api/v1/scenarios", json={"scenario": {}}, headers={"Authorization": "Token s3cret"}
        ),
        401,
    )


def test_jobs_unknown_is_404(client, canonical_error):
    canonical_error(client.get("/api/v1/jobs/nope"), 404)
    canonical_error(client.get("/api/v1/jobs/nope/result"), 404)
    canonical_error(client.get("/api/v1/jobs/nope/events"), 404)


def test_job_progress_and_result(app, client):
    from soteplan.api._errors import status_of
    from soteplan.errors import InfeasibleError

    def work(progress):
        for i in range(3):
            progress(i + 1, 3)
        return {"answer": 42}

    job = app.state.jobs.submit("test", work, status_of)
    for _ in range(100):
        if client.get(f"/api/v1/jobs/{job.id}").json()["state"] == "done":
            break
        time.sleep(0.05)
    st = client.get(f"/api/v1/jobs/{job.id}").json()
    assert st["done"] == st["total"] == 3 and st["fraction"] == 1.0
    assert client.get(f"/api/v1/jobs/{job.id}/result").json()["result"] == {"answer": 42}
    events = client.get(f"/api/v1/jobs/{job.id}/events").text
    assert "event: end" in events and '"state": "done"' in events

    def fails(progress):
        raise InfeasibleError("p exceeds the candidates")

    bad = app.state.jobs.submit("test", fails, status_of)
    for _ in range(100):
        if client.get(f"/api/v1/jobs/{bad.id}").json()["state"] == "failed":
            break
        time.sleep(0.05)
    r = client.get(f"/api/v1/jobs/{bad.id}/result")
    assert r.status_code == 409 and "candidates" in r.json()["error"]


def test_health(client):
    from soteplan import __version__

    d = client.get("/api/v1/health").json()
    assert d == {"ok": True, "version": __version__}


def test_scenario_validate_run_list_get(client, canonical_error, monkeypatch, tmp_path, app):
    monkeypatch.setenv("SOTEPLAN_API_TOKEN", "tok")
    app.state.store_url = f"sqlite:///{tmp_path / 'runs.db'}"
    doc = {"name": "api-test", "base_year": 2020, "target_year": 2030}
    ok = client.post("/api/v1/scenarios/validate", json={"scenario": doc})
    assert ok.status_code == 200, ok.text  # the scenario engine is part of the package
    assert ok.json()["ok"] is True
    bad = client.post("/api/v1/scenarios/validate", json={"scenario": {**doc, "nonsense": 1}})
    canonical_error(bad, 422)
    r = client.post(
        "/api/v1/scenarios", json={"scenario": doc}, headers={"Authorization": "Bearer tok"}
    )
    assert r.status_code == 202, r.text
    job = r.json()["job"]["id"]
    for _ in range(600):
        st = client.get(f"/api/v1/jobs/{job}").json()
        if st["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert st["state"] == "done", st
    res = client.get(f"/api/v1/jobs/{job}/result").json()["result"]
    runs = client.get("/api/v1/scenarios").json()
    assert any(x["id"] == res["id"] for x in runs)
    one = client.get(f"/api/v1/scenarios/{res['id']}").json()
    assert one["name"] == "api-test" and one["tables"]
    canonical_error(client.get("/api/v1/scenarios/no-such-run"), 404)
    # a second run and the comparison of the two (B - A)
    r2 = client.post(
        "/api/v1/scenarios",
        json={"scenario": {**doc, "name": "api-test-2"}},
        headers={"Authorization": "Bearer tok"},
    )
    job2 = r2.json()["job"]["id"]
    for _ in range(600):
        if client.get(f"/api/v1/jobs/{job2}").json()["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
    id2 = client.get(f"/api/v1/jobs/{job2}/result").json()["result"]["id"]
    cmp = client.post("/api/v1/scenarios/compare", json={"models": [res["id"], id2]})
    assert cmp.status_code == 200, cmp.text
    c = cmp.json()
    assert c["a"] == "api-test" and c["b"] == "api-test-2"
    # the same scenario twice: every cost difference is zero
    assert c["cost"] and all(row["cost_eur_diff"] == pytest.approx(0.0) for row in c["cost"])
    canonical_error(
        client.post("/api/v1/scenarios/compare", json={"models": [res["id"], "nope"]}), 404
    )


def test_dependency_ratio_2009_is_the_published_value_labelled_as_such(client, ks):
    d = client.get(f"{R}/demography/dependency-ratio", params=[("years", 2009)]).json()
    assert 2009 not in ks.age_sex_years  # so 2009 must come from the published series
    assert d["source"]["2009"].startswith("published")
    pi = ks.table("published_indicators")
    want = pi[
        (pi["indicator"] == "dependency_ratio_sotkanet")
        & (pi["year"] == 2009)
        & (pi["municipality"] == "179")
    ]["value"].iloc[0]
    got = next(r for r in d["by_municipality"] if r["municipality"] == "179")
    assert got["dependency_ratio"] == pytest.approx(float(want))


def test_what_if_cache_ignores_the_order_of_closures(client):
    a = client.post(f"{R}/access/what-if", json={"close": ["hs-077-hankasalmi", "hs-172-joutsa"]})
    b = client.post(f"{R}/access/what-if", json={"close": ["hs-172-joutsa", "hs-077-hankasalmi"]})
    assert b.headers["x-cache"] == "hit" and a.json() == b.json()


def test_cli_serve_get_prints_one_response():
    from typer.testing import CliRunner

    from soteplan.cli import app

    res = CliRunner().invoke(app, ["serve", "--get", "/api/v1/regions/keski-suomi/access/services"])
    assert res.exit_code == 0, res.output
    assert "health_station" in res.output
    bad = CliRunner().invoke(app, ["serve", "--get", "/api/v1/nothing"])
    assert bad.exit_code == 1 and '"ok":false' in bad.output.replace(" ", "")


def test_indicators_by_municipality_and_by_area(client, ks, canonical_error):
    d = client.get(f"{R}/demography/indicators", params={"year": 2020}).json()
    rows = {r["group"]: r for r in d["rows"]}
    assert d["source"] == "observed"
    one = rows["179"]
    assert one["0-14"] + one["15-64"] + one["65+"] == one["population"]
    assert one["dependency_ratio"] == pytest.approx(100 * (one["0-14"] + one["65+"]) / one["15-64"])
    total = rows[ks.name_fi]["population"]
    assert total == int(ks.population_by_age(2020)["population"].sum())
    by_area = client.get(
        f"{R}/demography/indicators", params={"year": 2040, "grouping": "cooperation-2010"}
    ).json()
    assert by_area["source"].startswith("projection")
    canonical_error(
        client.get(f"{R}/demography/indicators", params={"year": 2020, "grouping": "nope"}), 404
    )


def test_nearest_times_per_postcode_area(client):
    d = client.get(f"{R}/access/nearest", params={"service": "hospital"}).json()
    assert len(d["rows"]) > 100
    assert all(r["nearest_min"] >= 0 for r in d["rows"])
    hospitals = client.get(f"{R}/service-points", params={"type": "hospital"}).json()
    ids = {f["properties"]["id"] for f in hospitals["features"]}
    assert {r["nearest_id"] for r in d["rows"]} <= ids
