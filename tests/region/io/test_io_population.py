"""population_from_11re on real StatFin 11re excerpts, the full files and broken variants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from soteplan.errors import DataError, MissingColumnError
from soteplan.region.io import population_from_11re, read_pxweb

DATA = Path(__file__).resolve().parents[2] / "data" / "loaders"


def _file_total(path: Path, area: str, sex: str = "Yhteensä") -> float:
    raw = read_pxweb(path)
    row = raw[(raw["Alue"] == area) & (raw["Ikä"] == "Yhteensä") & (raw["sex"] == sex)]
    return float(row["value"].item())


def test_excerpt_2019_shape_and_totals() -> None:
    path = DATA / "11re_2019_excerpt.csv"
    pop = population_from_11re(path)
    assert list(pop.columns) == ["municipality", "year", "sex", "age", "population"]
    assert set(pop["municipality"]) == {"179", "500", "892", "478"}
    assert set(pop["sex"]) == {"male", "female"}
    assert pop["age"].min() == 0 and pop["age"].max() == 100
    assert len(pop) == 4 * 2 * 101
    assert pop["population"].dtype == np.int64
    meta = pop.attrs["meta"]
    assert meta["dropped_areas"] == ["KOKO MAA"]
    assert meta["sex_totals_checked"] == 4 * 102
    assert meta["age_totals_checked"] == 4 * 3 - 4  # male and female only
    for code, name in [("179", "Jyväskylä"), ("478", "Maarianhamina - Mariehamn")]:
        total = pop.loc[pop["municipality"] == code, "population"].sum()
        assert total == _file_total(path, name)
    males = pop[(pop["municipality"] == "179") & (pop["sex"] == "male")]["population"].sum()
    assert males == _file_total(path, "Jyväskylä", "Miehet")


def test_open_age_group_is_100() -> None:
    path = DATA / "11re_2019_excerpt.csv"
    raw = read_pxweb(path)
    hundred = raw[(raw["Alue"] == "Jyväskylä") & (raw["Ikä"] == "100 -") & (raw["sex"] == "Naiset")]
    pop = population_from_11re(path)
    got = pop[(pop["municipality"] == "179") & (pop["sex"] == "female") & (pop["age"] == 100)]
    assert got["population"].item() == hundred["value"].item()


def test_2018_and_2020_variants_agree_on_formats() -> None:
    p18 = population_from_11re(DATA / "11re_2018_excerpt.csv")
    p20 = population_from_11re(DATA / "11re_2020_excerpt.csv")
    assert set(p18["year"]) == {2018} and set(p20["year"]) == {2020}
    assert set(p18["municipality"]) == set(p20["municipality"]) == {"179", "500"}
    assert p18.attrs["meta"]["sex_totals_checked"] == 0  # the 2018 export has no total column
    # a one-year ageing check on real data: the 2020 cohort aged 2 is close to the 2018 babies
    b18 = p18[(p18["municipality"] == "179") & (p18["age"] == 0)]["population"].sum()
    a20 = p20[(p20["municipality"] == "179") & (p20["age"] == 2)]["population"].sum()
    assert abs(a20 - b18) / b18 < 0.15


def test_jsonstat_and_csv_give_the_same_population() -> None:
    js = population_from_11re(DATA / "11re_2019_excerpt.jsonstat.json")
    csv = population_from_11re(DATA / "11re_2019_excerpt.csv")
    csv = csv[csv["municipality"].isin(["179", "500", "892"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(js, csv, check_like=False)


def test_coded_area_labels() -> None:
    raw = read_pxweb(DATA / "11re_2019_excerpt.csv")
    labels = {"Jyväskylä": "KU179 Jyväskylä", "Muurame": "KU500 Muurame",
              "Uurainen": "KU892 Uurainen", "Maarianhamina - Mariehamn": "KU478 Maarianhamina",
              "KOKO MAA": "SSS KOKO MAA"}  # fmt: skip
    coded = raw.assign(Alue=raw["Alue"].map(labels))
    coded.attrs = raw.attrs
    a = population_from_11re(coded)
    b = population_from_11re(raw)
    pd.testing.assert_frame_equal(a, b)


def test_age_totals_keep_and_year_parameter() -> None:
    raw = read_pxweb(DATA / "11re_2019_excerpt.csv")
    kept = population_from_11re(raw, age_totals="keep")
    assert kept["age"].isna().sum() == 4 * 2
    no_year = raw.drop(columns=["year"])
    with pytest.raises(MissingColumnError, match="year"):
        population_from_11re(no_year)
    assert set(population_from_11re(no_year, year=2019)["year"]) == {2019}


@pytest.mark.parametrize(
    ("name", "pattern", "row", "field"),
    [
        ("broken_csv_negative.csv", "negative count -161", 315, "value"),
        ("broken_csv_unknown_area.csv", "unknown municipality 'Uuraisten kunta'", 409, "Alue"),
        ("broken_csv_age_total.csv", "ages sum to 5143 but the 'Yhteensä' row says 5146", None,
         "Ikä"),
        ("broken_csv_sex_total.csv", "age 40: male 905 \\+ female 859 ≠ total 1765", None, "sex"),
    ],
)  # fmt: skip
def test_broken_variants(name: str, pattern: str, row: int | None, field: str) -> None:
    with pytest.raises(DataError, match=pattern) as err:
        population_from_11re(DATA / name)
    first = err.value.problems[0]
    assert (first.source, first.row, first.field) == (name, row, field)


def test_missing_column() -> None:
    with pytest.raises(MissingColumnError, match="age") as err:
        population_from_11re(DATA / "broken_csv_missing_column.csv")
    assert isinstance(err.value, KeyError) and isinstance(err.value, DataError)


def test_non_integer_and_bad_age(tmp_path: Path) -> None:
    raw = read_pxweb(DATA / "11re_2020_excerpt.csv")
    bad = raw.copy()
    bad.loc[5, "value"] = 12.5
    bad.loc[7, "Ikä"] = "ikäryhmä"
    bad.loc[9, "value"] = np.nan
    with pytest.raises(DataError) as err:
        population_from_11re(bad)
    found = {(p.row, p.field) for p in err.value.problems}
    assert {(6, "value"), (8, "Ikä"), (10, "value")} <= found


def test_municipality_that_did_not_exist_that_year() -> None:
    raw = read_pxweb(DATA / "11re_2020_excerpt.csv")
    moved = raw.assign(Alue=raw["Alue"].replace({"Muurame": "Honkajoki"}))  # merged in 2021
    ok = population_from_11re(moved)
    assert "099" in set(ok["municipality"])
    later = moved.assign(year="2022")
    with pytest.raises(DataError, match=r"'Honkajoki' \(code 099\) did not exist in 2022"):
        population_from_11re(later)


def test_full_files_match_published_totals(shared_raw: Path) -> None:
    p19 = population_from_11re(shared_raw / "statfin-11re" / "005_11re_2019.csv")
    assert p19["population"].sum() == 5_525_292  # KOKO MAA 31.12.2019
    assert p19["municipality"].nunique() == 310  # on the 1.1.2020 division
    assert p19.loc[p19["municipality"] == "179", "population"].sum() == 142_400
    p20 = population_from_11re(shared_raw / "statfin-11re-2020-finngen" / "11re_2020.csv")
    assert p20["population"].sum() == 5_533_793  # Statistics Finland, 31.12.2020
    p18 = population_from_11re(shared_raw / "statfin-11re" / "005_11re_2018.csv")
    assert p18["population"].sum() == 5_517_919
