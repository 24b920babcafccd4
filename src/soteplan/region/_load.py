"""Load a :class:`~soteplan.region.Region` from a region directory.

A region directory holds compact derived files (the embedded Keski-Suomi
region lives in ``soteplan/data/keski-suomi``; a user may point at a directory
of their own with the same layout):

=============================  =========  =================================================
file                           required   content
=============================  =========  =================================================
``region.yaml``                yes        ids, names, CRS, central hospital, attribution
``municipalities.csv``         yes        code, name_fi, name_sv, subregion_*, areas, membership
``municipalities.geojson``     no         boundary polygons (property ``code``), EPSG:3067
``population_totals.csv``      yes        municipality, year, population
``population_age_sex.csv``     no         municipality, year, sex, age (0..100), population
``population_projection_*.csv`` no        municipality, year, age, population (official)
``service_points.csv``         no         id, type, name, provider_kind, municipality, x, y, …
``organisation_models.yaml``   no         named groupings of municipalities
``provenance.yaml``            no         provenance of every file
other ``*.csv`` / ``*.geojson``  no       further tables (``Region.table(name)``)
=============================  =========  =================================================

Every file is validated on load; problems raise :class:`~soteplan.errors.DataError`
naming the file, row and field.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import yaml
from shapely.geometry import Point

from soteplan.errors import DataError, DataProblem, MissingColumnError, NotFoundError
from soteplan.region._model import MAX_AGE, SEXES, Area, Grouping, Provenance, Region
from soteplan.region._validate import (
    check_codes,
    check_columns,
    check_crs,
    check_geometry,
    check_integer,
    check_nonnegative,
    check_unique,
    raise_if,
)

__all__ = ["available_regions", "load_region", "region_dir"]

PROVIDER_KINDS = ("public", "private", "third_sector")
#: Generous bounding box of Finland in EPSG:3067 (metres).
FINLAND_BBOX_3067 = (40_000.0, 6_580_000.0, 780_000.0, 7_800_000.0)
_CODE_DTYPES = {"code": "string", "municipality": "string", "id": "string", "postcode": "string"}


def available_regions() -> list[str]:
    """Ids of the regions embedded in the package."""
    root = resources.files("soteplan") / "data"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "region.yaml").is_file())


def region_dir(name_or_path: str | Path) -> Path:
    """Resolve an embedded region id or a directory path to a directory."""
    p = Path(name_or_path)
    if p.is_dir():
        return p
    root = resources.files("soteplan") / "data" / str(name_or_path)
    if root.is_dir() and (root / "region.yaml").is_file():
        return Path(str(root))
    from soteplan.region.build import cached_region_dir, find_county

    try:
        county = find_county(str(name_or_path))
    except NotFoundError:
        county = None
    if county is not None:  # a wellbeing services county, Helsinki or "finland"
        return cached_region_dir(county)
    raise NotFoundError(
        f"no region {str(name_or_path)!r}: give an embedded region id "
        f"({', '.join(available_regions()) or 'none installed'}) or a region directory"
    )


def load_region(name_or_path: str | Path = "keski-suomi") -> Region:
    """Load and validate a region (cached per directory; treat frames as read-only).

    Parameters
    ----------
    name_or_path
        Embedded region id (``"keski-suomi"``) or a region directory.

    Raises
    ------
    NotFoundError
        If the region does not exist.
    DataError
        If any file is invalid; the message names the file, row and field.
    """
    return _load_cached(str(region_dir(name_or_path).resolve()))


@functools.lru_cache(maxsize=8)
def _load_cached(path: str) -> Region:
    return _load(Path(path))


# --------------------------------------------------------------------------- readers
def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=_CODE_DTYPES, keep_default_na=True, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            [DataProblem(path.name, None, None, f"not UTF-8 text ({exc.reason})")]
        ) from exc
    except pd.errors.ParserError as exc:
        raise DataError(
            [DataProblem(path.name, None, None, f"not a valid CSV file: {exc}")]
        ) from exc


def _read_geo(path: Path) -> gpd.GeoDataFrame:
    try:
        return gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise DataError(
            [DataProblem(path.name, None, None, f"cannot read as GeoJSON: {exc}")]
        ) from exc


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataError([DataProblem(path.name, None, None, f"invalid YAML: {exc}")]) from exc


# --------------------------------------------------------------------------- tables
def _municipalities(d: Path) -> gpd.GeoDataFrame:
    src = "municipalities.csv"
    df = _read_csv(d / src)
    check_columns(df, ["code", "name_fi"], src)
    problems: list[DataProblem] = []
    bad = ~df["code"].astype("string").str.fullmatch(r"\d{3}").fillna(False)
    for pos in np.flatnonzero(bad.to_numpy()):
        problems.append(
            DataProblem(
                src, int(pos) + 1, "code", f"{df['code'].iloc[pos]!r} is not a 3-digit code"
            )
        )
    check_unique(df, ["code"], src, problems)
    for col, default in {
        "name_sv": pd.NA,
        "subregion_code": pd.NA,
        "subregion_name": pd.NA,
        "hospital_district": pd.NA,
        "erva": pd.NA,
        "land_area_km2": np.nan,
        "total_area_km2": np.nan,
        "member_from": pd.NA,
        "member_to": pd.NA,
        "centre_x": np.nan,
        "centre_y": np.nan,
    }.items():
        if col not in df.columns:
            df[col] = default
    for col in ("member_from", "member_to"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
    raise_if(problems)
    df = df.set_index("code")
    geo_path = d / "municipalities.geojson"
    if geo_path.is_file():
        gsrc = geo_path.name
        g = _read_geo(geo_path)
        gp: list[DataProblem] = []
        if "code" not in g.columns:
            raise MissingColumnError(f"{gsrc}: missing property 'code'")
        g["code"] = g["code"].astype("string")
        check_crs(g, gsrc, gp)
        check_geometry(g, gsrc, gp, geom_types=("Polygon", "MultiPolygon"))
        check_codes(g, "code", df.index, gsrc, gp)
        raise_if(gp)
        geom = g.set_index("code").geometry.reindex(df.index)
        return gpd.GeoDataFrame(df, geometry=geom.values, crs="EPSG:3067")
    return gpd.GeoDataFrame(df, geometry=[None] * len(df), crs="EPSG:3067")


def _population_table(
    path: Path, codes: pd.Index, *, key: list[str], with_sex: bool
) -> pd.DataFrame:
    src = path.name
    df = _read_csv(path)
    check_columns(df, [*key, "population"], src)
    problems: list[DataProblem] = []
    check_codes(df, "municipality", codes, src, problems)
    check_integer(df, "year", src, problems, lo=1800, hi=2200)
    if "age" in key:
        check_integer(df, "age", src, problems, lo=0, hi=MAX_AGE)
    if with_sex:
        bad = ~df["sex"].isin(SEXES)
        for pos in np.flatnonzero(bad.to_numpy())[:50]:
            problems.append(
                DataProblem(
                    src, int(pos) + 1, "sex", f"{df['sex'].iloc[pos]!r}; expected male or female"
                )
            )
    check_nonnegative(df, ["population"], src, problems)
    if not problems:
        check_unique(df, key, src, problems)
    raise_if(problems)
    out = df[[*key, "population"]].copy()
    out["year"] = out["year"].astype("int64")
    if "age" in key:
        out["age"] = out["age"].astype("int64")
    out["population"] = pd.to_numeric(out["population"]).astype("int64")
    out["municipality"] = out["municipality"].astype(str)
    return out.reset_index(drop=True)


def _service_points(d: Path, codes: pd.Index) -> gpd.GeoDataFrame:
    path = d / "service_points.csv"
    cols = [
        "id",
        "type",
        "name",
        "provider_kind",
        "municipality",
        "x",
        "y",
        "valid_from",
        "valid_to",
    ]
    if not path.is_file():
        empty = pd.DataFrame({c: pd.Series(dtype="object") for c in cols if c not in ("x", "y")})
        return gpd.GeoDataFrame(empty.set_index("id"), geometry=[], crs="EPSG:3067")
    src = path.name
    df = _read_csv(path)
    check_columns(df, ["id", "type", "name", "provider_kind", "municipality", "x", "y"], src)
    problems: list[DataProblem] = []
    check_unique(df, ["id"], src, problems)
    check_codes(df, "municipality", codes, src, problems)
    bad_kind = ~df["provider_kind"].isin(PROVIDER_KINDS)
    for pos in np.flatnonzero(bad_kind.to_numpy())[:50]:
        problems.append(
            DataProblem(
                src,
                int(pos) + 1,
                "provider_kind",
                f"{df['provider_kind'].iloc[pos]!r}; expected one of {', '.join(PROVIDER_KINDS)}",
            )
        )
    x = pd.to_numeric(df["x"], errors="coerce")
    y = pd.to_numeric(df["y"], errors="coerce")
    xmin, ymin, xmax, ymax = FINLAND_BBOX_3067
    for col, v, lo, hi in (("x", x, xmin, xmax), ("y", y, ymin, ymax)):
        bad = v.isna() | (v < lo) | (v > hi)
        for pos in np.flatnonzero(bad.to_numpy())[:50]:
            problems.append(
                DataProblem(
                    src,
                    int(pos) + 1,
                    col,
                    f"{df[col].iloc[pos]!r} is not an EPSG:3067 coordinate inside Finland "
                    f"({lo:.0f}..{hi:.0f})",
                )
            )
    for col in ("valid_from", "valid_to", "capacity"):
        if col not in df.columns:
            df[col] = pd.NA
    vf = pd.to_numeric(df["valid_from"], errors="coerce").astype("Int64")
    vt = pd.to_numeric(df["valid_to"], errors="coerce").astype("Int64")
    order = (vf.notna() & vt.notna() & (vt < vf)).fillna(False)
    for pos in np.flatnonzero(order.to_numpy()):
        problems.append(
            DataProblem(
                src,
                int(pos) + 1,
                "valid_to",
                f"valid_to {vt.iloc[pos]} is before valid_from {vf.iloc[pos]}",
            )
        )
    cap = pd.to_numeric(df["capacity"], errors="coerce")
    check_nonnegative(df.assign(capacity=cap), ["capacity"], src, problems)
    raise_if(problems)
    df["valid_from"], df["valid_to"], df["capacity"] = vf, vt, cap
    if "outsourced" in df.columns:
        df["outsourced"] = df["outsourced"].map(
            lambda v: str(v).strip().lower() in ("true", "1", "yes")
        )
    geom = gpd.points_from_xy(x, y)
    return gpd.GeoDataFrame(df.drop(columns=["x", "y"]), geometry=geom, crs="EPSG:3067").set_index(
        "id"
    )


def _groupings(d: Path, codes: pd.Index) -> dict[str, Grouping]:
    path = d / "organisation_models.yaml"
    if not path.is_file():
        return {}
    src = path.name
    raw = _read_yaml(path) or {}
    models = raw.get("models", raw) if isinstance(raw, dict) else None
    if not isinstance(models, dict):
        raise DataError(
            [DataProblem(src, None, "models", "expected a mapping of model id → model")]
        )
    out: dict[str, Grouping] = {}
    problems: list[DataProblem] = []
    for mid, spec in models.items():
        where = f"{src}: model {mid}"
        areas_raw = spec.get("areas") if isinstance(spec, dict) else None
        if not isinstance(areas_raw, list) or not areas_raw:
            problems.append(DataProblem(where, None, "areas", "expected a non-empty list of areas"))
            continue
        seen: dict[str, str] = {}
        areas: list[Area] = []
        for i, a in enumerate(areas_raw, start=1):
            aid = str(a.get("id", f"area{i}"))
            members = tuple(str(m).zfill(3) for m in a.get("members", []))
            for m in members:
                if m not in codes:
                    problems.append(
                        DataProblem(where, i, "members", f"unknown municipality code {m!r}")
                    )
                if m in seen:
                    problems.append(
                        DataProblem(
                            where,
                            i,
                            "members",
                            f"municipality {m} is in both {seen[m]!r} and {aid!r}",
                        )
                    )
                seen[m] = aid
            hub = a.get("hub")
            hub = str(hub).zfill(3) if hub is not None else None
            if hub is not None and hub not in members:
                problems.append(
                    DataProblem(where, i, "hub", f"hub {hub} is not a member of area {aid!r}")
                )
            areas.append(Area(id=aid, name=str(a.get("name", aid)), members=members, hub=hub))
        year = spec.get("year")
        out[str(mid)] = Grouping(
            id=str(mid),
            name_fi=str(spec.get("name_fi", mid)),
            name_en=str(spec.get("name_en", spec.get("name_fi", mid))),
            year=int(year) if year is not None else None,
            areas=tuple(areas),
            source=str(spec.get("source", "")),
            status=str(spec.get("status", "confirmed")),
            notes=str(spec.get("notes", "")),
        )
    raise_if(problems)
    return out


def _provenance(d: Path) -> dict[str, Provenance]:
    path = d / "provenance.yaml"
    if not path.is_file():
        return {}
    raw = _read_yaml(path) or {}
    entries = raw.get("files", raw) if isinstance(raw, dict) else {}
    out: dict[str, Provenance] = {}
    if isinstance(entries, list):
        entries = {str(e.get("file", e.get("table", i))): e for i, e in enumerate(entries)}
    for fname, e in entries.items():
        if not isinstance(e, dict):
            continue
        table = str(fname)
        known = {"title", "publisher", "licence", "license", "source", "intermediary", "notes"}
        out[table] = Provenance(
            table=table,
            title=str(e.get("title", table)),
            publisher=str(e.get("publisher", "")),
            licence=str(e.get("licence", e.get("license", ""))),
            source=str(e.get("source", "")),
            intermediary=str(e.get("intermediary", "")),
            notes=str(e.get("notes", e.get("transformation", ""))),
            extra={k: v for k, v in e.items() if k not in known},
        )
    return out


_CORE_FILES = {
    "region.yaml",
    "municipalities.csv",
    "municipalities.geojson",
    "population_totals.csv",
    "population_age_sex.csv",
    "service_points.csv",
    "organisation_models.yaml",
    "provenance.yaml",
}


def _further_tables(d: Path, codes: pd.Index) -> dict[str, pd.DataFrame]:
    tables: dict[str, pd.DataFrame] = {}
    for path in sorted(d.iterdir()):
        if path.name in _CORE_FILES or path.name.startswith("population_projection_"):
            continue
        if path.suffix == ".csv":
            df = _read_csv(path)
            if "municipality" in df.columns:
                problems: list[DataProblem] = []
                sub = df[df["municipality"].astype("string") != "KS"]  # region-level rows allowed
                check_codes(sub.reset_index(drop=True), "municipality", codes, path.name, problems)
                raise_if(problems)
            tables[path.stem] = df
        elif path.suffix == ".geojson":
            g = _read_geo(path)
            gp: list[DataProblem] = []
            check_crs(g, path.name, gp)
            check_geometry(g, path.name, gp)
            raise_if(gp)
            # polygons beside a CSV of the same name (postal_areas.csv + .geojson)
            # become "<name>_polygons"; the CSV keeps the plain name.
            name = path.stem
            if (d / f"{path.stem}.csv").is_file():
                name = f"{path.stem.removesuffix('s')}_polygons"
            tables[name] = g
    # postal areas as points (centroids) with polygons joined when available
    if "postal_areas" in tables and {"x", "y"} <= set(tables["postal_areas"].columns):
        pa = tables["postal_areas"]
        tables["postal_areas"] = gpd.GeoDataFrame(
            pa.drop(columns=["x", "y"]),
            geometry=gpd.points_from_xy(pa["x"], pa["y"]),
            crs="EPSG:3067",
        )
    return tables


def _load(d: Path) -> Region:
    meta_path = d / "region.yaml"
    if not meta_path.is_file():
        raise NotFoundError(f"{d}: not a region directory (no region.yaml)")
    meta = _read_yaml(meta_path) or {}
    municipalities = _municipalities(d)
    codes = municipalities.index
    totals = _population_table(
        d / "population_totals.csv", codes, key=["municipality", "year"], with_sex=False
    )
    age_path = d / "population_age_sex.csv"
    if age_path.is_file():
        age_sex = _population_table(
            age_path, codes, key=["municipality", "year", "sex", "age"], with_sex=True
        )
    else:
        age_sex = pd.DataFrame(columns=["municipality", "year", "sex", "age", "population"])
    projections = {}
    for p in sorted(d.glob("population_projection_*.csv")):
        name = "statfin-" + p.stem.removeprefix("population_projection_")
        projections[name] = _population_table(
            p, codes, key=["municipality", "year", "age"], with_sex=False
        )
    central = None
    ch = meta.get("central_hospital")
    if isinstance(ch, dict) and "x" in ch and "y" in ch:
        central = (str(ch.get("name", "central hospital")), Point(float(ch["x"]), float(ch["y"])))
    return Region(
        id=str(meta.get("id", d.name)),
        name_fi=str(meta.get("name_fi", d.name)),
        name_sv=str(meta.get("name_sv", meta.get("name_fi", d.name))),
        name_en=str(meta.get("name_en", meta.get("name_fi", d.name))),
        municipalities=municipalities,
        population_totals=totals,
        population_age_sex=age_sex,
        projections=projections,
        service_points=_service_points(d, codes),
        groupings=_groupings(d, codes),
        provenance=_provenance(d),
        tables=_further_tables(d, codes),
        central_hospital=central,
        attribution=tuple(str(a) for a in meta.get("attribution", []) or []),
        crs=str(meta.get("crs", "EPSG:3067")),
        network_last_years=_network_last_years(meta),
        osm_pbf=_osm_pbf(d, meta),
    )


def _osm_pbf(d: Path, meta: dict[str, Any]) -> Path | None:
    """``osm.file`` of region.yaml: the region's OpenStreetMap extract (must exist)."""
    block = meta.get("osm")
    if block is None:
        return None
    name = block.get("file") if isinstance(block, dict) else None
    if not isinstance(name, str) or not name or Path(name).name != name:
        raise DataError(
            [DataProblem("region.yaml", None, "osm.file", "expected the name of a file here")]
        )
    path = d / name
    if not path.is_file():
        raise DataError(
            [DataProblem("region.yaml", None, "osm.file", f"{name} is not in the directory")]
        )
    return path


def _network_last_years(meta: dict[str, Any]) -> dict[str, int]:
    """``service_network.last_year`` of region.yaml: service type → year (validated)."""
    block = meta.get("service_network")
    if block is None:
        return {}
    raw = block.get("last_year") if isinstance(block, dict) else None
    if not isinstance(raw, dict):
        raise DataError(
            [
                DataProblem(
                    "region.yaml",
                    None,
                    "service_network.last_year",
                    "expected a mapping of service type → year",
                )
            ]
        )
    out: dict[str, int] = {}
    problems = []
    for k, v in raw.items():
        if isinstance(v, bool) or not isinstance(v, int) or not 1900 <= v <= 2100:
            problems.append(
                DataProblem(
                    "region.yaml", None, f"service_network.last_year.{k}", f"{v!r} is not a year"
                )
            )
        else:
            out[str(k)] = v
    raise_if(problems)
    return out
