"""``soteplan pathways``: care and service pathways — list, show, run and compare.

Engines are imported inside the commands so that ``soteplan --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from soteplan.cli._common import OutputFormat, console, print_frame, progress_bar

RegionOpt = Annotated[
    str, typer.Option("--region", "-r", help="Embedded region id or a region directory.")
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="table, csv or json.")]
FileOpt = Annotated[
    Path | None, typer.Option("--file", help="A pathway YAML file instead of a built-in id.")
]
FromOpt = Annotated[int, typer.Option("--from", help="First reported year.")]
ToOpt = Annotated[int, typer.Option("--to", help="Last reported year.")]
RemoteOpt = Annotated[
    list[str] | None,
    typer.Option("--remote", help="STAGE:SHARE — move a share of in-person contacts to remote."),
]
DigitalOpt = Annotated[
    list[str] | None,
    typer.Option("--digital", help="STAGE:SHARE — move a share of in-person contacts to digital."),
]
PeerOpt = Annotated[
    bool,
    typer.Option("--peer-support", help="Add the pathway's NGO peer-support stage (its defaults)."),
]
PeerSpecOpt = Annotated[
    str | None,
    typer.Option(
        "--peer",
        help="STAGE:TARGET:COVERAGE:EFFECT[:COST] — a peer-support stage with these parameters.",
    ),
]
CcmOpt = Annotated[
    str | None,
    typer.Option("--ccm", help="STAGE[,STAGE]:REDUCTION — case management of the heavy users."),
]
LeverYearOpt = Annotated[int, typer.Option("--lever-year", help="First year of the levers.")]
SimOpt = Annotated[
    bool, typer.Option("--simulate", help="Run the discrete-event simulation instead.")
]
RepOpt = Annotated[int, typer.Option("--replications", help="Simulation replications.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Simulation seed.")]
ScaleOpt = Annotated[
    float, typer.Option("--scale", help="Simulated share of the population (0–1].")
]
CapOpt = Annotated[
    list[str] | None,
    typer.Option("--capacity", help="STAGE:PLACES — a stage capacity for --simulate."),
]
ByMunOpt = Annotated[
    bool, typer.Option("--by-municipality", help="One row per municipality as well.")
]
NoTravelOpt = Annotated[
    bool, typer.Option("--no-travel", help="Skip the network travel times (faster).")
]


def _pathway(pathway_id: str | None, file: Path | None) -> Any:
    from soteplan.errors import ParameterError
    from soteplan.pathways import load_builtin, parse_pathway

    if file is not None:
        return parse_pathway(file)
    if not pathway_id:
        raise ParameterError("name a built-in pathway (soteplan pathways list) or give --file")
    return load_builtin(pathway_id)


def _split(text: str, n_min: int, n_max: int, what: str) -> list[str]:
    from soteplan.errors import ParameterError

    parts = text.split(":")
    if not n_min <= len(parts) <= n_max:
        raise ParameterError(f"{what}: expected {n_min}–{n_max} ':'-separated parts, got {text!r}")
    return parts


def _float(text: str, what: str) -> float:
    from soteplan.errors import ParameterError

    try:
        return float(text)
    except ValueError:
        raise ParameterError(f"{what}: {text!r} is not a number") from None


def lever_mappings(
    *,
    remote: list[str] | None,
    digital: list[str] | None,
    peer_support: bool,
    peer: str | None,
    ccm: str | None,
    year: int,
) -> list[dict[str, Any]]:
    """CLI lever options as plain mappings for :func:`soteplan.pathways.levers_from_mappings`."""
    out: list[dict[str, Any]] = []
    for to, items in (("remote", remote or []), ("digital", digital or [])):
        for item in items:
            stage, share = _split(item, 2, 2, f"--{to}")
            out.append(
                {
                    "kind": "channel_shift",
                    "stage": stage,
                    "share": _float(share, f"--{to}"),
                    "to": to,
                    "start_year": year,
                }
            )
    if peer_support:
        out.append({"kind": "peer_support", "start_year": year})
    if peer:
        parts = _split(peer, 4, 5, "--peer")
        d: dict[str, Any] = {
            "kind": "peer_support",
            "stage": parts[0],
            "target": parts[1],
            "coverage": _float(parts[2], "--peer coverage"),
            "effect": _float(parts[3], "--peer effect"),
            "start_year": year,
        }
        if len(parts) == 5:
            d["unit_cost_eur"] = _float(parts[4], "--peer cost")
        out.append(d)
    if ccm:
        stages, red = _split(ccm, 2, 2, "--ccm")
        out.append(
            {
                "kind": "heavy_users",
                "stages": stages.split(","),
                "contact_reduction": _float(red, "--ccm"),
                "start_year": year,
            }
        )
    return out


def register(app: typer.Typer) -> None:
    """Attach the ``pathways`` command group."""
    grp = typer.Typer(
        help="Care and service pathways: people, contacts, cost and travel by provider kind.",
        no_args_is_help=True,
    )
    app.add_typer(grp, name="pathways")

    @grp.command("list")
    def list_cmd(fmt: FormatOpt = OutputFormat.table) -> None:
        """The built-in pathways."""
        import pandas as pd

        from soteplan.pathways import builtin_ids, load_builtin

        rows = []
        for pid in builtin_ids():
            p = load_builtin(pid)
            rows.append(
                {
                    "id": pid,
                    "name": p.name.en,
                    "stages": len(p.stages),
                    "sources": len(p.sources),
                    "assumptions": len(p.assumptions()),
                }
            )
        print_frame(pd.DataFrame(rows).set_index("id"), fmt, title="Built-in pathways")

    @grp.command("show")
    def show_cmd(
        pathway: Annotated[str | None, typer.Argument(help="Built-in pathway id.")] = None,
        file: FileOpt = None,
        fmt: FormatOpt = OutputFormat.table,
    ) -> None:
        """Stages, transitions, sources and assumptions of a pathway."""
        import pandas as pd

        p = _pathway(pathway, file)
        stages = pd.DataFrame(
            [
                {
                    "stage": s.id,
                    "provider": " ".join(f"{k}:{v:.0%}" for k, v in s.provider_shares().items()),
                    "channel": " ".join(f"{k}:{v:.0%}" for k, v in s.channel_shares().items()),
                    "service_type": s.service_type or "-",
                    "eur": s.unit_cost_eur,
                    "per_year": s.contacts_per_year,
                    "places": s.capacity if s.capacity is not None else "-",
                }
                for s in p.stages
            ]
        ).set_index("stage")
        meta = {
            "pathway": p.id,
            "name": p.name.en,
            "price_year": p.stages[0].price_year,
            "transitions": [
                {"from": t.from_, "to": t.to, "annual_probability": t.annual_probability}
                for t in p.transitions
            ],
            "sources": p.cited(),
            "assumptions": p.assumptions(),
        }
        if fmt is not OutputFormat.table:
            print_frame(stages, fmt, meta=meta)
            return
        print_frame(stages, fmt, title=f"{p.name.en} ({p.id}), euros at {meta['price_year']}")
        for t in meta["transitions"]:
            console.print(f"  {t['from']} → {t['to']}: {t['annual_probability']:.3f} a year")
        console.print("[bold]Sources[/]")
        for s in meta["sources"]:
            console.print(f"  - {s}", highlight=False)
        console.print("[bold]Assumptions[/]")
        for s in meta["assumptions"]:
            console.print(f"  - {s}", highlight=False)

    @grp.command("run")
    def run_cmd(
        pathway: Annotated[str | None, typer.Argument(help="Built-in pathway id.")] = None,
        file: FileOpt = None,
        region: RegionOpt = "keski-suomi",
        start: FromOpt = 2025,
        end: ToOpt = 2040,
        remote: RemoteOpt = None,
        digital: DigitalOpt = None,
        peer_support: PeerOpt = False,
        peer: PeerSpecOpt = None,
        ccm: CcmOpt = None,
        lever_year: LeverYearOpt = 2026,
        simulate_: SimOpt = False,
        replications: RepOpt = 10,
        seed: SeedOpt = 1,
        scale: ScaleOpt = 0.1,
        capacity: CapOpt = None,
        by_municipality: ByMunOpt = False,
        no_travel: NoTravelOpt = False,
        fmt: FormatOpt = OutputFormat.table,
    ) -> None:
        """Run a pathway: persons, contacts, cost (euros), trips and travel by year."""
        res = _run(
            pathway, file, region, start, end,
            lever_mappings(remote=remote, digital=digital, peer_support=peer_support,
                           peer=peer, ccm=ccm, year=lever_year),
            simulate_, replications, seed, scale, no_travel, capacity,
        )  # fmt: skip
        rows = res.to_frame(by_municipality=by_municipality)
        if fmt is OutputFormat.table:
            print_frame(
                _display(res.summary()),
                fmt,
                title=f"{res.meta['name']} ({res.meta['model']}), € at {res.meta['price_year']}",
            )
            console.print(f"[dim]{len(rows)} rows by stage, provider and channel: --format json[/]")
            if res.meta.get("assumptions"):
                console.print(f"[dim]{len(res.meta['assumptions'])} assumed numbers (meta)[/]")
            return
        print_frame(rows.set_index("year"), fmt, meta=_jsonable(res.meta))

    @grp.command("compare")
    def compare_cmd(
        pathway: Annotated[str | None, typer.Argument(help="Built-in pathway id.")] = None,
        file: FileOpt = None,
        region: RegionOpt = "keski-suomi",
        start: FromOpt = 2025,
        end: ToOpt = 2040,
        remote: RemoteOpt = None,
        digital: DigitalOpt = None,
        peer_support: PeerOpt = False,
        peer: PeerSpecOpt = None,
        ccm: CcmOpt = None,
        lever_year: LeverYearOpt = 2026,
        simulate_: SimOpt = False,
        replications: RepOpt = 10,
        seed: SeedOpt = 1,
        scale: ScaleOpt = 0.1,
        capacity: CapOpt = None,
        no_travel: NoTravelOpt = False,
        fmt: FormatOpt = OutputFormat.table,
    ) -> None:
        """The pathway without and with the levers: change by year."""
        from soteplan.errors import ParameterError
        from soteplan.pathways import compare_results

        levers = lever_mappings(
            remote=remote, digital=digital, peer_support=peer_support, peer=peer, ccm=ccm,
            year=lever_year,
        )  # fmt: skip
        if not levers:
            raise ParameterError(
                "compare needs at least one lever (--remote, --digital, --peer-support, --peer, "
                "--ccm)"
            )
        args = (simulate_, replications, seed, scale, no_travel, capacity)
        base = _run(pathway, file, region, start, end, [], *args)
        alt = _run(pathway, file, region, start, end, levers, *args)
        table = compare_results(base, alt)
        meta = _jsonable({**alt.meta, "compared": "levers vs no levers"})
        if fmt is OutputFormat.table:
            cols = [c for c in table.columns if c.endswith("_change")]
            shown = _display(table[cols].rename(columns=lambda c: c.removesuffix("_change")))
            shown = shown.rename(columns={"third_sector_pct": "third_sector_pp"})
            print_frame(shown, fmt, title=f"{alt.meta['name']}: change with the levers")
            return
        print_frame(table, fmt, meta=meta)


def _run(
    pathway: str | None,
    file: Path | None,
    region: str,
    start: int,
    end: int,
    levers: list[dict[str, Any]],
    simulate_: bool,
    replications: int,
    seed: int,
    scale: float,
    no_travel: bool,
    capacity: list[str] | None = None,
) -> Any:
    from soteplan.pathways import levers_from_mappings, run_region
    from soteplan.region import load_region

    p = _pathway(pathway, file)
    lv = levers_from_mappings(p, levers)
    r = load_region(region)
    caps = {}
    for item in capacity or []:
        stage, places = _split(item, 2, 2, "--capacity")
        caps[stage] = _float(places, "--capacity")
    if simulate_:
        from soteplan.pathways import simulate_region

        with progress_bar("Simulating", replications) as bar:
            return simulate_region(
                r, p, start_year=start, end_year=end, levers=lv, replications=replications,
                seed=seed, scale=scale, capacity=caps, travel=not no_travel, progress=bar,
            )  # fmt: skip
    with progress_bar("Pathway", end - start + 1) as bar:
        return run_region(
            r, p, start_year=start, end_year=end, levers=lv, travel=not no_travel, progress=bar
        )


def _display(summary: Any) -> Any:
    """Whole persons, contacts and trips, M€, travel hours and the third-sector % for a table."""
    import pandas as pd

    out = pd.DataFrame(index=summary.index)
    for col in ("persons", "contacts", "trips"):
        out[col] = (summary[col].round() + 0.0).astype("int64").astype(object)
    out["cost_meur"] = (summary["cost_eur"] / 1e6).round(2) + 0.0
    out["travel_hours"] = (summary["travel_minutes"] / 60).round() + 0.0
    out["third_sector_pct"] = (100 * summary["third_sector_share"]).round(2) + 0.0
    if "mean_wait_days" in summary.columns:
        out["mean_wait_days"] = summary["mean_wait_days"].round(1)
    return out


def _jsonable(meta: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(meta, default=str))
