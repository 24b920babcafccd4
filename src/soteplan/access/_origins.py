"""Origins with population: the places people travel from, with age bands."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from soteplan.errors import DataError, DataProblem, MissingColumnError, NotFoundError

__all__ = ["AGE_BANDS", "Origins", "origins_from_grid", "origins_from_postal_areas"]

#: Age bands reported by the access measures: name → lowest age (years).
AGE_BANDS: dict[str, int] = {"all": 0, "65+": 65, "75+": 75}


@dataclass(frozen=True, eq=False)
class Origins:
    """Points people travel from, with population by age band.

    Attributes
    ----------
    ids
        Identifier of every origin (postcode, grid cell id …).
    xy
        ``(n, 2)`` coordinates, metres, EPSG:3067.
    municipality
        3-digit municipality code of every origin.
    population
        Population by age band (``"all"``, ``"65+"``, ``"75+"``), persons
        (floats: bands may be estimated shares of a total).
    meta
        Source, year and how the bands were obtained.
    """

    ids: npt.NDArray[Any]
    xy: npt.NDArray[np.float64]
    municipality: npt.NDArray[Any]
    population: dict[str, npt.NDArray[np.float64]]
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, keep: npt.ArrayLike) -> Origins:
        """The origins selected by a boolean mask or an index array (same meta)."""
        k = np.asarray(keep)
        return Origins(
            self.ids[k],
            self.xy[k],
            self.municipality[k],
            {band: v[k] for band, v in self.population.items()},
            meta=dict(self.meta),
        )

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """Origins as a point GeoDataFrame (EPSG:3067) with one column per band."""
        cols = {"municipality": self.municipality}
        cols.update({f"pop_{b}": v for b, v in self.population.items()})
        return gpd.GeoDataFrame(
            cols,
            index=pd.Index(self.ids, name="origin"),
            geometry=gpd.points_from_xy(self.xy[:, 0], self.xy[:, 1]),
            crs="EPSG:3067",
        )


def _band_shares(population_age_sex: pd.DataFrame, year: int | None) -> tuple[pd.DataFrame, int]:
    need = {"municipality", "year", "age", "population"}
    missing = need - set(population_age_sex.columns)
    if missing:
        raise MissingColumnError(f"population_age_sex: missing columns {sorted(missing)}")
    years = sorted(int(y) for y in population_age_sex["year"].unique())
    if not years:
        raise NotFoundError("population_age_sex is empty")
    use = (
        year
        if year in years
        else max((y for y in years if year is None or y <= year), default=years[0])
    )
    df = population_age_sex[population_age_sex["year"] == use]
    age = df["age"].to_numpy(int)
    pop = df["population"].to_numpy(float)
    out = {}
    for band, lo in AGE_BANDS.items():
        s = pd.Series(np.where(age >= lo, pop, 0.0)).groupby(df["municipality"].to_numpy()).sum()
        out[band] = s
    frame = pd.DataFrame(out)
    shares = frame.div(frame["all"].where(frame["all"] > 0), axis=0).fillna(0.0)
    return shares, use


def origins_from_postal_areas(
    postal_areas: gpd.GeoDataFrame,
    population_age_sex: pd.DataFrame,
    *,
    population_column: str = "population_2022",
    year: int | None = None,
) -> Origins:
    """Postal-code areas as origins, with 65+ and 75+ estimated from their municipality.

    Postal areas carry only total population; each area's 65+ and 75+
    population is its total times its municipality's share of that band in
    ``population_age_sex`` (year ``year``, or the latest year not after it).
    This assumes a uniform age structure within a municipality, which
    ``meta["approximation"]`` states.

    Parameters
    ----------
    postal_areas
        Points (centroids) with ``postcode`` (or the index), ``municipality``
        and ``population_column``.
    population_age_sex
        Long frame ``municipality, year, age, population`` (sex optional).
    population_column
        Column of total population, persons.
    year
        Year of the age structure.

    Raises
    ------
    DataError
        On missing or negative populations or unknown municipalities.
    """
    for col in ("municipality", population_column):
        if col not in postal_areas.columns:
            raise MissingColumnError(f"postal_areas: no column {col!r}")
    geo = (
        postal_areas.to_crs("EPSG:3067")
        if postal_areas.crs and postal_areas.crs.to_epsg() != 3067
        else postal_areas
    )
    if not (geo.geom_type == "Point").all():
        geo = geo.set_geometry(geo.geometry.representative_point())
    ids = (
        geo["postcode"].astype(str).to_numpy()
        if "postcode" in geo.columns
        else geo.index.astype(str).to_numpy()
    )
    muni = geo["municipality"].astype(str).str.zfill(3).to_numpy()
    total = pd.to_numeric(geo[population_column], errors="coerce").to_numpy(float)
    problems = [
        DataProblem("postal_areas", int(i) + 1, population_column, "missing or negative population")
        for i in np.flatnonzero(~(total >= 0))
    ]
    shares, used = _band_shares(population_age_sex, year)
    unknown = sorted(set(muni) - set(shares.index.astype(str)))
    for code in unknown:
        problems.append(
            DataProblem("postal_areas", None, "municipality", f"no age structure for {code}")
        )
    if problems:
        raise DataError(problems)
    sh = shares.reindex(muni)
    pops = {band: total * sh[band].to_numpy(float) for band in AGE_BANDS}
    pops["all"] = total
    xy = np.column_stack([geo.geometry.x.to_numpy(float), geo.geometry.y.to_numpy(float)])
    return Origins(
        ids,
        xy,
        muni,
        pops,
        meta={
            "origins": "postal-code areas (centroids)",
            "population": f"{population_column} (persons)",
            "age_structure_year": used,
            "approximation": "65+ and 75+ of each postal area = its total × its municipality's "
            f"share of that age band in {used} (municipal age structure distributed "
            "uniformly to postal areas)",
        },
    )


def origins_from_grid(
    grid: gpd.GeoDataFrame,
    *,
    population_column: str | None = None,
    municipality_column: str = "municipality",
    band_columns: dict[str, str] | None = None,
    municipalities: gpd.GeoDataFrame | None = None,
) -> Origins:
    """Population grid cells as origins (e.g. the Statistics Finland 1 km grid).

    Works directly on the frame of
    :func:`soteplan.region.io.read_population_grid` (``vaesto``, ``ika_65_``,
    ``grd_id``): the population column defaults to ``population`` or
    ``vaesto``, the ``"65+"`` band to ``ika_65_`` when present, and ids to
    ``grd_id``.  Suppressed counts (``<NA>``) of the bands count as 0 and are
    reported in ``meta``; a suppressed total is an error.

    Parameters
    ----------
    grid
        Cells (polygons or points); polygon cells are represented by an
        interior point.
    population_column
        Total population, persons (default ``population``, else ``vaesto``).
    municipality_column
        Municipality code of each cell; when absent, ``municipalities`` must
        be given and cells get the municipality that contains them.
    band_columns
        Columns holding ``"65+"`` / ``"75+"`` populations, persons.
    municipalities
        Municipality polygons indexed by code, for a spatial join.
    """
    if population_column is None:
        population_column = "vaesto" if "population" not in grid.columns else "population"
    if population_column not in grid.columns:
        raise MissingColumnError(f"grid: no column {population_column!r}")
    geo = grid.to_crs("EPSG:3067") if grid.crs and grid.crs.to_epsg() != 3067 else grid
    pts = geo.geometry if (geo.geom_type == "Point").all() else geo.geometry.representative_point()
    if municipality_column in geo.columns:
        muni = geo[municipality_column].astype(str).str.zfill(3).to_numpy()
    elif municipalities is not None:
        m = municipalities.to_crs("EPSG:3067")
        joined = gpd.sjoin(
            gpd.GeoDataFrame(geometry=pts.to_numpy(), crs="EPSG:3067"),
            gpd.GeoDataFrame(
                {"_code": m.index.astype(str).to_numpy()},
                geometry=m.geometry.to_numpy(),
                crs=m.crs,
            ),
            how="left",
            predicate="within",
        )
        joined = joined[~joined.index.duplicated(keep="first")]
        muni = joined["_code"].fillna("").astype(str).to_numpy()
    else:
        raise MissingColumnError(
            f"grid: no column {municipality_column!r}; pass municipalities= to join them"
        )
    total = pd.to_numeric(geo[population_column], errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~(total >= 0))
    if len(bad):
        raise DataError(
            [DataProblem("grid", int(i) + 1, population_column, "missing or negative") for i in bad]
        )
    bands = dict(band_columns or {})
    if not bands and "ika_65_" in geo.columns:
        bands = {"65+": "ika_65_"}
    pops = {"all": total}
    suppressed: dict[str, int] = {}
    for band, col in bands.items():
        if col not in geo.columns:
            raise MissingColumnError(f"grid: no column {col!r} for band {band!r}")
        v = pd.to_numeric(geo[col], errors="coerce")
        suppressed[band] = int(v.isna().sum())
        pops[band] = v.fillna(0).to_numpy(float)
    ids = geo["grd_id"].astype(str) if "grd_id" in geo.columns else geo.index.astype(str)
    meta: dict[str, Any] = {"origins": "population grid cells", "population": population_column}
    if any(suppressed.values()):
        meta["notes"] = [f"{n} suppressed {b} count(s) taken as 0" for b, n in suppressed.items()]
    if municipality_column not in geo.columns:
        meta["municipality"] = "spatial join of cell points with municipality polygons"
    return Origins(
        np.asarray(ids),
        np.column_stack([pts.x.to_numpy(float), pts.y.to_numpy(float)]),
        muni,
        pops,
        meta=meta,
    )
