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
