"""Choice models from a :class:`~soteplan.region.Region`: stations, origins, pilots, defaults.

Default parameters come from the literature (see ``README.md``, *Freedom of
choice*) and are labelled as assumptions in every result:

* exponential decay, β = 0.7512 per km — the distance coefficient of the
  conditional logit of practice choice by 3.3 million patients in England
  (Santos, Gravelle & Propper 2017, *Economic Journal* 127:445–494, Table 2)
  — converted to minutes at an assumed mean car speed of 30 km/h in town,
  i.e. β = 0.7512 × 0.5 = 0.3756 per minute;
* opening days per week: exponent 1 (attractiveness proportional to the days
  open, the Huff default γ = 1 of R's ``REAT``/``MCI`` ``huff()``), an
  assumption;
* private (outsourced) provider: 0 (no preference; no Finnish estimate
  found), an assumption;
* a user-given size: exponent 1 (Huff default), an assumption.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from soteplan.access import Origins, region_graph, region_origins, service_points
from soteplan.choice._huff import ChoiceParams
from soteplan.choice._model import ChoiceModel
from soteplan.choice._whatif import Entrant
from soteplan.errors import NotFoundError, ParameterError
from soteplan.network import RoadGraph, points_xy, travel_times

if TYPE_CHECKING:
    from soteplan.demand import ServiceRates
    from soteplan.region import Region

__all__ = [
    "BANDS",
    "DEFAULT_PARAMS",
    "PILOTS",
    "TODAY_APPROXIMATION",
    "ChoiceSetup",
    "Pilot",
    "band_population",
    "band_visit_rates",
    "entrant_at",
    "entrant_in",
    "pilot_setup",
    "region_setup",
]

#: Disjoint age bands of the choice model (from the access bands all / 65+ / 75+).
BANDS = ("0-64", "65-74", "75+")
SANTOS_2017 = (
    "Santos, Gravelle & Propper (2017), Does quality affect patients' choice of doctor? "
    "Evidence from England, Economic Journal 127(600):445-494, Table 2: distance coefficient "
    "-0.7512 per km (conditional logit, 3.3 M patients)"
)
DEFAULT_PARAMS = ChoiceParams(
    decay="exponential",
    beta=0.7512 * 0.5,
    attraction={"opening_days": 1.0, "private": 0.0},
    sources={
        "beta": f"assumption from literature: {SANTOS_2017}, at an assumed 30 km/h mean car "
        "speed in town (0.5 km/min) → 0.3756 per minute",
        "opening_days": "assumption: exponent 1 (attractiveness proportional to days open; "
        "Huff default gamma = 1 as in R REAT/MCI huff())",
        "private": "assumption: 0 (no preference for private or public; no Finnish estimate found)",
        "size": "assumption: exponent 1 when a size is given (Huff default gamma = 1)",
    },
)
TODAY_APPROXIMATION = (
    "today's areas approximated by assigning every origin to its nearest health station "
    "by car time (no open catchment-area data)"
)
_SERVICE = "health_station"


@dataclass(frozen=True)
class Pilot:
    """A freedom-of-choice pilot: who may choose, among which stations, when."""

    id: str
    municipality: str
    year: int
    stations: tuple[str, ...]
    source: str


PILOTS: dict[str, Pilot] = {
    "jyvaskyla-2017": Pilot(
        id="jyvaskyla-2017",
        municipality="179",
        year=2017,
        stations=("hs-179-huhtasuo", "hs-179-keskusta", "hs-179-kuokkala"),
        source="Jyväskylä outpatient freedom-of-choice pilot from February 2017 for the "
        "population of the Huhtasuo, Keskusta and Kuokkala health stations (seed 004, "
        "27.10.2016; domain-facts S23)",
    )
}


@dataclass(frozen=True, eq=False)
class ChoiceSetup:
    """A model together with the geography it was built from."""

    model: ChoiceModel
    origins: Origins
    stations: gpd.GeoDataFrame
    graph: RoadGraph
    meta: dict[str, Any] = field(default_factory=dict)


def band_population(origins: Origins) -> dict[str, npt.NDArray[np.float64]]:
    """Disjoint bands 0-64 / 65-74 / 75+ from the access bands all / 65+ / 75+."""
    p = origins.population
    if not {"all", "65+", "75+"} <= set(p):
        raise ParameterError(f"origins need bands all, 65+ and 75+; got {sorted(p)}")
    return {
        "0-64": np.maximum(p["all"] - p["65+"], 0.0),
        "65-74": np.maximum(p["65+"] - p["75+"], 0.0),
        "75+": np.asarray(p["75+"], dtype=np.float64),
    }


def band_visit_rates(
    region: Region, rates: ServiceRates, year: int | None, codes: list[str]
) -> tuple[dict[str, float], int]:
    """Primary-care visits per resident per year in each band, weighted by the age structure.

    The single-age rates of the demand engine (service ``primary_care``) are
    averaged over the ages of each band with the population of ``codes`` by
    age and sex in ``year`` (or the nearest year with data) as weights.
    """
    pas = region.population_age_sex
    years = sorted(int(y) for y in pas["year"].unique())
    use = min(years, key=lambda y: (abs(y - (year or years[-1])), -y))
    df = pas[(pas["year"] == use) & pas["municipality"].astype(str).isin(codes)]
    arr = rates.rate_array()[rates.service_names.index("primary_care")]
    out: dict[str, float] = {}
    bounds = {"0-64": (0, 64), "65-74": (65, 74), "75+": (75, 100)}
    for band, (lo, hi) in bounds.items():
        d = df[(df["age"] >= lo) & (df["age"] <= hi)]
        sex = np.where(d["sex"].astype(str) == "female", 1, 0)
        r = arr[sex, d["age"].to_numpy(int)]
        w = d["population"].to_numpy(float)
        out[band] = float((r * w).sum() / w.sum()) if w.sum() > 0 else 0.0
    return out, use


def _attributes(
    region: Region, stations: gpd.GeoDataFrame, year: int | None, sizes: Mapping[str, float] | None
) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    attrs = pd.DataFrame(index=pd.Index(stations.index.astype(str), name="station"))
    days = pd.Series(np.nan, index=attrs.index)
    private = (
        stations.get("outsourced", pd.Series(False, index=stations.index))
        .astype(str)
        .str.lower()
        .eq("true")
    )
    private.index = attrs.index
    if region.has_table("health_station_days"):
        t = region.table("health_station_days")
        yr = int(year) if year is not None else int(t["year"].max())
        use = t[t["year"] == min(yr, int(t["year"].max()))].set_index("id")
        days = use["opening_days"].reindex(attrs.index).astype(float)
        out = use["outsourced"].reindex(attrs.index)
        private = out.where(out.notna(), private).astype(bool)
    else:
        notes.append("no health_station_days table: opening days unknown")
    # 0 days is how the source leaves a station's days unrecorded (a station in the list is
    # open on some day); the term enters as a logarithm, so it is unknown, not zero
    days = days.where(days > 0)
    if days.isna().any():
        fill = float(days.median()) if days.notna().any() else 5.0
        notes.append(
            f"opening days unknown (missing or 0 in the data) for {int(days.isna().sum())} "
            f"station(s): median {fill:g} used"
        )
        days = days.fillna(fill)
    attrs["opening_days"] = days.to_numpy(float)
    attrs["private"] = private.to_numpy(bool)
    if sizes:
        unknown = sorted(set(map(str, sizes)) - set(attrs.index))
        if unknown:
            raise NotFoundError(f"size given for unknown station(s) {', '.join(unknown)}")
        sz = pd.Series({str(k): float(v) for k, v in sizes.items()}).reindex(attrs.index)
        if (sz <= 0).any():
            raise ParameterError("station sizes must be > 0")
        if sz.isna().any():
            notes.append(
                f"size not given for {int(sz.isna().sum())} station(s): median of the given used"
            )
            sz = sz.fillna(float(sz.median()))
        attrs["size"] = sz.to_numpy(float)
    return attrs, notes


def region_setup(
    region: Region,
    *,
    year: int | None = None,
    municipalities: list[str] | None = None,
    choosers_of: tuple[str, ...] | None = None,
    params: ChoiceParams | None = None,
    sizes: Mapping[str, float] | None = None,
    capacity: Mapping[str, float] | None = None,
    rates: ServiceRates | None = None,
    graph: RoadGraph | None = None,
) -> ChoiceSetup:
    """Health-station choice for the residents of a region (or some municipalities).

    Origins are :func:`soteplan.access.region_origins`, stations
    :func:`soteplan.access.service_points` (``health_station`` open in
    ``year``), travel times on :func:`soteplan.access.region_graph`.
    Today's areas are the nearest station by car (an approximation, named in
    ``meta``).  ``choosers_of`` limits free choice to the residents whose
    today's station is one of those ids (a pilot); default: everyone.
    """
    from soteplan.demand import ServiceRates

    origins = region_origins(region, year)
    stations = service_points(region, _SERVICE, year)
    if municipalities:
        codes = [str(c).zfill(3) for c in municipalities]
        origins = origins.subset(np.isin(origins.municipality, codes))
        stations = stations[stations["municipality"].astype(str).isin(codes)]
    if len(origins) == 0 or len(stations) == 0:
        raise NotFoundError(
            f"no origins or no health stations in {municipalities or region.id} ({year})"
        )
    g = graph if graph is not None else region_graph(region)
    fxy, fid = points_xy(stations, name="health stations")
    tt = travel_times(g, origins.xy, fxy, origin_ids=origins.ids, destination_ids=fid)
    attrs, notes = _attributes(region, stations, year, sizes)
    p = params or DEFAULT_PARAMS
    if sizes and "size" not in p.attraction:
        p = ChoiceParams(
            p.decay, p.beta, {**dict(p.attraction), "size": 1.0}, p.min_minutes, p.sources
        )
    sids = [str(s) for s in fid]
    cap = None
    if capacity:
        unknown = sorted(set(map(str, capacity)) - set(sids))
        if unknown:
            raise NotFoundError(f"capacity given for unknown station(s) {', '.join(unknown)}")
        cap = np.array([float(capacity.get(s, np.nan)) for s in sids])
    codes = sorted(set(map(str, origins.municipality)))
    vr, vyear = band_visit_rates(region, rates or ServiceRates.default(), year, codes)
    finite = np.isfinite(tt.minutes)
    nearest = np.where(
        finite.any(axis=1), np.argmin(np.where(finite, tt.minutes, np.inf), axis=1), -1
    )
    choosers = None
    if choosers_of is not None:
        for s in choosers_of:
            if s not in sids:
                raise NotFoundError(f"no health station {s!r} in {year}; stations: {sids}")
        pos = [sids.index(s) for s in choosers_of]
        choosers = np.isin(nearest, pos)
    approx = [TODAY_APPROXIMATION]
    pop_col = str(origins.meta.get("population", ""))
    if year is not None and str(year) not in pop_col:
        approx.append(
            f"residents = postal-area {pop_col or 'population as shipped'} with the stations "
            f"open in {year} (no postal-area population of that year in the package)"
        )
    for a in (g.meta.get("approximation"), origins.meta.get("approximation")):
        if a:
            approx.append(str(a))
    meta = {
        "region": region.id,
        "service": _SERVICE,
        "year": year,
        "visit_rates": {"per_resident_per_year": vr, "age_structure_year": vyear},
        "visit_rates_source": "soteplan.demand default primary_care rates (ServiceRates.default)",
        "approximation": "; ".join(approx),
        "notes": notes,
        "travel_time": tt.meta,
        "origins": origins.meta,
        "assumptions": dict(p.sources),
    }
    model = ChoiceModel.build(
        origin_ids=origins.ids,
        station_ids=sids,
        station_names=stations.loc[fid, "name"].astype(str).to_numpy()
        if "name" in stations.columns
        else sids,
        minutes=tt.minutes,
        population=band_population(origins),
        attributes=attrs,
        params=p,
        capacity=cap,
        visit_rates=vr,
        choosers=choosers,
        assigned=nearest,
        meta=meta,
    )
    return ChoiceSetup(model, origins, stations, g, meta)


def pilot_setup(region: Region, pilot: str, **kw: Any) -> ChoiceSetup:
    """A named pilot (:data:`PILOTS`): its residents choose among the municipality's stations."""
    if pilot not in PILOTS:
        raise NotFoundError(f"no pilot {pilot!r}; pilots: {', '.join(PILOTS)}")
    p = PILOTS[pilot]
    setup = region_setup(
        region,
        year=kw.pop("year", p.year),
        municipalities=[p.municipality],
        choosers_of=p.stations,
        **kw,
    )
    setup.model.meta.update(
        {"pilot": p.id, "pilot_stations": list(p.stations), "pilot_source": p.source}
    )
    return setup


def entrant_at(
    setup: ChoiceSetup,
    x: float,
    y: float,
    *,
    id: str = "entrant",
    name: str | None = None,
    private: bool = True,
    attributes: Mapping[str, Any] | None = None,
    capacity: float = float("nan"),
) -> Entrant:
    """An entrant station at a point (EPSG:3067 metres), timed on the setup's graph."""
    if not (np.isfinite(x) and np.isfinite(y)):
        raise ParameterError(f"entrant point must be finite EPSG:3067 metres, got {x}, {y}")
    tt = travel_times(setup.graph, setup.origins.xy, np.array([[float(x), float(y)]]))
    a = {"private": bool(private), **dict(attributes or {})}
    return Entrant(
        id=id,
        minutes=tt.minutes[:, 0],
        name=name or id,
        attributes=a,
        capacity=capacity,
    )


def entrant_in(setup: ChoiceSetup, postcode: str, **kw: Any) -> Entrant:
    """An entrant where most residents of a postal area live (see :func:`entrant_at`).

    Origins are resident points (ids ``<postcode>-s<settlement>`` / ``<postcode>-r<cell>``) or
    postal centroids (id ``<postcode>``); the entrant stands at the postal area's most
    populous origin.

    Raises
    ------
    NotFoundError
        When no origin lies in the postal area.
    """
    code = str(postcode)
    ids = [str(i) for i in setup.origins.ids]
    hits = [i for i, o in enumerate(ids) if o == code or o.split("-", 1)[0] == code]
    if not hits:
        codes = sorted({o.split("-", 1)[0] for o in ids})
        raise NotFoundError(
            f"no postal area {code!r} among the origins; e.g. {', '.join(codes[:8])}"
        )
    pop = setup.origins.population["all"]
    best = max(hits, key=lambda i: float(pop[i]))
    x, y = setup.origins.xy[best]
    kw.setdefault("id", f"entrant-{code}")
    return entrant_at(setup, float(x), float(y), **kw)
