# ruff: noqa: N803, N806  (matrix names C, W follow the formulas)
"""Single-source capacitated p-median helpers: a fast incumbent and the reduced MIP.

The incumbent: sites from the uncapacitated heuristic (repaired to enough capacity), demand
assigned by a regret greedy for the generalised assignment problem (Martello & Toth 1981)
improved by shift and swap moves, and sites re-centred on their assigned demand
(Cooper's alternating location-allocation) while that lowers the cost.

The exact model is solved after LP reduced-cost fixing (Nemhauser & Wolsey 1988, §II.2.2): with
the LP bound ``LB``, an incumbent ``UB`` and a column's reduced cost ``d_k`` at its lower bound,
every solution that sets the column to one costs at least ``LB + d_k``; columns with
``LB + d_k > UB`` cannot be in a solution better than the incumbent and are dropped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Incumbent", "gap_assign", "incumbent"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Incumbent:
    """A capacity-feasible single-source solution: open mask, site per demand row, cost."""

    open_mask: BoolArray
    assign: IntArray
    cost: float


def gap_assign(
    W: FloatArray, w: FloatArray, cap: FloatArray, sites: IntArray, deadline: float
) -> tuple[IntArray, float] | None:
    """Assign every row of ``W`` (weighted costs, ``inf`` = not allowed) to one of ``sites``
    within ``cap``: regret greedy, then shift and swap moves.  ``None`` when the greedy finds
    no feasible assignment (the instance may still be feasible)."""
    n = W.shape[0]
    S = W[:, sites]
    k = len(sites)
    resid = cap[sites].astype(np.float64).copy()
    a = np.full(n, -1, dtype=np.int64)
    free = np.ones(n, dtype=bool)
    rows = np.arange(n)
    for _ in range(n):
        idx = rows[free]
        fit = (w[idx, None] <= resid[None, :] + 1e-9) & np.isfinite(S[idx])
        if not fit.any(axis=1).all():
            return None
        Sm = np.where(fit, S[idx], np.inf)
        if k > 1:
            two = np.partition(Sm, 1, axis=1)[:, :2]
            regret = np.where(np.isfinite(two[:, 1]), two[:, 1] - two[:, 0], np.inf)
        else:
            regret = np.full(len(idx), np.inf)
        # most urgent first: no second choice, then largest regret, then largest demand
        key = np.lexsort((-w[idx], -np.nan_to_num(regret, posinf=np.finfo(float).max)))
        r = int(key[0])
        i = int(idx[r])
        s = int(np.argmin(Sm[r]))
        a[i] = s
        resid[s] -= w[i]
        free[i] = False
    cur = S[rows, a]
    for _ in range(20 * n):
        if time.perf_counter() > deadline:
            break
        # best shift: row i to site s with room
        delta = S - cur[:, None]
        delta[w[:, None] > resid[None, :] + 1e-9] = np.inf
        i, s = (int(v) for v in np.unravel_index(int(np.argmin(delta)), delta.shape))
        best_shift = float(delta[i, s])
        # best swap of two rows at different sites
        Sa = S[:, a]  # Sa[i, r] = cost of row i at the site of row r
        D = Sa + Sa.T - cur[:, None] - cur[None, :]
        room_r = resid[a][None, :] + w[None, :] - w[:, None]  # room at a[r] after i in, r out
        ok = (room_r >= -1e-9) & (room_r.T >= -1e-9) & (a[:, None] != a[None, :])
        D[~ok] = np.inf
        p_, q_ = (int(v) for v in np.unravel_index(int(np.argmin(D)), D.shape))
        best_swap = float(D[p_, q_])
        tol = -1e-9 * max(float(cur.sum()), 1.0)
        if min(best_shift, best_swap) >= tol:
            break
        if best_shift <= best_swap:
            resid[a[i]] += w[i]
            resid[s] -= w[i]
            a[i] = s
        else:
            ap, aq = a[p_], a[q_]
            resid[ap] += w[p_] - w[q_]
            resid[aq] += w[q_] - w[p_]
            a[p_], a[q_] = aq, ap
        cur = S[rows, a]
    return sites[a], float(cur.sum())


def incumbent(
    W: FloatArray,
    w: FloatArray,
    cap: FloatArray,
    start: BoolArray,
    allowed: BoolArray,
    fixed: BoolArray,
    budget: float,
) -> Incumbent | None:
    """A good single-source solution from the open mask ``start`` within ``budget`` seconds:
    assignment by :func:`gap_assign`, then every open (non-fixed) site re-centred in turn on
    the candidate that serves its assigned demand most cheaply (within its capacity), kept
    when the reassigned whole is cheaper."""
    deadline = time.perf_counter() + budget
    y = start.copy()
    got = gap_assign(W, w, cap, np.flatnonzero(y), deadline)
    if got is None:
        return None
    asg, cost = got
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for j in np.flatnonzero(y & ~fixed):
            members = asg == j
            load = float(w[members].sum())
            col = W[members].sum(axis=0)
            col[~allowed | y | (cap < load - 1e-9)] = np.inf
            for jn in np.argsort(col)[:8]:
                if not np.isfinite(col[jn]) or time.perf_counter() > deadline:
                    break
                y2 = y.copy()
                y2[j], y2[jn] = False, True
                got = gap_assign(W, w, cap, np.flatnonzero(y2), deadline)
                if got is not None and got[1] < cost - 1e-9 * max(cost, 1.0):
                    y, (asg, cost) = y2, got
                    improved = True
                    break
    return Incumbent(y, asg, cost)
