"""Instance readers: Beasley's OR-Library p-median files and plain CSV cost matrices.

OR-Library ``pmed`` format (Beasley 1990, http://people.brunel.ac.uk/~mastjjb/jeb/orlib/
pmedinfo.html): a header ``n m p`` (nodes, edges, medians), then ``m`` lines ``i j cost``
(1-based nodes, undirected edges).  If an edge appears twice the later line wins.  The
cost matrix is the all-pairs shortest-path matrix (every node is demand and candidate,
weight 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from soteplan.errors import DataError, DataProblem

__all__ = [
    "OrlibInstance",
    "parse_orlib_pmed",
    "read_cost_csv",
    "read_orlib_pmed",
    "write_orlib_pmed",
]


@dataclass(frozen=True, eq=False)
class OrlibInstance:
    """A p-median instance from an OR-Library file.

    Attributes
    ----------
    cost
        All-pairs shortest-path costs, shape (n, n), ``inf`` if disconnected.
    p
        Number of medians from the header.
    n_edges
        Distinct undirected edges after later duplicates replaced earlier ones.
    """

    cost: NDArray[np.float64]
    p: int
    n_edges: int

    @property
    def n(self) -> int:
        """Number of nodes."""
        return int(self.cost.shape[0])


def parse_orlib_pmed(text: str, source: str = "<text>") -> OrlibInstance:
    """Parse the text of an OR-Library p-median file (see the module docstring).

    Raises
    ------
    DataError
        Listing every malformed line (bad header, node out of range, negative cost, short
        file).
    """
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise DataError([DataProblem(source, None, None, "empty file")])
    head = lines[0].split()
    try:
        n, m, p = (int(v) for v in head[:3])
    except ValueError:
        raise DataError(
            [DataProblem(source, 1, "header", f"expected 'n m p', got {lines[0]!r}")]
        ) from None
    problems: list[DataProblem] = []
    if len(head) != 3 or n < 1 or m < 0 or not (1 <= p <= n):
        problems.append(
            DataProblem(source, 1, "header", f"need n ≥ 1, m ≥ 0, 1 ≤ p ≤ n; got {lines[0]!r}")
        )
    edges: dict[tuple[int, int], float] = {}
    body = lines[1:]
    if len(body) < m:
        problems.append(
            DataProblem(
                source, None, None, f"header announces {m} edges, file has {len(body)} lines"
            )
        )
    for k, ln in enumerate(body[:m], start=2):
        parts = ln.split()
        try:
            i, j, c = int(parts[0]), int(parts[1]), float(parts[2])
            if len(parts) != 3:
                raise ValueError
        except (ValueError, IndexError):
            problems.append(DataProblem(source, k, None, f"expected 'i j cost', got {ln!r}"))
            continue
        if not (1 <= i <= n and 1 <= j <= n):
            problems.append(DataProblem(source, k, "node", f"nodes must be 1..{n}, got {i} {j}"))
            continue
        if not (c >= 0 and np.isfinite(c)):
            problems.append(DataProblem(source, k, "cost", f"cost must be ≥ 0, got {c}"))
            continue
        edges[(min(i, j), max(i, j))] = c  # later duplicates win
    if problems:
        raise DataError(problems)
    if edges:
        ij = np.array(list(edges.keys()), dtype=np.int64) - 1
        cv = np.array(list(edges.values()), dtype=np.float64)
        loops = ij[:, 0] == ij[:, 1]
        ij, cv = ij[~loops], cv[~loops]
        # zero-cost edges would vanish from a sparse matrix: store them as the smallest
        # positive float and round path lengths of that size back to 0 afterwards
        g = csr_matrix(
            (np.where(cv == 0, np.finfo(float).tiny, cv), (ij[:, 0], ij[:, 1])), shape=(n, n)
        )
        dist = shortest_path(g, method="D", directed=False)
        dist[dist < 1e-300] = 0.0
        np.fill_diagonal(dist, 0.0)
    else:
        dist = np.full((n, n), np.inf)
        np.fill_diagonal(dist, 0.0)
    return OrlibInstance(cost=dist, p=p, n_edges=len(edges))


def read_orlib_pmed(path: str | Path) -> OrlibInstance:
    """Read an OR-Library p-median file (e.g. ``pmed1.txt``)."""
    path = Path(path)
    return parse_orlib_pmed(path.read_text(encoding="ascii", errors="replace"), source=path.name)


def write_orlib_pmed(path: str | Path, n: int, edges: NDArray[np.float64], p: int) -> None:
    """Write an instance in OR-Library p-median format.

    Parameters
    ----------
    path
        Output file.
    n
        Number of nodes.
    edges
        Array of shape (E, 3): 1-based ``i``, ``j`` and integer-valued cost.
    p
        Number of medians.
    """
    lines = [f" {n} {len(edges)} {p}"]
    lines += [f" {int(i)} {int(j)} {round(c)}" for i, j, c in edges]
    Path(path).write_text("\n".join(lines) + "\n", encoding="ascii")


def read_cost_csv(path: str | Path) -> pd.DataFrame:
    """Read a plain CSV cost matrix: first column = demand ids, header = candidate ids.

    Empty cells mean unreachable (``inf``).  Returns a float DataFrame (demand × site) that
    ``Model.from_cost_matrix(df.to_numpy(), demand_ids=df.index, site_ids=df.columns)``
    accepts.

    Raises
    ------
    DataError
        Non-numeric or negative cells (every one listed).
    """
    path = Path(path)
    df = pd.read_csv(path, index_col=0, dtype=str, keep_default_na=False)
    problems: list[DataProblem] = []
    out = np.empty(df.shape)
    for r, (_, row) in enumerate(df.iterrows(), start=1):
        for c, (col, v) in enumerate(row.items()):
            s = str(v).strip()
            if s == "":
                out[r - 1, c] = np.inf
                continue
            try:
                x = float(s)
            except ValueError:
                problems.append(DataProblem(path.name, r, str(col), f"not a number: {s!r}"))
                continue
            if not x >= 0:
                problems.append(DataProblem(path.name, r, str(col), f"cost must be ≥ 0: {s}"))
            out[r - 1, c] = x
    if problems:
        raise DataError(problems)
    return pd.DataFrame(out, index=df.index, columns=df.columns)
