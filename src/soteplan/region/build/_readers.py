"""Readers of the national raw files, shared by the region builder and the Keski-Suomi build.

``soteplan region build`` (:mod:`soteplan.region.build._build`) and
``scripts/build_keski_suomi.py`` (the embedded region) read the same raw files; these are
the one copy of how each file is parsed.  They return the file's content with types fixed
and no selection of municipalities, which each caller makes itself.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import pandas as pd

from soteplan.errors import DataError, DataProblem

__all__ = [
    "fix_mojibake",
    "read_11re_csv",
    "read_municipality_key",
    "read_postal_key",
    "slug",
]


def fix_mojibake(s: str) -> str:
    """Repair UTF-8 text that was decoded as Latin-1 once (``JyvÃ¤skylÃ¤`` → ``Jyväskylä``)."""
    if "Ã" in s or "Â" in s:
        try:
            return s.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return s
    return s


def slug(text: str) -> str:
    """ASCII, lower-case, hyphenated (``Kyllö`` → ``kyllo``): the id part of a name."""
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", t.lower()).strip("-")


def read_municipality_key(path: Path) -> pd.DataFrame:
    """geofi ``municipality_key.csv``: every column as text, plus ``code`` (3 digits), ``year``.

    Raises
    ------
    DataError
        A column the builders need is missing (the file is named).
    """
    k = pd.read_csv(path, dtype=str)
    missing = [c for c in ("municipality_code", "year", "name_fi") if c not in k.columns]
    if missing:
        name = f"geofi/converted/{path.name}"
        raise DataError([DataProblem(name, None, c, "column missing") for c in missing])
    k["code"] = k["municipality_code"].str.zfill(3)
    k["year"] = pd.to_numeric(k["year"]).astype(int)
    return k


def read_postal_key(path: Path) -> pd.DataFrame:
    """The postcode → municipality key (``alueryhmittely_posnro_2020_en.csv``).

    Read by position: the ELY-centre names further right hold unquoted commas.  Columns
    ``postcode``, ``name`` (mojibake repaired) and ``municipality`` (code as given);
    rows shorter than 11 fields are skipped.
    """
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))[1:]
    return pd.DataFrame(
        [(r[0], fix_mojibake(r[1]), r[3]) for r in rows if len(r) >= 11],
        columns=["postcode", "name", "municipality"],
    )


def read_11re_csv(path: Path, year: int) -> pd.DataFrame:
    """A StatFin 11re CSV (31.12. population by area, single-year age and sex) as text.

    Columns ``area``, ``age``, ``total``, ``male``, ``female``, as strings.  The three
    exports in the raw data differ: 2018 is comma-separated Latin-1 with two title rows and
    no total column (``total`` is then empty), 2019 semicolon-separated Latin-1 with two
    title rows, 2020 (and later, as the PxWeb CSV) comma-separated UTF-8.
    """
    if year == 2018:
        df = pd.read_csv(path, sep=",", encoding="latin-1", skiprows=2, dtype=str)
        df.columns = ["area", "age", "male", "female"]
        df["total"] = None
        return df[["area", "age", "total", "male", "female"]]
    if year == 2019:
        df = pd.read_csv(path, sep=";", encoding="latin-1", skiprows=2, dtype=str)
    else:
        df = pd.read_csv(path, sep=",", encoding="utf-8", dtype=str)
    df.columns = ["area", "age", "total", "male", "female"]
    return df
