"""Cached access to the station register and reference data for the pages."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.io import DEFAULT_STATIONS_PATH, load_communities, load_county_boundary, load_stations


@st.cache_data(show_spinner=False)
def _stations(path: str, modified_ns: int) -> gpd.GeoDataFrame:
    return load_stations(path)


def stations_path() -> Path:
    """The register the app shows: ``$GAOHE_STATIONS`` if set, else the embedded dataset."""
    return Path(os.environ.get("GAOHE_STATIONS", DEFAULT_STATIONS_PATH))


def stations() -> gpd.GeoDataFrame:
    """The validated station register; re-read when the file changes on disk.
    Raises ``geo.io.StationDataError`` when the file is invalid or missing."""
    path = stations_path()
    modified_ns = path.stat().st_mtime_ns if path.exists() else -1
    return _stations(str(path), modified_ns)


@st.cache_data(show_spinner=False)
def county_boundary() -> gpd.GeoDataFrame:
    return load_county_boundary()


@st.cache_data(show_spinner=False)
def communities() -> pd.DataFrame:
    return load_communities()


def community_names(lang: str) -> dict[str, str]:
    """NBS code -> display name of each village/community."""
    table = communities()
    return dict(zip(table["code"], table["name_short" if lang == "zh" else "name_en"]))
