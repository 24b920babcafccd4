from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteplan.locate import _swap as swap


def _instance(seed, n=40, m=15, levels=30):
    rng = np.random.default_rng(seed)
    C = rng.integers(0, levels, (n, m)).astype(float)
    w = rng.integers(1, 9, n).astype(float)
    return rng, C, w


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), p=st.integers(1, 6), swaps=st.integers(1, 12))
def test_incremental_arrays_match_a_rebuild_and_profits_are_exact(seed, p, swaps):
    """After any sequence of swaps the incrementally kept gain/loss/extra arrays equal the
    ones rebuilt from scratch, and ``profit(f, u)`` is the true change of the objective."""
    rng, C, w = _instance(seed)
    m = C.shape[1]
    allowed = np.ones(m, bool)
    allowed[m - 1] = False
    fixed = np.zeros(m, bool)
    fixed[0] = True
    start = np.zeros(m, bool)
    start[rng.choice(np.arange(1, m - 1), p, replace=False)] = True
    start[0] = True
    s = swap.SwapSearch(C, w, start, allowed, fixed)
    for _ in range(swaps):
        f = int(rng.choice(np.flatnonzero(s.open & ~fixed)))
        u = int(rng.choice(np.flatnonzero(allowed & ~s.open)))
        s.apply(f, u)
    assert s.cost == pytest.approx(swap.objective_of(C, w, s.open))
    fresh = swap.SwapSearch(C, w, s.open, allowed, fixed)
    assert np.allclose(s.gain, fresh.gain) and np.allclose(s.loss, fresh.loss)
    for f in np.flatnonzero(s.open):
        assert np.allclose(s.extra[s.slot[f]], fresh.extra[fresh.slot[f]])
    for f in np.flatnonzero(s.open & ~fixed):
        for u in np.flatnonzero(allowed & ~s.open):
            z = s.open.copy()
            z[f], z[u] = False, True
            profit = s.gain[u] - s.loss[f] + s.extra[s.slot[f], u]
            assert profit == pytest.approx(s.cost - swap.objective_of(C, w, z), abs=1e-9)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), p=st.integers(2, 6))
def test_iterated_search_keeps_masks_and_never_worsens(seed, p):
    """The iterated local search returns a swap-local optimum no worse than its start,
    with the fixed site open, the forbidden one closed and exactly p open; the search's own
    state ends at a solution it reports honestly (its cost is its objective)."""
    rng, C, w = _instance(seed, n=50, m=18)
    m = C.shape[1]
    allowed = np.ones(m, bool)
    allowed[3] = False
    fixed = np.zeros(m, bool)
    fixed[0] = True
    s = swap.SwapSearch(C, w, swap.greedy(C, w, p, allowed, fixed), allowed, fixed)
    s.descend()
    first = s.cost
    best, cost, kicks = swap.iterated_search(s, rng, 30)
    assert kicks == 30
    assert cost <= first + 1e-9
    assert cost == pytest.approx(swap.objective_of(C, w, best))
    assert s.cost == pytest.approx(swap.objective_of(C, w, s.open))
    assert best.sum() == p and best[0] and not best[3]
    assert (s.allowed == allowed).all() and (s.fixed == fixed).all()  # the kick was released


def test_search_stops_at_a_proven_bound_and_on_its_work_budget():
    rng, C, w = _instance(7, n=60, m=20)
    allowed, fixed = np.ones(20, bool), np.zeros(20, bool)
    s = swap.SwapSearch(C, w, swap.greedy(C, w, 4, allowed, fixed), allowed, fixed)
    s.descend()
    _, cost, kicks = swap.iterated_search(s, rng, 50, stop_below=s.cost)
    assert kicks == 0 and cost == s.cost
    _, _, kicks = swap.iterated_search(s, rng, 50, work=0.0)
    assert kicks == 1  # the first round spends work, then the budget stops it


def test_more_kicks_find_the_optimum_of_a_small_instance(make_euclid):
    """On a small instance the iterated search reaches the brute-force optimum where a
    single descent from the greedy does not (seed chosen so the descent alone stalls)."""
    import itertools

    for seed in range(30):
        C, w = make_euclid(60, 16, seed)
        allowed, fixed = np.ones(16, bool), np.zeros(16, bool)
        opt = min(
            float(w @ C[:, list(c)].min(axis=1)) for c in itertools.combinations(range(16), 4)
        )
        y0, _ = swap.interchange(C, w, swap.greedy(C, w, 4, allowed, fixed), allowed, fixed)
        if swap.objective_of(C, w, y0) > opt + 1e-9:
            _, obj = swap.heuristic(C, w, 4, allowed, fixed, kicks=60, seed=seed)
            assert obj <= swap.objective_of(C, w, y0) + 1e-9
            assert obj == pytest.approx(opt)
            return
    pytest.fail("no instance where the single descent stalls: pick a harder one")


@pytest.mark.parametrize(("n", "m"), [(30, 12), (700, 700)])
def test_iterated_search_budget_has_a_floor_for_small_instances(monkeypatch, n, m):
    """The work budget of each start is WORK_PASSES (30) passes over C, but never below
    WORK_FLOOR (a small instance would otherwise stop after a handful of kicks)."""
    seen: list[float] = []
    real = swap.iterated_search

    def spy(*args, **kw):
        seen.append(kw["work"])
        return real(*args, **kw)

    monkeypatch.setattr(swap, "iterated_search", spy)
    rng = np.random.default_rng(3)
    C = rng.integers(0, 50, (n, m)).astype(float)
    w = np.ones(n)
    allowed, fixed = np.ones(m, bool), np.zeros(m, bool)
    swap.heuristic(C, w, 3, allowed, fixed, kicks=2)
    assert seen == [max(swap.WORK_PASSES * C.size, swap.WORK_FLOOR)]
    assert seen[0] == (swap.WORK_FLOOR if n == 30 else swap.WORK_PASSES * C.size)


def _run_paths(C, w, p, kicks, seed):
    """Descent + iterated search with the compiled kernels and with numpy only."""
    allowed, fixed = np.ones(C.shape[1], bool), np.zeros(C.shape[1], bool)
    fixed[1] = True
    out = []
    for jit in (True, False):
        s = swap.SwapSearch(C, w, swap.greedy(C, w, p, allowed, fixed), allowed, fixed, jit=jit)
        assert (s.kern is not None) is jit
        made = s.descend()
        best, cost, _ = swap.iterated_search(s, np.random.default_rng(seed), kicks)
        out.append((made, cost, s.work, best, s.gain, s.loss, s.extra, s.k1, s.d2))
    return out


@pytest.mark.parametrize(
    ("n", "m", "p", "seed"), [(40, 15, 3, 1), (120, 90, 9, 2), (200, 200, 30, 3)]
)
def test_compiled_and_numpy_kernels_make_the_same_moves(n, m, p, seed):
    """On integer costs every sum is exact, so both paths must agree bit for bit: the same
    descent moves, the same kicks and results, the same incremental arrays and work."""
    pytest.importorskip("numba")
    _, C, w = _instance(seed, n=n, m=m, levels=60)
    a, b = _run_paths(C, w, p, 25, seed)
    assert a[0] == b[0]
    assert a[1] == b[1] and a[2] == b[2]
    for x, y in zip(a[3:], b[3:], strict=True):
        assert np.array_equal(x, y)


def test_compiled_kernels_agree_on_real_valued_costs(make_euclid):
    """Euclidean costs (no ties): both paths reach the same objective."""
    pytest.importorskip("numba")
    C, w = make_euclid(150, 60, 11)
    a, b = _run_paths(C, w, 6, 20, 11)
    assert a[0] == b[0]
    assert a[1] == pytest.approx(b[1], rel=1e-12)
    assert np.array_equal(a[3], b[3])


def test_numpy_path_when_numba_is_disabled(monkeypatch):
    """``SOTEPLAN_NUMBA=0`` (or numba missing) leaves the numpy methods in charge."""
    monkeypatch.setattr(swap, "_JIT", None)
    monkeypatch.setenv("SOTEPLAN_NUMBA", "0")
    assert swap.jit_kernels() is None
    _, C, w = _instance(5)
    allowed, fixed = np.ones(C.shape[1], bool), np.zeros(C.shape[1], bool)
    assert swap.SwapSearch(C, w, swap.greedy(C, w, 3, allowed, fixed), allowed, fixed).kern is None


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), p=st.integers(1, 8), with_fixed=st.booleans())
def test_compiled_greedy_opens_the_same_sites(seed, p, with_fixed):
    """The compiled greedy and the numpy one open the same sites (integer costs)."""
    pytest.importorskip("numba")
    _, C, w = _instance(seed, n=45, m=16, levels=25)
    allowed = np.ones(16, bool)
    allowed[5] = False
    fixed = np.zeros(16, bool)
    fixed[2] = with_fixed
    min_size, swap.JIT_MIN_SIZE = swap.JIT_MIN_SIZE, 0  # compiled even for this small C
    try:
        a = swap.greedy(C, w, p, allowed, fixed)
    finally:
        swap.JIT_MIN_SIZE = min_size
    b = swap.greedy(C, w, p, allowed, fixed)  # numpy: C is below JIT_MIN_SIZE
    assert np.array_equal(a, b) and a.sum() == p and not a[5]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), size=st.integers(1, 20))
def test_compiled_row_selection_matches_a_sort(seed, size):
    """``smallest_per_row`` (the Lagrangian pair list's set-up) against ``np.sort``."""
    kern = pytest.importorskip("soteplan.locate._swap_numba")
    A = np.random.default_rng(seed).integers(0, 9, (12, 21)).astype(float)
    rows = np.array([0, 3, 4, 11])
    idx = np.empty((4, size), dtype=np.int64)
    vals, nxt = np.empty((4, size)), np.empty(4)
    kern.smallest_per_row(A, rows, size, idx, vals, nxt)
    srt = np.sort(A[rows], axis=1)
    assert np.array_equal(vals, srt[:, :size]) and np.array_equal(nxt, srt[:, size])
    assert np.array_equal(np.take_along_axis(A[rows], idx, axis=1), vals)
    assert all(len(set(r)) == size for r in idx.tolist())


def test_small_matrices_stay_on_the_numpy_path():
    """Below ``JIT_MIN_SIZE`` entries the default is numpy (no numba import for a small
    one-off problem); above it, the compiled kernels where numba is importable."""
    _, C, w = _instance(2)
    allowed, fixed = np.ones(C.shape[1], bool), np.zeros(C.shape[1], bool)
    y = swap.greedy(C, w, 3, allowed, fixed)
    assert swap.SwapSearch(C, w, y, allowed, fixed).kern is None
    assert swap.jit_kernels(swap.JIT_MIN_SIZE - 1) is None
    if swap.jit_kernels() is not None:
        big = np.random.default_rng(0).integers(0, 50, (400, 250)).astype(float)
        assert big.size >= swap.JIT_MIN_SIZE
        al = np.ones(250, bool)
        s = swap.SwapSearch(big, np.ones(400), swap.greedy(big, np.ones(400), 5, al, ~al), al, ~al)
        assert s.kern is not None


def test_numpy_path_when_numba_cannot_be_imported(monkeypatch):
    """A missing numba is no error: the numpy methods run and give the same result."""
    import sys

    _, C, w = _instance(9, n=60, m=20)
    allowed, fixed = np.ones(20, bool), np.zeros(20, bool)
    expected = swap.heuristic(C, w, 4, allowed, fixed, kicks=10)
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba -> ImportError
    monkeypatch.delitem(sys.modules, "soteplan.locate._swap_numba", raising=False)
    monkeypatch.delattr(sys.modules["soteplan.locate"], "_swap_numba", raising=False)
    monkeypatch.setattr(swap, "_JIT", None)
    monkeypatch.setattr(swap, "JIT_MIN_SIZE", 0)
    assert swap.jit_kernels() is None
    y, obj = swap.heuristic(C, w, 4, allowed, fixed, kicks=10)
    assert obj == expected[1] and np.array_equal(y, expected[0])
