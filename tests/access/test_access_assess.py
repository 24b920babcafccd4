"""Origins with age bands, assess(), what_if() and the Keski-Suomi wiring."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from soteplan.access import (
    HOME_CARE_APPROXIMATION,
    Origins,
    assess,
    origins_from_postal_areas,
    what_if,
)
from soteplan.errors import DataError, MissingColumnError, NotFoundError, ParameterError
from soteplan.network import grid_graph

GRID = grid_graph(20, 20, seed=11)


def _synthetic_origins(n: int = 120, seed: int = 0) -> Origins:
    rng = np.random.default_rng(seed)
    xy = np.column_stack(
        [rng.uniform(GRID.x.min(), GRID.x.max(), n), rng.uniform(GRID.y.min(), GRID.y.max(), n)]
    )
    pop = rng.integers(10, 2000, n).astype(float)
    return Origins(
        np.array([f"{i:05d}" for i in range(n)]),
        xy,
        rng.choice(np.array(["001", "002", "003"], dtype=object), n),
        {"all": pop, "65+": pop * 0.25, "75+": pop * 0.1},
    )


def _facilities(n: int = 6, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    return gpd.GeoDataFrame(
        {"name": [f"F{i}" for i in range(n)], "capacity": rng.uniform(1, 5, n)},
        index=pd.Index([f"f{i}" for i in range(n)], name="id"),
        geometry=gpd.points_from_xy(
            rng.uniform(GRID.x.min(), GRID.x.max(), n), rng.uniform(GRID.y.min(), GRID.y.max(), n)
        ),
        crs="EPSG:3067",
    )


def test_origins_from_postal_areas_distributes_municipal_age_structure():
    pa = gpd.GeoDataFrame(
        {
            "postcode": ["40100", "40200", "44100"],
            "municipality": ["179", "179", "992"],
            "population_2022": [1000, 3000, 500],
        },
        geometry=gpd.points_from_xy([0, 1, 2], [0, 1, 2]),
        crs="EPSG:3067",
    )
    ages = pd.DataFrame(
        {
            "municipality": ["179"] * 3 + ["992"] * 3,
            "year": 2019,
            "age": [10, 70, 80] * 2,
            "population": [60, 30, 10, 50, 25, 25],
        }
    )
    o = origins_from_postal_areas(pa, ages, year=2019)
    np.testing.assert_allclose(o.population["65+"], [400, 1200, 250])
    np.testing.assert_allclose(o.population["75+"], [100, 300, 125])
    assert "distributed" in o.meta["approximation"] and o.meta["age_structure_year"] == 2019
    bad = pa.assign(population_2022=[1, -5, 2], municipality=["179", "179", "999"])
    with pytest.raises(DataError) as err:
        origins_from_postal_areas(bad, ages)
    assert len(err.value.problems) == 2


def test_assess_runs_every_measure():
    o, f = _synthetic_origins(), _facilities()
    r = assess(GRID, o, f, service="test", groupings={"m": {"001": "a", "002": "a", "003": "b"}})
    assert r.nearest.minutes.shape == (len(o),)
    assert set(r.coverage.level) == {"region", "municipality", "m"}
    assert set(r.coverage.band) == {"all", "65+", "75+"}
    # E2SFCA distributes the whole capacity of the facilities that reach anybody
    reached = np.isfinite(r.e2sfca_ratio.to_numpy())
    assert float(o.population["all"] @ r.e2sfca.to_numpy()) <= f["capacity"].sum() + 1e-9
    assert reached.any()
    frame = r.origins_frame()
    assert {"nearest_min", "nearest_id", "e2sfca", "pop_75+"} <= set(frame.columns)
    assert 0 <= r.equity["all"]["gini"] < 1


def test_what_if_close_hits_only_the_closed_points_users():
    o, f = _synthetic_origins(), _facilities()
    base = assess(GRID, o, f)
    victim = str(pd.Series(base.nearest.facility_id).value_counts().index[0])
    wi = what_if(GRID, o, f, close=[victim])
    users = set(o.ids[base.nearest.facility_id == victim])
    assert set(wi.losers.origin) <= users and len(wi.losers) > 0
    assert (wi.losers.change_min > 0).all()
    assert (wi.losers.before_facility == victim).all()
    assert (wi.losers.after_facility != victim).all()
    assert list(wi.losers.change_min) == sorted(wi.losers.change_min, reverse=True)
    region = wi.delta[(wi.delta.measure == "nearest_min.mean") & (wi.delta.level == "region")]
    assert region.change.iloc[0] > 0
    assert wi.meta["closed"] == [victim]


def test_what_if_open_never_creates_losers():
    o, f = _synthetic_origins(), _facilities()
    new = gpd.GeoDataFrame(
        {"name": ["new"]},
        index=pd.Index(["n1"], name="id"),
        geometry=gpd.points_from_xy([GRID.x.mean()], [GRID.y.mean()]),
        crs="EPSG:3067",
    )
    wi = what_if(GRID, o, f, open=new)
    assert len(wi.losers) == 0
    assert (wi.after.nearest.minutes <= wi.before.nearest.minutes + 1e-4).all()
    assert wi.after.facilities.loc["n1", "capacity"] == pytest.approx(f["capacity"].median())
    cov = wi.delta[wi.delta.measure.str.startswith("coverage.within_")]
    assert (cov.change >= -1e-9).all()


def test_what_if_errors():
    o, f = _synthetic_origins(), _facilities(2)
    with pytest.raises(NotFoundError, match="nope"):
        what_if(GRID, o, f, close=["nope"])
    with pytest.raises(ParameterError):
        what_if(GRID, o, f, close=["f0", "f1"])
    with pytest.raises(ParameterError, match="already exist"):
        what_if(GRID, o, f, open=f.iloc[[0]])


# ------------------------------------------------------------ the embedded region
def _need_region_tables(ks):
    assert ks.has_table("main_roads"), "the embedded region ships main_roads"
    assert ks.has_table("postal_areas"), "the embedded region ships postal_areas"


def test_keski_suomi_health_stations_2019(ks):
    from soteplan.access import region_graph, region_origins, service_points

    _need_region_tables(ks)
    g = region_graph(ks, cache=False)
    o = region_origins(ks, 2019)
    hs = service_points(ks, "health_station", 2019)
    r = assess(g, o, hs, service="health_station")
    assert "approximate road network" in r.meta["approximation"]
    assert "DERIVED resident points" in r.meta["approximation"]
    total = r.coverage[(r.coverage.level == "region") & (r.coverage.band == "all")].iloc[0]
    assert total.population == pytest.approx(o.population["all"].sum())
    assert 0.5 < total.share_30 <= 1.0
    assert np.isfinite(r.nearest.minutes).all()
    homes = service_points(ks, "home_care_base", 2019)
    assert homes.attrs["approximation"] == [HOME_CARE_APPROXIMATION]
    assert len(homes) == len(ks.municipality_codes()) == 22  # the current division
    with pytest.raises(ParameterError):
        service_points(ks, "dentist", 2019)


def test_cli_access_close_shows_losers(ks, tmp_path):
    from typer.testing import CliRunner

    from soteplan.cli import app

    _need_region_tables(ks)
    res = CliRunner().invoke(
        app,
        [
            "access",
            "--service",
            "health_station",
            "--year",
            "2019",
            "--close",
            "hs-435-luhanka",
            "--out",
            str(tmp_path),
        ],
        env={"COLUMNS": "160", "SOTEPLAN_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert res.exit_code == 0, res.output
    assert "Who loses" in res.output and "Luhanka" in res.output
    assert "approximate road network" in res.output
    for name in ("access.gpkg", "coverage.csv", "origins.csv", "map.png", "losers.csv"):
        assert (tmp_path / name).stat().st_size > 0
    losers = pd.read_csv(tmp_path / "losers.csv", dtype={"origin": str})
    assert (losers.before_facility == "hs-435-luhanka").all() and (losers.change_min > 0).all()


def test_origins_from_grid_cells():
    from shapely.geometry import box

    from soteplan.access import origins_from_grid

    grid = gpd.GeoDataFrame(
        {"population": [120, 0], "municipality": [179, "77"], "pop75": [10, 0]},
        index=["c1", "c2"],
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
        crs="EPSG:3067",
    )
    o = origins_from_grid(grid, band_columns={"75+": "pop75"})
    assert list(o.municipality) == ["179", "077"]
    assert o.population["75+"].tolist() == [10.0, 0.0]
    assert 0 < o.xy[0, 0] < 1000 and 0 < o.xy[1, 1] < 1000
    with pytest.raises(DataError):
        origins_from_grid(grid.assign(population=[1, -1]))


def test_origins_from_statistics_finland_grid_with_spatial_join():
    from shapely.geometry import box

    from soteplan.access import origins_from_grid

    # the shape of soteplan.region.io.read_population_grid: vaesto, ika_65_, grd_id
    grid = gpd.GeoDataFrame(
        {
            "grd_id": ["1kmN6900E0430", "1kmN6900E0431", "1kmN6900E0432"],
            "vaesto": pd.array([50, 7, 0], dtype="Int64"),
            "ika_65_": pd.array([12, pd.NA, 0], dtype="Int64"),
        },
        geometry=gpd.points_from_xy([430_500, 431_500, 432_500], [6_900_500] * 3),
        crs="EPSG:3067",
    )
    munis = gpd.GeoDataFrame(
        index=pd.Index(["179", "992"]),
        geometry=[
            box(430_000, 6_900_000, 431_000, 6_901_000),
            box(431_000, 6_900_000, 433_000, 6_901_000),
        ],
        crs="EPSG:3067",
    )
    o = origins_from_grid(grid, municipalities=munis)
    assert list(o.ids) == ["1kmN6900E0430", "1kmN6900E0431", "1kmN6900E0432"]
    assert list(o.municipality) == ["179", "992", "992"]
    assert o.population["all"].tolist() == [50.0, 7.0, 0.0]
    assert o.population["65+"].tolist() == [12.0, 0.0, 0.0]
    assert o.meta["notes"] == ["1 suppressed 65+ count(s) taken as 0"]
    with pytest.raises(MissingColumnError):
        origins_from_grid(grid)  # no municipality column and no polygons


@pytest.mark.osm
def test_region_graph_switches_to_osm_with_one_argument(ks, tmp_path):
    from pathlib import Path

    import pyrosm

    from soteplan.access import region_graph

    pbf = Path(pyrosm.__file__).parent / "data" / "test.osm.pbf"
    g = region_graph(ks, osm_pbf=pbf, cache=tmp_path)
    assert g.meta["builder"] == "osm" and "approximation" not in g.meta
    with pytest.raises(NotFoundError):
        region_graph(ks, osm_pbf=tmp_path / "missing.osm.pbf")


def test_cli_access_by_organisation_model_and_band(ks, tmp_path):
    from typer.testing import CliRunner

    from soteplan.cli import app

    _need_region_tables(ks)
    args = ["access", "--year", "2019", "--by", "county-2023", "--band", "75+", "--format", "csv"]
    res = CliRunner().invoke(app, args, env={"SOTEPLAN_CACHE_DIR": str(tmp_path)})
    assert res.exit_code == 0, res.output
    rows = pd.read_csv(__import__("io").StringIO(res.output))
    # origins are the current 22 municipalities, all in the 2023 county
    assert list(rows["area"]) == [ks.name_fi, "Keski-Suomen hyvinvointialue"]
    assert rows["population"].iloc[0] == rows["population"].iloc[1]
    assert rows["≤30 min %"].iloc[1] == rows["≤30 min %"].iloc[0]
