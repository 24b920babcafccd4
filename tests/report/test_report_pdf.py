"""The council report: HTML content, PDF pages and text."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from soteplan.errors import ParameterError


@pytest.fixture(scope="module")
def report_fi():
    from soteplan.report import build_report

    return build_report("keski-suomi", lang="fi", close=["hs-077-hankasalmi"], title="Testi")


def test_html_has_every_section_and_real_figures(report_fi, ks):
    html = report_fi.html
    for sec in ("summary", "population", "access", "assumptions", "sources"):
        assert f'id="{sec}"' in html
    year = ks.total_years[-1]
    pop = f"{int(ks.population_total(year).sum()):,}".replace(",", " ")
    assert pop in html  # the summary quotes the real population
    assert "Hankasalmen terveysasema" in html
    assert html.count("data:image/png;base64,") >= 3  # maps and charts rendered server-side
    assert any("main roads" in a for a in report_fi.approximations)


def test_pdf_pages_and_text(report_fi, tmp_path):
    doc = report_fi.document()
    assert len(doc.pages) >= 4
    out = report_fi.write(tmp_path / "r.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; page count checked above")
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Tiivistelmä" in text and "Tietolähteet" in text
    assert re.search(r"sivu 1 / \d+", text)
    assert "Hankasalmi" in text


def test_english_html_and_bad_suffix(tmp_path):
    from soteplan.report import build_report

    rep = build_report("keski-suomi", lang="en")
    assert "Data sources" in rep.html and "Current state" in rep.html
    assert "Service network: the list of 2019" in rep.html  # the network year is stated
    p = rep.write(tmp_path / "r.html")
    assert p.read_text(encoding="utf-8").startswith("<!doctype html>")
    with pytest.raises(ParameterError):
        rep.write(tmp_path / "r.docx")


def test_cli_report_writes_html(tmp_path):
    from typer.testing import CliRunner

    from soteplan.cli import app

    out = tmp_path / "council.html"
    res = CliRunner().invoke(app, ["report", "baseline", "--out", str(out), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "wrote" in res.output and out.stat().st_size > 10_000


def test_report_of_a_scenario_run_uses_its_network_and_demand(tmp_path):
    scenario = pytest.importorskip("soteplan.scenario")
    from soteplan.region import load_region
    from soteplan.report import build_report

    sc = scenario.Scenario(
        name="close-hankasalmi",
        base_year=2020,
        target_year=2030,
        network={"close": ["hs-077-hankasalmi"]},
    )
    res = scenario.run(sc, region=load_region("keski-suomi"))
    rep = build_report("keski-suomi", lang="en", scenario=res)
    assert "close-hankasalmi" in rep.html and "Hankasalmen terveysasema" in rep.html
    pop_2030 = f"{res.summary['demand']['2030']['population']:,.0f}"
    assert pop_2030 in rep.html  # the run's own figures, not recomputed
    assert any(a.startswith("demand:") for a in rep.approximations)


def test_cli_report_runs_a_scenario_file(tmp_path):
    from pathlib import Path

    from typer.testing import CliRunner

    from soteplan.cli import app

    spec = tmp_path / "close.yaml"
    spec.write_text(
        "name: cli-close\nbase_year: 2020\ntarget_year: 2025\n"
        "network: {service_type: health_station, close: [hs-172-joutsa]}\n",
        encoding="utf-8",
    )
    out = tmp_path / "r.html"
    res = CliRunner().invoke(app, ["report", str(spec), "--out", str(out)])
    assert res.exit_code == 0, res.output
    html = Path(out).read_text(encoding="utf-8")
    assert "cli-close" in html and "Joutsan terveysasema" in html
    bad = CliRunner().invoke(app, ["report", str(tmp_path / "missing.yaml"), "--out", str(out)])
    assert bad.exit_code != 0
