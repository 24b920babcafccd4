"""The council report's pathway section, in Finnish and in English."""

from __future__ import annotations

import re

from soteplan.report import build_report


def _section(html: str) -> str:
    start = html.index('id="pathways"')
    end = html.index('id="assumptions"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:end]))


def test_report_pathway_section_both_languages() -> None:
    fi = build_report("keski-suomi", lang="fi")
    en = build_report("keski-suomi", lang="en")
    assert "pathways" in fi.sections
    sf, se = _section(fi.html), _section(en.html)
    assert "Muistisairauksien palveluketju" in sf and "Julkinen" in sf and "Yksityinen" in sf
    for english in ("Persons", "Provider", "Public", "Private", "Peer support", "assumed"):
        assert english not in sf, english
    assert "The memory-disorder pathway" in se and "Public" in se
    for finnish in ("Henkilöt", "Julkinen", "vertaistuki"):
        assert finnish not in se, finnish
    assert "-0 " not in sf and "−0 " not in sf
    # four lever years in the change table: 2026, 2030, 2035, 2040
    assert all(str(y) in se for y in (2026, 2030, 2035, 2040))
