#!/usr/bin/env python
"""Build the embedded Keski-Suomi region data from the raw open-data files.

Usage::

    .venv/bin/python scripts/build_keski_suomi.py [--raw ../shared/data/raw] [--out DIR]

Reads the raw files (see ``shared/data/SOURCES.md``), checks them (the build fails loudly
on any mismatch) and writes compact derived files into ``src/soteplan/data/keski-suomi``
(or ``--out``). The output is deterministic: two runs give byte-identical files.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _build import geo, models, population, provenance, residents, services
from _build.common import Build, BuildError

REPO = Path(__file__).resolve().parent.parent
DEFAULT_RAW = REPO.parent / "shared" / "data" / "raw"
DEFAULT_OUT = REPO / "src" / "soteplan" / "data" / "keski-suomi"
#: Files this build owns in the output directory (stale ones are removed).
OWNED_SUFFIXES = (".csv", ".geojson", ".yaml", ".md")


def build(raw: Path, out: Path) -> Build:
    """Run every step into a temporary directory, then replace the files in ``out``."""
    if not raw.is_dir():
        raise BuildError(f"raw data directory not found: {raw}")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ks-build-", dir=out.parent) as tmp:
        b = Build(raw=raw, out=Path(tmp))
        population.population_totals(b)
        population.population_age_sex(b)
        population.population_projection(b)
        population.working_age(b)
        population.published_indicators(b)
        population.net_costs(b)
        population.morbidity(b)
        geo.municipalities(b)
        geo.postal_areas(b)
        geo.urban_settlements(b)
        residents.residents(b)
        geo.main_roads(b)
        services.service_points(b)
        models.organisation_models(b)
        models.region_yaml(b, provenance.ATTRIBUTION)
        provenance.write_provenance(b)
        for old in out.iterdir():
            if old.is_file() and old.suffix in OWNED_SUFFIXES:
                old.unlink()
        for name in sorted(b.written):
            shutil.copyfile(Path(tmp) / name, out / name)
    b.out = out
    return b


def _summary(b: Build, seconds: float) -> str:
    f = b.figures
    sizes = {n: (b.out / n).stat().st_size for n in sorted(b.written)}
    lines = [f"Keski-Suomi data written to {b.out} in {seconds:.1f} s:"]
    lines += [f"  {n:<34} {s / 1024:8.1f} KiB" for n, s in sizes.items()]
    lines.append(f"  {'total':<34} {sum(sizes.values()) / 1024:8.1f} KiB")
    lines.append(
        f"population 2020 (22): {f['population_22_2020']:,} = age×sex {f['age_sex_22_2020']:,}; "
        f"2022: {f['population_22_2022']:,}"
    )
    lines.append(
        f"health stations per year (22): {f['health_stations_per_year_22']}; "
        f"service points: {f['service_points']}"
    )
    p = f["postal"]
    lines.append(
        f"postal areas: {p['areas_23']} ({p['areas_22']} in the 22); 2022 postal sum (22) "
        f"{p['population_2022_postal_sum_22']:,} vs municipal "
        f"{p['population_2022_municipal_sum_22']:,}"
    )
    lines.append(
        f"resident points: {f['residents']['points']} "
        f"({f['residents']['settled_share_22'] * 100:.1f} % in settlements); "
        f"urban settlements: {f['settlements']['intersecting']}; roads: {f['roads']['lines']} "
        f"lines {f['roads']['km']} km; organisation models (areas): {f['organisation_models']}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", type=Path, default=DEFAULT_RAW, help="raw data directory")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    ap.add_argument("--quiet", action="store_true", help="print nothing on success")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    try:
        b = build(args.raw.resolve(), args.out.resolve())
    except BuildError as exc:
        print(f"BUILD FAILED: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(_summary(b, time.perf_counter() - t0))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
