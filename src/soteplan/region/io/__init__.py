"""Loaders for the files a Finnish planner downloads.

* :func:`read_pxweb` — StatFin PxWeb exports (PX, CSV with title lines, JSON-stat2);
* :func:`population_from_11re` — StatFin table 11re to municipality × year × sex × age;
* :func:`read_population_grid` — Statistics Finland 1 km / 250 m population grids
  (and the HSY 250 m grid);
* :func:`read_boundaries` — municipality boundaries from GeoJSON, GeoPackage,
  shapefile or TopoJSON;
* :func:`read_service_points` — service-point CSVs.

Every loader validates its input and raises :class:`soteplan.errors.DataError`
listing every problem (file, 1-based data row, field, what is wrong); results carry
``attrs["meta"]`` with the source file and any approximation.
"""

from __future__ import annotations

from ._boundaries import read_boundaries
from ._grid import read_population_grid
from ._municipalities import code_for_name, known_codes, municipality_names
from ._population import population_from_11re
from ._pxweb import read_pxweb
from ._service_points import read_service_points
from ._topojson import topojson_to_geojson

__all__ = [
    "code_for_name",
    "known_codes",
    "municipality_names",
    "population_from_11re",
    "read_boundaries",
    "read_population_grid",
    "read_pxweb",
    "read_service_points",
    "topojson_to_geojson",
]
