"""Access inputs from a :class:`~soteplan.region.Region`: graph, origins, service points."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from soteplan.access._origins import (
    Origins,
    origins_from_grid,
    origins_from_postal_areas,
    origins_from_resident_points,
)
from soteplan.errors import DataError, DataProblem, NotFoundError, ParameterError
from soteplan.network import RoadGraph, from_osm, main_roads_graph

if TYPE_CHECKING:
    from soteplan.region import Region

__all__ = [
    "HOME_CARE_APPROXIMATION",
    "HOME_CARE_BASE",
    "ORIGIN_METHODS",
    "region_anchors",
    "region_graph",
    "region_groupings",
    "region_origins",
    "service_points",
    "service_types",
]

#: Service type of the approximate home-care bases.
HOME_CARE_BASE = "home_care_base"
HOME_CARE_APPROXIMATION = (
    "home-care bases approximated as one base per municipality at the municipal centre "
    "(no open data on real bases)"
)


def region_graph(
    region: Region, *, osm_pbf: str | Path | None = None, cache: bool | str | Path = True
) -> RoadGraph:
    """The road graph of a region: the real OSM network when a PBF is given, else main roads.

    The PBF is ``osm_pbf`` when given, else the region's own extract
    (:attr:`Region.osm_pbf`, written by ``soteplan data fetch --osm``).
    Without either, the approximate graph of
    :func:`~soteplan.network.main_roads_graph` is built with the region's
    anchor points (:func:`region_anchors`) as nodes of its connecting-road
    approximation, so that origins, service points and centres join the
    network where they are.

    Parameters
    ----------
    region
        The planning region; its ``main_roads`` table is used without a PBF.
    osm_pbf
        Path of an OpenStreetMap ``.osm.pbf`` covering the region (e.g. the
        Geofabrik Finland extract): real travel times on the full drive network.
    cache
        Graph cache: ``True`` (default directory), ``False`` or a directory.
    """
    if osm_pbf is None:
        osm_pbf = region.osm_pbf
    if osm_pbf is not None:
        return from_osm(osm_pbf, cache=cache)
    if not region.has_table("main_roads"):
        raise NotFoundError(
            f"region {region.id} has no main_roads table; pass an OSM PBF (--osm-pbf) instead"
        )
    roads = region.table("main_roads")
    if not isinstance(roads, gpd.GeoDataFrame):
        raise NotFoundError(f"region {region.id}: main_roads is not a geometry table")
    return main_roads_graph(roads, anchors=region_anchors(region), cache=cache)


def region_anchors(region: Region) -> npt.NDArray[np.float64]:
    """Points of a region that anchor the connecting-road approximation (EPSG:3067 metres).

    Municipal centres (``centre_x``/``centre_y`` of every municipality of the
    table), a representative point of every urban settlement, postal-area
    centroids and every service point of any year: ``(n, 2)`` array, duplicates removed.
    The resident points of :func:`region_origins` are not anchors: they join the
    graph by their access legs, so the approximate network is the same for both
    origin methods.
    """
    parts: list[npt.NDArray[np.float64]] = []
    m = region.municipalities
    if {"centre_x", "centre_y"} <= set(m.columns):
        c = m[["centre_x", "centre_y"]].apply(pd.to_numeric, errors="coerce").dropna()
        parts.append(c.to_numpy(dtype=np.float64))
    for name in ("urban_settlements", "postal_areas"):
        if region.has_table(name):
            t = region.table(name)
            if isinstance(t, gpd.GeoDataFrame) and len(t):
                parts.append(_xy(t))
    sp = region.service_points
    if isinstance(sp, gpd.GeoDataFrame) and len(sp):
        parts.append(_xy(sp))
    if not parts:
        return np.zeros((0, 2))
    xy = np.vstack(parts)
    xy = xy[np.isfinite(xy).all(axis=1)]
    return np.asarray(np.unique(np.round(xy, 1), axis=0), dtype=np.float64)


def _xy(frame: gpd.GeoDataFrame) -> npt.NDArray[np.float64]:
    geo = frame.geometry
    geo = geo[geo.notna() & ~geo.is_empty]
    if geo.crs is not None and geo.crs.to_epsg() != 3067:
        geo = geo.to_crs("EPSG:3067")
    pts = geo.representative_point() if (geo.geom_type != "Point").any() else geo
    return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()]).astype(np.float64)


#: Origin methods of :func:`region_origins`.
ORIGIN_METHODS = ("residents", "postal")


def region_origins(
    region: Region,
    year: int | None = None,
    *,
    division: int | None = None,
    method: str = "residents",
) -> Origins:
    """Origins of the region: where its residents live (default) or postal centroids.

    ``method="residents"`` (the default, when the region has a
    ``resident_points`` table) gives the dasymetric resident points of the
    embedded data: each postal area's 2022 population spread over the YKR
    settlements inside it and the rest by the WorldPop grid, with 65+ and 75+
    from the postal area's Paavo age structure raked to the municipal age
    structure of ``year`` (see
    :func:`~soteplan.access.origins_from_resident_points`).  A region without
    that table falls back to postal centroids and says so in ``meta["notes"]``.

    ``method="postal"`` gives one origin per postal area at its centroid, with
    the municipal age structure (the earlier default).

    Areas or points without residents are left out, and so are those of
    municipalities outside the region's division (``None``: the current one).
    """
    if method not in ORIGIN_METHODS:
        raise ParameterError(
            f"origin method must be one of {', '.join(ORIGIN_METHODS)}, got {method!r}"
        )
    codes = region.municipality_codes(division)
    if method == "residents" and region.has_table("resident_points"):
        pts = region.table("resident_points")
        if "municipality" in pts.columns:
            pts = pts[pts["municipality"].astype(str).isin(codes)]
        if "population" in pts.columns:
            pts = pts[~(pd.to_numeric(pts["population"], errors="coerce") == 0)]
        bands = region.table("postal_age_bands") if region.has_table("postal_age_bands") else None
        return origins_from_resident_points(
            pts.reset_index(drop=True), region.population_age_sex, bands, year=year
        )
    if not region.has_table("postal_areas"):
        raise NotFoundError(f"region {region.id} has no postal_areas table")
    pa = region.table("postal_areas")
    if not isinstance(pa, gpd.GeoDataFrame):
        raise NotFoundError(f"region {region.id}: postal_areas has no coordinates")
    col = "population_2022" if "population_2022" in pa.columns else "population"
    pa = pa[pd.to_numeric(pa[col], errors="coerce").fillna(0) > 0]
    if "municipality" in pa.columns:
        pa = pa[pa["municipality"].astype(str).isin(codes)]
    o = origins_from_postal_areas(pa, region.population_age_sex, population_column=col, year=year)
    if method == "residents":
        o.meta["notes"] = [
            *o.meta.get("notes", []),
            f"region {region.id} has no resident_points table: postal centroids used",
        ]
    return o


def region_grid_origins(
    region: Region, cells: gpd.GeoDataFrame, *, division: int | None = None
) -> Origins:
    """Population grid cells inside the region as origins.

    ``cells`` is the frame of :func:`soteplan.region.read_population_grid`
    (a Statistics Finland 1 km or 250 m grid file).  Cells get their
    municipality from the file's ``kunta``/``municipality`` column or, when it
    is absent, from the region's municipality polygons; cells outside the
    region's division (``None``: the current one) and empty cells are left out.

    Raises
    ------
    DataError
        When no populated cell lies inside the region (wrong file or area).
    """
    codes = region.municipality_codes(division)
    munis = region.municipalities.loc[codes]
    if "municipality" in cells.columns and cells["municipality"].notna().all():
        origins = origins_from_grid(cells)
    else:
        origins = origins_from_grid(
            cells.drop(columns="municipality", errors="ignore"), municipalities=munis
        )
    keep = np.isin(origins.municipality, codes) & (origins.population["all"] > 0)
    if not keep.any():
        raise DataError(
            [
                DataProblem(
                    "grid",
                    None,
                    "municipality",
                    f"no populated cell lies in region {region.id} "
                    f"({len(origins.ids)} cells read); is the file for another area?",
                )
            ]
        )
    return origins.subset(keep)


def service_types(region: Region) -> list[str]:
    """Service types available: those in the service-point table plus home-care bases."""
    return sorted({*region.service_points["type"].astype(str).unique(), HOME_CARE_BASE})


def service_points(
    region: Region, service: str, year: int | None = None, *, strict: bool = False
) -> gpd.GeoDataFrame:
    """Service points of one type operating in ``year`` (GeoDataFrame indexed by id).

    With ``year=None`` the points open at the end of the data (no ``valid_to``).
    A year past the last year of the region's list is answered with that last
    year's list, or refused with ``strict=True``
    (:meth:`~soteplan.region.Region.network_year`); ``attrs["network"]`` says
    which year the list is and carries the note every output prints.

    ``home_care_base`` returns one approximate base per member municipality
    at its centre; the approximation is recorded in ``attrs["approximation"]``.
    """
    if service == HOME_CARE_BASE:
        m = region.municipalities
        codes = region.municipality_codes(None)  # the current division, as for all points
        m = m.loc[codes]
        if not {"centre_x", "centre_y"} <= set(m.columns):
            raise NotFoundError(f"region {region.id}: municipalities have no centre_x/centre_y")
        g = gpd.GeoDataFrame(
            {
                "type": HOME_CARE_BASE,
                "name": [f"{n} (home-care base, approx.)" for n in m["name_fi"]],
                "municipality": list(m.index),
                "capacity": np.nan,
            },
            index=pd.Index([f"hc-{c}" for c in m.index], name="id"),
            geometry=gpd.points_from_xy(m["centre_x"], m["centre_y"]),
            crs="EPSG:3067",
        )
        g.attrs["approximation"] = [HOME_CARE_APPROXIMATION]
        g.attrs["network"] = {
            "requested_year": year,
            "network_year": year,
            "last_data_year": None,
            "beyond_data": False,
            "note": "",
        }
        return g
    if service not in service_types(region):
        raise ParameterError(
            f"unknown service {service!r}; available: {', '.join(service_types(region))}"
        )
    # None: still open at the end of the data
    sp = region.service_points_in(year, type=service, strict=strict)
    network = dict(sp.attrs.get("network", {}))
    if "id" in sp.columns and sp.index.name != "id":
        sp = sp.set_index("id")
    sp = sp.copy()
    sp.index = sp.index.astype(str)
    sp.attrs = {"network": network} if network else {}
    return sp


def region_groupings(region: Region) -> dict[str, dict[str, Any]]:
    """Organisation models of the region: id → (municipality code → area id)."""
    return {name: g.mapping() for name, g in region.groupings.items()}
