"""Every wellbeing services county, Helsinki and Finland build from the raw data and validate."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from soteplan.errors import DataError, NotFoundError
from soteplan.region import load_region
from soteplan.region.build import COUNTIES, FINLAND, build_region, find_county

IDS = [c.id for c in COUNTIES]


@pytest.fixture(scope="module")
def built(shared_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("regions")
    t0 = time.perf_counter()
    out = {}
    for c in (*COUNTIES, FINLAND):
        out[c.id] = build_region(c, root / c.id, raw=shared_raw).out
    print(f"built {len(out)} regions in {time.perf_counter() - t0:.1f} s")
    return out


@pytest.fixture(scope="module")
def statfin_2020(shared_raw: Path) -> pd.DataFrame:
    """StatFin 11re 31.12.2020 totals by municipality code, read independently of the builder."""
    d = pd.read_csv(shared_raw / "statfin-11re-2020-finngen" / "11re_2020.csv", dtype=str)
    d.columns = ["area", "age", "total", "male", "female"]
    d = d[~d["age"].str.startswith("Yhteens")]
    key = pd.read_csv(shared_raw / "geofi" / "converted" / "municipality_key.csv", dtype=str)
    key = key[key["year"].astype(float) == 2021]
    codes = dict(zip(key["name_fi"], key["municipality_code"].str.zfill(3), strict=True))
    d["code"] = d["area"].map(codes)
    assert d["code"].notna().all()
    sums = d.assign(total=d["total"].astype(int)).groupby("code")["total"].sum()
    hva = key.set_index(key["municipality_code"].str.zfill(3))["hyvinvointialue_code"]
    return pd.DataFrame({"population": sums, "county": hva.reindex(sums.index)})


@pytest.mark.parametrize("cid", IDS)
def test_county_builds_validates_and_adds_up(built, statfin_2020, cid):
    r = load_region(built[cid])
    assert r.id == cid
    members_2020 = r.municipality_codes(2020)
    got = int(r.population_total(2020, division=2020).sum())
    assert got == int(statfin_2020.loc[members_2020, "population"].sum())
    # every current member is in the county in the 2021 key (the key is the membership)
    code = find_county(cid).code
    assert set(r.municipality_codes()) == set(statfin_2020.index[statfin_2020["county"] == code])
    assert len(r.service_points) > 0 and (r.service_points["type"] == "health_station").all()
    assert r.has_table("main_roads") and r.has_table("postal_areas")
    assert "statfin-2019" in r.projections
    assert set(r.groupings) == {"county"}
    assert r.provenance["population_age_sex.csv"].publisher.startswith("Statistics Finland")


def test_membership_changes_follow_the_key(built):
    ks = load_region(built["keski-suomi"]).municipalities
    pirkanmaa = load_region(built["pirkanmaa"]).municipalities
    assert ks.loc["291", "member_to"] == 2020  # Kuhmoinen left Keski-Suomi on 1.1.2021
    assert pirkanmaa.loc["291", "member_from"] == 2021
    es = load_region(built["etela-savo"])
    pk = load_region(built["pohjois-karjala"])
    assert "090" in es.municipality_codes(2020) and "090" not in es.municipality_codes()
    assert "090" in pk.municipality_codes() and "090" not in pk.municipality_codes(2020)


def test_generic_keski_suomi_matches_the_embedded_one(built, ks):
    g = load_region(built["keski-suomi"])
    assert g.municipality_codes() == ks.municipality_codes()
    assert int(g.population_total(2020).sum()) == int(ks.population_total(2020).sum()) == 272_617
    pd.testing.assert_frame_equal(
        g.population_totals.reset_index(drop=True), ks.population_totals.reset_index(drop=True)
    )


def _px_whole_country(path: Path, year: int) -> int:
    """Total population of Finland in ``year`` from the 11rc PX file (first data column)."""
    text = path.read_text(encoding="iso-8859-15")
    years = text.split('VALUES("Vuosi")=')[1].split(";")[0].replace("\n", "").split(",")
    years = [int(y.strip('"')) for y in years]
    data = text.split("DATA=")[1].replace(";", "").split()
    ncol = len(data) // len(years)
    return int(data[years.index(year) * ncol])


def test_mainland_total_equals_statistics_finland(built, statfin_2020, shared_raw):
    whole = _px_whole_country(
        shared_raw / "statfin-11rc-national" / "statfin_vaerak_pxt_11rc.px", 2020
    )
    assert whole == 5_533_793  # Statistics Finland, 11rc: population of Finland 31.12.2020
    aland = int(statfin_2020.loc[statfin_2020["county"] == "91", "population"].sum())
    fi = load_region(built["finland"])
    assert int(fi.population_total(2020, division=2020).sum()) == whole - aland == 5_503_664
    assert (
        sum(int(load_region(built[c]).population_total(2020, division=2020).sum()) for c in IDS)
        == whole - aland
    )


def test_load_by_name_from_the_cache(built, monkeypatch, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    shutil.copytree(built["kainuu"], cache / "kainuu")
    monkeypatch.setenv("SOTEPLAN_REGION_CACHE", str(cache))
    assert load_region("kainuu").name_fi == "Kainuu"
    assert load_region("Kainuu").id == "kainuu"
    monkeypatch.setenv("SOTEPLAN_RAW_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(NotFoundError, match="not built yet"):
        load_region("lappi")
    with pytest.raises(NotFoundError, match="no region"):
        load_region("atlantis")


def test_broken_raw_file_names_file(shared_raw, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for p in shared_raw.iterdir():
        if p.name != "statfin-11re-2020-finngen":
            (raw / p.name).symlink_to(p)
    (raw / "statfin-11re-2020-finngen").mkdir()
    src = (shared_raw / "statfin-11re-2020-finngen" / "11re_2020.csv").read_text(encoding="utf-8")
    lines = src.splitlines()
    lines[1] = lines[1].replace(",59,", ",58,")  # Akaa, age 0: men no longer add up
    (raw / "statfin-11re-2020-finngen" / "11re_2020.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"11re_2020\.csv"):
        build_region("kainuu", tmp_path / "out", raw=raw)


def test_unknown_county_and_cli_exit_code(tmp_path):
    from typer.testing import CliRunner

    from soteplan.cli import app

    with pytest.raises(NotFoundError, match="no wellbeing services county"):
        find_county("Narnia")
    res = CliRunner().invoke(app, ["region", "build", "--county", "Narnia", "--out", str(tmp_path)])
    assert res.exit_code != 0
    assert isinstance(res.exception, NotFoundError)


def test_first_use_builds_into_the_cache(shared_raw, monkeypatch, tmp_path):
    cache = tmp_path / "cache"
    (cache / "kainuu").mkdir(parents=True)  # an unfinished earlier attempt, no region.yaml
    monkeypatch.setenv("SOTEPLAN_REGION_CACHE", str(cache))
    monkeypatch.setenv("SOTEPLAN_RAW_DATA", str(shared_raw))
    r = load_region("kainuu")
    assert (cache / "kainuu" / "region.yaml").is_file() and r.id == "kainuu"
    assert sorted(p.name for p in cache.iterdir()) == ["kainuu"]  # no partial directory left
