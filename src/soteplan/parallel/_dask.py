"""Dask executor: a local cluster (``"dask"``) or a scheduler by address.

``executor("dask")`` starts a :class:`distributed.LocalCluster` owned by the
executor (closed by :meth:`DaskExecutor.close`); ``executor("dask://HOST:PORT")``
(or ``"tcp://HOST:PORT"``) connects a client to a running scheduler.  The same
functions and items as for the local executor run unchanged; results come back
in input order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from soteplan.errors import ParameterError
from soteplan.parallel._executors import ProgressCallback

__all__ = ["DaskExecutor"]

T = TypeVar("T")
R = TypeVar("R")


class DaskExecutor:
    """Runs tasks on a Dask cluster.

    Parameters
    ----------
    spec
        ``"dask"`` for a new local cluster, ``"dask://HOST:PORT"`` or
        ``"tcp://HOST:PORT"`` for an existing scheduler, or a
        :class:`distributed.Client` / cluster object to reuse.
    workers
        Number of worker processes of a new local cluster (default: cores).
    processes
        Whether a new local cluster uses processes (default) or threads.
    """

    name = "dask"

    def __init__(
        self,
        spec: Any = "dask",
        *,
        workers: int | None = None,
        processes: bool = True,
    ) -> None:
        from distributed import Client, LocalCluster

        self._cluster: Any = None
        self._own_client = True
        if isinstance(spec, Client):
            self.client = spec
            self._own_client = False
        elif isinstance(spec, str) and spec == "dask":
            if workers is not None and workers < 1:
                raise ParameterError(f"workers must be at least 1, got {workers}")
            self._cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
            )
            self.client = Client(self._cluster)
        elif isinstance(spec, str) and spec.startswith(("dask://", "tcp://")):
            address = "tcp://" + spec.split("://", 1)[1]
            if not address.removeprefix("tcp://"):
                raise ParameterError(f"no scheduler address in {spec!r}: use dask://HOST:PORT")
            try:
                self.client = Client(address, timeout=10)
            except OSError as exc:
                raise ParameterError(f"cannot reach Dask scheduler at {address}: {exc}") from exc
        elif hasattr(spec, "scheduler_address"):  # a cluster object
            self.client = Client(spec)
        else:
            raise ParameterError(f"unknown Dask spec {spec!r}: use 'dask' or 'dask://HOST:PORT'")

    @property
    def address(self) -> str:
        """Scheduler address."""
        return str(getattr(self.client.scheduler, "address", ""))

    def map(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        progress: ProgressCallback | None = None,
    ) -> list[R]:
        """Apply ``fn`` to every item on the cluster; results in input order."""
        from distributed import as_completed

        seq: Sequence[T] = list(items)
        if not seq:
            return []
        futures = self.client.map(fn, seq, pure=False)
        if progress is not None:
            for done, _ in enumerate(as_completed(futures), start=1):
                progress(done, len(seq))
        results: list[R] = self.client.gather(futures)
        return results

    def close(self) -> None:
        """Close the client and, when the executor started it, the local cluster."""
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DaskExecutor({self.address!r})"
