"""Project a region with the default rates and compare with an official projection."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from soteplan.demography._defaults import default_rates
from soteplan.demography._indicators import age_band_totals
from soteplan.demography._projection import Projection, Rates, project
from soteplan.errors import ParameterError
from soteplan.region import Region

__all__ = [
    "VALIDATION_BANDS",
    "compare_with_observed",
    "compare_with_official",
    "official_totals",
    "project_region",
]

#: Age groups of the validation table (inclusive ages; None = open).
VALIDATION_BANDS: dict[str, tuple[int, int | None]] = {
    "0-14": (0, 14),
    "15-64": (15, 64),
    "65-74": (65, 74),
    "75+": (75, None),
    "total": (0, None),
}


#: Age bands the calibration follows (they partition 0..100, so the total follows too).
CALIBRATION_BANDS: tuple[tuple[int, int], ...] = ((0, 14), (15, 64), (65, 74), (75, 100))


def official_band_totals(
    official: pd.DataFrame,
    municipalities: Sequence[str],
    bands: Sequence[tuple[int, int]] = CALIBRATION_BANDS,
) -> dict[int, dict[tuple[int, int], float]]:
    """Yearly totals (persons) by age band of an official projection over some municipalities."""
    official_totals(official, municipalities)  # same membership check
    d = official[official["municipality"].astype(str).isin(list(municipalities))]
    age = d["age"].astype(int)
    out: dict[int, dict[tuple[int, int], float]] = {}
    for a0, a1 in bands:
        s = d[(age >= a0) & (age <= a1)].groupby("year")["population"].sum()
        for y, v in s.items():
            out.setdefault(int(y), {})[(a0, a1)] = float(v)
    return out


def official_totals(official: pd.DataFrame, municipalities: Sequence[str]) -> dict[int, float]:
    """Yearly totals (persons) of an official projection over some municipalities."""
    d = official[official["municipality"].astype(str).isin(list(municipalities))]
    missing = sorted(set(municipalities) - set(d["municipality"].astype(str)))
    if missing:
        raise ParameterError(f"official projection lacks municipalities {', '.join(missing)}")
    return {int(y): float(v) for y, v in d.groupby("year")["population"].sum().items()}


def project_region(
    region: Region,
    *,
    base_year: int | None = None,
    to_year: int = 2040,
    calibrate: str | None = None,
    calibrate_by_age: bool = True,
    rates: Rates | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Projection:
    """Project a region's member municipalities from a year with age-sex data.

    Parameters
    ----------
    region
        The region (population by age and sex is the base).
    base_year
        Base year; default the latest year with age and sex data.
    to_year
        Last projected year.
    calibrate
        Name of an official projection (``"statfin-2019"``) whose regional
        total, over the same municipalities, the projection follows year by year.
    calibrate_by_age
        With ``calibrate``: follow the official regional population of each age
        band of :data:`CALIBRATION_BANDS` (0–14, 15–64, 65–74, 75+; default),
        so 65+ and 75+ match too; ``False`` scales every age by one factor.
    rates
        Rates; default :func:`soteplan.demography.default_rates`.
    progress
        Optional ``progress(done, total)`` callback.
    """
    year = base_year if base_year is not None else region.age_sex_years[-1]
    base = region.population_by_age(year)
    codes = sorted(set(base["municipality"].astype(str)))
    r = rates if rates is not None else default_rates(codes)
    target: Mapping[int, float] | None = None
    bands: Mapping[int, Mapping[tuple[int, int], float]] | None = None
    if calibrate is not None and calibrate_by_age:
        bands = official_band_totals(region.projection(calibrate), codes)
    elif calibrate is not None:
        target = official_totals(region.projection(calibrate), codes)
    res = project(
        base[["municipality", "sex", "age", "population"]],
        r,
        base_year=year,
        to_year=to_year,
        calibrate_to=target,
        calibrate_bands=bands,
        progress=progress,
    )
    res.meta["region"] = region.id
    if calibrate is not None:
        res.meta["calibrated_to"] = calibrate
        res.meta["calibrated_by_age"] = calibrate_by_age
    return res


def compare_with_official(
    projected: pd.DataFrame,
    official: pd.DataFrame,
    *,
    years: Sequence[int] = (2025, 2030, 2040),
    bands: Mapping[str, tuple[int, int | None]] = VALIDATION_BANDS,
) -> pd.DataFrame:
    """Error of a projection against an official one by municipality, year and age group.

    Parameters
    ----------
    projected, official
        Long frames ``municipality, year, age, population`` (``sex`` summed).
    years
        Years compared.
    bands
        Age groups.

    Returns
    -------
    pandas.DataFrame
        ``municipality, year, band, projected, official, error, pct_error``
        (persons; ``pct_error = 100 × (projected − official) / official``) over
        the municipalities present in both, plus rows with municipality
        ``"REGION"`` for their sum.
    """
    common = sorted(
        set(projected["municipality"].astype(str)) & set(official["municipality"].astype(str))
    )
    if not common:
        raise ParameterError("no municipality in common with the official projection")
    out = []
    for name, frame in (("projected", projected), ("official", official)):
        d = frame[frame["municipality"].astype(str).isin(common) & frame["year"].isin(years)]
        t = age_band_totals(d, bands=bands)
        reg = age_band_totals(d.assign(municipality="REGION"), bands=bands)
        t = pd.concat([t, reg])
        long = t.reset_index().melt(id_vars=["group", "year"], var_name="band", value_name=name)
        out.append(long[long["band"] != "population"].set_index(["group", "year", "band"]))
    cmp = out[0].join(out[1], how="inner").reset_index().rename(columns={"group": "municipality"})
    cmp["error"] = cmp["projected"] - cmp["official"]
    with np.errstate(divide="ignore", invalid="ignore"):
        cmp["pct_error"] = 100.0 * cmp["error"] / cmp["official"]
    return cmp


def compare_with_observed(
    projections: Mapping[str, pd.DataFrame], observed: pd.DataFrame, *, years: Sequence[int]
) -> pd.DataFrame:
    """Error of projected municipal totals against observed totals.

    Parameters
    ----------
    projections
        Name → long frame ``municipality, year, population`` (any extra columns summed over).
    observed
        Long frame ``municipality, year, population`` (e.g. ``Region.population_totals``).
    years
        Years compared.

    Returns
    -------
    pandas.DataFrame
        Index ``(projection, year)``; columns ``region_pct_error`` (error of the
        sum over the common municipalities) and ``median_abs_pct_error``,
        ``max_abs_pct_error`` over municipalities (percent).
    """
    rows = []
    obs = observed.groupby(["municipality", "year"])["population"].sum()
    for name, frame in projections.items():
        got = frame[frame["year"].isin(years)].groupby(["municipality", "year"])["population"].sum()
        both = pd.concat([got.rename("p"), obs.rename("o")], axis=1, join="inner")
        for y in years:
            d = both.xs(y, level="year")
            if d.empty:
                continue
            rel = 100.0 * (d["p"] / d["o"] - 1.0)
            rows.append(
                {
                    "projection": name,
                    "year": y,
                    "region_pct_error": 100.0 * (d["p"].sum() / d["o"].sum() - 1.0),
                    "median_abs_pct_error": float(rel.abs().median()),
                    "max_abs_pct_error": float(rel.abs().max()),
                }
            )
    return pd.DataFrame(rows).set_index(["projection", "year"])
