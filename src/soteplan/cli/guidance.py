"""``soteplan guidance``: which services answer a resident's need, nearest first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from soteplan.cli._common import OutputFormat, console, print_frame
from soteplan.errors import NotFoundError, ParameterError

guidance_app = typer.Typer(
    help="Service guidance for residents: services that answer a need, ranked by car time; "
    "the directory (HSDS JSON) and the unmet-needs table for planners.",
    no_args_is_help=False,
)

RegionOpt = Annotated[str, typer.Option("--region", "-r", help="Region id or directory.")]
HsdsOpt = Annotated[
    list[Path] | None,
    typer.Option("--hsds", help="Import an HSDS datapackage directory (repeatable)."),
]
PtvOpt = Annotated[
    list[Path] | None, typer.Option("--ptv", help="Import a PTV open-API JSON file (repeatable).")
]
PtvClassesOpt = Annotated[
    Path | None,
    typer.Option("--ptv-classes", help="CSV code,service_type mapping PTV service classes."),
]


def _guide(region: str, hsds: list[Path] | None, ptv: list[Path] | None, classes: Path | None):
    from soteplan.guidance import read_directories, region_guide
    from soteplan.region import load_region

    reg = load_region(region)
    extra = read_directories(hsds or [], ptv or [], classes)
    return reg, region_guide(reg, extra)


def _municipality(reg: Any, value: str | None) -> str | None:
    if value is None:
        return None
    v = value.strip()
    if v.isdigit():
        return v.zfill(3)
    m = reg.municipalities
    hit = [
        c
        for c in m.index
        if v.lower() in (str(m.loc[c, "name_fi"]).lower(), str(m.loc[c, "name_sv"]).lower())
    ]
    if not hit:
        raise NotFoundError(f"--municipality {value!r}: not a municipality of {reg.name_fi}")
    return str(hit[0])


def _point(value: str | None) -> tuple[float, float] | None:
    if value is None:
        return None
    from soteplan.guidance import wgs84_to_3067

    try:
        lat_s, lon_s = value.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise ParameterError(
            f"--point {value!r}: expected lat,lon in degrees, e.g. 62.70,25.26"
        ) from None
    if not (59 <= lat <= 71 and 19 <= lon <= 32):
        raise ParameterError(f"--point {value!r}: not a point in Finland (lat,lon degrees)")
    return wgs84_to_3067(lat, lon)


@guidance_app.callback(invoke_without_command=True)
def guidance(
    ctx: typer.Context,
    need: Annotated[
        str | None,
        typer.Option(
            help="Need: doctor, home-help, substance-mental, family-support, disability, "
            "emergency (see `soteplan guidance needs`)."
        ),
    ] = None,
    postcode: Annotated[str | None, typer.Option(help="Postal code, e.g. 43100.")] = None,
    municipality: Annotated[
        str | None, typer.Option(help="Municipality code or name (its centre).")
    ] = None,
    point: Annotated[str | None, typer.Option(help="A point lat,lon (WGS84 degrees).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many services.")] = 5,
    hsds: HsdsOpt = None,
    ptv: PtvOpt = None,
    ptv_classes: PtvClassesOpt = None,
    region: RegionOpt = "keski-suomi",
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Services that answer a need near a place, nearest by car first, with opening days and
    the phone, e-service and remote alternatives (emergencies: 112 first)."""
    if ctx.invoked_subcommand is not None:
        return
    if need is None:
        console.print(ctx.get_help())
        raise typer.Exit(0)
    reg, guide = _guide(region, hsds, ptv, ptv_classes)
    res = guide.answer(
        need,
        postcode=postcode,
        municipality=_municipality(reg, municipality),
        point=_point(point),
        limit=limit,
    )
    names = guide.municipality_names()
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(res.to_dict(names), ensure_ascii=False, indent=2))
        return
    table = res.to_frame()
    if len(table):
        table.insert(3, "municipality name", [names.get(c, "") for c in table["municipality"]])
    place = res.place
    where = f"{place.kind} {place.id}" + (f" {place.name}" if place.name else "")
    print_frame(table, fmt, title=f"{need} near {where}: nearest by car", meta=res.meta)
    if fmt is OutputFormat.table:
        for c in res.region_channels:
            console.print(f"{c.kind}: {c.value}  {c.name}  [dim](source: {c.source})[/]")
        for a in res.meta.get("assumptions", []):
            console.print(f"[yellow]{a}[/]")


@guidance_app.command("needs")
def needs_cmd(fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table) -> None:
    """The needs table: which service types answer each need (editable data file)."""
    import pandas as pd

    from soteplan.guidance import load_needs

    n = load_needs()
    rows = [
        {"need": r.need, "service_type": r.service_type, "basis": r.basis, "note": r.note}
        for r in n.rules
    ]
    rows += [
        {
            "need": k,
            "service_type": f"{c.kind}: {c.value}",
            "basis": "public fact",
            "note": c.source,
        }
        for k, cs in n.channels.items()
        for c in cs
    ]
    print_frame(
        pd.DataFrame(rows).set_index("need"), fmt, title="Needs → service types and channels"
    )


@guidance_app.command("unmet")
def unmet_cmd(
    threshold: Annotated[float, typer.Option(help="Minutes by car.")] = 30.0,
    need: Annotated[list[str] | None, typer.Option(help="Only this need (repeatable).")] = None,
    areas: Annotated[bool, typer.Option(help="List the postal areas outside the time.")] = False,
    hsds: HsdsOpt = None,
    ptv: PtvOpt = None,
    ptv_classes: PtvClassesOpt = None,
    region: RegionOpt = "keski-suomi",
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Unmet needs: per need, the postal areas with nothing in person within the time."""
    _, guide = _guide(region, hsds, ptv, ptv_classes)
    res = guide.unmet_needs(threshold, need or None)
    if areas:
        t = res.to_frame()
        t = t[~t["within"]].drop(columns=["within"]).set_index(["need", "postcode"])
        print_frame(
            t, fmt, title=f"Postal areas with nothing within {threshold:g} min", meta=res.meta
        )
    else:
        summary = res.summary()
        if fmt is OutputFormat.table:  # whole numbers stay whole beside the minutes
            for c in ("areas", "areas_outside", "population_outside"):
                summary[c] = [f"{v:,}".replace(",", " ") for v in summary[c]]
        print_frame(
            summary,
            fmt,
            title=f"Unmet needs: nothing within {threshold:g} min",
            meta=res.meta,
        )


@guidance_app.command("voice")
def voice_cmd(
    survey: Annotated[Path, typer.Argument(help="Survey CSV (soteplan format or Google Forms).")],
    need: Annotated[
        str, typer.Option(help="Access figure beside each area: time to this need.")
    ] = "doctor",
    threshold: Annotated[float, typer.Option(help="Minutes by car (unmet-needs limit).")] = 30.0,
    region: RegionOpt = "keski-suomi",
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Residents' voice: survey answers by area beside the car time to the nearest service."""
    from soteplan.guidance import read_survey, survey_by_area

    reg, guide = _guide(region, None, None, None)
    guide.needs.check(need)
    pa = reg.table("postal_areas")
    s = read_survey(
        survey,
        postcodes=dict(
            zip(pa["postcode"].astype(str), pa["municipality"].astype(str), strict=True)
        ),
        municipalities=reg.municipality_codes(),
    )
    t = survey_by_area(s, guide.unmet_needs(threshold, [need]).to_frame(), need)
    t["texts"] = [" | ".join(x) for x in t["texts"]]
    print_frame(
        t.set_index("area"),
        fmt,
        title=f"Residents' voice ({s.meta['answers']} answers, {s.meta['layout']}) "
        f"beside car minutes to {need}",
        meta=s.meta,
    )


@guidance_app.command("directory")
def directory_cmd(
    out: Annotated[Path | None, typer.Option(help="Write the HSDS JSON here.")] = None,
    hsds: HsdsOpt = None,
    ptv: PtvOpt = None,
    ptv_classes: PtvClassesOpt = None,
    region: RegionOpt = "keski-suomi",
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """The service directory: a table, or HSDS-shaped JSON (``--format json`` / ``--out``)."""
    _, guide = _guide(region, hsds, ptv, ptv_classes)
    d = guide.directory
    if out is not None or fmt is OutputFormat.json:
        text = json.dumps(d.to_hsds(), ensure_ascii=False, indent=2)
        if out is not None:
            out.write_text(text, encoding="utf-8")
            console.print(f"wrote {out} ({len(d.services)} services, {len(d.locations)} locations)")
        else:
            typer.echo(text)
        return
    t = d.to_frame()[
        [
            "service",
            "service_type",
            "municipality",
            "opening_days",
            "phone",
            "e_service",
            "remote",
            "example",
        ]
    ]
    print_frame(t, fmt, title=f"Service directory: {len(d.services)} services", meta=d.meta)


def register(app: typer.Typer) -> None:
    """Attach the ``guidance`` command group."""
    app.add_typer(guidance_app, name="guidance")
