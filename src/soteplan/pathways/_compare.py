"""Compare two pathway results year by year (a lever's effect)."""

from __future__ import annotations

import pandas as pd

from soteplan.pathways._cohort import PathwayResult

__all__ = ["compare_results"]


def compare_results(base: PathwayResult, alt: PathwayResult) -> pd.DataFrame:
    """Per year: base, alternative and change of persons, contacts, cost, trips, travel.

    Returns
    -------
    DataFrame
        Indexed by year with columns ``<measure>_base``, ``<measure>_alt`` and
        ``<measure>_change`` for persons, contacts, cost_eur, trips,
        travel_minutes and third_sector_share (and waiting when both results
        carry simulated waiting times).
    """
    a, b = base.summary(), alt.summary()
    out = pd.DataFrame(index=a.index)
    for col in a.columns:
        out[f"{col}_base"] = a[col]
        out[f"{col}_alt"] = b[col].reindex(a.index)
        out[f"{col}_change"] = out[f"{col}_alt"] - out[f"{col}_base"]
    wa, wb = base.meta.get("waiting_by_year"), alt.meta.get("waiting_by_year")
    if wa and wb:
        out["mean_wait_days_base"] = pd.Series(wa).reindex(a.index)
        out["mean_wait_days_alt"] = pd.Series(wb).reindex(a.index)
        out["mean_wait_days_change"] = out["mean_wait_days_alt"] - out["mean_wait_days_base"]
    out.index.name = "year"
    return out
