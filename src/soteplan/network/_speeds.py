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
    "KS_CALIBRATION",
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

#: The fit behind the default speeds and connecting-road factors of the approximate
#: Keski-Suomi graph: :func:`soteplan.network.calibrate_main_roads` on the published
#: centre-to-centre car times of ``tests/data/reference/car_times_centres.csv``
#: (``python scripts/calibrate_road_network.py``; per-pair errors in ``docs/validation.md``).
#: The published times are door-to-door between town centres, so the main-road speeds
#: are averages that include the built-up sections at both ends (about 71 km/h over the
#: whole trip in every source), not free-flow speeds.
KS_CALIBRATION: dict[str, Any] = {
    "reference": "tests/data/reference/car_times_centres.csv",
    "sources": "merger-study appendix 5C (doczz.net/doc/7052393), Visit Central Finland "
    "resort pages (Saarijärvi, Lomaseutu), Visit Jyväskylä (Petäjävesi), Retkipaikka "
    "(Hankasalmi)",
    "pairs": 10,
    "pairs_with_km": 8,
    "method": "circuity factor: least squared log error of the published road km "
    "(searched in 1.2-1.4, the literature range); speeds: grid search (valtatie 60-100, "
    "kantatie 60-90, connecting 40-80 km/h, steps of 5) minimising the sum of squared "
    "log errors of the published minutes; leave-one-out check",
    "valtatie_kmh": 70.0,
    "kantatie_kmh": 70.0,
    "connecting_kmh": 70.0,
    "connecting_detour": 1.2,
    "rms_log_error": 0.061,
}

#: Average travel speeds (km/h) on the approximate Keski-Suomi main-road layer,
#: fitted to published car times (:data:`KS_CALIBRATION`; before the fit: valtatie
#: 80 and kantatie 70 km/h, chosen).
MAIN_ROAD_SPEEDS_KMH: dict[str, float] = {
    "valtatie": float(KS_CALIBRATION["valtatie_kmh"]),
    "kantatie": float(KS_CALIBRATION["kantatie_kmh"]),
}

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
