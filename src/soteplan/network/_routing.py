"""Travel-time matrices and nearest facilities on a :class:`RoadGraph`.

Points join the graph at their nearest node (``scipy.spatial.cKDTree``); the
straight-line distance to it is an access leg timed by the graph's access
speed and detour factor.  Shortest paths use Dijkstra's algorithm of
``scipy.sparse.csgraph`` (Dijkstra 1959) from the smaller side; nearest
facilities take a single multi-source pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from soteplan.errors import DataError, DataProblem, ParameterError
from soteplan.network._graph import MIN_EDGE_MINUTES, RoadGraph
from soteplan.parallel import Executor

__all__ = [
    "NearestResult",
    "Snap",
    "TravelTimeResult",
    "nearest_facility",
    "points_xy",
    "snap",
    "travel_times",
]

ProgressCallback = Callable[[int, int], None]
#: Sources per Dijkstra task in :func:`travel_times`.
DEFAULT_BATCH = 64


@dataclass(frozen=True)
class Snap:
    """Where points join the graph.

    Attributes
    ----------
    node
        Graph node (position) of every point.
    distance_m
        Straight-line distance to it, metres.
    minutes
        Access-leg time, minutes (``distance × detour / access speed``).
    """

    node: npt.NDArray[np.int64]
    distance_m: npt.NDArray[np.float64]
    minutes: npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class TravelTimeResult:
    """Origin × destination travel times.

    Attributes
    ----------
    minutes
        ``float32`` matrix (origins × destinations), minutes; ``inf`` where
        unreachable or beyond ``max_minutes``.
    origin_ids, destination_ids
        Identifiers of the rows and columns.
    origin_snap_m, destination_snap_m
        Access-leg distances, metres.
    meta
        ``units``, ``method``, ``direction``, ``max_minutes``, graph provenance
        and ``approximation`` when the graph is approximate.
    """

    minutes: npt.NDArray[np.float32]
    origin_ids: npt.NDArray[Any]
    destination_ids: npt.NDArray[Any]
    origin_snap_m: npt.NDArray[np.float64]
    destination_snap_m: npt.NDArray[np.float64]
    meta: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The matrix as a DataFrame (origins as index, destinations as columns)."""
        return pd.DataFrame(
            self.minutes,
            index=pd.Index(self.origin_ids, name="origin"),
            columns=pd.Index(self.destination_ids, name="destination"),
        )


@dataclass(frozen=True, eq=False)
class NearestResult:
    """The nearest facility of every origin.

    Attributes
    ----------
    minutes
        ``float32`` time to the nearest facility, minutes (``inf`` if none).
    facility
        Position of the nearest facility in the input (``-1`` if none).
    facility_id
        Its identifier (``None`` if none).
    origin_ids
        Identifiers of the origins.
    meta
        As in :class:`TravelTimeResult`.
    """

    minutes: npt.NDArray[np.float32]
    facility: npt.NDArray[np.int64]
    facility_id: npt.NDArray[Any]
    origin_ids: npt.NDArray[Any]
    meta: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """``minutes`` and ``facility_id`` indexed by origin."""
        return pd.DataFrame(
            {"minutes": self.minutes, "facility_id": self.facility_id},
            index=pd.Index(self.origin_ids, name="origin"),
        )


def points_xy(
    points: Any, ids: Sequence[Any] | npt.ArrayLike | None = None, *, name: str = "points"
) -> tuple[npt.NDArray[np.float64], npt.NDArray[Any]]:
    """Coordinates (EPSG:3067 metres) and ids of points.

    Parameters
    ----------
    points
        A GeoDataFrame / GeoSeries of Points (reprojected to EPSG:3067; ids
        from its index) or an ``(n, 2)`` array of EPSG:3067 x, y.
    ids
        Identifiers; default the index, or ``0..n-1``.
    name
        Name used in error messages.

    Raises
    ------
    DataError
        On non-point geometries, wrong shapes or non-finite coordinates.
    """
    import geopandas as gpd

    if isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        geo = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        if geo.crs is not None and geo.crs.to_epsg() != 3067:
            geo = geo.to_crs("EPSG:3067")
        nonpt = np.flatnonzero((geo.geom_type != "Point").to_numpy())
        if len(nonpt):
            raise DataError(
                [DataProblem(name, int(i) + 1, "geometry", "not a Point") for i in nonpt]
            )
        xy = np.column_stack([geo.x.to_numpy(float), geo.y.to_numpy(float)])
        default_ids = points.index.to_numpy()
    else:
        xy = np.asarray(points, dtype=np.float64)
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise DataError(f"{name}: expected an (n, 2) array of x, y, got shape {xy.shape}")
        default_ids = np.arange(len(xy))
    bad = np.flatnonzero(~np.isfinite(xy).all(axis=1))
    if len(bad):
        raise DataError(
            [DataProblem(name, int(i) + 1, "x/y", "non-finite coordinate") for i in bad]
        )
    out_ids = default_ids if ids is None else np.asarray(ids)
    if len(out_ids) != len(xy):
        raise DataError(f"{name}: {len(out_ids)} ids for {len(xy)} points")
    return xy, out_ids


def snap(graph: RoadGraph, xy: npt.ArrayLike) -> Snap:
    """Join points (EPSG:3067 metres) to their nearest graph node."""
    pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    if graph.n_nodes == 0:
        raise DataError("the road graph has no nodes")
    # parallel queries pay off only for many points
    dist, node = graph.kdtree().query(pts, k=1, workers=-1 if len(pts) > 20_000 else 1)
    dist = np.asarray(dist, dtype=np.float64)
    minutes = np.asarray(graph.access_minutes(dist), dtype=np.float64)
    return Snap(np.asarray(node, dtype=np.int64), dist, minutes)


def _base_meta(graph: RoadGraph, max_minutes: float | None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "units": "minutes",
        "method": "Dijkstra (scipy.sparse.csgraph) on the road graph; points snapped to "
        "the nearest node with a straight-line access leg",
        "access_leg": f"straight line × {graph.access_detour:g} at {graph.access_speed_kmh:g} km/h",
        "direct_legs": graph.direct_legs,
        "max_minutes": max_minutes,
        "graph": {k: v for k, v in graph.meta.items() if k not in ("approximation",)},
    }
    if "approximation" in graph.meta:
        meta["approximation"] = graph.meta["approximation"]
    return meta


def _check_limit(max_minutes: float | None) -> float:
    if max_minutes is None:
        return math.inf
    if not (max_minutes > 0):
        raise ParameterError(f"max_minutes must be > 0, got {max_minutes}")
    return float(max_minutes)


def _sssp_task(
    task: tuple[sparse.csr_matrix, npt.NDArray[np.int64], npt.NDArray[np.int64], float],
) -> npt.NDArray[np.float32]:
    """Dijkstra from ``sources``; distances at ``targets`` only (one executor task)."""
    csr, sources, targets, limit = task
    d = dijkstra(csr, directed=True, indices=sources, limit=limit)
    return np.asarray(d[:, targets], dtype=np.float32)


def _direct_minutes(
    graph: RoadGraph, a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]
) -> npt.NDArray[np.float32]:
    d = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
    return np.asarray(graph.access_minutes(d), dtype=np.float32)


def travel_times(
    graph: RoadGraph,
    origins: Any,
    destinations: Any,
    *,
    origin_ids: npt.ArrayLike | None = None,
    destination_ids: npt.ArrayLike | None = None,
    max_minutes: float | None = None,
    executor: Executor | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: ProgressCallback | None = None,
) -> TravelTimeResult:
    """Car travel times from every origin to every destination.

    Dijkstra runs from the unique snapped nodes of the smaller side: from
    destinations on the reversed graph when they are fewer, else from origins.
    Time = origin access leg + network time + destination access leg; on a
    graph with ``direct_legs`` the direct straight-line leg is used when faster.

    Parameters
    ----------
    graph
        The road graph.
    origins, destinations
        Point GeoDataFrames / GeoSeries or ``(n, 2)`` EPSG:3067 arrays.
    origin_ids, destination_ids
        Identifiers (default: the index, or positions).
    max_minutes
        Cut-off, minutes: searches stop there and longer times are ``inf``.
    executor
        :mod:`soteplan.parallel` executor for the Dijkstra batches (default:
        in-process).
    batch_size
        Sources per task.
    progress
        ``progress(done, total)`` after every batch.

    Returns
    -------
    TravelTimeResult
        ``float32`` minutes, origins × destinations.
    """
    limit = _check_limit(max_minutes)
    if batch_size < 1:
        raise ParameterError(f"batch_size must be >= 1, got {batch_size}")
    oxy, oid = points_xy(origins, origin_ids, name="origins")
    dxy, did = points_xy(destinations, destination_ids, name="destinations")
    if len(oxy) == 0 or len(dxy) == 0:
        raise ParameterError("travel_times needs at least one origin and one destination")
    os_, ds = snap(graph, oxy), snap(graph, dxy)
    reverse = len(dxy) <= len(oxy)
    src_snap, tgt_snap = (ds, os_) if reverse else (os_, ds)
    src_nodes, src_inv = np.unique(src_snap.node, return_inverse=True)
    tgt_nodes, tgt_inv = np.unique(tgt_snap.node, return_inverse=True)
    csr = graph.csr(reverse=reverse)
    batches = [src_nodes[i : i + batch_size] for i in range(0, len(src_nodes), batch_size)]
    tasks = [(csr, b, tgt_nodes, limit) for b in batches]
    if executor is None:
        parts = []
        for k, t in enumerate(tasks, start=1):
            parts.append(_sssp_task(t))
            if progress is not None:
                progress(k, len(tasks))
    else:
        parts = executor.map(_sssp_task, tasks, progress=progress)
    net = np.vstack(parts)  # unique sources × unique targets
    m = net[src_inv][:, tgt_inv]  # sources × targets
    m = (
        m
        + src_snap.minutes[:, None].astype(np.float32)
        + tgt_snap.minutes[None, :].astype(np.float32)
    )
    minutes = np.ascontiguousarray(m.T if reverse else m, dtype=np.float32)
    if graph.direct_legs:
        for i in range(0, len(oxy), 4096):
            blk = minutes[i : i + 4096]
            np.minimum(blk, _direct_minutes(graph, oxy[i : i + 4096], dxy), out=blk)
    if math.isfinite(limit):
        minutes[minutes > limit] = np.inf
    meta = _base_meta(graph, max_minutes)
    meta["direction"] = "from destinations (reversed graph)" if reverse else "from origins"
    meta["searches"] = len(src_nodes)
    return TravelTimeResult(minutes, oid, did, os_.distance_m, ds.distance_m, meta)


def nearest_facility(
    graph: RoadGraph,
    origins: Any,
    facilities: Any,
    *,
    origin_ids: npt.ArrayLike | None = None,
    facility_ids: npt.ArrayLike | None = None,
    max_minutes: float | None = None,
    progress: ProgressCallback | None = None,
) -> NearestResult:
    """Time to, and identity of, the nearest facility of every origin in one pass.

    Every facility becomes a virtual node joined to its snapped node by its
    access leg; one multi-source Dijkstra (``min_only=True``) on the reversed
    graph then gives every node its nearest facility and the time to it.

    Parameters
    ----------
    graph
        The road graph.
    origins, facilities
        Point GeoDataFrames / GeoSeries or ``(n, 2)`` EPSG:3067 arrays.
    origin_ids, facility_ids
        Identifiers (default: the index, or positions).
    max_minutes
        Cut-off, minutes; farther origins get ``inf`` and no facility.
    progress
        Called once as ``progress(1, 1)`` when done.
    """
    limit = _check_limit(max_minutes)
    oxy, oid = points_xy(origins, origin_ids, name="origins")
    fxy, fid = points_xy(facilities, facility_ids, name="facilities")
    if len(fxy) == 0:
        raise ParameterError("nearest_facility needs at least one facility")
    os_, fs = snap(graph, oxy), snap(graph, fxy)
    n, nf = graph.n_nodes, len(fxy)
    rev = graph.csr(reverse=True)
    indptr = np.r_[rev.indptr, rev.indptr[-1] + np.arange(1, nf + 1)]
    indices = np.r_[rev.indices, fs.node.astype(rev.indices.dtype)]
    data = np.r_[rev.data, np.maximum(fs.minutes, MIN_EDGE_MINUTES)]
    aug = sparse.csr_matrix((data, indices, indptr), shape=(n + nf, n + nf))
    dist, _, sources = dijkstra(
        aug,
        directed=True,
        indices=np.arange(n, n + nf),
        min_only=True,
        return_predecessors=True,
        limit=limit,
    )
    t = dist[os_.node] + os_.minutes
    fac = np.where(sources[os_.node] >= n, sources[os_.node] - n, -1).astype(np.int64)
    if graph.direct_legs:
        from scipy.spatial import cKDTree

        dd, near = cKDTree(fxy).query(oxy, k=1, workers=-1 if len(oxy) > 20_000 else 1)
        direct = graph.access_minutes(np.asarray(dd))
        better = direct < t
        t = np.where(better, direct, t)
        fac = np.where(better, np.asarray(near, dtype=np.int64), fac)
    out_t = t.astype(np.float32)
    far = ~(out_t <= limit)
    out_t[far] = np.inf
    fac[far] = -1
    fid_obj = np.asarray(fid, dtype=object)
    fid_out = np.full(len(fac), None, dtype=object)
    fid_out[fac >= 0] = fid_obj[fac[fac >= 0]]
    if progress is not None:
        progress(1, 1)
    meta = _base_meta(graph, max_minutes)
    meta["method"] += "; one multi-source pass (virtual facility nodes, min_only)"
    return NearestResult(out_t, fac, fid_out, oid, meta)
