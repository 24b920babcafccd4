"""Optimal contiguous service areas: :func:`regionalise` and :func:`regionalise_arrays`."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from soteplan.errors import InfeasibleError, ParameterError
from soteplan.organise._bound import LP_BOUND_METHOD, lp_lower_bound
from soteplan.organise._heuristic import solve_heuristic
from soteplan.organise._milp import solve_exact
from soteplan.organise._model import DEFAULT_LEVELS, OrganisationModel, ServiceArea
from soteplan.organise._spatial import TravelMatrix, adjacency, cached_travel, components
from soteplan.region import Region

__all__ = ["OBJECTIVES", "RegionalisationResult", "regionalise", "regionalise_arrays"]

#: Supported objectives.  ``weighted_time``: total person-minutes from every
#: municipality centre to its area hub (equivalently the population-weighted
#: mean travel time to the hub).
OBJECTIVES = ("weighted_time",)
#: Instances with at most this many units are solved exactly by default.
EXACT_MAX_UNITS = 120


@dataclass(frozen=True, eq=False)
class RegionalisationResult:
    """A contiguous partition into ``k`` areas with a hub each.

    Attributes
    ----------
    codes
        Unit (municipality) codes.
    areas
        Members of every area (sorted codes), areas ordered by hub code.
    hubs
        Hub of every area.
    population
        Population of every area (persons).
    objective
        Person-minutes from unit centres to their hub.
    mean_minutes
        ``objective / total population``: population-weighted mean travel time
        to the hub, minutes.
    lower_bound
        Proven lower bound of the objective (person-minutes); ``nan`` for the
        heuristic.
    gap
        Relative optimality gap ``(objective − bound) / objective``; ``0`` when
        optimal, ``nan`` when unknown (heuristic).
    status
        ``optimal``, ``time_limit`` (feasible, gap reported) or ``heuristic``.
    method
        ``exact`` (HiGHS MILP) or ``heuristic`` (tabu search).
    seconds
        Wall-clock seconds.
    meta
        Parameters, travel-time provenance and approximations.
    """

    codes: tuple[str, ...]
    areas: tuple[tuple[str, ...], ...]
    hubs: tuple[str, ...]
    population: tuple[float, ...]
    objective: float
    mean_minutes: float
    lower_bound: float
    gap: float
    status: str
    method: str
    seconds: float
    meta: dict[str, Any] = field(default_factory=dict)

    def labels(self) -> dict[str, int]:
        """Code → area position."""
        return {c: i for i, a in enumerate(self.areas) for c in a}

    def to_model(
        self,
        id: str,
        name: str,
        *,
        names: Mapping[str, str] | None = None,
        levels: Sequence[str] = DEFAULT_LEVELS,
        central_site: str = "179",
    ) -> OrganisationModel:
        """The partition as an :class:`~soteplan.organise.OrganisationModel`.

        Areas are named after their hub (``names`` maps codes to names).
        """
        areas = tuple(
            ServiceArea(
                id=f"area-{hub}",
                name=(names or {}).get(hub, hub),
                members=members,
                hub=hub,
                levels=tuple(levels),
            )
            for members, hub in zip(self.areas, self.hubs, strict=True)
        )
        gap = "n/a" if math.isnan(self.gap) else f"{100 * self.gap:.2f} %"
        return OrganisationModel(
            id=id,
            name=name,
            areas=areas,
            central_site=central_site,
            source=f"regionalise(k={len(self.areas)}, {self.meta.get('constraints', '')})",
            status="optimised",
            notes=f"{self.method}, status {self.status}, gap {gap}",
            extra={
                "objective_person_minutes": self.objective,
                "lower_bound": self.lower_bound,
                "gap": self.gap,
                "status": self.status,
                "method": self.method,
                "seconds": self.seconds,
                **{k: v for k, v in self.meta.items() if k in ("approximation", "travel")},
            },
        )


def _check_and_prepare(
    codes: Sequence[str],
    pop: npt.NDArray[np.float64],
    neighbours: Mapping[str, frozenset[str]],
    k: int,
    lo: float,
    hi: float,
    keep_together: Sequence[Sequence[str]],
    fixed_hubs: Sequence[str],
) -> tuple[list[list[int]], list[list[int]], list[int]]:
    """Validate parameters; raise InfeasibleError with the reason when obviously infeasible."""
    n = len(codes)
    pos = {c: i for i, c in enumerate(codes)}
    if not 1 <= k <= n:
        raise ParameterError(f"k must be between 1 and the number of units ({n}), got {k}")
    if lo < 0 or hi < lo:
        raise ParameterError(f"need 0 ≤ min_population ≤ max_population, got {lo}, {hi}")
    unknown = [c for grp in keep_together for c in grp if c not in pos]
    unknown += [c for c in fixed_hubs if c not in pos]
    if unknown:
        raise ParameterError(f"unknown municipality code(s): {', '.join(sorted(set(unknown)))}")
    if len(set(fixed_hubs)) > k:
        raise InfeasibleError(f"{len(set(fixed_hubs))} fixed hubs but only k={k} areas")
    comps = components(list(codes), dict(neighbours))
    comp_idx = [[pos[c] for c in comp] for comp in comps]
    if len(comps) > k:
        raise InfeasibleError(
            f"the municipalities form {len(comps)} unconnected groups "
            f"({'; '.join(','.join(c) for c in comps)}); contiguous areas need k ≥ {len(comps)}"
        )
    total = float(pop.sum())
    if total < k * lo:
        raise InfeasibleError(
            f"total population {total:,.0f} < k × min_population = {k} × {lo:,.0f}; "
            f"at most {int(total // lo) if lo > 0 else n} areas can meet the floor"
        )
    if total > k * hi:
        raise InfeasibleError(
            f"total population {total:,.0f} > k × max_population = {k} × {hi:,.0f}"
        )
    for comp in comps:
        cp = float(pop[[pos[c] for c in comp]].sum())
        if cp < lo:
            raise InfeasibleError(
                f"the unconnected group {','.join(comp)} has {cp:,.0f} residents, "
                f"below min_population {lo:,.0f}"
            )
    big = [codes[i] for i in range(n) if pop[i] > hi]
    if big:
        raise InfeasibleError(
            f"municipalit{'ies' if len(big) > 1 else 'y'} {', '.join(big)} alone exceed "
            f"max_population {hi:,.0f}"
        )
    # keep-together groups: union-find
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for grp in keep_together:
        idx = [pos[c] for c in grp]
        for b in idx[1:]:
            parent[find(b)] = find(idx[0])
    groups_map: dict[int, list[int]] = {}
    for i in range(n):
        groups_map.setdefault(find(i), []).append(i)
    groups = [g for g in groups_map.values() if len(g) > 1]
    fixed_idx = [pos[c] for c in dict.fromkeys(fixed_hubs)]
    roots = [find(i) for i in fixed_idx]
    if len(set(roots)) < len(roots):
        raise InfeasibleError("two fixed hubs are in the same keep-together group")
    for g in groups:
        gp = float(pop[g].sum())
        if gp > hi:
            raise InfeasibleError(
                f"keep-together group {','.join(codes[i] for i in g)} has {gp:,.0f} residents, "
                f"above max_population {hi:,.0f}"
            )
        if len({c_i for c_i, comp in enumerate(comp_idx) for i in g if i in comp}) > 1:
            raise InfeasibleError(
                f"keep-together group {','.join(codes[i] for i in g)} spans unconnected parts"
            )
    return groups, comp_idx, fixed_idx


def regionalise_arrays(
    codes: Sequence[str],
    population: npt.ArrayLike,
    minutes: npt.ArrayLike,
    neighbours: Mapping[str, frozenset[str]],
    k: int,
    *,
    min_population: float = 0.0,
    max_population: float | None = None,
    objective: str = "weighted_time",
    keep_together: Sequence[Sequence[str]] = (),
    fixed_hubs: Sequence[str] = (),
    method: str = "auto",
    time_limit: float | None = 60.0,
    seed: int = 0,
    meta: Mapping[str, Any] | None = None,
    bound_time_limit: float | None = 300.0,
) -> RegionalisationResult:
    """:func:`regionalise` on plain inputs (codes, populations, a travel matrix, adjacency).

    Parameters are those of :func:`regionalise`; ``population`` (persons) and
    ``minutes`` (an ``n × n`` matrix) are in the order of ``codes``, and
    ``neighbours`` maps every code to its adjacent codes.  With the heuristic, the
    lower bound (and so ``gap``) is the LP relaxation of
    :func:`soteplan.organise._bound.lp_lower_bound`, given ``bound_time_limit`` seconds
    (``gap`` is NaN if HiGHS does not finish it).
    """
    t0 = time.perf_counter()
    if objective not in OBJECTIVES:
        raise ParameterError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    if method not in ("auto", "exact", "heuristic"):
        raise ParameterError(f"method must be 'auto', 'exact' or 'heuristic', got {method!r}")
    if time_limit is not None and time_limit <= 0:
        raise ParameterError(f"time_limit must be positive seconds, got {time_limit}")
    codes = [str(c) for c in codes]
    pop = np.asarray(population, dtype=np.float64)
    tmin = np.asarray(minutes, dtype=np.float64)
    n = len(codes)
    if pop.shape != (n,) or tmin.shape != (n, n):
        raise ParameterError("population and minutes must match the number of codes")
    if np.any(pop < 0) or not np.all(np.isfinite(tmin)):
        raise ParameterError("populations must be ≥ 0 and travel times finite")
    lo = float(min_population)
    hi = float(max_population) if max_population is not None else math.inf
    groups, comps, fixed_idx = _check_and_prepare(
        codes, pop, neighbours, k, lo, hi, keep_together, fixed_hubs
    )
    pos = {c: i for i, c in enumerate(codes)}
    nb_idx = [{pos[v] for v in neighbours.get(c, ()) if v in pos} for c in codes]
    use_exact = method == "exact" or (method == "auto" and n <= EXACT_MAX_UNITS)
    bound_meta: dict[str, Any] = {"bound_method": "the MILP's own bound (HiGHS)"}
    h_limit = None if time_limit is None else (0.25 * time_limit if use_exact else time_limit)
    heur = solve_heuristic(
        pop, tmin, nb_idx, comps, k, lo, hi,
        groups=groups, fixed_hubs=fixed_idx, time_limit=h_limit, seed=seed,
    )  # fmt: skip
    start = heur.hub_of if heur.violation == 0 and np.all(heur.hub_of >= 0) else None
    constraints = f"min_population={lo:g}" + (f", max_population={hi:g}" if hi < math.inf else "")
    if use_exact:
        arcs = [(i, j) for i in range(n) for j in sorted(nb_idx[i])]
        together = [(g[0], b) for g in groups for b in g[1:]]
        remaining = None if time_limit is None else max(time_limit - (time.perf_counter() - t0), 1)
        out = solve_exact(
            pop, tmin, arcs, k, lo, hi,
            together=together, fixed_hubs=fixed_idx, start=start, time_limit=remaining,
        )  # fmt: skip
        if out.status == "infeasible":
            raise InfeasibleError(
                f"no partition of the {n} municipalities into {k} contiguous areas meets "
                f"{constraints}"
                + (f", keep_together={list(keep_together)}" if keep_together else "")
                + (f", fixed_hubs={list(fixed_hubs)}" if fixed_hubs else "")
                + " (proved by the MILP)"
            )
        if out.hub_of is None:
            if start is None:
                raise InfeasibleError(
                    f"no feasible partition found within the time limit ({time_limit} s) "
                    f"for k={k}, {constraints}"
                )
            hub_of, obj, status, bound = start, heur.objective, "time_limit", out.bound
        else:
            hub_of, obj, status, bound = out.hub_of, out.objective, out.status, out.bound
        used = "exact"
    else:
        if start is None:
            raise InfeasibleError(
                f"the heuristic found no partition into {k} contiguous areas meeting "
                f"{constraints} (not a proof; try method='exact')"
            )
        hub_of, obj, status, bound, used = start, heur.objective, "heuristic", math.nan, "heuristic"
        if objective == "weighted_time":
            bound, bound_status = lp_lower_bound(
                pop, tmin, k, lo, hi, fixed_hubs=fixed_idx,
                together=[(g[0], b) for g in groups for b in g[1:]],
                time_limit=bound_time_limit,
            )  # fmt: skip
            bound_meta = {"bound_method": LP_BOUND_METHOD, "bound_status": bound_status}
    # a bound is only reported when HiGHS proved one (finite): the MILP's, or for the
    # heuristic the LP relaxation's (soteplan.organise._bound)
    bound = min(bound, obj) if math.isfinite(bound) else math.nan
    if status == "optimal":
        gap = 0.0
    elif obj > 0 and not math.isnan(bound):
        gap = (obj - max(bound, 0.0)) / obj
    else:
        gap = math.nan
    hubs_sorted = sorted({int(h) for h in hub_of}, key=lambda h: codes[h])
    areas = tuple(tuple(sorted(codes[i] for i in range(n) if hub_of[i] == h)) for h in hubs_sorted)
    area_pop = tuple(float(pop[hub_of == h].sum()) for h in hubs_sorted)
    total = float(pop.sum())
    m = {
        "units": {
            "objective": "person-minutes",
            "mean_minutes": "minutes",
            "population": "persons",
        },
        "objective": objective,
        "k": k,
        "constraints": constraints,
        "keep_together": [list(g) for g in keep_together],
        "fixed_hubs": list(fixed_hubs),
        "time_limit_s": time_limit,
        "heuristic_objective": heur.objective if start is not None else None,
        "lower_bound": float(bound),
        **bound_meta,
        "method_reference": "p-regions MILP with flow contiguity (Shirabe 2005; Duque et al. 2011)"
        if used == "exact"
        else "tabu search (AZP-style, Openshaw & Rao 1995)",
        **dict(meta or {}),
    }
    return RegionalisationResult(
        codes=tuple(codes),
        areas=areas,
        hubs=tuple(codes[h] for h in hubs_sorted),
        population=area_pop,
        objective=float(obj),
        mean_minutes=float(obj) / total if total > 0 else 0.0,
        lower_bound=float(bound),
        gap=float(gap),
        status=status,
        method=used,
        seconds=time.perf_counter() - t0,
        meta=m,
    )


def regionalise(
    region: Region,
    k: int,
    *,
    min_population: float = 0.0,
    max_population: float | None = None,
    objective: str = "weighted_time",
    keep_together: Sequence[Sequence[str]] = (),
    fixed_hubs: Sequence[str] = (),
    year: int | None = None,
    travel: TravelMatrix | None = None,
    method: str = "auto",
    time_limit: float | None = 60.0,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> RegionalisationResult:
    """Split a region's municipalities into ``k`` contiguous service areas with a hub each.

    Minimises the population-weighted travel time from municipality centres to
    their area hub subject to a population floor (and optional ceiling) per
    area, contiguity (municipality adjacency from polygons), named
    municipalities kept together and fixed hubs.

    Parameters
    ----------
    region
        The region (municipality polygons and population).
    k
        Number of areas.
    min_population, max_population
        Floor and ceiling of an area's population (persons, in ``year``).
    objective
        ``"weighted_time"`` (see :data:`OBJECTIVES`).
    keep_together
        Groups of municipality codes that must share an area.
    fixed_hubs
        Municipalities that must be hubs.
    year
        Population year (default: the latest with totals).
    travel
        Municipality × municipality travel times (default :func:`default_travel`).
    method
        ``"exact"`` (HiGHS MILP, warm-started by the heuristic), ``"heuristic"``
        (tabu search) or ``"auto"`` (exact up to :data:`EXACT_MAX_UNITS` units).
    time_limit
        Seconds; on expiry the exact method returns its best plan with
        ``status="time_limit"`` and the proven gap.
    seed
        Seed of the heuristic's restarts.
    progress
        Called with ``(done, total)`` (0/1 then 1/1).

    Raises
    ------
    InfeasibleError
        With the reason (unconnected parts, population too small for ``k``
        floors, a municipality above the ceiling, or proved by the MILP).
    ParameterError
        For invalid parameters.
    """
    if progress:
        progress(0, 1)
    year = year if year is not None else region.total_years[-1]
    popser = region.population_total(year)
    codes = list(popser.index)
    tm = travel if travel is not None else cached_travel(region, codes)
    neighbours, adj_meta = adjacency(region, codes)
    meta: dict[str, Any] = {
        "region": region.id,
        "population_year": year,
        "travel": tm.meta.get("method", "given"),
        "adjacency": adj_meta.get("method"),
    }
    approx = [a for a in (tm.meta.get("approximation"), adj_meta.get("approximation")) if a]
    if approx:
        meta["approximation"] = "; ".join(str(a) for a in approx)
    res = regionalise_arrays(
        codes,
        popser.to_numpy(np.float64),
        tm.sub(codes),
        neighbours,
        k,
        min_population=min_population,
        max_population=max_population,
        objective=objective,
        keep_together=keep_together,
        fixed_hubs=fixed_hubs,
        method=method,
        time_limit=time_limit,
        seed=seed,
        meta=meta,
    )
    if progress:
        progress(1, 1)
    return res
