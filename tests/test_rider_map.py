"""The rider's map: a base that stays the same between answers, layers that carry the answer,
a view that shows the rider and every result, named markers, the tile-failure notice."""

from __future__ import annotations

import math
import re
from datetime import datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.maps.rider import build_rider_view, fit_view
from geo.place.datum import wgs84_to_gcj02
from geo.register.geojson import load_stations
from geo.rider.answer import REST_TYPES, answer_rider

MOMENT = datetime(2026, 11, 28, 10, 0)


@pytest.fixture(scope="module")
def stations():
    return load_stations()


def view_for(stations, lon, lat, **kwargs):
    answer = answer_rider(stations, lon, lat, station_types=REST_TYPES, moment=MOMENT)
    return build_rider_view(answer.results, rider_lonlat=(lon, lat), context=answer.context, lang="zh",
                            moment=MOMENT, **kwargs)


def readable(html: str) -> str:
    """The rendered page with the JSON escapes of its scripts undone (\\" and \\uXXXX)."""
    return re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), html).replace('\\"', '"')


def without_ids(html: str) -> str:
    return re.sub(r"_[0-9a-f]{32}", "", html)


def test_the_base_map_is_the_same_for_every_answer_so_the_page_keeps_it(stations):
    here = view_for(stations, 116.8236, 30.7374, basemap="amap")
    there = view_for(stations, 116.8400, 30.7500, basemap="amap")
    assert without_ids(here.base.get_root().render()) == without_ids(there.base.get_root().render())
    assert here.center != there.center


def test_the_layers_carry_the_answer_with_named_markers(stations):
    view = view_for(stations, 116.8236, 30.7374, basemap="none")
    html = readable(view.combined().get_root().render())
    assert html.count('class="gh-marker gh-type-') >= 3 and "gh-rank-1" in html
    labels = re.findall(r'role="img" aria-label="([^"]+)"', html)
    assert "您在这里" in labels
    assert any(label.startswith("1. ") and label.endswith("(位置待核实)") for label in labels)


def test_markers_sit_in_the_basemaps_datum(stations):
    answer = answer_rider(stations, 116.8236, 30.7374, station_types=REST_TYPES, moment=MOMENT)
    amap = build_rider_view(answer.results, rider_lonlat=(116.8236, 30.7374), context=answer.context, lang="zh",
                            moment=MOMENT, basemap="amap")
    first = answer.results.iloc[0].geometry
    gcj_lon, gcj_lat = wgs84_to_gcj02(first.x, first.y)
    html = amap.combined().get_root().render()
    assert f"[{gcj_lat}, {gcj_lon}]" in html


def test_a_tile_basemap_gets_the_failure_notice_in_the_pages_language(stations):
    zh = readable(view_for(stations, 116.8236, 30.7374, basemap="amap").base.get_root().render())
    notice_call = re.compile(r"ghTileTrouble\(map_\w+, ")
    assert notice_call.search(zh) and "gh-tiles-failed" in zh and "tileerror" in zh
    assert "底图加载失败" in zh
    none = view_for(stations, 116.8236, 30.7374, basemap="none").base.get_root().render()
    assert not notice_call.search(none) and "底图加载失败" not in readable(none)  # no tiles, nothing to fail


def _mercator_px(lon, lat, zoom):
    scale = 256 * 2**zoom
    x = (np.asarray(lon) + 180) / 360 * scale
    y = (1 - np.log(np.tan(np.radians(lat)) + 1 / np.cos(np.radians(lat))) / np.pi) / 2 * scale
    return x, y


@settings(max_examples=60, derandomize=True)
@given(st.lists(st.tuples(st.floats(116.70, 116.95), st.floats(30.62, 30.82)), min_size=2, max_size=6))
def test_the_view_is_the_deepest_zoom_at_which_every_point_fits(points):
    lon, lat = np.array(points).T
    (center_lat, center_lon), zoom = fit_view(lon, lat, size_px=(360, 330), padding_px=36, min_zoom=5, max_zoom=17)
    room_x, room_y = 360 - 72, 330 - 72

    def fits(z):
        x, y = _mercator_px(lon, lat, z)
        return x.max() - x.min() <= room_x and y.max() - y.min() <= room_y

    assert fits(zoom)
    assert zoom == 17 or not fits(zoom + 1)
    cx, cy = _mercator_px(center_lon, center_lat, zoom)
    x, y = _mercator_px(lon, lat, zoom)
    assert math.isclose(cx, (x.max() + x.min()) / 2, abs_tol=1e-6) and math.isclose(cy, (y.max() + y.min()) / 2, abs_tol=1e-6)
