"""The scenario builder's page-side routes: YAML in and out, checks by field, labelled results.

These serve the Scenarios page only (they answer in the page language); the REST API under
``/api/v1`` stays the machine interface (``POST /scenarios/validate`` etc.).

* ``POST /scenarios/builder/check`` — body ``{"scenario": {...}}`` or ``{"yaml": "..."}``:
  the normalised scenario, its YAML and the problems, each with the dotted field it belongs
  to (``demand.levers.remote.target_share``) and a message in the page language.
* ``GET /scenarios/builder/result/{run}`` — a stored run as the page draws it: service lines
  with their names and units, volume and cost by year, access measures with labels, and the
  change of access by municipality for the map.
"""

from __future__ import annotations

from typing import Any

import yaml
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from soteplan.i18n import catalogue, t
from soteplan.web._builder_blocks import (
    install_blocks,
    open_point_problems,
    run_extras,
    to_lonlat,
    value_problem,
)

__all__ = ["SERVICE_LINES", "check_scenario", "install_builder", "run_result"]

#: Service lines of the demand engine, in the order the page shows them.
SERVICE_LINES = (
    "primary_care",
    "specialised_care",
    "home_care",
    "housing_24h",
    "institutional",
    "child_family",
    "disability",
    "mental_substance",
)

_PYDANTIC = {
    "missing": "sc.err.missing",
    "string_too_short": "sc.err.too_short",
    "too_short": "sc.err.too_few",
    "less_than_equal": "sc.err.le",
    "less_than": "sc.err.lt",
    "greater_than_equal": "sc.err.ge",
    "greater_than": "sc.err.gt",
    "int_parsing": "sc.err.int",
    "int_from_float": "sc.err.int",
    "float_parsing": "sc.err.number",
    "bool_parsing": "sc.err.bool",
    "literal_error": "sc.err.choice",
    "extra_forbidden": "sc.err.unknown_field",
    "list_type": "sc.err.list",
}


class CheckRequest(BaseModel):
    """A scenario as a document or as YAML text."""

    model_config = ConfigDict(extra="forbid")
    scenario: dict[str, Any] | None = None
    yaml_text: str | None = Field(default=None, alias="yaml", max_length=200_000)


def _problem(field: str, key: str, lang: str, **kw: Any) -> dict[str, str]:
    return {"field": field, "message": t(key, lang, **kw)}


def _number(x: Any, lang: str) -> str:
    """A limit as the page writes it: ``1`` not ``1.0``, ``0,5`` in Finnish."""
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    text = str(x)
    return text.replace(".", ",") if lang == "fi" else text


def check_scenario(doc: dict[str, Any], region: Any, lang: str) -> dict[str, Any]:
    """Validate ``doc`` as a scenario; problems by field, in ``lang``."""
    from soteplan.scenario import Scenario

    try:
        sc = Scenario.model_validate(doc)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"])
            key = _PYDANTIC.get(str(err["type"]))
            ctx = {k: v for k, v in (err.get("ctx") or {}).items() if isinstance(v, int | float)}
            if key is not None and key in catalogue():
                limit = next(iter(ctx.values()), "")
                problems.append(_problem(field, key, lang, limit=_number(limit, lang)))
            elif str(err["type"]) == "value_error" and "target_year" in str(err["msg"]):
                problems.append(_problem("target_year", "sc.err.years", lang))
            elif (hit := value_problem(field, str(err["msg"]), doc, lang)) is not None:
                problems.append(hit)
            else:
                problems.append({"field": field, "message": str(err["msg"])})
        return {"ok": False, "errors": problems}
    problems = []
    points = region.service_points_in("all")
    for block in ("network",):
        spec = getattr(sc, block)
        if spec is None:
            continue
        for pid in spec.close:
            if pid not in points.index:
                problems.append(_problem(f"{block}.close", "sc.err.unknown_point", lang, id=pid))
            elif str(points.at[pid, "type"]) != spec.service_type:
                problems.append(_problem(f"{block}.close", "sc.err.wrong_type", lang, id=pid))
    problems += open_point_problems(sc, region, lang)
    if sc.organisation is not None and sc.organisation.model not in region.groupings:
        problems.append(_problem("organisation.model", "sc.err.unknown_model", lang))
    data = sc.model_dump(mode="json")
    # where the page draws the points the scenario opens (the document keeps EPSG:3067)
    lonlat = [to_lonlat(p.x, p.y) for p in (sc.network.open if sc.network else [])]
    return {
        "ok": not problems,
        "errors": problems,
        "scenario": data,
        "yaml": sc.to_yaml(),
        "open_lonlat": [[round(a, 6), round(b, 6)] for a, b in lonlat],
    }


def run_result(store: Any, run_id: str, region: Any, lang: str) -> dict[str, Any]:
    """A stored run as the page draws it (names, units, years, access change by municipality)."""
    rec = store.load(store.resolve(run_id))
    summary = rec.summary or {}
    demand = summary.get("demand") or {}
    years = sorted(int(y) for y in demand)
    table = rec.tables.get("demand")
    cost_by = {}
    if table is not None:
        g = table.assign(year=table["year"].astype(int)).groupby(["service", "year"])["cost_eur"]
        cost_by = {(str(s), int(y)): float(v) for (s, y), v in g.sum().items()}
    lines = []
    first = (demand.get(str(years[0])) or {}).get("volume", {}) if years else {}
    for sid in [s for s in SERVICE_LINES if s in first]:
        lines.append(
            {
                "id": sid,
                "label": t(f"line.{sid}", lang),
                "unit": t(f"line.{sid}.unit", lang),
                "volume": {str(y): float(demand[str(y)]["volume"][sid]) for y in years},
                "cost_meur": {
                    str(y): (cost_by[(sid, y)] / 1e6 if (sid, y) in cost_by else None)
                    for y in years
                },
            }
        )
    totals = {
        str(y): {
            "population": float(demand[str(y)]["population"]),
            "cost_meur": float(demand[str(y)]["cost_eur"]) / 1e6,
            "cost_per_resident": float(demand[str(y)]["cost_eur_per_resident"]),
        }
        for y in years
    }
    access = []
    acc = summary.get("access") or {}
    for key, v in acc.items():
        if isinstance(v, dict):
            access.append({"key": key, **_access_label(key, lang), **v})
    by_muni: list[dict[str, Any]] = []
    threshold = None
    at = rec.tables.get("access")
    if at is not None and len(at):
        shares = sorted(
            {m for m in at["measure"].astype(str) if m.startswith("coverage.share_")},
            key=lambda m: float(m.rsplit("_", 1)[1]),
        )
        if shares:
            pick = next((m for m in shares if m.endswith("_15")), shares[0])
            threshold = float(pick.rsplit("_", 1)[1])
            rows = at[
                (at["measure"] == pick)
                & (at["level"].astype(str) == "municipality")
                & (at["band"].astype(str) == "all")
            ]
            by_muni = [
                {
                    "code": str(r.area),
                    "name": region.name(str(r.area)),
                    "before": float(r.before),
                    "after": float(r.after),
                    "change": float(r.after) - float(r.before),
                }
                for r in rows.itertuples()
            ]
    return {
        "id": rec.id,
        "name": rec.name,
        "years": years,
        "price_year": (rec.meta or {}).get("price_year"),
        "lines": lines,
        "totals": totals,
        "access": access,
        "access_service": acc.get("service_type"),
        "access_by_municipality": by_muni,
        "access_threshold": threshold,
        **run_extras(rec, region, lang),
    }


def _access_label(key: str, lang: str) -> dict[str, str]:
    """``coverage.share_15 (75+)`` → label and unit in ``lang``."""
    measure, _, band = key.partition(" (")
    band = band.rstrip(")")
    who = t("sc.band_all", lang) if band in ("", "all") else t("sc.band_age", lang, band=band)
    if measure.startswith("coverage.share_"):
        minutes = measure.rsplit("_", 1)[1]
        return {"label": t("sc.acc_within", lang, min=minutes, who=who), "unit": "%"}
    if measure == "nearest_min.mean":
        return {"label": t("sc.acc_mean", lang, who=who), "unit": "min"}
    if measure == "nearest_min.p90":
        return {"label": t("sc.acc_p90", lang, who=who), "unit": "min"}
    return {"label": key, "unit": ""}


def install_builder(app: FastAPI, lang_of: Any) -> None:
    """Add the builder's routes to ``app``; ``lang_of(request)`` gives the page language."""

    def check(body: CheckRequest, request: Request) -> JSONResponse:
        lang = lang_of(request)
        region = request.app.state.services.region
        doc: Any = body.scenario
        if body.yaml_text is not None:
            try:
                doc = yaml.safe_load(body.yaml_text)
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                line = (mark.line + 1) if mark is not None else "?"
                msg = t("sc.err.yaml", lang, line=line)
                return JSONResponse({"ok": False, "errors": [{"field": "", "message": msg}]})
        if not isinstance(doc, dict):
            msg = t("sc.err.not_mapping", lang)
            return JSONResponse({"ok": False, "errors": [{"field": "", "message": msg}]})
        return JSONResponse(check_scenario(doc, region, lang))

    def result(run_id: str, request: Request) -> JSONResponse:
        store = request.app.state.stores.get()  # the app's one store (one pool)
        region = request.app.state.services.region
        return JSONResponse(run_result(store, run_id, region, lang_of(request)))

    install_blocks(app, lang_of)
    app.add_api_route("/scenarios/builder/check", check, methods=["POST"], include_in_schema=False)
    app.add_api_route(
        "/scenarios/builder/result/{run_id}", result, methods=["GET"], include_in_schema=False
    )
