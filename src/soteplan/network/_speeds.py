"""Speeds of road classes (km/h) used when an edge carries no usable speed limit.

The OSM table gives free-flow car speeds by ``highway`` class, close to the
Finnish general limits (80 km/h outside built-up areas, 50 km/h inside, 100–120
on motorways) and lowered for minor classes where junctions, bends and narrow
roads keep real speeds below the limit.  An edge with a numeric ``maxspeed``
tag uses that limit instead (free flow: no congestion, no junction delay).
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = [
    "MAIN_ROAD_SPEEDS_KMH",
    "OSM_DEFAULT_SPEED_KMH",
    "OSM_HIGHWAY_SPEEDS_KMH",
    "osm_speed_kmh",
    "parse_maxspeed",
]

#: Free-flow speed (km/h) by OSM ``highway`` class when ``maxspeed`` is missing.
OSM_HIGHWAY_SPEEDS_KMH: dict[str, float] = {
    "motorway": 110.0,
    "motorway_link": 60.0,
    "trunk": 90.0,
    "trunk_link": 50.0,
    "primary": 80.0,
    "primary_link": 50.0,
    "secondary": 70.0,
    "secondary_link": 40.0,
    "tertiary": 60.0,
    "tertiary_link": 40.0,
    "unclassified": 50.0,
    "road": 50.0,
    "residential": 40.0,
    "living_street": 20.0,
    "service": 20.0,
    "track": 30.0,
}
#: Speed (km/h) of a class missing from :data:`OSM_HIGHWAY_SPEEDS_KMH`.
OSM_DEFAULT_SPEED_KMH = 40.0

#: Average travel speeds (km/h) on the approximate Keski-Suomi main-road layer.
#: Valtatie (national trunk roads 1–29) are mostly 80–100 km/h roads; 80 km/h
#: average allows for village sections at 50–60 km/h.  Kantatie (main roads
#: 40–99) are mostly 80 km/h roads with more built-up sections: 70 km/h.
MAIN_ROAD_SPEEDS_KMH: dict[str, float] = {"valtatie": 80.0, "kantatie": 70.0}

# Finnish zone codes (Tieliikennelaki 2018 general limits)
_ZONES = {
    "fi:urban": 50.0,
    "fi:rural": 80.0,
    "fi:motorway": 120.0,
    "fi:living_street": 20.0,
    "fi:zone30": 30.0,
    "fi:zone40": 40.0,
    "walk": 6.0,
}
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?\s*$")


def parse_maxspeed(value: Any) -> float | None:
    """Speed (km/h) of an OSM ``maxspeed`` value, or ``None`` when it is not usable.

    Handles plain numbers, ``"50 mph"``, Finnish zone codes (``"FI:urban"``)
    and lists (``"60;80"``: the lowest counts).
    """
    if value is None:
        return None
    if isinstance(value, int | float):
        v = float(value)
        return v if math.isfinite(v) and v > 0 else None
    text = str(value).strip().lower()
    if not text or text in ("none", "signals", "variable", "nan"):
        return None
    speeds = []
    for part in text.split(";"):
        part = part.strip()
        if part in _ZONES:
            speeds.append(_ZONES[part])
            continue
        m = _NUMBER.match(part)
        if m:
            v = float(m.group(1)) * (1.609344 if m.group(2) == "mph" else 1.0)
            if v > 0:
                speeds.append(v)
    return min(speeds) if speeds else None


def osm_speed_kmh(highway: Any, maxspeed: Any) -> float:
    """Free-flow speed of one OSM edge: ``maxspeed`` when usable, else by class."""
    v = parse_maxspeed(maxspeed)
    if v is not None:
        return v
    cls = str(highway).split(";")[0].strip().lower() if highway is not None else ""
    return OSM_HIGHWAY_SPEEDS_KMH.get(cls, OSM_DEFAULT_SPEED_KMH)
