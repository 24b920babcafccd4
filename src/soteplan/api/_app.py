"""The application factory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from soteplan.api._cache import ResponseCache
from soteplan.api._choice import choice_router
from soteplan.api._docs import install_docs
from soteplan.api._errors import install_error_handlers
from soteplan.api._jobs import JobManager
from soteplan.api._pathways import router as pathways_router
from soteplan.api._routes import router
from soteplan.api._security import DEFAULT_MAX_BODY_BYTES, BodySizeLimit
from soteplan.api._services import Services

__all__ = ["create_app"]


def create_app(
    region: str | Path = "keski-suomi",
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    store_url: str | None = None,
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
        ``$SOTEPLAN_STORE`` or ``./soteplan.sqlite``).
    web
        Also serve the web pages and static files.
    """
    from soteplan import __version__

    app = FastAPI(
        title="soteplan API",
        version=__version__,
        description="Planning a Finnish region's social and health care services. "
        "Every error has the body {ok: false, status, error, errors}.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served offline by install_docs (vendored Swagger UI)
        redoc_url=None,
    )
    app.state.services = Services(region)
    app.state.cache = ResponseCache()
    app.state.jobs = JobManager()
    # None: the store's default ($SOTEPLAN_STORE or ./soteplan.sqlite)
    app.state.store_url = store_url
    install_error_handlers(app)
    install_docs(app)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.include_router(router)
    app.include_router(choice_router)
    app.include_router(pathways_router)
    app.include_router(__import__("soteplan.api._guidance", fromlist=["router"]).router)
    if web:
        from soteplan.web import mount_web

        mount_web(app)
    return app
