# ruff: noqa: N806  (matrix names C, A, W follow the formulas)
"""The p-median model (minimise total weighted cost to the nearest open site)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from soteplan.errors import ParameterError
from soteplan.locate import _lagrange as lagrange
from soteplan.locate import _pmedian_core as core
from soteplan.locate import _radius as radius
from soteplan.locate._base import (
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

__all__ = ["PMedian"]

OPT_GAP = 1e-6
EXACT_SOLVERS = ("auto", "bb", "radius")
HEURISTIC_STOP_GAP = 1e-3  # heuristic: no further search once the bound proves ≤ 0.1 %
# heuristic without a time limit: the bound's time, as a share of the time before it
# (with the compiled swap kernels the perturbation rounds are cheap, so a long bound no
# longer pays for itself by stopping them early; see docs/benchmarks.md)
HEURISTIC_BOUND_SHARE = 1.0
HEURISTIC_BOUND_FLOOR = 0.02
STAGE_MARGIN = 0.05  # share of the time limit the exact stages leave for the finish (HiGHS can
# overrun its own limit by 2 s on the 10 000 × 500 radius model: 60.4–60.6 s at 0.03)
DEFAULT_KICKS = 60  # perturbation rounds of the iterated local search per start
FIRST_SHARE = 0.5  # share of the remaining time the first method of a portfolio gets


def _portfolio(choice: str, n: int, p: int, n_free: int) -> tuple[str, ...]:
    """Order in which the exact stages run on the residual problem.

    ``"auto"``: the radius formulation first when ``p`` is large relative to the demand
    (short radii: small models), Lagrangian branch and bound first when ``p`` is small (its
    bound is tight and fixing strong there); the other method then gets the rest of the
    time.  Thresholds from ``benchmarks/bench_locate.py`` (see ``docs/benchmarks.md``).
    """
    if choice == "bb":
        return ("bb",)
    if choice == "radius":
        return ("radius",)
    if n >= RADIUS_FIRST_RATIO * p:
        return ("bb", "radius")
    return ("radius", "bb")


RADIUS_FIRST_RATIO = 15.0


def _prepared(inst: Instance) -> tuple[FloatArray, FloatArray, Any, np.ndarray, float]:
    """Drop zero-weight rows, replace inf by a penalty, aggregate identical rows."""
    keep = inst.weights > 0
    C = inst.cost[keep]
    finite = np.isfinite(C)
    fmax = float(C[finite].max()) if finite.any() else 1.0
    big = (fmax + 1.0) * 1e3
    C = np.where(finite, C, big)
    U, wU, _ = merge_identical_rows(C, inst.weights[keep])
    return U, wU, keep, big > U, big


class PMedian:
    """p-median: choose ``p`` sites minimising ``Σ_i w_i min_{j open} c_ij``.

    Build with :meth:`from_cost_matrix` or :meth:`from_travel_times`; solve with
    :meth:`solve`.  Costs are in the unit of the matrix (minutes for travel times), so the
    objective is e.g. person-minutes.

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[0, 5, 9], [4, 0, 3], [9, 3, 0], [8, 2, 6.0]])
    >>> r = PMedian.from_cost_matrix(cost, [1, 1, 1, 1], p=1).solve()
    >>> r.site_indices.tolist(), r.objective, r.status.value
    ([1], 10.0, 'optimal')
    """

    model = "p-median"

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
    ) -> PMedian:
        """Build from a demand × candidate cost matrix.

        Parameters
        ----------
        cost
            Shape (n, m), non-negative, ``inf``/``nan`` = unreachable (e.g. minutes).
        weights
            Demand weights (e.g. population), length n; default all 1.
        p
            Number of sites to open (including the fixed ones).
        fixed, forbidden
            Site ids (or column indices, or a boolean mask over the candidates) that must be
            open / may not be opened.
        demand_ids, site_ids
            Identifiers of rows and columns (default 0..n-1 / 0..m-1).

        Raises
        ------
        InfeasibleError
            ``p`` exceeds the allowed candidates, fixed sites exceed ``p``, a site is fixed
            and forbidden, or a weighted demand point cannot reach any allowed candidate.
        """
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
    ) -> PMedian:
        """Build from a travel-time result (origins = demand, destinations = candidates)."""
        mins, oid, did = travel_time_parts(tt)
        return cls.from_cost_matrix(
            mins, weights, p=p, fixed=fixed, forbidden=forbidden, demand_ids=oid, site_ids=did
        )

    def solve(
        self,
        method: str = "exact",
        time_limit: float | None = None,
        *,
        starts: int | None = None,
        kicks: int | None = None,
        seed: int = 0,
        exact_solver: str = "auto",
    ) -> LocateResult:
        """Solve the model.

        Parameters
        ----------
        method
            ``"exact"``: heuristic incumbent, Lagrangian bound and reduced-cost fixing
            (repeated on the reduced problem), then enumeration of a small residual problem
            or the ``exact_solver`` portfolio (radius formulation, Lagrangian branch and bound);
            proves optimality unless the time limit stops it.  ``"heuristic"``: greedy +
            fast interchange and iterated local search, with a Lagrangian lower bound.
        time_limit
            Wall-clock seconds for the whole solve (``None`` = no limit).
        starts
            Constructions: the greedy, then randomised greedy ones, each followed by fast
            interchange and ``kicks`` perturbation rounds; default 1 (heuristic) or 2
            (exact).
        kicks
            Perturbation rounds of the iterated local search per start (close one or two
            sites, open sites near the demand they served, descend, keep the result if it is
            no worse); default 60 (heuristic) or 120 (exact), fewer where each swap moves
            much of the demand (small ``p``: a budget of 30 passes over the cost matrix per
            start).  None are run, and the search stops early, once the Lagrangian bound
            proves the incumbent within 0.1 %.
        seed
            Seed of the random restarts.
        exact_solver
            Last stage of ``"exact"`` when Lagrangian fixing and enumeration leave a gap:
            ``"auto"`` (default) a portfolio run one after the other inside the time limit,
            the method suited to the instance first (the radius formulation when ``p`` is
            large relative to the demand, Lagrangian branch and bound otherwise) with half
            of the remaining time, then the other with the rest, keeping the best solution
            and the best proven bound of both; ``"bb"`` Lagrangian branch and bound only;
            ``"radius"`` the radius formulation in HiGHS only (Elloumi 2010; García, Labbé &
            Marín 2011), its radii capped per demand where the Lagrangian bound proves that
            no solution as good as the incumbent serves the demand farther, and the pairs
            it proves useless left out (an exact model of every such solution).
        """
        meth = check_method(method)
        tl = check_time_limit(time_limit)
        if exact_solver not in EXACT_SOLVERS:
            raise ParameterError(
                f"exact_solver must be one of {', '.join(EXACT_SOLVERS)}, got {exact_solver!r}"
            )
        t0 = time.perf_counter()
        deadline = None if tl is None else t0 + tl
        inst = self.instance
        U, wU, _, _reach, _big = _prepared(inst)
        allowed = ~inst.forbidden
        fixed = inst.fixed
        p = self.p
        heur = meth is Method.heuristic
        # the exact method's incumbent gets a second start and more rounds (cheap next to
        # the proof, and a better incumbent fixes more sites)
        nstarts = max(int(starts), 1) if starts is not None else (1 if heur else 2)
        nkicks = max(int(kicks), 0) if kicks is not None else DEFAULT_KICKS * (1 if heur else 2)
        h_deadline = None if tl is None else t0 + 0.3 * tl
        # first the greedy and one descent, then the bound, then (only while the bound does
        # not prove the incumbent within HEURISTIC_STOP_GAP) the perturbation rounds
        search = None
        if int((allowed & ~fixed).sum()) > p - int(fixed.sum()) > 0:
            search = core.SwapSearch(U, wU, core.greedy(U, wU, p, allowed, fixed), allowed, fixed)
            search.descend(deadline=h_deadline)
            best, ub = search.open.copy(), core.objective_of(U, wU, search.open)
        else:
            best, ub = core.heuristic(U, wU, p, allowed, fixed, deadline=h_deadline)
        t_heur = time.perf_counter() - t0
        max_iter = 300 if heur else 3000
        l_deadline = None if tl is None else t0 + 0.5 * tl
        if heur and tl is None:
            # the heuristic's bound gets HEURISTIC_BOUND_SHARE × the time so far (set-up,
            # greedy, first descent), at least HEURISTIC_BOUND_FLOOR s
            l_deadline = time.perf_counter() + max(
                HEURISTIC_BOUND_SHARE * t_heur, HEURISTIC_BOUND_FLOOR
            )
        lag = core.lagrangian_bound(
            U, wU, p, allowed, fixed, ub, max_iter=max_iter, deadline=l_deadline
        )
        if lag.best_open is not None and lag.best_obj < ub:
            best, ub = lag.best_open, lag.best_obj
        bound = lag.bound
        kicks_run = 0
        starts_run = 1
        if (nkicks > 0 or nstarts > 1) and relative_gap(ub, bound) > HEURISTIC_STOP_GAP:
            best, ub = core.heuristic(
                U,
                wU,
                p,
                allowed,
                fixed,
                starts=nstarts,
                kicks=nkicks,
                seed=seed,
                deadline=h_deadline,
                initial=best,
                search=search if search is not None and not (search.open ^ best).any() else None,
                stop_below=bound * (1.0 + HEURISTIC_STOP_GAP),
            )
            kicks_run, starts_run = nkicks, nstarts
        t_heur = time.perf_counter() - t0
        meta: dict[str, Any] = {
            "objective_unit": "weight × cost unit (e.g. person-minutes)",
            "demand_rows": inst.n,
            "aggregated_rows": int(U.shape[0]),
            "heuristic_seconds": round(t_heur, 4),
            "heuristic_starts": starts_run,
            "heuristic_kicks": kicks_run,
            "heuristic_objective": ub,
            "lagrangian_bound": bound,
            "lagrangian_iterations": lag.iterations,
        }
        status = Status.optimal if relative_gap(ub, bound) <= OPT_GAP else Status.feasible
        if meth is Method.exact and status is not Status.optimal:
            closed, forced = core.fix_by_reduced_cost(lag, p, allowed, fixed, ub)
            allowed2 = allowed & ~closed
            # repeat on the reduced problem: its Lagrangian converges faster and fixes more
            # (every solution better than ub lies in it, so fixing against ub stays valid)
            rounds = 1
            lam_last = lag.lam
            last = (lag, allowed, fixed)  # the latest bound and the problem it was taken on
            fix_deadline = None if tl is None else t0 + 0.6 * tl
            while rounds < 4 and (fix_deadline is None or time.perf_counter() < fix_deadline):
                n_before = int(allowed2.sum()) - int(forced.sum())
                lag2 = core.lagrangian_bound(
                    U,
                    wU,
                    p,
                    allowed2,
                    forced,
                    ub,
                    max_iter=max_iter,
                    deadline=fix_deadline,
                )
                lam_last = lag2.lam
                last = (lag2, allowed2, forced)
                if lag2.best_open is not None and lag2.best_obj < ub:
                    best, ub = lag2.best_open, lag2.best_obj
                bound = max(bound, min(ub, lag2.bound))
                if relative_gap(ub, bound) <= OPT_GAP:
                    break
                closed2, forced = core.fix_by_reduced_cost(lag2, p, allowed2, forced, ub)
                allowed2 = allowed2 & ~closed2
                rounds += 1
                if int(allowed2.sum()) - int(forced.sum()) >= n_before:
                    break
            closed = ~allowed2
            meta["fixing_rounds"] = rounds
            meta["fixed_closed_by_lagrange"] = int(closed.sum() - (~allowed).sum())
            meta["fixed_open_by_lagrange"] = int(forced.sum() - fixed.sum())
            if relative_gap(ub, bound) <= OPT_GAP:
                status = Status.optimal
        if meth is Method.exact and status is not Status.optimal:
            n_free = int((allowed2 & ~forced).sum())
            k_free = p - int(forced.sum())
            n_comb = core.enumeration_size(n_free, k_free)
            if 0 < n_comb * U.shape[0] * max(k_free, 1) <= 3e8:
                t_enum = time.perf_counter()
                y, obj = core.enumerate_best(U, wU, p, allowed2, forced)
                meta.update(
                    enumerated_combinations=n_comb,
                    enumeration_seconds=round(time.perf_counter() - t_enum, 3),
                )
                if obj < ub:
                    best, ub = y, obj
                bound = ub
                status = Status.optimal
        if meth is Method.exact and status is not Status.optimal:
            order = _portfolio(exact_solver, U.shape[0], p, int((allowed2 & ~forced).sum()))
            meta["exact_portfolio"] = list(order)
            for k, stage in enumerate(order):
                now = time.perf_counter()
                if deadline is not None and now >= deadline:
                    break
                # the first method gets the whole budget when it is the only one, else a share;
                # the last one gets whatever is left
                # the last stage stops a little early: building the result (and a HiGHS
                # model's set-up after its last check) must fit inside the limit too
                stage_deadline = None
                if deadline is not None and tl is not None:
                    stage_deadline = deadline - STAGE_MARGIN * tl
                if deadline is not None and k < len(order) - 1:
                    stage_deadline = now + FIRST_SHARE * (deadline - now)
                if stage == "radius":
                    caps, pairs = lagrange.service_caps(last[0], U, wU, p, last[1], last[2], ub)
                    rad = radius.solve_radius(
                        U,
                        wU,
                        p,
                        allowed2,
                        forced,
                        best,
                        ub,
                        deadline=stage_deadline,
                        caps=caps,
                        pairs=pairs,
                    )
                    if rad.upper < ub:
                        best, ub = rad.best, rad.upper
                    bound = max(bound, min(ub, rad.lower))
                    meta.update(
                        formulation="radius (Elloumi 2010; García, Labbé & Marín 2011), "
                        "chained, "
                        + (
                            "radii capped by Lagrangian reduced costs per demand and pair"
                            if rad.capped
                            else "radii truncated at the incumbent and grown where needed, "
                            "up to the Lagrangian caps (capped model too large)"
                        ),
                        radius_rounds=rad.rounds,
                        mip_rows=rad.rows,
                        mip_nonzeros=rad.nonzeros,
                        mip_seconds=round(rad.mip_seconds, 3),
                    )
                    done = rad.finished
                else:
                    t_bb = time.perf_counter()
                    best, ub, lower, nodes, done = core.lagrangian_branch_and_bound(
                        U, wU, p, allowed2, forced, best, ub, deadline=stage_deadline, lam0=lam_last
                    )
                    bound = max(bound, min(ub, lower))
                    meta.update(
                        exact_stage="Lagrangian branch and bound (depth first, reduced-cost "
                        "fixing at every node, enumeration of small residual problems)",
                        bb_nodes=nodes,
                        bb_seconds=round(time.perf_counter() - t_bb, 3),
                    )
                if done or relative_gap(ub, bound) <= OPT_GAP:
                    status = Status.optimal
                    meta["exact_solved_by"] = stage
                    break
            if status is not Status.optimal:
                status = Status.time_limit
        assignment, _ = nearest_assignment(inst.cost, best)
        obj = float(
            inst.weights
            @ np.where(
                assignment >= 0, inst.cost[np.arange(inst.n), np.maximum(assignment, 0)], 0.0
            )
        )
        meta["method_detail"] = (
            "greedy + fast vertex substitution (Whitaker 1983; Resende & Werneck 2007), "
            "iterated local search, Lagrangian bound (Beasley 1993)"
        )
        if status is Status.optimal:
            bound = obj
        return build_result(
            inst,
            self.model,
            objective=obj,
            open_mask=best,
            assignment=assignment,
            bound=min(bound, obj),
            status=status,
            seconds=time.perf_counter() - t0,
            method=meth.value,
            meta=meta,
        )
