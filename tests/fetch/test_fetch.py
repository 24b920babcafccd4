"""soteplan data fetch on recorded answers: never the internet."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import urllib.error
from pathlib import Path

import pandas as pd
import pytest
import yaml

from soteplan.errors import ConnectionNeededError, DataError, NotFoundError, ParameterError
from soteplan.fetch import (
    HttpTransport,
    RecordedTransport,
    RecordingTransport,
    fetch_region,
)
from soteplan.region import load_region, region_dir

RECORDING = Path(__file__).parents[1] / "data" / "fetch" / "recorded-keski-suomi"
PROJ_128V = "vaenn/statfin_vaenn_pxt_128v.px"
DAY = dt.date(2026, 12, 1)


def _fetch(out: Path, transport=None, **kw):
    kw.setdefault("today", DAY)
    kw.setdefault("projection_table", PROJ_128V)  # the recording holds the 2019 projection
    return fetch_region(
        "keski-suomi", out, transport=transport or RecordedTransport(RECORDING), **kw
    )


def test_fetch_reproduces_the_published_tables(tmp_path):
    out = tmp_path / "ks"
    res = _fetch(out)
    emb = load_region("keski-suomi")
    got = load_region(out)
    # 2020 ages fetched from the recording equal Statistics Finland's table in the package
    a = got.population_by_age(2020).sort_index()
    b = emb.population_by_age(2020).sort_index()
    pd.testing.assert_frame_equal(a, b)
    assert int(got.population_total(2020).sum()) == 272_617
    # the projection comes back under its own name, identical to the embedded 2019 one
    # (the embedded table also holds Kuhmoinen, a member until 2020; the API answers for
    # the current division only)
    e = emb.projection("statfin-2019")
    e = e[e["municipality"] != "291"].reset_index(drop=True)
    pd.testing.assert_frame_equal(got.projection("statfin-2019").reset_index(drop=True), e)

    def dep2012(r):
        ind = r.table("published_indicators")
        sel = (ind["indicator"] == "dependency_ratio_sotkanet") & (ind["year"] == 2012)
        return ind[sel].set_index("municipality")["value"]

    codes = got.municipality_codes()
    pd.testing.assert_series_equal(dep2012(got).loc[codes], dep2012(emb).loc[codes])
    assert dep2012(got).loc["179"] == pytest.approx(dep2012(emb).loc["179"])
    frame = res.to_frame()
    assert list(frame["what"]) == [
        "population",
        "projection statfin-2019",
        "Sotkanet 761: Huoltosuhde, demografinen",
    ]
    assert frame.loc[0, "persons"] == 272_617
    assert res.meta["fetched"] == "2026-12-01"


def test_provenance_records_publisher_url_and_date(tmp_path):
    out = tmp_path / "ks"
    _fetch(out)
    prov = yaml.safe_load((out / "provenance.yaml").read_text(encoding="utf-8"))
    entry = prov["files"]["population_age_sex.csv"]
    last = entry["fetched"][-1]
    assert last["date"] == "2026-12-01"
    assert last["url"].endswith("statfin_vaerak_pxt_11re.px")
    assert (out / last["raw"]).is_file()
    assert "Statistics Finland" in entry["publisher"]
    ind = prov["files"]["published_indicators.csv"]["fetched"][-1]
    assert "indicator=761" in ind["url"]
    assert yaml.safe_load((out / "region.yaml").read_text(encoding="utf-8"))["fetched"] == (
        "2026-12-01"
    )


def test_a_second_fetch_updates_the_user_directory(tmp_path):
    out = tmp_path / "ks"
    _fetch(out)
    _fetch(out, today=dt.date(2027, 1, 2), projection=False, indicators=())
    prov = yaml.safe_load((out / "provenance.yaml").read_text(encoding="utf-8"))
    dates = [f["date"] for f in prov["files"]["population_age_sex.csv"]["fetched"]]
    assert dates[-1] == "2027-01-02"
    assert not any(p.name.startswith(".ks.") for p in tmp_path.iterdir())


def test_offline_says_it_needs_a_connection_and_changes_nothing(tmp_path, monkeypatch):
    out = tmp_path / "ks"
    _fetch(out)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def refuse(*a, **k):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr("urllib.request.urlopen", refuse)
    with pytest.raises(ConnectionNeededError, match="needs an internet connection"):
        _fetch(out, HttpTransport())
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ks"]


def test_broken_answers_are_refused_with_the_file_named(tmp_path):
    rec = tmp_path / "rec"
    shutil.copytree(RECORDING, rec)
    doc = json.loads((rec / "002.json").read_text(encoding="utf-8"))
    doc["value"] = doc["value"][:-1]  # one cell short of the dimensions' product
    (rec / "002.json").write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "ks"
    with pytest.raises(DataError, match=r"statfin_11re_2020\.json"):
        _fetch(out, RecordedTransport(rec))
    assert not out.exists()
    (rec / "001.json").write_text("<html>maintenance</html>", encoding="utf-8")
    with pytest.raises(DataError, match="not a JSON answer"):
        _fetch(out, RecordedTransport(rec))


def test_negative_population_in_an_answer_fails_validation(tmp_path):
    rec = tmp_path / "rec"
    shutil.copytree(RECORDING, rec)
    doc = json.loads((rec / "002.json").read_text(encoding="utf-8"))
    doc["value"][5] = -3
    (rec / "002.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataError):
        _fetch(tmp_path / "ks", RecordedTransport(rec), projection=False, indicators=())
    assert not (tmp_path / "ks").exists()


def test_replay_checks_the_query_that_would_be_sent(tmp_path):
    rec = tmp_path / "rec"
    shutil.copytree(RECORDING, rec)
    index = json.loads((rec / "index.json").read_text(encoding="utf-8"))
    index["requests"][1]["body"]["query"][1]["selection"]["values"] = ["2019"]
    (rec / "index.json").write_text(json.dumps(index), encoding="utf-8")
    with pytest.raises(NotFoundError, match="another query body"):
        _fetch(tmp_path / "ks", RecordedTransport(rec))


def test_unknown_year_and_package_directory_are_refused(tmp_path):
    with pytest.raises(ParameterError, match="no 2031"):
        _fetch(tmp_path / "ks", year=2031)
    with pytest.raises(ParameterError, match="inside the installed package"):
        _fetch(region_dir("keski-suomi"))
    with pytest.raises(ParameterError, match="nothing to fetch"):
        _fetch(tmp_path / "ks", population=False, projection=False, indicators=())


def test_recording_transport_writes_a_replayable_recording(tmp_path):
    rec = tmp_path / "again"
    _fetch(tmp_path / "a", RecordingTransport(RecordedTransport(RECORDING), rec))
    index = json.loads((rec / "index.json").read_text(encoding="utf-8"))
    assert len(index["requests"]) == 7
    _fetch(tmp_path / "b", RecordedTransport(rec))
    a = (tmp_path / "a" / "population_age_sex.csv").read_bytes()
    assert a == (tmp_path / "b" / "population_age_sex.csv").read_bytes()


# ------------------------------------------------------------------ the command line
def test_cli_replays_a_recording_into_a_user_directory(tmp_path):
    from typer.testing import CliRunner

    from soteplan.cli import app

    out = tmp_path / "ks"
    res = CliRunner().invoke(
        app,
        ["data", "fetch", "--replay", str(RECORDING), "--projection-table", PROJ_128V,
         "--out", str(out), "--format", "json"],
    )  # fmt: skip
    assert res.exit_code == 0, (res.output, res.exception)
    doc = json.loads(res.stdout)
    assert doc["meta"]["directory"] == str(out.resolve())
    assert doc["rows"][0]["what"] == "population"
    assert doc["rows"][0]["persons"] == 272_617
    assert load_region(out).population_total(2020).sum() == 272_617


def test_cli_offline_exits_2_with_one_clear_line(tmp_path, monkeypatch, capsys):
    import sys

    from soteplan.cli import app
    from soteplan.cli._common import run_guarded

    def refuse(*a, **k):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr("urllib.request.urlopen", refuse)
    monkeypatch.setattr(sys, "argv", ["soteplan", "data", "fetch", "--out", str(tmp_path / "x")])
    assert run_guarded(app) == 2
    err = capsys.readouterr().err
    assert "needs an internet connection" in err and "nothing was changed" in err
    assert "Traceback" not in err
    assert not (tmp_path / "x").exists()
