"""Build region directories for any wellbeing services county, Helsinki or Finland.

>>> from soteplan.region.build import build_region   # doctest: +SKIP
>>> build_region("etela-savo", "regions/etela-savo")  # doctest: +SKIP
"""

from __future__ import annotations

from soteplan.region.build._build import (
    BuildResult,
    all_counties,
    build_region,
    default_raw_dir,
)
from soteplan.region.build._cache import cache_dir, cached_region_dir
from soteplan.region.build._counties import COUNTIES, FINLAND, County, find_county

__all__ = [
    "COUNTIES",
    "FINLAND",
    "BuildResult",
    "County",
    "all_counties",
    "build_region",
    "cache_dir",
    "cached_region_dir",
    "default_raw_dir",
    "find_county",
]
