"""The MCLP core (:mod:`soteplan.locate._maxcover`) against brute force on small instances
with ties, a fixed and a forbidden site."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteplan.locate import MaxCover, Status
from soteplan.locate import _maxcover as mx


def _instance(seed, n, m, p, levels, radius):
    """Integer costs with ties (many rows and sites share covers), integer or fractional
    weights, site 0 forbidden and site 1 fixed open when ``p > 1``."""
    rng = np.random.default_rng(seed)
    cost = rng.integers(0, levels, (n, m)).astype(float)
    w = rng.integers(1, 9, n).astype(float)
    if seed % 3 == 0:
        w = rng.uniform(0.05, 1.0, n).round(3)  # not integral: no rounding of the bound
    fixed = [1] if p > 1 and m > 2 else []
    forbidden = [0] if m > p + 1 else []
    return cost, w, p, radius, fixed, forbidden


def _solutions(A, w, p, allowed, fixed):
    """Every feasible open mask with its covered weight."""
    free = np.flatnonzero(allowed & ~fixed)
    k = p - int(fixed.sum())
    for c in itertools.combinations(free.tolist(), k):
        y = fixed.copy()
        y[list(c)] = True
        yield y, float(w @ A[:, y].any(axis=1))


def _masks(m, p, fixed, forbidden):
    allowed = np.ones(m, bool)
    allowed[forbidden] = False
    fx = np.zeros(m, bool)
    fx[fixed] = True
    return allowed, fx


instances = st.builds(
    _instance,
    seed=st.integers(0, 10_000),
    n=st.integers(4, 30),
    m=st.integers(3, 9),
    p=st.integers(1, 4),
    levels=st.integers(2, 8),
    radius=st.integers(0, 4).map(float),
)


@contextmanager
def _without_local_search() -> Iterator[None]:
    """No swap search and the greedy in place of the rounded LP start: the incumbent stays
    weak, so the fixing and the reduced MIP have to run."""
    with (
        patch.object(mx, "swap", lambda cv, y, allowed, fixed: y.copy()),
        patch.object(
            mx, "rounded", lambda cv, x, p, allowed, fixed: mx.greedy(cv, p, allowed, fixed)
        ),
    ):
        yield


@settings(max_examples=40, deadline=None)
@given(inst=instances, lam_seed=st.integers(0, 1000))
def test_lagrangian_bound_and_fixing_hold_for_any_multipliers(inst, lam_seed):
    """For random multipliers: L(λ) ≥ every solution's value, and every solution covering
    more than the incumbent (≥ incumbent + 1 with integer weights) opens no closed site
    and every forced site, whatever incumbent below the optimum is given."""
    cost, w, p, radius, fixed, forbidden = inst
    m = cost.shape[1]
    if m - len(forbidden) < p:
        return
    A = cost <= radius
    allowed, fx = _masks(m, p, fixed, forbidden)
    cv = mx.Cover.from_dense(A, w)
    rng = np.random.default_rng(lam_seed)
    lam = w * rng.choice([0.0, 0.3, 0.5, 1.0, 1.5], len(w))  # > w clips to w
    lp = mx.lp_multipliers(mx.lp_relaxation(cv, p, allowed, fx, None), cv)
    assert lp is not None
    sols = list(_solutions(A, w, p, allowed, fx))
    best = max(v for _, v in sols)
    integral = mx.integral_weights(w)
    # random multipliers, the LP duals (tight: fix the most) and a mix of both
    for mult in (lam, lp, 0.5 * (lam + lp)):
        lag = mx.lagrangian(cv, mult, p, allowed, fx)
        assert -lag.bound >= best - 1e-9
        assert lag.best_obj == pytest.approx(cv.value(lag.best_open))
        for inc in sorted({v for _, v in sols}):
            closed, forced = mx.fix_sites(lag, p, allowed, fx, inc, integral)
            assert not (closed & fx).any() and (forced & ~allowed).sum() == 0
            for y, v in sols:
                if v > inc + 1e-9:
                    assert not (y & closed).any(), (inc, v)
                    assert y[forced].all(), (inc, v)


@settings(max_examples=40, deadline=None)
@given(inst=instances, drop=st.integers(0, 3))
def test_reduced_model_keeps_the_best_solution_respecting_the_fixing(inst, drop):
    """The reduced model (forced sites' rows dropped, rows merged, dominated sites
    dropped) has the same best value, plus ``base``, as the full model restricted to the
    fixing (some closed sites, the fixed ones and site 2 forced open)."""
    cost, w, p, radius, fixed, forbidden = inst
    m = cost.shape[1]
    A = cost <= radius
    allowed, fx = _masks(m, p, fixed, forbidden)
    allowed[3 : 3 + drop] = False
    forced = fx.copy()
    if m > 2 and allowed[2] and p > int(forced.sum()):
        forced[2] = True
    sols = list(_solutions(A, w, p, allowed, forced))
    red = mx.reduce(mx.Cover.from_dense(A, w), p, allowed, forced)
    if not sols:
        assert red is None
        return
    assert red is not None
    ms = red.cover.shape[1]
    dense = red.cover.A.toarray() > 0.5
    sub_best = max(
        (
            float(red.cover.w @ dense[:, list(c)].any(axis=1))
            for c in itertools.combinations(range(ms), red.k)
        ),
        default=0.0,
    )
    assert red.base + sub_best == pytest.approx(max(v for _, v in sols))
    assert not (forced[red.sites]).any() and allowed[red.sites].all()


@settings(max_examples=40, deadline=None)
@given(inst=instances)
def test_both_methods_against_brute_force(inst):
    """Exact = the brute-force optimum (status optimal); heuristic ≤ optimum ≤ its bound;
    both respect the fixed and forbidden sites."""
    cost, w, p, radius, fixed, forbidden = inst
    m = cost.shape[1]
    if m - len(forbidden) < p:
        return
    allowed, fx = _masks(m, p, fixed, forbidden)
    best = max(v for _, v in _solutions(cost <= radius, w, p, allowed, fx))
    mc = MaxCover.from_cost_matrix(cost, w, p=p, radius=radius, fixed=fixed, forbidden=forbidden)
    r = mc.solve("exact")
    assert r.status is Status.optimal
    assert r.objective == pytest.approx(best)
    assert r.bound >= best - 1e-9
    h = mc.solve("heuristic")
    assert h.objective <= best + 1e-9 <= h.bound + 1e-6
    for res in (r, h):
        s = set(res.site_indices.tolist())
        assert set(fixed) <= s and not set(forbidden) & s and len(s) == p


def _brute_force_cases(count=60):
    """(seed, brute-force optimum, model) for small instances with fixed and forbidden
    sites (30 × 9, p = 2–4)."""
    for seed in range(count):
        cost, w, p, radius, fixed, forbidden = _instance(seed, 30, 9, 2 + seed % 3, 6, 2.0)
        allowed, fx = _masks(9, p, fixed, forbidden)
        best = max(v for _, v in _solutions(cost <= radius, w, p, allowed, fx))
        yield (
            seed,
            best,
            MaxCover.from_cost_matrix(
                cost, w, p=p, radius=radius, fixed=fixed, forbidden=forbidden
            ),
        )


def test_exact_goes_through_fixing_and_the_reduced_model():
    """With the local search switched off (swap returns its start, the LP rounding
    returns the greedy solution) the incumbent is often below the optimum: sites are fixed
    by reduced cost and the reduced model is solved; the result is still the brute-force
    optimum, with or without integer weights, fixed and forbidden sites."""
    reduced = 0
    with _without_local_search():
        for seed, best, mc in _brute_force_cases():
            r = mc.solve("exact")
            assert r.objective == pytest.approx(best), seed
            assert r.status is Status.optimal and r.bound == pytest.approx(best)
            reduced += "reduced_model" in r.meta
    assert reduced >= 5


def test_bound_stays_valid_when_the_reduced_mip_stops_early():
    """The reduced MIP made to stop at once (its LP bound and no solution, status
    time_limit): the bound returned is still ≥ the brute-force optimum, counting what
    the forced-open sites cover, and the status says time_limit."""
    from soteplan.locate import _coverage

    real = _coverage.solve_mip

    def stopped(*args, **kwargs):
        kwargs.pop("start", None)
        out = real(*args, **{**kwargs, "relax": True})
        return replace(out, status="time_limit", x=None)

    stops = 0
    with _without_local_search(), patch.object(_coverage, "solve_mip", stopped):
        for _seed, best, mc in _brute_force_cases():
            r = mc.solve("exact")
            assert r.bound >= best - 1e-9 and r.objective <= best + 1e-9
            if "mip_status" in r.meta:
                stops += 1
                assert r.status is Status.time_limit or r.objective == pytest.approx(r.bound)
    assert stops >= 5


def test_exact_equals_the_full_mip_where_fixing_shrinks_the_model(make_euclid):
    """800 × 80, p = 8: the LP starts leave a gap, reduced-cost fixing closes most sites
    (meta), and the optimum equals HiGHS' on the full model without any reduction."""
    from soteplan.locate._highs import solve_mip

    for seed in (5, 8):
        cost, w = make_euclid(800, 80, seed)
        r = MaxCover.from_cost_matrix(cost, w, p=8, radius=10.0).solve("exact")
        assert r.meta["fixed_by_reduced_cost"] > 40 and "reduced_model" in r.meta
        A = cost <= 10.0
        keep = A.any(axis=1)
        cv = mx.Cover.from_dense(A[keep], w[keep])
        m = np.ones(80, bool)
        out = solve_mip(*mx.mip_model(cv, 8, m, ~m), maximize=True)
        assert out.status == "optimal"
        assert r.objective == pytest.approx(out.objective) and r.status is Status.optimal


def test_swap_ends_in_a_local_optimum(make_euclid):
    """No single exchange improves the swap's result (checked exhaustively)."""
    cost, w = make_euclid(80, 15, 3)
    A = cost <= 20.0
    cv = mx.Cover.from_dense(A, w)
    allowed, fixed = np.ones(15, bool), np.zeros(15, bool)
    y = mx.swap(cv, mx.greedy(cv, 4, allowed, fixed), allowed, fixed)
    v = cv.value(y)
    for f in np.flatnonzero(y):
        for u in np.flatnonzero(~y):
            y2 = y.copy()
            y2[f], y2[u] = False, True
            assert cv.value(y2) <= v + 1e-9
