"""The phone's position (ui/location.py): what the browser's answer means, and the one helper
every page asks through (rider, survey, report), driven through Streamlit's AppTest. Only a
browser runs the geolocation JavaScript, so here the component answers as a phone would; the
browser tests (tests/browser/test_rider_browser.py, test_import_survey_browser.py,
test_feedback_browser.py) take the position from Chromium's geolocation."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import streamlit_js_eval
from pyproj import Geod
from streamlit.testing.v1 import AppTest

from geo.i18n import t
from geo.register.geojson import load_stations
from ui.location import PhonePosition, _parse_position

APP = str(Path(__file__).resolve().parents[1] / "app.py")
GEOD = Geod(ellps="WGS84")


def coords(lon: float, lat: float, accuracy: object = 10.0) -> dict:
    return {"coords": {"longitude": lon, "latitude": lat, "accuracy": accuracy}}


# --- the browser's answer --------------------------------------------------------------------------


def test_a_position_is_kept_as_measured_with_its_accuracy():
    assert _parse_position(coords(116.8236049, 30.7374451, 12.5)) == PhonePosition(116.8236049, 30.7374451, 12.5)


@pytest.mark.parametrize("answer, key", [
    ({"error": {"code": 1}}, "position_denied"),
    ({"error": {"code": 2}}, "position_unavailable"),
    ({"error": {"code": 3}}, "position_timeout"),
    ({"error": {"code": "insecure"}}, "position_insecure"),
    ({"error": {"code": "unsupported"}}, "position_unsupported"),
    ({"error": {"code": 99, "message": "<b>User denied</b>"}}, "position_unavailable"),
    (coords(116.82, 30.73, None), "position_unavailable"),  # the API always gives an accuracy
    (coords(116.82, 30.73, math.nan), "position_unavailable"),
    (coords(116.82, 30.73, -1), "position_unavailable"),
    (coords(30.73, 116.82), "position_unavailable"),  # latitude beyond 90°
    (coords(math.inf, 30.73), "position_unavailable"),
    ({"coords": {"latitude": 30.73}}, "position_unavailable"),
    ("not an answer", "position_unavailable"),
])
def test_what_went_wrong_is_a_catalogue_key_never_the_browser_text(answer, key):
    assert _parse_position(answer) == key


# --- the helper on the pages ------------------------------------------------------------------------


class FakePhone:
    """The geolocation component as the browser runs it: each request (a new component key)
    answers with the phone's current answer; ``None`` while the phone has not answered."""

    def __init__(self, monkeypatch):
        self.answer: object = None
        self.keys: list[str] = []
        monkeypatch.setattr(streamlit_js_eval, "streamlit_js_eval", self)

    def __call__(self, js_expressions: str, key: str, **_) -> object:
        assert "getCurrentPosition" in js_expressions
        self.keys.append(key)
        return self.answer


@pytest.fixture
def phone(monkeypatch):
    return FakePhone(monkeypatch)


def rider_page(monkeypatch) -> AppTest:
    monkeypatch.setenv("GAOHE_TEST_NOW", "2026-11-28T10:00")
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("views/rider.py")
    return at.run()


def test_the_rider_locates_waits_for_the_phone_and_gets_the_answer_there(phone, monkeypatch):
    at = rider_page(monkeypatch)
    at.button(key="rider_locate").click().run()
    assert [i.value for i in at.info if "正在获取位置" in i.value] == [t("position_waiting", "zh")]
    assert "at" not in at.query_params
    phone.answer = coords(116.8236049, 30.7374451)
    at.run()
    assert not at.exception
    assert at.query_params["at"] == "116.82360,30.73745"
    assert at.session_state["rider_lonlat"] == (116.8236, 30.73745)
    assert any(m.value.startswith("**1\\. ") for m in at.markdown)  # the answer for that place
    assert not [i for i in at.info if "正在获取位置" in i.value]
    # asked again: a fresh component, so the last answer cannot stand in for a new position
    phone.answer = coords(116.83, 30.74)
    at.button(key="rider_locate").click().run()
    assert at.query_params["at"] == "116.83000,30.74000"
    assert len(set(phone.keys)) == 2


def test_a_refused_position_is_explained_with_what_the_rider_can_do_instead(phone, monkeypatch):
    at = rider_page(monkeypatch)
    phone.answer = {"error": {"code": 1, "message": "User denied Geolocation"}}
    at.button(key="rider_locate").click().run()
    assert not at.exception
    assert [w.value for w in at.warning] == [t("position_denied", "zh", instead=t("position_instead_rider", "zh"))]
    assert "搜地点" in at.warning[0].value and "User denied" not in at.warning[0].value
    assert "at" not in at.query_params and at.session_state["rider_lonlat"] is None
    at.run()  # said until the next request
    assert len(at.warning) == 1


def east_of(register_path, station_id: str, east_m: float) -> tuple[float, float]:
    point = load_stations(register_path).set_index("id").at[station_id, "geometry"]
    lon, lat, _ = GEOD.fwd(point.x, point.y, 90, east_m)
    return lon, lat


def test_the_survey_sorts_by_one_position_and_fixes_a_station_by_another(phone, editable_register):
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page("views/survey.py")
    at.session_state["editor"] = "wang"
    at.run()
    phone.answer = coords(*east_of(editable_register, "NS-12", 5), 9)
    at.button(key="survey_locate").click().run()
    assert not at.exception
    (chooser,) = at.selectbox
    assert chooser.value == "NS-12" and chooser.options[0].startswith("5 m · NS-12")
    assert "survey_fix" not in at.session_state  # sorting fixes no station

    lon, lat = east_of(editable_register, "NS-12", 40)
    phone.answer = coords(lon, lat, 45)
    at.button(key="survey_standing").click().run()
    assert not at.exception
    assert at.session_state["survey_fix"] == ("NS-12", lon, lat, 45.0)  # a station's position in full
    assert any("精度 ±45 米" in c.value for c in at.caption)
    assert [w.value for w in at.warning] == [t("survey_accuracy_poor", "zh", accuracy=45, limit=30)]

    phone.answer = coords(lon, lat, 8)
    at.button(key="survey_retry").click().run()
    assert not at.exception
    assert at.session_state["survey_fix"][3] == 8.0 and not at.warning
    assert any("原登记位置偏差 40 m" in i.value for i in at.info)


def test_a_survey_position_refused_says_what_still_works(phone, editable_register):
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page("views/survey.py")
    at.session_state["editor"] = "wang"
    at.run()
    phone.answer = {"error": {"code": "insecure"}}
    at.button(key="survey_locate").click().run()
    assert not at.exception
    assert [w.value for w in at.warning] == [t("position_insecure", "zh", instead=t("survey_position_instead", "zh"))]
    assert "survey_here" not in at.session_state
