"""``PMedian.solve("heuristic")`` on OR-Library-shape instances (generated as in
``benchmarks/bench_locate.py``) against the optima recorded in
``benchmarks/beasley_optima.json``: within 0.5 %, with the compiled kernels and without."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from soteplan.locate import PMedian, read_orlib_pmed, write_orlib_pmed
from soteplan.locate import _swap as swap

ROOT = Path(__file__).resolve().parents[2]
TOLERANCE = 0.005  # the target of issue #17


def _bench():  # type: ignore[no-untyped-def]
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks import bench_locate

    return bench_locate


@pytest.mark.parametrize("jit", [True, False])
@pytest.mark.parametrize("k", [1, 4, 8])  # shapes of pmed2 (100, 10), pmed5 (100, 33), pmed9
def test_heuristic_within_tolerance_of_recorded_optimum(tmp_path, monkeypatch, k, jit):
    if jit:
        pytest.importorskip("numba")
        monkeypatch.setattr(swap, "JIT_MIN_SIZE", 0)  # compiled even on these small ones
    else:
        monkeypatch.setattr(swap, "_JIT", False)
    bench = _bench()
    optima = json.loads((ROOT / "benchmarks" / "beasley_optima.json").read_text())
    n, p = bench.BEASLEY_SHAPE[k]
    path = tmp_path / "inst.txt"
    write_orlib_pmed(path, n, bench.beasley_edges(n, seed=1000 + k), p)
    oi = read_orlib_pmed(path)
    r = PMedian.from_cost_matrix(oi.cost, np.ones(oi.n), p=oi.p).solve("heuristic")
    ref = optima[f"pmed{k + 1}"]["objective"]
    assert ref - 1e-9 <= r.objective <= ref * (1 + TOLERANCE)
    assert r.bound <= ref + 1e-9


def test_merge_identical_rows_keeps_first_occurrence_order():
    from soteplan.locate._base import merge_identical_rows

    rng = np.random.default_rng(4)
    C = rng.integers(0, 3, (200, 3)).astype(float)
    w = rng.random(200)
    U, wU, inv = merge_identical_rows(C, w)
    U2 = np.unique(C, axis=0)
    assert np.array_equal(U[inv], C)
    assert sorted(map(tuple, U.tolist())) == sorted(map(tuple, U2.tolist()))
    assert wU == pytest.approx(np.bincount(inv, weights=w))
    first = [int(np.flatnonzero(inv == k)[0]) for k in range(len(U))]
    assert first == sorted(first)
