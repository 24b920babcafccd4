"""Capacitated benchmark files (Lorena & Senne, OR-Library pmedcap): parsing, the
objective convention and the errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from soteplan.errors import DataError
from soteplan.locate import parse_cpmp, read_cpmp

LORENA = """6 2
0 0 14 4
3 4 14 5
10 0 14 3
10 7 14 6
1 9 14 2
6 6 14 3
"""

ORLIB = """ 2
 1 17
 5 2 9
 1 0 0 4
 2 1 1 3
 3 9 9 5
 4 8 9 2
 5 0 2 4
 7 0
 4 1 20
 1 0 0 1
 2 3 4 1
 3 6 8 1
 4 9 12 1
"""


def _brute(d: np.ndarray, w: np.ndarray, cap: np.ndarray, p: int) -> float:
    """Independent optimum: every assignment of points to sites, Σ d, single source."""
    n = len(w)
    best = np.inf
    for code in itertools.product(range(n), repeat=n):
        sites = set(code)
        if len(sites) > p:
            continue
        load = np.zeros(n)
        np.add.at(load, list(code), w)
        if np.all(load <= cap + 1e-9):
            best = min(best, float(d[np.arange(n), list(code)].sum()))
    return best


def test_lorena_file_fields_and_objective_is_sum_of_distances(tmp_path):
    path = tmp_path / "SJC0.dat"
    path.write_text(LORENA)
    [inst] = read_cpmp(path)
    assert inst.name == "SJC0.dat" and inst.n == 6 and inst.p == 2
    assert not inst.truncate and inst.best_known is None
    np.testing.assert_array_equal(inst.demand, [4, 5, 3, 6, 2, 3])
    np.testing.assert_array_equal(inst.capacity, np.full(6, 14.0))
    d = inst.distance()
    assert d[0, 1] == pytest.approx(5.0) and d[0, 3] == pytest.approx(np.hypot(10, 7))
    r = inst.model().solve("exact", time_limit=30)
    want = _brute(d, inst.demand, inst.capacity, 2)
    assert r.status.value == "optimal"
    assert r.objective == pytest.approx(want)
    # the demand weights only the capacity: the reported cost per point is its distance
    f = r.to_frame()
    np.testing.assert_allclose((f["cost"] * f["weight"]).to_numpy(), d[np.arange(6), r.assignment])


def test_orlib_pmedcap_problems_truncated_distances_and_best_known():
    a, b = parse_cpmp(ORLIB, source="pmedcap1.txt")
    assert (a.name, a.p, a.n, a.best_known) == ("pmedcap1.txt#1", 2, 5, 17.0)
    assert (b.name, b.p, b.n, b.best_known) == ("pmedcap1.txt#7", 1, 4, 0.0)
    assert a.truncate and b.truncate
    d = a.distance()
    assert d[0, 1] == 1.0  # √2 truncated
    assert d[2, 3] == 1.0 and d[0, 2] == np.floor(np.hypot(9, 9))
    r = a.model().solve("exact", time_limit=30)
    assert r.objective == pytest.approx(_brute(d, a.demand, a.capacity, 2))
    np.testing.assert_array_equal(b.distance()[0], [0, 5, 10, 15])


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty file"),
        ("6 x\n", r"field 'p': not a number"),
        ("3 4\n0 0 1 1\n0 1 1 1\n1 1 1 1\n", r"p = 4 exceeds n = 3"),
        ("3 1\n0 0 1 1\n0 1 1 1\n", "announces 3 points, file has 2"),
        ("2 1\n0 0 5 1\n0 1 5 0\n", r"row 3, field 'demand': must be > 0"),
        ("2 1\n0 0 -5 1\n0 1 5 1 9\n", r"(?s)row 2, field 'capacity'.*row 3: expected"),
        ("2.5 1\n0 0 5 1\n0 1 5 1\n", r"field 'n': must be a whole number"),
        (" 1\n 1 5\n 2 1 0\n 1 0 0 1\n 2 0 1 1\n", r"field 'capacity': must be > 0"),
        (" 2\n 1 5\n 2 1 9\n 1 0 0 1\n 2 0 1 1\n", "file ends before problem 2 of 2"),
        (" 1\n 1 5\n 2 1 9\n 1 0 0 1\n 2 0 1 1\n 3 0 0 1\n", "text after the 1 problems"),
        (" 1\n 1 5\n 3 1 9\n 1 0 0 1\n 2 0 1 1\n", "problem 1 announces 3 points, has 2"),
    ],
)
def test_bad_files_name_the_line_and_field(text, match):
    with pytest.raises(DataError, match=match) as ei:
        parse_cpmp(text, source="bad.dat")
    assert "bad.dat" in str(ei.value)


def test_benchmark_table_of_real_files_reports_the_proof_against_the_file(tmp_path, capsys):
    from benchmarks.bench_locate import main

    path = tmp_path / "pmedcap1.txt"
    path.write_text(ORLIB)
    assert main(["--cpmp-files", str(path)]) == 0
    rows = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("| pmedcap1")]
    assert len(rows) == 2
    first = [c.strip() for c in rows[0].strip("|").split("|")]
    # file, n, p, s, obj, bound, gap, status, best known, difference
    assert first[0] == "pmedcap1.txt#1" and first[7] == "optimal" and first[8] == "17.00"
    want = _brute(*(lambda a: (a.distance(), a.demand, a.capacity, a.p))(parse_cpmp(ORLIB)[0]))
    assert float(first[4]) == pytest.approx(want)
    assert float(first[9]) == pytest.approx(want - 17.0)
