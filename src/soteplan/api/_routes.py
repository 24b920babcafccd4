"""The REST API, version 1 (``/api/v1``).

Every route parses its input, calls one method of :class:`~soteplan.api._services.Services`
(or one engine function) and serialises the result.  Read routes — including
the computing ``POST`` routes that change nothing (what-if, locate, compare) —
are cached by a hash of their parameters; the answer carries ``X-Cache: hit|miss``.
Routes that create or run things need ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from soteplan.api._appstore import AppStore
from soteplan.api._cache import ResponseCache, key_of
from soteplan.api._errors import ApiError
from soteplan.api._jobs import JobManager
from soteplan.api._ratelimit import rate_limit
from soteplan.api._scenarios import api_scenario
from soteplan.api._security import require_token
from soteplan.api._serialise import jsonable, records
from soteplan.api._services import Services
from soteplan.scenario import Scenario
from soteplan.scenario import compare as compare_runs
from soteplan.scenario._spec import no_lone_surrogates
from soteplan.store import Store

__all__ = ["router"]


DEFAULT_THRESHOLDS = (10.0, 15.0, 30.0, 45.0)
#: A travel-time threshold: finite minutes in (0, 240].
Minutes = Annotated[float, Field(gt=0, le=240, allow_inf_nan=False)]
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {
        "description": desc,
        "content": {
            "application/json": {
                "example": {"ok": False, "status": code, "error": desc, "errors": [desc]}
            }
        },
    }
    for code, desc in [
        (400, "malformed request"),
        (404, "not found"),
        (405, "method not allowed"),
        (413, "request body too large"),
        (409, "conflict: no feasible solution, or the job has not finished"),
        (422, "invalid parameters"),
        (429, "too many requests from this client (see Retry-After)"),
        (500, "internal error (a stable code; the detail is in the server log)"),
    ]
}
#: Per-client limit of the routes that compute (what-if, locate, comparisons, choice, pathways,
#: the report): 2 requests/s sustained, bursts of 60; ``SOTEPLAN_RATE_LIMIT_COMPUTE`` changes
#: it (``"<rate>/<burst>"`` or ``"off"``).
COMPUTE_LIMIT = [Depends(rate_limit("compute", rate=2.0, burst=60))]
#: Statuses of the routes that need the write token.
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    **{
        code: {
            "description": desc,
            "content": {
                "application/json": {
                    "example": {"ok": False, "status": code, "error": desc, "errors": [desc]}
                }
            },
        }
        for code, desc in [
            (401, "missing or invalid bearer token"),
            (503, "write endpoints are disabled (no token configured on the server)"),
        ]
    },
}
#: Every route may answer with these (the error envelope).
router = APIRouter(prefix="/api/v1", responses=ERRORS)

#: A job id (32 hexadecimal digits; anything else is simply not found).
JobId = Annotated[str, PathParam(min_length=1, max_length=64)]


class Strict(BaseModel):
    """Request bodies reject unknown fields and text that is not valid Unicode."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _valid_unicode(cls, data: Any) -> Any:
        return no_lone_surrogates(data)


class NewPoint(Strict):
    """A new service point for a what-if (WGS84 degrees)."""

    id: str = Field(min_length=1, max_length=80)
    lon: float = Field(ge=19.0, le=32.0, description="longitude, degrees (EPSG:4326)")
    lat: float = Field(ge=59.0, le=71.0, description="latitude, degrees (EPSG:4326)")
    name: str | None = Field(default=None, max_length=200)
    capacity: float | None = Field(default=None, ge=0, le=1e6, allow_inf_nan=False)


class WhatIfRequest(Strict):
    """Close and/or open service points of one type."""

    service: str = Field(default="health_station", max_length=80)
    year: int | None = Field(default=None, ge=1900, le=2100)
    close: list[str] = Field(default_factory=list, max_length=500)
    open: list[NewPoint] = Field(default_factory=list, max_length=100)
    thresholds: list[Minutes] = Field(
        default=list(DEFAULT_THRESHOLDS), min_length=1, max_length=8, description="minutes"
    )


class LocateRequest(Strict):
    """Choose ``p`` of the existing sites of a service type."""

    service: str = Field(default="health_station", max_length=80)
    year: int | None = Field(default=None, ge=1900, le=2100)
    model: Literal["p-median", "max-cover"] = "p-median"
    p: int = Field(default=10, ge=1, le=500, strict=True)
    threshold: float = Field(
        default=30.0, gt=0, le=240, allow_inf_nan=False, description="minutes (max-cover)"
    )
    capacity: float | None = Field(
        default=None,
        gt=0,
        le=1e7,
        allow_inf_nan=False,
        description="persons one site may serve (p-median only): the single-source "
        "capacitated p-median, every demand point to one site",
    )


class CompareRequest(Strict):
    """Two organisation models (ids) to compare."""

    models: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=2, max_length=2
    )


class ScenarioRequest(Strict):
    """A scenario document as understood by :mod:`soteplan.scenario`."""

    scenario: Scenario


def svc(request: Request) -> Services:
    """The app's :class:`Services`."""
    services: Services = request.app.state.services
    return services


def jobs(request: Request) -> JobManager:
    """The app's job manager."""
    manager: JobManager = request.app.state.jobs
    return manager


def cached(request: Request, name: str, params: Any, compute: Callable[[], Any]) -> JSONResponse:
    """Answer from the response cache (key: hash of ``name`` and ``params``)."""
    cache: ResponseCache = request.app.state.cache
    key = key_of(name, params)
    value, hit = cache.get_or_compute(key, compute)
    return JSONResponse(
        value, headers={"X-Cache": "hit" if hit else "miss", "ETag": f'"{key[:32]}"'}
    )


Svc = Annotated[Services, Depends(svc)]


# ---------------------------------------------------------------------- region
@router.get("/regions", tags=["region"], summary="Regions served by this instance")
def list_regions(s: Svc) -> list[dict[str, Any]]:
    r = s.region
    return [{"id": r.id, "name": {"fi": r.name_fi, "sv": r.name_sv, "en": r.name_en}}]


def _region_of(s: Services, region: str) -> None:
    if region != s.region.id:
        raise ApiError(404, f"no region {region!r}; this instance serves {s.region.id!r}")


@router.get(
    "/regions/{region}", tags=["region"], summary="Key figures of a region", responses=ERRORS
)
def region_summary(region: str, request: Request, s: Svc) -> JSONResponse:
    _region_of(s, region)
    return cached(request, "summary", [region], s.summary)


@router.get("/regions/{region}/provenance", tags=["region"], summary="Data sources")
def region_provenance(region: str, request: Request, s: Svc) -> JSONResponse:
    _region_of(s, region)
    return cached(request, "provenance", [region], s.provenance)


@router.get(
    "/regions/{region}/municipalities",
    tags=["region"],
    summary="Municipalities as GeoJSON (EPSG:4326)",
    responses=ERRORS,
)
def municipalities(
    region: str,
    request: Request,
    s: Svc,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
) -> JSONResponse:
    _region_of(s, region)
    return cached(request, "municipalities", [region, year], lambda: s.municipalities(year))


@router.get(
    "/regions/{region}/service-points",
    tags=["region"],
    summary="Service points as GeoJSON (EPSG:4326)",
    responses=ERRORS,
)
def service_points(
    region: str,
    request: Request,
    s: Svc,
    type: Annotated[str | None, Query(max_length=80)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
) -> JSONResponse:
    _region_of(s, region)
    return cached(
        request, "service_points", [region, type, year], lambda: s.service_points(type, year)
    )


@router.get(
    "/regions/{region}/organisation-models",
    tags=["organise"],
    summary="Organisation models (groupings of municipalities)",
)
def organisation_models(region: str, request: Request, s: Svc) -> JSONResponse:
    _region_of(s, region)
    return cached(request, "organisation_models", [region], s.organisation_models)


# ------------------------------------------------------------------ demography
@router.get(
    "/regions/{region}/demography/pyramid",
    tags=["demography"],
    summary="Population by five-year age group and sex",
    responses=ERRORS,
)
def pyramid(
    region: str,
    request: Request,
    s: Svc,
    year: Annotated[int, Query(ge=1900, le=2100)],
    municipality: Annotated[str | None, Query(pattern=r"^\d{3}$")] = None,
) -> JSONResponse:
    _region_of(s, region)
    return cached(
        request, "pyramid", [region, year, municipality], lambda: s.pyramid(year, municipality)
    )


@router.get(
    "/regions/{region}/demography/dependency-ratio",
    tags=["demography"],
    summary="Dependency ratio by municipality and year",
    responses=ERRORS,
)
def dependency_ratio(
    region: str,
    request: Request,
    s: Svc,
    years: Annotated[list[int], Query(max_length=20)] = [2009, 2020, 2030, 2040],  # noqa: B006
) -> JSONResponse:
    _region_of(s, region)
    return cached(
        request,
        "dependency_ratio",
        [region, sorted(years)],
        lambda: s.dependency_ratio(sorted(years)),
    )


@router.get(
    "/regions/{region}/demography/working-age-index",
    tags=["demography"],
    summary="Working-age (15-64) index, base year = 100",
    responses=ERRORS,
)
def working_age_index(
    region: str,
    request: Request,
    s: Svc,
    base_year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
) -> JSONResponse:
    _region_of(s, region)
    return cached(
        request, "working_age_index", [region, base_year], lambda: s.working_age_index(base_year)
    )


@router.get(
    "/regions/{region}/demography/projection",
    tags=["demography"],
    summary="Official population projection (totals by year)",
    responses=ERRORS,
)
def projection(
    region: str,
    request: Request,
    s: Svc,
    name: Annotated[str | None, Query(max_length=80)] = None,
    municipality: Annotated[str | None, Query(pattern=r"^\d{3}$")] = None,
) -> JSONResponse:
    _region_of(s, region)
    return cached(
        request,
        "projection",
        [region, name, municipality],
        lambda: s.projection(name, municipality),
    )


@router.get(
    "/regions/{region}/demography/indicators",
    tags=["demography"],
    summary="Age bands, dependency and old-age ratio by municipality or area",
    responses=ERRORS,
)
def indicators(
    region: str,
    request: Request,
    s: Svc,
    year: Annotated[int, Query(ge=1900, le=2100)],
    grouping: Annotated[str | None, Query(max_length=80)] = None,
) -> JSONResponse:
    _region_of(s, region)
    return cached(
        request, "indicators", [region, year, grouping], lambda: s.indicators(year, grouping)
    )


# ---------------------------------------------------------------------- access
@router.get(
    "/regions/{region}/access/services",
    tags=["access"],
    summary="Service types the access engine can assess",
    responses=ERRORS,
)
def access_services(region: str, request: Request, s: Svc) -> JSONResponse:
    _region_of(s, region)
    return cached(request, "service_types", [region], s.service_types)


@router.get(
    "/regions/{region}/access/coverage",
    tags=["access"],
    summary="Coverage, nearest times and equity of a service network",
    responses=ERRORS,
)
def access_coverage(
    region: str,
    request: Request,
    s: Svc,
    service: Annotated[str, Query(max_length=80)] = "health_station",
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    thresholds: Annotated[list[Minutes], Query(min_length=1, max_length=8)] = list(  # noqa: B006
        DEFAULT_THRESHOLDS
    ),
) -> JSONResponse:
    _region_of(s, region)
    th = sorted(thresholds)
    return cached(
        request, "coverage", [region, service, year, th], lambda: s.coverage(service, year, th)
    )


@router.get(
    "/regions/{region}/access/nearest",
    tags=["access"],
    summary="Car time from every postcode area to the nearest service point",
    responses=ERRORS,
)
def access_nearest(
    region: str,
    request: Request,
    s: Svc,
    service: Annotated[str, Query(max_length=80)] = "health_station",
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
) -> JSONResponse:
    _region_of(s, region)
    return cached(request, "nearest", [region, service, year], lambda: s.nearest(service, year))


@router.post(
    "/regions/{region}/access/what-if",
    tags=["access"],
    summary="Close/open service points: change in coverage and who loses",
    responses=ERRORS,
    dependencies=COMPUTE_LIMIT,
)
def access_what_if(region: str, body: WhatIfRequest, request: Request, s: Svc) -> JSONResponse:
    _region_of(s, region)
    params = body.model_dump(mode="json")
    params["close"] = sorted(set(params["close"]))  # order of closures does not matter
    return cached(
        request,
        "what_if",
        [region, params],
        lambda: s.what_if(
            body.service,
            body.year,
            params["close"],
            [p.model_dump() for p in body.open],
            sorted(body.thresholds),
        ),
    )


# ---------------------------------------------------------------------- locate
@router.post(
    "/regions/{region}/locate",
    tags=["locate"],
    summary="p-median or maximal covering location of p sites",
    responses=ERRORS,
    dependencies=COMPUTE_LIMIT,
)
def locate(region: str, body: LocateRequest, request: Request, s: Svc) -> JSONResponse:
    _region_of(s, region)
    params = body.model_dump(mode="json")
    return cached(
        request,
        "locate",
        [region, params],
        lambda: s.locate(
            body.service, body.year, body.model, body.p, body.threshold, body.capacity
        ),
    )


# -------------------------------------------------------------------- organise
@router.post(
    "/regions/{region}/organise/compare",
    tags=["organise"],
    summary="Compare two organisation models",
    responses=ERRORS,
    dependencies=COMPUTE_LIMIT,
)
def organise_compare(region: str, body: CompareRequest, request: Request, s: Svc) -> JSONResponse:
    _region_of(s, region)
    a, b = body.models
    return cached(request, "organise_compare", [region, a, b], lambda: s.organise_compare(a, b))


# ------------------------------------------------------------------- scenarios
def _store(request: Request) -> Store:
    """The app's one store (one engine and pool per app)."""
    stores: AppStore = request.app.state.stores
    return stores.get()


@router.post(
    "/scenarios/validate",
    tags=["scenarios"],
    summary="Validate a scenario document without saving it",
    responses=ERRORS,
)
def scenario_validate(body: ScenarioRequest, request: Request) -> dict[str, Any]:
    api_scenario(body.scenario, svc(request), request.app.state.data_dir)
    return {"ok": True, "scenario": jsonable(body.scenario)}  # as given: no server paths


@router.get("/scenarios", tags=["scenarios"], summary="Stored scenario runs", responses=ERRORS)
def scenario_list(request: Request) -> Any:
    return jsonable(_store(request).list_runs())


def _run_summary(rec: Any) -> dict[str, Any]:
    return {
        "id": rec.id,
        "name": rec.name,
        "summary": jsonable(getattr(rec, "summary", None)),
        "meta": jsonable(getattr(rec, "meta", None)),
        "tables": {k: records(v.head(500)) for k, v in rec.tables.items()},
    }


@router.post(
    "/scenarios",
    tags=["scenarios"],
    status_code=202,
    summary="Validate, run (background job with progress) and store a scenario",
    description="The job is recorded in the scenario store before the answer: a restart "
    "of the server resumes it.",
    dependencies=[Depends(require_token)],
    responses=WRITE_ERRORS,
    openapi_extra={"security": [{"bearerAuth": []}]},
)
def scenario_run(body: ScenarioRequest, request: Request) -> dict[str, Any]:
    sc = api_scenario(body.scenario, svc(request), request.app.state.data_dir)
    _store(request)  # opened (and unfinished jobs resumed) before this job is queued
    job = jobs(request).submit_durable("scenario", {"scenario": sc.model_dump(mode="json")})
    return {
        "ok": True,
        "job": job.public(),
        "links": {
            "status": f"/api/v1/jobs/{job.id}",
            "events": f"/api/v1/jobs/{job.id}/events",
            "result": f"/api/v1/jobs/{job.id}/result",
        },
    }


@router.get(
    "/scenarios/{run_id}",
    tags=["scenarios"],
    summary="One stored run with its tables",
    responses=ERRORS,
)
def scenario_get(
    run_id: Annotated[str, PathParam(min_length=1, max_length=200)], request: Request
) -> JSONResponse:
    store = _store(request)
    rid = store.resolve(run_id)
    return cached(request, "scenario_run", [rid], lambda: _run_summary(store.load(rid)))


@router.post(
    "/scenarios/compare",
    tags=["scenarios"],
    summary="Compare two stored runs (B - A)",
    responses=ERRORS,
    dependencies=COMPUTE_LIMIT,
)
def scenario_compare(body: CompareRequest, request: Request) -> JSONResponse:
    store = _store(request)
    a, b = (store.resolve(x) for x in body.models)

    def compute() -> Any:
        return jsonable(compare_runs(store.load(a), store.load(b)))

    return cached(request, "scenario_compare", [a, b], compute)


# ------------------------------------------------------------------------ jobs
@router.get(
    "/jobs/{job_id}", tags=["jobs"], summary="State and progress of a job", responses=ERRORS
)
def job_status(job_id: JobId, request: Request) -> dict[str, Any]:
    return jobs(request).get(job_id).public()


@router.get(
    "/jobs/{job_id}/result", tags=["jobs"], summary="Result of a finished job", responses=ERRORS
)
def job_result(job_id: JobId, request: Request) -> Any:
    job = jobs(request).get(job_id)
    if job.state == "failed":
        raise ApiError(job.error_status or 500, job.error or "job failed")
    if job.state != "done":
        raise ApiError(409, f"job {job_id} is {job.state}; poll /api/v1/jobs/{job_id}")
    return {"ok": True, "job": job.public(), "result": job.result}


@router.get(
    "/jobs/{job_id}/events",
    tags=["jobs"],
    summary="Progress as server-sent events",
    responses=ERRORS,
)
async def job_events(job_id: JobId, request: Request) -> StreamingResponse:
    job = jobs(request).get(job_id)

    async def stream() -> AsyncIterator[str]:
        last = None
        while True:
            state = job.public()
            if state != last:
                yield f"event: progress\ndata: {json.dumps(state)}\n\n"
                last = state
            if job.state in ("done", "failed"):
                yield f"event: end\ndata: {json.dumps(state)}\n\n"
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(0.2)

    return StreamingResponse(stream(), media_type="text/event-stream")


@router.get("/health", tags=["meta"], summary="Liveness", responses=ERRORS)
def health(s: Svc) -> dict[str, Any]:
    from soteplan import __version__

    return {"ok": True, "version": __version__}
