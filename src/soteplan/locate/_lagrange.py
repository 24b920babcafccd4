# ruff: noqa: N803, N806  (matrix names C, W follow the formulas)
"""Lagrangian relaxation of the p-median assignment constraints (Beasley 1993) and
reduced-cost variable fixing.

``L(λ) = Σ_i λ_i + min_{|y|=p} Σ_j y_j ρ_j(λ)`` with ``ρ_j(λ) = Σ_i min(0, w_i c_ij − λ_i)``.
Only the pairs with ``w_i c_ij < λ_i`` contribute to ``ρ``; at the multipliers the
subgradient method visits these are a handful per demand when ``p`` is large (a few per row
on the OR-Library shapes with ``p ≥ n/10``) and a small share of the row when ``p`` is
small.  Each demand's cheapest ``L`` candidates are therefore kept (an ``argpartition``,
not a sort) and one iteration touches ``n × L`` pairs instead of ``n × m``; ``L`` doubles as
soon as some ``λ_i`` passes the cheapest cost left out of its row, so every value computed is
the exact ``L(λ)`` of the dense formula.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from soteplan.locate._swap import jit_kernels

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

PREFIX_START = 16  # first number of cheapest candidates kept per demand
DENSE_RATIO = 40.0  # dense from the start when candidates per site to open exceed this
DENSE_SHARE = 0.2  # above this share of all pairs kept, iterate on the dense matrix
JIT_MAX_KEEP = 64  # the compiled row selection up to this many pairs per row (else numpy)


@dataclass(frozen=True, eq=False)
class LagrangeOutcome:
    """Best Lagrangian bound, its multipliers and reduced site costs (0 for closed sites)."""

    bound: float
    lam: FloatArray
    rho: FloatArray
    iterations: int
    best_open: BoolArray | None
    best_obj: float


class _Pairs:
    """The pairs each row keeps (its ``L_i`` cheapest allowed sites), sorted by site, and
    the cheapest weighted cost each row leaves out (``inf`` when it keeps them all).

    A row whose multiplier passes what it left out keeps more (``grow``); nothing else
    changes, so the pair list stays a few per row where the multipliers are small."""

    def __init__(self, WCs: FloatArray, L: int) -> None:
        self.WCs = WCs
        n, ms = WCs.shape
        self.keep = np.full(n, min(max(L, 1), ms), dtype=np.int64)
        self.rows_v: list[tuple[IntArray, IntArray, FloatArray]] = []
        self.out = np.full(n, np.inf)
        self._set(np.arange(n), self.keep)

    def _set(self, rows: IntArray, keep: IntArray) -> None:
        """(Re)build the kept pairs of ``rows`` (all rows share one ``keep`` per call)."""
        ms = self.WCs.shape[1]
        size = int(keep[0])
        kern = jit_kernels(self.WCs.size) if size < ms and size <= JIT_MAX_KEEP else None
        if kern is not None:
            idx = np.empty((len(rows), size), dtype=np.int64)
            vals = np.empty((len(rows), size))
            nxt = np.empty(len(rows))
            kern.smallest_per_row(self.WCs, rows.astype(np.int64), size, idx, vals, nxt)
            self.out[rows] = nxt
            self.rows_v.append((np.repeat(rows, size), idx.ravel(), vals.ravel()))
            return
        sub = self.WCs[rows]
        if size >= ms:
            idx = np.broadcast_to(np.arange(ms), sub.shape)
            self.out[rows] = np.inf
        else:
            part = np.argpartition(sub, size, axis=1)
            idx = part[:, :size]
            self.out[rows] = np.take_along_axis(sub, part[:, size : size + 1], axis=1)[:, 0]
        vals = np.take_along_axis(sub, idx, axis=1)
        self.rows_v.append((np.repeat(rows, idx.shape[1]), idx.ravel(), vals.ravel()))

    def grow(self, rows: IntArray, lam: FloatArray) -> None:
        """Keep at least twice as many pairs in ``rows``, and twice those below ``lam``."""
        ms = self.WCs.shape[1]
        below = (self.WCs[rows] < lam[rows, None]).sum(axis=1)
        want = np.maximum(2 * self.keep[rows], 2 * below)
        # round up to a power of two: few distinct lengths, few argpartition calls
        want = 2 ** np.ceil(np.log2(np.maximum(want, 1))).astype(np.int64)
        self.keep[rows] = np.minimum(want, ms)
        drop = np.zeros(len(self.keep), dtype=bool)
        drop[rows] = True
        self.rows_v = [(r[~drop[r]], s[~drop[r]], v[~drop[r]]) for r, s, v in self.rows_v]
        for size in np.unique(self.keep[rows]):
            g = rows[self.keep[rows] == size]
            self._set(g, self.keep[g])

    def finish(self) -> None:
        """Sort the pairs by site and note the segment starts (for ``reduceat``)."""
        r, s, v = (np.concatenate(a) for a in zip(*self.rows_v, strict=True))
        order = np.argsort(s, kind="stable")
        self.row, self.site, self.val = r[order], s[order], v[order]
        self.rows_v = [(self.row, self.site, self.val)]
        bounds = np.flatnonzero(np.r_[True, self.site[1:] != self.site[:-1]])
        self.seg_start = bounds
        self.seg_site = self.site[bounds]
        self.t = np.empty(len(self.val))


def _dense_value(
    WCt: FloatArray, lam: FloatArray, k: int, free: IntArray, fixed_sub: BoolArray, buf: FloatArray
) -> tuple[float, FloatArray, BoolArray, FloatArray]:
    np.subtract(WCt, lam[None, :], out=buf)
    np.minimum(buf, 0.0, out=buf)
    rho = buf.sum(axis=1)
    y = fixed_sub.copy()
    if k > 0:
        pick = free[np.argpartition(rho[free], k - 1)[:k]] if k < len(free) else free
        y[pick] = True
    return float(lam.sum() + rho[y].sum()), rho, y, rho


def _value(
    P: _Pairs, lam: FloatArray, ms: int, k: int, free: IntArray, fixed_sub: BoolArray
) -> tuple[float, FloatArray, BoolArray, BoolArray]:
    t = P.t
    np.subtract(P.val, lam[P.row], out=t)
    np.minimum(t, 0.0, out=t)
    rho = np.zeros(ms)
    rho[P.seg_site] = np.add.reduceat(t, P.seg_start)
    y = fixed_sub.copy()
    if k > 0:
        pick = free[np.argpartition(rho[free], k - 1)[:k]] if k < len(free) else free
        y[pick] = True
    return float(lam.sum() + rho[y].sum()), rho, y, t < 0.0


@dataclass(frozen=True, eq=False)
class SortedRows:
    """Each row's weighted costs ``w_i c_ij`` over ``sites`` in ascending order (``V``) and
    their positions in ``sites`` (``J``), for the compiled subgradient loop.  Sorting is
    most of a node's set-up, so branch and bound builds this once for its root and each
    node's bound only switches sites off (``allowed`` must lie within ``sites``)."""

    sites: IntArray
    V: FloatArray
    J: IntArray
    WT: FloatArray  # the weighted costs site by site, unsorted (ms × n)

    @classmethod
    def build(cls, C: FloatArray, w: FloatArray, allowed: BoolArray) -> SortedRows:
        sites = np.flatnonzero(allowed)
        return cls.from_weighted(w[:, None] * C[:, sites], sites)

    def subset(self, allowed: BoolArray, kern: Any) -> SortedRows:
        """The sorted rows of the ``allowed`` sites among these (a compaction, no sort)."""
        keep = allowed[self.sites]
        newpos = np.full(len(self.sites), -1, dtype=np.int64)
        newpos[keep] = np.arange(int(keep.sum()))
        n = self.V.shape[0]
        ms_new = int(keep.sum())
        V2 = np.empty((n, ms_new))
        J2 = np.empty((n, ms_new), dtype=np.int64)
        kern.compact_rows(self.V, self.J, newpos, ms_new, V2, J2)
        return SortedRows(self.sites[keep], V2, J2, np.ascontiguousarray(self.WT[keep]))

    @classmethod
    def from_weighted(cls, WCs: FloatArray, sites: IntArray) -> SortedRows:
        order = np.argsort(WCs, axis=1, kind="stable")
        V = np.ascontiguousarray(np.take_along_axis(WCs, order, axis=1))
        return cls(
            sites, V, np.ascontiguousarray(order, dtype=np.int64), np.ascontiguousarray(WCs.T)
        )


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
    rows: SortedRows | None = None,
) -> LagrangeOutcome:
    """Subgradient optimisation of the Lagrangian relaxation of the assignment constraints
    (Beasley 1993): ``L(λ) = Σλ_i + min_{|y|=p} Σ_j y_j Σ_i min(0, w_i c_ij − λ_i)``.

    Only the allowed sites take part (closed sites, e.g. fixed closed in a branch-and-bound
    node, get ``rho = 0``); each iteration works on the rows' cheapest candidates (module
    docstring) and evaluates the primal solution ``y`` every tenth iteration (a free upper
    bound).  ``rows``: the sorted rows of a superset of ``allowed`` (see
    :class:`SortedRows`), used by the compiled loop instead of sorting again.
    """
    m = C.shape[1]
    if (
        rows is not None
        and lam0 is not None
        and max_iter > 0
        and (kern := jit_kernels(C.size)) is not None
    ):
        active = np.zeros(m, dtype=bool)
        active[rows.sites] = True
        if (allowed & ~active).any():
            raise ValueError("allowed sites outside the sorted rows")
        act = allowed[rows.sites]
        fixed_sub = fixed[rows.sites] & act
        free = np.flatnonzero(act & ~fixed_sub)
        k = p - int(fixed_sub.sum())
        return _bound_compiled(
            kern,
            rows,
            act,
            fixed_sub,
            free,
            k,
            lam0.copy(),
            upper,
            max_iter,
            deadline,
            tol,
            stall_limit,
            m,
        )
    sites = np.flatnonzero(allowed)
    ms = len(sites)
    WCs = w[:, None] * C[:, sites]
    fixed_sub = fixed[sites]
    free = np.flatnonzero(~fixed_sub)
    k = p - int(fixed_sub.sum())
    # start: each demand's weighted second-smallest allowed cost (a common choice)
    if lam0 is not None:
        lam = lam0.copy()
    elif ms >= 2 and (kern := jit_kernels(WCs.size)) is not None:
        n = WCs.shape[0]
        lam = np.empty(n)
        kern.smallest_per_row(
            WCs, np.arange(n), 1, np.empty((n, 1), dtype=np.int64), np.empty((n, 1)), lam
        )
    elif ms >= 2:
        lam = np.partition(WCs, 1, axis=1)[:, 1].copy()
    else:
        lam = WCs[:, 0].copy()
    if (kern := jit_kernels(C.size)) is not None and max_iter > 0:
        return _bound_compiled(
            kern,
            SortedRows.from_weighted(WCs, sites),
            np.ones(ms, dtype=bool),
            fixed_sub,
            free,
            k,
            lam,
            upper,
            max_iter,
            deadline,
            tol,
            stall_limit,
            m,
        )
    P: _Pairs | None = None
    WCt: FloatArray | None = None
    buf = np.empty(0)
    if ms > DENSE_RATIO * max(k, 1):
        # few sites open among many: each row keeps a large share of them, dense is faster
        WCt = np.ascontiguousarray(WCs.T)
        buf = np.empty_like(WCt)
    else:
        P = _Pairs(WCs, PREFIX_START)
        P.finish()
    best_b, best_lam, best_rho_sub = -np.inf, lam.copy(), np.zeros(ms)
    best_open: BoolArray | None = None
    best_obj = upper
    theta = 2.0
    stall = 0
    it = 0
    for it in range(1, max_iter + 1):
        if P is not None:
            over = np.flatnonzero(lam > P.out)
            if over.size:
                while over.size:
                    P.grow(over, lam)
                    over = np.flatnonzero(lam > P.out)
                P.finish()
                if len(P.val) > DENSE_SHARE * WCs.size:
                    # most pairs kept: the dense pass is faster (small p)
                    P = None
                    WCt = np.ascontiguousarray(WCs.T)
                    buf = np.empty_like(WCt)
        if P is not None:
            val, rho_sub, y_sub, neg = _value(P, lam, ms, k, free, fixed_sub)
        else:
            assert WCt is not None
            val, rho_sub, y_sub, _ = _dense_value(WCt, lam, k, free, fixed_sub, buf)
        if val > best_b + 1e-12 * max(abs(val), 1.0):
            best_b, best_lam, best_rho_sub = val, lam.copy(), rho_sub
            stall = 0
        else:
            stall += 1
            if stall >= stall_limit:
                theta /= 2.0
                stall = 0
        if it % 10 == 1:
            y = np.zeros(m, dtype=bool)
            y[sites[y_sub]] = True
            obj = float(w @ C[:, y].min(axis=1))
            if obj < best_obj:
                best_obj, best_open = obj, y
        if best_obj - best_b <= tol * max(abs(best_obj), 1.0) or theta < 1e-3:
            break
        if deadline is not None and time.perf_counter() > deadline:
            break
        if P is not None:
            hit = neg & y_sub[P.site]
            g = 1.0 - np.bincount(P.row[hit], minlength=len(lam))
        else:
            assert WCt is not None
            g = 1.0 - (WCt[y_sub] < lam[None, :]).sum(axis=0)
        norm = float(g @ g)
        if norm == 0.0:
            break
        lam = np.maximum(lam + theta * (best_obj - val) / norm * g, 0.0)
    rho = np.zeros(m)
    rho[sites] = best_rho_sub
    return LagrangeOutcome(best_b, best_lam, rho, it, best_open, best_obj)


JIT_CHUNK = 32  # compiled subgradient steps between two looks at the deadline


def _bound_compiled(
    kern: Any,
    rows: SortedRows,
    active: BoolArray,
    fixed_sub: BoolArray,
    free: IntArray,
    k: int,
    lam: FloatArray,
    upper: float,
    max_iter: int,
    deadline: float | None,
    tol: float,
    stall_limit: int,
    m: int,
) -> LagrangeOutcome:
    """:func:`lagrangian_bound`'s loop in one compiled kernel (``_swap_numba.subgradient``):
    the same steps, step-size rule, stopping rules and primal checks, with each row's pairs
    visited in ascending order up to its multiplier (``rows``, sorted once) instead of the
    pair list; the deadline is looked at every :data:`JIT_CHUNK` steps.  ``active``,
    ``fixed_sub`` and ``free`` are over ``rows.sites``."""
    n, ms = rows.V.shape
    state = np.array([2.0, 0.0, -np.inf, float(upper), 0.0, 0.0])
    lam = np.ascontiguousarray(lam, dtype=np.float64)
    best_lam = lam.copy()
    best_rho = np.zeros(ms)
    best_y = np.zeros(ms, dtype=np.bool_)
    rho, y, g = np.zeros(ms), np.zeros(ms, dtype=np.bool_), np.zeros(n)
    act = np.ascontiguousarray(active, dtype=np.bool_)
    fs = np.ascontiguousarray(fixed_sub, dtype=np.bool_)
    fr = free.astype(np.int64)
    while state[4] < max_iter:
        steps = int(min(JIT_CHUNK, max_iter - state[4]))
        done = kern.subgradient(
            rows.V,
            rows.J,
            rows.WT,
            act,
            lam,
            k,
            fr,
            fs,
            steps,
            stall_limit,
            tol,
            state,
            best_lam,
            best_rho,
            best_y,
            rho,
            y,
            g,
        )
        if done or (deadline is not None and time.perf_counter() > deadline):
            break
    rho_full = np.zeros(m)
    rho_full[rows.sites] = best_rho
    best_open: BoolArray | None = None
    if state[5] > 0:
        best_open = np.zeros(m, dtype=bool)
        best_open[rows.sites[best_y]] = True
    return LagrangeOutcome(
        float(state[2]), best_lam, rho_full, int(state[4]), best_open, float(state[3])
    )


def _site_penalties(
    lag: LagrangeOutcome, p: int, allowed: BoolArray, fixed: BoolArray
) -> tuple[FloatArray, FloatArray, BoolArray] | None:
    """Least rise of the Lagrangian bound when a site is forced open (``ρ_j − ρ_(k)``, 0 for
    the sites the Lagrangian solution opens, ``inf`` for disallowed ones) and when an opened
    site is forced closed (``ρ_(k+1) − ρ_j``), with the Lagrangian solution's free sites;
    ``None`` when the ``k`` free sites to open leave no choice."""
    rho = lag.rho
    free = np.flatnonzero(allowed & ~fixed)
    k = p - int(fixed.sum())
    if k <= 0 or k >= len(free):
        return None
    order = free[np.argsort(rho[free], kind="stable")]
    chosen = np.zeros_like(allowed)
    chosen[order[:k]] = True
    open_pen = np.zeros(len(rho))
    open_pen[free] = np.maximum(rho[free] - rho[order[k - 1]], 0.0)
    open_pen[~allowed] = np.inf
    close_pen = np.zeros(len(rho))
    close_pen[order[:k]] = rho[order[k]] - rho[order[:k]]
    return open_pen, close_pen, chosen


def fix_by_reduced_cost(
    lag: LagrangeOutcome, p: int, allowed: BoolArray, fixed: BoolArray, upper: float
) -> tuple[BoolArray, BoolArray]:
    """Lagrangian variable fixing: close site ``j`` if forcing it open pushes the bound
    above ``upper``; force it open if closing it does.  Returns (closed, forced_open).
    Any solution better than ``upper`` respects both."""
    closed = ~allowed
    forced = fixed.copy()
    pens = _site_penalties(lag, p, allowed, fixed)
    if pens is None:
        return closed, forced
    open_pen, close_pen, chosen = pens
    limit = upper + 1e-9 * max(abs(upper), 1.0) - lag.bound
    closed = closed | (allowed & ~fixed & ~chosen & (open_pen > limit))
    forced = forced | (chosen & (close_pen > limit))
    return closed, forced


def service_caps(
    lag: LagrangeOutcome,
    C: FloatArray,
    w: FloatArray,
    p: int,
    allowed: BoolArray,
    fixed: BoolArray,
    upper: float,
) -> tuple[FloatArray, BoolArray | None]:
    """Largest cost at which each demand can be served in a solution no worse than ``upper``,
    and the pairs (demand, site) that can serve in such a solution.

    Serving demand ``i`` from site ``j`` raises the Lagrangian bound by at least
    ``max(0, w_i c_ij − λ_i)`` plus the site's opening penalty ``ρ_j − ρ_(k)`` when the
    Lagrangian solution leaves ``j`` closed (the reduced-cost argument of
    :func:`fix_by_reduced_cost`, per pair).  Pairs whose raised bound exceeds ``upper`` are
    in no solution that good; the cap of row ``i`` is its largest remaining ``c_ij``
    (``inf`` and ``None`` where the argument excludes nothing, e.g. ``k`` out of range).
    """
    pens = _site_penalties(lag, p, allowed, fixed)
    if pens is None or not np.isfinite(lag.bound):
        return np.full(C.shape[0], np.inf), None
    # per site: room left for the pair's reduced cost
    slack = upper + 1e-9 * max(abs(upper), 1.0) - lag.bound - pens[0]
    WC = w[:, None] * C
    ok = (slack[None, :] >= 0) & (WC - lag.lam[:, None] <= slack[None, :])
    caps = np.where(ok, C, -np.inf).max(axis=1)
    return np.where(np.isfinite(caps), caps, np.inf), ok
