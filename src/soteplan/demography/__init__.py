"""Demography: age-structure indicators and a cohort-component projection.

Pure functions on long population frames (``municipality, [year], [sex], age,
population``); see :mod:`soteplan.demography._indicators` and
:mod:`soteplan.demography._projection` for the definitions and methods.
"""

from soteplan.demography._defaults import default_rates
from soteplan.demography._estimate import (
    adjust_migration_level,
    fertility_levels,
    fertility_schedule,
    residual_net_migration,
    split_migration,
    survival_from_cohort_ratios,
)
from soteplan.demography._groups import GROUP_KINDS, region_groups
from soteplan.demography._indicators import (
    STANDARD_BANDS,
    GroupSpec,
    age_band_totals,
    assign_groups,
    dependency_ratio,
    old_age_ratio,
    summary_table,
    working_age_index,
)
from soteplan.demography._projection import Projection, Rates, project
from soteplan.demography._validate import (
    compare_with_observed,
    compare_with_official,
    project_region,
)

__all__ = [
    "GROUP_KINDS",
    "STANDARD_BANDS",
    "GroupSpec",
    "Projection",
    "Rates",
    "adjust_migration_level",
    "age_band_totals",
    "assign_groups",
    "compare_with_observed",
    "compare_with_official",
    "default_rates",
    "dependency_ratio",
    "fertility_levels",
    "fertility_schedule",
    "old_age_ratio",
    "project",
    "project_region",
    "region_groups",
    "residual_net_migration",
    "split_migration",
    "summary_table",
    "survival_from_cohort_ratios",
    "working_age_index",
]
