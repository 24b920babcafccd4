# ruff: noqa: N803, N806  (matrix names C, A, W follow the formulas)
"""Numerical core of the p-median: greedy, fast vertex substitution, Lagrangian bound,
reduced-cost fixing, enumeration and Lagrangian branch and bound (the radius formulation
is in :mod:`soteplan.locate._radius`).

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
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def objective_of(C: FloatArray, w: FloatArray, open_mask: BoolArray) -> float:
    """Weighted sum of nearest-open-site costs."""
    return float(w @ C[:, open_mask].min(axis=1))


def greedy(
    C: FloatArray,
    w: FloatArray,
    p: int,
    allowed: BoolArray,
    fixed: BoolArray,
    *,
    rng: np.random.Generator | None = None,
    rcl: int = 3,
) -> BoolArray:
    """Greedy addition: open the fixed sites, then repeatedly the site saving most cost.

    The saving of every candidate is kept up to date incrementally: opening ``j`` changes
    only the demands it brings closer, so a step costs ``O(|affected| · m)``, not
    ``O(n · m)``.  With ``rng`` each step picks uniformly among the ``rcl`` best candidates
    (randomised greedy, a multi-start construction).
    """
    open_mask = fixed.copy()

    def pick(score: FloatArray) -> int:
        sc = np.where(allowed & ~open_mask, score, -np.inf)
        if rng is None or rcl <= 1:
            return int(np.argmax(sc))
        k = min(rcl, int(np.isfinite(sc).sum()))
        top = np.argpartition(-sc, k - 1)[:k]
        return int(rng.choice(top))

    if open_mask.any():
        d1 = C[:, open_mask].min(axis=1)
    else:
        j = pick(-(w @ C))
        open_mask[j] = True
        d1 = C[:, j].copy()
    gain = w @ np.maximum(d1[:, None] - C, 0.0)
    while open_mask.sum() < p:
        j = pick(gain)
        open_mask[j] = True
        aff = np.flatnonzero(C[:, j] < d1)
        if aff.size:
            Ca = C[aff]
            newd = Ca[:, j]
            gain -= w[aff] @ (
                np.maximum(d1[aff, None] - Ca, 0.0) - np.maximum(newd[:, None] - Ca, 0.0)
            )
            d1[aff] = newd
    return open_mask


def _nearest_two(
    C: FloatArray, open_idx: NDArray[np.int64]
) -> tuple[FloatArray, NDArray[np.int64], FloatArray]:
    sub = C[:, open_idx]
    n = C.shape[0]
    if len(open_idx) == 1:
        return sub[:, 0].copy(), np.zeros(n, dtype=np.int64), np.full(n, np.inf)
    part = np.argpartition(sub, 1, axis=1)[:, :2]
    rows = np.arange(n)
    a, b = sub[rows, part[:, 0]], sub[rows, part[:, 1]]
    swap = b < a
    k1 = np.where(swap, part[:, 1], part[:, 0])
    d1 = np.minimum(a, b)
    d2 = np.maximum(a, b)
    return d1, k1.astype(np.int64), d2


def interchange(
    C: FloatArray,
    w: FloatArray,
    open_mask: BoolArray,
    allowed: BoolArray,
    fixed: BoolArray,
    *,
    deadline: float | None = None,
    max_iter: int = 100_000,
) -> tuple[BoolArray, int]:
    """Best-improvement vertex substitution (Teitz-Bart) with Whitaker's gain/loss and
    Resende-Werneck's ``extra`` matrix, kept up to date incrementally.

    ``profit(f, u) = gain[u] − loss[f] + extra[f, u]`` for every open ``f`` and closed ``u``.
    Each demand contributes only through the sites closer than its second-nearest open one;
    after a swap only the demands whose two nearest open sites change (those served by the
    removed site or brought closer by the new one) have their contributions taken out and
    put back, so a swap costs ``O(|affected| · m + p · m)`` (Resende & Werneck 2007).
    Returns the locally optimal mask and the number of swaps made.
    """
    open_mask = open_mask.copy()
    n, m = C.shape
    if int(open_mask.sum()) < 1 or not (allowed & ~open_mask).any():
        return open_mask, 0
    big = float(np.max(C)) * 4.0 + 1.0
    gain = np.zeros(m)
    loss = np.zeros(m)
    extra = np.zeros((m, m))
    d1 = np.zeros(n)
    d2 = np.zeros(n)
    k1 = np.zeros(n, dtype=np.int64)

    def nearest(rows: NDArray[np.int64]) -> None:
        oi = np.flatnonzero(open_mask)
        a, ka, b = _nearest_two(C[rows], oi)
        d1[rows] = a
        k1[rows] = oi[ka]
        d2[rows] = np.where(np.isinf(b), big, b)

    def contribute(rows: NDArray[np.int64], sign: float) -> None:
        if rows.size == 0:
            return
        ii, uu = np.nonzero(C[rows] < d2[rows, None])
        i = rows[ii]
        c = C[i, uu]
        wi = w[i]
        gain[:] += sign * np.bincount(uu, weights=wi * np.maximum(d1[i] - c, 0.0), minlength=m)
        loss[:] += sign * np.bincount(
            k1[rows], weights=w[rows] * (d2[rows] - d1[rows]), minlength=m
        )
        np.add.at(extra, (k1[i], uu), sign * wi * (d2[i] - np.maximum(c, d1[i])))

    everyone = np.arange(n)
    nearest(everyone)
    contribute(everyone, 1.0)
    cur = float(w @ d1)
    swaps = 0
    while swaps < max_iter:
        outs = np.flatnonzero(open_mask & ~fixed)
        cand = np.flatnonzero(allowed & ~open_mask)
        if outs.size == 0 or cand.size == 0:
            break
        profit = extra[np.ix_(outs, cand)] + gain[cand][None, :] - loss[outs][:, None]
        f_pos, u_pos = np.unravel_index(int(np.argmax(profit)), profit.shape)
        if not (profit[f_pos, u_pos] > 1e-9 * max(cur, 1.0)):
            break
        f, u = int(outs[f_pos]), int(cand[u_pos])
        aff = np.flatnonzero((k1 == f) | (d2 >= C[:, f]) | (C[:, u] < d2))
        contribute(aff, -1.0)
        open_mask[f] = False
        open_mask[u] = True
        nearest(aff)
        contribute(aff, 1.0)
        new = float(w @ d1)
        swaps += 1
        if not (new < cur):
            # rounding drift in the incremental arrays: undo and stop
            open_mask[u] = False
            open_mask[f] = True
            break
        cur = new
        if deadline is not None and time.perf_counter() > deadline:
            break
    return open_mask, swaps


def heuristic(
    C: FloatArray,
    w: FloatArray,
    p: int,
    allowed: BoolArray,
    fixed: BoolArray,
    *,
    starts: int = 1,
    seed: int = 0,
    deadline: float | None = None,
    initial: BoolArray | None = None,
) -> tuple[BoolArray, float]:
    """Multi-start local search: greedy + fast interchange, then ``starts - 1`` further
    starts, alternately a randomised greedy construction and a perturbation of the best
    solution (a few of its free sites swapped for random closed ones), each followed by fast
    interchange; returns the best open mask and its objective.  ``initial``: a local optimum
    already found, used instead of the first (greedy) start."""
    rng = np.random.default_rng(seed)
    if initial is not None:
        best = initial.copy()
    else:
        best = interchange(
            C, w, greedy(C, w, p, allowed, fixed), allowed, fixed, deadline=deadline
        )[0]
    best_obj = objective_of(C, w, best)
    for k in range(1, max(starts, 1)):
        if deadline is not None and time.perf_counter() > deadline:
            break
        if k % 2 == 0:
            s0 = greedy(C, w, p, allowed, fixed, rng=rng)
        else:
            s0 = best.copy()
            outs = np.flatnonzero(best & ~fixed)
            ins = np.flatnonzero(allowed & ~best)
            r = min(max(2, len(outs) // 8), len(outs), len(ins))
            if r == 0:
                break
            s0[rng.choice(outs, r, replace=False)] = False
            s0[rng.choice(ins, r, replace=False)] = True
        s = interchange(C, w, s0, allowed, fixed, deadline=deadline)[0]
        obj = objective_of(C, w, s)
        if obj < best_obj - 1e-12 * max(abs(best_obj), 1.0):
            best, best_obj = s, obj
    return best, best_obj


@dataclass(frozen=True, eq=False)
class LagrangeOutcome:
    """Best Lagrangian bound, its multipliers and reduced site costs (0 for closed sites)."""

    bound: float
    lam: FloatArray
    rho: FloatArray
    iterations: int
    best_open: BoolArray | None
    best_obj: float


def _lagrange_value(
    WCt: FloatArray,
    lam: FloatArray,
    p: int,
    allowed: BoolArray,
    fixed: BoolArray,
    buf: FloatArray,
) -> tuple[float, FloatArray, BoolArray]:
    np.subtract(WCt, lam[None, :], out=buf)
    np.minimum(buf, 0.0, out=buf)
    rho = buf.sum(axis=1)
    y = fixed.copy()
    k = p - int(fixed.sum())
    if k > 0:
        free = np.flatnonzero(allowed & ~fixed)
        pick = free[np.argpartition(rho[free], k - 1)[:k]] if k < len(free) else free
        y[pick] = True
    return float(lam.sum() + rho[y].sum()), rho, y


def lagrangian_bound(
    C: FloatArray,
    w: FloatArray,
    p: int,
    allowed: BoolArray,
    fixed: BoolArray,
    upper: float,
    *,
    max_iter: int = 600,
    deadline: float | None = None,
    tol: float = 1e-7,
    lam0: FloatArray | None = None,
    stall_limit: int = 30,
) -> LagrangeOutcome:
    """Subgradient optimisation of the Lagrangian relaxation of the assignment constraints
    (Beasley 1993): ``L(λ) = Σλ_i + min_{|y|=p} Σ_j y_j Σ_i min(0, w_i c_ij − λ_i)``.

    Each iteration also evaluates the primal solution ``y`` (a free upper bound).
    """
    WC = w[:, None] * C
    # Only the allowed sites take part: closed sites (e.g. fixed closed in a branch-and-bound
    # node) are left out of every dense pass; their ``rho`` is reported as 0.
    sites = np.flatnonzero(allowed)
    WCt = np.ascontiguousarray(WC.T[sites])
    buf = np.empty_like(WCt)
    sub_all = np.ones(len(sites), dtype=bool)
    sub_fixed = fixed[sites]
    Ca = np.where(allowed[None, :], WC, np.inf)
    # start: each demand's weighted second-smallest allowed cost (a common choice)
    part = np.partition(Ca, min(1, Ca.shape[1] - 1), axis=1)
    lam = part[:, min(1, Ca.shape[1] - 1)].copy()
    lam[~np.isfinite(lam)] = part[~np.isfinite(lam), 0]
    if lam0 is not None:
        lam = lam0.copy()
    best_b, best_lam, best_rho = -np.inf, lam.copy(), np.zeros(C.shape[1])
    best_open: BoolArray | None = None
    best_obj = upper
    theta = 2.0
    stall = 0
    it = 0
    for it in range(1, max_iter + 1):
        val, rho_sub, y_sub = _lagrange_value(WCt, lam, p, sub_all, sub_fixed, buf)
        rho = np.zeros(C.shape[1])
        rho[sites] = rho_sub
        y = np.zeros(C.shape[1], dtype=bool)
        y[sites[y_sub]] = True
        if val > best_b + 1e-12 * max(abs(val), 1.0):
            best_b, best_lam, best_rho = val, lam.copy(), rho
            stall = 0
        else:
            stall += 1
            if stall >= stall_limit:
                theta /= 2.0
                stall = 0
        if it % 10 == 1:
            obj = objective_of(C, w, y)
            if obj < best_obj:
                best_obj, best_open = obj, y.copy()
        if best_obj - best_b <= tol * max(abs(best_obj), 1.0) or theta < 1e-3:
            break
        if deadline is not None and time.perf_counter() > deadline:
            break
        g = 1.0 - (WCt[y_sub] < lam[None, :]).sum(axis=0)
        norm = float(g @ g)
        if norm == 0.0:
            break
        lam = np.maximum(lam + theta * (best_obj - val) / norm * g, 0.0)
    return LagrangeOutcome(best_b, best_lam, best_rho, it, best_open, best_obj)


def fix_by_reduced_cost(
    lag: LagrangeOutcome, p: int, allowed: BoolArray, fixed: BoolArray, upper: float
) -> tuple[BoolArray, BoolArray]:
    """Lagrangian variable fixing: close site ``j`` if forcing it open pushes the bound
    above ``upper``; force it open if closing it does.  Returns (closed, forced_open).
    Any solution better than ``upper`` respects both."""
    rho = lag.rho
    free = np.flatnonzero(allowed & ~fixed)
    k = p - int(fixed.sum())
    closed = ~allowed
    forced = fixed.copy()
    if k <= 0 or k >= len(free):
        return closed, forced
    order = free[np.argsort(rho[free], kind="stable")]
    rho_k = rho[order[k - 1]]  # largest chosen
    rho_k1 = rho[order[k]]  # smallest not chosen
    chosen = np.zeros_like(allowed)
    chosen[order[:k]] = True
    base = lag.bound
    eps = 1e-9 * max(abs(upper), 1.0)
    out = np.flatnonzero(allowed & ~fixed & ~chosen)
    closed = closed.copy()
    closed[out[base + rho[out] - rho_k > upper + eps]] = True
    inn = np.flatnonzero(chosen)
    forced[inn[base + rho_k1 - rho[inn] > upper + eps]] = True
    return closed, forced


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
) -> tuple[BoolArray, float]:
    """Exact p-median by complete enumeration of the free sites (after Lagrangian fixing
    the residual problem is often tiny).  Vectorised over chunks of combinations."""
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
    return y, best_obj


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
    node_iter: int = 400,
    enum_limit: float = 5e7,
) -> tuple[BoolArray, float, float, int, bool]:
    """Depth-first branch and bound on the sites with Lagrangian bounds, reduced-cost
    fixing at every node and complete enumeration of small residual problems.

    Returns (best open mask, its objective, proven lower bound, nodes, finished).
    """
    rel = 1e-7
    stack: list[tuple[BoolArray, BoolArray, FloatArray | None, float]] = [
        (allowed.copy(), forced.copy(), lam0, -np.inf)
    ]
    nodes = 0
    finished = True
    while stack:
        if deadline is not None and time.perf_counter() > deadline:
            finished = False
            break
        al, fo, lam, pb = stack.pop()
        if pb >= ub * (1 - rel):
            continue
        nodes += 1
        while True:
            k = p - int(fo.sum())
            n_free = int((al & ~fo).sum())
            if k < 0 or k > n_free:
                break  # infeasible node
            if enumeration_size(n_free, k) * C.shape[0] * max(k, 1) <= enum_limit:
                y, obj = enumerate_best(C, w, p, al, fo)
                if obj < ub:
                    best, ub = y, obj
                break
            lag = lagrangian_bound(
                C,
                w,
                p,
                al,
                fo,
                ub,
                max_iter=node_iter,
                lam0=lam,
                stall_limit=10,
                deadline=deadline,
            )
            lam = lag.lam
            if lag.best_open is not None and lag.best_obj < ub:
                best, ub = lag.best_open, lag.best_obj
            if lag.bound >= ub * (1 - rel):
                break
            closed, fo2 = fix_by_reduced_cost(lag, p, al, fo, ub)
            al2 = al & ~closed
            if int(al2.sum()) != int(al.sum()) or int(fo2.sum()) != int(fo.sum()):
                al, fo = al2, fo2
                continue
            # branch on the free site of the Lagrangian solution with the lowest reduced cost
            free_ch = np.flatnonzero(al & ~fo)
            j = int(free_ch[np.argmin(lag.rho[free_ch])])
            al_c = al.copy()
            al_c[j] = False
            fo_o = fo.copy()
            fo_o[j] = True
            stack.append((al_c, fo, lam, lag.bound))
            stack.append((al.copy(), fo_o, lam, lag.bound))
            break
    lower = ub if finished else min([ub, *(b for *_, b in stack)])
    return best, ub, float(lower), nodes, finished
