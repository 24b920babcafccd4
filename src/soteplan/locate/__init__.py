"""Location-allocation: where services should be.

Five models with one shape — :class:`PMedian`, :class:`PCenter`, :class:`MaxCover` (MCLP),
:class:`SetCover` (LSCP) and :class:`CapacitatedPMedian` — each built by
``.from_cost_matrix(cost, weights, ...)`` or ``.from_travel_times(tt, weights, ...)`` and
solved by ``.solve(method="exact"|"heuristic", time_limit=...)`` into a frozen
:class:`LocateResult`.  Exact solving uses HiGHS (``highspy``); heuristics are greedy plus
fast vertex substitution in numpy, with proven bounds.  Readers for Beasley's OR-Library
p-median files, the capacitated benchmark files (Lorena & Senne, OR-Library ``pmedcap``) and
plain CSV cost matrices are included.
"""

from soteplan.locate._base import LocateResult, Method, Status, TravelTimesLike
from soteplan.locate._capacitated import CapacitatedPMedian
from soteplan.locate._coverage import MaxCover, SetCover
from soteplan.locate._pcenter import PCenter
from soteplan.locate._pmedian import PMedian
from soteplan.locate._readers import (
    OrlibInstance,
    parse_orlib_pmed,
    read_cost_csv,
    read_orlib_pmed,
    write_orlib_pmed,
)
from soteplan.locate._readers_cpmp import CpmpInstance, parse_cpmp, read_cpmp
from soteplan.locate._region import LocationInput, region_location_input

__all__ = [
    "CapacitatedPMedian",
    "CpmpInstance",
    "LocateResult",
    "LocationInput",
    "MaxCover",
    "Method",
    "OrlibInstance",
    "PCenter",
    "PMedian",
    "SetCover",
    "Status",
    "TravelTimesLike",
    "parse_cpmp",
    "parse_orlib_pmed",
    "read_cost_csv",
    "read_cpmp",
    "read_orlib_pmed",
    "region_location_input",
    "write_orlib_pmed",
]
