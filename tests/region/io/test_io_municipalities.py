"""The shipped municipality code ↔ name table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from soteplan.region.io import code_for_name, known_codes, municipality_names
from soteplan.region.io._municipalities import build_municipality_names


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Jyväskylä", "179"),
        ("KU179 Jyväskylä", "179"),
        ("179", "179"),
        ("Jakobstad", "598"),
        ("Pietarsaari", "598"),
        ("Maarianhamina - Mariehamn", "478"),
        ("  jyväskylä ", "179"),
        ("Kuhmoinen", "291"),
        ("Nowhere", None),
        ("KU999 Nowhere", None),
    ],
)
def test_code_for_name(name: str, code: str | None) -> None:
    assert code_for_name(name) == code


def test_counts_by_year() -> None:
    t = municipality_names()
    assert t["code"].str.fullmatch(r"\d{3}").all()
    assert len(known_codes(2020)) == 310
    assert len(known_codes(2023)) == 309
    assert "099" in known_codes(2020) and "099" not in known_codes(2021)  # Honkajoki


def test_table_is_reproducible(shared_raw: Path, tmp_path: Path) -> None:
    key = shared_raw / "geofi" / "converted" / "municipality_key.csv"
    rebuilt = build_municipality_names(key, tmp_path / "names.csv")
    shipped = municipality_names()
    pd.testing.assert_frame_equal(
        rebuilt.reset_index(drop=True), shipped.reset_index(drop=True), check_dtype=False
    )
