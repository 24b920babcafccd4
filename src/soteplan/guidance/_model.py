"""The service directory: an HSDS-compatible data model.

The tables follow the Open Referral Human Services Data Specification (HSDS 3.0):
``organization``, ``service``, ``location``, ``service_at_location``, ``phone`` and
``schedule``; soteplan adds the ``channel`` kind (in person, phone, e-service, remote
appointment) and its own service-type vocabulary (``health_station``, ``home_care`` …).
Coordinates are EPSG:3067 metres; municipalities 3-digit codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from soteplan.errors import DataError, DataProblem

__all__ = [
    "CHANNEL_KINDS",
    "DAYS",
    "Channel",
    "Directory",
    "Location",
    "Organization",
    "Service",
    "ServiceAtLocation",
]

#: Channel kinds: visit in person, phone, e-service (web form, chat, online booking),
#: remote appointment (video or phone appointment with a professional).
CHANNEL_KINDS: tuple[str, ...] = ("in_person", "phone", "e_service", "remote")
ChannelKind = Literal["in_person", "phone", "e_service", "remote"]

#: Weekdays in the order of :attr:`Location.opening_days` (HSDS ``byday`` codes).
DAYS: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Organization:
    """An organisation that provides services (HSDS ``organization``)."""

    id: str
    name: str
    description: str = ""
    website: str = ""
    source: str = ""


@dataclass(frozen=True)
class Service:
    """A service (HSDS ``service``); ``service_type`` is a soteplan vocabulary term."""

    id: str
    organization_id: str
    name: str
    service_type: str
    description: str = ""
    source: str = ""
    example: bool = False
    origin: str = ""  # "region" (the region's service points), "hsds" or "ptv" (imported)


@dataclass(frozen=True)
class Location:
    """A physical place (HSDS ``location`` with its ``address`` and weekly ``schedule``).

    ``opening_days`` holds one flag per weekday (Monday first): ``True`` open,
    ``False`` closed, ``None`` not known; ``opening_days`` itself is ``None``
    when the data has no schedule.  ``opening_days_year`` is the year the days
    were recorded for.
    """

    id: str
    organization_id: str
    name: str
    x: float
    y: float
    municipality: str
    address: str = ""
    postcode: str = ""
    opening_days: tuple[bool | None, ...] | None = None
    opening_days_year: int | None = None
    source: str = ""

    def open_days(self) -> list[str]:
        """HSDS ``byday`` codes of the days known to be open (``["MO", …]``)."""
        if self.opening_days is None:
            return []
        return [d for d, v in zip(DAYS, self.opening_days, strict=True) if v]

    def days_known(self) -> bool:
        """Whether every weekday's opening is known."""
        return self.opening_days is not None and all(v is not None for v in self.opening_days)


@dataclass(frozen=True)
class ServiceAtLocation:
    """A service delivered at a location (HSDS ``service_at_location``)."""

    id: str
    service_id: str
    location_id: str


@dataclass(frozen=True)
class Channel:
    """A way to reach a service: in person, phone, e-service or remote appointment.

    ``value`` is the phone number or the address of the e-service; ``service_id``
    / ``location_id`` say what it belongs to (both empty: a region-wide channel).
    """

    kind: ChannelKind
    value: str
    name: str = ""
    service_id: str = ""
    location_id: str = ""
    source: str = ""
    note: str = ""
    key: str = ""  # message key of a region-wide channel's name (``resident.rc.<key>``)
    checked: str = ""  # ISO date the value was last checked against ``source``

    @property
    def known(self) -> bool:
        """Whether the channel has a value (a phone channel without one: number not in data)."""
        return bool(self.value.strip())


@dataclass(frozen=True)
class Directory:
    """A service directory (frozen): organisations, services, locations and channels.

    Build one from a region with :func:`~soteplan.guidance.region_directory`, read
    files with :func:`~soteplan.guidance.read_hsds_datapackage` or
    :func:`~soteplan.guidance.read_ptv_json`, and combine them with :meth:`merge`.
    """

    organizations: tuple[Organization, ...] = ()
    services: tuple[Service, ...] = ()
    locations: tuple[Location, ...] = ()
    service_at_location: tuple[ServiceAtLocation, ...] = ()
    channels: tuple[Channel, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems: list[DataProblem] = []
        src = str(self.meta.get("source", "directory"))
        for table, items in (
            ("organization", self.organizations),
            ("service", self.services),
            ("location", self.locations),
            ("service_at_location", self.service_at_location),
        ):
            ids = [i.id for i in items]
            dup = sorted({i for i in ids if ids.count(i) > 1})
            for d in dup[:20]:
                problems.append(DataProblem(src, None, f"{table}.id", f"duplicate id {d!r}"))
        orgs = {o.id for o in self.organizations}
        svcs = {s.id for s in self.services}
        locs = {loc.id for loc in self.locations}
        for s in self.services:
            if s.organization_id not in orgs:
                problems.append(
                    DataProblem(
                        src,
                        None,
                        "service.organization_id",
                        f"{s.id}: unknown organisation {s.organization_id!r}",
                    )
                )
        for sal in self.service_at_location:
            if sal.service_id not in svcs:
                problems.append(
                    DataProblem(
                        src,
                        None,
                        "service_at_location.service_id",
                        f"{sal.id}: unknown service {sal.service_id!r}",
                    )
                )
            if sal.location_id not in locs:
                problems.append(
                    DataProblem(
                        src,
                        None,
                        "service_at_location.location_id",
                        f"{sal.id}: unknown location {sal.location_id!r}",
                    )
                )
        for c in self.channels:
            if c.kind not in CHANNEL_KINDS:
                problems.append(DataProblem(src, None, "channel.kind", f"unknown kind {c.kind!r}"))
            if c.service_id and c.service_id not in svcs:
                problems.append(
                    DataProblem(
                        src, None, "channel.service_id", f"unknown service {c.service_id!r}"
                    )
                )
            if c.location_id and c.location_id not in locs:
                problems.append(
                    DataProblem(
                        src, None, "channel.location_id", f"unknown location {c.location_id!r}"
                    )
                )
        if problems:
            raise DataError(problems)

    # ---------------------------------------------------------------- access
    def service(self, service_id: str) -> Service:
        """The service with this id."""
        return self._services[service_id]

    def location(self, location_id: str) -> Location:
        """The location with this id."""
        return self._locations[location_id]

    @cached_property
    def _services(self) -> Mapping[str, Service]:
        return {s.id: s for s in self.services}

    @cached_property
    def _locations(self) -> Mapping[str, Location]:
        return {loc.id: loc for loc in self.locations}

    def service_types(self) -> list[str]:
        """Service types present in the directory, sorted."""
        return sorted({s.service_type for s in self.services})

    def channels_of(self, service_id: str, location_id: str = "") -> list[Channel]:
        """Channels of a service, and of its location when given (in-person first)."""
        out = [
            c
            for c in self.channels
            if c.service_id == service_id and (not c.location_id or c.location_id == location_id)
        ]
        out += [
            c
            for c in self.channels
            if not c.service_id and c.location_id and c.location_id == location_id
        ]
        order = {k: i for i, k in enumerate(CHANNEL_KINDS)}
        return sorted(dict.fromkeys(out), key=lambda c: order[c.kind])

    def merge(self, *others: Directory) -> Directory:
        """This directory with the records of ``others`` added (ids must stay unique)."""
        parts = [self, *others]
        sources = [p.meta.get("source", "") for p in parts]
        return Directory(
            tuple(o for p in parts for o in p.organizations),
            tuple(s for p in parts for s in p.services),
            tuple(loc for p in parts for loc in p.locations),
            tuple(a for p in parts for a in p.service_at_location),
            tuple(c for p in parts for c in p.channels),
            meta={
                "source": " + ".join(s for s in sources if s),
                "parts": [dict(p.meta) for p in parts],
                "crs": "EPSG:3067",
            },
        )

    def with_meta(self, **meta: Any) -> Directory:
        """A copy with ``meta`` updated."""
        return replace(self, meta={**self.meta, **meta})

    # ---------------------------------------------------------------- output
    def to_frame(self) -> pd.DataFrame:
        """One row per service at a location: ids, names, type, place and channel counts."""
        svc, loc = self._services, self._locations
        orgs = {o.id: o for o in self.organizations}
        rows = []
        for sal in self.service_at_location:
            s, lo = svc[sal.service_id], loc[sal.location_id]
            ch = self.channels_of(s.id, lo.id)
            rows.append(
                {
                    "id": sal.id,
                    "service_id": s.id,
                    "service": s.name,
                    "service_type": s.service_type,
                    "organization": orgs[s.organization_id].name,
                    "location_id": lo.id,
                    "municipality": lo.municipality,
                    "address": lo.address,
                    "x": lo.x,
                    "y": lo.y,
                    "opening_days": ",".join(lo.open_days()),
                    "phone": sum(c.kind == "phone" for c in ch),
                    "e_service": sum(c.kind == "e_service" for c in ch),
                    "remote": sum(c.kind == "remote" for c in ch),
                    "example": s.example,
                    "source": s.source,
                }
            )
        return pd.DataFrame(rows).set_index("id") if rows else pd.DataFrame()

    def to_hsds(self) -> dict[str, Any]:
        """The directory as HSDS-shaped JSON (WGS84 latitude/longitude, as HSDS has it)."""
        from pyproj import Transformer

        tr = Transformer.from_crs("EPSG:3067", "EPSG:4326", always_xy=True)
        xs = np.array([loc.x for loc in self.locations], dtype=float)
        ys = np.array([loc.y for loc in self.locations], dtype=float)
        lon, lat = tr.transform(xs, ys) if len(xs) else (xs, ys)
        locations = []
        for i, loc in enumerate(self.locations):
            sched = (
                [
                    {
                        "id": f"{loc.id}-week",
                        "location_id": loc.id,
                        "freq": "WEEKLY",
                        "byday": ",".join(loc.open_days()),
                        "valid_from": str(loc.opening_days_year or ""),
                    }
                ]
                if loc.days_known()
                else []
            )
            locations.append(
                {
                    "id": loc.id,
                    "organization_id": loc.organization_id,
                    "name": loc.name,
                    "location_type": "physical",
                    "latitude": round(float(lat[i]), 6),
                    "longitude": round(float(lon[i]), 6),
                    "external_identifiers": [
                        {"identifier": loc.municipality, "identifier_type": "kuntakoodi"}
                    ],
                    "addresses": [
                        {
                            "address_1": loc.address,
                            "postal_code": loc.postcode,
                            "address_type": "physical",
                            "country": "FI",
                        }
                    ]
                    if loc.address
                    else [],
                    "schedules": sched,
                    "phones": [
                        {"number": c.value}
                        for c in self.channels
                        if c.kind == "phone" and c.location_id == loc.id and not c.service_id
                    ],
                }
            )
        services = []
        for s in self.services:
            ch = [c for c in self.channels if c.service_id == s.id]
            services.append(
                {
                    "id": s.id,
                    "organization_id": s.organization_id,
                    "name": s.name,
                    "description": s.description,
                    "status": "active",
                    "url": next((c.value for c in ch if c.kind == "e_service"), ""),
                    "phones": [
                        {"number": c.value, "description": c.name} for c in ch if c.kind == "phone"
                    ],
                    "attributes": [
                        {"taxonomy_term": {"vocabulary": "soteplan", "code": s.service_type}}
                    ],
                    "channels": [
                        {
                            "kind": c.kind,
                            "value": c.value,
                            "name": c.name,
                            "location_id": c.location_id,
                        }
                        for c in ch
                    ],
                    "example": s.example,
                    "source": s.source,
                    "origin": s.origin,
                }
            )
        return {
            "organizations": [
                {"id": o.id, "name": o.name, "description": o.description, "website": o.website}
                for o in self.organizations
            ],
            "services": services,
            "locations": locations,
            "service_at_locations": [
                {"id": a.id, "service_id": a.service_id, "location_id": a.location_id}
                for a in self.service_at_location
            ],
            "meta": {
                "specification": "Open Referral HSDS 3.0 (shape); soteplan channel kinds "
                "and service-type vocabulary",
                **{k: v for k, v in self.meta.items() if k not in ("parts", "crs")},
                "crs": "EPSG:4326",
            },
        }


def unique(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without duplicates."""
    return list(dict.fromkeys(items))
