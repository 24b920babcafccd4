"""The council report's freedom-of-choice section."""

from __future__ import annotations

import re

import pytest

from soteplan.report import build_report


@pytest.mark.parametrize("lang, title", [("fi", "Valinnanvapaus"), ("en", "Freedom of choice")])
def test_report_has_the_pilot_section(lang, title) -> None:
    rep = build_report("keski-suomi", lang=lang)
    assert "choice" in rep.sections
    html = rep.html
    i = html.index('id="choice"')
    part = html[i : html.index("<h2 ", i + 1)]  # up to the next section
    assert title in part
    assert "Keskustan terveysasema" in part
    assert len(re.findall(r"<tr><td>", part)) == 9


def test_report_uses_a_scenario_choice_run(ks) -> None:
    from soteplan.scenario import parse_scenario, run

    res = run(
        parse_scenario(
            {
                "name": "c",
                "base_year": 2020,
                "target_year": 2021,
                "choice": {"municipalities": ["179"]},
            }
        ),
        region=ks,
    )
    html = build_report("keski-suomi", lang="en", scenario=res).html
    part = html[html.index('id="choice"') : html.index('id="assumptions"')]
    n = float(res.summary["choice"]["choosers"])
    assert f"{n:,.0f}" in part  # every resident of Jyväskylä chooses in this run
    assert "Sampoharjun terveysasema" in part  # stations open at the end of the data
