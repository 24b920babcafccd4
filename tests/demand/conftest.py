"""Fixtures of the demand tests."""

from __future__ import annotations

import pytest
from demand_synthetic import make_region

from soteplan.region import Region


@pytest.fixture(scope="module")
def region() -> Region:
    """The synthetic three-municipality region."""
    return make_region()
