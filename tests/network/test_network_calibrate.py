"""Calibration of the main-road graph: the fit recovers known speeds and rejects bad input."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString

from soteplan.errors import ParameterError
from soteplan.network import calibrate_main_roads, main_roads_graph, path_lengths_km, travel_times


def _roads():
    # a 60 km valtatie west-east and a 30 km kantatie north from its east end
    return gpd.GeoDataFrame(
        {"road_class": ["valtatie", "kantatie"]},
        geometry=[
            LineString([(0, 0), (60_000, 0)]),
            LineString([(60_000, 0), (60_000, 30_000)]),
        ],
        crs="EPSG:3067",
    )


PAIRS_A = np.array([[0.0, 0.0], [0.0, 0.0], [60_000.0, 0.0], [20_000.0, 0.0]])
PAIRS_B = np.array([[60_000.0, 0.0], [60_000.0, 30_000.0], [60_000.0, 30_000.0], [0.0, 0.0]])


def test_fit_recovers_the_speeds_that_made_the_times():
    # published times made by valtatie 90 and kantatie 60 km/h
    minutes = np.array([60 / 90, 60 / 90 + 30 / 60, 30 / 60, 20 / 90]) * 60
    cal = calibrate_main_roads(
        _roads(),
        PAIRS_A,
        PAIRS_B,
        minutes,
        valtatie_kmh=(70, 80, 90, 100),
        kantatie_kmh=(50, 60, 70),
        connecting_kmh=(60,),
        detours=(1.3,),
    )
    assert cal.params["valtatie_kmh"] == 90
    assert cal.params["kantatie_kmh"] == 60
    assert np.abs(cal.pairs["error"]).max() < 1e-3
    # leaving out any one pair, the other three still pin both speeds
    assert np.abs(cal.pairs["loo_error"]).max() < 1e-3
    assert len(cal.grid) == 4 * 3 and cal.grid["sse"].min() == pytest.approx(0, abs=1e-6)
    assert cal.meta["pairs"] == 4 and cal.meta["pairs_with_km"] == 0


def test_fit_of_the_circuity_factor_by_road_distance():
    # two anchors 10 km apart joined only by a connecting road of 1.4 × the straight line
    roads = gpd.GeoDataFrame(
        {"road_class": ["valtatie"]},
        geometry=[LineString([(0, 0), (1_000, 0)])],
        crs="EPSG:3067",
    )
    anchors = np.array([[0.0, 20_000.0], [10_000.0, 20_000.0]])
    km = np.array([14.0, 14.0])
    minutes = np.array([14.0, 14.0])  # 14 km at 60 km/h
    cal = calibrate_main_roads(
        roads,
        anchors,
        anchors[::-1],
        minutes,
        km,
        anchors=anchors,
        valtatie_kmh=(80,),
        kantatie_kmh=(70,),
        connecting_kmh=(50, 60, 70),
        detours=(1.2, 1.3, 1.4),
    )
    assert cal.params["connecting_detour"] == 1.4
    assert cal.params["connecting_kmh"] == 60
    assert cal.pairs["model_km"].to_numpy() == pytest.approx(km, rel=1e-3)
    assert len(cal.detours) == 3


def test_path_lengths_follow_the_time_shortest_path():
    g = main_roads_graph(_roads(), speeds={"valtatie": 80, "kantatie": 70})
    km = path_lengths_km(g, PAIRS_A[:2], PAIRS_B[:2])
    assert km == pytest.approx([60.0, 90.0], abs=0.5)  # junction noding may cut the corner
    t = travel_times(g, PAIRS_A[:1], PAIRS_B[:1]).minutes[0, 0]
    assert t == pytest.approx(45.0, rel=1e-3)
    with pytest.raises(ParameterError):
        path_lengths_km(g, PAIRS_A, PAIRS_B[:2])


@pytest.mark.parametrize(
    ("minutes", "kwargs"),
    [
        (np.array([10.0]), {}),  # one pair
        (np.array([10.0, -1.0, 5.0, 5.0]), {}),  # a negative time
        (np.array([10.0, np.nan, 5.0, 5.0]), {}),  # a missing time
        (np.array([10.0, 10.0, 5.0, 5.0]), {"valtatie_kmh": (0,)}),
        (np.array([10.0, 10.0, 5.0, 5.0]), {"detours": (0.9,)}),
    ],
)
def test_calibration_rejects_bad_input(minutes, kwargs):
    n = len(minutes)
    with pytest.raises(ParameterError):
        calibrate_main_roads(_roads(), PAIRS_A[:n], PAIRS_B[:n], minutes, **kwargs)
