"""Background jobs with progress, for long runs (scenarios).

A job runs in a worker thread; its ``progress(done, total)`` callback updates
the state that ``GET /api/v1/jobs/{id}`` returns (poll it) and that
``GET /api/v1/jobs/{id}/events`` streams as server-sent events.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from soteplan.errors import NotFoundError, SoteplanError

__all__ = ["Job", "JobManager"]


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
            "error_status": self.error_status,
            "fraction": (self.done / self.total) if self.total else None,
        }


class JobManager:
    """Runs jobs on a small thread pool and keeps the latest ``keep`` of them."""

    def __init__(self, workers: int = 1, keep: int = 100) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="soteplan-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self.keep = keep

    def submit(
        self,
        kind: str,
        fn: Callable[[Callable[[int, int], None]], Any],
        status_of: Callable[[SoteplanError], int],
    ) -> Job:
        """Start ``fn(progress)`` in the background and return its job."""
        job = Job(id=uuid.uuid4().hex[:12], kind=kind)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self.keep:
                self._jobs.pop(next(iter(self._jobs)))

        def progress(done: int, total: int | None = None) -> None:
            job.done = int(done)
            if total is not None:
                job.total = int(total)

        def work() -> None:
            job.state = "running"
            try:
                job.result = fn(progress)
                job.state = "done"
            except SoteplanError as exc:
                job.error, job.error_status, job.state = str(exc), status_of(exc), "failed"
            except Exception as exc:  # report, never lose the worker
                job.error = f"internal error ({type(exc).__name__}): {exc}"
                job.error_status, job.state = 500, "failed"
            finally:
                job.finished = time.time()

        self._pool.submit(work)
        return job

    def get(self, job_id: str) -> Job:
        """A job by id, or :class:`NotFoundError`."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"no job {job_id!r}")
        return job

    def shutdown(self) -> None:
        """Stop accepting jobs (running ones finish)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
