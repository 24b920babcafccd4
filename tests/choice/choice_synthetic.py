"""A small synthetic choice model (seeded random points)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from soteplan.choice import ChoiceModel, ChoiceParams


def synthetic(
    n_o: int = 40,
    n_s: int = 5,
    *,
    seed: int = 0,
    params: ChoiceParams | None = None,
    capacity: np.ndarray | None = None,
) -> ChoiceModel:
    """Origins and stations at random points, minutes = distance / speed."""
    rng = np.random.default_rng(seed)
    oxy = rng.uniform(0, 20_000, (n_o, 2))
    sxy = rng.uniform(0, 20_000, (n_s, 2))
    minutes = np.hypot(*(oxy[:, None, :] - sxy[None, :, :]).transpose(2, 0, 1)) / 500.0 + 1.0
    attrs = pd.DataFrame(
        {
            "opening_days": rng.integers(3, 8, n_s).astype(float),
            "private": rng.random(n_s) < 0.4,
            "size": rng.uniform(1, 10, n_s),
        },
        index=[f"s{j}" for j in range(n_s)],
    )
    return ChoiceModel.build(
        origin_ids=[f"o{i}" for i in range(n_o)],
        station_ids=list(attrs.index),
        minutes=minutes,
        population={"0-64": rng.uniform(50, 500, n_o), "65+": rng.uniform(10, 100, n_o)},
        attributes=attrs,
        params=params
        or ChoiceParams(decay="exponential", beta=0.3, attraction={"opening_days": 1.0}),
        capacity=capacity,
        visit_rates={"0-64": 4.0, "65+": 10.0},
    )
