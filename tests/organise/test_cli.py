"""``soteplan organise`` on the embedded Keski-Suomi region (the issue's done-when checks)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from soteplan.cli import app
from soteplan.errors import NotFoundError, ParameterError

runner = CliRunner()


def run(*args: str) -> str:
    res = runner.invoke(app, ["organise", *args], env={"COLUMNS": "250"})
    assert res.exit_code == 0, (res.output, res.exception)
    return res.stdout


def test_list() -> None:
    out = run("list")
    for name in (
        "cooperation-2010",
        "mof-merger-2012",
        "county-2023",
        "production-2014",
        "optimised-3",
        "optimised-6",
    ):
        assert name in out


def test_compare_default_prints_every_measure() -> None:
    out = run("compare")
    for name in ("cooperation-2010", "county-2023", "optimised-4"):
        assert name in out
    for measure in (
        "population 2030",
        "population 2040",
        "aged 65+",
        "aged 75+",
        "dependency ratio",
        "mean min to hub",
        "mean min to central",
        "% within 30 min of hub",
        "contiguous",
        "net cost",
        "≥20k primary-2013",
        "[U]",
    ):
        assert measure in out, measure
    assert "optimality gap" in out


def test_compare_json_matches_csv_output(tmp_path: Path) -> None:
    out = json.loads(run("compare", "county-2023", "mof-merger-2012", "--format", "json"))
    rows = {r["measure"]: r for r in out["rows"]}
    assert rows["areas"]["county-2023"] == 1 and rows["areas"]["mof-merger-2012"] == 7
    run("compare", "county-2023", "mof-merger-2012", "--out", str(tmp_path), "--no-areas")
    table = pd.read_csv(tmp_path / "comparison.csv", index_col=0)
    assert list(table.columns) == ["county-2023", "mof-merger-2012"]
    assert any(p.suffix == ".png" for p in tmp_path.iterdir())


def test_show_with_straight_line_travel() -> None:
    out = run("show", "mof-merger-2012", "--travel", "straight-line", "--within", "45")
    assert "% within 45 min of hub" in out
    assert "approximation" in out and "Jämsä" in out


def test_models_file(tmp_path: Path) -> None:
    f = tmp_path / "m.yaml"
    f.write_text(
        "models:\n  two:\n    name: North and south\n    areas:\n"
        "      - {id: north, hub: '992', members: ['216','226','256','265','275','312','601',"
        "'729','931','992','077','410','892']}\n"
        "      - {id: south, hub: '179', members: ['172','179','182','249','435','495','500',"
        "'592','850']}\n",
        encoding="utf-8",
    )
    out = run("show", "two", "--models-file", str(f))
    assert "North and south" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("models:\n  x:\n    areas: [{id: a, members: ['179'], hub: '179'}]\n")
    res = runner.invoke(app, ["organise", "show", "x", "--models-file", str(bad)])
    assert res.exit_code != 0 and "in no area" in str(res.exception)


def test_optimise_writes_models_and_map(tmp_path: Path) -> None:
    out = run(
        "optimise",
        "--k",
        "3",
        "--min-pop",
        "20000",
        "--out",
        str(tmp_path),
        "--travel",
        "straight-line",
    )
    assert "optimal" in out
    text = (tmp_path / "optimised_models.yaml").read_text(encoding="utf-8")
    from soteplan.organise import models_from_yaml
    from soteplan.region import load_region

    r = load_region()
    models = models_from_yaml(text, codes=r.municipality_codes())
    assert len(models["optimised-3"].areas) == 3
    assert (tmp_path / "map_optimised-3.png").is_file()


def test_errors() -> None:
    res = runner.invoke(app, ["organise", "optimise", "--k", "x"])
    assert isinstance(res.exception, ParameterError)
    res = runner.invoke(app, ["organise", "show", "no-such-model"])
    assert isinstance(res.exception, NotFoundError)


def test_compare_at_postal_resolution() -> None:
    out = json.loads(
        run("compare", "county-2023", "--resolution", "postal", "--travel", "straight-line",
            "--format", "json")
    )  # fmt: skip
    rows = {r["measure"]: r["county-2023"] for r in out["rows"]}
    assert rows["mean min to hub"] > 0
    assert "resident points" in out["meta"]["travel_note"]
