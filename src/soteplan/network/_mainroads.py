"""The approximate Keski-Suomi road graph: noded main roads, connecting roads, access legs."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
from scipy.sparse.csgraph import connected_components

from soteplan.errors import DataError, DataProblem, MissingColumnError, ParameterError
from soteplan.network._builders import BUILDER_VERSION, from_lines
from soteplan.network._connect import (
    CONNECTING_DETOUR,
    CONNECTING_MAX_EDGE_M,
    CONNECTING_SPEED_KMH,
    JUNCTION_SNAP_M,
    add_connecting_roads,
    n_components,
    node_lines,
)
from soteplan.network._graph import (
    DEFAULT_ACCESS_DETOUR,
    DEFAULT_ACCESS_SPEED_KMH,
    RoadGraph,
    cached_graph,
    frame_hash,
)
from soteplan.network._speeds import KS_CALIBRATION, MAIN_ROAD_SPEEDS_KMH

__all__ = ["KS_APPROXIMATION", "bridge_components", "main_roads_graph"]


def _approximation(
    speeds: Mapping[str, float], detour: float, connecting_kmh: float, *, calibrated: bool
) -> str:
    main = (
        f"approximate road network: main roads (valtatie {speeds.get('valtatie', 0):g}, "
        f"kantatie {speeds.get('kantatie', 0):g} km/h)"
    )
    conn = (
        f" + connecting roads (Gabriel graph, straight line × {detour:g} at "
        f"{connecting_kmh:g} km/h)"
        if detour > 0
        else ""
    )
    text = main + conn + " + straight-line access legs"
    if calibrated:
        text += f", speeds fitted to {KS_CALIBRATION['pairs']} published Keski-Suomi car times"
    return text + "; lakes not modelled"


#: The label every result computed on the main-road graph with its default
#: (calibrated) parameters carries; other parameters give the same text with
#: their values and without the calibration clause.
KS_APPROXIMATION = _approximation(
    MAIN_ROAD_SPEEDS_KMH, CONNECTING_DETOUR, CONNECTING_SPEED_KMH, calibrated=True
)
#: Noded pieces whose ends lie within this distance (metres) are one node.
_NODE_MERGE_M = 1.0


def main_roads_graph(
    main_roads: gpd.GeoDataFrame,
    *,
    speeds: Mapping[str, float] | None = None,
    snap_tolerance_m: float = JUNCTION_SNAP_M,
    max_segment_m: float = 500.0,
    anchors: npt.ArrayLike | None = None,
    connecting_roads: bool = True,
    connecting_speed_kmh: float = CONNECTING_SPEED_KMH,
    connecting_detour: float = CONNECTING_DETOUR,
    connecting_max_edge_m: float = CONNECTING_MAX_EDGE_M,
    access_speed_kmh: float = DEFAULT_ACCESS_SPEED_KMH,
    access_detour: float = DEFAULT_ACCESS_DETOUR,
    cache: bool | str | Path = False,
) -> RoadGraph:
    """The approximate Keski-Suomi network: noded main roads, connecting roads, access legs.

    1. The main-road layer (valtatie + kantatie, digitised from Väylä's road
       maps; ``road_class`` column) is noded (:func:`~soteplan.network._connect.node_lines`):
       lines are split where they cross and every line end within
       ``snap_tolerance_m`` of another line is joined to that line's nearest
       point (T-junctions).  Speeds: :data:`~soteplan.network._speeds.MAIN_ROAD_SPEEDS_KMH`
       (valtatie 70, kantatie 70 km/h, fitted; see below).
    2. The regional and connecting roads the layer lacks (seututiet,
       yhdystiet) are approximated by a Gabriel graph over the road nodes and
       the ``anchors`` (:func:`~soteplan.network._connect.add_connecting_roads`):
       ``straight line × 1.2`` at 70 km/h (fitted), edges up to 25 km.  Lakes
       are not modelled.
    3. Points that are not anchors join their nearest node by a short local
       access leg of ``distance × 1.3`` at 40 km/h (village streets, drives),
       and two points may be joined directly by such a leg when faster.

    The default speeds and connecting-road factors are fitted to published car
    times between municipal centres (:data:`~soteplan.network._speeds.KS_CALIBRATION`,
    :func:`~soteplan.network.calibrate_main_roads`): the circuity factor by the
    published road distances within the usual range of road-to-crow-flies ratios
    (1.2–1.4, e.g. Ballou, Rahardja & Sakai 2002), the speeds by a least-squares
    grid search on the published minutes; the access legs are not fitted (centres
    are graph nodes, so centre-to-centre times do not constrain them).  Pieces
    still disconnected are joined by :func:`bridge_components`.  Results carry
    ``meta["approximation"]`` (:data:`KS_APPROXIMATION` with the defaults, the
    parameters used otherwise) and ``meta["calibration"]``; ``meta`` also
    records ``components_raw`` (line layer as vertices only),
    ``components_noded`` (after noding) and ``junction_connectors``.

    Parameters
    ----------
    main_roads
        GeoDataFrame of LineStrings with ``road_class`` in {valtatie, kantatie}.
    speeds
        Overrides of the class speeds (km/h).
    snap_tolerance_m
        Join line ends within this distance (metres); the source maps have
        a pixel size of about 160–200 m.
    max_segment_m
        Densify roads so that points join within about this spacing (metres).
    anchors
        ``(n, 2)`` EPSG:3067 points that become nodes of the connecting-road
        graph (municipal centres, settlements, origins, service points).
    connecting_roads
        Add the connecting-road approximation (default true).
    connecting_speed_kmh, connecting_detour, connecting_max_edge_m
        Its speed (km/h), circuity factor and longest edge (metres).
    access_speed_kmh, access_detour
        Straight-line local access leg (see above).
    cache
        ``False`` (default: the graph builds in well under a second), ``True``
        (default cache directory) or a directory.
    """
    if "road_class" not in main_roads.columns:
        raise MissingColumnError("main roads: no column 'road_class' (valtatie|kantatie)")
    table = {**MAIN_ROAD_SPEEDS_KMH, **dict(speeds or {})}
    pts = (
        np.zeros((0, 2))
        if anchors is None
        else np.asarray(anchors, dtype=np.float64).reshape(-1, 2)
    )
    if not np.isfinite(pts).all():
        raise ParameterError("main_roads_graph: anchors must have finite coordinates")
    conn = {
        "speed_kmh": connecting_speed_kmh,
        "detour": connecting_detour,
        "max_edge_m": connecting_max_edge_m,
    }
    params = {
        "builder": "main_roads",
        "version": BUILDER_VERSION,
        "speeds": table,
        "snap_tolerance_m": snap_tolerance_m,
        "max_segment_m": max_segment_m,
        "connecting": conn if connecting_roads else None,
        "anchors": hashlib.sha256(np.round(pts, 1).tobytes()).hexdigest(),
        "access_speed_kmh": access_speed_kmh,
        "access_detour": access_detour,
    }
    main_roads = main_roads.to_crs("EPSG:3067") if main_roads.crs is not None else main_roads
    return cached_graph(
        "mainroads",
        frame_hash(main_roads, params),
        lambda: _main_roads(
            main_roads,
            table,
            snap_tolerance_m,
            max_segment_m,
            pts,
            conn if connecting_roads else None,
            access_speed_kmh,
            access_detour,
        ),
        cache=cache,
    )


def _main_roads(
    main_roads: gpd.GeoDataFrame,
    table: dict[str, float],
    snap_tolerance_m: float,
    max_segment_m: float,
    anchors: npt.NDArray[np.float64],
    connecting: dict[str, float] | None,
    access_speed_kmh: float,
    access_detour: float,
) -> RoadGraph:
    if main_roads.crs is None:
        raise DataError([DataProblem("main roads", None, "geometry", "layer has no CRS")])
    calibrated = (
        connecting is not None
        and all(table.get(k) == v for k, v in MAIN_ROAD_SPEEDS_KMH.items())
        and connecting["speed_kmh"] == CONNECTING_SPEED_KMH
        and connecting["detour"] == CONNECTING_DETOUR
    )
    lines = main_roads[main_roads.geometry.notna()].explode(index_parts=False)
    lines = lines[lines.geom_type == "LineString"]
    geoms = lines.geometry.to_numpy()
    classes = lines["road_class"].astype(str).to_numpy(dtype=object)
    common: dict[str, Any] = {
        "class_column": "road_class",
        "class_speeds": table,
        "access_speed_kmh": access_speed_kmh,
        "access_detour": access_detour,
        "direct_legs": True,
    }
    raw = from_lines(gpd.GeoDataFrame(lines, crs=main_roads.crs), snap_tolerance_m=0.0, **common)
    pieces, piece_cls, n_conn = node_lines(geoms, classes, snap_m=snap_tolerance_m)
    noded = gpd.GeoDataFrame({"road_class": piece_cls}, geometry=pieces, crs=main_roads.crs)
    meta: dict[str, Any] = {
        "builder": "main_roads",
        "source": "Väylä main roads (valtatie + kantatie), digitised, approximate",
        "speeds": ", ".join(f"{k} {v:g} km/h" for k, v in table.items()),
        "snap_tolerance_m": snap_tolerance_m,
        "noding": f"split at crossings; line ends joined to lines within {snap_tolerance_m:g} m",
        "junction_connectors": n_conn,
        "components_raw": n_components(raw),
        "access_leg": f"straight line × {access_detour:g} at {access_speed_kmh:g} km/h",
        "approximation": _approximation(
            table,
            connecting["detour"] if connecting else 0.0,
            connecting["speed_kmh"] if connecting else 0.0,
            calibrated=calibrated,
        ),
        "calibration": (
            "speeds and connecting-road factors fitted to "
            f"{KS_CALIBRATION['pairs']} published Keski-Suomi centre-to-centre car times "
            f"({KS_CALIBRATION['reference']}): {KS_CALIBRATION['method']}; "
            f"RMS log error {KS_CALIBRATION['rms_log_error']:g}"
            if calibrated
            else "parameters set by the caller (not the calibrated defaults)"
        ),
    }
    g = from_lines(
        noded, snap_tolerance_m=_NODE_MERGE_M, max_segment_m=max_segment_m, meta=meta, **common
    )
    g.meta["components_noded"] = n_components(g)
    if connecting is not None:
        g = add_connecting_roads(
            g,
            anchors,
            speed_kmh=connecting["speed_kmh"],
            detour=connecting["detour"],
            max_edge_m=connecting["max_edge_m"],
        )
    return bridge_components(g)


def bridge_components(graph: RoadGraph) -> RoadGraph:
    """Join every piece of a disconnected graph to the rest by a straight-line link.

    Digitised road layers have gaps where roads meet (junctions at map scale,
    ferries, roads leaving the map).  Each weakly connected component other
    than the largest is linked, in both directions, from its node closest to
    the rest of the graph; the link takes ``distance × access_detour`` at
    ``access_speed_kmh`` like an access leg.  ``meta["bridged_components"]``
    counts the links.
    """
    from scipy.spatial import cKDTree

    n_comp, label = connected_components(graph.csr(), directed=False)
    if n_comp <= 1:
        return graph
    tails, heads = list(graph.tails()), list(graph.indices.astype(np.int64))
    minutes = list(graph.travel_time_min.astype(np.float64))
    lengths = list(graph.length_m.astype(np.float64))
    xy = np.column_stack([graph.x, graph.y])
    sizes = np.bincount(label)
    main = int(np.argmax(sizes))
    joined = label == main
    # attach components nearest-first so that chains of pieces all reach the main one
    pending = [c for c in np.argsort(-sizes) if c != main]
    while pending:
        tree = cKDTree(xy[joined])
        joined_idx = np.flatnonzero(joined)
        best = None
        for c in pending:
            members = np.flatnonzero(label == c)
            d, k = tree.query(xy[members], k=1)
            i = int(np.argmin(d))
            if best is None or d[i] < best[0]:
                best = (float(d[i]), c, int(members[i]), int(joined_idx[k[i]]))
        if best is None:  # pragma: no cover - pending is non-empty
            break
        dist, c, a, b = best
        t = float(graph.access_minutes(np.array(dist)))
        tails += [a, b]
        heads += [b, a]
        minutes += [t, t]
        lengths += [dist * graph.access_detour] * 2
        joined |= label == c
        pending.remove(c)
    meta = dict(graph.meta)
    meta["bridged_components"] = n_comp - 1
    return RoadGraph.from_edges(
        tails,
        heads,
        minutes,
        lengths,
        graph.x,
        graph.y,
        node_id=graph.node_id,
        access_speed_kmh=graph.access_speed_kmh,
        access_detour=graph.access_detour,
        direct_legs=graph.direct_legs,
        meta=meta,
    )
