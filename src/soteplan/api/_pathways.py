"""REST routes of the pathway engine (``/api/v1/pathways``, ``/api/v1/regions/{r}/pathways``).

Included in the app with one line (``app.include_router(pathways_router)``).
"""

from __future__ import annotations

import functools
import threading
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from soteplan.api._cache import ResponseCache, key_of
from soteplan.api._errors import ApiError
from soteplan.api._routes import COMPUTE_LIMIT, ERRORS
from soteplan.api._serialise import jsonable, records
from soteplan.api._services import Services

__all__ = ["pathway_run_payload", "router"]

router = APIRouter(prefix="/api/v1", tags=["pathways"])
_LOCK = threading.Lock()


class LeverBody(BaseModel):
    """One lever (see :func:`soteplan.pathways.levers_from_mappings`)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["channel_shift", "peer_support", "heavy_users"]
    stage: str | None = Field(default=None, max_length=80)
    stages: list[str] | None = Field(default=None, max_length=20)
    target: str | None = Field(default=None, max_length=80)
    share: float | None = Field(default=None, ge=0, le=1)
    to: Literal["remote", "digital"] | None = None
    coverage: float | None = Field(default=None, ge=0, le=1)
    effect: float | None = Field(default=None, ge=0, le=1)
    contacts_per_year: float | None = Field(default=None, ge=0, le=1000)
    unit_cost_eur: float | None = Field(default=None, ge=0, le=100000)
    contact_reduction: float | None = Field(default=None, ge=0, le=1)
    start_year: int = Field(default=2026, ge=2000, le=2100)

    def mapping(self) -> dict[str, Any]:
        """Only the fields that were given (the rest take the engine defaults)."""
        return self.model_dump(exclude_none=True)


class PathwayRunBody(BaseModel):
    """Years and levers of a pathway run."""

    model_config = ConfigDict(extra="forbid")

    start_year: int = Field(default=2025, ge=2021, le=2040)
    end_year: int = Field(default=2040, ge=2021, le=2040)
    levers: list[LeverBody] = Field(default_factory=list, max_length=10)
    travel: bool = True
    simulate: bool = Field(default=False, description="SimPy simulation instead of the cohort")
    replications: int = Field(default=5, ge=2, le=20)
    scale: float = Field(default=0.05, gt=0, le=0.2, description="simulated population share")
    seed: int = Field(default=1, ge=0)
    capacity: dict[str, float] = Field(default_factory=dict, max_length=20)


def _svc(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


Svc = Annotated[Services, Depends(_svc)]


@functools.cache
def _inputs(region_ref: str, travel: bool) -> tuple[Any, Any]:
    """Projection and travel table of a region (all built-in service types), cached."""
    from soteplan.pathways import builtin_ids, load_builtin, region_inputs
    from soteplan.region import load_region

    r = load_region(region_ref)
    return region_inputs(r, [load_builtin(p) for p in builtin_ids()], travel=travel)


def _labels(p: Any) -> dict[str, dict[str, str]]:
    out = {s.id: {"fi": s.label.fi, "en": s.label.en} for s in p.stages}
    if p.peer_support is not None:
        ps = p.peer_support
        out[f"peer_support_{ps.stage}"] = {"fi": ps.label.fi, "en": ps.label.en}
    return out


def pathway_spec_payload(pathway_id: str) -> dict[str, Any]:
    """A built-in pathway as JSON: stages, transitions, sources, assumptions, lever defaults."""
    from soteplan.pathways import load_builtin

    p = load_builtin(pathway_id)
    return jsonable(
        {
            "id": p.id,
            "name": p.name.model_dump(),
            "description": p.description.model_dump(),
            "price_year": p.stages[0].price_year,
            "stages": [
                {
                    "id": s.id,
                    "label": s.label.model_dump(),
                    "provider": s.provider_shares(),
                    "channel": s.channel_shares(),
                    "service_type": s.service_type,
                    "unit_cost_eur": s.unit_cost_eur,
                    "contacts_per_year": s.contacts_per_year,
                    "capacity": s.capacity,
                    "assumed": s.assumed,
                }
                for s in p.stages
            ],
            "transitions": [
                {"from": t.from_, "to": t.to, "probability": t.annual_probability}
                for t in p.transitions
            ],
            "peer_support": p.peer_support.model_dump() if p.peer_support else None,
            "heavy_users": p.heavy_users,
            "sources": p.cited(),
            "assumptions": p.assumptions(),
        }
    )


def pathway_run_payload(region_ref: str, pathway_id: str, body: PathwayRunBody) -> dict[str, Any]:
    """Run a built-in pathway on the region: rows, summary, stage table, flows, comparison."""
    from soteplan.pathways import compare_results, levers_from_mappings, load_builtin, run_cohort

    if body.end_year < body.start_year:
        raise ApiError(422, f"end_year {body.end_year} is before start_year {body.start_year}")
    p = load_builtin(pathway_id)
    levers = levers_from_mappings(p, [lv.mapping() for lv in body.levers])
    with _LOCK:
        pop, travel = _inputs(region_ref, body.travel)
    kw: dict[str, Any] = {
        "start_year": body.start_year,
        "end_year": body.end_year,
        "travel": travel,
    }
    run: Any = run_cohort
    if body.simulate:
        from soteplan.pathways import simulate

        def run(p: Any, pop: Any, **k: Any) -> Any:
            return simulate(
                p, pop, replications=body.replications, scale=body.scale, seed=body.seed,
                capacity=body.capacity or None, **k,
            )  # fmt: skip

    res = run(p, pop, levers=levers, **kw)
    out: dict[str, Any] = {
        "meta": res.meta,
        "labels": _labels(p),
        "rows": records(res.to_frame()),
        "summary": records(res.summary()),
        "stages": records(res.stage_table()),
        "flows": records(res.flows),
    }
    if body.simulate:
        out["ci"] = records(res.ci)
        out["waiting"] = records(res.waiting)
    if levers:
        base = run(p, pop, **kw)
        out["base_summary"] = records(base.summary())
        out["comparison"] = records(compare_results(base, res))
    return jsonable(out)


@router.get("/pathways", summary="Built-in care and service pathways", responses=ERRORS)
def list_pathways() -> list[dict[str, Any]]:
    from soteplan.pathways import builtin_ids, load_builtin

    out = []
    for pid in builtin_ids():
        p = load_builtin(pid)
        out.append(
            {
                "id": pid,
                "name": p.name.model_dump(),
                "stages": len(p.stages),
                "assumptions": len(p.assumptions()),
            }
        )
    return out


@router.get(
    "/pathways/{pathway_id}",
    summary="A pathway's stages, sources and assumptions",
    responses=ERRORS,
)
def get_pathway(pathway_id: str) -> dict[str, Any]:
    return pathway_spec_payload(pathway_id)


@router.post(
    "/regions/{region}/pathways/{pathway_id}/run",
    summary="Run a pathway (cohort model) with levers, 2025–2040",
    responses=ERRORS,
    dependencies=COMPUTE_LIMIT,
)
def run_pathway(
    region: str, pathway_id: str, body: PathwayRunBody, request: Request, s: Svc
) -> JSONResponse:
    if region != s.region.id:
        raise ApiError(404, f"no region {region!r}; this instance serves {s.region.id!r}")
    cache: ResponseCache = request.app.state.cache
    key = key_of("pathway_run", [region, pathway_id, body.model_dump(mode="json")])
    value, hit = cache.get_or_compute(
        key, lambda: pathway_run_payload(str(s.region_ref), pathway_id, body)
    )
    return JSONResponse(value, headers={"X-Cache": "hit" if hit else "miss"})
