"""Residents' voice: survey CSV import and the by-area table beside access."""

from __future__ import annotations

from pathlib import Path

import pytest

from soteplan.errors import DataError
from soteplan.guidance import read_survey, survey_by_area

DATA = Path(__file__).resolve().parents[1] / "data" / "guidance"


@pytest.fixture(scope="module")
def region_keys(ks):
    pa = ks.table("postal_areas")
    pcs = dict(zip(pa["postcode"].astype(str), pa["municipality"].astype(str), strict=True))
    return {"postcodes": pcs, "municipalities": ks.municipality_codes()}


def test_soteplan_format(region_keys):
    s = read_survey(DATA / "survey_example.csv", **region_keys)
    assert s.meta["layout"] == "soteplan" and s.meta["answers"] == 6
    f = s.to_frame()
    assert set(f["area_kind"]) == {"postcode", "municipality"}
    assert f.loc[f["area"] == "43100", "municipality"].unique().tolist() == ["729"]
    assert f["date"].notna().all()


def test_google_forms_export_by_its_column_titles(region_keys, tmp_path):
    s = read_survey(DATA / "survey_google_forms_example.csv", **region_keys)
    assert s.meta["layout"] == "google-forms"
    assert s.frame["score"].tolist() == [2.0, 4.0, 3.0]
    assert str(s.frame["date"].iloc[0]) == "2021-03-02 10:15:03"
    # semicolon-separated, other titles, an explicit mapping
    p = tmp_path / "forms.csv"
    p.write_text("Timestamp;Missä asut?;Mistä palaute?;Pisteet\n2021-03-02;43100;bussi;5\n")
    with pytest.raises(DataError):
        read_survey(p, **region_keys)
    s = read_survey(
        p,
        columns={"area": "Missä asut?", "theme": "Mistä palaute?", "score": "Pisteet"},
        **region_keys,
    )
    assert s.meta["delimiter"] == ";" and s.frame["score"].tolist() == [5.0]


def test_broken_survey_names_rows_and_fields(region_keys):
    with pytest.raises(DataError) as exc:
        read_survey(DATA / "broken_survey.csv", **region_keys)
    got = {(p.row, p.field) for p in exc.value.problems}
    assert got == {(1, "score"), (2, "area"), (3, "theme"), (4, "score")}
    assert all(p.source == "broken_survey.csv" for p in exc.value.problems)


def test_by_area_sits_beside_the_access_figures(region_keys, ks_guide):
    s = read_survey(DATA / "survey_example.csv", **region_keys)
    unmet = ks_guide.unmet_needs(30.0).to_frame()
    t = survey_by_area(s, unmet, "doctor").set_index("area")
    assert t.loc["43100", "answers"] == 3
    assert t.loc["43100", "mean_score"] == pytest.approx((2 + 3 + 1) / 3, abs=0.01)
    assert t.loc["43100", "themes"].startswith("saavutettavuus: 2")
    doctor = unmet[(unmet["need"] == "doctor") & (unmet["postcode"] == "43100")]
    assert t.loc["43100", "nearest_min"] == doctor["nearest_min"].iloc[0]
    u = unmet[(unmet["need"] == "doctor") & (unmet["municipality"] == "729")]
    w = (u["population"] * u["nearest_min"]).sum() / u["population"].sum()
    assert t.loc["729", "nearest_min"] == pytest.approx(w, abs=0.06)


def test_report_section_has_the_voice_beside_access(ks, ks_guide, region_keys):
    from soteplan.guidance._report import report_section

    s = read_survey(DATA / "survey_example.csv", **region_keys)
    sec = report_section(ks, "fi", survey=s, guide=ks_guide)
    assert [r["need"] for r in sec["unmet_rows"]][-1] == "emergency"
    row = next(r for r in sec["voice_rows"] if r["area"].startswith("43100"))
    assert row["municipality"] == "Saarijärvi" and row["answers"] == 3
    u = ks_guide.unmet_needs(30.0).to_frame()
    want = u[(u["need"] == "doctor") & (u["postcode"] == "43100")]["nearest_min"].iloc[0]
    assert row["nearest_min"] == f"{want:.1f}".replace(".", ",")  # Finnish decimal comma
    empty = report_section(ks, "en", guide=ks_guide)
    assert empty["voice_rows"] == [] and empty["survey_source"] is None


def test_cli_voice_and_unmet(tmp_path):
    from typer.testing import CliRunner

    from soteplan.cli import app

    r = CliRunner().invoke(
        app, ["guidance", "voice", str(DATA / "survey_example.csv"), "--format", "csv"]
    )
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0].startswith("area,area_kind,municipality,answers")
    r = CliRunner().invoke(app, ["guidance", "voice", str(DATA / "broken_survey.csv")])
    assert r.exit_code != 0
    r = CliRunner().invoke(
        app,
        [
            "guidance",
            "unmet",
            "--threshold",
            "30",
            "--need",
            "emergency",
            "--areas",
            "--format",
            "json",
        ],
    )
    assert r.exit_code == 0, r.output
    assert '"nearest_min"' in r.output
