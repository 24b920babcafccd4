"""Service-point CSVs: health stations, hospitals, care homes … with their locations."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from ._common import (
    FINLAND_BBOX_3067,
    Problems,
    decode_text,
    read_bytes,
    read_csv_text,
    source_name,
)
from ._municipalities import code_for_name, known_codes

__all__ = ["PROVIDER_KINDS", "read_service_points"]

#: Valid ``provider_kind`` values.
PROVIDER_KINDS = ("public", "private", "third_sector")
_REQUIRED = ("id", "type", "name", "provider_kind", "municipality")
_KIND_ALIASES = {
    "third-sector": "third_sector",
    "third sector": "third_sector",
    "julkinen": "public",
    "yksityinen": "private",
    "järjestö": "third_sector",
}


def read_service_points(path: str | Path, *, encoding: str | None = None) -> gpd.GeoDataFrame:
    """Read a service-point CSV into point geometries in EPSG:3067.

    Parameters
    ----------
    path
        CSV (``,`` or ``;`` separated, UTF-8 or ISO-8859-1) with columns ``id``,
        ``type``, ``name``, ``provider_kind`` (``public`` | ``private`` |
        ``third_sector``), ``municipality`` (3-digit code or name), and either
        ``x``, ``y`` (EPSG:3067, m) or ``lat``, ``lon`` (WGS84, degrees);
        optional ``valid_from``, ``valid_to`` (years, inclusive), ``capacity``
        (≥ 0) and ``capacity_unit``.  Other columns are kept.
    encoding
        Text encoding; detected when ``None``.

    Returns
    -------
    geopandas.GeoDataFrame
        Index ``id`` (string); columns ``type``, ``name``, ``provider_kind``,
        ``municipality`` (3-digit code), ``valid_from``, ``valid_to`` (``Int64``,
        ``<NA>`` = open), ``capacity`` (float), ``capacity_unit``, the other
        columns, and point ``geometry`` in EPSG:3067.  ``attrs["meta"]`` records
        the source and the input coordinate system.

    Raises
    ------
    DataError
        Duplicate ids, empty required fields, unknown provider kinds or
        municipalities, non-numeric or missing coordinates, points outside
        Finland, ``valid_to`` before ``valid_from``, negative capacity — every
        problem with its row and field.
    MissingColumnError
        Required columns, or both coordinate pairs, missing.
    """
    p = Path(path)
    source = source_name(p)
    raw = read_bytes(p, source)
    text, used = decode_text(raw, source, encoding)
    first = text.splitlines()[0] if text.strip() else ""
    sep = ";" if first.count(";") > first.count(",") else ","
    df = read_csv_text(text, source, sep=sep, dtype=str, keep_default_na=False)
    df.columns = [str(c).strip() for c in df.columns]
    problems = Problems(source)
    missing = [c for c in _REQUIRED if c not in df.columns]
    has_xy = {"x", "y"} <= set(df.columns)
    has_ll = {"lat", "lon"} <= set(df.columns)
    if not has_xy and not has_ll:
        missing.append("x,y (EPSG:3067) or lat,lon (WGS84)")
    if missing:
        problems.missing_columns(df.columns, missing)
    n = len(df)
    s = {c: df[c].str.strip() for c in df.columns}
    for c in _REQUIRED:
        for pos in np.flatnonzero((s[c] == "").to_numpy()):
            problems.add(int(pos) + 1, c, "empty value; this field is required", kind="empty")
    ids = s["id"]
    for pos in np.flatnonzero(ids.duplicated(keep="first").to_numpy() & (ids != "").to_numpy()):
        first_pos = int(np.flatnonzero((ids == ids.iloc[pos]).to_numpy())[0])
        problems.add(
            int(pos) + 1,
            "id",
            f"duplicate id {ids.iloc[pos]!r} (first on row {first_pos + 1}); ids must be unique",
            kind="dup",
        )
    kind = s["provider_kind"].str.casefold().map(lambda v: _KIND_ALIASES.get(v, v))
    for pos in np.flatnonzero(~kind.isin(PROVIDER_KINDS).to_numpy() & (kind != "").to_numpy()):
        problems.add(
            int(pos) + 1,
            "provider_kind",
            f"unknown provider kind {df['provider_kind'].iloc[pos]!r}; valid: "
            + ", ".join(PROVIDER_KINDS),
            kind="kind",
        )
    lookup = {v: code_for_name(v) for v in s["municipality"].unique() if v}
    muni = s["municipality"].map(lambda v: lookup.get(v) if v else None)
    valid = known_codes()
    for pos in np.flatnonzero(
        (muni.isna() | ~muni.isin(valid)).to_numpy() & (s["municipality"] != "").to_numpy()
    ):
        problems.add(
            int(pos) + 1,
            "municipality",
            f"unknown municipality {df['municipality'].iloc[pos]!r}; give the 3-digit code "
            "('179') or the name ('Jyväskylä')",
            kind="muni",
        )
    # coordinates
    if has_xy and not (s["x"] == "").all():
        cx, cy, crs_in = "x", "y", "EPSG:3067"
    else:
        cx, cy, crs_in = "lon", "lat", "EPSG:4326"
    xs = pd.to_numeric(s[cx].replace("", pd.NA), errors="coerce")
    ys = pd.to_numeric(s[cy].replace("", pd.NA), errors="coerce")
    for col, vals in ((cx, xs), (cy, ys)):
        for pos in np.flatnonzero(vals.isna().to_numpy()):
            what = "missing" if s[col].iloc[pos] == "" else f"{df[col].iloc[pos]!r} is not a number"
            problems.add(int(pos) + 1, col, f"{what}; a coordinate is required", kind="coord" + col)
    if crs_in == "EPSG:4326":
        tr = Transformer.from_crs(4326, 3067, always_xy=True)
        px, py = tr.transform(xs.to_numpy(dtype=float), ys.to_numpy(dtype=float))
    else:
        px, py = xs.to_numpy(dtype=float), ys.to_numpy(dtype=float)
    px, py = np.asarray(px, dtype=float), np.asarray(py, dtype=float)
    xmin, ymin, xmax, ymax = FINLAND_BBOX_3067
    ok = np.isfinite(px) & np.isfinite(py)
    outside = ok & ((xmin > px) | (xmax < px) | (ymin > py) | (ymax < py))
    for pos in np.flatnonzero(outside):
        hint = ""
        if crs_in == "EPSG:4326" and 19 < ys.iloc[pos] < 32 and 59 < xs.iloc[pos] < 71:
            hint = " — lat and lon look swapped"
        elif crs_in == "EPSG:3067" and abs(xs.iloc[pos]) < 400:
            hint = " — these look like degrees; use columns lat, lon for WGS84"
        problems.add(
            int(pos) + 1,
            cx,
            f"({xs.iloc[pos]:g}, {ys.iloc[pos]:g}) in {crs_in} is outside Finland{hint}",
            kind="bbox",
        )
    # validity years and capacity
    years: dict[str, pd.Series] = {}
    for col in ("valid_from", "valid_to"):
        if col in df.columns:
            v = pd.to_numeric(s[col].replace("", pd.NA), errors="coerce")
            num = v.notna()
            bad = (~num & (s[col] != "")) | (num & (((v % 1) != 0) | (v < 1800) | (v > 2200)))
            for pos in np.flatnonzero(bad.fillna(False).to_numpy()):
                problems.add(
                    int(pos) + 1, col, f"{df[col].iloc[pos]!r} is not a year (e.g. 2019)", kind=col
                )
            years[col] = v.where(~bad.fillna(False)).round().astype("Int64")
        else:
            years[col] = pd.Series(pd.NA, index=df.index, dtype="Int64")
    before = (years["valid_to"] < years["valid_from"]).fillna(False).to_numpy()
    for pos in np.flatnonzero(before):
        problems.add(
            int(pos) + 1,
            "valid_to",
            f"valid_to {years['valid_to'].iloc[pos]} is before valid_from "
            f"{years['valid_from'].iloc[pos]}",
            kind="years",
        )
    cap = pd.Series(np.nan, index=df.index)
    if "capacity" in df.columns:
        cap = pd.to_numeric(s["capacity"].replace("", pd.NA), errors="coerce").astype(float)
        for pos in np.flatnonzero((cap.isna() & (s["capacity"] != "")).to_numpy()):
            problems.add(
                int(pos) + 1,
                "capacity",
                f"{df['capacity'].iloc[pos]!r} is not a number",
                kind="cap",
            )
        for pos in np.flatnonzero((cap < 0).fillna(False).to_numpy()):
            problems.add(
                int(pos) + 1, "capacity", f"negative capacity {cap.iloc[pos]:g}; must be ≥ 0",
                kind="capneg",
            )  # fmt: skip
    problems.raise_if_any()
    out = pd.DataFrame(
        {
            "type": s["type"].to_numpy(),
            "name": s["name"].to_numpy(),
            "provider_kind": kind.to_numpy(),
            "municipality": muni.to_numpy(),
            "valid_from": years["valid_from"].array,
            "valid_to": years["valid_to"].array,
            "capacity": cap.to_numpy(),
            "capacity_unit": s["capacity_unit"].replace("", pd.NA).to_numpy()
            if "capacity_unit" in df.columns
            else pd.NA,
        },
        index=pd.Index(ids.to_numpy(), name="id"),
    )
    known = set(_REQUIRED) | {"x", "y", "lat", "lon", "valid_from", "valid_to", "capacity",
                              "capacity_unit"}  # fmt: skip
    for c in df.columns:
        if c not in known:
            out[c] = df[c].replace("", pd.NA).to_numpy()
    res = gpd.GeoDataFrame(out, geometry=shapely.points(px, py), crs=3067)
    res.attrs["meta"] = {
        "source": source,
        "path": str(p),
        "encoding": used,
        "crs_in": crs_in,
        "crs": "EPSG:3067",
        "n": n,
        "valid_years": "valid_from..valid_to inclusive; <NA> = open-ended",
    }
    return res
