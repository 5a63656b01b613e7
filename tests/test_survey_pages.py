"""The survey page, the overview's progress and the data page's editor-only parts through
Streamlit's AppTest. The phone's position, which only a browser gives, is put in the session as
the geolocation answer would; the browser test (tests/browser/test_import_survey_browser.py)
takes it from Chromium's geolocation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyproj import Geod
from streamlit.testing.v1 import AppTest

from geo.register.geojson import load_stations
from geo.register.store import StationStore

APP = str(Path(__file__).resolve().parents[1] / "app.py")
GEOD = Geod(ellps="WGS84")


@pytest.fixture
def register(editable_register):
    return editable_register


def run_page(page: str, **session) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page(page)
    for key, value in session.items():
        at.session_state[key] = value
    return at.run()


def at_station(register_path, station_id, *, east_m=30.0, accuracy_m=8.0):
    point = load_stations(register_path).set_index("id").at[station_id, "geometry"]
    lon, lat, _ = GEOD.fwd(point.x, point.y, 90, east_m)
    return (lon, lat, accuracy_m)


def test_the_survey_needs_a_signed_in_surveyor(register):
    at = run_page("views/survey.py")
    assert not at.exception
    assert "实地核实需要先登录(与数据管理使用同一账号)。" in [i.value for i in at.info]
    assert not at.selectbox and "已核实 0 / 59" in at.get("progress")[0].proto.text


def test_signed_in_the_list_is_nearest_first(register):
    here = at_station(register, "NS-12", east_m=5)
    at = run_page("views/survey.py", editor="wang", survey_here=here)
    assert not at.exception
    (chooser,) = at.selectbox
    assert chooser.value == "NS-12" and chooser.options[0].startswith("5 m · NS-12")


def test_a_surveyor_verifies_a_station_standing_at_it(register):
    fix = at_station(register, "RS-02", east_m=40)
    at = run_page("views/survey.py", editor="wang", survey_here=fix, survey_fix=("RS-02", *fix))
    at.selectbox[0].set_value("RS-02").run()
    assert not at.exception
    assert any("原登记位置偏差 40 m" in i.value for i in at.info)
    at.text_input(key="survey_hours").input("周一至周五 8:30-17:30，节假日不休")
    at.checkbox(key="survey_hours_checked").check()
    at.multiselect(key="survey_amenities").set_value(["seating", "toilet"])
    at.button(key="FormSubmitter:survey_form-标记为已核实").click().run()
    assert not at.exception, at.exception
    assert any("已核实" in s.value and "记录人 wang,gps ±8 m" in s.value for s in at.success)
    station = load_stations(register).set_index("id").loc["RS-02"]
    assert GEOD.inv(station.geometry.x, station.geometry.y, fix[0], fix[1])[2] < 0.5
    assert (station.location_status, station.opening_hours, station.hours_status, station.amenities) == (
        "verified", "Mo-Fr,PH 08:30-17:30", "verified", ["seating", "toilet"])
    (entry,) = StationStore(register).changes()
    assert entry["user"] == "wang" and "gps ±8 m" in entry["summary"]
    assert "已核实 1 / 59" in at.get("progress")[0].proto.text


def test_a_poor_fix_without_a_reason_is_refused_in_chinese(register):
    fix = at_station(register, "PM-03", accuracy_m=48)
    before = register.read_bytes()
    at = run_page("views/survey.py", editor="wang", survey_here=fix, survey_fix=("PM-03", *fix))
    at.selectbox[0].set_value("PM-03").run()
    assert any("定位精度 ±48 米,比 30 米差" in w.value for w in at.warning)
    at.button(key="FormSubmitter:survey_form-标记为已核实").click().run()
    assert any("请重新定位,或写明原因" in e.value for e in at.error)
    assert register.read_bytes() == before
    at.text_input(key="survey_reason").input("室内,已对照门牌")
    at.button(key="FormSubmitter:survey_form-标记为已核实").click().run()
    station = load_stations(register).set_index("id").loc["PM-03"]
    assert station.verification_method == "gps ±48 m (室内,已对照门牌)"


def test_hours_the_page_cannot_read_are_said_in_chinese_and_nothing_is_saved(register):
    fix = at_station(register, "PM-04")
    before = register.read_bytes()
    at = run_page("views/survey.py", editor="wang", survey_here=fix, survey_fix=("PM-04", *fix))
    at.selectbox[0].set_value("PM-04").run()
    at.text_input(key="survey_hours").input("看情况")
    at.button(key="FormSubmitter:survey_form-标记为已核实").click().run()
    assert any("看不懂这个开放时间" in e.value for e in at.error) and register.read_bytes() == before


def test_the_survey_page_in_english(register):
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = "en"
    at.switch_page("views/survey.py")
    at.session_state["editor"] = "wang"
    at.run()
    assert at.title[0].value == "Verify station positions on the spot"
    assert at.selectbox[0].label == "Stations to verify (nearest first)"


def test_the_overview_shows_progress_by_type(register):
    at = run_page("views/overview.py")
    assert "已核实 0 / 59" in at.get("progress")[0].proto.text
    assert any("红色驿站 0/6" in c.value for c in at.caption)


def test_signed_out_visitors_see_no_import_preview_and_no_editor_names(register):
    at = run_page("views/data.py")
    infos = [i.value for i in at.info]
    assert "导入预览只对已登录的编辑显示:请先在上方登录。" in infos
    assert "修改历史(含修改人)只对已登录的编辑显示。" in infos
    assert not at.get("file_uploader")
