"""Graph builders: road lines, main roads, speed parsing."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString

from soteplan.errors import DataError, MissingColumnError
from soteplan.network import (
    KS_APPROXIMATION,
    from_lines,
    main_roads_graph,
    parse_maxspeed,
    travel_times,
)


def _lines(**cols):
    geoms = [
        LineString([(0, 0), (1000, 0), (2000, 0)]),
        # starts 30 m from the end of the first line (a digitising gap)
        LineString([(2000, 30), (2000, 2000)]),
    ]
    return gpd.GeoDataFrame(cols, geometry=geoms, crs="EPSG:3067")


def test_from_lines_snaps_line_ends_within_tolerance():
    roads = _lines(speed=[60.0, 30.0])
    a = np.array([[0.0, 0.0]])
    b = np.array([[2000.0, 2000.0]])
    joined = from_lines(roads, snap_tolerance_m=50, speed_column="speed")
    r = travel_times(joined, a, b)
    # 2000 m at 60 km/h + ~1970 m at 30 km/h (snapped ends meet at their mean)
    assert r.minutes[0, 0] == pytest.approx(2.0 + 1970 / 500, abs=0.05)
    apart = from_lines(roads, snap_tolerance_m=10, speed_column="speed")
    assert np.isinf(travel_times(apart, a, b).minutes[0, 0])


def test_from_lines_oneway_and_class_speeds():
    roads = _lines(cls=["fast", "slow"], oneway=[True, False])
    g = from_lines(
        roads,
        snap_tolerance_m=50,
        class_column="cls",
        class_speeds={"fast": 120.0, "slow": 60.0},
        oneway_column="oneway",
    )
    a, b = np.array([[0.0, 0.0]]), np.array([[2000.0, 2000.0]])
    assert np.isfinite(travel_times(g, a, b).minutes[0, 0])
    assert np.isinf(travel_times(g, b, a).minutes[0, 0])  # against the one-way line
    # 2 km at 120 km/h, plus the 15 m access leg to the merged node at (2000, 15)
    expect = 1.0 + 15 * 1.3 / (40 / 0.06)
    assert travel_times(g, a, np.array([[2000.0, 0.0]])).minutes[0, 0] == pytest.approx(expect)


def test_from_lines_reprojects_and_densifies(tmp_path):
    roads = _lines(speed=[60.0, 60.0]).to_crs("EPSG:4326")
    path = tmp_path / "roads.geojson"
    roads.to_file(path, driver="GeoJSON")
    g = from_lines(path, snap_tolerance_m=50, speed_column="speed", max_segment_m=100)
    assert g.n_nodes > 35  # densified: ~4 km of road in ≤100 m pieces
    assert g.x.min() == pytest.approx(0.0, abs=0.01)


def test_from_lines_errors():
    roads = _lines(speed=[60.0, -1.0])
    with pytest.raises(DataError, match="row 2"):
        from_lines(roads, speed_column="speed")
    with pytest.raises(MissingColumnError):
        from_lines(roads, speed_column="nope")
    with pytest.raises(DataError, match="no CRS"):
        from_lines(gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 1)])]))


def test_main_roads_graph_is_labelled_approximate():
    roads = _lines(road_class=["valtatie", "kantatie"])
    g = main_roads_graph(roads)
    assert g.meta["approximation"] == KS_APPROXIMATION
    assert g.direct_legs
    # two points next to each other far from the roads use the direct leg
    a, b = np.array([[0.0, 10_000.0]]), np.array([[1000.0, 10_000.0]])
    r = travel_times(g, a, b)
    assert r.minutes[0, 0] == pytest.approx(1000 * 1.3 / (40 / 0.06), rel=1e-5)
    assert r.meta["approximation"] == KS_APPROXIMATION
    with pytest.raises(MissingColumnError):
        main_roads_graph(_lines(x=[1, 2]))


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("80", 80.0),
        ("30 mph", 48.28032),
        ("FI:urban", 50.0),
        ("60;80", 60.0),
        ("none", None),
        (None, None),
        ("x", None),
        (100, 100.0),
    ],
)
def test_parse_maxspeed(value, kmh):
    got = parse_maxspeed(value)
    assert got == (pytest.approx(kmh) if kmh is not None else None)


def test_bridge_components_links_every_piece():
    from scipy.sparse.csgraph import connected_components

    from soteplan.network import bridge_components

    roads = gpd.GeoDataFrame(
        {"road_class": ["valtatie", "kantatie", "kantatie"]},
        geometry=[
            LineString([(0, 0), (10_000, 0)]),
            LineString([(12_000, 0), (20_000, 0)]),  # 2 km gap
            LineString([(20_000, 3_000), (20_000, 9_000)]),  # 3 km gap from the second
        ],
        crs="EPSG:3067",
    )
    g = main_roads_graph(
        roads, max_segment_m=1_000, connecting_roads=False, speeds={"valtatie": 80, "kantatie": 70}
    )
    assert g.meta["bridged_components"] == 2
    assert connected_components(g.csr(), directed=True, connection="strong")[0] == 1
    a, b = np.array([[0.0, 0.0]]), np.array([[20_000.0, 9_000.0]])
    # 10 km valtatie + 2 km link + 8 km kantatie + 3 km link + 6 km kantatie
    link = 1.3 / (40 / 0.06)
    expect = 10_000 / (80 / 0.06) + 5_000 * link + 14_000 / (70 / 0.06)
    assert travel_times(g, a, b).minutes[0, 0] == pytest.approx(expect, rel=1e-4)
    assert bridge_components(g) is g  # already connected: unchanged
