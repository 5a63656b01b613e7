"""Hostile text stays text: in map HTML (HTML, JavaScript template literals, Jinja), in
Streamlit markdown, and in what the validator accepts."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.analysis.coverage import default_study_area, hex_grid, overlap_area, service_areas, union_by_type
from geo.analysis.nearest import nearest_stations
from geo.maps.base import standalone_html
from geo.maps.coverage import build_coverage_map
from geo.maps.feedback import build_report_pick_map, build_reports_map
from geo.maps.gaps import build_gaps_map
from geo.maps.overview import build_overview_map
from geo.maps.rider import build_rider_map
from geo.markup import map_text, markdown_text, markup_problem, plain_text
from geo.place.reference import load_county_boundary
from geo.register.geojson import load_stations
from tests.hostile_text import CORPUS, EVALUATED_MARKERS, SERVER_MARKER_DIR

MOMENT = datetime(2026, 11, 28, 10, 0)
TEXT_COLUMNS = ("name_zh", "name_en", "address", "operator", "source", "phone")


@given(st.text())
@settings(max_examples=500)
def test_map_text_holds_no_character_that_html_javascript_or_jinja_would_read(text):
    safe = map_text(text, max_chars=10**6)
    assert not set(safe) & set("<>\"'`$\\{}\u2028\u2029\n\r")


@given(st.text())
@settings(max_examples=500)
def test_the_browser_reads_map_text_back_as_the_plain_text(text):
    # the oracle: what an HTML parser makes of the character references
    assert html.unescape(map_text(text, max_chars=10**6)) == plain_text(text)


def test_plain_text_drops_direction_controls_and_breaks_lines_and_cuts_long_text():
    assert plain_text("\u202eevil\u202c\nnext") == "evil next"
    assert plain_text("x" * 500, max_chars=10) == "x" * 9 + "…"
    assert plain_text(None) == ""


@given(st.text(alphabet=st.characters(codec="ascii")))
@settings(max_examples=300)
def test_markdown_text_escapes_every_ascii_punctuation_mark(text):
    escaped = markdown_text(text)
    # remove the escapes: what is left must be the plain text, and no punctuation stands bare
    assert re.sub(r"\\(.)", r"\1", escaped) == plain_text(text)
    bare = re.sub(r"\\.", "", escaped)
    assert not set(bare) & set("\\`*_{}[]()#+-.!|<>~$:&=^\"'@%")


@pytest.mark.parametrize("text", ["骑龙社区党群驿站", "人民医保药房(骑龙店)#2 · 24h & 50% <5 min", "Qilong (No. 2)"])
def test_ordinary_names_are_not_flagged(text):
    assert markup_problem(text) is None


@pytest.mark.parametrize("text", [t for t in CORPUS if any(s in t for s in ("{{", "{%", "{#", "${", "`", "<s", "<i", "</"))])
def test_every_code_like_corpus_entry_is_flagged(text):
    assert markup_problem(text) is not None


@pytest.fixture(scope="module")
def hostile_stations():
    """The first stations of the register with every text field replaced by corpus entries,
    as a scenario or an uploaded file could bring them (the register's validator would refuse)."""
    stations = load_stations().head(len(CORPUS)).copy()
    for column in TEXT_COLUMNS:
        stations[column] = CORPUS[: len(stations)]
    stations["id"] = [f"{text[:30]}" for text in CORPUS[: len(stations)]]
    return stations.reset_index(drop=True)


def _all_maps(stations):
    boundary = load_county_boundary()
    study_area = default_study_area(stations, boundary)
    areas = service_areas(stations, 500.0)
    grid = hex_grid(study_area, 8).head(30).assign(nearest_m=100.0, demand=5.0, uncovered=1.0, access=0.1)
    results = nearest_stations(stations, 116.8236, 30.7374, k=3)
    picks = pd.DataFrame({"rank": [1, 2], "label": CORPUS[:2], "lon": [116.82, 116.83], "lat": [30.73, 30.74],
                          "gain": [10.0, 5.0]})
    clusters = pd.DataFrame({"lon": [116.82], "lat": [30.74], "demand": [12.0]})
    return {
        "overview": build_overview_map(stations, boundary, lang="zh", moment=MOMENT, basemap="none",
                                       feedback_base_path=""),
        "rider": build_rider_map(results, rider_lonlat=(116.8236, 30.7374), context=stations, lang="en",
                                 moment=MOMENT, basemap="none"),
        "coverage": build_coverage_map(stations, areas_by_type=union_by_type(areas), overlap=overlap_area(areas),
                                       study_area=study_area, distance_hexes=grid, demand_hexes=grid, radius_m=500.0, lang="zh",
                                       basemap="none"),
        "gaps": build_gaps_map(stations, picks=picks, clusters=clusters, access_hexes=grid, study_area=study_area,
                               lang="zh", basemap="none"),
        "reports": build_reports_map(
            pd.DataFrame({"id": range(len(CORPUS)), "state": "new", "lon": 116.82 + 0.001 * pd.RangeIndex(len(CORPUS)),
                          "lat": 30.74}),
            labels=dict(enumerate(CORPUS)), lang="zh", basemap="none"),
        "report_place": build_report_pick_map(
            lang="zh", basemap="none", stations=stations, boundary=boundary, station_lonlat=(116.82, 30.74),
            landmarks=pd.DataFrame({"name_zh": CORPUS, "name_en": CORPUS, "lon": 116.82 + 0.001 * pd.RangeIndex(len(CORPUS)),
                                    "lat": 30.735})),
    }


@pytest.mark.parametrize("builder", ["overview", "rider", "coverage", "gaps", "reports", "report_place"])
def test_no_map_builder_lets_corpus_text_run_as_template_or_script(hostile_stations, builder):
    fmap = _all_maps(hostile_stations)[builder]
    # the full render is the path that compiles every element's output as a Jinja template again
    page = standalone_html(fmap)
    assert not SERVER_MARKER_DIR.exists()
    for marker in EVALUATED_MARKERS:
        assert marker not in page
    for text in CORPUS:
        for dangerous in ("<script>window", "<img src=x", "<svg/", "${window", "`;window", "`+(window", "{{ ", "{%", "{#"):
            if dangerous in text:
                assert text[:40] not in page, (builder, text[:40])
    assert "\u202e" not in page
