"""The OpenAPI 3.1 document of the open API (``/api/v1/openapi.json``).

Parameters come from the declarations that check the requests (:mod:`web.api`,
:mod:`web.params`); the response schemas below are checked against the real responses by the
tests (schemathesis fuzzes every operation, and the unit tests validate answers with them).
"""

from __future__ import annotations

import functools
from typing import Any

from geo.register.model import AMENITIES, HoursStatus, LocationStatus, StationType
from geo.rider.answer import EMPTY_REASONS
from web.api import BASE_PATH, DATUMS, ENDPOINTS, FEEDBACK_FIELDS, MAX_BODY_BYTES

API_VERSION = "1.0.0"

_STATION_TYPE = {"type": "string", "enum": [t.value for t in StationType]}
_LOCATION_STATUS = {"type": "string", "enum": [s.value for s in LocationStatus]}
_MINUTE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$",
           "description": "Beijing wall-clock time to the minute."}


def _object(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required, **extra}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS: dict[str, Any] = {
    "NearestRow": _object({
        "query_index": {"type": "integer", "const": 0},
        "rank": {"type": "integer", "minimum": 1},
        "id": {"type": "string"},
        "station_type": _STATION_TYPE,
        "name_zh": {"type": "string"},
        "name_en": {"type": "string"},
        "location_status": _LOCATION_STATUS,
        "lon": {"type": "number"},
        "lat": {"type": "number"},
        "distance_m": {"type": "number", "minimum": 0, "description": "Straight line on the WGS-84 ellipsoid."},
        "route_m": {"type": "number", "minimum": 0, "description": "Estimated by road: straight line x 1.3."},
        "ebike_s": {"type": "number", "minimum": 0},
        "walk_s": {"type": "number", "minimum": 0},
    }, additionalProperties=False),
    "NearestAnswer": _object({
        "query": {"type": "object"},
        "datum": {"type": "string", "enum": list(DATUMS)},
        "register_version": {"type": "string"},
        "results": {"type": "array", "items": _ref("NearestRow")},
    }),
    "Opening": _object({
        "state": {"type": "string", "enum": ["open", "closed", "unknown"]},
        "next_change": {"oneOf": [_MINUTE, {"type": "null"}]},
    }),
    "RiderRow": _object({
        "rank": {"type": "integer", "minimum": 1},
        "id": {"type": "string"},
        "station_type": _STATION_TYPE,
        "name_zh": {"type": "string"},
        "name_en": {"type": "string"},
        "location_status": _LOCATION_STATUS,
        "opening_hours": {"type": "string", "description": "OpenStreetMap opening_hours."},
        "is_open": {"type": "boolean"},
        "lon": {"type": "number"},
        "lat": {"type": "number"},
        "distance_m": {"type": "number", "minimum": 0},
        "route_m": {"type": "number", "minimum": 0},
        "route_kind": {"type": "string", "enum": ["road", "straight"]},
        "ebike_s": {"type": "integer", "minimum": 0},
        "walk_s": {"type": "integer", "minimum": 0},
        "opening": _ref("Opening"),
    }, additionalProperties=False),
    "RiderAnswer": _object({
        "moment": _MINUTE,
        "position": _object({"lon": {"type": "number"}, "lat": {"type": "number"}}),
        "query": _object({
            "mode": {"type": "string", "enum": ["rest", "parking"]},
            "amenities": {"type": "array", "items": {"type": "string", "enum": list(AMENITIES)}},
            "amenities_match": {"type": "string", "const": "any"},
            "open_now": {"type": "boolean"},
            "k": {"type": "integer"},
        }),
        "register_version": {"type": "string"},
        "route_kind": {"type": "string", "enum": ["road", "straight"]},
        "results": {"type": "array", "items": _ref("RiderRow")},
        "empty_reason": {"oneOf": [{"type": "string", "enum": list(EMPTY_REASONS)}, {"type": "null"}]},
        "open_now": {"oneOf": [{"type": "array", "items": _ref("RiderRow")}, {"type": "null"}]},
        "next_opening": {"oneOf": [_object({
            "id": {"type": "string"}, "name_zh": {"type": "string"}, "name_en": {"type": "string"},
            "opens_at": _MINUTE, "distance_m": {"type": "number", "minimum": 0}}), {"type": "null"}]},
    }),
    "StationProperties": _object({
        "id": {"type": "string"},
        "station_type": _STATION_TYPE,
        "name_zh": {"type": "string"},
        "name_en": {"type": "string"},
        "community_code": {"type": ["string", "null"]},
        "address": {"type": ["string", "null"]},
        "amenities": {"type": "array", "items": {"type": "string", "enum": list(AMENITIES)}},
        "opening_hours": {"type": "string"},
        "operator": {"type": ["string", "null"]},
        "phone": {"type": ["string", "null"]},
        "location_status": _LOCATION_STATUS,
        "hours_status": {"type": "string", "enum": [s.value for s in HoursStatus]},
        "source": {"type": "string"},
        "verified_on": {"type": ["string", "null"]},
        "verification_method": {"type": ["string", "null"]},
    }, required=["id", "station_type", "name_zh", "name_en", "community_code", "address", "amenities",
                 "opening_hours", "operator", "phone", "location_status", "hours_status", "source"]),
    "Station": _object({
        "type": {"type": "string", "const": "Feature"},
        "id": {"type": "string"},
        "properties": _ref("StationProperties"),
        "geometry": _object({"type": {"type": "string", "const": "Point"},
                             "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2,
                                             "maxItems": 2}}),
    }, required=["type", "id", "properties", "geometry"]),
    "StationCollection": _object({
        "type": {"type": "string", "const": "FeatureCollection"},
        "features": {"type": "array", "items": _ref("Station")},
        "datum": {"type": "string", "enum": list(DATUMS)},
        "register_version": {"type": "string"},
        "register_modified": _MINUTE,
    }),
    "Places": _object({
        "query": {"type": "string"},
        "places": {"type": "array", "items": _object({
            "name_zh": {"type": "string"}, "name_en": {"type": "string"}, "kind": {"type": "string"},
            "lon": {"type": ["number", "null"]}, "lat": {"type": ["number", "null"]},
            "note_zh": {"type": "string"}, "note_en": {"type": "string"},
            "score": {"type": "number", "minimum": 0, "maximum": 100}})},
    }),
    "Feedback": _object(FEEDBACK_FIELDS, required=["station", "kind"], additionalProperties=False,
                        dependentRequired={"lon": ["lat"], "lat": ["lon"]},
                        allOf=[{"if": {"properties": {"kind": {"const": "missing_amenity"}}, "required": ["kind"]},
                                "then": {"required": ["amenity"]}, "else": {"not": {"required": ["amenity"]}}}]),
    "FeedbackReceipt": _object({
        "reference": {"type": "string", "pattern": r"^GH-[0-9A-Z]{4}-[0-9A-Z]{4}$"},
        "status_url": {"type": "string", "description": "Relative to the app: where the state of the report shows."},
        "resent": {"type": "boolean", "description": "This feedback had been sent before: nothing new was filed."},
    }),
    "ValidationError": _object({
        "detail": {"type": "array", "minItems": 1, "items": _object({
            "loc": {"type": "array", "items": {"type": "string"}},
            "msg": {"type": "string", "minLength": 1},
            "type": {"type": "string"}})},
    }),
    "Error": _object({"detail": {"type": "string", "minLength": 1}, "type": {"type": "string"}}),
}


def _response(description: str, schema: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}
    if headers:
        response["headers"] = headers
    return response


_ERRORS = {
    "422": _response("A parameter or the body is wrong: every problem, each with its place and a clear message.",
                     "ValidationError"),
    "500": _response("An unexpected failure (no traceback is sent).", "Error"),
    "503": _response("The register or the report store cannot be used right now.", "Error"),
}

_OPERATIONS: dict[str, dict[str, Any]] = {
    "/nearest": {
        "operationId": "nearest",
        "summary": "The k nearest stations of a point",
        "description": "The same answer as `python -m geo nearest --lon .. --lat .. --json`: exact ellipsoidal "
                       "(WGS-84) distances, by default the k nearest of any type and opening hours.",
        "responses": {"200": _response("The nearest stations, nearest first.", "NearestAnswer")},
    },
    "/rider": {
        "operationId": "rider",
        "summary": "A rider's answer: the nearest fitting places, never empty",
        "description": "What the rider pages show: when nothing fits (all closed at night, no station with the "
                       "amenities), why, what is open now (e-bike parking points are open 24/7) and what opens "
                       "first.",
        "responses": {"200": _response("The answer.", "RiderAnswer")},
    },
    "/stations": {
        "operationId": "stations",
        "summary": "The station register as GeoJSON",
        "description": "RFC 7946 in WGS-84; `datum=gcj02` gives Amap's coordinates (then not RFC 7946, said in "
                       "`datum`). ETag: the register's version.",
        "responses": {"200": _response("Every station.", "StationCollection"),
                      "304": {"description": "Unchanged since the ETag sent in If-None-Match."}},
    },
    "/stations/{id}": {
        "operationId": "station",
        "summary": "One station",
        "responses": {"200": _response("The station.", "Station"),
                      "304": {"description": "Unchanged since the ETag sent in If-None-Match."},
                      "404": _response("No station has this id.", "Error")},
    },
    "/places": {
        "operationId": "places",
        "summary": "Find a place by name (offline gazetteer)",
        "description": "Landmarks (with the names people use: 火车站 finds 安庆西站), the town's 24 "
                       "villages/communities and every station; Chinese, pinyin or English.",
        "responses": {"200": _response("Places, best match first (none below a score of 80).", "Places")},
    },
    "/feedback": {
        "operationId": "feedback",
        "summary": "One-tap feedback on a station",
        "description": "Filed in the same report store as the report page, with the same per-browser and "
                       "per-address limits. Nothing personal is asked or kept; a position is stored only when "
                       "sent as where the station really is.",
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Feedback")}}},
        "responses": {
            "201": _response("Filed: the reference code to follow it.", "FeedbackReceipt"),
            "200": _response("This feedback (its submission_key) was filed before: its reference.", "FeedbackReceipt"),
            "404": _response("The register has no station with this id.", "Error"),
            "413": _response(f"The body is larger than {MAX_BODY_BYTES} bytes.", "Error"),
            "415": _response("The body is not JSON.", "Error"),
            "429": _response("Too many reports in a short time from this browser or address.", "Error",
                             {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}),
        },
    },
    "/openapi.json": {
        "operationId": "openapi",
        "summary": "This document",
        "responses": {"200": {"description": "The OpenAPI 3.1 document.",
                              "content": {"application/json": {"schema": {"type": "object"}}}}},
    },
}


@functools.cache
def openapi_spec() -> dict[str, Any]:
    """The document (built once)."""
    paths: dict[str, Any] = {}
    for path, (method, _handler, params) in ENDPOINTS.items():
        operation = dict(_OPERATIONS[path])
        if params:
            operation["parameters"] = [param.openapi() for param in params]
        operation["responses"] = {**operation["responses"],
                                  **{code: value for code, value in _ERRORS.items()
                                     if path != "/openapi.json" or code == "500"}}
        paths[path] = {method.lower(): operation}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "高河驿站地图 Gaohe Station Map API",
            "version": API_VERSION,
            "description": "Rest and service stations for delivery riders in Gaohe Town (Huaining, Anhui): the "
                           "nearest ones from a point, the rider's never-empty answer, the register, place search "
                           "and one-tap feedback. Positions are used for the answer only: never logged or stored "
                           "(feedback keeps a place only when sent as where a station really is). Station "
                           "positions are placeholders until verified (`location_status`).",
            "license": {"name": "Data: see data/SOURCES.md"},
        },
        "servers": [{"url": BASE_PATH}],
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }
