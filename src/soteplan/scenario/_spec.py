"""The scenario specification: a pydantic v2 model read from YAML.

Unknown fields are rejected everywhere (``extra="forbid"``), so a typo in a
scenario file is an error, not a silently ignored setting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from soteplan.demand import (
    DemandLevers,
    HeavyUserTargeting,
    HomeCareShift,
    Prevention,
    RemoteServices,
)
from soteplan.errors import DataError, DataProblem, ParameterError

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
    "load_scenario",
    "parse_scenario",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DemographySpec(_Strict):
    """Population assumptions.

    ``source: official`` uses an official projection of the region (by name,
    default the first); ``source: cohort`` runs :mod:`soteplan.demography`'s
    cohort-component model from the latest age-sex year, optionally
    calibrated to the official regional total.
    """

    source: Literal["official", "cohort"] = "official"
    projection: str | None = None
    calibrate_to_official: bool = True


class HomeCareShiftSpec(_Strict):
    """Institutional → home-care shift (target shares of the 75+ population)."""

    start_year: int
    target_year: int
    institutional_share: float = Field(ge=0, le=1)
    housing_share: float = Field(ge=0, le=1)
    home_care_share: float | None = Field(default=None, ge=0, le=1)


class PreventionSpec(_Strict):
    """Rate change in an age band from a start year (``change`` −0.1 = −10 %)."""

    services: list[str]
    age_from: int = Field(ge=0, le=100)
    age_to: int = Field(ge=0, le=100)
    change: float = Field(ge=-1)
    start_year: int
    full_effect_year: int


class RemoteSpec(_Strict):
    """Remote/e-service share of contacts.

    ``base_share`` defaults to the measured share of health-centre contacts that
    were remote in 2022, 28.8 % (THL, domain-facts S48), the demand model's
    baseline for primary care.
    """

    services: list[str] = Field(default_factory=lambda: ["primary_care"])
    base_share: float = Field(default=0.288, ge=0, le=1)
    target_share: float = Field(ge=0, le=1)
    start_year: int
    target_year: int
    staff_time_factor: float = Field(default=1.0, ge=0, le=1)


class HeavyUsersSpec(_Strict):
    """CCM heavy-user targeting (default Oulu 10 % → 81 % of cost [S49])."""

    services: list[str]
    reduction: float = Field(ge=0, le=1)
    start_year: int
    full_effect_year: int
    top_share: float = Field(default=0.10, gt=0, lt=1)
    cost_share: float = Field(default=0.81, gt=0, lt=1)


class LeversSpec(_Strict):
    """Every demand lever (all optional)."""

    home_care_shift: HomeCareShiftSpec | None = None
    prevention: list[PreventionSpec] = Field(default_factory=list)
    remote: RemoteSpec | None = None
    heavy_users: HeavyUsersSpec | None = None
    freedom_of_choice: bool = False

    def to_levers(self) -> DemandLevers:
        """The engine's :class:`~soteplan.demand.DemandLevers`."""
        h = self.home_care_shift
        r = self.remote
        u = self.heavy_users
        return DemandLevers(
            home_care_shift=None
            if h is None
            else HomeCareShift(
                h.start_year,
                h.target_year,
                h.institutional_share,
                h.housing_share,
                h.home_care_share,
            ),
            prevention=tuple(
                Prevention(
                    tuple(p.services),
                    p.age_from,
                    p.age_to,
                    p.change,
                    p.start_year,
                    p.full_effect_year,
                )
                for p in self.prevention
            ),
            remote=None
            if r is None
            else RemoteServices(
                tuple(r.services),
                r.base_share,
                r.target_share,
                r.start_year,
                r.target_year,
                r.staff_time_factor,
            ),
            heavy_users=None
            if u is None
            else HeavyUserTargeting(
                tuple(u.services),
                u.reduction,
                u.start_year,
                u.full_effect_year,
                u.top_share,
                u.cost_share,
            ),
            freedom_of_choice=self.freedom_of_choice,
        )


class DemandSpec(_Strict):
    """Demand and cost model settings.

    ``rates_csv`` / ``services_csv`` replace the shipped defaults (paths
    relative to the scenario file); ``calibrate_year`` scales unit costs to
    the region's net costs per resident of that year (``null`` to skip);
    ``price_year`` carries every euro to that year's prices with the index in
    ``price_index_csv`` (``year,index[,source]``, relative to the scenario file).
    """

    rates_csv: str | None = None
    services_csv: str | None = None
    calibrate_year: int | None = 2016
    price_year: int | None = None
    price_index_csv: str | None = None
    morbidity: bool = True
    levers: LeversSpec = Field(default_factory=LeversSpec)


class NewServicePoint(_Strict):
    """A new service point (EPSG:3067 metres)."""

    id: str
    name: str
    x: float
    y: float
    municipality: str | None = None
    capacity: float | None = None


class NetworkSpec(_Strict):
    """Changes to the service network: points closed and opened."""

    service_type: str = "health_station"
    year: int | None = None
    #: Refuse a year past the last year of the service-point data (else: its last list).
    strict_year: bool = False
    close: list[str] = Field(default_factory=list)
    open: list[NewServicePoint] = Field(default_factory=list)


class AccessSpec(_Strict):
    """Accessibility assessment of one service type (car travel times).

    ``year`` selects the service points operating then (default: the
    network change year, else the base year); a year past the data gets the
    last year's list, said in the run's meta, or is refused with
    ``strict_year: true``.
    """

    service_type: str = "health_station"
    year: int | None = None
    strict_year: bool = False
    thresholds: list[float] = Field(default_factory=lambda: [10.0, 15.0, 30.0])
    osm_pbf: str | None = None


class OrganisationSpec(_Strict):
    """The organisation model evaluated (a built-in model id)."""

    model: str


class LocationSpec(_Strict):
    """Optional location-optimisation request: p-median on the access origins.

    Chooses ``p`` sites among the candidates (existing service points, or
    ``extended`` with municipal centres and urban settlements) minimising the
    population-weighted car time; points the network change closes are
    forbidden.
    """

    service_type: str = "health_station"
    p: int = Field(ge=1)
    candidates: Literal["existing", "extended"] = "existing"
    weights: Literal["all", "65+", "75+"] = "all"
    method: Literal["exact", "heuristic"] = "exact"
    time_limit: float | None = Field(default=60.0, gt=0)


class Scenario(_Strict):
    """A what-if scenario: region, years, demography, levers, network, organisation.

    Examples
    --------
    >>> s = Scenario(name="baseline", base_year=2020, target_year=2040)
    >>> s.region
    'keski-suomi'
    """

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    region: str = "keski-suomi"
    base_year: int = 2020
    target_year: int = 2040
    demography: DemographySpec = Field(default_factory=DemographySpec)
    demand: DemandSpec = Field(default_factory=DemandSpec)
    network: NetworkSpec | None = None
    access: AccessSpec | None = None
    organisation: OrganisationSpec | None = None
    location: LocationSpec | None = None

    @model_validator(mode="after")
    def _years(self) -> Scenario:
        if self.target_year < self.base_year:
            raise ValueError(f"target_year {self.target_year} is before base_year {self.base_year}")
        return self

    def engines(self) -> list[str]:
        """Engines the scenario names, in run order."""
        out = ["demography", "demand"]
        if self.access is not None or self.network is not None:
            out.append("access")
        if self.organisation is not None:
            out.append("organise")
        if self.location is not None:
            out.append("locate")
        return out

    def to_yaml(self) -> str:
        """The scenario as YAML (defaults included)."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def load_scenario(path: str | Path) -> tuple[Scenario, str]:
    """Read and validate a scenario YAML file; return the scenario and its text.

    Raises
    ------
    DataError
        Naming every invalid or unknown field.
    NotFoundError
        When the file does not exist.
    """
    p = Path(path)
    if not p.is_file():
        from soteplan.errors import NotFoundError

        raise NotFoundError(f"no scenario file {str(p)!r}")
    text = p.read_text(encoding="utf-8")
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DataError([DataProblem(p.name, None, None, f"invalid YAML: {exc}")]) from exc
    if not isinstance(data, dict):
        raise DataError([DataProblem(p.name, None, None, "a scenario file is a YAML mapping")])
    return parse_scenario(data, source=p.name, base_dir=p.parent), text


def parse_scenario(
    data: dict[str, Any], *, source: str = "scenario", base_dir: Path | None = None
) -> Scenario:
    """Validate a scenario mapping; relative CSV paths are resolved against ``base_dir``."""
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = [
            DataProblem(source, None, ".".join(str(x) for x in e["loc"]) or None, e["msg"])
            for e in exc.errors()
        ]
        raise DataError(problems) from None
    if base_dir is not None and (
        sc.demand.rates_csv or sc.demand.services_csv or sc.demand.price_index_csv
    ):
        d = sc.demand.model_copy(
            update={
                k: str((base_dir / v).resolve())
                for k, v in (
                    ("rates_csv", sc.demand.rates_csv),
                    ("services_csv", sc.demand.services_csv),
                    ("price_index_csv", sc.demand.price_index_csv),
                )
                if v is not None
            }
        )
        sc = sc.model_copy(update={"demand": d})
    if (sc.demand.rates_csv is None) != (sc.demand.services_csv is None):
        raise ParameterError("give both demand.rates_csv and demand.services_csv, or neither")
    if (sc.demand.price_year is None) != (sc.demand.price_index_csv is None):
        raise ParameterError("give both demand.price_year and demand.price_index_csv, or neither")
    return sc
