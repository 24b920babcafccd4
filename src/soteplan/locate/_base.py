"""Shared pieces of the location models: input validation, the result type, statuses.

Every model is built from a cost matrix ``cost[i, j]`` (demand ``i`` × candidate ``j``,
non-negative, ``inf`` = unreachable) and demand weights ``w[i]`` (e.g. population).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from soteplan.errors import InfeasibleError, ParameterError

__all__ = [
    "LocateResult",
    "Method",
    "Status",
    "TravelTimesLike",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


class Status(StrEnum):
    """Outcome of a solve.

    ``optimal``: proven optimal (relative gap ≤ 1e-6); ``feasible``: a solution with a
    reported bound but no proof (heuristic); ``time_limit``: the exact solver stopped at the
    time limit, the best solution and the proven bound are returned; ``infeasible``: no
    solution exists (the models raise :class:`~soteplan.errors.InfeasibleError` instead of
    returning this whenever infeasibility is detected before solving).
    """

    optimal = "optimal"
    feasible = "feasible"
    infeasible = "infeasible"
    time_limit = "time_limit"


class Method(StrEnum):
    """Solution method."""

    exact = "exact"
    heuristic = "heuristic"


@runtime_checkable
class TravelTimesLike(Protocol):
    """Anything carrying an origin × destination travel-time matrix in minutes."""

    @property
    def minutes(self) -> Any:  # pragma: no cover - protocol
        """Float minutes, shape (origins, destinations); ``inf``/``nan`` = unreachable."""

    @property
    def origin_ids(self) -> Any:  # pragma: no cover - protocol
        """Identifiers of the origins (demand points)."""

    @property
    def destination_ids(self) -> Any:  # pragma: no cover - protocol
        """Identifiers of the destinations (candidate sites)."""


@dataclass(frozen=True, eq=False)
class LocateResult:
    """The solution of a location model (frozen).

    Attributes
    ----------
    model
        ``"p-median"``, ``"p-center"``, ``"max-cover"``, ``"set-cover"`` or
        ``"capacitated-p-median"``.
    objective
        Objective value in the model's unit (see ``meta["objective_unit"]``): weighted cost
        sum (p-median), max cost (p-center), covered weight (max-cover, maximised), number of
        sites (set-cover).
    site_indices
        Column indices of the chosen sites, ascending.
    site_ids
        Identifiers of the chosen sites (same order).
    assignment
        Per demand point, the column index of the serving site (``-1`` = not served /
        not covered).  For the capacitated model the site carrying the largest share.
    bound
        Proven bound on the optimum: lower bound when minimising, upper when maximising.
    gap
        Relative gap ``|objective - bound| / max(|objective|, 1e-12)``; 0 when proven optimal.
    status
        :class:`Status`.
    seconds
        Wall-clock seconds of the solve.
    method
        ``"exact"`` or ``"heuristic"``.
    demand_ids, weights, cost_to_site
        Demand identifiers, their weights and the cost to the assigned site (``nan`` if none).
    meta
        Units, formulation, reductions and approximations.
    allocation
        Capacitated model only: ``(demand, site, share)`` rows of the split assignment.
    """

    model: str
    objective: float
    site_indices: IntArray
    site_ids: tuple[Any, ...]
    assignment: IntArray
    bound: float
    gap: float
    status: Status
    seconds: float
    method: str
    demand_ids: tuple[Any, ...]
    weights: FloatArray
    cost_to_site: FloatArray
    meta: dict[str, Any] = field(default_factory=dict)
    allocation: pd.DataFrame | None = None

    @property
    def p(self) -> int:
        """Number of chosen sites."""
        return len(self.site_indices)

    def to_frame(self) -> pd.DataFrame:
        """One row per demand point: weight, serving site id and index, cost to it.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``demand_id``; columns ``weight``, ``site_index``, ``site_id``,
            ``cost`` (model cost unit, e.g. minutes), ``covered`` (bool).
        """
        site_id_of = dict(zip(self.site_indices.tolist(), self.site_ids, strict=True))
        site_ids = [site_id_of.get(int(j)) if j >= 0 else None for j in self.assignment]
        df = pd.DataFrame(
            {
                "weight": self.weights,
                "site_index": self.assignment,
                "site_id": site_ids,
                "cost": self.cost_to_site,
                "covered": self.assignment >= 0,
            },
            index=pd.Index(list(self.demand_ids), name="demand_id"),
        )
        return df

    def sites_frame(self) -> pd.DataFrame:
        """One row per chosen site: its id, served weight and number of demand points."""
        served = np.bincount(
            self.assignment[self.assignment >= 0],
            weights=self.weights[self.assignment >= 0],
            minlength=int(self.site_indices.max(initial=-1)) + 1,
        )
        counts = np.bincount(
            self.assignment[self.assignment >= 0],
            minlength=int(self.site_indices.max(initial=-1)) + 1,
        )
        return pd.DataFrame(
            {
                "site_index": self.site_indices,
                "served_weight": served[self.site_indices] if len(served) else [],
                "demand_points": counts[self.site_indices] if len(counts) else [],
            },
            index=pd.Index(list(self.site_ids), name="site_id"),
        )


def relative_gap(objective: float, bound: float) -> float:
    """``|objective - bound| / max(|objective|, 1e-12)``, 0 when both are equal."""
    if not np.isfinite(bound) or not np.isfinite(objective):
        return float("inf")
    return float(abs(objective - bound) / max(abs(objective), 1e-12))


@dataclass(frozen=True, eq=False)
class Instance:
    """Validated common input: costs, weights, ids, fixed and forbidden site masks."""

    cost: FloatArray
    weights: FloatArray
    demand_ids: tuple[Any, ...]
    site_ids: tuple[Any, ...]
    fixed: NDArray[np.bool_]
    forbidden: NDArray[np.bool_]

    @property
    def n(self) -> int:
        """Number of demand points."""
        return int(self.cost.shape[0])

    @property
    def m(self) -> int:
        """Number of candidate sites."""
        return int(self.cost.shape[1])


def _site_mask(
    sel: Sequence[Any] | ArrayLike | None, site_ids: tuple[Any, ...], name: str
) -> NDArray[np.bool_]:
    m = len(site_ids)
    mask = np.zeros(m, dtype=bool)
    if sel is None:
        return mask
    arr = np.asarray(sel)
    if arr.dtype == np.bool_:  # a mask over the candidates (True/False are not ids 1/0)
        if arr.shape != (m,):
            raise ParameterError(
                f"{name}: a boolean mask must have one value per candidate site ({m}), "
                f"got shape {arr.shape}"
            )
        return arr.copy()
    items = list(np.asarray(sel, dtype=object).ravel()) if not isinstance(sel, list) else sel
    pos = {sid: k for k, sid in enumerate(site_ids)}
    bad: list[Any] = []
    for it in items:
        if it in pos:
            mask[pos[it]] = True
        elif isinstance(it, int | np.integer) and not isinstance(it, bool) and 0 <= int(it) < m:
            mask[int(it)] = True
        else:
            bad.append(it)
    if bad:
        raise ParameterError(
            f"{name}: {len(bad)} site(s) are neither candidate ids nor column indices "
            f"0..{m - 1}: {bad[:10]}"
        )
    return mask


def make_instance(
    cost: ArrayLike,
    weights: ArrayLike | None,
    *,
    demand_ids: Sequence[Any] | None,
    site_ids: Sequence[Any] | None,
    fixed: Sequence[Any] | ArrayLike | None,
    forbidden: Sequence[Any] | ArrayLike | None,
) -> Instance:
    """Validate a cost matrix and weights; report every problem at once.

    Raises
    ------
    ParameterError
        Malformed matrix, weights or ids.
    InfeasibleError
        A site is both fixed and forbidden.
    """
    c = np.array(cost, dtype=np.float64, copy=True)
    problems: list[str] = []
    if c.ndim != 2 or c.shape[0] == 0 or c.shape[1] == 0:
        raise ParameterError(f"cost must be a non-empty 2-D matrix, got shape {c.shape}")
    n, m = c.shape
    c[np.isnan(c)] = np.inf
    if np.any(c < 0):
        problems.append(f"cost has {int(np.sum(c < 0))} negative entries (costs must be ≥ 0)")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if w.shape != (n,):
        problems.append(f"weights has length {w.size}, expected {n} (one per cost row)")
    elif not np.all(np.isfinite(w)) or np.any(w < 0):
        problems.append("weights must be finite and ≥ 0")
    dids = tuple(range(n)) if demand_ids is None else tuple(demand_ids)
    sids = tuple(range(m)) if site_ids is None else tuple(site_ids)
    if len(dids) != n:
        problems.append(f"demand_ids has length {len(dids)}, expected {n}")
    if len(sids) != m:
        problems.append(f"site_ids has length {len(sids)}, expected {m}")
    elif len(set(sids)) != m:
        problems.append("site_ids are not unique")
    if problems:
        raise ParameterError("invalid location input: " + "; ".join(problems))
    fx = _site_mask(fixed, sids, "fixed")
    fb = _site_mask(forbidden, sids, "forbidden")
    both = np.flatnonzero(fx & fb)
    if both.size:
        raise InfeasibleError(
            f"{both.size} site(s) are both fixed (must open) and forbidden: "
            f"{[sids[j] for j in both[:10]]}"
        )
    return Instance(c, w, dids, sids, fx, fb)


def check_p(inst: Instance, p: int) -> None:
    """Check that ``p`` sites can be chosen given the fixed and forbidden sites."""
    if isinstance(p, bool) or not isinstance(p, int | np.integer):
        raise ParameterError(f"p must be an integer, got {p!r}")
    if p < 1:
        raise ParameterError(f"p must be ≥ 1, got {p}")
    allowed = int(np.sum(~inst.forbidden))
    if p > allowed:
        raise InfeasibleError(
            f"p = {p} sites requested but only {allowed} candidate(s) are allowed "
            f"({inst.m} candidates, {int(inst.forbidden.sum())} forbidden)"
        )
    nfix = int(inst.fixed.sum())
    if nfix > p:
        raise InfeasibleError(f"{nfix} fixed sites must stay open but p = {p}")


def check_reachable(inst: Instance, limit: float = np.inf, what: str = "reachable") -> None:
    """Every demand with positive weight must have an allowed candidate with cost ≤ ``limit``."""
    ok = (inst.cost[:, ~inst.forbidden] <= limit) & np.isfinite(inst.cost[:, ~inst.forbidden])
    bad = np.flatnonzero((inst.weights > 0) & ~ok.any(axis=1))
    if bad.size:
        ids = [inst.demand_ids[i] for i in bad[:10]]
        raise InfeasibleError(
            f"{bad.size} demand point(s) with positive weight (total {inst.weights[bad].sum():g}) "
            f"have no allowed candidate {what}: {ids}"
        )


def merge_identical_rows(
    rows: NDArray[Any], weights: FloatArray
) -> tuple[NDArray[Any], FloatArray, IntArray]:
    """Merge rows that are identical byte for byte, summing their weights; the merged rows
    keep the order of their first occurrence.

    Rows are hashed by their bytes instead of sorted (``np.unique(axis=0)``): ``O(n · m)``
    rather than a lexicographic sort, about 20× faster on a 900 × 900 matrix.  Rows equal
    in value but not in bytes (``0.0`` and ``-0.0``) stay apart, which only merges less.
    """
    a = np.ascontiguousarray(rows)
    first: dict[bytes, int] = {}
    inverse: IntArray = np.fromiter(
        (first.setdefault(r.tobytes(), len(first)) for r in a), dtype=np.int64, count=a.shape[0]
    )
    # ids are numbered in order of first occurrence: the first row of each id is its row
    _, starts = np.unique(inverse, return_index=True)
    wsum: FloatArray = np.bincount(inverse, weights=weights, minlength=len(first)).astype(
        np.float64
    )
    return a[starts], wsum, inverse


def build_result(
    inst: Instance,
    model: str,
    *,
    objective: float,
    open_mask: NDArray[np.bool_],
    assignment: IntArray,
    bound: float,
    status: Status,
    seconds: float,
    method: str,
    meta: dict[str, Any],
    allocation: pd.DataFrame | None = None,
) -> LocateResult:
    """Assemble a :class:`LocateResult` from a solved instance."""
    idx = np.flatnonzero(open_mask).astype(np.int64)
    rows = np.arange(inst.n)
    cost_to = np.full(inst.n, np.nan)
    has = assignment >= 0
    cost_to[has] = inst.cost[rows[has], assignment[has]]
    gap = 0.0 if status is Status.optimal else relative_gap(objective, bound)
    return LocateResult(
        model=model,
        objective=float(objective),
        site_indices=idx,
        site_ids=tuple(inst.site_ids[j] for j in idx),
        assignment=assignment.astype(np.int64),
        bound=float(bound),
        gap=float(gap),
        status=status,
        seconds=float(seconds),
        method=method,
        demand_ids=inst.demand_ids,
        weights=inst.weights,
        cost_to_site=cost_to,
        meta=meta,
        allocation=allocation,
    )


def nearest_assignment(
    cost: FloatArray, open_mask: NDArray[np.bool_], limit: float = np.inf
) -> tuple[IntArray, FloatArray]:
    """Assign every demand to its nearest open site (``-1`` if none within ``limit``)."""
    cols = np.flatnonzero(open_mask)
    sub = cost[:, cols]
    k = np.argmin(sub, axis=1)
    d = sub[np.arange(cost.shape[0]), k]
    a = cols[k].astype(np.int64)
    bad = ~(d <= limit) | ~np.isfinite(d)
    a[bad] = -1
    return a, d


def check_method(method: str) -> Method:
    """Parse the ``method`` argument."""
    try:
        return Method(method)
    except ValueError:
        raise ParameterError(f"method must be 'exact' or 'heuristic', got {method!r}") from None


def check_time_limit(time_limit: float | None) -> float | None:
    """Validate a time limit in seconds."""
    if time_limit is None:
        return None
    if not (float(time_limit) > 0):
        raise ParameterError(f"time_limit must be > 0 seconds, got {time_limit}")
    return float(time_limit)


def travel_time_parts(tt: TravelTimesLike) -> tuple[FloatArray, tuple[Any, ...], tuple[Any, ...]]:
    """Extract (minutes matrix as float64 with NaN → inf, origin ids, destination ids)."""
    if not isinstance(tt, TravelTimesLike):
        raise ParameterError(
            "travel times need attributes .minutes, .origin_ids and .destination_ids"
        )
    mins = np.asarray(tt.minutes, dtype=np.float64)
    mins = np.where(np.isnan(mins), np.inf, mins)
    return mins, tuple(tt.origin_ids), tuple(tt.destination_ids)
