"""Cohort-component population projection by single year of age and sex.

The population on 31 December of year ``t`` (ages 0..100, 100 = 100+) is
carried to 31 December of ``t + 1`` in four steps (Preston, Heuveline &
Guillot 2001, ch. 6; the method of Statistics Finland's projections):

1. **Survival and ageing.** ``P(a+1, t+1) = s(a) · P(a, t)`` for ``a = 0..98``;
   the open group ``P(100, t+1) = s(99) · P(99, t) + s(100) · P(100, t)``;
   death probabilities ``1 − s`` fall by an optional constant annual rate.
2. **Births.** ``B = Σ_a f_m(a) · W_m(a, t)`` over women aged 15–49 at the start
   of the year; boys are ``male_birth_share · B``; newborns alive at the end of
   the year are ``s_birth · B`` and enter age 0.
3. **Net migration.** ``M_m(sex, a)`` persons (by age at the end of the year)
   plus ``m_m(sex, a)`` times the survivors in the cell are added; negative
   results are set to 0 and the persons removed that way are reported in
   ``meta["clipped_persons"]``.
4. **Calibration (optional).** The whole region is scaled proportionally so
   that its total equals a given target for the year (e.g. the official
   Statistics Finland projection), keeping every municipality's age and sex
   structure.  The factors are reported in ``meta["calibration_factors"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from soteplan.errors import ParameterError

__all__ = ["AGES", "SEXES", "Projection", "Rates", "project"]

SEXES = ("male", "female")
#: Single years of age 0..100; 100 stands for 100 and over.
AGES = np.arange(101)
FERTILE = (15, 49)


@dataclass(frozen=True)
class Rates:
    """Demographic rates of a cohort-component projection.

    Attributes
    ----------
    municipalities
        Municipality codes, the first axis of ``fertility`` and ``net_migration``.
    survival
        Shape ``(2, 101)``: probability that a person of sex ``male``/``female``
        aged ``a`` on 31 Dec is alive one year later (age 100 = 100+).
    fertility
        Shape ``(n_municipalities, 101)``: live births per woman per year by her
        age on 31 Dec at the start of the year (zero outside 15–49).
    net_migration
        Shape ``(n_municipalities, 2, 101)``: net migrants per year (persons) by
        sex and age at the end of the year.
    birth_survival
        Shape ``(2,)``: share of the year's newborns alive at the end of the year.
    male_birth_share
        Share of boys among live births.
    mortality_improvement
        Shape ``(2,)``: annual rate of decline of every death probability
        (``q_t = q · (1 − r)^t`` in the ``t``-th projected year); 0 = constant.
    net_migration_rate
        Optional shape ``(n_municipalities, 2, 101)``: net migration as a share
        of the survivors in the cell (``> −1``), applied on top of the counts
        in ``net_migration``. The default rates put out-migration-dominated
        cells here so that out-migration shrinks with a shrinking cohort.
    meta
        Sources, methods and approximations of the rates.
    """

    municipalities: tuple[str, ...]
    survival: np.ndarray
    fertility: np.ndarray
    net_migration: np.ndarray
    birth_survival: np.ndarray = field(default_factory=lambda: np.array([0.998, 0.998]))
    male_birth_share: float = 0.512
    mortality_improvement: np.ndarray = field(default_factory=lambda: np.zeros(2))
    net_migration_rate: np.ndarray | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.municipalities)
        problems = []
        if np.shape(self.survival) != (2, 101):
            problems.append(f"survival has shape {np.shape(self.survival)}, expected (2, 101)")
        elif np.any((self.survival < 0) | (self.survival > 1)) or np.isnan(self.survival).any():
            problems.append("survival probabilities must lie in [0, 1]")
        if np.shape(self.fertility) != (n, 101):
            problems.append(f"fertility has shape {np.shape(self.fertility)}, expected ({n}, 101)")
        elif np.any(self.fertility < 0) or np.isnan(self.fertility).any():
            problems.append("fertility rates must be non-negative")
        if np.shape(self.net_migration) != (n, 2, 101):
            problems.append(
                f"net_migration has shape {np.shape(self.net_migration)}, expected ({n}, 2, 101)"
            )
        elif np.isnan(self.net_migration).any():
            problems.append("net_migration contains NaN")
        if np.shape(self.birth_survival) != (2,) or np.any(
            (self.birth_survival < 0) | (self.birth_survival > 1)
        ):
            problems.append("birth_survival must be two probabilities")
        if np.shape(self.mortality_improvement) != (2,) or np.any(
            (self.mortality_improvement < 0) | (self.mortality_improvement >= 1)
        ):
            problems.append("mortality_improvement must be two rates in [0, 1)")
        if self.net_migration_rate is not None and (
            np.shape(self.net_migration_rate) != (n, 2, 101)
            or np.isnan(self.net_migration_rate).any()
            or np.any(self.net_migration_rate <= -1.0)
        ):
            problems.append(f"net_migration_rate must have shape ({n}, 2, 101) and be > -1")
        if not 0.0 <= self.male_birth_share <= 1.0:
            problems.append("male_birth_share must lie in [0, 1]")
        if problems:
            raise ParameterError("invalid rates: " + "; ".join(problems))

    @classmethod
    def closed(cls, municipalities: tuple[str, ...] | list[str]) -> Rates:
        """Rates with no births, no deaths and no migration (pure ageing)."""
        n = len(municipalities)
        return cls(
            municipalities=tuple(municipalities),
            survival=np.ones((2, 101)),
            fertility=np.zeros((n, 101)),
            net_migration=np.zeros((n, 2, 101)),
            meta={"source": "closed population: no births, deaths or migration"},
        )

    def subset(self, municipalities: list[str] | tuple[str, ...]) -> Rates:
        """The rates of some municipalities, in the given order.

        Raises
        ------
        ParameterError
            When a municipality has no rates.
        """
        pos = {c: i for i, c in enumerate(self.municipalities)}
        missing = [c for c in municipalities if c not in pos]
        if missing:
            raise ParameterError(f"no demographic rates for municipalities {', '.join(missing)}")
        idx = [pos[c] for c in municipalities]
        return Rates(
            municipalities=tuple(municipalities),
            survival=self.survival,
            fertility=self.fertility[idx],
            net_migration=self.net_migration[idx],
            birth_survival=self.birth_survival,
            male_birth_share=self.male_birth_share,
            mortality_improvement=self.mortality_improvement,
            net_migration_rate=(
                None if self.net_migration_rate is None else self.net_migration_rate[idx]
            ),
            meta=self.meta,
        )


@dataclass(frozen=True)
class Projection:
    """Result of :func:`project`.

    Attributes
    ----------
    population
        Long frame ``municipality, year, sex, age, population`` (persons,
        float) for the base year and every projected year.
    components
        Long frame ``municipality, year, births, deaths, net_migration,
        clipped, calibration`` (persons during the year ending 31 Dec).
    meta
        Units, base year, sources, approximations, calibration factors.
    """

    population: pd.DataFrame
    components: pd.DataFrame
    meta: dict[str, Any]

    def totals(self) -> pd.DataFrame:
        """Population by municipality (rows) and year (columns), persons."""
        return self.population.pivot_table(
            index="municipality", columns="year", values="population", aggfunc="sum"
        )


def base_array(base: pd.DataFrame, municipalities: list[str]) -> np.ndarray:
    """Turn a long ``municipality, sex, age, population`` frame into ``(M, 2, 101)``.

    Raises
    ------
    ParameterError
        On missing columns, unknown sexes, ages outside 0..100, negative or
        missing counts.
    """
    need = ["municipality", "sex", "age", "population"]
    missing = [c for c in need if c not in base.columns]
    if missing:
        raise ParameterError(f"base population lacks columns {', '.join(missing)}")
    problems = []
    bad_sex = sorted(set(base["sex"]) - set(SEXES))
    if bad_sex:
        problems.append(f"unknown sexes {bad_sex}")
    age = pd.to_numeric(base["age"], errors="coerce")
    if age.isna().any() or (age < 0).any() or (age > 100).any():
        problems.append("ages must be integers 0..100")
    pop = pd.to_numeric(base["population"], errors="coerce")
    if pop.isna().any() or (pop < 0).any():
        problems.append("population counts must be non-negative numbers")
    unknown = sorted(set(base["municipality"].astype(str)) - set(municipalities))
    if unknown:
        problems.append(f"municipalities without rates: {', '.join(unknown)}")
    if problems:
        raise ParameterError("invalid base population: " + "; ".join(problems))
    arr = np.zeros((len(municipalities), 2, 101))
    mi = pd.Index(municipalities).get_indexer(base["municipality"].astype(str))
    si = base["sex"].map({"male": 0, "female": 1}).to_numpy(int)
    np.add.at(arr, (mi, si, age.to_numpy(int)), pop.to_numpy(float))
    return arr


def step(
    pop: np.ndarray, rates: Rates, years_ahead: int = 1
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Advance ``(M, 2, 101)`` populations by one year; return it and the components.

    ``years_ahead`` (1 for the first projected year) sets the mortality
    improvement applied: ``q · (1 − r)^years_ahead``.

    Components (each shape ``(M,)``, persons): ``births`` (live births),
    ``deaths`` (including newborns dying within the year), ``net_migration``,
    ``clipped`` (persons removed because migration would make a count negative).
    """
    decline = (1.0 - rates.mortality_improvement) ** years_ahead
    s = 1.0 - (1.0 - rates.survival) * decline[:, None]
    new = np.empty_like(pop)
    new[:, :, 1:100] = pop[:, :, 0:99] * s[None, :, 0:99]
    new[:, :, 100] = pop[:, :, 99] * s[None, :, 99] + pop[:, :, 100] * s[None, :, 100]
    lo, hi = FERTILE
    births = (rates.fertility[:, lo : hi + 1] * pop[:, 1, lo : hi + 1]).sum(axis=1)
    new[:, 0, 0] = births * rates.male_birth_share * rates.birth_survival[0]
    new[:, 1, 0] = births * (1.0 - rates.male_birth_share) * rates.birth_survival[1]
    deaths = pop.sum(axis=(1, 2)) + births - new.sum(axis=(1, 2))
    migrants = rates.net_migration.copy()
    if rates.net_migration_rate is not None:
        migrants += new * rates.net_migration_rate
    new += migrants
    neg = np.where(new < 0, -new, 0.0)
    new = np.maximum(new, 0.0)
    comps = {
        "births": births,
        "deaths": deaths,
        "net_migration": migrants.sum(axis=(1, 2)),
        "clipped": neg.sum(axis=(1, 2)),
    }
    return new, comps


def project(
    base: pd.DataFrame,
    rates: Rates,
    *,
    base_year: int,
    to_year: int = 2040,
    calibrate_to: Mapping[int, float] | None = None,
    calibrate_bands: Mapping[int, Mapping[tuple[int, int], float]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Projection:
    """Project a population by single year of age and sex, year by year.

    Parameters
    ----------
    base
        Long frame ``municipality, sex, age, population`` on 31 Dec of
        ``base_year`` (persons; ``sex`` is ``male``/``female``; age 100 = 100+).
        A ``year`` column, if present, must hold only ``base_year``.
    rates
        :class:`Rates` covering every municipality of ``base``.
    base_year
        Year of the base population.
    to_year
        Last projected year (31 Dec), ``> base_year``.
    calibrate_to
        Optional regional totals by year (persons, e.g. the official
        projection summed over the same municipalities).  In every year present
        the projected population is scaled proportionally to that total.
    calibrate_bands
        Optional regional totals by year and age band ``(first, last)``
        (inclusive ages, persons): in every year present, each band of the
        projected population (all municipalities and both sexes) is scaled to
        its target, after ``calibrate_to``.  Bands must not overlap; ages
        outside every band are left as projected.
    progress
        Optional callback ``progress(done, total)`` after each year.

    Returns
    -------
    Projection
        Population by municipality × year × sex × age, components and meta.

    Raises
    ------
    ParameterError
        On invalid inputs (see :func:`base_array`) or ``to_year <= base_year``.
    """
    if to_year <= base_year:
        raise ParameterError(f"to_year ({to_year}) must be after base_year ({base_year})")
    if "year" in base.columns and set(base["year"].astype(int)) != {base_year}:
        raise ParameterError(f"base population must hold only the year {base_year}")
    munis = sorted(set(base["municipality"].astype(str)))
    r = rates.subset(munis)
    pop = base_array(base, munis)
    if calibrate_to is not None:
        bad = {y: v for y, v in calibrate_to.items() if not np.isfinite(v) or v <= 0}
        if bad:
            raise ParameterError(f"calibration totals must be positive: {bad}")
    if calibrate_bands is not None:
        problems = []
        for y, bands in calibrate_bands.items():
            cover = np.zeros(pop.shape[2], dtype=int)
            for (a0, a1), v in bands.items():
                if not 0 <= a0 <= a1 < pop.shape[2]:
                    problems.append(f"{y}: band {a0}-{a1} outside ages 0-{pop.shape[2] - 1}")
                    continue
                cover[a0 : a1 + 1] += 1
                if not np.isfinite(v) or v <= 0:
                    problems.append(f"{y}: band {a0}-{a1} target {v} is not positive")
            if (cover > 1).any():
                problems.append(f"{y}: age bands overlap")
        if problems:
            raise ParameterError("calibration bands: " + "; ".join(problems))
    frames = [_long(pop, munis, base_year)]
    comp_rows: list[pd.DataFrame] = []
    factors: dict[int, float] = {}
    band_factors: dict[int, dict[str, float]] = {}
    clipped_total = 0.0
    n_years = to_year - base_year
    for i, year in enumerate(range(base_year + 1, to_year + 1)):
        pop, comps = step(pop, r, i + 1)
        clipped_total += float(comps["clipped"].sum())
        adj = np.zeros(len(munis))
        if calibrate_to is not None and year in calibrate_to:
            before = pop.sum(axis=(1, 2))
            factor = float(calibrate_to[year]) / float(before.sum())
            pop = pop * factor
            factors[year] = factor
            adj = pop.sum(axis=(1, 2)) - before
        if calibrate_bands is not None and year in calibrate_bands:
            before = pop.sum(axis=(1, 2))
            band_f: dict[str, float] = {}
            for (a0, a1), target in sorted(calibrate_bands[year].items()):
                have = float(pop[:, :, a0 : a1 + 1].sum())
                f = float(target) / have if have > 0 else 1.0
                pop[:, :, a0 : a1 + 1] *= f
                band_f[f"{a0}-{a1}"] = f
            band_factors[year] = band_f
            adj = adj + pop.sum(axis=(1, 2)) - before
        comp_rows.append(
            pd.DataFrame({"municipality": munis, "year": year, **comps, "calibration": adj})
        )
        frames.append(_long(pop, munis, year))
        if progress is not None:
            progress(i + 1, n_years)
    meta: dict[str, Any] = {
        "units": "persons on 31 December",
        "base_year": base_year,
        "to_year": to_year,
        "method": "cohort-component, single year of age (0..100+) and sex, annual steps",
        "rates": dict(rates.meta),
        "clipped_persons": round(clipped_total, 1),
        "calibrated": calibrate_to is not None or calibrate_bands is not None,
    }
    if calibrate_to is not None:
        meta["calibration_factors"] = factors
        meta["approximation"] = (
            "regional total scaled proportionally each year to the calibration target; "
            "age-sex structure within municipalities kept"
        )
    if calibrate_bands is not None:
        meta["calibration_band_factors"] = band_factors
        bands_txt = ", ".join(
            f"{a0}-{a1}" for a0, a1 in sorted(next(iter(calibrate_bands.values()), {}))
        )
        meta["approximation"] = (
            f"regional population of each age band ({bands_txt}) scaled each year to the "
            "calibration target (one factor per band for all municipalities and both sexes); "
            "the municipal split and the ages within a band follow the own projection"
        )
    comps_df = pd.concat(comp_rows, ignore_index=True)
    return Projection(pd.concat(frames, ignore_index=True), comps_df, meta)


def _long(pop: np.ndarray, munis: list[str], year: int) -> pd.DataFrame:
    m, s, a = np.meshgrid(np.arange(len(munis)), np.arange(2), AGES, indexing="ij")
    return pd.DataFrame(
        {
            "municipality": np.asarray(munis, dtype=object)[m.ravel()],
            "year": year,
            "sex": np.asarray(SEXES, dtype=object)[s.ravel()],
            "age": a.ravel(),
            "population": pop.ravel(),
        }
    )
