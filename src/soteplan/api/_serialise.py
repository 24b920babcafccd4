"""Turn engine results (frames, series, dataclasses) into JSON-ready values."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["geojson", "jsonable", "records"]


def jsonable(value: Any) -> Any:
    """A JSON-ready copy of ``value`` (NaN and inf become ``None``)."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, pd.DataFrame):
        return records(value)
    if isinstance(value, pd.Series):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "model_dump"):
        return jsonable(value.model_dump(mode="json"))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a frame as dicts; a named index becomes a column."""
    if isinstance(df, gpd.GeoDataFrame):
        df = pd.DataFrame(df.drop(columns=df.geometry.name))
    if any(n is not None for n in df.index.names):
        df = df.reset_index()
    return [{str(k): jsonable(v) for k, v in row.items()} for row in df.to_dict("records")]


def geojson(gdf: gpd.GeoDataFrame, *, simplify_m: float | None = None) -> dict[str, Any]:
    """A FeatureCollection in EPSG:4326 (coordinates rounded to 5 decimals, ≈1 m).

    ``simplify_m`` simplifies polygons in the source CRS (metres) before
    reprojecting, to keep boundary files small for display.
    """
    g = gdf
    if simplify_m and g.crs is not None and g.crs.is_projected:
        g = g.copy()
        g["geometry"] = g.geometry.simplify(simplify_m, preserve_topology=True)
    if g.crs is not None and g.crs.to_epsg() != 4326:
        g = g.to_crs(4326)
    from shapely import set_precision

    g = g.copy()
    g["geometry"] = set_precision(g.geometry.values, 1e-5)
    idx_name = g.index.name or "id"
    out = g.reset_index().rename(columns={"index": idx_name})
    feats = []
    props_cols = [c for c in out.columns if c != out.geometry.name]
    for geom, props in zip(out.geometry, out[props_cols].to_dict("records"), strict=True):
        feats.append(
            {
                "type": "Feature",
                "id": jsonable(props.get(idx_name)),
                "properties": {str(k): jsonable(v) for k, v in props.items()},
                "geometry": None if geom is None else geom.__geo_interface__,
            }
        )
    return {"type": "FeatureCollection", "features": feats}
