"""The council report's section on residents' voice and unmet needs (data only, no layout)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from soteplan.guidance._engine import Guide, region_guide
from soteplan.guidance._survey import Survey, read_survey, survey_by_area

if TYPE_CHECKING:
    from soteplan.region import Region

__all__ = ["report_section"]


def _fmt(x: float, digits: int, lang: str) -> str:
    s = f"{x:,.{digits}f}".replace(",", " ")
    return s.replace(".", ",") if lang == "fi" else s


def report_section(
    region: Region,
    lang: str = "fi",
    *,
    survey: Survey | None = None,
    guide: Guide | None = None,
    threshold_min: float = 30.0,
    need: str = "doctor",
) -> dict[str, Any]:
    """Rows for the report: unmet needs per need, and survey answers by area beside access.

    ``survey`` defaults to the file named by ``SOTEPLAN_GUIDANCE_SURVEY`` (none when unset);
    the access figure beside each area is the car time to the nearest service of ``need``.
    """
    g = guide if guide is not None else region_guide(region)
    unmet = g.unmet_needs(threshold_min)
    summary = unmet.summary()
    if survey is None:
        path = os.environ.get("SOTEPLAN_GUIDANCE_SURVEY", "").strip()
        if path:
            pa = region.table("postal_areas")
            survey = read_survey(
                path,
                postcodes=dict(
                    zip(pa["postcode"].astype(str), pa["municipality"].astype(str), strict=True)
                ),
                municipalities=region.municipality_codes(),
            )
    names = g.municipality_names()
    pc_names = dict(zip(g.postal["postcode"], g.postal["name"], strict=True))
    voice_rows: list[dict[str, Any]] = []
    if survey is not None:
        by_area = survey_by_area(survey, unmet.to_frame(), need)
        for r in by_area.itertuples():
            label = (
                f"{r.area} {pc_names.get(r.area, '')}".strip() if r.area_kind == "postcode" else ""
            )
            voice_rows.append(
                {
                    "area": label or names.get(r.area, r.area),
                    "municipality": names.get(r.municipality, r.municipality),
                    "answers": int(r.answers),
                    "mean_score": _fmt(float(r.mean_score), 1, lang),
                    "themes": r.themes,
                    "nearest_min": "–"
                    if r.nearest_min is None
                    else _fmt(float(r.nearest_min), 1, lang),
                }
            )
    d = g.directory
    sal_loc = {a.service_id: a.location_id for a in d.service_at_location}
    imported_rows = [
        {
            "name": s.name,
            "type": s.service_type,
            "municipality": names.get(d.location(sal_loc[s.id]).municipality, "")
            if s.id in sal_loc
            else "",
            "channels": ", ".join(sorted({c.kind for c in d.channels if c.service_id == s.id})),
            "example": s.example,
            "origin": s.origin,
        }
        for s in d.services
        if s.origin != "region"
    ]
    return {
        "imported_rows": imported_rows,
        "threshold": _fmt(threshold_min, 0, lang),
        "need": need,
        "unmet_rows": [
            {
                "need": n,
                "need_key": "gplan.need." + str(n).replace("-", "_"),
                "areas": int(row.areas),
                "outside": int(row.areas_outside),
                "population": _fmt(float(row.population_outside), 0, lang),
                "max_min": _fmt(float(row.max_min), 1, lang),
            }
            for n, row in summary.iterrows()
        ],
        "voice_rows": voice_rows,
        "survey_source": survey.meta.get("source") if survey is not None else None,
        "approximation": unmet.meta.get("approximation"),
    }
