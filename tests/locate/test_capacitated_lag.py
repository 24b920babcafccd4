"""The single-source capacitated p-median's Lagrangian relaxation (knapsack subproblems)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from cpmp_brute import single_source_solutions

from soteplan.locate import CapacitatedPMedian, Status
from soteplan.locate import _capacitated as capmod
from soteplan.locate import _capacitated_lag as cl


def _instance(seed, n=7, m=4, p=2, load=0.9, integer=True):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, (n, 2))
    cost = np.hypot(xy[:, None, 0] - xy[None, :m, 0], xy[:, None, 1] - xy[None, :m, 1])
    w = rng.integers(1, 21, n).astype(float) if integer else rng.uniform(0.5, 20.0, n)
    cap = np.full(m, np.ceil(w.sum() / (p * load)))
    return cost, w, cap, p


def _brute(cost, w, cap, p):
    """Optimum and one optimal assignment over every single-source assignment."""
    codes, total = single_source_solutions(cost, w, cap, p)
    k = int(np.argmin(total))
    return float(total[k]), codes[k]


def _lag(cost, w, cap, p, ub, lam0=None, max_iter=400):
    m = cost.shape[1]
    W = w[:, None] * cost
    lam = np.sort(W, axis=1)[:, 1] if lam0 is None else lam0
    allowed, fixed = np.ones(m, bool), np.zeros(m, bool)
    return cl.lagrangian_cpmp(
        W, w, cap, p, allowed, fixed, ub, lam, deadline=1e18, max_iter=max_iter
    )


def test_knapsack_matches_enumeration():
    rng = np.random.default_rng(3)
    for _ in range(30):
        k = int(rng.integers(1, 9))
        profit = rng.normal(5.0, 6.0, k)
        wi = rng.integers(0, 12, k).astype(np.int64)
        Q = int(rng.integers(0, 30))
        best, chosen, F = cl._knapsack(profit, wi, Q, table=True)
        assert F is not None
        sets = [s for r in range(k + 1) for s in itertools.combinations(range(k), r)]
        for q in range(Q + 1):
            want = max(profit[list(s)].sum() for s in sets if wi[list(s)].sum() <= q)
            assert F[q] == pytest.approx(max(want, 0.0))
        assert best == pytest.approx(F[Q])
        assert wi[chosen].sum() <= Q
        assert profit[chosen].sum() == pytest.approx(best)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_bound_between_lp_and_optimum(seed):
    cost, w, cap, p = _instance(seed)
    opt, _ = _brute(cost, w, cap, p)
    model = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True)
    lp, _ = model._mip(None, relax=True, time_limit=None)
    assert lp.status == "optimal" and lp.row_dual is not None
    lag = _lag(cost, w, cap, p, opt, lam0=lp.row_dual[: len(w)])
    assert lag.bound <= opt + 1e-7 * opt  # a valid lower bound
    assert lag.bound >= lp.objective - 1e-6 * opt  # at least the LP (equal capacities)
    from_scratch = _lag(cost, w, cap, p, opt)
    assert from_scratch.bound <= opt + 1e-7 * opt


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5, 6, 7])
def test_fixing_keeps_the_optimum(seed):
    cost, w, cap, p = _instance(seed, load=0.95)
    opt, codes = _brute(cost, w, cap, p)
    lag = _lag(cost, w, cap, p, opt)  # incumbent = the optimum: its pairs must survive
    assert np.all(lag.keep_pair[np.arange(len(w)), codes])
    assert not np.any(lag.site_closed[np.unique(codes)])
    # an incumbent above the optimum fixes less
    loose = _lag(cost, w, cap, p, 1.05 * opt)
    assert np.all(loose.keep_pair >= lag.keep_pair)


def test_fixing_removes_something_when_bound_is_close():
    cost, w, cap, p = _instance(11, n=8, m=5, p=2, load=0.8)
    opt, _ = _brute(cost, w, cap, p)
    lag = _lag(cost, w, cap, p, opt)
    assert lag.keep_pair.sum() < lag.keep_pair.size  # pair fixing does fix


@pytest.mark.parametrize("seed", [20, 21, 22])
def test_scaled_knapsack_is_a_relaxation(seed, monkeypatch):
    cost, w, cap, p = _instance(seed, integer=False)
    opt, codes = _brute(cost, w, cap, p)
    monkeypatch.setattr(cl, "DP_CAPACITY", 17)  # force scaling down
    lag = _lag(cost, w, cap, p, opt)
    assert not lag.exact_knapsack
    assert lag.bound <= opt + 1e-7 * opt
    assert np.all(lag.keep_pair[np.arange(len(w)), codes])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_without_lp_matches_brute_force(seed, monkeypatch):
    cost, w, cap, p = _instance(seed)
    opt, _ = _brute(cost, w, cap, p)
    monkeypatch.setattr(capmod, "LP_MAX_PAIRS", 0)  # the large-instance path
    r = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True).solve(
        "exact"
    )
    assert r.status is Status.optimal
    assert r.objective == pytest.approx(opt, rel=1e-9)
    assert r.meta["lp_bound"] is None
    assert r.meta["lagrangian_bound"] <= opt + 1e-7 * opt


@pytest.mark.parametrize("seed", [3, 4])
def test_lagrangian_cuts_keep_the_optimum(seed, monkeypatch):
    cost, w, cap, p = _instance(seed)
    opt, _ = _brute(cost, w, cap, p)
    monkeypatch.setattr(capmod, "LAG_CUTS", True)  # off by default (slower), valid either way
    r = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True).solve(
        "exact"
    )
    assert r.status is Status.optimal
    assert r.objective == pytest.approx(opt, rel=1e-9)


def test_polish_finds_the_best_assignment_to_given_sites():
    cost, w, cap, p = _instance(5, n=8, m=4, p=2, load=0.95)
    model = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True)
    y = np.array([True, True, False, False])
    obj, sol = model._incumbent(y, 1.0)
    assert sol is not None
    obj2, sol2 = model._polish(obj, sol, 5.0)
    sites = np.flatnonzero(sol[0][sol[1][2] :] > 0.5)  # the incumbent may re-centre its sites
    best, _ = _brute(cost[:, sites], w, cap[sites], 2)  # every assignment to those sites
    assert obj2 <= obj + 1e-9
    assert obj2 == pytest.approx(best, rel=1e-9)
    x, (ii, jj, nx) = sol2
    on = x[:nx] > 0.5
    assert np.bincount(ii[on], minlength=len(w)).tolist() == [1] * len(w)
    assert (w[ii[on]] * cost[ii[on], jj[on]]).sum() == pytest.approx(obj2)


def test_compiled_knapsacks_match_the_numpy_knapsack():
    from soteplan.locate import _swap_numba as kern

    rng = np.random.default_rng(8)
    for _ in range(20):
        n, m = int(rng.integers(1, 12)), int(rng.integers(1, 5))
        P = rng.normal(4.0, 6.0, (n, m))
        P[rng.random((n, m)) < 0.2] = -np.inf  # pairs not allowed
        wi = rng.integers(0, 12, n).astype(np.int64)
        Qi = rng.integers(0, 30, m).astype(np.int64)
        sites = np.flatnonzero(rng.random(m) < 0.8).astype(np.int64)
        take = np.ones((n, m), dtype=bool)
        best = kern.knapsacks(P, wi, Qi, sites, take)
        for j in range(m):
            if j not in sites:
                assert best[j] == -np.inf
                continue
            want, _, _ = cl._knapsack(P[:, j], wi, int(Qi[j]), table=False)
            assert best[j] == pytest.approx(want)
            got = np.flatnonzero(take[:, j])
            assert wi[got].sum() <= Qi[j] and np.all(P[got, j] > 0)
            assert P[got, j].sum() == pytest.approx(want)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_pair_bound_is_below_every_solution_with_the_pair(seed, monkeypatch):
    cost, w, cap, p = _instance(seed, load=0.95)
    n, m = cost.shape
    monkeypatch.setattr(cl, "JIT_MIN_ENTRIES", 0)  # the compiled knapsacks in the ascent
    opt, _ = _brute(cost, w, cap, p)
    ub = 1.02 * opt
    lag = _lag(cost, w, cap, p, ub, max_iter=60)
    codes, total = single_source_solutions(cost, w, cap, p)
    for i in range(n):
        for j in range(m):
            with_pair = total[codes[:, i] == j].min()  # cheapest solution serving i from j
            # a valid bound, or (sites fixed closed: inf) above the incumbent for both
            assert min(lag.pair_bound[i, j], ub) <= with_pair + 1e-7 * opt
    assert np.isfinite(lag.pair_bound).any()
