"""Local tile sets: a folder, MBTiles (TMS rows) and PMTiles give the same tiles; bad sets get
clear errors; the server's tile route and asset compression."""

from __future__ import annotations

import asyncio
import gzip
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
from tile_fixtures import SEAT, ZOOMS, tile_addresses, tile_png, tile_xy, write_folder, write_mbtiles, write_pmtiles

import ui.serving
from geo.errors import TileSourceError
from geo.maps.tiles import open_tile_source, valid_tile_address


@pytest.fixture(scope="module")
def tile_sets(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiles")
    return {
        "folder": write_folder(root / "folder"),
        "mbtiles": write_mbtiles(root / "gaohe.mbtiles"),
        "pmtiles": write_pmtiles(root / "gaohe.pmtiles"),
    }


@pytest.mark.parametrize("kind", ["folder", "mbtiles", "pmtiles"])
def test_every_kind_of_tile_set_returns_each_tile_it_holds(tile_sets, kind):
    source = open_tile_source(tile_sets[kind])
    assert source.kind == kind
    assert (source.min_zoom, source.max_zoom) == (min(ZOOMS), max(ZOOMS))
    for z, x, y in tile_addresses()[::7]:
        tile = source.tile(z, x, y)
        assert tile is not None and tile.media_type == "image/png"
        assert tile.data == tile_png(z, x, y), (kind, z, x, y)


@pytest.mark.parametrize("kind", ["folder", "mbtiles", "pmtiles"])
def test_tiles_outside_the_set_or_the_pyramid_are_none(tile_sets, kind):
    source = open_tile_source(tile_sets[kind])
    x, y = tile_xy(*SEAT, 16)
    assert source.tile(16, x + 500, y) is None  # outside the covered box
    assert source.tile(11, *tile_xy(*SEAT, 11)) is None  # a zoom the set does not have
    assert source.tile(3, 8, 0) is None  # x beyond 2**z - 1
    assert source.tile(-1, 0, 0) is None and source.tile(40, 0, 0) is None


def test_mbtiles_rows_are_flipped_from_tms():
    # the seat's z16 tile in XYZ numbering is row y; MBTiles stores it as 2**16 - 1 - y
    x, y = tile_xy(*SEAT, 16)
    assert valid_tile_address(16, x, y) and not valid_tile_address(16, x, 1 << 16)


def test_a_vector_mbtiles_is_refused(tmp_path):
    path = write_mbtiles(tmp_path / "vector.mbtiles", fmt="pbf")
    with pytest.raises(TileSourceError) as caught:
        open_tile_source(path)
    assert caught.value.key == "err_tiles_vector"


@pytest.mark.parametrize(
    ("make", "key"),
    [
        (lambda p: p.mkdir() or p, "err_tiles_empty"),
        (lambda p: (p.with_suffix(".mbtiles").write_bytes(b"not sqlite" * 100), p.with_suffix(".mbtiles"))[1],
         "err_tiles_unreadable"),
        (lambda p: (p.with_suffix(".pmtiles").write_bytes(b"not pmtiles" * 20), p.with_suffix(".pmtiles"))[1],
         "err_tiles_unreadable"),
        (lambda p: (p.with_suffix(".zip").write_bytes(b"PK"), p.with_suffix(".zip"))[1], "err_tiles_format"),
        (lambda p: p / "missing.mbtiles", "err_tiles_missing"),
    ],
)
def test_unusable_tile_sets_get_a_clear_error(tmp_path, make, key):
    with pytest.raises(TileSourceError) as caught:
        open_tile_source(make(tmp_path / "set"))
    assert caught.value.key == key


def test_an_mbtiles_file_is_opened_read_only(tile_sets):
    source = open_tile_source(tile_sets["mbtiles"])
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        source._db.execute("DELETE FROM tiles")


# --- the server's routes and compression ---------------------------------------------------------


def run_asgi(app, path: str, headers: dict[str, str] | None = None, query: str = "") -> tuple[int, dict[str, str], bytes]:
    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
             "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
             "scheme": "http", "server": ("test", 80), "client": ("test", 1), "root_path": "", "http_version": "1.1"}
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    # a thread of its own: in the full suite Playwright's loop is already running in this one
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


@pytest.fixture
def tile_app(tile_sets, monkeypatch):
    from starlette.applications import Starlette

    monkeypatch.setenv("GAOHE_TILES", str(tile_sets["mbtiles"]))
    monkeypatch.setattr(ui.serving, "_TILES", None)
    monkeypatch.setattr(ui.serving, "_TILES_ERROR", None)
    return Starlette(routes=ui.serving.ROUTES)


def test_the_tile_route_serves_the_configured_set(tile_app):
    z, x, y = tile_addresses()[-1]
    status, headers, body = run_asgi(tile_app, f"/tiles/{z}/{x}/{y}")
    assert status == 200 and headers["content-type"] == "image/png" and body == tile_png(z, x, y)
    assert run_asgi(tile_app, f"/tiles/{z}/{x + 999}/{y}")[0] == 404
    assert run_asgi(tile_app, "/tiles/16/../../etc/passwd")[0] == 404


def test_the_tile_route_without_a_tile_set_answers_404(monkeypatch):
    from starlette.applications import Starlette

    monkeypatch.delenv("GAOHE_TILES", raising=False)
    monkeypatch.setattr(ui.serving, "_TILES", None)
    assert run_asgi(Starlette(routes=ui.serving.ROUTES), "/tiles/16/1/1")[0] == 404


def _asset_app(body: bytes, content_type: str):
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()),
                                (b"etag", b'"abc"')]})
        await send({"type": "http.response.body", "body": body})

    return app


def _served(app):
    """``app`` behind the server's own middleware, as serve.py stacks it."""
    for middleware in reversed(ui.serving.MIDDLEWARE):
        app = middleware.cls(app, *middleware.args, **middleware.kwargs)
    return app


def test_scripts_are_sent_compressed_and_the_same_after_decompression():
    script = b"function streamlit(){return 42;}\n" * 3000
    served = _served(_asset_app(script, "text/javascript; charset=utf-8"))
    status, headers, body = run_asgi(served, "/static/js/index.js", {"Accept-Encoding": "gzip, br"})
    assert status == 200 and headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(body) < len(script) / 10
    assert gzip.decompress(body) == script


def test_no_compression_without_gzip_or_for_images_and_fonts():
    script = b"x = 1;\n" * 5000
    assert "content-encoding" not in run_asgi(_served(_asset_app(script, "text/javascript")), "/static/js/a.js")[1]
    font = _served(_asset_app(b"wOF2" + b"\x00" * 5000, "font/woff2"))
    assert "content-encoding" not in run_asgi(font, "/static/media/a.woff2", {"Accept-Encoding": "gzip"})[1]
    image = _served(_asset_app(b"\x89PNG" + b"\x00" * 5000, "image/png"))
    assert "content-encoding" not in run_asgi(image, "/tiles/16/1/1", {"Accept-Encoding": "gzip"})[1]


def test_the_overview_path_leads_to_the_root_with_its_query():
    from starlette.applications import Starlette

    app = Starlette(routes=ui.serving.ROUTES)
    status, headers, _ = run_asgi(app, "/overview")
    assert status == 307 and headers["location"] == "./"
    scope_query = "at=116.82500,30.73700&lang=en"
    status, headers, _ = run_asgi(app, "/overview", query=scope_query)
    assert status == 307 and headers["location"] == f"./?{scope_query}"

