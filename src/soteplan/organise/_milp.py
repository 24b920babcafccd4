"""Exact p-regions MILP for contiguous service areas, solved with HiGHS (``highspy``).

Formulation (hub selection + assignment + hub-rooted single-commodity flow
contiguity; Shirabe 2005, "A model of contiguity for spatial unit allocation",
Geographical Analysis 37; Duque, Church & Middleton 2011, "The p-regions
problem", Geographical Analysis 43):

* ``x[i, j] ∈ {0, 1}``: unit ``i`` belongs to the area whose hub is unit ``j``;
  ``x[j, j] = 1`` makes ``j`` a hub.
* ``Σ_j x[i, j] = 1``; ``x[i, j] ≤ x[j, j]``; ``Σ_j x[j, j] = k``.
* ``L x[j, j] ≤ Σ_i p_i x[i, j] ≤ U x[j, j]`` (population floor and ceiling).
* Contiguity: for each hub candidate ``j`` a flow ``f[j, u, v] ≥ 0`` on the
  arcs of the adjacency graph leaves ``j`` and every other unit of the area
  consumes one unit: ``in(i) − out(i) = x[i, j]`` (``i ≠ j``), with
  ``f[j, u, v] ≤ M x[u, j]`` and ``f[j, u, v] ≤ M x[v, j]`` (``M = n − k + 1``,
  the largest possible area).  Flow can only pass through the area, so every
  member is reachable from the hub inside it.
* Valid inequality ``x[i, j] ≤ Σ_{v ∈ N(i)} x[v, j]`` (``i ≠ j``) tightens the
  LP relaxation.
* Minimise ``Σ_i Σ_j p_i t[i, j] x[i, j]`` (person-minutes to the hub).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from soteplan._highs import new_highs
from soteplan.errors import SolverError

__all__ = ["ExactOutcome", "solve_exact"]

_INF = highspy.kHighsInf


@dataclass(frozen=True, eq=False)
class ExactOutcome:
    """What HiGHS found.

    Attributes
    ----------
    status
        ``"optimal"``, ``"time_limit"`` (feasible, not proven), ``"infeasible"``
        or ``"no_solution"`` (time limit without a feasible point).
    hub_of
        Hub position of every unit (``None`` without a solution).
    objective
        Person-minutes of ``hub_of``.
    bound
        Proven lower bound, person-minutes.
    seconds
        Wall-clock seconds in HiGHS.
    """

    status: str
    hub_of: npt.NDArray[np.int64] | None
    objective: float
    bound: float
    seconds: float


def solve_exact(
    pop: npt.NDArray[np.float64],
    minutes: npt.NDArray[np.floating],
    arcs: Sequence[tuple[int, int]],
    k: int,
    min_population: float,
    max_population: float,
    *,
    together: Sequence[tuple[int, int]] = (),
    fixed_hubs: Sequence[int] = (),
    start: npt.NDArray[np.int64] | None = None,
    time_limit: float | None = 60.0,
    mip_rel_gap: float = 1e-6,
    threads: int = 1,
) -> ExactOutcome:
    """Solve the contiguous p-regions MILP (see module docstring).

    Parameters
    ----------
    pop
        Population of every unit (persons).
    minutes
        ``n × n`` travel times, minutes.
    arcs
        Directed adjacency arcs ``(u, v)`` (both directions listed).
    k
        Number of areas.
    min_population, max_population
        Floor and ceiling of an area's population (persons; ``inf`` for none).
    together
        Pairs of units that must share an area.
    fixed_hubs
        Units that must be hubs.
    start
        A feasible assignment (hub position per unit) to warm-start HiGHS.
    time_limit
        Seconds (``None``: no limit).

    Set the environment variable ``SOTEPLAN_HIGHS_LOG=1`` to see HiGHS' log.
    """
    t0 = time.perf_counter()
    n = len(pop)
    w = pop[:, None] * np.asarray(minutes, dtype=np.float64)  # person-minutes
    nx = n * n
    arcs = list(arcs)
    na = len(arcs)
    nf = n * na
    ncol = nx + nf

    def xi(i: int, j: int) -> int:
        return i * n + j

    def fi(j: int, a: int) -> int:
        return nx + j * na + a

    big_m = float(max(n - k + 1, 1))
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lo: list[float] = []
    hi: list[float] = []
    r = 0

    def add(entries: list[tuple[int, float]], lower: float, upper: float) -> None:
        nonlocal r
        for c, v in entries:
            rows.append(r)
            cols.append(c)
            vals.append(v)
        lo.append(lower)
        hi.append(upper)
        r += 1

    for i in range(n):  # each unit in exactly one area
        add([(xi(i, j), 1.0) for j in range(n)], 1.0, 1.0)
    for j in range(n):  # assign only to open hubs
        for i in range(n):
            if i != j:
                add([(xi(i, j), 1.0), (xi(j, j), -1.0)], -np.inf, 0.0)
    add([(xi(j, j), 1.0) for j in range(n)], float(k), float(k))
    for j in range(n):  # population floor and ceiling
        entries = [(xi(i, j), float(pop[i])) for i in range(n)]
        add(
            [*entries[:j], (xi(j, j), float(pop[j]) - min_population), *entries[j + 1 :]],
            0.0,
            np.inf,
        )
        if np.isfinite(max_population):
            add(
                [*entries[:j], (xi(j, j), float(pop[j]) - max_population), *entries[j + 1 :]],
                -np.inf,
                0.0,
            )
    out_arcs: list[list[int]] = [[] for _ in range(n)]
    in_arcs: list[list[int]] = [[] for _ in range(n)]
    for a, (u, v) in enumerate(arcs):
        out_arcs[u].append(a)
        in_arcs[v].append(a)
    nbrs = [sorted({v for (u, v) in arcs if u == i}) for i in range(n)]
    col_upper = np.ones(ncol)
    col_upper[nx:] = big_m
    col_lower = np.zeros(ncol)
    for j in range(n):
        for i in range(n):
            if i == j:
                continue
            # flow balance: in − out = x[i, j]
            add(
                [(fi(j, a), 1.0) for a in in_arcs[i]]
                + [(fi(j, a), -1.0) for a in out_arcs[i]]
                + [(xi(i, j), -1.0)],
                0.0,
                0.0,
            )
            # a non-hub member needs a neighbour in the same area
            add([(xi(i, j), 1.0)] + [(xi(v, j), -1.0) for v in nbrs[i]], -np.inf, 0.0)
        for a, (u, v) in enumerate(arcs):
            if v == j:  # no flow back into the hub
                col_upper[fi(j, a)] = 0.0
                continue
            add([(fi(j, a), 1.0), (xi(u, j), -big_m)], -np.inf, 0.0)
            add([(fi(j, a), 1.0), (xi(v, j), -big_m)], -np.inf, 0.0)
    for a_, b_ in together:
        for j in range(n):
            add([(xi(a_, j), 1.0), (xi(b_, j), -1.0)], 0.0, 0.0)
    for j in fixed_hubs:
        col_lower[xi(j, j)] = 1.0

    cost = np.zeros(ncol)
    cost[:nx] = w.ravel()
    a_mat = sp.csc_matrix((vals, (rows, cols)), shape=(r, ncol))
    h = new_highs()
    h.setOptionValue("output_flag", bool(os.environ.get("SOTEPLAN_HIGHS_LOG")))
    h.setOptionValue("threads", int(threads))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    if time_limit is not None:
        h.setOptionValue("time_limit", max(float(time_limit), 0.01))
    lp = highspy.HighsLp()
    lp.num_col_ = ncol
    lp.num_row_ = r
    lp.col_cost_ = cost
    lp.col_lower_ = col_lower
    lp.col_upper_ = col_upper
    lp.row_lower_ = np.where(np.isinf(lo), -_INF, lo).astype(np.float64)
    lp.row_upper_ = np.where(np.isinf(hi), _INF, hi).astype(np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a_mat.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a_mat.indices.astype(np.int32)
    lp.a_matrix_.value_ = a_mat.data.astype(np.float64)
    lp.a_matrix_.num_col_ = ncol
    lp.a_matrix_.num_row_ = r
    lp.integrality_ = [highspy.HighsVarType.kInteger] * nx + [highspy.HighsVarType.kContinuous] * nf
    h.passModel(lp)
    if start is not None:  # integer part only; HiGHS completes the flows
        x0 = np.zeros(nx)
        x0[np.arange(n) * n + np.asarray(start)] = 1.0
        h.setSolution(nx, np.arange(nx, dtype=np.int32), x0)
    h.run()
    ms = h.getModelStatus()
    info = h.getInfo()
    seconds = time.perf_counter() - t0
    if ms == highspy.HighsModelStatus.kInfeasible:
        return ExactOutcome("infeasible", None, float("nan"), float("nan"), seconds)
    has_sol = info.primal_solution_status == 2
    if ms == highspy.HighsModelStatus.kOptimal:
        status = "optimal"
    elif ms in (
        highspy.HighsModelStatus.kTimeLimit,
        highspy.HighsModelStatus.kInterrupt,
        highspy.HighsModelStatus.kSolutionLimit,
    ):
        status = "time_limit" if has_sol else "no_solution"
    else:
        raise SolverError(f"HiGHS stopped with status {h.modelStatusToString(ms)!r}")
    if not has_sol:
        return ExactOutcome(status, None, float("nan"), float(info.mip_dual_bound), seconds)
    xv = np.asarray(h.getSolution().col_value[:nx], dtype=np.float64).reshape(n, n)
    hub_of = np.argmax(xv, axis=1).astype(np.int64)
    objective = float(w[np.arange(n), hub_of].sum())
    return ExactOutcome(status, hub_of, objective, float(info.mip_dual_bound), seconds)
