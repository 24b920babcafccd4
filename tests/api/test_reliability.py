"""Reliability and safety of the API: one store per app, safe errors, bounds, headers."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from soteplan.api import create_app

R = "/api/v1/regions/keski-suomi"


@pytest.fixture(scope="module")
def sapp(tmp_path_factory):
    d = tmp_path_factory.mktemp("rel")
    (d / "data").mkdir()
    (d / "data" / "rates.csv").write_text("x\n1\n", encoding="utf-8")
    return create_app(
        "keski-suomi", store_url=f"sqlite:///{d / 'runs.sqlite'}", data_dir=d / "data"
    )


@pytest.fixture(scope="module")
def sclient(sapp, make_client):
    return make_client(sapp)


# ---------------------------------------------------------------- one store
def test_requests_share_one_store_per_app(sapp, sclient):
    before = sapp.state.stores.opened
    for _ in range(20):
        assert sclient.get("/api/v1/scenarios").status_code == 200
    assert sapp.state.stores.opened == max(before, 1)


def _connections(admin, app_name: str) -> int:
    import sqlalchemy as sa

    with admin.connect() as conn:
        return int(
            conn.execute(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :a"),
                {"a": app_name},
            ).scalar_one()
        )


@pytest.mark.postgres
def test_postgres_hundreds_of_reads_leave_connections_bounded(pg_url, make_client):
    from soteplan.store._store import POOL_OVERFLOW, POOL_SIZE

    url, admin = pg_url
    name = f"soteplan_pool_{uuid.uuid4().hex[:8]}"
    app = create_app("keski-suomi", store_url=f"{url}&application_name={name}", web=False)
    peak = 0
    with make_client(app) as client:  # runs the lifespan: open at start, dispose at exit

        def read(_: int) -> int:
            return client.get("/api/v1/scenarios").status_code

        with ThreadPoolExecutor(20) as pool:
            for i in range(0, 400, 100):
                codes = list(pool.map(read, range(i, i + 100)))
                assert codes == [200] * 100
                peak = max(peak, _connections(admin, name))
        assert 1 <= peak <= POOL_SIZE + POOL_OVERFLOW
        assert _connections(admin, name) <= POOL_SIZE + POOL_OVERFLOW
    for _ in range(50):  # disposed at shutdown
        if _connections(admin, name) == 0:
            break
        time.sleep(0.1)
    assert _connections(admin, name) == 0


@pytest.mark.postgres
def test_postgres_store_errors_name_no_host_user_or_database(pg_url, make_client):
    app = create_app(
        "keski-suomi",
        store_url="postgresql+psycopg://secretuser:pw@127.0.0.1:1/secretdb",
        web=False,
    )
    r = make_client(app).get("/api/v1/scenarios")
    assert r.status_code == 500
    for word in ("secretuser", "secretdb", "127.0.0.1", "psycopg", "pw"):
        assert word not in r.text
    assert "store_error" in r.text


# ------------------------------------------------------------ safe messages
@pytest.mark.parametrize(
    ("path", "body"),
    [
        (f"{R}/access/what-if", b'{"close":["\\udc00"]}'),
        ("/api/v1/scenarios/compare", b'{"models":["\\ud800","x"]}'),
        (f"{R}/access/what-if", b'{"open":[{"id":"\\ud800","lon":25.7,"lat":62.2}]}'),
        ("/api/v1/scenarios/validate", b'{"scenario":{"name":"\\udfff"}}'),
    ],
)
def test_lone_surrogates_never_give_500(sclient, canonical_error, path, body):
    r = sclient.post(path, content=body, headers={"content-type": "application/json"})
    canonical_error(r, 422)


def test_not_found_names_no_store_path(sapp, sclient):
    r = sclient.get("/api/v1/scenarios/nothing-here")
    assert r.status_code == 404
    assert "runs.sqlite" not in r.text and "sqlite" not in r.text


@pytest.mark.parametrize("pattern", ["%25", "_", "%25%25%25%25", "____"])
def test_run_ids_are_not_like_patterns(sapp, sclient, pattern):
    from soteplan.store import RunRecord

    sapp.state.stores.get().save(
        RunRecord(name="r", spec={}, spec_yaml="", meta={}, summary={}, id=str(uuid.uuid4()))
    )
    assert sclient.get(f"/api/v1/scenarios/{pattern}").status_code == 404


# ------------------------------------------------------------------ bounds
@pytest.mark.parametrize(
    ("path", "body"),
    [
        (f"{R}/locate", {"p": True}),
        (f"{R}/access/what-if", {"thresholds": [1e309]}),
        (f"{R}/access/what-if", {"thresholds": [-1]}),
        # Helsinki: in Finland, outside Keski-Suomi
        (f"{R}/access/what-if", {"open": [{"id": "n", "lon": 24.94, "lat": 60.17}]}),
        ("/api/v1/scenarios/validate", {"scenario": {"name": "x", "region": "/etc"}}),
        ("/api/v1/scenarios/validate", {"scenario": {"name": "x", "target_year": 10**12}}),
        ("/api/v1/scenarios/validate", {"scenario": {"name": "x", "location": {"p": True}}}),
    ],
)
def test_out_of_bounds_input_is_refused(sclient, canonical_error, path, body):
    r = sclient.post(path, content=json.dumps(body), headers={"content-type": "application/json"})
    canonical_error(r, 422)


@pytest.mark.parametrize(
    "files",
    [
        {"demand": {"rates_csv": "/etc/passwd", "services_csv": "/etc/passwd"}},
        {"demand": {"rates_csv": "../../../etc/passwd", "services_csv": "rates.csv"}},
        {"access": {"osm_pbf": "/etc/passwd"}},
        {"demand": {"price_year": 2022, "price_index_csv": "/etc/passwd"}},
        {"pathways": {"run": [{"file": "/etc/passwd"}]}},
        {"pathways": {"run": [{"file": "../../../etc/passwd"}]}},
    ],
)
def test_files_outside_the_data_directory_are_refused(sclient, canonical_error, files):
    r = sclient.post("/api/v1/scenarios/validate", json={"scenario": {"name": "x", **files}})
    canonical_error(r, 422)
    assert "data directory" in r.text and "/etc" not in r.text and "root:" not in r.text


def test_without_a_data_directory_no_file_is_accepted(canonical_error, tmp_path, make_client):
    app = create_app("keski-suomi", store_url=f"sqlite:///{tmp_path / 's.sqlite'}", web=False)
    doc = {"name": "x", "demand": {"rates_csv": "rates.csv", "services_csv": "rates.csv"}}
    r = make_client(app).post("/api/v1/scenarios/validate", json={"scenario": doc})
    canonical_error(r, 422)
    assert "SOTEPLAN_DATA_DIR" in r.text


def test_a_file_inside_the_data_directory_is_accepted(sclient):
    doc = {"name": "x", "demand": {"rates_csv": "rates.csv", "services_csv": "rates.csv"}}
    r = sclient.post("/api/v1/scenarios/validate", json={"scenario": doc})
    assert r.status_code == 200, r.text
    assert r.json()["scenario"]["demand"]["rates_csv"] == "rates.csv"  # no server path


# ------------------------------------------------------------------- jobs
def _wait(client, job_id, timeout=120.0):
    t0 = time.time()
    while time.time() - t0 < timeout:
        st = client.get(f"/api/v1/jobs/{job_id}").json()
        if st["state"] in ("done", "failed"):
            return st
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def test_job_errors_have_a_stable_code_and_a_safe_message(sapp, sclient, monkeypatch):
    monkeypatch.setenv("SOTEPLAN_API_TOKEN", "tok")
    auth = {"Authorization": "Bearer tok"}
    r = sclient.post(
        "/api/v1/scenarios",
        json={"scenario": {"name": "big-p", "target_year": 2021, "location": {"p": 999}}},
        headers=auth,
    )
    assert r.status_code == 202, r.text
    st = _wait(sclient, r.json()["job"]["id"])
    assert st["state"] == "failed" and st["error_code"] == "infeasible"
    assert st["error_status"] == 409 and "candidates" in st["error"]

    def boom(*a, **k):
        raise RuntimeError("SELECT secret FROM soteplan_runs WHERE path='/srv/secret'")

    monkeypatch.setattr("soteplan.store.Store.save", boom)
    r = sclient.post(
        "/api/v1/scenarios", json={"scenario": {"name": "boom", "target_year": 2021}}, headers=auth
    )
    st = _wait(sclient, r.json()["job"]["id"])
    assert st["state"] == "failed" and st["error_code"] == "internal_error"
    assert "SELECT" not in st["error"] and "/srv" not in st["error"]
    res = sclient.get(f"/api/v1/jobs/{st['id']}/result")
    assert res.status_code == 500 and "SELECT" not in res.text


def test_accepted_jobs_are_recorded_before_the_202(sapp, sclient, monkeypatch):
    monkeypatch.setenv("SOTEPLAN_API_TOKEN", "tok")
    r = sclient.post(
        "/api/v1/scenarios",
        json={"scenario": {"name": "recorded", "target_year": 2021}},
        headers={"Authorization": "Bearer tok"},
    )
    assert r.status_code == 202
    job_id = r.json()["job"]["id"]
    row = sapp.state.stores.get().get_job(job_id)
    assert row is not None and row["payload"]["scenario"]["name"] == "recorded"
    assert _wait(sclient, job_id)["state"] == "done"
    assert sapp.state.stores.get().get_job(job_id)["state"] == "done"


# ---------------------------------------------------------- HTTP and schema
def test_security_headers_on_pages_and_api(sclient):
    for path in ("/", "/api/v1/health", "/api/v1/nothing-here"):
        h = sclient.get(path).headers
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert "script-src 'self'" in h["content-security-policy"]
        assert h["x-frame-options"] == "DENY"
        assert h["x-content-type-options"] == "nosniff"


def test_options_and_405_list_every_method_of_the_path(sclient):
    r = sclient.options("/api/v1/scenarios")
    assert r.status_code == 204 and r.headers["allow"] == "GET, OPTIONS, POST"
    r = sclient.delete("/api/v1/scenarios")
    assert r.status_code == 405 and r.headers["allow"] == "GET, OPTIONS, POST"


def test_openapi_documents_statuses_security_and_the_scenario_model(sclient):
    doc = sclient.get("/api/v1/openapi.json").json()
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    post = doc["paths"]["/api/v1/scenarios"]["post"]
    assert post["security"] == [{"bearerAuth": []}]
    assert {"202", "401", "422", "500", "503"} <= set(post["responses"])
    schemas = doc["components"]["schemas"]
    assert schemas["ScenarioRequest"]["properties"]["scenario"] == {
        "$ref": "#/components/schemas/Scenario"
    }
    for path, ops in doc["paths"].items():
        for op in ops.values():
            assert {"404", "422", "500"} <= set(op["responses"]), path


def test_a_failing_resume_does_not_break_the_store(tmp_path):
    from soteplan.api._appstore import AppStore

    def boom(store):
        raise RuntimeError("resume failed")

    stores = AppStore(lambda: f"sqlite:///{tmp_path / 's.sqlite'}", on_open=boom)
    try:
        assert stores.get().list_runs().empty
        assert stores.get() is stores.get()
    finally:
        stores.close()


@pytest.mark.parametrize("value", ["inf", "1e300", "Infinity"])
def test_coverage_thresholds_are_finite_minutes(sclient, canonical_error, value):
    canonical_error(sclient.get(f"{R}/access/coverage", params={"thresholds": value}), 422)
