"""Import an Open Referral HSDS datapackage (``datapackage.json`` + CSV tables).

Tables read (HSDS 3.0 names; the HSDS 2.0 plural names are accepted too):
``organization``, ``service``, ``location``, ``service_at_location`` (required),
``address``, ``phone``, ``schedule``, ``attribute`` and ``taxonomy_term``
(optional).  A service's soteplan type is the ``code`` of a taxonomy term of
vocabulary ``soteplan`` linked to it through ``attribute``; services without one
get ``default_type``.  Phones become phone channels (``type`` ``video``: remote
appointment), ``service.url`` an e-service channel, weekly schedules the
location's opening days.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np

from soteplan.errors import DataError, DataProblem
from soteplan.guidance._model import (
    DAYS,
    Channel,
    Directory,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
)
from soteplan.region.io._common import Problems, decode_text

__all__ = ["read_hsds_datapackage"]

_ALIASES = {
    "organizations": "organization",
    "services": "service",
    "locations": "location",
    "services_at_location": "service_at_location",
    "services_at_locations": "service_at_location",
    "phones": "phone",
    "physical_addresses": "address",
    "regular_schedules": "schedule",
    "schedules": "schedule",
    "addresses": "address",
    "attributes": "attribute",
    "taxonomy_terms": "taxonomy_term",
}
_REQUIRED = {
    "organization": ("id", "name"),
    "service": ("id", "organization_id", "name"),
    "location": ("id", "name", "latitude", "longitude"),
    "service_at_location": ("id", "service_id", "location_id"),
    "phone": ("id", "number"),
    "schedule": ("id", "byday"),
    "address": ("id", "location_id", "address_1", "postal_code"),
    "attribute": ("id", "link_id", "taxonomy_term_id"),
    "taxonomy_term": ("id", "code", "vocabulary"),
}
_PHONE = re.compile(r"^\+?[0-9 ()\-]{3,20}$")
_URL = re.compile(r"^https?://[^\s]+$")
_HSDS2_DAYS = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
}


def _read_table(path: Path, problems: Problems) -> list[dict[str, str]] | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.add(None, None, f"cannot read {path.name}: {exc.strerror}")
        return None
    try:
        text, _ = decode_text(raw, path.name)
    except DataError as exc:
        problems.items.extend(exc.problems)
        return None
    return list(csv.DictReader(io.StringIO(text)))


def read_hsds_datapackage(
    path: str | Path, *, default_type: str = "other", example: bool | None = None
) -> Directory:
    """Read an HSDS datapackage directory (or its ``datapackage.json``).

    Parameters
    ----------
    path
        The directory holding ``datapackage.json`` and the CSV files it lists,
        or the ``datapackage.json`` file itself.
    default_type
        soteplan service type of services without a ``soteplan`` taxonomy term.
    example
        Mark every service as example data; ``None``: as the package says
        (``"soteplan:example": true`` in ``datapackage.json``).

    Raises
    ------
    DataError
        Every problem found, each naming the file, the 1-based data row and the
        field (missing tables or columns, duplicate or dangling ids, bad
        coordinates, phone numbers, URLs or weekdays).
    """
    from pyproj import Transformer

    p = Path(path)
    dp = p / "datapackage.json" if p.is_dir() else p
    root = dp.parent
    head = Problems(dp.name)
    try:
        pkg = json.loads(dp.read_text(encoding="utf-8"))
    except OSError:
        raise DataError([DataProblem(dp.name, None, None, f"no datapackage.json at {p}")]) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError([DataProblem(dp.name, None, None, f"not valid JSON: {exc}")]) from None
    if not isinstance(pkg, dict) or not isinstance(pkg.get("resources"), list):
        raise DataError(
            [DataProblem(dp.name, None, "resources", "a list of resources is required")]
        )
    tables: dict[str, list[dict[str, str]]] = {}
    files: dict[str, str] = {}
    for i, res in enumerate(pkg["resources"]):
        if not isinstance(res, dict) or not isinstance(res.get("path"), str):
            head.add(None, f"resources[{i}].path", "each resource needs a path")
            continue
        name = str(res.get("name") or Path(res["path"]).stem)
        name = _ALIASES.get(name, name)
        if name not in _REQUIRED:
            continue
        f = root / res["path"]
        if not f.is_file():
            head.add(None, f"resources[{i}].path", f"file {res['path']!r} does not exist")
            continue
        tp = Problems(f.name)
        rows = _read_table(f, tp)
        declared = [
            str(fl.get("name"))
            for fl in (res.get("schema") or {}).get("fields", [])
            if isinstance(fl, dict)
        ]
        if rows is not None:
            cols = list(rows[0].keys()) if rows else declared
            missing = [c for c in _REQUIRED[name] if c not in cols]
            missing += [c for c in declared if c not in cols and c not in missing]
            for c in missing:
                tp.add(None, c, "missing column (required by HSDS or declared in the schema)")
            if not missing:
                tables[name] = rows
                files[name] = f.name
        head.items.extend(tp.items)
    for req in ("organization", "service", "location", "service_at_location"):
        if req not in tables and not any(pr.field in _REQUIRED.get(req, ()) for pr in head.items):
            head.add(None, "resources", f"the required table {req!r} is missing")
    head.raise_if_any()
    problems: list[DataProblem] = []

    def check_ids(name: str) -> set[str]:
        seen: set[str] = set()
        for r, row in enumerate(tables.get(name, []), start=1):
            rid = (row.get("id") or "").strip()
            if not rid:
                problems.append(DataProblem(files[name], r, "id", "empty id"))
            elif rid in seen:
                problems.append(DataProblem(files[name], r, "id", f"duplicate id {rid!r}"))
            seen.add(rid)
        return seen

    org_ids, svc_ids, loc_ids = (
        check_ids("organization"),
        check_ids("service"),
        check_ids("location"),
    )
    check_ids("service_at_location")

    def ref(name: str, r: int, row: dict[str, str], col: str, known: set[str], req: bool) -> str:
        v = (row.get(col) or "").strip()
        if not v:
            if req:
                problems.append(DataProblem(files[name], r, col, "required"))
            return ""
        if v not in known:
            problems.append(DataProblem(files[name], r, col, f"unknown id {v!r}"))
            return ""
        return v

    flag = bool(pkg.get("soteplan:example", False)) if example is None else example
    src = str(pkg.get("name") or root.name)
    orgs = tuple(
        Organization(
            row["id"].strip(),
            row["name"].strip(),
            (row.get("description") or "").strip(),
            (row.get("website") or row.get("url") or "").strip(),
            src,
        )
        for row in tables["organization"]
    )
    # service types through attribute → taxonomy_term (vocabulary "soteplan")
    terms = {
        row["id"].strip(): row["code"].strip()
        for row in tables.get("taxonomy_term", [])
        if row.get("vocabulary", "").strip().lower() == "soteplan"
    }
    stype: dict[str, str] = {}
    for r, row in enumerate(tables.get("attribute", []), start=1):
        tid = row["taxonomy_term_id"].strip()
        if tid in terms:
            lid = row["link_id"].strip()
            if lid not in svc_ids:
                problems.append(
                    DataProblem(files["attribute"], r, "link_id", f"unknown service {lid!r}")
                )
            stype[lid] = terms[tid]
    services, channels = [], []
    for r, row in enumerate(tables["service"], start=1):
        oid = ref("service", r, row, "organization_id", org_ids, True)
        sid = row["id"].strip()
        url = (row.get("url") or "").strip()
        if url:
            if _URL.match(url):
                channels.append(Channel("e_service", url, row["name"].strip(), sid, source=src))
            else:
                problems.append(
                    DataProblem(files["service"], r, "url", f"{url!r} is not an http(s) URL")
                )
        services.append(
            Service(
                sid,
                oid,
                row["name"].strip(),
                stype.get(sid, default_type),
                (row.get("description") or "").strip(),
                src,
                flag,
                "hsds",
            )
        )
    # addresses and schedules per location
    addr: dict[str, tuple[str, str]] = {}
    for r, row in enumerate(tables.get("address", []), start=1):
        lid = ref("address", r, row, "location_id", loc_ids, True)
        pc = row["postal_code"].strip()
        if pc and not re.fullmatch(r"\d{5}", pc):
            problems.append(DataProblem(files["address"], r, "postal_code", f"{pc!r}: five digits"))
        city = (row.get("city") or "").strip()
        addr[lid] = (f"{row['address_1'].strip()}, {pc} {city}".strip(", "), pc)
    sal_rows = tables["service_at_location"]
    sal_loc = {row["id"].strip(): row["location_id"].strip() for row in sal_rows}
    days: dict[str, set[str]] = {}
    for r, row in enumerate(tables.get("schedule", []), start=1):
        lid = (row.get("location_id") or "").strip() or sal_loc.get(
            (row.get("service_at_location_id") or "").strip(), ""
        )
        if lid not in loc_ids:
            problems.append(DataProblem(files["schedule"], r, "location_id", "no known location"))
            continue
        for d in re.split(r"[,\s]+", row["byday"].strip()):
            code = _HSDS2_DAYS.get(d.lower(), d.upper())
            if not d:
                continue
            if code not in DAYS:
                problems.append(
                    DataProblem(
                        files["schedule"], r, "byday", f"{d!r} is not a weekday code (MO..SU)"
                    )
                )
                continue
            days.setdefault(lid, set()).add(code)
    lat_lon: list[tuple[float, float]] = []
    for r, row in enumerate(tables["location"], start=1):
        try:
            lat, lon = float(row["latitude"]), float(row["longitude"])
        except ValueError:
            problems.append(
                DataProblem(
                    files["location"],
                    r,
                    "latitude",
                    "latitude and longitude must be numbers (WGS84 degrees)",
                )
            )
            lat_lon.append((np.nan, np.nan))
            continue
        if not (59.0 <= lat <= 71.0 and 19.0 <= lon <= 32.0):
            problems.append(
                DataProblem(
                    files["location"],
                    r,
                    "latitude",
                    f"({lat}, {lon}) is not in Finland (WGS84 degrees)",
                )
            )
        lat_lon.append((lat, lon))
    for name, col, kind in (("phone", "number", "phone"),):
        for r, row in enumerate(tables.get(name, []), start=1):
            num = row[col].strip()
            if not _PHONE.match(num):
                problems.append(DataProblem(files[name], r, col, f"{num!r} is not a phone number"))
                continue
            sid = ref(name, r, row, "service_id", svc_ids, False)
            lid = ref(name, r, row, "location_id", loc_ids, False)
            if (
                not (row.get("service_id") or "").strip()
                and not (row.get("location_id") or "").strip()
            ):
                problems.append(
                    DataProblem(
                        files[name], r, "service_id", "a phone belongs to a service or a location"
                    )
                )
                continue
            k = "remote" if (row.get("type") or "").strip().lower() == "video" else kind
            channels.append(Channel(k, num, (row.get("description") or "").strip(), sid, lid, src))  # type: ignore[arg-type]
    sals = []
    for r, row in enumerate(sal_rows, start=1):
        sid = ref("service_at_location", r, row, "service_id", svc_ids, True)
        lid = ref("service_at_location", r, row, "location_id", loc_ids, True)
        sals.append(ServiceAtLocation(row["id"].strip(), sid, lid))
    if problems:
        raise DataError(problems)
    tr = Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)
    lats = np.array([a for a, _ in lat_lon])
    lons = np.array([b for _, b in lat_lon])
    xs, ys = tr.transform(lons, lats) if len(lats) else (lons, lats)
    locations = []
    for i, row in enumerate(tables["location"]):
        lid = row["id"].strip()
        opening = tuple(d in days[lid] for d in DAYS) if lid in days else None
        a, pc = addr.get(lid, ("", ""))
        locations.append(
            Location(
                lid,
                (row.get("organization_id") or "").strip(),
                row["name"].strip(),
                float(xs[i]),
                float(ys[i]),
                "",
                address=a,
                postcode=pc,
                opening_days=opening,
                source=src,
            )
        )
    for sal in sals:
        channels.append(
            Channel(
                "in_person",
                addr.get(sal.location_id, ("", ""))[0],
                "",
                sal.service_id,
                sal.location_id,
                src,
            )
        )
    return Directory(
        orgs,
        tuple(services),
        tuple(locations),
        tuple(sals),
        tuple(channels),
        meta={
            "source": f"HSDS datapackage {src}",
            "file": dp.name,
            "example": flag,
            "crs": "EPSG:3067",
        },
    )
