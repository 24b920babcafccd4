"""Benchmark: soteplan.organise.regionalise vs PySAL spopt regionalisation.

Same inputs for every method: municipality (or synthetic cell) polygons, populations,
queen contiguity and a travel-time matrix.  Our objective (population-weighted travel
time to the area hub, person-minutes / residents = mean minutes) is computed for every
method's partition with the best hub (medoid) of each area, so the numbers compare.

spopt's methods optimise attribute homogeneity, not travel time; the centre
coordinates are given as attributes (compact areas are the closest analogue).
``Skater(floor=…)`` counts *units* per region, not population (anchors-spatial §3),
so it gets ``floor=1`` and its population floor is checked afterwards;
``MaxPHeuristic`` takes the population floor but chooses the number of areas itself.

Run::

    .venv/bin/python -m benchmarks.bench_regionalise            # Keski-Suomi + 100-cell synthetic
    .venv/bin/python -m benchmarks.bench_regionalise --quick    # Keski-Suomi, k = 4 only
"""

from __future__ import annotations

import argparse
import time
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from soteplan.organise import (
    adjacency,
    is_connected,
    region_travel,
    regionalise_arrays,
)


def _objective(labels: np.ndarray, pop: np.ndarray, minutes: np.ndarray) -> tuple[float, float]:
    """(mean minutes to the medoid hub, smallest area population) of a labelling."""
    total = 0.0
    smallest = np.inf
    for lab in np.unique(labels):
        idx = np.flatnonzero(labels == lab)
        cost = (pop[idx, None] * minutes[np.ix_(idx, idx)]).sum(axis=0)
        total += float(cost.min())
        smallest = min(smallest, float(pop[idx].sum()))
    return total / float(pop.sum()), smallest


def _contiguous(labels: np.ndarray, codes: list[str], nb: dict[str, frozenset[str]]) -> bool:
    return all(
        is_connected([codes[i] for i in np.flatnonzero(labels == lab)], nb)
        for lab in np.unique(labels)
    )


def keski_suomi() -> dict[str, Any]:
    """The embedded Keski-Suomi region: 22 municipalities, default travel times."""
    from soteplan.region import load_region

    r = load_region()
    tm = region_travel(r)
    codes = list(tm.codes)
    gdf = r.municipalities.loc[codes, ["centre_x", "centre_y", "geometry"]].copy()
    gdf["population"] = r.population_total(r.total_years[-1]).reindex(codes).to_numpy(float)
    nb, _ = adjacency(r, codes)
    return {
        "name": "Keski-Suomi (22 municipalities)",
        "gdf": gpd.GeoDataFrame(gdf, geometry="geometry", crs="EPSG:3067"),
        "codes": codes,
        "minutes": tm.minutes.astype(float),
        "nb": nb,
        "travel": tm.meta.get("method"),
    }


def synthetic(n: int = 100, seed: int = 0) -> dict[str, Any]:
    """``n`` Voronoi cells in 200 × 200 km, log-normal populations and one 140k city.

    Travel = straight-line centroid distance × 1.3 at 75 km/h (synthetic instance).
    """
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 200_000, size=(n, 2))
    frame = shapely.box(0, 0, 200_000, 200_000)
    cells = shapely.voronoi_polygons(shapely.MultiPoint([tuple(p) for p in pts]), extend_to=frame)
    polys = [shapely.intersection(c, frame) for c in shapely.get_parts(cells)]
    # order cells like the points
    tree = shapely.STRtree(polys)
    order = [int(tree.query(shapely.Point(p), predicate="intersects")[0]) for p in pts]
    geoms = [polys[i] for i in order]
    pop = np.round(rng.lognormal(8.0, 1.0, size=n))
    pop[int(np.argmin(np.hypot(*(pts - 100_000).T)))] = 140_000
    codes = [f"{i:03d}" for i in range(n)]
    gdf = gpd.GeoDataFrame(
        {"centre_x": pts[:, 0], "centre_y": pts[:, 1], "population": pop},
        geometry=geoms,
        index=pd.Index(codes),
        crs="EPSG:3067",
    )
    grown = gdf.geometry.buffer(1.0).to_numpy()
    left, right = shapely.STRtree(grown).query(grown, predicate="intersects")
    nbs: dict[str, set[str]] = {c: set() for c in codes}
    for a, b in zip(left, right, strict=True):
        if a != b:
            nbs[codes[a]].add(codes[b])
    d = np.hypot(pts[:, None, 0] - pts[None, :, 0], pts[:, None, 1] - pts[None, :, 1])
    return {
        "name": f"synthetic Voronoi ({n} cells)",
        "gdf": gdf,
        "codes": codes,
        "minutes": d * 1.3 / (75_000 / 60),
        "nb": {c: frozenset(v) for c, v in nbs.items()},
        "travel": "straight line × 1.3 at 75 km/h",
    }


def run_instance(inst: dict[str, Any], ks: list[int], floor: float, limit: float) -> pd.DataFrame:
    """Every method on one instance; one row per (method, k)."""
    import libpysal
    from spopt.region import AZP, MaxPHeuristic, Skater

    gdf = inst["gdf"].reset_index(drop=True)
    codes, minutes, nb = inst["codes"], inst["minutes"], inst["nb"]
    pop = gdf["population"].to_numpy(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = libpysal.weights.Queen.from_dataframe(gdf, use_index=False)
    rows: list[dict[str, Any]] = []

    def record(method: str, k: int, labels: np.ndarray, seconds: float, extra: str = "") -> None:
        mean, smallest = _objective(labels, pop, minutes)
        rows.append(
            {
                "instance": inst["name"],
                "method": method,
                "k": k,
                "areas": len(np.unique(labels)),
                "mean min to hub": mean,
                "smallest area": smallest,
                "floor met": smallest >= floor,
                "contiguous": _contiguous(labels, codes, nb),
                "seconds": seconds,
                "note": extra,
            }
        )

    for k in ks:
        for method in ("exact", "heuristic"):
            res = regionalise_arrays(
                codes, pop, minutes, nb, k, min_population=floor, method=method, time_limit=limit
            )
            lab = np.zeros(len(codes), dtype=int)
            pos = {c: i for i, c in enumerate(codes)}
            for a, members in enumerate(res.areas):
                lab[[pos[c] for c in members]] = a
            gap = "" if np.isnan(res.gap) else f"gap {100 * res.gap:.2f} %"
            record(f"soteplan {method}", k, lab, res.seconds, f"{res.status} {gap}".strip())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            azp = AZP(gdf, w, ["centre_x", "centre_y"], n_clusters=k, random_state=0)
            azp.solve()
            record("spopt AZP", k, np.asarray(azp.labels_), time.perf_counter() - t0)
            t0 = time.perf_counter()
            sk = Skater(gdf, w, ["centre_x", "centre_y"], n_clusters=k, floor=1)
            sk.solve()
            record("spopt SKATER", k, np.asarray(sk.labels_), time.perf_counter() - t0,
                   "floor=1 unit (spopt floor counts units)")  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.random.seed(0)  # noqa: NPY002 - MaxPHeuristic draws from the global generator
        t0 = time.perf_counter()
        mp = MaxPHeuristic(gdf, w, ["centre_x", "centre_y"], "population", floor, top_n=2)
        mp.solve()
        lab = np.asarray(mp.labels_)
        record("spopt MaxP", int(mp.p), lab, time.perf_counter() - t0, "k chosen by max-p")
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="Keski-Suomi, k = 4 only")
    ap.add_argument("--floor", type=float, default=20_000.0, help="population floor per area")
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per exact solve")
    args = ap.parse_args(argv)
    instances = [(keski_suomi(), [4] if args.quick else [3, 4, 5, 6])]
    if not args.quick:
        instances.append((synthetic(100), [4, 6]))
    frames = [run_instance(i, ks, args.floor, args.time_limit) for i, ks in instances]
    table = pd.concat(frames, ignore_index=True)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    for inst, _ in instances:
        print(f"# {inst['name']}: travel = {inst['travel']}")


if __name__ == "__main__":
    main()
