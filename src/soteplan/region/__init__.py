"""The data model of a planning region and its loaders.

>>> from soteplan.region import load_region
>>> ks = load_region("keski-suomi")            # doctest: +SKIP
>>> ks.population_total(2020).sum()            # doctest: +SKIP
272617
"""

from __future__ import annotations

from soteplan.region._load import available_regions, load_region, region_dir
from soteplan.region._model import (
    MAX_AGE,
    SEXES,
    Area,
    Grouping,
    NetworkYear,
    Provenance,
    Region,
)
from soteplan.region._network import update_service_network
from soteplan.region.io import (
    population_from_11re,
    read_boundaries,
    read_population_grid,
    read_pxweb,
    read_service_points,
)

__all__ = [
    "MAX_AGE",
    "SEXES",
    "Area",
    "Grouping",
    "NetworkYear",
    "Provenance",
    "Region",
    "available_regions",
    "load_region",
    "population_from_11re",
    "read_boundaries",
    "read_population_grid",
    "read_pxweb",
    "read_service_points",
    "region_dir",
    "update_service_network",
]
