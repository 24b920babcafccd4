# ruff: noqa: N806  (matrix names C, A, W follow the formulas)
"""Capacitated p-median: sites have capacities (in weight units, e.g. persons) and the
demand assigned to an open site may not exceed its capacity.

By default demand may be split between sites (multi-source, continuous assignment);
``single_source=True`` makes every demand point go to exactly one site.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike

from soteplan.errors import InfeasibleError, ParameterError
from soteplan.locate import _pmedian_core as core
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
    relative_gap,
    travel_time_parts,
)
from soteplan.locate._highs import MipOutcome, solve_mip

__all__ = ["CapacitatedPMedian"]


class CapacitatedPMedian:
    """Capacitated p-median (multi-source by default).

    ``min Σ_ij w_i c_ij x_ij`` s.t. ``Σ_j x_ij = 1``, ``x_ij ≤ y_j``,
    ``Σ_i w_i x_ij ≤ cap_j y_j``, ``Σ_j y_j = p``; ``x`` continuous (binary with
    ``single_source``), ``y`` binary.  Only finite-cost pairs get an ``x`` variable.
    """

    model = "capacitated-p-median"

    def __init__(self, inst: Instance, p: int, capacity: FloatArray, single_source: bool) -> None:
        check_p(inst, p)
        check_reachable(inst)
        cap = np.asarray(capacity, dtype=np.float64).ravel()
        if cap.shape != (inst.m,) or not np.all(np.isfinite(cap)) or np.any(cap < 0):
            raise ParameterError(
                f"capacity must hold {inst.m} finite values ≥ 0 (one per candidate)"
            )
        self.instance, self.p, self.capacity = inst, int(p), cap
        self.single_source = bool(single_source)
        total = float(inst.weights.sum())
        allowed_free = np.flatnonzero(~inst.forbidden & ~inst.fixed)
        k = self.p - int(inst.fixed.sum())
        best = float(cap[inst.fixed].sum() + np.sort(cap[allowed_free])[::-1][:k].sum())
        if best < total - 1e-9 * max(total, 1.0):
            raise InfeasibleError(
                f"capacity below demand: the largest possible capacity of {self.p} sites "
                f"(fixed sites plus the {k} largest allowed) is {best:g}, total demand is "
                f"{total:g}"
            )
        if self.single_source:
            cmax = float(cap[~inst.forbidden].max())
            big = np.flatnonzero(inst.weights > cmax)
            if big.size:
                raise InfeasibleError(
                    f"single-source: {big.size} demand point(s) exceed the largest capacity "
                    f"{cmax:g} (largest demand {inst.weights[big].max():g})"
                )

    @classmethod
    def from_cost_matrix(
        cls,
        cost: ArrayLike,
        weights: ArrayLike | None = None,
        *,
        p: int,
        capacity: ArrayLike,
        single_source: bool = False,
        fixed: Sequence[Any] | ArrayLike | None = None,
        forbidden: Sequence[Any] | ArrayLike | None = None,
        demand_ids: Sequence[Any] | None = None,
        site_ids: Sequence[Any] | None = None,
    ) -> CapacitatedPMedian:
        """Build from a cost matrix; ``capacity[j]`` in the unit of ``weights``.

        Raises
        ------
        InfeasibleError
            The ``p`` largest allowed capacities (with the fixed sites) are below total
            demand, or (single-source) a demand exceeds every capacity; plus the
            :class:`PMedian` checks.
        """
        inst = make_instance(
            cost,
            weights,
            demand_ids=demand_ids,
            site_ids=site_ids,
            fixed=fixed,
            forbidden=forbidden,
        )
        return cls(inst, p, np.asarray(capacity, dtype=np.float64), single_source)

    @classmethod
    def from_travel_times(
        cls,
        tt: TravelTimesLike,
        weights: ArrayLike | None = None,
        *,
        p: int,
        capacity: ArrayLike,
        single_source: bool = False,
        fixed: Sequence[Any] | ArrayLike | None = None,
        forbidden: Sequence[Any] | ArrayLike | None = None,
    ) -> CapacitatedPMedian:
        """Build from a travel-time result (minutes)."""
        mins, oid, did = travel_time_parts(tt)
        return cls.from_cost_matrix(
            mins,
            weights,
            p=p,
            capacity=capacity,
            single_source=single_source,
            fixed=fixed,
            forbidden=forbidden,
            demand_ids=oid,
            site_ids=did,
        )

    # -- model ------------------------------------------------------------------
    def _mip(
        self,
        open_only: BoolArray | None,
        *,
        relax: bool,
        time_limit: float | None,
        start_y: BoolArray | None,
    ) -> tuple[MipOutcome, Any, Any]:
        inst = self.instance
        w = inst.weights
        C = inst.cost
        rows = np.flatnonzero(w > 0)
        allowed = ~inst.forbidden if open_only is None else open_only
        ii, jj = np.nonzero(np.isfinite(C[rows]) & allowed[None, :])
        ii_orig = rows[ii]
        nx, m, nr = len(ii), inst.m, len(rows)
        # columns: x (nx) then y (m)
        xcol = np.arange(nx)
        assign = sp.csr_matrix((np.ones(nx), (ii, xcol)), shape=(nr, nx + m))
        link = sp.csr_matrix(
            (
                np.concatenate([np.ones(nx), -np.ones(nx)]),
                (np.concatenate([xcol, xcol]), np.concatenate([xcol, nx + jj])),
            ),
            shape=(nx, nx + m),
        )
        capr = sp.csr_matrix(
            (
                np.concatenate([w[ii_orig], -self.capacity]),
                (np.concatenate([jj, np.arange(m)]), np.concatenate([xcol, nx + np.arange(m)])),
            ),
            shape=(m, nx + m),
        )
        card = sp.csr_matrix((np.ones(m), (np.zeros(m, int), nx + np.arange(m))), shape=(1, nx + m))
        A = sp.vstack([assign, link, capr, card]).tocsc()
        lo = np.concatenate([np.ones(nr), np.full(nx + m, -np.inf), [self.p]])
        hi = np.concatenate([np.ones(nr), np.zeros(nx + m), [self.p]])
        cost = np.concatenate([w[ii_orig] * C[ii_orig, jj], np.zeros(m)])
        if open_only is None:
            clo = np.concatenate([np.zeros(nx), inst.fixed.astype(float)])
            chi = np.concatenate([np.ones(nx), allowed.astype(float)])
        else:  # transport problem over the given open sites
            clo = np.concatenate([np.zeros(nx), open_only.astype(float)])
            chi = np.concatenate([np.ones(nx), open_only.astype(float)])
        integer = np.concatenate([np.full(nx, self.single_source), np.ones(m, bool)])
        out = solve_mip(cost, A, lo, hi, clo, chi, integer, relax=relax, time_limit=time_limit)
        return out, (ii_orig, jj, nx), start_y

    def _transport(self, y: BoolArray, time_limit: float | None) -> tuple[float, Any]:
        out, parts, _ = self._mip(y, relax=False, time_limit=time_limit, start_y=None)
        if out.x is None:
            return np.inf, None
        return out.objective, (out.x, parts)

    def solve(self, method: str = "exact", time_limit: float | None = None) -> LocateResult:
        """Solve: ``"exact"`` = the MIP in HiGHS; ``"heuristic"`` = uncapacitated p-median
        heuristic sites repaired to enough capacity, then an optimal (transport) assignment;
        its bound is the uncapacitated Lagrangian bound (a relaxation)."""
        meth = check_method(method)
        tl = check_time_limit(time_limit)
        t0 = time.perf_counter()
        inst = self.instance
        w = inst.weights
        keep = w > 0
        C = inst.cost[keep]
        big = (float(C[np.isfinite(C)].max()) + 1.0) * 1e3
        Cb = np.where(np.isfinite(C), C, big)
        allowed = ~inst.forbidden
        y, ub0 = core.heuristic(Cb, w[keep], self.p, allowed, inst.fixed, starts=3)
        lag = core.lagrangian_bound(Cb, w[keep], self.p, allowed, inst.fixed, ub0, max_iter=300)
        total = float(w.sum())
        # capacity repair: swap the smallest-capacity free open site for the largest closed
        while self.capacity[y].sum() < total:
            op = np.flatnonzero(y & ~inst.fixed)
            cl = np.flatnonzero(allowed & ~y)
            y[op[np.argmin(self.capacity[op])]] = False
            y[cl[np.argmax(self.capacity[cl])]] = True
        obj, sol = self._transport(y, None)
        bound = lag.bound
        meta: dict[str, Any] = {
            "objective_unit": "weight × cost unit",
            "single_source": self.single_source,
            "uncapacitated_lagrangian_bound": lag.bound,
        }
        status = Status.feasible
        if meth is Method.exact:
            remaining = None if tl is None else max(tl - (time.perf_counter() - t0), 0.1)
            out, parts, _ = self._mip(None, relax=False, time_limit=remaining, start_y=None)
            meta.update(mip_status=out.status, mip_seconds=round(out.seconds, 3))
            if out.status == "infeasible":
                raise InfeasibleError(
                    "HiGHS proved the capacitated model infeasible "
                    "(capacities cannot absorb the demand as assigned)"
                )
            if out.x is not None and out.objective < obj:
                obj, sol = out.objective, (out.x, parts)
            if np.isfinite(out.bound):
                bound = max(bound, out.bound)
            status = Status.optimal if out.status == "optimal" else Status.time_limit
        if sol is None:
            raise InfeasibleError("no capacity-feasible assignment found for the chosen sites")
        x, (ii, jj, nx) = sol
        y = x[nx:] > 0.5
        share = x[:nx]
        pos = share > 1e-9
        alloc = pd.DataFrame({"demand_index": ii[pos], "site_index": jj[pos], "share": share[pos]})
        alloc["demand_id"] = [inst.demand_ids[i] for i in alloc["demand_index"]]
        alloc["site_id"] = [inst.site_ids[j] for j in alloc["site_index"]]
        alloc["weight"] = w[alloc["demand_index"].to_numpy()] * alloc["share"]
        top = alloc.sort_values("share", ascending=False).drop_duplicates("demand_index")
        assignment = np.full(inst.n, -1, dtype=np.int64)
        assignment[top["demand_index"].to_numpy()] = top["site_index"].to_numpy()
        if relative_gap(obj, bound) <= 1e-6:
            status = Status.optimal
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
            allocation=alloc.reset_index(drop=True),
        )
