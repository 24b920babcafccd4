"""Load benchmark of the public guidance route ``GET /api/v1/guidance`` on loopback.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_guidance --quick     # about 30 s
    .venv/bin/python -m benchmarks.bench_guidance             # about 70 s

The app (uvicorn, one process) is started on ``127.0.0.1`` on a free port in a
subprocess and stopped at the end; nothing listens on another interface.  The
client is a small asyncio HTTP/1.1 keep-alive client in this process with 50
connections (50 concurrent clients) asking a seeded mix of needs at Keski-Suomi
postcodes, municipalities and points.  Two bounded phases:

1. *paced*: the 50 clients together offer ``--rate`` requests/s (default 250;
   each client waits for its answer before its next request) for ``--seconds``;
   the target is ≥ 200 answered requests/s with p99 ≤ 100 ms;
2. *saturated*: the 50 clients send as fast as answers come back, for at most
   ``--max-requests`` requests or ``--seconds``, whichever comes first: the
   largest throughput and its latency (closed loop: mean latency ≈ 50 / rate).

The seeded list holds 40 000 queries (80 % postcodes, 10 % municipalities, 10 % random
points, so about 4 000 distinct points that each need a road search the first time); the
server makes the default answer of every need at every postcode and municipality when it
starts and keeps serialised answers in an LRU of 16 384, so postcode questions are
cheap and new points are not.  Every answer must be HTTP 200 with a JSON body; any other
answer is counted and fails the run.  The per-client rate limit is switched off in the server
(``SOTEPLAN_RATE_LIMIT_GUIDANCE=off``) because all 50 clients share 127.0.0.1;
it is measured separately by the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np

REPO = Path(__file__).resolve().parents[1]
NEEDS = ["doctor", "home-help", "substance-mental", "family-support", "disability", "emergency"]

SERVER = """
import uvicorn
from soteplan.api import create_app
uvicorn.run(create_app("keski-suomi", web=False), host="127.0.0.1", port={port},
            log_level="warning", access_log=False)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def queries(n: int, seed: int = 12, points: float = 0.1) -> list[str]:
    """A seeded mix of guidance queries: postcodes, 10 % municipalities, ``points`` points."""
    from soteplan.region import load_region

    reg = load_region("keski-suomi")
    pa = reg.table("postal_areas")
    pcs = sorted(pa[pa["municipality"].isin(reg.municipality_codes())]["postcode"].astype(str))
    munis = reg.municipality_codes()
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        need = NEEDS[int(rng.integers(len(NEEDS)))]
        u = rng.random()
        if u < 0.9 - points:
            q = {"need": need, "postcode": pcs[int(rng.integers(len(pcs)))]}
        elif u < 1.0 - points:
            q = {"need": need, "municipality": munis[int(rng.integers(len(munis)))]}
        else:
            lat, lon = rng.uniform(61.9, 62.9), rng.uniform(24.6, 26.4)
            q = {"need": need, "point": f"{lat:.4f},{lon:.4f}"}
        out.append("/api/v1/guidance?" + urlencode(q))
    return out


async def _request(reader: Any, writer: Any, path: str) -> tuple[int, bytes]:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        if line.lower().startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    body = await reader.readexactly(length)
    return status, body


async def _run(
    port: int, paths: list[str], clients: int, seconds: float, rate: float | None, limit: int
) -> dict[str, Any]:
    lat: list[float] = []
    bad: list[int] = []
    sent = 0
    t_end = time.perf_counter() + seconds
    interval = clients / rate if rate else 0.0

    async def client(k: int) -> None:
        nonlocal sent
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        next_at = time.perf_counter() + (k / clients) * interval
        try:
            while True:
                now = time.perf_counter()
                if now >= t_end or sent >= limit:
                    return
                if interval and now < next_at:
                    await asyncio.sleep(next_at - now)
                    if time.perf_counter() >= t_end:
                        return
                path = paths[sent % len(paths)]
                sent += 1
                t0 = time.perf_counter()
                status, body = await _request(reader, writer, path)
                lat.append(time.perf_counter() - t0)
                if status != 200 or not body.startswith(b"{"):
                    bad.append(status)
                next_at += interval
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    wall = time.perf_counter() - t0
    ms = np.array(lat) * 1000.0
    return {
        "requests": len(lat),
        "seconds": round(wall, 2),
        "rate_per_s": round(len(lat) / wall, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 1) if len(ms) else None,
        "p99_ms": round(float(np.percentile(ms, 99)), 1) if len(ms) else None,
        "max_ms": round(float(ms.max()), 1) if len(ms) else None,
        "errors": len(bad),
    }


def _wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    import urllib.request

    t_end = time.time() + timeout
    url = f"http://127.0.0.1:{port}/api/v1/guidance?need=doctor&postcode=40100"
    while time.time() < t_end:
        if proc.poll() is not None:
            raise RuntimeError("the server exited before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the server did not answer in time")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 s phases instead of 30 s")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--rate", type=float, default=250.0, help="paced phase: requests/s offered")
    ap.add_argument("--seconds", type=float, default=None, help="length of each phase")
    ap.add_argument("--points", type=float, default=0.1, help="share of point queries")
    ap.add_argument("--max-requests", type=int, default=20_000, help="cap of each phase")
    args = ap.parse_args(argv)
    seconds = args.seconds or (10.0 if args.quick else 30.0)
    if not (1 <= args.clients <= 500 and 0 < seconds <= 300 and 0 < args.max_requests <= 200_000):
        ap.error("clients 1..500, seconds 0..300, max-requests 1..200000")
    paths = queries(40_000, points=args.points)
    port = _free_port()
    env = {**os.environ, "SOTEPLAN_RATE_LIMIT_GUIDANCE": "off"}
    proc = subprocess.Popen([sys.executable, "-c", SERVER.format(port=port)], cwd=REPO, env=env)
    try:
        t0 = time.perf_counter()
        _wait_ready(port, proc)
        start_s = time.perf_counter() - t0
        # no warm-up beyond the first answer: the phases include the first-time answers
        # (postcode and municipality answers are computed once, every new point needs a
        # road search), each phase starting at a different place in the seeded query list
        paced = asyncio.run(_run(port, paths, args.clients, seconds, args.rate, args.max_requests))
        rest = paths[len(paths) // 2 :]
        saturated = asyncio.run(_run(port, rest, args.clients, seconds, None, args.max_requests))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    target_ok = (
        paced["rate_per_s"] >= 200 and (paced["p99_ms"] or 1e9) <= 100 and paced["errors"] == 0
    )
    report = {
        "clients": args.clients,
        "point_share": args.points,
        "server_start_and_first_answer_s": round(start_s, 1),
        "paced": {"offered_per_s": args.rate, **paced},
        "saturated": saturated,
        "target": ">= 200 req/s with p99 <= 100 ms at 50 concurrent clients (paced phase)",
        "target_met": target_ok,
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(report, indent=2))
    bad = paced["errors"] + saturated["errors"]
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
