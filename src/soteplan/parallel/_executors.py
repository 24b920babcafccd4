"""Executor implementations behind :func:`soteplan.parallel.executor`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Protocol, TypeVar, runtime_checkable

from soteplan.errors import ParameterError

T = TypeVar("T")
R = TypeVar("R")

#: Called as ``progress(done, total)`` after each finished task.
ProgressCallback = Callable[[int, int], None]


@runtime_checkable
class Executor(Protocol):
    """Runs a function over a batch of inputs and returns results in input order."""

    name: str

    def map(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[R]:
        """Apply ``fn`` to every item; results come back in the order of ``items``."""
        ...

    def close(self) -> None:
        """Release workers (a no-op for executors that hold none)."""
        ...


class SerialExecutor:
    """Runs every task in the calling process, one after another."""

    name = "serial"

    def map(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[R]:
        seq: Sequence[T] = list(items)
        out: list[R] = []
        for i, item in enumerate(seq, start=1):
            out.append(fn(item))
            if progress is not None:
                progress(i, len(seq))
        return out

    def close(self) -> None:
        return None

    def __repr__(self) -> str:
        return "SerialExecutor()"


class ProcessExecutor:
    """Runs tasks in a pool of local worker processes.

    ``fn`` and the items must be picklable (module-level functions, arrays,
    dataclasses).  With one worker, or one item, tasks run in-process.
    """

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        n = workers if workers is not None else (os.cpu_count() or 1)
        if n < 1:
            raise ParameterError(f"workers must be at least 1, got {n}")
        self.workers = n

    def map(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[R]:
        seq: Sequence[T] = list(items)
        if self.workers == 1 or len(seq) <= 1:
            return SerialExecutor().map(fn, seq, progress=progress)
        results: list[Any] = [None] * len(seq)
        with ProcessPoolExecutor(max_workers=min(self.workers, len(seq))) as pool:
            futures = {pool.submit(fn, item): i for i, item in enumerate(seq)}
            for done, fut in enumerate(as_completed(futures), start=1):
                results[futures[fut]] = fut.result()
                if progress is not None:
                    progress(done, len(seq))
        return results

    def close(self) -> None:
        return None

    def __repr__(self) -> str:
        return f"ProcessExecutor(workers={self.workers})"


def executor(spec: str | Executor = "local", *, workers: int | None = None) -> Executor:
    """Return an executor from a short specification.

    Parameters
    ----------
    spec
        ``"serial"`` (in-process), ``"local"`` (local worker processes, one per
        core by default), ``"dask"`` (a local Dask cluster),
        ``"dask://HOST:PORT"`` (an existing Dask scheduler).  An executor
        object is returned unchanged.
    workers
        Number of local workers for ``"local"`` and ``"dask"``.
    """
    if not isinstance(spec, str):
        return spec
    if spec == "serial":
        return SerialExecutor()
    if spec == "local":
        return ProcessExecutor(workers)
    if spec == "dask" or spec.startswith(("dask://", "tcp://")):
        from soteplan.parallel._dask import DaskExecutor  # optional heavy import

        return DaskExecutor(spec, workers=workers)
    raise ParameterError(
        f"unknown executor {spec!r}: use 'serial', 'local', 'dask' or 'dask://HOST:PORT'"
    )
