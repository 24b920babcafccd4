"""``soteplan access``: how far residents are from a service, and what a change does."""

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
    print_frame,
    save_map,
)
from soteplan.errors import ParameterError

pd = lazy_module("pandas")


def _parse_open(specs: list[str]) -> Any:
    """``NAME@lat,lon`` (WGS84 degrees) → GeoDataFrame of new points in EPSG:3067."""
    import geopandas as gpd

    names, lats, lons = [], [], []
    for spec in specs:
        try:
            name, coords = spec.rsplit("@", 1)
            lat_s, lon_s = coords.split(",")
            lat, lon = float(lat_s), float(lon_s)
        except ValueError:
            raise ParameterError(
                f"--open {spec!r}: expected NAME@lat,lon, e.g. 'Uusi asema@62.24,25.75'"
            ) from None
        if not (59 <= lat <= 71 and 19 <= lon <= 32) or not name.strip():
            raise ParameterError(f"--open {spec!r}: a name and a point in Finland are needed")
        names.append(name.strip())
        lats.append(lat)
        lons.append(lon)
    g = gpd.GeoDataFrame(
        {"name": names, "type": "new"},
        index=pd.Index([f"new-{i + 1}" for i in range(len(names))], name="id"),
        geometry=gpd.points_from_xy(lons, lats),
        crs="EPSG:4326",
    )
    return g.to_crs("EPSG:3067")


def _coverage_table(result: Any, region: Any, band: str, by: str) -> pd.DataFrame:
    from soteplan.access import time_distribution

    groupings = {k: g.mapping() for k, g in region.groupings.items()}
    cov = result.coverage
    dist = time_distribution(result.origins, result.nearest.minutes, band=band, groupings=groupings)
    c = cov[(cov["level"].isin([by, "region"])) & (cov["band"] == band)].copy()
    d = dist.set_index(["level", "area"])
    if by == "municipality":
        names = region.municipalities["name_fi"].to_dict()
    else:
        names = {a.id: a.name for a in region.groupings[by].areas}
        names["(none)"] = "(not in this model)"
    c["name"] = [
        region.name_fi if lvl == "region" else names.get(a, a)
        for lvl, a in zip(c["level"], c["area"], strict=True)
    ]
    c["code"] = c["area"].where(c["level"] == by, "")
    out = pd.DataFrame(
        {"code": c["code"], "municipality" if by == "municipality" else "area": c["name"]}
    )
    out["population"] = c["population"].round().astype("int64")
    for col in [x for x in c.columns if x.startswith("share_")]:
        out[f"≤{col.removeprefix('share_')} min %"] = (100 * c[col]).round(1)
    keys = list(zip(c["level"], c["area"], strict=True))
    out["mean min"] = [d.loc[k, "mean"] for k in keys]
    out["p90 min"] = [d.loc[k, "p90"] for k in keys]
    out["max min"] = [d.loc[k, "max"] for k in keys]
    return out.set_index("code")


def _save_map(path: Path, region: Any, result: Any, closed: Any, opened: Any) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 10))
    region.municipalities.loc[region.municipality_codes()].boundary.plot(
        ax=ax, color="#777777", linewidth=0.6
    )
    if region.has_table("main_roads") and hasattr(region.table("main_roads"), "geometry"):
        region.table("main_roads").plot(ax=ax, color="#d9a0a0", linewidth=0.8, zorder=1)
    og = result.origins_frame()
    pop = og["pop_all"].clip(lower=1)
    sc = ax.scatter(
        og.geometry.x,
        og.geometry.y,
        c=og["nearest_min"],
        s=6 + 60 * (pop / pop.max()) ** 0.5,
        cmap="viridis_r",
        edgecolors="none",
        zorder=2,
    )
    fig.colorbar(sc, ax=ax, shrink=0.6, label="car minutes to the nearest service point")
    fac = result.facilities
    ax.scatter(
        fac.geometry.x, fac.geometry.y, marker="^", s=40, c="black", label="service point", zorder=3
    )
    if closed is not None and len(closed):
        ax.scatter(
            closed.geometry.x,
            closed.geometry.y,
            marker="x",
            s=60,
            c="red",
            label="closed",
            zorder=4,
        )
    if opened is not None and len(opened):
        ax.scatter(
            opened.geometry.x,
            opened.geometry.y,
            marker="*",
            s=120,
            c="orange",
            label="opened",
            zorder=4,
        )
    ax.set_aspect("equal")
    ax.set_axis_off()
    n_points = len(result.facilities)
    title = f"{region.name_fi}: {result.meta['service']} ({n_points} points), car minutes"
    ax.set_title(title)
    ax.legend(loc="lower left")
    notes = [result.meta.get("note") or "", result.meta.get("approximation") or ""]
    save_map(fig, path, [*notes, *region.attribution])


def register(app: typer.Typer) -> None:
    """Attach the ``access`` command."""

    @app.command("access")
    def access(
        service: Annotated[
            str,
            typer.Option(
                help="Service type: health_station, hospital, emergency_department, home_care_base."
            ),
        ] = "health_station",
        year: Annotated[
            int | None, typer.Option(help="Service points operating in this year.")
        ] = None,
        close: Annotated[
            list[str] | None,
            typer.Option("--close", help="Close this service point id (repeatable)."),
        ] = None,
        open_: Annotated[
            list[str] | None,
            typer.Option("--open", help="Open a point NAME@lat,lon (WGS84; repeatable)."),
        ] = None,
        out: Annotated[
            Path | None, typer.Option(help="Write GeoPackage, CSV and PNG map here.")
        ] = None,
        osm_pbf: Annotated[
            Path | None, typer.Option("--osm-pbf", help="Real OSM drive network from this PBF.")
        ] = None,
        grid: Annotated[
            Path | None,
            typer.Option(
                "--grid",
                help="Origins from a Statistics Finland population grid file (CSV, GeoPackage or "
                "shapefile; 1 km or 250 m) instead of the region's resident points.",
            ),
        ] = None,
        origins_method: Annotated[
            str,
            typer.Option(
                "--origins",
                help="Origins: 'residents' (dasymetric resident points, default) or 'postal' "
                "(postal-area centroids).",
            ),
        ] = "residents",
        strict_year: Annotated[
            bool,
            typer.Option(
                "--strict-year",
                help="Refuse a --year past the last year of the service-point data instead of "
                "answering with the last year's list.",
            ),
        ] = False,
        region: Annotated[
            str, typer.Option("--region", "-r", help="Region id or directory.")
        ] = "keski-suomi",
        thresholds: Annotated[
            str, typer.Option(help="Thresholds, minutes, comma-separated.")
        ] = "10,15,30,45",
        band: Annotated[str, typer.Option(help="Age band for the table: all, 65+, 75+.")] = "all",
        by: Annotated[
            str,
            typer.Option(
                help="Rows: 'municipality' or an organisation model id (e.g. county-2023)."
            ),
        ] = "municipality",
        fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
        top: Annotated[int, typer.Option(help="Losers to list after --close.")] = 15,
    ) -> None:
        """Coverage of a service by car: share of residents within each time, by municipality."""
        from soteplan import access as acc
        from soteplan.region import load_region

        try:
            th = [float(x) for x in thresholds.split(",") if x.strip()]
        except ValueError:
            raise ParameterError(
                f"--thresholds {thresholds!r}: give minutes like 10,15,30"
            ) from None
        if band not in acc.AGE_BANDS:
            raise ParameterError(f"--band must be one of {', '.join(acc.AGE_BANDS)}")
        reg = load_region(region)
        if by != "municipality" and by not in reg.groupings:
            raise ParameterError(
                f"--by must be 'municipality' or one of: {', '.join(reg.groupings)}"
            )
        if year is None:
            year = max(reg.age_sex_years) if reg.age_sex_years else None
        graph = acc.region_graph(reg, osm_pbf=osm_pbf)
        if grid is not None:
            from soteplan.region import read_population_grid

            origins = acc.region_grid_origins(reg, read_population_grid(grid))
        else:
            origins = acc.region_origins(reg, year, method=origins_method)
        points = acc.service_points(reg, service, year, strict=strict_year)
        opened = _parse_open(open_ or []) if open_ else None
        kw: dict[str, Any] = {
            "service": service,
            "thresholds": th,
            "groupings": acc.region_groupings(reg),
        }
        closed = list(close or [])
        if closed or opened is not None:
            wi = acc.what_if(graph, origins, points, close=closed, open=opened, **kw)
            result, before = wi.after, wi.before
        else:
            wi, result, before = None, acc.assess(graph, origins, points, **kw), None
        table = _coverage_table(result, reg, band, by)
        net = result.meta.get("network") or {}
        net_year = net.get("network_year", year)
        when = f" in {net_year}" if net_year else ""
        if net.get("beyond_data"):
            when = f" — network of {net_year}, asked {year}"
        title = (
            f"{reg.name_fi}: {service}, {len(result.facilities)} points{when}"
            f" — car access, band {band}"
        )
        print_frame(table, fmt, title=title, meta=result.meta)
        eq = result.equity[band]
        if fmt is OutputFormat.table:
            console.print(
                f"Gini of access time {eq['gini']:.3f}; worst-off 10 % live ≥ "
                f"{eq.get('worst_decile_from_min', float('nan')):.1f} min away "
                f"(mean {eq.get('worst_decile_mean_min', float('nan')):.1f} min); furthest "
                f"municipality {reg.name(eq['furthest_municipality'])} "
                f"(mean {eq['furthest_municipality_mean_min']:.1f} min)"
            )
        names: dict[str, str] = {}
        if reg.has_table("postal_areas"):
            pa = reg.table("postal_areas")
            if "name" in pa.columns:
                names = dict(zip(pa["postcode"].astype(str), pa["name"].astype(str), strict=False))
        if grid is None and origins_method == "residents" and reg.has_table("resident_points"):
            names = _resident_names(reg.table("resident_points"), names)
        if wi is not None and before is not None:
            region_rows = wi.delta[(wi.delta["level"] == "region") & (wi.delta["band"] == band)]
            keep = region_rows["measure"].str.match(
                r"coverage\.share_|nearest_min\.(mean|p90|max)|equity\.gini|e2sfca"
            )
            delta = region_rows[keep].set_index("measure")[["before", "after", "change"]]
            print_frame(delta, fmt, title="Change in the region", float_digits=3)
            losers = wi.losers.head(top).copy()
            if len(wi.losers):
                losers.insert(1, "area", [names.get(str(o), "") for o in losers["origin"]])
                losers["municipality"] = [reg.name(m) for m in losers["municipality"]]
                show = losers[
                    [
                        "origin",
                        "area",
                        "municipality",
                        f"pop_{band}",
                        "before_min",
                        "after_min",
                        "change_min",
                        "after_facility",
                    ]
                ]
                print_frame(
                    show.set_index("origin"),
                    fmt,
                    title=f"Who loses: {len(wi.losers)} origins, "
                    f"{wi.meta['losers_population']:,.0f} residents "
                    f"(top {min(top, len(wi.losers))})",
                )
            elif fmt is OutputFormat.table:
                console.print("Nobody's nearest service gets further away.")
        if out is not None:
            d = ensure_dir(out)
            og = result.origins_frame()
            og.insert(0, "name", [names.get(str(o), "") for o in og.index])
            if wi is not None:
                og["before_min"] = wi.before.nearest.minutes
                og["change_min"] = og["nearest_min"] - og["before_min"]
            gpkg = d / "access.gpkg"
            og.reset_index().to_file(gpkg, layer="origins", driver="GPKG")
            fac = result.facilities.reset_index()
            keep_cols = [
                c
                for c in ("id", "type", "name", "municipality", "capacity", "geometry")
                if c in fac.columns
            ]
            fac[keep_cols].to_file(gpkg, layer="service_points", driver="GPKG")
            pd.DataFrame(og.drop(columns="geometry")).to_csv(d / "origins.csv")
            result.coverage.to_csv(d / "coverage.csv", index=False)
            result.distribution.to_csv(d / "nearest_time_distribution.csv", index=False)
            if wi is not None:
                wi.delta.to_csv(d / "delta.csv", index=False)
                wi.losers.to_csv(d / "losers.csv", index=False)
            meta = {k: v for k, v in result.meta.items() if k != "notes"} | {
                "year": year,
                "notes": result.meta.get("notes", []),
                "equity": result.equity,
            }
            if wi is not None:
                meta |= {k: wi.meta[k] for k in ("closed", "opened", "losers_population")}
            (d / "meta.json").write_text(
                json.dumps(meta, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
            )
            gone = wi.before.facilities.loc[closed] if wi is not None and closed else None
            _save_map(d / "map.png", reg, result, gone, opened)
            if fmt is OutputFormat.table:
                console.print(
                    f"wrote {gpkg}, {d / 'coverage.csv'}, {d / 'origins.csv'}, {d / 'map.png'}"
                )


def _resident_names(points: Any, postal: dict[str, str]) -> dict[str, str]:
    """Origin id → "postal area (settlement)" or "postal area (rest)" for resident points."""
    out = dict(postal)
    for pid, pc, kind, sett in zip(
        points["id"].astype(str),
        points["postcode"].astype(str),
        points.get("kind", pd.Series([""] * len(points))).astype(str),
        points.get("settlement", pd.Series([""] * len(points))).fillna("").astype(str),
        strict=False,
    ):
        base = postal.get(pc, pc)
        out[pid] = f"{base} ({sett})" if kind == "settlement" and sett else f"{base} ({kind})"
    return out
