"""Import services and service channels of the Suomi.fi Finnish Service Catalogue (PTV).

The file is JSON as the PTV open API (v11) returns it: an object with
``services`` and ``serviceChannels``, each a list of items or a paged answer
(``{"itemList": [...]}``), or one list mixing both.  Services carry
``serviceNames``, ``serviceClasses``, ``organizations`` and the ids of their
``serviceChannels``; channels have ``serviceChannelType`` ``ServiceLocation``
(a place: ``addresses`` with coordinates, ``serviceHours``), ``Phone``
(``phoneNumbers``), ``EChannel`` or ``WebPage`` (``webPages``).  PTV gives
coordinates in ETRS-TM35FIN (EPSG:3067); values that look like degrees are
read as WGS84.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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

__all__ = ["read_ptv_json"]

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_CHANNEL_TYPES = ("ServiceLocation", "Phone", "EChannel", "WebPage", "PrintableForm")


def _items(value: Any) -> list[Any] | None:
    if isinstance(value, dict) and isinstance(value.get("itemList"), list):
        return list(value["itemList"])
    if isinstance(value, list):
        return value
    return None


def _text(items: Any, lang: str = "fi", type_: str | None = "Name") -> str:
    """The ``lang`` value of a PTV localized list (else the first one)."""
    if not isinstance(items, list):
        return ""
    cand = [
        i for i in items if isinstance(i, dict) and (type_ is None or i.get("type", type_) == type_)
    ]
    for i in cand:
        if i.get("language") == lang and i.get("value"):
            return str(i["value"])
    return str(cand[0].get("value") or "") if cand else ""


def _days(hours: Any) -> tuple[bool | None, ...] | None:
    if not isinstance(hours, list):
        return None
    for h in hours:
        if not isinstance(h, dict) or h.get("serviceHourType") not in ("DaysOfTheWeek", "Standard"):
            continue
        if h.get("isAlwaysOpen"):
            return (True,) * 7
        if h.get("isClosed"):
            return (False,) * 7
        open_ = [False] * 7
        for o in h.get("openingHour") or []:
            if not isinstance(o, dict) or o.get("dayFrom") not in _WEEKDAYS:
                return None
            a = _WEEKDAYS.index(o["dayFrom"])
            b = _WEEKDAYS.index(o["dayTo"]) if o.get("dayTo") in _WEEKDAYS else a
            for d in range(a, b + 1):
                open_[d] = True
        return tuple(open_)
    return None


def read_ptv_json(
    path: str | Path,
    *,
    service_types: Mapping[str, str] | None = None,
    default_type: str = "other",
    example: bool | None = None,
    lang: str = "fi",
) -> Directory:
    """Read a PTV open-API JSON export into a :class:`Directory`.

    Parameters
    ----------
    path
        The JSON file.
    service_types
        PTV service-class ``code`` (or ``uri``) → soteplan service type; the
        first class of a service found here gives its type, else ``default_type``.
    default_type
        Type of services whose classes are not in ``service_types``.
    example
        Mark every service as example data; ``None``: as the file says
        (``"soteplan:example": true`` at the top level).
    lang
        Language of the names kept (``fi``, ``sv`` or ``en``; falls back to the first).

    Raises
    ------
    DataError
        Every problem found, naming the file, the item (1-based ``row`` within
        ``services`` or ``serviceChannels``) and the field.
    """
    p = Path(path)
    src = p.name
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError([DataProblem(src, None, None, f"cannot read: {exc.strerror}")]) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError([DataProblem(src, None, None, f"not valid JSON: {exc}")]) from None
    problems: list[DataProblem] = []
    if isinstance(doc, dict):
        svc_items = _items(doc.get("services", []))
        ch_items = _items(doc.get("serviceChannels", []))
        flag = bool(doc.get("soteplan:example", False)) if example is None else example
    elif isinstance(doc, list):
        svc_items = [d for d in doc if isinstance(d, dict) and "serviceChannelType" not in d]
        ch_items = [d for d in doc if isinstance(d, dict) and "serviceChannelType" in d]
        flag = bool(example)
    else:
        svc_items = ch_items = None
        flag = False
    if svc_items is None or ch_items is None:
        raise DataError(
            [DataProblem(src, None, "services", "expected services and serviceChannels lists")]
        )
    if not svc_items:
        problems.append(DataProblem(src, None, "services", "no services in the file"))
    types = dict(service_types or {})
    # ---------------------------------------------------------------- channels
    chans: dict[str, dict[str, Any]] = {}
    locations: dict[str, Location] = {}
    from pyproj import Transformer

    to3067 = Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)
    for r, ch in enumerate(ch_items, start=1):
        if not isinstance(ch, dict) or not ch.get("id"):
            problems.append(DataProblem(src, r, "serviceChannels.id", "a channel needs an id"))
            continue
        cid = str(ch["id"])
        kind = ch.get("serviceChannelType")
        if kind not in _CHANNEL_TYPES:
            problems.append(
                DataProblem(
                    src,
                    r,
                    "serviceChannels.serviceChannelType",
                    f"{kind!r}: one of {', '.join(_CHANNEL_TYPES)}",
                )
            )
            continue
        if cid in chans:
            problems.append(DataProblem(src, r, "serviceChannels.id", f"duplicate id {cid!r}"))
            continue
        chans[cid] = ch
        if kind != "ServiceLocation":
            continue
        addr = next(
            (
                a
                for a in ch.get("addresses") or []
                if isinstance(a, dict)
                and a.get("type", "Location") == "Location"
                and isinstance(a.get("streetAddress"), dict)
            ),
            None,
        )
        if addr is None:
            problems.append(
                DataProblem(
                    src,
                    r,
                    "serviceChannels.addresses",
                    "a service location needs a street address with coordinates",
                )
            )
            continue
        st = addr["streetAddress"]
        try:
            a, b = float(st.get("latitude")), float(st.get("longitude"))
        except (TypeError, ValueError):
            problems.append(
                DataProblem(
                    src,
                    r,
                    "serviceChannels.addresses.streetAddress.latitude",
                    "coordinates must be numbers",
                )
            )
            continue
        if a > 1000:  # ETRS-TM35FIN: latitude = northing, longitude = easting
            x, y = b, a
        else:
            x, y = to3067.transform(b, a)
        if not (40_000 <= x <= 780_000 and 6_580_000 <= y <= 7_820_000):
            problems.append(
                DataProblem(
                    src,
                    r,
                    "serviceChannels.addresses.streetAddress.latitude",
                    f"({a}, {b}) is not in Finland",
                )
            )
            continue
        muni = st.get("municipality") or {}
        code = (
            str(muni.get("code") or "").zfill(3)
            if isinstance(muni, dict) and muni.get("code")
            else ""
        )
        street = _text(st.get("street"), lang, None)
        number = str(st.get("streetNumber") or "")
        pc = str(st.get("postalCode") or "")
        post = _text(st.get("postOffice"), lang, None)
        locations[cid] = Location(
            cid,
            str(ch.get("organizationId") or ""),
            _text(ch.get("serviceChannelNames"), lang),
            float(x),
            float(y),
            code,
            address=f"{street} {number}, {pc} {post}".strip(" ,"),
            postcode=pc,
            opening_days=_days(ch.get("serviceHours")),
            source=src,
        )
    # ---------------------------------------------------------------- services
    orgs: dict[str, Organization] = {}
    services, sals, channels = [], [], []
    seen: set[str] = set()
    for r, s in enumerate(svc_items, start=1):
        if not isinstance(s, dict) or not s.get("id"):
            problems.append(DataProblem(src, r, "services.id", "a service needs an id"))
            continue
        sid = str(s["id"])
        if sid in seen:
            problems.append(DataProblem(src, r, "services.id", f"duplicate id {sid!r}"))
            continue
        seen.add(sid)
        name = _text(s.get("serviceNames"), lang)
        if not name:
            problems.append(DataProblem(src, r, "services.serviceNames", "a service needs a name"))
        org = next(
            (
                o
                for o in s.get("organizations") or []
                if isinstance(o, dict) and o.get("roleType") == "Responsible"
            ),
            None,
        ) or next((o for o in s.get("organizations") or [] if isinstance(o, dict)), None)
        item = (org or {}).get("organization") or {}
        oid = str(item.get("id") or (org or {}).get("organizationId") or "")
        if not oid:
            problems.append(
                DataProblem(src, r, "services.organizations", "no responsible organisation")
            )
            continue
        orgs.setdefault(oid, Organization(oid, str(item.get("name") or oid), source=src))
        stype = default_type
        for c in s.get("serviceClasses") or []:
            if isinstance(c, dict):
                hit = types.get(str(c.get("code") or "")) or types.get(str(c.get("uri") or ""))
                if hit:
                    stype = hit
                    break
        services.append(
            Service(
                sid,
                oid,
                name,
                stype,
                _text(s.get("serviceDescriptions"), lang, "Summary"),
                src,
                flag,
                "ptv",
            )
        )
        for link in s.get("serviceChannels") or []:
            ref = (link or {}).get("serviceChannel") or {} if isinstance(link, dict) else {}
            cid = str(ref.get("id") or "")
            if cid not in chans:
                problems.append(
                    DataProblem(src, r, "services.serviceChannels", f"unknown channel {cid!r}")
                )
                continue
            ch = chans[cid]
            kind = ch["serviceChannelType"]
            cname = _text(ch.get("serviceChannelNames"), lang)
            if kind == "ServiceLocation" and cid in locations:
                sals.append(ServiceAtLocation(f"{sid}@{cid}", sid, cid))
                channels.append(Channel("in_person", locations[cid].address, cname, sid, cid, src))
                for ph in ch.get("phoneNumbers") or []:
                    if (
                        isinstance(ph, dict)
                        and ph.get("number")
                        and ph.get("type", "Phone") == "Phone"
                    ):
                        num = f"{ph.get('prefixNumber') or ''} {ph['number']}".strip()
                        channels.append(Channel("phone", num, cname, sid, cid, src))
            elif kind == "Phone":
                for ph in ch.get("phoneNumbers") or []:
                    if (
                        isinstance(ph, dict)
                        and ph.get("number")
                        and ph.get("type", "Phone") == "Phone"
                    ):
                        num = f"{ph.get('prefixNumber') or ''} {ph['number']}".strip()
                        channels.append(Channel("phone", num, cname, sid, source=src))
            elif kind in ("EChannel", "WebPage"):
                for w in ch.get("webPages") or []:
                    if isinstance(w, dict) and str(w.get("url") or "").startswith(
                        ("https://", "http://")
                    ):
                        channels.append(Channel("e_service", str(w["url"]), cname, sid, source=src))
                        break
    if problems:
        raise DataError(problems)
    used = {a.location_id for a in sals}
    for loc in locations.values():
        if loc.organization_id and loc.organization_id not in orgs:
            orgs[loc.organization_id] = Organization(
                loc.organization_id, loc.organization_id, source=src
            )
    return Directory(
        tuple(orgs.values()),
        tuple(services),
        tuple(v for k, v in locations.items() if k in used),
        tuple(sals),
        tuple(dict.fromkeys(channels)),
        meta={
            "source": f"PTV {src}",
            "file": src,
            "example": flag,
            "crs": "EPSG:3067",
            "days": list(DAYS),
        },
    )
