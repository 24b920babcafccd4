"""The road graph: a directed graph held as compact CSR arrays, and its disk cache."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from soteplan.errors import CacheError, DataError, DataProblem, ParameterError

__all__ = [
    "CACHE_FORMAT",
    "DEFAULT_ACCESS_DETOUR",
    "DEFAULT_ACCESS_SPEED_KMH",
    "MIN_EDGE_MINUTES",
    "RoadGraph",
    "cache_dir",
    "cached_graph",
    "content_hash",
    "frame_hash",
]

#: Version of the ``.npz`` layout; bump when the arrays change meaning.
CACHE_FORMAT = 1
#: Average speed on the local roads between a point and the graph (km/h).
DEFAULT_ACCESS_SPEED_KMH = 40.0
#: Road distance / straight-line distance on local roads (circuity factor).
DEFAULT_ACCESS_DETOUR = 1.3
#: Smallest edge weight (minutes); scipy's csgraph ignores explicit zeros.
MIN_EDGE_MINUTES = 1e-6

FloatArray = npt.NDArray[np.floating[Any]]


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """A directed road graph in compressed sparse row (CSR) form.

    Edge ``k`` of node ``i`` (``indptr[i] <= k < indptr[i + 1]``) leads to node
    ``indices[k]``, takes ``travel_time_min[k]`` minutes and is ``length_m[k]``
    metres long.  Parallel edges are merged (the fastest is kept) and every
    weight is at least :data:`MIN_EDGE_MINUTES`.

    Attributes
    ----------
    indptr
        ``int64`` array of length ``n_nodes + 1``.
    indices
        ``int32`` head node of every edge.
    travel_time_min
        ``float32`` travel time of every edge, minutes.
    length_m
        ``float32`` length of every edge, metres.
    x, y
        ``float64`` node coordinates, metres, EPSG:3067 (ETRS-TM35FIN).
    node_id
        ``int64`` original node identifiers (OSM ids, or ``0..n-1``).
    access_speed_kmh
        Speed of the straight-line access leg from a point to its snapped
        node, km/h; the leg takes ``distance × access_detour / speed``.
    access_detour
        Circuity factor of the access leg (road distance / straight line).
    direct_legs
        When true, a straight-line leg straight from origin to destination
        (same speed and detour) is also allowed; used on sparse main-road
        graphs where two neighbouring points need not go via a main road.
    meta
        Provenance: ``source``, ``builder``, ``speeds``, ``approximation`` …
    """

    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int32]
    travel_time_min: npt.NDArray[np.float32]
    length_m: npt.NDArray[np.float32]
    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    node_id: npt.NDArray[np.int64]
    access_speed_kmh: float = DEFAULT_ACCESS_SPEED_KMH
    access_detour: float = DEFAULT_ACCESS_DETOUR
    direct_legs: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ build
    @classmethod
    def from_edges(
        cls,
        tail: npt.ArrayLike,
        head: npt.ArrayLike,
        minutes: npt.ArrayLike,
        length_m: npt.ArrayLike,
        x: npt.ArrayLike,
        y: npt.ArrayLike,
        *,
        node_id: npt.ArrayLike | None = None,
        access_speed_kmh: float = DEFAULT_ACCESS_SPEED_KMH,
        access_detour: float = DEFAULT_ACCESS_DETOUR,
        direct_legs: bool = False,
        meta: dict[str, Any] | None = None,
    ) -> RoadGraph:
        """Build a graph from directed edge lists.

        Parameters
        ----------
        tail, head
            Node positions (``0..n-1``) of each directed edge.
        minutes
            Travel time of each edge, minutes (finite, non-negative).
        length_m
            Length of each edge, metres.
        x, y
            Node coordinates, metres, EPSG:3067.
        node_id
            Original node identifiers; default ``0..n-1``.
        access_speed_kmh, access_detour, direct_legs
            See the class attributes.
        meta
            Provenance stored with the graph.

        Raises
        ------
        DataError
            When an edge refers to a missing node or has an invalid weight.
        ParameterError
            When the access parameters are not positive.
        """
        xs = np.asarray(x, dtype=np.float64)
        ys = np.asarray(y, dtype=np.float64)
        t = np.asarray(tail, dtype=np.int64)
        h = np.asarray(head, dtype=np.int64)
        w = np.asarray(minutes, dtype=np.float64)
        ln = np.asarray(length_m, dtype=np.float64)
        n = len(xs)
        problems: list[DataProblem] = []
        if len(ys) != n:
            problems.append(DataProblem("graph nodes", None, "y", "x and y differ in length"))
        if not (len(t) == len(h) == len(w) == len(ln)):
            problems.append(
                DataProblem("graph edges", None, None, "tail/head/minutes/length differ in length")
            )
        if problems:
            raise DataError(problems)
        if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
            problems.append(DataProblem("graph nodes", None, "x/y", "non-finite coordinate"))
        bad = np.flatnonzero((t < 0) | (t >= n) | (h < 0) | (h >= n))
        for k in bad[:20]:
            problems.append(
                DataProblem("graph edges", int(k) + 1, "tail/head", f"node outside 0..{n - 1}")
            )
        badw = np.flatnonzero(~np.isfinite(w) | (w < 0))
        for k in badw[:20]:
            problems.append(
                DataProblem("graph edges", int(k) + 1, "minutes", f"invalid travel time {w[k]}")
            )
        if problems:
            raise DataError(problems)
        if access_speed_kmh <= 0 or access_detour < 1:
            raise ParameterError(
                "access_speed_kmh must be > 0 and access_detour >= 1, got "
                f"{access_speed_kmh} and {access_detour}"
            )
        # drop self loops, merge parallel edges keeping the fastest
        keep = t != h
        t, h, w, ln = t[keep], h[keep], np.maximum(w[keep], MIN_EDGE_MINUTES), ln[keep]
        order = np.lexsort((w, h, t))
        t, h, w, ln = t[order], h[order], w[order], ln[order]
        if len(t):
            first = np.ones(len(t), dtype=bool)
            first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
            t, h, w, ln = t[first], h[first], w[first], ln[first]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(t, minlength=n), out=indptr[1:])
        ids = (
            np.arange(n, dtype=np.int64) if node_id is None else np.asarray(node_id, dtype=np.int64)
        )
        return cls(
            indptr=indptr,
            indices=h.astype(np.int32),
            travel_time_min=w.astype(np.float32),
            length_m=ln.astype(np.float32),
            x=xs,
            y=ys,
            node_id=ids,
            access_speed_kmh=float(access_speed_kmh),
            access_detour=float(access_detour),
            direct_legs=bool(direct_legs),
            meta=dict(meta or {}),
        )

    @classmethod
    def from_osm(cls, pbf_path: str | Path, **kwargs: Any) -> RoadGraph:
        """Car network of an OpenStreetMap PBF; see :func:`soteplan.network.from_osm`."""
        from soteplan.network._builders import from_osm

        return from_osm(pbf_path, **kwargs)

    @classmethod
    def from_lines(cls, lines: Any, **kwargs: Any) -> RoadGraph:
        """Graph of a road-line layer; see :func:`soteplan.network.from_lines`."""
        from soteplan.network._builders import from_lines

        return from_lines(lines, **kwargs)

    @classmethod
    def from_main_roads(cls, main_roads: Any, **kwargs: Any) -> RoadGraph:
        """Approximate main-road graph; see :func:`soteplan.network.main_roads_graph`."""
        from soteplan.network._mainroads import main_roads_graph

        return main_roads_graph(main_roads, **kwargs)

    # ------------------------------------------------------------- properties
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.x)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.indices)

    def tails(self) -> npt.NDArray[np.int64]:
        """Tail node of every edge (expanded from ``indptr``)."""
        return np.repeat(np.arange(self.n_nodes, dtype=np.int64), np.diff(self.indptr))

    def csr(self, *, reverse: bool = False, weight: str = "time") -> sparse.csr_matrix:
        """The graph as a ``scipy.sparse.csr_matrix`` of edge weights.

        Parameters
        ----------
        reverse
            Return the transposed graph (edges reversed), for searches from
            destinations back to origins.
        weight
            ``"time"`` (minutes) or ``"length"`` (metres).
        """
        if weight not in ("time", "length"):
            raise ParameterError(f"weight must be 'time' or 'length', got {weight!r}")
        key = f"csr-{weight}-{reverse}"
        if key not in self._cache:
            data = self.travel_time_min if weight == "time" else self.length_m
            data64 = np.maximum(data.astype(np.float64), MIN_EDGE_MINUTES)
            m = sparse.csr_matrix(
                (data64, self.indices, self.indptr), shape=(self.n_nodes, self.n_nodes)
            )
            if reverse:
                m = m.T.tocsr()
                m.sort_indices()
            self._cache[key] = m
        mat: sparse.csr_matrix = self._cache[key]
        return mat

    def kdtree(self) -> Any:
        """A ``scipy.spatial.cKDTree`` on the node coordinates (built once)."""
        if "kdtree" not in self._cache:
            from scipy.spatial import cKDTree

            self._cache["kdtree"] = cKDTree(np.column_stack([self.x, self.y]))
        return self._cache["kdtree"]

    def access_minutes(self, distance_m: FloatArray) -> FloatArray:
        """Minutes of a straight-line access leg of ``distance_m`` metres."""
        return np.asarray(distance_m) * self.access_detour / (self.access_speed_kmh / 0.06)

    # ------------------------------------------------------------------- disk
    def save(self, path: str | Path) -> Path:
        """Write the graph to an ``.npz`` file (uncompressed, fast to reload)."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        header = {
            "format": CACHE_FORMAT,
            "access_speed_kmh": self.access_speed_kmh,
            "access_detour": self.access_detour,
            "direct_legs": self.direct_legs,
            "meta": self.meta,
        }
        tmp = p.with_name(p.name + f".{os.getpid()}.tmp.npz")
        np.savez(
            tmp,
            indptr=self.indptr,
            indices=self.indices,
            travel_time_min=self.travel_time_min,
            length_m=self.length_m,
            x=self.x,
            y=self.y,
            node_id=self.node_id,
            header=np.frombuffer(json.dumps(header, default=str).encode(), dtype=np.uint8),
        )
        tmp.replace(p)
        return p

    @classmethod
    def load(cls, path: str | Path) -> RoadGraph:
        """Read a graph written by :meth:`save`.

        Raises
        ------
        CacheError
            When the file is unreadable or of another format version.
        """
        try:
            with np.load(Path(path), allow_pickle=False) as z:
                header = json.loads(bytes(z["header"]).decode())
                if header.get("format") != CACHE_FORMAT:
                    raise CacheError(
                        f"{path}: graph cache format {header.get('format')} != {CACHE_FORMAT}; "
                        "delete the file to rebuild"
                    )
                g = cls(
                    indptr=z["indptr"],
                    indices=z["indices"],
                    travel_time_min=z["travel_time_min"],
                    length_m=z["length_m"],
                    x=z["x"],
                    y=z["y"],
                    node_id=z["node_id"],
                    access_speed_kmh=float(header["access_speed_kmh"]),
                    access_detour=float(header["access_detour"]),
                    direct_legs=bool(header["direct_legs"]),
                    meta=dict(header["meta"]),
                )
        except CacheError:
            raise
        except (OSError, ValueError, KeyError) as exc:
            raise CacheError(
                f"{path}: unreadable graph cache ({exc}); delete it to rebuild"
            ) from exc
        n = len(g.x)
        if len(g.indptr) != n + 1 or g.indptr[-1] != len(g.indices):
            raise CacheError(f"{path}: inconsistent graph arrays; delete it to rebuild")
        return g

    def __repr__(self) -> str:
        return (
            f"RoadGraph(nodes={self.n_nodes}, edges={self.n_edges}, "
            f"builder={self.meta.get('builder')!r})"
        )


def cache_dir() -> Path:
    """Directory of the graph cache (safe to delete).

    ``$SOTEPLAN_CACHE_DIR`` when set, else the platform user cache directory
    (``platformdirs``), else ``~/.cache/soteplan``; graphs go in ``graphs/``.
    """
    env = os.environ.get("SOTEPLAN_CACHE_DIR")
    if env:
        base = Path(env)
    else:
        try:
            import platformdirs

            base = Path(platformdirs.user_cache_dir("soteplan"))
        except ImportError:  # pragma: no cover - platformdirs ships with pip tools
            base = Path.home() / ".cache" / "soteplan"
    return base / "graphs"


def content_hash(files: Iterable[str | Path], params: dict[str, Any]) -> str:
    """SHA-256 of the bytes of ``files`` and the JSON of ``params``."""
    h = hashlib.sha256()
    h.update(f"soteplan-graph-v{CACHE_FORMAT}".encode())
    for f in files:
        p = Path(f)
        h.update(p.name.encode())
        with p.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    h.update(json.dumps(params, sort_keys=True, default=str).encode())
    return h.hexdigest()


def cached_graph(
    kind: str,
    key: str,
    build: Callable[[], RoadGraph],
    *,
    cache: bool | str | Path = True,
) -> RoadGraph:
    """Return the graph cached under ``kind-key``, building and saving it if absent.

    Parameters
    ----------
    kind
        Short builder name used in the file name.
    key
        Content hash from :func:`content_hash`.
    build
        Builds the graph on a cache miss.
    cache
        ``True`` (default directory), ``False`` (no cache) or a directory.
    """
    if cache is False:
        return build()
    directory = cache_dir() if cache is True else Path(cache)
    path = directory / f"{kind}-{key[:24]}.npz"
    if path.exists():
        try:
            g = RoadGraph.load(path)
            g.meta["cache"] = str(path)
            return g
        except CacheError:
            path.unlink(missing_ok=True)
    g = build()
    g.meta["content_hash"] = key
    try:
        g.save(path)
        g.meta["cache"] = str(path)
    except OSError:
        g.meta["cache"] = None
    return g


def frame_hash(frame: Any, params: dict[str, Any]) -> str:
    """SHA-256 of a (Geo)DataFrame's content (geometry as WKB) and ``params``."""
    import pandas as pd

    h = hashlib.sha256()
    h.update(f"soteplan-graph-v{CACHE_FORMAT}".encode())
    df = pd.DataFrame(frame)
    if hasattr(frame, "geometry"):
        h.update(b"".join(frame.geometry.to_wkb().tolist()))
        df = df.drop(columns=[frame.geometry.name])
    h.update(pd.util.hash_pandas_object(df.astype(str), index=True).to_numpy().tobytes())
    h.update(json.dumps(params, sort_keys=True, default=str).encode())
    return h.hexdigest()
