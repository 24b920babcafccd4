"""Write-endpoint tokens and the request body size limit.

The token is never in the code: it comes from the environment variable
``SOTEPLAN_API_TOKEN`` or from the file named by ``SOTEPLAN_API_TOKEN_FILE``.
Without one, write endpoints answer 503 and say how to enable them.
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from soteplan.api._errors import ApiError, envelope

__all__ = ["DEFAULT_MAX_BODY_BYTES", "BodySizeLimit", "configured_token", "require_token"]

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


def require_token(request: Request) -> None:
    """FastAPI dependency: the request must carry ``Authorization: Bearer <token>``."""
    token = configured_token()
    if token is None:
        raise ApiError(
            503,
            "write endpoints are disabled: set SOTEPLAN_API_TOKEN (or SOTEPLAN_API_TOKEN_FILE) "
            "on the server to enable them",
        )
    auth = request.headers.get("authorization", "")
    scheme, _, given = auth.partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise ApiError(
            401, "missing bearer token", headers={"WWW-Authenticate": 'Bearer realm="soteplan"'}
        )
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(
            401, "invalid bearer token", headers={"WWW-Authenticate": 'Bearer realm="soteplan"'}
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
