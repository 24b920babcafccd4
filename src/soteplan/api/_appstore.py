"""The app's one scenario store: one engine and connection pool per app.

Requests share the :class:`~soteplan.store.Store` opened on first use (its
migrations run once, under the store's migration lock); the app's lifespan
disposes of it at shutdown.  Changing ``app.state.store_url`` (tests do)
replaces it, disposing of the old pool.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from soteplan.store import Store

__all__ = ["AppStore"]

log = logging.getLogger("soteplan.api")


class AppStore:
    """Lazily opened, shared store of one app.

    Parameters
    ----------
    url_of
        Returns the configured store URL (``None``: the store's default).
    on_open
        Called once with each newly opened store (the job manager resumes
        the jobs recorded in it).
    """

    def __init__(
        self,
        url_of: Callable[[], str | None],
        on_open: Callable[[Store], Any] | None = None,
    ) -> None:
        self._url_of = url_of
        self.on_open = on_open
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._url: str | None = None
        self.opened = 0  # how many stores (engines) this app has opened

    def get(self) -> Store:
        """The shared store, opened (and migrated) on first use."""
        url = self._url_of()
        with self._lock:
            if self._store is not None and url == self._url:
                return self._store
            old = self._store
            store = Store(url)
            self._store, self._url = store, url
            self.opened += 1
            if old is not None:
                old.close()
        if self.on_open is not None:
            try:
                self.on_open(store)
            except Exception:  # e.g. resuming jobs failed: the store itself still serves
                log.exception("after opening the scenario store")
        return store

    def close(self) -> None:
        """Dispose of the pool (at shutdown)."""
        with self._lock:
            store, self._store, self._url = self._store, None, None
        if store is not None:
            store.close()
