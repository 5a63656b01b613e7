"""The report and triage pages through AppTest: a rider files (nothing preselected, messages
under the button, the photo said), station feedback with the true place and a photo, lookup by
link; a planner signed in triages one report or a whole group, keeps their place, and exports;
signed out sees nothing; report text stays text."""

from __future__ import annotations

import io
from pathlib import Path

import piexif
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from geo.auth import hash_password
from geo.feedback.store import ReportStore

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HOSTILE = '<img src=x onerror="top.__pwn=1"> {{7*7}} ${alert(1)} [link](http://evil.example)'
PLACE = (116.83, 30.74)


@pytest.fixture
def reports_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'reports.sqlite3'}"
    monkeypatch.setenv("GAOHE_DATABASE_URL", url)
    monkeypatch.setenv("GAOHE_REPORT_PHOTOS", str(tmp_path / "photos"))
    monkeypatch.setenv("GAOHE_EDITORS", f"wang:{hash_password('secret-pw', iterations=1000)}")
    store = ReportStore(url, photos_dir=tmp_path / "photos")
    yield store
    store.close()


def open_page(page: str, query: dict | None = None, **session) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page(page)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in session.items():
        at.session_state[key] = value
    return at.run()


def _phone_photo() -> bytes:
    exif = piexif.dump({"0th": {piexif.ImageIFD.Make: b"RiderPhone"},
                        "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: ((30, 1), (44, 1), (0, 1))}})
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 60, 40)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _filed_reference(at: AppTest) -> str:
    return at.session_state["report_filed"][0]


def _texts(at: AppTest, kind: str) -> list[str]:
    return [element.value for element in getattr(at, kind)]


# the rider ---------------------------------------------------------------------------------------


def test_a_rider_must_choose_place_and_category_and_is_told_so_under_the_button(reports_db):
    at = open_page("views/report.py")
    assert not at.exception
    assert at.radio(key="report_category").value is None  # nothing preselected: an untouched form is not misfiled
    at.button(key="report_submit").click().run()
    assert _texts(at, "error") == ["还没有选择地点:请在上面的地图上点一下问题所在的位置(第①步)。"]
    at.session_state["report_place"] = PLACE
    at.run()
    at.button(key="report_submit").click().run()
    assert _texts(at, "error") == ["请选择类别(第②步)。"]
    # the message sits in the container right under the button
    assert [e.value for e in at.get_by_key("report_message").error] == ["请选择类别(第②步)。"]
    assert len(reports_db.reports_frame()) == 0


def test_a_rider_files_a_hazard_and_the_reference_finds_it_as_text(reports_db):
    at = open_page("views/report.py", report_place=PLACE)
    at.radio(key="report_category").set_value("fire_safety")
    at.text_area(key="report_note").input(HOSTILE)
    at.button(key="report_submit").click().run()
    assert not at.exception and not at.error
    reference = _filed_reference(at)
    assert "未附照片。" in _texts(at, "markdown")
    assert f'<span class="gh-code"' in at.html[0].proto.body and reference in at.html[0].proto.body
    status = reports_db.status(reference)
    assert status.note == HOSTILE and (status.kind, status.subject, status.state) == ("hazard", "fire_safety", "new")
    # the lookup tab shows it, as text, and says there is no photo
    at.button(key="report_show_status").click().run()
    assert at.text_input(key="report_lookup").value == reference
    assert HOSTILE in _texts(at, "text") and all(HOSTILE not in m for m in _texts(at, "markdown"))
    assert any(c.endswith("无照片") for c in _texts(at, "caption"))
    assert at.query_params["code"] == reference  # the address bar holds the link to keep


def test_a_photo_is_filed_with_the_report_and_both_screens_say_so(reports_db):
    at = open_page("views/report.py", report_place=PLACE)
    at.radio(key="report_category").set_value("sanitation")
    at.file_uploader(key="report_photo_upload").upload("IMG_0815.jpg", _phone_photo(), "image/jpeg")
    at.button(key="report_submit").click().run()
    assert not at.exception and not at.error
    assert "📷 已附 1 张照片(已去除定位等信息)。" in _texts(at, "markdown")
    reference = _filed_reference(at)
    assert reports_db.status(reference).has_photo
    (name,) = reports_db.reports_frame()["photo"]
    assert piexif.load(reports_db.photos.read(name))["GPS"] == {}
    at.button(key="report_show_status").click().run()
    assert any(c.endswith("📷 有照片") for c in _texts(at, "caption"))


def test_a_photo_that_cannot_be_read_stops_the_report_and_keeps_the_form(reports_db):
    at = open_page("views/report.py", report_place=PLACE)
    at.radio(key="report_category").set_value("sanitation")
    at.text_area(key="report_note").input("垃圾堆放")
    at.file_uploader(key="report_photo_upload").upload("broken.jpg", b"\xff\xd8 not really", "image/jpeg")
    at.button(key="report_submit").click().run()
    assert _texts(at, "error") == ["照片无法读取,请换一张,或去掉照片再提交。报告未提交。"]
    assert len(reports_db.reports_frame()) == 0 and at.text_area(key="report_note").value == "垃圾堆放"


def test_a_link_with_a_code_opens_the_lookup(reports_db):
    filed = reports_db.file_hazard(category="parking", lon=PLACE[0], lat=PLACE[1])
    reports_db.change_state(filed.id, "resolved", actor="wang", answer="已清理")
    at = open_page("views/report.py", {"code": filed.reference.lower()})
    assert not at.exception
    assert "当前状态:**已解决**" in _texts(at, "markdown") and "已清理" in _texts(at, "text")
    assert at.tabs[1].label == "🔎 查询进度"
    unknown = open_page("views/report.py", {"code": "GH-0000-0000"})
    assert "没有找到查询码为 GH\\-0000\\-0000 的报告" in unknown.warning[0].value


def test_a_sixth_report_in_ten_minutes_is_refused_under_the_button_and_the_form_is_kept(reports_db):
    at = open_page("views/report.py")
    for n in range(6):
        at.session_state["report_place"] = (PLACE[0] + n * 1e-4, PLACE[1])
        at.run()
        at.radio(key="report_category").set_value("other")
        at.text_area(key="report_note").input(f"第{n}处")
        at.button(key="report_submit").click().run()
        if n < 5:
            assert not at.error, at.error
            at.button(key="report_another").click().run()
    assert _texts(at, "error") == ["提交太频繁,请 10 分钟后再试。您填写的内容都还在。"]
    assert at.text_area(key="report_note").value == "第5处" and at.radio(key="report_category").value == "other"
    assert len(reports_db.reports_frame()) == 5


def test_station_feedback_has_its_own_title_no_preselection_and_may_carry_a_photo(reports_db):
    at = open_page("views/report.py", {"station": "RS-01"})
    assert at.header[0].value == "站点反馈" and "反馈站点" in at.subheader[0].value
    assert at.radio(key="report_issue").value is None
    at.button(key="report_submit").click().run()
    assert _texts(at, "error") == ["请选择问题(第①步)。"]
    at.radio(key="report_issue").set_value("amenity_missing").run()
    assert at.selectbox(key="report_amenity").value is None
    at.button(key="report_submit").click().run()
    assert _texts(at, "error") == ["请选择缺少的设施。"]
    at.selectbox(key="report_amenity").select_index(0)
    at.file_uploader(key="report_photo_upload").upload("shelf.png", _png(), "image/png")
    at.button(key="report_submit").click().run()
    assert not at.exception and not at.error
    status = reports_db.status(_filed_reference(at))
    assert (status.station_id, status.subject, status.has_photo) == ("RS-01", "amenity_missing", True) and status.amenity


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 120, 200, 128)).save(out, format="PNG")
    return out.getvalue()


def test_a_station_that_is_not_there_can_be_given_its_true_place(reports_db):
    at = open_page("views/report.py", {"station": "RS-01"})
    at.radio(key="report_issue").set_value("not_here").run()
    assert at.get("component_instance")  # the map to tap the true place
    at.session_state["report_true_place"] = (116.8262, 30.7411)
    at.run()
    assert any("已标出实际位置:30.74110, 116.82620" in s for s in _texts(at, "success"))
    at.button(key="report_submit").click().run()
    frame = reports_db.reports_frame()
    assert (frame.at[0, "place_source"], frame.at[0, "lon"], frame.at[0, "lat"]) == ("reporter", 116.8262, 30.7411)
    # without a tap, the station's registered position is kept, and said to be that
    again = open_page("views/report.py", {"station": "RS-02"})
    again.radio(key="report_issue").set_value("closed").run()
    again.button(key="report_submit").click().run()
    assert reports_db.reports_frame().at[0, "place_source"] == "register"


def test_an_unknown_station_offers_the_list_and_the_hazard_form(reports_db):
    at = open_page("views/report.py", {"station": "NOPE-9"})
    assert "没有编号为 NOPE\\-9 的站点" in at.warning[0].value
    chooser = at.selectbox(key="report_station_choice")
    assert chooser.value is None and "RS-01" in chooser.options[0] + "".join(chooser.options)
    chooser.set_value("RS-01").run()
    assert at.query_params["station"] == "RS-01" and "反馈站点" in at.subheader[0].value


def test_the_report_page_in_english(reports_db):
    at = open_page("views/report.py", {"lang": "en"})
    assert "No name or phone number is asked" in at.caption[0].value
    assert [t.label for t in at.tabs] == ["📷 Report a problem", "🔎 Look up a report"]
    assert at.radio(key="report_category").options == ["Sanitation", "Fire safety", "Road traffic",
                                                        "Obstruction / parking", "Other"]


def test_the_overview_leads_riders_to_the_report_page_and_counts_resolved_reports(reports_db):
    for n in range(3):
        filed = reports_db.file_hazard(category="other", lon=PLACE[0], lat=PLACE[1] + n * 1e-3)
        if n:
            reports_db.change_state(filed.id, "resolved", actor="wang")
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert "骑手报告的问题已解决 2 个" in " ".join(_texts(at, "caption"))
    (entry,) = [link for link in at.page_link if "随手拍" in link.label]
    assert entry.proto.page == "views/report.py" or "report" in entry.proto.page
    assert "/report?station=" in at.get("component_instance")[0].proto.json_args  # popups link to feedback


# the planner -------------------------------------------------------------------------------------


def sign_in(page: str = "views/triage.py", **session) -> AppTest:
    at = open_page(page, **session)
    at.text_input(key="triage_user").input("wang")
    at.text_input(key="triage_password").input("secret-pw")
    at.button[0].click().run()
    assert at.success[0].value == "已登录:wang"
    return at


def test_triage_signed_out_shows_the_sign_in_and_no_report(reports_db):
    reports_db.file_hazard(category="sanitation", lon=PLACE[0], lat=PLACE[1], note="秘密内容不应显示")
    at = open_page("views/triage.py")
    assert not at.exception
    assert at.info[0].value == "请先登录:报告处理仅对规划人员开放。"
    assert not at.get("component_instance") and not at.dataframe and not at.metric
    at.text_input(key="triage_user").input("wang")
    at.text_input(key="triage_password").input("wrong")
    at.button[0].click().run()
    assert "用户名或密码不对。" in _texts(at, "error")


def test_a_planner_resolves_a_report_keeps_it_in_view_and_the_answer_is_not_sent_twice(reports_db):
    filed = reports_db.file_hazard(category="fire_safety", lon=PLACE[0], lat=PLACE[1], note=HOSTILE)
    at = sign_in()
    map_script = at.get("component_instance")[0].proto.json_args
    assert "onerror" not in map_script and "7*7" not in map_script  # no rider text on the map
    at.session_state["triage_selected"] = [filed.reference]
    at.run()
    assert at.selectbox(key="triage_next").value is None  # no state preselected
    at.button(key="triage_apply").click().run()
    assert "请先选择新状态。" in _texts(at, "error") and reports_db.status(filed.reference).state == "new"
    at.selectbox(key="triage_next").set_value("verified")
    at.text_input(key="triage_answer").input("已核实,正在联系物业")
    at.button(key="triage_apply").click().run()
    assert not at.exception
    assert f"已将 {filed.reference} 改为“已核实”。" in _texts(at, "success")
    # the confirmation sits in the action panel, under the button; the answer box is empty again
    assert [m.value for m in at.get_by_key("triage_message").success] == [f"已将 {filed.reference} 改为“已核实”。"]
    assert at.text_input(key="triage_answer").value == "" and at.selectbox(key="triage_next").value is None
    at.selectbox(key="triage_next").set_value("resolved")
    at.button(key="triage_apply").click().run()
    history = reports_db.history(filed.id)
    assert [(e.to_state, e.actor, e.answer) for e in history] == [
        ("new", None, None), ("verified", "wang", "已核实,正在联系物业"), ("resolved", "wang", None)]
    # resolved is outside the default filter (open states), yet the report stays listed and chosen
    assert at.session_state["triage_selected"] == [filed.reference]
    assert filed.reference in at.dataframe[0].value.iloc[:, 0].tolist()
    assert any("仍显示在表中" in c for c in _texts(at, "caption"))


def test_a_whole_near_duplicate_group_changes_state_in_one_step(reports_db):
    first = reports_db.file_hazard(category="fire_safety", lon=PLACE[0], lat=PLACE[1])
    second = reports_db.file_hazard(category="fire_safety", lon=PLACE[0] + 1e-4, lat=PLACE[1])  # 10 m away
    third = reports_db.file_hazard(category="fire_safety", lon=PLACE[0], lat=PLACE[1] + 2e-4)  # 22 m away
    alone = reports_db.file_hazard(category="sanitation", lon=PLACE[0], lat=PLACE[1])
    at = sign_in(triage_selected=[second.reference])
    assert "疑似重复:同组还有 2 份报告" in at.warning[0].value
    at.button(key="triage_select_group").click().run()
    assert sorted(at.session_state["triage_selected"]) == sorted([first.reference, second.reference, third.reference])
    assert at.subheader[0].value == "已选 3 份报告"
    at.selectbox(key="triage_next").set_value("rejected")
    at.text_input(key="triage_answer").input("同一处问题已合并处理")
    at.button(key="triage_apply").click().run()
    states = reports_db.reports_frame().set_index("reference")["state"]
    assert [states[r.reference] for r in (first, second, third, alone)] == ["rejected"] * 3 + ["new"]
    assert any(s.startswith("已将 3 份报告改为“不予处理”") for s in _texts(at, "success"))
    answers = reports_db.events_frame().query("to_state == 'rejected'")["answer"].tolist()
    assert answers == ["同一处问题已合并处理"] * 3


def test_the_list_reads_cleanly_for_hazards_groups_photos_and_both_other_categories(reports_db):
    reports_db.file_hazard(category="other", lon=PLACE[0], lat=PLACE[1], photo=_phone_photo())
    reports_db.file_hazard(category="other", lon=PLACE[0], lat=PLACE[1])
    reports_db.file_station_feedback(station_id="PM-01", issue="other", lon=PLACE[0], lat=PLACE[1])
    at = sign_in()
    listing = at.dataframe[0].value
    assert list(listing.columns) == ["查询码", "状态", "种类", "类别/问题", "站点", "提交时间", "疑似重复", "照片", "说明",
                                     "最新答复"]
    assert sorted(listing["照片"].tolist()) == ["", "", "📷"]
    assert sorted(listing["种类"].tolist()) == ["站点反馈", "隐患", "隐患"]
    from geo.register.geojson import load_stations

    register = load_stations()
    name = register.loc[register["id"] == "PM-01", "name_zh"].item()
    assert sorted(listing["站点"].fillna("").tolist()) == ["", "", f"PM-01 {name}"]
    group = sorted(listing["疑似重复"].tolist())
    assert group[0] == "" and group[1].startswith("2 份同组(首份 GH-") and group[1] == group[2]
    counts = [d.value for d in at.dataframe if "种类" in d.value.columns and "数量" in d.value.columns][0]
    assert sorted(map(tuple, counts.values.tolist())) == [("站点反馈", "其他", 1), ("隐患", "其他", 2)]


def test_the_export_says_what_it_holds_and_carries_answers_and_planners(reports_db):
    filed = reports_db.file_hazard(category="sanitation", lon=PLACE[0], lat=PLACE[1], note="=1+1")
    reports_db.change_state(filed.id, "resolved", actor="wang", answer="已清理")
    reports_db.file_hazard(category="parking", lon=PLACE[0], lat=PLACE[1])
    at = sign_in()
    scope = at.radio(key="triage_export_scope")
    assert [scope.format_func(o) for o in scope.options] == ["当前筛选的 1 份", "全部 2 份"] or scope.options == [
        "当前筛选的 1 份", "全部 2 份"]
    assert any("处理人" in c for c in _texts(at, "caption"))
    assert sorted(b.label for b in at.get("download_button")) == ["下载 CSV", "下载 Excel"] or len(at.get("download_button")) == 2
