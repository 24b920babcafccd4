"""Factories of small seeded location instances."""

from __future__ import annotations

import numpy as np
import pytest


def euclid(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random Euclidean instance in a 100 × 100 square: (cost n×m, integer weights 1..99)."""
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, 100, (n, 2))
    s = rng.uniform(0, 100, (m, 2))
    cost = np.hypot(d[:, None, 0] - s[None, :, 0], d[:, None, 1] - s[None, :, 1])
    return cost, rng.integers(1, 100, n).astype(float)


@pytest.fixture(scope="session")
def make_euclid():
    """The :func:`euclid` factory as a (session-scoped) fixture."""
    return euclid
