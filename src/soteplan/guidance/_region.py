"""The service directory built from a region's own service points."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from soteplan.guidance._model import (
    Channel,
    Directory,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
)
from soteplan.guidance._tables import opening_days_table

if TYPE_CHECKING:
    from soteplan.region import Region

__all__ = ["assign_municipalities", "region_directory"]

_DAY_COLS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_POSTCODE = re.compile(r"\b(\d{5})\b")


def _slug(text: str) -> str:
    import unicodedata

    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", t.lower()).strip("-") or "unknown"


def _days(row: pd.Series) -> tuple[bool | None, ...]:
    return tuple(None if row[d] == "" else row[d] == "1" for d in _DAY_COLS)


def region_directory(region: Region, year: int | None = None) -> Directory:
    """The region's service points as a service directory.

    Every point of the real service types (health stations, hospitals,
    emergency departments; not the approximate home-care bases) operating in
    ``year`` (``None``: the points open at the end of the data) becomes one
    location with one in-person service.  Points come from
    :func:`soteplan.access.service_points`, so a dated network follows the
    region's data.  Opening days of health stations come from the
    health-station data (``opening_days.csv``, the latest year they are known);
    emergency departments whose facility type says 24/7 are open every day.
    The embedded data has no phone numbers or e-service links, so none are made up.
    """
    from soteplan.access import HOME_CARE_BASE, service_points

    days = opening_days_table()
    orgs: dict[str, Organization] = {}
    services, locations, sals, channels = [], [], [], []
    types = sorted(set(region.service_points["type"].astype(str)) - {HOME_CARE_BASE})
    for stype in types:
        sp = service_points(region, stype, year)
        for pid, row in sp.iterrows():
            pid = str(pid)
            organizer = str(row.get("organizer") or "").strip()
            if organizer in ("", "nan", "<NA>"):
                organizer = ""
            oid = f"org-{_slug(organizer)}" if organizer else "org-not-recorded"
            if oid not in orgs:
                orgs[oid] = Organization(
                    oid,
                    organizer or "(organiser not recorded in the data)",
                    source=str(row.get("source") or ""),
                )
            address = str(row.get("address") or "")
            address = "" if address in ("nan", "<NA>") else address
            m = _POSTCODE.search(address)
            opening: tuple[bool | None, ...] | None = None
            opening_year: int | None = None
            if pid in days.index:
                opening = _days(days.loc[pid])
                if any(v is not None for v in opening):
                    opening_year = int(days.loc[pid, "year"])
                else:  # the data does not know this station's days in any year
                    opening = None
            elif "24/7" in str(row.get("facility_type") or ""):
                opening = (True,) * 7
            locations.append(
                Location(
                    pid,
                    oid,
                    str(row["name"]),
                    float(row.geometry.x),
                    float(row.geometry.y),
                    str(row["municipality"]),
                    address=address,
                    postcode=m.group(1) if m else "",
                    opening_days=opening,
                    opening_days_year=opening_year,
                    source=str(row.get("source") or ""),
                )
            )
            sid = f"svc-{pid}"
            services.append(
                Service(
                    sid,
                    oid,
                    str(row["name"]),
                    stype,
                    source=str(row.get("source") or ""),
                    origin="region",
                )
            )
            sals.append(ServiceAtLocation(f"sal-{pid}", sid, pid))
            channels.append(
                Channel("in_person", address, str(row["name"]), sid, pid, source="service_points")
            )
    return Directory(
        tuple(orgs.values()),
        tuple(services),
        tuple(locations),
        tuple(sals),
        tuple(channels),
        meta={
            "source": f"region {region.id} service points",
            "year": year,
            "crs": "EPSG:3067",
            "opening_days": "Palo & Lavaste, Health stations in Finland 2013-2019 (MIT), "
            "latest year known per station",
            "attribution": list(region.attribution),
        },
    )


def assign_municipalities(directory: Directory, municipalities: gpd.GeoDataFrame) -> Directory:
    """Fill in the municipality of locations without one from the polygon they lie in.

    ``municipalities`` is indexed by 3-digit code with polygons in EPSG:3067; a
    location outside every polygon keeps an empty municipality.
    """
    from dataclasses import replace

    todo = [i for i, loc in enumerate(directory.locations) if not loc.municipality]
    if not todo:
        return directory
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(
            [directory.locations[i].x for i in todo], [directory.locations[i].y for i in todo]
        ),
        crs="EPSG:3067",
    )
    polys = gpd.GeoDataFrame(
        {"code": municipalities.index.astype(str)},
        geometry=municipalities.geometry.to_numpy(),
        crs=municipalities.crs,
    ).to_crs("EPSG:3067")
    hit = gpd.sjoin(pts, polys, how="left", predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")]
    locs = list(directory.locations)
    for k, i in enumerate(todo):
        code = hit["code"].iloc[k]
        if isinstance(code, str):
            locs[i] = replace(locs[i], municipality=code)
    return replace(directory, locations=tuple(locs))
