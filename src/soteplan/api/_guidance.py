"""Public, read-only, rate-limited service-guidance routes (``/api/v1/guidance``).

* ``GET /api/v1/guidance?need=…&postcode=…`` (or ``municipality=`` or ``point=lat,lon``):
  the services that answer the need, nearest by car first — the same JSON as
  ``soteplan guidance --format json``;
* ``GET /api/v1/guidance/needs``: the needs table;
* ``GET /api/v1/guidance/directory``: the service directory as HSDS-shaped JSON;
* ``GET /api/v1/guidance/unmet?threshold=…``: the unmet-needs table for planners;
* ``GET /api/v1/guidance/voice``: the residents' survey by area beside the access figures;
* ``PUT /api/v1/guidance/survey?name=…`` (write token; on loopback the page's token cookie):
  a planner's survey CSV as the request body, replacing the survey in memory (never written
  to disk); bad files answer 422 with every problem by row and field (``problems``, each with
  its catalogue key).  ``DELETE`` removes it.

Imported directories are read at start-up from ``SOTEPLAN_GUIDANCE_HSDS`` (HSDS
datapackage directories) and ``SOTEPLAN_GUIDANCE_PTV`` (PTV JSON files), each
a list separated by the OS path separator, with ``SOTEPLAN_GUIDANCE_PTV_CLASSES``
(CSV ``code,service_type``), and ``SOTEPLAN_GUIDANCE_CHANNELS`` (a planner's channels CSV,
the format of ``guidance/data/channels.csv``).  Nothing a caller sends is stored.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from soteplan.api._errors import ApiError, safe_text
from soteplan.api._ratelimit import rate_limit
from soteplan.api._security import require_token
from soteplan.api._serialise import jsonable

__all__ = ["guide_of", "router", "write_router"]

#: Default public limit: 10 requests/s per client with bursts of 30
#: (``SOTEPLAN_RATE_LIMIT_GUIDANCE`` overrides it).
LIMIT = rate_limit("guidance", rate=10.0, burst=30)


_LOCK = threading.Lock()
_HEADERS = {"Cache-Control": "public, max-age=300"}
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": desc}
    for code, desc in [
        (404, "unknown need or place"),
        (405, "method not allowed (the guidance routes are read-only)"),
        (422, "invalid parameters"),
        (429, "too many requests"),
        (500, "internal error (a stable code; the detail is in the server log)"),
    ]
}


router = APIRouter(
    prefix="/api/v1/guidance",
    tags=["guidance"],
    dependencies=[Depends(LIMIT)],
    responses=ERRORS,  # every route: its own statuses, documented once
)


def _paths(var: str) -> list[str]:
    return [p for p in os.environ.get(var, "").split(os.pathsep) if p.strip()]


def guide_of(app: FastAPI) -> Any:
    """The app's :class:`~soteplan.guidance.Guide` (built on first use, then shared)."""
    guide = getattr(app.state, "guidance_guide", None)
    if guide is not None:
        return guide
    with _LOCK:
        guide = getattr(app.state, "guidance_guide", None)
        if guide is None:
            from soteplan.guidance import load_needs, read_directories, region_guide

            channels = os.environ.get("SOTEPLAN_GUIDANCE_CHANNELS", "").strip()
            needs = load_needs(channels) if channels else None
            extra = read_directories(
                _paths("SOTEPLAN_GUIDANCE_HSDS"),
                _paths("SOTEPLAN_GUIDANCE_PTV"),
                os.environ.get("SOTEPLAN_GUIDANCE_PTV_CLASSES") or None,
            )
            guide = region_guide(app.state.services.region, extra, needs=needs)
            _warm(app, guide)
            app.state.guidance_guide = guide
            app.state.services.guidance_guide = guide  # the report uses the same directory
    return guide


def _warm(app: FastAPI, guide: Any) -> None:
    """Serialise the default answer of every need at every postcode and municipality once."""
    cache = _cache(app)
    names = guide.municipality_names()
    for need in guide.needs.needs:
        for pc in guide.postcodes():
            res = guide.answer(need, postcode=pc)
            cache[(need, pc, None, None, 5)] = _encode(res.to_dict(names))
        for code in names:
            res = guide.answer(need, municipality=code)
            cache[(need, None, code, None, 5)] = _encode(res.to_dict(names))


def _encode(value: Any) -> bytes:
    return json.dumps(jsonable(value), ensure_ascii=False).encode("utf-8")


def _cache(app: FastAPI) -> OrderedDict[tuple[Any, ...], bytes]:
    cache: OrderedDict[tuple[Any, ...], bytes] | None = getattr(app.state, "guidance_answers", None)
    if cache is None:
        cache = OrderedDict()
        app.state.guidance_answers = cache
    return cache


def _point(value: str) -> tuple[float, float]:
    from soteplan.guidance import wgs84_to_3067

    try:
        lat_s, lon_s = value.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise ApiError(422, f"point: expected lat,lon in degrees, got {value!r}") from None
    if not (59.0 <= lat <= 71.0 and 19.0 <= lon <= 32.0):
        raise ApiError(422, f"point: ({lat}, {lon}) is not in Finland (lat,lon degrees)")
    return wgs84_to_3067(lat, lon)


#: Most answers kept (serialised) per app; an answer depends only on its parameters.  The
#: default answers of every need at every postcode and municipality are made at start-up.
ANSWER_CACHE_SIZE = 16384


def _answer_bytes(app: FastAPI, key: tuple[Any, ...]) -> bytes:
    need, postcode, municipality, point, limit = key
    guide = guide_of(app)
    res = guide.answer(
        need,
        postcode=postcode,
        municipality=municipality,
        point=_point(point) if point is not None else None,
        limit=limit,
    )
    return _encode(res.to_dict(guide.municipality_names()))


@router.get("", summary="Services that answer a need, nearest by car first", responses=ERRORS)
async def guidance(
    request: Request,
    need: Annotated[str, Query(pattern=r"^[a-z][a-z-]{0,39}$", description="need id")],
    postcode: Annotated[str | None, Query(pattern=r"^\d{5}$")] = None,
    municipality: Annotated[str | None, Query(pattern=r"^\d{3}$")] = None,
    point: Annotated[
        str | None, Query(max_length=40, description="lat,lon (WGS84 degrees)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> Response:
    app = request.app
    key = (need, postcode, municipality, point, limit)
    cache = _cache(app)
    body = cache.get(key)
    if body is None:
        if getattr(app.state, "guidance_guide", None) is None:  # first use: build off the loop
            body = await run_in_threadpool(_answer_bytes, app, key)
        else:  # one lookup, or one road search for a new point (~2 ms): cheaper than a thread hop
            body = _answer_bytes(app, key)
        cache[key] = body
        while len(cache) > ANSWER_CACHE_SIZE:
            cache.popitem(last=False)
    return Response(body, media_type="application/json", headers=_HEADERS)


@router.get("/needs", summary="The needs table: service types and region-wide channels")
def needs(request: Request) -> JSONResponse:
    n = guide_of(request.app).needs
    body = [
        {
            "need": need,
            "service_types": [
                {"service_type": t, "basis": r.basis, "note": r.note}
                for t, r in n.types(need).items()
            ],
            "region_channels": [
                {"kind": c.kind, "value": c.value, "name": c.name, "source": c.source}
                for c in n.region_channels(need)
            ],
        }
        for need in n.needs
    ]
    return JSONResponse(body, headers=_HEADERS)


@router.get("/directory", summary="The service directory as HSDS-shaped JSON (EPSG:4326)")
def directory(request: Request) -> JSONResponse:
    app = request.app
    body = getattr(app.state, "guidance_hsds", None)
    if body is None:
        body = jsonable(guide_of(app).directory.to_hsds())
        app.state.guidance_hsds = body
    return JSONResponse(body, headers=_HEADERS)


@router.get(
    "/unmet",
    summary="Unmet needs: time to the nearest answering service by postal area",
    responses=ERRORS,
)
def unmet(
    request: Request,
    threshold: Annotated[float, Query(gt=0, le=600, description="minutes by car")] = 30.0,
    need: Annotated[list[str] | None, Query(max_length=10)] = None,
) -> JSONResponse:
    from pyproj import Transformer

    res = guide_of(request.app).unmet_needs(threshold, need or None)
    summary = res.summary().reset_index()
    areas = res.to_frame()
    lon, lat = Transformer.from_crs("EPSG:3067", "EPSG:4326", always_xy=True).transform(
        areas["x"].to_numpy(), areas["y"].to_numpy()
    )
    areas = areas.drop(columns=["x", "y"]).assign(lon=lon.round(5), lat=lat.round(5))
    return JSONResponse(
        jsonable(
            {
                "threshold_min": threshold,
                "summary": summary,
                "areas": areas,
                "meta": res.meta,
            }
        ),
        headers=_HEADERS,
    )


def _region_places(app: FastAPI) -> tuple[dict[str, str], list[str]]:
    region = app.state.services.region
    pa = region.table("postal_areas")
    postcodes = dict(zip(pa["postcode"].astype(str), pa["municipality"].astype(str), strict=True))
    return postcodes, list(region.municipality_codes())


def _set_survey(app: FastAPI, survey: Any) -> None:
    app.state.guidance_survey_version = getattr(app.state, "guidance_survey_version", 0) + 1
    app.state.guidance_survey = survey
    app.state.services.guidance_survey = survey  # the report shows the same survey


def survey_of(app: FastAPI) -> Any:
    """The resident survey named by ``SOTEPLAN_GUIDANCE_SURVEY`` (read once), or ``None``."""
    if hasattr(app.state, "guidance_survey"):
        return app.state.guidance_survey
    path = os.environ.get("SOTEPLAN_GUIDANCE_SURVEY", "").strip()
    survey = None
    if path:
        from soteplan.guidance import read_survey

        postcodes, munis = _region_places(app)
        survey = read_survey(path, postcodes=postcodes, municipalities=munis)
    _set_survey(app, survey)
    return survey


@router.get(
    "/voice",
    summary="Residents' survey results by area beside the access figures",
    responses=ERRORS,
)
def voice(
    request: Request,
    need: Annotated[str, Query(pattern=r"^[a-z][a-z-]{0,39}$")] = "doctor",
    threshold: Annotated[float, Query(gt=0, le=600)] = 30.0,
) -> JSONResponse:
    from soteplan.guidance import survey_by_area

    guide = guide_of(request.app)
    guide.needs.check(need)
    survey = survey_of(request.app)
    if survey is None:
        return JSONResponse({"survey": None, "areas": [], "need": need}, headers=_NO_STORE)
    table = survey_by_area(survey, guide.unmet_needs(threshold, [need]).to_frame(), need)
    return JSONResponse(
        jsonable({"survey": survey.meta, "need": need, "areas": table}), headers=_NO_STORE
    )


#: The survey can be replaced by an upload: its answers are never kept by a cache.
_NO_STORE = {"Cache-Control": "no-store"}
#: Largest survey file accepted, bytes (the app's body limit applies as well).
MAX_SURVEY_BYTES = 5_000_000

write_router = APIRouter(
    prefix="/api/v1/guidance",
    tags=["guidance"],
    dependencies=[Depends(require_token)],
    responses={
        401: {"description": "missing or invalid token"},
        404: {"description": "not found"},
        413: {"description": "file too large"},
        422: {"description": "the file is not a valid survey (problems by row and field)"},
        500: {"description": "internal error (a stable code; the detail is in the server log)"},
        503: {"description": "write endpoints disabled (no token configured)"},
    },
)


@write_router.put("/survey", summary="Upload the residents' survey CSV (replaces the current one)")
async def put_survey(
    request: Request,
    name: Annotated[
        str, Query(min_length=1, max_length=120, pattern=r"^[\w .()-]+$", description="file name")
    ] = "survey.csv",
) -> JSONResponse:
    from soteplan.errors import DataError
    from soteplan.guidance import read_survey
    from soteplan.guidance._survey import problem_view

    raw = await request.body()
    if len(raw) > MAX_SURVEY_BYTES:
        raise ApiError(413, f"survey larger than {MAX_SURVEY_BYTES} bytes")
    postcodes, munis = _region_places(request.app)
    try:
        survey = await run_in_threadpool(
            lambda: read_survey(name, postcodes=postcodes, municipalities=munis, data=raw)
        )
    except DataError as exc:
        problems = [problem_view(p) for p in exc.problems[:200]]
        errors = [safe_text(str(p)) for p in exc.problems[:200]]
        body = {
            "ok": False,
            "status": 422,
            "error": "; ".join(errors),
            "errors": errors,
            "problems": problems,
        }
        return JSONResponse(jsonable(body), status_code=422, headers=_NO_STORE)
    _set_survey(request.app, survey)
    return JSONResponse(jsonable({"ok": True, "survey": survey.meta}), headers=_NO_STORE)


@write_router.delete("/survey", summary="Remove the uploaded survey")
def delete_survey(request: Request) -> JSONResponse:
    _set_survey(request.app, None)
    return JSONResponse({"ok": True, "survey": None}, headers=_NO_STORE)
