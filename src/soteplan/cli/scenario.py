"""``soteplan run``, ``soteplan compare`` and ``soteplan scenarios list|show``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from soteplan.cli._common import (
    OutputFormat,
    console,
    err_console,
    frame_to_table,
    print_frame,
    progress_bar,
)
from soteplan.store import RunRecord, Store

StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Store URL (sqlite:///file, postgresql+psycopg://…) or SQLite file; "
        "default $SOTEPLAN_STORE or ./soteplan.sqlite.",
    ),
]


def _headline(rec: RunRecord) -> None:
    s = rec.summary
    years = sorted(s.get("demand", {}))
    if len(years) >= 1:
        d = s["demand"]
        rows = []
        for svc in d[years[0]]["volume"]:
            row = {"service": svc}
            for y in years:
                row[y] = d[y]["volume"][svc]
            if len(years) == 2:
                a, b = d[years[0]]["volume"][svc], d[years[1]]["volume"][svc]
                row["change %"] = 100 * (b / a - 1) if a else float("nan")
            rows.append(row)
        for key, label in (
            ("population", "population"),
            ("cost_eur", f"cost M€ ({rec.meta.get('price_year')} prices)"),
            ("cost_eur_per_resident", "cost € per resident"),
            ("trips", "in-person contacts (trips)"),
        ):
            row = {"service": label}
            for y in years:
                v = d[y][key]
                row[y] = v / 1e6 if key == "cost_eur" else v
            if len(years) == 2 and d[years[0]][key]:
                row["change %"] = 100 * (d[years[1]][key] / d[years[0]][key] - 1)
            rows.append(row)
        df = pd.DataFrame(rows).set_index("service")
        console.print(frame_to_table(df, title=f"Demand and cost: {rec.name}"))
    acc = s.get("access")
    if acc:
        rows = [
            {"measure": k, "before": v["before"], "after": v["after"]}
            for k, v in acc.items()
            if isinstance(v, dict)
        ]
        print_frame(
            pd.DataFrame(rows).set_index("measure"),
            OutputFormat.table,
            title=f"Access to {acc.get('service_type')}, network of {acc.get('network_year')} "
            "(network change: before → after)",
            float_digits=3,
        )
        net = ((rec.meta.get("engines") or {}).get("access") or {}).get("network") or {}
        if net.get("note"):
            console.print(f"[yellow]network:[/] {net['note']}")
    loc = s.get("location")
    if loc:
        sites = rec.tables.get("location_sites")
        names = ", ".join(sites["id"].astype(str)) if sites is not None else ""
        console.print(
            f"location ({loc['model']}, p={loc['p']}, weights {loc['weights']}): "
            f"mean {loc['mean_minutes']:.2f} min, status {loc['status']}, gap {loc['gap']:.2g}"
        )
        if names:
            console.print(f"[dim]sites: {names}[/]")
    skipped = rec.meta.get("skipped") or {}
    console.print(f"engines run: {', '.join(rec.meta.get('engines_run', []))}")
    for eng, why in skipped.items():
        console.print(f"[yellow]skipped {eng}:[/] {why}")


def _load_run(spec: str, store_url: str | None, executor: str) -> RunRecord:
    """A stored run by id/name, or a scenario YAML file run now (not stored)."""
    p = Path(spec)
    if p.suffix in (".yaml", ".yml") and p.is_file():
        from soteplan.parallel import executor as make_executor
        from soteplan.scenario import load_scenario, run

        sc, text = load_scenario(p)
        ex = make_executor(executor)
        try:
            with progress_bar(f"running {sc.name}") as cb:
                return run(sc, spec_yaml=text, executor=ex, progress=cb).to_record()
        finally:
            ex.close()
    with Store(store_url) as store:
        return store.load(spec)


def register(app: typer.Typer) -> None:
    """Attach ``run`` and ``compare`` (top level) and the ``scenarios`` group."""

    @app.command("run")
    def run_cmd(
        scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
        store: StoreOpt = None,
        executor: Annotated[
            str, typer.Option(help="serial, local, dask or dask://HOST:PORT.")
        ] = "serial",
        no_store: Annotated[bool, typer.Option("--no-store", help="Do not store.")] = False,
    ) -> None:
        """Run every engine a scenario names and store its inputs and results."""
        from soteplan.parallel import executor as make_executor
        from soteplan.scenario import load_scenario, run

        sc, text = load_scenario(scenario)
        ex = make_executor(executor)
        try:
            with progress_bar(f"running {sc.name} ({', '.join(sc.engines())})") as cb:
                result = run(sc, spec_yaml=text, executor=ex, progress=cb)
        finally:
            ex.close()
        rec = result.to_record()
        _headline(rec)
        if not no_store:
            with Store(store) as st:
                run_id = st.save(rec)
                console.print(f"stored run [bold]{run_id}[/] ({sc.name}) in {st!r}")

    @app.command("compare")
    def compare_cmd(
        a: Annotated[str, typer.Argument(help="Run id, name, or scenario YAML (run now).")],
        b: Annotated[str, typer.Argument(help="Run id, name, or scenario YAML (run now).")],
        store: StoreOpt = None,
        plot: Annotated[
            Path | None, typer.Option(help="PNG file (default: <a>-vs-<b>.png).")
        ] = None,
        no_plot: Annotated[bool, typer.Option("--no-plot")] = False,
        year: Annotated[int | None, typer.Option(help="Year of the demand table.")] = None,
        fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
        executor: Annotated[str, typer.Option(help="Executor for YAML inputs.")] = "serial",
    ) -> None:
        """Differences in demand, cost and access between two runs (B − A)."""
        from soteplan.scenario import compare, plot_comparison

        ra, rb = _load_run(a, store, executor), _load_run(b, store, executor)
        cmp = compare(ra, rb)
        y = year if year is not None else int(cmp.demand["year"].max())
        d = cmp.demand[cmp.demand["year"] == y].set_index("service")[
            ["volume_a", "volume_b", "volume_pct", "cost_eur_diff", "trips_diff"]
        ]
        meta = cmp.meta if fmt is OutputFormat.json else {"note": cmp.meta["direction"]}
        print_frame(d, fmt, title=f"Demand {y}: {cmp.b} − {cmp.a}", meta=meta)
        c = cmp.cost.set_index("year")
        pick = [yy for yy in (c.index.min(), 2030, c.index.max()) if yy in c.index]
        print_frame(
            c.loc[
                sorted(set(pick)),
                ["cost_eur_a", "cost_eur_b", "cost_eur_diff", "per_resident_diff"],
            ],
            fmt,
            title=f"Cost (euros per year, {cmp.meta.get('price_year', '?')} prices)",
        )
        if len(cmp.access):
            acc = cmp.access[
                cmp.access["measure"].str.startswith(("coverage.share_", "nearest_min.mean"))
                & cmp.access["band"].isin(["all", "75+"])
            ].set_index(["measure", "band"])
            print_frame(acc, fmt, title="Access (region)", float_digits=3)
        else:
            err_console.print("no access results in one of the runs")
        if not no_plot:
            out = plot or Path(f"{cmp.a}-vs-{cmp.b}.png")
            plot_comparison(cmp, out)
            err_console.print(f"plot written to {out}")

    grp = typer.Typer(help="Stored scenario runs.")
    app.add_typer(grp, name="scenarios")

    @grp.command("list")
    def list_cmd(
        store: StoreOpt = None,
        fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    ) -> None:
        """List stored runs, newest first."""
        with Store(store) as st:
            df = st.list_runs()
        df["created_at"] = df["created_at"].astype(str).str.slice(0, 19)
        if fmt is OutputFormat.table:
            df["id"] = df["id"].str.slice(0, 8)  # a unique prefix is accepted everywhere
        print_frame(df.set_index("id"), fmt, title="Stored runs")

    @grp.command("show")
    def show_cmd(
        run: Annotated[str, typer.Argument(help="Run id, id prefix or name.")],
        store: StoreOpt = None,
        spec: Annotated[bool, typer.Option("--spec", help="Print the scenario YAML.")] = False,
        meta: Annotated[bool, typer.Option("--meta", help="Print the metadata (JSON).")] = False,
    ) -> None:
        """Headline figures (and optionally spec and metadata) of a stored run."""
        with Store(store) as st:
            rec = st.load(run)
        console.print(
            f"run {rec.id}  {rec.name}  {rec.created_at}  soteplan {rec.soteplan_version}"
        )
        _headline(rec)
        console.print("tables: " + ", ".join(f"{k} ({len(v)} rows)" for k, v in rec.tables.items()))
        if spec:
            typer.echo(rec.spec_yaml)
        if meta:
            typer.echo(json.dumps(rec.meta, indent=2, ensure_ascii=False, default=str))
