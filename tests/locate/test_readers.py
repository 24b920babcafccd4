from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse.csgraph import floyd_warshall

from soteplan.errors import DataError
from soteplan.locate import PMedian, parse_orlib_pmed, read_cost_csv, read_orlib_pmed

DATA = Path(__file__).parent.parent / "data" / "orlib"


def _reference_apsp(path: Path) -> tuple[np.ndarray, int]:
    """Independent reading: dense matrix filled line by line (later lines overwrite)."""
    lines = path.read_text().split("\n")
    n, m, p = (int(v) for v in lines[0].split())
    g = np.full((n, n), np.inf)
    for ln in lines[1 : m + 1]:
        i, j, c = ln.split()
        g[int(i) - 1, int(j) - 1] = g[int(j) - 1, int(i) - 1] = float(c)
    np.fill_diagonal(g, 0)
    return floyd_warshall(g), p


def test_orlib_small_file_matches_floyd_warshall():
    path = DATA / "pmed_gen40.txt"
    inst = read_orlib_pmed(path)
    ref, p = _reference_apsp(path)
    assert inst.p == p == 4 and inst.n == 40
    np.testing.assert_allclose(inst.cost, ref)
    assert np.allclose(inst.cost, inst.cost.T)


def test_orlib_small_file_pmedian_brute_force():
    inst = read_orlib_pmed(DATA / "pmed_gen40.txt")
    c = inst.cost
    best = min(c[:, list(s)].min(axis=1).sum() for s in itertools.combinations(range(40), 2))
    r = PMedian.from_cost_matrix(c, p=2).solve()
    assert r.objective == pytest.approx(best)
    r4 = PMedian.from_cost_matrix(c, p=inst.p).solve()
    assert r4.objective <= r.objective
    assert r4.objective == pytest.approx(
        PMedian.from_cost_matrix(c, p=4).solve("heuristic", starts=30).objective
    )


def test_later_duplicate_edge_wins_and_zero_cost_edges():
    txt = "3 4 1\n1 2 10\n2 3 5\n1 2 3\n1 3 0\n"
    inst = parse_orlib_pmed(txt)
    assert inst.cost[0, 1] == 3  # later duplicate won (not min, not first)
    assert inst.cost[0, 2] == 0
    assert inst.cost[1, 2] == 3  # via node 1 with the zero edge
    txt2 = "3 2 1\n1 2 3\n1 2 10\n"
    inst2 = parse_orlib_pmed(txt2)
    assert inst2.cost[0, 1] == 10 and np.isinf(inst2.cost[0, 2])


def test_orlib_errors_are_all_reported():
    with pytest.raises(DataError) as ei:
        parse_orlib_pmed("3 3 1\n1 2 x\n1 9 2\n2 3 -1\n", source="bad.txt")
    msg = str(ei.value)
    assert "3 data problems" in msg and "row 2" in msg and "row 3" in msg and "row 4" in msg
    with pytest.raises(DataError, match="header"):
        parse_orlib_pmed("a b c\n")
    with pytest.raises(DataError, match="announces 5 edges"):
        parse_orlib_pmed("3 5 1\n1 2 1\n")


def test_cost_csv(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("demand,a,b\nx,1.5,2\ny,,4\n")
    df = read_cost_csv(f)
    assert list(df.columns) == ["a", "b"] and list(df.index) == ["x", "y"]
    assert np.isinf(df.loc["y", "a"])
    r = PMedian.from_cost_matrix(df.to_numpy(), p=1, demand_ids=df.index, site_ids=df.columns)
    assert r.solve().site_ids == ("b",)
    f.write_text("demand,a,b\nx,foo,-2\n")
    with pytest.raises(DataError, match="2 data problems"):
        read_cost_csv(f)
