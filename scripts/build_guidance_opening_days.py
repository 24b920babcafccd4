#!/usr/bin/env python
"""Derive the health stations' opening days for the service directory (``soteplan.guidance``).

Usage::

    .venv/bin/python scripts/build_guidance_opening_days.py [--raw ../shared/data/raw]

Reads the long table of Palo & Lavaste, *Health stations in Finland 2013–2019* (MIT; see
``shared/data/SOURCES.md``), keeps every Keski-Suomi station's latest year and writes
``src/soteplan/guidance/data/opening_days.csv``: the service-point id of
``src/soteplan/data/keski-suomi/service_points.csv`` (same place mapping as the region build),
the year the days were read for (the latest year they are known; blank days: not known),
one 0/1 column per weekday, the archived web page they were read from and the source's note.
Deterministic: two runs give identical files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _build.common import ALL_CODES
from _build.services import STATION_PLACE, slug

REPO = Path(__file__).resolve().parent.parent
DEFAULT_RAW = REPO.parent / "shared" / "data" / "raw"
OUT = REPO / "src" / "soteplan" / "guidance" / "data" / "opening_days.csv"
SERVICE_POINTS = REPO / "src" / "soteplan" / "data" / "keski-suomi" / "service_points.csv"
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def build(raw: Path) -> pd.DataFrame:
    """One row per Keski-Suomi health station: its opening days in its latest year."""
    h = pd.read_csv(
        raw / "health-stations-lavaste" / "converted" / "health_stations_2013_2019_long.csv",
        dtype=str,
    )
    h["code"] = h["municipality_num"].str.zfill(3)
    h = h[h["code"].isin(ALL_CODES)].copy()
    h["year"] = h["year"].astype(int)
    h["place"] = h["station"].map(STATION_PLACE)
    if h["place"].isna().any():
        raise SystemExit(f"stations without a place: {sorted(h[h['place'].isna()]['station'])}")
    h["id"] = "hs-" + h["code"] + "-" + h["place"].map(slug)
    # the latest year whose days are known; a station with none keeps its latest year, days blank
    h["known"] = h[DAYS].notna().all(axis=1)
    last = h.sort_values(["known", "year"]).groupby("id").tail(1).sort_values("id")
    known = set(pd.read_csv(SERVICE_POINTS, dtype=str)["id"])
    unknown = sorted(set(last["id"]) - known)
    if unknown:
        raise SystemExit(f"ids not in service_points.csv: {unknown}")
    out = pd.DataFrame({"service_point_id": last["id"], "year": last["year"]})
    for d in DAYS:
        v = pd.to_numeric(last[d], errors="coerce")
        out[d] = [("" if pd.isna(x) else str(int(x))) for x in v.clip(0, 1)]  # blank: not known
    out["source_url"] = last["source1"].fillna("").to_numpy()
    out["note"] = last["note"].fillna("").to_numpy()
    return out.reset_index(drop=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", type=Path, default=DEFAULT_RAW)
    args = ap.parse_args()
    out = build(args.raw)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(OUT, index=False, lineterminator="\n")
    print(f"wrote {OUT} ({len(out)} stations)")


if __name__ == "__main__":
    main()
