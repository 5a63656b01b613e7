"""The overview map builder: markers per type, datum of the basemap, escaping, no CDNs."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

import folium
import pytest

from geo.maps.overview import build_overview_map
from geo.maps.stations import station_popup_html
from geo.place.datum import wgs84_to_gcj02
from geo.place.reference import load_county_boundary
from geo.register.geojson import load_stations

MOMENT = datetime(2026, 11, 28, 10, 0)  # Saturday 10:00 in Gaohe


@pytest.fixture(scope="module")
def stations():
    return load_stations()


@pytest.fixture(scope="module")
def boundary():
    return load_county_boundary()


def markers(fmap: folium.Map) -> list[folium.Marker]:
    found = []

    def walk(element):
        for child in element._children.values():
            if isinstance(child, folium.Marker):
                found.append(child)
            walk(child)

    walk(fmap)
    return found


def marker_type(marker: folium.Marker) -> str:
    icon = next(c for c in marker._children.values() if isinstance(c, folium.DivIcon))
    return re.search(r"gh-icon-(\w+)", icon.options["class_name"]).group(1)


def test_every_station_gets_one_marker_of_its_type(stations, boundary):
    fmap = build_overview_map(stations, boundary, lang="zh", moment=MOMENT)
    assert Counter(marker_type(m) for m in markers(fmap)) == Counter(stations["station_type"])


def test_markers_sit_on_wgs84_for_osm_and_on_gcj02_for_amap(stations, boundary):
    osm = markers(build_overview_map(stations, boundary, lang="zh", basemap="osm", moment=MOMENT))
    amap = markers(build_overview_map(stations, boundary, lang="zh", basemap="amap", moment=MOMENT))
    for marker_osm, marker_amap in zip(osm, amap):
        lat, lon = marker_osm.location
        gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
        assert marker_amap.location == pytest.approx([gcj_lat, gcj_lon], abs=1e-9)
    wgs = {(s.geometry.y, s.geometry.x) for s in stations.itertuples()}
    assert {tuple(m.location) for m in osm} == wgs


def test_the_rendered_map_loads_nothing_from_the_internet_but_tiles(stations, boundary):
    html = build_overview_map(stations, boundary, lang="zh", basemap="none", moment=MOMENT).get_root().render()
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == []
    assert "/app/static/leaflet/leaflet.js" in html
    assert "/app/static/markercluster/leaflet.markercluster.js" in html


def test_the_offline_basemap_has_no_tiles_but_the_county_outline(stations, boundary):
    html = build_overview_map(stations, boundary, lang="zh", basemap="none", moment=MOMENT).get_root().render()
    assert "L.tileLayer" not in html
    assert "L.geoJson" in html or "L.geoJSON" in html
    assert '"maxZoom": 19' in html  # without it Leaflet shows nothing when there is no tile layer


def test_names_are_html_escaped_in_popups_and_tooltips(stations, boundary):
    hostile = stations.head(1).copy()
    hostile["name_zh"] = "<img src=x onerror=alert(1)>"
    html = build_overview_map(hostile, boundary, lang="zh", moment=MOMENT).get_root().render()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_popup_shows_status_amenities_and_open_now(stations):
    red = stations[stations.station_type == "red"].iloc[0]
    zh = station_popup_html(red, lang="zh", moment=MOMENT, community_names={})
    assert "位置待核实" in zh and "血压计" in zh and "营业中" in zh and "21:00 关闭" in zh
    en = station_popup_html(red, lang="en", moment=datetime(2026, 11, 28, 22), community_names={})
    assert "position not yet verified" in en and "blood-pressure monitor" in en
    assert "Closed now · opens at 11-29 08:00" in en


def test_the_legend_and_layers_name_each_type_with_its_count(stations, boundary):
    html = build_overview_map(stations, boundary, lang="en", moment=MOMENT).get_root().render()
    assert "Party-mass station (7)" in html
    assert "Red station (pharmacy) (6)" in html
    assert "dashed border = position not yet verified" in html


def test_an_empty_selection_still_builds_a_map(stations, boundary):
    fmap = build_overview_map(stations.head(0), boundary, lang="zh", moment=MOMENT)
    assert markers(fmap) == []


def test_the_popup_says_verified_on_which_day_and_what_is_unknown(stations):
    from datetime import date

    from geo.register.survey import Verification, gps_method, verify_station

    verified = verify_station(stations, Verification("RS-01", (116.8251, 30.7360), gps_method(6), "李核实",
                                                     date(2026, 11, 28))).stations
    station = verified.set_index("id").loc["RS-01"].copy()
    station["id"] = "RS-01"
    html = station_popup_html(station, lang="zh", moment=datetime(2026, 11, 28, 10), community_names={})
    assert "位置已核实 · 2026-11-28 实地核实" in html and "李核实" not in html
    station["location_status"], station["community_code"], station["opening_hours"] = "needs_position", None, "unknown"
    html = station_popup_html(station, lang="zh", moment=datetime(2026, 11, 28, 10), community_names={})
    assert "待定位(位置未知)" in html and "开放时间未知" in html and "None" not in html


def test_popups_write_the_hours_as_people_do_in_the_pages_language():
    from geo.register.normalise import parse_opening_hours

    stations = load_stations()
    station = stations[stations.opening_hours == "Mo-Su 08:00-20:00"].iloc[0]
    zh = station_popup_html(station, lang="zh", moment=MOMENT, community_names={})
    en = station_popup_html(station, lang="en", moment=MOMENT, community_names={})
    assert "每天 8:00-20:00" in zh and "Mo-Su" not in zh
    assert parse_opening_hours("每天 8:00-20:00") == station.opening_hours
    assert "Daily 8:00-20:00" in en and "Mo-Su" not in en
