"""``soteplan demography``: age structure, dependency ratios, projections and charts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from soteplan.cli._common import (
    OutputFormat,
    ensure_dir,
    err_console,
    lazy_function,
    lazy_module,
    print_frame,
    progress_bar,
)
from soteplan.errors import ParameterError

if TYPE_CHECKING:
    from soteplan.region import Region

np = lazy_module("numpy")
pd = lazy_module("pandas")
load_region = lazy_function("soteplan.region", "load_region")
compare_with_observed = lazy_function("soteplan.demography", "compare_with_observed")
compare_with_official = lazy_function("soteplan.demography", "compare_with_official")
project_region = lazy_function("soteplan.demography", "project_region")
region_groups = lazy_function("soteplan.demography", "region_groups")
summary_table = lazy_function("soteplan.demography", "summary_table")
dependency_then_and_projected = lazy_function(
    "soteplan.demography._series", "dependency_then_and_projected"
)
working_age_by_subregion = lazy_function("soteplan.demography._series", "working_age_by_subregion")

RegionOpt = Annotated[
    str, typer.Option("--region", "-r", help="Embedded region id or a region directory.")
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="table, csv or json.")]


_RATIO_NOTE = "dep. = (0-14 + 65+) / 15-64 × 100, old-age = 65+ / 15-64 × 100"


def _for_table(df: pd.DataFrame) -> pd.DataFrame:
    """Short ratio headers and whole persons for the rich table."""
    out = df.rename(columns={"dependency_ratio": "dep.", "old_age_ratio": "old-age"})
    ints = [c for c in out.columns if c not in ("dep.", "old-age", "name", "year")]
    for c in ints:
        if pd.api.types.is_numeric_dtype(out[c]):
            out[c] = out[c].round().astype("int64").astype(object)
    return out


def _grouping(r: Region, group: str, model: str | None, year: int | None) -> tuple[Any, str]:
    """Parse ``--group`` (municipality|subregion|region|model[:NAME]|NAME) and ``--model``."""
    kind, name = group, model
    if group.startswith("model:"):
        kind, name = "model", group.split(":", 1)[1]
    elif group not in ("municipality", "subregion", "region", "model"):
        kind, name = "model", group
    spec = region_groups(r, kind, model=name, year=year)
    return spec, (f"model {name}" if kind == "model" else kind)


def summary_frame(
    r: Region, *, year: int | None, group: str, model: str | None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The demography summary of the CLI (also used by tests)."""
    y = year if year is not None else r.age_sex_years[-1]
    pop = r.population_by_age(y, members_only=False)
    codes = r.municipality_codes()  # today's membership, as Statistics Finland publishes series
    pop = pop[pop["municipality"].isin(codes)]
    spec, label = _grouping(r, group, model, None)
    drop = isinstance(spec, dict)
    table = summary_table(pop, groups=spec, total_label=f"{r.name_fi} total", drop_unmapped=drop)
    if spec is None:
        names = {c: r.name(c) for c in codes}
        table.insert(0, "name", [names.get(str(g), "") for g in table.index])
    meta = {
        "region": r.id,
        "year": y,
        "grouping": label,
        "municipalities": len(codes),
        "units": "persons on 31 Dec; ratios per 100 aged 15-64",
        "source": f"Statistics Finland, population by age and sex (StatFin 11re), 31.12.{y}",
        "note": f"{len(codes)} municipalities of {r.name_fi} in its current composition",
    }
    return table, meta


def register(app: typer.Typer) -> None:
    """Attach the ``demography`` command group."""
    grp = typer.Typer(
        help="Population age structure, dependency ratios, projections and charts.",
        invoke_without_command=True,
    )
    app.add_typer(grp, name="demography")

    @grp.callback()
    def summary(
        ctx: typer.Context,
        year: Annotated[
            int | None, typer.Option(help="Year (31 Dec); default the latest with age data.")
        ] = None,
        group: Annotated[
            str,
            typer.Option(
                help="municipality, subregion, region, model (with --model), "
                "model:NAME or an organisation model id."
            ),
        ] = "municipality",
        model: Annotated[
            str | None, typer.Option(help="Organisation model id for --group model.")
        ] = None,
        fmt: FormatOpt = OutputFormat.table,
        region: RegionOpt = "keski-suomi",
        charts_dir: Annotated[
            Path | None,
            typer.Option(
                "--charts", help="Also write the two charts (PNG + SVG) to this directory."
            ),
        ] = None,
    ) -> None:
        """Demography summary: population, 0-14, 15-64, 65+, 75+, dependency and old-age ratio."""
        if ctx.invoked_subcommand is not None:
            return
        r = load_region(region)
        table, meta = summary_frame(r, year=year, group=group, model=model)
        if fmt is OutputFormat.table:
            table = _for_table(table)
            meta["note"] += "; " + _RATIO_NOTE
            if "name" in table.columns:
                table.index.name = "code"
                # the total row is named in the name column too, so the code column can go
                empty = table["name"].astype(str) == ""
                table.loc[empty, "name"] = [str(i) for i in table.index[empty]]
                table.index = [("" if e else i) for i, e in zip(table.index, empty, strict=True)]
                table.index.name = "code"
        print_frame(
            table,
            fmt,
            title=f"{r.name_fi} demography summary, 31.12.{meta['year']} ({meta['grouping']})",
            meta=meta,
            droppable=("code",),
        )
        if charts_dir is not None:
            _write_charts(r, charts_dir, None)

    @grp.command("project")
    def project_cmd(
        to: Annotated[int, typer.Option("--to", help="Last projected year.")] = 2040,
        base_year: Annotated[
            int | None, typer.Option(help="Base year (default: latest with age data).")
        ] = None,
        calibrate: Annotated[
            str | None,
            typer.Option(help="Official projection whose regional total to follow."),
        ] = None,
        group: Annotated[str, typer.Option(help="As for the summary.")] = "region",
        model: Annotated[str | None, typer.Option(help="Organisation model id.")] = None,
        every: Annotated[int, typer.Option(help="Print every N-th year.")] = 5,
        fmt: FormatOpt = OutputFormat.table,
        region: RegionOpt = "keski-suomi",
    ) -> None:
        """Cohort-component projection by age and sex; prints totals and age groups."""
        if every < 1:
            raise ParameterError("--every must be at least 1")
        r = load_region(region)
        y0 = base_year if base_year is not None else r.age_sex_years[-1]
        with progress_bar("Projecting", total=to - y0) as advance:
            res = project_region(
                r, base_year=base_year, to_year=to, calibrate=calibrate, progress=advance
            )
        spec, label = _grouping(r, group, model, None)
        pop = res.population
        total = f"{r.name_fi} total"
        years = sorted({y for y in pop["year"].unique() if (y - y0) % every == 0} | {to})
        rows = []
        for y in years:
            t = summary_table(
                pop[pop["year"] == y].drop(columns=["year"]),
                groups=spec,
                total_label=None if spec is None or isinstance(spec, str) else total,
                drop_unmapped=isinstance(spec, dict),
            )
            t.insert(0, "year", int(y))
            rows.append(t)
        out = pd.concat(rows).reset_index()
        out["_last"] = out["group"] == total
        out = out.sort_values(["_last", "group", "year"]).drop(columns="_last")
        out = out.set_index(["group", "year"])
        meta = {**res.meta, "grouping": label}
        meta["source"] = "own projection; " + str(meta["rates"].get("source", ""))
        meta["approximation"] = "; ".join(
            x for x in (meta["rates"].get("approximation"), meta.get("approximation")) if x
        )
        if fmt is OutputFormat.table:
            out = _for_table(out)
            meta["note"] = _RATIO_NOTE
        print_frame(out, fmt, title=f"{r.name_fi}: projection {y0}-{to}", meta=meta)

    @grp.command("validate")
    def validate_cmd(
        base_year: Annotated[int, typer.Option(help="Base year of the own projection.")] = 2019,
        official: Annotated[
            str, typer.Option(help="Official projection to compare with.")
        ] = "statfin-2019",
        markdown: Annotated[
            bool, typer.Option(help="Print Markdown tables (for docs/validation.md).")
        ] = False,
        calibrate: Annotated[
            bool, typer.Option(help="Calibrate the regional total to the official projection.")
        ] = False,
        fmt: FormatOpt = OutputFormat.table,
        region: RegionOpt = "keski-suomi",
    ) -> None:
        """Compare the own projection with the official one by municipality and age group."""
        r = load_region(region)
        with progress_bar("Projecting", total=2040 - base_year) as advance:
            res = project_region(
                r,
                base_year=base_year,
                to_year=2040,
                calibrate=official if calibrate else None,
                progress=advance,
            )
        cmp = compare_with_official(res.population, r.projection(official))
        names = {c: r.name(c) for c in r.municipality_codes()} | {"REGION": r.name_fi}
        cmp["name"] = cmp["municipality"].map(names)
        wide = cmp.pivot_table(index="name", columns=["band", "year"], values="pct_error")
        order = [names[c] for c in sorted(names) if c != "REGION"] + [r.name_fi]
        wide = wide.reindex(order)
        wide.columns = [f"{b} {y}" for b, y in wide.columns]
        munis = cmp[cmp["municipality"] != "REGION"]
        mape = munis.assign(abs_pct=munis["pct_error"].abs()).pivot_table(
            index="band", columns="year", values="abs_pct", aggfunc="median"
        )
        meta = {
            "units": "percent error, 100 × (own − official) / official",
            "base_year": base_year,
            "official": official,
            "source": "own cohort-component projection (default rates) vs Statistics Finland",
        }
        codes = r.municipality_codes()
        off = r.projection(official)
        observed_years = [y for y in r.total_years if y > base_year]
        vs_obs = compare_with_observed(
            {"own": res.population, official: off[off["municipality"].isin(codes)]},
            r.population_totals[r.population_totals["municipality"].isin(codes)],
            years=observed_years,
        )
        if markdown:
            typer.echo(_markdown(wide.round(1), index_name="municipality"))
            typer.echo("")
            typer.echo(_markdown(mape.round(1), index_name="median abs. error, %", sign=False))
            typer.echo("")
            typer.echo(_markdown(vs_obs.round(2), index_name="projection, year", sign=True))
            return
        if fmt is OutputFormat.table:
            # one table per year, age bands as columns: readable in 80 columns
            by_year = cmp.pivot_table(index="name", columns=["year", "band"], values="pct_error")
            years = sorted({int(y) for y, _ in by_year.columns})
            for i, y in enumerate(years):
                part = by_year[y].reindex(order)
                part.index.name = "municipality"
                part.columns = [str(c) for c in part.columns]
                print_frame(
                    part,
                    fmt,
                    title=f"Own projection (base {base_year}) vs {official}, {y}: % error by age",
                    meta=meta if i == len(years) - 1 else None,
                )
        else:
            print_frame(
                wide, fmt, title=f"Own projection (base {base_year}) vs {official}, %", meta=meta
            )
        mape.index.name = "band"
        print_frame(mape, fmt, title="Median absolute % error over municipalities", meta={})
        if fmt is OutputFormat.table:
            vs_obs = vs_obs.rename(
                columns={
                    "region_pct_error": "region % error",
                    "median_abs_pct_error": "median |% error|",
                    "max_abs_pct_error": "max |% error|",
                }
            )
        print_frame(vs_obs, fmt, title="Projected vs observed totals, %", meta={})

    @grp.command("charts")
    def charts(
        out: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path("charts"),
        own: Annotated[
            bool, typer.Option(help="Use the own projection (not the official) for 2030.")
        ] = False,
        region: RegionOpt = "keski-suomi",
    ) -> None:
        """Write the dependency-ratio and working-age charts as PNG and SVG."""
        r = load_region(region)
        d = ensure_dir(out)
        projected = None
        if own:
            with progress_bar("Projecting", total=10) as advance:
                projected = project_region(r, to_year=2030, progress=advance).population
        _write_charts(r, d, projected)


def _write_charts(r: Region, out: Path, projected: pd.DataFrame | None) -> None:
    d = ensure_dir(out)
    written = []
    with progress_bar("Charts", total=2) as advance:
        written += _dependency_chart(r, d, projected)
        advance(1)
        written += _working_age_chart(r, d)
        advance(2)
    for p in written:
        err_console.print(f"wrote {p}")


def _markdown(df: pd.DataFrame, *, index_name: str, sign: bool = True) -> str:
    """A small GitHub-flavoured Markdown table (no extra dependency)."""
    cols = [index_name, *[str(c) for c in df.columns]]
    lines = [
        "| " + " | ".join(cols) + " |",
        "|" + "|".join(["---"] + ["---:"] * len(df.columns)) + "|",
    ]
    for idx, row in df.iterrows():
        cells = [
            ""
            if pd.isna(v)
            else (f"{v:+.1f}" if sign else f"{v:.1f}")
            if isinstance(v, float)
            else str(v)
            for v in row
        ]
        label = ", ".join(map(str, idx)) if isinstance(idx, tuple) else str(idx)
        lines.append("| " + " | ".join([label, *cells]) + " |")
    return "\n".join(lines)


def _source_line(fig: Any, text: str) -> None:
    """Source / attribution under a chart, wrapped to the figure width."""
    import textwrap

    fig.text(0.01, 0.005, textwrap.fill(text, 135), fontsize=7, color="#555555", va="bottom")


def _save(fig: Any, d: Path, stem: str) -> list[Path]:
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    paths = [d / f"{stem}.png", d / f"{stem}.svg"]
    fig.savefig(paths[0], dpi=150)
    fig.savefig(paths[1])
    return paths


def _dependency_chart(r: Region, d: Path, projected: pd.DataFrame | None) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    data, meta = dependency_then_and_projected(r, projected=projected)
    data = data.sort_values("future")
    fig, ax = plt.subplots(figsize=(9, 8.4))
    y = np.arange(len(data))
    h = 0.4
    ax.barh(
        y - h / 2,
        data["then"],
        h,
        label=f"{meta['then']} (published, THL Sotkanet)",
        color="#8da0cb",
    )
    fut_label = "own projection" if projected is not None else "Statistics Finland projection 2019"
    ax.barh(y + h / 2, data["future"], h, label=f"{meta['future']} ({fut_label})", color="#fc8d62")
    ax.set_yticks(y, data["name"])
    ax.set_xlabel("Dependants (aged 0–14 and 65+) per 100 persons aged 15–64")
    ax.set_title(
        f"{r.name_fi}: demographic dependency ratio by municipality, "
        f"{meta['then']} vs {meta['future']}"
    )
    if not np.isnan(meta["region_then"]):
        ax.axvline(
            meta["region_then"],
            color="#4c5a8a",
            ls=":",
            lw=1,
            label=f"{r.name_fi} {meta['then']} (published): {meta['region_then']:.1f}",
        )
    ax.legend(loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    _source_line(
        fig,
        f"Source: {meta['source_then']}; {meta['future']}: "
        f"{meta['source_future']}; Statistics Finland data (CC BY 4.0). "
        "Current municipal division.",
    )
    paths = _save(fig, d, "dependency_ratio_2009_2030")
    plt.close(fig)
    return paths


def _working_age_chart(r: Region, d: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    wide, meta = working_age_by_subregion(r)
    join = meta["join_year"]
    fig, ax = plt.subplots(figsize=(9.5, 6.4))
    for col in wide.columns:
        s = wide[col]
        bold = col == r.name_fi
        (line,) = ax.plot(
            s.index[s.index <= join],
            s[s.index <= join],
            lw=2.5 if bold else 1.5,
            color="black" if bold else None,
            label=f"{col}",
        )
        ax.plot(
            s.index[s.index >= join],
            s[s.index >= join],
            ls="--",
            color=line.get_color(),
            lw=2.5 if bold else 1.5,
        )
        ax.annotate(
            f"{s.iloc[-1]:.0f}",
            (s.index[-1], s.iloc[-1]),
            xytext=(4, 0),
            textcoords="offset points",
            fontsize=8,
            va="center",
        )
    ax.axvline(join + 0.5, color="grey", lw=0.8)
    ax.text(join + 0.7, ax.get_ylim()[1], "projection →", va="top", fontsize=8, color="grey")
    ax.axhline(100, color="grey", lw=0.5)
    ax.set_xlabel("Year (31 Dec)")
    ax.set_ylabel(f"Population aged 15–64, {meta['base_year']} = 100")
    ax.set_title(
        f"{r.name_fi}: working-age population by subregion, "
        f"{meta['base_year']}–{int(wide.index.max())}"
    )
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3)
    _source_line(
        fig,
        f"Source: Statistics Finland (CC BY 4.0): population aged 15–64 "
        f"{meta['base_year']}–{join} (solid); population projection 2019 (dashed), "
        f"chain-linked at {join}. Current municipal division.",
    )
    paths = _save(fig, d, "working_age_2008_2030")
    plt.close(fig)
    return paths
