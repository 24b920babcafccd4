"""Page routes: each renders one template; data comes from the API in the browser."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from soteplan.i18n import DEFAULT_LANG, LANGS, catalogue, normalise_lang, t
from soteplan.report._notes import NOTE_PATTERNS
from soteplan.web._builder import install_builder

__all__ = ["NAV", "PAGES", "mount_web"]

#: (path, template, message key of the title)
PAGES: tuple[tuple[str, str, str], ...] = (
    ("/", "overview.html", "nav.overview"),
    ("/demography", "demography.html", "nav.demography"),
    ("/network", "network.html", "nav.network"),
    ("/optimise", "optimise.html", "nav.optimise"),
    ("/organisation", "organisation.html", "nav.organisation"),
    ("/scenarios", "scenarios.html", "nav.scenarios"),
    ("/choice", "choice.html", "nav.choice"),
    ("/pathways", "pathways.html", "nav.pathways"),
)
#: The planner menu: the pages above and the guidance planner view (served by ``_resident``).
NAV: tuple[tuple[str, str, str], ...] = (
    *PAGES,
    ("/guidance", "guidance_planner.html", "gplan.title"),
)

_ROOT = Path(str(resources.files("soteplan.web")))


def _lang(request: Request) -> tuple[str, bool]:
    q = request.query_params.get("lang")
    if q in LANGS:
        return q, True
    return normalise_lang(request.cookies.get("lang", DEFAULT_LANG)), False


def mount_web(app: FastAPI) -> None:
    """Add the static files, the pages and the report download to ``app``."""
    templates = Jinja2Templates(directory=str(_ROOT / "templates"))
    app.mount("/static", StaticFiles(directory=str(_ROOT / "static")), name="static")

    def render(request: Request, template: str, title_key: str, path: str) -> Response:
        from soteplan.api._security import TOKEN_COOKIE, token_is_valid

        given = request.query_params.get("token")
        if given is not None:
            # the URL printed by `soteplan serve`: keep the token in a cookie, drop it from the URL
            rest = urlencode([kv for kv in request.query_params.multi_items() if kv[0] != "token"])
            target = RedirectResponse(path + (f"?{rest}" if rest else ""), status_code=303)
            if token_is_valid(request, given):
                target.set_cookie(TOKEN_COOKIE, given, httponly=True, samesite="strict", path="/")
            return target
        lang, set_cookie = _lang(request)
        services = request.app.state.services
        region = services.region
        messages = {k: v.get(lang, v[DEFAULT_LANG]) for k, v in catalogue().items()}
        ctx: dict[str, Any] = {
            "lang": lang,
            "other_lang": "en" if lang == "fi" else "fi",
            "t": lambda key, **kw: t(key, lang, **kw),
            "messages": messages,
            "title": t(title_key, lang),
            "path": path,
            "pages": NAV,
            "region_id": region.id,
            "region_name": region.label(lang),
            "can_write": token_is_valid(request, request.cookies.get(TOKEN_COOKIE)),
            "note_patterns": [[pat, t(key, lang)] for pat, key in NOTE_PATTERNS],
        }
        resp = templates.TemplateResponse(request, template, ctx)
        if set_cookie:
            resp.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax")
        return resp

    for path, template, title_key in PAGES:

        def page(
            request: Request, _t: str = template, _k: str = title_key, _p: str = path
        ) -> Response:
            return render(request, _t, _k, _p)

        app.add_api_route(
            path,
            page,
            methods=["GET"],
            response_class=HTMLResponse,
            include_in_schema=False,
            name=template.removesuffix(".html"),
        )

    def _survey_version(request: Request) -> int:
        return int(getattr(request.app.state, "guidance_survey_version", 0))

    def report(request: Request, fmt: str) -> Response:
        """The council report of the current network, or of a stored run (``?run=<id>``)."""
        from soteplan.api._cache import key_of
        from soteplan.report import build_report

        lang, _ = _lang(request)
        run_id = request.query_params.get("run") or None
        run = None
        if run_id is not None:
            store = request.app.state.stores.get()
            run_id = store.resolve(run_id)
            run = store.load(run_id)
        services = request.app.state.services

        def render() -> tuple[str, bytes | str]:
            rep = build_report(services, lang=lang, scenario=run)
            return rep.region_id, rep.pdf() if fmt == "pdf" else rep.html

        (region_id, body), _hit = request.app.state.cache.get_or_compute(
            # an uploaded survey (PUT /api/v1/guidance/survey) changes the report
            key_of("report", [services.region.id, lang, fmt, run_id, _survey_version(request)]),
            render,
        )
        if fmt == "pdf":
            name = f"soteplan-{region_id}{'-' + run_id if run_id else ''}.pdf"
            return Response(
                body,
                media_type="application/pdf",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        return HTMLResponse(body)

    def report_pdf(request: Request) -> Response:
        return report(request, "pdf")

    def report_html(request: Request) -> Response:
        return report(request, "html")

    install_builder(app, lambda request: _lang(request)[0])
    from soteplan.api._routes import COMPUTE_LIMIT
    from soteplan.web._resident import mount_resident

    for route, fn in (("/report.pdf", report_pdf), ("/report.html", report_html)):
        app.add_api_route(
            route, fn, methods=["GET"], include_in_schema=False, dependencies=COMPUTE_LIMIT
        )
    mount_resident(app)
