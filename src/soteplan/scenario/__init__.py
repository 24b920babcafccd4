"""Scenarios: specification (YAML), running every engine, storing and comparing.

>>> from soteplan.scenario import Scenario
>>> Scenario(name="baseline").engines()
['demography', 'demand']
"""

from __future__ import annotations

from soteplan.scenario._run import ScenarioResult, run, sweep
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

__all__ = [
    "AccessSpec",
    "DemandSpec",
    "DemographySpec",
    "LeversSpec",
    "LocationSpec",
    "NetworkSpec",
    "NewServicePoint",
    "OrganisationSpec",
    "Scenario",
    "ScenarioResult",
    "load_scenario",
    "parse_scenario",
    "run",
    "sweep",
]
