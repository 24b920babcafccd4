"""Reading the files a planner imports into the directory, in one call."""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from soteplan.errors import DataError, DataProblem
from soteplan.guidance._hsds import read_hsds_datapackage
from soteplan.guidance._model import Directory
from soteplan.guidance._ptv import read_ptv_json
from soteplan.region.io._common import decode_text

__all__ = ["read_directories", "read_service_class_map", "wgs84_to_3067"]


def read_service_class_map(path: str | Path) -> dict[str, str]:
    """A CSV ``code,service_type`` mapping PTV service classes to soteplan service types."""
    p = Path(path)
    try:
        text, _ = decode_text(p.read_bytes(), p.name)
    except OSError as exc:
        raise DataError([DataProblem(p.name, None, None, f"cannot read: {exc.strerror}")]) from None
    rows = list(csv.DictReader(io.StringIO(text)))
    problems = []
    if not rows or not {"code", "service_type"} <= set(rows[0]):
        raise DataError([DataProblem(p.name, None, "code", "columns code and service_type needed")])
    out: dict[str, str] = {}
    for i, r in enumerate(rows, start=1):
        code, st = (r["code"] or "").strip(), (r["service_type"] or "").strip()
        if not code or not st:
            problems.append(DataProblem(p.name, i, "service_type" if code else "code", "empty"))
        out[code] = st
    if problems:
        raise DataError(problems)
    return out


def read_directories(
    hsds: Sequence[str | Path] = (),
    ptv: Sequence[str | Path] = (),
    ptv_classes: str | Path | None = None,
) -> Directory | None:
    """Read every HSDS datapackage and PTV file given and merge them (``None`` if none)."""
    types = read_service_class_map(ptv_classes) if ptv_classes else None
    parts = [read_hsds_datapackage(h) for h in hsds]
    parts += [read_ptv_json(p, service_types=types) for p in ptv]
    if not parts:
        return None
    return parts[0].merge(*parts[1:]) if len(parts) > 1 else parts[0]


@functools.cache
def _to_3067() -> Any:
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)


def wgs84_to_3067(lat: float, lon: float) -> tuple[float, float]:
    """WGS84 degrees → EPSG:3067 metres ``(x, y)`` (the transformer is made once)."""
    x, y = _to_3067().transform(lon, lat)
    return float(x), float(y)
