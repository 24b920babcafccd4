"""The scenario builder's blocks beyond the demand levers: new points, projection, choice, pathways.

* ``GET /scenarios/builder/options`` — what the builder's selects offer: the region's official
  projections, the freedom-of-choice pilots, the municipalities, and every built-in pathway
  with its stages, NGO peer-support suggestion and whether it states heavy-user shares.
* ``GET /scenarios/builder/candidates?service=...`` — the candidate sites `soteplan locate
  --candidates extended` adds to a service's existing points (municipal centres and urban
  settlements, :func:`soteplan.locate._region._extended_candidates`), as GeoJSON (EPSG:4326)
  with their EPSG:3067 coordinates, ready for the scenario's ``network.open``.
* ``POST /scenarios/builder/place`` — a point clicked on the map (longitude, latitude) as a
  ``network.open`` entry: EPSG:3067 metres and the municipality it lies in.

The figures these blocks add to a stored run (choice list sizes, pathway contacts and cost,
the projection used, the points opened) are read by :func:`run_extras`.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from soteplan.i18n import t

__all__ = ["install_blocks", "open_point_problems", "run_extras", "to_lonlat", "value_problem"]


class PlaceRequest(BaseModel):
    """A point clicked on the map, WGS 84 degrees."""

    model_config = ConfigDict(extra="forbid")
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)


def _transformer(inverse: bool = False) -> Any:
    from pyproj import Transformer

    a, b = ("EPSG:3067", "EPSG:4326") if inverse else ("EPSG:4326", "EPSG:3067")
    return Transformer.from_crs(a, b, always_xy=True)


def to_lonlat(x: float, y: float) -> tuple[float, float]:
    """EPSG:3067 metres → (longitude, latitude) degrees."""
    lon, lat = _transformer(inverse=True).transform(x, y)
    return float(lon), float(lat)


def _name(pathway: Any, lang: str) -> str:
    return str(getattr(pathway, lang, None) or pathway.fi)


def builder_options(region: Any, lang: str) -> dict[str, Any]:
    """The choices the builder's selects offer, labelled in ``lang``."""
    from soteplan.choice._region import PILOTS
    from soteplan.pathways import builtin_ids, load_builtin

    pathways = []
    for pid in builtin_ids():
        p = load_builtin(pid)
        ps = p.peer_support
        pathways.append(
            {
                "id": pid,
                "name": _name(p.name, lang),
                "stages": [{"id": s.id, "label": _name(s.label, lang)} for s in p.stages],
                "peer_support": None
                if ps is None
                else {
                    "label": _name(ps.label, lang),
                    "stage": ps.stage,
                    "target": ps.target,
                    "coverage": ps.coverage,
                    "effect": ps.effect,
                },
                "heavy_users": p.heavy_users is not None,
                "price_year": p.stages[0].price_year,
            }
        )
    codes = region.municipality_codes()
    return {
        "projections": list(region.projections),
        "pilots": [
            {"id": k, "label": t(f"sc.pilot.{k}", lang), "municipality": v.municipality}
            for k, v in PILOTS.items()
        ],
        "municipalities": sorted(
            ({"code": c, "name": region.name(c)} for c in codes), key=lambda m: m["name"]
        ),
        "pathways": pathways,
    }


def candidate_sites(region: Any, service: str, lang: str) -> dict[str, Any]:
    """The extended candidate sites of ``service`` (as ``soteplan locate``), GeoJSON EPSG:4326."""
    from soteplan.access import service_points
    from soteplan.errors import NotFoundError
    from soteplan.locate._region import _extended_candidates

    points = region.service_points_in("all")
    if service not in set(points["type"].astype(str)):
        raise NotFoundError(f"no service type {service!r}")
    sp = service_points(region, service, None)
    existing = pd.DataFrame(
        {"x": sp.geometry.x.to_numpy(float), "y": sp.geometry.y.to_numpy(float)}, index=sp.index
    )
    cands = _extended_candidates(region, existing, 1000.0)
    lon, lat = _transformer(inverse=True).transform(cands["x"].to_numpy(), cands["y"].to_numpy())
    feats = []
    for k, (cid, row) in enumerate(cands.iterrows()):
        kind = str(row["kind"])
        muni = str(row["municipality"])
        name = (
            t("sc.cand_centre", lang, name=region.name(muni))
            if kind == "municipal_centre"
            else str(row["name"])
        )
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(lon[k]), float(lat[k])]},
                "properties": {
                    "id": f"new-{cid}",
                    "name": name,
                    "kind": kind,
                    "kind_label": t(f"sc.cand_kind.{kind}", lang),
                    "municipality": muni,
                    "x": round(float(row["x"]), 1),
                    "y": round(float(row["y"]), 1),
                },
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def place_point(region: Any, lon: float, lat: float, lang: str) -> dict[str, Any]:
    """A clicked point as a ``network.open`` entry, or a translated problem."""
    from shapely.geometry import Point

    x, y = _transformer().transform(lon, lat)
    munis = region.municipalities.loc[region.municipality_codes()]
    hit = munis[munis.geometry.contains(Point(x, y))]
    if hit.empty:
        return {"ok": False, "message": t("sc.err.place_outside", lang)}
    code = str(hit.index[0])
    return {
        "ok": True,
        "x": round(float(x), 1),
        "y": round(float(y), 1),
        "municipality": code,
        "name": t("sc.new_point_name", lang, name=region.name(code)),
    }


def open_point_problems(sc: Any, region: Any, lang: str) -> list[dict[str, str]]:
    """Problems of ``network.open`` (ids taken, outside the region) by field, in ``lang``."""
    from soteplan.errors import DataError
    from soteplan.scenario import check_against_region

    net = sc.network
    if net is None or not net.open:
        return []
    out: list[dict[str, str]] = []
    taken = set(region.service_points_in("all").index.astype(str))
    seen: set[str] = set()
    for i, p in enumerate(net.open):
        if p.id in taken or p.id in seen:
            out.append(
                {"field": f"network.open.{i}", "message": t("sc.err.open_id", lang, id=p.id)}
            )
        seen.add(p.id)
    try:
        check_against_region(sc, region)
    except DataError as exc:
        for prob in exc.problems:
            field = str(prob.field or "network.open")
            key = "sc.err.open_municipality" if field.endswith("municipality") else "sc.err.outside"
            i = int(re.sub(r"\D.*", "", field.split("network.open.")[-1]) or 0)
            out.append({"field": field, "message": t(key, lang, name=net.open[i].name)})
    return out


_LEVER = re.compile(r"lever (\d+) \((\w+)\): (\w+) = ([-\d.e]+) is outside")


def value_problem(field: str, msg: str, doc: dict[str, Any], lang: str) -> dict[str, str] | None:
    """A pydantic ``value_error`` of the choice or pathways blocks, translated (else ``None``)."""
    if "needs choice.beta" in msg:
        return {"field": "choice.beta", "message": t("sc.err.beta", lang)}
    if "capacity and sizes" in msg:
        return {"field": "choice", "message": t("sc.err.choice_sizes", lang)}
    m = re.match(r"pathways\.run\.(\d+)", field)
    if m is None:
        return None
    runs = (doc.get("pathways") or {}).get("run") or []
    k = int(m.group(1))
    item = runs[k] if k < len(runs) and isinstance(runs[k], dict) else {}
    name = str(item.get("id") or item.get("file") or k + 1)
    from soteplan.pathways import builtin_ids, load_builtin

    if name in builtin_ids():
        name = _name(load_builtin(name).name, lang)
    if "exactly one of id" in msg:
        return {"field": "pathways.run", "message": t("sc.err.pw_one", lang, name=name)}
    if "no built-in pathway" in msg:
        return {"field": "pathways.run", "message": t("sc.err.pw_unknown", lang, name=name)}
    hit = _LEVER.search(msg)
    if hit is not None:
        _, kind, _, value = hit.groups()
        return {
            "field": "pathways.run",
            "message": t(
                "sc.err.pw_lever_range",
                lang,
                name=name,
                lever=t(f"sc.pw_kind.{kind}", lang),
                value=value.replace(".", ",") if lang == "fi" else value,
            ),
        }
    return {"field": "pathways.run", "message": t("sc.err.pw_levers", lang, name=name)}


def run_extras(rec: Any, region: Any, lang: str) -> dict[str, Any]:
    """The projection, new points, choice and pathway figures of a stored run, labelled."""
    spec = rec.spec or {}
    summary = rec.summary or {}
    dem = spec.get("demography") or {}
    source = str(dem.get("source") or "official")
    projection = dem.get("projection") or next(iter(region.projections), "")
    if source == "cohort":
        label = t(
            "sc.demo_cohort_cal" if dem.get("calibrate_to_official", True) else "sc.demo_cohort",
            lang,
            name=projection,
        )
    else:
        label = t("sc.demo_official", lang, name=projection)
    net = spec.get("network") or {}
    opened = [{"id": str(p.get("id")), "name": str(p.get("name"))} for p in (net.get("open") or [])]
    out: dict[str, Any] = {
        "demography": {"source": source, "label": label},
        "opened": opened,
        "closed": len(net.get("close") or []),
        "choice": None,
        "pathways": [],
    }
    ch = summary.get("choice")
    st = rec.tables.get("choice_stations")
    if isinstance(ch, dict) and st is not None:
        stations = [
            {
                "id": str(r.id),
                "name": str(r.name),
                "today": float(r.list_today),
                "choice": float(r.list_choice),
                "change": float(r.list_choice) - float(r.list_today),
            }
            for r in st.sort_values("list_choice", ascending=False).itertuples()
        ]
        out["choice"] = {
            "choosers": float(ch["choosers"]),
            "switchers": float(ch["switchers"]),
            "mean_minutes_today": float(ch["mean_minutes_today"]),
            "mean_minutes_choice": float(ch["mean_minutes_choice"]),
            "pushed": float(ch.get("pushed_to_next_choice", 0.0)),
            "stations": stations,
        }
    from soteplan.pathways import builtin_ids, load_builtin

    known = set(builtin_ids())
    pw_meta = ((rec.meta or {}).get("engines") or {}).get("pathways") or {}
    for pid, v in (summary.get("pathways") or {}).items():
        if not isinstance(v, dict):
            continue
        name = _name(load_builtin(pid).name, lang) if pid in known else str(pid)
        out["pathways"].append(
            {
                "id": str(pid),
                "name": name,
                "year": int(v["year"]),
                "persons": float(v["persons"]),
                "contacts": float(v["contacts"]),
                "cost_meur": float(v["cost_eur"]) / 1e6,
                "third_sector_share": float(v.get("third_sector_share", 0.0)),
                "levers": int(v.get("levers", 0)),
                "price_year": (pw_meta.get(pid) or {}).get("price_year"),
            }
        )
    return out


def install_blocks(app: FastAPI, lang_of: Any) -> None:
    """Add the options, candidate-site and place routes; ``lang_of(request)`` the page language."""

    def options(request: Request) -> JSONResponse:
        region = request.app.state.services.region
        return JSONResponse(builder_options(region, lang_of(request)))

    def candidates(service: str, request: Request) -> JSONResponse:
        region = request.app.state.services.region
        return JSONResponse(candidate_sites(region, service, lang_of(request)))

    def place(body: PlaceRequest, request: Request) -> JSONResponse:
        region = request.app.state.services.region
        return JSONResponse(place_point(region, body.lon, body.lat, lang_of(request)))

    for path, fn, method in (
        ("/scenarios/builder/options", options, "GET"),
        ("/scenarios/builder/candidates", candidates, "GET"),
        ("/scenarios/builder/place", place, "POST"),
    ):
        app.add_api_route(path, fn, methods=[method], include_in_schema=False)
