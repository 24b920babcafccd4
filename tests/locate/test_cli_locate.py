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


@pytest.mark.slow
def test_capacity_limits_the_persons_each_site_serves(tmp_path):
    import pandas as pd

    cap = 16000
    res = _run(
        "--p", "18", "--capacity", str(cap), "--time-limit", "8", "--format", "json",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)  # "wrote …" goes to stderr
    assert out["meta"]["capacity_persons_per_site"] == cap
    [row] = out["rows"]
    a = pd.read_csv(tmp_path / "locate_p18_assignment.csv")
    load = a.groupby("site_index")["weight"].sum()
    assert len(load) == 18 and load.max() <= cap
    # the reported times are those of the assigned sites, not of the nearest chosen ones
    mean = float((a["weight"] * a["cost"]).sum() / a["weight"].sum())
    assert row["mean min"] == pytest.approx(mean)
    assert row["person-min"] == pytest.approx((a["weight"] * a["cost"]).sum(), abs=1)
    # without the limit the same p serves some site with more persons than that
    res = _run("--p", "18", "--format", "json", "--out", str(tmp_path / "u"))
    a = pd.read_csv(tmp_path / "u" / "locate_p18_assignment.csv")
    assert a.groupby("site_index")["weight"].sum().max() > cap


def test_capacity_is_refused_where_no_model_reads_it():
    from soteplan.errors import InfeasibleError, ParameterError

    for args in (("--maxcover", "--p", "5"), ("--close", "2"), ("--p", "5", "--capacity", "0")):
        extra = () if "--capacity" in args else ("--capacity", "1000")
        res = _run(*args, *extra)  # the entry point turns these errors into exit code 2
        assert isinstance(res.exception, ParameterError), res.output
        assert "--capacity" in str(res.exception)
    res = _run("--p", "5", "--capacity", "100", "--time-limit", "2")
    assert isinstance(res.exception, InfeasibleError)
    assert "capacity below demand" in str(res.exception)
