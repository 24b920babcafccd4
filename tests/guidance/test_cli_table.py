"""``soteplan guidance`` as a table in an 80-column terminal, and a planner's channels file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from soteplan.cli import app as cli_app
from soteplan.errors import DataError

RAW = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "raw"
HEADER = "need,order,kind,value,key,name,source_url,checked,basis,note\n"


@pytest.fixture
def narrow(monkeypatch):
    """The CLI's console as an 80-column terminal without colour; yields its text buffer."""
    import soteplan.cli.guidance as mod

    buf = io.StringIO()
    monkeypatch.setattr(mod, "console", Console(width=80, file=buf, color_system=None))
    return buf


def _run(args):
    return CliRunner().invoke(cli_app, ["guidance", *args])


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_home_help_at_43100_fits_80_columns_in_words(narrow, lang, ks_guide):
    res = _run(["--need", "home-help", "--postcode", "43100", "--lang", lang])
    assert res.exit_code == 0, res.output
    text = narrow.getvalue()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    from soteplan.i18n import t

    # the title is whole (wrapped, not cut): the need in words, the postcode and municipality
    head = " ".join(lines[:3])
    assert t("resident.need.home_help", lang) in head and "43100" in head
    assert "(Saarijärvi)" in head
    # no bare code columns and no "?": days in words, missing days said in words
    assert "?" not in text.replace("?)", "")
    assert " 729 " not in text
    expect = ks_guide.answer("home-help", postcode="43100").services
    assert expect[0].name.startswith("Saarijärven")
    for s in expect:
        assert s.name.split()[0] in text
        assert f"{s.travel_minutes:.0f} min" in text
    assert text.count(t("resident.days_not_in_data", lang).split()[0]) >= 2
    day_range = t("resident.day.mo", lang) + "–" + t("resident.day.fr", lang)
    assert day_range in text  # Karstula, Uurainen: Monday to Friday
    # each service's channels, and the region's phone line without a made-up number
    assert text.count(t("gcli.kind.in_person", lang) + ":") == 5
    assert "Sairaalantie 2" in text
    assert t("resident.number_not_in_data", lang) in " ".join(text.split())
    assert "https://www.hyvaks.fi/asioi-verkossa" in text
    assert "https://www.toivakka.fi/tag/hyvinvointialue/" in " ".join(text.split())


def test_saarijarvi_days_are_missing_in_the_source_not_lost_by_the_build(ks):
    """The health-station data record no days for Saarijärvi in any year; the build keeps that."""
    from soteplan.guidance import region_directory
    from soteplan.guidance._tables import opening_days_table

    row = opening_days_table().loc["hs-729-saarijarvi"]
    assert row["year"] == "2019" and all(row[d] == "" for d in ("mon", "fri", "sun"))
    loc = region_directory(ks).location("hs-729-saarijarvi")
    assert loc.opening_days is None and not loc.days_known()
    long = RAW / "health-stations-lavaste" / "converted" / "health_stations_2013_2019_long.csv"
    if not long.exists():
        pytest.skip("raw health-station data not present")
    import pandas as pd

    h = pd.read_csv(long, dtype=str)
    s = h[h["station"] == "Saarijärven terveysasema"]
    assert sorted(s["year"].astype(int)) == list(range(2013, 2020))
    assert s[["mon", "tue", "wed", "thu", "fri", "sat", "sun"]].isna().all().all()
    # a station whose days are recorded keeps them (the build does not blank good rows)
    assert opening_days_table().loc["hs-226-karstula", "mon"] == "1"


def _channels(tmp_path, body: str) -> Path:
    p = tmp_path / "channels.csv"
    p.write_text(HEADER + body, encoding="utf-8")
    return p


# An EXAMPLE number for the test only (not a real service line).
EXAMPLE_ROW = (
    "home-help,1,phone,+358 40 000 0000,elderly_concern_line,EXAMPLE line,"
    "https://example.org/source-page,2026-12-01,example,EXAMPLE\n"
)


def test_a_planners_channels_file_is_read_by_the_engine(tmp_path, ks, ks_guide):
    from soteplan.guidance import Guide, load_needs

    needs = load_needs(_channels(tmp_path, EXAMPLE_ROW))
    g = Guide(
        ks_guide.directory, ks_guide.graph, ks_guide.postal, ks_guide.municipalities, needs=needs
    )
    res = g.answer("home-help", postcode="43100")
    (c,) = res.region_channels
    assert (c.value, c.known, c.checked) == ("+358 40 000 0000", True, "2026-12-01")
    assert str(tmp_path) in res.meta["needs_table"]
    # the same services as with the package's file: channels do not change the ranking
    assert [s.service_id for s in res.services] == [
        s.service_id for s in ks_guide.answer("home-help", postcode="43100").services
    ]


def test_cli_channels_option(tmp_path, ks):
    res = _run(
        [
            "--need",
            "home-help",
            "--postcode",
            "43100",
            "--format",
            "json",
            "--channels",
            str(_channels(tmp_path, EXAMPLE_ROW)),
        ]
    )
    assert res.exit_code == 0, res.output
    body = json.loads(res.output)
    assert [c["value"] for c in body["region_channels"]] == ["+358 40 000 0000"]


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (EXAMPLE_ROW.replace("2026-12-01", ""), "checked"),
        (EXAMPLE_ROW.replace("+358 40 000 0000", "call us"), "value"),
        (EXAMPLE_ROW.replace("https://example.org/source-page", "example.org"), "source_url"),
        (EXAMPLE_ROW.replace(",phone,", ",fax,"), "kind"),
        ("home-help,1,e_service,www.example.org,,EXAMPLE,https://example.org,,x,\n", "value"),
    ],
)
def test_bad_channels_rows_name_file_row_and_field(tmp_path, row, field):
    from soteplan.guidance import load_needs

    with pytest.raises(DataError) as err:
        load_needs(_channels(tmp_path, row))
    (p,) = err.value.problems
    assert (p.source, p.row, p.field) == ("channels.csv", 1, field)


def test_cli_bad_channels_file_exits_2(tmp_path, monkeypatch, capsys):
    from soteplan.cli._common import run_guarded

    bad = _channels(tmp_path, EXAMPLE_ROW.replace("2026-12-01", "yesterday"))
    args = ["guidance", "--need", "home-help", "--postcode", "43100", "--channels", str(bad)]
    monkeypatch.setattr("sys.argv", ["soteplan", *args])
    assert run_guarded(cli_app) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "channels.csv" in err and "checked" in err


def test_the_api_reads_the_channels_file_named_in_the_environment(tmp_path, monkeypatch, ks):
    import warnings

    from soteplan.access import region_graph
    from soteplan.api import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    monkeypatch.setenv("SOTEPLAN_GUIDANCE_CHANNELS", str(_channels(tmp_path, EXAMPLE_ROW)))
    region_graph(ks)  # cached: the app's guide reuses the session's graph
    app = create_app("keski-suomi", web=False)
    body = TestClient(app).get("/api/v1/guidance?need=home-help&postcode=43100").json()
    assert [c["value"] for c in body["region_channels"]] == ["+358 40 000 0000"]
