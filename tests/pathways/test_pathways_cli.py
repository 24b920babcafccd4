"""``soteplan pathways``: list, show, run and compare (done-when checks)."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from soteplan.cli import app

runner = CliRunner()


def test_run_memory_disorders_json_2025_2040() -> None:
    res = runner.invoke(app, ["pathways", "run", "memory-disorders", "--format", "json"])
    assert res.exit_code == 0, (res.output, res.exception)
    out = json.loads(res.stdout)
    rows = out["rows"]
    assert {r["year"] for r in rows} == set(range(2025, 2041))
    need = {"year", "stage", "provider", "channel", "persons", "contacts", "cost_eur"}
    assert need | {"travel_minutes"} <= set(rows[0])
    assert out["meta"]["price_year"] == 2024 and out["meta"]["assumptions"]
    stages = {r["stage"] for r in rows}
    assert stages == {"diagnosis", "home_care", "informal_care", "care_24h"}
    assert {r["provider"] for r in rows} >= {"public", "private"}
    # in-person contacts at a service point make trips with network travel time
    hc = [r for r in rows if r["stage"] == "home_care" and r["year"] == 2030]
    assert all(r["travel_minutes"] > r["trips"] * 2 for r in hc)  # > 1 minute each way


def test_compare_with_peer_support_and_remote_shift() -> None:
    res = runner.invoke(
        app,
        ["pathways", "compare", "memory-disorders", "--peer-support", "--remote",
         "diagnosis:0.5", "--no-travel", "--format", "json"],
    )  # fmt: skip
    assert res.exit_code == 0, (res.output, res.exception)
    rows = {r["year"]: r for r in json.loads(res.stdout)["rows"]}
    assert rows[2025]["cost_eur_change"] == 0  # levers start in 2026
    assert rows[2030]["cost_eur_change"] < 0  # less 24-hour care, cheaper remote follow-up
    assert rows[2030]["third_sector_share_change"] > 0  # peer support is third sector
    assert rows[2040]["persons_change"] > 0  # fewer move on to 24-hour care, more stay at home


def test_bad_input_exits_2_without_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "soteplan", "pathways", "run", "memory-disorders",
         "--remote", "nosuch:0.5", "--remote", "home_care:1.5", "--no-travel"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "unknown stage 'nosuch'" in proc.stderr and "1.5 is outside" in proc.stderr


def test_list_and_show() -> None:
    res = runner.invoke(app, ["pathways", "list", "--format", "json"])
    assert res.exit_code == 0
    assert "memory-disorders" in {r["id"] for r in json.loads(res.stdout)["rows"]}
    res = runner.invoke(app, ["pathways", "show", "memory-disorders", "--format", "json"])
    assert res.exit_code == 0
    meta = json.loads(res.stdout)["meta"]
    assert any("Duodecim" in s for s in meta["sources"])
