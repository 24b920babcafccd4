"""Tests of the scenario store on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from soteplan.errors import NotFoundError, StoreError
from soteplan.store import RunRecord, Store

PG_URL = os.environ.get("SOTEPLAN_TEST_DATABASE_URL")


def _record(name: str = "baseline", rows: int = 50, seed: int = 0) -> RunRecord:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "municipality": rng.choice(["077", "179", "992"], rows),
            "year": rng.integers(2018, 2041, rows),
            "cost_eur": rng.random(rows) * 1e6,
            "trips": np.where(rng.random(rows) < 0.2, np.nan, rng.random(rows)),
            "flag": rng.random(rows) < 0.5,
        }
    )
    return RunRecord(
        name=name,
        spec={"name": name, "years": [2020, 2040]},
        spec_yaml=f"name: {name}\n",
        meta={"units": {"cost_eur": "euros"}},
        summary={"cost_2040": float(df["cost_eur"].sum())},
        tables={"demand": df, "empty": df.iloc[:0]},
        table_meta={"demand": {"unit": "euros"}},
    )


def _roundtrip(store: Store) -> None:
    rec = _record()
    run_id = store.save(rec)
    back = store.load(run_id)
    assert back.id == run_id and back.name == "baseline"
    assert back.spec == rec.spec and back.summary == rec.summary
    pd.testing.assert_frame_equal(back.tables["demand"], rec.tables["demand"])
    assert back.tables["empty"].empty
    assert back.table_meta["demand"] == {"unit": "euros"}
    assert store.resolve("baseline") == run_id
    assert store.resolve(run_id[:8]) == run_id
    assert list(store.list_runs()["id"]) == [run_id]
    store.delete(run_id)
    with pytest.raises(NotFoundError):
        store.load(run_id)


def _crash_mid_write(store: Store) -> None:
    store.save(_record("first"))

    def boom() -> None:
        raise RuntimeError("simulated crash after the rows were written")

    with pytest.raises(RuntimeError):
        store.save(_record("second", rows=500), _after_write=boom)
    runs = store.list_runs()
    assert list(runs["name"]) == ["first"]
    with pytest.raises(NotFoundError):
        store.resolve("second")


def test_sqlite_roundtrip_and_migration(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        assert store.revision() == "0002"
        _roundtrip(store)
    with Store(f"sqlite:///{path}") as again:  # reopen: migrations are idempotent
        assert again.revision() == "0002"
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_sqlite_crash_mid_write_leaves_store_consistent(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        _crash_mid_write(store)


def test_unopenable_store_raises_store_error(tmp_path):
    with pytest.raises(StoreError):
        Store(f"sqlite:///{tmp_path}/missing-dir/x.sqlite")


_CHILD = textwrap.dedent(
    """
    import sys, time
    import numpy as np, pandas as pd
    from soteplan.store import RunRecord, Store
    store = Store(sys.argv[1])
    df = pd.DataFrame({"x": np.arange(200_000, dtype=float)})
    def rec(name):
        return RunRecord(name=name, spec={}, spec_yaml="", meta={}, summary={},
                         tables={"t": df})
    store.save(rec("complete"))
    def pause():
        print("MID-WRITE", flush=True)
        time.sleep(60)
    store.save(rec("killed"), _after_write=pause)
    """
)


def _kill_mid_write(url: str) -> None:
    """Start a writer, SIGKILL it inside its transaction, check the store."""
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, url], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "MID-WRITE"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    with Store(url) as store:
        runs = store.list_runs()
        assert list(runs["name"]) == ["complete"]
        assert len(store.load("complete").tables["t"]) == 200_000
        store.save(_record("after"))  # still writable
        assert set(store.list_runs()["name"]) == {"complete", "after"}


def test_sigkill_mid_write_leaves_store_consistent(tmp_path):
    path = tmp_path / "k.sqlite"
    _kill_mid_write(str(path))
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


@pytest.mark.postgres
def test_postgres_roundtrip(pg_url):
    with Store(pg_url) as store:
        assert store.revision() == "0002"
        _roundtrip(store)


@pytest.mark.postgres
def test_postgres_sigkill_mid_write(pg_url):
    _kill_mid_write(pg_url)


@pytest.mark.postgres
def test_postgres_crash_mid_write(pg_url):
    with Store(pg_url) as store:
        _crash_mid_write(store)


def test_default_store_url_from_env(monkeypatch, tmp_path):
    from soteplan.store import default_store_url

    monkeypatch.setenv("SOTEPLAN_STORE", str(tmp_path / "x.sqlite"))
    assert default_store_url() == f"sqlite:///{Path(tmp_path / 'x.sqlite').resolve()}"
    monkeypatch.delenv("SOTEPLAN_STORE")
    monkeypatch.chdir(tmp_path)
    assert default_store_url().endswith("/soteplan.sqlite")


_OPENER = textwrap.dedent(
    """
    import sys, time
    from soteplan.store import RunRecord, Store
    url, start, name = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    while time.time() < start:
        time.sleep(0.001)
    with Store(url) as store:
        store.save(RunRecord(name=name, spec={}, spec_yaml="", meta={}, summary={}))
    print("OK", flush=True)
    """
)


def _open_fresh_concurrently(url: str, n: int = 4) -> None:
    """``n`` processes open the same fresh store at the same instant and write a run."""
    import time

    start = time.time() + 6.0  # every child has imported soteplan by then
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _OPENER, url, repr(start), f"opener-{i}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(n)
    ]
    outs = []
    for p in procs:
        try:
            outs.append(p.communicate(timeout=120))
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0 and out.strip() == "OK", err[-2000:]
    with Store(url) as store:
        assert store.revision() == "0002"
        assert sorted(store.list_runs()["name"]) == [f"opener-{i}" for i in range(n)]


def test_sqlite_fresh_store_opened_by_four_processes(tmp_path):
    _open_fresh_concurrently(f"sqlite:///{tmp_path / 'fresh.sqlite'}")


@pytest.mark.postgres
def test_postgres_fresh_store_opened_by_four_processes(pg_url):
    _open_fresh_concurrently(pg_url)


def test_sqlite_is_synchronous_full(tmp_path):
    with Store(tmp_path / "s.sqlite") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


@pytest.mark.parametrize("pattern", ["%", "_", "%%%%", "____", "%-%"])
def test_run_id_is_matched_exactly_not_as_a_like_pattern(tmp_path, pattern):
    with Store(tmp_path / "s.sqlite") as store:
        store.save(_record("only"))
        with pytest.raises(NotFoundError):
            store.resolve(pattern)


def test_not_found_names_no_store_path(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        with pytest.raises(NotFoundError) as info:
            store.resolve("nothing-here")
        assert str(tmp_path) not in str(info.value)
        with pytest.raises(NotFoundError) as info:
            store.delete("nothing-here")
        assert str(tmp_path) not in str(info.value)


def test_jobs_are_recorded_updated_and_listed_while_unfinished(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        store.add_job("a" * 32, "scenario", {"scenario": {"name": "x"}})
        store.add_job("b" * 32, "scenario", {"scenario": {"name": "y"}})
        store.update_job("b" * 32, state="done", result={"id": "r"})
        assert [j["id"] for j in store.unfinished_jobs()] == ["a" * 32]
        done = store.get_job("b" * 32)
        assert done is not None and done["result"] == {"id": "r"} and done["finished_at"]
        assert store.get_job("c" * 32) is None
        with pytest.raises(NotFoundError):
            store.update_job("c" * 32, state="done")
