"""Where heavy batches run: local processes now, a Dask cluster by URL.

Engines never create pools themselves; they take an :class:`Executor` and call
:meth:`Executor.map`.  The same engine code runs on every executor, so a batch
that runs locally runs unchanged on a Dask cluster.

>>> from soteplan.parallel import executor
>>> ex = executor("serial")
>>> ex.map(abs, [-1, 2, -3])
[1, 2, 3]
"""

from __future__ import annotations

from soteplan.parallel._executors import (
    Executor,
    ProcessExecutor,
    ProgressCallback,
    SerialExecutor,
    executor,
)

__all__ = ["Executor", "ProcessExecutor", "ProgressCallback", "SerialExecutor", "executor"]
