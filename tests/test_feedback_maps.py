"""Maps of the report pages: the place map readable offline (outline, stations, landmarks that
let taps through), the picked place and the selection as layers in the basemap's datum, report
clusters with counts, and the station popups' link to the feedback form."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import folium
import pandas as pd
import pytest

from geo.maps.feedback import build_report_pick_map, build_reports_map, report_place_layer, selected_reports_layer
from geo.maps.overview import build_overview_map
from geo.maps.stations import station_feedback_url, station_popup_html
from geo.place.datum import wgs84_to_gcj02
from geo.place.reference import load_county_boundary
from geo.register.geojson import load_stations
from tests.test_maps import MOMENT, markers

LANDMARKS = pd.DataFrame({"name_zh": ["怀宁县人民政府", "无位置的地标"], "name_en": ["County Government", "Nowhere"],
                          "lon": [116.823601, float("nan")], "lat": [30.73744, float("nan")]})


@pytest.fixture(scope="module")
def stations():
    return load_stations()


@pytest.fixture(scope="module")
def boundary():
    return load_county_boundary()


def test_the_place_map_names_every_station_and_landmark_and_lets_taps_through(stations, boundary):
    fmap = build_report_pick_map(lang="zh", basemap="none", stations=stations, boundary=boundary,
                                 landmarks=LANDMARKS)
    labels = [m for m in markers(fmap) if "gh-place" in m.icon.options["html"]]
    assert len(labels) == len(stations) + 1  # the landmark with no position is left out
    assert all(m.options["interactive"] is False for m in labels)
    html = fmap.get_root().render()
    shown = {m.icon.options["html"].split('class="gh-place-name">')[1].split("<")[0] for m in labels}
    assert shown == {*stations["name_zh"], "怀宁县人民政府"}
    assert '"interactive": false' in html and "dashArray" in html  # the county outline, not clickable


def test_the_picked_place_and_the_registered_station_sit_in_the_basemap_datum(stations):
    place = (116.8245, 30.7378)
    layer = report_place_layer(place, basemap="amap")
    (marker,) = markers(layer)
    gcj_lon, gcj_lat = wgs84_to_gcj02(*place)
    assert marker.location == pytest.approx([gcj_lat, gcj_lon], abs=1e-9)
    assert markers(report_place_layer(None)) == []
    fmap = build_report_pick_map(lang="zh", basemap="osm", station_lonlat=place)
    (ring,) = [m for m in markers(fmap) if "gh-registered" in m.icon.options["html"]]
    assert ring.location == pytest.approx([place[1], place[0]])
    assert fmap.location == pytest.approx([place[1], place[0]])  # centred on the station


def test_reports_on_top_of_each_other_gather_in_a_counted_cluster():
    reports = pd.DataFrame({"id": [1, 2, 3], "state": ["new", "new", "resolved"], "lon": [116.83, 116.83, 116.84],
                            "lat": [30.74, 30.74, 30.75]})
    fmap = build_reports_map(reports, labels={1: "GH-A", 2: "GH-B", 3: "GH-C"}, lang="zh", basemap="none")
    clusters = [c for c in fmap._children.values() if isinstance(c, folium.plugins.MarkerCluster)]
    assert len(clusters) == 1 and len(clusters[0]._children) == 3
    html = fmap.get_root().render()
    assert "cluster.getChildCount()" in html and "markercluster/leaflet.markercluster.js" in html
    assert "unpkg" not in html and "cdn" not in html.lower().replace("cdnjs", "cdn")  # served by the app
    layer = selected_reports_layer(reports[reports["id"] == 3], basemap="none")
    (ring,) = markers(layer)
    assert ring.location == [30.75, 116.84] and ring.options["interactive"] is False


@pytest.mark.parametrize(("station_id", "lang", "expected"), [
    ("RS-01", "zh", "/report?station=RS-01"),
    ("RS-01", "en", "/gaohe/report?station=RS-01&lang=en"),
    ("<a&b>", "zh", "/report?station=%3Ca%26b%3E"),
])
def test_the_feedback_link_names_the_station_and_the_language(station_id, lang, expected):
    base = "/gaohe/" if lang == "en" else ""
    url = station_feedback_url(station_id, lang=lang, base_path=base)
    assert url == expected and parse_qs(urlsplit(url).query)["station"] == [station_id]


def test_overview_popups_link_to_the_feedback_form(stations, boundary):
    html = build_overview_map(stations.head(3), boundary, lang="zh", moment=MOMENT, basemap="none",
                              feedback_base_path="").get_root().render()
    links = re.findall(r'class="gh-feedback gh-app-link" href="([^"]+)" target="_blank"', html)
    assert links == [f"/report?station={i}" for i in stations.head(3)["id"]]
    without = station_popup_html(stations.iloc[0], lang="zh", moment=MOMENT, community_names={})
    assert "gh-feedback" not in without
