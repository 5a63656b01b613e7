"""Where demand comes from, shared by the coverage and gap-analysis pages: the study area
(default or uploaded polygon), the demand (the study area's surface, the synthetic demo points
or a planner's file, with a step that says which column is the weight) and candidate sites.

Files are read once per content: the cache key is the SHA-256 of the bytes (computed once per
upload), never the 100,000-row table.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import streamlit as st

from geo.coverage import CoverageError, clip_to_county, default_study_area
from geo.datum import Datum
from geo.demand import DemandPoints, DemandTable, demand_points, demo_demand, read_demand_table
from geo.errors import GeoDataError
from geo.gap_analysis import CandidateSites, file_candidates, frame_digest, hex_candidates
from geo.markup import markdown_text
from geo.readers import encoding_label, read_study_area
from ui import data
from ui.lang import choose, current_language, file_uploader, option_label, tr

DATUM_LABELS = {"wgs84": "WGS-84 (GPS/OSM)", "gcj02": "GCJ-02 (高德/腾讯)", "bd09": "BD-09 (百度)"}
#: The weight choice "no column: each point counts 1".
NO_WEIGHT = ""


@dataclass(frozen=True)
class DemandChoice:
    study_area: gpd.GeoDataFrame
    #: ``None``: coverage of the study area's surface
    demand: DemandPoints | None


def content_digest(upload) -> str:
    """SHA-256 of an uploaded file's bytes, computed once per upload (Streamlit's ``file_id``)."""
    memo = st.session_state.setdefault("_upload_digests", {})
    if upload.file_id not in memo:
        memo[upload.file_id] = hashlib.sha256(upload.getvalue()).hexdigest()
    return memo[upload.file_id]


@st.cache_resource(max_entries=4, show_spinner=False)
def _table(digest: str, _content: bytes, name: str, datum: str) -> DemandTable:
    # read-only and shared: a parsed file is read again only when its bytes or datum change
    return read_demand_table(_content, name, datum=datum)


@st.cache_data(max_entries=16, show_spinner=False)
def _weight_choices(digest: str, _content: bytes, name: str, datum: str) -> tuple[list[str], str | None, str | None, int]:
    table = _table(digest, _content, name, datum)
    detected = table.detected_weight()
    choices = table.weight_choices()
    if detected is not None and detected not in choices:
        choices.insert(0, detected)  # offered anyway, so that its bad rows are shown
    return choices, detected, table.points.attrs.get("encoding"), len(table.points)


@st.cache_resource(max_entries=6, show_spinner=False)
def _points(digest: str, _content: bytes, name: str, datum: str, weight_column: str | None) -> DemandPoints:
    return demand_points(_table(digest, _content, name, datum), weight_column=weight_column)


@st.cache_resource(show_spinner=False)
def _demo() -> DemandPoints:
    return demo_demand()


@st.cache_data(max_entries=8, show_spinner=False)
def _study_area(digest: str, _content: bytes, suffix: str) -> gpd.GeoDataFrame:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"study_area{suffix}"
        path.write_bytes(_content)
        return clip_to_county(read_study_area(path), data.county_boundary())


@st.cache_data(max_entries=4, show_spinner=False, hash_funcs={gpd.GeoDataFrame: frame_digest})
def _default_study_area(stations: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    # clipping to the detailed county outline takes a second: once per register
    return default_study_area(stations, data.county_boundary())


def show_problem(err: GeoDataError) -> None:
    """A file's problems, in the page's language, and the page stops."""
    st.error(tr("file_problems"))
    st.text(err.localized(current_language()))
    st.stop()


def _points_file(label: str, key: str, datum_key: str):
    """An uploader of point files (CSV/GeoJSON) beside the choice of their datum."""
    upload_column, datum_column = st.columns([3, 1])
    datum = datum_column.selectbox(tr("datum_of_file"), [d.value for d in Datum], format_func=DATUM_LABELS.get,
                                   key=datum_key, placeholder=choose())
    with upload_column:
        upload = file_uploader(label, ["csv", "geojson", "json"], key=key)
    return upload, datum


def _weight_step(upload, datum: str, prefix: str) -> DemandPoints:
    """The mapping step: which column is the weight (or each point counts 1)."""
    digest, content = content_digest(upload), upload.getvalue()
    with st.spinner(tr("reading_file", name=upload.name), show_time=True):
        choices, detected, encoding, rows = _weight_choices(digest, content, upload.name, datum)
    options = [NO_WEIGHT, *choices]
    column = st.selectbox(tr("weight_column"), options, index=options.index(detected) if detected in options else 0,
                          format_func=lambda c, none=tr("weight_none_option"): c or none, key=f"{prefix}_weight_{digest[:16]}",
                          placeholder=choose(), help=tr("weight_help"))
    points = _points(digest, content, upload.name, datum, column or None)
    st.caption(markdown_text(tr("demand_read", n=rows, encoding=encoding_label(encoding) if encoding else "GeoJSON",
                                source=points.source.describe(current_language()))))
    return points


def demand_input(stations: gpd.GeoDataFrame, prefix: str, *, allow_area: bool = True) -> DemandChoice:
    """Widgets for the study area and the demand; shows problems and stops the page when a
    file is bad."""
    sources = ["area", "demo", "upload"] if allow_area else ["demo", "upload"]
    source = st.radio(tr("demand_source"), sources, format_func=option_label("demand_"), horizontal=True,
                      key=f"{prefix}_source")
    try:
        with st.expander(tr("study_area_title")):
            study_upload = file_uploader(tr("study_area_file"), ["geojson", "json"], key=f"{prefix}_study_area")
        study_area = (_study_area(content_digest(study_upload), study_upload.getvalue(),
                                  Path(study_upload.name).suffix.lower()) if study_upload
                      else _default_study_area(stations))
        points = None
        if source == "demo":
            st.warning(tr("synthetic_warning"))
            points = _demo()
        elif source == "upload":
            upload, datum = _points_file(tr("demand_file"), f"{prefix}_demand", f"{prefix}_datum")
            if upload is None:
                st.info(tr("upload_first"))
                st.stop()
            points = _weight_step(upload, datum, prefix)
    except (GeoDataError, CoverageError) as err:
        show_problem(err)
    return DemandChoice(study_area, points)


@st.cache_data(max_entries=8, show_spinner=False)
def _file_candidates(digest: str, _content: bytes, name: str, datum: str, _study_area: gpd.GeoDataFrame,
                     study_key: str) -> CandidateSites:
    table = _table(digest, _content, name, datum)
    return file_candidates(table.points, name, _study_area, digest=f"{digest}:{datum}")


@st.cache_data(max_entries=8, show_spinner=False)
def _hex_candidates(_study_area: gpd.GeoDataFrame, study_key: str) -> CandidateSites:
    return hex_candidates(_study_area)


def candidate_input(study_area: gpd.GeoDataFrame, prefix: str) -> CandidateSites:
    """Where new stations could go: the study area's hexagon centres, or a planner's file."""
    study_key = frame_digest(study_area)
    choice = st.radio(tr("candidates_source"), ["hex", "upload"], format_func=option_label("candidates_"),
                      horizontal=True, key=f"{prefix}_candidates")
    if choice == "hex":
        return _hex_candidates(study_area, study_key)
    upload, datum = _points_file(tr("candidates_file"), f"{prefix}_candidates_file", f"{prefix}_candidates_datum")
    if upload is None:
        st.info(tr("upload_candidates_first"))
        st.stop()
    try:
        candidates = _file_candidates(content_digest(upload), upload.getvalue(), upload.name, datum, study_area, study_key)
    except GeoDataError as err:
        show_problem(err)
    if candidates.outside:
        st.caption(tr("candidates_outside", n=candidates.outside, name=markdown_text(Path(upload.name).name)))
    return candidates
