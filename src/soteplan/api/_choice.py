"""``POST /api/v1/regions/{region}/choice``: free choice of health station and a what-if.

The answer carries one row per station (list size under today's areas, under free
choice and after the what-if), the residents who switch, travel before and after,
and the probability that each origin chooses each station (for the catchment map).
"""

from __future__ import annotations

import threading
from typing import Any

import geopandas as gpd
import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from soteplan.api._routes import COMPUTE_LIMIT, ERRORS, Strict, Svc, _region_of, cached
from soteplan.api._serialise import geojson, jsonable, records
from soteplan.api._services import Services

__all__ = ["choice_router"]

choice_router = APIRouter(prefix="/api/v1")
_LOCK = threading.Lock()


class Entry(Strict):
    """A station that enters (WGS84 degrees)."""

    name: str = Field(default="Uusi asema", min_length=1, max_length=200)
    lon: float = Field(ge=19.0, le=32.0)
    lat: float = Field(ge=59.0, le=71.0)
    private: bool = True
    capacity: float | None = Field(default=None, ge=0)


class ChoiceRequest(Strict):
    """Who chooses, with which parameters, and what changes."""

    pilot: str | None = Field(default="jyvaskyla-2017", max_length=80)
    municipality: list[str] = Field(default_factory=list, max_length=30)
    year: int | None = Field(default=None, ge=2013, le=2100)
    decay: str = Field(default="exponential", pattern="^(exponential|power)$")
    beta: float | None = Field(default=None, gt=0, le=50)
    close: list[str] = Field(default_factory=list, max_length=100)
    enter: list[Entry] = Field(default_factory=list, max_length=20)
    opening_days: dict[str, float] = Field(default_factory=dict, max_length=100)
    capacity: dict[str, float] = Field(default_factory=dict, max_length=200)


def _compute(s: Services, body: ChoiceRequest) -> dict[str, Any]:
    from dataclasses import replace

    from pyproj import Transformer

    from soteplan import access as acc
    from soteplan import choice as ch

    if body.decay == "power" and body.beta is None:
        from soteplan.errors import ParameterError

        raise ParameterError("decay 'power' needs beta (no literature default)")
    p = ch.DEFAULT_PARAMS
    p = replace(
        p,
        decay=body.decay,
        beta=p.beta if body.beta is None else body.beta,
        sources={**dict(p.sources), **({"beta": "user-given"} if body.beta else {})},
    )
    with _LOCK:
        graph = acc.region_graph(s.region)
    kw: dict[str, Any] = {"params": p, "graph": graph, "capacity": body.capacity or None}
    if body.year is not None:
        kw["year"] = body.year
    if body.pilot:
        setup = ch.pilot_setup(s.region, body.pilot, **kw)
    else:
        setup = ch.region_setup(s.region, municipalities=body.municipality or None, **kw)
    res = setup.model.solve()
    to_xy = Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)
    entrants = []
    for k, e in enumerate(body.enter, start=1):
        x, y = to_xy.transform(e.lon, e.lat)
        entrants.append(
            ch.entrant_at(
                setup,
                x,
                y,
                id=f"entrant-{k}",
                name=e.name,
                private=e.private,
                capacity=float("nan") if e.capacity is None else e.capacity,
            )
        )
    change = {k: {"opening_days": v} for k, v in body.opening_days.items()}
    wi = None
    if entrants or body.close or change:
        wi = ch.what_if(setup.model, close=body.close, enter=entrants, change=change)
    st = res.stations.set_index("id")
    rows = pd.DataFrame(
        {
            "name": st["name"],
            "list_today": st["list_today"],
            "list_choice": st["list_choice"],
            "change": st["change"],
        }
    )
    if "visits" in st.columns:
        rows["visits_today"] = st["visits_today"]
        rows["visits_choice"] = st["visits"]
    if wi is not None:
        w = wi.stations.set_index("id")
        rows = rows.reindex(w.index)
        rows["name"] = w["name"]
        rows["list_whatif"] = w["list_after"]
        rows["change_whatif"] = w["change"]
        rows["status"] = w["status"]
    rows.index.name = "id"
    pts = setup.stations[["name", setup.stations.geometry.name]].copy()
    if entrants:
        extra = gpd.GeoDataFrame(
            {"name": [e.name for e in entrants]},
            index=pd.Index([e.id for e in entrants]),
            geometry=gpd.points_from_xy([b.lon for b in body.enter], [b.lat for b in body.enter]),
            crs="EPSG:4326",
        ).to_crs(pts.crs)
        pts = pd.concat([pts, extra])
    pts.index = pts.index.astype(str)
    pts = gpd.GeoDataFrame(pts, geometry=pts.geometry.name, crs="EPSG:3067")
    pts["role"] = [
        "entrant"
        if i.startswith("entrant-")
        else ("pilot" if i in setup.model.meta.get("pilot_stations", []) else "station")
        for i in pts.index
    ]
    final = wi.after if wi is not None else res
    og = setup.origins.to_geodataframe()[["municipality", "pop_all", "geometry"]]
    og["chooser"] = setup.model.choosers
    og["today_station"] = res.origins["today_station"].to_numpy()
    probs = {
        str(sid): [round(float(v), 4) for v in final.shares[:, j]]
        for j, sid in enumerate(final.model.station_ids)
    }
    meta = {k: v for k, v in res.meta.items() if k not in ("travel_time", "origins")}
    out: dict[str, Any] = {
        "rows": records(rows),
        "stations": geojson(pts),
        "origins": geojson(og),
        "probability": probs,
        "switchers": float(res.meta["switchers"]),
        "mean_minutes_today": float(res.meta["mean_minutes_today"]),
        "mean_minutes_choice": float(res.meta["mean_minutes_choice"]),
        "meta": jsonable(meta),
    }
    if wi is not None:
        out["whatif"] = {
            "switchers": float(wi.meta["switchers"]),
            "mean_minutes_before": float(wi.meta["mean_minutes_before"]),
            "mean_minutes_after": float(wi.meta["mean_minutes_after"]),
            "flows": records(wi.flows.head(50)),
        }
    return out


@choice_router.post(
    "/regions/{region}/choice",
    tags=["choice"],
    summary="Free choice of health station vs today's areas, with an optional what-if",
    responses=ERRORS,
    dependencies=COMPUTE_LIMIT,
)
def choice(region: str, body: ChoiceRequest, request: Request, s: Svc) -> JSONResponse:
    _region_of(s, region)
    params = body.model_dump(mode="json")
    return cached(request, "choice", [region, params], lambda: _compute(s, body))
