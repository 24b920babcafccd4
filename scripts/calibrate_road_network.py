"""Fit the approximate Keski-Suomi road network to the published centre-to-centre car times.

Reads the reference set ``tests/data/reference/car_times_centres.csv`` (every row names its
published source), runs :func:`soteplan.network.calibrate_main_roads` on the embedded region
(its main roads and its anchor points, so the graph fitted is the one the engines use) and
prints the fitted parameters, the objective and the error of every pair before (the graph
as it is built now) and after (the fit), with the leave-one-out error. The fitted values
are then written by hand into ``soteplan.network._calibrate.KS_CALIBRATION``, which the
defaults of ``main_roads_graph`` read.

    python scripts/calibrate_road_network.py [--quick]

``--quick`` uses a coarse grid (for a smoke run).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from soteplan.access import region_anchors, region_graph
from soteplan.network import calibrate_main_roads, travel_times
from soteplan.region import load_region

REFERENCE = (
    Path(__file__).resolve().parents[1] / "tests" / "data" / "reference" / "car_times_centres.csv"
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="coarse grid")
    args = ap.parse_args(argv)
    ks = load_region("keski-suomi")
    ref = pd.read_csv(REFERENCE, dtype={"from_code": str, "to_code": str})
    m = ks.municipalities
    a = m.loc[ref["from_code"], ["centre_x", "centre_y"]].to_numpy(float)
    b = m.loc[ref["to_code"], ["centre_x", "centre_y"]].to_numpy(float)
    g_now = region_graph(ks, cache=False)
    now = np.asarray(travel_times(g_now, a, b).minutes, dtype=float)[
        np.arange(len(a)), np.arange(len(a))
    ]
    grid = (
        {
            "valtatie_kmh": (70, 80, 90),
            "kantatie_kmh": (60, 70, 80),
            "connecting_kmh": (50, 60),
            "detours": (1.2, 1.3, 1.4),
        }
        if args.quick
        else {}
    )
    t0 = time.perf_counter()
    cal = calibrate_main_roads(
        ks.table("main_roads"),
        a,
        b,
        ref["minutes"].to_numpy(float),
        pd.to_numeric(ref["road_km"], errors="coerce").to_numpy(float),
        anchors=region_anchors(ks),
        progress=lambda d, n: print(f"\r{d}/{n}", end="", file=sys.stderr),
        **grid,  # type: ignore[arg-type]
    )
    print(file=sys.stderr)
    print(f"fitted in {time.perf_counter() - t0:.0f} s: {cal.params}")
    print(f"meta: {cal.meta}")
    print("circuity factors (sum of squared log errors of road km):")
    print(cal.detours.to_string(index=False))
    print("best speed combinations:")
    print(cal.grid.sort_values("sse").head(8).to_string(index=False))
    out = pd.concat([ref[["from_name", "to_name", "road_km", "minutes"]], cal.pairs], axis=1)
    out = out.loc[:, ~out.columns.duplicated()]
    out.insert(4, "before", now)
    out.insert(5, "before_error", now / ref["minutes"].to_numpy(float) - 1)
    pd.set_option("display.width", 200)
    print(out.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
