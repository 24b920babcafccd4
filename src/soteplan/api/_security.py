"""Write-endpoint tokens and the request body size limit.

The token is never in the code. It comes from the environment variable
``SOTEPLAN_API_TOKEN``, from the file named by ``SOTEPLAN_API_TOKEN_FILE``, or, for a server
bound to a loopback address, from :func:`new_local_token` called by ``soteplan serve`` at start
(stored in ``app.state.local_token`` and printed in a URL, as notebook servers do). A request
carries it as ``Authorization: Bearer <token>`` or in the ``soteplan_token`` cookie that a page
sets when opened with ``?token=<token>`` (HttpOnly, SameSite=Strict). Without any token, write
endpoints answer 503 and say how to enable them.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
from pathlib import Path

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from soteplan.api._errors import ApiError, envelope

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "TOKEN_COOKIE",
    "BodySizeLimit",
    "accepted_tokens",
    "configured_token",
    "is_loopback",
    "new_local_token",
    "require_token",
    "token_is_valid",
]

#: Name of the cookie that carries the write token for the web pages.
TOKEN_COOKIE = "soteplan_token"

#: Default largest accepted request body, bytes (1 MiB).
DEFAULT_MAX_BODY_BYTES = 1 << 20


def configured_token() -> str | None:
    """The API token from ``SOTEPLAN_API_TOKEN`` or the file in ``SOTEPLAN_API_TOKEN_FILE``."""
    tok = os.environ.get("SOTEPLAN_API_TOKEN", "").strip()
    if tok:
        return tok
    path = os.environ.get("SOTEPLAN_API_TOKEN_FILE", "").strip()
    if path:
        try:
            tok = Path(path).read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return tok or None
    return None


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an interface address or ``localhost``) is only reachable locally."""
    if host.strip().lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def new_local_token() -> str:
    """A fresh random write token for a loopback server (32 URL-safe characters, 192 bits)."""
    return secrets.token_urlsafe(24)


def accepted_tokens(request: Request) -> list[str]:
    """The tokens this server accepts: the configured one and the loopback session token."""
    tokens = [configured_token(), getattr(request.app.state, "local_token", None)]
    return [tok for tok in tokens if tok]


def token_is_valid(request: Request, given: str | None) -> bool:
    """Whether ``given`` equals one of the accepted tokens (constant-time comparison)."""
    if not given:
        return False
    ok = False
    for tok in accepted_tokens(request):
        ok |= hmac.compare_digest(given.strip().encode(), tok.encode())
    return ok


def require_token(request: Request) -> None:
    """FastAPI dependency: the request must carry the token (bearer header or page cookie)."""
    if not accepted_tokens(request):
        raise ApiError(
            503,
            "write endpoints are disabled: set SOTEPLAN_API_TOKEN (or SOTEPLAN_API_TOKEN_FILE) "
            "on the server to enable them",
        )
    auth = request.headers.get("authorization", "")
    scheme, _, given = auth.partition(" ")
    if scheme.lower() == "bearer" and given:
        if token_is_valid(request, given):
            return
        raise ApiError(
            401, "invalid bearer token", headers={"WWW-Authenticate": 'Bearer realm="soteplan"'}
        )
    if token_is_valid(request, request.cookies.get(TOKEN_COOKIE)):
        return
    raise ApiError(
        401, "missing bearer token", headers={"WWW-Authenticate": 'Bearer realm="soteplan"'}
    )


class BodySizeLimit:
    """ASGI middleware: reject bodies larger than ``max_bytes`` with a 413 envelope."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_big = envelope(413, [f"request body larger than {self.max_bytes} bytes"])
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    if int(value) > self.max_bytes:
                        await too_big(scope, receive, send)
                        return
                except ValueError:
                    pass
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, f"request body larger than {self.max_bytes} bytes")
            return msg

        await self.app(scope, limited_receive, send)
