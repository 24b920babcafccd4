"""Start-up time of the command line: ``soteplan --help`` and every group's ``--help``.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_cli            # 5 runs per command
    .venv/bin/python -m benchmarks.bench_cli --quick    # 2 runs per command

Each row is the wall-clock time of a fresh ``python -m soteplan ... --help`` process (median
and worst of the runs), so it includes the interpreter start-up and every import the command
line makes before printing its help.  Target: under 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = [
    [],
    ["demography"],
    ["demography", "validate"],
    ["access"],
    ["locate"],
    ["organise"],
    ["run"],
    ["compare"],
    ["serve"],
    ["report"],
    ["region"],
]


def _time(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "soteplan", *args, "--help"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 runs per command instead of 5")
    args = ap.parse_args(argv)
    runs = 2 if args.quick else 5
    print(f"{'command':<34} {'median s':>9} {'worst s':>8}")
    worst_all = 0.0
    for cmd in COMMANDS:
        times = [_time(cmd) for _ in range(runs)]
        worst_all = max(worst_all, max(times))
        label = " ".join(["soteplan", *cmd, "--help"])
        print(f"{label:<34} {statistics.median(times):>9.2f} {max(times):>8.2f}")
    print(f"worst of all: {worst_all:.2f} s (target < 1 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
