"""Guidance answers in words (opening days, channel names), shared by the CLI and the pages.

Every string comes from the message catalogue (``soteplan/i18n/guidance.json``) in the
resident languages fi/sv/en.
"""

from __future__ import annotations

from typing import Any

from soteplan.errors import ParameterError
from soteplan.i18n import t

__all__ = ["channel_label", "days_text", "opening_text"]

_DAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")


def days_text(days: list[str] | tuple[str, ...], lang: str) -> str:
    """``["MO", …, "FR"]`` → ``ma–pe`` (a run of three or more) or ``ma, ke``."""
    idx = sorted(_DAYS.index(d.lower()) for d in days)
    names = [t(f"resident.day.{_DAYS[i]}", lang) for i in range(7)]
    parts, start = [], None
    for k, i in enumerate(idx):
        if start is None:
            start = i
        if k + 1 == len(idx) or idx[k + 1] != i + 1:
            run = list(range(start, i + 1))
            parts.append(
                f"{names[run[0]]}–{names[run[-1]]}"
                if len(run) >= 3
                else ", ".join(names[j] for j in run)
            )
            start = None
    return ", ".join(parts)


def opening_text(service: dict[str, Any], lang: str, *, short: bool = False) -> str:
    """The opening days of a ranked service (its ``to_dict()``) in words.

    ``short`` leaves out the "Open:" prefix and the reminder to check (for a table cell).
    """
    days = service["opening_days"]
    known = service["opening_days_known"]
    if known and days:
        text = days_text(days, lang)
        if not short:
            text = t("resident.days_open", lang, days=text)
    elif known:
        text = t("resident.days_closed", lang)
    else:
        text = t("resident.days_not_in_data" if short else "resident.days_unknown", lang)
    if known and service["opening_days_year"]:
        text += " " + t("resident.days_year", lang, year=service["opening_days_year"])
    return text


def channel_label(channel: dict[str, Any], lang: str) -> str:
    """A region-wide channel's name: its catalogue entry (``resident.rc.<key>``), else its name."""
    key = channel.get("key") or ""
    if key:
        try:
            return t(f"resident.rc.{key}", lang)
        except ParameterError:
            pass
    return str(channel.get("name") or channel.get("value") or "")
