from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from cpmp_brute import single_source_solutions

from soteplan.errors import InfeasibleError
from soteplan.locate import CapacitatedPMedian, PMedian, Status
from soteplan.locate._highs import solve_mip


def _served(r, m):
    a = r.allocation
    return np.bincount(a["site_index"], weights=a["weight"], minlength=m)


@pytest.mark.parametrize("single", [False, True])
def test_capacity_respected(single, make_euclid):
    cost, w = make_euclid(40, 10, 3)
    cap = np.full(10, w.sum() / 3.0)
    r = CapacitatedPMedian.from_cost_matrix(cost, w, p=4, capacity=cap, single_source=single).solve(
        "exact"
    )
    assert r.status is Status.optimal
    served = _served(r, 10)
    assert np.all(served <= cap + 1e-6)
    assert served.sum() == pytest.approx(w.sum())
    assert set(np.flatnonzero(served > 1e-9)) <= set(r.site_indices.tolist())
    if single:
        assert r.allocation.groupby("demand_index").size().max() == 1
    unc = PMedian.from_cost_matrix(cost, w, p=4).solve()
    assert r.objective >= unc.objective - 1e-6  # capacities can only cost
    h = CapacitatedPMedian.from_cost_matrix(cost, w, p=4, capacity=cap, single_source=single).solve(
        "heuristic"
    )
    assert h.objective >= r.objective - 1e-6
    assert np.all(_served(h, 10) <= cap + 1e-6)


def test_loose_capacity_equals_pmedian(make_euclid):
    cost, w = make_euclid(30, 8, 4)
    r = CapacitatedPMedian.from_cost_matrix(cost, w, p=3, capacity=np.full(8, w.sum())).solve()
    assert r.objective == pytest.approx(PMedian.from_cost_matrix(cost, w, p=3).solve().objective)


def test_capacity_below_demand(make_euclid):
    cost, w = make_euclid(20, 5, 4)
    cap = np.array([10.0, 20, 30, 40, 50])
    with pytest.raises(InfeasibleError, match=r"capacity below demand.*is 90"):
        CapacitatedPMedian.from_cost_matrix(cost, w, p=2, capacity=cap)
    with pytest.raises(InfeasibleError, match="exceed the largest capacity"):
        w2 = np.ones(20)
        w2[3] = 100.0  # one big demand point, total 119 < 5 × 50 capacity
        CapacitatedPMedian.from_cost_matrix(
            cost, w2, p=5, capacity=np.full(5, 50.0), single_source=True
        )


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_single_source_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, m, p = 7, 4, 2
    xy = rng.uniform(0, 100, (n, 2))
    cost = np.hypot(xy[:, None, 0] - xy[None, :m, 0], xy[:, None, 1] - xy[None, :m, 1])
    w = rng.integers(1, 21, n).astype(float)
    cap = np.full(m, np.ceil(w.sum() / (p * 0.9)))
    model = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True)
    r = model.solve("exact")
    assert r.status is Status.optimal
    assert r.objective == pytest.approx(single_source_solutions(cost, w, cap, p)[1].min(), rel=1e-9)
    assert r.bound <= r.objective + 1e-9
    assert np.all(_served(r, m) <= cap + 1e-6)
    h = model.solve("heuristic")
    assert h.objective >= r.objective - 1e-6
    assert np.all(_served(h, m) <= cap + 1e-6)


def _plain_mip(cost, w, cap, p):
    """The textbook single-source model (no linking rows, no start, no fixing) in HiGHS."""
    n, m = cost.shape
    nx = n * m
    ii, jj = np.divmod(np.arange(nx), m)
    assign = sp.csr_matrix((np.ones(nx), (ii, np.arange(nx))), shape=(n, nx + m))
    capr = sp.csr_matrix(
        (
            np.concatenate([w[ii], -cap]),
            (np.concatenate([jj, np.arange(m)]), np.r_[np.arange(nx), nx + np.arange(m)]),
        ),
        shape=(m, nx + m),
    )
    card = sp.csr_matrix((np.ones(m), (np.zeros(m, int), nx + np.arange(m))), shape=(1, nx + m))
    A = sp.vstack([assign, capr, card]).tocsc()
    lo = np.concatenate([np.ones(n), np.full(m, -np.inf), [p]])
    hi = np.concatenate([np.ones(n), np.zeros(m), [p]])
    c = np.concatenate([(w[:, None] * cost).ravel(), np.zeros(m)])
    out = solve_mip(c, A, lo, hi, np.zeros(nx + m), np.ones(nx + m), np.ones(nx + m, bool))
    assert out.status == "optimal"
    return out.objective


@pytest.mark.parametrize(("seed", "load"), [(10, 0.9), (11, 0.8), (12, 0.95)])
def test_single_source_matches_plain_mip(seed, load):
    rng = np.random.default_rng(seed)
    n, p = 24, 3
    xy = rng.uniform(0, 100, (n, 2))
    cost = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    w = rng.integers(1, 21, n).astype(float)
    cap = np.full(n, np.ceil(w.sum() / (p * load)))
    r = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True).solve(
        "exact"
    )
    assert r.status is Status.optimal
    assert r.objective == pytest.approx(_plain_mip(cost, w, cap, p), rel=1e-6)
    assert r.bound <= r.objective + 1e-9
    assert r.allocation.groupby("demand_index").size().max() == 1
    assert np.all(_served(r, n) <= cap + 1e-6)
    assert r.meta["pairs_after_fixing"] <= r.meta["pairs"]


def test_single_source_time_limit_honoured():
    rng = np.random.default_rng(7)
    n, p = 120, 12
    xy = rng.uniform(0, 100, (n, 2))
    cost = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    w = rng.integers(1, 21, n).astype(float)
    cap = np.full(n, np.ceil(w.sum() / (p * 0.9)))
    model = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True)
    # a fresh checkout compiles the numba kernels on their first call (once per machine,
    # seconds; README): pay it before timing the limit
    model.solve("exact", time_limit=1.0)
    r = model.solve("exact", time_limit=2.0)
    assert r.seconds <= 2.0 + 1.5  # the limit plus model building
    assert r.bound <= r.objective + 1e-9
    assert np.all(_served(r, n) <= cap + 1e-6)
    assert r.status in (Status.optimal, Status.time_limit)
