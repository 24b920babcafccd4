"""read_service_points on a real Eurostat/THL hospital excerpt and broken variants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from soteplan.errors import DataError, MissingColumnError
from soteplan.region.io import read_boundaries, read_service_points

DATA = Path(__file__).resolve().parents[2] / "data" / "loaders"


def test_latlon_excerpt() -> None:
    sp = read_service_points(DATA / "service_points_ks_latlon.csv")
    assert sp.crs.to_epsg() == 3067
    assert len(sp) == 14 and sp.index.is_unique and sp.index.name == "id"
    assert set(sp["provider_kind"]) == {"public", "private"}
    assert sp.loc["eurostat-40302-2", "name"] == "Keski-Suomen keskussairaala"
    assert sp.loc["eurostat-40302-2", "municipality"] == "179"
    assert sp["valid_from"].isna().all() and sp["capacity"].isna().all()
    assert "postcode" in sp.columns  # extra columns are kept
    assert sp.attrs["meta"]["crs_in"] == "EPSG:4326"


def test_xy_and_latlon_give_the_same_points() -> None:
    a = read_service_points(DATA / "service_points_ks_latlon.csv")
    b = read_service_points(DATA / "service_points_ks_xy.csv")
    assert b.attrs["meta"]["crs_in"] == "EPSG:3067"
    np.testing.assert_allclose(a.geometry.x, b.geometry.x, atol=0.06)
    np.testing.assert_allclose(a.geometry.y, b.geometry.y, atol=0.06)


def test_points_fall_in_their_municipality() -> None:
    """Independent check: the coordinates of the Jyväskylä sites lie inside MML's Jyväskylä."""
    sp = read_service_points(DATA / "service_points_ks_latlon.csv")
    bnd = read_boundaries(DATA / "kuntarajat_2023_ks.geojson")
    jkl = sp[sp["municipality"] == "179"]
    assert len(jkl) >= 8
    assert jkl.within(bnd.geometry["179"]).all()


@pytest.mark.parametrize(
    ("name", "pattern", "row", "field"),
    [
        ("broken_sp_dup_ids.csv", "duplicate id '40302' \\(first on row 1\\)", 2, "id"),
        ("broken_sp_values.csv", "unknown provider kind 'municipal'", 2, "provider_kind"),
        ("broken_sp_values.csv", "lat and lon look swapped", 3, "lon"),
        ("broken_sp_values.csv", "unknown municipality '999'", 4, "municipality"),
        ("broken_sp_values.csv", "valid_to 2015 is before valid_from 2019", 5, "valid_to"),
        ("broken_sp_values.csv", "'62,2' is not a number", 6, "lat"),
    ],
)
def test_broken_variants(name: str, pattern: str, row: int, field: str) -> None:
    with pytest.raises(DataError, match=pattern) as err:
        read_service_points(DATA / name)
    assert any((p.source, p.row, p.field) == (name, row, field) for p in err.value.problems)


def test_all_problems_reported_at_once() -> None:
    with pytest.raises(DataError) as err:
        read_service_points(DATA / "broken_sp_values.csv")
    assert len(err.value.problems) == 5


def test_missing_column() -> None:
    with pytest.raises(MissingColumnError, match="'provider_kind'"):
        read_service_points(DATA / "broken_sp_missing_column.csv")


def test_capacity_and_xy_outside(tmp_path: Path) -> None:
    text = (DATA / "service_points_ks_xy.csv").read_text(encoding="utf-8").splitlines()
    rows = [r.split(";") for r in text]
    hdr = [*rows[0], "capacity", "capacity_unit", "valid_from", "valid_to"]
    body = [[*r, "", "", "2013", ""] for r in rows[1:]]
    body[0][-4:-2] = ["-3", "beds"]
    body[1][-4:-2] = ["120", "beds"]
    ix = hdr.index("x")
    body[2][ix] = "25.7"  # degrees in the metre column
    p = tmp_path / "sp.csv"
    p.write_text("\n".join(";".join(r) for r in [hdr, *body]) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_service_points(p)
    found = {(pr.row, pr.field): pr.message for pr in err.value.problems}
    assert "negative capacity -3" in found[(1, "capacity")]
    assert "look like degrees" in found[(3, "x")]
    body[0][-4] = "40"
    body[2][ix] = rows[3][ix]
    p.write_text("\n".join(";".join(r) for r in [hdr, *body]) + "\n", encoding="utf-8")
    sp = read_service_points(p)
    assert sp["capacity"].iloc[1] == 120 and sp["capacity_unit"].iloc[1] == "beds"
    assert (sp["valid_from"] == 2013).all() and sp["valid_to"].isna().all()
    assert str(sp["valid_from"].dtype) == "Int64"


def test_full_eurostat_file_ids_repeat(shared_raw: Path, tmp_path: Path) -> None:
    """The raw Eurostat file reuses organisation ids for several sites: rejected as such."""
    import pandas as pd

    d = pd.read_csv(shared_raw / "eurostat-healthcare" / "FI.csv", dtype=str)
    out = pd.DataFrame({"id": d["id"], "type": d["facility_type"], "name": d["hospital_name"],
                        "provider_kind": "public", "municipality": d["city"], "lat": d["lat"],
                        "lon": d["lon"]})  # fmt: skip
    p = tmp_path / "fi.csv"
    out.to_csv(p, index=False)
    with pytest.raises(DataError) as err:
        read_service_points(p)
    dups = [pr for pr in err.value.problems if pr.field == "id"]
    assert len(dups) == min(int(d["id"].duplicated().sum()), 50)
