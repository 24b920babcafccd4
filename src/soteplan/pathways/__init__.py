"""Care and service pathways (palvelu- ja hoitoketjut) across public, private and third sector.

A :class:`Pathway` (pydantic, YAML) names stages with provider kind, channel,
service-point type, unit cost, contacts and capacity, transitions with annual
probabilities, entry by incidence or prevalence and exits.  :func:`run_cohort`
runs a vectorised Markov cohort model per municipality × age band × sex on a
demography projection; :func:`simulate` runs a SimPy discrete-event simulation
of the same spec with stage capacities (queues, waiting times, replications).
Levers: :class:`ChannelShift`, :class:`PeerSupport`, :class:`HeavyUserTargeting`.

>>> from soteplan.pathways import builtin_ids
>>> "memory-disorders" in builtin_ids()
True
"""

from __future__ import annotations

from soteplan.pathways._builtin import builtin_ids, load_builtin
from soteplan.pathways._cohort import PathwayResult, band_population, run_cohort
from soteplan.pathways._compare import compare_results
from soteplan.pathways._levers import (
    ChannelShift,
    HeavyUserTargeting,
    Lever,
    PeerSupport,
    levers_from_mappings,
)
from soteplan.pathways._region import region_inputs, run_region, simulate_region
from soteplan.pathways._simulate import SimulationResult, simulate
from soteplan.pathways._spec import (
    CHANNELS,
    PROVIDERS,
    Pathway,
    Stage,
    Transition,
    parse_pathway,
)
from soteplan.pathways._travel import municipal_travel_minutes
from soteplan.pathways._validate import validate_pathway

__all__ = [
    "CHANNELS",
    "PROVIDERS",
    "ChannelShift",
    "HeavyUserTargeting",
    "Lever",
    "Pathway",
    "PathwayResult",
    "PeerSupport",
    "SimulationResult",
    "Stage",
    "Transition",
    "band_population",
    "builtin_ids",
    "compare_results",
    "levers_from_mappings",
    "load_builtin",
    "municipal_travel_minutes",
    "parse_pathway",
    "region_inputs",
    "run_cohort",
    "run_region",
    "simulate",
    "simulate_region",
    "validate_pathway",
]
