"""Age-structure indicators on long population frames.

Every function takes a *long* frame with at least the columns
``municipality`` (3-digit code), ``age`` (completed years, 100 = 100+) and
``population`` (persons), optionally ``year`` and ``sex``, and aggregates it to
any grouping of municipalities:

* ``groups=None`` – one row per municipality;
* ``groups="Keski-Suomi"`` (any string) – everything in one group with that label;
* ``groups={code: area}`` – an organisation model, subregions, … (a mapping).

Definitions follow Statistics Finland / THL (Sotkanet):

* demographic dependency ratio (*väestöllinen huoltosuhde*)
  ``100 × (persons aged 0–14 + persons aged 65+) / persons aged 15–64``;
* old-age dependency ratio (*vanhushuoltosuhde*) ``100 × 65+ / 15–64``;
* working-age index ``100 × (15–64 in year y) / (15–64 in the base year)``.

All indicators are ratios of counts and therefore invariant to multiplying
every count by the same positive factor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from soteplan.errors import ParameterError

__all__ = [
    "STANDARD_BANDS",
    "GroupSpec",
    "age_band_totals",
    "assign_groups",
    "dependency_ratio",
    "old_age_ratio",
    "summary_table",
    "working_age_index",
]

#: Age bands used by the summary: inclusive ``(first, last)`` ages, ``None`` = open.
STANDARD_BANDS: dict[str, tuple[int, int | None]] = {
    "0-14": (0, 14),
    "15-64": (15, 64),
    "65+": (65, None),
    "75+": (75, None),
}

#: How to group municipalities: ``None`` (by municipality), a label (all in one) or a mapping.
GroupSpec = Mapping[str, str] | str | None


def _require(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ParameterError(
            f"{what} needs columns {', '.join(cols)}; missing: {', '.join(missing)}"
        )


def assign_groups(
    pop: pd.DataFrame, groups: GroupSpec = None, *, drop_unmapped: bool = False
) -> pd.Series:
    """Group label of every row of ``pop``.

    Parameters
    ----------
    pop
        Long frame with a ``municipality`` column (3-digit codes).
    groups
        ``None`` (each municipality is its own group), a string (one group of
        that name) or a mapping ``code → group``.
    drop_unmapped
        With a mapping, give rows of municipalities missing from it the label
        ``NaN`` (the caller drops them) instead of raising.

    Raises
    ------
    ParameterError
        When a mapping misses municipalities of ``pop`` and ``drop_unmapped`` is false.
    """
    _require(pop, ["municipality"], "grouping")
    muni = pop["municipality"].astype(str)
    if groups is None:
        return muni.rename("group")
    if isinstance(groups, str):
        return pd.Series(groups, index=pop.index, name="group", dtype=object)
    mapped = muni.map(dict(groups))
    if not drop_unmapped and mapped.isna().any():
        missing = sorted(set(muni[mapped.isna()]))
        raise ParameterError(
            f"grouping does not cover municipalities {', '.join(missing)}; "
            "pass drop_unmapped=True to leave them out"
        )
    return mapped.rename("group")


def age_band_totals(
    pop: pd.DataFrame,
    *,
    groups: GroupSpec = None,
    bands: Mapping[str, tuple[int, int | None]] = STANDARD_BANDS,
    drop_unmapped: bool = False,
) -> pd.DataFrame:
    """Total population and population per age band, by group (and year).

    Parameters
    ----------
    pop
        Long frame ``municipality, age, population`` (+ optional ``year``,
        ``sex``; sexes are summed). Counts in persons.
    groups
        See :func:`assign_groups`.
    bands
        Band name → inclusive ``(first_age, last_age)``; ``last_age=None`` is open.
    drop_unmapped
        See :func:`assign_groups`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``group`` (and ``year`` when present) with columns
        ``population`` and one per band (persons, float).

    Raises
    ------
    ParameterError
        On missing columns, negative counts or bad bands.
    """
    _require(pop, ["municipality", "age", "population"], "age_band_totals")
    pop = pop.reset_index(drop=True)
    values = pd.to_numeric(pop["population"], errors="coerce")
    if values.isna().any() or (values < 0).any():
        raise ParameterError("population counts must be non-negative numbers")
    age = pd.to_numeric(pop["age"], errors="coerce")
    if age.isna().any():
        raise ParameterError("ages must be integers (100 = 100 and over)")
    grp = assign_groups(pop, groups, drop_unmapped=drop_unmapped)
    keys = ["group"] + (["year"] if "year" in pop.columns else [])
    work = pd.DataFrame({"group": grp, "population": values.astype(float)})
    if "year" in pop.columns:
        work["year"] = pop["year"].astype(int)
    work = work[work["group"].notna()]
    age = age[work.index]
    cols = {"population": work["population"]}
    for name, (lo, hi) in bands.items():
        if hi is not None and hi < lo:
            raise ParameterError(f"band {name!r}: last age {hi} is below first age {lo}")
        inside = (age >= lo) & ((age <= hi) if hi is not None else True)
        cols[name] = work["population"].where(inside, 0.0)
    out = pd.DataFrame(cols)
    for k in keys:
        out[k] = work[k]
    return out.groupby(keys, sort=True).sum()


def _ratio(num: pd.Series, den: pd.Series, name: str) -> pd.Series:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 100.0 * num.to_numpy(float) / den.to_numpy(float)
    r[den.to_numpy(float) == 0] = np.nan
    return pd.Series(r, index=num.index, name=name)


def dependency_ratio(
    pop: pd.DataFrame, *, groups: GroupSpec = None, drop_unmapped: bool = False
) -> pd.Series:
    """Demographic dependency ratio ``100 × (0–14 + 65+) / 15–64`` by group (and year).

    Parameters
    ----------
    pop, groups, drop_unmapped
        As in :func:`age_band_totals`.

    Returns
    -------
    pandas.Series
        Dependants per 100 persons of working age (``NaN`` where 15–64 is 0).
    """
    t = age_band_totals(pop, groups=groups, drop_unmapped=drop_unmapped)
    return _ratio(t["0-14"] + t["65+"], t["15-64"], "dependency_ratio")


def old_age_ratio(
    pop: pd.DataFrame, *, groups: GroupSpec = None, drop_unmapped: bool = False
) -> pd.Series:
    """Old-age dependency ratio ``100 × 65+ / 15–64`` by group (and year).

    Returns
    -------
    pandas.Series
        Persons aged 65+ per 100 persons aged 15–64.
    """
    t = age_band_totals(pop, groups=groups, drop_unmapped=drop_unmapped)
    return _ratio(t["65+"], t["15-64"], "old_age_ratio")


def working_age_index(
    pop: pd.DataFrame,
    *,
    base_year: int,
    groups: GroupSpec = None,
    drop_unmapped: bool = False,
) -> pd.Series:
    """Working-age (15–64) population relative to a base year (= 100).

    Parameters
    ----------
    pop
        Long frame with ``municipality`` and ``year`` and either ``age`` +
        ``population`` (single years, summed over 15–64) or a column
        ``population_15_64`` (persons).
    base_year
        Year whose value is 100 in every group.
    groups, drop_unmapped
        As in :func:`assign_groups`.

    Returns
    -------
    pandas.Series
        Index ``(group, year)``; dimensionless index, base year = 100.

    Raises
    ------
    ParameterError
        When ``base_year`` is absent or a group has no working-age population then.
    """
    _require(pop, ["municipality", "year"], "working_age_index")
    pop = pop.reset_index(drop=True)
    if "population_15_64" in pop.columns:
        grp = assign_groups(pop, groups, drop_unmapped=drop_unmapped)
        w = pd.DataFrame(
            {
                "group": grp,
                "year": pop["year"].astype(int),
                "w": pd.to_numeric(pop["population_15_64"], errors="coerce").astype(float),
            }
        ).dropna(subset=["group"])
        if w["w"].isna().any() or (w["w"] < 0).any():
            raise ParameterError("population_15_64 must be non-negative numbers")
        working = w.groupby(["group", "year"])["w"].sum()
    else:
        working = age_band_totals(pop, groups=groups, drop_unmapped=drop_unmapped)["15-64"]
    years = working.index.get_level_values("year")
    if base_year not in set(years):
        raise ParameterError(f"base year {base_year} is not in the data")
    base = working.xs(base_year, level="year")
    if (base <= 0).any():
        raise ParameterError(f"no working-age population in {base_year} for some group")
    idx = 100.0 * working / base.reindex(working.index.get_level_values("group")).to_numpy()
    return idx.rename("working_age_index")


def summary_table(
    pop: pd.DataFrame,
    *,
    groups: GroupSpec = None,
    total_label: str | None = "Region total",
    drop_unmapped: bool = False,
) -> pd.DataFrame:
    """Population, age bands, dependency and old-age ratio per group (+ a total row).

    Parameters
    ----------
    pop
        Long frame for one year: ``municipality, age, population`` (+ ``sex``).
    groups, drop_unmapped
        As in :func:`assign_groups`.
    total_label
        Label of the total row over all groups; ``None`` for no total row.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``group``; columns ``population``, ``0-14``, ``15-64``,
        ``65+``, ``75+`` (persons, int) and ``dependency_ratio``,
        ``old_age_ratio`` (per 100 aged 15–64).
    """
    if "year" in pop.columns and pop["year"].nunique() > 1:
        raise ParameterError("summary_table expects one year; filter the frame first")
    frame = pop.drop(columns=["year"]) if "year" in pop.columns else pop
    t = age_band_totals(frame, groups=groups, drop_unmapped=drop_unmapped)
    if total_label is not None:
        if drop_unmapped and not (groups is None or isinstance(groups, str)):
            mapped = assign_groups(frame, groups, drop_unmapped=True).notna()
            frame = frame[mapped]
        tot = age_band_totals(frame, groups=total_label)
        t = pd.concat([t, tot])
    out = t.round().astype("int64")
    out["dependency_ratio"] = _ratio(t["0-14"] + t["65+"], t["15-64"], "d")
    out["old_age_ratio"] = _ratio(t["65+"], t["15-64"], "o")
    out.index.name = "group"
    return out
