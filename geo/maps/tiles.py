"""Local map tiles for intranets with no internet: the app serves them itself.

Three kinds of tile set, each read only (nothing is ever written to them):

- a folder of ``{z}/{x}/{y}.png`` (or ``.jpg``/``.jpeg``/``.webp``) tiles, XYZ numbering;
- an MBTiles file (SQLite; rows numbered TMS-style, bottom-up, flipped here);
- a PMTiles v3 archive (raster tiles; read with the ``pmtiles`` package).

Tiles are Web Mercator; their datum (WGS-84 for tiles rendered from OpenStreetMap, Tianditu or
a survey; GCJ-02 for tiles cut from Amap) is the deployer's to state in the configuration.
"""

from __future__ import annotations

import gzip
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from geo.errors import TileSourceError

MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
#: Deepest zoom a tile request may ask for; deeper numbers are refused before any lookup.
MAX_TILE_ZOOM = 24



@dataclass(frozen=True)
class Tile:
    data: bytes
    media_type: str


class TileSource(Protocol):
    path: Path
    #: "folder", "mbtiles" or "pmtiles".
    kind: str
    min_zoom: int
    max_zoom: int

    def tile(self, z: int, x: int, y: int) -> Tile | None:
        """The tile at XYZ ``z/x/y``, or ``None`` if the set has none there."""


def valid_tile_address(z: int, x: int, y: int) -> bool:
    """Whether ``z/x/y`` names a tile of the Web Mercator pyramid."""
    return 0 <= z <= MAX_TILE_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def _media_type(data: bytes, declared: str = "") -> str:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return MEDIA_TYPES.get(declared, "application/octet-stream")


class FolderTiles:
    """``root/{z}/{x}/{y}.{png,jpg,jpeg,webp}``."""

    kind = "folder"

    def __init__(self, root: Path) -> None:
        self.path = root
        zooms = sorted(int(p.name) for p in root.iterdir() if p.is_dir() and p.name.isdigit())
        if not zooms:
            raise TileSourceError("err_tiles_empty", path=str(root))
        self.min_zoom, self.max_zoom = zooms[0], zooms[-1]
        sample = next((f for f in (root / str(zooms[0])).rglob("*") if f.suffix.lower().lstrip(".") in MEDIA_TYPES), None)
        if sample is None:
            raise TileSourceError("err_tiles_empty", path=str(root))
        self.extension = sample.suffix.lower().lstrip(".")

    def tile(self, z: int, x: int, y: int) -> Tile | None:
        if not valid_tile_address(z, x, y):
            return None
        # z, x and y are integers, so the path cannot leave the folder
        path = self.path / str(z) / str(x) / f"{y}.{self.extension}"
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return Tile(data, _media_type(data, self.extension))


class MBTiles:
    """An MBTiles 1.3 file, opened read-only."""

    kind = "mbtiles"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            metadata = dict(self._db.execute("SELECT name, value FROM metadata").fetchall())
            zooms = self._db.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
        except sqlite3.DatabaseError as err:
            raise TileSourceError("err_tiles_unreadable", path=str(path), reason=str(err)) from None
        if metadata.get("format") == "pbf":
            raise TileSourceError("err_tiles_vector", path=str(path))
        if zooms[0] is None:
            raise TileSourceError("err_tiles_empty", path=str(path))
        self.format = metadata.get("format", "png")
        self.min_zoom, self.max_zoom = int(zooms[0]), int(zooms[1])

    def tile(self, z: int, x: int, y: int) -> Tile | None:
        if not valid_tile_address(z, x, y):
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                (z, x, (1 << z) - 1 - y),
            ).fetchone()
        if row is None:
            return None
        return Tile(bytes(row[0]), _media_type(bytes(row[0]), self.format))


class PMTiles:
    """A PMTiles v3 archive of raster tiles."""

    kind = "pmtiles"

    def __init__(self, path: Path) -> None:
        from pmtiles.reader import MmapSource, Reader
        from pmtiles.tile import Compression, TileType

        self.path = path
        self._lock = threading.Lock()
        try:
            # the memory map keeps its own handle on the file: ours can be closed at once
            with path.open("rb") as handle:
                self._reader = Reader(MmapSource(handle))
            header = self._reader.header()
        except Exception as err:  # the reader raises plain exceptions for foreign files
            raise TileSourceError("err_tiles_unreadable", path=str(path), reason=str(err) or type(err).__name__) from None
        if header["tile_type"] == TileType.MVT:
            raise TileSourceError("err_tiles_vector", path=str(path))
        self._gzipped = header["tile_compression"] == Compression.GZIP
        self.min_zoom, self.max_zoom = int(header["min_zoom"]), int(header["max_zoom"])
        self._declared = {TileType.PNG: "png", TileType.JPEG: "jpg", TileType.WEBP: "webp"}.get(header["tile_type"], "")

    def tile(self, z: int, x: int, y: int) -> Tile | None:
        if not valid_tile_address(z, x, y):
            return None
        with self._lock:
            data = self._reader.get(z, x, y)
        if not data:
            return None
        if self._gzipped:
            data = gzip.decompress(data)
        return Tile(data, _media_type(data, self._declared))


def open_tile_source(path: Path | str) -> TileSource:
    """The tile set at ``path``: a folder, an ``.mbtiles`` or a ``.pmtiles`` file."""
    path = Path(path)
    if path.is_dir():
        return FolderTiles(path)
    if not path.is_file():
        raise TileSourceError("err_tiles_missing", path=str(path))
    suffix = path.suffix.lower()
    if suffix == ".mbtiles":
        return MBTiles(path)
    if suffix == ".pmtiles":
        return PMTiles(path)
    raise TileSourceError("err_tiles_format", path=str(path))
