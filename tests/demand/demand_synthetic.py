"""A small synthetic region built in code (three municipalities)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from soteplan.region import Region


def make_region(seed: int = 0, *, morbidity: bool = True) -> Region:
    """Three municipalities with random age-sex pyramids, a projection and net costs.

    The net costs are *not* derived from the demand model here; tests that need
    a known answer build them explicitly.
    """
    rng = np.random.default_rng(seed)
    codes = ["077", "179", "992"]
    muni = gpd.GeoDataFrame(
        {
            "name_fi": ["Hankasalmi", "Jyväskylä", "Äänekoski"],
            "name_sv": ["Hankasalmi", "Jyväskylä", "Äänekoski"],
            "subregion_code": ["131", "131", "135"],
            "subregion_name": ["Jyväskylä", "Jyväskylä", "Äänekoski"],
            "member_from": [pd.NA] * 3,
            "member_to": [pd.NA] * 3,
            "centre_x": [455_000.0, 435_000.0, 430_000.0],
            "centre_y": [6_915_000.0, 6_900_000.0, 6_950_000.0],
        },
        geometry=[Point(455_000, 6_915_000), Point(435_000, 6_900_000), Point(430_000, 6_950_000)],
        index=pd.Index(codes, name="code"),
        crs="EPSG:3067",
    )
    ages = np.arange(101)
    rows = []
    sizes = {"077": 5_000, "179": 140_000, "992": 19_000}
    old_weight = {"077": 1.6, "179": 0.8, "992": 1.2}
    for c in codes:
        base = np.exp(-(((ages - 45) / 30.0) ** 2)) + old_weight[c] * (ages > 60) * np.exp(
            -(((ages - 70) / 12.0) ** 2)
        )
        base = base / base.sum() * sizes[c]
        for y in (2018, 2019, 2020):
            for sex, f in (("male", 0.49), ("female", 0.51)):
                pop = rng.poisson(base * f * (1 + 0.01 * (y - 2018)))
                rows += [(c, y, sex, int(a), int(p)) for a, p in zip(ages, pop, strict=True)]
    pas = pd.DataFrame(rows, columns=["municipality", "year", "sex", "age", "population"])
    totals = pas.groupby(["municipality", "year"])["population"].sum().reset_index()
    t16 = totals[totals["year"] == 2018].assign(year=2016)
    t16["population"] = (t16["population"] * 0.98).round().astype(int)
    totals = pd.concat([t16, totals], ignore_index=True)
    last = pas[pas["year"] == 2020].groupby(["municipality", "age"])["population"].sum()
    proj = []
    for y in range(2019, 2041):
        for (c, a), p in last.items():
            ageing = 1 + 0.02 * (y - 2020) * (a >= 75)  # older people grow
            proj.append((c, y, int(a), float(p) * ageing))
    projection = pd.DataFrame(proj, columns=["municipality", "year", "age", "population"])
    tables: dict[str, pd.DataFrame] = {
        "net_costs": pd.DataFrame(
            {
                "municipality": codes * 2,
                "year": [2015] * 3 + [2016] * 3,
                "net_cost_eur_per_resident": [3100.0, 2800.0, 3300.0, 3200.0, 2900.0, 3400.0],
            }
        )
    }
    if morbidity:
        tables["morbidity_index"] = pd.DataFrame(
            {"municipality": codes, "value": [125.0, 95.0, 118.0]}
        )
    return Region(
        id="synthetic",
        name_fi="Synteettinen",
        name_sv="Syntetisk",
        name_en="Synthetic",
        municipalities=muni,
        population_totals=totals,
        population_age_sex=pas,
        projections={"test": projection},
        service_points=gpd.GeoDataFrame(
            {"type": [], "name": [], "municipality": []}, geometry=[], crs="EPSG:3067"
        ),
        groupings={},
        provenance={},
        tables=tables,
    )
