"""The scenario store: runs (inputs + results) in SQLite or PostgreSQL.

A run is written in one transaction: it is stored whole or not at all.  The
schema is created and upgraded by Alembic migrations when a store is opened.

The default store is the SQLite file named by the ``SOTEPLAN_STORE``
environment variable, else ``./soteplan.sqlite`` in the working directory.
"""

from __future__ import annotations

import io
import os
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
from sqlalchemy import Engine, create_engine, delete, event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from soteplan.errors import NotFoundError, StoreError
from soteplan.store._models import RunRow, RunTableRow

__all__ = ["DEFAULT_STORE", "RunRecord", "Store", "default_store_url"]

#: File name of the default SQLite store (in the working directory).
DEFAULT_STORE = "soteplan.sqlite"


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
            self.engine: Engine = create_engine(self.url)
            if self.engine.dialect.name == "sqlite":
                event.listen(self.engine, "connect", _sqlite_pragmas)
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
        cfg = Config()
        script_location = resources.files("soteplan.store") / "migrations"
        cfg.set_main_option("script_location", str(script_location))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            current = MigrationContext.configure(conn).get_current_revision()
            head = ScriptDirectory.from_config(cfg).get_current_head()
            if current != head:
                command.upgrade(cfg, "head")

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
                raise NotFoundError(f"no run {run_id!r} in store {self._safe_url}")

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
            pref = session.execute(select(RunRow.id).where(RunRow.id.startswith(id_or_name))).all()
        if len(pref) == 1:
            return str(pref[0][0])
        raise NotFoundError(
            f"no run {id_or_name!r} in store {self._safe_url}"
            + (" (ambiguous id prefix)" if len(pref) > 1 else "")
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

    def close(self) -> None:
        """Dispose of the connection pool."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self._safe_url!r})"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
