"""The national run: Dask LocalCluster (2 processes) equals the serial run; failures are kept."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from soteplan.national import CountyParams, run_national, save_map
from soteplan.region.build import build_region

SMALL = ("kainuu", "keski-pohjanmaa", "ita-uusimaa")
PARAMS = CountyParams(p_values=(2, 4), method="heuristic")


@pytest.fixture(scope="module")
def dirs(shared_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    root = tmp_path_factory.mktemp("national")
    return [str(build_region(c, root / c, raw=shared_raw).out) for c in SMALL]


@pytest.fixture(scope="module")
def serial(dirs):
    return run_national(dirs, params=PARAMS, scheduler="serial")


def test_serial_figures_are_plausible(serial, dirs):
    t = serial.to_frame()
    assert list(t.index) == dirs and not serial.failures
    assert (t["population"] > 40_000).all()
    assert t["coverage_30_min_pct"].between(50, 100).all()
    # p-median: more sites never give a longer mean time
    for curve in serial.curves().groupby("region")["mean_minutes"]:
        assert curve[1].is_monotonic_decreasing
    for rid, v in serial.figures.items():  # gain = existing mean − best known at that p
        n = v["health_stations"]
        assert v["pmedian_gain_min"] == pytest.approx(
            v["pmedian_existing_mean_min"] - v["curve"][n], abs=2e-3
        ), rid
    assert (t["cost_per_resident_eur"] > 0).all()
    assert (t["org ≥20k primary-2013"] == "1/1").all()


def test_local_cluster_gives_the_serial_numbers(serial, dirs):
    dask = run_national(dirs, params=PARAMS, scheduler="local", workers=2)
    assert dask.meta["executor"] == "dask LocalCluster, 2 worker processes"
    pd.testing.assert_frame_equal(
        serial.to_frame().drop(columns="seconds"), dask.to_frame().drop(columns="seconds")
    )
    pd.testing.assert_frame_equal(serial.curves(), dask.curves())


def test_a_failing_county_says_why_and_others_finish(dirs, tmp_path, monkeypatch):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "region.yaml").write_text("id: broken\n", encoding="utf-8")
    monkeypatch.setenv("SOTEPLAN_REGION_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.setenv("SOTEPLAN_RAW_DATA", str(tmp_path / "no-raw"))
    res = run_national([dirs[0], str(broken), "lappi"], params=PARAMS, scheduler="serial")
    assert list(res.figures) == [dirs[0]]
    assert "municipalities.csv" in res.failures[str(broken)]
    assert "not built yet" in res.failures["lappi"]


def test_store_table_and_map(serial, dirs, tmp_path):
    from soteplan.store import Store

    with Store(tmp_path / "runs.db") as st:
        from soteplan.national._run import _store

        run_id = _store(st, serial)
        rec = st.load(run_id)
    assert len(rec.tables["national"]) == len(dirs)
    assert rec.tables["curves"]["p"].tolist() == serial.curves()["p"].tolist()
    png = save_map(serial, tmp_path / "n.png", region_dirs={d: d for d in dirs})
    assert png.stat().st_size > 10_000


@pytest.mark.postgres
def test_national_run_stored_in_postgresql_reads_back(serial, dirs, pg_url):
    """The shared-use store: a national run saved to PostgreSQL loads back whole."""
    from soteplan.national._run import _store
    from soteplan.store import Store

    with Store(pg_url) as st:
        run_id = _store(st, serial)
    with Store(pg_url) as st:  # a second client, as another planner would open it
        rec = st.load(run_id)
        assert run_id in set(st.list_runs()["id"])
    table = rec.tables["national"].set_index("region")
    expected = serial.to_frame()
    assert list(table.index) == list(expected.index) == dirs
    for col in ("population", "coverage_30_min_pct", "cost_per_resident_eur"):
        assert table[col].tolist() == pytest.approx(expected[col].tolist()), col
    assert rec.tables["curves"]["mean_minutes"].tolist() == pytest.approx(
        serial.curves()["mean_minutes"].tolist()
    )


def test_bad_scheduler_is_a_parameter_error(dirs):
    from soteplan.errors import ParameterError

    with pytest.raises(ParameterError, match="scheduler"):
        run_national(dirs[:1], params=PARAMS, scheduler="carrier-pigeon")


def test_division_reports_method_gap_and_meets_floors(dirs):
    from soteplan.national import divide

    d = divide(dirs[0], 2, min_population=20_000, method="auto", time_limit=60)
    t = d.to_frame()
    assert len(t) == 2 and (t["population"] >= 20_000).all()
    assert d.method == "exact" and d.status == "optimal" and d.gap <= 1e-6
    # one county of one area is never better than two optimised areas on the same matrix
    assert d.counties_mean_minutes is not None and d.mean_minutes <= d.counties_mean_minutes
    members = " ".join(t["members"]).split()
    assert len(members) == len(set(members))
    # the heuristic (as on mainland Finland) reports the LP relaxation's proven bound
    h = divide(dirs[0], 2, min_population=20_000, method="heuristic", time_limit=10)
    assert h.method == "heuristic" and h.meta["bound_status"] == "optimal"
    assert h.meta["bound_method"].startswith("LP relaxation")
    exact_objective = d.mean_minutes * sum(t["population"])
    assert h.meta["lower_bound"] <= exact_objective * (1 + 1e-4)  # mean_minutes is rounded
    heur_objective = h.mean_minutes * sum(h.to_frame()["population"])
    assert h.gap == pytest.approx(1 - h.meta["lower_bound"] / heur_objective, abs=1e-4)
    assert 0.0 <= h.gap < 0.5 and h.mean_minutes >= d.mean_minutes - 1e-3


def test_cli_writes_table_curves_and_map(dirs, tmp_path):
    from typer.testing import CliRunner

    from soteplan.cli import app

    out = tmp_path / "national"
    res = CliRunner().invoke(
        app,
        [
            "national",
            "--out",
            str(out),
            "--scheduler",
            "serial",
            "-r",
            dirs[0],
            "--p",
            "2",
            "--store",
            str(tmp_path / "runs.db"),
            "--format",
            "csv",
        ],
    )
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "national.csv", index_col="region")
    assert list(table.index) == [dirs[0]] and (out / "national.png").stat().st_size > 10_000
    assert set(pd.read_csv(out / "curves.csv")["p"]) >= {2}
    bad = CliRunner().invoke(app, ["national", "--out", str(out), "--p", "two"])
    assert bad.exit_code != 0
