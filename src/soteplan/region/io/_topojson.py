"""TopoJSON decoding (no third-party dependency).

A TopoJSON *topology* stores each shared boundary once as an *arc*; geometries
reference arcs by index (``~i``, i.e. ``-i - 1``, means arc ``i`` reversed).  With a
``transform`` the arc positions are quantised integers, delta-encoded: position
``k`` is the running sum of deltas ``0..k`` times ``scale`` plus ``translate``.
Specification: Bostock, *The TopoJSON Format Specification* v1.0 (2013),
https://github.com/topojson/topojson-specification.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from soteplan.errors import DataError, DataProblem

__all__ = ["topojson_to_geojson"]

Coords = list[list[float]]


def _decode_arcs(topology: dict[str, Any], source: str) -> list[np.ndarray]:
    arcs = topology.get("arcs")
    if not isinstance(arcs, list):
        raise DataError(
            [DataProblem(source, None, "arcs", 'a TopoJSON topology needs an "arcs" array')]
        )
    tr = topology.get("transform")
    out: list[np.ndarray] = []
    for i, arc in enumerate(arcs):
        try:
            a = np.asarray(arc, dtype=np.float64)[:, :2]
        except (ValueError, IndexError, TypeError):
            raise DataError(
                [DataProblem(source, i + 1, "arcs", f"arc {i} is not a list of [x, y] positions")]
            ) from None
        if tr is not None:
            a = np.cumsum(a, axis=0) * np.asarray(tr["scale"], dtype=np.float64) + np.asarray(
                tr["translate"], dtype=np.float64
            )
        out.append(a)
    return out


def _point(pos: list[float], tr: dict[str, Any] | None) -> list[float]:
    if tr is None:
        return [float(pos[0]), float(pos[1])]
    return [
        pos[0] * tr["scale"][0] + tr["translate"][0],
        pos[1] * tr["scale"][1] + tr["translate"][1],
    ]


class _Decoder:
    def __init__(self, topology: dict[str, Any], source: str) -> None:
        self.arcs = _decode_arcs(topology, source)
        self.tr = topology.get("transform")
        self.source = source

    def line(self, refs: list[int]) -> Coords:
        pts: list[np.ndarray] = []
        for k, ref in enumerate(refs):
            idx = ref if ref >= 0 else ~ref
            if not 0 <= idx < len(self.arcs):
                raise DataError(
                    [
                        DataProblem(
                            self.source,
                            None,
                            "arcs",
                            f"arc reference {ref} points outside the {len(self.arcs)} arcs",
                        )
                    ]
                )
            a = self.arcs[idx] if ref >= 0 else self.arcs[idx][::-1]
            pts.append(a if k == 0 else a[1:])
        if not pts:
            return []
        return np.concatenate(pts).tolist()

    def ring(self, refs: list[int]) -> Coords:
        coords = self.line(refs)
        if coords and coords[0] != coords[-1]:
            coords.append(list(coords[0]))
        return coords

    def geometry(self, g: dict[str, Any]) -> dict[str, Any] | None:
        t = g.get("type")
        if t is None:
            return None
        if t == "Point":
            return {"type": t, "coordinates": _point(g["coordinates"], self.tr)}
        if t == "MultiPoint":
            return {"type": t, "coordinates": [_point(p, self.tr) for p in g["coordinates"]]}
        if t == "LineString":
            return {"type": t, "coordinates": self.line(g["arcs"])}
        if t == "MultiLineString":
            return {"type": t, "coordinates": [self.line(r) for r in g["arcs"]]}
        if t == "Polygon":
            return {"type": t, "coordinates": [self.ring(r) for r in g["arcs"]]}
        if t == "MultiPolygon":
            return {"type": t, "coordinates": [[self.ring(r) for r in p] for p in g["arcs"]]}
        if t == "GeometryCollection":
            geoms = [self.geometry(x) for x in g.get("geometries", [])]
            return {"type": t, "geometries": [x for x in geoms if x is not None]}
        raise DataError([DataProblem(self.source, None, "type", f"unknown geometry type {t!r}")])


def topojson_to_geojson(
    topology: dict[str, Any], obj: str | None = None, *, source: str = "<topojson>"
) -> dict[str, Any]:
    """Decode one object of a TopoJSON topology to a GeoJSON FeatureCollection.

    Parameters
    ----------
    topology
        The parsed TopoJSON document (``{"type": "Topology", "arcs": …, "objects": …}``).
    obj
        Name of the object (layer) to decode; may be omitted when there is only one.
    source
        File name for error messages.

    Returns
    -------
    dict
        A GeoJSON ``FeatureCollection``; each member of the object's
        ``GeometryCollection`` becomes a feature with its ``id`` and ``properties``.
        Coordinates are in the topology's own coordinate system (WGS84 longitude,
        latitude for web TopoJSON).

    Raises
    ------
    DataError
        Not a topology, unknown object name, bad arc references.
    """
    if topology.get("type") != "Topology" or not isinstance(topology.get("objects"), dict):
        raise DataError(
            [DataProblem(source, None, "type", 'not a TopoJSON topology ("type": "Topology")')]
        )
    objects: dict[str, Any] = topology["objects"]
    if obj is None:
        if len(objects) != 1:
            raise DataError(
                [
                    DataProblem(
                        source,
                        None,
                        "layer",
                        f"the topology has {len(objects)} objects ({', '.join(objects)}); "
                        "choose one with layer=...",
                    )
                ]
            )
        obj = next(iter(objects))
    if obj not in objects:
        raise DataError(
            [
                DataProblem(
                    source, None, "layer", f"no object {obj!r}; objects are {', '.join(objects)}"
                )
            ]
        )
    dec = _Decoder(topology, source)
    root = objects[obj]
    members = root.get("geometries", []) if root.get("type") == "GeometryCollection" else [root]
    features = []
    for g in members:
        feat: dict[str, Any] = {
            "type": "Feature",
            "properties": dict(g.get("properties") or {}),
            "geometry": dec.geometry(g),
        }
        if "id" in g:
            feat["id"] = g["id"]
        features.append(feat)
    return {"type": "FeatureCollection", "features": features}
