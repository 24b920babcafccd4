"""The editable guidance tables of the package: needs, region-wide channels, opening days."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from soteplan.errors import DataError, DataProblem, NotFoundError
from soteplan.guidance._model import CHANNEL_KINDS, Channel

__all__ = [
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


@functools.cache
def load_needs() -> Needs:
    """Read ``needs.csv`` and ``channels.csv`` from the package (cached).

    Raises
    ------
    DataError
        When a row is malformed (file, row and field named).
    """
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
    ch, csrc = _read("channels.csv")
    channels: dict[str, list[tuple[int, Channel]]] = {}
    for i, row in enumerate(ch.itertuples(index=False), start=1):
        if row.kind not in CHANNEL_KINDS:
            problems.append(DataProblem(csrc, i, "kind", f"{row.kind!r}: one of {CHANNEL_KINDS}"))
            continue
        if not row.source_url.startswith("https://"):
            problems.append(DataProblem(csrc, i, "source_url", "every channel cites its source"))
        try:
            order = int(row.order)
        except ValueError:
            problems.append(DataProblem(csrc, i, "order", f"{row.order!r} is not a whole number"))
            continue
        c = Channel(
            row.kind, row.value, row.name, source=row.source_url, note=row.note, key=row.key
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
    )


@functools.cache
def opening_days_table() -> pd.DataFrame:
    """Opening days of the Keski-Suomi health stations (``opening_days.csv``) by point id."""
    df, _ = _read("opening_days.csv")
    return df.set_index("service_point_id")
