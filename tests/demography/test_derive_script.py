"""The shipped default rates are what scripts/derive_demography_rates.py produces."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT.parent / "shared" / "data" / "raw"
SHIPPED = ROOT / "src" / "soteplan" / "demography" / "data"


@pytest.mark.skipif(
    not (RAW / "statfin-11rc-national").is_dir(), reason="shared raw data not available"
)
def test_script_reproduces_shipped_rates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = importlib.util.spec_from_file_location(
        "derive_demography_rates", ROOT / "scripts" / "derive_demography_rates.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "OUT", tmp_path)
    monkeypatch.setattr(sys, "argv", ["derive", "--raw", str(RAW)])
    mod.main()
    assert "population of the 23 municipalities" in capsys.readouterr().out
    for name in (
        "survival.csv",
        "mortality_improvement.csv",
        "fertility.csv",
        "fertility_schedule.csv",
        "net_migration.csv",
    ):
        got = pd.read_csv(tmp_path / name, dtype={"municipality": str})
        shipped = pd.read_csv(SHIPPED / name, dtype={"municipality": str})
        pd.testing.assert_frame_equal(got, shipped, check_exact=False, rtol=1e-9)
