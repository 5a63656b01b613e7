"""The web server around the Streamlit app (``serve.py``, an ``st.App``):

- ``/tiles/{z}/{x}/{y}``: the local tile set named by ``GAOHE_TILES``, served by the app itself
  so that an intranet with no internet still has a basemap and no rider position leaves it;
- compression (Starlette's ``GZipMiddleware``): Streamlit sends its bundles uncompressed (it
  expects a reverse proxy to compress), which is 3 MB on a rider's phone;
- a warm-up at start (imports, register, gazetteer, road network, one answer and one map) so that
  the first visitor does not wait for it, and ``/api/ready`` that says when it is done.
"""

from __future__ import annotations

import asyncio.base_events
import logging
import os
import socket
import threading
import time
from contextlib import asynccontextmanager

from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from geo.errors import TileSourceError
from geo.maps.basemaps import LOCAL_TILES_PATH
from geo.maps.tiles import TileSource, open_tile_source
from web import web_routes

_LOG = logging.getLogger("gaohe.serve")

#: Compression of every response over 1 KiB a client accepts gzip for: Streamlit sends its 3 MB
#: of bundles uncompressed (it expects a reverse proxy to compress), too much for a rider's phone.
#: Level 6: nearly level 9's size at a fraction of its CPU; images and fonts are already packed.
MIDDLEWARE = [Middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)]


def send_small_writes_at_once() -> None:
    """Turn Nagle's algorithm off on every connection, as asyncio means to.

    asyncio sets ``TCP_NODELAY`` only on sockets whose ``proto`` is ``IPPROTO_TCP``; Streamlit
    binds its listening socket with ``proto`` 0, which accepted connections inherit, so every
    keep-alive response whose headers and body leave in two writes waited for the browser's
    delayed ACK: ~40 ms each on Linux (uvicorn issue 3149 is the same fault in its own pre-bound
    sockets). Call before the server accepts connections (``serve.py`` does, on import)."""
    def set_nodelay(sock: socket.socket) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    asyncio.base_events._set_nodelay = set_nodelay


_TILES: TileSource | None = None
_TILES_ERROR: str | None = None


def _tile_source() -> TileSource | None:
    global _TILES, _TILES_ERROR
    path = os.environ.get("GAOHE_TILES", "").strip()
    if path and _TILES is None and _TILES_ERROR is None:
        try:
            _TILES = open_tile_source(path)
        except TileSourceError as err:
            _TILES_ERROR = str(err)
            _LOG.error("local tiles: %s", err)
    return _TILES


async def tile(request: Request) -> Response:
    source = _tile_source()
    if source is None:
        return Response(status_code=404)
    z, x, y = (int(request.path_params[name]) for name in ("z", "x", "y"))
    found = source.tile(z, x, y)
    if found is None:
        return Response(status_code=404, headers={"cache-control": "no-store"})
    return Response(found.data, media_type=found.media_type, headers={"cache-control": "public, max-age=86400"})


WARM = {"done": False, "seconds": None, "error": None}


async def ready(_request: Request) -> JSONResponse:
    return JSONResponse(WARM, status_code=200 if WARM["done"] else 503)


def warm_up() -> None:
    """Load in this process what a first answer needs, so the first visitor does not wait."""
    started = time.perf_counter()
    # the cached loaders run outside any session here: Streamlit's "missing ScriptRunContext"
    # warning for this thread says nothing useful
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)
    try:
        # not streamlit_folium or streamlit_js_eval: a component is registered only when its
        # module is first imported inside a script run, so importing them here would 404 them
        import importlib
        from datetime import datetime

        import folium.plugins  # noqa: F401  (what they need, and the slow part of their import)

        # every module the rider page imports, so that its first run imports nothing
        for name in ("geo.place.geocode", "geo.rider.navigation", "geo.register.validate", "geo.markup", "ui.location", "ui.lang",
                     "ui.navigation_app", "ui.deployment"):
            importlib.import_module(name)

        from geo.maps.rider import build_rider_view
        from geo.place.gazetteer import search_places
        from geo.place.roads import load_road_network
        from geo.register.model import COUNTY_SEAT_LONLAT
        from geo.rider.answer import REST_TYPES, answer_rider
        from ui import data

        # the page's own cached loaders: the cache is the server's, shared by every session
        stations = data.stations()
        search_places(data.gazetteer(), "骑龙")
        data.community_names("zh")
        roads_path = os.environ.get("GAOHE_ROADS", "").strip()
        roads = load_road_network(roads_path) if roads_path else None
        answer = answer_rider(stations, *COUNTY_SEAT_LONLAT, station_types=REST_TYPES, open_now=False,
                              moment=datetime(2026, 1, 5, 10, 0), roads=roads)
        view = build_rider_view(answer.results, rider_lonlat=COUNTY_SEAT_LONLAT, context=stations, lang="zh",
                                moment=datetime(2026, 1, 5, 10, 0), basemap="none")
        view.combined().get_root().render()
        _tile_source()
    except Exception as err:  # a warm-up failure must not stop the server; the page reports it
        WARM["error"] = f"{type(err).__name__}: {err}"
        _LOG.exception("warm-up failed")
    WARM["seconds"] = round(time.perf_counter() - started, 2)
    WARM["done"] = True


@asynccontextmanager
async def lifespan(_app):
    threading.Thread(target=warm_up, name="gaohe-warm-up", daemon=True).start()
    yield


async def overview(request: Request) -> RedirectResponse:
    """``/overview`` (a bookmark, a shared link) to the app's root: Streamlit serves the default
    page only there and answers its own path with an English "Page not found" dialog."""
    query = request.url.query
    return RedirectResponse("./" + (f"?{query}" if query else ""), status_code=307)


ROUTES = [
    Route("/overview", overview),
    Route(LOCAL_TILES_PATH.replace("{z}", "{z:int}").replace("{x}", "{x:int}").replace("{y}", "{y:int}"), tile),
    Route("/api/ready", ready),
    *web_routes(),  # the light rider page /m and the open API /api/v1 (web/)
]
