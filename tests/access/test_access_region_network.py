"""Plausibility of car times on the embedded Keski-Suomi approximate network."""

import numpy as np
import pytest

from soteplan.access._region import region_anchors, region_graph
from soteplan.network import KS_APPROXIMATION, travel_times
from soteplan.network._connect import n_components
from soteplan.region import load_region


@pytest.fixture(scope="module")
def centres():
    region = load_region("keski-suomi")
    g = region_graph(region, cache=False)
    m = region.municipalities
    xy = m[["centre_x", "centre_y"]].to_numpy(dtype=float)
    minutes = travel_times(g, xy, xy, origin_ids=m.index, destination_ids=m.index).to_frame()
    km = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) / 1000
    names = dict(zip(m["name_fi"], m.index, strict=True))
    return g, minutes, km, names


def test_graph_is_noded_connected_and_labelled(centres):
    g, *_ = centres
    assert g.meta["approximation"] == KS_APPROXIMATION
    # the layer as drawn falls apart into many pieces; noding leaves only roads
    # leaving the map (gaps > 5 km), and connecting roads join everything
    assert g.meta["components_raw"] > 10
    assert g.meta["components_noded"] <= 5
    assert g.meta["junction_connectors"] > 0
    assert n_components(g) == 1


def test_effective_speeds_of_all_centre_pairs_are_plausible(centres):
    _, minutes, km, _ = centres
    t = minutes.to_numpy()
    far = km > 20
    speed = km[far] / (t[far] / 60)  # km/h on the straight line
    # lakes make some real trips slow on the crow-flies line (Laukaa–Hankasalmi
    # ~37 km/h in reality); nothing may crawl at access-leg speeds or fly
    assert speed.min() > 30
    assert speed.max() < 95
    assert 50 < np.median(speed) < 75
    assert np.isfinite(t).all()


@pytest.mark.parametrize(
    ("a", "b", "lo", "hi"),
    [
        # real car times (route planners): ~50, ~35 and ~85 min
        ("Jyväskylä", "Jämsä", 40, 60),
        ("Jyväskylä", "Äänekoski", 28, 45),
        ("Kinnula", "Äänekoski", 75, 110),
    ],
)
def test_known_pairs_within_range(centres, a, b, lo, hi):
    _, minutes, _, names = centres
    for s, d in ((a, b), (b, a)):
        assert lo <= minutes.loc[names[s], names[d]] <= hi


def test_region_anchors_cover_centres_origins_and_services():
    region = load_region("keski-suomi")
    xy = region_anchors(region)
    assert xy.shape[1] == 2
    n = (
        len(region.municipalities)
        + len(region.table("postal_areas"))
        + len(region.table("urban_settlements"))
    )
    assert n <= len(xy) + 50  # few duplicates
    sp = region.service_points.geometry
    have = {tuple(p) for p in np.round(xy, 1).tolist()}
    assert all((round(p.x, 1), round(p.y, 1)) in have for p in sp)
