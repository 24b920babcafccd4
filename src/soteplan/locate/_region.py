"""Location inputs for a planning region: demand = populated postal areas, candidates =
existing service points plus (optionally) an extended candidate set.

Extended candidate set (documented in the README, section "Location-allocation"): every member
municipality's centre (``municipalities.centre_x/centre_y``) and the representative point
of every urban settlement (*taajama*, SYKE/Tilastokeskus) in the region, minus those within
``dedupe_m`` metres of an existing service point or of an earlier candidate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from soteplan.errors import NotFoundError, ParameterError

if TYPE_CHECKING:
    from soteplan.region import Region

__all__ = ["LocationInput", "region_location_input"]


@dataclass(frozen=True, eq=False)
class LocationInput:
    """Everything a location model needs for one region and service.

    Attributes
    ----------
    minutes
        Car travel time, minutes, demand × candidate (float32; ``inf`` unreachable).
    population
        Demand weights per age band (``"all"``, ``"65+"``, ``"75+"``), persons.
    demand_ids
        Postal codes.
    demand_xy
        Demand coordinates, EPSG:3067 metres.
    candidates
        One row per candidate: ``name``, ``kind`` (``existing`` / ``municipal_centre`` /
        ``urban_settlement``), ``municipality``, ``x``, ``y`` (EPSG:3067), indexed by id.
    meta
        Sources and approximations (road network, population bands, home-care bases).
    """

    minutes: NDArray[np.float32]
    population: dict[str, NDArray[np.float64]]
    demand_ids: tuple[Any, ...]
    demand_xy: NDArray[np.float64]
    candidates: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def existing(self) -> NDArray[np.bool_]:
        """Mask of candidates that are existing service points."""
        return np.asarray((self.candidates["kind"] == "existing").to_numpy(), dtype=bool)

    def weights(self, band: str) -> NDArray[np.float64]:
        """Population of an age band as demand weights."""
        if band not in self.population:
            raise ParameterError(
                f"unknown weights {band!r}; choose one of {', '.join(self.population)}"
            )
        return self.population[band]


def _extended_candidates(region: Region, existing: pd.DataFrame, dedupe_m: float) -> pd.DataFrame:
    m = region.municipalities.loc[region.municipality_codes()]
    rows = [
        pd.DataFrame(
            {
                "name": [f"{n} centre" for n in m["name_fi"]],
                "kind": "municipal_centre",
                "municipality": list(m.index),
                "x": m["centre_x"].to_numpy(float),
                "y": m["centre_y"].to_numpy(float),
            },
            index=pd.Index([f"mc-{c}" for c in m.index], name="id"),
        )
    ]
    if region.has_table("urban_settlements"):
        us = region.table("urban_settlements")
        if isinstance(us, gpd.GeoDataFrame):
            if "in_region" in us.columns:
                us = us[us["in_region"].astype(bool)]
            pts = us.geometry.representative_point()
            rows.append(
                pd.DataFrame(
                    {
                        "name": us["name"].astype(str).to_numpy(),
                        "kind": "urban_settlement",
                        "municipality": us["municipality"].astype(str).str.zfill(3).to_numpy(),
                        "x": pts.x.to_numpy(float),
                        "y": pts.y.to_numpy(float),
                    },
                    index=pd.Index([f"us-{i}" for i in us["id"]], name="id"),
                )
            )
    new = pd.concat(rows)
    kept: list[int] = []
    have = existing[["x", "y"]].to_numpy(float)
    for k, (x, y) in enumerate(new[["x", "y"]].to_numpy(float)):
        if have.size and np.min(np.hypot(have[:, 0] - x, have[:, 1] - y)) < dedupe_m:
            continue
        kept.append(k)
        have = np.vstack([have, [x, y]]) if have.size else np.array([[x, y]])
    return new.iloc[kept]


def region_location_input(
    region: Region,
    service: str,
    *,
    extended: bool = False,
    year: int | None = None,
    osm_pbf: str | Path | None = None,
    dedupe_m: float = 1000.0,
) -> LocationInput:
    """Build demand, candidates and the travel-time matrix for one service of a region.

    Parameters
    ----------
    region
        The planning region (e.g. ``load_region("keski-suomi")``).
    service
        Service type (e.g. ``"health_station"``, ``"home_care_base"``).
    extended
        Add municipal centres and urban-settlement points as candidates.
    year
        Service points operating in this year.
    osm_pbf
        Real OSM drive network from this PBF (else the approximate main-road graph).
    dedupe_m
        Extended candidates closer than this (metres) to another one are dropped.
    """
    from soteplan.access import region_graph, region_origins, service_points
    from soteplan.network import travel_times

    sp = service_points(region, service, year)
    if sp.empty:
        raise NotFoundError(f"region {region.id} has no {service!r} service points")
    existing = pd.DataFrame(
        {
            "name": sp["name"].astype(str).to_numpy() if "name" in sp else sp.index.astype(str),
            "kind": "existing",
            "municipality": sp["municipality"].astype(str).to_numpy(),
            "x": sp.geometry.x.to_numpy(float),
            "y": sp.geometry.y.to_numpy(float),
        },
        index=pd.Index(sp.index.astype(str), name="id"),
    )
    cands = existing
    if extended:
        cands = pd.concat([existing, _extended_candidates(region, existing, dedupe_m)])
    origins = region_origins(region)
    graph = region_graph(region, osm_pbf=osm_pbf)
    xy = cands[["x", "y"]].to_numpy(float)
    tt = travel_times(graph, origins.xy, xy, origin_ids=origins.ids, destination_ids=cands.index)
    approx = [a for a in [tt.meta.get("approximation"), origins.meta.get("approximation")] if a]
    approx += list(sp.attrs.get("approximation", []))
    network = dict(sp.attrs.get("network") or {})
    if network.get("note"):
        approx.insert(0, str(network["note"]))
    meta = {
        "units": "minutes (car)",
        "service": service,
        "demand": f"{len(origins)} origins ({origins.meta.get('origins', 'postal areas')})",
        "network": network,
        "candidates": (
            "existing service points + municipal centres + urban settlements"
            if extended
            else "existing service points"
        ),
        "travel_times": tt.meta.get("method"),
        "population": origins.meta,
        "approximation": "; ".join(str(a) for a in approx),
    }
    return LocationInput(
        minutes=np.asarray(tt.minutes, dtype=np.float32),
        population={k: np.asarray(v, dtype=np.float64) for k, v in origins.population.items()},
        demand_ids=tuple(origins.ids),
        demand_xy=np.asarray(origins.xy, dtype=np.float64),
        candidates=cands,
        meta=meta,
    )
