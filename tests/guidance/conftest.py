"""The Keski-Suomi guide, built once per session (its travel times are precomputed)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def ks_guide(ks):
    from soteplan.guidance import region_guide

    return region_guide(ks)
