"""``soteplan organise``: define, check, compare and optimise organisation models."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from soteplan.cli._common import (
    OutputFormat,
    console,
    ensure_dir,
    lazy_module,
    print_frame,
    progress_bar,
)
from soteplan.errors import ParameterError

np = lazy_module("numpy")
pd = lazy_module("pandas")

RegionOpt = Annotated[
    str, typer.Option("--region", "-r", help="Embedded region id or a region directory.")
]
DEFAULT_COMPARE = ("cooperation-2010", "county-2023", "optimised-4")


class TravelMode(StrEnum):
    """Source of municipality travel times."""

    default = "default"
    network = "network"
    straight_line = "straight-line"


TravelOpt = Annotated[
    TravelMode,
    typer.Option(
        "--travel",
        help="Travel times: default (road network when the region has one, else straight "
        "line), network, or straight-line (centre distance × 1.3 at 75 km/h; an approximation).",
    ),
]


class Resolution(StrEnum):
    """Where residents are placed for travel measures."""

    municipality = "municipality"
    postal = "postal"


ResolutionOpt = Annotated[
    Resolution,
    typer.Option(
        "--resolution",
        help="Residents at municipality centres, or where they live ('postal': the region's "
        "resident points, else postal-area centroids) for the travel measures.",
    ),
]
YearOpt = Annotated[int | None, typer.Option(help="Population year (default: latest).")]
WithinOpt = Annotated[
    float, typer.Option("--within", help="Threshold of the 'share within' measure, minutes.")
]
ModelsFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--models-file", help="YAML file of further models (schema: README, 'Own models in YAML')."
    ),
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Directory for CSV, YAML and PNG map output.")
]


def _travel(region: Any, mode: TravelMode) -> Any:
    from soteplan.organise import TravelMatrix, region_travel, straight_line_travel
    from soteplan.organise._spatial import central_site_of, network_travel

    codes = region.municipality_codes()
    if mode is TravelMode.default:
        tm: TravelMatrix = region_travel(region)
    elif mode is TravelMode.straight_line:
        tm = straight_line_travel(region, codes, central_site=central_site_of(region))
    else:
        if not region.has_table("main_roads"):
            raise ParameterError(f"region {region.id} has no main_roads table for --travel network")
        tm = network_travel(region, codes, central_site=central_site_of(region))
    return tm


def _eval_travel(region: Any, mode: TravelMode, resolution: Resolution, tm: Any) -> Any:
    """The travel input of the evaluation: the municipality matrix or postal origins."""
    if resolution is Resolution.municipality:
        return tm
    from soteplan.organise import postal_travel

    method = {
        TravelMode.default: "default",
        TravelMode.network: "network",
        TravelMode.straight_line: "straight_line",
    }[mode]
    return postal_travel(region, method=method)


def _models(
    region: Any, names: list[str], models_file: Path | None, travel: Any = None
) -> list[Any]:
    from soteplan.organise import builtin_model, models_from_yaml

    extra: dict[str, Any] = {}
    if models_file is not None:
        if not models_file.is_file():
            raise ParameterError(f"--models-file {models_file} does not exist")
        pop = region.population_total(region.total_years[-1], members_only=False).to_dict()
        extra = models_from_yaml(
            models_file.read_text(encoding="utf-8"),
            codes=region.municipality_codes(),
            population=pop,
            source=models_file.name,
            allowed=list(region.municipalities.index),
        )
    out = []
    for n in names:
        out.append(extra[n] if n in extra else builtin_model(region, n, travel=travel))
    return out


def _evaluate(model: Any, region: Any, year: int | None, travel: Any, within: float) -> Any:
    from soteplan.organise import OriginTravel, evaluate

    if travel is not None and set(region.municipality_codes(year)) - set(travel.codes):
        travel = None  # membership of another year: use the default for those codes
    if isinstance(travel, OriginTravel) and set(region.municipality_codes(year)) - set(
        travel.municipality
    ):
        travel = None
    return evaluate(model, region, year, travel=travel, within_minutes=within)


def _area_table(ev: Any) -> pd.DataFrame:
    df = ev.areas.copy()
    df.index.name = "area"
    return df


_COUNTS = ("population", "aged", "smallest", "largest", "municipalities", "areas")


def _display(table: pd.DataFrame) -> pd.DataFrame:
    """Measures as rows, formatted cells: counts without decimals, yes/no for checks."""

    def cell(measure: str, v: Any) -> str:
        if isinstance(v, bool | np.bool_):
            return "yes" if v else "no"
        if isinstance(v, int | float | np.integer | np.floating):
            if pd.isna(v):
                return ""
            if measure.startswith(_COUNTS) or measure.startswith("net cost"):
                return f"{float(v):,.0f}".replace(",", " ")
            return f"{float(v):.1f}"
        return str(v)

    out = pd.DataFrame(
        [
            [cell(str(m), v) for v in row]
            for m, row in zip(table.index, table.to_numpy(), strict=True)
        ],
        index=pd.Index([str(i) for i in table.index], name="measure"),
        columns=[str(c) for c in table.columns],
    )
    return out


def _notes(ev: Any) -> None:
    m = ev.meta
    console.print(
        f"[dim]travel: {m['travel']} ({m['travel_note']}); adjacency: {m['adjacency']}[/]"
    )
    if m.get("approximation"):
        console.print(f"[dim]approximation: {m['approximation']}[/]")
    if m.get("dropped"):
        console.print(f"[dim]not members in {m['year']} and left out: {', '.join(m['dropped'])}[/]")
    if m.get("projection_missing"):
        console.print(
            f"[dim]no projection for {', '.join(m['projection_missing'])}: "
            "counted as 0 in projected figures[/]"
        )
    console.print(f"[dim]net cost: {m['net_cost_note']}[/]")


def _criteria_notes(ev: Any) -> None:
    for c in ev.meta["criteria"]:
        mark = "" if c["status"] == "confirmed" else " [unconfirmed]"
        console.print(f"[dim]{c['column']}: {c['label']}; {c['source']}{mark}[/]", highlight=False)


def register(app: typer.Typer) -> None:
    """Attach the ``organise`` command group."""
    grp = typer.Typer(
        help="Organisation models: split the region into service areas, check them, find the best."
    )
    app.add_typer(grp, name="organise")

    @grp.command("list")
    def list_models(
        region: RegionOpt = "keski-suomi",
        fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    ) -> None:
        """List the built-in organisation models."""
        from soteplan.organise import OPTIMISED_K, OPTIMISED_MIN_POPULATION, builtin_models
        from soteplan.region import load_region

        r = load_region(region)
        rows = []
        for m in builtin_models(r, optimised=False).values():
            rows.append(
                {
                    "model": m.id,
                    "name": m.name,
                    "areas": len(m.areas),
                    "year": m.year if m.year is not None else "",
                    "status": m.status,
                    "source": (m.source[:60] + "…") if len(m.source) > 60 else m.source,
                }
            )
        for k in OPTIMISED_K:
            rows.append(
                {
                    "model": f"optimised-{k}",
                    "name": f"Optimised {k} areas (≥{OPTIMISED_MIN_POPULATION:,.0f} residents)",
                    "areas": k,
                    "year": "",
                    "status": "optimised",
                    "source": "regionalise(): computed on demand",
                }
            )
        print_frame(pd.DataFrame(rows).set_index("model"), fmt, title=f"{r.name_fi}: models")

    @grp.command("show")
    def show(
        name: Annotated[str, typer.Argument(help="Model id (see `soteplan organise list`).")],
        region: RegionOpt = "keski-suomi",
        year: YearOpt = None,
        travel: TravelOpt = TravelMode.default,
        resolution: ResolutionOpt = Resolution.municipality,
        within: WithinOpt = 30.0,
        models_file: ModelsFileOpt = None,
        out: OutOpt = None,
        fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    ) -> None:
        """One model: its areas, hubs, members and every measure."""
        from soteplan.region import load_region

        r = load_region(region)
        with progress_bar("evaluating", 1) as tick:
            tm = _travel(r, travel)
            model = _models(r, [name], models_file, tm)[0]
            ev = _evaluate(model, r, year, _eval_travel(r, travel, resolution, tm), within)
            tick(1)
        if fmt is not OutputFormat.table:
            print_frame(_area_table(ev), fmt, meta=_jsonable(ev.meta))
            return
        console.print(f"[bold]{model.name}[/] ({model.id}, status {model.status})")
        if model.source:
            console.print(f"[dim]source: {model.source}[/]", highlight=False)
        if model.notes:
            console.print(f"[dim]notes: {model.notes}[/]", highlight=False)
        members = pd.DataFrame(
            [
                {
                    "area": a.id,
                    "hub": r.name(a.hub),
                    "levels": "+".join(a.levels),
                    "members": ", ".join(r.name(c) for c in a.members),
                }
                for a in model.areas
            ]
        ).set_index("area")
        print_frame(members, OutputFormat.table, title="Areas")
        print_frame(_display(_area_table(ev).T), OutputFormat.table, title=f"Measures, {ev.year}")
        _notes(ev)
        _criteria_notes(ev)
        if out is not None:
            _write(out, [ev], r)

    @grp.command("compare")
    def compare_cmd(
        names: Annotated[
            list[str] | None,
            typer.Argument(help=f"Model ids (default: {' '.join(DEFAULT_COMPARE)})."),
        ] = None,
        region: RegionOpt = "keski-suomi",
        year: YearOpt = None,
        travel: TravelOpt = TravelMode.default,
        resolution: ResolutionOpt = Resolution.municipality,
        within: WithinOpt = 30.0,
        areas: Annotated[bool, typer.Option(help="Also print every model's area table.")] = True,
        models_file: ModelsFileOpt = None,
        out: OutOpt = None,
        fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    ) -> None:
        """Several models side by side (table; maps and CSV with --out)."""
        from soteplan.organise import compare
        from soteplan.region import load_region

        r = load_region(region)
        wanted = list(names or DEFAULT_COMPARE)
        evs = []
        with progress_bar("evaluating models", len(wanted)) as tick:
            tm = _travel(r, travel)
            ev_tm = _eval_travel(r, travel, resolution, tm)
            for i, m in enumerate(_models(r, wanted, models_file, tm)):
                evs.append(_evaluate(m, r, year, ev_tm, within))
                tick(i + 1)
        table = compare(evs)
        if fmt is not OutputFormat.table:
            print_frame(table, fmt, meta=_jsonable(evs[0].meta))
            return
        print_frame(
            _display(table),
            OutputFormat.table,
            title=f"{r.name_fi}: models compared, {evs[0].year}",
        )
        if areas:
            for ev in evs:
                print_frame(
                    _display(_area_table(ev).T),
                    OutputFormat.table,
                    title=f"{ev.model.id}: areas, {ev.year}",
                )
        for ev in evs:
            if ev.model.status == "optimised":
                x = ev.model.extra
                console.print(
                    f"[dim]{ev.model.id}: {x['method']} solution, status {x['status']}, "
                    f"optimality gap {100 * x['gap']:.2f} %, {x['seconds']:.1f} s[/]"
                )
        _notes(evs[0])
        _criteria_notes(evs[0])
        if out is not None:
            _write(out, evs, r, table)

    @grp.command("optimise")
    def optimise(
        k: Annotated[
            str, typer.Option("--k", help="Number of areas: 4, or a range 3..6.")
        ] = "3..6",
        min_pop: Annotated[
            float, typer.Option("--min-pop", help="Population floor per area (persons).")
        ] = 20_000,
        max_pop: Annotated[
            float | None, typer.Option("--max-pop", help="Population ceiling per area.")
        ] = None,
        keep_together: Annotated[
            list[str] | None,
            typer.Option("--keep-together", help="Codes to keep in one area, e.g. 179,500."),
        ] = None,
        fixed_hub: Annotated[
            list[str] | None, typer.Option("--fixed-hub", help="A municipality that must be a hub.")
        ] = None,
        method: Annotated[str, typer.Option(help="auto, exact or heuristic.")] = "auto",
        time_limit: Annotated[float, typer.Option(help="Seconds per k.")] = 60.0,
        region: RegionOpt = "keski-suomi",
        year: YearOpt = None,
        travel: TravelOpt = TravelMode.default,
        within: WithinOpt = 30.0,
        out: OutOpt = None,
        fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    ) -> None:
        """Optimal contiguous service areas for each k (exact MILP or heuristic)."""
        from soteplan.organise import compare, regionalise
        from soteplan.region import load_region

        ks = _parse_k(k)
        r = load_region(region)
        tm = _travel(r, travel)
        rows, models, evs = [], [], []
        groups = [tuple(c.strip() for c in g.split(",") if c.strip()) for g in keep_together or []]
        with progress_bar("optimising", len(ks)) as tick:
            for i, kk in enumerate(ks):
                res = regionalise(
                    r, kk, min_population=min_pop, max_population=max_pop, year=year,
                    keep_together=groups, fixed_hubs=fixed_hub or [], travel=tm,
                    method=method, time_limit=time_limit,
                )  # fmt: skip
                names = {c: r.name(c) for c in res.hubs}
                model = res.to_model(
                    f"optimised-{kk}", f"Optimised {kk} areas (≥{min_pop:,.0f})", names=names
                )
                models.append(model)
                evs.append(_evaluate(model, r, year, tm, within))
                rows.append(
                    {
                        "k": kk,
                        "method": res.method,
                        "status": res.status,
                        "gap %": 100 * res.gap,
                        "mean min to hub": res.mean_minutes,
                        "smallest area": int(min(res.population)),
                        "seconds": res.seconds,
                        "areas (hub: members)": "; ".join(
                            f"{r.name(h)}: {len(a)}"
                            for a, h in zip(res.areas, res.hubs, strict=True)
                        ),
                    }
                )
                tick(i + 1)
        summary = pd.DataFrame(rows).set_index("k")
        if fmt is not OutputFormat.table:
            print_frame(summary, fmt, meta=_jsonable(res.meta))
        else:
            print_frame(
                summary,
                OutputFormat.table,
                title=f"{r.name_fi}: optimised service areas",
                droppable=("areas (hub: members)",),  # the members are printed below
            )
            for m in models:
                console.print(
                    f"[bold]{m.id}[/]: "
                    + " | ".join(
                        f"{r.name(a.hub)} ★ "
                        + ", ".join(r.name(c) for c in a.members if c != a.hub)
                        for a in m.areas
                    ),
                    highlight=False,
                )
            print_frame(_display(compare(evs)), OutputFormat.table, title="Measures")
            _notes(evs[0])
        if out is not None:
            from soteplan.organise import models_to_yaml

            d = ensure_dir(out)
            (d / "optimised_models.yaml").write_text(models_to_yaml(models), encoding="utf-8")
            _write(out, evs, r, compare(evs))


def _parse_k(text: str) -> list[int]:
    try:
        if ".." in text:
            a, b = text.split("..", 1)
            ks = list(range(int(a), int(b) + 1))
        else:
            ks = [int(x) for x in text.split(",")]
    except ValueError as exc:
        raise ParameterError(f"--k must be like 4, 3,5 or 3..6; got {text!r}") from exc
    if not ks or min(ks) < 1:
        raise ParameterError(f"--k must name positive numbers of areas; got {text!r}")
    return ks


def _jsonable(meta: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(meta, default=str))


def _write(out: Path, evs: list[Any], region: Any, table: pd.DataFrame | None = None) -> None:
    import matplotlib.pyplot as plt

    from soteplan.organise import plot_models

    d = ensure_dir(out)
    written = []
    if table is not None:
        table.to_csv(d / "comparison.csv")
        written.append("comparison.csv")
    for ev in evs:
        ev.areas.to_csv(d / f"{ev.model.id}_areas.csv")
        written.append(f"{ev.model.id}_areas.csv")
    fig = plot_models([ev.model for ev in evs], region)
    name = "map_" + "_".join(ev.model.id for ev in evs)[:120] + ".png"
    fig.savefig(d / name, dpi=130)
    plt.close(fig)
    written.append(name)
    console.print(f"wrote {', '.join(written)} to {d}")
