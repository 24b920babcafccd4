"""One error envelope for every failure of the API.

Every error response has the body ``{"ok": false, "status": <int>, "error": "<all
messages joined by '; '>", "errors": ["...", ...]}`` — validation errors,
unknown routes (404), wrong methods (405), oversized bodies (413), soteplan
errors and unexpected failures (500) alike.

Messages are made safe before they are sent: lone surrogates and control
characters are escaped, long ones are cut.  Server-side failures (the store,
the solver, anything unexpected) answer with a stable code and a fixed message;
their detail (SQL, paths, hosts) goes to the server log only.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

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

__all__ = [
    "ApiError",
    "allowed_methods",
    "envelope",
    "error_code",
    "install_error_handlers",
    "public_message",
    "safe_text",
    "status_of",
]

log = logging.getLogger("soteplan.api")


class ApiError(Exception):
    """An error with an HTTP status raised by the API layer itself."""

    def __init__(self, status: int, *messages: str, headers: dict[str, str] | None = None):
        super().__init__("; ".join(messages))
        self.status = status
        self.messages = list(messages)
        self.headers = headers


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


#: soteplan exception class → stable error code (first match wins).
_CODE: tuple[tuple[type[SoteplanError], str], ...] = (
    (NotFoundError, "not_found"),
    (InfeasibleError, "infeasible"),
    (ParameterError, "invalid_parameter"),
    (DataError, "invalid_data"),
    (StoreError, "store_error"),
    (CacheError, "cache_error"),
    (SolverError, "solver_error"),
)

#: Fixed messages of the server-side failures (their detail goes to the log).
_SERVER_MESSAGES = {
    "store_error": "the scenario store failed; see the server log",
    "cache_error": "the cache failed; see the server log",
    "solver_error": "the solver failed; see the server log",
    "internal_error": "internal error; see the server log",
}

#: Longest message sent, characters.
MAX_MESSAGE_CHARS = 2000


def status_of(exc: BaseException) -> int:
    """HTTP status of an error (``NotFoundError`` → 404, ``InfeasibleError`` → 409 …, else 500)."""
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def error_code(exc: BaseException) -> str:
    """Stable code of an error: ``not_found``, ``invalid_data`` …, ``internal_error``."""
    for cls, code in _CODE:
        if isinstance(exc, cls):
            return code
    return "internal_error"


def safe_text(text: str) -> str:
    """``text`` without lone surrogates or control characters (escaped), cut to a bound."""
    out = []
    for ch in text:
        o = ord(ch)
        if 0xD800 <= o <= 0xDFFF or (o < 0x20 and ch not in "\n\t") or 0x7F <= o < 0xA0:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    s = "".join(out)
    return s if len(s) <= MAX_MESSAGE_CHARS else s[: MAX_MESSAGE_CHARS - 1] + "…"


def public_message(exc: BaseException) -> list[str]:
    """What a client may read of an error: user errors in full, server errors as a fixed text."""
    code = error_code(exc)
    if code in _SERVER_MESSAGES:
        return [f"{_SERVER_MESSAGES[code]} (code {code})"]
    problems: list[Any] = list(getattr(exc, "problems", ()) or ())
    return [str(p) for p in problems] if problems else [str(exc)]


def envelope(status: int, errors: list[str], headers: dict[str, str] | None = None) -> JSONResponse:
    """The canonical error response (messages made safe by :func:`safe_text`)."""
    errors = [safe_text(str(e)) for e in errors if e] or ["error"]
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


def allowed_methods(request: Request) -> list[str]:
    """The methods of the request's path, and OPTIONS.

    For a documented path the operations of the most specific OpenAPI path
    template that matches (``/scenarios/compare`` over ``/scenarios/{run_id}``);
    otherwise every method some route accepts on the path.
    """
    path = request.url.path
    best: tuple[int, set[str]] | None = None
    for template, ops in (request.app.openapi().get("paths") or {}).items():
        pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            n_params = template.count("{")
            if best is None or n_params < best[0]:
                best = (n_params, {m.upper() for m in ops})
    if best is not None:
        return sorted(best[1] | {"OPTIONS"})
    methods = {"OPTIONS"}
    routes = request.app.router.routes
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in routes):
            methods.add(method)
    return sorted(methods)


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
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            allow = ", ".join(allowed_methods(request))
            if request.method == "OPTIONS":
                return Response(status_code=204, headers={"Allow": allow})
            detail = f"method {request.method} is not allowed on {request.url.path}"
            headers = {**(headers or {}), "Allow": allow}
        return envelope(exc.status_code, [detail], headers)

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return envelope(exc.status, exc.messages, exc.headers)

    @app.exception_handler(SoteplanError)
    async def _soteplan(request: Request, exc: SoteplanError) -> JSONResponse:
        status = status_of(exc)
        if status >= 500:
            log.error("%s on %s %s: %s", error_code(exc), request.method, request.url.path, exc)
        return envelope(status, public_message(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return envelope(500, public_message(exc))
