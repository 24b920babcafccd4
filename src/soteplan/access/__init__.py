"""Accessibility of services: who reaches what, how fast, and what changes.

Build :class:`Origins` (postal areas or grid cells with population by age
band), pick service points, and :func:`assess` them on a road graph from
:mod:`soteplan.network`: coverage within car-time thresholds by municipality,
organisation-model area and age band, the distribution of the time to the
nearest service, E2SFCA supply-to-demand ratios and equity.  :func:`what_if`
closes or opens points and returns the change in every measure and who loses.
"""

from __future__ import annotations

from soteplan.access._assess import AccessResult, WhatIfResult, assess, what_if
from soteplan.access._measures import (
    DEFAULT_E2SFCA_STEPS,
    DEFAULT_THRESHOLDS,
    coverage,
    e2sfca,
    equity,
    gini,
    time_distribution,
)
from soteplan.access._origins import (
    AGE_BANDS,
    Origins,
    origins_from_grid,
    origins_from_postal_areas,
    origins_from_resident_points,
)
from soteplan.access._region import (
    HOME_CARE_APPROXIMATION,
    HOME_CARE_BASE,
    ORIGIN_METHODS,
    region_anchors,
    region_graph,
    region_grid_origins,
    region_groupings,
    region_origins,
    service_points,
    service_types,
)

__all__ = [
    "AGE_BANDS",
    "DEFAULT_E2SFCA_STEPS",
    "DEFAULT_THRESHOLDS",
    "HOME_CARE_APPROXIMATION",
    "HOME_CARE_BASE",
    "ORIGIN_METHODS",
    "AccessResult",
    "Origins",
    "WhatIfResult",
    "assess",
    "coverage",
    "e2sfca",
    "equity",
    "gini",
    "origins_from_grid",
    "origins_from_postal_areas",
    "origins_from_resident_points",
    "region_anchors",
    "region_graph",
    "region_grid_origins",
    "region_groupings",
    "region_origins",
    "service_points",
    "service_types",
    "time_distribution",
    "what_if",
]
