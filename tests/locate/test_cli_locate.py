from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from soteplan.cli import app

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, ["locate", *args], env={"COLUMNS": "250"})


@pytest.mark.slow
def test_close_and_add_on_keski_suomi(tmp_path):
    res = _run("--close", "2", "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert len(out["rows"]) == 2
    meta = out["meta"]
    assert meta["mean_min_after"] >= meta["mean_min_before"]
    assert meta["objective_increase_person_min"] >= 0
    assert "approximation" in meta
    res = _run("--keep-existing", "--add", "1", "--format", "json", "--out", str(tmp_path))
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert len(out["rows"]) == 1
    assert out["meta"]["after"]["mean min"] <= out["meta"]["before"]["mean min"]
    assert (tmp_path / "locate_map.png").stat().st_size > 10_000


def test_bad_options():
    assert _run().exit_code != 0
    res = _run("--p", "x..y")
    assert res.exit_code != 0
    assert "expected N" in str(res.exception) or "expected N" in res.output
