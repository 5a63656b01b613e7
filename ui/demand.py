"""Where demand comes from, shared by the coverage and gap-analysis pages: the study area
(default or uploaded polygon) and optional demand points (synthetic demo or an upload)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.coverage import CoverageError, clip_to_county, default_study_area
from geo.datum import Datum
from geo.errors import GeoDataError
from geo.readers import read_demand_points, read_study_area
from geo.reference import DATA_DIR
from ui import data
from ui.lang import current_language, tr

DEMO_DEMAND = DATA_DIR / "demo_demand_synthetic.csv"
DATUM_LABELS = {"wgs84": "WGS-84 (GPS/OSM)", "gcj02": "GCJ-02 (高德/腾讯)", "bd09": "BD-09 (百度)"}


@st.cache_data(show_spinner=False)
def read_points(content: bytes, suffix: str, datum: str) -> pd.DataFrame:
    """Demand or candidate points from an uploaded file's bytes (see geo.readers.read_demand_points)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        return read_demand_points(path, datum=datum)


@st.cache_data(show_spinner=False)
def _read_study_area(content: bytes, suffix: str) -> gpd.GeoDataFrame:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"study_area{suffix}"
        path.write_bytes(content)
        return clip_to_county(read_study_area(path), data.county_boundary())


def demand_input(stations: gpd.GeoDataFrame, prefix: str, *, allow_area: bool = True):
    """Widgets for the study area and the demand; returns (study_area, points or None,
    synthetic, upload_id). Shows problems and stops the page when a file is bad."""
    sources = ["area", "demo", "upload"] if allow_area else ["demo", "upload"]
    source = st.radio(tr("demand_source"), sources, format_func=lambda s: tr(f"demand_{s}"), horizontal=True,
                      key=f"{prefix}_source")
    try:
        study_upload = st.file_uploader(tr("study_area_file"), type=["geojson", "json"], key=f"{prefix}_study_area")
        study_area = (_read_study_area(study_upload.getvalue(), Path(study_upload.name).suffix.lower()) if study_upload
                      else default_study_area(stations, data.county_boundary()))
        points, upload_id = None, study_upload.file_id if study_upload else None
        if source == "demo":
            st.warning(tr("synthetic_warning"))
            points = read_points(DEMO_DEMAND.read_bytes(), ".csv", "wgs84")
        elif source == "upload":
            upload_column, datum_column = st.columns([3, 1])
            datum = datum_column.selectbox(tr("datum_of_file"), [d.value for d in Datum], format_func=DATUM_LABELS.get,
                                           key=f"{prefix}_datum")
            upload = upload_column.file_uploader(tr("demand_file"), type=["csv", "geojson", "json"], key=f"{prefix}_demand")
            if upload is None:
                st.info(tr("upload_first"))
                st.stop()
            points = read_points(upload.getvalue(), Path(upload.name).suffix.lower(), datum)
            upload_id = (upload_id, upload.file_id)
    except (GeoDataError, CoverageError) as err:
        st.error(tr("file_problems"))
        st.text(err.localized(current_language()))
        st.stop()
    return study_area, points, source == "demo", upload_id
