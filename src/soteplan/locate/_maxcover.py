# ruff: noqa: N803, N806  (matrix names A, U follow the formulas)
"""Numerical core of the maximal covering location problem (:class:`MaxCover`): the sparse
coverage matrix, dominated sites, greedy and swap search, the Lagrangian bound of the
coverage rows with reduced-cost site fixing, and the reduced MIP.

The coverage matrix ``A`` (aggregated rows × sites, ``a_ij = 1`` when site ``j`` covers
row ``i``) is kept sparse (a few per cent of the entries at the benchmark shapes) and all
products are sparse: dense float products go through BLAS, whose threads made the swap
search 30× slower on a loaded two-core machine (0.25 s instead of 7 ms, 2 000 × 200).

Lagrangian relaxation of ``z_i ≤ Σ_j a_ij y_j`` with multipliers ``λ_i ∈ [0, w_i]``
(Galvão & ReVelle 1996; Galvão, Espejo & Boffey 2000)::

    L(λ) = Σ_i max(0, w_i − λ_i) + max_{|y| = p} Σ_j y_j s_j,   s_j = Σ_i λ_i a_ij,

an upper bound on the covered weight for every such ``λ``, at best the LP bound.  The
multipliers come from HiGHS' interior-point method without crossover (the LP dual of the
coverage rows): the bound is recomputed from them here, so an inexact dual still gives a
valid bound, and a central dual fixes more sites than a simplex vertex (150 instead of 110
of 199 sites closed at 2 000 × 200, p = 20, docs/benchmarks.md, MCLP seventh pass).

References
----------
Church, R., ReVelle, C. (1974). The maximal covering location problem. Papers of the
Regional Science Association 32, 101-118.
Galvão, R. D., ReVelle, C. (1996). A Lagrangean heuristic for the maximal covering location
problem. EJOR 88, 114-123.
Galvão, R. D., Espejo, L. G. A., Boffey, B. (2000). A comparison of Lagrangean and surrogate
relaxations for the maximal covering location problem. EJOR 124, 377-389.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from soteplan.locate._base import merge_identical_rows
from soteplan.locate._highs import MipOutcome, solve_mip
from soteplan.locate._lagrange import LagrangeOutcome, fix_by_reduced_cost

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

# The LP of the coverage model, solved only for its row duals (the multipliers) and its
# column values (the rounding start): HiGHS' interior-point method without crossover took
# 0.035 s, the primal simplex 0.06 s and the default dual simplex 0.19 s (2 000 × 200,
# p = 20, loaded machine); the central dual also fixes more sites (module docstring).
LP_DUAL_OPTIONS: dict[str, float | bool | str] = {
    "presolve": "off",
    "solver": "ipm",
    "run_crossover": "off",
}


@dataclass(frozen=True, eq=False)
class Cover:
    """Sparse coverage matrix ``A`` (rows × sites) in both orientations, with row weights."""

    A: sp.csr_matrix
    At: sp.csr_matrix
    w: FloatArray

    @classmethod
    def from_dense(cls, U: BoolArray, w: FloatArray) -> Cover:
        A = sp.csr_matrix(U, dtype=np.float64)
        return cls(A, A.T.tocsr(), np.asarray(w, dtype=np.float64))

    @property
    def shape(self) -> tuple[int, int]:
        r, m = self.A.shape
        return int(r), int(m)

    def counts(self, y: BoolArray) -> FloatArray:
        """Number of open sites covering each row."""
        return np.asarray(self.A @ y.astype(np.float64))

    def value(self, y: BoolArray) -> float:
        """Covered weight of the open mask ``y``."""
        return float(self.w @ (self.counts(y) > 0.5))

    def column_rows(self, j: int) -> NDArray[np.int32]:
        """Rows covered by site ``j``."""
        return self.At.indices[self.At.indptr[j] : self.At.indptr[j + 1]]


def dominated_sites(cv: Cover, allowed: BoolArray, fixed: BoolArray, p: int) -> BoolArray:
    """Allowed, unfixed sites whose covered rows all lie in another allowed site's cover.

    Swapping such a site for the one that dominates it never loses coverage, so some
    optimal solution avoids every one of them (equal covers: the lower index is kept), as
    long as ``p`` sites remain; if fewer would remain, nothing is dropped."""
    cand = np.flatnonzero(allowed)
    dominated = np.zeros(cv.shape[1], dtype=bool)
    if cand.size <= p:
        return dominated
    Ac = cv.At[cand]
    overlap = np.asarray((Ac @ Ac.T).toarray())  # |cover(j) ∩ cover(k)|
    size = np.diagonal(overlap).copy()
    sub = overlap >= size[:, None] - 0.5  # cover(j) ⊆ cover(k), row j, column k
    np.fill_diagonal(sub, False)
    equal = sub & sub.T
    # j is dominated by k when strictly contained, or equal and k has the lower index
    idx = np.arange(cand.size)
    strict = sub & ~equal
    tie = equal & (idx[None, :] < idx[:, None])
    dom = (strict | tie).any(axis=1) & ~fixed[cand]
    if cand.size - int(dom.sum()) < p:
        return dominated
    dominated[cand[dom]] = True
    return dominated


def greedy(cv: Cover, p: int, allowed: BoolArray, fixed: BoolArray) -> BoolArray:
    """Open the fixed sites, then repeatedly the site covering the most uncovered weight."""
    y = fixed.copy()
    wu = cv.w * (cv.counts(y) < 0.5)
    while y.sum() < p:
        g = np.asarray(cv.At @ wu)
        g[~allowed | y] = -1.0
        j = int(np.argmax(g))
        y[j] = True
        wu[cv.column_rows(j)] = 0.0
    return y


def swap(cv: Cover, y: BoolArray, allowed: BoolArray, fixed: BoolArray) -> BoolArray:
    """Best-improvement swap local search: close one open unfixed site and open one
    allowed closed site, the pair with the largest gain, until no pair gains.

    ``profit[f, u] = gain_u − loss_f + Σ_{i: k_i = 1, f covers i} w_i a_iu`` where ``k_i``
    counts the open sites covering row ``i``: ``gain_u`` the uncovered weight ``u`` covers,
    ``loss_f`` the weight only ``f`` covers, and the last term what ``u`` takes back of it.
    """
    y = y.copy()
    w = cv.w
    tol = 1e-9 * max(float(w.sum()), 1.0)
    for _ in range(10_000):
        oi = np.flatnonzero(y)
        ci = np.flatnonzero(allowed & ~y)
        if ci.size == 0 or oi.size == 0:
            break
        k = cv.counts(y)
        one = np.flatnonzero(np.abs(k - 1.0) < 0.5)
        w1 = np.zeros(len(w))
        w1[one] = w[one]
        gain = np.asarray(cv.At @ (w * (k < 0.5)))[ci]
        loss = np.asarray(cv.At @ w1)[oi]
        # the one open site covering each row with k_i = 1, as a position in oi (+ 1)
        pos = np.zeros(len(y))
        pos[oi] = np.arange(1, oi.size + 1)
        owner = np.rint(np.asarray(cv.A @ pos)[one]).astype(np.int64) - 1
        own = sp.csr_matrix((w[one], (owner, one)), shape=(oi.size, len(w)))
        extra = np.asarray((own @ cv.A).toarray())[:, ci]
        profit = gain[None, :] - loss[:, None] + extra
        profit[fixed[oi], :] = -np.inf
        f, u = np.unravel_index(int(np.argmax(profit)), profit.shape)
        if not profit[f, u] > tol:
            break
        y[oi[f]] = False
        y[ci[u]] = True
    return y


def lagrangian(
    cv: Cover, lam: FloatArray, p: int, allowed: BoolArray, fixed: BoolArray
) -> LagrangeOutcome:
    """``L(λ)`` (module docstring) at ``λ`` clipped to ``[0, w]``, as a
    :class:`LagrangeOutcome` of the equivalent minimisation (``bound = −L``,
    ``rho = −s`` on the allowed sites, 0 elsewhere), so that
    :func:`~soteplan.locate._lagrange.fix_by_reduced_cost` applies unchanged.

    ``best_open`` is the Lagrangian solution: the fixed sites and the ``k`` free allowed
    sites of largest ``s_j`` (ties to the lower index); ``best_obj`` its covered weight."""
    lam = np.clip(lam, 0.0, cv.w)
    s = np.asarray(cv.At @ lam)
    s[~allowed] = 0.0
    free = np.flatnonzero(allowed & ~fixed)
    k = p - int(fixed.sum())
    y = fixed.copy()
    if k > 0:
        y[free[np.argsort(-s[free], kind="stable")[:k]]] = True
    ub = float(np.maximum(cv.w - lam, 0.0).sum() + s[y].sum())
    return LagrangeOutcome(-ub, lam, -s, 0, y, cv.value(y))


def integral_weights(w: FloatArray) -> bool:
    """Whether every covered weight is an integer (exactly representable sums)."""
    return bool(np.all(w == np.round(w)) and float(np.abs(w).sum()) < 2.0**52)


def fix_sites(
    lag: LagrangeOutcome,
    p: int,
    allowed: BoolArray,
    fixed: BoolArray,
    incumbent: float,
    integral: bool,
) -> tuple[BoolArray, BoolArray]:
    """Sites closed and sites forced open in every solution covering more than
    ``incumbent`` (at least ``incumbent + 1`` when ``integral``): opening (closing) site
    ``j`` lowers ``L(λ)`` by at least its reduced cost, and what falls below that target
    is fixed (:func:`~soteplan.locate._lagrange.fix_by_reduced_cost`, with its small
    relative margin on the safe side).  Returns (closed, forced_open)."""
    need = incumbent + 1.0 if integral else incumbent
    return fix_by_reduced_cost(lag, p, allowed, fixed, -need)


def lp_relaxation(
    cv: Cover, p: int, allowed: BoolArray, fixed: BoolArray, time_limit: float | None
) -> MipOutcome:
    """The LP relaxation (interior point, :data:`LP_DUAL_OPTIONS`) of :func:`mip_model`."""
    return solve_mip(
        *mip_model(cv, p, allowed, fixed),
        maximize=True,
        relax=True,
        time_limit=time_limit,
        options=LP_DUAL_OPTIONS,
    )


def lp_multipliers(out: MipOutcome, cv: Cover) -> FloatArray | None:
    """The coverage rows' duals as multipliers ``λ ≥ 0`` (``None`` without duals)."""
    if out.row_dual is None:
        return None
    r = cv.shape[0]
    d = out.row_dual[:r]
    # HiGHS' sign convention for a maximisation: the rows z_i − Σ a_ij y_j ≤ 0 get ≥ 0
    # or ≤ 0 duals depending on the version; the multiplier is its magnitude
    lam = np.abs(d)
    return np.asarray(np.clip(lam, 0.0, cv.w))


def rounded(cv: Cover, x: FloatArray, p: int, allowed: BoolArray, fixed: BoolArray) -> BoolArray:
    """The fixed sites and the free allowed sites of largest LP value ``x_j`` (ties: the
    larger cover weight), ``p`` in all."""
    free = np.flatnonzero(allowed & ~fixed)
    k = p - int(fixed.sum())
    y = fixed.copy()
    if k > 0:
        cw = np.asarray(cv.At @ cv.w)
        key = np.lexsort((-cw[free], -np.round(x[free], 6)))
        y[free[key[:k]]] = True
    return y


def mip_model(
    cv: Cover, p: int, allowed: BoolArray, fixed: BoolArray
) -> tuple[FloatArray, sp.csc_matrix, FloatArray, FloatArray, FloatArray, FloatArray, BoolArray]:
    """Columns ``y`` (sites, integer) then ``z`` (rows); rows ``z_i − Σ_j a_ij y_j ≤ 0``
    and ``Σ_j y_j = p``; objective ``Σ w_i z_i`` (maximised)."""
    r, m = cv.shape
    M = sp.vstack(
        [
            sp.hstack([-cv.A, sp.identity(r, format="csr")]),
            sp.hstack([sp.csr_matrix(np.ones((1, m))), sp.csr_matrix((1, r))]),
        ]
    ).tocsc()
    lo = np.concatenate([np.full(r, -np.inf), [p]])
    hi = np.concatenate([np.zeros(r), [p]])
    cost = np.concatenate([np.zeros(m), cv.w])
    clo = np.concatenate([fixed.astype(float), np.zeros(r)])
    chi = np.concatenate([allowed.astype(float), np.ones(r)])
    integer = np.concatenate([np.ones(m, bool), np.zeros(r, bool)])
    return cost, M, lo, hi, clo, chi, integer


@dataclass(frozen=True, eq=False)
class Reduced:
    """The model left after fixing: the free sites ``sites`` (indices into the full
    model), their coverage of the rows no forced-open site covers (merged again), ``k``
    sites to open among them, and ``base``, the weight the forced-open sites cover."""

    cover: Cover
    sites: IntArray
    k: int
    base: float
    dominated: int


def reduce(cv: Cover, p: int, allowed: BoolArray, forced: BoolArray) -> Reduced | None:
    """Drop closed sites, forced-open sites and the rows those cover, and rows no free
    site covers; merge identical rows and drop dominated sites again (in the smaller model
    many more sites are dominated).  ``None`` when fewer free sites are left than must
    still open (no solution respects the fixing)."""
    k = p - int(forced.sum())
    free = np.flatnonzero(allowed & ~forced)
    if k < 0 or k > free.size:
        return None
    covered = cv.counts(forced) > 0.5
    base = float(cv.w[covered].sum())
    sub = cv.A[np.flatnonzero(~covered)][:, free]
    keep = np.flatnonzero(np.asarray(sub.getnnz(axis=1)) > 0)
    U, wU, _ = merge_identical_rows(sub[keep].toarray() > 0.5, cv.w[~covered][keep])
    small = Cover.from_dense(U, wU)
    ones = np.ones(free.size, dtype=bool)
    dom = dominated_sites(small, ones, ~ones, k) if U.size else np.zeros(free.size, dtype=bool)
    if dom.any():
        small = Cover.from_dense(U[:, ~dom], wU)
    return Reduced(small, free[~dom], k, base, int(dom.sum()))
