from __future__ import annotations

import itertools

import numpy as np
import pytest

from soteplan.errors import InfeasibleError, ParameterError
from soteplan.locate import MaxCover, PCenter, SetCover, Status


def brute_cover(cost, w, p, r):
    A = cost <= r
    return max(
        float(w @ A[:, list(c)].any(axis=1))
        for c in itertools.combinations(range(cost.shape[1]), p)
    )


def brute_center(cost, p):
    return min(
        float(cost[:, list(c)].min(axis=1).max())
        for c in itertools.combinations(range(cost.shape[1]), p)
    )


def brute_setcover(cost, r):
    A = cost <= r
    for k in range(1, cost.shape[1] + 1):
        for c in itertools.combinations(range(cost.shape[1]), k):
            if A[:, list(c)].any(axis=1).all():
                return k
    return None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_maxcover_exact_equals_brute_force(seed, make_euclid):
    cost, w = make_euclid(40, 10, seed)
    for p in (1, 2, 3):
        r = MaxCover.from_cost_matrix(cost, w, p=p, radius=25.0).solve("exact")
        assert r.status is Status.optimal
        assert r.objective == pytest.approx(brute_cover(cost, w, p, 25.0))
        covered = r.to_frame()["covered"].to_numpy()
        assert r.objective == pytest.approx(float(w[covered].sum()))
        h = MaxCover.from_cost_matrix(cost, w, p=p, radius=25.0).solve("heuristic")
        assert h.objective <= r.objective + 1e-9 <= h.bound + 1e-6


@pytest.mark.parametrize("seed", range(8))
def test_maxcover_drops_dominated_sites_without_losing_the_optimum(seed):
    """Integer costs with many ties: several sites cover subsets of others (or the same
    rows); they are dropped, with a fixed and a forbidden site, and both methods still
    reach the brute-force optimum (exact) or a feasible value (heuristic)."""
    from soteplan.locate._maxcover import Cover, dominated_sites

    def _dominated_sites(A, allowed, fixed, p):
        return dominated_sites(Cover.from_dense(A, np.ones(A.shape[0])), allowed, fixed, p)

    rng = np.random.default_rng(seed)
    cost = rng.integers(0, 6, (18, 9)).astype(float)
    cost[:, 8] = cost[:, 7] + 1  # site 8 covers a subset of site 7's rows
    w = rng.integers(1, 6, 18).astype(float)
    A = cost <= 2.0
    allowed, fixed = np.ones(9, bool), np.zeros(9, bool)
    dom = _dominated_sites(A, allowed, fixed, 3)
    assert dom[8] and not dom[7]
    for j in np.flatnonzero(dom):  # each dropped site is covered by a kept one
        assert any((A[:, j] <= A[:, k]).all() for k in np.flatnonzero(~dom))
    for p in (1, 2, 3, 4):
        best = brute_cover(cost, w, p, 2.0)
        r = MaxCover.from_cost_matrix(cost, w, p=p, radius=2.0).solve("exact")
        assert r.objective == pytest.approx(best)
        assert r.meta["dominated_sites"] >= 1
        fx = MaxCover.from_cost_matrix(cost, w, p=p, radius=2.0, fixed=[8], forbidden=[0])
        rf = fx.solve("exact")
        assert 8 in rf.site_indices.tolist() and 0 not in rf.site_indices.tolist()
        sites = [j for j in range(9) if j != 0]
        want = max(
            float(w @ A[:, list(c)].any(axis=1)) for c in itertools.combinations(sites, p) if 8 in c
        )
        assert rf.objective == pytest.approx(want)
    # never fewer than p sites left: nothing dropped when every site would be needed
    assert not _dominated_sites(A, allowed, fixed, 9).any()


def test_maxcover_monotone_in_p(make_euclid):
    cost, w = make_euclid(80, 20, 4)
    vals = [
        MaxCover.from_cost_matrix(cost, w, p=p, radius=15.0).solve().objective for p in range(1, 9)
    ]
    assert all(a <= b + 1e-9 for a, b in itertools.pairwise(vals))
    assert vals[-1] > vals[0]


def test_maxcover_fixed_forbidden(make_euclid):
    cost, w = make_euclid(40, 10, 8)
    r = MaxCover.from_cost_matrix(cost, w, p=3, radius=20.0, fixed=[9], forbidden=[0, 1]).solve()
    assert 9 in r.site_indices and not {0, 1} & set(r.site_indices.tolist())
    assert len(r.site_indices) == 3


@pytest.mark.parametrize("seed", [1, 5])
def test_setcover_exact_equals_brute_force(seed, make_euclid):
    cost, w = make_euclid(40, 10, seed)
    r = SetCover.from_cost_matrix(cost, w, radius=60.0).solve()
    assert r.objective == brute_setcover(cost, 60.0)
    assert r.status is Status.optimal
    assert r.to_frame()["covered"].all()
    h = SetCover.from_cost_matrix(cost, w, radius=60.0).solve("heuristic")
    assert h.bound <= r.objective <= h.objective


def test_setcover_impossible(make_euclid):
    cost, w = make_euclid(20, 5, 2)
    with pytest.raises(InfeasibleError, match="within radius 1"):
        SetCover.from_cost_matrix(cost, w, radius=1.0)
    with pytest.raises(ParameterError):
        SetCover.from_cost_matrix(cost, w, radius=-1.0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pcenter_exact_equals_brute_force(seed, make_euclid):
    cost, w = make_euclid(30, 9, seed)
    for p in (1, 2, 4):
        r = PCenter.from_cost_matrix(cost, w, p=p).solve("exact")
        assert r.status is Status.optimal
        assert r.objective == pytest.approx(brute_center(cost, p))
        assert len(r.site_indices) == p
        h = PCenter.from_cost_matrix(cost, w, p=p).solve("heuristic")
        assert h.bound <= r.objective + 1e-9 <= h.objective + 1e-9


def test_pcenter_disconnected_infeasible():
    cost = np.array([[0, np.inf], [np.inf, 0.0]])
    with pytest.raises(InfeasibleError):
        PCenter.from_cost_matrix(cost, [1, 1], p=1).solve()
    assert PCenter.from_cost_matrix(cost, [1, 1], p=2).solve().objective == 0.0
