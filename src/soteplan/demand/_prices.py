"""Carry unit costs to a stated price year with a price index of public expenditure.

No Statistics Finland index of public expenditure (julkisten menojen / kuntatalouden
hintaindeksi) is available offline, so the series is supplied by the user as a CSV
``year,index[,source]`` (any base; only ratios are used), e.g. Statistics Finland's
"Julkisten menojen hintaindeksi, kuntatalous, sosiaali- ja terveystoiminta" copied from
its PxWeb table.  The index and its source are recorded in every result's ``meta``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from soteplan.demand._rates import ServiceRates
from soteplan.errors import DataError, DataProblem, NotFoundError

__all__ = ["PriceIndex", "to_price_year"]


@dataclass(frozen=True)
class PriceIndex:
    """A yearly price index (any base year; only ratios are used).

    Attributes
    ----------
    values
        Year → index value (> 0).
    name
        Name of the file or series.
    source
        Where the figures come from (publisher and table), as given in the
        file's ``source`` column; empty when the file gives none.
    """

    values: Mapping[int, float]
    name: str = "price index"
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_frame(cls, df: pd.DataFrame, *, name: str = "price index") -> PriceIndex:
        """Validate a frame ``year, index[, source]``; every problem names its row and field."""
        missing = [c for c in ("year", "index") if c not in df.columns]
        if missing:
            raise DataError([DataProblem(name, None, None, f"missing columns {missing}")])
        problems: list[DataProblem] = []
        values: dict[int, float] = {}
        for i, (y, v) in enumerate(zip(df["year"], df["index"], strict=True), start=2):
            yy = pd.to_numeric(pd.Series([y]), errors="coerce").iloc[0]
            vv = pd.to_numeric(pd.Series([v]), errors="coerce").iloc[0]
            if pd.isna(yy) or float(yy) != int(yy) or not 1900 <= int(yy) <= 2100:
                problems.append(DataProblem(name, i, "year", f"{y!r} is not a year"))
                continue
            if pd.isna(vv) or not math.isfinite(float(vv)) or float(vv) <= 0:
                problems.append(DataProblem(name, i, "index", f"{v!r} is not a positive number"))
                continue
            if int(yy) in values:
                problems.append(DataProblem(name, i, "year", f"year {int(yy)} given twice"))
                continue
            values[int(yy)] = float(vv)
        if not values and not problems:
            problems.append(DataProblem(name, None, None, "no rows"))
        if problems:
            raise DataError(problems)
        source = ""
        if "source" in df.columns:
            source = "; ".join(sorted({str(s) for s in df["source"].dropna() if str(s).strip()}))
        return cls(dict(sorted(values.items())), name=name, source=source)

    @classmethod
    def from_csv(cls, path: str | Path) -> PriceIndex:
        """Read a CSV ``year,index[,source]`` (UTF-8, comma-separated)."""
        p = Path(path)
        try:
            df = pd.read_csv(p, encoding="utf-8")
        except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise DataError([DataProblem(p.name, None, None, f"cannot read: {exc}")]) from None
        return cls.from_frame(df, name=p.name)

    def factor(self, from_year: int, to_year: int) -> float:
        """``index[to_year] / index[from_year]``.

        Raises
        ------
        NotFoundError
            When either year is not in the series.
        """
        gone = [y for y in (from_year, to_year) if y not in self.values]
        if gone:
            years = f"{min(self.values)}–{max(self.values)}"
            raise NotFoundError(
                f"price index {self.name} has no value for {', '.join(map(str, gone))} "
                f"(it covers {years})"
            )
        return self.values[to_year] / self.values[from_year]


def to_price_year(rates: ServiceRates, index: PriceIndex, year: int) -> ServiceRates:
    """Unit costs carried from their price year to ``year`` with ``index``.

    Every unit cost is multiplied by ``index[year] / index[rates.price_year]``;
    the result states ``year`` as its price year and records the index in
    ``calibration["price_index"]``.
    """
    f = index.factor(rates.price_year, year)
    services = rates.services.copy()
    services["unit_cost_eur"] = services["unit_cost_eur"] * f
    services["price_year"] = int(year)
    info = {
        "name": index.name,
        "source": index.source or "user-supplied series (no source given)",
        "from_year": rates.price_year,
        "to_year": int(year),
        "factor": f,
    }
    return replace(rates, services=services, calibration={**rates.calibration, "price_index": info})
