"""The OpenStreetMap road network of a region: Geofabrik's Finland extract, clipped.

:func:`download_extract` brings Geofabrik's daily extract of Finland into the user cache,
resuming an interrupted download (an HTTP ``Range`` request on the ``.part`` file) and
verifying it against the MD5 sum Geofabrik publishes beside every extract
(``<file>.md5``, one line ``<hex>  <file name>``).  Only a verified file replaces the
cached one.  :func:`clip_extract` keeps the part of it a region needs for travel times
(every way tagged ``highway=*`` with a node inside the region's box, all the nodes of those
ways and the turn restrictions on them) and writes it as an ``.osm.pbf`` with pyosmium
(libosmium), which :func:`soteplan.network.from_osm` reads.

OpenStreetMap data are © OpenStreetMap contributors, available under the Open Database
Licence (ODbL 1.0).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from soteplan.errors import ConnectionNeededError, DataError, DataProblem, ParameterError
from soteplan.fetch._transport import Transport

if TYPE_CHECKING:
    from soteplan.region import Region

__all__ = [
    "GEOFABRIK_FINLAND",
    "OSM_ATTRIBUTION",
    "OSM_FILE",
    "clip_extract",
    "download_extract",
    "osm_cache_dir",
    "region_bbox",
]

#: Geofabrik's daily extract of Finland (Åland included), about 0.7 GB.
GEOFABRIK_FINLAND = "https://download.geofabrik.de/europe/finland-latest.osm.pbf"
#: The attribution the ODbL requires wherever the data or a product of them is shown.
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
#: Name of the clipped extract inside a region directory.
OSM_FILE = "openstreetmap.osm.pbf"

Progress = Callable[[int, int], None]
_MD5_LINE = re.compile(r"^\s*([0-9a-fA-F]{32})(?:\s+\*?(\S+))?\s*$")


def osm_cache_dir() -> Path:
    """``$SOTEPLAN_OSM_CACHE``, else ``$XDG_CACHE_HOME/soteplan/osm`` (``~/.cache``)."""
    env = os.environ.get("SOTEPLAN_OSM_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "soteplan" / "osm"


def _parse_md5(data: bytes, url: str) -> str:
    name = url.rsplit("/", 1)[-1]
    text = data.decode("utf-8", errors="replace").strip()
    m = _MD5_LINE.match(text.splitlines()[0] if text else "")
    if m is None:
        raise DataError(
            [DataProblem(f"{name}", 1, None, f"not an MD5 sum line ('<32 hex>  <file>'): "
                         f"{text[:60]!r}")]
        )  # fmt: skip
    return m.group(1).lower()


def _md5_of(path: Path) -> str:
    h = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def download_extract(
    transport: Transport,
    url: str = GEOFABRIK_FINLAND,
    *,
    cache: str | Path | None = None,
    progress: Progress | None = None,
) -> tuple[Path, str]:
    """The verified extract at ``url`` in the cache, downloaded or resumed when needed.

    The MD5 sum is read first (``url + ".md5"``).  A cached file with that sum is used as
    it is; otherwise the download continues ``<file>.part`` when it was started for the
    same sum, else starts anew.  A file whose sum differs is deleted and refused: the
    cached file of an earlier fetch is never replaced by an unverified one.

    Returns
    -------
    path, md5
        The verified file and its MD5 sum (hex).

    Raises
    ------
    ConnectionNeededError
        No connection, or the download broke off (the part is kept and resumes next time).
    DataError
        The MD5 file is not one, or the download does not match it.
    """
    root = Path(cache) if cache is not None else osm_cache_dir()
    name = url.rsplit("/", 1)[-1] or "extract.osm.pbf"
    expected = _parse_md5(transport.get(url + ".md5"), url + ".md5")
    root.mkdir(parents=True, exist_ok=True)
    final = root / name
    sums = root / f"{name}.md5"
    if final.is_file() and sums.is_file() and sums.read_text().split()[:1] == [expected]:
        return final, expected
    part = root / f"{name}.part"
    part_sum = root / f"{name}.part.md5"
    if part.exists() and not (part_sum.is_file() and part_sum.read_text().strip() == expected):
        part.unlink()  # begun for another day's extract: it cannot be continued
    part_sum.write_text(expected + "\n")
    try:
        transport.download(url, part, progress=progress)
    except ConnectionNeededError as exc:
        kept = part.stat().st_size if part.is_file() else 0
        note = f"; {kept:,} bytes are kept in {part} and the next fetch resumes" if kept else ""
        raise ConnectionNeededError(f"{exc}{note}") from None
    got = _md5_of(part)
    if got != expected:
        part.unlink()
        part_sum.unlink(missing_ok=True)
        raise DataError(
            [DataProblem(name, None, "md5", f"the download has MD5 {got}, but {url}.md5 says "
                         f"{expected}: refused (the cached extract is unchanged); fetch again")]
        )  # fmt: skip
    part.replace(final)
    sums.write_text(f"{expected}  {name}\n")
    part_sum.unlink(missing_ok=True)
    return final, expected


def region_bbox(region: Region, buffer_km: float = 10.0) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` in degrees (WGS 84) around the region's municipalities.

    The box of the boundaries in EPSG:3067 is widened by ``buffer_km`` on every side (roads
    just over the border carry trips between the region's own places) and transformed to
    longitude and latitude, taking the outer box of the transformed corners.
    """
    if buffer_km < 0:
        raise ParameterError(f"the OSM buffer must be ≥ 0 km, got {buffer_km}")
    from pyproj import Transformer

    geo = region.municipalities.geometry
    geo = geo[geo.notna() & ~geo.is_empty]
    if len(geo) == 0:
        raise DataError(
            [DataProblem("municipalities.geojson", None, "geometry", "no boundaries to clip by")]
        )
    if geo.crs is not None and geo.crs.to_epsg() != 3067:
        geo = geo.to_crs("EPSG:3067")
    x0, y0, x1, y1 = (float(v) for v in geo.total_bounds)
    b = 1000.0 * buffer_km
    tr = Transformer.from_crs("EPSG:3067", "EPSG:4326", always_xy=True)
    xs, ys = [], []
    for x in (x0 - b, (x0 + x1) / 2, x1 + b):
        for y in (y0 - b, y1 + b):
            lon, lat = tr.transform(x, y)
            xs.append(lon)
            ys.append(lat)
    return (round(min(xs), 5), round(min(ys), 5), round(max(xs), 5), round(max(ys), 5))


def clip_extract(src: Path, dest: Path, bbox: tuple[float, float, float, float]) -> dict[str, Any]:
    """Write the road network of ``src`` inside ``bbox`` to ``dest`` (``.osm.pbf``).

    Kept: every way tagged ``highway`` with at least one node in the box (whole, with all
    its nodes and their tags, so that no road is cut at the box), and every
    ``type=restriction`` relation on a kept way.  Buildings, land use, points of interest
    and other relations are left out: the travel-time network reads roads only.

    Returns
    -------
    dict
        ``ways``, ``restrictions`` and ``bytes`` of the written file.

    Raises
    ------
    DataError
        ``src`` is not a readable PBF, or has no road in the box.
    """
    import osmium

    w, s, e, n = bbox
    box = osmium.osm.Box(osmium.osm.Location(w, s), osmium.osm.Location(e, n))
    dest.unlink(missing_ok=True)
    ways: set[int] = set()
    restrictions = 0
    writer = osmium.BackReferenceWriter(str(dest), ref_src=str(src), remove_tags=False)
    try:
        with writer as out:
            objects = (
                osmium.FileProcessor(str(src))
                .with_locations()
                .with_filter(osmium.filter.KeyFilter("highway", "type"))
            )
            for o in objects:
                if isinstance(o, osmium.osm.Way):
                    if "highway" in o.tags and any(
                        nd.location.valid() and box.contains(nd.location) for nd in o.nodes
                    ):
                        out.add_way(o)
                        ways.add(o.id)
                elif (
                    isinstance(o, osmium.osm.Relation)
                    and o.tags.get("type") == "restriction"
                    and any(m.type == "w" and m.ref in ways for m in o.members)
                ):
                    out.add_relation(o)
                    restrictions += 1
    except (RuntimeError, ValueError, OSError) as exc:  # libosmium: not a PBF, truncated
        dest.unlink(missing_ok=True)
        raise DataError(
            [DataProblem(src.name, None, None, f"not a readable OpenStreetMap PBF file ({exc})")]
        ) from None
    finally:
        writer.tmpdir.cleanup()  # pyosmium 4 keeps its work file when the block raises
    if not ways:
        dest.unlink(missing_ok=True)
        raise DataError(
            [DataProblem(src.name, None, None, f"no road (highway=*) inside the box {bbox} "
                         "(west, south, east, north): is it an extract of this region?")]
        )  # fmt: skip
    return {"ways": len(ways), "restrictions": restrictions, "bytes": dest.stat().st_size}
