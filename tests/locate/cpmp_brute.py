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
