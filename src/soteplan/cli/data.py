"""``soteplan data fetch``: this year's figures from the publishers, for users with a connection."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from soteplan.cli._common import OutputFormat, err_console, print_frame, progress_bar


def register(app: typer.Typer) -> None:
    """Attach the ``data`` command group."""
    grp = typer.Typer(help="Bring a region's data up to date from Statistics Finland and THL.")
    app.add_typer(grp, name="data")

    @grp.command("fetch")
    def fetch(
        region: Annotated[
            str, typer.Option("--region", "-r", help="Embedded region id or a region directory.")
        ] = "keski-suomi",
        out: Annotated[
            Path | None,
            typer.Option(
                help="User region directory to write (default $SOTEPLAN_DATA_HOME/regions/<id> "
                "or ~/.local/share/soteplan/regions/<id>)."
            ),
        ] = None,
        population: Annotated[
            bool, typer.Option(help="Population by age and sex, StatFin 11re.")
        ] = True,
        projection: Annotated[
            bool, typer.Option(help="The latest official population projection.")
        ] = True,
        indicator: Annotated[
            list[int] | None,
            typer.Option(help="Sotkanet indicator id (repeat; default 761, dependency ratio)."),
        ] = None,
        no_indicators: Annotated[
            bool, typer.Option("--no-indicators", help="Fetch no Sotkanet indicator.")
        ] = False,
        year: Annotated[
            int | None, typer.Option(help="Population year (default the latest published).")
        ] = None,
        projection_table: Annotated[
            str | None,
            typer.Option(help="PxWeb table of the projection (default Väestöennuste 2024)."),
        ] = None,
        osm: Annotated[
            bool,
            typer.Option(
                "--osm",
                help="Also the OpenStreetMap road network: Geofabrik's Finland extract "
                "(~0.7 GB, resumable, MD5-verified), clipped to the region.",
            ),
        ] = False,
        osm_buffer_km: Annotated[
            float, typer.Option(help="Widen the region's box by this much for --osm (km).")
        ] = 10.0,
        osm_url: Annotated[
            str | None, typer.Option(help="Another Geofabrik extract for --osm (.osm.pbf URL).")
        ] = None,
        replay: Annotated[
            Path | None,
            typer.Option(help="Answer from a recording directory instead of the network."),
        ] = None,
        record: Annotated[
            Path | None, typer.Option(help="Also write the answers into this recording directory.")
        ] = None,
        fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    ) -> None:
        """Fetch this year's population, the latest projection and Sotkanet indicators.

        Writes a user region directory (validated before it replaces anything) with
        provenance and the fetch date; offline it says it needs a connection and changes
        nothing.  Use the result with --region DIR in every command.
        """
        from soteplan.fetch import (
            GEOFABRIK_FINLAND,
            TABLE_PROJECTION,
            HttpTransport,
            RecordedTransport,
            RecordingTransport,
            Transport,
            fetch_region,
        )

        transport: Transport = RecordedTransport(replay) if replay else HttpTransport()
        if record is not None:
            transport = RecordingTransport(transport, record)
        indicators = () if no_indicators else tuple(indicator or (761,))
        with progress_bar("fetching") as bar, download_bar("OpenStreetMap extract") as dl:
            res = fetch_region(
                region,
                out,
                population=population,
                projection=projection,
                indicators=indicators,
                year=year,
                projection_table=projection_table or TABLE_PROJECTION,
                osm=osm,
                osm_url=osm_url or GEOFABRIK_FINLAND,
                osm_buffer_km=osm_buffer_km,
                transport=transport,
                progress=bar,
                download_progress=dl if osm else None,
            )
        frame = res.to_frame().set_index("what")
        print_frame(
            frame, fmt, title=f"Fetched {res.meta['fetched']} into {res.directory}", meta=res.meta
        )
        if fmt == OutputFormat.table:
            err_console.print(f"use it with: --region {res.directory}")
            if osm:
                err_console.print("OpenStreetMap data © OpenStreetMap contributors (ODbL 1.0)")


@contextmanager
def download_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A rich bar of bytes (size, speed) on stderr, shown once bytes arrive."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as prog:
        task = prog.add_task(description, total=None, visible=False)

        def update(done: int, total: int) -> None:
            prog.update(task, completed=done, total=total or None, visible=True)

        yield update
