"""The web server around the Streamlit app (``serve.py``, an ``st.App``):

- ``/tiles/{z}/{x}/{y}``: the local tile set named by ``GAOHE_TILES``, served by the app itself
  so that an intranet with no internet still has a basemap and no rider position leaves it;
- compression of the app's JavaScript, CSS and fonts: Streamlit sends its bundles uncompressed
  (it expects a reverse proxy to compress), which is 3 MB on a rider's phone; each file is
  compressed once and kept in memory;
- a warm-up at start (imports, register, gazetteer, road network, one answer and one map) so that
  the first visitor does not wait for it, and ``/api/ready`` that says when it is done.
"""

from __future__ import annotations

import asyncio.base_events
import gzip
import hashlib
import logging
import os
import socket
import threading
import time
from collections import OrderedDict
from contextlib import asynccontextmanager

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geo.maps.basemaps import LOCAL_TILES_PATH
from geo.maps.tiles import TileSource, TileSourceError, open_tile_source
from web import web_routes

_LOG = logging.getLogger("gaohe.serve")

#: Paths whose responses are compressed (Streamlit's bundles, components, the app's static files).
COMPRESSED_PREFIXES = ("/static/", "/component/", "/app/static/")
COMPRESSIBLE_TYPES = ("javascript", "css", "json", "html", "svg", "text/", "font/ttf", "font/otf", "x-font-ttf")
#: Memory the compressed copies may take, in bytes.
CACHE_BUDGET_BYTES = 64 * 1024 * 1024


class CompressAssets:
    """ASGI middleware: gzip the static assets listed above, once per file version."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith(COMPRESSED_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if "gzip" not in headers.get("accept-encoding", "") or "range" in headers:
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            else:
                await send(message)

        await self.app(scope, receive, capture)
        if start is None:  # the app sent no response: nothing to pass on
            return
        body = b"".join(chunks)
        response_headers = [(k, v) for k, v in start["headers"]]
        names = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in response_headers}
        compressible = (start["status"] == 200 and "content-encoding" not in names and len(body) > 1024
                        and any(kind in names.get("content-type", "") for kind in COMPRESSIBLE_TYPES))
        if compressible:
            body = self._compressed(scope["path"], body)
            response_headers = [(k, v) for k, v in response_headers if k.lower() not in (b"content-length", b"etag")]
            response_headers += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding"),
                                 (b"content-length", str(len(body)).encode())]
        await send({**start, "headers": response_headers})
        await send({"type": "http.response.body", "body": body})

    def _compressed(self, path: str, body: bytes) -> bytes:
        key = (path, hashlib.sha1(body).hexdigest())
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        packed = gzip.compress(body, compresslevel=6, mtime=0)
        with self._lock:
            self._cache[key] = packed
            self._size += len(packed)
            while self._size > CACHE_BUDGET_BYTES and self._cache:
                _, dropped = self._cache.popitem(last=False)
                self._size -= len(dropped)
        return packed


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
        from datetime import datetime

        # not streamlit_folium or streamlit_js_eval: a component is registered only when its
        # module is first imported inside a script run, so importing them here would 404 them
        import importlib

        import folium.plugins  # noqa: F401  (what they need, and the slow part of their import)

        # every module the rider page imports, so that its first run imports nothing
        for name in ("geo.place.geocode", "geo.rider.navigation", "geo.register.validate", "geo.markup", "ui.location", "ui.lang",
                     "ui.navigation_app", "ui.deployment"):
            importlib.import_module(name)

        from geo.place.gazetteer import search_places
        from geo.maps.builders import build_rider_view
        from geo.register.model import COUNTY_SEAT_LONLAT
        from geo.rider.answer import REST_TYPES, answer_rider
        from geo.place.roads import load_road_network
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
