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
from soteplan.locate import _maxcover as mx
from soteplan.locate._base import (
    BoolArray,
    FloatArray,
    Instance,
    IntArray,
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
# same or faster on the other benchmark shapes (docs/benchmarks.md, MCLP).  Used for the
# full model and for the model left after reduced-cost fixing.
MCLP_OPTIONS: dict[str, float | bool | str] = {"presolve": "off"}


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
        """Solve on the aggregated coverage matrix after dropping dominated sites (those
        whose cover lies inside another allowed site's; ``meta["dominated_sites"]``).

        Both methods run greedy + swap, then the LP relaxation for its duals: they give
        the Lagrangian bound of the coverage rows (``meta["lagrangian_bound"]``, valid
        for any multipliers) and the LP solution a rounded start improved by the swap.
        ``"heuristic"`` stops there.  ``"exact"`` then fixes sites by their Lagrangian
        reduced costs (``meta["fixed_by_reduced_cost"]``: sites closed or forced open in
        every solution better than the incumbent) and solves the MIP of what is left in
        HiGHS (``meta["reduced_model"]``: rows × sites), started from the incumbent.

        The objective is the covered weight (maximised); ``bound`` is an upper bound
        (rounded down when every weight is an integer).
        """
        meth = check_method(method)
        tl = check_time_limit(time_limit)
        t0 = time.perf_counter()
        inst = self.instance
        A, wA = _coverage(inst, self.radius, inst.weights > 0)
        keep = A.any(axis=1)
        A, wA = A[keep], wA[keep]
        allowed, fixed = ~inst.forbidden, inst.fixed
        meta: dict[str, Any] = {
            "objective_unit": "covered weight",
            "radius": self.radius,
            "aggregated_rows": int(A.shape[0]),
            "demand_rows": inst.n,
            "dominated_sites": 0,
        }
        status = Status.feasible
        if not A.size:
            y = fixed.copy()
            y[np.flatnonzero(allowed & ~fixed)[: self.p - int(fixed.sum())]] = True
            obj = bound = 0.0
        else:
            cv = mx.Cover.from_dense(A, wA)
            dominated = mx.dominated_sites(cv, allowed, fixed, self.p)
            meta["dominated_sites"] = int(dominated.sum())
            allowed = allowed & ~dominated
            y = mx.swap(cv, mx.greedy(cv, self.p, allowed, fixed), allowed, fixed)
            obj = cv.value(y)
            bound = float(wA.sum())
            if obj < bound - 1e-9 * max(bound, 1.0):
                y, obj, bound, status = _improve(
                    cv, self.p, allowed, fixed, y, obj, bound, meth, t0, tl, meta
                )
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


def _left(t0: float, tl: float | None) -> float | None:
    """Seconds left of the time limit (``None``: no limit)."""
    return None if tl is None else tl - (time.perf_counter() - t0)


def _improve(
    cv: mx.Cover,
    p: int,
    allowed: BoolArray,
    fixed: BoolArray,
    y: BoolArray,
    obj: float,
    bound: float,
    meth: Method,
    t0: float,
    tl: float | None,
    meta: dict[str, Any],
) -> tuple[BoolArray, float, float, Status]:
    """The LP / Lagrangian stage and, for the exact method, fixing and the reduced MIP
    (:meth:`MaxCover.solve`).  Returns (open mask, covered weight, upper bound, status)."""
    integral = mx.integral_weights(cv.w)

    def floor(b: float) -> float:
        return float(np.floor(b + 1e-9 * max(abs(b), 1.0))) if integral else b

    left = _left(t0, tl)
    lp = mx.lp_relaxation(cv, p, allowed, fixed, None if left is None else max(left, 0.01))
    meta["lp_seconds"] = round(lp.seconds, 3)
    lam = mx.lp_multipliers(lp, cv)
    starts = [] if lp.x is None else [mx.rounded(cv, lp.x[: cv.shape[1]], p, allowed, fixed)]
    lag = None
    if lam is not None:
        lag = mx.lagrangian(cv, lam, p, allowed, fixed)
        meta["lagrangian_bound"] = -lag.bound
        bound = min(bound, floor(-lag.bound))
        assert lag.best_open is not None
        starts.append(lag.best_open)
    for s in starts:
        if relative_gap(obj, bound) <= 1e-6:
            break
        s2 = mx.swap(cv, s, allowed, fixed)
        if (v := cv.value(s2)) > obj:
            y, obj = s2, v
    if meth is Method.heuristic or relative_gap(obj, bound) <= 1e-6:
        return y, obj, bound, Status.feasible
    none = np.zeros_like(fixed)
    if lag is None:  # no duals (the LP stopped at the time limit): the full model
        sites = np.arange(len(y))
        return _mip(cv, cv, p, allowed, fixed, sites, none, 0.0, y, obj, bound, t0, tl, meta)
    closed, forced = mx.fix_sites(lag, p, allowed, fixed, obj, integral)
    meta["fixed_by_reduced_cost"] = int((closed & allowed).sum() + (forced & ~fixed).sum())
    red = mx.reduce(cv, p, allowed & ~closed, forced)
    if red is None:  # no solution respects the fixing: none is better than y
        return y, obj, obj, Status.optimal
    meta["reduced_model"] = f"{red.cover.shape[0]} × {red.sites.size}"
    if red.k == 0 or red.cover.shape[0] == 0:  # any k free sites give the same cover
        y2 = forced.copy()
        y2[red.sites[: red.k]] = True
        if (v := cv.value(y2)) > obj:
            y, obj = y2, v
        return y, obj, max(red.base, obj), Status.optimal
    ones = np.ones(red.sites.size, dtype=bool)
    sub = (red.cover, red.k, ones, ~ones, red.sites, forced, red.base)
    return _mip(cv, *sub, y, obj, bound, t0, tl, meta)


def _mip(
    full: mx.Cover,
    sub: mx.Cover,
    k: int,
    allowed: BoolArray,
    fixed: BoolArray,
    sites: IntArray,
    forced: BoolArray,
    base: float,
    y: BoolArray,
    obj: float,
    bound: float,
    t0: float,
    tl: float | None,
    meta: dict[str, Any],
) -> tuple[BoolArray, float, float, Status]:
    """The MIP of ``sub`` (``k`` of its sites to open; they are ``sites`` of ``full``,
    whose ``forced`` sites, open outside ``sub``, cover ``base``) in HiGHS, started from
    the incumbent ``y`` if it lies in ``sub``, else from greedy + swap on ``sub``.

    Every solution of ``full`` better than ``obj`` lies in ``sub``: the bound returned is
    ``max(sub's bound + base, obj)``, rounded down when every weight is an integer."""
    left = _left(t0, tl)
    if left is not None and left <= 0:
        return y, obj, bound, Status.time_limit
    ys = y[sites]
    back = forced.copy()
    back[sites[ys]] = True
    if not (back == y).all():
        ys = mx.swap(sub, mx.greedy(sub, k, allowed, fixed), allowed, fixed)
    model = mx.mip_model(sub, k, allowed, fixed)
    out = solve_mip(
        *model,
        maximize=True,
        time_limit=left,
        start=np.concatenate([ys.astype(float), (sub.counts(ys) > 0.5).astype(float)]),
        options=MCLP_OPTIONS,
    )
    meta.update(mip_status=out.status, mip_seconds=round(out.seconds, 3))
    if out.x is not None:
        y2 = forced.copy()
        y2[sites[out.x[: sites.size] > 0.5]] = True
        if (v := full.value(y2)) > obj:
            y, obj = y2, v
    if np.isfinite(out.bound):
        b = max(out.bound + base, obj)
        if mx.integral_weights(full.w):
            b = float(np.floor(b + 1e-9 * max(abs(b), 1.0)))
        bound = min(bound, b)
    return y, obj, bound, Status.optimal if out.status == "optimal" else Status.time_limit


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
