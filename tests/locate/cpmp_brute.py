"""Brute force for the single-source capacitated p-median (small instances in the tests)."""

from __future__ import annotations

import itertools

import numpy as np


def single_source_solutions(cost, w, cap, p):
    """Every single-source assignment of the rows to at most ``p`` sites within capacity:
    (site per row codes, total cost with ``inf`` where infeasible)."""
    n, m = cost.shape
    codes = np.array(list(itertools.product(range(m), repeat=n)))
    load = np.stack([(w[None, :] * (codes == j)).sum(axis=1) for j in range(m)], axis=1)
    ok = np.all(load <= cap[None, :] + 1e-9, axis=1) & ((load > 0).sum(axis=1) <= p)
    total = (w[None, :] * cost[np.arange(n)[None, :], codes]).sum(axis=1)
    total[~ok] = np.inf
    return codes, total


def small_instance(seed, n=8, m=5, p=2, load=0.9):
    """Uniform points, the first ``m`` of them candidates, integer demands 1..20 and equal
    capacities ``ceil(total / (p · load))``: (cost, w, cap, p)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, (n, 2))
    cost = np.hypot(xy[:, None, 0] - xy[None, :m, 0], xy[:, None, 1] - xy[None, :m, 1])
    w = rng.integers(1, 21, n).astype(float)
    cap = np.full(m, np.ceil(w.sum() / (p * load)))
    return cost, w, cap, p
