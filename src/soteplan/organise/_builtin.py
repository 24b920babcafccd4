"""Built-in organisation models of a region: its groupings, derived and optimised models."""

from __future__ import annotations

import weakref
from typing import Any

from soteplan.errors import NotFoundError
from soteplan.organise._model import OrganisationModel, model_from_grouping
from soteplan.organise._regionalise import regionalise
from soteplan.organise._spatial import TravelMatrix, cached_travel, central_site_of
from soteplan.region import Region

__all__ = [
    "OPTIMISED_K",
    "OPTIMISED_MIN_POPULATION",
    "builtin_model",
    "builtin_models",
    "model_names",
    "optimised_model",
    "region_travel",
]

#: Numbers of areas of the built-in optimised models.
OPTIMISED_K = (3, 4, 5, 6)
#: Population floor of the built-in optimised models (persons): the 2013
#: criterion for own primary-care production (``domain-facts.md`` §2, [S28]).
OPTIMISED_MIN_POPULATION = 20_000.0
#: Id of the province-wide production area derived from the county grouping.
PRODUCTION_ID = "production-2014"

_cache: dict[int, tuple[weakref.ref[Region], dict[Any, Any]]] = {}


def _store(region: Region) -> dict[Any, Any]:
    key = id(region)
    hit = _cache.get(key)
    if hit is None or hit[0]() is not region:
        _cache[key] = (weakref.ref(region), {})
    return _cache[key][1]


def region_travel(region: Region) -> TravelMatrix:
    """The default travel matrix of the region's current members (cached in memory)."""
    return cached_travel(region, region.municipality_codes(), central_site=central_site_of(region))


def _grouping_models(region: Region) -> dict[str, OrganisationModel]:
    st = _store(region)
    if "groupings" in st:
        out: dict[str, OrganisationModel] = st["groupings"]
        return out
    every = list(region.municipalities.index)
    out = {}
    for gid, g in region.groupings.items():
        codes = region.municipality_codes(g.year) if g.year is not None else every
        codes = [c for c in codes if c in set(g.members)] if g.year is not None else codes
        ref_year = g.year if g.year in region.total_years else region.total_years[-1]
        pop = region.population_total(ref_year, members_only=False).to_dict()
        out[gid] = model_from_grouping(
            g, codes=codes, population=pop, allowed=every, central_site=central_site_of(region)
        )
    single = [m for m in out.values() if len(m.areas) == 1]
    if single and PRODUCTION_ID not in out:
        county = max(single, key=lambda m: m.year or 0)
        out[PRODUCTION_ID] = county.with_levels(
            ("local", "area"),
            id=PRODUCTION_ID,
            name="Province-wide production area (2014 plan)",
        )
        out[PRODUCTION_ID] = _replace_meta(
            out[PRODUCTION_ID],
            source="Keski-Suomi Sote 2020 steering group 22.5.2014 (seed 003): one "
            "province-wide production area under an ERVA-wide organiser",
            notes="same partition as the county; produces local and area services, central "
            "(specialist) services organised by the ~817,000-resident ERVA-wide sote-alue",
        )
    st["groupings"] = out
    return out


def _replace_meta(m: OrganisationModel, **kw: Any) -> OrganisationModel:
    from dataclasses import replace

    areas = tuple(
        replace(a, id="production-area", name=f"Province-wide production area ({a.name})")
        for a in m.areas
    )
    return replace(m, areas=areas, year=2014, status="derived", **kw)


def optimised_model(
    region: Region,
    k: int,
    *,
    min_population: float = OPTIMISED_MIN_POPULATION,
    travel: TravelMatrix | None = None,
    time_limit: float | None = 60.0,
) -> OrganisationModel:
    """The optimised ``k``-area model (computed by :func:`regionalise`, cached in memory).

    ``travel`` defaults to :func:`region_travel`; models are cached per travel matrix.
    """
    st = _store(region)
    tm = travel if travel is not None else region_travel(region)
    key = ("optimised", k, float(min_population), id(tm))
    if key not in st:
        res = regionalise(
            region, k, min_population=min_population, travel=tm, time_limit=time_limit
        )
        names = {c: region.name(c) for c in res.hubs}
        st[("travel", id(tm))] = tm  # keep the matrix alive while its models are cached
        st[key] = res.to_model(
            f"optimised-{k}",
            f"Optimised {k} areas (≥{min_population:,.0f} residents each)",
            names=names,
            levels=("local", "area"),
            central_site=central_site_of(region),
        )
    m: OrganisationModel = st[key]
    return m


def model_names(region: Region) -> list[str]:
    """Ids of the built-in models (groupings, derived, optimised)."""
    return [*_grouping_models(region), *(f"optimised-{k}" for k in OPTIMISED_K)]


def builtin_model(
    region: Region, name: str, *, travel: TravelMatrix | None = None
) -> OrganisationModel:
    """A built-in model by id (``optimised-<k>`` for any k ≥ 1 is computed on demand).

    ``travel`` is the matrix optimised models minimise (default :func:`region_travel`).
    """
    models = _grouping_models(region)
    if name in models:
        return models[name]
    if name.startswith("optimised-"):
        try:
            k = int(name.removeprefix("optimised-"))
        except ValueError:
            k = 0
        if k >= 1:
            return optimised_model(region, k, travel=travel)
    raise NotFoundError(
        f"no organisation model {name!r}; available: {', '.join(model_names(region))}"
    )


def builtin_models(
    region: Region, *, optimised: bool = True, travel: TravelMatrix | None = None
) -> dict[str, OrganisationModel]:
    """Every built-in model (optimised ones are computed on first use)."""
    out = dict(_grouping_models(region))
    if optimised:
        for k in OPTIMISED_K:
            out[f"optimised-{k}"] = optimised_model(region, k, travel=travel)
    return out
