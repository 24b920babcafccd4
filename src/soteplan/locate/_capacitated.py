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
from soteplan.locate import _capacitated_lag as cl
from soteplan.locate import _capacitated_ss as ss
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

LAG_SECONDS = 20.0  # most seconds for the Lagrangian ascent (single source, exact)
LAG_SHARE = 0.4  # ... and at most this share of the time left
LAG_HEURISTIC_SETS = 4  # latest distinct Lagrangian site sets re-assigned as incumbents
LAG_HEURISTIC_SECONDS = 1.0  # ... within at most this many seconds in all
LAG_CUTS = False  # add the Lagrangian cut of every site to the final MIP (measured: slower)
POLISH_SECONDS = 3.0  # most seconds for the exact assignment to the incumbent's sites
CORE_PAIRS = 8  # pairs per demand in the core problem (smallest Lagrangian pair bound)
CORE_SECONDS = 20.0  # most seconds for the core MIP ...
CORE_SHARE = 0.5  # ... and at most this share of the time left
CORE_MIN_GAP = 0.005  # the core MIP runs only when the incumbent is this far above the bound
CORE_MIN_PAIRS = 20_000  # ... and more pairs than this survive the Lagrangian fixing (smaller
# models are proven by the final MIP, where a core MIP only costs time: O–C n = 100, p = 10)
LP_MAX_PAIRS = 250_000  # above this many pairs the LP is skipped (Lagrangian from scratch)
LP_SHARE = 0.8  # most share of the time left for the LP (a loaded machine made the n = 400
# LP take all 55 s, leaving no time for the Lagrangian: 28.9 % gap; a cap of 0.6 stopped it
# at 32 s unfinished, 26.4 %; 0.8 let it finish in 30.6 s, 3.4 %; see docs/benchmarks.md)
# HiGHS options for the final MIP of the smaller models (those with the LP) and for the core
# MIP, both started from a good incumbent: few heuristics, no restarts (measured, see
# docs/benchmarks.md; the core with mip_heuristic_effort 0.2 found nothing better in 10 s)
MIP_OPTIONS: dict[str, float | bool] = {"mip_heuristic_effort": 0.01, "mip_allow_restart": False}


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
    def _pairs(self, open_only: BoolArray | None) -> tuple[Any, Any]:
        """Demand rows (weight > 0) × allowed sites with a finite cost: (i, j) arrays."""
        inst = self.instance
        rows = np.flatnonzero(inst.weights > 0)
        allowed = ~inst.forbidden if open_only is None else open_only
        ii, jj = np.nonzero(np.isfinite(inst.cost[rows]) & allowed[None, :])
        return rows[ii], jj

    def _mip(
        self,
        open_only: BoolArray | None,
        *,
        relax: bool,
        time_limit: float | None,
        pairs: tuple[Any, Any] | None = None,
        y_upper: BoolArray | None = None,
        y_lower: BoolArray | None = None,
        start: FloatArray | None = None,
        options: dict[str, float | bool] | None = None,
        lag_cut: tuple[FloatArray, FloatArray] | None = None,
    ) -> tuple[MipOutcome, tuple[Any, Any, int]]:
        """The model over ``pairs`` (default: every finite allowed pair): assignment rows,
        ``x_ij ≤ y_j`` for every pair, ``Σ_i w_i x_ij ≤ cap_j y_j``, ``Σ_j y_j = p`` and the
        valid aggregate ``Σ_j cap_j y_j ≥ Σ_i w_i``.  Columns: x (one per pair) then y."""
        t_enter = time.perf_counter()
        inst = self.instance
        w = inst.weights
        C = inst.cost
        rows = np.flatnonzero(w > 0)
        ii_orig, jj = self._pairs(open_only) if pairs is None else pairs
        pos = np.full(inst.n, -1, dtype=np.int64)
        pos[rows] = np.arange(len(rows))
        ii = pos[ii_orig]
        allowed = ~inst.forbidden if open_only is None else open_only
        nx, m, nr = len(ii), inst.m, len(rows)
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
        agg = sp.csr_matrix(
            (self.capacity, (np.zeros(m, int), nx + np.arange(m))), shape=(1, nx + m)
        )
        blocks = [assign, link, capr, card, agg]
        total = float(w.sum())
        lo = np.concatenate([np.ones(nr), np.full(nx + m, -np.inf), [self.p, total]])
        hi = np.concatenate([np.ones(nr), np.zeros(nx + m), [self.p, np.inf]])
        if lag_cut is not None:  # Σ_i (λ_i − w_i c_ij) x_ij + v_j y_j ≤ 0 per site with finite v
            lam_r, v = lag_cut
            sites = np.flatnonzero(np.isfinite(v))
            row_of = np.full(m, -1, dtype=np.int64)
            row_of[sites] = np.arange(len(sites))
            px = np.flatnonzero(row_of[jj] >= 0)
            coef = lam_r[ii[px]] - w[ii_orig[px]] * C[ii_orig[px], jj[px]]
            cut = sp.csr_matrix(
                (
                    np.concatenate([coef, v[sites]]),
                    (
                        np.concatenate([row_of[jj[px]], np.arange(len(sites))]),
                        np.concatenate([px, nx + sites]),
                    ),
                ),
                shape=(len(sites), nx + m),
            )
            blocks.append(cut)
            lo = np.concatenate([lo, np.full(len(sites), -np.inf)])
            hi = np.concatenate([hi, np.zeros(len(sites))])
        A = sp.vstack(blocks).tocsc()
        cost = np.concatenate([w[ii_orig] * C[ii_orig, jj], np.zeros(m)])
        y_hi = allowed if y_upper is None else (allowed & y_upper)
        if open_only is None:
            y_lo = inst.fixed if y_lower is None else (inst.fixed | y_lower)
            clo = np.concatenate([np.zeros(nx), y_lo.astype(float)])
            chi = np.concatenate([np.ones(nx), y_hi.astype(float)])
        else:  # transport problem over the given open sites
            clo = np.concatenate([np.zeros(nx), open_only.astype(float)])
            chi = np.concatenate([np.ones(nx), open_only.astype(float)])
        integer = np.concatenate([np.full(nx, self.single_source), np.ones(m, bool)])
        if time_limit is not None:  # building the model counts against the limit
            time_limit = max(time_limit - (time.perf_counter() - t_enter), 0.05)
        out = solve_mip(
            cost,
            A,
            lo,
            hi,
            clo,
            chi,
            integer,
            relax=relax,
            time_limit=time_limit,
            start=start,
            options=options,
        )
        return out, (ii_orig, jj, nx)

    def _transport(self, y: BoolArray, time_limit: float | None) -> tuple[float, Any]:
        out, parts = self._mip(y, relax=False, time_limit=time_limit)
        if out.x is None:
            return np.inf, None
        return out.objective, (out.x, parts)

    def _incumbent(self, y0: BoolArray, budget: float) -> tuple[float, Any]:
        """Single source: the fast incumbent from ``y0`` as (cost, (x, parts)) over every pair."""
        inst = self.instance
        rows = np.flatnonzero(inst.weights > 0)
        W = inst.weights[rows, None] * inst.cost[rows]
        W = np.where(np.isfinite(W) & ~inst.forbidden[None, :], W, np.inf)
        inc = ss.incumbent(
            W, inst.weights[rows], self.capacity, y0, ~inst.forbidden, inst.fixed, budget
        )
        if inc is None:
            return np.inf, None
        ii, jj = self._pairs(None)
        key = {(int(a), int(b)): k for k, (a, b) in enumerate(zip(ii, jj, strict=True))}
        x = np.zeros(len(ii) + inst.m)
        for r, j in zip(rows, inc.assign, strict=True):
            x[key[(int(r), int(j))]] = 1.0
        x[len(ii) :] = inc.open_mask
        return inc.cost, (x, (ii, jj, len(ii)))

    def _polish(self, obj: float, sol: Any, time_limit: float) -> tuple[float, Any]:
        """The optimal single-source assignment to the open sites of ``sol`` (a generalised
        assignment MIP in HiGHS, started from ``sol``), as a solution over every pair."""
        inst = self.instance
        x, (ii, jj, nx) = sol
        y = x[nx:] > 0.5
        site_of = np.full(inst.n, -1, dtype=np.int64)
        on = x[:nx] > 0.5
        site_of[ii[on]] = jj[on]
        pi, pj = self._pairs(y)
        start = np.concatenate([(site_of[pi] == pj).astype(float), y.astype(float)])
        out, _parts = self._mip(
            y, relax=False, time_limit=max(time_limit, 0.05), pairs=(pi, pj), start=start
        )
        if out.x is None or not out.objective < obj - 1e-9 * max(abs(obj), 1.0):
            return obj, sol
        took = out.x[: len(pi)] > 0.5
        site_of[pi[took]] = pj[took]
        x2 = np.zeros_like(x)
        x2[:nx] = (site_of[ii] == jj).astype(float)
        x2[nx:] = y
        return float(out.objective), (x2, (ii, jj, nx))

    def _core(
        self, obj: float, sol: Any, lag: cl.LagrangeCPMP, time_limit: float
    ) -> tuple[float, Any, MipOutcome]:
        """The core problem: HiGHS on the ``CORE_PAIRS`` pairs per demand with the smallest
        Lagrangian pair bound (plus the incumbent's), started from the incumbent; a feasible
        solution of the full model (any pair left out is simply not used)."""
        inst = self.instance
        rows = np.flatnonzero(inst.weights > 0)
        x, (ii, jj, nx) = sol
        pos = np.full(inst.n, -1, dtype=np.int64)
        pos[rows] = np.arange(len(rows))
        pick = ss.core_pairs(lag.pair_bound, lag.keep_pair, CORE_PAIRS)
        on = x[:nx] > 0.5
        pick[pos[ii[on]], jj[on]] = True
        r_i, pj = np.nonzero(pick)
        pi = rows[r_i]
        sites = np.zeros(inst.m, dtype=bool)
        sites[pj] = True
        y = x[nx:] > 0.5
        site_of = np.full(inst.n, -1, dtype=np.int64)
        site_of[ii[on]] = jj[on]
        start = np.concatenate([(site_of[pi] == pj).astype(float), y.astype(float)])
        out, _parts = self._mip(
            None,
            relax=False,
            time_limit=max(time_limit, 0.05),
            pairs=(pi, pj),
            y_upper=sites,
            start=start,
            options=MIP_OPTIONS,
        )
        if out.x is None or not out.objective < obj - 1e-9 * max(abs(obj), 1.0):
            return obj, sol, out
        took = out.x[: len(pi)] > 0.5
        site_of[pi[took]] = pj[took]
        x2 = np.zeros_like(x)
        x2[:nx] = (site_of[ii] == jj).astype(float)
        x2[nx:] = out.x[len(pi) :] > 0.5
        return float(out.objective), (x2, (ii, jj, nx)), out

    def _exact_single(
        self,
        obj: float,
        sol: Any,
        remaining: float | None,
        meta: dict[str, Any],
        lam_unc: FloatArray,
    ) -> tuple[MipOutcome, float, Any, float]:
        """LP bound, the Lagrangian bound (knapsack subproblems, :mod:`._capacitated_lag`)
        from the LP duals, Lagrangian-guided incumbents, LP reduced-cost and Lagrangian
        fixing against the incumbent, then the reduced MIP started from the incumbent.
        Returns (MIP outcome, objective, solution, bound)."""
        t0 = time.perf_counter()
        inst = self.instance
        rows = np.flatnonzero(inst.weights > 0)

        def left() -> float:
            if remaining is None:
                return np.inf
            return max(remaining - (time.perf_counter() - t0), 0.0)

        ii, jj = self._pairs(None)
        nx = len(ii)
        use_lp = nx <= LP_MAX_PAIRS
        if use_lp:
            lp_limit = None if remaining is None else LP_SHARE * remaining
            lp, _parts = self._mip(None, relax=True, time_limit=lp_limit)
        else:  # the LP of the strong model costs more than it gives here: Lagrangian only
            lp = MipOutcome("skipped", None, np.nan, -np.inf, 0.0)
        lb = lp.objective if lp.status == "optimal" else -np.inf
        meta["lp_bound"] = lb if use_lp else None
        meta["lp_seconds"] = round(time.perf_counter() - t0, 3)

        if lp.x is not None:  # LP-guided sites: the p largest y (fixed first), re-assigned
            score = np.where(inst.forbidden, -np.inf, lp.x[nx:] + 2.0 * inst.fixed)
            y_lp = np.zeros(inst.m, dtype=bool)
            y_lp[np.argsort(-score, kind="stable")[: self.p]] = True
            budget = max(min(5.0, 0.1 * left()), 0.05)
            o2, s2 = self._incumbent(y_lp, budget)
            if o2 < obj:
                obj, sol = o2, s2
            meta["lp_guided_incumbent"] = o2
        # Lagrangian relaxation of the assignment rows
        t_lag = time.perf_counter()
        w = inst.weights[rows]
        allowed = ~inst.forbidden
        W = w[:, None] * inst.cost[rows]
        W = np.where(np.isfinite(W) & allowed[None, :], W, np.inf)
        # start from the LP duals of the assignment rows, else the uncapacitated multipliers
        lam0 = lam_unc.copy() if lp.row_dual is None else lp.row_dual[: len(rows)].copy()
        lag_budget = min(LAG_SECONDS, LAG_SHARE * left())
        lag = cl.lagrangian_cpmp(
            W,
            w,
            self.capacity,
            self.p,
            allowed,
            inst.fixed,
            obj,
            lam0,
            deadline=time.perf_counter() + lag_budget,
        )
        iterations = lag.iterations
        ub_fixed = obj  # the incumbent the fixing above was done against
        tried = 0
        t_heur = time.perf_counter()
        heur_budget = min(LAG_HEURISTIC_SECONDS, 0.05 * left())
        for y_l in lag.open_sets[::-1][:LAG_HEURISTIC_SETS]:
            spent = time.perf_counter() - t_heur
            if spent >= heur_budget:
                break
            o3, s3 = self._incumbent(y_l, max(heur_budget - spent, 0.05))
            tried += 1
            if o3 < obj - 1e-9 * max(abs(obj), 1.0):
                obj, sol = o3, s3
        if sol is not None:  # the exact assignment to the incumbent's sites
            before = obj
            obj, sol = self._polish(obj, sol, min(POLISH_SECONDS, 0.05 * left()))
            meta["polished_incumbent"] = obj if obj < before else None
        # the final MIP's root is about the LP above: on a large model with less time left
        # than twice what the LP took (or the LP unfinished) HiGHS cannot even keep to the
        # limit (n = 400: 6–9 s over), so it is left out and its time goes to the core MIP
        lp_seconds = float(meta["lp_seconds"])
        final_mip = (
            remaining is None
            or int(lag.keep_pair.sum()) <= CORE_MIN_PAIRS
            or (lp.status == "optimal" and left() > 2.0 * lp_seconds)
        )
        gap_now = (obj - lag.bound) / max(abs(obj), 1.0)
        if (
            sol is not None
            and np.isfinite(lag.bound)
            and gap_now > CORE_MIN_GAP
            and int(lag.keep_pair.sum()) > CORE_MIN_PAIRS
        ):
            t_core = time.perf_counter()
            before = obj
            core_limit = min(CORE_SECONDS, CORE_SHARE * left()) if final_mip else left()
            obj, sol, core_out = self._core(obj, sol, lag, core_limit)
            meta.update(
                core_incumbent=obj if obj < before else None,
                core_pairs=int(core_out.x.size - inst.m) if core_out.x is not None else None,
                core_status=core_out.status,
                core_seconds=round(time.perf_counter() - t_core, 3),
            )
        if obj < ub_fixed:  # fix against the improved incumbent at the best multipliers
            lag = cl.lagrangian_cpmp(
                W,
                w,
                self.capacity,
                self.p,
                allowed,
                inst.fixed,
                obj,
                lag.lam,
                deadline=time.perf_counter(),
                max_iter=0,
            )
        meta.update(
            lagrangian_bound=lag.bound,
            lagrangian_iterations=iterations,
            lagrangian_seconds=round(time.perf_counter() - t_lag, 3),
            lagrangian_exact_knapsack=lag.exact_knapsack,
            lagrangian_incumbent_sets=tried,
            incumbent_before_mip=obj,
        )
        lb = max(lb, lag.bound)
        keep_x = np.ones(nx, dtype=bool)
        y_up = np.ones(inst.m, dtype=bool)
        if lp.col_dual is not None and np.isfinite(lp.objective) and np.isfinite(obj):
            tol = 1e-7 * max(abs(obj), 1.0)
            d = lp.col_dual
            keep_x = lp.objective + d[:nx] <= obj + tol
            y_up = lp.objective + d[nx:] <= obj + tol
        pos = np.full(inst.n, -1, dtype=np.int64)
        pos[rows] = np.arange(len(rows))
        y_up &= ~lag.site_closed
        keep_x &= lag.keep_pair[pos[ii], jj]
        keep_x &= y_up[jj]
        y_lo = lag.site_open
        meta.update(pairs=int(nx), pairs_after_fixing=int(keep_x.sum()))
        meta["sites_after_fixing"] = int((y_up & allowed).sum())
        meta["sites_fixed_open"] = int((y_lo & ~inst.fixed).sum())
        start = None
        if sol is not None:
            xs = sol[0]
            if (
                np.all(keep_x[xs[:nx] > 0.5])
                and np.all(y_up[xs[nx:] > 0.5])
                and np.all(xs[nx:][y_lo] > 0.5)
            ):
                start = np.concatenate([xs[:nx][keep_x], xs[nx:]])
        rest = None if remaining is None else max(left(), 0.1)
        meta["seconds_before_mip"] = round(time.perf_counter() - t0, 3)
        pairs = (ii[keep_x], jj[keep_x])
        meta["final_mip"] = final_mip
        if not final_mip:
            out = MipOutcome("time_limit", None, np.nan, -np.inf, 0.0)
            return out, obj, sol, lb
        out, parts = self._mip(
            None,
            relax=False,
            time_limit=rest,
            pairs=pairs,
            y_upper=y_up,
            y_lower=y_lo,
            start=start,
            options=MIP_OPTIONS if use_lp else None,
            lag_cut=(lag.lam, lag.site_value) if LAG_CUTS else None,
        )
        bound = out.bound if np.isfinite(out.bound) else lb
        if out.x is not None and out.objective < obj:
            obj, sol = out.objective, (out.x, parts)
        # a solution cheaper than the incumbent lies in the reduced model: min(UB, its bound)
        bound = max(lb, min(bound, obj)) if np.isfinite(lb) else min(bound, obj)
        if out.status == "infeasible":
            bound = obj  # nothing cheaper than the incumbent survives the fixing
        return out, obj, sol, bound

    def solve(self, method: str = "exact", time_limit: float | None = None) -> LocateResult:
        """Solve: ``"exact"`` = the MIP in HiGHS; ``"heuristic"`` = uncapacitated p-median
        heuristic sites repaired to enough capacity, then an optimal (transport) assignment,
        or, single-source, the regret/shift/swap assignment with site re-centring
        (:mod:`._capacitated_ss`); its bound is the uncapacitated Lagrangian bound.

        Single-source exact: that incumbent (and one from the LP's largest ``y``), the LP bound
        of the strong model, the Lagrangian bound with 0-1 knapsacks per site
        (:mod:`._capacitated_lag`, from the LP duals), the optimal assignment to the
        incumbent's sites, LP reduced-cost and Lagrangian fixing of pairs and sites that cannot
        beat the incumbent, then HiGHS on the reduced model started from the incumbent."""
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
        if self.single_source:
            budget = 5.0 if tl is None else max(min(5.0, 0.15 * tl), 0.05)
            obj, sol = self._incumbent(y, budget)
        else:
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
            meta["heuristic_seconds"] = round(time.perf_counter() - t0, 3)
            if self.single_source:
                meta.update(
                    method="incumbent + LP + Lagrangian (knapsack) bound and fixing + HiGHS MIP"
                )
                meta["incumbent"] = obj
                out, obj, sol, b = self._exact_single(obj, sol, remaining, meta, lag.lam)
                bound = max(bound, b)
            else:
                meta.update(method="HiGHS MIP")
                out, parts = self._mip(None, relax=False, time_limit=remaining)
                if out.x is not None and out.objective < obj:
                    obj, sol = out.objective, (out.x, parts)
                if np.isfinite(out.bound):
                    bound = max(bound, out.bound)
            meta.update(mip_status=out.status, mip_seconds=round(out.seconds, 3))
            if out.status == "infeasible" and sol is None:
                raise InfeasibleError(
                    "HiGHS proved the capacitated model infeasible "
                    "(capacities cannot absorb the demand as assigned)"
                )
            status = Status.optimal if out.status == "optimal" else Status.time_limit
        else:
            meta.update(method="heuristic")
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
