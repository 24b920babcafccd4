"""Benchmark: soteplan.choice Huff shares + list sizes, 100 000 origins × 1 000 stations.

Synthetic instance (seeded): origins and stations at random points in a 300 km square,
travel time = straight-line km × 1.3 / 60 km/h + 2 min (float32), 5 % of pairs unreachable,
three age bands of population, opening days 3–7 and a private flag as attributes.  The
target of issue #10 is shares + list sizes in ≤ 1 s.

Rows:

- ``list_sizes`` (streamed): every share is computed block by block and folded into the
  list sizes of the three bands; the share matrix is not kept (the engine's path for large
  inputs).
- ``shares`` (kept): the full float64 share matrix is materialised, then list sizes by one
  matrix product (the path of ``ChoiceModel.solve``); run on 20 000 origins to bound memory.
- ``naive numpy``: the textbook formula on full float64 matrices (``A_j exp(-βt)`` /
  row sum), as a reference for both speed and the numbers (max relative difference shown).
  Python spopt 0.7 has no Huff model (the ``huff`` of spopt is the R package's), so there is
  no library row.

Run::

    .venv/bin/python -m benchmarks.bench_choice            # full (best of 3)
    .venv/bin/python -m benchmarks.bench_choice --quick    # 20 000 origins
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from soteplan.choice import ChoiceParams, list_sizes, shares
from soteplan.choice._huff import log_attraction


def instance(n_o: int, n_s: int, seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    oxy = rng.uniform(0, 300_000, (n_o, 2)).astype(np.float32)
    sxy = rng.uniform(0, 300_000, (n_s, 2)).astype(np.float32)
    t = np.empty((n_o, n_s), dtype=np.float32)
    for lo in range(0, n_o, 10_000):
        d = oxy[lo : lo + 10_000, None, :] - sxy[None, :, :]
        t[lo : lo + 10_000] = np.sqrt((d**2).sum(axis=2)) / 1000 * 1.3 / 60 * 60 + 2
    t[rng.random(t.shape) < 0.05] = np.inf
    attrs = pd.DataFrame(
        {"opening_days": rng.integers(3, 8, n_s).astype(float), "private": rng.random(n_s) < 0.3}
    )
    params = ChoiceParams(
        decay="exponential", beta=0.3756, attraction={"opening_days": 1.0, "private": 0.0}
    )
    pop = rng.uniform(0, 300, (3, n_o))
    return {"t": t, "la": log_attraction(attrs, params), "params": params, "pop": pop}


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Best wall time, best CPU time of this process (seconds) and the last result."""
    best, best_cpu, out = np.inf, np.inf, None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best, best_cpu, out


def naive(t: np.ndarray, la: np.ndarray, beta: float, pop: np.ndarray) -> np.ndarray:
    w = np.exp(la)[None, :] * np.exp(-beta * t.astype(np.float64))
    p = w / w.sum(axis=1, keepdims=True)
    return pop @ p


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    n_big = 20_000 if args.quick else 100_000
    n_s = 1_000
    rows = []
    inst = instance(n_big, n_s)
    sec, cpu, ls = best_of(
        lambda: list_sizes(inst["t"], inst["la"], inst["params"], inst["pop"]), args.repeat
    )
    rows.append(
        {
            "task": "shares + list sizes (streamed)",
            "origins": n_big,
            "stations": n_s,
            "wall_s": sec,
            "cpu_s": cpu,
        }
    )
    small = 20_000
    t_s, pop_s = inst["t"][:small], inst["pop"][:, :small]

    def kept() -> np.ndarray:
        return pop_s @ shares(t_s, inst["la"], inst["params"])

    sec_k, cpu_k, ls_k = best_of(kept, args.repeat)
    rows.append(
        {
            "task": "shares kept (float64) + list sizes",
            "origins": small,
            "stations": n_s,
            "wall_s": sec_k,
            "cpu_s": cpu_k,
        }
    )
    sec_n, cpu_n, ls_n = best_of(
        lambda: naive(t_s, inst["la"], inst["params"].beta, pop_s), args.repeat
    )
    rows.append(
        {
            "task": "naive numpy (float64)",
            "origins": small,
            "stations": n_s,
            "wall_s": sec_n,
            "cpu_s": cpu_n,
        }
    )
    ls_small = list_sizes(t_s, inst["la"], inst["params"], pop_s)
    diff = float(np.max(np.abs(ls_small - ls_n) / np.maximum(np.abs(ls_n), 1e-9)))
    diff_k = float(np.max(np.abs(ls_k - ls_n) / np.maximum(np.abs(ls_n), 1e-9)))
    df = pd.DataFrame(rows)
    print(df.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print(f"max relative difference of list sizes vs naive: streamed {diff:.1e}, kept {diff_k:.1e}")
    print(f"total listed {ls.sum():,.0f} of {inst['pop'].sum():,.0f} residents")
    target = 1.0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"target ≤ {target:.1f} s for {n_big:,} × {n_s:,}: wall {sec:.3f} s "
        f"({'met' if sec <= target else 'NOT met'}), CPU {cpu:.3f} s "
        f"({'met' if cpu <= target else 'NOT met'}); 1-min load average {load:.1f} on "
        f"{os.cpu_count()} cores"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
