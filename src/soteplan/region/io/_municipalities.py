"""The Finnish municipality code ↔ name table shipped with soteplan.

``municipality_names.csv`` (package data next to this module) lists every
municipality of Statistics Finland's classification valid in some year of
2013–2026, with its Finnish and Swedish names and the first and last year of that
span in which the code was valid.  It is derived from the ``municipality_key`` of
rOpenGov/geofi (Statistics Finland classifications, CC BY 4.0) by
:func:`build_municipality_names`; run ``python -m soteplan.region.io._municipalities
PATH/TO/municipality_key.csv`` to rebuild it.  Municipalities abolished before 2013
are not in the table.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from pathlib import Path

import pandas as pd

__all__ = [
    "build_municipality_names",
    "code_for_name",
    "known_codes",
    "municipality_names",
]

_TABLE = Path(__file__).with_name("municipality_names.csv")

_HEADER = """\
# Finnish municipalities: official 3-digit code, Finnish and Swedish names, StatFin label,
# and the first/last year (within 2013-2026) the code was valid on 1 January.
# Source: Statistics Finland, municipality classification (CC BY 4.0), via the
# municipality_key table of rOpenGov/geofi v1.2.1 (BSD-2-Clause package).
# Derived by soteplan.region.io._municipalities.build_municipality_names; do not edit.
"""


def build_municipality_names(key_csv: str | Path, out: str | Path = _TABLE) -> pd.DataFrame:
    """Derive ``municipality_names.csv`` from geofi's ``municipality_key`` CSV.

    Parameters
    ----------
    key_csv
        Path to ``geofi/converted/municipality_key.csv`` (one row per municipality
        and year, columns ``kunta``, ``municipality_name_fi``, ``municipality_name_sv``,
        ``name_fi``, ``year``).
    out
        Where to write the table.

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` (3-digit string), ``name_fi``, ``name_sv``, ``name_statfin``
        (the label StatFin tables use, e.g. ``"Maarianhamina - Mariehamn"``),
        ``first_year``, ``last_year``; one row per code and name spelling.
    """
    key = pd.read_csv(key_csv, low_memory=False)
    key = key.assign(
        code=key["kunta"].astype(int).map(lambda c: f"{c:03d}"),
        year=key["year"].astype(int),
    )
    grouped = (
        key.groupby(["code", "municipality_name_fi", "municipality_name_sv", "name_fi"])["year"]
        .agg(["min", "max"])
        .reset_index()
        .rename(
            columns={
                "municipality_name_fi": "name_fi",
                "municipality_name_sv": "name_sv",
                "name_fi": "name_statfin",
                "min": "first_year",
                "max": "last_year",
            }
        )
        .sort_values(["code", "first_year"])
        .reset_index(drop=True)
    )
    with Path(out).open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(_HEADER)
        grouped.to_csv(fh, index=False, lineterminator="\n")
    municipality_names.cache_clear()
    _name_index.cache_clear()
    known_codes.cache_clear()
    return grouped


@functools.cache
def municipality_names() -> pd.DataFrame:
    """The shipped code ↔ name table (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``name_fi``, ``name_sv``, ``name_statfin``, ``first_year``,
        ``last_year``.
    """
    return pd.read_csv(_TABLE, comment="#", dtype={"code": str})


@functools.cache
def known_codes(year: int | None = None) -> frozenset[str]:
    """Municipality codes valid in ``year`` (any year 2013–2026 when ``None``)."""
    t = municipality_names()
    if year is not None:
        t = t[(t["first_year"] <= year) & (t["last_year"] >= year)]
    return frozenset(t["code"])


def _norm(name: str) -> str:
    s = unicodedata.normalize("NFC", str(name)).strip().casefold()
    return re.sub(r"\s+", " ", s)


@functools.cache
def _name_index() -> dict[str, frozenset[str]]:
    idx: dict[str, set[str]] = {}
    t = municipality_names()
    for col in ("name_fi", "name_sv", "name_statfin"):
        for code, name in zip(t["code"], t[col], strict=True):
            if isinstance(name, str):
                idx.setdefault(_norm(name), set()).add(code)
    return {k: frozenset(v) for k, v in idx.items()}


def code_for_name(name: str) -> str | None:
    """Official 3-digit code for a municipality name (Finnish, Swedish or StatFin label).

    Accepts ``"Jyväskylä"``, ``"Jakobstad"``, ``"Maarianhamina - Mariehamn"`` and
    coded labels ``"KU179 Jyväskylä"`` / ``"179 Jyväskylä"``; returns ``None`` when
    the name is unknown or ambiguous.
    """
    s = str(name).strip()
    m = re.fullmatch(r"(?:KU)?(\d{1,3})(?:\s+.*)?", s)
    if m:
        code = f"{int(m.group(1)):03d}"
        return code if code in known_codes() else None
    codes = _name_index().get(_norm(s))
    if codes is None or len(codes) != 1:
        return None
    return next(iter(codes))


if __name__ == "__main__":  # pragma: no cover - build step
    if len(sys.argv) != 2:
        sys.exit("usage: python -m soteplan.region.io._municipalities municipality_key.csv")
    table = build_municipality_names(sys.argv[1])
    print(f"wrote {_TABLE} ({len(table)} rows, {table['code'].nunique()} codes)")
