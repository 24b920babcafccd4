"""How far a proof can get: the Dantzig–Wolfe bound of the capacitated benchmark instances.

The single-source capacitated p-median's exact method bounds it with a Lagrangian relaxation
of the assignment rows, a 0-1 knapsack per site (:mod:`soteplan.locate._capacitated_lag`).
The best such bound over all multipliers is the Dantzig–Wolfe bound: the LP of the set
partitioning master ``min Σ_k c_k z_k`` s.t. every demand row covered once, ``Σ_k z_k = p``,
one column per (site, capacity-feasible set of rows).  This script computes it exactly by
column generation (HiGHS master, knapsack pricing by the same compiled dynamic programme),
so that the table of ``bench_locate --only capacitated`` can be read against the best bound a
knapsack Lagrangian can ever prove, and reports:

- the restricted master solved as an integer programme over the generated columns (a primal
  check on the incumbent);
- with ``--towns``, the Dantzig–Wolfe bound with the number of open sites in every town fixed
  to the incumbent's (what branching on the town counts alone could prove at best);
- with ``--long S``, HiGHS on the full strong model started from the incumbent for S seconds.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_cpmp_bound --towns
    .venv/bin/python -m benchmarks.bench_cpmp_bound --only 300 --long 2400
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import highspy
import numpy as np

from benchmarks.bench_locate import capacitated_instance, capacitated_towns, fmt_row
from soteplan._highs import new_highs
from soteplan.locate import CapacitatedPMedian
from soteplan.locate import _capacitated as capmod
from soteplan.locate import _capacitated_lag as cl
from soteplan.locate._swap import jit_kernels

# the Lorena–Senne-like rows of bench_locate's capacitated table: (n, p, seed offset k)
SHAPES = ((100, 10, 4), (200, 15, 5), (300, 25, 6), (400, 40, 7))
BATCH = 100  # most columns added per pricing round (the most negative reduced costs)


@dataclass(frozen=True)
class ColumnGeneration:
    """``bound``: the best Lagrangian bound met (valid at every round: ``Σ u + Σ μ k + the
    p smallest reduced site values``); ``master``: the last restricted master LP; equal when
    ``converged`` (no column with a negative reduced cost is left)."""

    bound: float
    master: float
    converged: bool
    rounds: int
    columns: list[tuple[int, np.ndarray]]
    seconds: float


def _price(u: np.ndarray, W: np.ndarray, wi: np.ndarray, Qi: np.ndarray):
    """Each site's knapsack at the duals ``u``: (value ``v_j`` = −best profit, rows taken)."""
    n, m = W.shape
    P = u[:, None] - W
    take = np.zeros((n, m), dtype=np.bool_)
    kern = jit_kernels()
    if kern is not None:
        best = kern.knapsacks(P, wi, Qi, np.arange(m, dtype=np.int64), take)
        return -best, take
    v = np.empty(m)
    for j in range(m):
        best_j, chosen, _table = cl._knapsack(P[:, j], wi, int(Qi[j]), table=False)
        v[j] = -best_j
        take[chosen, j] = True
    return v, take


def _master(n: int, p: int, counts: list[int]) -> highspy.Highs:
    """The master's rows: every demand row covered (≥ 1), ``p`` columns, then one row per
    group fixing its count; no columns yet."""
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    inf = highspy.kHighsInf
    nrow = n + 1 + len(counts)
    lower = np.r_[np.ones(n), p, counts].astype(float)
    upper = np.r_[np.full(n, inf), p, counts].astype(float)
    h.addRows(nrow, lower, upper, 0, np.zeros(nrow, np.int32), np.zeros(0, np.int32), np.zeros(0))
    return h


def _add_columns(
    h: highspy.Highs,
    W: np.ndarray,
    batch: list[tuple[int, np.ndarray]],
    member: np.ndarray,
    upper: float,
) -> None:
    """Add the columns (site ``j``, rows served): cost ``Σ W[rows, j]``, 1 in each served
    row, in the cardinality row and in the row of every group holding ``j``."""
    n = W.shape[0]
    starts, index, costs = [], [], []
    for j, rows in batch:
        starts.append(len(index))
        index.extend([*rows.tolist(), n, *(n + 1 + np.flatnonzero(member[:, j])).tolist()])
        costs.append(float(W[rows, j].sum()))
    k = len(batch)
    h.addCols(
        k,
        np.asarray(costs),
        np.zeros(k),
        np.full(k, upper),
        len(index),
        np.asarray(starts, dtype=np.int32),
        np.asarray(index, dtype=np.int32),
        np.ones(len(index)),
    )


def dw_bound(
    W: np.ndarray,
    w: np.ndarray,
    cap: np.ndarray,
    p: int,
    start: np.ndarray,
    *,
    groups: list[tuple[np.ndarray, int]] | None = None,
    seconds: float = np.inf,
    max_rounds: int = 20_000,
) -> ColumnGeneration:
    """Column generation for the Dantzig–Wolfe bound.  ``W[i, j] = w_i c_ij``; ``start``:
    a feasible site per row (its columns, an empty column per site and an artificial column
    of prohibitive cost per row make the master feasible).  ``groups``: (site mask, count)
    rows fixing the number of open sites in each mask.  Integer weights and capacities
    within the dynamic programme's range only (the knapsacks must be exact for the columns
    to be real)."""
    t0 = time.perf_counter()
    n, m = W.shape
    wi, capq, scale = cl._scale(w, cap)
    if scale != 1.0:
        raise ValueError("dw_bound needs integer weights and capacities ≤ DP_CAPACITY")
    Qi = np.floor(capq + 1e-9).astype(np.int64)
    groups = groups or []
    member = np.zeros((len(groups), m), dtype=bool)
    for g, (mask, _k) in enumerate(groups):
        member[g] = mask
    counts = [k for _mask, k in groups]
    h = _master(n, p, counts)
    inf = highspy.kHighsInf
    big = float(W[np.isfinite(W)].max()) * n  # an artificial column per row
    h.addCols(
        n,
        np.full(n, big),
        np.zeros(n),
        np.full(n, inf),
        n,
        np.arange(n, dtype=np.int32),
        np.arange(n, dtype=np.int32),
        np.ones(n),
    )
    columns: list[tuple[int, np.ndarray]] = []

    def add(batch: list[tuple[int, np.ndarray]]) -> None:
        _add_columns(h, W, batch, member, inf)
        columns.extend(batch)

    # the start's columns and an empty column per site (open, serving nothing), so that the
    # master is feasible with fewer used sites than p and any achievable group counts
    add([(int(j), np.flatnonzero(start == j)) for j in np.unique(start)])
    add([(j, np.zeros(0, dtype=np.int64)) for j in range(m)])
    best, rounds, converged, master = -np.inf, 0, False, np.inf
    while time.perf_counter() - t0 < seconds and rounds < max_rounds:
        rounds += 1
        h.run()
        master = float(h.getInfo().objective_function_value)
        dual = np.asarray(h.getSolution().row_dual)
        u, sigma, mu = dual[:n], dual[n], dual[n + 1 :]
        v, take = _price(u, W, wi, Qi)
        vg = v - mu @ member if len(groups) else v
        bound = float(u.sum() + mu @ np.asarray(counts, dtype=float))
        bound += float(np.sort(vg)[:p].sum())
        best = max(best, bound)
        rc = vg - sigma
        neg = np.flatnonzero(rc < -1e-9 * max(abs(master), 1.0))
        if neg.size == 0:
            converged = True
            break
        add([(int(j), np.flatnonzero(take[:, j])) for j in neg[np.argsort(rc[neg])][:BATCH]])
    return ColumnGeneration(best, master, converged, rounds, columns, time.perf_counter() - t0)


def master_ip(W: np.ndarray, p: int, columns, seconds: float) -> tuple[float, float]:
    """The restricted master as an integer programme over ``columns`` (cover every row, ``p``
    columns): (cost of the best assignment it gives, HiGHS' bound over these columns)."""
    n, m = W.shape
    k = len(columns)
    h = _master(n, p, [])
    h.setOptionValue("time_limit", float(seconds))
    _add_columns(h, W, columns, np.zeros((0, m), dtype=bool), 1.0)
    h.changeColsIntegrality(
        k, np.arange(k, dtype=np.int32), np.full(k, highspy.HighsVarType.kInteger)
    )
    h.run()
    info = h.getInfo()
    z = np.asarray(h.getSolution().col_value)
    if len(z) != k or info.primal_solution_status != 2:
        return np.inf, float(info.mip_dual_bound)
    each = np.full(n, np.inf)  # a row covered twice keeps its cheaper site
    for (j, rows), zk in zip(columns, z, strict=True):
        if zk > 0.5:
            each[rows] = np.minimum(each[rows], W[rows, j])
    return float(each.sum()), float(info.mip_dual_bound)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", type=int, nargs="*", help="n of the shapes to run (100 … 400)")
    ap.add_argument("--towns", action="store_true", help="also the town-counts-fixed bound")
    ap.add_argument("--long", type=float, default=0.0, help="seconds of HiGHS from ours")
    ap.add_argument("--limit", type=float, default=60.0, help="seconds for our exact method")
    args = ap.parse_args(argv)
    print(f"# bench_cpmp_bound; python {sys.version.split()[0]}")
    head = ["L–S", "n", "p", "ours s", "ours obj", "ours bound", "ours gap %", "DW bound"]
    head += ["DW s", "columns", "gap to DW %", "master IP obj", "master IP bound"]
    head += ["towns DW bound", "towns gap %"] if args.towns else []
    head += ["long obj", "long bound", "long gap %"] if args.long else []
    print(fmt_row(head))
    print(fmt_row(["---"] * len(head)))
    for n, p, k in SHAPES:
        if args.only and n not in args.only:
            continue
        cost, w, cap = capacitated_instance(n, p, 0.9, seed=500 + k, clustered=True)
        model = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True)
        r = model.solve("exact", time_limit=args.limit)
        W = w[:, None] * cost
        cg = dw_bound(W, w, cap, p, r.assignment)
        ip_obj, ip_bound = master_ip(W, p, cg.columns, 120.0)
        row = [n, p, f"{r.seconds:.1f}", f"{r.objective:.1f}", f"{r.bound:.1f}"]
        row += [f"{100 * r.gap:.3f}", f"{cg.bound:.1f}", f"{cg.seconds:.1f}", len(cg.columns)]
        row += [f"{100 * (r.objective - cg.bound) / r.objective:.3f}"]
        row += [f"{ip_obj:.1f}", f"{ip_bound:.1f}"]
        if not cg.converged:
            row[6] += " (not converged)"
        if args.towns:
            town = capacitated_towns(n, seed=500 + k)
            open_sites = np.unique(r.assignment)
            groups = [
                (town == t, int((town[open_sites] == t).sum())) for t in range(town.max() + 1)
            ]
            tg = dw_bound(W, w, cap, p, r.assignment, groups=groups)
            row += [f"{tg.bound:.1f}", f"{100 * (r.objective - tg.bound) / r.objective:.3f}"]
        if args.long:
            y = np.zeros(n, dtype=bool)
            y[r.site_indices] = True
            x0 = model._solution(r.assignment, y)[0]
            out, _parts = model._mip(
                None, relax=False, time_limit=args.long, start=x0, options=capmod.MIP_OPTIONS
            )
            gap = 100 * (out.objective - out.bound) / out.objective
            row += [f"{out.objective:.1f}", f"{out.bound:.1f}", f"{gap:.3f}"]
        print(fmt_row(["L–S", *row]), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
