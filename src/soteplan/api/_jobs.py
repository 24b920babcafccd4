"""Background jobs with progress, for long runs (scenarios).

A job runs in a worker thread; its ``progress(done, total)`` callback updates
the state that ``GET /api/v1/jobs/{id}`` returns (poll it) and that
``GET /api/v1/jobs/{id}/events`` streams as server-sent events.

Durable jobs (:meth:`JobManager.submit_durable`) are recorded in the scenario
store *before* the API answers 202, and every change of state is written
there.  After a restart, :meth:`JobManager.resume` queues again every job the
store still holds as queued or running (a job interrupted ``max_attempts``
times is marked failed with the code ``interrupted``), and jobs finished by
an earlier process are read back from the store.

A failed job carries a stable ``error_code`` and a safe ``error`` message;
the detail of a server-side failure goes to the server log only.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from soteplan.api._errors import error_code, public_message, safe_text, status_of
from soteplan.errors import NotFoundError, SoteplanError
from soteplan.store import Store

__all__ = ["Job", "JobManager", "Runner"]

log = logging.getLogger("soteplan.api.jobs")

Progress = Callable[[int, int], None]
_JOB_ID = re.compile(r"[0-9a-f]{32}")
#: A durable job kind's runner: ``runner(job_id, payload, progress) -> result`` (JSON).
Runner = Callable[[str, dict[str, Any], Progress], Any]


@dataclass
class Job:
    """State of one background job."""

    id: str
    kind: str
    state: str = "queued"  # queued | running | done | failed
    done: int = 0
    total: int | None = None
    result: Any = None
    error: str | None = None
    error_code: str | None = None
    error_status: int | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None

    def public(self) -> dict[str, Any]:
        """The job as returned by the API (without the result)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "error": self.error,
            "error_code": self.error_code,
            "error_status": self.error_status,
            "fraction": (self.done / self.total) if self.total else None,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Job:
        """A job as recorded in the store."""
        created = row.get("created_at")
        finished = row.get("finished_at")
        return cls(
            id=row["id"],
            kind=row["kind"],
            state=row["state"],
            done=int(row.get("done") or 0),
            total=row.get("total"),
            result=row.get("result"),
            error=row.get("error"),
            error_code=row.get("error_code"),
            error_status=row.get("error_status"),
            created=created.timestamp() if created is not None else time.time(),
            finished=finished.timestamp() if finished is not None else None,
        )


def _failure(exc: BaseException) -> tuple[str, str, int]:
    """``(code, safe message, status)`` of a job's exception; server errors are logged."""
    code, status = error_code(exc), status_of(exc)
    return code, safe_text("; ".join(public_message(exc))), status


class JobManager:
    """Runs jobs on a small thread pool and keeps the latest ``keep`` of them in memory.

    Parameters
    ----------
    workers
        Worker threads.
    keep
        Jobs kept in memory (older ones are still found in the store).
    store
        Returns the app's store, for durable jobs (``None``: memory only).
    max_attempts
        A durable job interrupted this many times (restarts while it ran) is
        marked failed instead of being run again.
    """

    def __init__(
        self,
        workers: int = 1,
        keep: int = 100,
        store: Callable[[], Store] | None = None,
        max_attempts: int = 2,
    ) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="soteplan-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._runners: dict[str, Runner] = {}
        self._store = store
        self._resumed: set[int] = set()
        self.keep = keep
        self.max_attempts = max_attempts

    def _remember(self, job: Job) -> None:
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self.keep:
                self._jobs.pop(next(iter(self._jobs)))

    # ------------------------------------------------------------ ephemeral
    def submit(
        self,
        kind: str,
        fn: Callable[[Progress], Any],
        status_of: Callable[[SoteplanError], int] = status_of,
    ) -> Job:
        """Start ``fn(progress)`` in the background (in memory only) and return its job."""
        job = Job(id=uuid.uuid4().hex, kind=kind)
        self._remember(job)

        def progress(done: int, total: int | None = None) -> None:
            job.done = int(done)
            if total is not None:
                job.total = int(total)

        def work() -> None:
            job.state = "running"
            try:
                job.result = fn(progress)
                job.state = "done"
            except Exception as exc:  # report, never lose the worker
                job.error_code, job.error, job.error_status = _failure(exc)
                if isinstance(exc, SoteplanError) and job.error_status < 500:
                    job.error_status = status_of(exc)
                else:
                    log.error("job %s (%s) failed", job.id, kind, exc_info=exc)
                job.state = "failed"
            finally:
                job.finished = time.time()

        self._pool.submit(work)
        return job

    # -------------------------------------------------------------- durable
    def register(self, kind: str, runner: Runner) -> None:
        """Name the runner of a durable job kind (needed again after a restart)."""
        self._runners[kind] = runner

    def submit_durable(self, kind: str, payload: dict[str, Any]) -> Job:
        """Record a job in the store, then queue it; return the job.

        Raises
        ------
        StoreError
            When the job cannot be recorded (then it is not accepted).
        """
        if kind not in self._runners:
            raise KeyError(f"no runner registered for job kind {kind!r}")
        if self._store is None:
            raise RuntimeError("durable jobs need a store")
        job = Job(id=uuid.uuid4().hex, kind=kind)
        self._store().add_job(job.id, kind, payload)
        self._remember(job)
        self._pool.submit(self._work, job, payload, 1)
        return job

    def resume(self, store: Store) -> list[str]:
        """Queue again the unfinished jobs recorded in ``store``; return their ids."""
        with self._lock:
            if id(store) in self._resumed:
                return []
            self._resumed.add(id(store))
        again = []
        for row in store.unfinished_jobs():
            job = Job.from_row(row)
            with self._lock:
                if job.id in self._jobs:  # queued by this process
                    continue
            attempts = int(row.get("attempts") or 0)
            if row["kind"] not in self._runners or attempts >= self.max_attempts:
                why = (
                    f"interrupted by {attempts} server restarts"
                    if row["kind"] in self._runners
                    else f"unknown job kind {row['kind']!r}"
                )
                store.update_job(
                    job.id, state="failed", error_code="interrupted", error=why, error_status=500
                )
                continue
            job.state, job.done = "queued", 0
            store.update_job(job.id, state="queued", done=0)
            self._remember(job)
            self._pool.submit(self._work, job, dict(row["payload"]), attempts + 1)
            again.append(job.id)
        if again:
            log.warning("resumed %d job(s) recorded before a restart: %s", len(again), again)
        return again

    def _save(self, job: Job, **fields: Any) -> None:
        if self._store is None:
            return
        try:
            self._store().update_job(job.id, **fields)
        except Exception:  # the job's own state stays correct in memory
            log.exception("could not record the state of job %s", job.id)

    def _work(self, job: Job, payload: dict[str, Any], attempt: int) -> None:
        job.state = "running"
        self._save(job, state="running", attempts=attempt)

        def progress(done: int, total: int | None = None) -> None:
            job.done = int(done)
            if total is not None:
                job.total = int(total)
            self._save(job, done=job.done, total=job.total)

        # the store is written first: a job seen finished is recorded as finished
        try:
            result = self._runners[job.kind](job.id, payload, progress)
            self._save(job, state="done", result=result, done=job.done, total=job.total)
            job.finished, job.result, job.state = time.time(), result, "done"
        except Exception as exc:  # report, never lose the worker
            code, error, status = _failure(exc)
            if status >= 500:
                log.error("job %s (%s) failed", job.id, job.kind, exc_info=exc)
            self._save(job, state="failed", error_code=code, error=error, error_status=status)
            job.error_code, job.error, job.error_status = code, error, status
            job.finished, job.state = time.time(), "failed"

    # ----------------------------------------------------------------- read
    def get(self, job_id: str) -> Job:
        """A job by id (in memory, else as recorded in the store), or :class:`NotFoundError`."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None and self._store is not None and _JOB_ID.fullmatch(job_id):
            row = self._store().get_job(job_id)
            if row is not None:
                job = Job.from_row(row)
        if job is None:
            raise NotFoundError(f"no job {safe_text(job_id)!r}")
        return job

    def shutdown(self) -> None:
        """Stop accepting jobs (running ones finish; queued ones stay recorded)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
