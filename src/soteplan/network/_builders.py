"""Builders of :class:`RoadGraph`: OpenStreetMap PBF and road-line layers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from soteplan.errors import (
    DataError,
    DataProblem,
    MissingColumnError,
    NotFoundError,
    ParameterError,
)
from soteplan.network._graph import (
    DEFAULT_ACCESS_DETOUR,
    DEFAULT_ACCESS_SPEED_KMH,
    RoadGraph,
    cached_graph,
    content_hash,
)
from soteplan.network._speeds import (
    OSM_DEFAULT_SPEED_KMH,
    OSM_HIGHWAY_SPEEDS_KMH,
    parse_maxspeed,
)

__all__ = ["BUILDER_VERSION", "from_lines", "from_osm"]

#: Version of the builders' logic, part of every cache key: bump when a builder changes.
BUILDER_VERSION = 4
#: Default minutes per metre when a line has no speed: 60 km/h.
_DEFAULT_LINE_SPEED_KMH = 60.0


def from_osm(
    pbf_path: str | Path,
    *,
    speeds: Mapping[str, float] | None = None,
    access_speed_kmh: float = DEFAULT_ACCESS_SPEED_KMH,
    access_detour: float = DEFAULT_ACCESS_DETOUR,
    cache: bool | str | Path = True,
) -> RoadGraph:
    """Build the car network of an OpenStreetMap PBF file with ``pyrosm``.

    The drive network (``network_type="driving"``) is read, one-way streets
    are honoured (``pyrosm.graphs.get_directed_edges``), node coordinates are
    projected to EPSG:3067 and every edge gets its length (metres, from
    pyrosm) and free-flow travel time: ``maxspeed`` when usable, else the
    class speed of :data:`~soteplan.network._speeds.OSM_HIGHWAY_SPEEDS_KMH`.
    The graph is cached on disk by the SHA-256 of the file and parameters.

    Parameters
    ----------
    pbf_path
        Path of an ``.osm.pbf`` file (e.g. a Geofabrik Finland extract).
    speeds
        Overrides of the class speed table, km/h.
    access_speed_kmh, access_detour
        Straight-line access leg from a point to its snapped node.
    cache
        ``True`` (default cache directory), ``False`` or a directory.

    Raises
    ------
    NotFoundError
        When the file does not exist.
    DataError
        When the file is not a readable PBF (empty, truncated, garbage) or
        holds no drivable roads.
    """
    path = Path(pbf_path)
    if not path.is_file():
        raise NotFoundError(f"OSM PBF file not found: {path.name}")
    table = {**OSM_HIGHWAY_SPEEDS_KMH, **dict(speeds or {})}
    params = {
        "builder": "osm",
        "version": BUILDER_VERSION,
        "speeds": table,
        "access_speed_kmh": access_speed_kmh,
        "access_detour": access_detour,
    }
    key = content_hash([path], params)

    def build() -> RoadGraph:
        from pyrosm import OSM
        from pyrosm.graphs import get_directed_edges

        try:
            nodes, edges = OSM(str(path)).get_network(network_type="driving", nodes=True)
        except Exception as exc:  # pyrosm/protobuf: invalid, empty or truncated PBF
            raise DataError(
                [
                    DataProblem(
                        path.name,
                        None,
                        None,
                        f"not a readable OpenStreetMap PBF file ({type(exc).__name__}): "
                        "give a complete .osm.pbf extract (e.g. Geofabrik)",
                    )
                ]
            ) from None
        if edges is None or nodes is None or len(edges) == 0:
            raise DataError([DataProblem(path.name, None, None, "no drivable roads in the file")])
        nodes, edges = get_directed_edges(nodes, edges, network_type="driving")
        return _graph_from_osm_frames(
            nodes, edges, table, access_speed_kmh, access_detour, source=str(path)
        )

    g = cached_graph("osm", key, build, cache=cache)
    return g


def _graph_from_osm_frames(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    table: Mapping[str, float],
    access_speed_kmh: float,
    access_detour: float,
    *,
    source: str,
) -> RoadGraph:
    from pyproj import Transformer

    ids = pd.Index(nodes["id"].to_numpy(dtype=np.int64))
    tr = Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)
    x, y = tr.transform(nodes["lon"].to_numpy(float), nodes["lat"].to_numpy(float))
    tail = ids.get_indexer(edges["u"].to_numpy(dtype=np.int64))
    head = ids.get_indexer(edges["v"].to_numpy(dtype=np.int64))
    ok = (tail >= 0) & (head >= 0)
    hw = edges["highway"].to_numpy(dtype=object)
    ms = edges["maxspeed"].to_numpy(dtype=object) if "maxspeed" in edges else [None] * len(edges)
    default = dict(table)
    kmh = np.array(
        [_edge_speed(h, m, default) for h, m in zip(hw, ms, strict=True)], dtype=np.float64
    )
    length = edges["length"].to_numpy(dtype=np.float64)
    minutes = length / (kmh / 0.06)
    return RoadGraph.from_edges(
        tail[ok],
        head[ok],
        minutes[ok],
        length[ok],
        x,
        y,
        node_id=ids.to_numpy(),
        access_speed_kmh=access_speed_kmh,
        access_detour=access_detour,
        meta={
            "builder": "osm",
            "source": source,
            "network_type": "driving",
            "speeds": "maxspeed tag, else by highway class (km/h): "
            + ", ".join(f"{k} {v:g}" for k, v in default.items()),
            "travel_time": "free flow (no congestion or junction delay)",
            "crs": "EPSG:3067",
        },
    )


def _edge_speed(highway: Any, maxspeed: Any, table: Mapping[str, float]) -> float:
    v = parse_maxspeed(maxspeed)
    if v is not None:
        return v
    cls = str(highway).split(";")[0].strip().lower() if highway is not None else ""
    return table.get(cls, OSM_DEFAULT_SPEED_KMH)


def from_lines(
    lines: gpd.GeoDataFrame | str | Path,
    *,
    snap_tolerance_m: float = 1.0,
    speed_column: str | None = None,
    class_column: str | None = None,
    class_speeds: Mapping[str, float] | None = None,
    default_speed_kmh: float = _DEFAULT_LINE_SPEED_KMH,
    oneway_column: str | None = None,
    max_segment_m: float | None = None,
    access_speed_kmh: float = DEFAULT_ACCESS_SPEED_KMH,
    access_detour: float = DEFAULT_ACCESS_DETOUR,
    direct_legs: bool = False,
    meta: Mapping[str, Any] | None = None,
) -> RoadGraph:
    """Build a graph from road lines (GeoJSON, GeoPackage, Digiroad/Väylä exports).

    Every vertex of every line becomes a node; vertices at the same
    coordinate are one node, and a line end within ``snap_tolerance_m`` of
    another line's vertex is joined to it (dangling ends of digitised layers).
    Each consecutive vertex pair is an edge in both directions unless the
    ``oneway_column`` is true (then digitising direction only).

    Parameters
    ----------
    lines
        GeoDataFrame of (Multi)LineStrings with a CRS, or a path readable by
        ``geopandas.read_file``.  Reprojected to EPSG:3067.
    snap_tolerance_m
        Distance (metres) within which line ends are snapped to other lines.
    speed_column
        Column of speeds (km/h); takes precedence over the class speeds.
    class_column, class_speeds
        Column of road classes and their speeds (km/h).
    default_speed_kmh
        Speed of lines with neither (km/h).
    oneway_column
        Column of booleans: true means the line is one-way in its digitised
        direction.
    max_segment_m
        Densify lines so that no edge is longer (metres), which gives points
        more places to join the graph.
    access_speed_kmh, access_detour, direct_legs
        See :class:`RoadGraph`.
    meta
        Extra provenance stored in the graph.

    Raises
    ------
    DataError
        When the layer has no CRS, no lines, or invalid speeds.
    MissingColumnError
        When a named column is absent.
    """
    gdf = gpd.read_file(lines) if isinstance(lines, str | Path) else lines
    source = str(lines) if isinstance(lines, str | Path) else "road lines (memory)"
    if snap_tolerance_m < 0:
        raise ParameterError(f"snap_tolerance_m must be >= 0, got {snap_tolerance_m}")
    if gdf.crs is None:
        raise DataError([DataProblem(source, None, "geometry", "layer has no CRS")])
    for col in (speed_column, class_column, oneway_column):
        if col is not None and col not in gdf.columns:
            raise MissingColumnError(f"{source}: no column {col!r}; columns: {list(gdf.columns)}")
    gdf = gdf.to_crs("EPSG:3067") if gdf.crs.to_epsg() != 3067 else gdf
    gdf = gdf[gdf.geometry.notna()].explode(index_parts=False)
    gdf = gdf[gdf.geom_type == "LineString"]
    if len(gdf) == 0:
        raise DataError([DataProblem(source, None, "geometry", "no LineString features")])
    geoms = gdf.geometry.to_numpy()
    if max_segment_m is not None:
        geoms = shapely.segmentize(geoms, max_segment_m)

    # speeds per line
    speed = np.full(len(gdf), float(default_speed_kmh))
    if class_column is not None:
        table = dict(class_speeds or {})
        cls = gdf[class_column].astype(str).to_numpy()
        speed = np.array([table.get(c, default_speed_kmh) for c in cls], dtype=float)
    if speed_column is not None:
        s = pd.to_numeric(gdf[speed_column], errors="coerce").to_numpy(dtype=float)
        speed = np.where(np.isfinite(s), s, speed)
    bad = np.flatnonzero(~(speed > 0))
    if len(bad):
        raise DataError(
            [DataProblem(source, int(i) + 1, speed_column, "speed must be > 0 km/h") for i in bad]
        )
    oneway = (
        gdf[oneway_column].fillna(False).astype(bool).to_numpy()
        if oneway_column is not None
        else np.zeros(len(gdf), dtype=bool)
    )

    coords, line_of = shapely.get_coordinates(geoms, return_index=True)
    coords = coords[:, :2]
    # identical coordinates are the same node (centimetre precision)
    keyed = np.round(coords, 2)
    uniq, vert_node = np.unique(keyed, axis=0, return_inverse=True)
    vert_node = vert_node.ravel()
    n = len(uniq)
    starts = np.flatnonzero(np.r_[True, line_of[1:] != line_of[:-1]])
    ends = np.r_[starts[1:] - 1, len(line_of) - 1]
    if snap_tolerance_m > 0:
        from scipy.spatial import cKDTree

        tree = cKDTree(uniq)
        end_verts = np.r_[starts, ends]
        end_nodes = vert_node[end_verts]
        pairs_a: list[int] = []
        pairs_b: list[int] = []
        for e_node, cand in zip(
            end_nodes, tree.query_ball_point(uniq[end_nodes], r=snap_tolerance_m), strict=True
        ):
            for c in cand:
                if c != e_node:
                    pairs_a.append(int(e_node))
                    pairs_b.append(int(c))
        if pairs_a:
            adj = sparse.coo_matrix(
                (np.ones(len(pairs_a)), (pairs_a, pairs_b)), shape=(n, n)
            ).tocsr()
            _, comp = connected_components(adj, directed=False)
            # representative coordinate: the mean of the merged nodes
            cnt = np.bincount(comp)
            cx = np.bincount(comp, uniq[:, 0]) / cnt
            cy = np.bincount(comp, uniq[:, 1]) / cnt
            vert_node = comp[vert_node]
            uniq = np.column_stack([cx, cy])
            n = len(uniq)

    # consecutive vertex pairs of the same line
    same = line_of[1:] == line_of[:-1]
    a = vert_node[:-1][same]
    b = vert_node[1:][same]
    seg_line = line_of[:-1][same]
    seg_len = np.hypot(*(coords[1:][same] - coords[:-1][same]).T)
    minutes = seg_len / (speed[seg_line] / 0.06)
    two_way = ~oneway[seg_line]
    tail = np.r_[a, b[two_way]]
    head = np.r_[b, a[two_way]]
    return RoadGraph.from_edges(
        tail,
        head,
        np.r_[minutes, minutes[two_way]],
        np.r_[seg_len, seg_len[two_way]],
        uniq[:, 0],
        uniq[:, 1],
        access_speed_kmh=access_speed_kmh,
        access_detour=access_detour,
        direct_legs=direct_legs,
        meta={
            "builder": "lines",
            "source": source,
            "snap_tolerance_m": snap_tolerance_m,
            "crs": "EPSG:3067",
            **dict(meta or {}),
        },
    )
