"""Origins with population: the places people travel from, with age bands."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from soteplan.errors import DataError, DataProblem, MissingColumnError, NotFoundError

__all__ = [
    "AGE_BANDS",
    "Origins",
    "origins_from_grid",
    "origins_from_postal_areas",
    "origins_from_resident_points",
]

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


_POINT_COLUMNS = ("id", "postcode", "municipality", "population", "x", "y")
_BAND_COLUMNS = {"65+": "age_65_plus", "75+": "age_75_plus"}
#: Generous bounding box of Finland in EPSG:3067 (metres).
_FINLAND_3067 = (40_000.0, 6_580_000.0, 780_000.0, 7_800_000.0)


def _postal_band_shares(
    postcodes: npt.NDArray[Any],
    municipality: npt.NDArray[Any],
    weight: npt.NDArray[np.float64],
    postal_age_bands: pd.DataFrame | None,
    muni_shares: pd.DataFrame,
) -> tuple[dict[str, npt.NDArray[np.float64]], int]:
    """Band share of every postal area, raked to the municipal share of the year.

    Raw shares are Paavo's (``age_65_plus / population`` of the area); areas
    without one (suppressed, missing) take their municipality's Paavo share.
    Each municipality's shares are then scaled by one factor so that the
    population-weighted mean equals the municipality's share in the year asked.
    """
    out: dict[str, npt.NDArray[np.float64]] = {}
    n_paavo = 0
    for band, col in _BAND_COLUMNS.items():
        raw = pd.Series(np.nan, index=postcodes)
        if postal_age_bands is not None and len(postal_age_bands):
            pab = postal_age_bands.drop_duplicates("postcode").set_index(
                postal_age_bands.drop_duplicates("postcode")["postcode"].astype(str)
            )
            tot = pd.to_numeric(pab["population"], errors="coerce")
            cnt = pd.to_numeric(pab[col], errors="coerce")
            share = (cnt / tot.where(tot > 0)).clip(0.0, 1.0)
            raw = share.reindex(postcodes)
        has = raw.notna().to_numpy()
        n_paavo = int(has.sum())
        frame = pd.DataFrame({"m": municipality, "w": weight, "s": raw.to_numpy(float)})
        frame["ws"] = frame["w"] * frame["s"]
        g = frame[has].groupby("m")
        fallback = (g["ws"].sum() / g["w"].sum().where(g["w"].sum() > 0)).reindex(municipality)
        s = np.where(has, frame["s"].to_numpy(float), fallback.to_numpy(float))
        target = muni_shares[band].reindex(municipality).to_numpy(float)
        s = np.where(np.isfinite(s), s, target)
        frame["s"] = s
        frame["ws"] = frame["w"] * s
        g2 = frame.groupby("m")
        mean = (g2["ws"].sum() / g2["w"].sum().where(g2["w"].sum() > 0)).reindex(municipality)
        factor = np.where(mean.to_numpy(float) > 0, target / mean.to_numpy(float), 1.0)
        out[band] = np.clip(s * factor, 0.0, 1.0)
    out["75+"] = np.minimum(out["75+"], out["65+"])
    return out, n_paavo


def origins_from_resident_points(
    points: pd.DataFrame,
    population_age_sex: pd.DataFrame,
    postal_age_bands: pd.DataFrame | None = None,
    *,
    year: int | None = None,
    source: str = "resident_points",
) -> Origins:
    """Dasymetric resident points as origins, with age bands by postal area.

    ``points`` is the region's ``resident_points`` table: one row per piece of
    a postal area where residents live (a settlement part or a rural rest),
    columns ``id, postcode, municipality, population, x, y`` (EPSG:3067
    metres, persons).  The 65+ and 75+ bands of a point are its population
    times its postal area's share of that band from ``postal_age_bands``
    (Statistics Finland Paavo: ``postcode, population, age_65_plus,
    age_75_plus``), scaled per municipality so that the municipality's share
    equals its share in ``population_age_sex`` for ``year`` (the latest year
    not after it).  Areas without Paavo figures take their municipality's.

    Raises
    ------
    DataError
        Naming the row and field of every missing column, negative or missing
        population, coordinate outside Finland or duplicate id.
    """
    missing = [c for c in _POINT_COLUMNS if c not in points.columns]
    if missing:
        raise MissingColumnError(f"{source}: missing columns {missing}")
    if postal_age_bands is not None:
        need = ["postcode", "population", *_BAND_COLUMNS.values()]
        gone = [c for c in need if c not in postal_age_bands.columns]
        if gone:
            raise MissingColumnError(f"postal_age_bands: missing columns {gone}")
    pop = pd.to_numeric(points["population"], errors="coerce").to_numpy(float)
    x = pd.to_numeric(points["x"], errors="coerce").to_numpy(float)
    y = pd.to_numeric(points["y"], errors="coerce").to_numpy(float)
    problems = [
        DataProblem(source, int(i) + 2, "population", "missing or negative population")
        for i in np.flatnonzero(~(pop >= 0))
    ]
    x0, y0, x1, y1 = _FINLAND_3067
    for i in np.flatnonzero(~((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))):
        problems.append(
            DataProblem(source, int(i) + 2, "x/y", "not a coordinate in Finland (EPSG:3067)")
        )
    ids = points["id"].astype(str).to_numpy()
    for i in np.flatnonzero(pd.Series(ids).duplicated().to_numpy()):
        problems.append(DataProblem(source, int(i) + 2, "id", f"duplicate id {ids[i]!r}"))
    muni = points["municipality"].astype(str).str.zfill(3).to_numpy()
    shares, used = _band_shares(population_age_sex, year)
    for code in sorted(set(muni) - set(shares.index.astype(str))):
        problems.append(DataProblem(source, None, "municipality", f"no age structure for {code}"))
    if problems:
        raise DataError(problems)
    postcode = points["postcode"].astype(str).to_numpy()
    area = pd.DataFrame({"p": postcode, "m": muni, "w": pop}).groupby(["p", "m"], sort=True)
    area_w = area["w"].sum().reset_index()
    band_share, n_paavo = _postal_band_shares(
        area_w["p"].to_numpy(),
        area_w["m"].to_numpy(),
        area_w["w"].to_numpy(float),
        postal_age_bands,
        shares,
    )
    key = pd.MultiIndex.from_arrays([area_w["p"], area_w["m"]])
    where = key.get_indexer(pd.MultiIndex.from_arrays([postcode, muni]))
    pops = {"all": pop}
    for band in ("65+", "75+"):
        pops[band] = pop * band_share[band][where]
    paavo_year = (
        int(pd.to_numeric(postal_age_bands["year"], errors="coerce").max())
        if postal_age_bands is not None
        and "year" in postal_age_bands.columns
        and len(postal_age_bands)
        else None
    )
    return Origins(
        ids,
        np.column_stack([x, y]),
        muni,
        pops,
        meta={
            "origins": "resident points (dasymetric: postal-area population over the YKR "
            "settlements inside it, the rest by the WorldPop 2020 grid)",
            "population": "persons (postal totals 2022, derived points)",
            "age_structure_year": used,
            "age_bands": f"Paavo postal-area shares ({paavo_year}) for {n_paavo} areas, "
            f"raked per municipality to its {used} age structure",
            "approximation": "origins are DERIVED resident points (dasymetric estimate from "
            "postal totals, YKR settlements and the WorldPop grid; not register locations); "
            f"65+ and 75+ from each postal area's Paavo {paavo_year} share scaled to the "
            f"municipal age structure of {used}",
        },
    )
