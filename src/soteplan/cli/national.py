"""``soteplan national``: every wellbeing services county and Helsinki, on Dask."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from soteplan.cli._common import OutputFormat, console, err_console, print_frame, progress_bar


def register(app: typer.Typer) -> None:
    """Attach the ``national`` command."""

    @app.command("national")
    def national(
        out: Annotated[Path, typer.Option(help="Directory for national.csv, curves.csv, .png.")],
        scheduler: Annotated[
            str,
            typer.Option(
                help="'local' (a LocalCluster on 127.0.0.1), 'serial', or a scheduler "
                "address tcp://HOST:PORT (dask-jobqueue, Kubernetes operator, dask scheduler)."
            ),
        ] = "local",
        workers: Annotated[int, typer.Option(help="Worker processes of the local cluster.")] = 2,
        retries: Annotated[int, typer.Option(help="Retries of a failed county task.")] = 1,
        region: Annotated[
            list[str] | None,
            typer.Option("--region", "-r", help="Only these regions (repeat); default all 22."),
        ] = None,
        p: Annotated[
            str, typer.Option("--p", help="p values of the p-median curve, comma-separated.")
        ] = "5,10,20",
        method: Annotated[str, typer.Option(help="p-median method: heuristic or exact.")] = (
            "heuristic"
        ),
        store: Annotated[
            str | None,
            typer.Option(
                help="Store URL or SQLite path to record the run (PostgreSQL: "
                "postgresql+psycopg://…); default: not stored."
            ),
        ] = None,
        raw: Annotated[
            Path | None, typer.Option(help="Raw data directory for counties not yet built.")
        ] = None,
        divide: Annotated[
            int | None,
            typer.Option(
                help="Also optimise a division of mainland Finland into this many "
                "service areas (division.csv)."
            ),
        ] = None,
        floor: Annotated[
            float, typer.Option(help="Population floor of every area of --divide.")
        ] = 50_000.0,
        only_divide: Annotated[
            bool, typer.Option("--only-divide", help="Skip the county runs.")
        ] = False,
        fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    ) -> None:
        """Demography, health-station access and p-median curve, organisation check and cost
        forecast for every county: a table, the curves and a map."""
        from soteplan.cli._common import ensure_dir
        from soteplan.errors import ParameterError
        from soteplan.national import CountyParams, run_national, save_map

        try:
            ps = tuple(int(x) for x in p.split(",") if x.strip())
        except ValueError as exc:
            raise ParameterError(f"--p must be comma-separated integers, got {p!r}") from exc
        params = CountyParams(p_values=ps, method=method)
        st = None
        if store is not None:
            from soteplan.store import Store

            st = Store(store)
        ensure_dir(out)
        if divide is not None:
            _divide(out, divide, floor, fmt)
        if only_divide:
            return
        with progress_bar("counties") as update:
            res = run_national(
                region or None,
                params=params,
                scheduler=scheduler,
                workers=workers,
                retries=retries,
                store=st,
                raw=raw,
                progress=update,
            )
        table = res.to_frame()
        table.to_csv(out / "national.csv")
        res.curves().to_csv(out / "curves.csv", index=False)
        cols = [
            "population",
            "dependency_ratio",
            "coverage_15_min_pct",
            "pmedian_gain_pct",
            "cost_per_resident_eur",
        ]
        print_frame(table[[c for c in cols if c in table.columns]], fmt, title="National run")
        if len(table):
            save_map(res, out / "national.png")
        for rid, why in res.failures.items():
            err_console.print(f"[red]{rid} failed:[/] {why}")
        console.print(f"[dim]{res.meta['executor']}, {res.meta['seconds']} s; wrote {out}[/]")
        console.print(f"[dim]approximation: {'; '.join(res.meta['approximation'])}[/]")
        if res.failures and not res.figures:
            raise typer.Exit(1)


def _divide(out: Path, k: int, floor: float, fmt: OutputFormat) -> None:
    from soteplan.national import divide

    with progress_bar(f"dividing mainland Finland into {k} areas"):
        d = divide("finland", k, min_population=floor)
    d.to_frame().to_csv(out / "division.csv", index=False)
    print_frame(d.to_frame().drop(columns="members"), fmt, title=f"{k} service areas")
    how = d.meta.get("bound_method", "none")
    if d.gap != d.gap:
        gap = f"no proven bound ({how}: {d.meta.get('bound_status', 'not computed')})"
    else:
        bound_min = d.mean_minutes * (1.0 - d.gap)
        gap = f"gap {100 * d.gap:.2f} % to the lower bound {bound_min:.3f} min, {how}"
    console.print(
        f"method {d.method} ({d.status}; {gap}); mean {d.mean_minutes} min to the area hub; "
        f"present counties on the same matrix (best hub each): {d.counties_mean_minutes} min"
    )
    console.print(f"[dim]approximation: {d.meta.get('approximation', 'none')}[/]")
