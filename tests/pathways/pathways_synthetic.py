"""Small synthetic pathways and populations for the pathway tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def flat_population(
    years: range, *, per_age: float = 100.0, municipalities: tuple[str, ...] = ("001",)
) -> pd.DataFrame:
    """Constant population: ``per_age`` persons of each sex at every age 0..100."""
    idx = pd.MultiIndex.from_product(
        [list(municipalities), list(years), ["male", "female"], range(101)],
        names=["municipality", "year", "sex", "age"],
    )
    return pd.DataFrame({"population": np.full(len(idx), per_age)}, index=idx).reset_index()


def chain_spec(**over: Any) -> dict[str, Any]:
    """Two stages a → b → recovery, a → recovery; one open age band, no death."""
    spec: dict[str, Any] = {
        "id": "chain",
        "name": {"fi": "Ketju", "en": "Chain"},
        "description": {"fi": "Testiketju", "en": "Test chain"},
        "sources": [{"key": "t", "citation": "test figures"}],
        "age_bands": [{"id": "all", "lo": 0, "hi": 100}],
        "stages": [
            {
                "id": "a",
                "label": {"fi": "A", "en": "A"},
                "provider": "public",
                "channel": "in_person",
                "service_type": "health_station",
                "unit_cost_eur": 100.0,
                "price_year": 2024,
                "contacts_per_year": 4.0,
                "source": "t",
            },
            {
                "id": "b",
                "label": {"fi": "B", "en": "B"},
                "provider": "third_sector",
                "channel": "remote",
                "unit_cost_eur": 10.0,
                "price_year": 2024,
                "contacts_per_year": 2.0,
                "source": "t",
            },
        ],
        "transitions": [
            {"from": "a", "to": "b", "probability": 0.2, "source": "t"},
            {"from": "a", "to": "recovery", "probability": 0.1, "source": "t"},
            {"from": "b", "to": "recovery", "probability": 0.25, "source": "t"},
        ],
        "entry": {
            "mode": "incidence",
            "stage": "a",
            "source": "t",
            "rates": [{"band": "all", "value": 0.01, "source": "t"}],
        },
        "channel_cost": {"remote": 0.7, "digital": 0.3, "source": "t"},
    }
    spec.update(over)
    return spec
