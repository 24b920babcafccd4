"""Access measures: coverage, time distribution, E2SFCA and equity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from soteplan.access._origins import Origins
from soteplan.errors import ParameterError

__all__ = [
    "DEFAULT_E2SFCA_STEPS",
    "DEFAULT_THRESHOLDS",
    "coverage",
    "e2sfca",
    "equity",
    "gini",
    "time_distribution",
]

#: Car travel-time thresholds, minutes.
DEFAULT_THRESHOLDS: tuple[float, ...] = (10.0, 15.0, 30.0, 45.0)
#: E2SFCA zones ``(upper bound minutes, weight)``: the weights 1, 0.68, 0.22 of
#: Luo & Qi (2009) on 15-minute zones suited to rural car access.
DEFAULT_E2SFCA_STEPS: tuple[tuple[float, float], ...] = ((15.0, 1.0), (30.0, 0.68), (45.0, 0.22))

FArray = npt.NDArray[np.float64]


def _check_minutes(origins: Origins, minutes: npt.ArrayLike) -> FArray:
    t = np.asarray(minutes, dtype=np.float64)
    if t.shape != (len(origins),):
        raise ParameterError(
            f"minutes must have one value per origin ({len(origins)}), got {t.shape}"
        )
    if np.isnan(t).any():
        raise ParameterError("minutes contains NaN (use inf for unreachable)")
    return t


def _groups(
    origins: Origins, groupings: Mapping[str, Mapping[str, str]] | None
) -> list[tuple[str, npt.NDArray[Any]]]:
    out: list[tuple[str, npt.NDArray[Any]]] = [
        ("region", np.full(len(origins), "all", dtype=object)),
        ("municipality", origins.municipality.astype(object)),
    ]
    for name, mapping in (groupings or {}).items():
        out.append(
            (name, np.array([mapping.get(m, "(none)") for m in origins.municipality], dtype=object))
        )
    return out


def coverage(
    origins: Origins,
    minutes: npt.ArrayLike,
    *,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    groupings: Mapping[str, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """Population and share within each travel-time threshold.

    Parameters
    ----------
    origins
        Origins with population by band.
    minutes
        Time to the nearest service of every origin, minutes (``inf`` = none).
    thresholds
        Thresholds, minutes (a time equal to the threshold counts as within).
    groupings
        Organisation models: name → (municipality code → area id).

    Returns
    -------
    pandas.DataFrame
        One row per ``level`` (``region``, ``municipality`` or a grouping name),
        ``area`` and age ``band``: ``population`` and, per threshold ``T``,
        ``within_T`` (persons) and ``share_T`` (0–1).
    """
    t = _check_minutes(origins, minutes)
    th = sorted(float(x) for x in thresholds)
    if not th or any(not (x > 0) for x in th):
        raise ParameterError(f"thresholds must be positive minutes, got {list(thresholds)}")
    rows = []
    for level, labels in _groups(origins, groupings):
        for band, pop in origins.population.items():
            frame = pd.DataFrame({"area": labels, "pop": pop})
            for x in th:
                frame[f"within_{x:g}"] = np.where(t <= x, pop, 0.0)
            agg = frame.groupby("area", sort=True).sum()
            agg.insert(0, "band", band)
            agg.insert(0, "level", level)
            rows.append(agg.rename(columns={"pop": "population"}).reset_index())
    out = pd.concat(rows, ignore_index=True)
    for x in th:
        out[f"share_{x:g}"] = out[f"within_{x:g}"] / out["population"].where(out["population"] > 0)
    return out[
        ["level", "area", "band", "population"]
        + [c for c in out.columns if c.startswith(("within_", "share_"))]
    ]


def _weighted_quantiles(x: FArray, w: FArray, qs: Sequence[float]) -> list[float]:
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cw = np.cumsum(ws)
    if cw[-1] <= 0:
        return [float("nan")] * len(qs)
    return [float(xs[min(np.searchsorted(cw, q * cw[-1], side="left"), len(xs) - 1)]) for q in qs]


def time_distribution(
    origins: Origins,
    minutes: npt.ArrayLike,
    *,
    band: str = "all",
    groupings: Mapping[str, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """Population-weighted distribution of the time to the nearest service.

    Returns
    -------
    pandas.DataFrame
        Per ``level`` and ``area``: ``population``, ``mean``, ``p10``, ``p25``,
        ``median``, ``p75``, ``p90``, ``max`` (minutes, finite times only) and
        ``unreachable`` (persons with no service within the cut-off).
    """
    t = _check_minutes(origins, minutes)
    if band not in origins.population:
        raise ParameterError(f"no band {band!r}; bands: {list(origins.population)}")
    pop = origins.population[band]
    rows = []
    for level, labels in _groups(origins, groupings):
        for area in sorted(set(labels)):
            sel = labels == area
            fin = sel & np.isfinite(t)
            tw, ww = t[fin], pop[fin]
            q = (
                _weighted_quantiles(tw, ww, (0.1, 0.25, 0.5, 0.75, 0.9))
                if len(tw)
                else [np.nan] * 5
            )
            rows.append(
                {
                    "level": level,
                    "area": area,
                    "population": float(pop[sel].sum()),
                    "mean": float(np.average(tw, weights=ww)) if ww.sum() > 0 else float("nan"),
                    "p10": q[0],
                    "p25": q[1],
                    "median": q[2],
                    "p75": q[3],
                    "p90": q[4],
                    "max": float(tw.max()) if len(tw) else float("nan"),
                    "unreachable": float(pop[sel & ~np.isfinite(t)].sum()),
                }
            )
    return pd.DataFrame(rows)


def _step_weights(cost: FArray, steps: Sequence[tuple[float, float]]) -> FArray:
    """Weight of each cost: the weight of the first zone whose upper bound is ≥ cost, else 0."""
    w = np.zeros_like(cost)
    done = np.zeros(cost.shape, dtype=bool)
    for upper, weight in sorted(steps):
        hit = ~done & (cost <= upper)
        w[hit] = weight
        done |= hit
    return w


def e2sfca(
    demand: npt.ArrayLike,
    supply: npt.ArrayLike,
    minutes: npt.ArrayLike,
    *,
    steps: Sequence[tuple[float, float]] = DEFAULT_E2SFCA_STEPS,
    max_minutes: float | None = None,
) -> tuple[FArray, FArray]:
    """Enhanced two-step floating catchment area (E2SFCA) access (Luo & Qi 2009).

    Step 1, for each facility ``j``: ``R_j = S_j / Σ_i P_i W(t_ij)``.
    Step 2, for each origin ``i``: ``A_i = Σ_j R_j W(t_ij)``.
    ``W`` is the step weight of the zone containing ``t_ij``; only pairs with
    ``t_ij ≤ max_minutes`` (default: the last zone bound) count.  The values
    equal PySAL ``access``'s ``enhanced_two_stage_fca`` with
    ``weights.step_fn(dict(steps))``.

    Parameters
    ----------
    demand
        Population of every origin ``P_i``, persons.
    supply
        Capacity of every facility ``S_j`` (e.g. physician FTE or beds).
    minutes
        Origins × facilities travel times, minutes.
    steps
        ``(upper bound minutes, weight)`` zones.
    max_minutes
        Catchment cut-off, minutes.

    Returns
    -------
    (access, ratio)
        ``A_i`` per origin (capacity per person) and ``R_j`` per facility
        (capacity per weighted person; NaN when no demand reaches it).
    """
    p = np.asarray(demand, dtype=np.float64)
    s = np.asarray(supply, dtype=np.float64)
    t = np.asarray(minutes, dtype=np.float64)
    if t.shape != (len(p), len(s)):
        raise ParameterError(f"minutes must be {len(p)} × {len(s)}, got {t.shape}")
    if (p < 0).any() or (s < 0).any() or np.isnan(p).any() or np.isnan(s).any():
        raise ParameterError("demand and supply must be non-negative numbers")
    if not steps:
        raise ParameterError("steps must hold at least one (minutes, weight) zone")
    cut = max(u for u, _ in steps) if max_minutes is None else float(max_minutes)
    w = _step_weights(t, steps)
    w[~(t <= cut)] = 0.0
    weighted_demand = p @ w
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(weighted_demand > 0, s / weighted_demand, np.nan)
    access = w @ np.nan_to_num(ratio, nan=0.0)
    return access, ratio


def gini(values: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> float:
    """Weighted Gini coefficient of non-negative values (0 = equal, → 1 = unequal).

    Computed from the Lorenz curve: ``G = 1 − Σ p_i (L_i + L_{i−1})`` with
    values sorted ascending, ``p_i`` the weight shares and ``L`` the cumulative
    value shares.
    """
    x = np.asarray(values, dtype=np.float64)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    keep = np.isfinite(x) & (w > 0)
    x, w = x[keep], w[keep]
    if len(x) == 0 or (x * w).sum() == 0:
        return 0.0
    if (x < 0).any():
        raise ParameterError("gini needs non-negative values")
    o = np.argsort(x, kind="stable")
    x, w = x[o], w[o]
    p = w / w.sum()
    lorenz = np.cumsum(x * w) / (x * w).sum()
    prev = np.r_[0.0, lorenz[:-1]]
    return float(1.0 - np.sum(p * (lorenz + prev)))


def equity(origins: Origins, minutes: npt.ArrayLike, *, band: str = "all") -> dict[str, Any]:
    """Equity of access time across the population.

    Returns
    -------
    dict
        ``gini`` (population-weighted Gini of the time to the nearest service),
        ``worst_decile_from_min`` (time above which the worst-off 10 % of people
        live), ``worst_decile_mean_min`` (their mean time),
        ``worst_decile_population``, ``furthest_municipality`` and
        ``furthest_municipality_mean_min`` (highest population-weighted mean
        time), ``unreachable_population``.
    """
    t = _check_minutes(origins, minutes)
    pop = origins.population[band]
    fin = np.isfinite(t)
    tf, pf = t[fin], pop[fin]
    out: dict[str, Any] = {"band": band, "unreachable_population": float(pop[~fin].sum())}
    out["gini"] = gini(tf, pf)
    if pf.sum() > 0:
        (q90,) = _weighted_quantiles(tf, pf, (0.9,))
        o = np.argsort(-tf, kind="stable")
        cum = np.cumsum(pf[o])
        target = 0.1 * pf.sum()
        k = int(np.searchsorted(cum, target, side="left"))
        take = pf[o][: k + 1].copy()
        take[-1] -= cum[k] - target  # split the boundary origin
        out["worst_decile_from_min"] = q90
        out["worst_decile_mean_min"] = float(np.sum(tf[o][: k + 1] * take) / target)
        out["worst_decile_population"] = float(target)
        df = pd.DataFrame({"m": origins.municipality[fin], "tw": tf * pf, "p": pf})
        agg = df.groupby("m").sum()
        mean = (agg["tw"] / agg["p"].where(agg["p"] > 0)).dropna()
        if len(mean):
            out["furthest_municipality"] = str(mean.idxmax())
            out["furthest_municipality_mean_min"] = float(mean.max())
    return out
