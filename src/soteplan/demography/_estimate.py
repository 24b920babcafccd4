"""Estimate default projection rates from population stocks alone.

No offline source gives deaths, births or migration flows directly, so the
rates are inferred from population counts (the approximations are named in
every ``meta`` and in ``docs/validation.md``):

* **Survival** – national cohort-change ratios of 5-year age groups over
  5 years (``P(g+5, t+5) / P(g, t)``) approximate 5-year survival because
  Finland's net migration is small relative to the population; the implied
  annual mortality ``q = 1 − CCR^(1/5)`` at ages 49..79 is fitted with a
  Gompertz line ``log q(x) = α + β x`` (Gompertz 1825) which gives single-year
  rates for ages 40..100 (capped at 0.5); below 40 national net immigration
  dominates the ratios, so assumed floors are used.
* **Net migration** – the residual of consecutive single-year cohorts,
  ``M(a+1) = P(a+1, t+1) − s(a) · P(a, t)``, averaged over transitions and
  smoothed with a centred 3-year moving average over age.
* **Fertility** – a fixed age pattern (shifted gamma density over ages
  15–49) scaled per municipality so that the modelled births reproduce the
  observed 0-year-olds, with Poisson–gamma shrinkage towards the regional level.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from soteplan.demography._projection import FERTILE, base_array
from soteplan.errors import ParameterError

__all__ = [
    "adjust_migration_level",
    "fertility_levels",
    "fertility_schedule",
    "mortality_improvement",
    "residual_net_migration",
    "split_migration",
    "survival_from_cohort_ratios",
]

#: Assumed annual death probabilities where stock data cannot show them.
INFANT_Q = 0.002  # age 0 (Finland ~2 per 1000 live births in the 2010s, assumption)
CHILD_Q = 0.0001  # ages 1-14
YOUNG_Q = 0.0004  # ages 15-39 (floor below the Gompertz line)
OLD_AGE = 80  # Gompertz hazard rescaled from this age to fit the open 80+ -> 85+ ratio


def survival_from_cohort_ratios(
    pop5: pd.DataFrame,
    *,
    first_year: int,
    last_year: int,
    fit_ages: tuple[int, int] = (49, 79),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Annual survival by sex and single year of age from 5-year national stocks.

    Parameters
    ----------
    pop5
        Long frame ``year, sex, age_start, population``: national population on
        31 Dec by sex (``male``/``female``) and 5-year group starting at
        ``age_start`` (0, 5, …, 85; 85 = 85+).
    first_year, last_year
        Transitions ``t → t+5`` with ``first_year <= t`` and ``t + 5 <= last_year``.
    fit_ages
        Midpoint ages whose mortality enters the Gompertz fit.

    Returns
    -------
    survival : pandas.DataFrame
        ``sex, age (0..100), survival, q`` – annual probabilities.
    ratios : pandas.DataFrame
        ``sex, age_start, ccr, q_midpoint, midpoint_age`` – the observed ratios.
    """
    if last_year - first_year < 5:
        raise ParameterError("need at least one 5-year transition")
    rows = []
    out = []
    for sex in ("male", "female"):
        d = pop5[pop5["sex"] == sex].pivot_table(
            index="year", columns="age_start", values="population", aggfunc="sum"
        )
        starts = sorted(int(c) for c in d.columns)
        num = np.zeros(len(starts) - 1)
        den = np.zeros(len(starts) - 1)
        for t in range(first_year, last_year - 4):
            for k in range(len(starts) - 2):
                num[k] += d.at[t + 5, starts[k + 1]]
                den[k] += d.at[t, starts[k]]
            num[-1] += d.at[t + 5, starts[-1]]
            den[-1] += d.at[t, starts[-2]] + d.at[t, starts[-1]]
        ccr = num / den
        q_mid = 1.0 - np.minimum(ccr, 1.0) ** 0.2
        mid = np.array(starts[:-1], dtype=float) + 4.0
        for k in range(len(ccr)):
            rows.append(
                {
                    "sex": sex,
                    "age_start": starts[k],
                    "ccr": ccr[k],
                    "q_midpoint": q_mid[k],
                    "midpoint_age": mid[k] if k < len(ccr) - 1 else np.nan,
                }
            )
        use = (mid >= fit_ages[0]) & (mid <= fit_ages[1]) & (q_mid > 0)
        use[-1] = False
        beta, alpha = np.polyfit(mid[use], np.log(q_mid[use]), 1)
        age = np.arange(101, dtype=float)
        mu = np.exp(alpha + beta * age)
        factor = _old_age_factor(mu, d, starts, first_year, last_year, float(ccr[-1]))
        mu[OLD_AGE:] *= factor
        q = np.minimum(1.0 - np.exp(-mu), 0.6)
        q[:15] = np.maximum(q[:15], CHILD_Q)
        q[15:40] = np.maximum(q[15:40], YOUNG_Q)
        q[0] = INFANT_Q
        out.append(pd.DataFrame({"sex": sex, "age": age.astype(int), "survival": 1 - q, "q": q}))
    return pd.concat(out, ignore_index=True), pd.DataFrame(rows)


def _old_age_factor(
    mu: np.ndarray,
    d: pd.DataFrame,
    starts: list[int],
    first_year: int,
    last_year: int,
    observed: float,
) -> float:
    """Factor on the Gompertz hazard at ages 80+ matching the open cohort-change ratio.

    The ratio ``P(85+, t+5) / P(80+, t)`` is reproduced by ageing the 80–84
    and 85+ groups five years with the model's single-year survival; inside a
    group people are spread like a stationary population of the model.
    """
    lo, top = starts[-2], starts[-1]
    den = sum(d.at[t, lo] + d.at[t, top] for t in range(first_year, last_year - 4))
    p8084 = sum(d.at[t, lo] for t in range(first_year, last_year - 4)) / den
    p85 = 1.0 - p8084

    def ratio(k: float) -> float:
        m = mu.copy()
        m[OLD_AGE:] *= k
        s = np.exp(-np.minimum(m, 50.0))
        s = np.maximum(s, 0.4)
        surv = np.concatenate([[1.0], np.cumprod(s[:-1])])
        pop = np.zeros(101)
        pop[lo:top] = p8084 * surv[lo:top] / surv[lo:top].sum()
        tail = surv[top:].copy()
        tail[-1] /= 1.0 - s[-1]
        pop[top:] = p85 * tail / tail.sum()
        for _ in range(5):
            new = np.zeros(101)
            new[1:100] = pop[:99] * s[:99]
            new[100] = pop[99] * s[99] + pop[100] * s[100]
            pop = new
        return float(pop[top:].sum()) - observed

    try:
        return float(optimize.brentq(ratio, 0.2, 5.0))
    except ValueError:
        return 1.0


def mortality_improvement(
    earlier: pd.DataFrame,
    later: pd.DataFrame,
    *,
    years_apart: float,
    ages: tuple[int, int] = (50, 95),
) -> pd.DataFrame:
    """Average annual rate of decline of death probabilities between two periods.

    ``r = 1 − (mean_a q_later(a) / q_earlier(a))^(1/years_apart)`` over ``ages``
    (geometric mean of the ratios), by sex.  Both inputs are ``sex, age, q``
    frames from :func:`survival_from_cohort_ratios`.

    Returns
    -------
    pandas.DataFrame
        ``sex, annual_rate`` (fraction per year; positive = falling mortality).
    """
    rows = []
    for sex in ("male", "female"):
        e = earlier[earlier["sex"] == sex].set_index("age")["q"]
        la = later[later["sex"] == sex].set_index("age")["q"]
        sel = range(ages[0], ages[1] + 1)
        ratio = float(np.exp(np.mean(np.log(la.reindex(sel) / e.reindex(sel)))))
        rows.append({"sex": sex, "annual_rate": 1.0 - ratio ** (1.0 / years_apart)})
    return pd.DataFrame(rows)


def _survival_array(survival: pd.DataFrame) -> np.ndarray:
    s = np.ones((2, 101))
    for i, sex in enumerate(("male", "female")):
        d = survival[survival["sex"] == sex].set_index("age")["survival"]
        s[i] = d.reindex(range(101)).to_numpy(float)
    if np.isnan(s).any():
        raise ParameterError("survival must cover ages 0..100 for both sexes")
    return s


def residual_net_migration(
    pop: pd.DataFrame, survival: pd.DataFrame, *, smooth: int = 3
) -> pd.DataFrame:
    """Average annual net migration by municipality, sex and age (residual method).

    Parameters
    ----------
    pop
        Long frame ``municipality, year, sex, age, population`` for at least two
        consecutive years (persons on 31 Dec).
    survival
        ``sex, age, survival`` as from :func:`survival_from_cohort_ratios`.
    smooth
        Width (years of age, odd) of the centred moving average over ages 1..100.

    Returns
    -------
    pandas.DataFrame
        ``municipality, sex, age, net_migration`` – persons per year by age at
        the end of the year; age 0 is 0 (infant migration is absorbed by the
        fertility level).
    """
    years = sorted(int(y) for y in pop["year"].unique())
    pairs = [(y, y + 1) for y in years if y + 1 in years]
    if not pairs:
        raise ParameterError("residual migration needs two consecutive years")
    munis = sorted(set(pop["municipality"].astype(str)))
    s = _survival_array(survival)
    acc = np.zeros((len(munis), 2, 101))
    for y0, y1 in pairs:
        p0 = base_array(pop[pop["year"] == y0], munis)
        p1 = base_array(pop[pop["year"] == y1], munis)
        expected = np.zeros_like(p0)
        expected[:, :, 1:100] = p0[:, :, 0:99] * s[None, :, 0:99]
        expected[:, :, 100] = p0[:, :, 99] * s[None, :, 99] + p0[:, :, 100] * s[None, :, 100]
        resid = p1 - expected
        resid[:, :, 0] = 0.0
        acc += resid
    acc /= len(pairs)
    if smooth > 1:
        if smooth % 2 == 0:
            raise ParameterError("smooth must be odd")
        kernel = np.ones(smooth)
        body = acc[:, :, 1:]
        padded = np.pad(body, ((0, 0), (0, 0), (smooth // 2, smooth // 2)), mode="edge")
        sm = np.apply_along_axis(lambda v: np.convolve(v, kernel, "valid"), 2, padded) / smooth
        # keep each municipality-sex total unchanged by the smoothing
        tot0 = body.sum(axis=2, keepdims=True)
        tot1 = sm.sum(axis=2, keepdims=True)
        acc[:, :, 1:] = sm + (tot0 - tot1) / body.shape[2]
    m, sx, a = np.meshgrid(np.arange(len(munis)), np.arange(2), np.arange(101), indexing="ij")
    return pd.DataFrame(
        {
            "municipality": np.asarray(munis, dtype=object)[m.ravel()],
            "sex": np.asarray(("male", "female"), dtype=object)[sx.ravel()],
            "age": a.ravel(),
            "net_migration": acc.ravel(),
        }
    )


def fertility_schedule(mean_age: float = 30.8, sd: float = 5.6) -> pd.Series:
    """Age pattern of fertility over ages 15..49 (shares summing to 1).

    A gamma density shifted to start at age 14, with the given mean and
    standard deviation of the mother's age (years, at the start of the year
    of birth), integrated over each single year of age.  The defaults
    approximate Finland's pattern of the late 2010s (mean age of mothers
    about 31) – an assumption, as no births by age of mother are offline.
    """
    lo, hi = FERTILE
    shift = lo - 1.0
    k = ((mean_age - shift) / sd) ** 2
    theta = sd**2 / (mean_age - shift)
    edges = np.arange(lo, hi + 2, dtype=float)
    cdf = stats.gamma.cdf(edges - shift, a=k, scale=theta)
    share = np.diff(cdf)
    share /= share.sum()
    return pd.Series(share, index=pd.RangeIndex(lo, hi + 1, name="age"), name="share")


def fertility_levels(
    pop: pd.DataFrame,
    schedule: pd.Series,
    *,
    birth_survival: float = 0.998,
    prior_births: float = 20.0,
    municipalities: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Total fertility per municipality from 0-year-olds and women 15–49.

    For every consecutive pair of years ``(t, t+1)``, the 0-year-olds on
    31 Dec ``t+1`` (persons) are taken as the survivors of the year's births;
    the expected births per unit of total fertility are
    ``birth_survival · Σ_a schedule(a) · W(a, t)``.  The level is the ratio
    of sums over all pairs, shrunk towards the pooled regional level with a
    Poisson–gamma prior worth ``prior_births`` births.

    Returns
    -------
    pandas.DataFrame
        Indexed by municipality: ``births_observed`` (0-year-olds, persons),
        ``exposure`` (expected births at TFR 1), ``tfr_raw``, ``tfr`` (children
        per woman, shrunk).
    """
    years = sorted(int(y) for y in pop["year"].unique())
    pairs = [(y, y + 1) for y in years if y + 1 in years]
    if not pairs:
        raise ParameterError("fertility estimation needs two consecutive years")
    munis = list(municipalities) if municipalities else sorted(set(pop["municipality"]))
    lo, hi = FERTILE
    w = schedule.reindex(range(lo, hi + 1)).fillna(0.0).to_numpy()
    births = np.zeros(len(munis))
    expo = np.zeros(len(munis))
    for y0, y1 in pairs:
        p0 = base_array(pop[pop["year"] == y0], munis)
        p1 = base_array(pop[pop["year"] == y1], munis)
        births += p1[:, :, 0].sum(axis=1)
        expo += birth_survival * (p0[:, 1, lo : hi + 1] * w[None, :]).sum(axis=1)
    pooled = births.sum() / expo.sum()
    tfr = (births + prior_births) / (expo + prior_births / pooled)
    return pd.DataFrame(
        {"births_observed": births, "exposure": expo, "tfr_raw": births / expo, "tfr": tfr},
        index=pd.Index(munis, name="municipality"),
    )


def adjust_migration_level(
    net_migration: pd.DataFrame, totals: pd.Series | dict[str, float]
) -> pd.DataFrame:
    """Rescale each municipality's net migration to a given yearly total.

    The difference ``target − Σ M(sex, age)`` is spread over sexes and ages in
    proportion to ``|M(sex, age)|``, i.e. where the municipality's migration
    happens (mostly young adults), keeping the age pattern of the residual
    estimate.  Used to replace the level of a short, noisy window by a
    longer-run level.

    Parameters
    ----------
    net_migration
        ``municipality, sex, age, net_migration`` (persons per year).
    totals
        Target net migration per year by municipality (persons); municipalities
        not listed keep their level.

    Returns
    -------
    pandas.DataFrame
        Same shape; per-municipality sums equal the targets.
    """
    target = pd.Series(totals, dtype=float)
    out = net_migration.copy()
    for muni, d in out.groupby("municipality"):
        if muni not in target.index:
            continue
        weight = d["net_migration"].abs()
        if weight.sum() == 0:
            weight = pd.Series(1.0, index=d.index).where(d["age"] > 0, 0.0)
        gap = float(target[muni]) - float(d["net_migration"].sum())
        out.loc[d.index, "net_migration"] = d["net_migration"] + gap * weight / weight.sum()
    return out


def split_migration(
    net_migration: pd.DataFrame, pop: pd.DataFrame, survival: pd.DataFrame
) -> pd.DataFrame:
    """Split net migration into counts (in-migration cells) and rates (out-migration cells).

    Cells with positive net migration are dominated by in-migration, which does not
    depend on the local population: they stay counts (persons per year).  Cells with
    negative net migration are dominated by out-migration, which scales with the
    population at risk: they become rates, ``M / S`` where ``S`` is the mean number of
    survivors in the cell over the observed transitions (bounded below by −0.5).

    Parameters
    ----------
    net_migration
        ``municipality, sex, age, net_migration`` (persons per year).
    pop
        ``municipality, year, sex, age, population`` used for the residuals.
    survival
        ``sex, age, survival``.

    Returns
    -------
    pandas.DataFrame
        ``municipality, sex, age, net_migration_total, net_migration`` (count
        part, ≥ 0) and ``net_migration_rate`` (≤ 0).
    """
    years = sorted(int(y) for y in pop["year"].unique())
    pairs = [(y, y + 1) for y in years if y + 1 in years]
    if not pairs:
        raise ParameterError("split_migration needs two consecutive years")
    munis = sorted(set(net_migration["municipality"].astype(str)))
    s = _survival_array(survival)
    risk = np.zeros((len(munis), 2, 101))
    for y0, _ in pairs:
        p0 = base_array(pop[(pop["year"] == y0) & pop["municipality"].isin(munis)], munis)
        risk[:, :, 1:100] += p0[:, :, 0:99] * s[None, :, 0:99]
        risk[:, :, 100] += p0[:, :, 99] * s[None, :, 99] + p0[:, :, 100] * s[None, :, 100]
    risk /= len(pairs)
    out = net_migration.copy().sort_values(["municipality", "sex", "age"], kind="stable")
    mi = pd.Index(munis).get_indexer(out["municipality"].astype(str))
    si = out["sex"].map({"male": 0, "female": 1}).to_numpy(int)
    at_risk = risk[mi, si, out["age"].to_numpy(int)]
    total = out["net_migration"].to_numpy(float)
    negative = (total < 0) & (at_risk > 0)
    rate = np.zeros(len(out))
    rate[negative] = np.maximum(total[negative] / at_risk[negative], -0.5)
    out["net_migration_total"] = total
    out["net_migration"] = np.where(negative, 0.0, np.maximum(total, 0.0))
    out["net_migration_rate"] = rate
    return out[
        [
            "municipality",
            "sex",
            "age",
            "net_migration_total",
            "net_migration",
            "net_migration_rate",
        ]
    ].reset_index(drop=True)
