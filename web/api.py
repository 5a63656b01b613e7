"""The open API, version 1 (``/api/v1/...``): for the light rider page and for partner apps
(delivery platforms' rider apps, the union's map).

- ``GET /nearest``: the k nearest stations, the same answer as ``python -m geo nearest --json``;
- ``GET /rider``: the rider's never-empty answer (what the rider pages show);
- ``GET /stations``, ``GET /stations/{id}``: the register as GeoJSON (``?datum=gcj02`` for Amap);
- ``GET /places?q=``: the offline gazetteer (landmarks, villages/communities, stations);
- ``POST /feedback``: one-tap station feedback, into the same report store, with the same
  per-address limits and privacy promise as the report page;
- ``GET /openapi.json``: the OpenAPI 3.1 document, written from the same declarations that check
  the requests (:mod:`web.params`).

Positions in requests are personal data (PIPL): they are used for the answer and never logged
(the server writes no access log; failures are logged by type and path only, never with the
query) and never stored, except a feedback's place when the rider sends it. Cross-origin use is
allowed only for the origins the deployer lists in ``GAOHE_API_CORS_ORIGINS``.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from geo.errors import GeoDataError, InvalidReportError, RateLimitedError, ReportError
from geo.feedback.limits import client_address, connection_address, trusted_proxies
from geo.feedback.shared import shared_limiter, shared_store
from geo.feedback.vocabulary import PlaceSource, StationIssue
from geo.hours import now_local
from geo.i18n import LANGUAGES, t
from geo.place.datum import Datum, convert
from geo.register.model import AMENITIES, TOWN_EXTENT_LONLAT, TOWN_EXTENT_MARGIN_M, StationType
from geo.rider.answer import PARKING_TYPES, REST_TYPES, answer_rider
from geo.rider.page import RIDER_AMENITIES
from geo.rider.quick import quick_answer
from geo.rider.serialise import answer_payload
from geo.rider.snapshot import RegisterSnapshot, load_snapshot
from web.params import InvalidRequest, Param, Problem, parse_query

_LOG = logging.getLogger("gaohe.api")

#: Where the API is served; the OpenAPI document's server.
BASE_PATH = "/api/v1"
#: Largest JSON body a feedback may have, in bytes.
MAX_BODY_BYTES = 4096
#: Feedback kinds (the API's words) and the report store's station issues.
FEEDBACK_KINDS: dict[str, StationIssue] = {
    "closed": StationIssue.CLOSED,
    "moved": StationIssue.NOT_HERE,
    "missing_amenity": StationIssue.AMENITY_MISSING,
    "hours_wrong": StationIssue.WRONG_HOURS,
    "other": StationIssue.OTHER,
}
STATION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"
SUBMISSION_KEY_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
#: The cookie with the reporter's random token (shared with the report page's per-session limit).
REPORT_TOKEN_COOKIE = "gh_report_token"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
MAX_K = 100
MAX_DISTANCE_M = 1_000_000.0
DATUMS = tuple(d.value for d in Datum)

# --- parameters -----------------------------------------------------------------------------

LANG = Param("lang", "choice", "Language of messages (default: the request's Accept-Language, else English).",
             choices=tuple(LANGUAGES))
LON = Param("lon", "number", "Longitude of the query point, degrees (in `datum`).", required=True, low=-180, high=180,
            example=116.8236)
LAT = Param("lat", "number", "Latitude of the query point, degrees (in `datum`).", required=True, low=-90, high=90,
            example=30.7374)
DATUM = Param("datum", "choice", "Datum of the query point: wgs84 (GPS), gcj02 (Amap, Tencent), bd09 (Baidu).",
              choices=DATUMS, default="wgs84")
OUT_DATUM = Param("out_datum", "choice", "Datum of the positions in the answer (default wgs84, as the CLI prints).",
                  choices=DATUMS, default="wgs84")
NEAREST_PARAMS = (
    LON, LAT, DATUM, OUT_DATUM,
    Param("k", "integer", f"How many stations (1-{MAX_K}).", low=1, high=MAX_K, default=3),
    Param("open_at", "datetime", "Only stations open at this time (ISO 8601; without an offset: Beijing time)."),
    Param("amenity", "choice", "Wanted amenities (repeatable).", repeat=True, choices=tuple(AMENITIES)),
    Param("amenity_match", "choice", "all: a station has every wanted amenity (the CLI's meaning); any: at least one.",
          choices=("all", "any"), default="all"),
    Param("type", "choice", "Station types (repeatable; default all).", repeat=True,
          choices=tuple(t.value for t in StationType)),
    Param("max_distance_m", "number", "Leave out stations further than this (metres, straight line).", low=0,
          low_exclusive=True, high=MAX_DISTANCE_M),
    LANG,
)
RIDER_PARAMS = (
    LON, LAT, DATUM,
    Param("mode", "choice", "rest: rest stops; parking: e-bike parking points.", choices=("rest", "parking"),
          default="rest"),
    Param("amenity", "choice", "Wanted amenities of a rest stop (repeatable; any one of them will do).", repeat=True,
          choices=RIDER_AMENITIES),
    Param("open_now", "boolean", "Only places open now (default true); when none is, the answer says what is.",
          default=True),
    Param("k", "integer", "How many places (1-20).", low=1, high=20, default=3),
    LANG,
)
STATIONS_PARAMS = (
    Param("datum", "choice", "Datum of the coordinates: wgs84 (RFC 7946), gcj02 (Amap), bd09 (Baidu).",
          choices=DATUMS, default="wgs84"),
    Param("type", "choice", "Station types (repeatable; default all).", repeat=True,
          choices=tuple(t.value for t in StationType)),
    LANG,
)
STATION_ID = Param("id", "text", "Station id, e.g. PM-04.", where="path", pattern=STATION_ID_PATTERN, example="PM-04")
STATION_PARAMS = (STATIONS_PARAMS[0], LANG)
PLACES_PARAMS = (
    Param("q", "text", "What the rider typed: Chinese, pinyin or English.", required=True, max_length=80,
          example="火车站"),
    Param("limit", "integer", "How many places (1-10).", low=1, high=10, default=5),
    LANG,
)


# --- responses ------------------------------------------------------------------------------


def request_language(request: Request) -> str:
    """``?lang=`` when valid, else the first language of Accept-Language we speak, else English."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def json_response(payload: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)


def error_response(status: int, key: str, lang: str, headers: dict[str, str] | None = None, **values: Any) -> Response:
    return json_response({"detail": t(key, lang, **values), "type": key}, status, headers)


def invalid_response(err: InvalidRequest, lang: str) -> Response:
    return json_response({"detail": [problem.payload(lang) for problem in err.problems]}, 422)


def _guarded(handler: Callable) -> Callable:
    """Answers the request with ``handler``; an invalid request gets 422 with every problem, an
    unreadable register 503, anything unexpected 500 with a message and no traceback. Failures
    are logged by type and path only: the query string holds positions."""
    async def endpoint(request: Request) -> Response:
        lang = request_language(request)
        try:
            return await handler(request, lang)
        except InvalidRequest as err:
            return invalid_response(err, lang)
        except (GeoDataError, OSError) as err:
            _LOG.error("api %s: the register could not be read (%s)", request.url.path, type(err).__name__)
            return error_response(503, "api_err_register", lang)
        except Exception as err:  # noqa: BLE001 - the caller gets a message, never a traceback
            _LOG.error("api %s failed: %s", request.url.path, type(err).__name__)
            return error_response(500, "api_err_internal", lang)

    endpoint.__name__ = handler.__name__
    return endpoint


def _snapshot() -> RegisterSnapshot:
    return load_snapshot()


def _to_wgs84(lon: float, lat: float, datum: str) -> tuple[float, float]:
    lon_w, lat_w = convert(lon, lat, source=datum, target=Datum.WGS84)
    return float(lon_w), float(lat_w)


# --- endpoints ------------------------------------------------------------------------------


async def nearest(request: Request, lang: str) -> Response:
    values = parse_query(NEAREST_PARAMS, request.query_params.multi_items())
    snapshot = _snapshot()
    lon, lat = _to_wgs84(values["lon"], values["lat"], values["datum"])
    open_at = values["open_at"]
    rows = snapshot.nearest(lon, lat, k=values["k"], max_distance_m=values["max_distance_m"],
                            station_types=values["type"] or None, amenities=values["amenity"],
                            amenities_match=values["amenity_match"], open_at=open_at)
    if values["out_datum"] != Datum.WGS84.value:
        for row in rows:
            row["lon"], row["lat"] = (round(float(v), 7) for v in convert(row["lon"], row["lat"], source=Datum.WGS84,
                                                                         target=values["out_datum"]))
    return json_response({
        "query": {"lon": values["lon"], "lat": values["lat"], "datum": values["datum"], "k": values["k"],
                  "open_at": None if open_at is None else open_at.isoformat(timespec="minutes"),
                  "amenity": values["amenity"], "amenity_match": values["amenity_match"], "type": values["type"],
                  "max_distance_m": values["max_distance_m"]},
        "datum": values["out_datum"],
        "register_version": snapshot.version,
        "results": rows,
    })


def rider_answer(snapshot: RegisterSnapshot, lon: float, lat: float, *, mode: str, amenities: list[str],
                 open_now: bool, k: int, moment: datetime) -> dict[str, Any]:
    """The rider's never-empty answer as JSON (the page and ``/rider`` use this): from the
    snapshot in a millisecond (:func:`geo.rider.quick.quick_answer`), or by road with
    :func:`geo.rider.answer.answer_rider` when a road network is configured."""
    roads = road_network()
    if roads is None:
        return quick_answer(snapshot, lon, lat, mode=mode, amenities=amenities, open_now=open_now, k=k, moment=moment)
    answer = answer_rider(snapshot.stations, lon, lat, station_types=PARKING_TYPES if mode == "parking" else REST_TYPES,
                          amenities=amenities, open_now=open_now, moment=moment, k=k, roads=roads)
    return answer_payload(answer, lon=lon, lat=lat, moment=moment, mode=mode, amenities=amenities,
                          open_now=open_now, k=k, register_version=snapshot.version)


def road_network():
    """The deployer's road network (``GAOHE_ROADS``), or ``None``."""
    path = os.environ.get("GAOHE_ROADS", "").strip()
    if not path:
        return None
    from geo.place.roads import load_road_network  # built once, then read from its cache

    return load_road_network(path)


def answer_moment() -> datetime:
    """The moment of an answer: now (or the fixed test clock), to the minute."""
    return now_local().replace(second=0, microsecond=0)


async def rider(request: Request, lang: str) -> Response:
    values = parse_query(RIDER_PARAMS, request.query_params.multi_items())
    snapshot = _snapshot()
    lon, lat = _to_wgs84(values["lon"], values["lat"], values["datum"])
    amenities = values["amenity"] if values["mode"] == "rest" else []
    payload = await run_in_threadpool(rider_answer, snapshot, lon, lat, mode=values["mode"], amenities=amenities,
                                      open_now=values["open_now"], k=values["k"], moment=answer_moment())
    return json_response(payload)


def _conditional(request: Request, payload: Any, version: str, extra: str) -> Response:
    """``payload`` with an ETag of the register version (and the variant), 304 when the client has it."""
    tag = f'"{version}-{extra}"'
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if tag in [part.strip() for part in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return json_response(payload, headers=headers)


async def stations(request: Request, lang: str) -> Response:
    values = parse_query(STATIONS_PARAMS, request.query_params.multi_items())
    snapshot = _snapshot()
    wanted = set(values["type"])
    rows = [row for row, record in enumerate(snapshot.records) if not wanted or record["station_type"] in wanted]
    collection = snapshot.feature_collection(values["datum"], rows=rows)
    collection |= {"datum": values["datum"], "register_version": snapshot.version,
                   "register_modified": snapshot.modified_at.isoformat(timespec="minutes")}
    return _conditional(request, collection, snapshot.version, f"{values['datum']}-{'.'.join(sorted(wanted))}")


async def station(request: Request, lang: str) -> Response:
    values = parse_query(STATION_PARAMS, request.query_params.multi_items())
    station_id = request.path_params["id"]
    _, problem = STATION_ID.convert(station_id)
    if problem is not None:
        raise InvalidRequest([problem])
    snapshot = _snapshot()
    row = snapshot.position_of.get(station_id)
    if row is None:
        return error_response(404, "api_err_station_unknown", lang, id=station_id)
    feature = snapshot.feature(row, values["datum"]) | {"datum": values["datum"], "register_version": snapshot.version}
    return _conditional(request, feature, snapshot.version, values["datum"])


async def places(request: Request, lang: str) -> Response:
    values = parse_query(PLACES_PARAMS, request.query_params.multi_items())
    snapshot = _snapshot()
    found = await run_in_threadpool(snapshot.search, values["q"], limit=values["limit"])
    return json_response({"query": values["q"], "places": [
        {"name_zh": p.name_zh, "name_en": p.name_en, "kind": p.kind,
         "lon": None if p.lon is None else round(p.lon, 7), "lat": None if p.lat is None else round(p.lat, 7),
         "note_zh": p.note_zh, "note_en": p.note_en, "score": round(p.score, 1)} for p in found]})


# --- feedback -------------------------------------------------------------------------------

def _feedback_extent() -> tuple[float, float, float, float]:
    """The town's approximate extent with a margin, in degrees (rounded inwards): a place inside is
    always one the report store takes (:func:`geo.feedback.store.check_place`: within 1 km of the
    extent), even at a corner, where the two margins add up (0.68 km on each axis: 0.96 km)."""
    west, south, east, north = TOWN_EXTENT_LONLAT
    margin_m = 0.68 * TOWN_EXTENT_MARGIN_M
    d_lat = margin_m / 111_320.0
    d_lon = margin_m / (111_320.0 * math.cos(math.radians(north + d_lat)))
    return (math.ceil((west - d_lon) * 1e4) / 1e4, math.ceil((south - d_lat) * 1e4) / 1e4,
            math.floor((east + d_lon) * 1e4) / 1e4, math.floor((north + d_lat) * 1e4) / 1e4)


#: West, south, east, north: where a feedback may place a station.
FEEDBACK_EXTENT = _feedback_extent()

FEEDBACK_FIELDS: dict[str, dict[str, Any]] = {
    "station": {"type": "string", "pattern": STATION_ID_PATTERN, "description": "Station id, e.g. PM-04."},
    "kind": {"type": "string", "enum": list(FEEDBACK_KINDS),
             "description": "closed 没开门, moved 不在这里, missing_amenity 设施缺失, hours_wrong 时间不对, other 其他."},
    "amenity": {"type": "string", "enum": list(AMENITIES),
                "description": "The missing amenity (only, and required, for missing_amenity)."},
    "lon": {"type": "number", "minimum": FEEDBACK_EXTENT[0], "maximum": FEEDBACK_EXTENT[2],
            "description": "Where the station really is (WGS-84), only if the rider chose to send it; with lat. "
                           "Within Gaohe town's approximate extent."},
    "lat": {"type": "number", "minimum": FEEDBACK_EXTENT[1], "maximum": FEEDBACK_EXTENT[3], "description": "See lon."},
    "note": {"type": "string", "maxLength": 500, "description": "A few words (at most 500 characters)."},
    "submission_key": {"type": "string", "pattern": SUBMISSION_KEY_PATTERN,
                       "description": "A random key of this feedback: sent again (a retry), it files nothing new."},
}


def _body_problems(body: Any) -> list[Problem]:
    """Every way ``body`` breaks the ``Feedback`` schema (:data:`FEEDBACK_FIELDS` and its rules)."""
    if not isinstance(body, dict):
        return [Problem(("body",), "api_err_body_object", {})]
    problems: list[Problem] = []
    for name in body:
        if name not in FEEDBACK_FIELDS:
            problems.append(Problem(("body", str(name)[:40]), "api_err_field_unknown", {"name": str(name)[:40]}))
    for name in ("station", "kind"):
        if name not in body:
            problems.append(Problem(("body", name), "api_err_required", {"name": name}))
    for name, spec in FEEDBACK_FIELDS.items():
        if name not in body:
            continue
        value = body[name]
        if spec["type"] == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(Problem(("body", name), "api_err_field_type", {"name": name, "expected": "number"}))
            elif not spec["minimum"] <= value <= spec["maximum"]:
                problems.append(Problem(("body", name), "api_err_number_range", {
                    "name": name, "value": value, "low": spec["minimum"], "high": spec["maximum"]}))
        elif not isinstance(value, str):
            problems.append(Problem(("body", name), "api_err_field_type", {"name": name, "expected": "text"}))
        elif "enum" in spec and value not in spec["enum"]:
            problems.append(Problem(("body", name), "api_err_choice", {"name": name, "value": value[:40],
                                                                       "allowed": ", ".join(spec["enum"])}))
        elif "pattern" in spec and not re.match(spec["pattern"], value):
            problems.append(Problem(("body", name), "api_err_text", {"name": name, "value": value[:40]}))
        elif "maxLength" in spec and len(value) > spec["maxLength"]:
            problems.append(Problem(("body", name), "api_err_too_long", {"name": name, "max": spec["maxLength"]}))
    if ("lon" in body) != ("lat" in body):
        problems.append(Problem(("body", "lon"), "api_err_place_pair", {}))
    if body.get("kind") == "missing_amenity" and "amenity" not in body:
        problems.append(Problem(("body", "amenity"), "api_err_amenity_needed", {}))
    elif body.get("kind") != "missing_amenity" and "amenity" in body:
        problems.append(Problem(("body", "amenity"), "api_err_amenity_only", {}))
    return problems


def _expected_words(problems: list[Problem], lang: str) -> list[Problem]:
    """The ``expected`` value of type problems in ``lang`` (a word from the catalogue)."""
    return [Problem(p.location, p.key, {**p.values, "expected": t(f"api_type_{p.values['expected']}", lang)})
            if "expected" in p.values else p for p in problems]


async def _read_body(request: Request) -> bytes | None:
    """The body, or ``None`` when it is larger than :data:`MAX_BODY_BYTES`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return body


def _report_error_text(err: ReportError, lang: str) -> str:
    try:
        return t(err.key, lang, **err.params)
    except (KeyError, IndexError):
        return str(err)


async def feedback(request: Request, lang: str) -> Response:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return error_response(415, "api_err_body_type", lang)
    raw = await _read_body(request)
    if raw is None:
        return error_response(413, "api_err_body_too_large", lang, max=MAX_BODY_BYTES)
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=lambda name: float("nan"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest([Problem(("body",), "api_err_body_json", {})]) from None
    problems = _body_problems(body)
    if problems:
        raise InvalidRequest(_expected_words(problems, lang))
    snapshot = _snapshot()
    if body["station"] not in snapshot.position_of:
        return error_response(404, "api_err_station_unknown", lang, id=body["station"])
    record = snapshot.records[snapshot.position_of[body["station"]]]
    told_place = body.get("lon") is not None
    lon, lat = (body["lon"], body["lat"]) if told_place else (record["lon"], record["lat"])

    sent_token = request.cookies.get(REPORT_TOKEN_COOKIE, "")
    token = sent_token if _TOKEN.match(sent_token) else secrets.token_hex(16)
    forwarded = request.headers.get("x-forwarded-for")
    address = client_address(connection_address(request.client.host if request.client else None, forwarded),
                             forwarded, connected=True, proxies=trusted_proxies())
    limiter = shared_limiter()
    try:
        limiter.acquire(session=token, address=address)
    except RateLimitedError as err:
        minutes = int(err.params.get("minutes", 1))
        return error_response(429, err.key, lang, headers={"Retry-After": str(minutes * 60)}, **err.params)
    try:
        filed = await run_in_threadpool(
            lambda: shared_store().file_station_feedback(
                station_id=body["station"], issue=FEEDBACK_KINDS[body["kind"]], amenity=body.get("amenity"),
                note=body.get("note"), lon=lon, lat=lat,
                place_source=PlaceSource.REPORTER if told_place else PlaceSource.REGISTER,
                submission_key=body.get("submission_key")))
    except InvalidReportError as err:
        limiter.release(session=token, address=address)
        field = {"report_error_outside_town": "lon", "report_error_place": "lon", "report_error_note_too_long": "note",
                 "report_error_photo_empty": "photo"}.get(err.key, "body")
        return json_response({"detail": [{"loc": ["body", field], "msg": _report_error_text(err, lang),
                                          "type": err.key}]}, 422)
    except ReportError as err:  # the database is busy, full or unreachable: nothing was stored
        limiter.release(session=token, address=address)
        _LOG.error("api feedback not stored: %s", err.key)
        return json_response({"detail": _report_error_text(err, lang), "type": err.key}, 503)
    response = json_response({"reference": filed.reference, "status_url": f"report?code={filed.reference}",
                              "resent": filed.resent}, 200 if filed.resent else 201)
    if token != sent_token:
        window_s = int(max(limiter.session_limit.window_s, limiter.address_limit.window_s))
        response.set_cookie(REPORT_TOKEN_COOKIE, token, max_age=window_s, path="/", samesite="strict",
                            secure=request.url.scheme == "https")
    return response


async def openapi_document(request: Request, lang: str) -> Response:
    from web.openapi import openapi_spec

    return json_response(openapi_spec(), headers={"Cache-Control": "no-cache"})


# --- the application ------------------------------------------------------------------------


def cors_origins(environ: dict[str, str] | None = None) -> list[str]:
    """Origins allowed to call the API from a browser: ``GAOHE_API_CORS_ORIGINS``, comma-separated
    (e.g. ``https://map.union.example``); none by default."""
    text = (os.environ if environ is None else environ).get("GAOHE_API_CORS_ORIGINS", "")
    return [origin.strip().rstrip("/") for origin in text.split(",") if origin.strip()]


async def _not_found(request: Request, exc: Exception) -> Response:
    return error_response(404, "api_err_not_found", request_language(request))


async def _not_allowed(request: Request, exc: Exception) -> Response:
    allowed = dict(getattr(exc, "headers", None) or {}).get("Allow", "")
    return error_response(405, "api_err_method", request_language(request), headers={"Allow": allowed} if allowed else None,
                          method=request.method[:10])


ENDPOINTS: dict[str, tuple[str, Callable, tuple[Param, ...]]] = {
    "/nearest": ("GET", nearest, NEAREST_PARAMS),
    "/rider": ("GET", rider, RIDER_PARAMS),
    "/stations": ("GET", stations, STATIONS_PARAMS),
    "/stations/{id}": ("GET", station, (STATION_ID, *STATION_PARAMS)),
    "/places": ("GET", places, PLACES_PARAMS),
    "/feedback": ("POST", feedback, ()),
    "/openapi.json": ("GET", openapi_document, ()),
}


def api_app() -> Starlette:
    """The API as an ASGI application, to be mounted at :data:`BASE_PATH`."""
    routes = [Route(path, _guarded(handler), methods=[method]) for path, (method, handler, _) in ENDPOINTS.items()]
    origins = cors_origins()
    middleware = [Middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
                             allow_headers=["Content-Type"], max_age=600)] if origins else []
    return Starlette(routes=routes, middleware=middleware,
                     exception_handlers={404: _not_found, 405: _not_allowed})
