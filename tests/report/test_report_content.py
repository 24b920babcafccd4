"""The report after a what-if: counts, sources, layout, language, units and progress."""

from __future__ import annotations

import re

import pytest

CLOSE = ["hs-077-hankasalmi", "hs-172-joutsa", "hs-216-kannonkoski"]


@pytest.fixture(scope="module")
def steps():
    return []


@pytest.fixture(scope="module")
def closed_fi(steps):
    from soteplan.report import build_report

    return build_report(
        "keski-suomi", lang="fi", close=CLOSE, progress=lambda d, n: steps.append((d, n))
    )


def test_counts_after_the_what_if(closed_fi, ks):
    pts = ks.service_points_in(None)
    n_hs = int((pts["type"] == "health_station").sum())
    assert f"Terveysasemia on {n_hs - len(CLOSE)}." in closed_fi.html
    assert f"Terveysasemia on {n_hs}." not in closed_fi.html


def test_progress_reaches_the_end(closed_fi, steps):
    assert steps and steps[-1] == (4, 4)
    assert [d for d, _ in steps] == sorted(d for d, _ in steps)


def test_sources_name_publishers_not_files(closed_fi, ks):
    html = closed_fi.html
    sources = html[html.index('id="sources"') :]
    assert not re.search(r"\w+\.(csv|geojson|yaml)\b", sources)
    assert "Tilastokeskus" in sources and "Maanmittauslaitos" in sources
    assert sources.count("<tr>") - 1 == len(ks.provenance)


def test_dependency_chart_and_caption_have_only_current_municipalities(ks):
    from soteplan.api._services import Services

    dr = Services("keski-suomi").dependency_ratio([2030, 2040])
    codes = set(ks.municipality_codes())
    for year in (2030, 2040):
        got = {r["municipality"] for r in dr["by_municipality"] if r["year"] == year}
        assert got == codes  # no Kuhmoinen (291), which left the region in 2021
    # the regional ratio is that of the 22 municipalities' projected population
    p = ks.projection(next(iter(ks.projections)))
    p = p[(p["year"] == 2040) & p["municipality"].isin(codes)]
    young = p.loc[p["age"] <= 14, "population"].sum()
    old = p.loc[p["age"] >= 65, "population"].sum()
    work = p.loc[(p["age"] >= 15) & (p["age"] <= 64), "population"].sum()
    reg = next(r for r in dr["region"] if r["year"] == 2040)
    assert reg["dependency_ratio"] == pytest.approx(100 * (young + old) / work, rel=1e-6)


def test_finnish_report_quotes_notes_in_finnish(closed_fi):
    html = closed_fi.html
    assert "järviä ei ole mallinnettu" in html
    for english in ("lakes not modelled", "approximate road network", "projection statfin"):
        assert english not in html
    assert "virallinen väestöennuste (statfin-2019)" in html  # no "projection projection"


def _filled_to(page) -> float:
    """How far down the page its text lines and images reach (0..1), footers left out."""
    bottom = 0.0
    for child in page._page_box.children:
        if type(child).__name__ == "MarginBox":
            continue
        for box in child.descendants():
            if type(box).__name__ in ("LineBox", "InlineReplacedBox", "BlockReplacedBox"):
                bottom = max(bottom, box.position_y + box.height)
    return bottom / page.height


def test_pdf_has_no_blank_pages(closed_fi):
    pages = closed_fi.document().pages
    assert 4 <= len(pages) <= 6  # 8 pages before, two of them mostly blank
    filled = [_filled_to(p) for p in pages]
    # every page but the last reaches at least 60 % down (before: pages 3 and 5 at ~30 %)
    assert all(f >= 0.6 for f in filled[:-1]), filled
