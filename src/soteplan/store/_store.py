"""The scenario store: runs (inputs + results) in SQLite or PostgreSQL.

A run is written in one transaction: it is stored whole or not at all.  The
schema is created and upgraded by Alembic migrations when a store is opened;
the migration holds a lock (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on
PostgreSQL), so processes that open a fresh store at the same time wait for
one another instead of colliding.  SQLite runs in WAL mode with
``synchronous=FULL``: a committed run survives a power cut, not only a crash
of the process.

The default store is the SQLite file named by the ``SOTEPLAN_STORE``
environment variable, else ``./soteplan.sqlite`` in the working directory.
"""

from __future__ import annotations

import io
import os
import re
import sqlite3
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, delete, event, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from soteplan.errors import NotFoundError, StoreError
from soteplan.store._models import JobRow, RunRow, RunTableRow

__all__ = ["DEFAULT_STORE", "RunRecord", "Store", "default_store_url"]

#: File name of the default SQLite store (in the working directory).
DEFAULT_STORE = "soteplan.sqlite"

#: Connection pool of a PostgreSQL store: at most ``POOL_SIZE + POOL_OVERFLOW``
#: connections per :class:`Store`, whatever the load.
POOL_SIZE = 5
POOL_OVERFLOW = 5

#: Seconds a SQLite connection waits for a lock (another writer, a migration).
SQLITE_TIMEOUT_S = 60.0

#: Key of the PostgreSQL advisory lock held while the schema is migrated.
_PG_MIGRATION_LOCK = 0x50_7E_91_A7


def default_store_url() -> str:
    """``$SOTEPLAN_STORE`` (a URL or a file path) or ``sqlite:///./soteplan.sqlite``."""
    env = os.environ.get("SOTEPLAN_STORE")
    return _to_url(env) if env else _to_url(DEFAULT_STORE)


def _to_url(url_or_path: str | Path) -> str:
    s = str(url_or_path)
    if "://" in s:
        return s
    return f"sqlite:///{Path(s).expanduser().resolve()}"


@dataclass(frozen=True)
class RunRecord:
    """A run as stored: the scenario spec, metadata, summary and result tables.

    Attributes
    ----------
    name
        Scenario name.
    spec
        The scenario specification (JSON-compatible dict).
    spec_yaml
        The specification as YAML text (what the user wrote).
    meta
        Units, years, sources, approximations, engines run and skipped.
    summary
        Small JSON-compatible headline figures.
    tables
        Result tables by name.
    id, created_at
        Set by the store.
    """

    name: str
    spec: dict[str, Any]
    spec_yaml: str
    meta: dict[str, Any]
    summary: dict[str, Any]
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    table_meta: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    id: str = ""
    created_at: datetime | None = None
    soteplan_version: str = ""


def _frame_to_csv(df: pd.DataFrame) -> tuple[str, dict[str, str]]:
    buf = io.StringIO()
    df.to_csv(buf, index=False)  # floats as repr: exact round trip
    return buf.getvalue(), {str(c): str(t) for c, t in df.dtypes.items()}


def _csv_to_frame(text: str, dtypes: dict[str, str]) -> pd.DataFrame:
    as_str = {c: "str" for c, t in dtypes.items() if not _numeric(t)}
    df = pd.read_csv(io.StringIO(text), dtype=as_str, keep_default_na=True)
    for c, t in dtypes.items():
        if t.startswith(("int", "Int")) and c in df.columns and not df[c].isna().any():
            df[c] = df[c].astype(t)
        elif t == "bool" and c in df.columns:
            df[c] = df[c].astype(bool)
    return df


def _numeric(t: str) -> bool:
    return t.startswith(("int", "Int", "float", "Float", "bool", "uint"))


class Store:
    """Scenario store on SQLite (default) or PostgreSQL.

    Parameters
    ----------
    url
        SQLAlchemy URL (``sqlite:///path``,
        ``postgresql+psycopg://user@host:5432/db``) or a file path for SQLite;
        default :func:`default_store_url`.

    Raises
    ------
    StoreError
        When the database cannot be opened or migrated.
    """

    def __init__(self, url: str | Path | None = None) -> None:
        self.url = _to_url(url) if url is not None else default_store_url()
        try:
            self.engine: Engine = _make_engine(self.url)
            self._migrate()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open store {self._safe_url}: {exc}") from exc

    @property
    def _safe_url(self) -> str:
        return (
            self.engine.url.render_as_string(hide_password=True)
            if hasattr(self, "engine")
            else self.url
        )

    def _migrate(self) -> None:
        """Upgrade the schema to the head revision, holding the migration lock."""
        cfg = Config()
        script_location = resources.files("soteplan.store") / "migrations"
        cfg.set_main_option("script_location", str(script_location))
        head = ScriptDirectory.from_config(cfg).get_current_head()
        with self._migration_connection() as conn:
            cfg.attributes["connection"] = conn
            current = MigrationContext.configure(conn).get_current_revision()
            if current != head:
                command.upgrade(cfg, "head")

    def _migration_connection(self) -> Any:
        """A connection in a transaction that holds the store's migration lock.

        SQLite: a separate connection whose transaction starts with ``BEGIN
        IMMEDIATE`` (the write lock, so the revision check and the DDL are one
        atomic step; other openers wait up to :data:`SQLITE_TIMEOUT_S`).
        PostgreSQL: ``pg_advisory_xact_lock``, released at commit.
        """
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (
            None,
            "",
            ":memory:",
        ):
            eng = create_engine(
                self.url, poolclass=NullPool, connect_args={"timeout": SQLITE_TIMEOUT_S}
            )
            event.listen(eng, "connect", _sqlite_manual_transactions)
            event.listen(eng, "begin", _sqlite_begin_immediate)
            return _DisposingBegin(eng)
        conn_cm = self.engine.begin()
        if self.engine.dialect.name == "postgresql":
            return _PgLocked(conn_cm)
        return conn_cm

    def revision(self) -> str | None:
        """The schema revision of the database."""
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    # ------------------------------------------------------------------ write
    def save(
        self,
        run: RunRecord,
        *,
        _after_write: Callable[[], None] | None = None,
    ) -> str:
        """Store a run in one transaction and return its id.

        ``_after_write`` (tests only) is called after every row is written and
        before the commit, to simulate a crash mid-write.
        """
        from soteplan import __version__

        run_id = run.id or str(uuid.uuid4())
        row = RunRow(
            id=run_id,
            name=run.name,
            created_at=run.created_at or datetime.now(UTC),
            soteplan_version=run.soteplan_version or __version__,
            spec_yaml=run.spec_yaml,
            spec=run.spec,
            meta=run.meta,
            summary=run.summary,
            n_tables=len(run.tables),
        )
        try:
            with Session(self.engine) as session, session.begin():
                session.add(row)
                session.flush()
                for name, df in run.tables.items():
                    text, dtypes = _frame_to_csv(df)
                    session.add(
                        RunTableRow(
                            run_id=run_id,
                            name=name,
                            n_rows=len(df),
                            dtypes=dtypes,
                            csv=text,
                            meta=dict(run.table_meta.get(name, {})),
                        )
                    )
                    session.flush()
                if _after_write is not None:
                    _after_write()
        except SQLAlchemyError as exc:
            raise StoreError(f"could not store run {run.name!r}: {exc}") from exc
        return run_id

    def delete(self, run_id: str) -> None:
        """Delete a run and its tables (one transaction)."""
        with Session(self.engine) as session, session.begin():
            session.execute(delete(RunTableRow).where(RunTableRow.run_id == run_id))
            n = session.execute(delete(RunRow).where(RunRow.id == run_id)).rowcount  # type: ignore[attr-defined]
            if not n:
                raise NotFoundError(f"no run {run_id!r}")

    # ------------------------------------------------------------------- read
    def list_runs(self) -> pd.DataFrame:
        """Runs, newest first: ``id, name, created_at, n_tables, soteplan_version``."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(
                    RunRow.id,
                    RunRow.name,
                    RunRow.created_at,
                    RunRow.n_tables,
                    RunRow.soteplan_version,
                ).order_by(RunRow.created_at.desc())
            ).all()
        return pd.DataFrame(
            [tuple(r) for r in rows],
            columns=["id", "name", "created_at", "n_tables", "soteplan_version"],
        )

    def resolve(self, id_or_name: str) -> str:
        """Run id of a full id, a unique id prefix, or a name (newest run of that name)."""
        with Session(self.engine) as session:
            hit = session.get(RunRow, id_or_name)
            if hit is not None:
                return hit.id
            by_name = session.execute(
                select(RunRow.id)
                .where(RunRow.name == id_or_name)
                .order_by(RunRow.created_at.desc())
            ).first()
            if by_name is not None:
                return str(by_name[0])
            pref: list[Any] = []
            if _ID_PREFIX.fullmatch(id_or_name):
                pref = list(
                    session.execute(
                        select(RunRow.id).where(RunRow.id.startswith(id_or_name, autoescape=True))
                    ).all()
                )
        if len(pref) == 1:
            return str(pref[0][0])
        raise NotFoundError(
            f"no run {id_or_name!r}" + (" (ambiguous id prefix)" if len(pref) > 1 else "")
        )

    def load(self, id_or_name: str) -> RunRecord:
        """A stored run with all its tables."""
        run_id = self.resolve(id_or_name)
        with Session(self.engine) as session:
            row = session.get(RunRow, run_id)
            if row is None:  # deleted meanwhile
                raise NotFoundError(f"no run {id_or_name!r}")
            tabs = (
                session.execute(
                    select(RunTableRow)
                    .where(RunTableRow.run_id == run_id)
                    .order_by(RunTableRow.name)
                )
                .scalars()
                .all()
            )
            tables = {t.name: _csv_to_frame(t.csv, t.dtypes) for t in tabs}
            table_meta = {t.name: dict(t.meta) for t in tabs}
            created = row.created_at
            if created is not None and created.tzinfo is None:
                created = created.replace(tzinfo=UTC)
            return RunRecord(
                name=row.name,
                spec=dict(row.spec),
                spec_yaml=row.spec_yaml,
                meta=dict(row.meta),
                summary=dict(row.summary),
                tables=tables,
                table_meta=table_meta,
                id=row.id,
                created_at=created,
                soteplan_version=row.soteplan_version,
            )

    def has_run(self, run_id: str) -> bool:
        """Whether a run of exactly this id is stored."""
        with Session(self.engine) as session:
            return session.get(RunRow, run_id) is not None

    # ------------------------------------------------------------------- jobs
    def add_job(self, job_id: str, kind: str, payload: dict[str, Any]) -> None:
        """Record an accepted job (state ``queued``), committed before this returns."""
        row = JobRow(
            id=job_id,
            kind=kind,
            state="queued",
            payload=payload,
            created_at=datetime.now(UTC),
            attempts=0,
            done=0,
        )
        try:
            with Session(self.engine) as session, session.begin():
                session.add(row)
        except SQLAlchemyError as exc:
            raise StoreError(f"could not record job {job_id}: {exc}") from exc

    def update_job(self, job_id: str, **fields: Any) -> None:
        """Set fields of a recorded job (``state``, ``done``, ``result``, ``error`` …)."""
        if fields.get("state") in ("done", "failed"):
            fields.setdefault("finished_at", datetime.now(UTC))
        try:
            with Session(self.engine) as session, session.begin():
                row = session.get(JobRow, job_id)
                if row is None:
                    raise NotFoundError(f"no job {job_id!r}")
                for k, v in fields.items():
                    setattr(row, k, v)
        except SQLAlchemyError as exc:
            raise StoreError(f"could not update job {job_id}: {exc}") from exc

    def get_job(self, job_id: str) -> dict[str, Any] | None:
        """A recorded job as a dict of its columns, or ``None``."""
        with Session(self.engine) as session:
            row = session.get(JobRow, job_id)
            return None if row is None else _job_dict(row)

    def unfinished_jobs(self) -> list[dict[str, Any]]:
        """Jobs recorded as ``queued`` or ``running`` (oldest first)."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(JobRow)
                .where(JobRow.state.in_(["queued", "running"]))
                .order_by(JobRow.created_at)
            ).scalars()
            return [_job_dict(r) for r in rows]

    def close(self) -> None:
        """Dispose of the connection pool."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self._safe_url!r})"


def _job_dict(row: JobRow) -> dict[str, Any]:
    return {c.name: getattr(row, c.name) for c in JobRow.__table__.columns}


#: What a run id prefix may look like (hex digits and dashes of a UUID).
_ID_PREFIX = re.compile(r"[0-9a-f-]{4,36}")


def _make_engine(url: str) -> Engine:
    """The store's one engine: a bounded pool on PostgreSQL, WAL + FULL on SQLite."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_TIMEOUT_S})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        pool_timeout=30,
        pool_pre_ping=True,
        pool_recycle=1800,
    )


class _DisposingBegin:
    """``engine.begin()`` that disposes of its (single-use) engine afterwards."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._cm: Any = None

    def __enter__(self) -> Connection:
        self._cm = self._engine.begin()
        conn: Connection = self._cm.__enter__()
        return conn

    def __exit__(self, *exc: Any) -> None:
        try:
            self._cm.__exit__(*exc)
        finally:
            self._engine.dispose()


class _PgLocked:
    """A PostgreSQL transaction that first takes the migration advisory lock."""

    def __init__(self, cm: Any) -> None:
        self._cm = cm

    def __enter__(self) -> Connection:
        conn: Connection = self._cm.__enter__()
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        return conn

    def __exit__(self, *exc: Any) -> None:
        self._cm.__exit__(*exc)


def _sqlite_wal(cur: Any) -> None:
    """Put the database in WAL mode (persistent in the file), retrying on a lock.

    Switching a fresh file to WAL needs an exclusive lock, and SQLite may answer
    ``database is locked`` at once, without its busy handler, while another
    process opens the same file: retry with a back-off for up to
    :data:`SQLITE_TIMEOUT_S`.
    """
    deadline = time.monotonic() + SQLITE_TIMEOUT_S
    delay = 0.005
    while True:
        try:
            mode = cur.execute("PRAGMA journal_mode").fetchone()
            if mode and str(mode[0]).lower() == "wal":
                return
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    _sqlite_wal(cur)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def _sqlite_manual_transactions(dbapi_conn: Any, record: Any) -> None:
    _sqlite_pragmas(dbapi_conn, record)
    dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN itself


def _sqlite_begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")
