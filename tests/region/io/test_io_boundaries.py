"""read_boundaries and the TopoJSON decoder on real MML, lucified and Yle excerpts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

from soteplan.errors import DataError, MissingColumnError
from soteplan.region.io import read_boundaries, topojson_to_geojson

DATA = Path(__file__).resolve().parents[2] / "data" / "loaders"
KS5 = {"179", "410", "500", "850", "892"}


def test_mml_geojson_excerpt() -> None:
    g = read_boundaries(DATA / "kuntarajat_2023_ks.geojson")
    assert set(g.index) == KS5 and g.index.name == "code"
    assert g.crs.to_epsg() == 3067
    assert g.geometry.is_valid.all()
    assert g.loc["179", "name_fi"] == "Jyväskylä"
    assert g.attrs["meta"]["code_field"] == "NATCODE"
    # generalised 1:4.5M polygons: planar area within 6 % of MML's official total area
    rel = (g["area_km2"] - g["TOTALAREA"]).abs() / g["TOTALAREA"]
    assert (rel < 0.06).all(), rel


def test_geopackage_equals_geojson() -> None:
    a = read_boundaries(DATA / "kuntarajat_2023_ks.geojson").sort_index()
    b = read_boundaries(DATA / "kuntarajat_2023_ks.gpkg").sort_index()
    assert b.attrs["meta"]["crs_in"] == "EPSG:3067"
    np.testing.assert_allclose(a["area_km2"], b["area_km2"], rtol=1e-9)
    assert shapely.equals_exact(a.geometry.to_numpy(), b.geometry.to_numpy(), 1e-3).all()


@pytest.mark.parametrize(
    ("name", "field"), [("lucified_ks.topo.json", "code"), ("yle_hva2021_ks.topo.json", "id")]
)
def test_topojson_excerpts_agree_with_mml(name: str, field: str) -> None:
    t = read_boundaries(DATA / name)
    m = read_boundaries(DATA / "kuntarajat_2023_ks.geojson")
    assert set(t.index) == KS5
    assert t.attrs["meta"]["format"] == "TopoJSON" and t.attrs["meta"]["code_field"] == field
    assert t.attrs["meta"]["crs_assumed"] is True
    assert t.geometry.is_valid.all()
    # the same municipalities at similar generalisation: areas within 10 %, and each
    # TopoJSON polygon overlaps its MML counterpart by more than 85 %
    rel = (t["area_km2"] - m["area_km2"].reindex(t.index)).abs() / m["area_km2"].reindex(t.index)
    assert (rel < 0.10).all(), rel
    inter = t.geometry.intersection(m.geometry.reindex(t.index)).area / t.geometry.area
    assert (inter > 0.85).all(), inter


def test_topojson_shared_arcs_decode_to_shared_borders() -> None:
    t = read_boundaries(DATA / "yle_hva2021_ks.topo.json")
    # neighbours decoded from shared arcs touch without overlapping
    jkl, muurame = t.geometry["179"], t.geometry["500"]
    assert jkl.touches(muurame) or jkl.intersection(muurame).area < 1e-3
    assert jkl.intersection(muurame).length > 1000  # a real shared border, metres


def test_topojson_decoder_on_the_specification_example() -> None:
    """The quantised example of the TopoJSON specification (§ 2.1.3, 2.2.2)."""
    topo = {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.25], "translate": [100, 0]},
        "objects": {
            "example": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Point", "properties": {"p": "A"}, "coordinates": [4, 8]},
                    {"type": "LineString", "properties": {"p": "B"}, "arcs": [0]},
                    {"type": "Polygon", "properties": {"p": "C"}, "arcs": [[-2]]},
                ],
            }
        },
        "arcs": [
            [[4, 0], [1, 2], [1, -2], [2, 2]],
            [[0, 0], [0, 4], [2, 0], [0, -4], [-2, 0]],
        ],
    }
    fc = topojson_to_geojson(topo, source="spec")
    pt, line, poly = (f["geometry"] for f in fc["features"])
    assert pt["coordinates"] == [102.0, 2.0]
    assert line["coordinates"] == [[102.0, 0.0], [102.5, 0.5], [103.0, 0.0], [104.0, 0.5]]
    ring = poly["coordinates"][0]
    assert ring[0] == ring[-1] == [100.0, 0.0]
    assert shapely.geometry.shape(poly).area == pytest.approx(1.0 * 1.0)


@pytest.mark.parametrize(
    ("name", "pattern", "row", "field"),
    [
        ("broken_bnd_invalid.geojson", "invalid polygon \\(Self-intersection", 1, "geometry"),
        ("broken_bnd_invalid.geojson", "unknown municipality code '999'", 3, "NATCODE"),
        ("broken_bnd_invalid.geojson", "duplicate municipality code '410'", 4, "NATCODE"),
        ("broken_bnd_metres.geojson", "not longitude/latitude", 1, "crs"),
        ("broken_bnd_nocrs.gpkg", "declares no CRS", None, "crs"),
        ("broken_bnd_arcs.topo.json", "arc reference 999 points outside the", None, "arcs"),
    ],
)
def test_broken_variants(name: str, pattern: str, row: int | None, field: str) -> None:
    with pytest.raises(DataError, match=pattern) as err:
        read_boundaries(DATA / name)
    assert any((p.source, p.row, p.field) == (name, row, field) for p in err.value.problems)


def test_repair_and_explicit_crs() -> None:
    bad = json.loads((DATA / "broken_bnd_invalid.geojson").read_text(encoding="utf-8"))
    bad["features"] = [f for f in bad["features"] if f["properties"]["NATCODE"] == "500"]
    fixed = read_boundaries_from(bad, repair=True)
    assert fixed.attrs["meta"]["repaired"] == ["500"]
    assert fixed.geometry.is_valid.all()
    g = read_boundaries(DATA / "broken_bnd_nocrs.gpkg", crs=3067)
    assert set(g.index) == KS5
    m = read_boundaries(DATA / "broken_bnd_metres.geojson", crs=3067)
    assert set(m.index) == KS5
    with pytest.raises(DataError, match="declares EPSG:3067 but crs=4326"):
        read_boundaries(DATA / "kuntarajat_2023_ks.gpkg", crs=4326)


def read_boundaries_from(doc: dict, **kw: object):  # type: ignore[no-untyped-def]
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "x.geojson"
        p.write_text(json.dumps(doc), encoding="utf-8")
        return read_boundaries(p, **kw)  # type: ignore[arg-type]


def test_wrong_crs_lands_outside_finland() -> None:
    """Real WGS84 coordinates declared as EPSG:3067 fall far outside Finland."""
    with pytest.raises(DataError, match="outside Finland"):
        read_boundaries(DATA / "lucified_ks.topo.json", crs=3067)


def test_code_field_and_layer_errors() -> None:
    with pytest.raises(MissingColumnError, match="'NOPE'"):
        read_boundaries(DATA / "kuntarajat_2023_ks.geojson", code_field="NOPE")
    with pytest.raises(DataError, match="no object 'hva2'"):
        read_boundaries(DATA / "yle_hva2021_ks.topo.json", layer="hva2")


def test_full_real_files(shared_raw: Path) -> None:
    mml = read_boundaries(shared_raw / "mml-hallinnollisetrajat" / "kuntarajat.2023.json")
    assert len(mml) == 309 and mml.geometry.is_valid.all()
    luc = read_boundaries(shared_raw / "lucified-topojson" / "finland-municipalities-topojson.json")
    assert len(luc) == 311
    yle = read_boundaries(shared_raw / "yle-geodata" / "finland-hva-2021.topo.json", layer="munis")
    assert len(yle) == 309
    with pytest.raises(DataError, match="has 2 objects"):
        read_boundaries(shared_raw / "yle-geodata" / "finland-hva-2021.topo.json")
    # Finland's total area (land + water incl. sea) from two independent sources agrees
    assert luc["area_km2"].sum() == pytest.approx(yle["area_km2"].sum(), rel=0.02)


def test_shapefile(tmp_path: Path) -> None:
    import geopandas as gpd

    src = gpd.read_file(DATA / "kuntarajat_2023_ks.gpkg")
    src[["NATCODE", "NAMEFIN", "geometry"]].to_file(tmp_path / "kunnat.shp")
    g = read_boundaries(tmp_path / "kunnat.shp")
    assert set(g.index) == KS5 and g.attrs["meta"]["format"] == "ESRI Shapefile"
    ref = read_boundaries(DATA / "kuntarajat_2023_ks.gpkg")
    np.testing.assert_allclose(g["area_km2"].sort_index(), ref["area_km2"].sort_index())
