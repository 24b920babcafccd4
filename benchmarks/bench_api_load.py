"""Bounded loopback load on the REST API: store reads at 50 clients, what-ifs at 20.

``python -m benchmarks.bench_api_load [--quick] [--store URL]``

Starts ``uvicorn`` with the app on 127.0.0.1 (a free port; a temporary SQLite
store unless ``--store`` names one), sends a fixed number of requests from
client threads, prints a table, then stops the server.  Nothing leaves the
machine; the run ends by itself (a hard time limit per phase).

Phases:

- ``GET /api/v1/scenarios`` (store read) and ``GET /api/v1/regions/{r}`` (cached
  read) from 50 clients;
- ``POST /api/v1/regions/{r}/access/what-if`` from 20 clients, every request a
  different closure set (a cache miss: the travel-time computation runs).

With a PostgreSQL ``--store`` the table also gives the peak number of the
server's connections (``pg_stat_activity``), which the store's pool bounds.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

_SERVER = """
import sys, uvicorn
from soteplan.api import create_app
app = create_app("keski-suomi", store_url=sys.argv[1], web=False)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""

PHASE_LIMIT_S = 600.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "SOTEPLAN_API_TOKEN"}
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER, url, str(port)], env=env, stderr=subprocess.PIPE
    )
    t0 = time.time()
    while time.time() - t0 < 120:
        if proc.poll() is not None:
            raise SystemExit("server died: " + (proc.stderr.read().decode() if proc.stderr else ""))
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def _load(
    clients: int, n: int, request: object, limit_s: float = PHASE_LIMIT_S
) -> tuple[np.ndarray, list[int], float]:
    """``n`` requests from ``clients`` threads; latencies (s), statuses, wall time (s)."""
    lat = np.full(n, np.nan)
    status = [0] * n
    nxt = iter(range(n))
    lock = threading.Lock()
    deadline = time.perf_counter() + limit_s

    def worker() -> None:
        with httpx.Client(timeout=120) as c:
            while time.perf_counter() < deadline:
                with lock:
                    i = next(nxt, None)
                if i is None:
                    return
                t0 = time.perf_counter()
                try:
                    status[i] = request(c, i)  # type: ignore[operator]
                except httpx.HTTPError:
                    status[i] = -1
                lat[i] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for f in [pool.submit(worker) for _ in range(clients)]:
            f.result()
    return lat, status, time.perf_counter() - t0


def _row(name: str, clients: int, lat: np.ndarray, status: list[int], wall: float) -> str:
    done = lat[~np.isnan(lat)]
    bad = sum(1 for s in status if s >= 500 or s < 0)
    p50, p99 = (np.percentile(done, [50, 99]) * 1000) if len(done) else (np.nan, np.nan)
    return (
        f"| {name} | {clients} | {len(done)} | {len(done) / wall:,.1f} | {p50:,.0f} | "
        f"{p99:,.0f} | {bad} |"
    )


def _pg_connections(url: str, app_name: str) -> int:
    import sqlalchemy as sa

    eng = sa.create_engine(url.split("?")[0])
    try:
        with eng.connect() as conn:
            return int(
                conn.execute(
                    sa.text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :a"),
                    {"a": app_name},
                ).scalar_one()
            )
    finally:
        eng.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer requests (about a minute)")
    ap.add_argument("--store", default=None, help="store URL (default: a temporary SQLite)")
    args = ap.parse_args(argv)
    n_reads, n_whatif = (500, 40) if args.quick else (2000, 100)
    tmp = Path(tempfile.mkdtemp(prefix="soteplan-load-"))
    app_name = f"soteplan_load_{uuid.uuid4().hex[:8]}"
    if args.store:
        sep = "&" if "?" in args.store else "?"
        url = f"{args.store}{sep}application_name={app_name}"
    else:
        url = f"sqlite:///{tmp / 'load.sqlite'}"
    port = _free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    region = f"{base}/regions/keski-suomi"
    proc = _start(url, port)
    try:
        with httpx.Client(timeout=300) as c:  # warm up: region, graph, store
            c.get(f"{base}/scenarios").raise_for_status()
            c.get(region).raise_for_status()
            pts = c.get(f"{region}/service-points", params={"type": "health_station"}).json()
            ids = sorted(str(f["id"]) for f in pts["features"])
            c.post(f"{region}/access/what-if", json={"close": [ids[0]]}).raise_for_status()
        rng = np.random.default_rng(16)
        closures = [
            sorted(rng.choice(ids, size=3, replace=False).tolist()) for _ in range(n_whatif)
        ]
        rows = ["| phase | clients | requests | requests/s | p50 ms | p99 ms | 5xx/errors |"]
        rows.append("|---|---:|---:|---:|---:|---:|---:|")
        peak = 0
        stop = threading.Event()

        def watch() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, _pg_connections(url, app_name))
                time.sleep(0.5)

        watcher = threading.Thread(target=watch, daemon=True) if args.store else None
        if watcher is not None:
            watcher.start()
        for name, path in (
            ("GET /scenarios (store)", "/scenarios"),
            ("GET /regions/{r} (cached)", ""),
        ):
            target = f"{base}{path}" if path else region
            lat, st, wall = _load(50, n_reads, lambda c, i, t=target: c.get(t).status_code)
            rows.append(_row(name, 50, lat, st, wall))
            print(rows[-1], flush=True)
        lat, st, wall = _load(
            20,
            n_whatif,
            lambda c, i: (
                c.post(f"{region}/access/what-if", json={"close": closures[i]}).status_code
            ),
        )
        rows.append(_row("POST what-if (uncached)", 20, lat, st, wall))
        stop.set()
        if watcher is not None:
            watcher.join(5)
        print("\n".join(rows))
        if args.store:
            print(f"peak PostgreSQL connections of the server: {peak}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if args.store:
            time.sleep(1)
            print(f"after shutdown: {_pg_connections(url, app_name)} connections")
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
