"""Scenarios: specification (YAML), running every engine, storing and comparing.

>>> from soteplan.scenario import Scenario
>>> Scenario(name="baseline").engines()
['demography', 'demand']
"""

from __future__ import annotations

from soteplan.scenario._compare import Comparison, compare, plot_comparison
from soteplan.scenario._run import ScenarioResult, check_against_region, run
from soteplan.scenario._spec import (
    AccessSpec,
    DemandSpec,
    DemographySpec,
    LeversSpec,
    LocationSpec,
    NetworkSpec,
    NewServicePoint,
    OrganisationSpec,
    Scenario,
    load_scenario,
    parse_scenario,
)
from soteplan.scenario._sweep import sweep

__all__ = [
    "AccessSpec",
    "Comparison",
    "DemandSpec",
    "DemographySpec",
    "LeversSpec",
    "LocationSpec",
    "NetworkSpec",
    "NewServicePoint",
    "OrganisationSpec",
    "Scenario",
    "ScenarioResult",
    "check_against_region",
    "compare",
    "load_scenario",
    "parse_scenario",
    "plot_comparison",
    "run",
    "sweep",
]
