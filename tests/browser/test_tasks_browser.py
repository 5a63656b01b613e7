"""The volunteer-task loop in headless Chromium, every outside request blocked: a resident asks
on a 390x844 phone, the dispatcher opens it to all at a desk, two volunteers race for it on two
phones (one wins, the other is told), the winner sorts by distance, calls up the contact,
finishes with a photo carrying EXIF GPS, the resident rates from the link, the points appear
on the monthly list and the overview. The contact shows on exactly two screens; hostile note
text never runs; nothing overflows the phone's width. Screenshots of every screen."""

from __future__ import annotations

import re
import time

import piexif
import pytest
from conftest import DESKTOP, PHONE, _open_context, choose_option, map_frame, screenshot, serve_app, wait_for_app_idle
from PIL import Image
from test_rider_browser import tap_map

from geo.auth import hash_password
from geo.tasks.accounts import Actor
from geo.tasks.store import TaskStore

pytestmark = pytest.mark.browser

MAP_BUILT_JS = "() => window.map && window.map._loaded"
PLACED_JS = "() => window.map && document.querySelectorAll('.gh-icon-report-place').length > 0"
PASSWORD = "password-1"
TAOTING = "340822100004"
CONTACT = "王阿姨 139 1234 5678"
HOSTILE_NOTE = "<img src=x onerror=top.__pwn=1> ${top.__pwn=2} {{7*7}} 降压药已付款"
#: Where the winner stands (WGS-84), in Taoting's part of town.
RIDER_AT = {"longitude": 116.8300, "latitude": 30.7420}


def _serve_tasks(folder):
    url = f"sqlite:///{folder / 'reports.sqlite3'}"
    store = TaskStore(url, photos_dir=folder / "task_photos")
    hashed = hash_password(PASSWORD, iterations=1000)
    store.add_account("dispatcher", "zhang", community_code=TAOTING, password_hash=hashed)
    store.add_account("volunteer", "li", community_code=TAOTING, password_hash=hashed, shown_name="小李")
    store.add_account("volunteer", "wang", community_code=TAOTING, password_hash=hashed, shown_name="老王")
    store.close()
    env = {"GAOHE_DATABASE_URL": url, "GAOHE_TASK_PHOTOS": str(folder / "task_photos"), "GAOHE_BASEMAPS": "none"}
    for app_url in serve_app(env):
        yield app_url, env


@pytest.fixture(scope="module")
def task_app(tmp_path_factory):
    yield from _serve_tasks(tmp_path_factory.mktemp("tasks"))


@pytest.fixture
def loop_app(tmp_path_factory):
    """A fresh app and database for each run of the loop (a rerun must not count earlier tasks)."""
    yield from _serve_tasks(tmp_path_factory.mktemp("loop"))


def _store(app) -> TaskStore:
    return TaskStore(app[1]["GAOHE_DATABASE_URL"], photos_dir=app[1]["GAOHE_TASK_PHOTOS"])


def _phone(browser, app_url, blocked):
    context = _open_context(browser, app_url, PHONE, blocked)
    context.set_geolocation(RIDER_AT)
    context.grant_permissions(["geolocation"], origin=app_url)
    return context


def _photo(path) -> None:
    exif = piexif.dump({"0th": {piexif.ImageIFD.Make: b"RiderPhone"},
                        "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: ((30, 1), (44, 1), (0, 1)),
                                piexif.GPSIFD.GPSLongitudeRef: b"E", piexif.GPSIFD.GPSLongitude: ((116, 1), (49, 1), (0, 1))}})
    image = Image.new("RGB", (2000, 1500), (90, 140, 200))
    image.paste((240, 240, 240), (600, 400, 1400, 1100))
    image.save(path, format="JPEG", quality=90, exif=exif)


def _sign_in(page, name: str) -> None:
    page.get_by_label("登录名", exact=True).fill(name)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_text(re.compile(rf"\({name}\)")).wait_for(timeout=30_000)
    wait_for_app_idle(page)


#: Streamlit's "Press Enter to apply" hints shown on the page.
HINTS_JS = ("() => [...document.querySelectorAll('[data-testid=InputInstructions] span')]"
            ".map(e => e.innerText).filter(t => /Press/.test(t))")
#: How the top navigation's overflow button ("3 more") is drawn: its text's size and what replaces it.
MORE_JS = """() => {
  const p = document.querySelector('.rc-overflow-item-rest [data-testid=stTopNavSection] p');
  if (!p || p.getBoundingClientRect().width === 0 && !p.offsetParent) { return null; }
  return [getComputedStyle(p).fontSize, getComputedStyle(p, '::after').content];
}"""


def _fits_the_phone(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def _body(page) -> str:
    return page.evaluate("() => document.body.innerText")


def test_the_whole_loop_resident_dispatcher_two_volunteers_rating_points(browser, loop_app, tmp_path):
    app_url, _ = loop_app
    store = _store(loop_app)
    blocked: list[str] = []
    photo = tmp_path / "IMG_20261130_1015.jpg"
    _photo(photo)

    # --- the resident asks, on a phone ---------------------------------------------------------
    resident = _phone(browser, app_url, blocked)
    ask = resident.new_page()
    started = time.monotonic()
    ask.goto(app_url + "/ask")
    map_frame(ask, MAP_BUILT_JS)
    wait_for_app_idle(ask)
    screenshot(ask, "tasks_phone_ask_empty")
    ask.get_by_text("送药", exact=True).click()
    wait_for_app_idle(ask)
    tap_map(ask, 116.8262, 30.7392)
    map_frame(ask, PLACED_JS)
    ask.get_by_text(re.compile(r"已选地点:30\.739\d\d, 116\.826\d\d")).wait_for(timeout=20_000)
    wait_for_app_idle(ask)
    choose_option(ask, ask.get_by_role("combobox", name=re.compile("所在村")), "陶亭社区")
    ask.get_by_placeholder("例如:到人民医保药房取降压药,已付款").fill(HOSTILE_NOTE)
    ask.get_by_placeholder("例如:王阿姨 139xxxxxxxx").fill(CONTACT)
    ask.get_by_text(re.compile("只有本社区的派单员和接下这单的那一位志愿者")).scroll_into_view_if_needed()
    wait_for_app_idle(ask)
    _fits_the_phone(ask)
    screenshot(ask, "tasks_phone_ask_filled")
    ask.get_by_role("button", name="提交求助").click()
    code_box = ask.locator('[data-testid="stCode"]').first
    code_box.wait_for(timeout=60_000)
    code = re.search(r"ZY-[0-9A-Z]{4}-[0-9A-Z]{4}", code_box.inner_text()).group(0)
    print(f"\nrequest filed on a 390x844 phone in {time.monotonic() - started:.1f} s (scripted taps)")
    wait_for_app_idle(ask)
    screenshot(ask, "tasks_phone_ask_filed")
    assert ask.evaluate("() => window.__pwn") is None

    # --- the dispatcher opens it to all, at a desk ---------------------------------------------
    desk_context = _open_context(browser, app_url, DESKTOP, blocked)
    desk = desk_context.new_page()
    desk.goto(app_url + "/dispatch")
    desk.get_by_text("社区派单员请登录").wait_for(timeout=30_000)
    wait_for_app_idle(desk)
    _sign_in(desk, "zhang")
    map_frame(desk, "() => window.map && document.querySelectorAll('.gh-task').length > 0")
    desk.get_by_text(f"任务 {code}").wait_for(timeout=30_000)
    desk.get_by_text(f"联系方式:{CONTACT}").wait_for()
    wait_for_app_idle(desk)
    screenshot(desk, "tasks_desk_dispatch_new")
    desk.get_by_role("button", name="公开给本社区全部志愿者").click()
    desk.get_by_text(f"已把 {code} 公开给本社区全部志愿者。").wait_for(timeout=30_000)
    wait_for_app_idle(desk)
    screenshot(desk, "tasks_desk_dispatch_opened")
    assert desk.evaluate("() => window.__pwn") is None

    # --- two volunteers race for it, on two phones ----------------------------------------------
    phones = {}
    for name in ("li", "wang"):
        context = _phone(browser, app_url, blocked)
        page = context.new_page()
        page.goto(app_url + "/volunteer")
        page.get_by_role("tab", name="登录").wait_for(timeout=30_000)
        wait_for_app_idle(page)
        _sign_in(page, name)
        page.locator(f".st-key-take_{code} button").wait_for(timeout=30_000)
        wait_for_app_idle(page)
        phones[name] = (context, page)
    li, wang = phones["li"][1], phones["wang"][1]
    li.get_by_role("button", name=re.compile("按离我的距离排序")).click()
    li.get_by_text("已按离您的距离排序").wait_for(timeout=30_000)
    li.get_by_text(re.compile(r"约 \d+ m|约 \d\.\d km")).first.wait_for(timeout=20_000)
    wait_for_app_idle(li)
    assert CONTACT not in _body(li) and "降压药已付款" in _body(li)  # the note, not the contact
    screenshot(li, "tasks_phone_volunteer_open")
    buttons = [page.locator(f".st-key-take_{code} button") for page in (li, wang)]
    for button in buttons:  # as close together as two thumbs
        button.dispatch_event("click")
    outcomes = {}
    for name, page in (("li", li), ("wang", wang)):
        said = page.locator(".st-key-volunteer_message_box [data-testid='stAlert']")
        said.wait_for(timeout=60_000)
        outcomes[name] = said.inner_text()
    won = [n for n, text in outcomes.items() if "接单成功" in text]
    lost = [n for n, text in outcomes.items() if "已被其他志愿者抢先接走" in text]
    assert len(won) == 1 and len(lost) == 1, outcomes
    winner, loser = phones[won[0]][1], phones[lost[0]][1]
    for page, shot in ((winner, "tasks_phone_volunteer_won"), (loser, "tasks_phone_volunteer_lost")):
        wait_for_app_idle(page)
        _fits_the_phone(page)
        screenshot(page, shot)
    winner.get_by_text(f"联系方式:{CONTACT}").wait_for(timeout=20_000)
    assert winner.get_by_role("link", name="📞 打电话").get_attribute("href") == "tel:13912345678"
    # the contact is on exactly two screens: the dispatcher's and the winner's
    assert CONTACT in _body(desk) and CONTACT not in _body(loser) and CONTACT not in _body(ask)
    assert store.card(code, Actor.staff("test")).state.value == "taken"

    # --- the winner finishes with a photo --------------------------------------------------------
    winner.locator(f".st-key-done_note_{code} input").fill("已送到,老人在家")
    winner.locator(f".st-key-done_photo_{code} input[type='file']").set_input_files(str(photo))
    winner.locator(f".st-key-done_photo_{code} [data-testid='stFileChipName']").wait_for(timeout=30_000)
    winner.get_by_role("button", name="✅ 标记完成").click()
    winner.get_by_text(f"辛苦了!{code} 已完成,积分已记上。").wait_for(timeout=60_000)
    wait_for_app_idle(winner)
    screenshot(winner, "tasks_phone_volunteer_done")
    stored = store.photos.read(store.status(code).photo)
    assert piexif.load(stored)["GPS"] == {} and b"RiderPhone" not in stored
    assert winner.evaluate("() => window.__pwn") is None and loser.evaluate("() => window.__pwn") is None

    # --- the resident follows the link and rates -------------------------------------------------
    status = resident.new_page()
    status.goto(f"{app_url}/ask?code={code}")
    status.get_by_text("当前状态:已完成").wait_for(timeout=30_000)
    status.get_by_text("已送到,老人在家").wait_for()
    status.locator('[data-testid="stImage"] img').first.wait_for(timeout=20_000)
    assert CONTACT not in _body(status)
    status.locator(".st-key-task_stars button").nth(4).click()  # five stars
    wait_for_app_idle(status)
    status.get_by_label(re.compile("说几句")).fill("小李很细心,谢谢!")
    wait_for_app_idle(status)
    screenshot(status, "tasks_phone_status_rating")
    status.get_by_role("button", name="提交评价").click()
    status.get_by_text("谢谢您的评价!").wait_for(timeout=30_000)
    status.get_by_text("当前状态:已评价").wait_for()
    wait_for_app_idle(status)
    _fits_the_phone(status)
    screenshot(status, "tasks_phone_status_rated")

    # --- points on the monthly list, and the overview ----------------------------------------------
    shown = store.account(won[0]).shown_name
    winner.reload()  # a new session: the phone stays signed in
    winner.get_by_text(re.compile(rf"\({won[0]}\)")).wait_for(timeout=30_000)
    board = winner.locator(".st-key-volunteer_monthly table")
    board.wait_for(timeout=30_000)
    cells = [c.strip() for c in board.locator("tbody tr").first.locator("th, td").all_inner_texts()]
    assert cells == ["1", shown, "1", "4", "5.0"]  # rank, name, 1 task, 3 + 1 points, stars
    board.scroll_into_view_if_needed()
    wait_for_app_idle(winner)
    screenshot(winner, "tasks_phone_monthly_list")
    overview = desk_context.new_page()
    overview.goto(app_url + "/overview")
    overview.get_by_text("🤝 志愿服务:本月完成 1 单 · 平均评分 5.0").wait_for(timeout=60_000)
    wait_for_app_idle(overview)
    screenshot(overview, "tasks_desk_overview_line")
    # signing out on a phone ends its staying signed in
    loser.get_by_role("button", name="退出").click()
    loser.get_by_role("tab", name="登录").wait_for(timeout=30_000)
    wait_for_app_idle(loser)
    loser.reload()
    loser.get_by_role("tab", name="登录").wait_for(timeout=30_000)
    assert blocked == [] or all(not u.startswith(app_url) for u in blocked)
    for context in (resident, desk_context, *(c for c, _ in phones.values())):
        context.close()
    store.close()


@pytest.mark.parametrize("viewport, size", [(PHONE, "phone"), (DESKTOP, "desk")])
def test_every_task_page_reads_at_both_sizes(browser, task_app, viewport, size):
    app_url, _ = task_app
    blocked: list[str] = []
    context = _open_context(browser, app_url, viewport, blocked)
    page = context.new_page()
    try:
        for path, ready in (("/ask", "① 需要什么帮助"), ("/volunteer", "志愿者积分榜"), ("/dispatch", "社区派单员请登录"),
                            ("/ask?lang=en", "What help do you need")):
            page.goto(app_url + path)
            page.get_by_text(re.compile(ready)).first.wait_for(timeout=60_000)
            if path.startswith("/ask"):
                map_frame(page, MAP_BUILT_JS)
            wait_for_app_idle(page)
            if "lang=en" not in path:  # Streamlit's own English hints have no place on a Chinese page
                assert page.evaluate(HINTS_JS) == [], path
                # the navigation is drawn before the page's style arrives: "3 more" may flash first
                page.wait_for_function(f"() => {{ const m = ({MORE_JS})(); return m === null || m[0] === '0px'; }}",
                                       timeout=10_000)
                assert page.evaluate(MORE_JS) in (None, ["0px", '"更多页面"']), path
            if size == "phone":
                _fits_the_phone(page)
            screenshot(page, f"tasks_{size}_{path.strip('/').replace('?', '_').replace('=', '-')}")
        assert all(not u.startswith(app_url) for u in blocked)
    finally:
        context.close()
