"""A small in-memory cache for read endpoints, keyed by a hash of their parameters."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["ResponseCache", "key_of"]


def key_of(route: str, params: Any) -> str:
    """SHA-256 of the route name and its canonical JSON parameters."""
    blob = json.dumps([route, params], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


class ResponseCache:
    """Least-recently-used cache of computed JSON bodies."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: str, compute: Callable[[], Any]) -> tuple[Any, bool]:
        """The cached value for ``key`` (and ``True``), or compute, store and ``False``."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key], True
        value = compute()
        with self._lock:
            self.misses += 1
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value, False

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()
