"""The light rider page for phones, QR codes and shared links: ``/m``.

- ``/m?at=lon,lat`` (WGS-84), ``/m?station=ID``, ``?lang=en``, ``?mode=parking``,
  ``?amenity=..`` (any of them), ``?hours=any``, ``?k=5``, ``?q=`` (a place typed with no script):
  one HTML page with the answer already in it, so the first answer needs no script and no
  websocket; every link and form also works without the script.
- ``/m/static/NAME.HASH.EXT``: the page's script (``web/static/m-core.js`` + ``m.js``), Leaflet
  (the app's own copy in ``static/leaflet``) and the icons, cached for a year (the hash changes
  with the content);
- ``/m/offline.json?v=VERSION``: the register, opening times and gazetteer a phone keeps
  (:mod:`geo.rider.offline`);
- ``/m/sw.js``: the service worker that keeps the page working offline after a first visit;
- ``/m/manifest.webmanifest``: for "add to home screen".

Rider positions are personal data: the HTML carrying one is never cached by the server or
proxies (``Cache-Control: no-store``) nor sent on to other sites (``Referrer-Policy:
no-referrer``), and nothing here logs it.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import logging
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from geo.analysis.nearest import DETOUR_FACTOR, EBIKE_SPEED_KMH, WALK_SPEED_KMH
from geo.hours import fixed_clock
from geo.i18n import DEFAULT_LANGUAGE, LANGUAGES, label_of, name_in, t
from geo.maps.basemaps import BASEMAP_HOST_COUNTRY, Basemap, BasemapConfigError, BasemapSettings, basemap_settings
from geo.place.reference import community_names, load_communities
from geo.register.model import AMENITIES, COUNTY_SEAT_LONLAT, StationType
from geo.register.validate import town_extent
from geo.rider.offline import offline_payload
from geo.rider.page import (
    NAV_APPS,
    NAV_COOKIE,
    RESULT_COUNTS,
    RIDER_AMENITIES,
    PageContext,
    PageQuery,
    answer_messages,
    card_model,
    parse_page_query,
    script_strings,
    shown_rows,
    station_model,
)
from geo.rider.serialise import minute_text, opening_payload
from geo.rider.snapshot import RegisterSnapshot, load_snapshot
from web.api import answer_moment, rider_answer

_LOG = logging.getLogger("gaohe.mobile")

WEB_DIR = Path(__file__).resolve().parent
ROOT = WEB_DIR.parent
LEAFLET_DIR = ROOT / "static" / "leaflet"
#: ``Content-Language``-style tag of each page language.
HTML_LANG = {"zh": "zh-CN", "en": "en"}
API_URL = "api/v1/"

_TEMPLATES = Environment(loader=FileSystemLoader(WEB_DIR / "templates"), autoescape=select_autoescape(["html"]),
                         trim_blocks=True, lstrip_blocks=True)

#: Headers of every page: no position leaves in a Referer, scripts only from this site.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "img-src 'self' data: https:; connect-src 'self'; worker-src 'self'; "
                                "manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"),
}


@dataclass(frozen=True)
class Asset:
    """A static file, compressed once; ``name`` carries a hash of its content."""

    name: str
    body: bytes
    gzipped: bytes
    media_type: str


def _asset(stem: str, suffix: str, body: bytes, media_type: str) -> Asset:
    digest = hashlib.sha256(body).hexdigest()[:10]
    return Asset(f"{stem}.{digest}{suffix}", body, gzip.compress(body, compresslevel=9, mtime=0), media_type)


def _load_assets() -> dict[str, Asset]:
    script = (WEB_DIR / "static" / "m-core.js").read_bytes() + b"\n" + (WEB_DIR / "static" / "m.js").read_bytes()
    assets = [
        ("m", _asset("m", ".js", script, "text/javascript; charset=utf-8")),
        ("leaflet.js", _asset("leaflet", ".js", (LEAFLET_DIR / "leaflet.js").read_bytes(),
                              "text/javascript; charset=utf-8")),
        ("leaflet.css", _asset("leaflet", ".css", (LEAFLET_DIR / "leaflet.css").read_bytes(), "text/css; charset=utf-8")),
        ("icon-192", _asset("icon-192", ".png", (WEB_DIR / "static" / "icon-192.png").read_bytes(), "image/png")),
        ("icon-512", _asset("icon-512", ".png", (WEB_DIR / "static" / "icon-512.png").read_bytes(), "image/png")),
    ]
    return dict(assets)


ASSETS = _load_assets()
_BY_NAME = {asset.name: asset for asset in ASSETS.values()}


def asset_url(key: str) -> str:
    """The page-relative URL of an asset (``m/static/m.1a2b3c4d5e.js``)."""
    return f"m/static/{ASSETS[key].name}"


def _accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "")


def _body(request: Request, body: bytes, media_type: str, headers: dict[str, str], *, status_code: int = 200
          ) -> Response:
    """``body``, gzipped when the client takes it and it is worth it."""
    headers = dict(headers)
    if len(body) > 1024 and _accepts_gzip(request):
        body = gzip.compress(body, compresslevel=6, mtime=0)
        headers["Content-Encoding"] = "gzip"
    headers["Vary"] = "Accept-Encoding"
    return Response(body, status_code=status_code, media_type=media_type, headers=headers)


async def static_file(request: Request) -> Response:
    asset = _BY_NAME.get(request.path_params["name"])
    if asset is None:
        return Response(status_code=404, headers={"Cache-Control": "no-store"})
    headers = {"Cache-Control": "public, max-age=31536000, immutable", "Vary": "Accept-Encoding",
               "X-Content-Type-Options": "nosniff"}
    if _accepts_gzip(request) and asset.media_type != "image/png":
        headers["Content-Encoding"] = "gzip"
        return Response(asset.gzipped, media_type=asset.media_type, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


# --- the deployment's basemap --------------------------------------------------------------------


def _secret_tianditu_key() -> str | None:
    path = ROOT / ".streamlit" / "secrets.toml"
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle).get("tianditu_key")
    except (OSError, tomllib.TOMLDecodeError):
        return None


def page_basemap() -> tuple[Basemap, BasemapSettings]:
    """The deployer's default basemap (``GAOHE_BASEMAPS``...), or none when the settings are wrong."""
    names = ("GAOHE_BASEMAPS", "GAOHE_TILES", "GAOHE_TILES_DATUM", "GAOHE_TIANDITU_KEY")
    return _page_basemap(tuple(os.environ.get(name, "") for name in names))


@functools.lru_cache(maxsize=4)
def _page_basemap(_environment: tuple[str, ...]) -> tuple[Basemap, BasemapSettings]:
    try:
        settings = basemap_settings(tianditu_key=_secret_tianditu_key())
    except BasemapConfigError:
        settings = BasemapSettings((Basemap.NONE,))
    return settings.default, settings


# --- the page ------------------------------------------------------------------------------------


@functools.cache
def _communities(lang: str) -> dict[str, str]:
    """NBS code -> the village's/community's name in ``lang`` (the short Chinese name people use)."""
    return community_names(load_communities(), lang)


def _query_params(request: Request) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        params.setdefault(name, []).append(value)
    return params


def page_model(snapshot: RegisterSnapshot, query: PageQuery, *, nav_app: str) -> dict[str, Any]:
    """Everything the template and the page's script need for ``query``."""
    lang = query.lang
    moment = answer_moment()
    moment_text = minute_text(moment)
    basemap, settings = page_basemap()
    ctx = PageContext(lang, moment_text, nav_app, query.at, _communities(lang))
    answer = None
    station = None
    station_record = None
    warnings: list[str] = []
    if query.ignored:
        warnings.append(t("m_ignored", lang, parts=", ".join(query.ignored)))
    if query.station:
        row = snapshot.position_of.get(query.station)
        if row is None:
            warnings.append(t("m_station_unknown", lang, id=query.station))
        else:
            station_record = snapshot.records[row]
            station = station_model(station_record, opening_payload(station_record["opening_hours"], moment), ctx)
    elif query.at:
        answer = rider_answer(snapshot, *query.at, mode=query.mode, amenities=list(query.amenities),
                              open_now=query.open_now, k=query.k, moment=moment)
        town = town_extent()
        if not town.contains(*query.at):
            warnings.append(t("outside_town", lang, km=town.distance_outside_m(*query.at) / 1000))
    records = snapshot.records
    cards = [card_model(row, records[snapshot.position_of[row["id"]]], ctx) for row in shown_rows(answer)] \
        if answer else []
    message = answer_messages(answer, ctx) if answer else {"lines": [], "night": False}
    places = None
    if query.place_query:
        places = [{"name": name_in(p, lang), "note": p.note(lang), "lon": p.lon,
                   "href": PageQuery(lang=lang, at=(p.lon, p.lat)).url() if p.lon is not None else None}
                  for p in snapshot.search(query.place_query)[:4]]
    other = next(code for code in LANGUAGES if code != lang)
    host = BASEMAP_HOST_COUNTRY[basemap]
    where = {"abroad": "basemap_where_abroad", "cn": "basemap_where_cn", "app": "basemap_where_app",
             "none": "basemap_where_none"}[host]
    notes = [{"text": t("basemap_said", lang, name=t(f"basemap_short_{basemap.value}", lang), where=t(where, lang))},
             {"text": t("eta_note_straight", lang, factor=DETOUR_FACTOR, ebike=EBIKE_SPEED_KMH, walk=WALK_SPEED_KMH)},
             {"text": t("m_privacy", lang)}]
    if fixed_clock() is not None:
        notes.append({"text": t("clock_fixed", lang, time=moment.strftime("%Y-%m-%d %H:%M"))})
    notes.append({"id": "where-now", "text": t("your_position", lang, lon=query.at[0], lat=query.at[1])
                  if query.at else ""})
    notes.append({"text": t("m_data_version", lang, time=snapshot.modified_at.strftime("%Y-%m-%d %H:%M"),
                            version=snapshot.version[:8])})
    notes.append({"text": t("m_install", lang)})
    layers = [{"url": layer.url, "attribution": layer.attribution, "subdomains": layer.subdomains,
               "max_native_zoom": layer.max_native_zoom} for layer in settings.layers(basemap)]
    desk_params = ([f"at={query.at[0]:.6f},{query.at[1]:.6f}"] if query.at else []) + \
        ([f"lang={lang}"] if lang != DEFAULT_LANGUAGE else [])
    desk = "rider" + (f"?{'&'.join(desk_params)}" if desk_params else "")
    data = {
        "lang": lang,
        "moment": moment_text,
        "clock_fixed": moment_text if fixed_clock() is not None else None,
        "strings": script_strings(lang),
        "answer": answer,
        "station": station_record,
        "nav_app": nav_app,
        "api": API_URL,
        "offline_url": f"m/offline.json?v={snapshot.version}",
        "service_worker": f"m/sw.js?lang={lang}",
        "scope": "m",
        "leaflet_js": asset_url("leaflet.js"),
        "leaflet_css": asset_url("leaflet.css"),
        "layers": layers,
        "datum": settings.datum(basemap).value,
        "centre": list(COUNTY_SEAT_LONLAT),
        "vocabulary": {"amenities": list(RIDER_AMENITIES), "nav_apps": list(NAV_APPS)},
        "amenity_info": {code: [info.icon, label_of("amenity", code, lang)] for code, info in AMENITIES.items()},
        "type_labels": {kind.value: label_of("station_type", kind.value, lang) for kind in StationType},
        "no_position_text": t("no_location_yet", lang),
        "fb_status_text": t("m_fb_status", lang),
        "register_version": snapshot.version,
    }
    return {
        "t": lambda key, **values: t(key, lang, **values),
        "html_lang": HTML_LANG[lang],
        "query": query,
        "at_text": f"{query.at[0]:.6f},{query.at[1]:.6f}" if query.at else "",
        "other_language": other,
        "other_language_name": LANGUAGES[other],
        "other_language_url": query.url(lang=other),
        "manifest_url": f"m/manifest.webmanifest?lang={lang}",
        "icon_url": asset_url("icon-192"),
        "script_url": asset_url("m"),
        "leaflet_js": asset_url("leaflet.js"),
        "status_text": "",
        "status_kind": "",
        "places": places,
        # on a station's page, the modes look around the station
        "modes": [{"mode": mode, "label": t(f"mode_{mode}", lang), "current": mode == query.mode,
                   "href": query.url(mode=mode, amenities=(), station=None,
                                     at=query.at or (station_record and (station_record["lon"], station_record["lat"])))}
                  for mode in ("rest", "parking")],
        "station": station,
        "warnings": warnings,
        "message": message,
        "cards": cards,
        "amenity_choices": [{"code": a, "label": f"{AMENITIES[a].icon} {label_of('amenity', a, lang)}",
                             "checked": a in query.amenities} for a in RIDER_AMENITIES],
        "result_counts": RESULT_COUNTS,
        "nav_apps": NAV_APPS,
        "nav_app": nav_app,
        "notes": notes,
        "desk_url": desk,
        "report_url": "report" + (f"?lang={lang}" if lang != DEFAULT_LANGUAGE else ""),
        "data": data,
    }


def render_page(model: dict[str, Any]) -> str:
    return _TEMPLATES.get_template("m.html").render(**model)


def _error_page(lang: str, message: str) -> str:
    return (f'<!doctype html><html lang="{HTML_LANG[lang]}"><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{t('m_title', lang)}</title><p>{_TEMPLATES.from_string('{{ m }}').render(m=message)}</p></html>")


async def page(request: Request) -> Response:
    query = parse_page_query(_query_params(request))
    nav_app = request.cookies.get(NAV_COOKIE)
    nav_app = nav_app if nav_app in NAV_APPS else NAV_APPS[0]
    try:
        snapshot = load_snapshot()
        html = await run_in_threadpool(lambda: render_page(page_model(snapshot, query, nav_app=nav_app)))
    except Exception as err:  # noqa: BLE001 - a rider sees a sentence, never a traceback; the log has no position
        _LOG.error("/m failed: %s", type(err).__name__)
        return _body(request, _error_page(query.lang, t("api_err_register", query.lang)).encode(), "text/html",
                     PAGE_HEADERS, status_code=503)
    return _body(request, html.encode("utf-8"), "text/html; charset=utf-8", PAGE_HEADERS)


# --- what a phone keeps ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _offline_document(version: str, day: str) -> tuple[bytes, bytes]:
    """The phone's copy of register ``version`` with opening times from ``day``, as JSON and
    gzipped JSON (made once a day per version)."""
    snapshot = load_snapshot()
    payload = offline_payload(snapshot, moment=answer_moment())
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return body, gzip.compress(body, compresslevel=9, mtime=0)


async def offline_data(request: Request) -> Response:
    snapshot = load_snapshot()
    body, packed = await run_in_threadpool(_offline_document, snapshot.version, answer_moment().date().isoformat())
    headers = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff", "Vary": "Accept-Encoding"}
    if _accepts_gzip(request):
        return Response(packed, media_type="application/json", headers=headers | {"Content-Encoding": "gzip"})
    return Response(body, media_type="application/json", headers=headers)


def service_worker_source(lang: str, register_version: str) -> str:
    """The service worker for a page in ``lang``: what it keeps, with a version that changes
    with the assets and the register (a new one replaces the old caches)."""
    shell = "../m" + (f"?lang={lang}" if lang != DEFAULT_LANGUAGE else "")
    keep = [shell, f"offline.json?v={register_version}", f"manifest.webmanifest?lang={lang}"] + \
        [f"static/{ASSETS[key].name}" for key in ("m", "leaflet.js", "leaflet.css", "icon-192", "icon-512")]
    version = hashlib.sha256(json.dumps(keep).encode()).hexdigest()[:12]
    template = (WEB_DIR / "static" / "sw.js").read_text(encoding="utf-8")
    return template.replace("__VERSION__", json.dumps(f"gh-m-{version}")).replace("__KEEP__", json.dumps(keep)) \
        .replace("__SHELL__", json.dumps(shell))


async def service_worker(request: Request) -> Response:
    lang = request.query_params.get("lang")
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    source = service_worker_source(lang, load_snapshot().version)
    return _body(request, source.encode("utf-8"), "text/javascript; charset=utf-8",
                 {"Cache-Control": "no-cache", "Service-Worker-Allowed": "/m", "X-Content-Type-Options": "nosniff"})


async def manifest(request: Request) -> Response:
    lang = request.query_params.get("lang")
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    start = "../m" + (f"?lang={lang}" if lang != DEFAULT_LANGUAGE else "")
    document = {
        "name": t("app_title", lang), "short_name": t("m_title", lang), "description": t("app_subtitle", lang),
        "lang": HTML_LANG[lang], "start_url": start, "scope": "../m", "display": "standalone",
        "background_color": "#fafafa", "theme_color": "#c62828",
        "icons": [{"src": f"static/{ASSETS['icon-192'].name}", "sizes": "192x192", "type": "image/png",
                   "purpose": "any maskable"},
                  {"src": f"static/{ASSETS['icon-512'].name}", "sizes": "512x512", "type": "image/png",
                   "purpose": "any maskable"}],
    }
    return Response(json.dumps(document, ensure_ascii=False).encode("utf-8"), media_type="application/manifest+json",
                    headers={"Cache-Control": "no-cache"})
