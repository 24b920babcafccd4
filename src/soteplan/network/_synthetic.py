"""Synthetic road graphs for tests and benchmarks (never for planning results)."""

from __future__ import annotations

import numpy as np

from soteplan.errors import ParameterError
from soteplan.network._graph import RoadGraph

__all__ = ["grid_graph"]


def grid_graph(
    nx: int,
    ny: int,
    *,
    spacing_m: float = 1000.0,
    seed: int = 0,
    jitter: float = 0.25,
    origin: tuple[float, float] = (300_000.0, 6_800_000.0),
) -> RoadGraph:
    """A perturbed two-way grid road network (synthetic).

    Nodes sit on an ``nx × ny`` grid with ``spacing_m`` metres between
    neighbours, moved by up to ``jitter × spacing`` at random; each of the
    four neighbour links is a two-way road with a random speed of 40–100 km/h.
    The graph has about ``4 · nx · ny`` directed edges.

    Parameters
    ----------
    nx, ny
        Grid size, nodes.
    spacing_m
        Grid spacing, metres.
    seed
        Seed of ``numpy.random.default_rng``.
    jitter
        Maximum node displacement as a fraction of the spacing.
    origin
        EPSG:3067 coordinates of the first node, metres.
    """
    if nx < 2 or ny < 2:
        raise ParameterError(f"grid must be at least 2 × 2, got {nx} × {ny}")
    rng = np.random.default_rng(seed)
    ix, iy = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    x = origin[0] + ix.ravel() * spacing_m + rng.uniform(-jitter, jitter, nx * ny) * spacing_m
    y = origin[1] + iy.ravel() * spacing_m + rng.uniform(-jitter, jitter, nx * ny) * spacing_m
    node = np.arange(nx * ny).reshape(nx, ny)
    a = np.r_[node[:-1, :].ravel(), node[:, :-1].ravel()]
    b = np.r_[node[1:, :].ravel(), node[:, 1:].ravel()]
    length = np.hypot(x[a] - x[b], y[a] - y[b])
    kmh = rng.uniform(40.0, 100.0, len(a))
    minutes = length / (kmh / 0.06)
    return RoadGraph.from_edges(
        np.r_[a, b],
        np.r_[b, a],
        np.r_[minutes, minutes],
        np.r_[length, length],
        x,
        y,
        meta={"builder": "synthetic grid", "source": f"grid {nx}x{ny} seed {seed} (synthetic)"},
    )
