"""StatFin table 11re (population by municipality × single year of age × sex) to soteplan's form."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ._common import Problems
from ._municipalities import code_for_name, known_codes
from ._pxweb import read_pxweb

__all__ = ["population_from_11re"]

_AREA = ("alue", "area", "område", "kunta", "municipality")
_AGE = ("ikä", "age", "ålder", "ika")
_SEX = ("sukupuoli", "sex", "kön")
_YEAR = ("vuosi", "year", "år")
_SEX_MAP = {
    "miehet": "male", "males": "male", "men": "male", "män": "male", "1": "male", "male": "male",
    "naiset": "female", "females": "female", "women": "female", "kvinnor": "female", "2": "female",
    "female": "female",
    "yhteensä": "total", "total": "total", "totalt": "total", "sss": "total",
}  # fmt: skip
_AGE_TOTAL = {"yhteensä", "total", "totalt", "sss"}
#: Area labels that are aggregates, not municipalities (dropped; listed in meta).
_AGGREGATE = re.compile(
    r"^(koko maa|whole country|hela landet|(sss|(mk|sk|ma|sa|ava|ely|hva|hyv)\d+)\b.*)$", re.I
)


def _find(df: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    for c in df.columns:
        if str(c).strip().casefold() in names:
            return str(c)
    return None


def population_from_11re(
    data: pd.DataFrame | str | Path,
    *,
    year: int | None = None,
    age_totals: Literal["check", "drop", "keep"] = "check",
    drop_unknown_areas: bool = False,
) -> pd.DataFrame:
    """Population by municipality, year, sex and single year of age from StatFin 11re.

    Parameters
    ----------
    data
        A frame returned by :func:`read_pxweb` for table 11re (or the path of a
        PX / CSV / JSON-stat export of it).  Needs an area column (``Alue`` /
        ``Area``), an age column (``Ikä`` / ``Age``), a sex column (``sex`` /
        ``Sukupuoli``), a year column (``year`` / ``Vuosi``; or pass ``year``)
        and ``value``.
    year
        Year of the figures when the table has no year column.
    age_totals
        Rows whose age is ``Yhteensä``/``Total``: ``"check"`` (default) verifies
        that they equal the sum over ages, then drops them; ``"drop"`` drops them;
        ``"keep"`` keeps them with ``age`` = ``<NA>``.
    drop_unknown_areas
        Drop area labels that are not municipalities instead of raising.

    Returns
    -------
    pandas.DataFrame
        Columns ``municipality`` (3-digit code), ``year`` (int), ``sex``
        (``"male"``/``"female"``), ``age`` (Int64 0…100; 100 means 100 and over),
        ``population`` (int64, persons on 31 December).  Sex totals are checked
        against male + female and dropped; whole-country and other aggregate
        areas (``KOKO MAA``, ``MK13 …``) are dropped and listed in
        ``attrs["meta"]["dropped_areas"]``.

    Raises
    ------
    DataError
        Unknown municipality names/codes, unparseable ages, negative, missing or
        fractional counts, duplicate cells, totals that do not add up.
    MissingColumnError
        A required column is missing.
    """
    df = read_pxweb(data) if isinstance(data, str | Path) else data
    meta_in = dict(df.attrs.get("meta", {}))
    source = str(meta_in.get("source", "<DataFrame>"))
    problems = Problems(source)
    area_c, age_c, sex_c, year_c = (_find(df, n) for n in (_AREA, _AGE, _SEX, _YEAR))
    missing = [
        name
        for name, col in (("area (Alue)", area_c), ("age (Ikä)", age_c), ("sex (Sukupuoli)", sex_c))
        if col is None
    ]
    if "value" not in df.columns:
        missing.append("value")
    if year_c is None and year is None:
        missing.append("year (Vuosi) — or pass year=")
    if missing:
        problems.missing_columns(df.columns, missing, "Export table 11re with Alue, Ikä, Sukupuoli")
    assert area_c is not None and age_c is not None and sex_c is not None
    n = len(df)
    rows = np.arange(1, n + 1)
    area = df[area_c].astype("string").str.strip()
    agg = area.str.match(_AGGREGATE).fillna(False).to_numpy(dtype=bool)
    lookup = {a: code_for_name(a) for a in area.dropna().unique()}
    codes = area.map(lookup)
    years = (
        pd.to_numeric(df[year_c], errors="coerce")
        if year_c is not None
        else pd.Series(float(year), index=df.index)  # type: ignore[arg-type]
    )
    dropped: set[str] = set(area[agg].dropna().unique())
    unknown = ~agg & codes.isna().to_numpy()
    if drop_unknown_areas:
        dropped |= set(area[unknown].dropna().unique())
    else:
        for pos in np.flatnonzero(unknown):
            problems.add(
                int(rows[pos]),
                area_c,
                f"unknown municipality {area.iloc[pos]!r}; expected a municipality name "
                "('Jyväskylä'), a coded label ('KU179 Jyväskylä') or a known aggregate "
                "('KOKO MAA')",
                kind="area",
            )
    # a code must be valid in the year of the figures or the next (31.12. figures are often
    # published on the next year's division); checked within the shipped 2013–2026 span
    pairs = pd.DataFrame({"code": codes, "year": years})
    valid_pair = {
        (c, y): (not (2013 <= y <= 2026))
        or c in known_codes(int(y))
        or c in known_codes(int(y) + 1)
        for c, y in pairs.dropna().drop_duplicates().itertuples(index=False)
    }
    pair_ok = np.array(
        [valid_pair.get((c, y), True) for c, y in pairs.itertuples(index=False)], dtype=bool
    )
    for pos in np.flatnonzero(~agg & ~unknown & ~pair_ok):
        problems.add(
            int(rows[pos]),
            area_c,
            f"municipality {area.iloc[pos]!r} (code {codes.iloc[pos]}) did not exist in "
            f"{int(years.iloc[pos])}",
            kind="area-year",
        )
    for pos in np.flatnonzero(years.isna().to_numpy() | ((years % 1) != 0).to_numpy()):
        problems.add(int(rows[pos]), year_c, f"{df[year_c].iloc[pos]!r} is not a year", kind="year")
    sex = df[sex_c].astype("string").str.strip().str.casefold().map(_SEX_MAP)
    for pos in np.flatnonzero(sex.isna().to_numpy()):
        problems.add(
            int(rows[pos]),
            sex_c,
            f"{df[sex_c].iloc[pos]!r} is not a sex label; expected Miehet/Naiset/Yhteensä "
            "(or Males/Females/Total)",
            kind="sex",
        )
    age_raw = df[age_c].astype("string").str.strip()
    is_total_age = age_raw.str.casefold().isin(_AGE_TOTAL).fillna(False).to_numpy(dtype=bool)
    age_m = age_raw.str.extract(r"^(\d{1,3})\s*(-|\+|–|-\s*\d+)?$")
    age = pd.to_numeric(age_m[0], errors="coerce")
    open_end = age_m[1].notna().to_numpy()
    bad_age = (~is_total_age & (age.isna() | (age > 100)).to_numpy()) | (
        open_end & (age != 100).to_numpy()
    )
    for pos in np.flatnonzero(bad_age):
        problems.add(
            int(rows[pos]),
            age_c,
            f"{age_raw.iloc[pos]!r} is not a single year of age 0…99, '100 -' or 'Yhteensä'",
            kind="age",
        )
    value = pd.to_numeric(df["value"], errors="coerce")
    for pos in np.flatnonzero(value.isna().to_numpy()):
        problems.add(int(rows[pos]), "value", "missing population count", kind="nan")
    for pos in np.flatnonzero((value < 0).fillna(False).to_numpy()):
        problems.add(
            int(rows[pos]), "value", f"negative count {value.iloc[pos]:g}; must be ≥ 0", kind="neg"
        )
    for pos in np.flatnonzero(((value % 1) != 0).fillna(False).to_numpy()):
        problems.add(
            int(rows[pos]), "value", f"{value.iloc[pos]:g} is not a whole number", kind="frac"
        )
    problems.raise_if_any()

    keep = ~agg & ~unknown
    tidy = pd.DataFrame(
        {
            "row": rows[keep],
            "municipality": codes[keep].astype(str).to_numpy(),
            "year": years[keep].astype(int).to_numpy(),
            "sex": sex[keep].astype(str).to_numpy(),
            "age": age[keep].astype("Int64").to_numpy(),
            "age_total": is_total_age[keep],
            "population": value[keep].astype(np.int64).to_numpy(),
        }
    )
    key = ["municipality", "year", "sex", "age_total", "age"]
    dup = tidy.duplicated(subset=key, keep="first").to_numpy()
    for r, m, y, s, a in tidy.loc[dup, ["row", "municipality", "year", "sex", "age"]].itertuples(
        index=False
    ):
        problems.add(
            int(r), area_c, f"duplicate cell (municipality {m}, {y}, {s}, age {a})", kind="dup"
        )
    problems.raise_if_any()
    # sex totals must equal male + female; then they are dropped
    wide = tidy.pivot_table(
        index=["municipality", "year", "age_total", "age"],
        columns="sex",
        values="population",
        aggfunc="sum",
        dropna=False,
    )
    n_sex_checked = 0
    if {"male", "female", "total"} <= set(wide.columns):
        both = wide.dropna(subset=["male", "female", "total"])
        n_sex_checked = len(both)
        off = both[both["male"] + both["female"] != both["total"]]
        for (m, y, _t, a), r in off.iterrows():
            problems.add(
                None,
                sex_c,
                f"municipality {m}, {y}, age {'total' if pd.isna(a) else int(a)}: "
                f"male {r['male']:g} + female {r['female']:g} ≠ total {r['total']:g}",
                kind="sexsum",
            )
    tidy = tidy[tidy["sex"] != "total"]
    n_age_checked = 0
    if age_totals == "check":
        totals = tidy[tidy["age_total"]].set_index(["municipality", "year", "sex"])["population"]
        sums = tidy[~tidy["age_total"]].groupby(["municipality", "year", "sex"])["population"].sum()
        both_idx = totals.index.intersection(sums.index)
        n_age_checked = len(both_idx)
        for k in both_idx:
            if totals[k] != sums[k]:
                problems.add(
                    None,
                    age_c,
                    f"municipality {k[0]}, {k[1]}, {k[2]}: ages sum to {sums[k]} but the "
                    f"'Yhteensä' row says {totals[k]}",
                    kind="agesum",
                )
    problems.raise_if_any()
    if age_totals in ("check", "drop"):
        tidy = tidy[~tidy["age_total"]]
    out = (
        tidy.drop(columns=["row", "age_total"])
        .sort_values(["municipality", "year", "sex", "age"])
        .reset_index(drop=True)
    )
    out["age"] = out["age"].astype("Int64")
    out.attrs["meta"] = {
        "source": source,
        "table": "StatFin 11re, population 31.12. by municipality, single year of age and sex",
        "publisher": "Statistics Finland",
        "licence": "CC BY 4.0",
        "units": "persons on 31 December",
        "age_100": "100 means 100 years and over ('100 -')",
        "dropped_areas": sorted(dropped),
        "sex_totals_checked": n_sex_checked,
        "age_totals_checked": n_age_checked,
        "input": meta_in,
    }
    return out
