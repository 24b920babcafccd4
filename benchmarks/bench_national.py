"""The national run: serial vs a 2-process Dask LocalCluster, and a projection to N workers.

``python -m benchmarks --only national [--quick]``. Needs the raw data directory (or the
counties already in the user cache). Reports wall time, the peak resident memory of every
worker process (``ru_maxrss``) and of the serial process, and projects the wall time on N
workers by longest-task-first scheduling of the measured per-county task times plus the
measured fixed overhead of the 2-worker run.
"""

from __future__ import annotations

import argparse
import heapq
import resource
import time

QUICK = ("kainuu", "keski-pohjanmaa", "ita-uusimaa", "etela-savo")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _lpt(times: list[float], n: int) -> float:
    """Makespan of longest-processing-time-first scheduling on ``n`` workers."""
    loads = [0.0] * n
    for t in sorted(times, reverse=True):
        heapq.heapreplace(loads, loads[0] + t)
    return max(loads)


def main(argv: list[str] | None = None) -> int:
    from distributed import Client, LocalCluster

    from soteplan.national import CountyParams, run_national
    from soteplan.region.build import COUNTIES, cached_region_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}")
    args = ap.parse_args(argv)
    ids = list(QUICK) if args.quick else [c.id for c in COUNTIES]
    params = CountyParams(p_values=(5, 10, 20), method="heuristic")
    t0 = time.perf_counter()
    dirs = [str(cached_region_dir(i)) for i in ids]
    print(f"{len(ids)} regions ready (built or cached) in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    serial = run_national(dirs, params=params, scheduler="serial")
    wall_serial = time.perf_counter() - t0
    peak_serial = _peak_mb()
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    try:
        with Client(cluster) as client:
            t0 = time.perf_counter()
            dask = run_national(dirs, params=params, scheduler=client)
            wall_dask = time.perf_counter() - t0
            peaks = client.run(_peak_mb)
    finally:
        cluster.close()
    same = serial.to_frame().drop(columns="seconds").equals(dask.to_frame().drop(columns="seconds"))
    tasks = [float(v["seconds"]) for v in serial.figures.values()]
    overhead = max(0.0, wall_dask - _lpt(tasks, 2))
    print(
        f"regions: {len(ids)}; failures serial {serial.failures or 'none'}, "
        f"dask {dask.failures or 'none'}; identical figures: {same}"
    )
    print(f"serial:            wall {wall_serial:7.1f} s, peak RSS {peak_serial:7.0f} MB")
    print(
        f"dask, 2 workers:   wall {wall_dask:7.1f} s, peak RSS per worker "
        + ", ".join(f"{v:.0f} MB" for v in peaks.values())
    )
    print(
        f"sum of task times {sum(tasks):.1f} s; longest task {max(tasks):.1f} s "
        f"({max(serial.figures, key=lambda k: serial.figures[k]['seconds'])})"
    )
    print(
        "projection (LPT schedule of the measured serial task times + the 2-worker "
        f"overhead {overhead:.1f} s):"
    )
    for n in (1, 2, 4, 8, 16, len(ids)):
        print(f"  {n:3d} workers: {_lpt(tasks, n) + overhead:7.1f} s")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
