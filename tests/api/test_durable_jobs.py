"""A crash after a 202 loses no job: kill the server, start it again, find the jobs done."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from soteplan.store import Store

_SERVER = """
import sys, uvicorn
from soteplan.api import create_app
app = create_app("keski-suomi", store_url=sys.argv[1], web=False)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SOTEPLAN_API_TOKEN": "tok"}
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER, url, str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    t0 = time.time()
    while time.time() - t0 < 120:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "server died")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("the server did not start")


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stderr is not None:
        proc.stderr.close()


def _crash_after_202(url: str) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    auth = {"Authorization": "Bearer tok"}
    proc = _start(url, port)
    try:
        ids = []
        for name in ("crash-a", "crash-b"):
            doc = {"scenario": {"name": name, "base_year": 2020, "target_year": 2040}}
            r = httpx.post(f"{base}/scenarios", json=doc, headers=auth, timeout=30)
            assert r.status_code == 202, r.text
            ids.append(r.json()["job"]["id"])
    finally:
        _stop(proc, signal.SIGKILL)  # no shutdown of any kind
    assert proc.returncode == -signal.SIGKILL
    with Store(url) as store:
        states = [store.get_job(i)["state"] for i in ids]  # type: ignore[index]
        assert set(states) <= {"queued", "running"}, states  # accepted, unfinished
    proc = _start(url, port)
    try:
        t0 = time.time()
        done: dict[str, dict] = {}
        while len(done) < len(ids) and time.time() - t0 < 300:
            for i in ids:
                st = httpx.get(f"{base}/jobs/{i}", timeout=30).json()
                assert st.get("state") in ("queued", "running", "done"), st
                if st["state"] == "done":
                    done[i] = st
            time.sleep(0.5)
        assert len(done) == len(ids), "the resumed jobs did not finish"
        runs = []
        for i in ids:
            res = httpx.get(f"{base}/jobs/{i}/result", timeout=30).json()["result"]
            runs.append(res["id"])
        listed = {r["id"]: r["name"] for r in httpx.get(f"{base}/scenarios", timeout=30).json()}
        assert [listed[r] for r in runs] == ["crash-a", "crash-b"]
    finally:
        _stop(proc)


def test_sqlite_kill_the_server_after_202_loses_no_job(tmp_path):
    _crash_after_202(f"sqlite:///{tmp_path / 'jobs.sqlite'}")


@pytest.mark.postgres
def test_postgres_kill_the_server_after_202_loses_no_job(pg_url):
    _crash_after_202(pg_url[0])
