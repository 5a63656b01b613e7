"""Basemaps: which tile sources a deployment offers, in which datum, from where.

The choice is the deployer's, not the rider's: riders' positions show in the tile requests their
phones make (z16 tiles around where they stand), so a deployment decides which servers may see
them. Settings come from the environment (or, for the Tianditu key, Streamlit secrets):

- ``GAOHE_BASEMAPS``: the sources offered, first = default, e.g. ``local,none`` or
  ``tianditu,amap``. Unset: ``local`` if a tile set is configured, ``tianditu`` if a key is, then
  ``amap`` and ``none``. OpenStreetMap's servers are abroad: offered only when listed.
- ``GAOHE_TILES``: a local tile set (a ``z/x/y`` folder, ``.mbtiles`` or ``.pmtiles``) that the
  app serves itself at ``/tiles/{z}/{x}/{y}``; ``GAOHE_TILES_DATUM`` its datum (``wgs84``
  default, ``gcj02`` for tiles cut from Amap).
- ``GAOHE_TIANDITU_KEY`` (or ``tianditu_key`` in ``.streamlit/secrets.toml``): a Tianditu browser
  key (天地图 "浏览器端" key, bound to the deployment's domain). Tianditu's Web Mercator tiles are
  CGCS2000, which agrees with WGS-84 to centimetres: markers need no shift.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import Enum
from typing import Mapping

from geo.errors import BasemapConfigError
from geo.place.datum import Datum


class Basemap(str, Enum):
    OSM = "osm"
    AMAP = "amap"
    TIANDITU = "tianditu"
    LOCAL = "local"
    NONE = "none"


#: Where the tiles of each source are served from: riders' positions go there.
BASEMAP_HOST_COUNTRY: dict[Basemap, str] = {
    Basemap.OSM: "abroad",
    Basemap.AMAP: "cn",
    Basemap.TIANDITU: "cn",
    Basemap.LOCAL: "app",
    Basemap.NONE: "none",
}

#: Path of the app's own tile route (see ``serve.py``).
LOCAL_TILES_PATH = "/tiles/{z}/{x}/{y}"

_TIANDITU_KEY = re.compile(r"^[0-9a-f]{32}$")



@dataclass(frozen=True)
class TileLayerSpec:
    """One Leaflet tile layer: URL template, attribution, subdomains, deepest native zoom."""

    url: str
    attribution: str
    subdomains: str = "abc"
    max_native_zoom: int = 18


@dataclass(frozen=True)
class BasemapSettings:
    """What the deployer configured."""

    offered: tuple[Basemap, ...]
    tiles_path: str | None = None
    tiles_datum: Datum = Datum.WGS84
    tianditu_key: str | None = None

    @property
    def default(self) -> Basemap:
        return self.offered[0]

    def datum(self, basemap: Basemap | str) -> Datum:
        """The datum the tiles of ``basemap`` are drawn in."""
        basemap = Basemap(basemap)
        if basemap is Basemap.AMAP:
            return Datum.GCJ02
        if basemap is Basemap.LOCAL:
            return self.tiles_datum
        return Datum.WGS84

    def layers(self, basemap: Basemap | str, *, url_prefix: str = "") -> list[TileLayerSpec]:
        """The tile layers of ``basemap`` (a base and, for Tianditu, its labels); none for ``none``.
        ``url_prefix`` is the app's base URL path for the local tile route."""
        basemap = Basemap(basemap)
        if basemap is Basemap.OSM:
            return [TileLayerSpec("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                                  "© OpenStreetMap contributors", "", 19)]
        if basemap is Basemap.AMAP:
            return [TileLayerSpec(
                "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
                "© 高德地图 AutoNavi", "1234", 18)]
        if basemap is Basemap.TIANDITU:
            if not self.tianditu_key:
                raise BasemapConfigError("err_basemap_tianditu_key")
            return [_tianditu_layer("vec", self.tianditu_key), _tianditu_layer("cva", self.tianditu_key)]
        if basemap is Basemap.LOCAL:
            if not self.tiles_path:
                raise BasemapConfigError("err_basemap_local_tiles")
            return [TileLayerSpec(url_prefix.rstrip("/") + LOCAL_TILES_PATH, "", "", 22)]
        return []


def _tianditu_layer(layer: str, key: str) -> TileLayerSpec:
    url = (f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
           f"&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}")
    return TileLayerSpec(url, "© 天地图 Tianditu" if layer == "vec" else "", "01234567", 18)


def basemap_settings(env: Mapping[str, str] | None = None, *, tianditu_key: str | None = None) -> BasemapSettings:
    """The deployment's basemaps from ``env`` (default: the process environment); a Tianditu
    key from secrets may be passed as ``tianditu_key`` (the environment wins)."""
    env = os.environ if env is None else env
    tiles_path = env.get("GAOHE_TILES", "").strip() or None
    key = (env.get("GAOHE_TIANDITU_KEY", "").strip() or (tianditu_key or "").strip()) or None
    if key is not None and not _TIANDITU_KEY.match(key):
        raise BasemapConfigError("err_basemap_tianditu_key_form")
    datum_text = env.get("GAOHE_TILES_DATUM", "wgs84").strip().lower() or "wgs84"
    if datum_text not in (Datum.WGS84.value, Datum.GCJ02.value):
        raise BasemapConfigError("err_basemap_tiles_datum", value=datum_text)
    listed = [part.strip().lower() for part in env.get("GAOHE_BASEMAPS", "").split(",") if part.strip()]
    if listed:
        allowed = [b.value for b in Basemap]
        unknown = [name for name in listed if name not in allowed]
        if unknown:
            raise BasemapConfigError("err_basemap_unknown", value=", ".join(unknown), allowed=", ".join(allowed))
        offered = tuple(dict.fromkeys(Basemap(name) for name in listed))
    else:
        offered = tuple(
            [Basemap.LOCAL] * bool(tiles_path) + [Basemap.TIANDITU] * bool(key) + [Basemap.AMAP, Basemap.NONE]
        )
    settings = BasemapSettings(offered, tiles_path, Datum(datum_text), key)
    for basemap in offered:
        settings.layers(basemap)  # a listed source without its key or tile set fails here, at start
    return settings
