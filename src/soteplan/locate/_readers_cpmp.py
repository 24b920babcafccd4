"""Readers for the capacitated p-median benchmark files: points, demands, capacities.

Two public formats are read by :func:`read_cpmp` (the format is told by the first line):

- **Lorena & Senne** (the ``SJC1`` … ``SJC4b`` files of São José dos Campos, and the larger
  ``p3038_*`` / ``fnl4461_*`` sets in the same layout): a header ``n p``, then ``n`` lines
  ``x y capacity demand``.  The cost of serving a point from a site is the Euclidean distance
  between them.
- **OR-Library** ``pmedcap1`` (Osman & Christofides 1994, http://people.brunel.ac.uk/~mastjjb/
  jeb/orlib/pmedcapinfo.html): a first line with the number of problems, then per problem a
  line ``number best-known``, a line ``n p capacity`` and ``n`` lines ``i x y demand``.  The
  cost is the Euclidean distance truncated to an integer: the best-known values in the file
  are reached under that convention (problem 1: 713; untruncated distances give 728.26).

In both, every point is a demand and a candidate site, the objective is the sum of the
distances from points to their sites (a point's demand counts only against the capacity),
and every point is served by one site.  :meth:`CpmpInstance.model` builds that model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from soteplan.errors import DataError, DataProblem

if TYPE_CHECKING:
    from soteplan.locate._capacitated import CapacitatedPMedian

__all__ = ["CpmpInstance", "parse_cpmp", "read_cpmp"]


@dataclass(frozen=True, eq=False)
class CpmpInstance:
    """One capacitated p-median instance from a benchmark file.

    Attributes
    ----------
    name
        File name; in an OR-Library file, with ``#`` and the problem's number.
    xy
        Point coordinates, shape (n, 2).
    demand
        Demand of every point (> 0), shape (n,).
    capacity
        Capacity of every point as a site, shape (n,).
    p
        Number of sites to open.
    truncate
        Distances are truncated to integers (the OR-Library convention).
    best_known
        The best-known objective the file states, or ``None`` where it states none.
    """

    name: str
    xy: NDArray[np.float64]
    demand: NDArray[np.float64]
    capacity: NDArray[np.float64]
    p: int
    truncate: bool
    best_known: float | None

    @property
    def n(self) -> int:
        """Number of points."""
        return int(self.xy.shape[0])

    def distance(self) -> NDArray[np.float64]:
        """Euclidean distances between all points, shape (n, n) (truncated if ``truncate``)."""
        d = np.hypot(
            self.xy[:, None, 0] - self.xy[None, :, 0], self.xy[:, None, 1] - self.xy[None, :, 1]
        )
        return np.floor(d) if self.truncate else d

    def model(self) -> CapacitatedPMedian:
        """The single-source model whose objective is the file's: Σ distance(point, site).

        The model weights every cost by the demand, so the cost handed to it is the
        distance divided by the demand (demands are checked > 0 when the file is read).
        """
        from soteplan.locate._capacitated import CapacitatedPMedian

        return CapacitatedPMedian.from_cost_matrix(
            self.distance() / self.demand[:, None],
            self.demand,
            p=self.p,
            capacity=self.capacity,
            single_source=True,
        )


def _numbers(
    line: str, count: int, names: tuple[str, ...], source: str, row: int
) -> tuple[list[float] | None, list[DataProblem]]:
    parts = line.split()
    if len(parts) != count:
        want = " ".join(names)
        return None, [DataProblem(source, row, None, f"expected '{want}', got {line.strip()!r}")]
    out: list[float] = []
    problems: list[DataProblem] = []
    for name, s in zip(names, parts, strict=True):
        try:
            v = float(s)
        except ValueError:
            problems.append(DataProblem(source, row, name, f"not a number: {s!r}"))
            continue
        if not np.isfinite(v):
            problems.append(DataProblem(source, row, name, f"not a finite number: {s!r}"))
        out.append(v)
    return (out if not problems else None), problems


def _points(
    rows: list[tuple[int, str]], n: int, names: tuple[str, ...], source: str
) -> tuple[NDArray[np.float64], list[DataProblem]]:
    """Parse ``n`` point lines into an (n, len(names)) array; demand/capacity must be > 0."""
    out = np.full((n, len(names)), np.nan)
    problems: list[DataProblem] = []
    for k, (row, line) in enumerate(rows):
        vals, probs = _numbers(line, len(names), names, source, row)
        problems += probs
        if vals is None:
            continue
        for name, v in zip(names, vals, strict=True):
            if name in ("demand", "capacity") and not v > 0:
                problems.append(DataProblem(source, row, name, f"must be > 0, got {v:g}"))
        out[k] = vals
    return out, problems


def _header_int(v: float, source: str, row: int, name: str) -> tuple[int, list[DataProblem]]:
    if v != int(v) or v < 1:
        return 0, [DataProblem(source, row, name, f"must be a whole number ≥ 1, got {v:g}")]
    return int(v), []


def _lorena(lines: list[tuple[int, str]], source: str) -> list[CpmpInstance]:
    row, head = lines[0]
    vals, problems = _numbers(head, 2, ("n", "p"), source, row)
    if vals is None:
        raise DataError(problems)
    n, pn = _header_int(vals[0], source, row, "n")
    p, pp = _header_int(vals[1], source, row, "p")
    problems = pn + pp
    if not problems and p > n:
        problems.append(DataProblem(source, row, "p", f"p = {p} exceeds n = {n}"))
    if problems:
        raise DataError(problems)
    body = lines[1:]
    if len(body) != n:
        raise DataError(
            [DataProblem(source, None, None, f"header announces {n} points, file has {len(body)}")]
        )
    a, problems = _points(body, n, ("x", "y", "capacity", "demand"), source)
    if problems:
        raise DataError(problems)
    return [
        CpmpInstance(
            name=source,
            xy=a[:, :2].copy(),
            demand=a[:, 3].copy(),
            capacity=a[:, 2].copy(),
            p=p,
            truncate=False,
            best_known=None,
        )
    ]


def _orlib(lines: list[tuple[int, str]], source: str) -> list[CpmpInstance]:
    row, head = lines[0]
    vals, problems = _numbers(head, 1, ("problems",), source, row)
    if vals is None:
        raise DataError(problems)
    count, problems = _header_int(vals[0], source, row, "problems")
    if problems:
        raise DataError(problems)
    out: list[CpmpInstance] = []
    at = 1
    for k in range(1, count + 1):
        if at + 2 > len(lines):
            raise DataError(
                [DataProblem(source, None, None, f"file ends before problem {k} of {count}")]
            )
        (r1, l1), (r2, l2) = lines[at], lines[at + 1]
        v1, pr1 = _numbers(l1, 2, ("number", "best-known"), source, r1)
        v2, pr2 = _numbers(l2, 3, ("n", "p", "capacity"), source, r2)
        if v1 is None or v2 is None:
            raise DataError(pr1 + pr2)
        n, pn = _header_int(v2[0], source, r2, "n")
        p, pp = _header_int(v2[1], source, r2, "p")
        problems = pn + pp
        if not v2[2] > 0:
            problems.append(DataProblem(source, r2, "capacity", f"must be > 0, got {v2[2]:g}"))
        if not problems and p > n:
            problems.append(DataProblem(source, r2, "p", f"p = {p} exceeds n = {n}"))
        if problems:
            raise DataError(problems)
        body = lines[at + 2 : at + 2 + n]
        if len(body) != n:
            raise DataError(
                [
                    DataProblem(
                        source, None, None, f"problem {k} announces {n} points, has {len(body)}"
                    )
                ]
            )
        a, problems = _points(body, n, ("i", "x", "y", "demand"), source)
        if problems:
            raise DataError(problems)
        out.append(
            CpmpInstance(
                name=f"{source}#{v1[0]:g}",
                xy=a[:, 1:3].copy(),
                demand=a[:, 3].copy(),
                capacity=np.full(n, v2[2]),
                p=p,
                truncate=True,
                best_known=v1[1],
            )
        )
        at += 2 + n
    if at != len(lines):
        raise DataError(
            [DataProblem(source, lines[at][0], None, f"text after the {count} problems announced")]
        )
    return out


def parse_cpmp(text: str, source: str = "<text>") -> list[CpmpInstance]:
    """Parse a Lorena & Senne or an OR-Library ``pmedcap`` file (see the module docstring).

    Raises
    ------
    DataError
        Naming the file, line and field of every malformed value (a header that is not
        whole numbers, p above n, a missing or extra point line, a demand or capacity ≤ 0).
    """
    lines = [(k, ln) for k, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    if not lines:
        raise DataError([DataProblem(source, None, None, "empty file")])
    if len(lines[0][1].split()) == 1:
        return _orlib(lines, source)
    return _lorena(lines, source)


def read_cpmp(path: str | Path) -> list[CpmpInstance]:
    """Read a capacitated p-median benchmark file (e.g. ``SJC1.dat`` or ``pmedcap1.txt``)."""
    path = Path(path)
    return parse_cpmp(path.read_text(encoding="ascii", errors="replace"), source=path.name)
