"""The report's freedom-of-choice section: the 2017 Jyväskylä pilot, or a scenario's choice run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from soteplan.api._services import Services, engine


def choice_section(
    s: Services, scenario: Any, lang: str, tr: Callable[..., str], fmt: Callable[..., str]
) -> dict[str, Any]:
    """Text and station rows: a scenario's ``choice_stations`` table, else the pilot replay."""
    tables = getattr(scenario, "tables", None) or {}
    summary = (getattr(scenario, "summary", None) or {}).get("choice")
    if summary is not None and "choice_stations" in tables:
        st = tables["choice_stations"]
        meta = summary
        choosers, switchers = summary["choosers"], summary["switchers"]
        before, after = summary["mean_minutes_today"], summary["mean_minutes_choice"]
    else:
        ch = engine("choice", "pilot_setup")
        graph, _ = s._access_inputs
        res = ch.pilot_setup(s.region, "jyvaskyla-2017", graph=graph).model.solve()
        st, meta = res.stations, res.meta
        choosers, switchers = meta["choosers"], meta["switchers"]
        before, after = meta["mean_minutes_today"], meta["mean_minutes_choice"]
    rows = [
        {
            "name": str(r["name"]),
            "today": fmt(float(r["list_today"]), 0, lang),
            "choice": fmt(float(r["list_choice"]), 0, lang),
            "change": fmt(float(r["list_choice"]) - float(r["list_today"]), 0, lang),
        }
        for _, r in st.iterrows()
    ]
    text = tr(
        "choice.report_text",
        choosers=fmt(float(choosers), 0, lang),
        switchers=fmt(float(switchers), 0, lang),
        before=fmt(float(before), 1, lang),
        after=fmt(float(after), 1, lang),
    )
    return {"text": text, "rows": rows, "approximation": meta.get("approximation")}
