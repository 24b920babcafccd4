"""``soteplan region``: what the embedded (or a user's) region holds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from soteplan.cli._common import OutputFormat, console, lazy_function, lazy_module, print_frame

pd = lazy_module("pandas")
available_regions = lazy_function("soteplan.region", "available_regions")
load_region = lazy_function("soteplan.region", "load_region")

RegionOpt = Annotated[
    str, typer.Option("--region", "-r", help="Embedded region id or a region directory.")
]


def register(app: typer.Typer) -> None:
    """Attach the ``region`` command group."""
    grp = typer.Typer(help="Inspect a region: municipalities, data tables and their provenance.")
    app.add_typer(grp, name="region")

    @grp.command("list")
    def list_regions() -> None:
        """List the regions embedded in the package."""
        for rid in available_regions():
            console.print(rid)

    @grp.command("info")
    def info(region: RegionOpt = "keski-suomi") -> None:
        """Summary of a region: municipalities, years, service points, models, tables."""
        r = load_region(region)
        console.print(f"[bold]{r.name_fi}[/] ({r.name_en}), {r.crs}")
        console.print(
            f"municipalities: {len(r.municipality_codes())} now, "
            f"{len(r.municipalities)} in the data"
        )
        console.print(f"population totals: {r.total_years[0]}–{r.total_years[-1]}")
        console.print(f"population by age and sex: {', '.join(map(str, r.age_sex_years))}")
        for name, proj in r.projections.items():
            console.print(f"projection {name}: {proj['year'].min()}–{proj['year'].max()}")
        counts = r.service_points["type"].value_counts().sort_index()
        console.print("service points: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
        console.print("organisation models: " + ", ".join(r.groupings))
        console.print("further tables: " + ", ".join(sorted(r.tables)))
        for line in r.attribution:
            console.print(f"[dim]{line}[/]")

    @grp.command("network")
    def network(
        csv: Annotated[
            Path, typer.Argument(help="Service-point CSV (the read_service_points format).")
        ],
        year: Annotated[int, typer.Option(help="The year the CSV's list describes.")],
        out: Annotated[Path, typer.Option(help="New region directory to write.")],
        region: RegionOpt = "keski-suomi",
    ) -> None:
        """Load a newer service list (e.g. today's stations) into a copy of a region.

        The copy answers requests up to YEAR with the new list; use it with --region OUT.
        """
        from soteplan.region import read_service_points, update_service_network

        d = update_service_network(region, read_service_points(csv), year, out)
        r = load_region(d)
        console.print(
            f"wrote {d}: service network last years "
            + ", ".join(f"{k} {v}" for k, v in sorted(r.network_last_years.items()))
        )

    @grp.command("municipalities")
    def municipalities(
        region: RegionOpt = "keski-suomi",
        year: Annotated[int | None, typer.Option(help="Membership in this year.")] = None,
        fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    ) -> None:
        """Municipalities with codes, names, subregions and areas."""
        r = load_region(region)
        codes = r.municipality_codes(year)
        df = pd.DataFrame(r.municipalities.drop(columns="geometry")).loc[
            codes,
            ["name_fi", "name_sv", "subregion_name", "hospital_district", "land_area_km2"],
        ]
        df.index.name = "code"
        print_frame(df, fmt, title=f"{r.name_fi}: municipalities")

    @grp.command("provenance")
    def provenance(region: RegionOpt = "keski-suomi") -> None:
        """Where every table comes from: publisher, licence, intermediary."""
        r = load_region(region)
        rows = [
            {
                "table": p.table,
                "publisher": p.publisher,
                "licence": p.licence,
                "source": p.source,
                "intermediary": p.intermediary,
            }
            for p in r.provenance.values()
        ]
        print_frame(pd.DataFrame(rows).set_index("table"), OutputFormat.table, title="Provenance")

    @grp.command("build")
    def build(
        county: Annotated[
            str | None,
            typer.Option(
                "--county", help="Wellbeing services county: id, key code (1–21, 90) or name."
            ),
        ] = None,
        all_: Annotated[
            bool, typer.Option("--all", help="Every county and Helsinki (22 directories).")
        ] = False,
        finland: Annotated[
            bool, typer.Option("--finland", help="All mainland municipalities.")
        ] = False,
        out: Annotated[
            Path | None,
            typer.Option(
                help="Directory to write (with --all: one subdirectory each). "
                "Default: the user cache that load_region('<id>') reads."
            ),
        ] = None,
        raw: Annotated[
            Path | None,
            typer.Option(
                help="Raw data directory (default $SOTEPLAN_RAW_DATA or "
                "../shared/data/raw of a checkout)."
            ),
        ] = None,
    ) -> None:
        """Write region directories from the national raw data (validated on load)."""
        from soteplan.cli._common import progress_bar
        from soteplan.errors import ParameterError
        from soteplan.region.build import (
            COUNTIES,
            FINLAND,
            build_region,
            cache_dir,
            find_county,
        )

        chosen = [find_county(county)] if county else []
        if all_:
            chosen += list(COUNTIES)
        if finland:
            chosen.append(FINLAND)
        if not chosen:
            raise ParameterError("give --county CODE|NAME, --all or --finland")
        single = len(chosen) == 1 and out is not None
        with progress_bar("building regions", total=len(chosen)) as update:
            for i, c in enumerate(chosen):
                d = out if single else (out or cache_dir()) / c.id
                assert d is not None
                res = build_region(c, d, raw=raw)
                r = load_region(d)
                console.print(
                    f"{c.id}: {len(r.municipality_codes())} municipalities, population 2020 "
                    f"{res.figures['population_2020']:,}, "
                    f"{res.figures['health_stations']['open_2019']} health stations (2019) → {d}"
                )
                update(i + 1)
