# ruff: noqa: N803, N806  (matrix names C, A, W follow the formulas)
"""Coverage models: maximal covering (MCLP, Church & ReVelle 1974) and location set
covering (LSCP, Toregas et al. 1971).

A demand point is *covered* by a site when ``cost[i, j] <= radius`` (e.g. minutes).
Rows with identical coverage sets are merged before solving (weights summed).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from soteplan.errors import InfeasibleError, ParameterError
from soteplan.locate._base import (
    BoolArray,
    FloatArray,
    Instance,
    LocateResult,
    Method,
    Status,
    TravelTimesLike,
    build_result,
    check_method,
    check_p,
    check_reachable,
    check_time_limit,
    make_instance,
    merge_identical_rows,
    nearest_assignment,
    relative_gap,
    travel_time_parts,
)
from soteplan.locate._highs import solve_mip

__all__ = ["MaxCover", "SetCover"]


def _check_radius(radius: float) -> float:
    r = float(radius)
    if not (r >= 0 and np.isfinite(r)):
        raise ParameterError(f"radius must be a finite number ≥ 0, got {radius}")
    return r


def _coverage(inst: Instance, radius: float, rows: BoolArray) -> tuple[BoolArray, FloatArray]:
    """Aggregated coverage matrix (unique rows of ``cost <= radius`` over ``rows``)."""
    A = (inst.cost[rows] <= radius) & ~inst.forbidden[None, :]
    U, wU, _ = merge_identical_rows(A, inst.weights[rows])
    return U.astype(bool), wU


# --------------------------------------------------------------------------- MCLP


# HiGHS' presolve finds almost nothing to remove in the merged coverage model (11 of 1 033
# rows at 2 000 × 200) and its probing costs more than it saves: without it the MIP took
# 0.22 s instead of 0.29 s (2 000 × 200, p = 20) and 3.8 s instead of 6.9 s (p = 40), the
# same or faster on the other benchmark shapes (docs/benchmarks.md, MCLP).
MCLP_OPTIONS: dict[str, float | bool | str] = {"presolve": "off"}


def _dominated_sites(A: BoolArray, allowed: BoolArray, fixed: BoolArray, p: int) -> BoolArray:
    """Allowed, unfixed sites whose covered rows all lie in another allowed site's cover.

    Swapping such a site for the one that dominates it never loses coverage, so some
    optimal solution avoids every one of them (equal covers: the lower index is kept), as
    long as ``p`` sites remain; if fewer would remain, nothing is dropped."""
    cand = np.flatnonzero(allowed)
    dominated = np.zeros(A.shape[1], dtype=bool)
    if cand.size <= p:
        return dominated
    Af = A[:, cand].astype(np.float32)
    size = Af.sum(axis=0)
    overlap = Af.T @ Af  # |cover(j) ∩ cover(k)|
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


def _maxcover_swap(
    A: BoolArray, w: FloatArray, open_mask: BoolArray, allowed: BoolArray, fixed: BoolArray
) -> BoolArray:
    """Best-improvement swap local search for the MCLP (vectorised)."""
    Af = A.astype(np.float64)
    open_mask = open_mask.copy()
    for _ in range(10_000):
        oi = np.flatnonzero(open_mask)
        ci = np.flatnonzero(allowed & ~open_mask)
        if ci.size == 0:
            break
        k = Af[:, oi].sum(axis=1)
        w0 = w * (k == 0)
        w1 = w * (k == 1)
        gain = w0 @ Af[:, ci]
        loss = w1 @ Af[:, oi]
        extra = (Af[:, oi] * w1[:, None]).T @ Af[:, ci]
        profit = gain[None, :] - loss[:, None] + extra
        profit[fixed[oi], :] = -np.inf
        f, u = np.unravel_index(int(np.argmax(profit)), profit.shape)
        if not profit[f, u] > 1e-9 * max(float(w.sum()), 1.0):
            break
        open_mask[oi[f]] = False
        open_mask[ci[u]] = True
    return open_mask


def _maxcover_greedy(
    A: BoolArray, w: FloatArray, p: int, allowed: BoolArray, fixed: BoolArray
) -> BoolArray:
    Af = A.astype(np.float64)
    open_mask = fixed.copy()
    unc = ~(A[:, open_mask].any(axis=1))
    while open_mask.sum() < p:
        g = (w * unc) @ Af
        g[~allowed | open_mask] = -1.0
        j = int(np.argmax(g))
        open_mask[j] = True
        unc &= ~A[:, j]
    return open_mask


class MaxCover:
    """Maximal covering location problem: open ``p`` sites maximising the covered weight
    ``Σ_i w_i [∃ open j: c_ij ≤ radius]`` (Church & ReVelle 1974)."""

    model = "max-cover"

    def __init__(self, inst: Instance, p: int, radius: float) -> None:
        check_p(inst, p)
        self.instance = inst
        self.p = int(p)
        self.radius = _check_radius(radius)

    @classmethod
    def from_cost_matrix(
        cls,
        cost: ArrayLike,
        weights: ArrayLike | None = None,
        *,
        p: int,
        radius: float,
        fixed: Sequence[Any] | ArrayLike | None = None,
        forbidden: Sequence[Any] | ArrayLike | None = None,
        demand_ids: Sequence[Any] | None = None,
        site_ids: Sequence[Any] | None = None,
    ) -> MaxCover:
        """Build from a cost matrix; ``radius`` is the coverage limit in the cost unit."""
        inst = make_instance(
            cost,
            weights,
            demand_ids=demand_ids,
            site_ids=site_ids,
            fixed=fixed,
            forbidden=forbidden,
        )
        return cls(inst, p, radius)

    @classmethod
    def from_travel_times(
        cls,
        tt: TravelTimesLike,
        weights: ArrayLike | None = None,
        *,
        p: int,
        radius: float,
        fixed: Sequence[Any] | ArrayLike | None = None,
        forbidden: Sequence[Any] | ArrayLike | None = None,
    ) -> MaxCover:
        """Build from a travel-time result; ``radius`` in minutes."""
        mins, oid, did = travel_time_parts(tt)
        return cls.from_cost_matrix(
            mins,
            weights,
            p=p,
            radius=radius,
            fixed=fixed,
            forbidden=forbidden,
            demand_ids=oid,
            site_ids=did,
        )

    def solve(self, method: str = "exact", time_limit: float | None = None) -> LocateResult:
        """Solve: ``"exact"`` = MIP in HiGHS on the aggregated coverage matrix (started from
        the heuristic); ``"heuristic"`` = greedy + swap with the LP relaxation as bound.
        Both first drop dominated sites (those whose cover lies inside another allowed
        site's; ``meta["dominated_sites"]``), which never loses the optimum.

        The objective is the covered weight (maximised); ``bound`` is an upper bound.
        """
        meth = check_method(method)
        tl = check_time_limit(time_limit)
        t0 = time.perf_counter()
        inst = self.instance
        A, wA = _coverage(inst, self.radius, inst.weights > 0)
        keep = A.any(axis=1)
        A, wA = A[keep], wA[keep]
        allowed, fixed = ~inst.forbidden, inst.fixed
        dominated = (
            _dominated_sites(A, allowed, fixed, self.p) if A.size else np.zeros_like(allowed)
        )
        allowed = allowed & ~dominated
        y = (
            _maxcover_swap(A, wA, _maxcover_greedy(A, wA, self.p, allowed, fixed), allowed, fixed)
            if A.size
            else fixed.copy()
        )
        if not A.size:
            allowed = ~inst.forbidden
            y = fixed.copy()
            extra_sites = np.flatnonzero(allowed & ~fixed)[: self.p - int(fixed.sum())]
            y[extra_sites] = True
        obj = float(wA @ A[:, y].any(axis=1)) if A.size else 0.0
        meta: dict[str, Any] = {
            "objective_unit": "covered weight",
            "radius": self.radius,
            "aggregated_rows": int(A.shape[0]),
            "demand_rows": inst.n,
            "dominated_sites": int(dominated.sum()),
        }
        bound = float(wA.sum())
        status = Status.feasible
        if A.size and obj < bound - 1e-9:
            r, m = A.shape
            # columns: y (m), z (r); rows: z_i - Σ a_ij y_j ≤ 0 ; Σ y = p
            Asp = sp.csr_matrix(A.astype(np.float64))
            M = sp.vstack(
                [
                    sp.hstack([-Asp, sp.identity(r, format="csr")]),
                    sp.hstack([sp.csr_matrix(np.ones((1, m))), sp.csr_matrix((1, r))]),
                ]
            ).tocsc()
            lo = np.concatenate([np.full(r, -np.inf), [self.p]])
            hi = np.concatenate([np.zeros(r), [self.p]])
            cost = np.concatenate([np.zeros(m), wA])
            clo = np.concatenate([fixed.astype(float), np.zeros(r)])
            chi = np.concatenate([allowed.astype(float), np.ones(r)])
            integer = np.concatenate([np.ones(m, bool), np.zeros(r, bool)])
            start = np.concatenate([y.astype(float), A[:, y].any(axis=1).astype(float)])
            remaining = None if tl is None else max(tl - (time.perf_counter() - t0), 0.1)
            out = solve_mip(
                cost,
                M,
                lo,
                hi,
                clo,
                chi,
                integer,
                maximize=True,
                time_limit=remaining,
                start=start,
                relax=meth is Method.heuristic,
                options=MCLP_OPTIONS,
            )
            meta.update(mip_status=out.status, mip_seconds=round(out.seconds, 3))
            if meth is Method.exact and out.x is not None:
                y2 = out.x[:m] > 0.5
                obj2 = float(wA @ A[:, y2].any(axis=1))
                if obj2 > obj:
                    y, obj = y2, obj2
            if np.isfinite(out.bound):
                bound = min(bound, out.bound)
            if meth is Method.exact:
                status = Status.optimal if out.status == "optimal" else Status.time_limit
        if relative_gap(obj, bound) <= 1e-6:
            status = Status.optimal
            bound = obj
        assignment, _ = nearest_assignment(inst.cost, y, limit=self.radius)
        meta["covered_share"] = obj / float(inst.weights.sum()) if inst.weights.sum() > 0 else 0.0
        return build_result(
            inst,
            self.model,
            objective=obj,
            open_mask=y,
            assignment=assignment,
            bound=max(bound, obj),
            status=status,
            seconds=time.perf_counter() - t0,
            method=meth.value,
            meta=meta,
        )


# --------------------------------------------------------------------------- LSCP


def _greedy_cover(A: BoolArray, allowed: BoolArray, fixed: BoolArray) -> BoolArray:
    """Chvátal's greedy set cover followed by removal of redundant sites."""
    Af = A.astype(np.float64)
    y = fixed.copy()
    unc = ~(A[:, y].any(axis=1))
    while unc.any():
        g = unc.astype(np.float64) @ Af
        g[~allowed | y] = -1
        j = int(np.argmax(g))
        if g[j] <= 0:
            raise InfeasibleError("some demand rows cannot be covered")  # pre-checked
        y[j] = True
        unc &= ~A[:, j]
    # drop redundant non-fixed sites, least useful first
    for j in np.flatnonzero(y & ~fixed)[np.argsort(Af[:, y & ~fixed].sum(axis=0))]:
        y[j] = False
        if not A[:, y].any(axis=1).all():
            y[j] = True
    return y


def _cover_mip(
    A: BoolArray,
    allowed: BoolArray,
    fixed: BoolArray,
    *,
    relax: bool,
    time_limit: float | None,
    start: BoolArray | None,
) -> tuple[Any, float]:
    r, m = A.shape
    out = solve_mip(
        np.ones(m),
        sp.csr_matrix(A.astype(np.float64)),
        np.ones(r),
        np.full(r, np.inf),
        fixed.astype(float),
        allowed.astype(float),
        np.ones(m, bool),
        relax=relax,
        time_limit=time_limit,
        start=None if start is None else start.astype(float),
    )
    return out, out.bound


class SetCover:
    """Location set covering problem: the fewest sites covering every demand point with
    positive weight within ``radius`` (Toregas et al. 1971).  Fixed sites count."""

    model = "set-cover"

    def __init__(self, inst: Instance, radius: float) -> None:
        self.instance = inst
        self.radius = _check_radius(radius)
        check_reachable(inst, self.radius, f"within radius {self.radius:g}")

    @classmethod
    def from_cost_matrix(
        cls,
        cost: ArrayLike,
        weights: ArrayLike | None = None,
        *,
        radius: float,
        fixed: Sequence[Any] | ArrayLike | None = None,
        forbidden: Sequence[Any] | ArrayLike | None = None,
        demand_ids: Sequence[Any] | None = None,
        site_ids: Sequence[Any] | None = None,
    ) -> SetCover:
        """Build from a cost matrix; demand points of weight 0 need no cover.

        Raises
        ------
        InfeasibleError
            A weighted demand point has no allowed candidate within ``radius``.
        """
        inst = make_instance(
            cost,
            weights,
            demand_ids=demand_ids,
            site_ids=site_ids,
            fixed=fixed,
            forbidden=forbidden,
        )
        return cls(inst, radius)

    @classmethod
    def from_travel_times(
        cls,
        tt: TravelTimesLike,
        weights: ArrayLike | None = None,
        *,
        radius: float,
        fixed: Sequence[Any] | ArrayLike | None = None,
        forbidden: Sequence[Any] | ArrayLike | None = None,
    ) -> SetCover:
        """Build from a travel-time result; ``radius`` in minutes."""
        mins, oid, did = travel_time_parts(tt)
        return cls.from_cost_matrix(
            mins,
            weights,
            radius=radius,
            fixed=fixed,
            forbidden=forbidden,
            demand_ids=oid,
            site_ids=did,
        )

    def solve(self, method: str = "exact", time_limit: float | None = None) -> LocateResult:
        """Solve: exact MIP (HiGHS) or greedy cover with the rounded-up LP bound."""
        meth = check_method(method)
        tl = check_time_limit(time_limit)
        t0 = time.perf_counter()
        inst = self.instance
        A, _ = _coverage(inst, self.radius, inst.weights > 0)
        allowed, fixed = ~inst.forbidden, inst.fixed
        y = _greedy_cover(A, allowed, fixed)
        obj = float(y.sum())
        out, b = _cover_mip(
            A, allowed, fixed, relax=meth is Method.heuristic, time_limit=tl, start=y
        )
        bound = float(np.ceil(b - 1e-6)) if np.isfinite(b) else 0.0
        if meth is Method.exact and out.x is not None and out.x.sum() < obj - 0.5:
            y = out.x > 0.5
            obj = float(y.sum())
        status = (
            Status.optimal
            if obj <= bound
            else (Status.time_limit if out.status == "time_limit" else Status.feasible)
        )
        assignment, _ = nearest_assignment(inst.cost, y, limit=self.radius)
        meta = {
            "objective_unit": "number of sites",
            "radius": self.radius,
            "aggregated_rows": int(A.shape[0]),
            "mip_status": out.status,
        }
        return build_result(
            inst,
            self.model,
            objective=obj,
            open_mask=y,
            assignment=assignment,
            bound=min(bound, obj),
            status=status,
            seconds=time.perf_counter() - t0,
            method=meth.value,
            meta=meta,
        )
