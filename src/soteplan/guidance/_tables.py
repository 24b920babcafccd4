"""The editable guidance tables of the package: needs, region-wide channels, opening days."""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from soteplan.errors import DataError, DataProblem, NotFoundError
from soteplan.guidance._model import CHANNEL_KINDS, Channel
from soteplan.region.io._common import decode_text

__all__ = [
    "CHANNEL_COLUMNS",
    "NEEDS",
    "NeedRule",
    "Needs",
    "load_needs",
    "opening_days_table",
]

#: The life situations, in the order the resident pages list them.
NEEDS: tuple[str, ...] = (
    "doctor",
    "home-help",
    "substance-mental",
    "family-support",
    "disability",
    "emergency",
)


@dataclass(frozen=True)
class NeedRule:
    """One row of ``needs.csv``: a service type that answers a need."""

    need: str
    service_type: str
    basis: str  # "data" or "assumption"
    note: str


@dataclass(frozen=True)
class Needs:
    """The needs table: which service types answer each need, and its region-wide channels."""

    rules: tuple[NeedRule, ...]
    channels: dict[str, tuple[Channel, ...]]
    source: str = "soteplan/guidance/data/needs.csv, channels.csv"

    @property
    def needs(self) -> tuple[str, ...]:
        """Need ids in display order."""
        present = {r.need for r in self.rules}
        return tuple(n for n in NEEDS if n in present) + tuple(sorted(present - set(NEEDS)))

    def check(self, need: str) -> None:
        """Raise :class:`NotFoundError` for an unknown need."""
        if need not in {r.need for r in self.rules}:
            raise NotFoundError(f"unknown need {need!r}; needs: {', '.join(self.needs)}")

    def types(self, need: str) -> dict[str, NeedRule]:
        """Service type → rule for one need."""
        self.check(need)
        return {r.service_type: r for r in self.rules if r.need == need}

    def region_channels(self, need: str) -> tuple[Channel, ...]:
        """The need's region-wide channels (public facts with their source), in order."""
        self.check(need)
        return self.channels.get(need, ())


def _read(name: str) -> tuple[pd.DataFrame, str]:
    path = resources.files("soteplan.guidance") / "data" / name
    with path.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False), name


#: Columns of ``channels.csv`` (and of a planner's own channels file).
CHANNEL_COLUMNS = ("need", "order", "kind", "value", "key", "name", "source_url", "checked")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{1,23}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _read_channels(path: str | Path | None) -> tuple[pd.DataFrame, str]:
    if path is None:
        return _read("channels.csv")
    p = Path(path)
    try:
        text, _ = decode_text(p.read_bytes(), p.name)
    except OSError as exc:
        raise DataError([DataProblem(p.name, None, None, f"cannot read: {exc.strerror}")]) from None
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError([DataProblem(p.name, None, None, f"not a CSV file: {exc}")]) from None
    return df, p.name


def _channel_problems(row: Any, i: int, src: str) -> list[DataProblem]:
    """What is wrong with one channel row (file, row and field named)."""
    out = []
    value, checked = row.value.strip(), row.checked.strip()
    if not row.source_url.startswith("https://"):
        out.append(DataProblem(src, i, "source_url", "every channel cites its source (https://)"))
    if not row.key.strip() and not row.name.strip():
        out.append(DataProblem(src, i, "name", "a channel needs a name or a message key"))
    if row.kind == "phone" and value:
        if not _PHONE.match(value):
            out.append(DataProblem(src, i, "value", f"{value!r} is not a phone number"))
        if not _DATE.match(checked):
            out.append(
                DataProblem(
                    src,
                    i,
                    "checked",
                    "a phone number needs the date (YYYY-MM-DD) it was checked against source_url",
                )
            )
    elif row.kind in ("e_service", "remote") and not (
        value.startswith("https://") or (row.kind == "remote" and _PHONE.match(value))
    ):
        out.append(
            DataProblem(
                src,
                i,
                "value",
                f"{value!r}: an e-service or remote channel needs its https:// address",
            )
        )
    if checked and not _DATE.match(checked) and not (row.kind == "phone" and value):
        out.append(DataProblem(src, i, "checked", f"{checked!r}: use YYYY-MM-DD"))
    return out


def load_needs(channels: str | Path | None = None) -> Needs:
    """Read ``needs.csv`` and the region-wide channels (cached for the package's own files).

    Parameters
    ----------
    channels
        A planner's channels CSV in the format of the package's ``channels.csv``
        (columns :data:`CHANNEL_COLUMNS`, plus optional ``basis`` and ``note``);
        default: the package's file.  A phone row with an empty ``value`` says that
        the number is not in open data (the answer shows so, with the source page).

    Raises
    ------
    DataError
        When a row is malformed (file, row and field named).
    """
    if channels is None:
        return _load_default()
    return _load(channels)


@functools.cache
def _load_default() -> Needs:
    return _load(None)


def _load(channels_path: str | Path | None) -> Needs:
    needs, src = _read("needs.csv")
    problems: list[DataProblem] = []
    for col in ("need", "order", "service_type", "basis", "note"):
        if col not in needs.columns:
            problems.append(DataProblem(src, None, col, "missing column"))
    if problems:
        raise DataError(problems)
    rules = []
    for i, row in enumerate(needs.itertuples(index=False), start=1):
        if not row.need or not row.service_type:
            problems.append(DataProblem(src, i, "need", "need and service_type are required"))
        if row.basis not in ("data", "assumption"):
            problems.append(DataProblem(src, i, "basis", f"{row.basis!r}: use data or assumption"))
        rules.append(NeedRule(row.need, row.service_type, row.basis, row.note))
    ch, csrc = _read_channels(channels_path)
    missing = [c for c in CHANNEL_COLUMNS if c not in ch.columns]
    if missing:
        raise DataError([DataProblem(csrc, None, c, "missing column") for c in missing])
    if "note" not in ch.columns:
        ch["note"] = ""
    channels: dict[str, list[tuple[int, Channel]]] = {}
    for i, row in enumerate(ch.itertuples(index=False), start=1):
        if row.kind not in CHANNEL_KINDS:
            problems.append(DataProblem(csrc, i, "kind", f"{row.kind!r}: one of {CHANNEL_KINDS}"))
            continue
        row_problems = _channel_problems(row, i, csrc)
        problems += row_problems
        try:
            order = int(row.order)
        except ValueError:
            problems.append(DataProblem(csrc, i, "order", f"{row.order!r} is not a whole number"))
            continue
        c = Channel(
            row.kind,
            row.value.strip(),
            row.name,
            source=row.source_url,
            note=row.note,
            key=row.key.strip(),
            checked=row.checked.strip(),
        )
        channels.setdefault(row.need, []).append((order, c))
    known = {r.need for r in rules}
    for need in sorted(set(channels) - known):
        problems.append(DataProblem(csrc, None, "need", f"{need!r} is not a need of needs.csv"))
    if problems:
        raise DataError(problems)
    return Needs(
        tuple(rules),
        {n: tuple(c for _, c in sorted(v, key=lambda t: t[0])) for n, v in channels.items()},
        source="soteplan/guidance/data/needs.csv, "
        + ("channels.csv" if channels_path is None else str(channels_path)),
    )


@functools.cache
def opening_days_table() -> pd.DataFrame:
    """Opening days of the Keski-Suomi health stations (``opening_days.csv``) by point id."""
    df, _ = _read("opening_days.csv")
    return df.set_index("service_point_id")
