"""Bring a region's tables up to date from the publishers' APIs, into a user region directory.

:func:`fetch_region` copies a region directory (the embedded one by default), replaces or
adds the fetched tables, records every fetch in ``provenance.yaml`` (publisher, licence,
URL, date) and keeps the publishers' raw answers in ``fetched/``.  The new directory is
validated with the ordinary region loader *before* it replaces the old one, so a failed or
interrupted fetch changes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from soteplan.errors import ConnectionNeededError, DataError, DataProblem, ParameterError
from soteplan.fetch._osm import (
    GEOFABRIK_FINLAND,
    OSM_ATTRIBUTION,
    OSM_FILE,
    clip_extract,
    download_extract,
    region_bbox,
)
from soteplan.fetch._sotkanet import fetch_indicators
from soteplan.fetch._statfin import TABLE_PROJECTION, fetch_population, fetch_projection
from soteplan.fetch._transport import HttpTransport, Transport
from soteplan.region import _load as region_load
from soteplan.region import region_dir

__all__ = ["FetchResult", "fetch_region", "user_regions_dir"]

Progress = Callable[[int, int], None]

_STATFIN = {"publisher": "Statistics Finland (Tilastokeskus)", "licence": "CC BY 4.0"}
_THL = {"publisher": "THL, Sotkanet indicator bank", "licence": "CC BY 4.0"}
_OSM = {
    "publisher": f"OpenStreetMap contributors ({OSM_ATTRIBUTION}); extract by Geofabrik GmbH",
    "licence": "ODbL 1.0 (Open Database Licence)",
}


def user_regions_dir() -> Path:
    """Where fetched regions go: ``$SOTEPLAN_DATA_HOME``, else the XDG data directory."""
    env = os.environ.get("SOTEPLAN_DATA_HOME")
    if env:
        return Path(env).expanduser() / "regions"
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "soteplan" / "regions"


@dataclass(frozen=True)
class FetchResult:
    """What a fetch brought: one item per table or indicator, and where it was written."""

    directory: Path
    items: tuple[dict[str, Any], ...]
    meta: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per fetched item: what, file, years, rows, persons, source URL."""
        df = pd.DataFrame(list(self.items))
        if "persons" in df.columns:
            df["persons"] = df["persons"].astype("Int64")
        return df


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"municipality": "string"}, keep_default_na=False)


def _merge(path: Path, new: pd.DataFrame, key: list[str], order: list[str]) -> pd.DataFrame:
    """``new`` replaces the rows of ``path`` with the same key; the rest is kept."""
    if path.is_file():
        old = _read(path)
        old = old[list(new.columns)]
        idx = pd.MultiIndex.from_frame(old[key].astype(str))
        drop = idx.isin(pd.MultiIndex.from_frame(new[key].astype(str)))
        merged = pd.concat([old[~drop], new], ignore_index=True)
    else:
        merged = new.copy()
    merged["municipality"] = merged["municipality"].astype(str)
    return merged.sort_values(order, kind="stable", key=_sort_key).reset_index(drop=True)


def _sort_key(col: pd.Series) -> pd.Series:
    """Sort as the region files do: males before females, numbers as numbers."""
    if col.name == "sex":
        return col.map({"male": 0, "female": 1})
    if col.name in ("year", "age"):
        return pd.to_numeric(col)
    return col


def _provenance_entry(
    prov: dict[str, Any], fname: str, title: str, who: dict[str, str], fetched: dict[str, Any]
) -> None:
    files = prov.setdefault("files", {})
    entry = files.get(fname)
    if not isinstance(entry, dict):
        entry = {"title": title, **who, "source": "", "intermediary": ""}
        files[fname] = entry
    entry.setdefault("fetched", [])
    entry["fetched"].append(fetched)


def fetch_region(
    region: str | Path = "keski-suomi",
    out: str | Path | None = None,
    *,
    population: bool = True,
    projection: bool = True,
    indicators: tuple[int, ...] = (761,),
    year: int | None = None,
    projection_table: str = TABLE_PROJECTION,
    osm: bool = False,
    osm_url: str = GEOFABRIK_FINLAND,
    osm_buffer_km: float = 10.0,
    osm_cache: str | Path | None = None,
    transport: Transport | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    download_progress: Progress | None = None,
) -> FetchResult:
    """Fetch the latest population, projection and Sotkanet indicators for a region.

    Parameters
    ----------
    region
        The region to start from: an embedded id or a region directory.
    out
        The user region directory to write (default ``user_regions_dir() / <region id>``).
        It may be the same directory as ``region`` (a later fetch updates it); it may not be
        inside the installed package.
    population, projection, indicators
        What to fetch: 11re population by age and sex (``year`` or the latest), the latest
        official projection, and Sotkanet indicator ids (``()`` for none).
    projection_table
        The PxWeb table of the projection (default the latest official one, Väestöennuste
        2024; e.g. ``"vaenn/statfin_vaenn_pxt_128v.px"`` for the 2019 projection).
    osm, osm_url, osm_buffer_km, osm_cache
        Also bring the OpenStreetMap road network: Geofabrik's extract at ``osm_url``
        (Finland), downloaded into ``osm_cache`` (default :func:`osm_cache_dir`; resumed
        and MD5-verified, see :func:`download_extract`) and clipped to the region's box
        widened by ``osm_buffer_km`` into ``openstreetmap.osm.pbf``; ``region.yaml`` names
        it (``osm.file``) and it becomes the region's default road network.
    download_progress
        ``progress(bytes, total)`` of the extract's download.
    transport
        How to reach the APIs; default :class:`~soteplan.fetch.HttpTransport`.
    today
        The fetch date recorded in the provenance (default today, UTC).

    Raises
    ------
    ConnectionNeededError
        No connection (or a service error): nothing was changed.
    DataError, NotFoundError, ParameterError
        An answer that cannot be used, or a request that cannot be made; nothing changed.
    """
    if not (population or projection or indicators or osm):
        raise ParameterError(
            "nothing to fetch: ask for population, projection, indicators or the OSM extract"
        )
    src = region_dir(region).resolve()
    r = region_load._load(src)
    dest = Path(out) if out is not None else user_regions_dir() / r.id
    dest = dest.expanduser().resolve()
    package = Path(str(resources.files("soteplan"))).resolve()
    if dest == package or package in dest.parents:
        raise ParameterError(f"{dest} is inside the installed package; choose another --out")
    transport = transport or HttpTransport()
    date = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    codes = r.municipality_codes()
    steps = int(population) + int(projection) + len(indicators) + 2 * int(osm) + 1
    bbox = region_bbox(r, osm_buffer_km) if osm else None
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, steps)

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".{dest.name}.fetching"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp)
    raw_dir = tmp / "fetched"
    items: list[dict[str, Any]] = []
    try:
        prov_path = tmp / "provenance.yaml"
        prov: dict[str, Any] = {}
        if prov_path.is_file():
            prov = yaml.safe_load(prov_path.read_text(encoding="utf-8")) or {}
        if population:
            frame, m = fetch_population(transport, codes, raw_dir, year=year)
            age_path = tmp / "population_age_sex.csv"
            frame = frame[["municipality", "year", "sex", "age", "population"]]
            merged = _merge(
                age_path, frame, ["municipality", "year", "sex", "age"],
                ["municipality", "year", "sex", "age"],
            )  # fmt: skip
            merged.to_csv(age_path, index=False)
            totals = frame.groupby(["municipality", "year"], as_index=False)["population"].sum()
            tot_path = tmp / "population_totals.csv"
            _merge(tot_path, totals, ["municipality", "year"], ["municipality", "year"]).to_csv(
                tot_path, index=False
            )
            fetched = {"date": date, "url": m["url"], "title": m["title"], "years": [m["year"]]}
            fetched["raw"] = f"fetched/{m['file']}"
            _provenance_entry(prov, age_path.name, m["title"], _STATFIN, fetched)
            _provenance_entry(prov, tot_path.name, m["title"], _STATFIN, fetched)
            items.append(
                {"what": "population", "file": age_path.name, "years": str(m["year"]),
                 "rows": len(frame), "persons": int(frame["population"].sum()),
                 "source": m["url"]}
            )  # fmt: skip
            tick()
        if projection:
            frame, m = fetch_projection(transport, codes, raw_dir, table=projection_table)
            name = f"population_projection_{m['made']}.csv"
            frame.sort_values(["municipality", "year", "age"]).to_csv(tmp / name, index=False)
            fetched = {"date": date, "url": m["url"], "title": m["title"], "years": m["years"]}
            fetched["raw"] = f"fetched/{m['file']}"
            _provenance_entry(prov, name, m["title"], _STATFIN, fetched)
            items.append(
                {"what": f"projection {m['name']}", "file": name,
                 "years": f"{m['years'][0]}-{m['years'][1]}", "rows": len(frame),
                 "persons": int(frame.loc[frame["year"] == m["years"][0], "population"].sum()),
                 "source": m["url"]}
            )  # fmt: skip
            tick()
        if indicators:
            frame, metas = fetch_indicators(transport, list(indicators), codes, raw_dir)
            ind_path = tmp / "published_indicators.csv"
            _merge(
                ind_path, frame, ["municipality", "year", "indicator"],
                ["municipality", "indicator", "year"],
            ).to_csv(ind_path, index=False)  # fmt: skip
            for m in metas:
                fetched = {"date": date, "url": m["url"], "title": m["title"], "years": m["years"]}
                _provenance_entry(prov, ind_path.name, "Published indicators", _THL, fetched)
                n = int((frame["source"] == f"thl-sotkanet-{m['indicator']}").sum())
                items.append(
                    {"what": f"Sotkanet {m['indicator']}: {m['title']}",
                     "file": ind_path.name, "years": ",".join(map(str, m["years"])),
                     "rows": n, "persons": None, "source": m["url"]}
                )  # fmt: skip
                tick()
        osm_meta: dict[str, Any] | None = None
        if bbox is not None:
            extract, md5 = download_extract(
                transport, osm_url, cache=osm_cache, progress=download_progress
            )
            tick()
            counts = clip_extract(extract, tmp / OSM_FILE, bbox)
            tick()
            osm_meta = {
                "file": OSM_FILE, "bbox": list(bbox), "buffer_km": osm_buffer_km,
                "source": osm_url, "md5": md5, "fetched": date,
                "attribution": OSM_ATTRIBUTION, "licence": _OSM["licence"],
            }  # fmt: skip
            title = "OpenStreetMap road network (highway ways, their nodes, turn restrictions)"
            entry = {"date": date, "url": osm_url, "title": title, "md5": md5}
            _provenance_entry(prov, OSM_FILE, title, _OSM, entry)
            prov["files"][OSM_FILE]["notes"] = (
                f"Clipped by soteplan to the box {list(bbox)} (west, south, east, north, "
                f"WGS 84): the region's boundaries widened by {osm_buffer_km:g} km; ways "
                "tagged highway=* with a node in the box, kept whole."
            )
            items.append(
                {"what": "OpenStreetMap roads", "file": OSM_FILE, "years": date[:4],
                 "rows": counts["ways"], "persons": None, "source": osm_url}
            )  # fmt: skip
        prov_path.write_text(
            "# Provenance of every file in this directory (machine-readable).\n"
            + yaml.safe_dump(prov, sort_keys=False, allow_unicode=True, width=100),
            encoding="utf-8",
        )
        meta_path = tmp / "region.yaml"
        rmeta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
        years = _read(tmp / "population_totals.csv")["year"].astype(int)
        rmeta["population_years"] = [int(years.min()), int(years.max())]
        rmeta["fetched"] = date
        if osm_meta is not None:
            rmeta["osm"] = osm_meta
            attribution = list(rmeta.get("attribution") or [])
            if OSM_ATTRIBUTION not in attribution:
                rmeta["attribution"] = [*attribution, OSM_ATTRIBUTION]
        meta_path.write_text(
            "# Region identity; tables updated by soteplan data fetch.\n"
            + yaml.safe_dump(rmeta, sort_keys=False, allow_unicode=True, width=100),
            encoding="utf-8",
        )
        try:
            region_load._load(tmp)  # the ordinary validation, before anything is replaced
        except DataError as exc:
            if not exc.problems:
                raise
            raise DataError(
                [DataProblem(p.source, p.row, p.field, f"fetched data: {p.message}")
                 for p in exc.problems]
            ) from None  # fmt: skip
        tick()
    except ConnectionNeededError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ConnectionNeededError(f"{exc}; nothing was changed") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    backup = dest.parent / f".{dest.name}.previous"
    shutil.rmtree(backup, ignore_errors=True)
    if dest.exists():
        dest.rename(backup)
    tmp.rename(dest)
    shutil.rmtree(backup, ignore_errors=True)
    region_load._load_cached.cache_clear()
    return FetchResult(
        directory=dest,
        items=tuple(items),
        meta={
            "region": r.id,
            "fetched": date,
            "from": str(src),
            "directory": str(dest),
            "source": "; ".join(
                s
                for s, asked in (
                    ("Statistics Finland PxWeb API (CC BY 4.0)", population or projection),
                    ("THL Sotkanet REST API (CC BY 4.0)", bool(indicators)),
                    (f"OpenStreetMap via Geofabrik ({OSM_ATTRIBUTION}, ODbL 1.0)", osm),
                )
                if asked
            ),
            "note": f"load it with load_region({str(dest)!r}) or --region {dest}",
        },
    )
