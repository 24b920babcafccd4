"""Adjacency from polygons (lake-border buffer) and travel matrices."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from soteplan.errors import ParameterError
from soteplan.organise import TravelMatrix, adjacency, is_connected, straight_line_travel


def test_grid_adjacency_is_queen(grid) -> None:
    nb, meta = adjacency(grid)
    assert "buffer" in meta["method"]
    # 3 × 4 grid, codes row by row from 101: 101 is the lower-left corner
    assert nb["101"] == {"102", "105", "106"}
    assert nb["106"] == {"101", "102", "103", "105", "107", "109", "110", "111"}
    assert all(c in nb[n] for c, ns in nb.items() for n in ns)  # symmetric


def test_buffer_closes_lake_slivers_but_not_real_gaps(grid) -> None:
    from dataclasses import replace

    m = grid.municipalities.copy()
    # shrink 102 by 40 m on every side: a sliver (e.g. a generalised lake border)
    g = m.geometry.copy()
    g.loc["102"] = g.loc["102"].buffer(-40, join_style="mitre")
    region = replace(
        grid, municipalities=gpd.GeoDataFrame(m.drop(columns="geometry"), geometry=g, crs=m.crs)
    )
    assert "101" in adjacency(region)[0]["102"]
    assert "101" not in adjacency(region, buffer_m=10)[0]["102"]


def test_delaunay_fallback_without_polygons(grid) -> None:
    from dataclasses import replace

    m = grid.municipalities.copy()
    m = gpd.GeoDataFrame(m.drop(columns="geometry"), geometry=[None] * len(m), crs=m.crs)
    nb, meta = adjacency(replace(grid, municipalities=m))
    assert "approximation" in meta
    assert is_connected(list(nb), nb)


def test_straight_line_travel(grid) -> None:
    tm = straight_line_travel(grid, detour=1.5, speed_kmh=60.0)
    i, j = tm.index(["101", "104"])
    # 101 and 104 are 30 km apart: 30 × 1.5 = 45 km at 60 km/h = 45 minutes
    assert tm.minutes[i, j] == pytest.approx(45.0, rel=1e-5)
    assert tm.minutes.dtype == np.float32
    assert np.allclose(tm.minutes, tm.minutes.T)
    assert tm.to_central[i] == pytest.approx(0.0, abs=1e-4)  # hospital at 101's centre
    assert "approximation" in tm.meta
    with pytest.raises(ParameterError):
        straight_line_travel(grid, detour=0.5)


def test_travel_matrix_checks_shape_and_values() -> None:
    with pytest.raises(ParameterError):
        TravelMatrix(("a", "b"), np.zeros((3, 3), np.float32), np.zeros(2, np.float32))
    with pytest.raises(ParameterError):
        TravelMatrix(("a",), np.array([[np.inf]], np.float32), np.zeros(1, np.float32))
    tm = TravelMatrix(("a", "b"), np.array([[0, 2], [3, 0]], np.float32), np.zeros(2, np.float32))
    assert tm.sub(["b", "a"]).tolist() == [[0, 3], [2, 0]]
    with pytest.raises(ParameterError, match="no row"):
        tm.index(["c"])
