"""Shared fixtures: the embedded region and small region directories built in code."""

from __future__ import annotations

import os
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_RAW = Path(os.environ.get("SOTEPLAN_SHARED_RAW", REPO.parent / "shared" / "data" / "raw"))


@pytest.fixture(scope="session")
def ks():
    """The embedded Keski-Suomi region (loaded once per test session)."""
    from soteplan.region import load_region

    return load_region("keski-suomi")


@pytest.fixture(scope="session")
def shared_raw() -> Path:
    """The raw open-data folder beside the repository (skips when absent)."""
    if not SHARED_RAW.is_dir():
        pytest.skip(f"raw data folder {SHARED_RAW} is not present (set SOTEPLAN_SHARED_RAW)")
    return SHARED_RAW


# ----------------------------------------------------------- live server + chromium
#: Debian's chromium (the browser tests never download one).
CHROMIUM = "/usr/bin/chromium"
_CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--enable-unsafe-swiftshader",
    "--use-angle=swiftshader",
]


@contextmanager
def _serve(app):
    """Run ``app`` with uvicorn on a free loopback port in a thread; yield its base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        th.join(timeout=10)


@pytest.fixture(scope="session")
def live_server():
    """``with live_server(app) as url:`` serves an app on 127.0.0.1 for browser tests."""
    return _serve


@pytest.fixture(scope="session")
def launch_chromium():
    """``launch_chromium(playwright)``: Debian's headless chromium with the suite's flags."""

    def launch(pw):
        return pw.chromium.launch(executable_path=CHROMIUM, args=_CHROMIUM_ARGS)

    return launch


@pytest.fixture
def pg_url():
    """A fresh schema in the test PostgreSQL database, dropped afterwards.

    Skipped, with the reason, where ``SOTEPLAN_TEST_DATABASE_URL`` is unset (``.ci/run`` sets it).
    """
    url = os.environ.get("SOTEPLAN_TEST_DATABASE_URL")
    if not url:
        pytest.skip(
            "SOTEPLAN_TEST_DATABASE_URL is not set (e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    import uuid

    import sqlalchemy as sa

    schema = f"soteplan_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    yield f"{url}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
