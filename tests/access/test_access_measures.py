"""Coverage, distribution, E2SFCA (against PySAL access), Gini and equity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soteplan.access import Origins, coverage, e2sfca, equity, gini, time_distribution
from soteplan.errors import ParameterError


def _origins(pop, muni, p65=None):
    n = len(pop)
    popd = {"all": np.asarray(pop, float)}
    if p65 is not None:
        popd["65+"] = np.asarray(p65, float)
    return Origins(
        np.array([f"o{i}" for i in range(n)]),
        np.zeros((n, 2)),
        np.asarray(muni, dtype=object),
        popd,
    )


def test_coverage_by_hand():
    o = _origins([100, 200, 300, 400], ["A", "A", "B", "B"], p65=[10, 20, 30, 40])
    t = [5.0, 12.0, 40.0, np.inf]
    cov = coverage(o, t, thresholds=(10, 15, 30, 45), groupings={"model": {"A": "x", "B": "x"}})
    region = cov[(cov.level == "region") & (cov.band == "all")].iloc[0]
    assert region.population == 1000
    assert (region.within_10, region.within_15, region.within_30, region.within_45) == (
        100,
        300,
        300,
        600,
    )
    assert region.share_45 == pytest.approx(0.6)
    b = cov[(cov.level == "municipality") & (cov.area == "B") & (cov.band == "65+")].iloc[0]
    assert (b.population, b.within_45) == (70, 30)
    model = cov[(cov.level == "model") & (cov.band == "all")]
    assert list(model.area) == ["x"] and model.iloc[0].within_15 == 300


@settings(max_examples=50, deadline=None)
@given(
    times=st.lists(st.floats(0, 120), min_size=1, max_size=30),
    th=st.lists(st.floats(0.5, 100), min_size=2, max_size=5, unique=True),
)
def test_coverage_never_falls_when_the_threshold_grows(times, th):
    rng = np.random.default_rng(len(times))
    o = _origins(rng.integers(0, 500, len(times)), rng.choice(["A", "B"], len(times)))
    cov = coverage(o, times, thresholds=th)
    ordered = sorted(th)
    within = cov[[f"within_{x:g}" for x in ordered]].to_numpy()
    assert (np.diff(within, axis=1) >= 0).all()
    assert (within <= cov[["population"]].to_numpy() + 1e-9).all()


def test_time_distribution_weighted_median():
    o = _origins([1, 1, 10], ["A", "A", "A"])
    d = time_distribution(o, [1.0, 2.0, 30.0])
    row = d[d.level == "region"].iloc[0]
    assert row["median"] == 30.0  # 10 of 12 people live 30 min away
    assert row["mean"] == pytest.approx((1 + 2 + 300) / 12)
    assert row["max"] == 30.0


def test_gini_known_values():
    assert gini([5, 5, 5]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)
    # integer weights equal repetition
    assert gini([1, 3], [2, 1]) == pytest.approx(gini([1, 1, 3]))
    with pytest.raises(ParameterError):
        gini([-1, 2])


def test_equity_worst_decile_and_furthest_municipality():
    # exactly the 10 people of B are the worst-off decile of 100
    eq = equity(_origins([60, 10, 30], ["A", "B", "C"]), [5.0, 60.0, 20.0])
    assert eq["worst_decile_mean_min"] == pytest.approx(60.0)
    assert eq["worst_decile_population"] == pytest.approx(10.0)
    # boundary split: 10 % of 150 = 15 people: 10 at 60 min + 5 at 20 min
    eq = equity(_origins([90, 10, 50], ["A", "B", "C"]), [5.0, 60.0, 20.0])
    assert eq["worst_decile_mean_min"] == pytest.approx((10 * 60 + 5 * 20) / 15)
    assert eq["furthest_municipality"] == "B"


def test_bad_minutes_shape():
    o = _origins([1, 2], ["A", "A"])
    with pytest.raises(ParameterError):
        coverage(o, [1.0])
    with pytest.raises(ParameterError):
        coverage(o, [1.0, np.nan])
    with pytest.raises(ParameterError):
        coverage(o, [1.0, 2.0], thresholds=(0,))


# the access package uses a pandas API that pandas 3 deprecates
@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_e2sfca_equals_pysal_access(seed):
    access = pytest.importorskip("access")
    rng = np.random.default_rng(seed)
    n_o, n_f = 40, 9
    pop = rng.integers(0, 3000, n_o).astype(float)
    cap = rng.uniform(0.5, 10, n_f)
    minutes = rng.uniform(0, 70, (n_o, n_f))
    steps = ((15.0, 1.0), (30.0, 0.68), (45.0, 0.22))
    ours, ratio = e2sfca(pop, cap, minutes, steps=steps)

    demand = pd.DataFrame({"geoid": np.arange(n_o), "pop": pop})
    supply = pd.DataFrame({"fid": np.arange(n_o, n_o + n_f), "cap": cap})
    oi, fj = np.meshgrid(np.arange(n_o), np.arange(n_f), indexing="ij")
    cost = pd.DataFrame({"origin": oi.ravel(), "dest": fj.ravel() + n_o, "cost": minutes.ravel()})
    a = access.Access(
        demand_df=demand,
        demand_index="geoid",
        demand_value="pop",
        supply_df=supply,
        supply_index="fid",
        supply_value="cap",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    theirs = a.enhanced_two_stage_fca(
        name="e2", weight_fn=access.weights.step_fn(dict(steps)), max_cost=45
    )
    theirs = theirs.iloc[:, 0].reindex(np.arange(n_o)).fillna(0.0).to_numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-15)
    assert (ours > 0).sum() > n_o // 2  # a non-trivial comparison
    assert np.isfinite(ratio).all()


def test_e2sfca_total_supply_is_conserved():
    # each facility's supply is distributed exactly over the people it serves
    rng = np.random.default_rng(4)
    pop = rng.integers(1, 100, 20).astype(float)
    cap = rng.uniform(1, 5, 4)
    minutes = rng.uniform(0, 20, (20, 4))
    acc, _ = e2sfca(pop, cap, minutes, steps=((30.0, 1.0),))
    assert float(pop @ acc) == pytest.approx(cap.sum())
    with pytest.raises(ParameterError):
        e2sfca(pop, cap, minutes[:, :3])
