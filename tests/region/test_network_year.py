"""The service network by year: the data's last year, later years, strict, newer lists."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from soteplan.errors import DataError, ParameterError
from soteplan.region import load_region, read_service_points, region_dir, update_service_network


def test_embedded_region_states_the_last_year_of_each_list(ks):
    assert ks.network_last_years == {
        "emergency_department": 2021,
        "health_station": 2019,
        "hospital": 2019,
    }
    ny = ks.network_year(2019, "health_station")
    assert (ny.used, ny.beyond_data, ny.note) == (2019, False, "")


def test_a_year_past_the_data_answers_with_the_last_list_and_says_so(ks):
    hs19 = ks.service_points_in(2019, "health_station")
    hs26 = ks.service_points_in(2026, "health_station")
    assert list(hs26.index) == list(hs19.index)
    net = hs26.attrs["network"]
    assert net["network_year"] == 2019 and net["requested_year"] == 2026 and net["beyond_data"]
    assert "2019" in net["note"] and "2026" in net["note"]
    assert hs19.attrs["network"]["note"] == ""
    with pytest.raises(ParameterError, match="describes 2019 at the latest"):
        ks.service_points_in(2026, "health_station", strict=True)
    # Stations closed in the data stay closed in later years: Vaajakoski ended before 2019.
    assert "hs-179-vaajakoski" in ks.service_points_in(2015, "health_station").index
    assert "hs-179-vaajakoski" not in hs26.index


def test_old_central_hospital_and_nova_are_dated(ks):
    ed = {y: list(ks.service_points_in(y, "emergency_department").index) for y in (2019, 2020)}
    assert ed[2019] == ed[2020] == ["ed-179-keski-suomen-keskussairaala"]
    assert list(ks.service_points_in(2021, "emergency_department").index) == [
        "ed-179-sairaala-nova"
    ]
    hosp_now = ks.service_points_in(None, "hospital")
    assert "hosp-179-sairaala-nova" in hosp_now.index
    assert "hosp-179-keski-suomen-keskussairaala" not in hosp_now.index
    h19 = ks.service_points_in(2019, "hospital")
    assert "hosp-179-keski-suomen-keskussairaala" in h19.index
    assert "hosp-179-sairaala-nova" not in h19.index


def test_access_meta_and_cli_say_which_year(ks, tmp_path, monkeypatch, capsys):
    from typer.testing import CliRunner

    from soteplan.access import assess, region_graph, region_origins, service_points
    from soteplan.cli import app
    from soteplan.cli._common import run_guarded

    r = assess(
        region_graph(ks, cache=False),
        region_origins(ks, 2019, method="postal"),
        service_points(ks, "health_station", 2026),
    )
    assert r.meta["network"]["network_year"] == 2019
    assert "used for 2026" in r.meta["note"]
    env = {"COLUMNS": "200", "SOTEPLAN_CACHE_DIR": str(tmp_path / "cache")}
    res = CliRunner().invoke(app, ["access", "--year", "2026", "--format", "json"], env=env)
    assert res.exit_code == 0, res.output
    meta = __import__("json").loads(res.output)["meta"]
    assert meta["network"]["beyond_data"] is True and "used for 2026" in meta["note"]
    monkeypatch.setattr("sys.argv", ["soteplan", "access", "--year", "2026", "--strict-year"])
    monkeypatch.setenv("SOTEPLAN_CACHE_DIR", str(tmp_path / "cache"))
    assert run_guarded(app) == 2
    err = capsys.readouterr().err
    assert "describes 2019 at the latest" in err and "Traceback" not in err


def test_report_note_names_both_years():
    from soteplan.i18n import t
    from soteplan.report._build import _network_note

    net = {"network_year": 2019, "last_data_year": 2019, "requested_year": 2026}
    assert "2019" in _network_note(net, t) and "2026" not in _network_note(net, t)
    text = _network_note({**net, "beyond_data": True}, lambda k, **kw: t(k, "en", **kw))
    assert "Asked for 2026" in text and "list of 2019" in text
    assert _network_note(None, t) == ""


def _csv_2026(ks, path):
    """Today's stations as a CSV: the 2019 list without the three closed in 2026 (S14)."""
    hs = ks.service_points_in(2019, "health_station")
    gone = ["hs-179-tikkakoski", "hs-179-korpilahti", "hs-179-huhtasuo"]
    assert set(gone) <= set(hs.index)
    keep = hs.drop(index=gone)
    pd.DataFrame(
        {
            "id": keep.index,
            "type": "health_station",
            "name": keep["name"],
            "provider_kind": keep["provider_kind"],
            "municipality": keep["municipality"],
            "x": keep.geometry.x.round().astype(int),
            "y": keep.geometry.y.round().astype(int),
        }
    ).to_csv(path, index=False)
    return len(keep)


def test_a_newer_list_becomes_the_default_of_a_region_copy(ks, tmp_path):
    n = _csv_2026(ks, tmp_path / "hs2026.csv")
    out = update_service_network(
        "keski-suomi", read_service_points(tmp_path / "hs2026.csv"), 2026, tmp_path / "ks2026"
    )
    r = load_region(out)
    assert r.network_last_years["health_station"] == 2026
    assert r.network_last_years["hospital"] == 2019  # other types untouched
    now = r.service_points_in(2026, "health_station")
    assert len(now) == n and now.attrs["network"]["note"] == ""
    assert "hs-179-tikkakoski" not in now.index
    # The earlier years are unchanged; a closed station ends at the old data's last year.
    assert list(r.service_points_in(2019, "health_station").index) == list(
        ks.service_points_in(2019, "health_station").index
    )
    assert r.service_points.at["hs-179-tikkakoski", "valid_to"] == 2019
    assert r.service_points.at["hs-179-kyllo", "valid_from"] == 2013  # known start kept
    meta = yaml.safe_load((out / "region.yaml").read_text(encoding="utf-8"))
    assert "list of 2026" in meta["service_network"]["updated"][0]
    with pytest.raises(ParameterError, match="not empty"):
        update_service_network(
            "keski-suomi", read_service_points(tmp_path / "hs2026.csv"), 2026, out
        )


def test_newer_list_broken_inputs(ks, tmp_path):
    _csv_2026(ks, tmp_path / "hs.csv")
    pts = read_service_points(tmp_path / "hs.csv")
    with pytest.raises(ParameterError, match="before the region's health_station data"):
        update_service_network("keski-suomi", pts, 2015, tmp_path / "a")
    outside = pts.copy()
    outside.iloc[2, outside.columns.get_loc("municipality")] = "091"  # Helsinki
    with pytest.raises(DataError, match=r"row 4.*municipality.*'091'"):
        update_service_network("keski-suomi", outside, 2026, tmp_path / "b")


def test_broken_service_network_block_is_named(tmp_path):
    d = tmp_path / "ks"
    shutil.copytree(region_dir("keski-suomi"), d)
    meta = yaml.safe_load((d / "region.yaml").read_text(encoding="utf-8"))
    meta["service_network"]["last_year"]["hospital"] = "soon"
    (d / "region.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataError, match=r"service_network\.last_year\.hospital"):
        load_region(d)


def test_scenario_states_the_network_year_or_refuses_with_strict():
    from soteplan.scenario import parse_scenario, run

    spec = {
        "name": "n",
        "base_year": 2020,
        "target_year": 2021,
        "demand": {"morbidity": False, "calibrate_year": None},
        "network": {"service_type": "health_station", "year": 2026, "close": ["hs-179-huhtasuo"]},
    }
    res = run(parse_scenario(spec))
    acc = res.meta["engines"]["access"]
    assert acc["network"]["network_year"] == 2019 and res.summary["access"]["network_year"] == 2019
    assert any("used for 2026" in a for a in res.meta["approximation"])
    strict = {**spec, "network": {**spec["network"], "strict_year": True}}
    with pytest.raises(ParameterError, match="describes 2019 at the latest"):
        run(parse_scenario(strict))
