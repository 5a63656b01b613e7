"""A small raster tile set the tests make: Web Mercator tiles around the county seat, each a
PNG with its own colour and its z/x/y written on it, as a folder, an MBTiles and a PMTiles file."""

from __future__ import annotations

import io
import math
import sqlite3
from pathlib import Path

from PIL import Image, ImageDraw

SEAT = (116.823601, 30.73744)
ZOOMS = (12, 13, 14, 15, 16)
#: Half-width of the covered box around the seat, degrees.
HALF_SPAN_DEG = 0.012


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def tile_png(z: int, x: int, y: int) -> bytes:
    colour = (200 - (x * 37) % 90, 210 - (y * 53) % 90, 170 + z * 5)
    image = Image.new("RGB", (256, 256), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, 255, 255], outline=(90, 90, 90))
    draw.text((10, 10), f"{z}/{x}/{y}", fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def tile_addresses() -> list[tuple[int, int, int]]:
    addresses = []
    for z in ZOOMS:
        x0, y0 = tile_xy(SEAT[0] - HALF_SPAN_DEG, SEAT[1] + HALF_SPAN_DEG, z)
        x1, y1 = tile_xy(SEAT[0] + HALF_SPAN_DEG, SEAT[1] - HALF_SPAN_DEG, z)
        addresses += [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return addresses


def write_folder(root: Path) -> Path:
    for z, x, y in tile_addresses():
        path = root / str(z) / str(x) / f"{y}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(tile_png(z, x, y))
    return root


def write_mbtiles(path: Path, *, fmt: str = "png") -> Path:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        db.executemany("INSERT INTO metadata VALUES (?, ?)", [("name", "gaohe test"), ("format", fmt),
                                                               ("minzoom", str(min(ZOOMS))), ("maxzoom", str(max(ZOOMS)))])
        # MBTiles numbers rows bottom-up (TMS)
        db.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                       [(z, x, (1 << z) - 1 - y, tile_png(z, x, y)) for z, x, y in tile_addresses()])
    return path


def write_pmtiles(path: Path) -> Path:
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import Writer

    with path.open("wb") as handle:
        writer = Writer(handle)
        for tile_id, (z, x, y) in sorted((zxy_to_tileid(z, x, y), (z, x, y)) for z, x, y in tile_addresses()):
            writer.write_tile(tile_id, tile_png(z, x, y))
        writer.finalize(
            {"tile_type": TileType.PNG, "tile_compression": Compression.NONE, "min_zoom": min(ZOOMS),
             "max_zoom": max(ZOOMS), "min_lon_e7": int((SEAT[0] - HALF_SPAN_DEG) * 1e7),
             "min_lat_e7": int((SEAT[1] - HALF_SPAN_DEG) * 1e7), "max_lon_e7": int((SEAT[0] + HALF_SPAN_DEG) * 1e7),
             "max_lat_e7": int((SEAT[1] + HALF_SPAN_DEG) * 1e7), "center_zoom": 14,
             "center_lon_e7": int(SEAT[0] * 1e7), "center_lat_e7": int(SEAT[1] * 1e7)},
            {"name": "gaohe test"},
        )
    return path
