# ruff: noqa: N803  (matrix names C, A, W follow the formulas)
"""A thin, typed wrapper around HiGHS (``highspy``) for the location models.

Models are passed as one sparse constraint matrix (``row_lower <= A x <= row_upper``),
column bounds, costs and integrality; the wrapper returns the solution, the
objective, the proven dual bound and HiGHS' own status.  Time limits are in seconds.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from soteplan._highs import new_highs
from soteplan.errors import SolverError

__all__ = ["MipOutcome", "solve_mip"]

_INF = highspy.kHighsInf


@dataclass(frozen=True, eq=False)
class MipOutcome:
    """What HiGHS reported for one model.

    Attributes
    ----------
    status
        ``"optimal"``, ``"time_limit"``, ``"infeasible"`` or ``"other:<name>"``.
    x
        Column values (``None`` when no feasible point was found).
    objective
        Objective of ``x`` (``nan`` without a solution), in the model's units.
    bound
        Proven dual bound (lower bound when minimising, upper when maximising).
    seconds
        Wall-clock seconds spent in HiGHS.
    col_dual
        Reduced costs of the columns (LP relaxations solved to optimality only).
    row_dual
        Row duals (same condition; ``cost − Aᵀ row_dual = col_dual`` when minimising).
    """

    status: str
    x: NDArray[np.float64] | None
    objective: float
    bound: float
    seconds: float
    col_dual: NDArray[np.float64] | None = None
    row_dual: NDArray[np.float64] | None = None


def model_status(h: highspy.Highs) -> str:
    """HiGHS' model status after ``run()``: "optimal", "infeasible", "time_limit" or
    "other:<name>"; an unbounded model is a modelling bug (:class:`SolverError`)."""
    ms = h.getModelStatus()
    if ms == highspy.HighsModelStatus.kOptimal:
        return "optimal"
    if ms == highspy.HighsModelStatus.kInfeasible:
        return "infeasible"
    if ms == highspy.HighsModelStatus.kTimeLimit:
        return "time_limit"
    if ms == highspy.HighsModelStatus.kUnbounded:
        raise SolverError("HiGHS reports the model unbounded (a modelling bug).")
    return f"other:{h.modelStatusToString(ms).lower()}"


def solve_mip(
    cost: NDArray[np.float64],
    A: sp.spmatrix | sp.sparray,
    row_lower: NDArray[np.float64],
    row_upper: NDArray[np.float64],
    col_lower: NDArray[np.float64],
    col_upper: NDArray[np.float64],
    integer: NDArray[np.bool_],
    *,
    maximize: bool = False,
    time_limit: float | None = None,
    start: NDArray[np.float64] | None = None,
    mip_rel_gap: float = 1e-6,
    offset: float = 0.0,
    relax: bool = False,
    threads: int = 1,
    options: Mapping[str, float | bool | str] | None = None,
) -> MipOutcome:
    """Solve ``min/max cost @ x + offset`` subject to row and column bounds with HiGHS.

    Parameters
    ----------
    cost, A, row_lower, row_upper, col_lower, col_upper
        The model (``np.inf`` allowed in bounds).
    integer
        Boolean mask of integer columns (ignored when ``relax``).
    maximize
        Maximise instead of minimise.
    time_limit
        Seconds; ``None`` for no limit.
    start
        A feasible starting point (MIP warm start), optional.
    mip_rel_gap
        Relative gap at which HiGHS stops and reports optimal.
    offset
        Constant added to the objective.
    relax
        Solve the LP relaxation instead.
    threads
        HiGHS threads (the machine is shared: default 1).
    options
        Further HiGHS options by name (e.g. ``{"mip_allow_restart": False}``).
    """
    t0 = time.perf_counter()
    csc = sp.csc_matrix(A)
    ncol = len(cost)
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(threads))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    if time_limit is not None:
        h.setOptionValue("time_limit", max(float(time_limit), 0.01))
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    lp = highspy.HighsLp()
    lp.num_col_ = ncol
    lp.num_row_ = csc.shape[0]
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.where(np.isinf(col_lower), -_INF, col_lower).astype(np.float64)
    lp.col_upper_ = np.where(np.isinf(col_upper), _INF, col_upper).astype(np.float64)
    lp.row_lower_ = np.where(np.isinf(row_lower), -_INF, row_lower).astype(np.float64)
    lp.row_upper_ = np.where(np.isinf(row_upper), _INF, row_upper).astype(np.float64)
    lp.offset_ = float(offset)
    lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(np.float64)
    lp.a_matrix_.num_col_ = ncol
    lp.a_matrix_.num_row_ = csc.shape[0]
    is_mip = (not relax) and bool(np.any(integer))
    if is_mip:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous
            for b in integer
        ]
    h.passModel(lp)
    if start is not None and is_mip:
        sol = highspy.HighsSolution()
        sol.col_value = list(np.asarray(start, dtype=np.float64))
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    status = model_status(h)
    info = h.getInfo()
    has_x = info.primal_solution_status == 2 or (is_mip and status in ("optimal", "time_limit"))
    x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_x else None
    if x is not None and len(x) != ncol:
        x = None
    objective = float(info.objective_function_value) if x is not None else float("nan")
    if x is not None and start is not None and is_mip:
        # HiGHS can hand back the user's start instead of the solution it reports (seen when
        # presolve solves the model): check the returned point and solve again without it
        x_obj = float(np.asarray(cost, dtype=np.float64) @ x) + float(offset)
        if abs(x_obj - objective) > 1e-7 * max(abs(objective), 1.0):
            spent = time.perf_counter() - t0
            return solve_mip(
                cost,
                A,
                row_lower,
                row_upper,
                col_lower,
                col_upper,
                integer,
                maximize=maximize,
                time_limit=None if time_limit is None else max(time_limit - spent, 0.01),
                mip_rel_gap=mip_rel_gap,
                offset=offset,
                relax=relax,
                threads=threads,
                options=options,
            )
    col_dual = row_dual = None
    if is_mip:
        bound = float(info.mip_dual_bound)
    else:
        bound = objective if status == "optimal" else (-np.inf if not maximize else np.inf)
        if status == "optimal" and info.dual_solution_status == 2:
            hs = h.getSolution()
            col_dual = np.asarray(hs.col_dual, dtype=np.float64)
            row_dual = np.asarray(hs.row_dual, dtype=np.float64)
    return MipOutcome(status, x, objective, bound, time.perf_counter() - t0, col_dual, row_dual)
