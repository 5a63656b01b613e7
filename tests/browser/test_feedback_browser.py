"""The report loop in headless Chromium, offline, on a 390x844 phone: a rider files a hazard with
a photo carrying EXIF GPS, a planner resolves it, the rider follows the link to its status; the
submit button waits for a photo still uploading on a slow line; messages appear beside the
button; a photo over 10 MB is refused when chosen; the limit survives a reload; station feedback
from an overview popup; a refused location is explained in Chinese; the stored photo has no
metadata and hostile note text never runs."""

from __future__ import annotations

import io
import re
import time

import piexif
import pytest
from conftest import DESKTOP, PHONE, _open_context, map_frame, screenshot, serve_app, wait_for_app_idle
from PIL import Image
from test_rider_browser import tap_map

from geo.auth import hash_password
from geo.feedback.store import ReportStore

pytestmark = pytest.mark.browser

MAP_BUILT_JS = "() => window.map && window.map._loaded"
PLACED_JS = "() => window.map && document.querySelectorAll('.gh-icon-report-place').length > 0"
HOSTILE = "<img src=x onerror=top.__pwn=1> ${top.__pwn=2} {{7*7}} 消防通道被堵"
GAOHE = {"longitude": 116.8236, "latitude": 30.7374}
SESSION_LIMIT = 3


@pytest.fixture(scope="module")
def report_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports")
    env = {"GAOHE_DATABASE_URL": f"sqlite:///{folder / 'reports.sqlite3'}",
           "GAOHE_REPORT_PHOTOS": str(folder / "photos"),
           "GAOHE_EDITORS": f"wang:{hash_password('secret-pw', iterations=1000)}",
           "GAOHE_REPORT_SESSION_LIMIT": f"{SESSION_LIMIT}/600",
           # a WGS-84 map with no tiles: the taps below are at WGS-84 points (Amap's tiles are GCJ-02)
           "GAOHE_BASEMAPS": "none"}
    for url in serve_app(env):
        yield url, env


@pytest.fixture
def store(report_app):
    opened = ReportStore(report_app[1]["GAOHE_DATABASE_URL"], photos_dir=report_app[1]["GAOHE_REPORT_PHOTOS"])
    yield opened
    opened.close()


def _phone(browser, app_url, *, located: bool = True, blocked: list | None = None):
    context = _open_context(browser, app_url, PHONE, blocked if blocked is not None else [])
    if located:
        context.set_geolocation(GAOHE)
        context.grant_permissions(["geolocation", "clipboard-read", "clipboard-write"], origin=app_url)
    return context


def _phone_photo(path, size=(3000, 2000)) -> None:
    exif = piexif.dump({"0th": {piexif.ImageIFD.Make: b"RiderPhone"},
                        "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: ((30, 1), (44, 1), (2648, 100)),
                                piexif.GPSIFD.GPSLongitudeRef: b"E", piexif.GPSIFD.GPSLongitude: ((116, 1), (49, 1), (3300, 100))}})
    image = Image.new("RGB", size, (200, 60, 40))
    image.paste((40, 40, 40), (size[0] // 3, size[1] // 4, 2 * size[0] // 3, 3 * size[1] // 4))
    image.save(path, format="JPEG", quality=90, exif=exif)


def _noisy_photo(path, megabytes: float) -> None:
    """A JPEG of about ``megabytes`` (noise does not compress)."""
    import numpy as np

    side = int((megabytes * 1e6 / 2.4) ** 0.5)
    pixels = np.random.default_rng(7).integers(0, 255, (side, side, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, format="JPEG", quality=95)


def _locate(page) -> None:
    page.get_by_role("button", name=re.compile("使用我的位置")).click()
    page.get_by_text(re.compile("已选地点:30\\.7")).wait_for(timeout=30_000)
    wait_for_app_idle(page)


def _submit(page):
    button = page.get_by_role("button", name="提交报告")
    button.click()
    return button


def _under(button_box: dict, message_box: dict, viewport: dict) -> float:
    """How far below the button the message starts (px); both must be on screen."""
    assert 0 <= button_box["y"] and button_box["y"] + button_box["height"] <= viewport["height"]
    assert 0 <= message_box["y"] and message_box["y"] + message_box["height"] <= viewport["height"]
    return message_box["y"] - (button_box["y"] + button_box["height"])


def _tick_row(page, row: int) -> None:
    """Tick the box of table row ``row`` (1 = the first report) in the triage list."""
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 35 * row + 17)
    wait_for_app_idle(page)


def test_a_rider_files_a_hazard_with_a_photo_a_planner_resolves_it_the_rider_follows_the_link(
        browser, report_app, store, tmp_path):
    app_url, _ = report_app
    photo = tmp_path / "IMG_20261128_0815.jpg"
    _phone_photo(photo)
    blocked: list[str] = []

    # --- the rider, on a phone ---------------------------------------------------------------
    rider = _phone(browser, app_url, blocked=blocked)
    page = rider.new_page()
    started = time.monotonic()
    page.goto(app_url + "/report")
    map_frame(page, MAP_BUILT_JS)
    # offline the map still shows where one is: stations and landmarks by name
    _, frame = map_frame(page, "() => document.querySelectorAll('.gh-place-name').length > 5")
    assert "怀宁县人民政府" in frame.evaluate("() => document.body.innerText")
    wait_for_app_idle(page)
    screenshot(page, "report_phone_empty")
    tap_map(page, 116.8245, 30.7378)  # a few hundred metres from the county seat the map opens on
    map_frame(page, PLACED_JS)
    page.get_by_text(re.compile(r"已选地点:30\.737\d\d, 116\.824\d\d")).wait_for(timeout=20_000)
    page.get_by_text("消防安全").click()
    page.get_by_placeholder("例如:消防通道被电动车堵住").fill(HOSTILE)
    page.locator('input[type="file"]').set_input_files(str(photo))
    page.locator('[data-testid="stFileChipName"]').first.wait_for(timeout=20_000)
    _submit(page)
    code = page.locator(".gh-code")
    code.wait_for(timeout=60_000)
    reference = code.inner_text().strip()
    filed_in_s = time.monotonic() - started
    print(f"\nhazard with photo filed on a 390x844 phone in {filed_in_s:.1f} s (scripted taps, no typing delay)")
    assert re.fullmatch(r"GH-[0-9A-Z]{4}-[0-9A-Z]{4}", reference) and filed_in_s < 60
    page.get_by_text("📷 已附 1 张照片").wait_for()
    page.get_by_role("button", name="复制查询码").click()
    page.get_by_text("已复制 ✓").first.wait_for(timeout=10_000)
    assert page.evaluate("() => navigator.clipboard.readText()") == reference
    wait_for_app_idle(page)
    screenshot(page, "report_phone_filed")
    assert page.evaluate("() => window.__pwn") is None

    status = store.status(reference)
    assert status.subject == "fire_safety" and status.note == HOSTILE and status.has_photo
    (photo_name,) = store.reports_frame().query("reference == @reference")["photo"]
    stored = store.photos.read(photo_name)
    assert photo.name not in photo_name and piexif.load(stored)["GPS"] == {} and b"RiderPhone" not in stored
    assert max(Image.open(io.BytesIO(stored)).size) == 1600

    # --- the planner, on a desktop ------------------------------------------------------------
    planner = _open_context(browser, app_url, DESKTOP, blocked)
    desk = planner.new_page()
    desk.goto(app_url + "/triage")
    desk.get_by_text("请先登录").wait_for(timeout=30_000)
    wait_for_app_idle(desk)
    desk.get_by_label("用户名").fill("wang")
    desk.get_by_label("密码").fill("secret-pw")
    desk.get_by_role("button", name="登录编辑").click()
    desk.get_by_text("已登录:wang").wait_for(timeout=30_000)
    map_frame(desk, "() => window.map && document.querySelectorAll('.gh-report').length > 0")
    assert desk.evaluate("() => window.__pwn") is None
    row = store.reports_frame()["reference"].tolist().index(reference) + 1  # newest first, as listed
    _tick_row(desk, row)
    desk.get_by_text(f"报告详情 · {reference}").wait_for(timeout=30_000)
    combobox = desk.get_by_role("combobox", name="改为")
    combobox.scroll_into_view_if_needed()
    desk.wait_for_timeout(300)
    box = combobox.bounding_box()
    desk.mouse.click(box["x"] + 40, box["y"] + box["height"] / 2)  # one tap opens it
    desk.get_by_role("option", name="已解决").click(timeout=5_000)
    answer = desk.get_by_label(re.compile("给报告人的答复"))
    answer.fill("城管已清理消防通道")
    wait_for_app_idle(desk)
    save = desk.get_by_role("button", name="保存状态")
    save.click()
    done = desk.get_by_text(f"已将 {reference} 改为“已解决”。")
    done.wait_for(timeout=30_000)
    wait_for_app_idle(desk)
    assert 0 <= _under(save.bounding_box(), done.bounding_box(), DESKTOP) < 120
    assert answer.input_value() == ""  # the next change will not send this answer again
    desk.get_by_text(f"报告详情 · {reference}").wait_for()  # the planner's place is kept
    wait_for_app_idle(desk)
    screenshot(desk, "triage_desktop_resolved")
    assert [(e.to_state, e.actor) for e in store.history(store.report_id(reference))] == [("new", None), ("resolved", "wang")]
    assert store.status(reference).events[-1].answer == "城管已清理消防通道"

    # --- the rider follows the link kept from the filing --------------------------------------
    later = rider.new_page()
    later.goto(f"{app_url}/report?code={reference}")
    later.get_by_text("当前状态:已解决").wait_for(timeout=30_000)
    later.get_by_text("城管已清理消防通道").first.wait_for()
    later.get_by_text(re.compile("📷 有照片")).wait_for()
    wait_for_app_idle(later)
    screenshot(later, "report_phone_status_resolved")
    assert later.evaluate("() => window.__pwn") is None
    assert all(not u.startswith(app_url) for u in blocked)
    planner.close()
    rider.close()


def test_submit_waits_for_a_photo_still_uploading_on_a_slow_line(browser, report_app, store, tmp_path):
    app_url, _ = report_app
    photo = tmp_path / "IMG_20261128_2231.jpg"
    _noisy_photo(photo, 2.5)
    context = _phone(browser, app_url)
    page = context.new_page()
    try:
        page.goto(app_url + "/report")
        map_frame(page, MAP_BUILT_JS)
        _locate(page)
        page.get_by_text("环境卫生").click()
        page.get_by_placeholder("例如:消防通道被电动车堵住").fill("慢网络:垃圾堆放")
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        # weak 4G at night: ~2 Mbit/s up, 150 ms
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 150, "downloadThroughput": 600_000,
                                                      "uploadThroughput": 250_000})
        page.locator('input[type="file"]').set_input_files(str(photo))
        submit = page.get_by_role("button", name="提交报告")
        page.wait_for_timeout(1_500)
        assert submit.is_disabled()  # the photo is still on its way: no report can leave without it
        screenshot(page, "report_phone_uploading")
        submit.click(timeout=120_000)  # waits until the upload is done and the button is enabled
        page.locator(".gh-code").wait_for(timeout=90_000)
        reference = page.locator(".gh-code").inner_text().strip()
        assert store.status(reference).has_photo
        page.get_by_text("📷 已附 1 张照片").wait_for()
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                      "uploadThroughput": -1})
    finally:
        context.close()


def test_messages_stand_beside_the_button_and_the_limit_survives_a_reload(browser, report_app, store):
    app_url, _ = report_app
    context = _phone(browser, app_url)
    page = context.new_page()
    try:
        page.goto(app_url + "/report")
        map_frame(page, MAP_BUILT_JS)
        button = _submit(page)
        missing = page.get_by_text("还没有选择地点")
        missing.wait_for(timeout=30_000)
        page.wait_for_timeout(800)  # the message is scrolled into view
        assert 0 <= _under(button.bounding_box(), missing.bounding_box(), PHONE) < 120
        wait_for_app_idle(page)
        screenshot(page, "report_phone_needs_place")
        before = len(store.reports_frame())
        for n in range(SESSION_LIMIT):
            if n:
                page.get_by_role("button", name="再报一处").click()
            _locate(page)
            page.get_by_text("其他", exact=True).first.click()
            _submit(page)
            page.locator(".gh-code").wait_for(timeout=60_000)
        page.reload()  # a new Streamlit session: the limit must hold all the same
        map_frame(page, MAP_BUILT_JS)
        _locate(page)
        page.get_by_text("其他", exact=True).first.click()
        page.get_by_placeholder("例如:消防通道被电动车堵住").fill("刷新后再报")
        button = _submit(page)
        refused = page.get_by_text(re.compile("^提交太频繁"))
        refused.wait_for(timeout=30_000)
        page.wait_for_timeout(800)
        assert 0 <= _under(button.bounding_box(), refused.bounding_box(), PHONE) < 120
        assert page.get_by_placeholder("例如:消防通道被电动车堵住").input_value() == "刷新后再报"
        assert len(store.reports_frame()) == before + SESSION_LIMIT
        wait_for_app_idle(page)
        screenshot(page, "report_phone_limited_after_reload")
    finally:
        context.close()


def test_a_photo_over_10_mb_is_refused_as_it_is_chosen_in_chinese(browser, report_app, tmp_path):
    app_url, _ = report_app
    too_big = tmp_path / "IMG_big.jpg"
    too_big.write_bytes(b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024 + 100))
    context = _phone(browser, app_url)
    page = context.new_page()
    try:
        page.goto(app_url + "/report")
        map_frame(page, MAP_BUILT_JS)
        page.locator('input[type="file"]').set_input_files(str(too_big))
        alert = page.locator("[data-testid=stFileChip][aria-invalid=true] [role=alert]")
        alert.wait_for(state="attached", timeout=20_000)
        # Streamlit's reason is English; the page's own words are drawn in its place
        said = alert.evaluate("a => getComputedStyle(a, '::after').content")
        assert "这张照片无法上传(超过 10 MB" in said and alert.evaluate("a => a.getBoundingClientRect().height") > 10
        submit = page.get_by_role("button", name="提交报告")
        submit.scroll_into_view_if_needed()
        assert submit.evaluate("b => getComputedStyle(b).pointerEvents") == "none"
        wait_for_app_idle(page)
        screenshot(page, "report_phone_photo_too_big")
        page.get_by_role("button", name="Remove IMG_big.jpg").click()
        page.wait_for_function("() => getComputedStyle(document.querySelector("
                               "'[data-testid=stFormSubmitButton] button')).pointerEvents !== 'none'")
    finally:
        context.close()


def test_station_feedback_from_an_overview_popup_with_the_true_place(browser, report_app, store):
    app_url, _ = report_app
    context = _phone(browser, app_url)
    page = context.new_page()
    try:
        page.goto(app_url + "/")
        page.get_by_text("随手拍:报告隐患或站点问题").wait_for(timeout=60_000)
        _, frame = map_frame(page)
        page.locator('iframe[title="streamlit_folium.st_folium"]').scroll_into_view_if_needed()
        page.frame_locator('iframe[title="streamlit_folium.st_folium"]').locator(".gh-icon-red").first.click()
        link = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').locator("a.gh-feedback").first
        station_id = link.get_attribute("href").split("station=")[1]
        link.click()
        page.wait_for_url(re.compile(f"/report\\?station={station_id}$"), timeout=30_000)
        page.get_by_role("heading", name="站点反馈").wait_for(timeout=60_000)
        page.get_by_text("不在这里", exact=True).click()
        map_frame(page, "() => window.map && document.querySelectorAll('.gh-icon-registered').length > 0")
        tap_map(page, 116.8262, 30.7411)
        page.get_by_text(re.compile("已标出实际位置:30\\.7411")).wait_for(timeout=20_000)
        _submit(page)
        page.locator(".gh-code").wait_for(timeout=60_000)
        reference = page.locator(".gh-code").inner_text().strip()
        wait_for_app_idle(page)
        screenshot(page, "report_phone_station_filed")
        frame_row = store.reports_frame().query("reference == @reference").iloc[0]
        assert (frame_row.station_id, frame_row.subject, frame_row.place_source) == (station_id, "not_here", "reporter")
        assert frame_row.lon == pytest.approx(116.8262, abs=2e-5) and frame_row.lat == pytest.approx(30.7411, abs=2e-5)
    finally:
        context.close()


def test_a_refused_location_is_explained_in_chinese(browser, report_app):
    app_url, _ = report_app
    context = _phone(browser, app_url, located=False)
    page = context.new_page()
    try:
        page.goto(app_url + "/report")
        map_frame(page, MAP_BUILT_JS)
        page.get_by_role("button", name=re.compile("使用我的位置")).click()
        message = page.get_by_text(re.compile("^没有获得定位权限"))
        message.wait_for(timeout=30_000)
        assert not re.search(r"[A-Za-z]{4,}", message.inner_text())  # none of the browser's English
        wait_for_app_idle(page)
        screenshot(page, "report_phone_location_refused")
    finally:
        context.close()
