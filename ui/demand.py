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

from geo.analysis.coverage import clip_to_county, default_study_area
from geo.analysis.coverage_result import geodesic_area_km2
from geo.analysis.demand import DemandPoints, DemandTable, demand_points, demo_demand, read_demand_table
from geo.analysis.gap_analysis import CandidateSites, file_candidates, frame_digest, hex_candidates
from geo.errors import CoverageError, GeoDataError
from geo.markup import markdown_text
from geo.place.datum import Datum
from geo.readers import encoding_label, read_study_area
from geo.register.validate import town_extent
from ui import data
from ui.lang import choose, current_language, file_uploader, option_label, show_error, tr

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
def _area_km2(study_area: gpd.GeoDataFrame) -> float:
    return geodesic_area_km2(study_area)


@st.cache_data(max_entries=4, show_spinner=False, hash_funcs={gpd.GeoDataFrame: frame_digest})
def _default_study_area(stations: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    # clipping to the detailed county outline takes a second: once per register
    return default_study_area(stations, data.county_boundary())


def show_problem(err: GeoDataError) -> None:
    """A file's problems, in the page's language, and the page stops."""
    show_error(err)
    st.stop()


def _points_file(label: str, key: str, datum_key: str, **uploader_options):
    """An uploader of point files (CSV/GeoJSON) beside the choice of their datum."""
    upload_column, datum_column = st.columns([3, 1])
    datum = datum_column.selectbox(tr("datum_of_file"), [d.value for d in Datum], format_func=DATUM_LABELS.get,
                                   key=datum_key, placeholder=choose())
    with upload_column:
        upload = file_uploader(label, ["csv", "geojson", "json"], key=key, **uploader_options)
    return upload, datum


@dataclass(frozen=True)
class DemandFile:
    """An uploaded demand file, kept in ``st.session_state`` so both planner pages use it."""

    name: str
    content: bytes
    digest: str
    datum: str


#: Session keys shared by the coverage and gap pages: the demand file in use, the weight column
#: chosen per file (by digest) and the radius last measured.
SHARED_DEMAND_KEY = "planner_demand_file"
SHARED_WEIGHTS_KEY = "planner_demand_weights"
SHARED_RADIUS_KEY = "planner_radius_m"


def shared_radius_m(default_m: float) -> float:
    """The radius the planner last measured on either planner page (metres), else ``default_m``."""
    return float(st.session_state.get(SHARED_RADIUS_KEY, default_m))


def share_radius_m(radius_m: float) -> None:
    st.session_state[SHARED_RADIUS_KEY] = float(radius_m)


def _forget_demand_file() -> None:
    st.session_state.pop(SHARED_DEMAND_KEY, None)


def _demand_file(prefix: str) -> DemandFile | None:
    """The demand file in use: the one uploaded on either planner page (with a note saying which
    and a button to change it), else this page's uploader."""
    shared: DemandFile | None = st.session_state.get(SHARED_DEMAND_KEY)
    uploader_key = f"{prefix}_demand"
    if shared is not None and st.session_state.get(uploader_key) is None:
        note_column, change_column = st.columns([3, 1], vertical_alignment="center")
        note_column.info(tr("demand_file_in_use", name=markdown_text(Path(shared.name).name),
                              datum=markdown_text(DATUM_LABELS.get(shared.datum, shared.datum))))
        change_column.button(tr("demand_file_change"), key=f"{prefix}_demand_change", on_click=_forget_demand_file)
        return shared
    upload, datum = _points_file(tr("demand_file"), uploader_key, f"{prefix}_datum", on_change=_forget_demand_file)
    if upload is None:
        return None
    shared = DemandFile(upload.name, upload.getvalue(), content_digest(upload), datum)
    st.session_state[SHARED_DEMAND_KEY] = shared
    return shared


def _weight_step(demand_file: DemandFile, prefix: str) -> DemandPoints:
    """The mapping step: which column is the weight (or each point counts 1); the choice is
    kept per file for the other planner page."""
    name, digest, content, datum = demand_file.name, demand_file.digest, demand_file.content, demand_file.datum
    with st.spinner(tr("reading_file", name=name), show_time=True):
        choices, detected, encoding, rows = _weight_choices(digest, content, name, datum)
    options = [NO_WEIGHT, *choices]
    chosen = st.session_state.setdefault(SHARED_WEIGHTS_KEY, {})
    preferred = chosen.get(digest, detected)
    column = st.selectbox(tr("weight_column"), options, index=options.index(preferred) if preferred in options else 0,
                          format_func=lambda c, none=tr("weight_none_option"): c or none, key=f"{prefix}_weight_{digest[:16]}",
                          placeholder=choose(), help=tr("weight_help"))
    chosen[digest] = column
    points = _points(digest, content, name, datum, column or None)
    st.caption(markdown_text(tr("demand_read", n=rows, encoding=encoding_label(encoding) if encoding else "GeoJSON",
                                source=points.source.describe(current_language()))))
    return points


def demand_input(stations: gpd.GeoDataFrame, prefix: str, *, allow_area: bool = True) -> DemandChoice:
    """Widgets for the study area and the demand; shows problems and stops the page when a
    file is bad."""
    sources = ["area", "demo", "upload"] if allow_area else ["demo", "upload"]
    # a file uploaded on the other planner page is what the planner is working with
    source = st.radio(tr("demand_source"), sources, format_func=option_label("demand_"), horizontal=True,
                      index=sources.index("upload") if SHARED_DEMAND_KEY in st.session_state else 0,
                      key=f"{prefix}_source")
    try:
        with st.expander(tr("study_area_title")):
            study_upload = file_uploader(tr("study_area_file"), ["geojson", "json"], key=f"{prefix}_study_area")
        if study_upload:
            study_area = _study_area(content_digest(study_upload), study_upload.getvalue(),
                                     Path(study_upload.name).suffix.lower())
        else:
            study_area = _default_study_area(stations)
            st.caption(tr("default_study_area_note", km2=_area_km2(study_area), **town_extent().label_params()))
        points = None
        if source == "demo":
            st.warning(tr("synthetic_warning"))
            points = _demo()
        elif source == "upload":
            demand_file = _demand_file(prefix)
            if demand_file is None:
                st.info(tr("upload_first"))
                st.stop()
            points = _weight_step(demand_file, prefix)
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
