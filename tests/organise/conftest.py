"""Fixtures of the organisation engine's tests."""

from __future__ import annotations

import pytest
from organise_synthetic import grid_region

from soteplan.region import Region


@pytest.fixture(scope="session")
def grid() -> Region:
    """A 3 × 4 synthetic grid region."""
    return grid_region(3, 4, seed=0)
