"""Run every benchmark: ``python -m benchmarks [--quick] [--only network,locate,guidance,...]``.

Each benchmark prints its own table; figures are recorded in ``docs/benchmarks.md`` with the
command that produced them.  Needs the ``bench`` extra (spopt, pandana, networkx, pyrosm).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

BENCHMARKS = {
    "network": "benchmarks.bench_network",
    "locate": "benchmarks.bench_locate",
    "regionalise": "benchmarks.bench_regionalise",
    "choice": "benchmarks.bench_choice",
    "pathways": "benchmarks.bench_pathways",
    "cli": "benchmarks.bench_cli",
    "api_load": "benchmarks.bench_api_load",
    "guidance": "benchmarks.bench_guidance",
    "national": "benchmarks.bench_national",
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small instances (a few minutes in all)")
    ap.add_argument(
        "--only", default=",".join(BENCHMARKS), help="comma-separated: " + ", ".join(BENCHMARKS)
    )
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        ap.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    status = 0
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        t0 = time.perf_counter()
        module = importlib.import_module(BENCHMARKS[name])
        rc = module.main(["--quick"] if args.quick else [])
        print(f"=== {name}: {time.perf_counter() - t0:.0f} s ===", flush=True)
        status = status or int(rc or 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
