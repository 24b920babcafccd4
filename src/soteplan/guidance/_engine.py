"""The guidance engine: a need and a place → services ranked by road travel time.

Travel times from every postal area and municipal centre of the region to
every location of the directory are computed once (one Dijkstra batch) when the
:class:`Guide` is built, so an answer is a table lookup; a free point costs one
single-source search.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from soteplan.errors import NotFoundError, ParameterError
from soteplan.guidance._model import Channel, Directory
from soteplan.guidance._tables import Needs, load_needs

if TYPE_CHECKING:
    from soteplan.network import RoadGraph
    from soteplan.region import Region

__all__ = [
    "GuidanceResult",
    "Guide",
    "Place",
    "RankedService",
    "UnmetNeedsResult",
    "region_guide",
]

PlaceKind = Literal["postcode", "municipality", "point"]
#: Largest number of services one answer lists.
MAX_LIMIT = 50


@dataclass(frozen=True)
class Place:
    """Where the resident is: a postal area, a municipality (its centre) or a point."""

    kind: PlaceKind
    id: str
    name: str
    municipality: str
    x: float
    y: float


@dataclass(frozen=True)
class RankedService:
    """One service of an answer, with the car travel time from the place (minutes)."""

    rank: int
    service_id: str
    location_id: str
    name: str
    service_type: str
    basis: str
    municipality: str
    address: str
    travel_minutes: float
    opening_days: tuple[str, ...]
    opening_days_known: bool
    opening_days_year: int | None
    channels: tuple[Channel, ...]
    example: bool = False

    def to_dict(self, municipality_names: dict[str, str] | None = None) -> dict[str, Any]:
        """JSON-ready dict (travel minutes rounded to 0.1)."""
        return {
            "rank": self.rank,
            "service_id": self.service_id,
            "location_id": self.location_id,
            "name": self.name,
            "service_type": self.service_type,
            "basis": self.basis,
            "municipality": self.municipality,
            "municipality_name": (municipality_names or {}).get(self.municipality, ""),
            "address": self.address,
            "travel_minutes": round(self.travel_minutes, 1),
            "opening_days": list(self.opening_days),
            "opening_days_known": self.opening_days_known,
            "opening_days_year": self.opening_days_year,
            "channels": [_channel_dict(c) for c in self.channels],
            "example": self.example,
        }


def _channel_dict(c: Channel) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": c.kind,
        "value": c.value,
        "known": c.known,  # False: a phone channel whose number is not in open data
        "name": c.name,
        "source": c.source,
        "note": c.note,
    }
    if c.key:
        out["key"] = c.key
    if c.checked:
        out["checked"] = c.checked
    return out


@dataclass(frozen=True)
class GuidanceResult:
    """The answer to one need at one place.

    Attributes
    ----------
    need
        Need id (``"home-help"`` …).
    place
        The resolved :class:`Place`.
    services
        In-person services that answer the need, nearest first.
    region_channels
        Region-wide phone and e-service channels of the need (public facts with
        their source); for an emergency 112 comes first.
    meta
        Units, sources, approximations and assumptions used.
    """

    need: str
    place: Place
    services: tuple[RankedService, ...]
    region_channels: tuple[Channel, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per ranked service."""
        rows = [
            {
                "rank": s.rank,
                "name": s.name,
                "service_type": s.service_type,
                "municipality": s.municipality,
                "travel_min": round(s.travel_minutes, 1),
                "opening_days": ",".join(s.opening_days) if s.opening_days_known else "",
                "opening_days_known": s.opening_days_known,
                "channels": ", ".join(dict.fromkeys(c.kind for c in s.channels)),
                "basis": s.basis,
            }
            for s in self.services
        ]
        return pd.DataFrame(rows).set_index("rank") if rows else pd.DataFrame()

    def to_dict(self, municipality_names: dict[str, str] | None = None) -> dict[str, Any]:
        """JSON-ready dict, the same for the CLI and the API."""
        p = self.place
        names = municipality_names or {}
        return {
            "need": self.need,
            "place": {
                "kind": p.kind,
                "id": p.id,
                "name": p.name,
                "municipality": p.municipality,
                "municipality_name": names.get(p.municipality, ""),
            },
            "region_channels": [_channel_dict(c) for c in self.region_channels],
            "services": [s.to_dict(names) for s in self.services],
            "meta": self.meta,
        }


@dataclass(frozen=True)
class UnmetNeedsResult:
    """For each need and postal area, the travel time to the nearest answering service.

    ``table`` has one row per need × postal area: ``need, postcode, name,
    municipality, population, x, y`` (EPSG:3067), ``nearest_min, nearest_service,
    nearest_basis, within`` (``within``: the nearest is at most ``threshold_min`` away) and
    ``region_channels`` (how many phone/e-service channels answer anywhere).
    """

    table: pd.DataFrame
    threshold_min: float
    meta: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The table (copy)."""
        return self.table.copy()

    def summary(self) -> pd.DataFrame:
        """Per need: areas and residents with nothing within the threshold."""
        t = self.table
        out = t.assign(outside_pop=t["population"].where(~t["within"], 0)).groupby(
            "need", sort=False
        )
        return pd.DataFrame(
            {
                "areas": out.size(),
                "areas_outside": out["within"].apply(lambda s: int((~s).sum())),
                "population_outside": out["outside_pop"].sum().round().astype("int64"),
                "max_min": out["nearest_min"].max().round(1),
            }
        )


class Guide:
    """Answers needs at places from a directory and a road graph (times precomputed).

    Parameters
    ----------
    directory
        The service directory.
    graph
        Road graph (:func:`soteplan.access.region_graph`).
    postal_areas
        Frame with ``postcode``, ``name``, ``municipality``, ``population``, ``x``, ``y``
        (EPSG:3067): the points a postcode stands for.
    municipalities
        Frame indexed by 3-digit code with ``name_fi``, ``name_sv``, ``x``, ``y`` (the centre).
    needs
        The needs table (default: the package's :func:`load_needs`).
    bounds
        ``(minx, miny, maxx, maxy)`` in which a free point is accepted (EPSG:3067).
    meta
        Extra provenance (sources, approximations) copied into every answer.
    """

    def __init__(
        self,
        directory: Directory,
        graph: RoadGraph,
        postal_areas: pd.DataFrame,
        municipalities: pd.DataFrame,
        *,
        needs: Needs | None = None,
        bounds: tuple[float, float, float, float] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        from soteplan.network import travel_times

        self.directory = directory
        self.graph = graph
        self.needs = needs or load_needs()
        self.postal = postal_areas.reset_index(drop=True).copy()
        self.postal["postcode"] = self.postal["postcode"].astype(str)
        self.municipalities = municipalities.copy()
        self.municipalities.index = self.municipalities.index.astype(str)
        self.bounds = bounds
        locs = directory.locations
        self._loc_index = {loc.id: i for i, loc in enumerate(locs)}
        self._loc_xy = np.array([[loc.x, loc.y] for loc in locs], dtype=np.float64).reshape(-1, 2)
        places = np.vstack(
            [
                self.postal[["x", "y"]].to_numpy(dtype=np.float64),
                self.municipalities[["x", "y"]].to_numpy(dtype=np.float64),
            ]
        )
        tt = travel_times(graph, places, self._loc_xy)
        self._minutes: npt.NDArray[np.float32] = tt.minutes
        self._postal_row = {pc: i for i, pc in enumerate(self.postal["postcode"])}
        self._postal_xy = self.postal[["x", "y"]].to_numpy(dtype=np.float64)
        self._postal_muni = self.postal["municipality"].astype(str).to_numpy()
        n = len(self.postal)
        self._muni_row = {c: n + i for i, c in enumerate(self.municipalities.index)}
        self._point_cache: OrderedDict[tuple[int, int], npt.NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()
        self.meta: dict[str, Any] = {
            "units": {"travel_minutes": "car minutes, float"},
            "travel_time_method": tt.meta.get("method"),
            "approximation": tt.meta.get("approximation"),
            "directory": directory.meta.get("source"),
            "needs_table": self.needs.source,
            **(meta or {}),
        }
        # need → (service ids, location rows, basis) for a vectorised ranking
        self._candidates: dict[str, list[tuple[int, str, str, str]]] = {}
        for need in self.needs.needs:
            types = self.needs.types(need)
            cand = []
            for sal in directory.service_at_location:
                s = directory.service(sal.service_id)
                if s.service_type in types:
                    cand.append(
                        (
                            self._loc_index[sal.location_id],
                            sal.service_id,
                            sal.location_id,
                            types[s.service_type].basis,
                        )
                    )
            self._candidates[need] = cand

    # ------------------------------------------------------------------ places
    def municipality_names(self, lang: str = "fi") -> dict[str, str]:
        """Municipality code → name (``fi`` or ``sv``) for the region's municipalities."""
        col = "name_sv" if lang == "sv" else "name_fi"
        return {str(c): str(n) for c, n in self.municipalities[col].items()}

    def has_postcode(self, postcode: str) -> bool:
        """Whether ``postcode`` is a postal area of the region."""
        return postcode in self._postal_row

    def postcodes(self) -> list[str]:
        """Postcodes the guide knows."""
        return list(self.postal["postcode"])

    def place(
        self,
        *,
        postcode: str | None = None,
        municipality: str | None = None,
        point: tuple[float, float] | None = None,
    ) -> tuple[Place, npt.NDArray[np.float32]]:
        """Resolve exactly one of ``postcode``, ``municipality`` or ``point`` (x, y, EPSG:3067)."""
        given = [v is not None for v in (postcode, municipality, point)]
        if sum(given) != 1:
            raise ParameterError("give exactly one place: a postcode, a municipality or a point")
        if postcode is not None:
            pc = str(postcode).strip()
            if not (len(pc) == 5 and pc.isdigit()):
                raise ParameterError(f"postcode {postcode!r}: a Finnish postcode has five digits")
            if pc not in self._postal_row:
                raise NotFoundError(f"postcode {pc} is not a postal area of this region")
            i = self._postal_row[pc]
            r = self.postal.iloc[i]
            return (
                Place(
                    "postcode",
                    pc,
                    str(r["name"]),
                    str(r["municipality"]),
                    float(r["x"]),
                    float(r["y"]),
                ),
                self._minutes[i],
            )
        if municipality is not None:
            code = str(municipality).strip()
            if code not in self._muni_row:
                raise NotFoundError(
                    f"municipality {code!r} is not in this region; codes: "
                    f"{', '.join(self.municipalities.index)}"
                )
            m = self.municipalities.loc[code]
            return (
                Place("municipality", code, str(m["name_fi"]), code, float(m["x"]), float(m["y"])),
                self._minutes[self._muni_row[code]],
            )
        if point is None:  # pragma: no cover - excluded by the count above
            raise ParameterError("give a place")
        x, y = float(point[0]), float(point[1])
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ParameterError("point: coordinates must be finite numbers")
        if self.bounds is not None:
            x0, y0, x1, y1 = self.bounds
            if not (x0 <= x <= x1 and y0 <= y <= y1):
                raise ParameterError("point is outside this region")
        return Place(
            "point", f"{x:.0f},{y:.0f}", "", self._nearest_municipality(x, y), x, y
        ), self._point_minutes(x, y)

    def _nearest_municipality(self, x: float, y: float) -> str:
        d = (self._postal_xy[:, 0] - x) ** 2 + (self._postal_xy[:, 1] - y) ** 2
        return str(self._postal_muni[int(np.argmin(d))])

    def _point_minutes(self, x: float, y: float) -> npt.NDArray[np.float32]:
        from soteplan.network import travel_times

        key = (round(x / 10), round(y / 10))
        with self._lock:
            hit = self._point_cache.get(key)
            if hit is not None:
                self._point_cache.move_to_end(key)
                return hit
        row = travel_times(self.graph, np.array([[x, y]]), self._loc_xy).minutes[0]
        with self._lock:
            self._point_cache[key] = row
            while len(self._point_cache) > 2048:
                self._point_cache.popitem(last=False)
        return row

    # ------------------------------------------------------------------ answer
    def answer(
        self,
        need: str,
        *,
        postcode: str | None = None,
        municipality: str | None = None,
        point: tuple[float, float] | None = None,
        limit: int = 5,
    ) -> GuidanceResult:
        """Services answering ``need`` nearest to the place, nearest first.

        Parameters
        ----------
        need
            Need id (see :data:`soteplan.guidance.NEEDS`).
        postcode, municipality, point
            Exactly one: a postcode of the region, a 3-digit municipality code (its
            centre) or a point (x, y metres, EPSG:3067).
        limit
            At most this many services (1–50).

        Raises
        ------
        NotFoundError
            Unknown need, postcode or municipality.
        ParameterError
            No place, several places, or a bad limit or point.
        """
        self.needs.check(need)
        if not 1 <= int(limit) <= MAX_LIMIT:
            raise ParameterError(f"limit must be 1..{MAX_LIMIT}, got {limit}")
        place, minutes = self.place(postcode=postcode, municipality=municipality, point=point)
        ranked = self._rank(need, minutes, int(limit))
        types = self.needs.types(need)
        assumptions = sorted({r.note for r in types.values() if r.basis == "assumption"})
        meta = {
            **self.meta,
            "need_service_types": sorted(types),
            "assumptions": assumptions,
        }
        if need == "emergency":
            meta["first"] = (
                "call 112 in an emergency; the nearest emergency department is listed first"
            )
        return GuidanceResult(need, place, ranked, self.needs.region_channels(need), meta)

    def _rank(
        self, need: str, minutes: npt.NDArray[np.float32], limit: int
    ) -> tuple[RankedService, ...]:
        cand = self._candidates[need]
        if not cand:
            return ()
        rows = np.array([c[0] for c in cand], dtype=np.int64)
        t = minutes[rows].astype(np.float64)
        names = [self.directory.location(c[2]).name for c in cand]
        order = sorted(
            (i for i in range(len(cand)) if np.isfinite(t[i])),
            key=lambda i: (t[i], names[i], cand[i][1]),
        )
        out = []
        for rank, i in enumerate(order[:limit], start=1):
            _, sid, lid, basis = cand[i]
            s, loc = self.directory.service(sid), self.directory.location(lid)
            out.append(
                RankedService(
                    rank,
                    sid,
                    lid,
                    s.name,
                    s.service_type,
                    basis,
                    loc.municipality,
                    loc.address,
                    float(t[i]),
                    tuple(loc.open_days()),
                    loc.days_known(),
                    loc.opening_days_year,
                    tuple(self.directory.channels_of(sid, lid)),
                    s.example,
                )
            )
        return tuple(out)

    # ------------------------------------------------------------------ unmet
    def unmet_needs(
        self, threshold_min: float = 30.0, needs: list[str] | None = None
    ) -> UnmetNeedsResult:
        """For every need and postal area, the car time to the nearest answering service.

        Parameters
        ----------
        threshold_min
            An area is *unmet* when nothing in person answers within this time (minutes).
        needs
            Needs to include (default: all).
        """
        if not (threshold_min > 0 and math.isfinite(threshold_min)):
            raise ParameterError(
                f"threshold must be a positive number of minutes, got {threshold_min}"
            )
        wanted = needs or list(self.needs.needs)
        for n in wanted:
            self.needs.check(n)
        n_postal = len(self.postal)
        m = self._minutes[:n_postal].astype(np.float64)
        parts = []
        for need in wanted:
            cand = self._candidates[need]
            if cand:
                cols = np.array([c[0] for c in cand], dtype=np.int64)
                sub = m[:, cols]
                best = np.argmin(np.where(np.isfinite(sub), sub, np.inf), axis=1)
                nearest = sub[np.arange(n_postal), best]
                svc = [self.directory.location(cand[b][2]).name for b in best]
                basis = [cand[b][3] for b in best]
            else:
                nearest = np.full(n_postal, np.inf)
                svc, basis = [""] * n_postal, [""] * n_postal
            parts.append(
                pd.DataFrame(
                    {
                        "need": need,
                        "postcode": self.postal["postcode"].to_numpy(),
                        "name": self.postal["name"].astype(str).to_numpy(),
                        "municipality": self.postal["municipality"].astype(str).to_numpy(),
                        "population": self.postal["population"].to_numpy(dtype=np.float64),
                        "x": self._postal_xy[:, 0],
                        "y": self._postal_xy[:, 1],
                        "nearest_min": np.round(nearest, 1),
                        "nearest_service": svc,
                        "nearest_basis": basis,
                        "within": nearest <= threshold_min,
                        "region_channels": len(self.needs.region_channels(need)),
                    }
                )
            )
        table = pd.concat(parts, ignore_index=True)
        return UnmetNeedsResult(
            table,
            float(threshold_min),
            {
                **self.meta,
                "threshold_min": float(threshold_min),
                "population": "postal areas, 2022",
            },
        )


def _postcode_of(origin_id: object) -> str | None:
    """The postcode an origin belongs to: its id (``"43100"``) or the id's prefix
    (``"43100-s381"``, a resident point of the postal area); ``None`` otherwise."""
    i = str(origin_id)
    if len(i) == 5 and i.isdigit():
        return i
    if len(i) > 6 and i[:5].isdigit() and i[5] == "-":
        return i[:5]
    return None


def _postal_points(origins: Any) -> tuple[dict[str, tuple[float, float]], dict[str, float]]:
    """Per postcode: the population-weighted centre of its origins and their population."""
    acc: dict[str, list[float]] = {}
    for oid, (x, y), w in zip(origins.ids, origins.xy, origins.population["all"], strict=True):
        pc = _postcode_of(oid)
        if pc is None:
            continue
        a = acc.setdefault(pc, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
        w = float(w)
        a[0] += w * float(x)
        a[1] += w * float(y)
        a[2] += w
        a[3] += float(x)
        a[4] += float(y)
        a[5] += 1.0
    xy = {
        pc: ((a[0] / a[2], a[1] / a[2]) if a[2] > 0 else (a[3] / a[5], a[4] / a[5]))
        for pc, a in acc.items()
    }
    return xy, {pc: a[2] for pc, a in acc.items()}


def region_guide(
    region: Region,
    directory: Directory | None = None,
    *,
    year: int | None = None,
    graph: RoadGraph | None = None,
    needs: Needs | None = None,
) -> Guide:
    """A :class:`Guide` for a region: its directory (plus ``directory``), road graph and places.

    A postcode stands for where its residents live: the population-weighted
    centre of the region's origins in that postal area
    (:func:`soteplan.access.region_origins`: the dasymetric resident points, or
    the postal centroids); postal areas without residents use their
    representative point.  Municipalities stand for
    their centre (``centre_x``/``centre_y``).  ``needs`` replaces the package's needs
    and channels tables (:func:`~soteplan.guidance.load_needs` with a planner's channels file).
    """
    from soteplan.access import region_graph, region_origins
    from soteplan.guidance._region import assign_municipalities, region_directory

    base = region_directory(region, year)
    d = base
    if directory is not None:
        d = base.merge(assign_municipalities(directory, region.municipalities))
    g = graph if graph is not None else region_graph(region)
    origins = region_origins(region)
    o_xy, o_pop = _postal_points(origins)
    pa = region.table("postal_areas")
    codes = set(region.municipality_codes())
    pa = pa[pa["municipality"].astype(str).isin(codes)]
    rep = pa.geometry.representative_point()
    rows = []
    for (_, r), pt in zip(pa.iterrows(), rep, strict=True):
        pc = str(r["postcode"])
        x, y = o_xy.get(pc, (float(pt.x), float(pt.y)))
        rows.append(
            {
                "postcode": pc,
                "name": str(r["name"]),
                "municipality": str(r["municipality"]),
                "population": o_pop.get(pc, 0.0),
                "x": x,
                "y": y,
            }
        )
    postal = pd.DataFrame(rows)
    mun = region.municipalities.loc[region.municipality_codes()]
    munis = pd.DataFrame(
        {
            "name_fi": mun["name_fi"].astype(str),
            "name_sv": mun["name_sv"].astype(str),
            "x": pd.to_numeric(mun["centre_x"]).astype(float),
            "y": pd.to_numeric(mun["centre_y"]).astype(float),
        },
        index=mun.index.astype(str),
    )
    x0, y0, x1, y1 = mun.total_bounds
    pad = 20_000.0
    return Guide(
        d,
        g,
        postal,
        munis,
        needs=needs,
        bounds=(x0 - pad, y0 - pad, x1 + pad, y1 + pad),
        meta={
            "region": region.id,
            "origins": origins.meta.get("origins"),
            "places": "postcode: population-weighted centre of the region's origins in the "
            "postal area (else its representative point); municipality: its centre",
            "attribution": list(region.attribution),
        },
    )
