"""Statistics Finland population grid files (1 km / 250 m) and similar grids (HSY 250 m).

Statistics Finland's *Väestöruutuaineisto* gives, per inhabited grid cell, the
population on 31 December (``vaesto``), by sex (``miehet``, ``naiset``) and age
band (``ika_0_14``, ``ika_15_64``, ``ika_65_``; some products finer bands such as
``ika_0_4``).  A cell is located by the EPSG:3067 coordinates of its **lower-left
corner** (``euref_x``/``euref_y``; ``xkoord``/``ykoord`` in older files) and by the
INSPIRE cell code ``grd_id`` (``1kmN6918E434``: size, then northing and easting of
the lower-left corner divided by 10^n, n = number of trailing zeros of the size in
metres — 1 000 for 1 km cells, 10 for 250 m cells).  Cells with fewer than 10
inhabitants have their sex and age figures suppressed as ``-1``.
Source: Statistics Finland, *Population grid data 1 km × 1 km* and *Grid net for
statistics* descriptions (stat.fi, paikkatietoaineistot).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from soteplan.errors import DataError, DataProblem

from ._common import (
    FINLAND_BBOX_3067,
    Problems,
    decode_text,
    read_bytes,
    read_csv_text,
    safe_message,
    source_name,
)
from ._municipalities import known_codes

__all__ = ["parse_grd_id", "read_population_grid"]

_GRD_RE = re.compile(r"^(?:CRS\d+RES)?(\d+)(m|km)N(\d+)E(\d+)$", re.I)
_ALIASES = {"xkoord": "euref_x", "ykoord": "euref_y", "x": "euref_x", "y": "euref_y",
            "grid_inspire": "grd_id", "kunta": "municipality"}  # fmt: skip
_COUNT_RE = re.compile(r"^(vaesto|miehet|naiset|ika_\d+_\d*)$")


def parse_grd_id(grd_id: str) -> tuple[int, float, float] | None:
    """Decode an INSPIRE grid cell code into ``(size_m, x_lowerleft, y_lowerleft)``.

    ``"1kmN6918E434"`` → ``(1000, 434000.0, 6918000.0)``; ``"250mN667100E38375"`` →
    ``(250, 383750.0, 6671000.0)``; the long form ``"CRS3067RES250mN6671000E383750"``
    gives metres directly.  Returns ``None`` when the string is not a cell code.
    """
    m = _GRD_RE.match(str(grd_id).strip())
    if m is None:
        return None
    size = int(m.group(1)) * (1000 if m.group(2).lower() == "km" else 1)
    if str(grd_id).upper().startswith("CRS"):
        factor = 1
    else:
        trailing = len(str(size)) - len(str(size).rstrip("0"))
        factor = 10**trailing
    return size, float(m.group(4)) * factor, float(m.group(3)) * factor


def _format_grd_id(size: int, x: float, y: float) -> str:
    trailing = len(str(size)) - len(str(size).rstrip("0"))
    f = 10**trailing
    label = f"{size // 1000}km" if size % 1000 == 0 else f"{size}m"
    return f"{label}N{int(y) // f}E{int(x) // f}"


def _read(p: Path, source: str, layer: str | None) -> pd.DataFrame | gpd.GeoDataFrame:
    if p.suffix.lower() in (".csv", ".txt"):
        text, _ = decode_text(read_bytes(p, source), source)
        first = text.splitlines()[0] if text else ""
        sep = max((";", ",", "\t"), key=first.count)
        return read_csv_text(text, source, sep=sep, dtype=str, keep_default_na=False)
    try:
        return gpd.read_file(p, layer=layer)
    except Exception as exc:
        layers = ""
        with contextlib.suppress(Exception):
            layers = " (layers: " + ", ".join(str(x[0]) for x in pyogrio.list_layers(p)) + ")"
        why = safe_message(exc, p)
        raise DataError(
            [DataProblem(source, None, "layer" if layer else None, f"cannot read: {why}{layers}")]
        ) from None


def read_population_grid(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    layer: str | None = None,
    geometry: Literal["point", "polygon"] = "point",
    cell_size: int | None = None,
    crs: str | int | None = None,
    check_sums: bool = True,
) -> gpd.GeoDataFrame:
    """Read a population grid into a GeoDataFrame of cells in EPSG:3067.

    Parameters
    ----------
    path
        CSV, GeoPackage or shapefile in Statistics Finland's column format
        (``grd_id``, ``euref_x``, ``euref_y``, ``vaesto``, optional ``miehet``,
        ``naiset``, ``ika_*`` bands, ``kunta``), or any grid layer with polygon
        geometry when ``columns`` maps its fields to those names.
    columns
        Renaming of source columns to Statistics Finland names, e.g.
        ``{"population": "vaesto"}`` for the HSY 250 m grid.
    layer
        GeoPackage layer.
    geometry
        ``"point"`` (cell centres, default) or ``"polygon"`` (cell squares).
    cell_size
        Cell size in metres; detected from ``grd_id``, the polygons or the
        coordinate lattice when ``None``.
    crs
        CRS of a file that declares none (CSV coordinates are always EPSG:3067).
    check_sums
        Check that age bands ``ika_0_14 + ika_15_64 + ika_65_`` and
        ``miehet + naiset`` equal ``vaesto`` where none is suppressed.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``grd_id``, ``euref_x``, ``euref_y`` (lower-left corner, m),
        ``cell_size`` (m), the count columns as nullable ``Int64`` (persons;
        ``-1`` suppressed → ``<NA>``), ``municipality`` when given, ``source_id``
        (the file's ``id``) for grids without ``grd_id``, and
        ``geometry`` in EPSG:3067.  ``attrs["meta"]`` records the source, cell
        size, number of suppressed cells per column and whether the cells lie on
        the Statistics Finland grid (``on_statfi_grid``; ``False`` for grids
        such as HSY's, whose cells are then kept as given and located by their
        centroid).

    Raises
    ------
    DataError
        Missing columns (``MissingColumnError``), non-numeric or negative
        counts other than ``-1``, ``grd_id`` inconsistent with the coordinates,
        corners off the lattice, cells outside Finland, missing CRS, duplicate
        cells, band sums that do not match ``vaesto``.
    """
    p = Path(path)
    source = source_name(p)
    if not p.exists():
        raise DataError([DataProblem(source, None, None, f"file not found: {p}")])
    problems = Problems(source)
    raw = _read(p, source, layer)
    ren = {c: _ALIASES[c.casefold()] for c in raw.columns if c.casefold() in _ALIASES}
    ren.update({c: c.casefold() for c in raw.columns if _COUNT_RE.match(c.casefold())})
    ren.update(dict(columns or {}))
    df = raw.rename(columns=ren)
    has_geom = isinstance(df, gpd.GeoDataFrame) and df.geometry.notna().any()
    count_cols = [c for c in df.columns if isinstance(c, str) and _COUNT_RE.match(c)]
    missing = [] if "vaesto" in df.columns else ["vaesto"]
    if (
        not has_geom
        and not {"euref_x", "euref_y"} <= set(df.columns)
        and "grd_id" not in df.columns
    ):
        missing.append("euref_x/euref_y or grd_id (or a geometry)")
    if missing:
        problems.missing_columns(
            [c for c in df.columns if c != "geometry"],
            missing,
            "Map other names with columns={'source_name': 'vaesto', ...}",
        )
    n = len(df)
    meta_geom = "statfi"
    # ---- locate cells: lower-left corners and size
    x = pd.to_numeric(df["euref_x"], errors="coerce") if "euref_x" in df else None
    y = pd.to_numeric(df["euref_y"], errors="coerce") if "euref_y" in df else None
    decoded = df["grd_id"].astype("string").map(parse_grd_id) if "grd_id" in df else None
    size = cell_size
    if decoded is not None:
        for pos in np.flatnonzero(decoded.isna().to_numpy()).tolist():
            problems.add(
                int(pos) + 1,
                "grd_id",
                f"{df['grd_id'].iloc[pos]!r} is not a grid cell code like '1kmN6918E434' "
                "or '250mN667100E38375'",
                kind="grd",
            )
        sizes = {d[0] for d in decoded.dropna()}
        if len(sizes) > 1:
            problems.add(None, "grd_id", f"cells of several sizes {sorted(sizes)} in one file")
        if size is None and len(sizes) == 1:
            size = next(iter(sizes))
    geo_in: gpd.GeoSeries | None = None
    on_grid = True
    if has_geom:
        assert isinstance(df, gpd.GeoDataFrame)
        if df.crs is None and crs is None:
            problems.add(
                None,
                "crs",
                "the layer declares no CRS; pass crs=3067 (ETRS-TM35FIN) or the CRS of the file",
            )
            problems.raise_if_any()
        g = df.geometry if df.crs is not None else df.geometry.set_crs(CRS.from_user_input(crs))
        geo_in = g.to_crs(3067)
        if x is None or y is None:
            b = geo_in.bounds
            widths = (b.maxx - b.minx).to_numpy()
            is_poly = geo_in.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
            if size is None and is_poly.all():
                side = float(np.median(np.sqrt(geo_in.area.to_numpy())))
                size = int(round(side / 10.0) * 10)
            aligned = (
                bool(is_poly.all())
                and size is not None
                and bool(
                    np.allclose(widths, size, atol=0.5)
                    and np.allclose(np.mod(b.minx + 0.5, size), 0.5, atol=0.5)
                    and np.allclose(np.mod(b.miny + 0.5, size), 0.5, atol=0.5)
                )
            )
            if aligned:
                x, y = b.minx.round(), b.miny.round()
            else:
                on_grid = False
                meta_geom = "source polygons (not on the Statistics Finland grid)"
                c = geo_in.centroid
                x, y = pd.Series(c.x.to_numpy()), pd.Series(c.y.to_numpy())
    if x is None or y is None:
        assert decoded is not None
        x = pd.Series([d[1] if d else np.nan for d in decoded])
        y = pd.Series([d[2] if d else np.nan for d in decoded])
    x = pd.Series(np.asarray(x, dtype=float))
    y = pd.Series(np.asarray(y, dtype=float))
    if size is None and on_grid:
        finite = np.concatenate([x.dropna().to_numpy(), y.dropna().to_numpy()]).astype(np.int64)
        g_all = int(np.gcd.reduce(finite)) if len(finite) else 0
        size = (
            1000 if g_all % 1000 == 0 and g_all else (250 if g_all and g_all % 250 == 0 else None)
        )
        if size is None:
            problems.add(
                None,
                "cell_size",
                f"coordinates are multiples of {g_all} m, not of 250 or 1000 m: not lower-left "
                "corners of Statistics Finland cells (cell centres?); pass cell_size=250 or "
                "1000 to see the offending rows",
            )
    problems.raise_if_any()
    assert size is not None
    for col, vals in (("euref_x", x), ("euref_y", y)):
        for pos in np.flatnonzero(vals.isna().to_numpy()).tolist():
            problems.add(int(pos) + 1, col, "missing or non-numeric coordinate", kind=col)
    if on_grid:
        off = ((x % size != 0) | (y % size != 0)).to_numpy() & x.notna().to_numpy()
        for pos in np.flatnonzero(off).tolist():
            half = x.iloc[pos] % size == size / 2 and y.iloc[pos] % size == size / 2
            hint = (
                " — these look like cell centres; the columns must be lower-left corners"
                if half
                else ""
            )
            problems.add(
                int(pos) + 1,
                "euref_x",
                f"({x.iloc[pos]:.0f}, {y.iloc[pos]:.0f}) is not a corner of the {size} m "
                f"grid{hint}",
                kind="lattice",
            )
        if decoded is not None:
            corner_src = (
                "euref_x/euref_y are" if "euref_x" in df else "the cell polygon's corner is"
            )
            for pos in np.arange(n).tolist():
                d = decoded.iloc[pos]
                if d is not None and (d[1] != x.iloc[pos] or d[2] != y.iloc[pos]):
                    problems.add(
                        pos + 1,
                        "grd_id",
                        f"{df['grd_id'].iloc[pos]!r} encodes corner ({d[1]:.0f}, {d[2]:.0f}) but "
                        f"{corner_src} ({x.iloc[pos]:.0f}, {y.iloc[pos]:.0f})",
                        kind="grdxy",
                    )
    xmin, ymin, xmax, ymax = FINLAND_BBOX_3067
    outside = ((x < xmin) | (x > xmax) | (y < ymin) | (y > ymax)).to_numpy()
    for pos in np.flatnonzero(outside).tolist():
        problems.add(
            int(pos) + 1,
            "euref_x",
            f"({x.iloc[pos]:.0f}, {y.iloc[pos]:.0f}) is outside Finland in EPSG:3067; "
            "coordinates must be ETRS-TM35FIN metres",
            kind="bbox",
        )
    # ---- counts
    counts: dict[str, pd.Series] = {}
    suppressed: dict[str, int] = {}
    for col in count_cols:
        s = df[col]
        sv = pd.to_numeric(s.astype("string").str.strip().replace("", pd.NA), errors="coerce")
        bad = (sv.isna() & s.notna() & (s.astype("string").str.strip() != "")).to_numpy()
        for pos in np.flatnonzero(bad).tolist():
            problems.add(int(pos) + 1, col, f"{s.iloc[pos]!r} is not a number", kind="nonnum")
        neg = ((sv < 0) & (sv != -1)).fillna(False).to_numpy()
        for pos in np.flatnonzero(neg).tolist():
            problems.add(
                int(pos) + 1,
                col,
                f"negative count {sv.iloc[pos]:g}; counts are ≥ 0, with -1 meaning suppressed",
                kind="neg",
            )
        frac = ((sv % 1) != 0).fillna(False).to_numpy()
        for pos in np.flatnonzero(frac).tolist():
            problems.add(int(pos) + 1, col, f"{sv.iloc[pos]:g} is not a whole number", kind="frac")
        suppressed[col] = int((sv == -1).sum())
        counts[col] = sv.mask(sv == -1).round().astype("Int64")
    if "vaesto" in counts:
        for pos in np.flatnonzero(
            counts["vaesto"].isna().to_numpy() & (suppressed["vaesto"] == 0)
        ).tolist():
            if pd.isna(df["vaesto"].iloc[pos]) or str(df["vaesto"].iloc[pos]).strip() == "":
                problems.add(int(pos) + 1, "vaesto", "missing population", kind="nan")
    if check_sums and "vaesto" in counts:
        for parts in (("ika_0_14", "ika_15_64", "ika_65_"), ("miehet", "naiset")):
            if not set(parts) <= set(counts):
                continue
            tot = sum((counts[c] for c in parts), start=pd.Series(0, index=df.index, dtype="Int64"))
            diff = (tot != counts["vaesto"]).fillna(False).to_numpy()
            for pos in np.flatnonzero(diff).tolist():
                problems.add(
                    int(pos) + 1,
                    parts[0],
                    f"{' + '.join(parts)} = {tot.iloc[pos]} but vaesto = "
                    f"{counts['vaesto'].iloc[pos]}",
                    kind="sum" + parts[0],
                )
    muni = None
    if "municipality" in df.columns:
        muni = df["municipality"].map(
            lambda v: (
                None
                if pd.isna(v) or str(v).strip() == ""
                else f"{int(float(v)):03d}"
                if str(v).strip().replace(".0", "").isdigit()
                else str(v)
            )
        )
        valid = known_codes()
        for pos in np.flatnonzero(~muni.isin(valid).to_numpy() & muni.notna().to_numpy()).tolist():
            problems.add(
                int(pos) + 1, "municipality", f"unknown municipality code {muni.iloc[pos]!r}",
                kind="muni",
            )  # fmt: skip
    problems.raise_if_any()
    grd = (
        df["grd_id"].astype("string")
        if "grd_id" in df.columns
        else pd.Series(
            [
                _format_grd_id(size, xi, yi) if on_grid else pd.NA
                for xi, yi in zip(x, y, strict=True)
            ],
            dtype="string",
        )
    )
    dup = grd.duplicated(keep="first").to_numpy() & grd.notna().to_numpy()
    for pos in np.flatnonzero(dup).tolist():
        problems.add(int(pos) + 1, "grd_id", f"duplicate cell {grd.iloc[pos]!r}", kind="dup")
    problems.raise_if_any()
    out = pd.DataFrame(
        {
            "grd_id": grd.to_numpy(),
            "euref_x": x.to_numpy() if on_grid else np.nan,
            "euref_y": y.to_numpy() if on_grid else np.nan,
            "cell_size": size,
        }
    )
    if muni is not None:
        out["municipality"] = muni.to_numpy()
    if "id" in df.columns and "grd_id" not in df.columns:
        out["source_id"] = df["id"].to_numpy()  # e.g. the HSY cell id
    for col in sorted(counts, key=_band_order):
        out[col] = counts[col].array
    if on_grid:
        if geometry == "polygon":
            geom = shapely.box(x, y, x + size, y + size)
        else:
            geom = shapely.points(x + size / 2, y + size / 2)
    else:
        assert geo_in is not None
        geom = geo_in.to_numpy() if geometry == "polygon" else geo_in.centroid.to_numpy()
    res = gpd.GeoDataFrame(out, geometry=geom, crs=3067)
    res.attrs["meta"] = {
        "source": source,
        "path": str(p),
        "crs": "EPSG:3067",
        "cell_size_m": size,
        "geometry": f"cell {'centres' if geometry == 'point' else 'squares'} ({meta_geom})",
        "on_statfi_grid": on_grid,
        "suppressed_cells": suppressed,
        "population_total": int(counts["vaesto"].sum()) if "vaesto" in counts else None,
        "units": "persons on 31 December",
        "approximation": None
        if on_grid
        else "cells are not on the Statistics Finland EPSG:3067 grid; euref_x/euref_y are "
        "unset and points are polygon centroids",
    }
    return res


def _band_order(col: str) -> tuple[int, int]:
    order = {"vaesto": -3, "miehet": -2, "naiset": -1}
    if col in order:
        return (order[col], 0)
    m = re.match(r"ika_(\d+)_(\d*)", col)
    return (
        (0, int(m.group(1)) * 1000 - (int(m.group(2)) if m and m.group(2) else 999))
        if m
        else (1, 0)
    )
