# ruff: noqa: N803, N806  (matrix names C, D, L follow the formulas)
"""Exact p-median by the radius (cumulative covering) formulation with truncated radii that
grow where needed (Elloumi 2010; García, Labbé & Marín 2011, "ZEBRA"), solved with HiGHS.

For demand ``i`` let ``D⁰ < D¹ < … < D^{K-1}`` be its distinct costs to the allowed sites
(capped, see below) and ``zˡ = 1`` iff no open site lies within ``Dˡ``.  The chained model
with the first ``T`` radii kept is::

    min Σ_i w_i (D⁰ + Σ_{l<T_i} (Dˡ⁺¹ − Dˡ) zˡ)
    z⁰ + Σ_{c_ij = D⁰} y_j ≥ 1
    zˡ − zˡ⁻¹ + Σ_{c_ij = Dˡ} y_j ≥ 0          (l = 1 … T_i − 1)
    Σ_j y_j = p,  y binary,  z ≥ 0

With every radius kept (``T_i = K_i − 1``) it is the exact p-median.  With fewer it counts a
demand whose nearest open site lies beyond ``D^{T_i}`` as if it were at ``D^{T_i}``: a
*relaxation*, so its optimum is a proven lower bound.  Its solution ``y`` is then evaluated
exactly; where a demand is served beyond its truncation radius that demand's ``T_i`` grows to
the radius it is really served at and the model is solved again.  When no demand lies beyond
its radius the relaxation's optimum equals the true cost of its solution: proven optimal.

The first radii come from the incumbent: ``T_i`` = the level of its distance in the
heuristic solution, so a good incumbent is represented exactly and most demands (those
served by a nearby site, i.e. almost all of them when ``p`` is large) need one or two rows.
Radii are also capped at the nearest forced-open site and at the ``(m − p + 1)``-th nearest
allowed site (one of those is always open), which bounds ``K_i``.

The p-median model calls it with Lagrangian *service caps* instead (``caps``/``pairs``,
:func:`soteplan.locate._lagrange.service_caps`): per demand the largest cost it can be served
at in a solution no worse than the incumbent, and the pairs that can serve in one.  Capped
there, the model is exact over all those solutions (no relaxation, one round) and its LP is
the classical one restricted to the useful pairs, not the much weaker truncated relaxation.
On the OR-Library shapes with ``p ≥ n/10`` this cut HiGHS' time 5–20× (pmed40's shape,
n = 900, p = 90: 31 s to 1.5 s; docs/benchmarks.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from soteplan.locate._highs import solve_mip

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


# With Lagrangian caps the incumbent handed to HiGHS is nearly always optimal already and the
# capped model is exact: the proof is all that is left.  HiGHS' primal heuristics (sub-MIPs)
# and its root restarts after presolve then cost most of the time (OR-Library shape of pmed13,
# n = 300, p = 30: 7.1 s with them, 1.9 s without; benchmarks/bench_locate.py).
CAPPED_OPTIONS: dict[str, float | bool] = {"mip_heuristic_effort": 0.01, "mip_allow_restart": False}
# above this many nonzeros (estimated before building) the capped model is not built whole
# (10 000 × 500 Euclidean, p = 100: 3.9 million rows, longer to build than the time limit)
CAPPED_MAX_NONZEROS = 1_500_000


@dataclass(frozen=True, eq=False)
class RadiusOutcome:
    """Result of :func:`solve_radius`.

    ``best``/``upper``: best open mask found and its objective; ``lower``: proven lower bound
    over the reduced problem (``-inf`` if none); ``finished``: proven optimal over it.
    """

    best: BoolArray
    upper: float
    lower: float
    finished: bool
    rounds: int
    rows: int
    nonzeros: int
    mip_seconds: float
    capped: bool = False  # the whole capped (exact) model was solved, not a truncation


@dataclass(frozen=True, eq=False)
class _Levels:
    """Per-demand sorted allowed sites and their distance levels (padded to ``m2``)."""

    cols: IntArray  # allowed column indices (y variable order)
    site: IntArray  # (n, m2): y index of the r-th nearest allowed site
    lev: IntArray  # (n, m2): level of the r-th nearest site
    D: FloatArray  # (n, m2): value of level l (padded with inf)
    K: IntArray  # number of levels within the cap


def _levels(C: FloatArray, allowed: BoolArray, forced: BoolArray, p: int) -> _Levels:
    cols = np.flatnonzero(allowed).astype(np.int64)
    Csub = C[:, cols]
    n, m2 = Csub.shape
    order = np.argsort(Csub, axis=1, kind="stable")
    S = np.take_along_axis(Csub, order, axis=1)
    new = np.ones((n, m2), dtype=bool)
    new[:, 1:] = S[:, 1:] != S[:, :-1]
    lev = np.cumsum(new, axis=1) - 1
    D = np.full((n, m2), np.inf)
    ii, rr = np.nonzero(new)
    D[ii, lev[ii, rr]] = S[ii, rr]
    cap = np.full(n, np.inf)
    fsub = forced[cols]
    if fsub.any():
        cap = Csub[:, fsub].min(axis=1)
    kth = m2 - p
    if 0 <= kth < m2:
        cap = np.minimum(cap, S[:, kth])
    # K = number of levels with value ≤ cap (≥ 1)
    K = np.maximum((cap[:, None] >= D).sum(axis=1), 1).astype(np.int64)
    return _Levels(cols, order.astype(np.int64), lev.astype(np.int64), D, K)


def _level_of(L: _Levels, dist: FloatArray) -> IntArray:
    """Level index of each demand's distance ``dist`` (the first level ≥ dist)."""
    tol = 1e-9 * np.maximum(dist, 1.0)
    out = ((dist - tol)[:, None] > L.D).sum(axis=1).astype(np.int64)
    return np.minimum(out, L.K - 1)


def _build(
    L: _Levels,
    w: FloatArray,
    T: IntArray,
    p: int,
    forced_sub: BoolArray,
    keep: BoolArray | None = None,
) -> tuple[FloatArray, sp.csc_matrix, FloatArray, FloatArray, FloatArray, FloatArray, float]:
    n, m2 = L.site.shape
    rowstart = np.concatenate([[0], np.cumsum(T)[:-1]]).astype(np.int64)
    nrow = int(T.sum())
    M = L.lev < T[:, None]
    if keep is not None:
        M &= keep
    ii, rr = np.nonzero(M)
    y_rows = rowstart[ii] + L.lev[ii, rr]
    y_cols = L.site[ii, rr]
    # z variables: one per row, z index == row index
    zi = np.repeat(np.arange(n), T)
    zl = np.arange(nrow) - rowstart[zi]
    z_cost = w[zi] * (L.D[zi, zl + 1] - L.D[zi, zl])
    chain = zl + 1 < T[zi]
    r_all = np.concatenate([y_rows, np.arange(nrow), np.flatnonzero(chain) + 1, np.full(m2, nrow)])
    c_all = np.concatenate(
        [y_cols, m2 + np.arange(nrow), m2 + np.flatnonzero(chain), np.arange(m2)]
    )
    v_all = np.concatenate(
        [np.ones(len(y_rows)), np.ones(nrow), -np.ones(int(chain.sum())), np.ones(m2)]
    )
    A = sp.csc_matrix((v_all, (r_all, c_all)), shape=(nrow + 1, m2 + nrow))
    lo = np.zeros(nrow + 1)
    lo[rowstart[T > 0]] = 1.0
    lo[nrow] = float(p)
    hi = np.full(nrow + 1, np.inf)
    hi[nrow] = float(p)
    cost = np.concatenate([np.zeros(m2), z_cost])
    col_lo = np.concatenate([forced_sub.astype(float), np.zeros(nrow)])
    offset = float(w @ L.D[:, 0])
    return cost, A, lo, hi, col_lo, np.concatenate([np.ones(m2), np.full(nrow, np.inf)]), offset


def _start(L: _Levels, T: IntArray, y0: BoolArray, C: FloatArray) -> FloatArray:
    d = C[:, L.cols[y0]].min(axis=1)
    rowstart = np.concatenate([[0], np.cumsum(T)[:-1]]).astype(np.int64)
    zi = np.repeat(np.arange(len(T)), T)
    zl = np.arange(int(T.sum())) - rowstart[zi]
    z = (L.D[zi, zl] < d[zi] - 1e-9 * np.maximum(d[zi], 1.0)).astype(float)
    return np.concatenate([y0.astype(float), z])


def solve_radius(
    C: FloatArray,
    w: FloatArray,
    p: int,
    allowed: BoolArray,
    forced: BoolArray,
    best: BoolArray,
    upper: float,
    *,
    deadline: float | None,
    max_rounds: int = 50,
    rel_gap: float = 1e-7,
    caps: FloatArray | None = None,
    pairs: BoolArray | None = None,
) -> RadiusOutcome:
    """Solve the p-median over ``allowed`` sites (``forced`` open) with iteratively grown
    radii (module docstring); ``best``/``upper`` is the incumbent (any feasible mask).

    ``caps``: per demand, the largest cost it can be served at in a solution no worse than
    ``upper`` (:func:`soteplan.locate._lagrange.service_caps`).  The radii then run up to
    the cap and the level just inside it is closed (``z = 0``): the model is the exact
    p-median over every such solution, with no truncation and no growth rounds (when that
    model has at most ``CAPPED_MAX_NONZEROS`` nonzeros; a larger one is truncated at the
    incumbent as without caps, and the caps bound its growth).  ``pairs``
    (same shape as ``C``): the pairs that can serve in such a solution; a site leaves the
    rows of the demands it cannot serve (where it is open, a site no farther serves them in
    every such solution), which tightens the relaxation and changes no such solution's cost."""
    L = _levels(C, allowed, forced, p)
    m2 = len(L.cols)
    forced_sub = forced[L.cols]
    inc_ok = bool(not (best & ~allowed).any() and not (forced & ~best).any())
    full = np.zeros(C.shape[1], dtype=bool)
    d_inc = C[:, best].min(axis=1) if inc_ok else L.D[:, 0].copy()
    T = np.minimum(_level_of(L, d_inc), L.K - 1)
    closed_last = np.zeros(len(T), dtype=bool)
    keep = None
    if pairs is not None:
        keep = np.take_along_axis(pairs[:, L.cols], L.site, axis=1)
    exact_caps = False
    top = L.K - 1
    closed_cap = closed_last
    if caps is not None:
        # level index of the cap (largest level ≤ cap): z there is 0 (served within it)
        tol = 1e-9 * np.maximum(np.where(np.isfinite(caps), caps, 1.0), 1.0)
        t_cap = ((caps + tol)[:, None] >= L.D).sum(axis=1).astype(np.int64) - 1
        t_cap = np.maximum(t_cap, 0)
        closed_cap = t_cap + 1 <= L.K - 1
        top = np.where(closed_cap, t_cap + 1, L.K - 1).astype(np.int64)
        inside = L.lev < top[:, None]
        if keep is not None:
            inside &= keep
        # the capped model whole when it is small enough (OR-Library shapes: 10³–10⁵ rows);
        # else (continuous costs, many distinct levels) truncated at the incumbent as before,
        # the caps bounding the growth and closing the last level where it is reached
        exact_caps = int(inside.sum()) + int(top.sum()) <= CAPPED_MAX_NONZEROS
        T = top if exact_caps else np.minimum(T, top)
        closed_last = closed_cap & (top == T)
    lower = -np.inf
    rounds = 0
    rows = nnz = 0
    mip_s = 0.0
    finished = False
    while rounds < max_rounds:
        remaining = None if deadline is None else deadline - time.perf_counter()
        if remaining is not None and remaining <= 0.05:
            break
        rounds += 1
        cost, A, lo, hi, clo, chi, off = _build(L, w, T, p, forced_sub, keep)
        if closed_last.any():
            last = m2 + np.cumsum(T) - 1
            chi[last[closed_last & (T > 0)]] = 0.0
        rows, nnz = int(A.shape[0]), int(A.nnz)
        integer = np.zeros(len(cost), dtype=bool)
        integer[:m2] = True
        x0 = _start(L, T, best[L.cols], C) if inc_ok else None
        if deadline is not None:  # the model's set-up took part of the time
            remaining = deadline - time.perf_counter()
            if remaining <= 0.05:
                break
        out = solve_mip(
            cost,
            A,
            lo,
            hi,
            clo,
            chi,
            integer,
            time_limit=remaining,
            start=x0,
            offset=off,
            mip_rel_gap=rel_gap,
            options=CAPPED_OPTIONS if exact_caps else None,
        )
        mip_s += out.seconds
        if np.isfinite(out.bound):
            lower = max(lower, out.bound)
        if out.x is None:
            break
        y = out.x[:m2] > 0.5
        full[:] = False
        full[L.cols[y]] = True
        obj = float(w @ C[:, full].min(axis=1))
        if obj < upper - 1e-12 * max(abs(upper), 1.0):
            best, upper = full.copy(), obj
            inc_ok = True
        if upper - lower <= rel_gap * max(abs(upper), 1.0):
            finished = True
            break
        if out.status != "optimal":
            break  # time limit inside HiGHS
        d = C[:, full].min(axis=1)
        lev = _level_of(L, d)
        grow = lev > T
        if not grow.any():
            # the relaxation is exact at its own (HiGHS-optimal) solution: proven optimal
            finished = True
            break
        T = np.where(grow, np.minimum(lev, top), T)
        closed_last = closed_cap & (top == T)
    return RadiusOutcome(best, upper, lower, finished, rounds, rows, nnz, mip_s, exact_caps)
