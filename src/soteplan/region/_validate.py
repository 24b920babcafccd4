"""Reusable guards for tables entering a :class:`~soteplan.region.Region`.

Each guard appends :class:`~soteplan.errors.DataProblem` items to a list so that
one load reports every problem at once; :func:`raise_if` raises the
:class:`~soteplan.errors.DataError`.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from soteplan.errors import DataError, DataProblem, MissingColumnError

__all__ = [
    "check_codes",
    "check_columns",
    "check_crs",
    "check_geometry",
    "check_integer",
    "check_nonnegative",
    "check_unique",
    "raise_if",
]

#: Rows are reported as 1-based data rows (header excluded).
_MAX_PER_CHECK = 50


def _row(df: pd.DataFrame, pos: int) -> int:
    return pos + 1


def check_columns(df: pd.DataFrame, required: Iterable[str], source: str) -> None:
    """Raise :class:`MissingColumnError` naming every missing column at once."""
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise MissingColumnError(
            f"{source}: missing column(s) {', '.join(repr(m) for m in missing)}; "
            f"found {', '.join(repr(str(c)) for c in df.columns)}"
        )


def check_codes(
    df: pd.DataFrame,
    column: str,
    known: Iterable[str],
    source: str,
    problems: list[DataProblem],
) -> None:
    """Every value in ``column`` must be one of ``known`` (3-digit municipality codes)."""
    known_set = set(known)
    values = df[column].astype("string")
    bad = ~values.isin(known_set) | values.isna()
    for pos in np.flatnonzero(bad.to_numpy())[:_MAX_PER_CHECK]:
        val = values.iloc[pos]
        problems.append(
            DataProblem(
                source,
                _row(df, int(pos)),
                column,
                f"unknown municipality code {val!r}; valid codes are the region's "
                f"3-digit codes ({', '.join(sorted(known_set)[:5])}, …)",
            )
        )


def check_nonnegative(
    df: pd.DataFrame, columns: Iterable[str], source: str, problems: list[DataProblem]
) -> None:
    """Counts must be numbers ≥ 0 (missing values are reported too)."""
    for col in columns:
        vals = pd.to_numeric(df[col], errors="coerce")
        nonnum = vals.isna() & df[col].notna()
        for pos in np.flatnonzero(nonnum.to_numpy())[:_MAX_PER_CHECK]:
            problems.append(
                DataProblem(
                    source, _row(df, int(pos)), col, f"{df[col].iloc[pos]!r} is not a number"
                )
            )
        neg = (vals < 0).fillna(False)
        for pos in np.flatnonzero(neg.to_numpy())[:_MAX_PER_CHECK]:
            problems.append(
                DataProblem(
                    source, _row(df, int(pos)), col, f"negative count {vals.iloc[pos]}; must be ≥ 0"
                )
            )


def check_integer(
    df: pd.DataFrame, column: str, source: str, problems: list[DataProblem], *, lo: int, hi: int
) -> None:
    """Values must be integers within ``[lo, hi]`` (years, ages)."""
    vals = pd.to_numeric(df[column], errors="coerce")
    bad = vals.isna() | (vals < lo) | (vals > hi) | (vals.round() != vals)
    for pos in np.flatnonzero(bad.to_numpy())[:_MAX_PER_CHECK]:
        problems.append(
            DataProblem(
                source,
                _row(df, int(pos)),
                column,
                f"{df[column].iloc[pos]!r} is not an integer in {lo}..{hi}",
            )
        )


def check_unique(
    df: pd.DataFrame, columns: list[str], source: str, problems: list[DataProblem]
) -> None:
    """Key columns must identify each row once."""
    dup = df.duplicated(subset=columns, keep="first")
    for pos in np.flatnonzero(dup.to_numpy())[:_MAX_PER_CHECK]:
        key = ", ".join(f"{c}={df[c].iloc[pos]!r}" for c in columns)
        problems.append(
            DataProblem(source, _row(df, int(pos)), columns[0], f"duplicate key ({key})")
        )


def check_crs(
    gdf: gpd.GeoDataFrame, source: str, problems: list[DataProblem], epsg: int = 3067
) -> None:
    """The layer must declare EPSG:3067 (ETRS-TM35FIN)."""
    if gdf.crs is None:
        problems.append(DataProblem(source, None, "crs", f"no CRS declared; expected EPSG:{epsg}"))
    elif gdf.crs.to_epsg() != epsg:
        problems.append(
            DataProblem(source, None, "crs", f"CRS is {gdf.crs.to_string()}; expected EPSG:{epsg}")
        )


def check_geometry(
    gdf: gpd.GeoDataFrame,
    source: str,
    problems: list[DataProblem],
    *,
    geom_types: tuple[str, ...] | None = None,
) -> None:
    """Geometries must be present, valid and (optionally) of the given types."""
    geoms = gdf.geometry
    missing = geoms.isna() | geoms.is_empty
    for pos in np.flatnonzero(missing.to_numpy())[:_MAX_PER_CHECK]:
        problems.append(
            DataProblem(source, _row(gdf, int(pos)), "geometry", "missing or empty geometry")
        )
    present = ~missing
    invalid = present & ~geoms.is_valid
    for pos in np.flatnonzero(invalid.to_numpy())[:_MAX_PER_CHECK]:
        problems.append(DataProblem(source, _row(gdf, int(pos)), "geometry", "invalid geometry"))
    if geom_types is not None:
        wrong = present & ~geoms.geom_type.isin(geom_types)
        for pos in np.flatnonzero(wrong.to_numpy())[:_MAX_PER_CHECK]:
            problems.append(
                DataProblem(
                    source,
                    _row(gdf, int(pos)),
                    "geometry",
                    f"geometry type {geoms.iloc[pos].geom_type}; "
                    f"expected {' or '.join(geom_types)}",
                )
            )


def raise_if(problems: list[DataProblem]) -> None:
    """Raise one :class:`DataError` carrying every collected problem."""
    if problems:
        raise DataError(problems)
