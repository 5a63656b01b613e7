"""Every page through Streamlit's AppTest (Python side; the browser tests see the rendering)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.io import load_stations
from geo.model import StationType

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def run_app(**session) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in session.items():
        at.session_state[key] = value
    return at.run()


def map_args(at: AppTest) -> dict:
    (component,) = at.get("component_instance")
    return json.loads(component.proto.json_args)


def markers_by_type(at: AppTest) -> Counter:
    return Counter(re.findall(r"gh-icon gh-icon-(\w+)", map_args(at)["script"]))


@pytest.fixture(scope="module")
def stations():
    return load_stations()


def test_the_overview_shows_every_station_in_chinese(stations):
    at = run_app()
    assert not at.exception
    assert at.title[0].value == "高河驿站地图"
    assert "位置待核实" in at.warning[0].value
    assert markers_by_type(at) == Counter(stations["station_type"])
    by_type = at.dataframe[0].value
    assert list(by_type.columns) == ["类型", "数量", "位置待核实"]
    assert by_type.iloc[-1]["数量"] == len(stations)
    assert map_args(at)["returned_objects"] == []  # panning and zooming do not rerun


def test_the_overview_in_english(stations):
    at = run_app(lang="en")
    assert at.title[0].value == "Gaohe Station Map"
    assert "Position not yet verified" in at.warning[0].value
    assert "Party-mass station (7)" in map_args(at)["script"]
    by_community = at.dataframe[1].value
    assert "Qilong Community" in set(by_community["Village/community"])


def test_switching_the_language_radio_rerenders_in_english():
    at = run_app()
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Gaohe Station Map"


def test_the_type_filter_limits_markers_and_counts(stations):
    at = run_app()
    at.multiselect(key="overview_types").set_value(["red", "parking"]).run()
    expected = Counter(stations.loc[stations.station_type.isin(["red", "parking"]), "station_type"])
    assert markers_by_type(at) == expected
    assert at.dataframe[0].value.iloc[-1]["数量"] == sum(expected.values())


def test_no_type_chosen_says_so_and_shows_an_empty_map():
    at = run_app()
    at.multiselect(key="overview_types").set_value([]).run()
    assert at.info[0].value == "请至少选择一种站点类型。"
    assert markers_by_type(at) == Counter()


def test_the_amap_basemap_uses_amap_tiles():
    at = run_app()
    at.radio(key="overview_basemap").set_value("amap").run()
    assert "autonavi.com" in map_args(at)["script"]


def test_the_offline_basemap_has_no_tiles_and_every_station(stations):
    at = run_app()
    at.radio(key="overview_basemap").set_value("none").run()
    script = map_args(at)["script"]
    assert "tileLayer" not in script
    assert sum(markers_by_type(at).values()) == len(stations)


def test_a_broken_data_file_shows_every_problem_and_no_map(tmp_path, monkeypatch):
    doc = json.loads(Path(load_stations.__globals__["DEFAULT_STATIONS_PATH"]).read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["station_type"] = "cafe"
    doc["features"][1]["geometry"] = None
    path = tmp_path / "broken.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("GAOHE_STATIONS", str(path))
    at = run_app()
    assert "站点数据文件有问题" in at.error[0].value
    listing = at.code[0].value
    assert "feature 1" in listing and "station_type" in listing and "feature 2" in listing
    assert not at.get("component_instance")


@pytest.mark.parametrize("station_type", [t.value for t in StationType])
def test_each_type_alone_can_be_shown(station_type, stations):
    at = run_app(overview_types=[station_type])
    assert markers_by_type(at) == Counter({station_type: int((stations.station_type == station_type).sum())})
