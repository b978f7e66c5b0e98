"""GeoJSON geometries of records: checked (RFC 7946, WGS84, OGC validity) and measured. Pure.

shapely says whether a shape is valid (self-intersections, rings that touch
wrongly) and why; pyproj's geodesic on the WGS84 ellipsoid gives the area, so
a hectare is a hectare at any latitude. The area is always computed here,
never typed in by a person.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from pyproj import Geod
from shapely.geometry import shape
from shapely.validation import explain_validity

from engine.messages import Message, say

MAX_BYTES = 1_000_000  # one record's shape as GeoJSON text
MAX_POSITIONS = 20_000
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Checked:
    geometry: dict[str, Any]  # the GeoJSON as stored (types and numbers only, nothing else kept)
    area_ha: float | None  # None for a point
    bbox: tuple[float, float, float, float]  # west, south, east, north
    centroid: tuple[float, float]  # longitude, latitude


class GeometryError(ValueError):
    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.problem = message


def check(value: Any, allowed: tuple[str, ...]) -> Checked:
    """The geometry if it is GeoJSON of an allowed type, valid and within bounds; GeometryError otherwise."""
    data = _parse(value)
    kind = data.get("type") if isinstance(data, dict) else None
    if kind not in allowed:
        raise GeometryError(say("geometry.type", allowed=" / ".join(allowed), type=str(kind)))
    coordinates = data.get("coordinates")
    count = _positions(kind, coordinates)
    if count > MAX_POSITIONS:
        raise GeometryError(
            say("geometry.too_large", size=f"{count} points", limit=f"{MAX_POSITIONS} points")
        )
    clean = {"type": kind, "coordinates": coordinates}
    geom = shape(clean)
    if not geom.is_valid:
        raise GeometryError(say("geometry.invalid", reason=explain_validity(geom)))
    if geom.is_empty:
        raise GeometryError(say("geometry.invalid", reason="empty"))
    area = None if kind == "Point" else abs(_GEOD.geometry_area_perimeter(geom)[0]) / 10_000
    west, south, east, north = geom.bounds
    point = geom if kind == "Point" else geom.representative_point()
    return Checked(
        clean, None if area is None else round(area, 4), (west, south, east, north), (point.x, point.y)
    )


def _parse(value: Any) -> Any:
    if isinstance(value, str):
        if len(value.encode()) > MAX_BYTES:
            raise GeometryError(
                say("geometry.too_large", size=f"{len(value.encode())} bytes", limit=f"{MAX_BYTES} bytes")
            )
        try:
            return json.loads(value)
        except ValueError as exc:
            raise GeometryError(say("geometry.json", reason=str(exc).split(":")[0])) from exc
    return value


def _position(p: Any) -> None:
    if not isinstance(p, list | tuple) or len(p) not in (2, 3):
        raise GeometryError(say("geometry.coordinates", reason="a position is [longitude, latitude]"))
    if not all(isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c) for c in p):
        raise GeometryError(say("geometry.coordinates", reason="a coordinate is not a number"))
    lon, lat = p[0], p[1]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise GeometryError(say("geometry.wgs84", lon=lon, lat=lat))


def _ring(ring: Any) -> int:
    if not isinstance(ring, list) or len(ring) < 4:
        raise GeometryError(say("geometry.coordinates", reason="a ring has at least 4 positions"))
    for p in ring:
        _position(p)
    if list(ring[0]) != list(ring[-1]):
        raise GeometryError(say("geometry.coordinates", reason="a ring ends where it starts"))
    return len(ring)


def _polygon(rings: Any) -> int:
    if not isinstance(rings, list) or not rings:
        raise GeometryError(say("geometry.coordinates", reason="a polygon is a list of rings"))
    return sum(_ring(r) for r in rings)


def _positions(kind: str, coordinates: Any) -> int:
    if kind == "Point":
        _position(coordinates)
        return 1
    if kind == "Polygon":
        return _polygon(coordinates)
    if not isinstance(coordinates, list) or not coordinates:
        raise GeometryError(say("geometry.coordinates", reason="a multipolygon is a list of polygons"))
    return sum(_polygon(p) for p in coordinates)


def feature(geometry: dict[str, Any] | None, properties: dict[str, Any], feature_id: Any) -> dict[str, Any]:
    return {"type": "Feature", "id": feature_id, "geometry": geometry, "properties": properties}


__all__ = ["MAX_BYTES", "MAX_POSITIONS", "Checked", "GeometryError", "check", "feature"]
