"""Location-allocation benchmark: soteplan.locate vs PySAL spopt (PuLP + CBC).

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_locate --quick        # a few minutes
    .venv/bin/python -m benchmarks.bench_locate                 # full grid (long)
    .venv/bin/python -m benchmarks.bench_locate --cpmp-files SJC1.dat pmedcap1.txt

Instances: random Euclidean (uniform in 100 × 100 km, integer weights 1–99) and
OR-Library-format p-median instances generated here (random geometric graphs with integer
edge costs, written in Beasley's format and read back by
:func:`soteplan.locate.read_orlib_pmed`).  spopt gets a time limit; runs that do not finish
inside it are recorded as such (spopt/PuLP reports a time-limited CBC run as "Optimal",
so we compare its objective with our proven optimum instead of trusting its status).
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from soteplan.locate import (
    CapacitatedPMedian,
    MaxCover,
    PMedian,
    read_cpmp,
    read_orlib_pmed,
    write_orlib_pmed,
)
from soteplan.locate._highs import solve_mip


def euclid_instance(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random Euclidean instance: cost (n × m, km) and integer weights 1..99."""
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, 100, (n, 2))
    s = rng.uniform(0, 100, (m, 2))
    cost = np.hypot(d[:, None, 0] - s[None, :, 0], d[:, None, 1] - s[None, :, 1])
    return cost, rng.integers(1, 100, n).astype(float)


def orlib_edges(n: int, seed: int, k: int = 4) -> np.ndarray:
    """A connected random geometric graph: each node joined to its k nearest neighbours and
    to the previous node in a random order (spanning path), integer costs 1..100, plus a few
    duplicate edges with new costs (the later line wins, as in OR-Library)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, (n, 2))
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    edges: dict[tuple[int, int], int] = {}
    nn = np.argsort(d, axis=1)[:, 1 : k + 1]
    for i in range(n):
        for j in nn[i]:
            a, b = min(i, j), max(i, j)
            edges[(a, b)] = max(1, round(d[a, b]))
    order = rng.permutation(n)
    for a, b in itertools.pairwise(order):
        a, b = min(a, b), max(a, b)
        edges.setdefault((a, b), max(1, round(d[a, b])))
    rows = [(a + 1, b + 1, c) for (a, b), c in edges.items()]
    dup = rng.choice(len(rows), size=max(1, len(rows) // 50), replace=False)
    rows += [(rows[i][0], rows[i][1], int(rng.integers(1, 101))) for i in dup]
    return np.array(rows, dtype=np.float64)


# Beasley's 40 OR-Library p-median instances: (n, p); m = n²/50 edge lines (2n … 18n)
BEASLEY_SHAPE: list[tuple[int, int]] = [
    *[(100, p) for p in (5, 10, 10, 20, 33)],
    *[(200, p) for p in (5, 10, 20, 40, 67)],
    *[(300, p) for p in (5, 10, 30, 60, 100)],
    *[(400, p) for p in (5, 10, 40, 80, 133)],
    *[(500, p) for p in (5, 10, 50, 100, 167)],
    *[(600, p) for p in (5, 10, 60, 120, 200)],
    *[(700, p) for p in (5, 10, 70, 140)],
    *[(800, p) for p in (5, 10, 80)],
    *[(900, p) for p in (5, 10, 90)],
]
QUICK_BEASLEY = (0, 4, 5, 9, 13, 14)  # 0-based: shapes of pmed1, 5, 6, 10, 14, 15


def beasley_edges(n: int, seed: int) -> np.ndarray:
    """Edge lines in the shape of Beasley's instances: ``n²/50`` lines (2n … 18n), a random
    spanning tree plus random node pairs, integer costs 1..100, and 1 % of the lines repeating
    an earlier pair with a new cost (the last line wins, as Beasley's note says)."""
    m = n * n // 50
    rng = np.random.default_rng(seed)
    ndup = max(1, m // 100)
    order = rng.permutation(n)
    rows = [(int(order[k]), int(order[rng.integers(0, k)])) for k in range(1, n)]
    while len(rows) < m - ndup:
        a, b = (int(v) for v in rng.integers(0, n, 2))
        if a != b:
            rows.append((a, b))
    arr = np.array(rows)
    arr = np.vstack([arr, arr[rng.choice(len(arr), ndup, replace=False)]])
    arr = arr[rng.permutation(m)]
    cost = rng.integers(1, 101, m)
    return np.column_stack([arr + 1, cost]).astype(np.float64)


def _spopt_worker(
    kind: str, cost: np.ndarray, w: np.ndarray, p: int, radius: float, time_limit: float, q: Any
) -> None:
    import pulp
    from spopt.locate import MCLP
    from spopt.locate import PMedian as SPMedian

    t0 = time.perf_counter()
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit)
    if kind == "pmedian":
        model = SPMedian.from_cost_matrix(cost, w, p_facilities=p)
    else:
        model = MCLP.from_cost_matrix(cost, w, service_radius=radius, p_facilities=p)
    built = time.perf_counter() - t0
    model = model.solve(solver)
    secs = time.perf_counter() - t0
    sites = [j for j, v in enumerate(model.fac_vars) if v.value() and v.value() > 0.5]
    if kind == "pmedian":
        obj = float(w @ cost[:, sites].min(axis=1))
    else:
        obj = float(w @ (cost[:, sites] <= radius).any(axis=1))
    q.put(
        {
            "seconds": secs,
            "build": built,
            "objective": obj,
            "status": pulp.LpStatus[model.problem.status],
        }
    )


def run_spopt(
    kind: str, cost: np.ndarray, w: np.ndarray, p: int, radius: float, limit: float
) -> dict[str, Any]:
    """spopt in a subprocess, killed at 1.5 × limit + 30 s (CBC does not always obey)."""
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    proc = ctx.Process(target=_spopt_worker, args=(kind, cost, w, p, radius, limit, q))
    t0 = time.perf_counter()
    proc.start()
    proc.join(1.5 * limit + 30)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return {"seconds": time.perf_counter() - t0, "objective": float("nan"), "status": "killed"}
    if q.empty():
        return {"seconds": time.perf_counter() - t0, "objective": float("nan"), "status": "failed"}
    res = q.get()
    if res["seconds"] >= limit * 0.98:
        res["status"] = "time limit"
    return res


def fmt_row(cells: list[Any]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def beasley_table(picks: list[int], limit: float, no_spopt: bool, spopt_max_n: int) -> None:
    """Exact and heuristic p-median against spopt + CBC on OR-Library-shape instances."""
    print()
    print(
        fmt_row(
            [
                "shape of",
                "n",
                "distinct edges",
                "p",
                "exact s",
                "exact cpu s",
                "objective",
                "bound",
                "gap %",
                "status",
                "solved by",
                "heur s",
                "heur cpu s",
                "heur vs opt %",
                "spopt s",
                "spopt obj",
                "spopt status",
                "speed-up",
            ]
        )
    )
    print(fmt_row(["---"] * 18))
    sums = {"ours": 0.0, "spopt": 0.0}
    worst: dict[str, float] = {"exact_s": 0.0, "heur_s": 0.0, "heur_pct": 0.0}
    optimal = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k in picks:
            n, p = BEASLEY_SHAPE[k]
            path = Path(tmp) / f"pmedshape{k + 1}.txt"
            write_orlib_pmed(path, n, beasley_edges(n, seed=1000 + k), p)
            oi = read_orlib_pmed(path)
            w = np.ones(oi.n)
            c0 = time.process_time()
            ex = PMedian.from_cost_matrix(oi.cost, w, p=oi.p).solve("exact", time_limit=60)
            ex_cpu = time.process_time() - c0
            c0 = time.process_time()
            he = PMedian.from_cost_matrix(oi.cost, w, p=oi.p).solve("heuristic")
            he_cpu = time.process_time() - c0
            hv = 100 * (he.objective - ex.objective) / ex.objective
            optimal += ex.status.value == "optimal"
            worst["exact_s"] = max(worst["exact_s"], ex.seconds)
            worst["heur_s"] = max(worst["heur_s"], he.seconds)
            worst["heur_pct"] = max(worst["heur_pct"], hv)
            if no_spopt or n > spopt_max_n:
                sp = {"seconds": float("nan"), "objective": float("nan"), "status": "not run"}
            else:
                sp = run_spopt("pmedian", oi.cost, w, oi.p, 0.0, limit)
                if sp["status"] in ("killed", "failed"):
                    sp["seconds"] = max(sp["seconds"], limit)
            if n <= 500 and np.isfinite(sp["seconds"]):
                sums["ours"] += ex.seconds
                sums["spopt"] += sp["seconds"]
            speed = (
                f"{sp['seconds'] / ex.seconds:.0f}×"
                if sp["status"] == "Optimal"
                else (f"> {sp['seconds'] / ex.seconds:.0f}×" if np.isfinite(sp["seconds"]) else "–")
            )
            print(
                fmt_row(
                    [
                        f"pmed{k + 1}",
                        n,
                        oi.n_edges,
                        p,
                        f"{ex.seconds:.2f}",
                        f"{ex_cpu:.2f}",
                        f"{ex.objective:.0f}",
                        f"{ex.bound:.1f}",
                        f"{100 * ex.gap:.3f}",
                        ex.status.value,
                        ex.meta.get("exact_solved_by", "bound/enumeration")
                        if ex.status.value == "optimal"
                        else "–",
                        f"{he.seconds:.3f}",
                        f"{he_cpu:.3f}",
                        f"{hv:.3f}",
                        f"{sp['seconds']:.1f}",
                        f"{sp['objective']:.0f}",
                        sp["status"],
                        speed,
                    ]
                ),
                flush=True,
            )
    ratio = sums["spopt"] / sums["ours"] if sums["ours"] > 0 else float("nan")
    print()
    print(
        f"proven optimal: {optimal}/{len(picks)}; slowest exact {worst['exact_s']:.2f} s; "
        f"slowest heuristic {worst['heur_s']:.3f} s; worst heuristic {worst['heur_pct']:.3f} % "
        f"above; n ≤ 500 sums: ours {sums['ours']:.1f} s, spopt {sums['spopt']:.1f} s "
        f"(its limit counted where it stopped), ratio {ratio:.1f}×"
    )


OPTIMA_FILE = Path(__file__).with_name("beasley_optima.json")


def beasley_heuristic_table(picks: list[int], repeat: int) -> None:
    """The heuristic alone on the OR-Library-shape instances, against the optima recorded by
    an earlier full run (``beasley_optima.json``: proven optima from the exact column, and
    the best known objective where the exact run stopped at its limit).  Best of
    ``repeat`` wall times per instance (same seed, so the same result each time)."""
    optima = json.loads(OPTIMA_FILE.read_text())
    print()
    print(
        fmt_row(
            [
                "shape of",
                "n",
                "p",
                "reference",
                "heur s",
                "heur cpu s",
                "heur obj",
                "heur vs opt %",
            ]
        )
    )
    print(fmt_row(["---"] * 8))
    worst = {"s": 0.0, "pct": -np.inf}
    over_time = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k in picks:
            n, p = BEASLEY_SHAPE[k]
            path = Path(tmp) / f"pmedshape{k + 1}.txt"
            write_orlib_pmed(path, n, beasley_edges(n, seed=1000 + k), p)
            oi = read_orlib_pmed(path)
            w = np.ones(oi.n)
            ref = optima[f"pmed{k + 1}"]
            secs, cpus = [], []
            he = None
            for _ in range(max(repeat, 1)):
                c0 = time.process_time()
                he = PMedian.from_cost_matrix(oi.cost, w, p=oi.p).solve("heuristic")
                cpus.append(time.process_time() - c0)
                secs.append(he.seconds)
            assert he is not None
            hv = 100 * (he.objective - ref["objective"]) / ref["objective"]
            worst["s"] = max(worst["s"], min(secs))
            worst["pct"] = max(worst["pct"], hv)
            over_time += min(secs) > 0.2
            print(
                fmt_row(
                    [
                        f"pmed{k + 1}",
                        n,
                        p,
                        f"{ref['objective']:.0f}" + ("" if ref["proven"] else " (best known)"),
                        f"{min(secs):.3f}",
                        f"{min(cpus):.3f}",
                        f"{he.objective:.0f}",
                        f"{hv:.3f}",
                    ]
                ),
                flush=True,
            )
    print()
    print(
        f"heuristic: slowest {worst['s']:.3f} s, {over_time}/{len(picks)} over 0.2 s; "
        f"worst {worst['pct']:.3f} % above the reference"
    )


def town_points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points in ``max(3, n // 40)`` towns (centres uniform in 100 × 100, points normal
    with σ = 6 around them): (xy, town of each point)."""
    centres = rng.uniform(0, 100, (max(3, n // 40), 2))
    town = rng.integers(0, len(centres), n)
    return centres[town] + rng.normal(0, 6, (n, 2)), town


def capacitated_towns(n: int, seed: int) -> np.ndarray:
    """The town of each point of ``capacitated_instance(n, ..., seed, clustered=True)``."""
    return town_points(np.random.default_rng(seed), n)[1]


def capacitated_instance(
    n: int, p: int, load: float, seed: int, clustered: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Osman–Christofides shape (uniform points, integer demands 1..20, equal capacities
    ``ceil(total / (p · load))``) or, with ``clustered``, a Lorena–Senne-like shape (points
    in a few town clusters, demands 1..100).  Every point is a candidate site."""
    rng = np.random.default_rng(seed)
    if clustered:
        xy, _town = town_points(rng, n)
        w = rng.integers(1, 101, n).astype(float)
    else:
        xy = rng.uniform(0, 100, (n, 2))
        w = rng.integers(1, 21, n).astype(float)
    cost = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    cap = np.full(n, float(np.ceil(w.sum() / (p * load))))
    return cost, w, cap


def keski_suomi_capacitated(p: int, load: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The real case: Keski-Suomi's dasymetric resident points with residents (embedded data,
    Statistics Finland Paavo 2022 population, DERIVED), every point a candidate site, cost in
    straight-line km (EPSG:3067), equal capacities ``ceil(total / (p · load))``.  Demands are
    persons, up to 89 % of a capacity at p = 20 (central Jyväskylä); in the generated shapes
    the largest demand is 10–18 % of a capacity (39 % at O–C n = 50, p = 10)."""
    from soteplan.access import region_origins
    from soteplan.region import load_region

    o = region_origins(load_region("keski-suomi"))
    w = np.asarray(o.population["all"], dtype=float)
    keep = w > 0
    xy = np.asarray(o.xy, dtype=float)[keep]
    w = w[keep]
    cost = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]) / 1000.0
    cap = np.full(len(w), float(np.ceil(w.sum() / (p * load))))
    return cost, w, cap


def keski_suomi_health_stations(p: int, load: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The real case as ``soteplan locate --capacity`` poses it: the 280 resident points
    (residents, embedded data) to the 60 health-station candidates (36 existing stations, the
    municipal centres and urban settlements), car minutes on the approximate main-road
    network, equal capacities ``ceil(total / (p · load))``."""
    from soteplan.locate import region_location_input
    from soteplan.region import load_region

    li = region_location_input(load_region("keski-suomi"), "health_station", extended=True)
    w = li.weights("all")
    cost = np.asarray(li.minutes, dtype=float)
    cap = np.full(cost.shape[1], float(np.ceil(w.sum() / (p * load))))
    return cost, w, cap


def plain_capacitated_mip(
    cost: np.ndarray, w: np.ndarray, cap: np.ndarray, p: int, time_limit: float
) -> tuple[float, float, str, float]:
    """The textbook single-source capacitated p-median MIP (assignment, capacity with the
    site variable, cardinality; no linking rows, no start) in HiGHS: (obj, bound, status, s)."""
    import scipy.sparse as sp

    n, m = cost.shape
    nx = n * m
    ii, jj = np.divmod(np.arange(nx), m)
    assign = sp.csr_matrix((np.ones(nx), (ii, np.arange(nx))), shape=(n, nx + m))
    capr = sp.csr_matrix(
        (
            np.concatenate([w[ii], -cap]),
            (np.concatenate([jj, np.arange(m)]), np.r_[np.arange(nx), nx + np.arange(m)]),
        ),
        shape=(m, nx + m),
    )
    card = sp.csr_matrix((np.ones(m), (np.zeros(m, int), nx + np.arange(m))), shape=(1, nx + m))
    A = sp.vstack([assign, capr, card]).tocsc()
    lo = np.concatenate([np.ones(n), np.full(m, -np.inf), [p]])
    hi = np.concatenate([np.ones(n), np.zeros(m), [p]])
    c = np.concatenate([(w[:, None] * cost).ravel(), np.zeros(m)])
    out = solve_mip(
        c,
        A,
        lo,
        hi,
        np.zeros(nx + m),
        np.ones(nx + m),
        np.ones(nx + m, bool),
        time_limit=time_limit,
    )
    return out.objective, out.bound, out.status, out.seconds


def capacitated_table(quick: bool) -> None:
    """Single-source capacitated p-median: ours against the plain MIP of the same problem."""
    shapes: list[tuple[str, int, int, float, bool]] = [
        ("O–C", 50, 5, 0.9, False),
        ("O–C", 50, 5, 0.8, False),
        ("O–C", 100, 10, 0.9, False),
        ("O–C", 100, 10, 0.8, False),
    ]
    extra_oc: list[tuple[str, int, int, float, bool]] = [
        ("O–C", 50, 10, 0.9, False),
        ("O–C", 100, 5, 0.9, False),
    ]
    if not quick:
        shapes += [
            ("L–S", n, p, 0.9, True) for n, p in ((100, 10), (200, 15), (300, 25), (400, 40))
        ]
        shapes += extra_oc  # appended last: the seeds of the earlier rows stay as they were
        shapes += [("K–S", 0, 20, 0.9, False)]  # the real Keski-Suomi resident points
        shapes += [("K–S min", 0, 20, 0.9, False)]  # ... to health-station candidates, minutes
    print()
    print(
        fmt_row(
            [
                "capacitated",
                "n",
                "p",
                "load",
                "ours s",
                "ours obj",
                "ours bound",
                "ours gap %",
                "ours status",
                "plain MIP s",
                "plain obj",
                "plain gap %",
                "plain status",
            ]
        )
    )
    print(fmt_row(["---"] * 13))
    for k, (shape, n, p, load, clustered) in enumerate(shapes):
        if shape == "K–S":
            cost, w, cap = keski_suomi_capacitated(p, load)
            n = len(w)
        elif shape == "K–S min":
            cost, w, cap = keski_suomi_health_stations(p, load)
            n = f"{len(w)} × {cost.shape[1]}"  # type: ignore[assignment]  (a label here)
        else:
            cost, w, cap = capacitated_instance(n, p, load, seed=500 + k, clustered=clustered)
        r = CapacitatedPMedian.from_cost_matrix(
            cost, w, p=p, capacity=cap, single_source=True
        ).solve("exact", time_limit=60)
        po, pb, ps, psec = plain_capacitated_mip(cost, w, cap, p, 60.0)
        pgap = 100 * abs(po - pb) / max(abs(po), 1e-12) if np.isfinite(po) else float("nan")
        print(
            fmt_row(
                [
                    shape,
                    n,
                    p,
                    load,
                    f"{r.seconds:.2f}",
                    f"{r.objective:.1f}",
                    f"{r.bound:.1f}",
                    f"{100 * r.gap:.3f}",
                    r.status.value,
                    f"{psec:.2f}",
                    f"{po:.1f}",
                    f"{pgap:.3f}",
                    ps,
                ]
            ),
            flush=True,
        )


#: Optimal values of Lorena & Senne's São José dos Campos files, which state none themselves,
#: as the capacitated p-median literature lists them (a cross-check of our own proof: the
#: table prints our objective minus the listed value).
SJC_LISTED_OPTIMA = {
    "SJC1.dat": 17288.99,
    "SJC2.dat": 33270.94,
    "SJC3a.dat": 45335.16,
    "SJC4a.dat": 61925.51,
}


def cpmp_files_table(paths: list[Path], time_limit: float) -> None:
    """Real capacitated benchmark files (Lorena & Senne ``SJC*.dat``, OR-Library
    ``pmedcap1.txt``), read by :func:`soteplan.locate.read_cpmp` and solved with their own
    objective (Σ distance; truncated distances in OR-Library files)."""
    print()
    head = ["file", "n", "p", "ours s", "ours obj", "ours bound", "ours gap %", "ours status"]
    head += ["best known", "ours − best known"]
    print(fmt_row(head))
    print(fmt_row(["---"] * len(head)))
    for path in paths:
        for inst in read_cpmp(path):
            r = inst.model().solve("exact", time_limit=time_limit)
            known = inst.best_known
            if known is None:
                known = SJC_LISTED_OPTIMA.get(inst.name)
            d = None if known is None else r.objective - known
            diff = "–" if d is None else f"{0.0 if abs(d) < 0.005 else d:.2f}"
            row = [inst.name, inst.n, inst.p, f"{r.seconds:.2f}", f"{r.objective:.2f}"]
            row += [f"{r.bound:.2f}", f"{100 * r.gap:.3f}", r.status.value]
            row += ["–" if known is None else f"{known:.2f}", diff]
            print(fmt_row(row), flush=True)


def mclp_table(shapes: list[tuple[int, int, int]], limit: float, no_spopt: bool) -> None:
    """MCLP (radius 10 km) on random Euclidean instances: ours against spopt + CBC."""
    print()
    print(
        fmt_row(
            [
                "MCLP r=10",
                "n × m",
                "p",
                "ours s",
                "ours covered",
                "bound",
                "status",
                "spopt s",
                "spopt covered",
                "spopt status",
                "speed-up",
            ]
        )
    )
    print(fmt_row(["---"] * 11))
    for n, m, p in shapes:
        c, w = euclid_instance(n, m, seed=n + m + p)
        r = MaxCover.from_cost_matrix(c, w, p=p, radius=10.0).solve("exact", time_limit=60)
        sp = (
            run_spopt("mclp", c, w, p, 10.0, limit)
            if not no_spopt
            else {"seconds": float("nan"), "objective": float("nan"), "status": "not run"}
        )
        speed = (
            f"{sp['seconds'] / r.seconds:.0f}×"
            if sp["status"] == "Optimal"
            else (f"> {sp['seconds'] / r.seconds:.0f}×" if np.isfinite(sp["seconds"]) else "–")
        )
        print(
            fmt_row(
                [
                    "euclid",
                    f"{n} × {m}",
                    p,
                    f"{r.seconds:.2f}",
                    f"{r.objective:.0f}",
                    f"{r.bound:.0f}",
                    r.status.value,
                    f"{sp['seconds']:.1f}",
                    f"{sp['objective']:.0f}",
                    sp["status"],
                    speed,
                ]
            ),
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small grid (minutes)")
    ap.add_argument("--spopt-limit", type=float, default=None, help="spopt seconds per run")
    ap.add_argument("--no-spopt", action="store_true")
    ap.add_argument(
        "--only",
        choices=("all", "beasley", "euclid", "capacitated", "mclp"),
        default="all",
        help="beasley: only the OR-Library-shape table; euclid: only the earlier tables; "
        "mclp: MCLP at 2000 x 200 and 10000 x 500 against spopt",
    )
    ap.add_argument(
        "--spopt-max-n", type=int, default=900, help="OR-Library shape: spopt only up to this n"
    )
    ap.add_argument(
        "--heuristic-only",
        action="store_true",
        help="with --only beasley: the heuristic alone, against benchmarks/beasley_optima.json",
    )
    ap.add_argument("--repeat", type=int, default=1, help="--heuristic-only: best of N times")
    ap.add_argument(
        "--cpmp-files",
        type=Path,
        nargs="+",
        metavar="FILE",
        help="only the real capacitated files given (SJC*.dat of Lorena & Senne, OR-Library "
        "pmedcap1.txt), 60 s each, against their best-known values",
    )
    args = ap.parse_args(argv)
    limit = args.spopt_limit or (60.0 if args.quick else 300.0)
    if args.quick:
        grid = [(100, 50, 5), (1000, 100, 10), (1000, 100, 50), (2000, 200, 20), (10000, 500, 100)]
        spopt_max_n = 2000
        orlib = [(100, 5), (200, 10)]
    else:
        grid = [
            (100, 50, 5),
            (500, 50, 10),
            (1000, 100, 10),
            (1000, 100, 50),
            (2000, 200, 20),
            (5000, 300, 50),
            (10000, 500, 20),
            (10000, 500, 100),
        ]
        spopt_max_n = 5000
        orlib = [(100, 5), (200, 10), (400, 20), (800, 40)]
    print(
        f"# bench_locate {'--quick' if args.quick else ''}  spopt limit {limit:g} s; "
        f"python {sys.version.split()[0]}"
    )
    if args.cpmp_files:
        cpmp_files_table(args.cpmp_files, 60.0)
        return 0
    if args.only == "mclp":
        mclp_table([(2000, 200, 20), (10000, 500, 100)], limit, args.no_spopt)
        return 0
    if args.only in ("all", "capacitated"):
        capacitated_table(args.quick)
    if args.only == "capacitated":
        return 0
    if args.only in ("all", "beasley"):
        picks = list(QUICK_BEASLEY) if args.quick else list(range(len(BEASLEY_SHAPE)))
        if args.heuristic_only:
            beasley_heuristic_table(picks, args.repeat)
            return 0
        beasley_table(picks, limit, args.no_spopt, args.spopt_max_n)
    if args.only == "beasley":
        return 0
    print(
        fmt_row(
            [
                "instance",
                "n × m",
                "p",
                "ours exact s",
                "ours obj",
                "gap %",
                "status",
                "heur s",
                "heur vs opt %",
                "spopt s",
                "spopt obj",
                "spopt status",
                "same opt",
                "speed-up",
            ]
        )
    )
    print(fmt_row(["---"] * 14))
    insts: list[tuple[str, np.ndarray, np.ndarray, int]] = []
    for n, m, p in grid:
        c, w = euclid_instance(n, m, seed=n + m + p)
        insts.append(("euclid", c, w, p))
    with tempfile.TemporaryDirectory() as tmp:
        for n, p in orlib:
            path = Path(tmp) / f"gen{n}.txt"
            write_orlib_pmed(path, n, orlib_edges(n, seed=n), p)
            oi = read_orlib_pmed(path)
            insts.append((f"orlib-gen{n}", oi.cost, np.ones(oi.n), oi.p))
    for name, c, w, p in insts:
        n, m = c.shape
        tl = 60.0
        ex = PMedian.from_cost_matrix(c, w, p=p).solve("exact", time_limit=tl)
        he = PMedian.from_cost_matrix(c, w, p=p).solve("heuristic")
        hv = 100 * (he.objective - ex.objective) / ex.objective
        if args.no_spopt or n > spopt_max_n:
            sp = {"seconds": float("nan"), "objective": float("nan"), "status": "not run"}
        else:
            sp = run_spopt("pmedian", c, w, p, 0.0, limit)
        same = (
            "yes"
            if abs(sp["objective"] - ex.objective) <= 1e-6 * ex.objective
            else ("no" if np.isfinite(sp["objective"]) else "–")
        )
        speed = (
            f"{sp['seconds'] / ex.seconds:.0f}×"
            if sp["status"] == "Optimal"
            else (
                f"> {sp['seconds'] / ex.seconds:.0f}×"
                if sp["status"] in ("killed", "time limit")
                else "–"
            )
        )
        print(
            fmt_row(
                [
                    name,
                    f"{n} × {m}",
                    p,
                    f"{ex.seconds:.2f}",
                    f"{ex.objective:.1f}",
                    f"{100 * ex.gap:.3f}",
                    ex.status.value,
                    f"{he.seconds:.3f}",
                    f"{hv:.3f}",
                    f"{sp['seconds']:.1f}",
                    f"{sp['objective']:.1f}",
                    sp["status"],
                    same,
                    speed,
                ]
            ),
            flush=True,
        )
    # MCLP side by side (radius 10 km)
    print()
    print(
        fmt_row(
            [
                "MCLP r=10",
                "n × m",
                "p",
                "ours s",
                "ours covered",
                "status",
                "spopt s",
                "spopt covered",
                "spopt status",
            ]
        )
    )
    print(fmt_row(["---"] * 9))
    for n, m, p in grid[:4]:
        c, w = euclid_instance(n, m, seed=n + m + p)
        r = MaxCover.from_cost_matrix(c, w, p=p, radius=10.0).solve("exact", time_limit=60)
        sp = (
            run_spopt("mclp", c, w, p, 10.0, limit)
            if not args.no_spopt
            else {"seconds": float("nan"), "objective": float("nan"), "status": "not run"}
        )
        print(
            fmt_row(
                [
                    "euclid",
                    f"{n} × {m}",
                    p,
                    f"{r.seconds:.2f}",
                    f"{r.objective:.0f}",
                    r.status.value,
                    f"{sp['seconds']:.1f}",
                    f"{sp['objective']:.0f}",
                    sp["status"],
                ]
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
