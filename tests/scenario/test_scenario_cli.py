"""The scenario CLI: run, compare, scenarios list/show against a temporary store."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from soteplan.cli import app

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_run_compare_list_show(tmp_path, monkeypatch, ks):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    for name in ("baseline-2040", "network-2026"):
        res = runner.invoke(app, ["run", str(SCENARIOS / f"{name}.yaml"), "--store", url])
        assert res.exit_code == 0, res.output
        assert "stored run" in res.output
        # service lines by name, not internal id; access as labelled percentages
        assert "24-hour sheltered housing" in res.output and "housing_24h" not in res.output
        if name == "network-2026":
            assert "within 15 min, all residents" in res.output
            assert "coverage.share_15" not in res.output
    res = runner.invoke(app, ["scenarios", "list", "--store", url, "--format", "csv"])
    assert res.exit_code == 0
    assert "baseline-2040" in res.output and "network-2026" in res.output
    res = runner.invoke(
        app,
        [
            "compare",
            "baseline-2040",
            "network-2026",
            "--store",
            url,
            "--plot",
            str(tmp_path / "cmp.png"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "within 10 min, all residents" in res.output and "coverage.share_10" not in res.output
    assert "Regular home care" in res.output and "home_care " not in res.output
    assert (tmp_path / "cmp.png").stat().st_size > 10_000
    res = runner.invoke(app, ["scenarios", "show", "network-2026", "--store", url, "--spec"])
    assert res.exit_code == 0 and "hs-179-tikkakoski" in res.output


def test_run_rejects_invalid_scenario(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nunknown_field: 1\n")
    import sys

    from soteplan.cli._common import run_guarded

    argv = sys.argv
    try:
        sys.argv = ["soteplan", "run", str(bad), "--no-store"]
        assert run_guarded(app) == 2
    finally:
        sys.argv = argv
