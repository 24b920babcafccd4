"""Health-station opening days and outsourcing by year (Palo & Lavaste 2013–2019)."""

from __future__ import annotations

import pandas as pd

from _build.common import ALL_CODES, SOURCES, Build, BuildError, write_csv
from _build.services import STATION_PLACE

from soteplan.region.build._readers import slug

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def health_station_days(build: Build) -> None:
    """health_station_days.csv: one row per station and year, ids as in service_points.csv."""
    h = pd.read_csv(
        build.path("health-stations-lavaste", "converted", "health_stations_2013_2019_long.csv"),
        dtype=str,
    )
    h["code"] = h["municipality_num"].str.zfill(3)
    h = h[h["code"].isin(ALL_CODES)].copy()
    unknown = sorted(set(h["station"]) - set(STATION_PLACE))
    if unknown:
        raise BuildError(f"health stations without a place mapping: {unknown}")
    days = h[list(DAYS)].apply(pd.to_numeric, errors="coerce")
    unknown_days = days.isna().all(axis=1)
    partial = days.isna().any(axis=1) & ~unknown_days
    if partial.any() or not days[~unknown_days].isin([0.0, 1.0]).all().all():
        raise BuildError("health stations: opening-day columns must be 0 or 1 (or all empty)")
    out = pd.DataFrame(
        {
            "id": [f"hs-{c}-{slug(STATION_PLACE[s])}" for c, s in zip(h["code"], h["station"])],
            "year": h["year"].astype(int),
            "opening_days": pd.array(days.sum(axis=1).where(~unknown_days), dtype="Int64"),
            "weekend_open": (days[["sat", "sun"]].sum(axis=1) > 0).where(~unknown_days),
            "outsourced": pd.to_numeric(h["outsourced"], errors="coerce").fillna(0).astype(bool),
        }
    )
    out = out.sort_values(["id", "year"]).reset_index(drop=True)
    if out.duplicated(["id", "year"]).any():
        raise BuildError("health_station_days: a station appears twice in one year")
    for c in ("weekend_open", "outsourced"):
        out[c] = out[c].map({True: "true", False: "false"})
    build.figures["health_station_days_rows"] = len(out)
    build.figures["health_station_days_unknown"] = int(unknown_days.sum())
    write_csv(build, "health_station_days.csv", out)
    lav = SOURCES["lavaste"]
    build.record(
        "health_station_days.csv",
        title="Health stations by year: opening days per week and outsourcing, 2013–2019",
        publisher="Kaisa Palo & Konsta Lavaste",
        licence="MIT",
        source="'Health stations in Finland 2013–2019' (health_stations_Finland_13-19.xlsx, "
        "columns mon–sun and outsourced)",
        intermediary=lav.ref,
        intermediary_licence=lav.licence,
        years=[2013, 2019],
        transformation="one row per station and year; id as in service_points.csv (same name "
        "→ place table); opening_days = number of weekdays mon–sun marked open; weekend_open "
        "= open on Saturday or Sunday; outsourced = run by a firm that year",
        approximations="none; opening_days and weekend_open are EMPTY where the source "
        "records no opening days for that station-year (e.g. Äänekoski, Saarijärvi); "
        "opening hours within a day are not in the source",
        attribution="Kaisa Palo & Konsta Lavaste, Health stations in Finland 2013–2019 (MIT)",
    )
