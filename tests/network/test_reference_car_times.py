"""Car times between municipal centres on the approximate network against published ones.

The reference set (``tests/data/reference/car_times_centres.csv``) holds every centre-to-centre
car time found in a published source offline, each with its URL and the quoted statement:
a municipal merger study's appendix (Keuruu, Multia), Visit Central Finland's resort pages
(Saarijärvi and the northern Lomaseutu: Viitasaari, Pihtipudas, Kivijärvi, Kinnula), Visit
Jyväskylä (Petäjävesi) and Retkipaikka (Hankasalmi). The network's default speeds were fitted
to this set (``scripts/calibrate_road_network.py``); the approximate network must be within
±15 % of each time (docs/validation.md lists the error per pair before and after).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from soteplan.access import region_anchors, region_graph
from soteplan.network import KS_CALIBRATION, main_roads_graph, path_lengths_km, travel_times

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference" / "car_times_centres.csv"
TOLERANCE = 0.15
NORTH = {"931", "601", "256", "265"}  # Viitasaari, Pihtipudas, Kinnula, Kivijärvi


def _reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE, dtype={"from_code": str, "to_code": str})


def _pairs(ks, ref):
    m = ks.municipalities
    a = m.loc[ref["from_code"], ["centre_x", "centre_y"]].to_numpy(float)
    b = m.loc[ref["to_code"], ["centre_x", "centre_y"]].to_numpy(float)
    return a, b


def _model(graph, a, b):
    tt = np.asarray(travel_times(graph, a, b).minutes, dtype=float)
    return tt[np.arange(len(a)), np.arange(len(b))]


@pytest.fixture(scope="module")
def modelled(ks):
    ref = _reference()
    a, b = _pairs(ks, ref)
    g = region_graph(ks, cache=False)
    return ref.assign(model=_model(g, a, b), model_km=path_lengths_km(g, a, b))


def test_reference_set_is_sourced_and_in_the_region(ks):
    ref = _reference()
    assert len(ref) == KS_CALIBRATION["pairs"]
    assert ref["source_url"].str.match(r"^https?://\S+$").all(), "every time names its URL"
    assert ref["statement"].str.len().gt(10).all(), "every time quotes its statement"
    assert set(ref["from_code"]) | set(ref["to_code"]) <= set(ks.municipality_codes())
    assert (ref["minutes"] > 0).all()
    km = pd.to_numeric(ref["road_km"], errors="coerce")
    assert (km.dropna() > 0).all() and km.notna().sum() == KS_CALIBRATION["pairs_with_km"]
    # the northern centres the issue names are in the set
    assert set(ref["from_code"]) >= NORTH
    assert not ref.duplicated(["from_code", "to_code"]).any()


def test_approximate_network_within_15_percent_of_published_times(modelled):
    err = modelled["model"] / modelled["minutes"] - 1
    bad = modelled[err.abs() > TOLERANCE]
    assert bad.empty, bad[["from_name", "to_name", "minutes", "model"]].to_string()


def test_northern_centres_to_jyvaskyla_within_15_percent(modelled):
    north = modelled[modelled["from_code"].isin(NORTH) & (modelled["to_code"] == "179")]
    assert len(north) == len(NORTH)
    err = north["model"] / north["minutes"] - 1
    assert (err.abs() <= TOLERANCE).all(), north[["from_name", "minutes", "model"]].to_string()


def test_modelled_paths_are_as_long_as_the_published_road_distances(modelled):
    km = pd.to_numeric(modelled["road_km"], errors="coerce")
    ok = km.notna()
    err = modelled.loc[ok, "model_km"] / km[ok] - 1
    assert (err.abs() <= 0.10).all(), modelled.loc[ok, ["from_name", "road_km", "model_km"]]


def test_the_uncalibrated_speeds_miss_the_reference_set(ks):
    """The fit matters: the earlier chosen speeds put Petäjävesi outside ±15 %."""
    ref = _reference()
    a, b = _pairs(ks, ref)
    old = main_roads_graph(
        ks.table("main_roads"),
        speeds={"valtatie": 80, "kantatie": 70},
        anchors=region_anchors(ks),
        connecting_speed_kmh=60,
        connecting_detour=1.3,
    )
    err = _model(old, a, b) / ref["minutes"].to_numpy(float) - 1
    assert (np.abs(err) > TOLERANCE).any()
    assert "not the calibrated defaults" in old.meta["calibration"]
    assert "fitted" not in old.meta["approximation"]


def test_default_graph_records_its_calibration(ks):
    g = region_graph(ks, cache=False)
    assert (
        f"{KS_CALIBRATION['pairs']} published Keski-Suomi centre-to-centre car times"
        in g.meta["calibration"]
    )
    assert "valtatie 70, kantatie 70 km/h" in g.meta["approximation"]
    assert "straight line × 1.2 at 70 km/h" in g.meta["approximation"]


URBAN = REFERENCE.with_name("car_times_centres_urban.csv")


def test_short_urban_pair_is_documented_as_too_fast(ks):
    """Muurame – Jyväskylä (published 20 min, 15 km) is kept out of the fit: the model has no
    urban streets and runs it at main-road speed. The test records the known error (see
    docs/validation.md); if the network ever models built-up areas and this fails, move the
    pair into the fitted set."""
    ref = pd.read_csv(URBAN, dtype={"from_code": str, "to_code": str})
    assert ref["source_url"].str.match(r"^https?://\S+$").all()
    assert ref["statement"].str.len().gt(10).all() and ref["note"].str.len().gt(10).all()
    a, b = _pairs(ks, ref)
    err = _model(region_graph(ks, cache=False), a, b) / ref["minutes"].to_numpy(float) - 1
    assert (err < -TOLERANCE).all(), err
