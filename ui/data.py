"""Cached access to the station register and reference data for the pages."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.errors import StationDataError
from geo.i18n import t
from geo.place.gazetteer import build_gazetteer
from geo.place.reference import DEFAULT_STATIONS_PATH, load_communities, load_county_boundary
from geo.place.reference import community_names as community_names_in
from geo.register.geojson import load_stations
from geo.register.validate import PlaceChecker
from ui.lang import show_error


@st.cache_data(show_spinner=False)
def _stations(path: str, modified_ns: int) -> gpd.GeoDataFrame:
    return load_stations(path)


def stations_path() -> Path:
    """The register the app shows: ``$GAOHE_STATIONS`` if set, else the embedded dataset."""
    return Path(os.environ.get("GAOHE_STATIONS", DEFAULT_STATIONS_PATH))


def register_version() -> tuple[str, int]:
    """Cache key of the register: its path and modification time."""
    path = stations_path()
    return str(path), (path.stat().st_mtime_ns if path.exists() else -1)


def stations() -> gpd.GeoDataFrame:
    """The validated station register; re-read when the file changes on disk.
    Raises ``geo.errors.StationDataError`` when the file is invalid or missing."""
    return _stations(*register_version())


def stations_or_stop(lang: str) -> gpd.GeoDataFrame:
    """The register, or, when the file is invalid, every problem on screen and the page stops."""
    try:
        return stations()
    except StationDataError as err:
        show_error(err, heading=t("data_error", lang))
        st.stop()


@st.cache_data(show_spinner=False)
def _gazetteer(path: str, modified_ns: int) -> pd.DataFrame:
    return build_gazetteer(_stations(path, modified_ns), communities())


def gazetteer() -> pd.DataFrame:
    """Offline place list: landmarks, villages/communities and stations."""
    return _gazetteer(*register_version())


@st.cache_data(show_spinner=False)
def county_boundary() -> gpd.GeoDataFrame:
    return load_county_boundary()


@st.cache_data(show_spinner=False)
def communities() -> pd.DataFrame:
    return load_communities()


def community_names(lang: str) -> dict[str, str]:
    """NBS code -> display name of each village/community."""
    return community_names_in(communities(), lang)


@st.cache_resource(show_spinner=False)
def place_checker() -> PlaceChecker:
    """The county outline and the town's approximate extent, prepared once (read-only)."""
    return PlaceChecker(load_county_boundary())
