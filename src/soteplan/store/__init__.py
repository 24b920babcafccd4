"""Persistence of scenario runs: SQLite by default, PostgreSQL by URL.

>>> from soteplan.store import Store
>>> store = Store("sqlite:///:memory:")
>>> store.list_runs().empty
True
"""

from __future__ import annotations

from soteplan.store._store import DEFAULT_STORE, RunRecord, Store, default_store_url

__all__ = ["DEFAULT_STORE", "RunRecord", "Store", "default_store_url"]
