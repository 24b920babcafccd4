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


ChannelsOpt = Annotated[
    Path | None,
    typer.Option(
        "--channels",
        help="A channels CSV (the format of guidance/data/channels.csv) instead of the "
        "package's: phone numbers and e-services a planner adds, each with its source.",
    ),
]


def _guide(
    region: str,
    hsds: list[Path] | None,
    ptv: list[Path] | None,
    classes: Path | None,
    channels: Path | None = None,
):
    from soteplan.guidance import load_needs, read_directories, region_guide
    from soteplan.region import load_region

    needs = load_needs(channels) if channels is not None else None
    reg = load_region(region)
    extra = read_directories(hsds or [], ptv or [], classes)
    return reg, region_guide(reg, extra, needs=needs)


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
    channels: ChannelsOpt = None,
    lang: Annotated[
        str, typer.Option("--lang", help="Language of the table: fi, sv or en.")
    ] = "en",
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
    if lang not in ("fi", "sv", "en"):
        raise ParameterError(f"--lang must be fi, sv or en, got {lang!r}")
    reg, guide = _guide(region, hsds, ptv, ptv_classes, channels)
    res = guide.answer(
        need,
        postcode=postcode,
        municipality=_municipality(reg, municipality),
        point=_point(point),
        limit=limit,
    )
    names = guide.municipality_names("sv" if lang == "sv" else "fi")
    if fmt is OutputFormat.json:
        typer.echo(
            json.dumps(res.to_dict(guide.municipality_names()), ensure_ascii=False, indent=2)
        )
        return
    if fmt is OutputFormat.csv:
        table = res.to_frame()
        if len(table):
            table.insert(3, "municipality_name", [names.get(c, "") for c in table["municipality"]])
        print_frame(table, fmt)
        return
    print_answer(res.to_dict(names), lang)


def _wrap(text: str, width: int, indent: str = "") -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width, subsequent_indent=indent, break_on_hyphens=False))


def print_answer(res: dict[str, Any], lang: str, width: int | None = None) -> None:
    """Print one guidance answer (``GuidanceResult.to_dict``) readably in ``width`` columns.

    One row per service: rank, name with municipality and type, car minutes, opening days in
    words and the service's own channels (kinds it lacks said as "not in the data"); then the
    region-wide phone, e-service and remote channels with their sources.  Words come from the
    message catalogue in ``lang`` (fi/sv/en).
    """
    from rich import box
    from rich.table import Table

    from soteplan.guidance._text import channel_label, opening_text
    from soteplan.i18n import t

    width = width or console.width
    place = res["place"]
    pname = place.get("municipality_name") or place["municipality"]
    if place["kind"] == "postcode":
        where = t("gcli.place.postcode", lang, id=place["id"], name=f"{place['name']} ({pname})")
    elif place["kind"] == "municipality":
        where = t("gcli.place.municipality", lang, name=pname)
    else:
        where = t("gcli.place.point", lang, id=place["id"])
    need = t("resident.need." + res["need"].replace("-", "_"), lang)
    console.print(
        _wrap(t("gcli.title", lang, need=need, place=where), width), style="bold", highlight=False
    )
    services = res["services"]
    if not services:
        console.print(t("gcli.none_found", lang), highlight=False)
    else:
        table = Table(
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            expand=False,
            header_style="bold",
            width=width,
        )
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column(t("gcli.col.service", lang), ratio=5, overflow="fold")
        table.add_column(t("gcli.col.minutes", lang), justify="right", no_wrap=True)
        table.add_column(t("gcli.col.open", lang), ratio=3, overflow="fold")
        table.add_column(t("gcli.col.channels", lang), ratio=6, overflow="fold")
        for s in services:
            try:
                stype = t(f"resident.type.{s['service_type']}", lang)
            except ParameterError:
                stype = s["service_type"]
            tags = [stype]
            if s["basis"] == "assumption":
                tags.append(t("gcli.assumption", lang))
            if s["example"]:
                tags.append(t("gcli.example", lang))
            name = f"{s['name']}\n{s.get('municipality_name') or s['municipality']}"
            name += f" · {', '.join(tags)}"
            own = []
            for c in s["channels"]:
                label = t(f"gcli.kind.{c['kind']}", lang)
                own.append(f"{label}: {c['value']}" if c["value"] else label)
            lacking = [
                t(f"gcli.kind.{k}", lang)
                for k in ("phone", "e_service", "remote")
                if not any(c["kind"] == k and c["value"] for c in s["channels"])
            ]
            if lacking:
                own.append(t("gcli.no_own_channels", lang, kinds=", ".join(lacking)))
            table.add_row(
                str(s["rank"]),
                name,
                t("gcli.minutes", lang, minutes=f"{s['travel_minutes']:.0f}"),
                opening_text(s, lang, short=True),
                "\n".join(own),
            )
        console.print(table, highlight=False)
    if res["region_channels"]:
        console.print(t("gcli.other_ways", lang), style="bold", highlight=False)
        for c in res["region_channels"]:
            kind = t(f"gcli.kind.{c['kind']}", lang)
            value = c["value"] if c["known"] else t("resident.number_not_in_data", lang)
            line = f"- {channel_label(c, lang)}, {kind}: {value} ({t('gcli.source', lang)}: "
            line += c["source"]
            if c.get("checked"):
                line += ", " + t("resident.checked", lang, date=c["checked"])
            console.print(_wrap(line + ")", width, "  "), highlight=False, soft_wrap=True)
    notes = [t("gcli.days_note", lang), t("gcli.time_note", lang)]
    if any(s["basis"] == "assumption" for s in services):
        notes.append(t("resident.assumption", lang))
    for n in notes:
        console.print(_wrap(n, width), style="dim", highlight=False, soft_wrap=True)


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
