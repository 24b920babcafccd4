"""The council-report section of the pathway engine (memory-disorder pathway, 2025–2040)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from soteplan.pathways._builtin import load_builtin
from soteplan.pathways._cohort import run_cohort
from soteplan.pathways._compare import compare_results
from soteplan.pathways._levers import levers_from_mappings

__all__ = ["report_section"]

PATHWAY = "memory-disorders"
LEVER_YEAR = 2026
YEARS = (2026, 2030, 2035, 2040)


def report_section(
    population: pd.DataFrame,
    travel: pd.DataFrame | None,
    tr: Callable[..., str],
    fmt: Callable[[float, int], str],
) -> dict[str, Any]:
    """Texts and rows of the report section, in the language of ``tr`` (the report's ``t``).

    The memory-disorder pathway is run as it is and with the memory associations'
    peer-support stage plus half of the follow-up contacts remote from 2026.
    """
    p = load_builtin(PATHWAY)
    levers = levers_from_mappings(
        p,
        [
            {"kind": "peer_support", "start_year": LEVER_YEAR},
            {"kind": "channel_shift", "stage": "diagnosis", "share": 0.5, "to": "remote",
             "start_year": LEVER_YEAR},
        ],
    )  # fmt: skip
    base = run_cohort(p, population, travel=travel)
    alt = run_cohort(p, population, travel=travel, levers=levers)
    last = base.meta["years"][1]

    def f(x: float, d: int) -> str:
        return fmt(round(float(x), d) + 0.0, d)  # no "-0"

    rows = base.to_frame()
    rows = rows[rows["year"] == last].groupby("provider")[
        ["persons", "contacts", "cost_eur", "trips"]
    ]
    by_provider = rows.sum()
    cmp = compare_results(base, alt)
    return {
        "intro": tr(
            "report.pw.intro",
            **{"from": base.meta["years"][0]},
            to=last,
            price=base.meta["price_year"],
        ),
        "table_title": tr("report.pw.table", year=last),
        "provider_rows": [
            {
                "provider": tr(f"pw.provider.{prov}"),
                "persons": f(r.persons, 0),
                "contacts": f(r.contacts, 0),
                "cost": f(r.cost_eur / 1e6, 1),
                "trips": f(r.trips, 0),
            }
            for prov, r in by_provider.iterrows()
        ],
        "lever_title": tr("report.pw.levers", year=LEVER_YEAR),
        "lever_rows": [
            {
                "year": y,
                "persons": f(cmp.loc[y, "persons_change"], 0),
                "cost": f(cmp.loc[y, "cost_eur_change"] / 1e6, 2),
                "trips": f(cmp.loc[y, "trips_change"], 0),
                "third": f(100 * cmp.loc[y, "third_sector_share_change"], 2),
            }
            for y in YEARS
            if y in cmp.index
        ],
        "assumed": tr(
            "report.pw.assumed",
            n=len(p.assumptions()),
            sources=", ".join(s.key for s in p.sources),
        ),
    }
