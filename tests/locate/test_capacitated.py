from __future__ import annotations

import numpy as np
import pytest

from soteplan.errors import InfeasibleError
from soteplan.locate import CapacitatedPMedian, PMedian, Status


def _served(r, m):
    a = r.allocation
    return np.bincount(a["site_index"], weights=a["weight"], minlength=m)


@pytest.mark.parametrize("single", [False, True])
def test_capacity_respected(single, make_euclid):
    cost, w = make_euclid(40, 10, 3)
    cap = np.full(10, w.sum() / 3.0)
    r = CapacitatedPMedian.from_cost_matrix(cost, w, p=4, capacity=cap, single_source=single).solve(
        "exact"
    )
    assert r.status is Status.optimal
    served = _served(r, 10)
    assert np.all(served <= cap + 1e-6)
    assert served.sum() == pytest.approx(w.sum())
    assert set(np.flatnonzero(served > 1e-9)) <= set(r.site_indices.tolist())
    if single:
        assert r.allocation.groupby("demand_index").size().max() == 1
    unc = PMedian.from_cost_matrix(cost, w, p=4).solve()
    assert r.objective >= unc.objective - 1e-6  # capacities can only cost
    h = CapacitatedPMedian.from_cost_matrix(cost, w, p=4, capacity=cap, single_source=single).solve(
        "heuristic"
    )
    assert h.objective >= r.objective - 1e-6
    assert np.all(_served(h, 10) <= cap + 1e-6)


def test_loose_capacity_equals_pmedian(make_euclid):
    cost, w = make_euclid(30, 8, 4)
    r = CapacitatedPMedian.from_cost_matrix(cost, w, p=3, capacity=np.full(8, w.sum())).solve()
    assert r.objective == pytest.approx(PMedian.from_cost_matrix(cost, w, p=3).solve().objective)


def test_capacity_below_demand(make_euclid):
    cost, w = make_euclid(20, 5, 4)
    cap = np.array([10.0, 20, 30, 40, 50])
    with pytest.raises(InfeasibleError, match=r"capacity below demand.*is 90"):
        CapacitatedPMedian.from_cost_matrix(cost, w, p=2, capacity=cap)
    with pytest.raises(InfeasibleError, match="exceed the largest capacity"):
        w2 = np.ones(20)
        w2[3] = 100.0  # one big demand point, total 119 < 5 × 50 capacity
        CapacitatedPMedian.from_cost_matrix(
            cost, w2, p=5, capacity=np.full(5, 50.0), single_source=True
        )
