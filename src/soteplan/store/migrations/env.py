"""Alembic environment of the soteplan store (run programmatically by ``Store``)."""

from __future__ import annotations

from alembic import context

from soteplan.store._models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via Store
    raise RuntimeError("run the soteplan store migrations through soteplan.store.Store")
context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()
