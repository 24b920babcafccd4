"""Default projection rates shipped as package data (see ``data/PROVENANCE.md``)."""

from __future__ import annotations

import functools
from importlib import resources
from io import StringIO

import numpy as np
import pandas as pd

from soteplan.demography._projection import FERTILE, SEXES, Rates
from soteplan.errors import DataError, DataProblem, ParameterError

__all__ = ["default_rates"]

_FILES = (
    "survival.csv",
    "fertility.csv",
    "fertility_schedule.csv",
    "net_migration.csv",
    "mortality_improvement.csv",
)


def _read(name: str) -> pd.DataFrame:
    res = resources.files("soteplan.demography") / "data" / name
    try:
        text = res.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DataError([DataProblem(name, None, None, "default rate file missing")]) from exc
    return pd.read_csv(StringIO(text), dtype={"municipality": "string"})


@functools.lru_cache(maxsize=1)
def _all_rates() -> Rates:
    surv = _read("survival.csv")
    fert = _read("fertility.csv").set_index("municipality")
    sched = _read("fertility_schedule.csv").set_index("age")["share"]
    mig = _read("net_migration.csv")
    imp = _read("mortality_improvement.csv").set_index("sex")["annual_rate"]
    munis = tuple(sorted(str(m) for m in fert.index))
    s = np.vstack(
        [
            surv[surv["sex"] == sex].set_index("age")["survival"].reindex(range(101)).to_numpy()
            for sex in SEXES
        ]
    )
    lo, hi = FERTILE
    shape = np.zeros(101)
    shape[lo : hi + 1] = sched.reindex(range(lo, hi + 1)).fillna(0.0).to_numpy()
    f = fert.loc[list(munis), "tfr"].to_numpy(float)[:, None] * shape[None, :]
    m = np.zeros((len(munis), 2, 101))
    pos = {c: i for i, c in enumerate(munis)}
    mi = mig["municipality"].astype(str).map(pos)
    if mi.isna().any():
        raise DataError(
            [DataProblem("net_migration.csv", None, "municipality", "code without fertility")]
        )
    si = mig["sex"].map({"male": 0, "female": 1}).to_numpy(int)
    ai = mig["age"].to_numpy(int)
    m[mi.to_numpy(int), si, ai] = mig["net_migration"].to_numpy(float)
    rate = np.zeros_like(m)
    if "net_migration_rate" in mig.columns:
        rate[mi.to_numpy(int), si, ai] = mig["net_migration_rate"].to_numpy(float)
    return Rates(
        municipalities=munis,
        survival=s,
        fertility=f,
        net_migration=m,
        mortality_improvement=imp.reindex(list(SEXES)).to_numpy(float),
        net_migration_rate=rate,
        meta={
            "source": (
                "estimated from Statistics Finland population stocks (11rc national "
                "2009-2019; 11re municipal 2018-2020), CC BY 4.0; "
                "scripts/derive_demography_rates.py"
            ),
            "approximation": (
                "survival from national 5-year cohort-change ratios (national net "
                "migration ignored) with a Gompertz fit at ages 49-79 and assumed floors "
                "below 40; mortality decline = trend 2004-14 vs 2009-19 continued; "
                "net migration: age pattern = residual of 2018->2019->2020 cohorts, "
                "level = 2010-2020 change minus natural increase; in-migration cells "
                "constant counts, out-migration cells rates of the survivors; "
                "fertility = assumed gamma age pattern scaled to observed 0-year-olds, "
                "shrunk towards the regional level"
            ),
            "files": list(_FILES),
        },
    )


def default_rates(municipalities: list[str] | tuple[str, ...] | None = None) -> Rates:
    """Default rates for the embedded Keski-Suomi municipalities.

    Parameters
    ----------
    municipalities
        Codes to keep (in this order); all 23 (22 + Kuhmoinen) when ``None``.

    Raises
    ------
    ParameterError
        When a requested municipality has no default rates.
    """
    rates = _all_rates()
    if municipalities is None:
        return rates
    try:
        return rates.subset(list(municipalities))
    except ParameterError as exc:
        raise ParameterError(
            f"{exc}; default rates exist only for the embedded Keski-Suomi municipalities"
        ) from exc
