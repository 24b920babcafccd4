"""Tables fit the terminal: names and numbers whole, columns dropped (and said) before wrapping."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest


def _run(args: list[str], columns: int) -> str:
    env = {**os.environ, "COLUMNS": str(columns), "TERM": "dumb", "NO_COLOR": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "soteplan", *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    return out.stdout


@pytest.mark.parametrize("columns", [80, 120])
def test_first_command_fits_and_keeps_names_and_numbers_whole(ks, columns):
    out = _run(["demography"], columns)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert "…" not in out
    year = ks.age_sex_years[-1]
    pop = ks.population_total(year)
    for code in ks.municipality_codes():
        name = ks.name(code)
        row = [line for line in lines if f" {name} " in f" {line} "]
        assert len(row) == 1, name
        assert f"{int(pop[code]):,}".replace(",", " ") in row[0]
    if columns == 80:
        assert "left out at 80 columns: code" in out
    else:
        assert "left out" not in out and "077" in out


def test_validate_is_one_table_per_year_in_80_columns():
    out = _run(["demography", "validate", "--base-year", "2019"], 80)
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "…" not in out
    for year in (2025, 2030, 2040):
        assert f"statfin-2019, {year}" in out
    assert "2 020" not in out and "2020" in out


def test_fit_table_goes_compact_then_drops_the_named_columns():
    from rich.console import Console

    from soteplan.cli._common import fit_table

    df = pd.DataFrame(
        {"long name": ["a" * 30, "b"], "x": [1_234_567, 2], "y": [1.25, 2.5], "z": ["k" * 25, ""]}
    )
    wide, dropped = fit_table(df, width=200)
    assert dropped == [] and wide.show_edge
    narrow, dropped = fit_table(df, width=60, droppable=("z",))
    assert dropped == ["z"] and not narrow.show_edge
    console = Console(width=60, record=True)
    console.print(narrow)
    text = console.export_text()
    assert "1 234 567" in text and "a" * 30 in text
    assert max(len(line) for line in text.splitlines()) <= 60


def test_fit_table_never_lets_the_terminal_crop_a_column():
    """A table too wide even wrapped loses columns from the right, and says which."""
    from rich.console import Console

    from soteplan.cli._common import fit_table

    df = pd.DataFrame({f"column_{i}": [123_456_789 + i] for i in range(12)})
    table, dropped = fit_table(df, width=80)
    console = Console(width=80, record=True)
    console.print(table)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert dropped and dropped[0] == "column_11" and "column_0" not in dropped
    kept = [c for c in df.columns if c not in dropped]
    for c in kept:
        assert f"{df[c].iloc[0]:,}".replace(",", " ") in text
