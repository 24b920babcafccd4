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
from soteplan.locate import _capacitated_pop as pop
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
from soteplan.locate._capacitated_lp import PricedLP
from soteplan.locate._highs import MipOutcome, solve_mip

__all__ = ["CapacitatedPMedian"]

LAG_SECONDS = 20.0  # most seconds for the Lagrangian ascent (single source, exact)
LAG_SHARE = 0.4  # ... and at most this share of the time left
LAG_HEURISTIC_SETS = 4  # latest distinct Lagrangian site sets re-assigned as incumbents
LAG_HEURISTIC_SECONDS = 1.0  # ... within at most this many seconds in all
LAG_CUTS = False  # add the Lagrangian cut of every site to the final MIP (measured: slower)
START_SECONDS = 1.0  # most seconds for the first incumbent of the exact method
POLISH_SECONDS = 3.0  # most seconds for the exact assignment to the incumbent's sites
POP_SITES = 4  # open sites per POPMUSIC subproblem (r) at the start ...
POP_SITES_MAX = 10  # ... growing to this many
POP_SITES_STEP = 2  # ... by this many at each local optimum
POP_NEAR = 8  # candidates per demand point in a subproblem (its cheapest allowed sites)
POP_PAIRS = 20  # pairs per demand point in a subproblem (cheapest candidates, own site)
POP_SUB_SECONDS = 1.0  # most seconds per subproblem MIP
POP_SECONDS = 30.0  # most seconds for POPMUSIC ...
POP_SHARE = 0.6  # ... and at most this share of the time left
POP_MIN_GAP = 0.005  # POPMUSIC runs only when the incumbent is this far above the bound, on
# a large model (more than LARGE_PAIRS pairs left after the Lagrangian fixing)
LARGE_PAIRS = 10_000  # above this many pairs left, POPMUSIC and more ascent instead of the
# final MIP under a time limit (L–S n = 200, about 17 000–21 000 pairs left: 40 611, 2.42 %,
# against 40 913, 3.15 %, from the final MIP; O–C n = 100 keeps at most 2 530 and L–S n = 100
# about 5 200, where HiGHS searches and proves better on its own)
FEW_SITES = 100  # ... unless at most this many sites are left after the Lagrangian fixing
FEW_SITES_PAIRS = 40_000  # ... and at most this many pairs: then POPMUSIC gets a share of the
FEW_POP_SHARE = 0.4  # time left (this one) and the final MIP the rest, with no more ascent.
# Keski-Suomi health stations on car minutes (280 points × 60 candidates, 90 % load, 60 s):
# p = 20 4.48 % → 2.89 %, p = 22 6.71 % → 5.97 %, p = 15 0.82 % → 0.79 %, p = 18 optimal
# either way; shares 0.25 / 0.55 gave 2.87 / 2.91 % at p = 20.  Every L–S and the straight-line
# K–S row keeps 172–374 sites and is not affected.
SUPPORT_MIN_GAP = 0.05  # the LP-support MIP runs on a large model when the LP-guided incumbent
# is this far above the LP bound (the real Keski-Suomi points, p = 20: 16–19 %; L–S n = 300 and
# 400: 2.3 % and 3.4 %, where the support MIP found nothing POPMUSIC does not)
SUPPORT_NEAR = 5  # pairs per demand row in it besides the LP's own: its cheapest support sites
SUPPORT_SECONDS = 30.0  # most seconds for it ...
SUPPORT_SHARE = 0.5  # ... and at most this share of the time left
LAG_MORE_MU = 0.3  # the ascent after POPMUSIC: first step share ...
LAG_MORE_STALL = 100  # ... and steps without a better bound before it is halved (L–S
# n = 400: 63 401 with 0.1 and 30, 63 420 with 0.5 and 60, 63 425 with 0.3 and 100)
FINISH_SECONDS = 0.5  # time kept for fixing and the result after that ascent
LP_MAX_PAIRS = 250_000  # above this many pairs the LP is skipped (Lagrangian from scratch)
LP_PRICE_MIN_PAIRS = 20_000  # from this many pairs on the LP is solved by pricing ...
LP_NEAR = 30  # ... from this many cheapest pairs per demand row (L–S n = 400, p = 40:
# the LP over the 40 cheapest pairs per row has the full LP's optimum, 1.5 s against 14.4 s)
LP_SHARE = 0.8  # most share of the time left for the LP (a loaded machine made the n = 400
# LP take all 55 s, leaving no time for the Lagrangian: 28.9 % gap; a cap of 0.6 stopped it
# at 32 s unfinished, 26.4 %; 0.8 let it finish in 30.6 s, 3.4 %; see docs/benchmarks.md)
# HiGHS options for the final MIP of the smaller models (those with the LP): few heuristics,
# no restarts (measured, see docs/benchmarks.md) ...
MIP_OPTIONS: dict[str, float | bool] = {"mip_heuristic_effort": 0.01, "mip_allow_restart": False}
# ... and when it starts from an incumbent, its work being the proof, and for the POPMUSIC
# subproblems: no sub-MIP heuristics (RINS, RENS, the root reduced-cost one, feasibility
# jump) and pseudo-costs from the first branching on, not strong branching (O–C n = 100,
# p = 10, 90 %: 12.5 s → 5.6 s; POPMUSIC subproblems 0.34 → 0.22 s median; docs/benchmarks.md)
PROOF_OPTIONS: dict[str, float | bool] = {
    **MIP_OPTIONS,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_feasibility_jump": False,
    "mip_pscost_minreliable": 0,
}
# ... and for the LP-support MIP, whose work is finding solutions: HiGHS' usual heuristic
# effort (Keski-Suomi, 30 s: 1 592 493 against 1 616 677 with all HiGHS defaults)
SUPPORT_OPTIONS: dict[str, float | bool] = {**MIP_OPTIONS, "mip_heuristic_effort": 0.05}


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

    def _lp(self, time_limit: float | None) -> tuple[MipOutcome, int, int]:
        """The LP relaxation of the strong model over every finite allowed pair: (outcome
        over every pair, pricing rounds, pairs in the last LP).  Large models are priced: the
        LP over the ``LP_NEAR`` cheapest pairs per row (twice as many while that LP is
        infeasible), then every left-out pair whose reduced
        cost ``w_i c_ij − u_i − w_i π_j`` (its own linking row at dual 0) is negative is added
        and the LP solved again, until none is; the duals are then feasible for the full LP,
        so its objective is the full LP's and the reduced costs of the left-out pairs are
        those values.  The pairs go into one HiGHS model (:mod:`._capacitated_lp`), so each
        round starts from the last basis.  Cut short by the limit, the outcome has status
        ``"time_limit"``, the last restricted LP's values and assignment duals (a guide, not
        a bound) and no reduced costs."""
        inst = self.instance
        ii, jj = self._pairs(None)
        nx, m = len(ii), inst.m
        if nx < LP_PRICE_MIN_PAIRS:
            out, _parts = self._mip(None, relax=True, time_limit=time_limit)
            return out, 1, nx
        t0 = time.perf_counter()
        w = inst.weights
        rows = np.flatnonzero(w > 0)
        nr = len(rows)
        pos = np.full(inst.n, -1, dtype=np.int64)
        pos[rows] = np.arange(nr)
        ri = pos[ii]
        wc = w[ii] * inst.cost[ii, jj]
        order = np.lexsort((wc, ri))  # by row, then by cost
        first = np.searchsorted(ri[order], np.arange(nr))
        rank = np.empty(nx, dtype=np.int64)
        rank[order] = np.arange(nx) - np.repeat(first, np.bincount(ri, minlength=nr))
        near = LP_NEAR
        active = rank < near
        lp = PricedLP(
            nr,
            self.capacity,
            self.p,
            float(w.sum()),
            inst.fixed.astype(float),
            (~inst.forbidden).astype(float),
        )
        added = np.flatnonzero(active)  # pairs in the model, in their order of addition
        lp.add(ri[added], jj[added], wc[added], w[ii[added]])
        rounds = 0
        while True:
            rounds += 1
            limit = None if time_limit is None else time_limit - (time.perf_counter() - t0)
            if limit is not None and limit <= 0:
                return MipOutcome("time_limit", None, np.nan, -np.inf, 0.0), rounds, len(added)
            res = lp.solve(limit)
            if res.status == "infeasible" and not active.all():  # too few pairs for capacity
                near *= 2
                more = np.flatnonzero(~active & (rank < near))
                active[more] = True
                lp.add(ri[more], jj[more], wc[more], w[ii[more]])
                added = np.concatenate([added, more])
                continue
            if res.status != "optimal" or res.u is None or res.pi is None:
                break
            d = wc - res.u[ri] - w[ii] * res.pi[jj]
            neg = ~active & (d < -1e-9 * max(abs(res.objective), 1.0))
            if not neg.any():
                break
            more = np.flatnonzero(neg)
            active[more] = True
            lp.add(ri[more], jj[more], wc[more], w[ii[more]])
            added = np.concatenate([added, more])
        seconds = time.perf_counter() - t0
        ns = len(added)
        if res.x is None or res.y is None:
            return MipOutcome(res.status, None, np.nan, -np.inf, seconds), rounds, ns
        x = np.zeros(nx + m)
        x[added] = res.x
        x[nx:] = res.y
        if (
            res.status != "optimal"
            or res.u is None
            or res.rc_x is None
            or res.rc_y is None
            or res.link is None
            or res.pi is None
            or res.card_agg is None
        ):
            guide = None if res.u is None else res.u.copy()
            return MipOutcome("time_limit", x, np.nan, -np.inf, seconds, None, guide), rounds, ns
        col_dual = np.concatenate([d, res.rc_y])
        col_dual[added] = res.rc_x
        link = np.zeros(nx)
        link[added] = res.link
        row_dual = np.concatenate([res.u, link, res.pi, res.card_agg])
        full = MipOutcome("optimal", x, res.objective, res.objective, seconds, col_dual, row_dual)
        return full, rounds, ns

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
        return inc.cost, self._solution(inc.assign, inc.open_mask)

    def _solution(self, assign: Any, open_mask: BoolArray) -> Any:
        """``(x, (ii, jj, nx))`` over every pair from the site of each demand row
        (rows with weight > 0, in order) and the open mask."""
        inst = self.instance
        rows = np.flatnonzero(inst.weights > 0)
        ii, jj = self._pairs(None)
        site_of = np.full(inst.n, -1, dtype=np.int64)
        site_of[rows] = assign
        x = np.concatenate([(site_of[ii] == jj).astype(float), open_mask.astype(float)])
        return (x, (ii, jj, len(ii)))

    def _sub_solve(
        self, rows: Any, sites: Any, r: int, fixed: Any, start: Any, time_limit: float
    ) -> tuple[float, Any, Any] | None:
        """A POPMUSIC subproblem (:mod:`._capacitated_pop`): the demand rows ``rows`` (positions
        among the rows with weight > 0) on the candidate ``sites``, ``r`` of them open, the
        ``fixed`` ones among them; exact MIP started from the site per row ``start``."""
        inst = self.instance
        drows = np.flatnonzero(inst.weights > 0)[rows]
        local = np.searchsorted(sites, start)
        C = inst.cost[np.ix_(drows, sites)]
        if len(sites) > POP_PAIRS:  # each row's POP_PAIRS cheapest candidates and its own site
            keep = np.zeros(C.shape, dtype=bool)
            near = np.argpartition(C, POP_PAIRS - 1, axis=1)[:, :POP_PAIRS]
            np.put_along_axis(keep, near, True, axis=1)
            keep[np.arange(len(drows)), local] = True
            C = np.where(keep, C, np.inf)
        sub_inst = make_instance(
            C,
            inst.weights[drows],
            demand_ids=None,
            site_ids=None,
            fixed=np.asarray(fixed, dtype=bool),
            forbidden=None,
        )
        sub = CapacitatedPMedian(sub_inst, r, self.capacity[sites], single_source=True)
        ii, jj = sub._pairs(None)
        y0 = np.zeros(len(sites))
        y0[local] = 1.0
        x0 = np.concatenate([(local[ii] == jj).astype(float), y0])
        out, _parts = sub._mip(
            None, relax=False, time_limit=time_limit, start=x0, options=PROOF_OPTIONS
        )
        if out.x is None:
            return None
        took = out.x[: len(ii)] > 0.5
        site_of = np.full(len(drows), -1, dtype=np.int64)
        site_of[ii[took]] = jj[took]
        return float(out.objective), sites[site_of], sites[out.x[len(ii) :] > 0.5]

    def _popmusic(self, obj: float, sol: Any, time_limit: float) -> tuple[float, Any, Any]:
        """POPMUSIC from the solution ``sol`` within ``time_limit``: (cost, solution,
        outcome)."""
        inst = self.instance
        rows = np.flatnonzero(inst.weights > 0)
        x, (ii, jj, nx) = sol
        on = x[:nx] > 0.5
        site_of = np.full(inst.n, -1, dtype=np.int64)
        site_of[ii[on]] = jj[on]
        W = inst.weights[rows, None] * inst.cost[rows]
        W = np.where(np.isfinite(W) & ~inst.forbidden[None, :], W, np.inf)
        res = pop.popmusic(
            W,
            x[nx:] > 0.5,
            site_of[rows],
            inst.fixed,
            ~inst.forbidden,
            self._sub_solve,
            time.perf_counter() + time_limit,
            r=min(POP_SITES, self.p),
            r_max=min(POP_SITES_MAX, self.p),
            r_step=POP_SITES_STEP,
            near=min(POP_NEAR, inst.m),
            sub_seconds=POP_SUB_SECONDS,
        )
        if not res.cost < obj - 1e-9 * max(abs(obj), 1.0):
            return obj, sol, res
        return res.cost, self._solution(res.assign, res.open_mask), res

    def _support_mip(
        self, obj: float, sol: Any, lp_x: FloatArray, time_limit: float
    ) -> tuple[float, Any]:
        """The MIP restricted to the LP's support (RENS, Berthold 2014, with room): the sites
        open in the LP or in ``sol``, and per demand row its pairs used by the LP or by
        ``sol`` and its ``SUPPORT_NEAR`` cheapest such sites; HiGHS from ``sol`` within
        ``time_limit``.  Returns (cost, solution over every pair), ``sol`` if no better."""
        inst = self.instance
        rows = np.flatnonzero(inst.weights > 0)
        x, (ii, jj, nx) = sol
        sites = (lp_x[nx:] > 1e-6) | (x[nx:] > 0.5)
        idx = np.flatnonzero(sites)
        near = np.zeros((inst.n, inst.m), dtype=bool)
        k = min(SUPPORT_NEAR, len(idx))
        Cs = inst.cost[np.ix_(rows, idx)]
        pick = np.argpartition(Cs, k - 1, axis=1)[:, :k]
        near[np.repeat(rows, k), idx[pick].ravel()] = True
        keep = sites[jj] & ((lp_x[:nx] > 1e-6) | near[ii, jj] | (x[:nx] > 0.5))
        keep &= np.isfinite(inst.cost[ii, jj])
        start = np.concatenate([x[:nx][keep], x[nx:]])
        out, (ki, kj, nk) = self._mip(
            None,
            relax=False,
            time_limit=max(time_limit, 0.05),
            pairs=(ii[keep], jj[keep]),
            y_upper=sites,
            start=start,
            options=SUPPORT_OPTIONS,
        )
        if out.x is None or not out.objective < obj - 1e-9 * max(abs(obj), 1.0):
            return obj, sol
        took = out.x[:nk] > 0.5
        site_of = np.full(inst.n, -1, dtype=np.int64)
        site_of[ki[took]] = kj[took]
        return float(out.objective), self._solution(site_of[rows], out.x[nk:] > 0.5)

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
            lp, rounds, lp_pairs = self._lp(lp_limit)
            meta.update(lp_pricing_rounds=rounds, lp_pairs=lp_pairs)
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
        gap_lp = (obj - lb) / max(abs(obj), 1.0) if np.isfinite(lb) else 0.0
        if (  # a large model whose incumbent is far above the LP: the LP-support MIP
            lp.x is not None
            and sol is not None
            and remaining is not None
            and nx > LARGE_PAIRS
            and gap_lp > SUPPORT_MIN_GAP
        ):
            t_sup = time.perf_counter()
            before = obj
            obj, sol = self._support_mip(
                obj, sol, lp.x, min(SUPPORT_SECONDS, SUPPORT_SHARE * left())
            )
            meta.update(
                support_mip_incumbent=obj if obj < before else None,
                support_mip_seconds=round(time.perf_counter() - t_sup, 3),
            )
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
        # large models (many pairs left after the Lagrangian fixing, a gap still open): the
        # final MIP moves neither bound nor incumbent much there (L–S n = 300: 21 s for
        # +0.06 % of bound; n = 400: nothing in 12 s), so the time goes to POPMUSIC and then
        # to more of the Lagrangian ascent; smaller models are proven by the final MIP
        gap_now = (obj - lag.bound) / max(abs(obj), 1.0)
        kept = int(lag.keep_pair.sum())
        sites_left = int((allowed & ~lag.site_closed).sum())
        final_mip = remaining is None or kept <= LARGE_PAIRS or sol is None  # (no incumbent:
        # only the MIP can find one)
        few = not final_mip and sites_left <= FEW_SITES and kept <= FEW_SITES_PAIRS
        if sol is not None and np.isfinite(lag.bound) and gap_now > POP_MIN_GAP and not final_mip:
            t_pop = time.perf_counter()
            before = obj
            pop_limit = min(POP_SECONDS, (FEW_POP_SHARE if few else POP_SHARE) * left())
            obj, sol, res = self._popmusic(obj, sol, pop_limit)
            meta.update(
                popmusic_incumbent=obj if obj < before else None,
                popmusic_subproblems=res.subproblems,
                popmusic_improved=res.improved,
                popmusic_sites=res.r,
                popmusic_local_optimum=res.local_optimum,
                popmusic_seconds=round(time.perf_counter() - t_pop, 3),
            )
        meta["few_sites_mip"] = few
        final_mip = final_mip or few
        more = 0.0 if final_mip else max(left() - FINISH_SECONDS, 0.0)
        if obj < ub_fixed or more > 0:  # fix against the incumbent at the best multipliers,
            # after more steps (smaller, from the best multipliers) when no final MIP follows
            lag2 = cl.lagrangian_cpmp(
                W,
                w,
                self.capacity,
                self.p,
                allowed,
                inst.fixed,
                obj,
                lag.lam,
                deadline=time.perf_counter() + more,
                max_iter=0 if more <= 0 else 100_000,
                mu0=LAG_MORE_MU,
                stall=LAG_MORE_STALL,
                window=10**9 if more > 0 else cl.PROGRESS_WINDOW,
            )
            iterations += lag2.iterations if more > 0 else 0
            if lag2.bound >= lag.bound or obj < ub_fixed:
                lag = lag2
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
            options=(PROOF_OPTIONS if start is not None else MIP_OPTIONS) if use_lp else None,
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
            # exact: a first incumbent only (the LP-guided one and POPMUSIC follow; L–S
            # n = 400 spent 5 s here on a start 32 % above the LP-guided one)
            most = START_SECONDS if meth is Method.exact else 5.0
            budget = most if tl is None else max(min(most, 0.15 * tl), 0.05)
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
