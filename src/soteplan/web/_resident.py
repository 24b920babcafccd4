"""The residents' service-guidance pages (``/palveluohjaus``), in Finnish, Swedish and English.

Server-rendered: the form and the answer work without JavaScript, so the
pages work on any phone and offline-capable browsers cache them (a small
service worker keeps the last pages for use without a connection).  No
login, no cookies, nothing a resident types is stored.  The page's language
comes from ``?lang=fi|sv|en`` only.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from soteplan.errors import NotFoundError, ParameterError
from soteplan.i18n import DEFAULT_LANG, RESIDENT_LANGS, t

__all__ = ["PATH", "mount_resident"]

#: Where the resident pages live.
PATH = "/palveluohjaus"
_ROOT = Path(str(resources.files("soteplan.web")))
_HEADERS = {
    "Cache-Control": "no-store",  # answers are not kept by shared caches
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
}


def _lang(request: Request) -> str:
    q = request.query_params.get("lang")
    return q if q in RESIDENT_LANGS else DEFAULT_LANG


def _need_key(need: str) -> str:
    return "resident.need." + need.replace("-", "_")


def _parse_point(text: str) -> tuple[float, float] | None:
    """``"62.62, 25.18"`` or ``"62.62 25.18"`` → ``(lat, lon)``; ``None``: not two numbers."""
    import math
    import re

    parts = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return lat, lon


def _service_view(s: dict[str, Any], lang: str, muni_names: dict[str, str]) -> dict[str, Any]:
    from soteplan.guidance._text import opening_text

    days_text = opening_text(s, lang)
    channels = [c for c in s["channels"] if c["kind"] != "in_person"]
    visit = next((c["value"] for c in s["channels"] if c["kind"] == "in_person"), s["address"])
    stype = s["service_type"]
    type_key = f"resident.type.{stype}"
    try:
        type_label = t(type_key, lang)
    except ParameterError:
        type_label = t("resident.type.other", lang)
    return {
        "name": s["name"],
        "type": type_label,
        "municipality": muni_names.get(s["municipality"], ""),
        "minutes": f"{s['travel_minutes']:.0f}",
        "days": days_text,
        "address": visit,
        "channels": channels,
        "assumption": s["basis"] == "assumption",
        "example": s["example"],
    }


def mount_resident(app: FastAPI) -> None:
    """Add the resident pages and their service worker to ``app``."""
    templates = Jinja2Templates(directory=str(_ROOT / "templates"))
    router = APIRouter(include_in_schema=False)

    @router.get(PATH, response_class=HTMLResponse)
    def guidance_page(request: Request) -> Response:
        from soteplan.api._guidance import guide_of
        from soteplan.api._ratelimit import client_ip, limiter_for
        from soteplan.guidance._text import channel_label

        lang = _lang(request)
        q = request.query_params
        need = (q.get("need") or "").strip()
        postcode = (q.get("postcode") or "").strip()
        municipality = (q.get("municipality") or "").strip()
        point = (q.get("point") or "").strip()[:40]
        guide = guide_of(request.app)
        muni_names = guide.municipality_names("sv" if lang == "sv" else "fi")
        errors: list[tuple[str, str]] = []  # (field id, message)
        result = None
        status = 200
        if need or postcode or municipality or point:
            limiter = limiter_for(request, "guidance", 10.0, 30)
            if limiter is not None and limiter.acquire(client_ip(request)) > 0:
                return HTMLResponse(
                    f'<!doctype html><html lang="{lang}"><title>429</title>'
                    f"<p>{t('resident.too_many', lang)}</p></html>",
                    status_code=429,
                    headers={"Retry-After": "1", **_HEADERS},
                )
            if need not in guide.needs.needs:
                errors.append(("need-" + guide.needs.needs[0], t("resident.error_need", lang)))
            latlon = _parse_point(point) if point else None
            xy = None
            if sum(map(bool, (postcode, municipality, point))) != 1:
                errors.append(("postcode", t("resident.error_place", lang)))
            elif point and latlon is None:
                errors.append(("point", t("resident.error_point", lang)))
            elif point and latlon is not None:
                from soteplan.guidance import wgs84_to_3067

                lat, lon = latlon
                inside = 59.0 <= lat <= 71.0 and 19.0 <= lon <= 32.0
                xy = wgs84_to_3067(lat, lon) if inside else None
                b = guide.bounds
                if xy is None or (
                    b is not None and not (b[0] <= xy[0] <= b[2] and b[1] <= xy[1] <= b[3])
                ):
                    errors.append(("point", t("resident.error_point_outside", lang)))
            elif postcode and not (len(postcode) == 5 and postcode.isdigit()):
                errors.append(("postcode", t("resident.error_postcode", lang)))
            elif postcode and not guide.has_postcode(postcode):
                errors.append(("postcode", t("resident.error_not_region", lang, postcode=postcode)))
            elif municipality and municipality not in muni_names:
                errors.append(("municipality", t("resident.error_place", lang)))
            if not errors:
                try:
                    res = guide.answer(
                        need,
                        postcode=postcode or None,
                        municipality=municipality or None,
                        point=xy,
                        limit=5,
                    ).to_dict(muni_names)
                except (NotFoundError, ParameterError):
                    errors.append(("postcode", t("resident.error_place", lang)))
                else:
                    place = res["place"]
                    where = muni_names.get(place["municipality"], "")
                    if place["kind"] == "postcode":
                        label = f"{place['id']} ({where})"
                    elif place["kind"] == "point" and latlon is not None:
                        label = t(
                            "resident.place_point",
                            lang,
                            lat=f"{latlon[0]:.3f}",
                            lon=f"{latlon[1]:.3f}",
                            municipality=where,
                        )
                    else:
                        label = where
                    result = {
                        "need": need,
                        "place": label,
                        "services": [_service_view(s, lang, muni_names) for s in res["services"]],
                        "channels": [
                            {**c, "label": channel_label(c, lang)} for c in res["region_channels"]
                        ],
                        "emergency": need == "emergency",
                    }
            if errors:
                status = 422
        query = {
            k: v
            for k, v in (
                ("need", need),
                ("postcode", postcode),
                ("municipality", municipality),
                ("point", point),
            )
            if v
        }
        ctx: dict[str, Any] = {
            "lang": lang,
            "t": lambda key, **kw: t(key, lang, **kw),
            # a message whose key ends in a value: tk("resident.channel", "phone")
            "tk": lambda prefix, suffix: t(f"{prefix}.{suffix}", lang),
            "langs": [(code, urlencode({**query, "lang": code})) for code in RESIDENT_LANGS],
            "needs": list(guide.needs.needs),
            "need_key": _need_key,
            "need": need,
            "postcode": postcode,
            "municipality": municipality,
            "point": point,
            "municipalities": sorted(muni_names.items(), key=lambda kv: kv[1]),
            "errors": errors,
            "error_fields": {f for f, _ in errors},
            "result": result,
            "path": PATH,
        }
        resp = templates.TemplateResponse(
            request, "resident/guidance.html", ctx, status_code=status
        )
        resp.headers.update(_HEADERS)
        return resp

    @router.get(PATH + "/sw.js")
    def service_worker() -> Response:
        body = (_ROOT / "static" / "resident" / "sw.js").read_text(encoding="utf-8")
        return Response(
            body,
            media_type="text/javascript",
            headers={"Service-Worker-Allowed": PATH, "Cache-Control": "no-cache"},
        )

    @router.get("/guidance", response_class=HTMLResponse)
    def planner_page(request: Request) -> Response:
        """Planner view (fi/en, the planner look): unmet needs, residents' voice, directory."""
        from soteplan.api._guidance import guide_of
        from soteplan.api._security import TOKEN_COOKIE, token_is_valid
        from soteplan.i18n import catalogue
        from soteplan.report._notes import NOTE_PATTERNS
        from soteplan.web._pages import NAV, _lang

        lang, set_cookie = _lang(request)
        region = request.app.state.services.region
        ctx = {
            "lang": lang,
            "other_lang": "en" if lang == "fi" else "fi",
            "t": lambda key, **kw: t(key, lang, **kw),
            "tk": lambda prefix, suffix: t(f"{prefix}.{suffix}", lang),
            "messages": {k: v.get(lang, v[DEFAULT_LANG]) for k, v in catalogue().items()},
            "title": t("gplan.title", lang),
            "path": "/guidance",
            "pages": NAV,
            "region_id": region.id,
            "region_name": region.label(lang),
            "needs": list(guide_of(request.app).needs.needs),
            "can_write": token_is_valid(request, request.cookies.get(TOKEN_COOKIE)),
            "note_patterns": [[pat, t(key, lang)] for pat, key in NOTE_PATTERNS],
        }
        resp = templates.TemplateResponse(request, "guidance_planner.html", ctx)
        if set_cookie:
            resp.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax")
        return resp

    app.include_router(router)
