# ruff: noqa: N803, N806  (matrix names C, A, W follow the formulas)
"""Numerical core of the p-median: enumeration and Lagrangian branch and bound, with the
local search (:mod:`soteplan.locate._swap`) and the Lagrangian bound and fixing
(:mod:`soteplan.locate._lagrange`) re-exported; the radius formulation is in
:mod:`soteplan.locate._radius`.

All functions take a dense cost matrix ``C`` (demand × candidate, finite: unreachable
pairs are replaced by a large penalty beforehand), weights ``w`` ≥ 0, a boolean
``allowed`` mask of candidates and a ``fixed`` mask of sites that must be open.

References
----------
Whitaker, R. (1983). A fast algorithm for the greedy interchange of large-scale
clustering and median location problems. INFOR 21(2), 95-108.
Resende, M. G. C., Werneck, R. F. (2007). A fast swap-based local search procedure for
location problems. Annals of Operations Research 150, 205-230.
Elloumi, S. (2010). A tighter formulation of the p-median problem. J. Comb. Optim. 19, 69-83.
García, S., Labbé, M., Marín, A. (2011). Solving large p-median problems with a radius
formulation. INFORMS J. Computing 23(4), 546-556.
Beasley, J. E. (1993). Lagrangean heuristics for location problems. EJOR 65, 383-399.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from soteplan.locate._lagrange import (
    LagrangeOutcome,
    SortedRows,
    fix_by_reduced_cost,
    lagrangian_bound,
)
from soteplan.locate._swap import (
    SwapSearch,
    greedy,
    heuristic,
    interchange,
    jit_kernels,
    objective_of,
)

__all__ = [
    "LagrangeOutcome",
    "SwapSearch",
    "enumerate_best",
    "enumeration_size",
    "fix_by_reduced_cost",
    "greedy",
    "heuristic",
    "interchange",
    "lagrangian_bound",
    "lagrangian_branch_and_bound",
    "objective_of",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def enumeration_size(n_free: int, k: int) -> int:
    """Number of ways to choose the ``k`` remaining sites among ``n_free``."""
    from math import comb

    return comb(n_free, k) if 0 <= k <= n_free else 0


def enumerate_best(
    C: FloatArray,
    w: FloatArray,
    p: int,
    allowed: BoolArray,
    forced: BoolArray,
    *,
    chunk: int = 4096,
    upper: float = np.inf,
) -> tuple[BoolArray, float]:
    """Exact p-median by complete enumeration of the free sites (after Lagrangian fixing
    the residual problem is often tiny).  Compiled (``_swap_numba.enumerate_subsets``: a
    depth-first walk that cuts subtrees which cannot beat ``upper`` or the best found),
    else vectorised over chunks of combinations.  Returns the best solution and its
    objective; with ``upper`` given, ``(forced, inf)`` when no solution is below it."""
    from itertools import combinations, islice

    free = np.flatnonzero(allowed & ~forced)
    k = p - int(forced.sum())
    base = C[:, forced].min(axis=1) if forced.any() else np.full(C.shape[0], np.inf)
    best_obj, best_combo = np.inf, np.array([], dtype=np.int64)
    if k == 0:
        best_obj = float(w @ base)
    else:
        Cf = C[:, free]
        # Rows that no free site can serve better than the forced ones add a constant:
        # enumerate only over the rows a free site can improve (exact, often far fewer).
        improvable = Cf.min(axis=1) < base
        const = float(w[~improvable] @ base[~improvable])
        Cf, wr, br = Cf[improvable], w[improvable], base[improvable]
        kern = jit_kernels(C.size)
        if kern is not None:
            pos = np.empty(k, dtype=np.int64)
            kern.enumerate_subsets(
                np.ascontiguousarray(Cf.T), wr, np.ascontiguousarray(br), k, upper - const, pos
            )
            y = forced.copy()
            if pos[0] < 0:
                return y, np.inf
            y[free[pos]] = True
            return y, float(w @ C[:, y].min(axis=1))
        it = combinations(range(len(free)), k)
        while True:
            block = np.array(list(islice(it, chunk)), dtype=np.int64)
            if block.size == 0:
                break
            d = np.broadcast_to(br[:, None], (len(br), len(block))).copy()
            for t in range(k):
                np.minimum(d, Cf[:, block[:, t]], out=d)
            obj = const + wr @ d
            i = int(np.argmin(obj))
            if obj[i] < best_obj:
                best_obj, best_combo = float(obj[i]), free[block[i]]
    y = forced.copy()
    y[best_combo] = True
    if not best_obj < upper:
        return forced.copy(), np.inf
    return y, best_obj


# A node whose fixing closed sites is bounded again only when it forced a site open or
# closed at least this share of its free sites; otherwise it branches on the reduced node
# at once (the repeat rarely prunes it and cost as much as the node: pmed39's shape 38 →
# 23 CPU s, pmed36's 14 → 10 s, under load; docs/benchmarks.md, eighth pass).
REFIX_SHARE = 0.5
# A node's bound reuses its parent's sorted rows while at least this share of their sites
# is still allowed, else compacts them to its own sites (a filter, no sort; rows walking
# past many closed sites cost more than the compaction).
RESORT_SHARE = 0.95
# A node's bound: ``node_iter`` (50) subgradient steps from its parent's multipliers, the
# step halved after NODE_STALL steps without progress.  With nodes this cheap, more nodes
# with weaker bounds win (pmed39's shape: 400 steps / 10 took 10.6 s for 901 nodes, 50 / 20
# 2.8 s for 695; the sweep is in docs/benchmarks.md, eighth pass).
NODE_STALL = 20


def lagrangian_branch_and_bound(
    C: FloatArray,
    w: FloatArray,
    p: int,
    allowed: BoolArray,
    forced: BoolArray,
    best: BoolArray,
    ub: float,
    *,
    deadline: float | None,
    lam0: FloatArray | None = None,
    node_iter: int = 50,
    enum_limit: float = 5e7,
) -> tuple[BoolArray, float, float, int, bool]:
    """Depth-first branch and bound on the sites with Lagrangian bounds, reduced-cost
    fixing at every node and complete enumeration of small residual problems.

    Returns (best open mask, its objective, proven lower bound, nodes, finished).
    """
    rel = 1e-7
    stack: list[tuple[BoolArray, BoolArray, FloatArray | None, float, SortedRows | None]] = [
        (allowed.copy(), forced.copy(), lam0, -np.inf, None)
    ]
    nodes = 0
    finished = True
    kern = jit_kernels(C.size)
    while stack:
        if deadline is not None and time.perf_counter() > deadline:
            finished = False
            break
        al, fo, lam, pb, rows = stack.pop()
        if pb >= ub * (1 - rel):
            continue
        nodes += 1
        while True:
            k = p - int(fo.sum())
            n_free = int((al & ~fo).sum())
            if k < 0 or k > n_free:
                break  # infeasible node
            if enumeration_size(n_free, k) * C.shape[0] * max(k, 1) <= enum_limit:
                y, obj = enumerate_best(C, w, p, al, fo, upper=ub)
                if obj < ub:
                    best, ub = y, obj
                break
            if kern is not None:
                # a node's sites lie within its parent's: the parent's sorted rows serve it
                # while most of their sites are still allowed (RESORT_SHARE)
                if rows is None:
                    rows = SortedRows.build(C, w, al)
                elif al.sum() < RESORT_SHARE * len(rows.sites):
                    rows = rows.subset(al, kern)
            lag = lagrangian_bound(
                C,
                w,
                p,
                al,
                fo,
                ub,
                max_iter=node_iter,
                lam0=lam,
                stall_limit=NODE_STALL,
                deadline=deadline,
                rows=rows,
            )
            lam = lag.lam
            if lag.best_open is not None and lag.best_obj < ub:
                best, ub = lag.best_open, lag.best_obj
            if lag.bound >= ub * (1 - rel):
                break
            closed, fo2 = fix_by_reduced_cost(lag, p, al, fo, ub)
            al2 = al & ~closed
            n_closed = int(al.sum()) - int(al2.sum())
            n_forced = int(fo2.sum()) - int(fo.sum())
            if n_closed or n_forced:
                n_free_before = int((al & ~fo).sum())
                al, fo = al2, fo2
                if n_forced or n_closed >= REFIX_SHARE * n_free_before:
                    continue
            # branch on the free site of the Lagrangian solution with the lowest reduced cost
            free_ch = np.flatnonzero(al & ~fo)
            j = int(free_ch[np.argmin(lag.rho[free_ch])])
            al_c = al.copy()
            al_c[j] = False
            fo_o = fo.copy()
            fo_o[j] = True
            stack.append((al_c, fo, lam, lag.bound, rows))
            stack.append((al.copy(), fo_o, lam, lag.bound, rows))
            break
    lower = ub if finished else min([ub, *(b for _, _, _, b, _ in stack)])
    return best, ub, float(lower), nodes, finished
