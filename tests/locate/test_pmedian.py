from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteplan.errors import InfeasibleError, ParameterError
from soteplan.locate import LocateResult, PMedian, Status
from soteplan.locate import _pmedian_core as core


def brute_pmedian(cost, w, p, fixed=(), forbidden=()):
    best = np.inf
    sites = [j for j in range(cost.shape[1]) if j not in forbidden]
    for combo in itertools.combinations(sites, p):
        if not set(fixed) <= set(combo):
            continue
        best = min(best, float(w @ cost[:, list(combo)].min(axis=1)))
    return best


@pytest.mark.parametrize(("seed", "p"), [(1, 1), (2, 2), (3, 3), (4, 5)])
def test_exact_equals_brute_force(seed, p, make_euclid):
    euclid = make_euclid
    cost, w = euclid(25, 9, seed)
    r = PMedian.from_cost_matrix(cost, w, p=p).solve("exact")
    assert r.status is Status.optimal
    assert r.objective == pytest.approx(brute_pmedian(cost, w, p), rel=1e-9)
    assert r.gap == 0.0 and r.bound == pytest.approx(r.objective)
    # assignment is to the nearest chosen site and objective recomputes
    assert np.allclose(r.cost_to_site, cost[:, r.site_indices].min(axis=1))
    assert r.objective == pytest.approx(float(w @ r.cost_to_site))


@pytest.mark.parametrize(("seed", "p"), [(11, 4), (12, 2), (13, 6)])
def test_radius_mip_equals_brute_force(seed, p, make_euclid):
    """The radius MIP alone (no incumbent, no Lagrangian fixing) is exact."""
    cost, w = make_euclid(30, 10, seed)
    allowed = np.ones(10, bool)
    out, cols, _, _ = core.radius_mip(
        cost, w, p, allowed, np.zeros(10, bool), time_limit=None, start=None
    )
    y = np.zeros(10, bool)
    y[cols[out.x[: len(cols)] > 0.5]] = True
    assert y.sum() == p
    best = brute_pmedian(cost, w, p)
    assert out.objective == pytest.approx(best, rel=1e-7)
    assert core.objective_of(cost, w, y) == pytest.approx(best, rel=1e-7)


def test_lagrangian_bound_and_fixing_are_valid(make_euclid):
    for seed in range(5):
        cost, w = make_euclid(40, 12, seed)
        allowed, none = np.ones(12, bool), np.zeros(12, bool)
        best = brute_pmedian(cost, w, 3)
        _, ub = core.heuristic(cost, w, 3, allowed, none, starts=1)
        lag = core.lagrangian_bound(cost, w, 3, allowed, none, ub)
        assert lag.bound <= best + 1e-6
        closed, forced = core.fix_by_reduced_cost(lag, 3, allowed, none, ub)
        # the optimum over the reduced problem is still the optimum (or the incumbent is)
        if ub > best + 1e-9:
            assert brute_pmedian(
                cost,
                w,
                3,
                fixed=tuple(np.flatnonzero(forced)),
                forbidden=tuple(np.flatnonzero(closed)),
            ) == pytest.approx(best)


def test_heuristic_not_better_than_exact_and_bound_valid(make_euclid):
    euclid = make_euclid
    for seed in range(4):
        cost, w = euclid(60, 15, seed)
        ex = PMedian.from_cost_matrix(cost, w, p=4).solve("exact")
        he = PMedian.from_cost_matrix(cost, w, p=4).solve("heuristic", starts=1)
        assert ex.objective <= he.objective + 1e-9
        assert he.bound <= ex.objective + 1e-6
        assert he.gap >= 0


def test_fixed_kept_forbidden_excluded(make_euclid):
    euclid = make_euclid
    cost, w = euclid(30, 10, 5)
    r = PMedian.from_cost_matrix(cost, w, p=3, fixed=[0], forbidden=[1, 2]).solve()
    assert 0 in r.site_indices.tolist()
    assert not {1, 2} & set(r.site_indices.tolist())
    assert r.objective == pytest.approx(brute_pmedian(cost, w, 3, fixed=(0,), forbidden=(1, 2)))


def test_ids_and_frame(make_euclid):
    euclid = make_euclid
    cost, w = euclid(12, 5, 3)
    r = PMedian.from_cost_matrix(
        cost, w, p=2, demand_ids=[f"d{i}" for i in range(12)], site_ids=list("abcde")
    ).solve()
    df = r.to_frame()
    assert list(df.columns) == ["weight", "site_index", "site_id", "cost", "covered"]
    assert set(df["site_id"]) == set(r.site_ids)
    assert df.index[0] == "d0"
    assert isinstance(r, LocateResult)
    with pytest.raises(AttributeError):
        r.objective = 0.0  # type: ignore[misc]


def test_unreachable_pairs_respected(make_euclid):
    euclid = make_euclid
    cost, w = euclid(20, 6, 9)
    cost[:10, :3] = np.inf
    cost[10:, 3:] = np.inf
    r = PMedian.from_cost_matrix(cost, w, p=2).solve()
    assert np.all(np.isfinite(r.cost_to_site))
    cost2 = cost.copy()
    cost2[0, :] = np.inf
    with pytest.raises(InfeasibleError, match="no allowed candidate"):
        PMedian.from_cost_matrix(cost2, w, p=2)


def test_error_cases(make_euclid):
    euclid = make_euclid
    cost, w = euclid(10, 4, 1)
    with pytest.raises(InfeasibleError, match="p = 5"):
        PMedian.from_cost_matrix(cost, w, p=5)
    with pytest.raises(InfeasibleError, match="only 2"):
        PMedian.from_cost_matrix(cost, w, p=3, forbidden=[0, 1])
    with pytest.raises(InfeasibleError, match="both fixed"):
        PMedian.from_cost_matrix(cost, w, p=2, fixed=[1], forbidden=[1])
    with pytest.raises(InfeasibleError, match="3 fixed"):
        PMedian.from_cost_matrix(cost, w, p=2, fixed=[0, 1, 2])
    with pytest.raises(ParameterError, match="weights has length"):
        PMedian.from_cost_matrix(cost, w[:-1], p=2)
    with pytest.raises(ParameterError, match="negative"):
        PMedian.from_cost_matrix(-cost, w, p=2)
    with pytest.raises(ParameterError, match="method"):
        PMedian.from_cost_matrix(cost, w, p=2).solve("magic")
    with pytest.raises(ParameterError, match="neither"):
        PMedian.from_cost_matrix(cost, w, p=2, fixed=["zz"])


def test_from_travel_times_protocol(make_euclid):
    euclid = make_euclid

    class TT:
        def __init__(self):
            cost, _ = euclid(8, 3, 2)
            self.minutes = cost.astype(np.float32)
            self.origin_ids = [f"o{i}" for i in range(8)]
            self.destination_ids = ["x", "y", "z"]

    r = PMedian.from_travel_times(TT(), np.ones(8), p=1).solve()
    assert r.site_ids[0] in {"x", "y", "z"}
    with pytest.raises(ParameterError):
        PMedian.from_travel_times(object(), p=1)  # type: ignore[arg-type]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), p=st.integers(1, 3))
def test_adding_a_candidate_never_worsens(seed, p, make_euclid):
    euclid = make_euclid
    cost, w = euclid(15, 7, seed)
    base = PMedian.from_cost_matrix(cost[:, :6], w, p=p).solve()
    more = PMedian.from_cost_matrix(cost, w, p=p).solve()
    assert more.objective <= base.objective + 1e-9 * base.objective


@pytest.mark.parametrize(("seed", "p"), [(21, 3), (22, 4), (23, 5)])
def test_lagrangian_branch_and_bound_equals_brute_force(seed, p, make_euclid):
    """B&B from a deliberately poor incumbent (enumeration disabled) finds the optimum."""
    cost, w = make_euclid(40, 12, seed)
    allowed, none = np.ones(12, bool), np.zeros(12, bool)
    start = np.zeros(12, bool)
    start[:p] = True
    best, ub, lower, nodes, done = core.lagrangian_branch_and_bound(
        cost,
        w,
        p,
        allowed,
        none,
        start,
        core.objective_of(cost, w, start),
        deadline=None,
        enum_limit=0,
    )
    assert done and nodes >= 1
    assert ub == pytest.approx(brute_pmedian(cost, w, p), rel=1e-9)
    assert lower == pytest.approx(ub)
    assert best.sum() == p and core.objective_of(cost, w, best) == pytest.approx(ub)


@pytest.mark.parametrize("solver", ["bb", "radius"])
def test_exact_solvers_agree(solver, make_euclid):
    cost, w = make_euclid(60, 20, 31)
    r = PMedian.from_cost_matrix(cost, w, p=5).solve("exact", starts=1, exact_solver=solver)
    assert r.status is Status.optimal
    assert r.objective == pytest.approx(brute_pmedian(cost, w, 5), rel=1e-9)
