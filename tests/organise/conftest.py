"""Fixtures of the organisation engine's tests: synthetic regions built in code (clearly synthetic).

A ``rows × cols`` grid of 10 km square "municipalities" (codes ``"101"``…),
seeded log-normal populations, a full age structure for 2018–2020, an
official-projection-like table to 2040 and net costs for 2019–2020.  The
central hospital sits in the first municipality.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from soteplan.region import Grouping, Region
from soteplan.region._model import Area

CELL = 10_000.0
X0, Y0 = 400_000.0, 6_900_000.0


def grid_region(
    rows: int = 3,
    cols: int = 4,
    *,
    seed: int = 0,
    holes: tuple[int, ...] = (),
    city_pop: float | None = None,
) -> Region:
    """A synthetic grid region; ``holes`` drops cells (positions) to make gaps/islands."""
    rng = np.random.default_rng(seed)
    cells = [(r, c) for r in range(rows) for c in range(cols)]
    keep = [i for i in range(len(cells)) if i not in holes]
    codes = [f"{101 + i:03d}" for i in range(len(keep))]
    geoms, cx, cy = [], [], []
    for i in keep:
        r, c = cells[i]
        x, y = X0 + c * CELL, Y0 + r * CELL
        geoms.append(box(x, y, x + CELL, y + CELL))
        cx.append(x + CELL / 2)
        cy.append(y + CELL / 2)
    munis = gpd.GeoDataFrame(
        {
            "name_fi": [f"Kunta {c}" for c in codes],
            "name_sv": [f"Kommun {c}" for c in codes],
            "subregion_code": "001",
            "subregion_name": "Synthetic",
            "member_from": pd.array([pd.NA] * len(codes), dtype="Int64"),
            "member_to": pd.array([pd.NA] * len(codes), dtype="Int64"),
            "centre_x": cx,
            "centre_y": cy,
        },
        geometry=geoms,
        index=pd.Index(codes, name="code"),
        crs="EPSG:3067",
    )
    base = rng.lognormal(8.5, 0.8, size=len(codes))
    if city_pop is not None:
        base[0] = city_pop
    ages = np.arange(101)
    shape = np.exp(-(((ages - 45) / 30.0) ** 2))
    rows_as = []
    rows_tot = []
    for year in (2018, 2019, 2020):
        for code, b in zip(codes, base, strict=True):
            total = 0
            for sex in ("male", "female"):
                counts = rng.poisson(b * shape / shape.sum() / 2 * (1 + 0.01 * (year - 2018)))
                total += int(counts.sum())
                rows_as.append(
                    pd.DataFrame(
                        {
                            "municipality": code,
                            "year": year,
                            "sex": sex,
                            "age": ages,
                            "population": counts,
                        }
                    )
                )
            rows_tot.append({"municipality": code, "year": year, "population": total})
    age_sex = pd.concat(rows_as, ignore_index=True)
    totals = pd.DataFrame(rows_tot)
    proj_rows = []
    last = age_sex[age_sex["year"] == 2020].groupby(["municipality", "age"])["population"].sum()
    for year in (2020, 2030, 2040):
        f = 1 - 0.005 * (year - 2020)
        for (code, age), v in last.items():
            proj_rows.append(
                {"municipality": code, "year": year, "age": age, "population": round(v * f)}
            )
    projection = pd.DataFrame(proj_rows)
    costs = pd.DataFrame(
        [
            {
                "municipality": c,
                "year": y,
                "net_cost_eur_per_resident": float(3000 + 10 * i + y - 2015),
            }
            for i, c in enumerate(codes)
            for y in (2019, 2020)
        ]
    )
    half = len(codes) // 2
    groupings = {
        "halves": Grouping(
            id="halves",
            name_fi="Puolikkaat",
            name_en="Halves",
            year=2010,
            areas=(
                Area("a", "A", tuple(codes[:half]), None),
                Area("b", "B", tuple(codes[half:]), codes[-1]),
            ),
        ),
        "one": Grouping(
            id="one",
            name_fi="Yksi",
            name_en="One",
            year=2023,
            areas=(Area("all", "All", tuple(codes), codes[0]),),
        ),
    }
    return Region(
        id="synthetic",
        name_fi="Synteettinen",
        name_sv="Syntetisk",
        name_en="Synthetic",
        municipalities=munis,
        population_totals=totals,
        population_age_sex=age_sex,
        projections={"statfin-2019": projection},
        service_points=gpd.GeoDataFrame(geometry=[], crs="EPSG:3067"),
        groupings=groupings,
        provenance={},
        tables={"net_costs": costs},
        central_hospital=("Central", Point(cx[0], cy[0])),
    )


@pytest.fixture(scope="session")
def grid() -> Region:
    """A 3 × 4 synthetic grid region."""
    return grid_region(3, 4, seed=0)


@pytest.fixture(scope="session")
def make_grid() -> Callable[..., Region]:
    """The synthetic grid builder (:func:`grid_region`)."""
    return grid_region
