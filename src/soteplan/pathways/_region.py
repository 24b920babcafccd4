"""Pathway inputs from a :class:`~soteplan.region.Region`: projected population and travel."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from soteplan.access import service_types
from soteplan.pathways._cohort import PathwayResult, run_cohort
from soteplan.pathways._levers import Lever
from soteplan.pathways._simulate import SimulationResult, simulate
from soteplan.pathways._spec import Pathway
from soteplan.pathways._travel import municipal_travel_minutes
from soteplan.pathways._validate import validate_pathway

if TYPE_CHECKING:
    from soteplan.region import Region

__all__ = ["region_inputs", "run_region", "simulate_region"]


def region_inputs(
    region: Region,
    pathways: Iterable[Pathway],
    *,
    to_year: int = 2040,
    travel: bool = True,
    population: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The projected population and the travel table the pathways need.

    The population is :func:`soteplan.demography.project_region` to ``to_year``
    (unless given); travel is :func:`municipal_travel_minutes` for every
    service type the pathways name (``None`` when ``travel=False``).  Every
    pathway is validated against the region's service types first.
    """
    from soteplan.demography import project_region

    plist = list(pathways)
    known = service_types(region)
    for p in plist:
        validate_pathway(p, service_types=known, source=p.id)
    pop = (
        population if population is not None else project_region(region, to_year=to_year).population
    )
    if not travel:
        return pop, None
    types: set[str] = set()
    for p in plist:
        types |= {s.service_type for s in p.stages if s.service_type is not None}
        if p.peer_support is not None and p.peer_support.service_type is not None:
            types.add(p.peer_support.service_type)
    return pop, municipal_travel_minutes(region, sorted(types))


def run_region(
    region: Region,
    pathway: Pathway,
    *,
    start_year: int = 2025,
    end_year: int = 2040,
    levers: Sequence[Lever] = (),
    travel: bool = True,
    population: pd.DataFrame | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PathwayResult:
    """Run the cohort model of ``pathway`` on a region (projection and network travel)."""
    pop, tr = region_inputs(
        region, [pathway], to_year=end_year, travel=travel, population=population
    )
    res = run_cohort(
        pathway,
        pop,
        start_year=start_year,
        end_year=end_year,
        travel=tr,
        levers=levers,
        progress=progress,
    )
    res.meta["region"] = region.id
    if tr is not None:
        res.meta["approximation"] += list(tr.attrs.get("approximation", []))
    return res


def simulate_region(
    region: Region,
    pathway: Pathway,
    *,
    start_year: int = 2025,
    end_year: int = 2040,
    levers: Sequence[Lever] = (),
    replications: int = 10,
    seed: int = 1,
    scale: float = 0.1,
    capacity: dict[str, float] | None = None,
    travel: bool = True,
    population: pd.DataFrame | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Simulate ``pathway`` on a region (see :func:`~soteplan.pathways.simulate`)."""
    pop, tr = region_inputs(
        region, [pathway], to_year=end_year, travel=travel, population=population
    )
    res = simulate(
        pathway,
        pop,
        start_year=start_year,
        end_year=end_year,
        scale=scale,
        replications=replications,
        seed=seed,
        levers=levers,
        capacity=capacity,
        travel=tr,
        progress=progress,
    )
    res.meta["region"] = region.id
    return res
