"""Shared constants, readers and deterministic writers for the Keski-Suomi data build.

Everything here is build-time only: the package never imports it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import yaml
from pyproj import Transformer

__all__ = [
    "ALL_CODES",
    "CODES_22",
    "KUHMOINEN",
    "Build",
    "BuildError",
    "Source",
    "check_sum",
    "finish_geometries",
    "lonlat_to_3067",
    "write_csv",
    "write_geojson",
    "write_yaml",
]

#: The 22 municipalities of Keski-Suomi since 1.1.2021 (maakunta 13, wellbeing county 15).
CODES_22: tuple[str, ...] = (
    "077", "172", "179", "182", "216", "226", "249", "256", "265", "275", "312",
    "410", "435", "495", "500", "592", "601", "729", "850", "892", "931", "992",
)  # fmt: skip
#: Kuhmoinen: a member of the region until 31.12.2020, in Pirkanmaa since 1.1.2021.
KUHMOINEN = "291"
ALL_CODES: tuple[str, ...] = tuple(sorted((*CODES_22, KUHMOINEN)))

_TO_3067 = Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)


class BuildError(RuntimeError):
    """A check of the raw data failed; the build stops without writing a partial result."""


@dataclass(frozen=True)
class Source:
    """An intermediary repository snapshot a raw file was copied from."""

    repo: str
    commit: str
    licence: str

    @property
    def ref(self) -> str:
        """``owner/name@commit``."""
        return f"{self.repo}@{self.commit}"


#: Intermediary repositories (see ``shared/data/SOURCES.md``).
SOURCES: dict[str, Source] = {
    "mml": Source(
        "samilaine/hallinnollisetrajat", "03f9203007160ef67177c8a5c6f3463cbf57af46", "CC BY 4.0"
    ),
    "geofi": Source("rOpenGov/geofi", "de9392bbeac7ce09d13637ec000b8c9e69ce5c52", "BSD-2-Clause"),
    "reina2019": Source(
        "kausaltech/reina-model", "18ce6e058b56225d42ad9362437377bc12675928", "AGPL-3.0"
    ),
    "reina2018": Source(
        "kausaltech/reina-model", "92ad1b935aa6251f204bb0d7e2160e284d1e2f9c", "AGPL-3.0"
    ),
    "finngen": Source("Mknea/finngen", "8b225e39c17f8bbf38fb4a1274861a5fc0302da7", "MIT"),
    "kt162r": Source("pttry/KT162R", "80b21b07ea6ea86055830068af40483e3992a1d6", "UNCLEAR"),
    "sotkanet2014": Source(
        "ouzor/sotkanet-shiny", "60741078c18bd9c909d9c206a93ff0f52e98b477", "UNCLEAR"
    ),
    "lavaste": Source(
        "lavaste/health_station_closures", "83d7a2005f0a3bab6906dc4b519310cd42fbc28d", "MIT"
    ),
    "eurostat": Source(
        "eurostat/healthcare-services", "8dd93206429bc2d919c20780cf41293cc8816b3e", "EUPL-1.2"
    ),
    "synthea": Source(
        "synthetichealth/synthea-international",
        "4d406f4d3b06adfb12d57c365651e41eb11d1302",
        "Apache-2.0",
    ),
    "honkanen": Source(
        "JoniHonkanen/kartta_suomi", "0fb8f38767e57d5017befc1a714b0b9bdb0ff60e", "UNCLEAR"
    ),
    "syke": Source("THLfi/eh-paikkatieto", "fb6e8b14d97255e231c9d5c811dc44c582c41383", "CC BY 4.0"),
    "vayla": Source(
        "PeteyVonGuldenstein/maailman-kartta",
        "e14480344cf9c85583c8357a772035f22b2a2911",
        "UNCLEAR",
    ),
    "naapurustot": Source(
        "jvmarten/naapurustot", "ab5cbf6c9815fea3d44f5964dafb902c752d5c4e", "UNCLEAR"
    ),
}


@dataclass
class Build:
    """State shared by the build steps: paths, derived frames, figures and provenance."""

    raw: Path
    out: Path
    #: Derived frames other steps need (e.g. municipality polygons, population totals).
    frames: dict[str, Any] = field(default_factory=dict)
    #: Measured figures, printed in the summary and written into PROVENANCE.md.
    figures: dict[str, Any] = field(default_factory=dict)
    #: provenance.yaml entries by output file name.
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)

    def path(self, *parts: str) -> Path:
        """A raw input file; fail loudly if it is missing."""
        p = self.raw.joinpath(*parts)
        if not p.is_file():
            raise BuildError(f"raw file missing: {p}")
        return p

    def record(self, name: str, **entry: Any) -> None:
        """Register the provenance entry of one output file."""
        self.provenance[name] = entry


def lonlat_to_3067(lon: Iterable[float], lat: Iterable[float]) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 longitude/latitude (degrees) to EPSG:3067 metres, rounded to whole metres."""
    x, y = _TO_3067.transform(np.asarray(list(lon), float), np.asarray(list(lat), float))
    return np.rint(x).astype(np.int64), np.rint(y).astype(np.int64)


def finish_geometries(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Snap to a 1 m grid and repair: the last step before writing any layer.

    ``shapely.set_precision`` keeps polygons valid while rounding; ``make_valid``
    then repairs anything left, and only the polygonal/linear parts are kept.
    """
    arr = shapely.set_precision(geoms.values, 1.0)
    arr = shapely.make_valid(arr)
    out = []
    for g in arr:
        if g is not None and g.geom_type == "GeometryCollection":
            parts = [p for p in g.geoms if p.geom_type in ("Polygon", "MultiPolygon")]
            g = shapely.union_all(parts) if parts else g
        out.append(g)
    res = gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs)
    bad = ~res.is_valid | res.is_empty
    if bad.any():
        raise BuildError(f"{int(bad.sum())} geometries are invalid or empty after repair")
    return res


def write_csv(build: Build, name: str, df: pd.DataFrame) -> None:
    """UTF-8, comma, header, LF, no index; floats as written by pandas' shortest repr."""
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")
    (build.out / name).write_text(buf.getvalue(), encoding="utf-8", newline="\n")
    build.written.append(name)


def write_geojson(build: Build, name: str, gdf: gpd.GeoDataFrame) -> None:
    """GeoJSON in EPSG:3067 (with the ``crs`` member), coordinates as whole metres."""
    if gdf.crs is None or gdf.crs.to_epsg() != 3067:
        raise BuildError(f"{name}: layer must be in EPSG:3067 before writing")
    path = build.out / name
    if path.exists():
        path.unlink()
    gdf.to_file(
        path,
        driver="GeoJSON",
        engine="pyogrio",
        layer_options={"COORDINATE_PRECISION": 0, "WRITE_NAME": "NO", "RFC7946": "NO"},
    )
    build.written.append(name)


def write_yaml(build: Build, name: str, data: Mapping[str, Any], header: str = "") -> None:
    """YAML with keys in insertion order, unicode kept."""
    text = yaml.safe_dump(
        dict(data), sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
    (build.out / name).write_text(header + text, encoding="utf-8", newline="\n")
    build.written.append(name)


def check_sum(label: str, got: float, expected: float, tol: float = 0.0) -> None:
    """Fail the build if ``got`` differs from ``expected`` by more than ``tol``."""
    if abs(got - expected) > tol:
        raise BuildError(f"{label}: got {got}, expected {expected}")
