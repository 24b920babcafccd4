"""Loading and validating region directories: a tiny valid region and broken variants."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon

from soteplan.errors import DataError, MissingColumnError, NotFoundError
from soteplan.region import load_region
from soteplan.region._load import _load


def _square(x0: float, y0: float, size: float = 10_000.0) -> Polygon:
    return Polygon([(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size)])


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A valid two-municipality region directory."""
    d = tmp_path / "tiny"
    d.mkdir()
    (d / "region.yaml").write_text(
        "id: tiny\nname_fi: Pikku\nname_en: Tiny\ncrs: EPSG:3067\n"
        "central_hospital: {name: H, x: 435000, y: 6900000}\n",
        encoding="utf-8",
    )
    pd.DataFrame(
        {
            "code": ["179", "500"],
            "name_fi": ["Jyväskylä", "Muurame"],
            "name_sv": ["Jyväskylä", "Muurame"],
            "subregion_code": ["131", "131"],
            "subregion_name": ["Jyväskylä", "Jyväskylä"],
            "member_from": [None, None],
            "member_to": [None, 2020],
        }
    ).to_csv(d / "municipalities.csv", index=False)
    gpd.GeoDataFrame(
        {"code": ["179", "500"]},
        geometry=[_square(430_000, 6_890_000), _square(440_000, 6_890_000)],
        crs="EPSG:3067",
    ).to_file(d / "municipalities.geojson", driver="GeoJSON")
    pd.DataFrame(
        {
            "municipality": ["179", "500", "179", "500"],
            "year": [2019, 2019, 2020, 2020],
            "population": [100, 50, 110, 40],
        }
    ).to_csv(d / "population_totals.csv", index=False)
    rows = [
        {"municipality": m, "year": 2020, "sex": s, "age": a, "population": 1}
        for m in ("179", "500")
        for s in ("male", "female")
        for a in (0, 40, 100)
    ]
    pd.DataFrame(rows).to_csv(d / "population_age_sex.csv", index=False)
    pd.DataFrame(
        {
            "id": ["hs-1", "hs-2"],
            "type": ["health_station"] * 2,
            "name": ["A", "B"],
            "provider_kind": ["public", "private"],
            "municipality": ["179", "500"],
            "x": [435_000, 445_000],
            "y": [6_895_000, 6_895_000],
            "valid_from": [2013, None],
            "valid_to": [None, 2016],
        }
    ).to_csv(d / "service_points.csv", index=False)
    (d / "organisation_models.yaml").write_text(
        "models:\n  one:\n    name_fi: Yksi\n    year: 2019\n    areas:\n"
        "      - {id: all, name: Kaikki, hub: '179', members: ['179', '500']}\n",
        encoding="utf-8",
    )
    return d


def test_valid_region_loads(tiny: Path) -> None:
    r = _load(tiny)
    assert r.id == "tiny"
    assert r.municipality_codes(2019) == ["179", "500"]
    assert r.municipality_codes() == ["179"]  # 500 left at the end of 2020
    assert r.population_total(2020, members_only=False).to_dict() == {"179": 110, "500": 40}
    assert r.municipalities.crs.to_epsg() == 3067
    assert len(r.population_by_age(2020)) == 6  # the current division: 179 only
    assert len(r.population_by_age(2020, division=2020)) == 12  # both members in 2020
    assert list(r.service_points_in(2018).index) == ["hs-1"]
    assert list(r.service_points_in(None).index) == ["hs-1"]  # hs-2 closed after 2016
    assert len(r.service_points_in("all", division=2015)) == 2
    assert list(r.service_points_in(2015, type="health_station").index) == ["hs-1"]
    both = r.service_points_in(2015, type="health_station", division=2015)
    assert list(both.index) == ["hs-1", "hs-2"]
    assert r.grouping("one").mapping() == {"179": "all", "500": "all"}
    assert r.central_hospital is not None and r.central_hospital[1].x == 435000


def test_unknown_year_and_names_are_clear(tiny: Path) -> None:
    r = _load(tiny)
    with pytest.raises(NotFoundError, match="years with it: 2020"):
        r.population_by_age(2030)
    with pytest.raises(NotFoundError, match="available: one"):
        r.grouping("nope")
    with pytest.raises(NotFoundError, match="types: health_station"):
        r.service_points_in(2019, type="dentist")
    with pytest.raises(NotFoundError, match="no region"):
        load_region(tiny / "missing")


def _edit_csv(path: Path, row: int, field: str, value: object) -> None:
    df = pd.read_csv(path, dtype=str)
    df.loc[row - 1, field] = value
    df.to_csv(path, index=False)


@pytest.mark.parametrize(
    ("file", "row", "field", "value", "message"),
    [
        ("population_totals.csv", 2, "municipality", "999", "unknown municipality code '999'"),
        ("population_totals.csv", 3, "population", "-5", "negative count"),
        ("population_age_sex.csv", 4, "sex", "x", "expected male or female"),
        ("population_age_sex.csv", 5, "age", "101", "not an integer in 0..100"),
        ("service_points.csv", 1, "provider_kind", "ngo", "expected one of public"),
        ("service_points.csv", 2, "y", "62.2", "inside Finland"),
        ("municipalities.csv", 2, "code", "50", "not a 3-digit code"),
    ],
)
def test_bad_rows_name_file_row_field(
    tiny: Path, file: str, row: int, field: str, value: object, message: str
) -> None:
    _edit_csv(tiny / file, row, field, value)
    with pytest.raises(DataError) as exc:
        _load(tiny)
    text = str(exc.value)
    assert f"{file}, row {row}, field '{field}'" in text
    assert message in text


def test_every_problem_is_reported_at_once(tiny: Path) -> None:
    _edit_csv(tiny / "population_totals.csv", 1, "population", "-1")
    _edit_csv(tiny / "population_totals.csv", 4, "municipality", "123")
    with pytest.raises(DataError) as exc:
        _load(tiny)
    assert len(exc.value.problems) == 2


def test_wrong_crs_is_rejected(tiny: Path) -> None:
    g = gpd.read_file(tiny / "municipalities.geojson").to_crs("EPSG:4326")
    g.to_file(tiny / "municipalities.geojson", driver="GeoJSON")
    with pytest.raises(DataError, match=r"CRS is .*4326.*expected EPSG:3067"):
        _load(tiny)


def test_invalid_geometry_is_rejected(tiny: Path) -> None:
    bowtie = Polygon(
        [(430_000, 6_890_000), (440_000, 6_900_000), (440_000, 6_890_000), (430_000, 6_900_000)]
    )
    gpd.GeoDataFrame(
        {"code": ["179", "500"]}, geometry=[bowtie, _square(440_000, 6_890_000)], crs="EPSG:3067"
    ).to_file(tiny / "municipalities.geojson", driver="GeoJSON")
    with pytest.raises(
        DataError, match=r"municipalities.geojson, row 1, field 'geometry': invalid"
    ):
        _load(tiny)


def test_missing_column_is_named(tiny: Path) -> None:
    df = pd.read_csv(tiny / "population_totals.csv").drop(columns="population")
    df.to_csv(tiny / "population_totals.csv", index=False)
    with pytest.raises(MissingColumnError, match=r"missing column.*'population'"):
        _load(tiny)


def test_grouping_errors(tiny: Path) -> None:
    (tiny / "organisation_models.yaml").write_text(
        "models:\n  bad:\n    areas:\n"
        "      - {id: a, hub: '500', members: ['179']}\n"
        "      - {id: b, members: ['179', '777']}\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as exc:
        _load(tiny)
    text = str(exc.value)
    assert "hub 500 is not a member of area 'a'" in text
    assert "municipality 179 is in both 'a' and 'b'" in text
    assert "unknown municipality code '777'" in text


def test_not_utf8_is_reported(tiny: Path) -> None:
    (tiny / "population_totals.csv").write_bytes(
        "municipality,year,population\n179,2020,1\n\xe4".encode("latin-1")
    )
    with pytest.raises(DataError, match="not UTF-8"):
        _load(tiny)


def test_region_directory_copy_loads_through_public_api(tiny: Path, tmp_path: Path) -> None:
    other = tmp_path / "copy"
    shutil.copytree(tiny, other)
    assert load_region(other).id == "tiny"
