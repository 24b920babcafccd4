"""The API app on the embedded region, driven by FastAPI's TestClient."""

from __future__ import annotations

import warnings

import pytest


@pytest.fixture(scope="session")
def app():
    from soteplan.api import create_app

    return create_app("keski-suomi", max_body_bytes=64 * 1024)


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
