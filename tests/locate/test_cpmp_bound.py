"""The Dantzig–Wolfe bound of benchmarks/bench_cpmp_bound.py against brute force."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest
from cpmp_brute import single_source_solutions, small_instance

from soteplan.locate import CapacitatedPMedian
from soteplan.locate import _capacitated_lag as cl

ROOT = Path(__file__).resolve().parents[2]  # the repository root holds benchmarks/
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from benchmarks.bench_cpmp_bound import dw_bound, master_ip  # noqa: E402


def _instance(seed, n=7, m=5, p=2, load=0.9):
    return small_instance(seed, n=n, m=m, p=p, load=load)


@pytest.mark.parametrize("seed", range(6))
def test_dw_bound_lies_between_the_lagrangian_and_the_optimum(seed):
    cost, w, cap, p = _instance(seed)
    n, m = cost.shape
    codes, total = single_source_solutions(cost, w, cap, p)
    best = int(np.argmin(total))
    opt = float(total[best])
    worst = int(np.argmax(np.where(np.isfinite(total), total, -np.inf)))
    W = w[:, None] * cost
    cg = dw_bound(W, w, cap, p, codes[worst])  # from the dearest feasible assignment
    assert cg.converged
    assert cg.bound == pytest.approx(cg.master, rel=1e-7)
    assert cg.bound <= opt + 1e-7 * opt
    allowed, none = np.ones(m, dtype=bool), np.zeros(m, dtype=bool)
    lag = cl.lagrangian_cpmp(
        W, w, cap, p, allowed, none, opt, np.zeros(n), deadline=time.perf_counter() + 10
    )
    assert cg.bound >= lag.bound - 1e-7 * opt  # the Lagrangian is at most its dual optimum
    model = CapacitatedPMedian.from_cost_matrix(cost, w, p=p, capacity=cap, single_source=True)
    lp, _rounds, _pairs = model._lp(None)
    assert cg.bound >= lp.objective - 1e-7 * opt  # the knapsacks keep integrality
    for j, rows in cg.columns:  # every column is a capacity-feasible set of one site
        assert w[rows].sum() <= cap[j] + 1e-9
    ip_obj, ip_bound = master_ip(W, p, cg.columns, 10.0)
    assert opt - 1e-7 * opt <= ip_obj  # a real assignment
    assert ip_bound <= ip_obj + 1e-7 * opt


@pytest.mark.parametrize("seed", range(4))
def test_dw_bound_with_site_counts_bounds_the_solutions_with_those_counts(seed):
    cost, w, cap, p = _instance(seed, p=3)
    codes, total = single_source_solutions(cost, w, cap, p)
    W = w[:, None] * cost
    group = np.array([True, True, False, False, False])  # sites 0 and 1 as one "town"
    start = codes[int(np.argmin(total))]
    k = int(group[np.unique(start)].sum())
    opened = np.stack([np.isin(np.arange(5), c) for c in codes])
    # a solution opens p sites, those it uses and any others: k of them in the group fits
    # when the used ones allow it
    g_in, g_out = (opened & group).sum(axis=1), (opened & ~group).sum(axis=1)
    fits = (g_in <= k) & (k <= int(group.sum())) & (g_out <= p - k) & (p - k <= 5 - 2)
    opt_k = float(total[fits].min())
    plain = dw_bound(W, w, cap, p, start)
    grouped = dw_bound(W, w, cap, p, start, groups=[(group, k)])
    assert grouped.converged
    assert grouped.bound >= plain.bound - 1e-7 * opt_k
    assert grouped.bound <= opt_k + 1e-7 * opt_k


def test_master_ip_finds_the_optimum_among_its_columns():
    cost, w, cap, p = _instance(11)
    codes, total = single_source_solutions(cost, w, cap, p)
    best = codes[int(np.argmin(total))]
    W = w[:, None] * cost
    cols = [(int(j), np.flatnonzero(best == j)) for j in np.unique(best)]
    worst = codes[int(np.argmax(np.where(np.isfinite(total), total, -np.inf)))]
    cols += [(int(j), np.flatnonzero(worst == j)) for j in np.unique(worst)]
    ip_obj, _bound = master_ip(W, p, cols, 10.0)
    assert ip_obj == pytest.approx(float(total.min()))


@pytest.mark.parametrize("seed", range(3))
def test_dw_bound_starts_from_an_assignment_using_fewer_than_p_sites(seed):
    cost, w, cap, p = _instance(seed, p=3, load=0.6)
    codes, total = single_source_solutions(cost, w, cap, p)
    used = np.array([len(np.unique(c)) for c in codes])
    few = np.flatnonzero(np.isfinite(total) & (used < p))
    start = codes[few[np.argmax(total[few])]]
    cg = dw_bound(w[:, None] * cost, w, cap, p, start)
    assert cg.converged
    assert cg.bound <= float(total.min()) * (1 + 1e-7)
    assert cg.bound == pytest.approx(cg.master, rel=1e-7)
