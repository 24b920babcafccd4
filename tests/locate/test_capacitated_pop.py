"""The single-source capacitated p-median's POPMUSIC search and its priced LP."""

from __future__ import annotations

import numpy as np
import pytest
from cpmp_brute import single_source_solutions, small_instance

from soteplan.locate import CapacitatedPMedian
from soteplan.locate import _capacitated as capmod

_instance = small_instance


def _check_solution(model, obj, sol, cost, w, cap, p):
    x, (ii, jj, nx) = sol
    on = x[:nx] > 0.5
    assert np.bincount(ii[on], minlength=len(w)).tolist() == [1] * len(w)
    assert (w[ii[on]] * cost[ii[on], jj[on]]).sum() == pytest.approx(obj)
    served = np.bincount(jj[on], weights=w[ii[on]], minlength=cost.shape[1])
    assert np.all(served <= cap + 1e-9)
    assert set(np.flatnonzero(served > 0)) <= set(np.flatnonzero(x[nx:] > 0.5))
    assert int((x[nx:] > 0.5).sum()) == p


def _start(model, cost, w, cap, p, codes, total):
    """A feasible start on the dearest site set that has a feasible assignment (its best
    assignment), so that reaching the optimum needs other sites."""
    per_set: dict[tuple[int, ...], float] = {}
    for code, t in zip(codes, total, strict=True):
        if np.isfinite(t):
            key = tuple(sorted(set(code.tolist())))
            if len(key) == p and t < per_set.get(key, np.inf):
                per_set[key] = t
    worst = max(per_set, key=per_set.__getitem__)
    fits = [k for k, c in enumerate(codes) if tuple(sorted(set(c.tolist()))) == worst]
    k = min(fits, key=lambda k: total[k])
    y = np.zeros(cost.shape[1], dtype=bool)
    y[list(worst)] = True
    assert not y[np.unique(codes[int(np.argmin(total))])].all()  # the optimum needs a change
    return float(total[k]), model._solution(codes[k], y)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_popmusic_with_the_whole_problem_as_subproblem_is_exact(seed, monkeypatch):
    cost, w, cap, p = _instance(seed)
    m = cost.shape[1]
    codes, total = single_source_solutions(cost, w, cap, p)
    model = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True)
    obj0, sol0 = _start(model, cost, w, cap, p, codes, total)
    for name, value in (("POP_SITES", p), ("POP_SITES_MAX", p), ("POP_NEAR", m), ("POP_PAIRS", m)):
        monkeypatch.setattr(capmod, name, value)
    obj, sol, res = model._popmusic(obj0, sol0, 10.0)
    assert obj == pytest.approx(total.min(), rel=1e-9)
    assert res.local_optimum and res.subproblems >= 1
    assert res.improved >= 1
    _check_solution(model, obj, sol, cost, w, cap, p)


@pytest.mark.parametrize("seed", [4, 5, 6, 7, 8])
def test_popmusic_small_subproblems_stay_feasible_and_never_worse(seed, monkeypatch):
    cost, w, cap, p = _instance(seed, n=8, m=6, p=3, load=0.85)
    codes, total = single_source_solutions(cost, w, cap, p)
    model = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True)
    obj0, sol0 = _start(model, cost, w, cap, p, codes, total)
    monkeypatch.setattr(capmod, "POP_SITES", 1)
    monkeypatch.setattr(capmod, "POP_SITES_MAX", 2)
    monkeypatch.setattr(capmod, "POP_NEAR", 2)
    monkeypatch.setattr(capmod, "POP_PAIRS", 2)
    obj, sol, res = model._popmusic(obj0, sol0, 10.0)
    assert total.min() - 1e-9 <= obj <= obj0 + 1e-9
    assert res.r == 2 and res.local_optimum
    _check_solution(model, obj, sol, cost, w, cap, p)
    assert res.cost == pytest.approx(obj) or obj == obj0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_priced_lp_is_the_full_lp_and_its_reduced_costs_fix_validly(seed, monkeypatch):
    cost, w, cap, p = _instance(seed, n=7, m=5, p=2, load=0.95)
    n, m = cost.shape
    codes, total = single_source_solutions(cost, w, cap, p)
    model = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True)
    full, _parts = model._mip(None, relax=True, time_limit=None)
    monkeypatch.setattr(capmod, "LP_PRICE_MIN_PAIRS", 0)
    monkeypatch.setattr(capmod, "LP_NEAR", 1)
    lp, rounds, last = model._lp(None)
    assert rounds > 1 and last < n * m  # priced in, not every pair
    assert lp.status == "optimal"
    assert lp.objective == pytest.approx(full.objective, rel=1e-7)
    ii, jj = model._pairs(None)
    nx = len(ii)
    tol = 1e-7 * max(abs(full.objective), 1.0)
    for k in range(nx):  # LB + reduced cost is a lower bound of every solution with the pair
        with_pair = total[codes[:, ii[k]] == jj[k]].min()
        assert lp.objective + lp.col_dual[k] <= with_pair + tol
    for j in range(m):  # ... and of every solution opening the site (serving someone there)
        with_site = total[(codes == j).any(axis=1)].min()
        assert lp.objective + lp.col_dual[nx + j] <= with_site + tol
    below = lp.x[:nx] < 1 - 1e-9  # dual feasible: no pair below its upper bound prices in
    assert np.all(lp.col_dual[:nx][below] >= -tol)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_priced_lp_objective_on_larger_models(seed, monkeypatch):
    cost, w, cap, p = _instance(seed, n=60, m=30, p=5, load=0.97)
    model = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True)
    full, _parts = model._mip(None, relax=True, time_limit=None)
    monkeypatch.setattr(capmod, "LP_PRICE_MIN_PAIRS", 0)
    monkeypatch.setattr(capmod, "LP_NEAR", 3)
    lp, rounds, last = model._lp(None)
    assert rounds > 1 and last < 60 * 30
    assert lp.objective == pytest.approx(full.objective, rel=1e-7)
    assert lp.row_dual is not None and lp.row_dual.shape == full.row_dual.shape


def test_priced_lp_cut_short_is_a_guide_not_a_bound(monkeypatch):
    cost, w, cap, p = _instance(0, n=7, m=5, p=2)
    model = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True)
    monkeypatch.setattr(capmod, "LP_PRICE_MIN_PAIRS", 0)
    lp, _rounds, _last = model._lp(0.0)
    assert lp.status == "time_limit"
    assert lp.col_dual is None and not np.isfinite(lp.bound)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_large_model_path_popmusic_then_ascent(seed, monkeypatch):
    cost, w, cap, p = _instance(seed, n=8, m=5, p=2, load=0.95)
    _codes, total = single_source_solutions(cost, w, cap, p)
    monkeypatch.setattr(capmod, "LARGE_PAIRS", 0)  # treated as large: no final MIP
    monkeypatch.setattr(capmod, "FEW_SITES", 0)  # (even with its few sites)
    monkeypatch.setattr(capmod, "POP_MIN_GAP", -1.0)
    model = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True)
    r = model.solve("exact", time_limit=3.0)
    assert r.meta["final_mip"] is False
    assert r.meta["popmusic_subproblems"] >= 1
    opt = total.min()
    assert r.bound <= opt * (1 + 1e-7)
    assert r.objective >= opt * (1 - 1e-9)
    assert r.meta["lagrangian_iterations"] > 0


def test_large_model_without_an_incumbent_still_gets_the_final_mip(monkeypatch):
    cost, w, cap, p = _instance(1, n=8, m=5, p=2, load=0.95)
    _codes, total = single_source_solutions(cost, w, cap, p)
    monkeypatch.setattr(capmod, "LARGE_PAIRS", 0)
    model = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True)
    monkeypatch.setattr(model, "_incumbent", lambda y0, budget: (np.inf, None))
    r = model.solve("exact", time_limit=5.0)
    assert r.meta["final_mip"] is True
    assert r.objective == pytest.approx(total.min(), rel=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_support_mip_over_the_whole_problem_is_exact(seed):
    cost, w, cap, p = _instance(seed)
    codes, total = single_source_solutions(cost, w, cap, p)
    model = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True)
    obj0, sol0 = _start(model, cost, w, cap, p, codes, total)
    nx = len(sol0[1][0])
    everything = np.ones(nx + cost.shape[1])  # an "LP" using every pair and site
    obj, sol = model._support_mip(obj0, sol0, everything, 10.0)
    assert obj == pytest.approx(float(total.min()), rel=1e-9)
    _check_solution(model, obj, sol, cost, w, cap, p)


@pytest.mark.parametrize("seed", [4, 5, 6, 7])
def test_support_mip_from_the_lp_stays_feasible_and_never_worse(seed, monkeypatch):
    cost, w, cap, p = _instance(seed, n=8, m=6, p=3, load=0.95)
    codes, total = single_source_solutions(cost, w, cap, p)
    model = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True)
    obj0, sol0 = _start(model, cost, w, cap, p, codes, total)
    lp, _rounds, _pairs = model._lp(None)
    monkeypatch.setattr(capmod, "SUPPORT_NEAR", 1)
    obj, sol = model._support_mip(obj0, sol0, lp.x, 10.0)
    assert total.min() * (1 - 1e-9) <= obj <= obj0 * (1 + 1e-12)
    _check_solution(model, obj, sol, cost, w, cap, p)
    x, (_ii, _jj, nx) = sol
    sites = (lp.x[nx:] > 1e-6) | (sol0[0][nx:] > 0.5)
    assert np.all(sites[x[nx:] > 0.5])  # only the LP's sites and the start's


@pytest.mark.parametrize("seed", [0, 1])
def test_large_model_path_with_the_support_mip(seed, monkeypatch):
    cost, w, cap, p = _instance(seed, n=8, m=5, p=2, load=0.95)
    _codes, total = single_source_solutions(cost, w, cap, p)
    monkeypatch.setattr(capmod, "LARGE_PAIRS", 0)
    monkeypatch.setattr(capmod, "SUPPORT_MIN_GAP", -1.0)
    model = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True)
    r = model.solve("exact", time_limit=3.0)
    assert r.meta["support_mip_seconds"] >= 0
    opt = total.min()
    assert opt * (1 - 1e-9) <= r.objective
    assert r.bound <= opt * (1 + 1e-7)


@pytest.mark.parametrize("seed", [0, 1])
def test_few_sites_model_gets_popmusic_then_the_final_mip(seed, monkeypatch):
    cost, w, cap, p = _instance(seed, n=8, m=5, p=2, load=0.95)
    _codes, total = single_source_solutions(cost, w, cap, p)
    monkeypatch.setattr(capmod, "LARGE_PAIRS", 0)  # large by its pairs, but only 5 sites
    monkeypatch.setattr(capmod, "POP_MIN_GAP", -1.0)
    model = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True)
    r = model.solve("exact", time_limit=30.0)
    assert r.meta["few_sites_mip"] is True and r.meta["final_mip"] is True
    assert r.meta["popmusic_subproblems"] >= 1
    assert r.status.value == "optimal"
    assert r.objective == pytest.approx(total.min(), rel=1e-9)
    for name in ("FEW_SITES", "FEW_SITES_PAIRS"):  # either limit below the model's size
        with monkeypatch.context() as m:
            m.setattr(capmod, name, 0)
            r2 = model.solve("exact", time_limit=3.0)
        assert r2.meta["few_sites_mip"] is False and r2.meta["final_mip"] is False
