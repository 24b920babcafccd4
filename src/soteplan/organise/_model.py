"""Organisation models: a named partition of a region's municipalities into service areas.

An :class:`OrganisationModel` says which municipalities form each service area,
where each area's hub is (the municipality where its area-level services sit),
which service levels each area produces (``local``, ``area``, ``central``) and
where the central services are (Sairaala Nova in Jyväskylä for Keski-Suomi).

Models are built in code, from a region's :class:`~soteplan.region.Grouping`
(:func:`model_from_grouping`) or from YAML text (:func:`models_from_yaml`).
:func:`validate_model` checks a model against a region's municipality codes and
reports every problem at once as a :class:`~soteplan.errors.DataError`.

YAML schema (one document, a mapping ``models: {id: model}``)::

    models:
      my-model:
        name: "Three areas"              # optional, default: the id
        year: 2026                        # optional
        source: "where the model comes from"   # optional
        status: confirmed | unconfirmed | derived | optimised   # optional
        central_site: "179"               # municipality of the central services
        central_site_name: "Sairaala Nova"
        areas:
          - id: north                     # required, unique within the model
            name: "North"                 # optional, default: the id
            members: ["931", "601", 256]  # 3-digit codes (integers are zero-padded)
            hub: "931"                    # must be a member; default: the most
                                          # populous member (chosen by the caller)
            levels: [local, area]         # subset of local/area/central
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from soteplan.errors import DataError, DataProblem
from soteplan.region import Grouping

__all__ = [
    "LEVELS",
    "OrganisationModel",
    "ServiceArea",
    "model_from_grouping",
    "model_from_mapping",
    "models_from_yaml",
    "models_to_yaml",
    "validate_model",
]

#: Service levels an area may produce: ``local`` (health stations, home care),
#: ``area`` (area-level services at the hub: round-the-clock care, specialist
#: outpatient clinics, evening on-call), ``central`` (central hospital services).
LEVELS = ("local", "area", "central")
#: Default levels of an area in a multi-area model.
DEFAULT_LEVELS = ("local", "area")
#: Keski-Suomi's central-services municipality (Sairaala Nova, Jyväskylä).
DEFAULT_CENTRAL_SITE = "179"
DEFAULT_CENTRAL_SITE_NAME = "Sairaala Nova"
STATUSES = ("confirmed", "partly_unconfirmed", "unconfirmed", "derived", "optimised", "custom")


@dataclass(frozen=True)
class ServiceArea:
    """One service area of an organisation model.

    Attributes
    ----------
    id
        Identifier unique within the model.
    name
        Display name.
    members
        Municipality codes (3-digit strings), sorted.
    hub
        Municipality code of the area hub (where area-level services sit).
    levels
        Service levels the area produces, a subset of :data:`LEVELS`.
    """

    id: str
    name: str
    members: tuple[str, ...]
    hub: str
    levels: tuple[str, ...] = DEFAULT_LEVELS


@dataclass(frozen=True)
class OrganisationModel:
    """A named partition of a region into service areas, each with a hub.

    Attributes
    ----------
    id
        Short identifier (``"cooperation-2010"``).
    name
        Display name.
    areas
        The service areas.
    central_site
        Municipality code of the central services (central hospital).
    central_site_name
        Name of the central services site.
    year
        Year the model describes, if any.
    source
        Where the model comes from (citation or ``"regionalise(...)"``).
    status
        ``confirmed``, ``unconfirmed`` (membership partly uncertain), ``derived``,
        ``optimised`` or ``custom``.
    notes
        Free-text caveats.
    extra
        Further details (for optimised models: objective, gap, status, seconds).
    """

    id: str
    name: str
    areas: tuple[ServiceArea, ...]
    central_site: str = DEFAULT_CENTRAL_SITE
    central_site_name: str = DEFAULT_CENTRAL_SITE_NAME
    year: int | None = None
    source: str = ""
    status: str = "custom"
    notes: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def mapping(self) -> dict[str, str]:
        """Municipality code → area id."""
        return {code: a.id for a in self.areas for code in a.members}

    @property
    def members(self) -> tuple[str, ...]:
        """All municipality codes of the model, sorted."""
        return tuple(sorted(code for a in self.areas for code in a.members))

    @property
    def hubs(self) -> tuple[str, ...]:
        """Hub municipality of every area, in area order."""
        return tuple(a.hub for a in self.areas)

    def area(self, area_id: str) -> ServiceArea:
        """An area by id (``KeyError`` when absent)."""
        for a in self.areas:
            if a.id == area_id:
                return a
        raise KeyError(area_id)

    def with_levels(self, levels: Sequence[str], *, id: str, name: str) -> OrganisationModel:
        """A copy with every area producing ``levels`` (and a new id and name)."""
        areas = tuple(replace(a, levels=tuple(levels)) for a in self.areas)
        return replace(self, id=id, name=name, areas=areas)


# --------------------------------------------------------------------------- validation
def validate_model(
    model: OrganisationModel,
    codes: Iterable[str],
    *,
    source: str | None = None,
    allowed: Iterable[str] = (),
) -> OrganisationModel:
    """Check that ``model`` partitions exactly ``codes``; return it unchanged.

    ``allowed`` lists further codes the model may contain (e.g. former member
    municipalities of the region) without being required to.

    Raises
    ------
    DataError
        Listing every problem: a municipality in two areas or in none, an
        unknown code, a hub outside its area, an unknown service level,
        duplicate area ids, an unknown central site.
    """
    src = source or f"organisation model {model.id}"
    required = set(codes)
    valid = required | set(allowed)
    problems: list[DataProblem] = []
    if not model.areas:
        problems.append(DataProblem(src, None, "areas", "the model has no areas"))
    seen: dict[str, str] = {}
    ids: set[str] = set()
    for i, a in enumerate(model.areas, start=1):
        if a.id in ids:
            problems.append(DataProblem(src, i, "id", f"area id {a.id!r} is used twice"))
        ids.add(a.id)
        if not a.members:
            problems.append(DataProblem(src, i, "members", f"area {a.id!r} has no members"))
        for m in a.members:
            if m not in valid:
                problems.append(DataProblem(src, i, "members", f"unknown municipality code {m!r}"))
            if m in seen and seen[m] != a.id:
                problems.append(
                    DataProblem(
                        src, i, "members", f"municipality {m} is in both {seen[m]!r} and {a.id!r}"
                    )
                )
            elif m in seen:
                problems.append(
                    DataProblem(src, i, "members", f"municipality {m} is listed twice in {a.id!r}")
                )
            seen[m] = a.id
        if a.hub not in a.members:
            problems.append(
                DataProblem(src, i, "hub", f"hub {a.hub!r} is not a member of area {a.id!r}")
            )
        bad = [lv for lv in a.levels if lv not in LEVELS]
        if bad:
            problems.append(
                DataProblem(
                    src, i, "levels", f"unknown service level(s) {bad}; valid: {list(LEVELS)}"
                )
            )
    missing = sorted(required - set(seen))
    if missing:
        problems.append(
            DataProblem(src, None, "areas", f"municipalities in no area: {', '.join(missing)}")
        )
    if model.central_site not in valid:
        problems.append(
            DataProblem(
                src,
                None,
                "central_site",
                f"central site {model.central_site!r} is not in the region",
            )
        )
    if problems:
        raise DataError(problems)
    return model


# --------------------------------------------------------------------------- builders
def _code(value: Any) -> str:
    return str(value).strip().zfill(3)


def model_from_mapping(
    model_id: str,
    spec: Mapping[str, Any],
    *,
    codes: Iterable[str],
    population: Mapping[str, float] | None = None,
    source: str = "<memory>",
    allowed: Iterable[str] = (),
) -> OrganisationModel:
    """Build and validate a model from a plain mapping (the YAML schema of this module).

    Parameters
    ----------
    model_id
        Identifier of the model.
    spec
        Mapping with ``areas`` (list of ``{id, name, members, hub, levels}``) and
        optional ``name``, ``year``, ``source``, ``status``, ``notes``,
        ``central_site``, ``central_site_name``.
    codes
        Municipality codes of the region (the model must partition them).
    population
        Residents by municipality; used to choose the hub (the most populous
        member) of areas that name none.
    source
        Name of the input, used in error messages.

    Raises
    ------
    DataError
        Every problem found (see :func:`validate_model`).
    """
    where = f"{source}: model {model_id}"
    codes = list(codes)
    problems: list[DataProblem] = []
    areas_raw = spec.get("areas")
    if not isinstance(areas_raw, list) or not areas_raw:
        raise DataError([DataProblem(where, None, "areas", "expected a non-empty list of areas")])
    areas: list[ServiceArea] = []
    for i, a in enumerate(areas_raw, start=1):
        if not isinstance(a, Mapping):
            problems.append(DataProblem(where, i, None, "an area must be a mapping"))
            continue
        aid = str(a.get("id", f"area{i}"))
        raw_members = a.get("members")
        if not isinstance(raw_members, list):
            problems.append(DataProblem(where, i, "members", "expected a list of codes"))
            raw_members = []
        members = tuple(_code(m) for m in raw_members)
        hub_raw = a.get("hub")
        if hub_raw is not None:
            hub = _code(hub_raw)
        elif population is not None and members:
            hub = max(members, key=lambda c: (float(population.get(c, 0.0)), c))
        else:
            hub = ""
            problems.append(
                DataProblem(where, i, "hub", f"area {aid!r} names no hub and no population given")
            )
        levels_raw = a.get("levels", list(DEFAULT_LEVELS))
        levels = tuple(str(lv) for lv in (levels_raw if isinstance(levels_raw, list) else []))
        areas.append(
            ServiceArea(
                id=aid,
                name=str(a.get("name", aid)),
                members=tuple(sorted(members)) if len(set(members)) == len(members) else members,
                hub=hub,
                levels=levels,
            )
        )
    year = spec.get("year")
    status = str(spec.get("status", "custom"))
    if status not in STATUSES:
        problems.append(DataProblem(where, None, "status", f"status must be one of {STATUSES}"))
    try:
        year_i = int(year) if year is not None else None
    except (TypeError, ValueError):
        problems.append(DataProblem(where, None, "year", f"{year!r} is not a year"))
        year_i = None
    if problems:
        raise DataError(problems)
    model = OrganisationModel(
        id=model_id,
        name=str(spec.get("name", spec.get("name_en", model_id))),
        areas=tuple(areas),
        central_site=_code(spec.get("central_site", DEFAULT_CENTRAL_SITE)),
        central_site_name=str(spec.get("central_site_name", DEFAULT_CENTRAL_SITE_NAME)),
        year=year_i,
        source=str(spec.get("source", "")),
        status=status,
        notes=str(spec.get("notes", "")),
    )
    return validate_model(model, codes, source=where, allowed=allowed)


def models_from_yaml(
    text: str,
    *,
    codes: Iterable[str],
    population: Mapping[str, float] | None = None,
    source: str = "<yaml>",
    allowed: Iterable[str] = (),
) -> dict[str, OrganisationModel]:
    """Parse YAML text (schema in the module docstring) into validated models.

    Raises
    ------
    DataError
        Invalid YAML or any invalid model; problems of all models are reported together.
    """
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DataError([DataProblem(source, None, None, f"invalid YAML: {exc}")]) from exc
    models = raw.get("models", raw) if isinstance(raw, dict) else None
    if not isinstance(models, dict) or not models:
        raise DataError(
            [DataProblem(source, None, "models", "expected a mapping of model id → model")]
        )
    codes = list(codes)
    out: dict[str, OrganisationModel] = {}
    problems: list[DataProblem] = []
    for mid, spec in models.items():
        if not isinstance(spec, Mapping):
            problems.append(DataProblem(source, None, str(mid), "a model must be a mapping"))
            continue
        try:
            out[str(mid)] = model_from_mapping(
                str(mid), spec, codes=codes, population=population, source=source, allowed=allowed
            )
        except DataError as exc:
            problems.extend(exc.problems or [DataProblem(source, None, str(mid), str(exc))])
    if problems:
        raise DataError(problems)
    return out


def model_from_grouping(
    grouping: Grouping,
    *,
    codes: Iterable[str],
    population: Mapping[str, float],
    levels: Sequence[str] | None = None,
    central_site: str = DEFAULT_CENTRAL_SITE,
    central_site_name: str = DEFAULT_CENTRAL_SITE_NAME,
    allowed: Iterable[str] = (),
) -> OrganisationModel:
    """Build an organisation model from a region grouping.

    Areas without a hub get their most populous member as hub.  Unless
    ``levels`` is given, a single-area model produces ``local``, ``area`` and
    ``central`` services and areas of a multi-area model ``local`` and ``area``.

    Raises
    ------
    DataError
        When the grouping does not partition ``codes`` (see :func:`validate_model`).
    """
    n = len(grouping.areas)
    lv = tuple(levels) if levels is not None else (LEVELS if n == 1 else DEFAULT_LEVELS)
    areas = []
    for a in grouping.areas:
        hub = a.hub
        if hub is None and a.members:
            hub = max(a.members, key=lambda c: (float(population.get(c, 0.0)), c))
        areas.append(
            ServiceArea(
                id=a.id,
                name=a.name,
                members=tuple(sorted(a.members)),
                hub=hub or "",
                levels=lv,
            )
        )
    model = OrganisationModel(
        id=grouping.id,
        name=grouping.name_en or grouping.name_fi,
        areas=tuple(areas),
        central_site=central_site,
        central_site_name=central_site_name,
        year=grouping.year,
        source=grouping.source,
        status=grouping.status if grouping.status in STATUSES else "custom",
        notes=grouping.notes,
    )
    return validate_model(model, codes, source=f"grouping {grouping.id}", allowed=allowed)


def models_to_yaml(models: Iterable[OrganisationModel]) -> str:
    """YAML text (the schema of this module) for ``models``; :func:`models_from_yaml` reads it."""
    out: dict[str, Any] = {}
    for m in models:
        spec: dict[str, Any] = {"name": m.name}
        if m.year is not None:
            spec["year"] = m.year
        if m.source:
            spec["source"] = m.source
        spec["status"] = m.status
        if m.notes:
            spec["notes"] = m.notes
        spec["central_site"] = m.central_site
        spec["central_site_name"] = m.central_site_name
        spec["areas"] = [
            {
                "id": a.id,
                "name": a.name,
                "hub": a.hub,
                "levels": list(a.levels),
                "members": list(a.members),
            }
            for a in m.areas
        ]
        out[m.id] = spec
    text: str = yaml.safe_dump(
        {"models": out}, allow_unicode=True, sort_keys=False, default_flow_style=None, width=100
    )
    return text
