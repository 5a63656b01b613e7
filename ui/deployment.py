"""What the deployer configured for riders: basemaps (``geo.maps.basemaps``), the road network
(``GAOHE_ROADS``: an ``.osm``/``.osm.pbf`` extract or a GeoJSON of roads) and the app's base
URL; and the warm-up that loads all of it before the first visitor (``serve.py``)."""

from __future__ import annotations

import os

import streamlit as st

from geo.errors import BasemapConfigError
from geo.maps.basemaps import Basemap, BasemapSettings, basemap_settings
from geo.place.roads import RoadNetwork, load_road_network


def _secret_tianditu_key() -> str | None:
    try:
        return st.secrets.get("tianditu_key")
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return None


@st.cache_resource(show_spinner=False)
def _settings(env_key: tuple[str, ...], secret_key: str | None) -> BasemapSettings:  # env_key: the cache key
    return basemap_settings(tianditu_key=secret_key)


def basemaps() -> BasemapSettings:
    """The deployment's basemap settings (environment, and the Tianditu key from secrets). When
    they are wrong, the page says what is wrong and maps go without tiles."""
    names = ("GAOHE_BASEMAPS", "GAOHE_TILES", "GAOHE_TILES_DATUM", "GAOHE_TIANDITU_KEY")
    try:
        settings = _settings(tuple(os.environ.get(name, "") for name in names), _secret_tianditu_key())
    except BasemapConfigError as err:
        from ui.lang import show_error

        show_error(err)
        settings = BasemapSettings((Basemap.NONE,))
    return settings


def basemap_choices() -> list[str]:
    """The basemaps a page may offer, the deployer's default first."""
    return [b.value for b in basemaps().offered]


def url_prefix() -> str:
    """The app's base URL path (``server.baseUrlPath``), for its own routes such as tiles."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


@st.cache_resource(show_spinner=False)
def _road_network(path: str, modified_ns: int) -> RoadNetwork:
    return load_road_network(path)


def road_network() -> RoadNetwork | None:
    """The configured road network (built once, cached on disk and in memory), or ``None``.
    Raises ``geo.place.roads.RoadNetworkError`` when the configured file cannot be used."""
    path = os.environ.get("GAOHE_ROADS", "").strip()
    if not path:
        return None
    modified = os.stat(path).st_mtime_ns if os.path.exists(path) else -1
    return _road_network(path, modified)
