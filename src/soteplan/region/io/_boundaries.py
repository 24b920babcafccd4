"""Municipality boundaries from GeoJSON, GeoPackage, shapefile or TopoJSON."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from soteplan.errors import DataError, DataProblem

from ._common import FINLAND_BBOX_3067, Problems, safe_message, source_name
from ._municipalities import known_codes, municipality_names
from ._topojson import topojson_to_geojson

__all__ = ["read_boundaries"]

_CODE_FIELDS = ("natcode", "kunta", "kuntakoodi", "kuntanro", "code", "municipality", "kunta_code",
                "id")  # fmt: skip
_NAME_FI = ("namefin", "nimi", "name_fi", "kunta_ni1", "nimi_fi", "name")
_NAME_SV = ("nameswe", "namn", "name_sv", "kunta_ni2", "nimi_sv")


def _pick(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    low = {c.casefold(): c for c in columns}
    for c in candidates:
        if c in low:
            return low[c]
    return None


def _norm_code(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    s = str(v).strip()
    if s.endswith(".0"):
        s = s[:-2]
    if s.upper().startswith("KU"):
        s = s[2:]
    if s.isdigit() and len(s) <= 3:
        return f"{int(s):03d}"
    return s


def _read_frame(p: Path, source: str, layer: str | None) -> tuple[gpd.GeoDataFrame, str, bool]:
    """Read the file; return (frame, format, crs_was_declared)."""
    head = p.read_bytes()[:4096].lstrip()
    implicit_wgs84 = False
    if head.startswith(b"{"):
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataError([DataProblem(source, None, None, f"not valid JSON: {exc}")]) from None
        if isinstance(doc, dict) and doc.get("type") == "Topology":
            fc = topojson_to_geojson(doc, layer, source=source)
            feats = fc["features"]
            frame = gpd.GeoDataFrame.from_features(feats) if feats else gpd.GeoDataFrame()
            ids = [f.get("id") for f in feats]
            if any(i is not None for i in ids):
                frame["id"] = (
                    ids if "id" not in frame.columns else frame["id"].fillna(pd.Series(ids))
                )
            if "geometry" not in frame.columns:
                frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(frame)))
            return frame, "TopoJSON", False
        # RFC 7946 GeoJSON has no "crs" member: WGS84 is implied, not declared
        implicit_wgs84 = isinstance(doc, dict) and "crs" not in doc
    try:
        info = pyogrio.read_info(p, layer=layer)
        frame = gpd.read_file(p, layer=layer)
    except Exception as exc:  # pyogrio raises DataSourceError/DataLayerError and others
        layers = ""
        with contextlib.suppress(Exception):
            layers = ", ".join(str(x[0]) for x in pyogrio.list_layers(p))
        msg = f"cannot read as a vector file: {safe_message(exc, p)}"
        if layers:
            msg += f" (layers: {layers})"
        raise DataError([DataProblem(source, None, "layer" if layer else None, msg)]) from None
    fmt = str(info.get("driver", p.suffix))
    return frame, fmt, frame.crs is not None and not implicit_wgs84


def read_boundaries(
    path: str | Path,
    *,
    code_field: str | None = None,
    layer: str | None = None,
    crs: str | int | None = None,
    repair: bool = False,
) -> gpd.GeoDataFrame:
    """Read municipality boundaries into EPSG:3067, indexed by 3-digit code.

    Parameters
    ----------
    path
        GeoJSON, TopoJSON, GeoPackage or shapefile (anything GDAL reads).
    code_field
        Property holding the municipality code; detected when ``None``
        (``NATCODE``, ``kunta``, ``code``, ``id``, … or the TopoJSON feature id).
    layer
        GeoPackage layer / TopoJSON object; needed when the file has several.
    crs
        CRS of the coordinates when the file does not declare one (TopoJSON
        never does; it is taken as WGS84, EPSG:4326, unless ``crs`` says otherwise).
        A file that declares a CRS different from ``crs`` is an error.
    repair
        Repair invalid polygons with :func:`shapely.make_valid` instead of raising;
        repaired codes are listed in ``attrs["meta"]["repaired"]``.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``code`` (3-digit string); columns ``name_fi``, ``name_sv`` (from
        the file, else from soteplan's municipality table), ``area_km2`` (planar
        area in EPSG:3067, km²), the file's other properties and ``geometry``
        (polygons, EPSG:3067).  ``attrs["meta"]`` records source, format, input
        CRS and code field.

    Raises
    ------
    DataError
        Unreadable file or layer, missing or undeclared CRS, coordinates outside
        Finland (a wrong CRS), unknown or duplicate codes, missing, empty,
        invalid or non-polygon geometry.
    MissingColumnError
        No code field found.
    """
    p = Path(path)
    source = source_name(p)
    problems = Problems(source)
    if not p.exists():
        raise DataError([DataProblem(source, None, None, f"file not found: {p}")])
    frame, fmt, declared = _read_frame(p, source, layer)
    crs_in: CRS | None = frame.crs
    if crs is not None:
        try:
            want = CRS.from_user_input(crs)
        except CRSError as exc:
            raise DataError(
                [DataProblem(source, None, "crs", f"invalid crs={crs!r}: {exc}")]
            ) from None
        if declared and crs_in is not None and not crs_in.equals(want):
            raise DataError(
                [
                    DataProblem(
                        source,
                        None,
                        "crs",
                        f"the file declares {crs_in.to_string()} but crs={crs!r} was given",
                    )
                ]
            )
        crs_in = want
    elif fmt == "TopoJSON":
        crs_in = CRS.from_epsg(4326)
    if crs_in is None:
        raise DataError(
            [
                DataProblem(
                    source,
                    None,
                    "crs",
                    "the file declares no CRS; pass crs=3067 (ETRS-TM35FIN) or crs=4326 "
                    "(WGS84) to say which one its coordinates are in",
                )
            ]
        )
    frame = frame.set_crs(crs_in, allow_override=True)
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    cf = code_field or _pick(columns, _CODE_FIELDS)
    if cf is None or cf not in frame.columns:
        problems.missing_columns(
            columns,
            [code_field or "municipality code (NATCODE / kunta / code / id)"],
            "Pass code_field=... naming the property with the 3-digit municipality code",
        )
    assert cf is not None
    codes = frame[cf].map(_norm_code)
    valid_codes = known_codes()
    geoms = frame.geometry
    missing = (geoms.isna() | geoms.is_empty).to_numpy()
    for i in range(len(frame)):
        pos = i
        row = pos + 1
        c = codes.iloc[pos]
        if c is None:
            problems.add(row, cf, "missing municipality code", kind="code")
        elif c not in valid_codes:
            problems.add(
                row,
                cf,
                f"unknown municipality code {frame[cf].iloc[pos]!r}; expected an official "
                "3-digit code valid in 2013–2026 (e.g. '179' Jyväskylä)",
                kind="code",
            )
        if missing[pos]:
            problems.add(row, "geometry", "missing or empty geometry", kind="geom")
    for pos in np.flatnonzero(
        codes.duplicated(keep="first").to_numpy() & codes.notna().to_numpy()
    ).tolist():
        problems.add(
            int(pos) + 1, cf, f"duplicate municipality code {codes.iloc[pos]!r}", kind="dup"
        )
    present = ~missing
    types = geoms.geom_type
    wrong = present & ~types.isin(["Polygon", "MultiPolygon"]).to_numpy()
    for pos in np.flatnonzero(wrong).tolist():
        problems.add(
            int(pos) + 1, "geometry", f"{types.iloc[pos]} is not a polygon boundary", kind="type"
        )
    # coordinates must be plausible for the declared CRS
    if present.any() and crs_in.is_geographic:
        b = geoms[present].bounds
        out_ll = ((b.minx < -180) | (b.maxx > 180) | (b.miny < -90) | (b.maxy > 90)).to_numpy()
        if out_ll.any():
            raise DataError(
                [
                    DataProblem(
                        source,
                        int(np.flatnonzero(present)[np.argmax(out_ll)]) + 1,
                        "crs",
                        f"coordinates like ({b.minx.iloc[np.argmax(out_ll)]:.0f}, "
                        f"{b.miny.iloc[np.argmax(out_ll)]:.0f}) are not longitude/latitude but "
                        f"the CRS is {crs_in.to_string()}; the file is probably in metres "
                        "(EPSG:3067) — declare its CRS or pass crs=3067",
                    )
                ]
            )
    invalid = present & ~wrong & ~geoms.is_valid.to_numpy()
    repaired: list[str] = []
    if invalid.any():
        if repair:
            fixed = shapely.make_valid(geoms.to_numpy()[invalid])
            new = geoms.copy()
            new.iloc[np.flatnonzero(invalid)] = fixed
            frame = frame.set_geometry(new)
            repaired = [str(codes.iloc[i]) for i in np.flatnonzero(invalid)]
        else:
            for pos in np.flatnonzero(invalid).tolist():
                problems.add(
                    int(pos) + 1,
                    "geometry",
                    f"invalid polygon ({shapely.is_valid_reason(geoms.iloc[pos])}); fix it or "
                    "pass repair=True",
                    kind="invalid",
                )
    problems.raise_if_any()
    out = frame.to_crs(3067)
    xmin, ymin, xmax, ymax = FINLAND_BBOX_3067
    b = out.geometry.bounds
    outside = ((b.minx < xmin) | (b.maxx > xmax) | (b.miny < ymin) | (b.maxy > ymax)).to_numpy()
    for pos in np.flatnonzero(outside).tolist():
        problems.add(
            int(pos) + 1,
            "geometry",
            f"extends outside Finland (bounds {b.minx.iloc[pos]:.0f}, {b.miny.iloc[pos]:.0f}, "
            f"{b.maxx.iloc[pos]:.0f}, {b.maxy.iloc[pos]:.0f} in EPSG:3067) when read as "
            f"{crs_in.to_string()}; the CRS is probably wrong",
            kind="bbox",
        )
    problems.raise_if_any()
    if repair:
        still = ~out.geometry.is_valid
        if still.any():
            out.loc[still, out.geometry.name] = shapely.make_valid(out.geometry[still].to_numpy())
    out.index = pd.Index(codes.to_numpy(), name="code")
    table = municipality_names().drop_duplicates("code", keep="last").set_index("code")
    nf = _pick(columns, _NAME_FI)
    ns = _pick(columns, _NAME_SV)
    out["name_fi"] = out[nf].astype(str) if nf else table["name_fi"].reindex(out.index).to_numpy()
    out["name_sv"] = out[ns].astype(str) if ns else table["name_sv"].reindex(out.index).to_numpy()
    out["area_km2"] = out.geometry.area / 1e6
    first = ["name_fi", "name_sv", "area_km2"]
    rest = [c for c in out.columns if c not in first and c != out.geometry.name]
    out = out[[*first, *rest, out.geometry.name]]
    out.attrs["meta"] = {
        "source": source,
        "path": str(p),
        "format": fmt,
        "layer": layer,
        "crs_in": crs_in.to_string(),
        "crs_assumed": not declared,
        "code_field": cf,
        "crs": "EPSG:3067",
        "n": len(out),
        "repaired": repaired,
        "area_km2": "planar area of the geometry in EPSG:3067 (includes water areas)",
    }
    return out
