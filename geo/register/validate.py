"""Validation of the station register (GeoJSON, WGS-84 lon/lat).

Validation collects every problem in a document, each with its feature number, id and field,
so a planner can fix a file in one pass (the osmnx ``_validate`` habit).
"""

from __future__ import annotations

import math
import re
from datetime import date
from functools import cache
from typing import Any, Iterable

import geopandas as gpd
import numpy as np
import opening_hours
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import Point

from geo.errors import Problem
from geo.markup import markup_problem
from geo.place.reference import load_communities, load_county_boundary
from geo.register.model import (
    AMENITIES,
    NULLABLE_PROPERTIES,
    REQUIRED_PROPERTIES,
    TOWN_EXTENT_LONLAT,
    TOWN_EXTENT_MARGIN_M,
    WGS84,
    HoursStatus,
    LocationStatus,
    StationType,
)

#: A point outside the county but this close to its edge is most likely a datum mix-up
#: (GCJ-02/BD-09 read as WGS-84 shifts ~500-1,000 m) or an edge case of the simplified outline.
BOUNDARY_TOLERANCE_M = 1_500.0


#: CRS declarations (legacy GeoJSON ``crs`` member) that mean WGS-84 lon/lat.
_WGS84_CRS_NAMES = {
    "urn:ogc:def:crs:ogc:1.3:crs84",
    "urn:ogc:def:crs:epsg::4326",
    "epsg:4326",
    "urn:ogc:def:crs:epsg::4490",
    "epsg:4490",
}

_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()\-]{4,24}$")
MAX_NAME_CHARS = 120
MAX_TEXT_CHARS = 400


def _check_collection(doc: Any, problems: list[Problem]) -> list[Any] | None:
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        problems.append(Problem("err_not_feature_collection", {"kind": str(kind)}))
        return None
    crs = doc.get("crs")
    if crs is not None:
        name = str((crs.get("properties") or {}).get("name", "")) if isinstance(crs, dict) else str(crs)
        if name.lower() not in _WGS84_CRS_NAMES:
            problems.append(Problem("err_wrong_crs", {"name": name}))
            return None
    features = doc.get("features")
    if not isinstance(features, list):
        problems.append(Problem("err_no_features_list"))
        return None
    if not features:
        problems.append(Problem("err_no_stations"))
        return None
    return features


class TownExtent:
    """Gaohe town's approximate extent (:data:`geo.register.model.TOWN_EXTENT_LONLAT`, a bounding box),
    measured in a metric CRS: how far a lon/lat lies outside it, in metres."""

    def __init__(self, extent_lonlat: tuple[float, float, float, float] = TOWN_EXTENT_LONLAT,
                 margin_m: float = TOWN_EXTENT_MARGIN_M) -> None:
        self.extent_lonlat = extent_lonlat
        self.margin_m = margin_m
        west, south, east, north = extent_lonlat
        self.metric_crs = CRS.from_epsg(32650)  # UTM 50N covers 114-120°E, Gaohe is at 116.8°E
        self._to_metric_xy = Transformer.from_crs(WGS84, self.metric_crs, always_xy=True).transform
        # densified, so the projected box follows the meridians and parallels it is made of
        ring = shapely.segmentize(shapely.box(west, south, east, north), 0.002)
        self.box_m = shapely.transform(ring, lambda xy: np.column_stack(self._to_metric_xy(xy[:, 0], xy[:, 1])))
        shapely.prepare(self.box_m)

    def distance_outside_m(self, lon: float, lat: float) -> float:
        """0 inside the box, else the distance to it (metres); infinite for no place on Earth."""
        x, y = self._to_metric_xy(lon, lat)
        if not (math.isfinite(x) and math.isfinite(y)):
            return math.inf
        return float(self.box_m.distance(Point(x, y)))

    def contains(self, lon: float, lat: float) -> bool:
        """Inside the box or within the margin of it."""
        return self.distance_outside_m(lon, lat) <= self.margin_m

    def label_params(self) -> dict[str, float]:
        """The box and margin, for messages that show them (always called approximate)."""
        west, south, east, north = self.extent_lonlat
        return {"west": west, "south": south, "east": east, "north": north, "margin_km": self.margin_m / 1000}


@cache
def town_extent() -> TownExtent:
    """The town's approximate extent with its margin, built once."""
    return TownExtent()


class PlaceChecker:
    """Checks a lon/lat against the county outline and the town's approximate extent, in a
    metric CRS (metres, not degrees)."""

    def __init__(self, boundary: gpd.GeoDataFrame, town: TownExtent | None = None) -> None:
        self.metric_crs = boundary.estimate_utm_crs()
        self.county_m = boundary.to_crs(self.metric_crs).union_all()
        self._to_metric_xy = Transformer.from_crs(WGS84, self.metric_crs, always_xy=True).transform
        self.town = town or town_extent()
        shapely.prepare(self.county_m)

    def _to_metric(self, lon: float, lat: float) -> Point:
        return Point(self._to_metric_xy(lon, lat))

    def _in_county(self, lon: float, lat: float) -> bool:
        return -180 <= lon <= 180 and -90 <= lat <= 90 and self.county_m.contains(self._to_metric(lon, lat))

    def problem(self, lon: float, lat: float) -> tuple[str, dict[str, Any]] | None:
        """``(key, params)`` of what is wrong with a station at ``lon``/``lat``, or ``None``."""
        if not self._in_county(lon, lat) and self._in_county(lat, lon):
            return "err_lonlat_swapped", {"lon": lon, "lat": lat}
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return "err_not_degrees", {"lon": lon, "lat": lat}
        point_m = self._to_metric(lon, lat)
        if self.county_m.contains(point_m):
            outside_m = self.town.distance_outside_m(lon, lat)
            if outside_m > self.town.margin_m:
                return "err_outside_town_extent", {"lon": lon, "lat": lat, "km": outside_m / 1000,
                                                   **self.town.label_params()}
            return None
        outside_m = self.county_m.distance(point_m)
        if outside_m <= BOUNDARY_TOLERANCE_M:
            return "err_near_county_edge", {"lon": lon, "lat": lat, "m": outside_m}
        return "err_outside_county", {"lon": lon, "lat": lat, "km": outside_m / 1000}


@cache
def default_place_checker() -> PlaceChecker:
    """The checker against the shipped county outline (built once)."""
    return PlaceChecker(load_county_boundary())


@cache
def _default_community_codes() -> frozenset[str]:
    return frozenset(load_communities()["code"])


def text_problem(value: Any, *, max_chars: int = MAX_NAME_CHARS, nullable: bool = False) -> tuple[str, dict[str, Any]] | None:
    """``(key, params)`` when ``value`` is not acceptable plain text for a name or an address:
    empty, too long, control characters, template/script syntax; ``None`` when it is fine."""
    if value is None and nullable:
        return None
    if not isinstance(value, str) or not value.strip():
        return ("err_text_required_or_null" if nullable else "err_text_required"), {}
    if len(value) > max_chars:
        return "err_text_too_long", {"n": len(value), "limit": max_chars}
    if any(ord(ch) < 32 for ch in value):
        return "err_text_control", {}
    return markup_problem(value)


def station_property_problems(props: dict, communities: set[str]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    """``(field, message key, params)`` of everything wrong with one station's properties
    (``communities``: the NBS codes allowed)."""
    missing = [key for key in REQUIRED_PROPERTIES if key not in props]
    if missing:
        yield ", ".join(missing), "err_missing", {}
    station_id = props.get("id")
    if "id" not in missing and not (isinstance(station_id, str) and _ID_PATTERN.match(station_id)):
        yield "id", "err_bad_id", {"value": repr(station_id)}
    if "station_type" not in missing and props["station_type"] not in {t.value for t in StationType}:
        yield "station_type", "err_bad_station_type", {"value": str(props["station_type"]),
                                                       "allowed": ", ".join(t.value for t in StationType)}
    for key in ("name_zh", "name_en", "address", "operator", "source"):
        limit = MAX_NAME_CHARS if key.startswith("name") else MAX_TEXT_CHARS
        if key not in missing and (found := text_problem(props.get(key), max_chars=limit, nullable=key in NULLABLE_PROPERTIES)):
            yield key, *found
    if "community_code" not in missing and props["community_code"] is not None and str(props["community_code"]) not in communities:
        yield "community_code", "err_bad_community", {"value": str(props["community_code"])}
    if "amenities" not in missing:
        amenities = props["amenities"]
        if not isinstance(amenities, list) or not all(isinstance(a, str) for a in amenities):
            yield "amenities", "err_amenities_not_list", {}
        else:
            unknown = sorted(set(amenities) - AMENITIES.keys())
            if unknown:
                yield "amenities", "err_unknown_amenity", {"unknown": ", ".join(unknown), "allowed": ", ".join(AMENITIES)}
            if len(set(amenities)) != len(amenities):
                yield "amenities", "err_amenity_repeated", {}
    if "opening_hours" not in missing:
        hours = props["opening_hours"]
        if not isinstance(hours, str) or not opening_hours.validate(hours):
            yield "opening_hours", "err_bad_hours", {"value": repr(hours)}
    phone = props.get("phone")
    if "phone" not in missing and phone is not None and not (isinstance(phone, str) and _PHONE_PATTERN.match(phone)):
        yield "phone", "err_bad_phone", {"value": repr(phone)}
    if "location_status" not in missing and props["location_status"] not in {s.value for s in LocationStatus}:
        yield "location_status", "err_bad_location_status", {"value": str(props["location_status"]),
                                                             "allowed": ", ".join(s.value for s in LocationStatus)}
    if "hours_status" not in missing and props["hours_status"] not in {s.value for s in HoursStatus}:
        yield "hours_status", "err_bad_status", {"value": str(props["hours_status"])}
    if props.get("verified_on") is not None and not _is_iso_date(props["verified_on"]):
        yield "verified_on", "err_bad_date", {"value": repr(props["verified_on"])}
    if props.get("verification_method") is not None and (found := text_problem(props["verification_method"])):
        yield "verification_method", *found


def _is_iso_date(value: Any) -> bool:
    try:
        return isinstance(value, str) and date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def _coordinates_ok(coords: Any) -> bool:
    return (isinstance(coords, list) and len(coords) in (2, 3)
            and all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in coords))


def validate_feature_collection(
    doc: Any,
    *,
    boundary: gpd.GeoDataFrame | None = None,
    community_codes: Iterable[str] | None = None,
) -> tuple[list[dict], list[Problem]]:
    """Check a parsed GeoJSON document; return its features and every problem found."""
    problems: list[Problem] = []
    features = _check_collection(doc, problems)
    if features is None:
        return [], problems
    checker = PlaceChecker(boundary) if boundary is not None else default_place_checker()
    communities = set(community_codes) if community_codes is not None else _default_community_codes()
    seen_ids: dict[str, int] = {}
    for row, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(Problem("err_not_feature", row=row))
            continue
        props = feature.get("properties")
        if not isinstance(props, dict):
            problems.append(Problem("err_no_properties", row=row))
            continue
        station_id = props.get("id") if isinstance(props.get("id"), str) else None
        where = {"row": row, "station_id": station_id}
        for key, message_key, params in station_property_problems(props, communities):
            problems.append(Problem(message_key, params, field=key, **where))
        if station_id is not None:
            if station_id in seen_ids:
                problems.append(Problem("err_duplicate_id", {"first": seen_ids[station_id]}, field="id", **where))
            else:
                seen_ids[station_id] = row
        geometry = feature.get("geometry")
        if not geometry:
            problems.append(Problem("err_no_geometry", field="geometry", **where))
            continue
        if not isinstance(geometry, dict) or geometry.get("type") != "Point":
            kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
            problems.append(Problem("err_not_point", {"kind": str(kind)}, field="geometry", **where))
            continue
        coords = geometry.get("coordinates")
        if not _coordinates_ok(coords):
            problems.append(Problem("err_bad_coordinates", {"value": repr(coords)}, field="geometry", **where))
            continue
        if found := checker.problem(float(coords[0]), float(coords[1])):
            problems.append(Problem(found[0], found[1], field="geometry", **where))
    return features, problems
