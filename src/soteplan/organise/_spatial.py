"""Spatial inputs of the organisation engine: municipality travel times and adjacency.

Travel times
    :class:`TravelMatrix` is a municipality × municipality matrix of car
    travel times (float32 minutes, centre to centre) plus the time from every
    municipality centre to the central hospital.  Any source may fill it;
    :func:`default_travel` uses the road-network engine
    (:mod:`soteplan.network`) when the region carries a road layer and
    otherwise the **approximation** straight-line distance × :data:`DETOUR`
    at :data:`SPEED_KMH`.

Adjacency
    :func:`adjacency` derives which municipalities border each other from
    their polygons.  Municipal boundaries in Finland run through lakes, and
    the MML boundary polygons include inland water, so two municipalities
    across a lake share a boundary; generalised boundaries may still leave
    slivers, so polygons are grown by :data:`ADJACENCY_BUFFER_M` before the
    intersection test (queen contiguity: a shared corner counts).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from soteplan.errors import DataError, DataProblem, ParameterError
from soteplan.region import Region

__all__ = [
    "ADJACENCY_BUFFER_M",
    "DETOUR",
    "SPEED_KMH",
    "OriginTravel",
    "TravelMatrix",
    "adjacency",
    "cached_travel",
    "central_site_of",
    "centres",
    "default_travel",
    "postal_travel",
    "straight_line_travel",
]

#: Road distance / straight-line distance between municipality centres.  The
#: circuity of rural road networks is 1.12–1.32 (Ballou, Rahardja & Sakai 2002,
#: Transportation Research A 36); lake districts sit at the top, so 1.3.
DETOUR = 1.3
#: Average car speed between municipality centres on main roads, km/h (valtatie
#: 80–100, kantatie 70–80, slower through centres): 75 km/h.
SPEED_KMH = 75.0
#: Polygons are grown by this much (metres) before testing whether two
#: municipalities touch; closes generalisation slivers on lake boundaries.
ADJACENCY_BUFFER_M = 100.0

APPROXIMATION = (
    "travel time = straight-line distance between municipality centres × "
    f"{DETOUR:g} detour at {SPEED_KMH:g} km/h (no road network)"
)


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Car travel times between municipality centres.

    Attributes
    ----------
    codes
        Municipality codes of the rows and columns.
    minutes
        ``float32`` matrix, ``minutes[i, j]`` from centre ``i`` to centre ``j``, minutes.
    to_central
        ``float32`` minutes from every centre to the central hospital.
    meta
        ``method``, ``units`` and ``approximation`` when approximate.
    """

    codes: tuple[str, ...]
    minutes: npt.NDArray[np.float32]
    to_central: npt.NDArray[np.float32]
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.codes)
        if self.minutes.shape != (n, n) or self.to_central.shape != (n,):
            raise ParameterError(
                f"travel matrix shape {self.minutes.shape} / {self.to_central.shape} "
                f"does not match {n} codes"
            )
        if not np.all(np.isfinite(self.minutes)) or np.any(self.minutes < 0):
            raise ParameterError("travel times must be finite and non-negative")

    def index(self, codes: Sequence[str]) -> npt.NDArray[np.int64]:
        """Row positions of ``codes`` (``ParameterError`` if a code is missing)."""
        pos = {c: i for i, c in enumerate(self.codes)}
        missing = [c for c in codes if c not in pos]
        if missing:
            raise ParameterError(f"travel matrix has no row for {', '.join(missing)}")
        return np.array([pos[c] for c in codes], dtype=np.int64)

    def sub(self, codes: Sequence[str]) -> npt.NDArray[np.float32]:
        """The square sub-matrix for ``codes`` (in that order)."""
        ix = self.index(codes)
        return self.minutes[np.ix_(ix, ix)]

    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, to_central: pd.Series, meta: dict[str, Any] | None = None
    ) -> TravelMatrix:
        """From a square DataFrame (codes as index and columns) and a Series by code."""
        codes = tuple(str(c) for c in frame.index)
        m = frame.reindex(index=list(codes), columns=list(codes)).to_numpy(np.float32)
        tc = to_central.reindex(list(codes)).to_numpy(np.float32)
        return cls(codes, m, tc, dict(meta or {"method": "given"}))


@dataclass(frozen=True, eq=False)
class OriginTravel:
    """Car travel times from fine origins (postal areas …) to municipality centres.

    Lets :func:`~soteplan.organise.evaluate` weight travel times by where people
    live inside a municipality instead of placing everyone at its centre.

    Attributes
    ----------
    origin_ids
        Identifiers of the origins (e.g. postcodes).
    municipality
        Municipality code of every origin.
    weight
        Residents of every origin (persons); :func:`evaluate` rescales them so that
        each municipality's weights add up to its population in the evaluated year.
    codes
        Municipality codes of the columns (destinations: municipality centres).
    minutes
        ``float32`` origins × codes, minutes.
    to_central
        ``float32`` minutes from every origin to the central hospital.
    meta
        ``method``, ``units``, ``resolution`` and ``approximation`` when approximate.
    """

    origin_ids: tuple[str, ...]
    municipality: tuple[str, ...]
    weight: npt.NDArray[np.float64]
    codes: tuple[str, ...]
    minutes: npt.NDArray[np.float32]
    to_central: npt.NDArray[np.float32]
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n_o, n_d = len(self.origin_ids), len(self.codes)
        if (
            len(self.municipality) != n_o
            or self.weight.shape != (n_o,)
            or self.minutes.shape != (n_o, n_d)
            or self.to_central.shape != (n_o,)
        ):
            raise ParameterError("origin travel arrays do not match the origins and codes")
        if not np.all(np.isfinite(self.minutes)) or np.any(self.minutes < 0):
            raise ParameterError("travel times must be finite and non-negative")
        if np.any(self.weight < 0):
            raise ParameterError("origin weights must be non-negative")


def postal_travel(
    region: Region,
    codes: Sequence[str] | None = None,
    *,
    method: str = "default",
    central_site: str | None = None,
    detour: float = DETOUR,
    speed_kmh: float = SPEED_KMH,
) -> OriginTravel:
    """Travel times from where residents live to municipality centres (weighted by residents).

    The origins are the region's resident points (:func:`soteplan.access.region_origins`)
    when it has them, else the postal-area centroids.

    Parameters
    ----------
    region
        The region with a ``postal_areas`` table (points, ``municipality``,
        ``population_2022``).
    codes
        Municipalities (default: current members).  A municipality without a
        populated postal area is represented by its centre.
    method
        ``"default"`` (road network when the region has ``main_roads``, else
        straight line), ``"network"`` or ``"straight_line"``.
    central_site, detour, speed_kmh
        As in :func:`straight_line_travel`.
    """
    if method not in ("default", "network", "straight_line"):
        raise ParameterError(f"method must be default, network or straight_line, got {method!r}")
    codes = list(codes) if codes is not None else region.municipality_codes()
    site = central_site if central_site is not None else central_site_of(region)
    if region.has_table("resident_points"):
        # where residents live (soteplan.access.region_origins), not postal centroids
        from soteplan.access import region_origins

        o = region_origins(region)
        keep = np.isin(o.municipality, codes)
        ids = [str(x) for x in o.ids[keep]]
        munis = [str(m) for m in o.municipality[keep]]
        weight = np.asarray(o.population["all"][keep], dtype=np.float64)
        xy = np.asarray(o.xy[keep], dtype=np.float64)
        resolution = "resident points (dasymetric, postal totals 2022; DERIVED)"
        where_from = "resident points"
    else:
        pa = region.table("postal_areas")
        col = "population_2022" if "population_2022" in pa.columns else None
        if col is None or "municipality" not in pa.columns:
            raise DataError("postal_areas needs columns municipality and population_2022")
        pa = pa[pa["municipality"].astype(str).isin(codes) & (pa[col].fillna(0) > 0)]
        ids = [str(x) for x in pa.get("postcode", pa.index)]
        munis = [str(m) for m in pa["municipality"]]
        weight = pa[col].to_numpy(np.float64)
        xy = np.column_stack([pa.geometry.x.to_numpy(), pa.geometry.y.to_numpy()])
        resolution = "postal areas (centroids, residents 2022)"
        where_from = "postal-area centroids"
    missing = [c for c in codes if c not in set(munis)]
    if missing:
        mxy = centres(region, missing)
        ids += [f"centre-{c}" for c in missing]
        munis += missing
        weight = np.concatenate([weight, np.ones(len(missing))])
        xy = np.vstack([xy, mxy])
    dest = centres(region, codes)
    cxy = _central_xy(region, site, codes)
    use_net = method == "network" or (method == "default" and region.has_table("main_roads"))
    if use_net:
        from soteplan.access import region_graph
        from soteplan.network import travel_times

        graph = region_graph(region)  # the same network as the access engine
        res = travel_times(graph, xy, np.vstack([dest, cxy[None, :]]))
        mins = np.asarray(res.minutes, dtype=np.float32)
        if not np.all(np.isfinite(mins)):
            raise DataError("road network leaves some postal areas unreachable")
        meta: dict[str, Any] = {"method": "road_network", **dict(res.meta)}
    else:
        allp = np.vstack([dest, cxy[None, :]])
        d = np.hypot(xy[:, None, 0] - allp[None, :, 0], xy[:, None, 1] - allp[None, :, 1])
        mins = (d * detour / (speed_kmh * 1000.0 / 60.0)).astype(np.float32)
        meta = {
            "method": "straight_line",
            "approximation": f"travel time = straight-line distance from {where_from} "
            f"to municipality centres × {detour:g} detour at {speed_kmh:g} km/h",
        }
    meta.update(
        {
            "units": "minutes",
            "resolution": resolution,
            "centre_stand_ins": missing,
        }
    )
    return OriginTravel(
        tuple(ids), tuple(munis), weight, tuple(codes), mins[:, :-1].copy(),
        mins[:, -1].copy(), meta,
    )  # fmt: skip


def centres(region: Region, codes: Sequence[str]) -> npt.NDArray[np.float64]:
    """Municipality centres (EPSG:3067 metres) as an ``(n, 2)`` array.

    Uses ``centre_x``/``centre_y`` (the administrative centre) and falls back
    to a point inside the polygon (``representative_point``).
    """
    m = region.municipalities.loc[list(codes)]
    xy = m[["centre_x", "centre_y"]].to_numpy(np.float64)
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        geom = m.geometry
        if geom.isna().to_numpy()[bad].any():
            raise DataError(
                [
                    DataProblem("municipalities", None, "centre_x", f"no centre or polygon for {c}")
                    for c in np.asarray(codes)[bad & geom.isna().to_numpy()]
                ]
            )
        rp = geom[bad].representative_point()
        xy[bad, 0] = rp.x.to_numpy()
        xy[bad, 1] = rp.y.to_numpy()
    return xy


def central_site_of(region: Region) -> str:
    """Municipality of the central hospital: the polygon containing the region's
    ``central_hospital`` point, else the nearest centre to it, else the most
    populous current member."""
    codes = region.municipality_codes()
    m = region.municipalities.loc[codes]
    if region.central_hospital is not None:
        pt = region.central_hospital[1]
        if m.geometry.notna().all():
            hit = m.index[m.geometry.contains(pt).to_numpy()]
            if len(hit):
                return str(hit[0])
        xy = centres(region, codes)
        return codes[int(np.argmin(np.hypot(xy[:, 0] - pt.x, xy[:, 1] - pt.y)))]
    pop = region.population_total(region.total_years[-1])
    return str(pop.idxmax())


def _central_xy(region: Region, central_site: str, codes: Sequence[str]) -> npt.NDArray[np.float64]:
    if region.central_hospital is not None:
        pt = region.central_hospital[1]
        return np.array([pt.x, pt.y], dtype=np.float64)
    return centres(region, [central_site])[0]


def straight_line_travel(
    region: Region,
    codes: Sequence[str] | None = None,
    *,
    central_site: str = "179",
    detour: float = DETOUR,
    speed_kmh: float = SPEED_KMH,
) -> TravelMatrix:
    """Approximate travel times: straight-line centre distance × ``detour`` at ``speed_kmh``.

    Parameters
    ----------
    region
        The region (municipality centres, central hospital point).
    codes
        Municipalities (default: current members).
    central_site
        Municipality whose centre stands for the central hospital when the
        region has no ``central_hospital`` point.
    detour
        Road / straight-line distance ratio (dimensionless).
    speed_kmh
        Average speed, km/h.
    """
    if detour < 1 or speed_kmh <= 0:
        raise ParameterError(f"detour must be ≥ 1 and speed > 0, got {detour}, {speed_kmh}")
    codes = list(codes) if codes is not None else region.municipality_codes()
    xy = centres(region, codes)
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    factor = detour / (speed_kmh * 1000.0 / 60.0)  # minutes per straight-line metre
    cxy = _central_xy(region, central_site, codes)
    dc = np.hypot(xy[:, 0] - cxy[0], xy[:, 1] - cxy[1])
    approx = (
        "travel time = straight-line distance between municipality centres × "
        f"{detour:g} detour at {speed_kmh:g} km/h (no road network)"
    )
    return TravelMatrix(
        tuple(codes),
        (d * factor).astype(np.float32),
        (dc * factor).astype(np.float32),
        {
            "method": "straight_line",
            "units": "minutes",
            "detour": detour,
            "speed_kmh": speed_kmh,
            "approximation": approx,
        },
    )


def network_travel(
    region: Region, codes: Sequence[str], *, central_site: str = "179"
) -> TravelMatrix:
    """Travel times on the region's road graph (:func:`soteplan.access.region_graph`).

    This is the graph the access engine uses: for Keski-Suomi the approximate
    main-road network with connecting roads through the region's places.
    """
    from soteplan.access import region_graph
    from soteplan.network import travel_times

    graph = region_graph(region)
    xy = centres(region, codes)
    cxy = _central_xy(region, central_site, codes)
    res = travel_times(graph, xy, np.vstack([xy, cxy[None, :]]))
    mins = np.asarray(res.minutes, dtype=np.float32)
    if not np.all(np.isfinite(mins)):
        raise DataError("road network leaves some municipality centres unreachable")
    m = mins[:, : len(codes)].copy()
    np.fill_diagonal(m, 0.0)
    meta = {"method": "road_network", "units": "minutes", **dict(res.meta)}
    return TravelMatrix(tuple(codes), m, mins[:, -1].copy(), meta)


def default_travel(
    region: Region, codes: Sequence[str] | None = None, *, central_site: str = "179"
) -> TravelMatrix:
    """The default travel matrix for ``region``.

    The road-network engine when the region has a ``main_roads`` table (the
    approximate Keski-Suomi main-road graph, itself labelled an approximation)
    and otherwise :func:`straight_line_travel`.
    """
    codes = list(codes) if codes is not None else region.municipality_codes()
    if region.has_table("main_roads"):
        try:
            return network_travel(region, codes, central_site=central_site)
        except ImportError:  # pragma: no cover - network engine absent
            pass
    return straight_line_travel(region, codes, central_site=central_site)


_travel_cache: dict[int, tuple[weakref.ref[Region], dict[Any, TravelMatrix]]] = {}


def cached_travel(
    region: Region, codes: Sequence[str] | None = None, *, central_site: str | None = None
) -> TravelMatrix:
    """:func:`default_travel`, cached in memory per region object, codes and central site."""
    codes = list(codes) if codes is not None else region.municipality_codes()
    site = central_site if central_site is not None else central_site_of(region)
    hit = _travel_cache.get(id(region))
    if hit is None or hit[0]() is not region:
        hit = (weakref.ref(region), {})
        _travel_cache[id(region)] = hit
    key = (tuple(codes), site)
    if key not in hit[1]:
        hit[1][key] = default_travel(region, codes, central_site=site)
    return hit[1][key]


def adjacency(
    region: Region, codes: Sequence[str] | None = None, *, buffer_m: float = ADJACENCY_BUFFER_M
) -> tuple[dict[str, frozenset[str]], dict[str, Any]]:
    """Which municipalities border each other.

    Parameters
    ----------
    region
        The region (municipality polygons in EPSG:3067).
    codes
        Municipalities (default: current members).
    buffer_m
        Polygons are grown by this many metres before the intersection test.

    Returns
    -------
    neighbours, meta
        Code → codes of its neighbours; ``meta`` names the method (and
        ``approximation`` when no polygons exist and a Delaunay triangulation
        of the centres stands in).
    """
    codes = list(codes) if codes is not None else region.municipality_codes()
    geom = region.municipalities.geometry.reindex(codes)
    nb: dict[str, set[str]] = {c: set() for c in codes}
    if geom.notna().all() and len(codes) > 1:
        grown = geom.buffer(buffer_m).to_numpy()
        import shapely

        tree = shapely.STRtree(grown)
        left, right = tree.query(grown, predicate="intersects")
        for i, j in zip(left.tolist(), right.tolist(), strict=True):
            if i != j:
                nb[codes[i]].add(codes[j])
                nb[codes[j]].add(codes[i])
        meta: dict[str, Any] = {
            "method": f"polygons intersect after a {buffer_m:g} m buffer (queen contiguity)"
        }
    elif len(codes) > 1:
        from scipy.spatial import Delaunay

        xy = centres(region, codes)
        if len(codes) == 2:
            nb[codes[0]].add(codes[1])
            nb[codes[1]].add(codes[0])
        else:
            tri = Delaunay(xy)
            for simplex in tri.simplices:
                for a in simplex:
                    for b in simplex:
                        if a != b:
                            nb[codes[a]].add(codes[b])
        meta = {
            "method": "delaunay",
            "approximation": "adjacency from a Delaunay triangulation of centres (no polygons)",
        }
    else:
        meta = {"method": "single unit"}
    return {c: frozenset(v) for c, v in nb.items()}, meta


def is_connected(members: Sequence[str], neighbours: dict[str, frozenset[str]]) -> bool:
    """Whether ``members`` induce a connected subgraph of ``neighbours``."""
    mset = set(members)
    if not mset:
        return False
    start = next(iter(mset))
    seen = {start}
    stack = [start]
    while stack:
        u = stack.pop()
        for v in neighbours.get(u, ()):
            if v in mset and v not in seen:
                seen.add(v)
                stack.append(v)
    return len(seen) == len(mset)


def components(codes: Sequence[str], neighbours: dict[str, frozenset[str]]) -> list[list[str]]:
    """Connected components of the adjacency graph restricted to ``codes``."""
    left = set(codes)
    out: list[list[str]] = []
    while left:
        start = min(left)
        seen = {start}
        stack = [start]
        while stack:
            u = stack.pop()
            for v in neighbours.get(u, ()):
                if v in left and v not in seen:
                    seen.add(v)
                    stack.append(v)
        out.append(sorted(seen))
        left -= seen
    return out
