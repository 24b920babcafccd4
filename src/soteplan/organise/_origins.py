"""Where residents are for the travel measures: municipality centres or finer origins."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from soteplan.errors import ParameterError
from soteplan.organise._spatial import OriginTravel, TravelMatrix

__all__ = ["Origins", "origins_of"]


@dataclass(frozen=True, eq=False)
class Origins:
    """Where residents are: one row per origin with its municipality and weight (persons)."""

    muni: list[str]
    weight: np.ndarray  # persons; per municipality they add up to its population
    minutes: np.ndarray  # origins × members (column order of ``members``), minutes
    to_central: np.ndarray  # minutes


def origins_of(tm: TravelMatrix | OriginTravel, members: list[str], pop: pd.Series) -> Origins:
    if isinstance(tm, TravelMatrix):
        ix = tm.index(members)
        return Origins(
            list(members),
            pop.reindex(members).to_numpy(float),
            tm.minutes[np.ix_(ix, ix)].astype(np.float64),
            tm.to_central[ix].astype(np.float64),
        )
    cols = {c: j for j, c in enumerate(tm.codes)}
    absent = [c for c in members if c not in cols]
    if absent:
        raise ParameterError(f"origin travel times have no column for {', '.join(absent)}")
    keep = np.isin(np.asarray(tm.municipality), members)
    muni = [m for m, k in zip(tm.municipality, keep, strict=True) if k]
    lacking = sorted(set(members) - set(muni))
    if lacking:
        raise ParameterError(f"origin travel times have no origin in {', '.join(lacking)}")
    raw = tm.weight[keep].astype(float)
    sums = pd.Series(raw).groupby(np.asarray(muni)).sum()
    scale = pop.reindex(muni).to_numpy(float) / np.maximum(sums.reindex(muni).to_numpy(), 1e-12)
    colix = np.array([cols[c] for c in members])
    return Origins(
        muni,
        raw * scale,
        tm.minutes[keep][:, colix].astype(np.float64),
        tm.to_central[keep].astype(np.float64),
    )
