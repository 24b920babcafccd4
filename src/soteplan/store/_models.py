"""SQLAlchemy 2 table models of the scenario store.

The schema is created and upgraded only by the Alembic migrations in
``soteplan/store/migrations``; these models describe the latest revision.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = ["Base", "JobRow", "RunRow", "RunTableRow"]


class Base(DeclarativeBase):
    """Declarative base of the store."""


class RunRow(Base):
    """One stored scenario run: its inputs (spec) and summary."""

    __tablename__ = "soteplan_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    soteplan_version: Mapped[str] = mapped_column(String(40))
    spec_yaml: Mapped[str] = mapped_column(Text)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    n_tables: Mapped[int] = mapped_column(Integer)
    tables: Mapped[list[RunTableRow]] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True
    )


class RunTableRow(Base):
    """One result table of a run, as CSV text with its column dtypes."""

    __tablename__ = "soteplan_run_tables"

    run_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("soteplan_runs.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    n_rows: Mapped[int] = mapped_column(Integer)
    dtypes: Mapped[dict[str, str]] = mapped_column(JSON)
    csv: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)
    run: Mapped[RunRow] = relationship(back_populates="tables")


class JobRow(Base):
    """One background job: what was asked (payload), its state and outcome."""

    __tablename__ = "soteplan_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(16), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer)
    total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
