# ruff: noqa: N803, N806  (matrix names C, W follow the formulas)
"""POPMUSIC for the single-source capacitated p-median (Taillard 2003; the method was first
written for this problem): the incumbent is improved by re-optimising, exactly, small
subproblems made of a few neighbouring open sites and the demand they serve.

A subproblem takes a *seed* open site and the ``r − 1`` open sites nearest to the demand the
seed serves (mean cost from that demand), the demand assigned to those ``r`` sites, and as
candidates those ``r`` sites plus every allowed site among the ``near`` cheapest of each of
those demand points that no other open site occupies.  It is a capacitated p-median of its
own (``p = r``, the same capacities, fixed sites kept open), solved by the caller's exact
solver started from the current assignment; any cheaper answer leaves every capacity
respected, so the whole stays feasible.  Seeds whose subproblem could not be improved are set
aside; when a subproblem improves, its new sites go back into the queue.  When the queue is
empty (a local optimum for every subproblem of ``r`` sites) the subproblems grow by
``r_step`` sites and every open site is queued again, up to ``r_max``; the search stops at a
local optimum of ``r_max`` or at the deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["PopmusicOutcome", "popmusic"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

# solve(rows, sites, r, fixed_sites, start_site_of_row, time_limit)
#   -> (cost, site per row, the r open sites) or None
SubSolver = Callable[
    [IntArray, IntArray, int, BoolArray, IntArray, float],
    tuple[float, IntArray, IntArray] | None,
]


@dataclass(frozen=True, eq=False)
class PopmusicOutcome:
    """Open mask, site per demand row and cost after the search; subproblems solved and
    improved; ``r``: the subproblem size reached; ``local_optimum``: the queue of that size
    emptied before the deadline."""

    open_mask: BoolArray
    assign: IntArray
    cost: float
    subproblems: int
    improved: int
    r: int
    local_optimum: bool


def popmusic(
    W: FloatArray,
    open_mask: BoolArray,
    assign: IntArray,
    fixed: BoolArray,
    allowed: BoolArray,
    solve: SubSolver,
    deadline: float,
    *,
    r: int,
    r_max: int,
    r_step: int,
    near: int,
    sub_seconds: float,
) -> PopmusicOutcome:
    """Improve the assignment ``assign`` (site per row of ``W[i, j] = w_i c_ij``, ``inf`` =
    not allowed) to the open sites ``open_mask``, with subproblems of ``r`` sites growing by
    ``r_step`` to ``r_max``, until none of ``r_max`` sites improves or ``deadline``
    (``time.perf_counter()``) passes."""
    n = W.shape[0]
    y = open_mask.copy()
    a = assign.copy()
    cost = float(W[np.arange(n), a].sum())
    Wa = np.where(allowed[None, :], W, np.inf)
    nearest = np.argsort(Wa, axis=1, kind="stable")[:, :near]
    in_queue = np.zeros(y.size, dtype=bool)

    def refill() -> list[int]:  # every open site, those serving the most demand rows first
        q = np.flatnonzero(y)[np.argsort(-np.bincount(a, minlength=y.size)[y], kind="stable")]
        in_queue[q] = True
        return [int(j) for j in q]

    queue = refill()
    r_max = max(min(r_max, int(y.sum())), r)
    solved = improved = 0
    tol = 1e-9 * max(abs(cost), 1.0)
    while queue or r < r_max:
        if not queue:
            r = min(r + max(r_step, 1), r_max)
            queue = refill()
        left = deadline - time.perf_counter()
        if left <= 0:
            break
        seed = int(queue.pop(0))
        in_queue[seed] = False
        if not y[seed]:
            continue
        served = np.flatnonzero(a == seed)
        opened = np.flatnonzero(y)
        # the open sites nearest to the seed's demand
        empty = np.zeros(opened.size)
        closeness = W[np.ix_(served, opened)].mean(axis=0) if served.size else empty
        closeness[opened == seed] = -np.inf
        group = opened[np.argsort(closeness, kind="stable")[:r]]
        rows = np.flatnonzero(np.isin(a, group))
        cand = np.zeros(y.size, dtype=bool)
        cand[nearest[rows].ravel()] = True
        cand &= allowed & ~y
        cand[group] = True
        sites = np.flatnonzero(cand)
        got = solve(rows, sites, len(group), fixed[sites], a[rows], min(sub_seconds, left))
        solved += 1
        if got is None:
            continue
        sub_cost, sub_a, sub_open = got
        before = float(W[rows, a[rows]].sum())
        if sub_cost < before - tol:
            a[rows] = sub_a
            y[group] = False
            y[sub_open] = True
            cost -= before - sub_cost
            improved += 1
            for j in sub_open:
                if not in_queue[j]:
                    queue.append(int(j))
                    in_queue[j] = True
    return PopmusicOutcome(y, a, cost, solved, improved, r, not queue)
