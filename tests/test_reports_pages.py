"""The report and triage pages through AppTest: a rider files, a planner signed in triages,
signed out sees nothing; report text stays text."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.auth import hash_password
from geo.reports.store import ReportStore

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HOSTILE = '<img src=x onerror="top.__pwn=1"> {{7*7}} ${alert(1)} [link](http://evil.example)'


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


def test_a_rider_files_a_hazard_and_gets_a_reference_that_finds_it(reports_db):
    at = open_page("views/report.py")
    assert not at.exception
    assert "不问姓名、电话" in at.info[0].value
    assert at.button(key="report_submit").disabled  # no place yet
    at.session_state["report_place"] = (116.83, 30.74)
    at.run()
    at.radio(key="report_category").set_value(at.radio(key="report_category").options[1]).run()
    at.text_area(key="report_note").input(HOSTILE).run()
    at.button(key="report_submit").click().run()
    assert not at.exception and not at.error
    (reference,) = [c.value for c in at.code]
    status = reports_db.status(reference)
    assert status.note == HOSTILE and (status.kind, status.subject, status.state) == ("hazard", "fire_safety", "new")
    # the lookup below shows it, as text
    assert at.text_input(key="report_lookup").value == reference
    assert HOSTILE in [t.value for t in at.text]
    assert all(HOSTILE not in m.value for m in at.markdown)


def test_station_feedback_from_a_result_card_link(reports_db):
    at = open_page("views/report.py", {"station": "RS-01"})
    assert "反馈站点" in at.subheader[0].value
    at.radio(key="report_issue").set_value("amenity_missing").run()
    at.selectbox(key="report_amenity").select_index(0).run()
    at.button(key="report_submit").click().run()
    (reference,) = [c.value for c in at.code]
    status = reports_db.status(reference)
    assert (status.station_id, status.subject) == ("RS-01", "amenity_missing") and status.amenity


def test_an_unknown_station_says_so(reports_db):
    at = open_page("views/report.py", {"station": "NOPE-9"})
    assert "没有编号为 NOPE-9 的站点" in at.warning[0].value


def test_a_sixth_report_in_ten_minutes_is_refused_and_the_form_is_kept(reports_db):
    at = open_page("views/report.py")
    for n in range(6):
        at.session_state["report_place"] = (116.83 + n * 1e-4, 30.74)
        at.run()
        at.text_area(key="report_note").input(f"第{n}处").run()
        at.button(key="report_submit").click().run()
        if n < 5:
            at.button(key="report_another").click().run()
    assert "提交太频繁" in at.error[0].value
    assert at.text_area(key="report_note").value == "第5处"  # nothing lost from the form
    assert len(reports_db.reports_frame()) == 5


def test_triage_signed_out_shows_the_sign_in_and_no_report(reports_db):
    reports_db.file_hazard(category="sanitation", lon=116.83, lat=30.74, note="秘密内容不应显示")
    at = open_page("views/triage.py")
    assert not at.exception
    assert at.info[0].value == "请先登录:报告处理仅对规划人员开放。"
    assert not at.get("component_instance") and not at.dataframe and not at.metric
    at.text_input(key="triage_user").input("wang")
    at.text_input(key="triage_password").input("wrong")
    at.button[0].click().run()
    assert "用户名或密码不对。" in [e.value for e in at.error]


def test_a_signed_in_planner_resolves_a_report_and_the_history_says_who(reports_db):
    filed = reports_db.file_hazard(category="fire_safety", lon=116.83, lat=30.74, note=HOSTILE)
    reports_db.file_hazard(category="fire_safety", lon=116.8301, lat=30.74)  # 10 m away: a near-duplicate
    at = open_page("views/triage.py")
    at.text_input(key="triage_user").input("wang")
    at.text_input(key="triage_password").input("secret-pw")
    at.button[0].click().run()
    assert at.success[0].value == "已登录:wang"
    assert [m.value for m in at.metric][:1] == ["2"]
    assert "疑似重复" in at.warning[0].value
    map_script = at.get("component_instance")[0].proto.json_args
    assert "onerror" not in map_script and "7*7" not in map_script  # no rider text on the map
    at.selectbox(key="triage_chosen").set_value(filed.reference).run()
    at.selectbox(key=f"triage_next_{filed.reference}").set_value("resolved").run()
    at.text_input(key=f"triage_answer_{filed.reference}").input("已清理").run()
    at.button(key="triage_apply").click().run()
    assert not at.exception
    assert f"已将 {filed.reference} 改为“已解决”。" in [s.value for s in at.success]
    history = reports_db.history(filed.id)
    assert [(e.to_state, e.actor, e.answer) for e in history] == [("new", None, None), ("resolved", "wang", "已清理")]
    assert reports_db.status(filed.reference).state == "resolved"


def test_the_overview_counts_resolved_reports(reports_db):
    for n in range(3):
        filed = reports_db.file_hazard(category="other", lon=116.83, lat=30.74 + n * 1e-3)
        if n:
            reports_db.change_state(filed.id, "resolved", actor="wang")
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert "骑手报告的问题已解决 2 个" in " ".join(c.value for c in at.caption)


def test_the_report_page_in_english(reports_db):
    at = open_page("views/report.py", {"lang": "en"})
    assert "asks no name or phone number" in at.info[0].value
