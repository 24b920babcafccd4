"""read_population_grid on grids built from the real HSY Helsinki grid, the HSY file itself
and broken variants."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from soteplan.errors import DataError, MissingColumnError
from soteplan.region.io import read_population_grid
from soteplan.region.io._grid import _format_grd_id, parse_grd_id

DATA = Path(__file__).resolve().parents[2] / "data" / "loaders"


def test_statfi_250m_csv() -> None:
    g = read_population_grid(DATA / "grid_250m_helsinki.csv")
    assert g.crs.to_epsg() == 3067
    assert (g["cell_size"] == 250).all()
    # the point is the cell centre: lower-left corner + 125 m
    np.testing.assert_allclose(g.geometry.x, g["euref_x"] + 125)
    np.testing.assert_allclose(g.geometry.y, g["euref_y"] + 125)
    # grd_id encodes the same corner
    decoded = np.array([parse_grd_id(s)[1:] for s in g["grd_id"]])
    np.testing.assert_array_equal(decoded, g[["euref_x", "euref_y"]].to_numpy())
    meta = g.attrs["meta"]
    assert meta["on_statfi_grid"] is True
    assert meta["suppressed_cells"]["ika_0_14"] == len(g)  # HSY gives totals only
    assert meta["suppressed_cells"]["vaesto"] == 0
    assert g["ika_65_"].isna().all() and g["vaesto"].notna().all()
    assert str(g["vaesto"].dtype) == "Int64" and str(g["ika_0_14"].dtype) == "Int64"
    assert set(g["municipality"]) == {"091"}


def test_grid_total_equals_the_hsy_source() -> None:
    """The Statistics Finland-format file keeps every person of the HSY grid."""
    sf_gpkg = DATA / "grid_250m_helsinki.gpkg"
    csv = read_population_grid(DATA / "grid_250m_helsinki.csv")
    gpkg = read_population_grid(sf_gpkg, geometry="polygon")
    assert csv["vaesto"].sum() == gpkg["vaesto"].sum() == 71_724
    np.testing.assert_allclose(gpkg.geometry.area, 250.0**2)
    # the GeoPackage corners (derived from the polygons) equal the CSV corners
    np.testing.assert_array_equal(
        np.sort(gpkg["grd_id"].to_numpy()), np.sort(csv["grd_id"].to_numpy())
    )


def test_1km_cells_are_sums_of_their_250m_cells() -> None:
    small = read_population_grid(DATA / "grid_250m_helsinki.csv")
    big = read_population_grid(DATA / "grid_1km_helsinki.csv", geometry="polygon")
    assert (big["cell_size"] == 1000).all()
    joined = gpd.sjoin(small, big[["grd_id", "geometry"]], predicate="within")
    sums = joined.groupby("grd_id_right")["vaesto"].sum()
    got = big.set_index("grd_id")["vaesto"]
    np.testing.assert_array_equal(sums.reindex(got.index).to_numpy(), got.to_numpy())


def test_hsy_geopackage_with_column_mapping(shared_raw: Path) -> None:
    p = shared_raw / "hsy-helsinki-grid" / "helsinki_population_grid_2020.gpkg"
    g = read_population_grid(p, columns={"population": "vaesto"}, geometry="polygon")
    assert len(g) == 92
    assert g.crs.to_epsg() == 3067
    meta = g.attrs["meta"]
    assert meta["on_statfi_grid"] is False and "approximation" in meta
    assert meta["cell_size_m"] == 250
    src = gpd.read_file(p)
    assert g["source_id"].tolist() == src["id"].tolist()
    assert g["vaesto"].sum() == src["population"].sum()
    np.testing.assert_allclose(g.geometry.area, 250.0**2, rtol=0.01)  # EPSG:3879 squares
    with pytest.raises(MissingColumnError, match="vaesto"):
        read_population_grid(p)


@pytest.mark.parametrize(
    ("name", "kwargs", "pattern", "row", "field"),
    [
        ("broken_grid_values.csv", {}, "negative count -7", 3, "vaesto"),
        ("broken_grid_values.csv", {}, "'abc' is not a number", 6, "ika_0_14"),
        ("broken_grid_grdid.csv", {}, "encodes corner \\(384250, 6672500\\)", 4, "grd_id"),
        ("broken_grid_sums.csv", {}, "miehet \\+ naiset = 20 but vaesto = 358", 1, "miehet"),
        ("broken_grid_centres.csv", {}, "multiples of 125 m", None, "cell_size"),
        ("broken_grid_centres.csv", {"cell_size": 250}, "look like cell centres", 1, "euref_x"),
        ("broken_grid_nocrs.gpkg", {}, "declares no CRS", None, "crs"),
    ],
)
def test_broken_variants(
    name: str, kwargs: dict[str, int], pattern: str, row: int | None, field: str
) -> None:
    with pytest.raises(DataError, match=pattern) as err:
        read_population_grid(DATA / name, **kwargs)
    assert any((p.source, p.row, p.field) == (name, row, field) for p in err.value.problems), (
        err.value.problems
    )


def test_missing_vaesto_column() -> None:
    with pytest.raises(MissingColumnError, match="'vaesto'"):
        read_population_grid(DATA / "broken_grid_novaesto.csv")


def test_nocrs_with_explicit_crs_reads() -> None:
    g = read_population_grid(DATA / "broken_grid_nocrs.gpkg", crs=3067)
    assert g["vaesto"].sum() == 71_724


def test_outside_finland(tmp_path: Path) -> None:
    text = (DATA / "grid_250m_helsinki.csv").read_text(encoding="utf-8").splitlines()
    hdr, first = text[0], text[1].split(",")
    first[1], first[2], first[3] = "250mN10000E10000", "100000", "100000"
    p = tmp_path / "far.csv"
    p.write_text("\n".join([hdr, ",".join(first), *text[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="outside Finland") as err:
        read_population_grid(p)
    assert err.value.problems[0].row == 1


@given(
    size=st.sampled_from([250, 1000, 5000]),
    i=st.integers(min_value=100, max_value=3000),
    j=st.integers(min_value=26_000, max_value=31_000),
)
def test_grd_id_round_trip(size: int, i: int, j: int) -> None:
    x, y = i * 250 // size * size, j * 250 // size * size
    assert parse_grd_id(_format_grd_id(size, x, y)) == (size, float(x), float(y))


def test_grd_id_examples() -> None:
    assert parse_grd_id("1kmN6918E434") == (1000, 434000.0, 6918000.0)
    assert parse_grd_id("CRS3067RES250mN6671000E383750") == (250, 383750.0, 6671000.0)
    assert parse_grd_id("N6918E434") is None


def test_shapefile_with_old_column_names(tmp_path: Path) -> None:
    """Older Statistics Finland files call the corner columns xkoord/ykoord."""
    g = gpd.read_file(DATA / "grid_250m_helsinki.gpkg")
    csv = read_population_grid(DATA / "grid_250m_helsinki.csv")
    g["xkoord"] = csv["euref_x"].to_numpy()
    g["ykoord"] = csv["euref_y"].to_numpy()
    g.to_file(tmp_path / "vaki.shp")
    s = read_population_grid(tmp_path / "vaki.shp")
    np.testing.assert_array_equal(s["euref_x"], csv["euref_x"])
    assert s["vaesto"].sum() == 71_724


def test_polygon_disagreeing_with_grd_id(tmp_path: Path) -> None:
    import shapely

    g = gpd.read_file(DATA / "grid_250m_helsinki.gpkg")
    g.loc[0, "geometry"] = shapely.affinity.translate(g.geometry[0], 250, 0)
    g.to_file(tmp_path / "shifted.gpkg")
    with pytest.raises(DataError, match="the cell polygon's corner is \\(384500, 6672750\\)") as e:
        read_population_grid(tmp_path / "shifted.gpkg")
    assert e.value.problems[0].row == 1
