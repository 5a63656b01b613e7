"""The volunteer-task pages through AppTest: a resident asks (told what is missing under the
button; the page says who sees the contact), follows the link, rates or withdraws; a dispatcher
signs in (throttled), sees their community only, with the contact, offers, opens, cancels and
invites; a volunteer registers with the invitation, takes a task (a second one is told it is
gone), finishes it with a photo; the overview's line; hostile text stays text; no English on
the Chinese pages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import piexif
import pytest
from streamlit.testing.v1 import AppTest

from geo.auth import hash_password
from geo.tasks.accounts import Actor
from geo.tasks.store import TaskStore
from tests.tasks_fixtures import CONTACT, NOTE, PLACE, QILONG, TAOTING, phone_photo
from tests.test_page_language import _english_phrases, shown_texts

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HOSTILE = '<img src=x onerror="top.__pwn=1"> {{7*7}} ${alert(1)} [link](http://evil.example)'
PASSWORD = "password-1"


@pytest.fixture
def tasks_db(tmp_path, monkeypatch):
    from ui.tasks import _throttle

    url = f"sqlite:///{tmp_path / 'reports.sqlite3'}"
    monkeypatch.setenv("GAOHE_DATABASE_URL", url)
    monkeypatch.setenv("GAOHE_TASK_PHOTOS", str(tmp_path / "task_photos"))
    _throttle.clear()
    store = TaskStore(url, photos_dir=tmp_path / "task_photos")
    hashed = hash_password(PASSWORD, iterations=1000)
    store.add_account("dispatcher", "zhang", community_code=TAOTING, password_hash=hashed)
    store.add_account("dispatcher", "qian", community_code=QILONG, password_hash=hashed)
    store.add_account("volunteer", "li", community_code=TAOTING, password_hash=hashed, shown_name="小李")
    store.add_account("volunteer", "wang", community_code=TAOTING, password_hash=hashed, shown_name="老王")
    yield store
    store.close()


def ask(store: TaskStore, **changes) -> str:
    now = store.clock()
    request = {"category": "medicine", "community_code": TAOTING, "place_source": "map", "lon": PLACE[0],
               "lat": PLACE[1], "window_start": now, "window_end": now + timedelta(hours=2), "note": NOTE,
               "contact": CONTACT} | changes
    return store.request(**request).code


def open_page(page: str, query: dict | None = None, lang: str = "zh", **session) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(page)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.session_state["lang"] = lang
    for key, value in session.items():
        at.session_state[key] = value
    return at.run()


def as_dispatcher(store: TaskStore, name: str = "zhang", **session) -> AppTest:
    return open_page("views/dispatch.py", task_dispatcher_id=store.account(name).id, **session)


def as_volunteer(store: TaskStore, name: str, **session) -> AppTest:
    return open_page("views/volunteer.py", task_volunteer_id=store.account(name).id, **session)


def texts(at: AppTest, kind: str) -> list[str]:
    return [element.value for element in getattr(at, kind)]


def said(at: AppTest, kind: str) -> str:
    """The message at the top of the volunteer's lists."""
    (message,) = getattr(at.get_by_key("volunteer_message_box"), kind)
    return message.value


def everything(at: AppTest) -> str:
    return "\n".join(shown_texts(at))


# the resident --------------------------------------------------------------------------------------


def test_a_resident_is_told_under_the_button_what_is_missing(tasks_db):
    at = open_page("views/ask.py")
    assert not at.exception and at.radio(key="task_category").value is None  # nothing preselected
    at.button(key="task_submit").click().run()
    assert [e.value for e in at.get_by_key("task_message_box").error] == ["请先选择需要什么帮助(第①步)。"]
    at.radio(key="task_category").set_value("meal").run()
    at.button(key="task_submit").click().run()
    assert texts(at, "error") == ["请先选地点:在地图上点一下,或用手机定位,或选择“只写社区”(第②步)。"]
    at.session_state["task_place"] = PLACE
    at.run()
    at.button(key="task_submit").click().run()
    assert texts(at, "error") == ["请选择所在的村/社区(第③步)。"]
    assert tasks_db.count_tasks() == 0


def test_a_resident_asks_with_a_tapped_place_and_a_contact_and_gets_a_code_and_a_link(tasks_db):
    at = open_page("views/ask.py", task_place=PLACE)
    assert any("只有本社区的派单员和接下这单的那一位志愿者" in i.value for i in at.info)
    assert any("30 天后" in i.value for i in at.info)
    at.radio(key="task_category").set_value("medicine")
    at.selectbox(key="task_community").set_value(TAOTING)
    at.radio(key="task_when").set_value("later").run()
    at.selectbox(key="task_from").set_value("14:00")
    at.selectbox(key="task_to").set_value("16:30")
    at.text_area(key="task_note").input(HOSTILE)
    at.text_input(key="task_contact").input(CONTACT)
    at.button(key="task_submit").click().run()
    assert not at.exception and not at.error
    (code,) = texts(at, "code")
    desk = Actor.of(tasks_db.account("zhang"))
    card = tasks_db.card(code, desk)
    assert (card.contact, card.lonlat, card.note, card.category.value) == (CONTACT, PLACE, HOSTILE, "medicine")
    local = card.window_start.astimezone(card.window_start.tzinfo).astimezone(__import__("zoneinfo").ZoneInfo(
        "Asia/Shanghai"))
    assert local.strftime("%H:%M") == "14:00" and card.window_end - card.window_start == timedelta(hours=2, minutes=30)
    # the form is cleared for a next request, and the same form cannot be sent twice
    assert at.session_state["task_filed"] == code and "task_contact" not in at.session_state


def test_the_status_link_shows_the_state_and_volunteer_never_the_contact_and_takes_a_rating(tasks_db):
    code = ask(tasks_db)
    desk, li = Actor.of(tasks_db.account("zhang")), tasks_db.account("li")
    tasks_db.dispatch(code, desk)
    tasks_db.take(code, li)
    at = open_page("views/ask.py", {"code": code.lower()})
    assert texts(at, "subheader") == ["当前状态:已接单"] and "接单志愿者:**小李**" in texts(at, "markdown")
    assert CONTACT not in everything(at) and f"{PLACE[1]:.5f}" not in everything(at)
    tasks_db.finish(code, li, photo=phone_photo(), note="已放门口")
    at.run()
    assert texts(at, "subheader") == ["当前状态:已完成"] and "已放门口" in texts(at, "text")
    at.button(key="task_rate").click().run()
    assert texts(at, "error") == ["请先点星星打分(1–5 颗)。"]
    at.feedback(key="task_stars").set_value(3)
    at.text_input(key="task_rating_words").input("小李很细心")
    at.button(key="task_rate").click().run()
    assert "谢谢您的评价!" in texts(at, "success") and texts(at, "subheader") == ["当前状态:已评价"]
    card = tasks_db.card(code, desk)
    assert (card.stars, card.rating_words, card.points) == (4, "小李很细心", 3 + 1)


def test_a_resident_withdraws_from_the_link(tasks_db):
    code = ask(tasks_db)
    at = open_page("views/ask.py", {"code": code})
    at.button(key="task_withdraw").click().run()
    assert "已撤回。" in texts(at, "success") and texts(at, "subheader") == ["当前状态:已取消"]
    assert tasks_db.status(code).cancel_reason == "resident_withdrew"


def test_an_unknown_code_says_so(tasks_db):
    at = open_page("views/ask.py", {"code": "ZY-0000-0000"})
    assert texts(at, "warning") == ["没有编号为 ZY\\-0000\\-0000 的任务,请核对编号。"]


# the dispatcher -----------------------------------------------------------------------------------


def test_a_dispatcher_signs_in_and_sees_their_communitys_tasks_with_the_contact(tasks_db):
    mine, theirs = ask(tasks_db), ask(tasks_db, community_code=QILONG)
    at = open_page("views/dispatch.py")
    assert mine not in everything(at) and CONTACT not in everything(at)
    at.text_input(key="dispatch_name").input("zhang")
    at.text_input(key="dispatch_password").input(PASSWORD)
    at.button(key="FormSubmitter:dispatch_sign_in_form-登录").click().run()
    assert not at.exception
    assert at.selectbox(key="dispatch_task").options == [f"{mine} · 送药"]
    assert f"联系方式:{CONTACT}" in texts(at, "text") and NOTE in texts(at, "text")
    assert theirs not in everything(at)
    at.button(key="dispatch_open").click().run()
    assert texts(at, "success")[-1] == f"已把 {mine} 公开给本社区全部志愿者。"
    assert tasks_db.card(mine, Actor.staff("t")).state.value == "dispatched"


def test_a_wrong_password_is_refused_and_repeated_tries_must_wait(tasks_db):
    at = open_page("views/dispatch.py")
    for attempt in range(6):
        at.text_input(key="dispatch_name").input("zhang")
        at.text_input(key="dispatch_password").input("wrong-password")
        at.button(key="FormSubmitter:dispatch_sign_in_form-登录").click().run()
    assert texts(at, "error")[-1].startswith("尝试次数过多") or "秒" in texts(at, "error")[-1]
    at.text_input(key="dispatch_name").input("zhang")
    at.text_input(key="dispatch_password").input(PASSWORD)
    at.button(key="FormSubmitter:dispatch_sign_in_form-登录").click().run()
    assert "task_dispatcher_id" not in at.session_state  # the right password waits too


def test_the_dispatcher_offers_to_a_named_volunteer_then_cancels_with_a_reason(tasks_db):
    code = ask(tasks_db)
    at = as_dispatcher(tasks_db)
    at.selectbox(key="dispatch_to").set_value("wang")
    at.button(key="dispatch_send").click().run()
    assert texts(at, "success")[-1] == f"已把 {code} 派给 老王。"
    assert "已派给 老王" in everything(at)
    at.selectbox(key="dispatch_reason").set_value("no_volunteer")
    at.button(key="dispatch_cancel").click().run()
    assert texts(at, "success")[-1] == f"已取消 {code}。"
    assert tasks_db.events_frame()["reason"].tolist()[-1] == "no_volunteer"


def test_an_invitation_from_the_dispatcher_registers_a_rider_on_the_volunteer_page(tasks_db):
    at = as_dispatcher(tasks_db)
    at.number_input(key="invite_uses").set_value(2)
    at.button(key="invite_make").click().run()
    (invitation,) = [c for c in texts(at, "code") if c.startswith("YQ-")]
    rider = open_page("views/volunteer.py", {"invite": invitation})
    assert rider.text_input(key="register_invite").value == invitation
    rider.text_input(key="register_name").input("chen")
    rider.text_input(key="register_shown").input("陈师傅")
    rider.text_input(key="register_password").input("password-9")
    rider.text_input(key="register_password_again").input("password-9")
    rider.button(key="FormSubmitter:volunteer_register_form-注册并登录").click().run()
    assert not rider.exception and "注册成功,欢迎 陈师傅!" in texts(rider, "success")
    account = tasks_db.account("chen")
    assert (account.community_code, account.shown_name) == (TAOTING, "陈师傅")
    assert rider.session_state["task_volunteer_id"] == account.id


# the volunteers -----------------------------------------------------------------------------------


def test_two_volunteers_take_one_task_the_first_wins_the_second_is_told(tasks_db):
    code = ask(tasks_db, note=HOSTILE)
    tasks_db.dispatch(code, Actor.of(tasks_db.account("zhang")))
    li, wang = as_volunteer(tasks_db, "li"), as_volunteer(tasks_db, "wang")
    assert CONTACT not in everything(li) and HOSTILE in texts(li, "text")
    assert all(HOSTILE not in m for m in texts(li, "markdown"))
    li.button(key=f"take_{code}").click().run()
    assert said(li, "success") == f"接单成功:{code}。居民的联系方式和地点见“我的任务”。"
    assert f"联系方式:{CONTACT}" in texts(li, "text")
    wang.button(key=f"take_{code}").click().run()  # the button wang saw before li took it
    assert said(wang, "warning") == f"这单 {code} 已被其他志愿者抢先接走了,谢谢您!请看看别的任务。"
    assert CONTACT not in everything(wang)


def test_a_volunteer_finishes_with_a_photo_and_sees_their_points(tasks_db):
    code = ask(tasks_db)
    tasks_db.dispatch(code, Actor.of(tasks_db.account("zhang")), to="li")
    at = as_volunteer(tasks_db, "li")
    at.button(key=f"take_{code}").click().run()
    at.text_input(key=f"done_note_{code}").input("已送到")
    at.file_uploader(key=f"done_photo_{code}").upload("IMG_0001.jpg", phone_photo(), "image/jpeg")
    at.button(key=f"FormSubmitter:done_form_{code}-✅ 标记完成").click().run()
    assert not at.exception and said(at, "success") == f"辛苦了!{code} 已完成,积分已记上。"
    assert any("3 分" in c for c in texts(at, "caption"))
    photo = tasks_db.status(code).photo
    assert piexif.load(tasks_db.photos.read(photo))["GPS"] == {}
    ranking = at.get_by_key("volunteer_monthly").table[0].value
    assert ranking.iloc[0].tolist()[:3] == ["小李", 1, 3]


def test_a_removed_volunteer_is_signed_out_on_the_next_run(tasks_db):
    at = as_volunteer(tasks_db, "li")
    assert at.session_state["task_volunteer_id"]
    tasks_db.set_active("li", False)
    at.run()
    assert "task_volunteer_id" not in at.session_state and at.button(key="FormSubmitter:volunteer_sign_in_form-登录")


def test_the_overview_says_how_many_tasks_were_done_this_month_and_their_rating(tasks_db):
    desk, li = Actor.of(tasks_db.account("zhang")), tasks_db.account("li")
    for stars in (5, 4, None):
        code = ask(tasks_db)
        tasks_db.dispatch(code, desk)
        tasks_db.take(code, li)
        tasks_db.finish(code, li)
        if stars:
            tasks_db.rate(code, stars)
    at = open_page("views/overview.py")
    assert "🤝 志愿服务:本月完成 3 单 · 平均评分 4.5" in texts(at, "caption")


# language ------------------------------------------------------------------------------------------


def _pages_in_every_state(store: TaskStore) -> list[AppTest]:
    code = ask(store)
    taken = ask(store)
    store.dispatch(taken, Actor.of(store.account("zhang")))
    store.take(taken, store.account("li"))
    open_task = ask(store, place_source="community", lon=None, lat=None)
    store.dispatch(open_task, Actor.of(store.account("zhang")))
    return [open_page("views/ask.py"), open_page("views/ask.py", {"code": code}), as_dispatcher(store),
            as_volunteer(store, "li"), as_volunteer(store, "wang"), open_page("views/volunteer.py")]


def test_the_chinese_task_pages_show_no_english_catalogue_string(tasks_db):
    whole, phrases = _english_phrases()
    for at in _pages_in_every_state(tasks_db):
        assert not at.exception
        shown = shown_texts(at)
        found = sorted({text for text in shown if text.strip() in whole})
        found += sorted({phrase for phrase in phrases for text in shown if phrase in text})
        assert found == [], found[:10]


def test_the_task_pages_in_english(tasks_db):
    at = as_dispatcher(tasks_db, lang="en")
    assert not at.exception and at.title[0].value == "🗂️ Dispatch (community party organisation)"
    at = open_page("views/ask.py", lang="en")
    assert at.button(key="task_submit").label == "Send the request"
    assert at.radio(key="task_category").options[:2] == ["Meal delivery", "Medicine delivery"]


def test_a_volunteers_chosen_name_stays_text_wherever_it_is_shown(tasks_db):
    from geo.markup import markdown_text

    hostile = "*粗*[a](b:c)"  # a valid name (no tag, template or control character) that markdown would read
    tasks_db.add_account("volunteer", "sun", community_code=TAOTING, password_hash=hash_password(PASSWORD,
                         iterations=1000), shown_name=hostile)
    code = ask(tasks_db)
    tasks_db.dispatch(code, Actor.of(tasks_db.account("zhang")), to="sun")
    tasks_db.take(code, tasks_db.account("sun"))
    tasks_db.finish(code, tasks_db.account("sun"))
    desk = as_dispatcher(tasks_db, dispatch_task=code)
    volunteer = as_volunteer(tasks_db, "sun")
    status = open_page("views/ask.py", {"code": code})
    for at in (desk, volunteer, status):
        rendered = texts(at, "markdown") + texts(at, "success") + texts(at, "caption")
        assert any(markdown_text(hostile) in text for text in rendered)
        assert not any(hostile in text for text in rendered)
    assert desk.get_by_key("dispatch_monthly").table[0].value.iloc[0, 0] == markdown_text(hostile)
