"""Noding of digitised road lines and the "connecting roads" approximation.

Two repairs turn a coarse, un-noded road layer (such as the Keski-Suomi main
roads digitised from a map with ~164 m pixels) into a usable car network:

1. :func:`node_lines` splits lines where they cross (``shapely.union_all``)
   and joins every dangling line end to the nearest point of another line
   within a tolerance (T-junctions), not only to other line ends.
2. :func:`add_connecting_roads` models the dense network of regional and
   connecting roads (seututiet, yhdystiet) the layer lacks by a Gabriel graph
   (Gabriel & Sokal 1969), a sub-graph of the Delaunay triangulation, over
   the road nodes and the region's anchor points (municipal centres,
   settlements, origins, service points).  Each Gabriel edge is a two-way
   road of ``straight line × detour`` at a connecting-road speed.

Lakes are not modelled: a connecting edge may cross water that real roads
must go round, which the detour factor only partly covers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse.csgraph import connected_components
from scipy.spatial import Delaunay, cKDTree

from soteplan.errors import ParameterError
from soteplan.network._graph import RoadGraph
from soteplan.network._speeds import KS_CALIBRATION

__all__ = [
    "CONNECTING_DETOUR",
    "CONNECTING_MAX_EDGE_M",
    "CONNECTING_SPEED_KMH",
    "JUNCTION_SNAP_M",
    "add_connecting_roads",
    "gabriel_edges",
    "n_components",
    "node_lines",
]

#: Average speed on connecting roads (km/h).  Finnish seututiet and yhdystiet
#: mostly carry the general 80 km/h rural limit, with 60 km/h stretches,
#: 40–50 km/h through villages and gravel sections.  Fitted to published car
#: times (:data:`~soteplan.network._speeds.KS_CALIBRATION`; before: 60, chosen).
CONNECTING_SPEED_KMH = float(KS_CALIBRATION["connecting_kmh"])
#: Road distance / straight line on connecting roads (circuity factor), fitted
#: to published road distances within the usual 1.2–1.4 range of Ballou,
#: Rahardja & Sakai 2002 (before: 1.3, chosen).  Only the ratio detour / speed
#: decides times: 1.2 at 70 km/h is 1.03 min per straight-line km (before 1.30).
CONNECTING_DETOUR = float(KS_CALIBRATION["connecting_detour"])
#: Longest connecting edge (metres); longer Gabriel edges (across empty
#: forest or big lakes) are dropped.
CONNECTING_MAX_EDGE_M = 25_000.0
#: Line ends within this distance (metres) of another line are joined to its
#: nearest point (about 3–4 pixels of the ~164 m source map).
JUNCTION_SNAP_M = 600.0
#: A T-junction connector overshoots the target line by this much (metres) so
#: that ``union_all`` nodes it robustly.
_OVERSHOOT_M = 1.0

FloatArray = npt.NDArray[np.float64]


def n_components(graph: RoadGraph) -> int:
    """Number of weakly connected components of a graph."""
    return int(connected_components(graph.csr(), directed=False)[0])


def node_lines(
    geoms: npt.NDArray[Any],
    classes: npt.NDArray[Any],
    *,
    snap_m: float = JUNCTION_SNAP_M,
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], int]:
    """Node a road-line layer: T-junction connectors, then split at crossings.

    Parameters
    ----------
    geoms
        LineStrings (metric CRS).
    classes
        Road class of every line.
    snap_m
        A line end within this distance (metres) of another line, and not
        on it, gets a connector to that line's nearest point, timed as its
        own road class.

    Returns
    -------
    pieces, piece_classes, n_connectors
        Noded LineStrings (split at every crossing and junction), the class
        of each (the class of the nearest input line or connector at its
        midpoint) and the number of junction connectors added.
    """
    if snap_m < 0:
        raise ParameterError(f"snap_m must be >= 0, got {snap_m}")
    geoms = np.asarray(geoms, dtype=object)
    classes = np.asarray(classes, dtype=object)
    tree = shapely.STRtree(geoms)
    conn: list[Any] = []
    conn_cls: list[Any] = []
    if snap_m > 0:
        ends = np.r_[shapely.get_point(geoms, 0), shapely.get_point(geoms, -1)]
        owner = np.r_[np.arange(len(geoms)), np.arange(len(geoms))]
        pairs = tree.query(ends, predicate="dwithin", distance=snap_m)
        best: dict[int, tuple[float, int]] = {}
        for e, ln in zip(pairs[0], pairs[1], strict=True):
            if owner[e] == ln:
                continue
            d = float(shapely.distance(ends[e], geoms[ln]))
            if d < best.get(int(e), (np.inf, -1))[0]:
                best[int(e)] = (d, int(ln))
        for e, (d, ln) in sorted(best.items()):
            if d < 0.01:
                continue  # already on the line: union_all nodes it
            p = shapely.line_interpolate_point(
                geoms[ln], shapely.line_locate_point(geoms[ln], ends[e])
            )
            ex, ey = shapely.get_coordinates(ends[e])[0]
            px, py = shapely.get_coordinates(p)[0]
            ux, uy = (px - ex) / d, (py - ey) / d
            conn.append(
                shapely.LineString([(ex, ey), (px + ux * _OVERSHOOT_M, py + uy * _OVERSHOOT_M)])
            )
            conn_cls.append(classes[owner[e]])
    every = np.r_[geoms, np.array(conn, dtype=object)] if conn else geoms
    every_cls = np.r_[classes, np.array(conn_cls, dtype=object)] if conn else classes
    merged = shapely.union_all(every)
    pieces = shapely.get_parts(merged)
    pieces = pieces[shapely.get_type_id(pieces) == 1]  # LineStrings
    mids = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    nearest = shapely.STRtree(every).query_nearest(mids, all_matches=False)[1]
    return pieces, every_cls[nearest], len(conn)


def gabriel_edges(xy: FloatArray) -> npt.NDArray[np.int64]:
    """Edges of the Gabriel graph of distinct points.

    An edge of the Delaunay triangulation (``scipy.spatial.Delaunay``) is kept
    when no other point lies strictly inside the circle whose diameter it is
    (Gabriel & Sokal 1969): the nearest point to its midpoint is one of its
    ends.

    Parameters
    ----------
    xy
        ``(n, 2)`` distinct coordinates, metres.

    Returns
    -------
    numpy.ndarray
        ``(m, 2)`` int64 node pairs ``i < j``.
    """
    if len(xy) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    if len(xy) == 2:
        return np.array([[0, 1]], dtype=np.int64)
    centred = xy - xy.mean(axis=0)
    sv = np.linalg.svd(centred, compute_uv=False)
    if sv[1] <= 1e-9 * max(sv[0], 1.0):
        # collinear points: the Gabriel graph is the path along the line
        order = np.argsort(centred @ np.linalg.svd(centred)[2][0])
        return np.sort(np.column_stack([order[:-1], order[1:]]), axis=1).astype(np.int64)
    tri = Delaunay(xy)
    s = tri.simplices
    e = np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    e = np.unique(np.sort(e, axis=1), axis=0).astype(np.int64)
    mid = (xy[e[:, 0]] + xy[e[:, 1]]) / 2
    half = np.hypot(*(xy[e[:, 0]] - xy[e[:, 1]]).T) / 2
    d, _ = cKDTree(xy).query(mid, k=1)
    keep = d >= half * (1 - 1e-9) - 1e-6
    return e[keep]


def add_connecting_roads(
    graph: RoadGraph,
    anchors: FloatArray | None = None,
    *,
    speed_kmh: float = CONNECTING_SPEED_KMH,
    detour: float = CONNECTING_DETOUR,
    max_edge_m: float = CONNECTING_MAX_EDGE_M,
) -> RoadGraph:
    """Add approximate connecting roads: a Gabriel graph over road nodes and anchors.

    Anchors (municipal centres, settlement centroids, origins, service points)
    become graph nodes, so that points placed there join the network with no
    access leg.  Every Gabriel edge not longer than ``max_edge_m`` is added in
    both directions with length ``straight line × detour`` (metres) and time
    ``length / speed_kmh`` (minutes).

    Parameters
    ----------
    graph
        A road graph (e.g. noded main roads).
    anchors
        ``(n, 2)`` EPSG:3067 points to add as nodes; duplicates (same metre)
        of each other or of existing nodes are merged.
    speed_kmh
        Connecting-road speed, km/h (default :data:`CONNECTING_SPEED_KMH`).
    detour
        Circuity factor, ≥ 1 (default :data:`CONNECTING_DETOUR`).
    max_edge_m
        Longest straight-line edge, metres.

    Returns
    -------
    RoadGraph
        The graph with ``meta["connecting_roads"]`` describing the edges added.
    """
    if speed_kmh <= 0 or detour < 1 or max_edge_m <= 0:
        raise ParameterError(
            "connecting roads need speed_kmh > 0, detour >= 1 and max_edge_m > 0, got "
            f"{speed_kmh}, {detour}, {max_edge_m}"
        )
    xy = np.column_stack([graph.x, graph.y])
    n0 = len(xy)
    if anchors is not None and len(anchors):
        a = np.asarray(anchors, dtype=np.float64).reshape(-1, 2)
        a = np.unique(np.round(a), axis=0)
        d, _ = cKDTree(xy).query(a, k=1)
        xy = np.vstack([xy, a[d >= 1.0]])
    keyed, first, inv = np.unique(np.round(xy), axis=0, return_index=True, return_inverse=True)
    e = first[gabriel_edges(keyed)]  # positions in xy (first of equal points)
    dist = np.hypot(*(xy[e[:, 0]] - xy[e[:, 1]]).T)
    ok = (dist <= max_edge_m) & (dist > 0)
    e, dist = e[ok], dist[ok]
    length = dist * detour
    minutes = length / (speed_kmh / 0.06)
    # nodes sharing a rounded metre with an earlier one are tied to it
    dup = np.flatnonzero(first[inv.ravel()] != np.arange(len(xy)))
    tie_a, tie_b = dup, first[inv.ravel()][dup]
    tails = np.r_[graph.tails(), e[:, 0], e[:, 1], tie_a, tie_b]
    heads = np.r_[graph.indices.astype(np.int64), e[:, 1], e[:, 0], tie_b, tie_a]
    zero = np.zeros(len(dup))
    meta = dict(graph.meta)
    meta["connecting_roads"] = (
        f"Gabriel graph over road nodes and {len(xy) - n0} anchor points, "
        f"{len(e)} two-way edges <= {max_edge_m / 1000:g} km, "
        f"straight line × {detour:g} at {speed_kmh:g} km/h (lakes not modelled)"
    )
    return RoadGraph.from_edges(
        tails,
        heads,
        np.r_[graph.travel_time_min.astype(np.float64), minutes, minutes, zero, zero],
        np.r_[graph.length_m.astype(np.float64), length, length, zero, zero],
        xy[:, 0],
        xy[:, 1],
        access_speed_kmh=graph.access_speed_kmh,
        access_detour=graph.access_detour,
        direct_legs=graph.direct_legs,
        meta=meta,
    )
