"""Shared fixtures: the embedded region and small region directories built in code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_RAW = Path(os.environ.get("SOTEPLAN_SHARED_RAW", REPO.parent / "shared" / "data" / "raw"))


@pytest.fixture(scope="session")
def ks():
    """The embedded Keski-Suomi region (loaded once per test session)."""
    from soteplan.region import load_region

    return load_region("keski-suomi")


@pytest.fixture(scope="session")
def shared_raw() -> Path:
    """The raw open-data folder beside the repository (skips when absent)."""
    if not SHARED_RAW.is_dir():
        pytest.skip(f"raw data folder {SHARED_RAW} is not present (set SOTEPLAN_SHARED_RAW)")
    return SHARED_RAW
