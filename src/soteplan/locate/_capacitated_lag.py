# ruff: noqa: N803, N806  (matrix names W, F, Q follow the formulas)
"""Lagrangian relaxation of the single-source capacitated p-median's assignment rows.

Relaxing ``Σ_j x_ij = 1`` with multipliers ``λ_i`` leaves, per site ``j``, a 0-1 knapsack:

``v_j(λ) = − max Σ_i (λ_i − w_i c_ij) x_ij  s.t.  Σ_i w_i x_ij ≤ Q_j``

and ``L(λ) = Σ_i λ_i + min_{Σ y = p} Σ_j v_j y_j`` (fixed sites always open).  The knapsacks
are solved exactly by dynamic programming over integer weights; non-integer or large data are
scaled down with the weights rounded down and the capacities rounded down *after* a tolerance,
which only enlarges the feasible sets, so ``L(λ)`` stays a valid lower bound (Fisher 1981;
for the capacitated p-median Osman & Christofides 1994, Lorena & Senne 2004).  Because the
knapsack keeps integrality, ``L`` at the LP duals is at least the LP bound (when the aggregate
row ``Σ Q_j y_j ≥ Σ w`` is implied, e.g. equal capacities), and subgradient steps raise it.

At the best multipliers the same tables fix variables against an incumbent ``UB``: a closed
site whose opening (in place of the dearest open one) lifts ``L`` above ``UB`` stays closed,
an open site whose closing does so stays open, and a pair ``(i, j)`` is dropped when forcing
``x_ij = 1`` (site ``j`` open, item ``i`` in its knapsack: at most ``λ_i − w_i c_ij +
F_j(Q_j − w_i)`` profit, ``F_j`` the knapsack table over all items) lifts ``L`` above ``UB``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from soteplan.locate._swap import jit_kernels

__all__ = ["LagrangeCPMP", "lagrangian_cpmp"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

STALL = 8  # iterations without a better bound before the step is halved
PROGRESS_WINDOW = 40  # stop when over this many iterations the best bound rose
PROGRESS_MIN = 2e-5  # ... by less than this share
# compiled knapsacks from this many matrix entries (n × m) on: the numpy loop over sites
# costs 13–25 ms per evaluation at 100 × 100 against about 1 ms compiled (docs/benchmarks.md)
JIT_MIN_ENTRIES = 5_000
DP_CAPACITY = 4000  # largest knapsack capacity index solved exactly; larger data are scaled


@dataclass(frozen=True, eq=False)
class LagrangeCPMP:
    """Best Lagrangian bound and what it fixes against the incumbent ``ub``.

    ``site_value[j] = v_j(λ)`` at the best ``λ`` (``inf`` for sites not allowed): every
    site's knapsack gives the valid *Lagrangian cut* ``Σ_i (λ_i − w_i c_ij) x_ij + v_j y_j ≤ 0``
    (the profit of what site ``j`` serves is at most its knapsack optimum, and nothing when
    closed); with the assignment rows and ``Σ y = p`` these cuts put the LP bound at ``L(λ)``.

    ``pair_bound[i, j]``: ``L`` with ``x_ij = 1`` forced (``inf`` for pairs not allowed or
    at sites fixed closed, where no solution cheaper than ``ub`` lies; ``nan`` everywhere
    without an incumbent), what the pair fixing compared with ``ub``; ``keep_pair[i, j]``: pair may
    be in a solution cheaper than ``ub``; ``site_closed`` /
    ``site_open``: sites fixed closed / open; ``open_sets``: site sets met in the
    relaxation (for the heuristic); ``exact_knapsack``: no scaling was needed."""

    bound: float
    lam: FloatArray
    site_value: FloatArray
    iterations: int
    keep_pair: BoolArray
    pair_bound: FloatArray
    site_closed: BoolArray
    site_open: BoolArray
    open_sets: list[BoolArray]
    exact_knapsack: bool


def _scale(w: FloatArray, cap: FloatArray) -> tuple[IntArray, FloatArray, float]:
    """Integer item weights and a scale ``s`` with ``⌊s w_i⌋`` summing to at most ``⌊s Q⌋``
    for every set that fits in ``Q`` (so the scaled knapsack is a relaxation)."""
    qmax = float(cap.max()) if cap.size else 0.0
    integral = bool(np.all(np.abs(w - np.round(w)) <= 1e-9))
    s = 1.0 if integral and qmax <= DP_CAPACITY else DP_CAPACITY / max(qmax, 1e-12)
    wi = np.floor(w * s + (1e-9 if s == 1.0 else 0.0)).astype(np.int64)
    return wi, cap * s, s


def _knapsack(
    profit: FloatArray, wi: IntArray, Q: int, *, table: bool
) -> tuple[float, IntArray, FloatArray | None]:
    """0-1 knapsack over the items with ``profit > 0``: (best profit, chosen item indices,
    the profit-by-capacity table ``F[0..Q]`` over all those items when ``table``)."""
    items = np.flatnonzero(profit > 0)
    zero = items[wi[items] == 0]
    base = float(profit[zero].sum())
    items = items[(wi[items] > 0) & (wi[items] <= Q)]
    if Q < 0:
        return -np.inf, np.zeros(0, np.int64), None
    F = np.zeros(Q + 1)
    hist = np.empty((len(items), Q + 1)) if len(items) else np.zeros((0, Q + 1))
    for k, i in enumerate(items):
        hist[k] = F
        wk, pk = int(wi[i]), float(profit[i])
        F[wk:] = np.maximum(F[wk:], F[:-wk] + pk)
    # backtrack: item k was taken where the table changed at the current capacity
    chosen = []
    q = Q
    for k in range(len(items) - 1, -1, -1):
        prev = hist[k]
        cur = hist[k + 1] if k + 1 < len(items) else F
        if cur[q] > prev[q] + 1e-12 * max(1.0, abs(cur[q])):
            chosen.append(int(items[k]))
            q -= int(wi[items[k]])
    out = np.concatenate([zero, np.asarray(chosen, dtype=np.int64)]).astype(np.int64)
    return float(F[Q]) + base, out, (F + base if table else None)


def _select(v: FloatArray, allowed: BoolArray, fixed: BoolArray, p: int) -> BoolArray:
    """Open the fixed sites and the ``p − |fixed|`` allowed others with the smallest ``v``."""
    y = fixed.copy()
    k = p - int(fixed.sum())
    free = np.flatnonzero(allowed & ~fixed)
    if k > 0:
        y[free[np.argsort(v[free], kind="stable")[:k]]] = True
    return y


def _evaluate(
    lam: FloatArray,
    W: FloatArray,
    wi: IntArray,
    Qi: IntArray,
    allowed: BoolArray,
    fixed: BoolArray,
    p: int,
    *,
    tables: bool = False,
) -> tuple[float, FloatArray, BoolArray, list[IntArray], list[FloatArray | None]]:
    """``L(λ)``, site values ``v``, the chosen sites, items per site, (tables).  Without
    ``tables``, problems of ``JIT_MIN_ENTRIES`` entries or more use the compiled knapsacks
    (:func:`soteplan.locate._swap_numba.knapsacks`), which return the items of the chosen
    sites only (all the ascent needs)."""
    m = W.shape[1]
    v = np.full(m, np.inf)
    chosen: list[IntArray] = [np.zeros(0, np.int64)] * m
    tabs: list[FloatArray | None] = [None] * m
    P = lam[:, None] - W  # -inf where W is inf
    kern = None if tables or W.size < JIT_MIN_ENTRIES else jit_kernels()
    if kern is not None:  # compiled knapsacks (items of the chosen sites only returned)
        take = np.zeros(W.shape, dtype=np.bool_)
        best = kern.knapsacks(P, wi, Qi, np.flatnonzero(allowed).astype(np.int64), take)
        v[allowed] = -best[allowed]
        y = _select(v, allowed, fixed, p)
        for j in np.flatnonzero(y):
            chosen[j] = np.flatnonzero(take[:, j])
        return float(lam.sum() + v[y].sum()), v, y, chosen, tabs
    for j in np.flatnonzero(allowed):
        best, ch, F = _knapsack(P[:, j], wi, int(Qi[j]), table=tables)
        v[j] = -best
        chosen[j] = ch
        tabs[j] = F
    y = _select(v, allowed, fixed, p)
    return float(lam.sum() + v[y].sum()), v, y, chosen, tabs


def lagrangian_cpmp(
    W: FloatArray,
    w: FloatArray,
    cap: FloatArray,
    p: int,
    allowed: BoolArray,
    fixed: BoolArray,
    ub: float,
    lam0: FloatArray,
    *,
    deadline: float,
    max_iter: int = 400,
    mu0: float = 0.5,
    stall: int = STALL,
    window: int = PROGRESS_WINDOW,
) -> LagrangeCPMP:
    """Subgradient ascent (Held–Wolfe–Crowder step ``μ (UB − L) / ‖g‖²``, ``μ`` halved after
    ``stall`` steps without a better bound) on ``L(λ)`` from ``lam0``, then fixing against
    ``ub``; it also stops when the best bound rose by less than ``PROGRESS_MIN`` over the last
    ``window`` steps.  ``W[i, j] = w_i c_ij``
    (``inf``: not allowed).  Stops at ``deadline`` (``time.perf_counter()``)."""
    n, m = W.shape
    wi, capq, _s = _scale(w, cap)
    Qi = np.floor(capq + 1e-9).astype(np.int64)
    lam = np.asarray(lam0, dtype=np.float64).copy()
    best_l, best_lam = -np.inf, lam.copy()
    mu, stall_count, it = mu0, 0, 0
    open_sets: list[BoolArray] = []
    seen: set[bytes] = set()
    history: list[float] = []
    tol = 1e-9 * max(abs(ub), 1.0) if np.isfinite(ub) else 0.0
    for it in range(1, max_iter + 1):  # noqa: B007  (the count is reported)
        L, _v, y, chosen, _ = _evaluate(lam, W, wi, Qi, allowed, fixed, p)
        key = y.tobytes()
        if key not in seen:
            seen.add(key)
            open_sets.append(y.copy())
        if not np.isfinite(best_l) or best_l + 1e-12 * max(abs(best_l), 1.0) < L:
            best_l, best_lam, stall_count = L, lam.copy(), 0
        else:
            stall_count += 1
            if stall_count >= stall:  # halve the step and restart from the best multipliers
                mu, stall_count = mu / 2.0, 0
                lam = best_lam.copy()
                continue
        g = np.ones(n)
        for j in np.flatnonzero(y):
            g[chosen[j]] -= 1.0
        gg = float(g @ g)
        if gg == 0.0 or (np.isfinite(ub) and best_l >= ub - tol):
            break  # L(λ) attained with every row assigned once: optimal, or bound reaches UB
        if mu < 1e-4 or time.perf_counter() > deadline:
            break
        history.append(best_l)
        if len(history) > window and best_l - history[-window - 1] <= (
            PROGRESS_MIN * max(abs(best_l), 1.0)
        ):
            break  # the bound has stopped moving
        target = ub if np.isfinite(ub) else L + 0.05 * abs(L) + 1.0
        lam = lam + mu * max(target - L, 1e-9 * max(abs(L), 1.0)) / gg * g
    # fixing at the best multipliers
    L, v, y, _chosen, tabs = _evaluate(best_lam, W, wi, Qi, allowed, fixed, p, tables=True)
    best_l = max(best_l, L)
    keep = np.isfinite(W) & allowed[None, :]
    closed = np.zeros(m, dtype=bool)
    opened = np.zeros(m, dtype=bool)
    pair_bound = np.full((n, m), np.nan)
    if np.isfinite(ub):
        pair_bound[:] = np.inf
        slack = ub + 1e-7 * max(abs(ub), 1.0)
        free_open = np.flatnonzero(y & ~fixed)
        free_closed = np.flatnonzero(allowed & ~fixed & ~y)
        v_last = float(v[free_open].max()) if free_open.size else np.inf
        v_next = float(v[free_closed].min()) if free_closed.size else np.inf
        # value of L when site j is forced open (j closed: it replaces the dearest open one)
        swap_in = np.where(y, 0.0, v - v_last)
        closed[free_closed] = L + v[free_closed] - v_last > slack
        opened[free_open] = L - v[free_open] + v_next > slack
        P = best_lam[:, None] - W
        for j in np.flatnonzero(allowed & ~closed):
            F = tabs[j]
            rows = np.flatnonzero(keep[:, j])
            if F is None or rows.size == 0:
                continue
            q = np.floor(capq[j] - wi[rows] + 1e-9).astype(np.int64)  # room left with i in
            ok = q >= 0
            forced = np.full(rows.size, -np.inf)
            forced[ok] = P[rows[ok], j] + F[q[ok]]  # most profit with item i taken
            # L with x_ij = 1: site j open (swap_in) and its value −forced instead of v_j
            lij = L + swap_in[j] - v[j] - forced
            pair_bound[rows, j] = lij
            keep[rows[lij > slack], j] = False
        keep[:, closed] = False
        pair_bound[:, closed] = np.inf
    return LagrangeCPMP(
        best_l, best_lam, v, it, keep, pair_bound, closed, opened, open_sets, _s == 1.0
    )
