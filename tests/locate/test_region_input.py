from __future__ import annotations

import numpy as np
import pytest

from soteplan.errors import ParameterError
from soteplan.locate import PMedian, region_location_input
from soteplan.region import load_region


@pytest.fixture(scope="module")
def li():
    return region_location_input(load_region("keski-suomi"), "health_station", extended=True)


def test_extended_candidates_and_weights(li):
    c = li.candidates
    assert set(c["kind"]) <= {"existing", "municipal_centre", "urban_settlement"}
    assert li.existing.sum() >= 20 and (~li.existing).sum() >= 5
    new = c[~li.existing][["x", "y"]].to_numpy()
    allxy = c[["x", "y"]].to_numpy()
    for x, y in new:  # each new candidate ≥ 1 km from every other candidate
        d = np.hypot(allxy[:, 0] - x, allxy[:, 1] - y)
        assert np.sort(d)[1] >= 1000.0
    assert li.minutes.shape == (len(li.demand_ids), len(c))
    a, b, o = li.weights("all"), li.weights("65+"), li.weights("75+")
    assert np.all(a >= b - 1e-9) and np.all(b >= o - 1e-9) and a.sum() > 200_000
    assert "approximation" in li.meta
    with pytest.raises(ParameterError, match="unknown weights"):
        li.weights("80+")


def test_more_sites_never_hurt_on_keski_suomi(li):
    w = li.weights("all")
    objs = [PMedian.from_cost_matrix(li.minutes, w, p=p).solve().objective for p in (5, 10, 20)]
    assert objs[0] > objs[1] > objs[2] > 0
    keep = PMedian.from_cost_matrix(
        li.minutes, w, p=int(li.existing.sum()) + 1, fixed=np.flatnonzero(li.existing)
    ).solve()
    assert set(np.flatnonzero(li.existing)) <= set(keep.site_indices.tolist())
