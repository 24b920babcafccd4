from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteplan.locate import _lagrange as lagrange


def _dense_value(C, w, lam, p, allowed, fixed):
    """L(λ) by the textbook dense formula, for comparison."""
    rho = np.minimum(w[:, None] * C - lam[:, None], 0.0).sum(axis=0)
    free = np.flatnonzero(allowed & ~fixed)
    k = p - int(fixed.sum())
    pick = free[np.argsort(rho[free], kind="stable")[:k]]
    return float(lam.sum() + rho[fixed].sum() + rho[pick].sum())


def _instance(seed, n, m, p, levels):
    """Integer costs with ties, one candidate closed and one fixed open (p > 1), and a loose
    upper bound; ``None`` when too few candidates remain for ``p``."""
    rng = np.random.default_rng(seed)
    p = min(p, m - 1) if m > 1 else 1
    C = rng.integers(0, levels, (n, m)).astype(float)
    w = rng.integers(1, 9, n).astype(float)
    allowed = np.ones(m, bool)
    if m > p + 1:
        allowed[rng.integers(0, m)] = False  # one candidate closed
    fixed = np.zeros(m, bool)
    if p > 1:
        fixed[np.flatnonzero(allowed)[0]] = True
    if int(allowed.sum()) < p:
        return None
    return C, w, p, allowed, fixed, float(w @ C.min(axis=1)) * 3 + 1.0


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(5, 60),
    m=st.integers(3, 40),
    p=st.integers(1, 8),
    levels=st.integers(2, 50),
)
def test_pair_and_dense_passes_give_the_same_bound(seed, n, m, p, levels):
    """The pair list (each row's cheapest sites, grown where a multiplier passes them) and
    the dense pass compute the same multipliers and bound, and the reported bound is the
    dense L(λ) at the reported multipliers (so it is a valid lower bound)."""
    inst = _instance(seed, n, m, p, levels)
    if inst is None:
        return
    C, w, p, allowed, fixed, ub = inst
    saved = (lagrange.DENSE_RATIO, lagrange.PREFIX_START)
    try:
        lagrange.DENSE_RATIO, lagrange.PREFIX_START = 1e9, 2  # pairs, grown from 2 per row
        a = lagrange.lagrangian_bound(C, w, p, allowed, fixed, ub, max_iter=80)
        lagrange.DENSE_RATIO = 0.0  # dense from the start
        b = lagrange.lagrangian_bound(C, w, p, allowed, fixed, ub, max_iter=80)
    finally:
        lagrange.DENSE_RATIO, lagrange.PREFIX_START = saved
    assert a.bound == pytest.approx(b.bound, rel=1e-9, abs=1e-9)
    assert np.allclose(a.lam, b.lam, rtol=1e-9, atol=1e-9)
    assert np.allclose(a.rho, b.rho, rtol=1e-9, atol=1e-9)
    assert a.bound == pytest.approx(_dense_value(C, w, a.lam, p, allowed, fixed), abs=1e-7)
    assert not a.rho[~allowed].any()


def _check_compiled_outcome(a, C, w, p, allowed, fixed):
    """What any compiled bound must satisfy: the bound is the dense L(λ) at its multipliers,
    the reduced costs are L's at them (0 for closed sites), and a primal solution opens
    ``p`` allowed sites, the fixed ones among them, at the objective reported."""
    assert a.bound == pytest.approx(_dense_value(C, w, a.lam, p, allowed, fixed), abs=1e-7)
    rho = np.minimum(w[:, None] * C - a.lam[:, None], 0.0).sum(axis=0)
    assert np.allclose(a.rho[allowed], rho[allowed], atol=1e-7)
    assert not a.rho[~allowed].any()
    if a.best_open is not None:
        assert a.best_open.sum() == p and not (a.best_open & ~allowed).any()
        assert fixed[allowed].sum() == (a.best_open & fixed).sum()
        assert a.best_obj == pytest.approx(float(w @ C[:, a.best_open].min(axis=1)))


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(5, 50),
    m=st.integers(3, 30),
    p=st.integers(1, 6),
    levels=st.integers(2, 40),
)
def test_compiled_subgradient_gives_a_valid_bound_like_the_numpy_loop(seed, n, m, p, levels):
    """The compiled loop (numba kernel ``subgradient``) and the numpy loop start from the
    same multipliers; the compiled one's bound is the dense L(λ) at its multipliers (so a
    valid lower bound), its reduced costs are those of L at them, its primal solution (if
    any) has the objective it reports, and after the same number of steps it is as strong
    as the numpy one up to the tie-breaking of equal reduced costs."""
    from soteplan.locate import _swap

    inst = _instance(seed, n, m, p, levels)
    if inst is None:
        return
    C, w, p, allowed, fixed, ub = inst
    saved = _swap.JIT_MIN_SIZE
    try:
        _swap.JIT_MIN_SIZE = 0
        a = lagrange.lagrangian_bound(C, w, p, allowed, fixed, ub, max_iter=120)
        _swap.JIT_MIN_SIZE = 10**12
        b = lagrange.lagrangian_bound(C, w, p, allowed, fixed, ub, max_iter=120)
    finally:
        _swap.JIT_MIN_SIZE = saved
    _check_compiled_outcome(a, C, w, p, allowed, fixed)
    assert a.iterations <= 120
    # same start and rules: integer data, so equal unless tied reduced costs were split
    # differently; never far apart
    assert a.bound >= b.bound - 0.05 * abs(b.bound) - 1e-6


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(5, 50),
    m=st.integers(3, 30),
    p=st.integers(1, 6),
    levels=st.integers(2, 40),
    compact=st.booleans(),
)
def test_compiled_subgradient_on_shared_sorted_rows_is_exact_for_the_node(
    seed, n, m, p, levels, compact
):
    """A branch-and-bound node's bound on sorted rows built for more sites (its parent's,
    some of them now closed), or compacted to its own: the bound is the dense L(λ) of the
    node's sites at its multipliers, closed sites get no reduced cost and are never
    opened, and the primal solution has the objective reported."""
    from soteplan.locate import _swap, _swap_numba

    inst = _instance(seed, n, m, p, levels)
    if inst is None:
        return
    C, w, p, allowed, fixed, ub = inst
    rows = lagrange.SortedRows.build(C, w, np.ones(m, bool))
    if compact:
        rows = rows.subset(allowed, _swap_numba)
    lam0 = np.sort(w[:, None] * C, axis=1)[:, min(1, m - 1)].copy()
    saved = _swap.JIT_MIN_SIZE
    try:
        _swap.JIT_MIN_SIZE = 0
        a = lagrange.lagrangian_bound(
            C, w, p, allowed, fixed, ub, max_iter=120, lam0=lam0, rows=rows
        )
    finally:
        _swap.JIT_MIN_SIZE = saved
    _check_compiled_outcome(a, C, w, p, allowed, fixed)


def test_sorted_rows_must_cover_the_node(monkeypatch):
    """Sorted rows that leave out an allowed site are refused (the bound would be wrong)."""
    from soteplan.locate import _swap

    monkeypatch.setattr(_swap, "JIT_MIN_SIZE", 0)
    C, w, p, _, fixed, ub = _instance(4, 20, 10, 3, 9)
    some = np.ones(10, bool)
    some[3] = False
    rows = lagrange.SortedRows.build(C, w, some)
    with pytest.raises(ValueError, match="outside the sorted rows"):
        lagrange.lagrangian_bound(
            C, w, p, np.ones(10, bool), fixed, ub, lam0=np.ones(20), rows=rows, max_iter=5
        )
