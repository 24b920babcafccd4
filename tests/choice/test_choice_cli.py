"""``soteplan choice`` (the issue's done-when command)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from soteplan.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["choice", *args], env={"COLUMNS": "250"})


def test_pilot_json_rows_and_meta() -> None:
    res = run("--pilot", "jyvaskyla-2017", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    rows = {r["id"]: r for r in data["rows"]}
    assert {"hs-179-huhtasuo", "hs-179-keskusta", "hs-179-kuokkala"} <= set(rows)
    for r in rows.values():
        assert {"id", "name", "list_today", "list_choice", "change"} <= set(r)
        assert r["change"] == pytest.approx(r["list_choice"] - r["list_today"])
    assert sum(r["change"] for r in rows.values()) == pytest.approx(0.0, abs=1e-6)
    meta = data["meta"]
    assert meta["pilot"] == "jyvaskyla-2017"
    assert "assumption" in meta["params"]["sources"]["beta"]
    assert "Santos" in meta["params"]["sources"]["beta"]
    assert meta["approximation"]


def test_entrant_and_outputs(tmp_path) -> None:
    res = run(
        "--pilot", "jyvaskyla-2017", "--enter", "Yksityinen@62.2415,25.7482",
        "--out", str(tmp_path), "--format", "json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    rows = {r["id"]: r for r in data["rows"]}
    assert rows["entrant-1"]["list_whatif"] > 0
    assert data["meta"]["whatif"]["switchers"] > 0
    for name in ("choice.csv", "choice.gpkg", "map.png", "meta.json", "switches.csv"):
        assert (tmp_path / name).stat().st_size > 0


def test_entrant_in_a_postal_area() -> None:
    res = run("--pilot", "jyvaskyla-2017", "--enter", "Yksityinen@40100", "--format", "json")
    assert res.exit_code == 0, res.output
    rows = {r["id"]: r for r in json.loads(res.stdout)["rows"]}
    assert rows["entrant-1"]["status"] == "entered"
    assert rows["entrant-1"]["list_whatif"] > 0


def test_calibrate_totals(tmp_path) -> None:
    base = json.loads(run("--pilot", "jyvaskyla-2017", "--format", "json").stdout)["rows"]
    # observed: today's lists, with the pilot stations keeping more than free choice predicts
    lines = ["id,list_size"]
    for r in base:
        lines.append(f"{r['id']},{r['list_today'] + min(0.0, r['change']) * 0.3:.0f}")
    f = tmp_path / "totals.csv"
    f.write_text("\n".join(lines) + "\n")
    res = run("--pilot", "jyvaskyla-2017", "--calibrate-totals", str(f), "--format", "json")
    assert res.exit_code == 0, res.output
    fit = json.loads(res.stdout)["meta"]["calibration"]["fit"]
    assert fit["r2_totals"] > 0.99


@pytest.mark.parametrize(
    "args, text",
    [
        (["--pilot", "nowhere"], "no pilot"),
        (["--pilot", "jyvaskyla-2017", "--close", "hs-nope"], "no station"),
        (["--pilot", "jyvaskyla-2017", "--capacity", "hs-179-kyllo=-5"], "capacity"),
        (["--pilot", "jyvaskyla-2017", "--enter", "bad"], "NAME@lat,lon"),
        (["--pilot", "jyvaskyla-2017", "--enter", "X@99999"], "no postal area"),
    ],
)
def test_bad_input_exits_2_without_traceback(args, text) -> None:
    import sys

    from soteplan.cli._common import run_guarded

    old = sys.argv
    sys.argv = ["soteplan", "choice", *args]
    try:
        code = run_guarded(app)
    finally:
        sys.argv = old
    assert code == 2
    res = run(*args)
    assert res.exit_code != 0
    assert text in str(res.exception)


def test_calibrate_choices_recovers_the_generating_beta(tmp_path, pilot) -> None:
    import numpy as np

    from soteplan.choice import ChoiceParams

    m = pilot.model
    true = ChoiceParams(decay="exponential", beta=0.6, attraction={"opening_days": 1.0})
    p = m.with_params(true).shares()
    rng = np.random.default_rng(11)
    lines = ["origin,station,persons"]
    for i in np.flatnonzero(m.choosers):
        counts = rng.multinomial(400, p[i] / p[i].sum())
        for j in np.flatnonzero(counts):
            lines.append(f"{m.origin_ids[i]},{m.station_ids[j]},{counts[j]}")
    f = tmp_path / "choices.csv"
    f.write_text("\n".join(lines) + "\n")
    res = run("--pilot", "jyvaskyla-2017", "--calibrate-choices", str(f), "--format", "json")
    assert res.exit_code == 0, res.output
    cal = json.loads(res.stdout)["meta"]["calibration"]
    est = {e["parameter"]: e for e in cal["estimates"]}
    assert abs(est["beta"]["estimate"] - 0.6) < 3.5 * est["beta"]["std_error"]
    assert 0 < cal["fit"]["mcfadden_r2"] < 1
    assert cal["not_identifiable"] == ["opening_days"]  # 5 days at every station in 2017
