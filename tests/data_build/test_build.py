"""The embedded Keski-Suomi data: rebuild byte-identity and invariants of the shipped files."""

from __future__ import annotations

import importlib
import json
import shutil
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import yaml

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "src" / "soteplan" / "data" / "keski-suomi"
CODES_22 = [
    "077", "172", "179", "182", "216", "226", "249", "256", "265", "275", "312",
    "410", "435", "495", "500", "592", "601", "729", "850", "892", "931", "992",
]  # fmt: skip
ALL_23 = sorted([*CODES_22, "291"])
CSV_FILES = sorted(p.name for p in DATA.glob("*.csv"))
GEOJSON_FILES = sorted(p.name for p in DATA.glob("*.geojson"))


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype={"municipality": str, "code": str, "postcode": str})


def _build_module():
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        return importlib.import_module("build_keski_suomi")
    finally:
        sys.path.remove(str(REPO / "scripts"))


# --------------------------------------------------------------------------- rebuild
@pytest.fixture(scope="module")
def rebuilt(shared_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ks") / "keski-suomi"
    assert _build_module().main(["--raw", str(shared_raw), "--out", str(out), "--quiet"]) == 0
    return out


def test_rebuild_is_byte_identical_to_shipped_files(rebuilt: Path) -> None:
    shipped = sorted(p.name for p in DATA.iterdir() if p.is_file())
    assert sorted(p.name for p in rebuilt.iterdir()) == shipped
    differing = [n for n in shipped if (rebuilt / n).read_bytes() != (DATA / n).read_bytes()]
    assert differing == [], f"rebuild differs from the shipped files: {differing}"


def test_build_fails_loudly_when_age_sex_disagrees_with_totals(
    shared_raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(shared_raw, raw, symlinks=True, ignore=shutil.ignore_patterns("*.rda", "*.rds"))
    f = raw / "statfin-11re-2020-finngen" / "11re_2020.csv"
    text = f.read_text(encoding="utf-8")
    # Luhanka, age 50: add one man and one to the total (still internally consistent).
    lines = text.split("\n")
    i = next(k for k, ln in enumerate(lines) if ln.startswith('"Luhanka","50",'))
    area, age, tot, men, women = lines[i].split(",")
    lines[i] = ",".join([area, age, str(int(tot) + 1), str(int(men) + 1), women])
    f.write_text("\n".join(lines), encoding="utf-8")
    rc = _build_module().main(["--raw", str(raw), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "does not match population_totals" in err and "435" in err
    assert not (tmp_path / "out" / "population_totals.csv").exists()  # nothing half-written


# --------------------------------------------------------------------------- file format
@pytest.mark.parametrize("name", CSV_FILES)
def test_csv_format(name: str) -> None:
    raw = (DATA / name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM"
    assert b"\r" not in raw, "LF line ends only"
    raw.decode("utf-8")
    header = raw.split(b"\n", 1)[0].decode()
    assert not header.startswith(",") and "Unnamed" not in header, "no index column"
    df = _csv(name)
    for col in ("municipality", "code"):
        if col in df.columns:
            vals = df[col][df[col] != "KS"]
            assert vals.str.fullmatch(r"\d{3}").all(), f"{name}.{col}: 3-digit strings"
            assert set(vals) <= set(ALL_23)


@pytest.mark.parametrize("name", GEOJSON_FILES)
def test_geojson_crs_validity_and_whole_metres(name: str) -> None:
    doc = json.loads((DATA / name).read_text(encoding="utf-8"))
    assert doc["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::3067"
    g = gpd.read_file(DATA / name)
    assert g.crs.to_epsg() == 3067
    assert len(g) > 0 and g.is_valid.all() and not g.is_empty.any()
    xy = shapely.get_coordinates(g.geometry.values)
    assert np.array_equal(xy, np.rint(xy))
    # Inside Finland (EPSG:3067 metres).
    assert xy[:, 0].min() > 40_000 and xy[:, 0].max() < 780_000
    assert xy[:, 1].min() > 6_580_000 and xy[:, 1].max() < 7_800_000


def test_package_data_is_compact() -> None:
    total = sum(p.stat().st_size for p in DATA.iterdir())
    assert total < 2 * 1024 * 1024


# --------------------------------------------------------------------------- contents
def test_municipalities() -> None:
    m = _csv("municipalities.csv")
    assert m["code"].tolist() == ALL_23
    assert m.set_index("code").loc["291", "member_to"] == 2020
    assert m.set_index("code").drop(index="291")["member_to"].isna().all()
    assert m["member_from"].isna().all()
    assert (m["land_area_km2"] <= m["total_area_km2"]).all()
    g = gpd.read_file(DATA / "municipalities.geojson").set_index("code").loc[m["code"]]
    centres = gpd.points_from_xy(m["centre_x"], m["centre_y"])
    assert all(poly.contains(pt) for poly, pt in zip(g.geometry, centres, strict=True))
    # Polygon areas agree with the MML total areas (km², generalised boundaries).
    rel = (g.geometry.area.to_numpy() / 1e6) / m["total_area_km2"].to_numpy()
    assert np.all(np.abs(rel - 1) < 0.15)


def test_population_totals() -> None:
    t = _csv("population_totals.csv")
    assert len(t) == 23 * 23 and sorted(t["year"].unique()) == list(range(2000, 2023))
    assert not t.duplicated(["municipality", "year"]).any()
    assert t[(t["year"] == 2020) & t["municipality"].isin(CODES_22)]["population"].sum() == 272_617


def test_age_sex_matches_totals_and_published_2020_total() -> None:
    a = _csv("population_age_sex.csv")
    assert sorted(a["year"].unique()) == [2018, 2019, 2020]
    assert set(a["sex"]) == {"male", "female"} and sorted(a["age"].unique()) == list(range(101))
    assert set(a["municipality"]) == set(ALL_23)
    a20 = a[(a["year"] == 2020) & a["municipality"].isin(CODES_22)]
    assert a20["population"].sum() == 272_617
    assert a20[a20["age"] >= 75]["population"].sum() == 28_017  # SOURCES.md
    sums = a.groupby(["municipality", "year"])["population"].sum()
    t = _csv("population_totals.csv").set_index(["municipality", "year"])["population"]
    assert (sums == t.reindex(sums.index)).all()


def test_projection_2019() -> None:
    p = _csv("population_projection_2019.csv")
    assert len(p) == 23 * 22 * 101
    assert not (p["age"] == 999).any()
    ks = p[p["municipality"].isin(CODES_22)].groupby("year")["population"].sum()
    # Figures stated in SOURCES.md for the KS-22 (from the 999 total rows).
    assert ks[2019] == 272_990 and ks[2030] == 268_509 and ks[2040] == 261_106


def test_service_points_health_station_counts() -> None:
    s = _csv("service_points.csv")
    assert s["id"].is_unique
    assert set(s["provider_kind"]) <= {"public", "private", "third_sector"}
    hs = s[(s["type"] == "health_station") & s["municipality"].isin(CODES_22)]

    def open_in(year: int) -> int:
        vf = hs["valid_from"].fillna(-1)
        vt = hs["valid_to"].fillna(9999)
        return int(((vf <= year) & (vt >= year)).sum())

    assert open_in(2019) == 36 and open_in(2013) == 39
    assert hs["valid_to"].isna().sum() == 36
    assert s.loc[s["id"] == "hs-179-kyllo", ["x", "y"]].to_numpy().tolist() == [[432883, 6900734]]
    # Outsourced stations are private, others public.
    st = s[s["type"] == "health_station"]
    assert ((st["outsourced"]) == (st["provider_kind"] == "private")).all()
    # Every point lies in (or within 500 m of) its municipality.
    g = gpd.read_file(DATA / "municipalities.geojson").set_index("code")
    for _, r in s.iterrows():
        assert g.geometry.loc[r["municipality"]].distance(shapely.Point(r["x"], r["y"])) < 500
    ed = s[s["type"] == "emergency_department"].set_index("id")
    assert ed.loc["ed-179-keski-suomen-keskussairaala", "valid_to"] == 2020
    assert ed.loc["ed-179-sairaala-nova", "valid_from"] == 2021


def test_region_yaml() -> None:
    r = yaml.safe_load((DATA / "region.yaml").read_text(encoding="utf-8"))
    assert r["id"] == "keski-suomi" and r["maakunta_code"] == "13"
    assert r["wellbeing_county_code"] == "15" and r["crs"] == "EPSG:3067"
    assert r["population_years"] == [2000, 2022]
    nova = shapely.Point(r["central_hospital"]["x"], r["central_hospital"]["y"])
    jkl = gpd.read_file(DATA / "municipalities.geojson").set_index("code").geometry.loc["179"]
    assert jkl.contains(nova)
    assert any("Statistics Finland" in a for a in r["attribution"])


def test_every_model_partitions_its_municipalities() -> None:
    models = yaml.safe_load((DATA / "organisation_models.yaml").read_text(encoding="utf-8"))
    expected = {"cooperation-2010": ALL_23, "mof-merger-2012": ALL_23, "county-2023": CODES_22}
    assert set(models["models"]) == set(expected)
    for mid, spec in models["models"].items():
        members = [m for a in spec["areas"] for m in a["members"]]
        assert sorted(members) == expected[mid], mid
        assert len(members) == len(set(members)), mid
        assert all(a["hub"] in a["members"] for a in spec["areas"]), mid
        assert spec["status"] in {"confirmed", "partly_unconfirmed"}


def test_postal_areas() -> None:
    p = _csv("postal_areas.csv")
    assert p["postcode"].str.fullmatch(r"\d{5}").all() and p["postcode"].is_unique
    assert not p["name"].str.contains("Ã").any()
    g = gpd.read_file(DATA / "postal_areas.geojson")
    assert sorted(g["postcode"]) == sorted(p["postcode"])
    # Postal sums are close to, but not equal to, the municipal totals (areas cross borders).
    t = _csv("population_totals.csv")
    muni = t[(t["year"] == 2022) & t["municipality"].isin(ALL_23)]["population"].sum()
    assert abs(p["population_2022"].sum() - muni) / muni < 0.02


def test_published_indicators_and_costs() -> None:
    pi = _csv("published_indicators.csv")
    assert set(pi["indicator"]) >= {
        "dependency_ratio_sotkanet",
        "dependency_ratio_statfin",
        "share_0_14_pct",
        "share_15_64_pct",
        "share_65_plus_pct",
    }
    ks = pi[(pi["municipality"] == "KS") & (pi["indicator"] == "dependency_ratio_sotkanet")]
    assert sorted(ks["year"]) == list(range(1990, 2013))
    shares = pi[pi["indicator"].str.startswith("share_")].pivot_table(
        index=["municipality", "year"], columns="indicator", values="value"
    )
    assert np.allclose(shares.sum(axis=1), 100, atol=0.25)
    c = _csv("net_costs.csv").set_index(["municipality", "year"])["net_cost_eur_per_resident"]
    assert c.loc[("500", 2016)] == 2322.6 and c.loc[("265", 2016)] == 5273.0  # SOURCES.md


def test_provenance_covers_every_file() -> None:
    prov = yaml.safe_load((DATA / "provenance.yaml").read_text(encoding="utf-8"))
    data_files = {p.name for p in DATA.iterdir()} - {"provenance.yaml", "PROVENANCE.md"}
    assert set(prov["files"]) == data_files
    for name, e in prov["files"].items():
        for key in ("title", "publisher", "licence", "source", "transformation"):
            assert e.get(key), f"{name}: {key}"
        if "UNCLEAR" in str(e.get("intermediary_licence")):
            assert e["shipping_note"], name
    md = (DATA / "PROVENANCE.md").read_text(encoding="utf-8")
    assert all(f"`{n}`" in md for n in data_files)
