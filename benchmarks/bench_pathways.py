"""Benchmark: the pathway engine (cohort model and discrete-event simulation).

1. Cohort: the five built-in pathways for the 22 Keski-Suomi municipalities, 2025–2040
   (target ≤ 2 s).  The population projection and the network travel table are built once
   beforehand and timed separately: they are shared inputs, not part of the pathway model.
2. Simulation: the memory-disorder pathway simulated person by person (SimPy) for the whole
   region (scale 1: about 8 000–10 000 persons in the pathway at any time, more than 20 000
   over the run) for 20 years, 2025–2044 (target ≤ 30 s per replication).

Run::

    .venv/bin/python -m benchmarks.bench_pathways            # best of 3 cohort runs, 2 replications
    .venv/bin/python -m benchmarks.bench_pathways --quick    # one cohort run, 10-year simulation
"""

from __future__ import annotations

import argparse
import time

from soteplan.demography import project_region
from soteplan.pathways import builtin_ids, load_builtin, region_inputs, run_cohort, simulate
from soteplan.region import load_region


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    region = load_region("keski-suomi")
    pathways = [load_builtin(p) for p in builtin_ids()]
    t0 = time.perf_counter()
    proj = project_region(region, to_year=2044)
    t_proj = time.perf_counter() - t0
    t0 = time.perf_counter()
    pop, travel = region_inputs(region, pathways, population=proj.population)
    t_travel = time.perf_counter() - t0
    codes = sorted(set(pop["municipality"]))
    print(f"inputs: projection 2020→2044 {t_proj:.2f} s, travel table {t_travel:.2f} s")
    runs = 1 if args.quick else 3
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        for p in pathways:
            run_cohort(p, pop, start_year=2025, end_year=2040, travel=travel)
        best = min(best, time.perf_counter() - t0)
    print(
        f"cohort: {len(pathways)} pathways × {len(codes)} municipalities × 16 years: "
        f"{best:.2f} s (best of {runs}; target ≤ 2 s) {'OK' if best <= 2 else 'SLOW'}"
    )
    md = load_builtin("memory-disorders")
    end = 2034 if args.quick else 2044
    reps = 2
    t0 = time.perf_counter()
    sim = simulate(md, pop, start_year=2025, end_year=end, scale=1.0, replications=reps, seed=1)
    dt = time.perf_counter() - t0
    stock = sim.ci.groupby("year")["mean"].sum()
    entered = sim.flows[sim.flows["source"] == "entry"]["persons"].sum()
    n_years = end - 2025 + 1
    per = dt / reps
    print(
        f"simulation: memory-disorders, scale 1, {n_years} years: persons in the pathway "
        f"{stock.min():,.0f}–{stock.max():,.0f}, {sim.meta['initial_persons'] + entered:,.0f} "
        f"persons over the run; {dt:.1f} s for {reps} replications = {per:.1f} s per "
        f"replication (target ≤ 30 s) {'OK' if per <= 30 else 'SLOW'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
