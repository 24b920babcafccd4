"""The application factory: lifecycle, the one store per app, security headers."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from soteplan.api._appstore import AppStore
from soteplan.api._cache import ResponseCache
from soteplan.api._choice import choice_router
from soteplan.api._docs import install_docs
from soteplan.api._errors import install_error_handlers
from soteplan.api._jobs import JobManager
from soteplan.api._pathways import router as pathways_router
from soteplan.api._routes import router
from soteplan.api._scenarios import scenario_runner
from soteplan.api._security import DEFAULT_MAX_BODY_BYTES, BodySizeLimit
from soteplan.api._services import Services

__all__ = ["SECURITY_HEADERS", "SecurityHeaders", "create_app"]

log = logging.getLogger("soteplan.api")

#: Headers set on every response.  The pages load only their own scripts, styles
#: and vendored assets (no inline script, no eval); MapLibre needs ``blob:``
#: workers and ``data:``/``blob:`` images; the council report (``/report.html``)
#: has inline styles and ``data:`` figures; nothing may frame the pages.  The
#: browser tests fail on any CSP violation.
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
        "worker-src 'self' blob:; child-src 'self' blob:; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware: add :data:`SECURITY_HEADERS` to every HTTP response."""

    def __init__(self, app: ASGIApp, headers: dict[str, str] | None = None) -> None:
        self.app = app
        raw = (headers or SECURITY_HEADERS).items()
        self._headers = [(k.lower().encode(), v.encode()) for k, v in raw]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self._headers if k not in have]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(
    region: str | Path = "keski-suomi",
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    store_url: str | None = None,
    data_dir: str | Path | None = None,
    web: bool = True,
) -> FastAPI:
    """Build the API (and, with ``web=True``, the web pages) for one region.

    Parameters
    ----------
    region
        Embedded region id or a region directory.
    max_body_bytes
        Largest accepted request body, bytes; larger ones get 413.
    store_url
        Scenario store URL or path (default: the store's own default,
        ``$SOTEPLAN_STORE`` or ``./soteplan.sqlite``).  The app opens it once
        (one engine and connection pool), resumes the jobs recorded in it and
        disposes of it at shutdown.
    data_dir
        The only directory whose files a scenario submitted over the API may
        name (default ``$SOTEPLAN_DATA_DIR``; none: no files accepted).
    web
        Also serve the web pages and static files.
    """
    from soteplan import __version__

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            app.state.stores.get()  # migrate once and resume recorded jobs at start-up
        except Exception:  # the read routes still work; store routes will say why
            log.exception("the scenario store could not be opened at start-up")
        try:
            yield
        finally:
            app.state.jobs.shutdown()
            app.state.stores.close()

    app = FastAPI(
        title="soteplan API",
        version=__version__,
        description="Planning a Finnish region's social and health care services. "
        "Every error has the body {ok: false, status, error, errors}.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served offline by install_docs (vendored Swagger UI)
        redoc_url=None,
        lifespan=lifespan,
    )
    services = Services(region)
    app.state.services = services
    app.state.cache = ResponseCache()
    # None: the store's default ($SOTEPLAN_STORE or ./soteplan.sqlite)
    app.state.store_url = store_url
    env_dir = os.environ.get("SOTEPLAN_DATA_DIR", "").strip()
    chosen = data_dir if data_dir is not None else (env_dir or None)
    app.state.data_dir = Path(chosen) if chosen is not None else None
    stores = AppStore(lambda: app.state.store_url)
    app.state.stores = stores
    jobs = JobManager(store=stores.get)
    jobs.register("scenario", scenario_runner(services, stores.get))
    stores.on_open = jobs.resume
    app.state.jobs = jobs
    install_error_handlers(app)
    install_docs(app)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.include_router(router)
    app.include_router(choice_router)
    app.include_router(pathways_router)
    guidance_routes = __import__("soteplan.api._guidance", fromlist=["router"])
    app.include_router(guidance_routes.router)
    app.include_router(guidance_routes.write_router)
    if web:
        from soteplan.web import mount_web

        mount_web(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with the bearer-token security scheme."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schema.setdefault("components", {}).setdefault("securitySchemes", {})["bearerAuth"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "the token in SOTEPLAN_API_TOKEN (or SOTEPLAN_API_TOKEN_FILE)",
        }
        app.openapi_schema = schema
    return app.openapi_schema
