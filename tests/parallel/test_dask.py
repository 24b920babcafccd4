"""The Dask executor: protocol, order, progress, and sweeps equal to the local executor."""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd
import pytest

from soteplan.errors import ParameterError
from soteplan.parallel import Executor, executor
from soteplan.parallel._dask import DaskExecutor

distributed = pytest.importorskip("distributed")


def _slow_square(x: int) -> int:
    # later items finish first when run concurrently: order must still be kept
    import time

    time.sleep(0.02 * (5 - x % 5))
    return x * x


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        dashboard_address=None,
    ) as c:
        yield c


def test_dask_executor_keeps_order_and_reports_progress(cluster):
    ex = DaskExecutor(cluster)
    assert isinstance(ex, Executor)
    seen: list[tuple[int, int]] = []
    out = ex.map(_slow_square, range(12), progress=lambda d, t: seen.append((d, t)))
    assert out == [x * x for x in range(12)]
    assert [d for d, _ in seen] == list(range(1, 13)) and {t for _, t in seen} == {12}
    assert ex.map(operator.neg, []) == []
    ex.close()


def test_executor_spec_by_address(cluster):
    host_port = cluster.scheduler_address.removeprefix("tcp://")
    ex = executor(f"dask://{host_port}")
    try:
        assert ex.name == "dask"
        assert ex.map(abs, [-3, 2, -1]) == [3, 2, 1]
    finally:
        ex.close()
    assert cluster.scheduler_address  # the cluster outlives a client's close


def test_bad_specs():
    with pytest.raises(ParameterError):
        DaskExecutor("dask://")
    with pytest.raises(ParameterError):
        DaskExecutor(42)


def test_errors_propagate(cluster):
    ex = DaskExecutor(cluster)
    with pytest.raises(ZeroDivisionError):
        ex.map(_div_zero, [1])
    ex.close()


def _div_zero(x: int) -> float:
    return x / 0


def test_sweep_same_numbers_local_and_dask(cluster, ks):
    """50 variants of the remote-share lever × years: identical on both executors."""
    from soteplan.scenario import Scenario, sweep

    sc = Scenario.model_validate(
        {
            "name": "sweep",
            "base_year": 2020,
            "target_year": 2030,
            "demand": {
                "levers": {
                    "remote": {
                        "target_share": 0.2,
                        "start_year": 2021,
                        "target_year": 2028,
                        "staff_time_factor": 0.8,
                    },
                }
            },
        }
    )
    values = list(np.linspace(0.0, 0.6, 50))
    local = executor("local", workers=2)
    try:
        a = sweep(sc, "demand.levers.remote.target_share", values, executor=local)
    finally:
        local.close()
    dx = DaskExecutor(cluster)
    try:
        b = sweep(sc, "demand.levers.remote.target_share", values, executor=dx)
    finally:
        dx.close()
    assert len(a) == 50 * 11 * 8
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    # the lever does something: 2030 cost falls as the remote share grows
    c = a[a["year"] == 2030].groupby("value")["cost_eur"].sum()
    assert (np.diff(c.to_numpy()) < 0).all()
    r = a[(a["year"] == 2030) & (a["service"] == "primary_care")].set_index("value")
    np.testing.assert_allclose(r["remote"] / r["volume"], r.index.to_numpy(), rtol=1e-12)
