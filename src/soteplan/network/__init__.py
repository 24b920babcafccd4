"""Road graphs and car travel times.

:class:`RoadGraph` holds a directed road network as CSR arrays with node
coordinates in EPSG:3067, cached on disk by a content hash.  Build one from an
OpenStreetMap PBF (:func:`from_osm`), a road-line layer (:func:`from_lines`) or
the approximate Keski-Suomi main roads with modelled connecting roads
(:func:`main_roads_graph`); then compute
:func:`travel_times` matrices or the :func:`nearest_facility` of every origin.
"""

from __future__ import annotations

from soteplan.network._builders import from_lines, from_osm
from soteplan.network._calibrate import (
    KS_CALIBRATION,
    Calibration,
    calibrate_main_roads,
    path_lengths_km,
)
from soteplan.network._connect import (
    CONNECTING_DETOUR,
    CONNECTING_MAX_EDGE_M,
    CONNECTING_SPEED_KMH,
    add_connecting_roads,
    gabriel_edges,
    node_lines,
)
from soteplan.network._graph import (
    DEFAULT_ACCESS_DETOUR,
    DEFAULT_ACCESS_SPEED_KMH,
    RoadGraph,
    cache_dir,
    cached_graph,
    content_hash,
    frame_hash,
)
from soteplan.network._mainroads import KS_APPROXIMATION, bridge_components, main_roads_graph
from soteplan.network._routing import (
    NearestResult,
    Snap,
    TravelTimeResult,
    nearest_facility,
    points_xy,
    snap,
    travel_times,
)
from soteplan.network._speeds import MAIN_ROAD_SPEEDS_KMH, OSM_HIGHWAY_SPEEDS_KMH, parse_maxspeed
from soteplan.network._synthetic import grid_graph

__all__ = [
    "CONNECTING_DETOUR",
    "CONNECTING_MAX_EDGE_M",
    "CONNECTING_SPEED_KMH",
    "DEFAULT_ACCESS_DETOUR",
    "DEFAULT_ACCESS_SPEED_KMH",
    "KS_APPROXIMATION",
    "KS_CALIBRATION",
    "MAIN_ROAD_SPEEDS_KMH",
    "OSM_HIGHWAY_SPEEDS_KMH",
    "Calibration",
    "NearestResult",
    "RoadGraph",
    "Snap",
    "TravelTimeResult",
    "add_connecting_roads",
    "bridge_components",
    "cache_dir",
    "cached_graph",
    "calibrate_main_roads",
    "content_hash",
    "frame_hash",
    "from_lines",
    "from_osm",
    "gabriel_edges",
    "grid_graph",
    "main_roads_graph",
    "nearest_facility",
    "node_lines",
    "parse_maxspeed",
    "path_lengths_km",
    "points_xy",
    "snap",
    "travel_times",
]
