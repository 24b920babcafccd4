import geopandas as gpd
import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components
from shapely.geometry import LineString

from soteplan.errors import ParameterError
from soteplan.network import (
    add_connecting_roads,
    gabriel_edges,
    main_roads_graph,
    node_lines,
    travel_times,
)
from soteplan.network._connect import n_components


def _roads(lines, classes):
    return gpd.GeoDataFrame({"road_class": classes}, geometry=lines, crs="EPSG:3067")


def test_node_lines_splits_crossings():
    x = np.array([LineString([(0, 0), (10_000, 0)]), LineString([(5_000, -5_000), (5_000, 5_000)])])
    pieces, cls, n_conn = node_lines(x, np.array(["valtatie", "kantatie"], dtype=object))
    assert n_conn == 0
    assert len(pieces) == 4
    assert sorted(cls) == ["kantatie", "kantatie", "valtatie", "valtatie"]
    # the crossing is a shared node: one component without any snapping
    g = main_roads_graph(_roads(list(x), ["valtatie", "kantatie"]), connecting_roads=False)
    assert g.meta["components_raw"] == 2
    assert g.meta["components_noded"] == 1


def test_t_junction_joins_line_end_to_the_middle_of_another_line():
    # a kantatie ending 400 m short of the middle of a valtatie (no vertex there)
    roads = _roads(
        [LineString([(0, 0), (20_000, 0)]), LineString([(10_000, 400), (10_000, 10_400)])],
        ["valtatie", "kantatie"],
    )
    g = main_roads_graph(roads, connecting_roads=False, speeds={"valtatie": 80, "kantatie": 70})
    assert g.meta["junction_connectors"] == 1
    assert g.meta["components_noded"] == 1
    assert "bridged_components" not in g.meta
    t = travel_times(g, np.array([[0.0, 0.0]]), np.array([[10_000.0, 10_400.0]])).minutes[0, 0]
    # 10 km valtatie at 80 + 10.4 km kantatie (incl. the 400 m connector) at 70 km/h
    assert t == pytest.approx(10_000 / (80 / 0.06) + 10_400 / (70 / 0.06), rel=1e-3)
    # farther than the tolerance: no connector, the pieces are bridged instead
    far = main_roads_graph(roads, snap_tolerance_m=300, connecting_roads=False)
    assert far.meta["junction_connectors"] == 0
    assert far.meta["bridged_components"] == 1


def test_gabriel_edges_match_the_definition():
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 10_000, size=(60, 2))
    got = {tuple(e) for e in gabriel_edges(xy).tolist()}
    want = set()
    for i in range(len(xy)):
        for j in range(i + 1, len(xy)):
            mid, r = (xy[i] + xy[j]) / 2, np.hypot(*(xy[i] - xy[j])) / 2
            others = np.delete(np.arange(len(xy)), [i, j])
            if not (np.hypot(*(xy[others] - mid).T) < r).any():
                want.add((i, j))
    assert got == want
    # collinear points: a path in order along the line
    line = np.array([[0.0, 0.0], [3.0, 3.0], [1.0, 1.0], [2.0, 2.0]])
    assert {tuple(e) for e in gabriel_edges(line).tolist()} == {(0, 2), (1, 3), (2, 3)}


def test_connecting_roads_join_anchors_at_the_stated_speed():
    roads = _roads([LineString([(0, 0), (10_000, 0)])], ["valtatie"])
    anchors = np.array([[0.0, 12_000.0], [10_000.0, 12_000.0]])
    g = main_roads_graph(roads, anchors=anchors, connecting_speed_kmh=60, connecting_detour=1.3)
    assert n_components(g) == 1
    assert "connecting_roads" in g.meta
    t = travel_times(g, anchors[:1], anchors[1:]).minutes[0, 0]
    # the two anchors are Gabriel neighbours: 10 km × 1.3 at 60 km/h, no access leg
    assert t == pytest.approx(10_000 * 1.3 / (60 / 0.06), rel=1e-4)
    slow = main_roads_graph(roads, anchors=anchors, connecting_speed_kmh=50, connecting_detour=1.3)
    assert travel_times(slow, anchors[:1], anchors[1:]).minutes[0, 0] == pytest.approx(
        t * 60 / 50, rel=1e-4
    )
    # edges longer than the cap are left out (the far anchors are then bridged)
    capped = main_roads_graph(roads, anchors=anchors, connecting_max_edge_m=5_000)
    assert capped.meta["bridged_components"] >= 1
    assert connected_components(capped.csr(), directed=False)[0] == 1


def test_add_connecting_roads_validates_parameters():
    g = main_roads_graph(_roads([LineString([(0, 0), (1_000, 0)])], ["valtatie"]))
    with pytest.raises(ParameterError):
        add_connecting_roads(g, speed_kmh=0)
    with pytest.raises(ParameterError):
        add_connecting_roads(g, detour=0.9)
    with pytest.raises(ParameterError):
        main_roads_graph(
            _roads([LineString([(0, 0), (1_000, 0)])], ["valtatie"]),
            anchors=np.array([[np.nan, 0.0]]),
        )
