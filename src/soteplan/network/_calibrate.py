"""Calibration of the approximate main-road network against published car times.

The approximate Keski-Suomi graph (:func:`~soteplan.network.main_roads_graph`) has four
free parameters that decide its centre-to-centre times: the average speeds of valtatie and
kantatie, and the circuity factor and speed of the modelled connecting roads.
:func:`calibrate_main_roads` fits them to a set of published car times between municipal
centres (``tests/data/reference/car_times_centres.csv``, each row with its source):

1. the **circuity factor** by the published road distances, where the source gives one:
   the factor whose time-shortest paths have the least squared log error of length;
2. the **three speeds** by a grid search: every combination of the candidate speeds is
   built and routed, and the one with the least sum of squared log errors of time
   (``Σ log(model / published)²``, a relative least-squares fit) is kept.

Leave-one-out errors are reported for every pair (the pair is predicted by the best
combination fitted on the other pairs), a held-out check that needs no second reference set.
Access legs are not identified by centre-to-centre times (centres are graph nodes), so they
are not fitted.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from soteplan.errors import ParameterError
from soteplan.network._graph import RoadGraph
from soteplan.network._routing import travel_times
from soteplan.network._speeds import KS_CALIBRATION

__all__ = [
    "KS_CALIBRATION",
    "Calibration",
    "calibrate_main_roads",
    "path_lengths_km",
]

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class Calibration:
    """Result of :func:`calibrate_main_roads`.

    Attributes
    ----------
    params
        Fitted ``valtatie_kmh``, ``kantatie_kmh``, ``connecting_kmh`` (km/h) and
        ``connecting_detour`` (ratio).
    pairs
        One row per reference pair: ``minutes`` (published), ``model`` (fitted graph,
        minutes), ``error`` (model / published − 1), ``loo_model`` and ``loo_error``
        (leave-one-out), ``road_km`` (published) and ``model_km`` (time-shortest path).
    grid
        Every speed combination tried and its objective (sum of squared log errors).
    detours
        Every circuity factor tried and its length objective.
    meta
        Method, units and sizes.
    """

    params: dict[str, float]
    pairs: pd.DataFrame
    grid: pd.DataFrame
    detours: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)


def path_lengths_km(
    graph: RoadGraph,
    origins: npt.ArrayLike,
    destinations: npt.ArrayLike,
) -> npt.NDArray[np.float64]:
    """Length (km) of the time-shortest path between paired points, access legs included.

    ``origins[i]`` is routed to ``destinations[i]``; both ``(n, 2)`` EPSG:3067 arrays.
    Each point joins its nearest node; the access leg counts ``distance × access_detour``.
    """
    a = np.asarray(origins, dtype=np.float64).reshape(-1, 2)
    b = np.asarray(destinations, dtype=np.float64).reshape(-1, 2)
    if len(a) != len(b):
        raise ParameterError("path_lengths_km: origins and destinations must pair up")
    da, na = graph.kdtree().query(a)
    db, nb = graph.kdtree().query(b)
    src = np.unique(na)
    _, pred = dijkstra(graph.csr(), directed=True, indices=src, return_predecessors=True)
    row = {int(s): i for i, s in enumerate(src)}
    out = np.full(len(a), np.nan)
    for i, (s, t) in enumerate(zip(na, nb, strict=True)):
        p = pred[row[int(s)]]
        node, metres = int(t), 0.0
        while node != int(s):
            prev = int(p[node])
            if prev < 0:
                metres = np.nan
                break
            metres += _edge_length(graph, prev, node)
            node = prev
        out[i] = (metres + (da[i] + db[i]) * graph.access_detour) / 1000.0
    return out


def _edge_length(graph: RoadGraph, u: int, v: int) -> float:
    """Length (m) of the fastest of the edges u → v (parallel edges may differ)."""
    lo, hi = int(graph.indptr[u]), int(graph.indptr[u + 1])
    pos = lo + np.flatnonzero(graph.indices[lo:hi] == v)
    return float(graph.length_m[pos[np.argmin(graph.travel_time_min[pos])]])


def _minutes(
    graph: RoadGraph, a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    tt = np.asarray(travel_times(graph, a, b).minutes, dtype=np.float64)
    return tt[np.arange(len(a)), np.arange(len(b))]


def _sse(model: npt.NDArray[np.float64], ref: npt.NDArray[np.float64]) -> float:
    ok = np.isfinite(model) & np.isfinite(ref) & (ref > 0)
    return float(np.sum(np.log(model[ok] / ref[ok]) ** 2))


def calibrate_main_roads(
    main_roads: gpd.GeoDataFrame,
    origins: npt.ArrayLike,
    destinations: npt.ArrayLike,
    minutes: npt.ArrayLike,
    road_km: npt.ArrayLike | None = None,
    *,
    anchors: npt.ArrayLike | None = None,
    valtatie_kmh: Sequence[float] = (60, 65, 70, 75, 80, 85, 90, 95, 100),
    kantatie_kmh: Sequence[float] = (60, 65, 70, 75, 80, 85, 90),
    connecting_kmh: Sequence[float] = (40, 45, 50, 55, 60, 65, 70, 75, 80),
    detours: Sequence[float] = (1.2, 1.25, 1.3, 1.35, 1.4),
    detour_speeds: tuple[float, float, float] = (80.0, 70.0, 60.0),
    progress: ProgressCallback | None = None,
) -> Calibration:
    """Fit the main-road speeds and connecting-road factors to published car times.

    Parameters
    ----------
    main_roads
        The main-road layer (``road_class`` valtatie | kantatie).
    origins, destinations
        ``(n, 2)`` EPSG:3067 points of the reference pairs (municipal centres).
    minutes
        Published car times of the pairs, minutes.
    road_km
        Published road distances, km (``nan`` where the source gives none). Without any,
        the circuity factor is not fitted and the first of ``detours`` is used.
    anchors
        Anchor points of the connecting-road graph, as for
        :func:`~soteplan.network.main_roads_graph` (the region's anchors, so that the fitted
        graph is the one the engines use).
    valtatie_kmh, kantatie_kmh, connecting_kmh
        Candidate speeds, km/h (the grid is their product).
    detours
        Candidate circuity factors of the connecting roads.
    detour_speeds
        Valtatie, kantatie and connecting speeds used while the factor is fitted.
    progress
        ``progress(done, total)`` after every graph built.

    Returns
    -------
    Calibration
        Fitted parameters, per-pair errors (with leave-one-out), and the whole grid.
    """
    from soteplan.network._mainroads import main_roads_graph

    a = np.asarray(origins, dtype=np.float64).reshape(-1, 2)
    b = np.asarray(destinations, dtype=np.float64).reshape(-1, 2)
    ref = np.asarray(minutes, dtype=np.float64).ravel()
    km = (
        np.full(len(ref), np.nan)
        if road_km is None
        else np.asarray(road_km, dtype=np.float64).ravel()
    )
    if not (len(a) == len(b) == len(ref) == len(km)) or len(ref) < 2:
        raise ParameterError("calibration needs at least 2 pairs with matching arrays")
    if not (np.isfinite(ref).all() and (ref > 0).all()):
        raise ParameterError("calibration: published minutes must be finite and > 0")
    grid_all = [float(v) for v in (*valtatie_kmh, *kantatie_kmh, *connecting_kmh, *detours)]
    if not grid_all or min(grid_all) <= 0 or min(detours, default=0) < 1:
        raise ParameterError("calibration: speeds must be > 0 and detours >= 1")
    combos = list(itertools.product(valtatie_kmh, kantatie_kmh, connecting_kmh))
    has_km = np.isfinite(km) & (km > 0)
    n_det = len(detours) if has_km.any() else 0
    total, done = n_det + len(combos), 0

    def build(v: float, k: float, c: float, d: float) -> RoadGraph:
        return main_roads_graph(
            main_roads,
            speeds={"valtatie": float(v), "kantatie": float(k)},
            anchors=anchors,
            connecting_speed_kmh=float(c),
            connecting_detour=float(d),
            cache=False,
        )

    det_rows = []
    detour = float(detours[0])
    if n_det:
        for d in detours:
            g = build(*detour_speeds, d)
            lengths = path_lengths_km(g, a[has_km], b[has_km])
            det_rows.append({"detour": float(d), "sse_km": _sse(lengths, km[has_km])})
            done += 1
            if progress is not None:
                progress(done, total)
        detour = min(det_rows, key=lambda r: r["sse_km"])["detour"]
    rows, models = [], []
    for v, k, c in combos:
        m = _minutes(build(v, k, c, detour), a, b)
        models.append(m)
        rows.append({"valtatie_kmh": v, "kantatie_kmh": k, "connecting_kmh": c})
        done += 1
        if progress is not None:
            progress(done, total)
    model = np.vstack(models)  # combos × pairs
    sq = np.where(np.isfinite(model), np.log(model / ref) ** 2, np.inf)
    obj = sq.sum(axis=1)
    best = int(np.argmin(obj))
    loo = np.empty(len(ref))
    for i in range(len(ref)):
        j = int(np.argmin(obj - sq[:, i]))
        loo[i] = model[j, i]
    grid = pd.DataFrame(rows).assign(sse=obj)
    params = {**{key: float(val) for key, val in rows[best].items()}, "connecting_detour": detour}
    g_best = build(params["valtatie_kmh"], params["kantatie_kmh"], params["connecting_kmh"], detour)
    pairs = pd.DataFrame(
        {
            "minutes": ref,
            "model": model[best],
            "error": model[best] / ref - 1.0,
            "loo_model": loo,
            "loo_error": loo / ref - 1.0,
            "road_km": km,
            "model_km": path_lengths_km(g_best, a, b),
        }
    )
    meta = {
        "method": "circuity factor: least squared log error of published road km; speeds: "
        "grid search, least squared log error of published minutes; leave-one-out check",
        "units": "km/h, minutes, km",
        "pairs": len(ref),
        "pairs_with_km": int(has_km.sum()),
        "grid_size": len(combos),
        "rms_log_error": float(np.sqrt(obj[best] / len(ref))),
    }
    return Calibration(
        params=params,
        pairs=pairs,
        grid=grid,
        detours=pd.DataFrame(det_rows, columns=["detour", "sse_km"]),
        meta=meta,
    )
