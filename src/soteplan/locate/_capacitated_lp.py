"""The strong capacitated p-median LP solved by pricing, in one warm-started HiGHS model.

Rows: one assignment row per demand row (``Σ_j x_ij = 1``), one capacity row per site
(``Σ_i w_i x_ij − Q_j y_j ≤ 0``), the cardinality row (``Σ y = p``), the aggregate row
(``Σ Q_j y_j ≥ Σ w``), and then one linking row ``x_ij − y_j ≤ 0`` per pair in the model.
Columns: the ``y`` then the pairs' ``x`` in the order they came in.  Pairs are added as
columns (with their linking rows) to the same model, so each round starts from the last
basis instead of from scratch.  The caller decides which pairs to add
(:meth:`soteplan.locate._capacitated.CapacitatedPMedian._lp`).
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
from numpy.typing import NDArray

from soteplan._highs import new_highs
from soteplan.locate._highs import model_status

__all__ = ["PricedLP", "RoundResult"]

_INF = highspy.kHighsInf


@dataclass(frozen=True)
class RoundResult:
    """One solve: ``status`` ("optimal", "infeasible", "time_limit" or "other:…"),
    objective, ``x`` of the pairs in the model (their order of addition), ``y``, assignment
    duals ``u``, capacity duals ``pi``, the cardinality and aggregate duals, the linking
    duals (per pair in the model) and the reduced costs of the pairs in the model and of
    ``y``; arrays are ``None`` without a solution."""

    status: str
    objective: float
    x: NDArray[np.float64] | None
    y: NDArray[np.float64] | None
    u: NDArray[np.float64] | None
    pi: NDArray[np.float64] | None
    card_agg: NDArray[np.float64] | None
    link: NDArray[np.float64] | None
    rc_x: NDArray[np.float64] | None
    rc_y: NDArray[np.float64] | None


class PricedLP:
    """The LP over a growing set of pairs ``(r, j)`` (``r``: position among the demand
    rows).  ``wc``: pair costs, ``wr``: the pair's demand weight."""

    def __init__(
        self,
        nr: int,
        cap: NDArray[np.float64],
        p: int,
        total: float,
        y_lower: NDArray[np.float64],
        y_upper: NDArray[np.float64],
    ) -> None:
        m = len(cap)
        self.nr, self.m = nr, m
        h = new_highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        lower = np.concatenate([np.ones(nr), np.full(m, -_INF), [float(p), total]])
        upper = np.concatenate([np.ones(nr), np.zeros(m), [float(p), _INF]])
        nrow = nr + m + 2
        h.addRows(nrow, lower, upper, 0, np.zeros(nrow, np.int32), np.zeros(0, np.int32), [])
        # y_j: −Q_j in its capacity row, 1 in the cardinality row, Q_j in the aggregate row
        starts = np.arange(m, dtype=np.int32) * 3
        index = np.stack([nr + np.arange(m), np.full(m, nr + m), np.full(m, nr + m + 1)], 1)
        value = np.stack([-cap, np.ones(m), cap], 1)
        h.addCols(
            m,
            np.zeros(m),
            y_lower.astype(np.float64),
            y_upper.astype(np.float64),
            3 * m,
            starts,
            index.ravel().astype(np.int32),
            value.ravel().astype(np.float64),
        )
        self.h = h
        self.pairs = 0

    def add(
        self,
        r: NDArray[np.int64],
        j: NDArray[np.int64],
        wc: NDArray[np.float64],
        wr: NDArray[np.float64],
    ) -> None:
        """Add pairs (their ``x`` columns and linking rows)."""
        k = len(r)
        if k == 0:
            return
        nr, m, h = self.nr, self.m, self.h
        starts = np.arange(k, dtype=np.int32) * 2
        index = np.stack([r, nr + j], 1).ravel().astype(np.int32)
        value = np.stack([np.ones(k), np.asarray(wr, dtype=np.float64)], 1).ravel()
        h.addCols(
            k,
            np.asarray(wc, dtype=np.float64),
            np.zeros(k),
            np.ones(k),
            2 * k,
            starts,
            index,
            value,
        )
        cols = m + self.pairs + np.arange(k)
        lstart = np.arange(k, dtype=np.int32) * 2
        lindex = np.stack([cols, j], 1).ravel().astype(np.int32)
        lvalue = np.tile([1.0, -1.0], k)
        h.addRows(k, np.full(k, -_INF), np.zeros(k), 2 * k, lstart, lindex, lvalue)
        self.pairs += k

    def solve(self, time_limit: float | None) -> RoundResult:
        """Solve from the last basis within ``time_limit`` seconds."""
        h = self.h
        h.setOptionValue("time_limit", _INF if time_limit is None else max(time_limit, 0.01))
        h.run()
        status = model_status(h)
        info = h.getInfo()
        if info.primal_solution_status != 2:
            return RoundResult(status, np.nan, *([None] * 8))
        sol = h.getSolution()
        col = np.asarray(sol.col_value)
        nr, m = self.nr, self.m
        has_dual = info.dual_solution_status == 2
        rd = np.asarray(sol.row_dual) if has_dual else None
        cd = np.asarray(sol.col_dual) if has_dual else None
        return RoundResult(
            status,
            float(info.objective_function_value),
            col[m:],
            col[:m],
            None if rd is None else rd[:nr],
            None if rd is None else rd[nr : nr + m],
            None if rd is None else rd[nr + m : nr + m + 2],
            None if rd is None else rd[nr + m + 2 :],
            None if cd is None else cd[m:],
            None if cd is None else cd[:m],
        )
