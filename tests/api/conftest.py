"""The API app on the embedded region, driven by FastAPI's TestClient."""

from __future__ import annotations

import warnings

import pytest


@pytest.fixture(scope="session")
def app():
    from soteplan.api import create_app

    app = create_app("keski-suomi", max_body_bytes=64 * 1024)
    # one app serves the whole session: the compute routes' per-client limit is tested on an
    # app of its own (test_compute_limit.py), not left to trip the other tests
    app.state.rate_limiters = {"compute": None}
    return app


@pytest.fixture(scope="session")
def client(app):
    with warnings.catch_warnings():
        # starlette.testclient warns about httpx on import; not our concern here
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    return TestClient(app)


@pytest.fixture
def canonical_error():
    """Check that a response is the one error envelope (after datasette's test)."""
    return _assert_canonical_error


def _assert_canonical_error(response, expected_status):
    assert response.status_code == expected_status, response.text
    data = response.json()
    assert data["ok"] is False
    assert data["status"] == expected_status
    assert isinstance(data["errors"], list) and data["errors"]
    assert data["error"] == "; ".join(data["errors"])
    assert set(data) == {"ok", "status", "error", "errors"}


@pytest.fixture
def pg_url(pg_url):
    """The shared fresh PostgreSQL schema (tests/conftest.py), with an admin engine beside it."""
    import os

    import sqlalchemy as sa

    admin = sa.create_engine(os.environ["SOTEPLAN_TEST_DATABASE_URL"])
    yield pg_url, admin
    admin.dispose()


def _make_client(app):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    return TestClient(app)


@pytest.fixture(scope="session")
def make_client():
    """``make_client(app)``: a TestClient (warnings of its import silenced)."""
    return _make_client
