"""Load a newer service-point list into a region directory and make it the region's default."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import yaml

from soteplan.errors import DataError, DataProblem, ParameterError
from soteplan.region._load import load_region, region_dir

__all__ = ["update_service_network"]

_BASE_COLUMNS = [
    "id",
    "type",
    "name",
    "provider_kind",
    "municipality",
    "x",
    "y",
    "valid_from",
    "valid_to",
    "capacity",
    "capacity_unit",
]


def _year_or_na(v: object) -> object:
    n = pd.to_numeric(pd.Series([v]), errors="coerce").iloc[0]
    return pd.NA if pd.isna(n) else int(n)


def update_service_network(
    region: str | Path,
    points: gpd.GeoDataFrame,
    year: int,
    out: str | Path,
    *,
    source: str = "",
) -> Path:
    """Write a copy of a region whose service list of ``points``' types describes ``year``.

    ``points`` is the frame of :func:`soteplan.region.read_service_points`
    (one CSV row per point open in ``year``).  For every service type it holds:

    - a point whose ``id`` is already in the region keeps its ``valid_from``
      (unless the CSV gives one) and takes the CSV's name, location and
      ``valid_to`` (empty: still open);
    - a region point of that type missing from the CSV and open at the end of
      the old data gets ``valid_to`` = the old data's last year (it is known
      then, not in ``year``);
    - a new ``id`` gets ``valid_from`` = the CSV's, else ``year``;
    - ``region.yaml`` ``service_network.last_year`` of the type becomes ``year``.

    Types not in the CSV are kept unchanged.  The new directory loads with
    ``load_region(out)`` / ``--region out`` and is then the region's default.

    Raises
    ------
    ParameterError
        When ``out`` is the source directory or an existing non-empty directory,
        or ``year`` is before the region's last data year of a type.
    DataError
        When a point lies in a municipality outside the region (row and field named).
    """
    src = region_dir(region)
    dst = Path(out)
    if dst.resolve() == src.resolve():
        raise ParameterError("--out must be a new directory, not the region's own directory")
    if dst.exists() and any(dst.iterdir()):
        raise ParameterError(f"{dst} exists and is not empty; give a new directory")
    reg = load_region(src)
    codes = set(reg.municipalities.index.astype(str))
    new = points.to_crs("EPSG:3067") if points.crs and points.crs.to_epsg() != 3067 else points
    name = str(new.attrs.get("meta", {}).get("source", source or "service-point CSV"))
    problems = [
        DataProblem(name, i + 2, "municipality", f"{m!r} is not a municipality of {reg.id}")
        for i, m in enumerate(new["municipality"].astype(str))
        if m not in codes
    ]
    if problems:
        raise DataError(problems)
    types = sorted(set(new["type"].astype(str)))
    for ty in types:
        last = reg.network_last_years.get(ty)
        if last is not None and year < last:
            raise ParameterError(
                f"year {year} is before the region's {ty} data ({last}); give the list's year"
            )
    old = pd.read_csv(src / "service_points.csv", dtype=str, keep_default_na=False)
    cols = list(old.columns) if len(old.columns) else list(_BASE_COLUMNS)
    for c in _BASE_COLUMNS:
        if c not in cols:
            cols.append(c)
    rows: list[dict[str, object]] = []
    new_ids = set(new.index.astype(str))
    n_closed = 0
    for r in old.to_dict("records"):
        if r["type"] in types and str(r["id"]) not in new_ids:
            last = reg.network_last_years.get(str(r["type"]))
            if r.get("valid_to", "") in ("", None) and last is not None:
                r["valid_to"] = str(last)
                n_closed += 1
        rows.append(r)
    index_of = {str(r["id"]): i for i, r in enumerate(rows)}
    for pid, r in new.iterrows():
        pid = str(pid)
        rec: dict[str, object] = dict.fromkeys(cols, "")
        if pid in index_of:
            rec.update(rows[index_of[pid]])
        for c in new.columns:
            if c in ("geometry", "lat", "lon"):
                continue
            v = r[c]
            rec[c] = "" if v is None or (not isinstance(v, str) and pd.isna(v)) else v
        rec["id"] = pid
        rec["x"], rec["y"] = round(r.geometry.x), round(r.geometry.y)
        vf = _year_or_na(r.get("valid_from"))
        if vf is pd.NA:  # keep the earlier start of a known point, else the list's year
            prev = rows[index_of[pid]].get("valid_from", "") if pid in index_of else ""
            rec["valid_from"] = prev if prev not in ("", None) else year
        vt = _year_or_na(r.get("valid_to"))
        rec["valid_to"] = "" if vt is pd.NA else vt
        if pid in index_of:
            rows[index_of[pid]] = rec
        else:
            rows.append(rec)
    for c in new.columns:
        if c not in cols and c not in ("geometry", "lat", "lon"):
            cols.append(c)
    table = pd.DataFrame(rows).reindex(columns=cols).fillna("")
    dst.mkdir(parents=True, exist_ok=True)
    for f in sorted(src.iterdir()):
        if f.is_file():
            shutil.copyfile(f, dst / f.name)
    table.to_csv(dst / "service_points.csv", index=False, lineterminator="\n")
    meta = yaml.safe_load((src / "region.yaml").read_text(encoding="utf-8")) or {}
    net = dict(meta.get("service_network") or {})
    lasts = dict(net.get("last_year") or {})
    lasts.update({ty: int(year) for ty in types})
    net["last_year"] = lasts
    net["updated"] = [
        *list(net.get("updated") or []),
        f"{', '.join(types)}: list of {year} from {name} ({len(new)} points; "
        f"{n_closed} earlier points not in it end at the old data's last year)",
    ]
    meta["service_network"] = net
    (dst / "region.yaml").write_text(
        yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8"
    )
    prov_path = dst / "provenance.yaml"
    if prov_path.is_file():
        prov = yaml.safe_load(prov_path.read_text(encoding="utf-8")) or {}
        entry = dict((prov.get("files") or {}).get("service_points.csv") or {})
        entry["transformation"] = (
            f"{entry.get('transformation', '')} UPDATED by soteplan region network: "
            f"{', '.join(types)} from {name} as the list of {year}"
        ).strip()
        prov.setdefault("files", {})["service_points.csv"] = entry
        prov_path.write_text(
            yaml.safe_dump(prov, sort_keys=False, allow_unicode=True, width=100),
            encoding="utf-8",
        )
    load_region(dst)  # validate the result before handing it back
    return dst
