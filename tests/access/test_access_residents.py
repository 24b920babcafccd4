"""Dasymetric resident points: the default origins of the embedded region."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from soteplan.access import (
    assess,
    origins_from_resident_points,
    region_graph,
    region_origins,
    service_points,
)
from soteplan.errors import DataError, MissingColumnError, ParameterError


@pytest.fixture(scope="module")
def graph(ks):
    return region_graph(ks, cache=False)


def test_points_add_up_to_the_postal_totals(ks):
    pts = ks.table("resident_points")
    pa = ks.table("postal_areas").set_index("postcode")["population_2022"]
    got = pts.groupby("postcode")["population"].sum()
    assert set(got.index) <= set(pa.index)
    np.testing.assert_allclose(got.to_numpy(), pa.reindex(got.index).to_numpy(), atol=0.06)
    assert (pts["population"] >= 0).all() and pts["id"].is_unique
    assert set(pts["kind"]) == {"settlement", "rest"}
    # More than half of the residents live in YKR settlements (Statistics Finland: ~70 %).
    share = pts.loc[pts["kind"] == "settlement", "population"].sum() / pts["population"].sum()
    assert 0.55 < share < 0.85
    prov = ks.provenance["resident_points.csv"]
    assert "DERIVED" in prov.title and "WorldPop" in prov.attribution


def test_default_origins_are_resident_points_and_postal_stays_available(ks):
    o = region_origins(ks, 2019)
    p = region_origins(ks, 2019, method="postal")
    assert len(o) > len(p) > 150
    assert "DERIVED resident points" in o.meta["approximation"]
    assert "uniformly" in p.meta["approximation"]
    assert o.population["all"].sum() == pytest.approx(p.population["all"].sum(), abs=5)
    assert set(o.municipality) == set(ks.municipality_codes())  # current division only
    with pytest.raises(ParameterError, match="origin method"):
        region_origins(ks, 2019, method="centroids")


def test_age_bands_follow_paavo_and_close_on_the_municipal_structure(ks):
    o = region_origins(ks, 2019)
    a, b65, b75 = (o.population[k] for k in ("all", "65+", "75+"))
    assert np.all(a >= b65 - 1e-9) and np.all(b65 >= b75 - 1e-9) and np.all(b75 >= 0)
    # Raked: each municipality's 65+ share equals its share in the 2019 age structure.
    age = ks.population_by_age(2019)
    old = age[age["age"] >= 65].groupby("municipality")["population"].sum()
    share = old / age.groupby("municipality")["population"].sum()
    df = pd.DataFrame({"m": o.municipality, "a": a, "b": b65}).groupby("m").sum()
    np.testing.assert_allclose(df["b"] / df["a"], share.reindex(df.index), rtol=1e-6)
    # …but not uniformly inside a municipality: Jyväskylä's areas differ (Paavo).
    jkl = o.municipality == "179"
    r = b65[jkl] / a[jkl]
    assert r.max() - r.min() > 0.15


def test_jamsa_and_saarijarvi_centres_reach_their_own_station_within_10_min(ks, graph):
    o = region_origins(ks, 2019)
    hs = service_points(ks, "health_station", 2019)
    r = assess(graph, o, hs, service="health_station")
    pts = ks.table("resident_points").set_index("id")
    minutes = pd.Series(np.asarray(r.nearest.minutes), index=o.ids)
    facility = pd.Series(np.asarray(r.nearest.facility), index=o.ids)
    for code, station in (("182", "hs-182-jamsa"), ("729", "hs-729-saarijarvi")):
        sett = pts[(pts["municipality"] == code) & (pts["kind"] == "settlement")]
        centre = sett["population"].idxmax()  # the main settlement piece of the town
        assert minutes[centre] <= 10.0, (code, minutes[centre])
        assert hs.index[facility[centre]] == station
    postal = assess(graph, region_origins(ks, 2019, method="postal"), hs)
    share = {
        name: res.coverage[
            (res.coverage.level == "municipality") & (res.coverage.band == "all")
        ].set_index("area")["share_10"]
        for name, res in (("residents", r), ("postal", postal))
    }
    # resident points raise each town's <= 10 min share by well over 15 points (Jämsä: 42 %
    # on postal centroids, 61 % on resident points with the calibrated network; before the
    # calibration 18 % and 62 %, when this margin was 20 points)
    for code in ("182", "729"):
        assert share["residents"][code] > share["postal"][code] + 0.15


def _points():
    return pd.DataFrame(
        {
            "id": ["40100-s1", "40100-r1", "41800-s2"],
            "postcode": ["40100", "40100", "41800"],
            "municipality": ["179", "179", "179"],
            "population": [900.0, 100.0, 500.0],
            "x": [435_000, 436_000, 440_000],
            "y": [6_900_000, 6_901_000, 6_905_000],
        }
    )


def _age():
    rows = [("179", 2019, "male", age, 10) for age in range(101)]
    return pd.DataFrame(rows, columns=["municipality", "year", "sex", "age", "population"])


def test_resident_points_bands_from_paavo_shares():
    bands = pd.DataFrame(
        {
            "postcode": ["40100", "41800"],
            "year": [2015, 2015],
            "population": [1000, 1000],
            "age_65_plus": [400, 100],
            "age_75_plus": [200, 50],
        }
    )
    o = origins_from_resident_points(_points(), _age(), bands, year=2019)
    s65 = o.population["65+"] / o.population["all"]
    assert s65[0] == pytest.approx(s65[1]) and s65[0] > s65[2]  # same area, same share
    target = 36 / 101  # ages 65..100 of a flat structure
    assert o.population["65+"].sum() / 1500 == pytest.approx(target)
    # Without Paavo figures every area takes the municipal share.
    flat = origins_from_resident_points(_points(), _age(), None, year=2019)
    np.testing.assert_allclose(flat.population["65+"] / flat.population["all"], target)


def test_broken_resident_points_name_row_and_field():
    bad = _points()
    bad.loc[1, "population"] = -3
    bad.loc[2, "x"] = 5.0
    bad.loc[2, "id"] = "40100-s1"
    with pytest.raises(DataError) as exc:
        origins_from_resident_points(bad, _age())
    msg = str(exc.value)
    assert "row 3" in msg and "population" in msg
    assert "row 4" in msg and "x/y" in msg and "duplicate id" in msg
    with pytest.raises(MissingColumnError, match="postcode"):
        origins_from_resident_points(_points().drop(columns="postcode"), _age())
    with pytest.raises(MissingColumnError, match="age_75_plus"):
        origins_from_resident_points(
            _points(), _age(), pd.DataFrame({"postcode": [], "population": [], "age_65_plus": []})
        )
    with pytest.raises(DataError, match="no age structure for 992"):
        origins_from_resident_points(_points().assign(municipality="992"), _age())


def test_region_without_resident_points_falls_back_to_postal(ks, tmp_path):
    from soteplan.region import load_region, region_dir

    d = tmp_path / "ks"
    shutil.copytree(region_dir("keski-suomi"), d)
    (d / "resident_points.csv").unlink()
    o = region_origins(load_region(d), 2019)
    assert len(o) == len(region_origins(ks, 2019, method="postal"))
    assert any("no resident_points" in n for n in o.meta["notes"])


def test_cli_origins_option(tmp_path, monkeypatch, capsys):
    from typer.testing import CliRunner

    from soteplan.cli import app
    from soteplan.cli._common import run_guarded

    env = {"COLUMNS": "160", "SOTEPLAN_CACHE_DIR": str(tmp_path / "cache")}
    res = CliRunner().invoke(app, ["access", "--year", "2019", "--origins", "postal"], env=env)
    assert res.exit_code == 0, res.output
    assert "uniformly" in res.output
    monkeypatch.setattr("sys.argv", ["soteplan", "access", "--origins", "centroids"])
    monkeypatch.setenv("SOTEPLAN_CACHE_DIR", str(tmp_path / "cache"))
    assert run_guarded(app) == 2
    err = capsys.readouterr().err
    assert "origin method" in err and "Traceback" not in err
