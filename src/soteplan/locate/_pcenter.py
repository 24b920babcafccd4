# ruff: noqa: N806  (matrix names C, A follow the formulas)
"""The p-center, solved exactly by bisection over set covers (Minieka 1970; Daskin 2000)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from soteplan.errors import InfeasibleError
from soteplan.locate._base import (
    BoolArray,
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
    nearest_assignment,
    travel_time_parts,
)
from soteplan.locate._coverage import _cover_mip, _coverage, _greedy_cover

__all__ = ["PCenter"]


class PCenter:
    """p-center: open ``p`` sites minimising the largest cost from a weighted demand point
    to its nearest open site (unweighted objective; points of weight 0 are ignored).

    Solved by bisection over the distinct cost values: radius ``r`` is feasible iff the
    set cover at ``r`` needs ≤ p sites (Minieka 1970; Daskin 2000).  Each test first tries
    the greedy cover (feasible → done) and the LP bound (``⌈LP⌉ > p`` → infeasible); only
    undecided radii go to the MIP (``"exact"``); ``"heuristic"`` stops there and reports
    the LP-based lower bound.
    """

    model = "p-center"

    def __init__(self, inst: Instance, p: int) -> None:
        check_p(inst, p)
        check_reachable(inst)
        self.instance = inst
        self.p = int(p)

    @classmethod
    def from_cost_matrix(
        cls,
        cost: ArrayLike,
        weights: ArrayLike | None = None,
        *,
        p: int,
        fixed: Sequence[Any] | ArrayLike | None = None,
        forbidden: Sequence[Any] | ArrayLike | None = None,
        demand_ids: Sequence[Any] | None = None,
        site_ids: Sequence[Any] | None = None,
    ) -> PCenter:
        """Build from a cost matrix (see :class:`PMedian` for the parameters)."""
        inst = make_instance(
            cost,
            weights,
            demand_ids=demand_ids,
            site_ids=site_ids,
            fixed=fixed,
            forbidden=forbidden,
        )
        return cls(inst, p)

    @classmethod
    def from_travel_times(
        cls,
        tt: TravelTimesLike,
        weights: ArrayLike | None = None,
        *,
        p: int,
        fixed: Sequence[Any] | ArrayLike | None = None,
        forbidden: Sequence[Any] | ArrayLike | None = None,
    ) -> PCenter:
        """Build from a travel-time result (minutes)."""
        mins, oid, did = travel_time_parts(tt)
        return cls.from_cost_matrix(
            mins, weights, p=p, fixed=fixed, forbidden=forbidden, demand_ids=oid, site_ids=did
        )

    def solve(self, method: str = "exact", time_limit: float | None = None) -> LocateResult:
        """Solve by bisection over candidate radii (see the class docstring)."""
        meth = check_method(method)
        tl = check_time_limit(time_limit)
        t0 = time.perf_counter()
        inst = self.instance
        rows = inst.weights > 0
        allowed, fixed = ~inst.forbidden, inst.fixed
        Ca = np.where(allowed[None, :], inst.cost[rows], np.inf)
        lo_r = float(Ca.min(axis=1).max())  # every point needs at least its nearest site
        levels = np.unique(Ca[np.isfinite(Ca)])
        levels = levels[levels >= lo_r]
        best_y: BoolArray | None = None
        undecided = False
        lo, hi = 0, len(levels) - 1  # answer index in [lo, hi]
        lp_lo = lo
        mips = 0
        while lo < hi:
            mid = (lo + hi) // 2
            A, _ = _coverage(inst, float(levels[mid]), rows)
            y = _greedy_cover(A, allowed, fixed)
            if y.sum() <= self.p:
                best_y, hi = y, mid
                continue
            out, b = _cover_mip(A, allowed, fixed, relax=True, time_limit=None, start=None)
            if np.ceil(b - 1e-6) > self.p:
                lo = lp_lo = mid + 1
                continue
            if meth is Method.heuristic:
                undecided = True
                lo = mid + 1  # treat as infeasible for the search; bound stays at lp_lo
                continue
            remaining = None if tl is None else max(tl - (time.perf_counter() - t0), 0.1)
            out, b = _cover_mip(A, allowed, fixed, relax=False, time_limit=remaining, start=y)
            mips += 1
            if out.x is not None and out.x.sum() <= self.p + 0.5:
                best_y, hi = out.x > 0.5, mid
            elif out.status == "optimal" or np.ceil(b - 1e-6) > self.p:
                lo = lp_lo = mid + 1
            else:
                undecided = True
                lo = mid + 1
        if best_y is None:
            A, _ = _coverage(inst, float(levels[lo]), rows)
            best_y = _greedy_cover(A, allowed, fixed)
            if best_y.sum() > self.p:
                out, b = _cover_mip(A, allowed, fixed, relax=False, time_limit=None, start=best_y)
                if out.x is None or out.x.sum() > self.p + 0.5:
                    raise InfeasibleError(
                        f"no {self.p} allowed sites reach every weighted demand point: "
                        f"covering all reachable pairs needs {int(np.ceil(b - 1e-6))} sites"
                    )
                best_y = out.x > 0.5
        y = best_y.copy()
        # fill up to p sites (more sites never hurt): nearest-to-farthest demand
        free = np.flatnonzero(allowed & ~y)
        while y.sum() < self.p and free.size:
            d = inst.cost[rows][:, y].min(axis=1)
            far = int(np.argmax(d))
            j = free[int(np.argmin(inst.cost[rows][far, free]))]
            y[j] = True
            free = np.flatnonzero(allowed & ~y)
        assignment, d = nearest_assignment(inst.cost, y)
        obj = float(d[rows].max())
        bound = float(levels[lp_lo])
        if meth is Method.exact and not undecided:
            bound = obj
        status = (
            Status.optimal
            if obj <= bound + 1e-12
            else (Status.time_limit if meth is Method.exact else Status.feasible)
        )
        meta = {
            "objective_unit": "cost unit (max over demand points)",
            "mip_solves": mips,
            "radii_candidates": len(levels),
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
