"""One error envelope for every failure of the API.

Every error response has the body ``{"ok": false, "status": <int>, "error": "<all
messages joined by '; '>", "errors": ["...", ...]}`` — validation errors,
unknown routes (404), wrong methods (405), oversized bodies (413), soteplan
errors and unexpected failures (500) alike.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from soteplan.errors import (
    CacheError,
    DataError,
    InfeasibleError,
    NotFoundError,
    ParameterError,
    SolverError,
    SoteplanError,
    StoreError,
)

__all__ = ["ApiError", "EngineUnavailableError", "envelope", "install_error_handlers", "status_of"]

log = logging.getLogger("soteplan.api")


class ApiError(Exception):
    """An error with an HTTP status raised by the API layer itself."""

    def __init__(self, status: int, *messages: str, headers: dict[str, str] | None = None):
        super().__init__("; ".join(messages))
        self.status = status
        self.messages = list(messages)
        self.headers = headers


class EngineUnavailableError(ApiError):
    """An engine this route needs is not installed yet (HTTP 501)."""

    def __init__(self, engine: str, detail: str = ""):
        msg = f"the {engine} engine is not available in this installation"
        super().__init__(501, msg + (f": {detail}" if detail else ""))
        self.engine = engine


#: soteplan exception class → HTTP status (first match wins).
_STATUS: tuple[tuple[type[SoteplanError], int], ...] = (
    (NotFoundError, 404),
    (InfeasibleError, 409),
    (ParameterError, 422),
    (DataError, 422),
    (StoreError, 500),
    (CacheError, 500),
    (SolverError, 500),
)


def status_of(exc: SoteplanError) -> int:
    """HTTP status of a soteplan error (``NotFoundError`` → 404, ``InfeasibleError`` → 409 …)."""
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def envelope(status: int, errors: list[str], headers: dict[str, str] | None = None) -> JSONResponse:
    """The canonical error response."""
    errors = [e for e in errors if e] or ["error"]
    body = {"ok": False, "status": status, "error": "; ".join(errors), "errors": errors}
    return JSONResponse(body, status_code=status, headers=headers)


def _validation_messages(exc: RequestValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        msg = str(err.get("msg", "invalid"))
        if err.get("type") == "extra_forbidden":
            msg = "unknown field"
        out.append(f"{loc}: {msg}" if loc else msg)
    return out


def install_error_handlers(app: FastAPI) -> None:
    """Route every failure through :func:`envelope`."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return envelope(422, _validation_messages(exc))

    @app.exception_handler(ValidationError)
    async def _pydantic(request: Request, exc: ValidationError) -> JSONResponse:
        out = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()))
            msg = "unknown field" if err.get("type") == "extra_forbidden" else str(err.get("msg"))
            out.append(f"scenario.{loc}: {msg}" if loc else msg)
        return envelope(422, out)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no such route: {request.method} {request.url.path}"
        if exc.status_code == 405:
            detail = f"method {request.method} is not allowed on {request.url.path}"
        return envelope(exc.status_code, [detail], getattr(exc, "headers", None))

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return envelope(exc.status, exc.messages, exc.headers)

    @app.exception_handler(SoteplanError)
    async def _soteplan(request: Request, exc: SoteplanError) -> JSONResponse:
        problems: list[Any] = list(getattr(exc, "problems", ()) or ())
        errors = [str(p) for p in problems] if problems else [str(exc)]
        return envelope(status_of(exc), errors)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return envelope(500, [f"internal error ({type(exc).__name__}); see the server log"])
