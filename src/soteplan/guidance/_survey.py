"""Residents' voice: survey and customer-panel (asiakasraati) results from a CSV file.

Two layouts are read:

* the **soteplan format** — columns ``area`` (a 5-digit postcode or a 3-digit
  municipality code), ``theme``, ``score`` (a number on the survey's scale, 1–5
  by default) and ``text`` (free text, may be empty); optional ``date``
  (ISO ``YYYY-MM-DD``) and ``group`` (e.g. ``asiakasraati``);
* a **Google Forms CSV export** — the first column ``Timestamp`` (``Aikaleima``
  / ``Tidsstämpel`` in the Finnish / Swedish interface), then one column per
  question named by its title.  The questions are found by the titles in
  :data:`FORM_TITLES` (e.g. ``Postinumero``, ``Aihe``, ``Arvio (1–5)``,
  ``Vapaa palaute``) or by an explicit ``columns`` mapping.

Scores outside the scale, unknown areas and unparseable dates are
:class:`~soteplan.errors.DataError` problems naming the file, row and column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from soteplan.errors import DataError, DataProblem
from soteplan.region.io._common import decode_text

__all__ = ["FORM_TITLES", "Survey", "problem_view", "read_survey", "survey_by_area"]

#: Question titles (lower case) recognised in a Google Forms export, by field.
FORM_TITLES: dict[str, tuple[str, ...]] = {
    "area": ("postinumero", "postnummer", "postal code", "postcode", "kunta", "kommun", "area"),
    "theme": ("aihe", "teema", "tema", "theme", "topic"),
    "score": ("arvio (1–5)", "arvio (1-5)", "arvio", "betyg", "score", "rating"),
    "text": ("vapaa palaute", "palaute", "fri respons", "respons", "feedback", "comments", "text"),
    "group": ("ryhmä", "grupp", "group"),
}
_TIMESTAMPS = ("timestamp", "aikaleima", "tidsstämpel", "tidstämpel")


@dataclass(frozen=True)
class Survey:
    """Survey answers: ``frame`` with ``area, area_kind, municipality, theme, score, text,
    date, group`` (one row per answer); ``meta`` names the file, layout and scale."""

    frame: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The answers (copy)."""
        return self.frame.copy()


def _columns(header: list[str], columns: Mapping[str, str] | None) -> tuple[dict[str, str], str]:
    low = {h.strip().lower(): h for h in header}
    if columns:
        return dict(columns), "mapped"
    if {"area", "theme", "score"} <= set(low):
        return {
            k: low[k] for k in ("area", "theme", "score", "text", "date", "group") if k in low
        }, "soteplan"
    if header and header[0].strip().lower() in _TIMESTAMPS:
        out = {"date": header[0]}
        for fld, titles in FORM_TITLES.items():
            for title in titles:
                hit = next((h for k, h in low.items() if k == title or k.startswith(title)), None)
                if hit is not None:
                    out[fld] = hit
                    break
        return out, "google-forms"
    return {}, "unknown"


def _date(value: str) -> pd.Timestamp | None:
    v = value.strip()
    if not v:
        return None
    for fmt in (
        "%Y-%m-%d",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H.%M.%S",
        "%Y/%m/%d %H:%M:%S",
        "%d.%m.%Y %H.%M.%S",
        "%d.%m.%Y",
    ):
        try:
            return pd.to_datetime(v, format=fmt)
        except ValueError:
            continue
    if re.match(r"^\d{4}/\d{2}/\d{2} \d{1,2}:\d{2}:\d{2} [AP]M", v):  # Google Forms (en-US)
        return pd.to_datetime(v[:22].strip(), format="%Y/%m/%d %I:%M:%S %p")
    return pd.NaT


def read_survey(
    path: str | Path,
    *,
    postcodes: Mapping[str, str],
    municipalities: set[str] | frozenset[str] | list[str],
    scale: tuple[float, float] = (1.0, 5.0),
    columns: Mapping[str, str] | None = None,
    data: bytes | None = None,
) -> Survey:
    """Read a survey CSV (soteplan format or a Google Forms export).

    Parameters
    ----------
    path
        The CSV file (UTF-8 or ISO-8859-1/Windows-1252, detected).
    postcodes
        Postcode → municipality code of the region (answers by postcode are
        placed in their municipality).
    municipalities
        3-digit codes of the region's municipalities.
    scale
        Lowest and highest score of the survey.
    columns
        Field → column title (``area``, ``theme``, ``score``, ``text``,
        ``date``, ``group``) when the titles are not recognised.
    data
        The file's bytes when they come from an upload (``path`` is then only its name).

    Raises
    ------
    DataError
        Missing columns, unknown areas, scores off the scale, bad dates.
    """
    p = Path(path)
    src = p.name
    if data is not None:
        raw = data
    else:
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise DataError(
                [DataProblem(src, None, None, f"cannot read: {exc.strerror}")]
            ) from None
    text, _enc = decode_text(raw, src)
    sample = text[:4096]
    delim = ";" if sample.count(";") > sample.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delim))
    if not rows:
        raise DataError([DataProblem(src, None, None, "the file is empty")])
    header, body = rows[0], rows[1:]
    cols, layout = _columns(header, columns)
    missing = [f for f in ("area", "theme", "score") if f not in cols or cols[f] not in header]
    if missing:
        raise DataError(
            [
                DataProblem(
                    src,
                    None,
                    m,
                    f"no column for {m!r}; use the soteplan columns area, theme, score, text "
                    "or a Google Forms export with titles such as "
                    f"{', '.join(repr(x) for x in FORM_TITLES[m][:3])}",
                )
                for m in missing
            ]
        )
    idx = {f: header.index(c) for f, c in cols.items() if c in header}
    munis = {str(m) for m in municipalities}
    lo, hi = scale
    problems: list[DataProblem] = []
    out = []
    for r, row in enumerate(body, start=1):
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(header):
            row = row + [""] * (len(header) - len(row))

        def get(f: str, row: list[str] = row) -> str:
            return row[idx[f]].strip() if f in idx else ""

        area = get("area")
        m = re.match(r"^(\d{5}|\d{3})\b", area)
        code = m.group(1) if m else ""
        if len(code) == 5 and code in postcodes:
            kind, muni = "postcode", str(postcodes[code])
        elif len(code) == 3 and code in munis:
            kind, muni = "municipality", code
        else:
            problems.append(
                DataProblem(
                    src,
                    r,
                    cols["area"],
                    f"{area!r} is not a postcode or municipality code of the region",
                )
            )
            continue
        try:
            score = float(get("score").replace(",", "."))
        except ValueError:
            problems.append(DataProblem(src, r, cols["score"], f"{get('score')!r} is not a number"))
            continue
        if not lo <= score <= hi:
            problems.append(
                DataProblem(src, r, cols["score"], f"{score:g} is outside the scale {lo:g}–{hi:g}")
            )
            continue
        theme = get("theme")
        if not theme:
            problems.append(DataProblem(src, r, cols["theme"], "empty theme"))
            continue
        d = _date(get("date")) if "date" in idx else None
        if d is not None and pd.isna(d):
            problems.append(DataProblem(src, r, cols["date"], f"{get('date')!r} is not a date"))
            continue
        out.append(
            {
                "area": code,
                "area_kind": kind,
                "municipality": muni,
                "theme": theme,
                "score": score,
                "text": get("text"),
                "date": d,
                "group": get("group"),
            }
        )
    if problems:
        raise DataError(problems)
    frame = pd.DataFrame(
        out,
        columns=["area", "area_kind", "municipality", "theme", "score", "text", "date", "group"],
    )
    return Survey(
        frame,
        {
            "source": src,
            "layout": layout,
            "scale": [lo, hi],
            "answers": len(frame),
            "delimiter": delim,
        },
    )


def survey_by_area(
    survey: Survey, unmet: pd.DataFrame | None = None, need: str = "doctor"
) -> pd.DataFrame:
    """Answers summarised by area, beside the car time to the nearest service of ``need``.

    Returns one row per area (postcode or municipality): ``area, area_kind,
    municipality, answers, mean_score, themes`` (theme: count, most frequent
    first), ``texts`` (up to three free-text answers) and — with ``unmet`` (the
    table of :meth:`Guide.unmet_needs`) — ``nearest_min`` (the postcode's time,
    or the population-weighted mean time of the municipality's postcodes).
    """
    f = survey.frame
    rows = []
    for (area, kind, muni), g in f.groupby(["area", "area_kind", "municipality"], sort=True):
        themes = g["theme"].value_counts()
        rows.append(
            {
                "area": area,
                "area_kind": kind,
                "municipality": muni,
                "answers": len(g),
                "mean_score": round(float(g["score"].mean()), 2),
                "themes": "; ".join(f"{k}: {v}" for k, v in themes.items()),
                "texts": [x for x in g["text"] if x][:3],
            }
        )
    out = pd.DataFrame(rows)
    if unmet is not None and len(out):
        u = unmet[unmet["need"] == need]
        by_pc = dict(zip(u["postcode"], u["nearest_min"], strict=True))
        w = u.assign(wt=u["population"] * u["nearest_min"]).groupby("municipality")
        by_muni = (w["wt"].sum() / w["population"].sum().where(lambda s: s > 0)).round(1).to_dict()
        out["nearest_min"] = [
            by_pc.get(a) if k == "postcode" else by_muni.get(a)
            for a, k in zip(out["area"], out["area_kind"], strict=True)
        ]
    return out


#: Message patterns of :func:`read_survey`'s problems → catalogue key (``gplan.svp.*``), so a
#: page can say each problem in its own language; groups are the key's parameters.
SURVEY_PROBLEMS: tuple[tuple[str, str], ...] = (
    (r"^the file is empty$", "gplan.svp.empty"),
    (r"^no column for '(?P<field>\w+)'", "gplan.svp.no_column"),
    (r"^'(?P<value>.*)' is not a postcode or municipality code of the region$", "gplan.svp.area"),
    (r"^'(?P<value>.*)' is not a number$", "gplan.svp.number"),
    (r"^(?P<value>\S+) is outside the scale (?P<lo>\S+)–(?P<hi>\S+)$", "gplan.svp.scale"),
    (r"^empty theme$", "gplan.svp.theme"),
    (r"^'(?P<value>.*)' is not a date$", "gplan.svp.date"),
)


def problem_view(problem: DataProblem) -> dict[str, Any]:
    """A survey problem as data for a page: file, row, field, English message, and the
    catalogue ``key`` with its ``params`` (``gplan.svp.unreadable`` when no pattern fits)."""
    key, params = "gplan.svp.unreadable", {}
    for pattern, k in SURVEY_PROBLEMS:
        m = re.search(pattern, problem.message)
        if m:
            key, params = k, m.groupdict()
            break
    return {
        "source": problem.source,
        "row": problem.row,
        "field": problem.field,
        "message": problem.message,
        "key": key,
        "params": params,
    }
