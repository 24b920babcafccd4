"""``soteplan choice``: freedom of choice of health station — list sizes, switchers, travel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from soteplan.cli._common import (
    OutputFormat,
    console,
    ensure_dir,
    lazy_module,
    plain_text,
    print_frame,
    save_map,
)
from soteplan.errors import ParameterError

pd = lazy_module("pandas")


def _pairs(specs: list[str] | None, option: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for spec in specs or []:
        try:
            key, val = spec.rsplit("=", 1)
            out[key.strip()] = float(val)
        except ValueError:
            raise ParameterError(f"{option} {spec!r}: expected ID=NUMBER") from None
    return out


def _point(spec: str) -> tuple[str, float, float] | tuple[str, str]:
    """``NAME@lat,lon`` (WGS84) → name and EPSG:3067 metres; ``NAME@POSTCODE`` → name, code."""
    from pyproj import Transformer

    name, _, where = spec.rpartition("@")
    if where.isdigit() and len(where) == 5 and name.strip():
        return name.strip(), where
    try:
        name, coords = spec.rsplit("@", 1)
        lat_s, lon_s = coords.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise ParameterError(
            f"--enter {spec!r}: expected NAME@lat,lon, e.g. 'Yksityinen@62.2415,25.7482'"
        ) from None
    if not (59 <= lat <= 71 and 19 <= lon <= 32) or not name.strip():
        raise ParameterError(f"--enter {spec!r}: a name and a point in Finland are needed")
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True).transform(lon, lat)
    return name.strip(), float(x), float(y)


def _rows(res: Any, wi: Any) -> pd.DataFrame:
    st = res.stations
    out = pd.DataFrame({"id": st["id"], "name": st["name"]})
    out["list_today"] = st["list_today"]
    out["list_choice"] = st["list_choice"]
    out["change"] = st["change"]
    if "visits" in st.columns:
        out["visits_today"] = st["visits_today"]
        out["visits_choice"] = st["visits"]
    if res.model.capacity is not None:
        out["capacity"] = st["capacity"]
        out["pushed_out"] = st["pushed_out"]
    if wi is not None:
        w = wi.stations.set_index("id")
        out = out.set_index("id").reindex(w.index)
        out["name"] = w["name"]
        out["list_whatif"] = w["list_after"]
        out["change_whatif"] = w["change"]
        out["status"] = w["status"]
        out = out.reset_index()
    return out.set_index("id")


def _read_totals(path: Path) -> dict[str, float]:
    df = pd.read_csv(path, dtype={"id": str})
    col = next((c for c in ("list_size", "listed", "total") if c in df.columns), None)
    if "id" not in df.columns or col is None:
        raise ParameterError(f"{path}: need columns id and list_size (persons listed)")
    return dict(zip(df["id"].astype(str), pd.to_numeric(df[col], errors="coerce"), strict=True))


def _read_choices(path: Path, model: Any) -> Any:
    import numpy as np

    df = pd.read_csv(path, dtype={"origin": str, "station": str})
    if not {"origin", "station", "persons"} <= set(df.columns):
        raise ParameterError(f"{path}: need columns origin, station, persons")
    oi = {str(o): i for i, o in enumerate(model.origin_ids)}
    obs = np.zeros(model.minutes.shape)
    unknown_o = sorted(set(df["origin"]) - set(oi))
    if unknown_o:
        raise ParameterError(f"{path}: unknown origins {', '.join(unknown_o[:10])}")
    for o, s, n in zip(df["origin"], df["station"], df["persons"], strict=True):
        obs[oi[o], model.index_of(s)] += float(n)
    return obs


def _save_map(path: Path, region: Any, setup: Any, res: Any, station: str | None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    model = setup.model
    j = model.index_of(station) if station else int(np.argmax(res.stations["change"].to_numpy()))
    prob = res.shares[:, j]
    fig, ax = plt.subplots(figsize=(8, 8))
    codes = sorted(set(map(str, setup.origins.municipality)))
    region.municipalities.loc[codes].boundary.plot(ax=ax, color="#777777", linewidth=0.6)
    xy = setup.origins.xy
    pop = np.maximum(model.total_population, 1.0)
    sc = ax.scatter(
        xy[:, 0], xy[:, 1], c=prob, s=8 + 80 * (pop / pop.max()) ** 0.5, cmap="magma_r",
        vmin=0, vmax=1, edgecolors="grey", linewidths=0.3, zorder=2,
    )  # fmt: skip
    fig.colorbar(sc, ax=ax, shrink=0.6, label=f"probability of choosing {model.station_ids[j]}")
    st = setup.stations
    ax.scatter(st.geometry.x, st.geometry.y, marker="^", s=50, c="black", zorder=3)
    for sid, g in zip(st.index, st.geometry, strict=True):
        ax.annotate(str(sid).removeprefix("hs-179-"), (g.x, g.y), fontsize=6, zorder=4)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(f"Catchment probability of {model.station_names[j]}")
    save_map(fig, path, [res.meta.get("approximation") or "", *region.attribution])


def register(app: typer.Typer) -> None:
    """Attach the ``choice`` command."""

    @app.command("choice")
    def choice(
        pilot: Annotated[
            str | None,
            typer.Option(help="Replay a pilot: jyvaskyla-2017 (Huhtasuo, Keskusta, Kuokkala)."),
        ] = None,
        municipality: Annotated[
            list[str] | None,
            typer.Option("--municipality", "-m", help="Residents of this municipality (code)."),
        ] = None,
        year: Annotated[int | None, typer.Option(help="Stations open in this year.")] = None,
        enter: Annotated[
            list[str] | None,
            typer.Option(
                "--enter",
                help="Private entrant NAME@lat,lon (WGS84) or NAME@POSTCODE (repeatable).",
            ),
        ] = None,
        enter_public: Annotated[
            bool, typer.Option("--enter-public", help="Entrants are public, not private.")
        ] = False,
        close: Annotated[
            list[str] | None, typer.Option("--close", help="Close this station id (repeatable).")
        ] = None,
        days: Annotated[
            list[str] | None,
            typer.Option("--days", help="What-if opening days per week: ID=DAYS (repeatable)."),
        ] = None,
        size: Annotated[
            list[str] | None,
            typer.Option("--size", help="Station size or staff ID=NUMBER (enters attraction)."),
        ] = None,
        capacity: Annotated[
            list[str] | None,
            typer.Option("--capacity", help="List-size capacity ID=PERSONS (repeatable)."),
        ] = None,
        decay: Annotated[
            str | None, typer.Option(help="Distance decay: exponential or power.")
        ] = None,
        beta: Annotated[
            float | None,
            typer.Option(help="Decay parameter (per minute, or per log-minute for power)."),
        ] = None,
        days_exponent: Annotated[
            float | None, typer.Option(help="Exponent of opening days (default 1).")
        ] = None,
        private_effect: Annotated[
            float | None, typer.Option(help="Utility of a private provider (default 0).")
        ] = None,
        calibrate_totals: Annotated[
            Path | None,
            typer.Option(help="CSV id,list_size: fit attractiveness to observed list sizes."),
        ] = None,
        calibrate_choices: Annotated[
            Path | None,
            typer.Option(
                help="CSV origin,station,persons: maximum-likelihood decay and exponents."
            ),
        ] = None,
        map_station: Annotated[
            str | None, typer.Option(help="Station whose catchment probability the PNG maps.")
        ] = None,
        out: Annotated[
            Path | None, typer.Option(help="Write CSV, GeoPackage, PNG and meta.json here.")
        ] = None,
        osm_pbf: Annotated[
            Path | None, typer.Option("--osm-pbf", help="Real OSM drive network from this PBF.")
        ] = None,
        region: Annotated[
            str, typer.Option("--region", "-r", help="Region id or directory.")
        ] = "keski-suomi",
        fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    ) -> None:
        """Free choice of health station vs today's areas: list sizes, switchers, travel."""
        from dataclasses import replace

        from soteplan import choice as ch
        from soteplan.access import region_graph
        from soteplan.region import load_region

        reg = load_region(region)
        p = ch.DEFAULT_PARAMS
        attraction = dict(p.attraction)
        sources = dict(p.sources)
        if days_exponent is not None:
            attraction["opening_days"] = days_exponent
            sources["opening_days"] = "user-given"
        if private_effect is not None:
            attraction["private"] = private_effect
            sources["private"] = "user-given"
        if beta is not None:
            sources["beta"] = "user-given"
        p = replace(
            p,
            decay=decay or p.decay,
            beta=p.beta if beta is None else beta,
            attraction=attraction,
            sources=sources,
        )
        if decay == "power" and beta is None:
            raise ParameterError("--decay power needs --beta (no literature default is shipped)")
        kw: dict[str, Any] = {
            "params": p,
            "sizes": _pairs(size, "--size") or None,
            "capacity": _pairs(capacity, "--capacity") or None,
            "graph": region_graph(reg, osm_pbf=osm_pbf),
        }
        if year is not None:
            kw["year"] = year
        if pilot is not None:
            setup = ch.pilot_setup(reg, pilot, **kw)
        else:
            setup = ch.region_setup(reg, municipalities=municipality, **kw)
        calib = None
        if calibrate_totals is not None:
            calib = ch.fit_attractiveness(setup.model, _read_totals(calibrate_totals))
        elif calibrate_choices is not None:
            calib = ch.calibrate_ml(setup.model, _read_choices(calibrate_choices, setup.model))
        model = calib.model if calib is not None else setup.model
        setup = replace(setup, model=model)
        res = model.solve()
        entrants = []
        for k, spec in enumerate(enter or [], start=1):
            where = _point(spec)
            ekw: dict[str, Any] = {
                "id": f"entrant-{k}",
                "name": where[0],
                "private": not enter_public,
            }
            if len(where) == 2:
                entrants.append(ch.entrant_in(setup, str(where[1]), **ekw))
            else:
                entrants.append(ch.entrant_at(setup, where[1], where[2], **ekw))
        change = {k: {"opening_days": v} for k, v in _pairs(days, "--days").items()}
        wi = None
        if entrants or close or change:
            wi = ch.what_if(model, close=list(close or []), enter=entrants, change=change)
        rows = _rows(res, wi)
        meta = {k: v for k, v in res.meta.items() if k not in ("travel_time", "origins")}
        if wi is not None:
            meta["whatif"] = {
                k: wi.meta[k]
                for k in (
                    "closed",
                    "entered",
                    "changed",
                    "switchers",
                    "mean_minutes_before",
                    "mean_minutes_after",
                    "person_minutes_change",
                    "visit_minutes_change",
                )
                if k in wi.meta
            }
        if calib is not None:
            meta["calibration"] = {
                "method": calib.meta["method"],
                "not_identifiable": calib.meta.get("not_identifiable", []),
                "fit": calib.fit,
                "estimates": calib.estimates.to_dict(orient="records"),
            }
        where = f"pilot {pilot}" if pilot else (", ".join(municipality or []) or reg.name_fi)
        print_frame(
            rows,
            fmt,
            title=f"Health-station list sizes: today's areas vs free choice ({where})",
            meta=meta,
            float_digits=0,
            droppable=("visits_choice", "visits_today"),
        )
        if fmt is OutputFormat.table:
            console.print(
                f"Choosers {res.meta['choosers']:,.0f}; switch from today's station "
                f"{res.meta['switchers']:,.0f}; mean car minutes "
                f"{res.meta['mean_minutes_today']:.1f} → {res.meta['mean_minutes_choice']:.1f}"
            )
            if res.meta["pushed_to_next_choice"] > 0:
                console.print(
                    f"Capacity pushed {res.meta['pushed_to_next_choice']:,.0f} residents to a "
                    f"next choice, {res.meta['extra_minutes_per_pushed']:+.2f} car minutes each "
                    "(negative: the next choice is nearer)"
                )
            if wi is not None:
                console.print(
                    f"What-if: {wi.meta['switchers']:,.0f} residents switch; mean car minutes "
                    f"{wi.meta['mean_minutes_before']:.2f} → {wi.meta['mean_minutes_after']:.2f}"
                )
                print_frame(wi.flows.head(15).set_index("from_station"), fmt, title="Who switches")
            if calib is not None:
                print_frame(calib.estimates.set_index("parameter"), fmt, title="Calibration")
                console.print(f"fit: {calib.fit}")
            console.print(
                f"[dim]assumptions: {plain_text(res.meta['params']['sources'])}[/]", highlight=False
            )
        if out is not None:
            _write(out, reg, setup, res, wi, rows, meta, map_station)
            if fmt is OutputFormat.table:
                console.print(f"wrote {out}/choice.csv, choice.gpkg, map.png, meta.json")


def _write(
    out: Path, reg: Any, setup: Any, res: Any, wi: Any, rows: Any, meta: Any, station: str | None
) -> None:
    import geopandas as gpd

    d = ensure_dir(out)
    rows.to_csv(d / "choice.csv")
    res.origins.to_csv(d / "origins.csv", index=False)
    if wi is not None:
        wi.flows.to_csv(d / "switches.csv", index=False)
    og = setup.origins.to_geodataframe().reset_index()
    og = og.merge(res.origins.drop(columns="population"), on="origin", how="left")
    gpkg = d / "choice.gpkg"
    og.to_file(gpkg, layer="origins", driver="GPKG")
    st = setup.stations.reset_index()[["id", "name", "geometry"]]
    st = gpd.GeoDataFrame(
        st.merge(rows.drop(columns="name").reset_index(), on="id", how="left"),
        geometry="geometry",
        crs="EPSG:3067",
    )
    st.to_file(gpkg, layer="stations", driver="GPKG")
    (d / "meta.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    _save_map(d / "map.png", reg, setup, res, station)
