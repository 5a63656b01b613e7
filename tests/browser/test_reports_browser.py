"""The report loop in headless Chromium, offline: a rider on a 390x844 phone files a hazard with
a photo carrying EXIF GPS, a planner resolves it, the rider sees the new state by reference
code; the photo on disk has no metadata and hostile note text never runs."""

from __future__ import annotations

import io
import re
import time

import piexif
import pytest
from conftest import DESKTOP, PHONE, _open_context, choose_option, map_frame, screenshot, serve_app, wait_for_app_idle
from PIL import Image
from test_rider_browser import tap_map

from geo.auth import hash_password
from geo.reports.store import ReportStore

pytestmark = pytest.mark.browser

MAP_BUILT_JS = "() => window.map && window.map._loaded"
PLACED_JS = "() => window.map && document.querySelectorAll('.gh-icon-report-place').length > 0"
HOSTILE = "<img src=x onerror=top.__pwn=1> ${top.__pwn=2} {{7*7}} 消防通道被堵"


@pytest.fixture(scope="module")
def report_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports")
    env = {"GAOHE_DATABASE_URL": f"sqlite:///{folder / 'reports.sqlite3'}",
           "GAOHE_REPORT_PHOTOS": str(folder / "photos"),
           "GAOHE_EDITORS": f"wang:{hash_password('secret-pw', iterations=1000)}"}
    for url in serve_app(env):
        yield url, env


def _phone_photo(path) -> None:
    exif = piexif.dump({"0th": {piexif.ImageIFD.Make: b"RiderPhone"},
                        "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N", piexif.GPSIFD.GPSLatitude: ((30, 1), (44, 1), (2648, 100)),
                                piexif.GPSIFD.GPSLongitudeRef: b"E", piexif.GPSIFD.GPSLongitude: ((116, 1), (49, 1), (3300, 100))}})
    image = Image.new("RGB", (3000, 2000), (200, 60, 40))
    image.paste((40, 40, 40), (1000, 500, 2000, 1500))
    image.save(path, format="JPEG", quality=90, exif=exif)


def test_a_rider_files_a_hazard_with_a_photo_a_planner_resolves_it_the_rider_sees_it(browser, report_app, tmp_path):
    app_url, env = report_app
    photo = tmp_path / "IMG_20261128_0815.jpg"
    _phone_photo(photo)
    blocked: list[str] = []

    # --- the rider, on a phone ---------------------------------------------------------------
    rider = _open_context(browser, app_url, PHONE, blocked)
    page = rider.new_page()
    started = time.monotonic()
    page.goto(app_url + "/report")
    map_frame(page, MAP_BUILT_JS)
    screenshot(page, "report_phone_empty")
    tap_map(page, 116.8245, 30.7378)  # a few hundred metres from the county seat the map opens on
    map_frame(page, PLACED_JS)
    page.get_by_text(re.compile(r"已选地点:116\.82")).wait_for(timeout=20_000)
    page.get_by_text("消防安全").click()
    wait_for_app_idle(page)
    page.get_by_placeholder("例如:消防通道被电动车堵住").fill(HOSTILE)
    page.locator('input[type="file"]').set_input_files(str(photo))
    page.locator('[data-testid="stFileChipName"]').first.wait_for(timeout=20_000)
    wait_for_app_idle(page)
    page.get_by_role("button", name="提交报告").click()
    code = page.locator("code").filter(has_text=re.compile(r"^GH-")).first
    code.wait_for(timeout=30_000)
    reference = code.inner_text().strip()
    filed_in_s = time.monotonic() - started
    print(f"\nhazard with photo filed on a 390x844 phone in {filed_in_s:.1f} s (scripted taps, no typing delay)")
    assert re.fullmatch(r"GH-[0-9A-Z]{4}-[0-9A-Z]{4}", reference) and filed_in_s < 60
    page.get_by_text("当前状态:").first.wait_for()
    screenshot(page, "report_phone_filed")
    assert page.evaluate("() => window.__pwn") is None
    assert page.get_by_text(HOSTILE).count() >= 1  # shown, as text

    store = ReportStore(env["GAOHE_DATABASE_URL"], photos_dir=env["GAOHE_REPORT_PHOTOS"])
    status = store.status(reference)
    assert status.subject == "fire_safety" and status.note == HOSTILE and status.has_photo
    (photo_name,) = store.reports_frame()["photo"]
    stored = store.photos.read(photo_name)
    assert photo.name not in photo_name and piexif.load(stored)["GPS"] == {} and b"RiderPhone" not in stored
    assert max(Image.open(io.BytesIO(stored)).size) == 1600

    # --- the planner, on a desktop ------------------------------------------------------------
    planner = _open_context(browser, app_url, DESKTOP, blocked)
    desk = planner.new_page()
    desk.goto(app_url + "/triage")
    desk.get_by_text("请先登录").wait_for(timeout=30_000)
    wait_for_app_idle(desk)
    screenshot(desk, "triage_desktop_signed_out")
    desk.get_by_label("用户名").fill("wang")
    desk.get_by_label("密码").fill("secret-pw")
    try:
        desk.get_by_role("button", name="登录编辑").click(timeout=15_000)
    except Exception:
        screenshot(desk, "triage_desktop_sign_in_failed")
        raise
    desk.get_by_text("已登录:wang").wait_for(timeout=30_000)
    map_frame(desk, "() => window.map && document.querySelectorAll('.gh-report').length > 0")
    assert desk.evaluate("() => window.__pwn") is None
    choose_option(desk, desk.get_by_role("combobox", name="改为"), "已解决")
    desk.get_by_label("给报告人的答复(公开,可选)").fill("城管已清理消防通道")
    wait_for_app_idle(desk)
    desk.get_by_role("button", name="保存状态").click()
    desk.get_by_text(f"已将 {reference} 改为“已解决”。").wait_for(timeout=30_000)
    screenshot(desk, "triage_desktop_resolved")
    assert [(e.to_state, e.actor) for e in store.history(store.report_id(reference))] == [("new", None), ("resolved", "wang")]
    assert store.status(reference).events[-1].answer == "城管已清理消防通道"

    # --- the rider looks it up later -----------------------------------------------------------
    later = rider.new_page()
    later.goto(app_url + "/report")
    later.get_by_label("查询码").fill(reference.lower().replace("-", " "))
    later.keyboard.press("Enter")
    later.get_by_text("当前状态:已解决").wait_for(timeout=30_000)
    later.get_by_text("城管已清理消防通道").first.wait_for()
    later.get_by_text("当前状态:已解决").scroll_into_view_if_needed()
    screenshot(later, "report_phone_status_resolved")
    assert later.evaluate("() => window.__pwn") is None
    assert blocked == [] or all(not u.startswith(app_url) for u in blocked)
    store.close()
    planner.close()
    rider.close()
