"""A proven lower bound for the regionaliser's heuristic: an LP relaxation solved by HiGHS.

Any partition into ``k`` contiguous areas with population floors (and ceilings) is a
feasible 0/1 point of the p-median assignment model below, so its LP relaxation's optimum
bounds every such partition from below — the heuristic's plan included.  Contiguity is
dropped (the relaxation's only loss besides integrality) and the model keeps:

* ``Σ_j x[i, j] = 1`` (every unit in one area), ``x[i, j] ≤ x[j, j]`` (only to hubs),
  ``Σ_j x[j, j] = k``;
* ``L x[j, j] ≤ Σ_i p_i x[i, j] ≤ U x[j, j]`` (floor and ceiling), fixed hubs and
  keep-together pairs as in the exact model;
* minimise ``Σ p_i t[i, j] x[i, j]`` (person-minutes).

This is the relaxation of the exact MILP (:mod:`soteplan.organise._milp`) without its
flow variables: ReVelle & Swain (1970) for the p-median LP, Duque, Church & Middleton (2011)
for the p-regions model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import highspy
import numpy as np
import numpy.typing as npt
from scipy import sparse as sp

from soteplan._highs import new_highs

__all__ = ["LP_BOUND_METHOD", "lp_lower_bound"]

LP_BOUND_METHOD = (
    "LP relaxation of the p-median assignment with population floors and ceilings "
    "(contiguity relaxed), HiGHS"
)


def lp_lower_bound(
    pop: npt.NDArray[np.float64],
    minutes: npt.NDArray[np.float64],
    k: int,
    min_population: float,
    max_population: float,
    *,
    fixed_hubs: Sequence[int] = (),
    together: Sequence[tuple[int, int]] = (),
    time_limit: float | None = None,
) -> tuple[float, str]:
    """The LP bound in person-minutes and HiGHS's model status (``nan`` unless optimal)."""
    n = len(pop)
    nx = n * n
    w = (pop[:, None] * minutes).ravel()
    diag = np.arange(n) * n + np.arange(n)
    rows: list[npt.NDArray[np.int64]] = []
    cols: list[npt.NDArray[np.int64]] = []
    vals: list[npt.NDArray[np.float64]] = []
    lo: list[npt.NDArray[np.float64]] = []
    hi: list[npt.NDArray[np.float64]] = []
    r = 0

    def block(rr: npt.ArrayLike, cc: npt.ArrayLike, vv: npt.ArrayLike, nrows: int,
              lower: float, upper: float) -> None:  # fmt: skip
        nonlocal r
        rows.append(np.asarray(rr, dtype=np.int64) + r)
        cols.append(np.asarray(cc, dtype=np.int64))
        vals.append(np.asarray(vv, dtype=np.float64))
        lo.append(np.full(nrows, lower))
        hi.append(np.full(nrows, upper))
        r += nrows

    ii, jj = np.divmod(np.arange(nx), n)
    block(ii, np.arange(nx), np.ones(nx), n, 1.0, 1.0)  # one area each
    off = ii != jj  # x[i, j] − x[j, j] ≤ 0
    m = int(off.sum())
    link = np.arange(m)
    block(
        np.concatenate([link, link]),
        np.concatenate([np.arange(nx)[off], diag[jj[off]]]),
        np.concatenate([np.ones(m), -np.ones(m)]),
        m, -math.inf, 0.0,
    )  # fmt: skip
    block(np.zeros(n), diag, np.ones(n), 1, float(k), float(k))  # k hubs
    weights = pop[ii] - np.where(off, 0.0, min_population)  # Σ p x − L x_jj ≥ 0
    block(jj, np.arange(nx), weights, n, 0.0, math.inf)
    if math.isfinite(max_population):
        block(jj, np.arange(nx), pop[ii] - np.where(off, 0.0, max_population), n, -math.inf, 0.0)
    for a, b in together:  # x[a, j] = x[b, j]
        block(
            np.concatenate([np.arange(n), np.arange(n)]),
            np.concatenate([a * n + np.arange(n), b * n + np.arange(n)]),
            np.concatenate([np.ones(n), -np.ones(n)]),
            n, 0.0, 0.0,
        )  # fmt: skip
    col_lower = np.zeros(nx)
    col_lower[[diag[j] for j in fixed_hubs]] = 1.0
    a_mat = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, nx)
    )
    h = new_highs()
    h.setOptionValue("output_flag", False)
    # one thread, as every HiGHS model of soteplan: HiGHS keeps one scheduler per process,
    # and a model asking for another thread count afterwards fails ("Not Set")
    h.setOptionValue("threads", 1)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    lp = highspy.HighsLp()
    lp.num_col_ = nx
    lp.num_row_ = r
    lp.col_cost_ = w
    lp.col_lower_ = col_lower
    lp.col_upper_ = np.ones(nx)
    lp.row_lower_ = np.concatenate(lo)
    lp.row_upper_ = np.concatenate(hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a_mat.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a_mat.indices.astype(np.int32)
    lp.a_matrix_.value_ = a_mat.data.astype(np.float64)
    lp.a_matrix_.num_col_ = nx
    lp.a_matrix_.num_row_ = r
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        return math.nan, h.modelStatusToString(status)
    value = float(h.getInfo().objective_function_value)
    # HiGHS's optimality tolerances are relative ~1e-7: step down by that much to stay below
    return value - 1e-6 * abs(value), "optimal"
