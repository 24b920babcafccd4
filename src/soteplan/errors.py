"""The one exception family of soteplan.

Every error raised on purpose by soteplan derives from :class:`SoteplanError`.
Leaves that refine a builtin also derive from it (``DataError(ValueError, ...)``),
so callers may catch either the soteplan class or the builtin.

Messages name the file, row, field or parameter at fault and say what would be
valid.  Validation collects every problem it can find and reports them at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "CacheError",
    "ConnectionNeededError",
    "DataError",
    "DataProblem",
    "InfeasibleError",
    "MissingColumnError",
    "NotFoundError",
    "ParameterError",
    "SolverError",
    "SoteplanError",
    "SoteplanWarning",
    "StoreError",
]


class SoteplanError(Exception):
    """Base class of every error soteplan raises on purpose."""


class SoteplanWarning(UserWarning):
    """Base class of soteplan's warnings (approximations, suspicious data)."""


@dataclass(frozen=True)
class DataProblem:
    """One problem found in an input: where it is and what is wrong.

    Attributes
    ----------
    source
        File name (or table name when the input came from memory).
    row
        1-based data row number (header excluded) or ``None`` when the problem
        concerns the whole table.
    field
        Column / property name, or ``None``.
    message
        What is wrong and what would be valid.
    """

    source: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.row is not None:
            where += f", row {self.row}"
        if self.field is not None:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class DataError(ValueError, SoteplanError):
    """Input data is invalid.

    Carries every :class:`DataProblem` found, so the user can fix them all at once.
    """

    def __init__(self, message: str | Iterable[DataProblem], *, max_shown: int = 20) -> None:
        if isinstance(message, str):
            self.problems: tuple[DataProblem, ...] = ()
            super().__init__(message)
            return
        self.problems = tuple(message)
        lines = [str(p) for p in self.problems[:max_shown]]
        extra = len(self.problems) - max_shown
        if extra > 0:
            lines.append(f"... and {extra} more problem(s)")
        n = len(self.problems)
        head = f"{n} data problem{'s' if n != 1 else ''} found:"
        super().__init__("\n  ".join([head, *lines]))


class MissingColumnError(KeyError, DataError):
    """A required column or property is missing from an input table."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class NotFoundError(LookupError, SoteplanError):
    """A named thing (region, model, scenario, service point …) does not exist."""


class ParameterError(ValueError, SoteplanError):
    """A function or command was called with an invalid parameter value."""


class InfeasibleError(SoteplanError):
    """An optimisation problem has no feasible solution; the message says why."""


class SolverError(RuntimeError, SoteplanError):
    """A solver failed for a reason other than infeasibility."""


class CacheError(SoteplanError):
    """A cache entry is corrupt or was written by an incompatible version."""


class StoreError(SoteplanError):
    """The scenario store could not read or write."""


class ConnectionNeededError(SoteplanError):
    """A command needs the internet (or a service answered with an error); nothing was changed."""
