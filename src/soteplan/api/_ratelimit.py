"""A generic per-client rate limit (token bucket) as a FastAPI dependency.

>>> from fastapi import Depends
>>> from soteplan.api._ratelimit import rate_limit
>>> limited = Depends(rate_limit("guidance", rate=10.0, burst=30))   # doctest: +SKIP

Each client (by default its IP address as the server sees it) has a bucket of
``burst`` tokens refilled at ``rate`` tokens per second; a request takes one
token, and a request finding the bucket empty gets the error envelope with
HTTP 429 and a ``Retry-After`` header.  Buckets live in memory per app and per
limit name, and at most ``max_clients`` of them are kept (least recently used
dropped first), so memory stays bounded.

The limit of a name can be changed without code: ``SOTEPLAN_RATE_LIMIT_<NAME>``
(upper case, ``-`` → ``_``) is ``"<rate>/<burst>"`` (e.g. ``"5/20"``) or ``"off"``.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from fastapi import Request

from soteplan.api._errors import ApiError
from soteplan.errors import ParameterError

__all__ = ["RateLimiter", "client_ip", "limiter_for", "rate_limit"]


class RateLimiter:
    """Token buckets per client key.

    Parameters
    ----------
    rate
        Tokens added per second (sustained requests per second per client).
    burst
        Bucket size (requests a client may make at once).
    max_clients
        Most buckets kept; the least recently used are dropped beyond it.
    clock
        Monotonic clock, seconds (injectable for tests).
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not (rate > 0 and math.isfinite(rate)) or burst < 1 or max_clients < 1:
            raise ParameterError(
                f"rate limit needs rate > 0, burst >= 1, max_clients >= 1; got {rate}, {burst}"
            )
        self.rate = float(rate)
        self.burst = int(burst)
        self.max_clients = int(max_clients)
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """Take a token for ``key``: 0 when allowed, else the seconds until one is free."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait

    def __len__(self) -> int:
        return len(self._buckets)


def client_ip(request: Request) -> str:
    """The client's address as the server sees it (no proxy headers are trusted)."""
    return request.client.host if request.client else "unknown"


def _from_env(name: str, rate: float, burst: int) -> tuple[float, int] | None:
    var = "SOTEPLAN_RATE_LIMIT_" + name.upper().replace("-", "_")
    value = os.environ.get(var, "").strip().lower()
    if not value:
        return rate, burst
    if value == "off":
        return None
    try:
        r, b = value.split("/")
        return float(r), int(b)
    except ValueError:
        raise ParameterError(f"{var}={value!r}: use '<rate per second>/<burst>' or 'off'") from None


def limiter_for(request: Request, name: str, rate: float, burst: int) -> RateLimiter | None:
    """The app's limiter of ``name`` (made on first use; ``None`` when switched off)."""
    state = request.app.state
    registry: dict[str, RateLimiter | None] | None = getattr(state, "rate_limiters", None)
    if registry is None:
        registry = {}
        state.rate_limiters = registry
    if name not in registry:
        conf = _from_env(name, rate, burst)
        registry[name] = RateLimiter(*conf) if conf is not None else None
    return registry[name]


def rate_limit(
    name: str,
    *,
    rate: float = 10.0,
    burst: int = 30,
    key: Callable[[Request], str] = client_ip,
) -> Callable[[Request], None]:
    """A FastAPI dependency limiting each client to ``rate`` requests/s (bursts of ``burst``).

    Parameters
    ----------
    name
        Limit name; routes sharing a name share the budget.
    rate, burst
        Defaults; ``SOTEPLAN_RATE_LIMIT_<NAME>`` overrides them.
    key
        What identifies a client (default: :func:`client_ip`).
    """

    async def dependency(request: Request) -> None:  # async: no thread-pool hop per request
        limiter = limiter_for(request, name, rate, burst)
        if limiter is None:
            return
        wait = limiter.acquire(key(request))
        if wait > 0:
            raise ApiError(
                429,
                f"too many requests: at most {limiter.rate:g} per second "
                f"(bursts of {limiter.burst}); retry in {math.ceil(wait)} s",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )

    return dependency
