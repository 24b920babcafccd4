"""``soteplan demography`` on the embedded Keski-Suomi region (done-when checks)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from soteplan.cli import app
from soteplan.errors import NotFoundError
from soteplan.region import load_region

runner = CliRunner()
RAW_2020 = (
    Path(__file__).resolve().parents[3] / "shared/data/raw/statfin-11re-2020-finngen/11re_2020.csv"
)


def run(*args: str) -> str:
    res = runner.invoke(app, ["demography", *args])
    assert res.exit_code == 0, (res.output, res.exception)
    return res.stdout


def test_json_2020_has_22_municipalities_summing_to_published_total() -> None:
    out = json.loads(run("--year", "2020", "--format", "json"))
    rows = out["rows"]
    munis = [r for r in rows if r["group"].isdigit()]
    assert len(munis) == 22
    # Statistics Finland: Keski-Suomi (22 municipalities) 31.12.2020 = 272,617
    assert sum(r["population"] for r in munis) == 272_617
    total = [r for r in rows if not r["group"].isdigit()]
    assert len(total) == 1 and total[0]["population"] == 272_617


def test_regional_dependency_ratio_matches_the_age_table() -> None:
    out = json.loads(run("--year", "2020", "--format", "json"))
    total = next(r for r in out["rows"] if not r["group"].isdigit())
    r = load_region("keski-suomi")
    t = r.population_age_sex
    t = t[(t["year"] == 2020) & t["municipality"].isin(r.municipality_codes())]
    young = int(t.loc[t["age"] <= 14, "population"].sum())
    work = int(t.loc[t["age"].between(15, 64), "population"].sum())
    old = int(t.loc[t["age"] >= 65, "population"].sum())
    assert total["dependency_ratio"] == pytest.approx(100 * (young + old) / work, abs=1e-9)
    assert total["old_age_ratio"] == pytest.approx(100 * old / work, abs=1e-9)


@pytest.mark.skipif(not RAW_2020.is_file(), reason="shared raw data not available")
def test_regional_dependency_ratio_matches_the_raw_statfin_file() -> None:
    r = load_region("keski-suomi")
    names = {r.name(c) for c in r.municipality_codes()}
    young = work = old = 0
    with RAW_2020.open(encoding="utf-8") as fh:
        for rec in csv.reader(fh):
            if rec[0] not in names or not rec[1].split()[0].isdigit():
                continue
            age, n = int(rec[1].split()[0]), int(rec[2])
            if age <= 14:
                young += n
            elif age <= 64:
                work += n
            else:
                old += n
    assert young + work + old == 272_617
    out = json.loads(run("--year", "2020", "--format", "json"))
    total = next(x for x in out["rows"] if not x["group"].isdigit())
    assert total["dependency_ratio"] == pytest.approx(100 * (young + old) / work, abs=1e-9)


def test_default_run_is_the_2020_summary_table() -> None:
    out = run()
    assert "Keski-Suomi demography summary, 31.12.2020" in out
    assert "22 municipalities of Keski-Suomi" in out
    assert "StatFin 11re" in out


def test_groupings_subregion_region_and_model() -> None:
    sub = json.loads(run("--group", "subregion", "--format", "json"))["rows"]
    assert {r["group"] for r in sub} >= {"Jyväskylä", "Äänekoski", "Keski-Suomi total"}
    assert sum(r["population"] for r in sub if r["group"] != "Keski-Suomi total") == 272_617
    reg = run("--group", "region", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(reg)))
    assert rows[0]["group"] == "Keski-Suomi" and int(rows[0]["population"]) == 272_617
    model = json.loads(run("--group", "model", "--model", "county-2023", "--format", "json"))
    assert model["meta"]["grouping"] == "model county-2023"
    same = json.loads(run("--group", "model:county-2023", "--format", "json"))
    assert same["rows"] == model["rows"]


def test_unknown_model_and_year_without_ages_are_clear_errors() -> None:
    res = runner.invoke(app, ["demography", "--group", "model", "--model", "nope"])
    assert isinstance(res.exception, NotFoundError)
    assert "county-2023" in str(res.exception)  # lists the available models
    res = runner.invoke(app, ["demography", "--year", "2015"])
    assert isinstance(res.exception, NotFoundError)
    assert "2018, 2019, 2020" in str(res.exception)


def test_project_calibrated_follows_official_total() -> None:
    out = json.loads(
        run("project", "--to", "2030", "--calibrate", "statfin-2019", "--format", "json")
    )
    rows = {r["year"]: r for r in out["rows"]}
    r = load_region("keski-suomi")
    off = r.projection("statfin-2019")
    off = off[off["municipality"].isin(r.municipality_codes()) & (off["year"] == 2030)]
    assert rows[2030]["population"] == round(off["population"].sum())
    assert out["meta"]["calibrated"] is True


def test_charts_written(tmp_path: Path) -> None:
    res = runner.invoke(app, ["demography", "charts", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [
        "dependency_ratio_2009_2030.png",
        "dependency_ratio_2009_2030.svg",
        "working_age_2008_2030.png",
        "working_age_2008_2030.svg",
    ]
    svg = (tmp_path / "dependency_ratio_2009_2030.svg").read_text(encoding="utf-8")
    assert "Sotkanet" in svg and "Statistics Finland" in svg
    assert "wrote" in res.output


def test_summary_with_charts_keeps_json_clean(tmp_path: Path) -> None:
    out = run("--format", "json", "--charts", str(tmp_path / "c"))
    assert json.loads(out)["meta"]["year"] == 2020
    assert len(list((tmp_path / "c").glob("*.png"))) == 2


def test_validate_prints_error_tables() -> None:
    out = run("validate", "--markdown")
    assert "| Keski-Suomi |" in out
    assert "| median abs. error, % | 2025 | 2030 | 2040 |" in out
    assert "statfin-2019, 2022" in out
    # 22 municipalities + the region row in the first table
    first = out.split("\n\n")[0].splitlines()
    assert len(first) == 2 + 22 + 1
