"""The rider page on a 390x844 phone with no internet, as a rider meets it: map first, answer
cards that fit, a tap that answers, night, local tiles served by the app, failed tiles said on
the map, and "use my location" over https on a LAN name.

Each server here has its clock fixed with GAOHE_TEST_NOW (the app's own setting), so answers do
not depend on when the suite runs.
"""

from __future__ import annotations

import re
import subprocess

import pytest
from conftest import CHROMIUM, MAP_FRAME, PHONE, ROOT, BlockedRequests, map_frame, screenshot, serve_app

from geo.i18n import t
from geo.register.geojson import load_stations

pytestmark = pytest.mark.browser

SEAT = (116.82360, 30.73744)
MAP_BUILT_JS = "() => window.map && window.map._loaded"
RESULTS_JS = "() => window.map && document.querySelectorAll('.gh-rank').length > 0"
ANSWER_SHOWN_JS = ("() => Array.from(document.querySelectorAll('[data-testid=\"stLinkButton\"] a'))"
                   ".some(a => a.innerText.trim().startsWith('导航') && a.getBoundingClientRect().height > 0)")
FIRST_NAV_BOX_JS = ("() => { const a = Array.from(document.querySelectorAll('[data-testid=\"stLinkButton\"] a'))"
                    ".find(a => a.innerText.trim().startsWith('导航') && a.getBoundingClientRect().height > 0);"
                    " const r = a.getBoundingClientRect(); return {y: r.y, height: r.height, text: a.innerText.trim()}; }")
FIRST_TITLE_JS = "() => { const s = document.querySelector('[data-testid=\"stMarkdownContainer\"] strong'); return s && s.innerText; }"


@pytest.fixture(scope="module")
def tile_folder(tmp_path_factory):
    from tile_fixtures import write_folder

    return write_folder(tmp_path_factory.mktemp("tiles") / "gaohe")


@pytest.fixture(scope="module")
def day_url(tile_folder):
    """Saturday 10:00; the deployer's basemap: the local tile set the tests made."""
    yield from serve_app({"GAOHE_TEST_NOW": "2026-11-28T10:00", "GAOHE_TILES": str(tile_folder),
                          "GAOHE_BASEMAPS": "local,none"})


@pytest.fixture(scope="module")
def night_url():
    """Saturday 23:30; nothing configured (Amap tiles, which cannot load here)."""
    yield from serve_app({"GAOHE_TEST_NOW": "2026-11-28T23:30"})


def phone(browser, url: str, blocked: list, **options):
    """A phone's browser context: touch, Chinese, Shanghai time, everything outside ``url`` refused."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", is_mobile=True,
                                  has_touch=True, **options)

    def route(route):
        if route.request.url.startswith((url, "data:", "blob:", "about:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    return context


def first_title(page) -> str:
    return page.evaluate(FIRST_TITLE_JS)


def open_rider(page, url: str, at: tuple[float, float] | None = SEAT) -> None:
    page.goto(f"{url}/rider" + (f"?at={at[0]:.5f},{at[1]:.5f}" if at else ""))
    if at:
        page.wait_for_function(ANSWER_SHOWN_JS, timeout=60_000)
        map_frame(page, RESULTS_JS)
    else:
        map_frame(page, MAP_BUILT_JS)


def test_on_a_phone_the_map_comes_first_and_the_answer_fits(browser, day_url):
    blocked = BlockedRequests()
    context = phone(browser, day_url, blocked)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes: dict[str, int] = {}
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    try:
        open_rider(page, day_url)
        page.wait_for_load_state("networkidle")
        map_box = page.locator(MAP_FRAME).bounding_box()
        assert map_box["y"] < 150 and map_box["height"] <= PHONE["height"] / 2
        # the first answer and its one navigation button are on the first screen, below the map
        nav_box = page.evaluate(FIRST_NAV_BOX_JS)
        assert map_box["y"] + map_box["height"] < nav_box["y"] and nav_box["y"] + nav_box["height"] <= PHONE["height"]
        assert nav_box["text"] == "导航(位置待核实)"
        height = page.evaluate("() => Math.max(...Array.from(document.querySelectorAll('*')).map(e => e.scrollHeight))")
        assert height <= 1600, height
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        # what crossed the wire for the whole first load (encoded sizes): the budget is 1.5 MB
        assert sum(sizes.values()) < 1_500_000, sum(sizes.values())
        assert page.evaluate("() => document.documentElement.lang") == "zh-CN"
        assert not page.locator("pre code").count()  # no code block
        screenshot(page, "rider_phone_first_screen")
        page.evaluate("() => document.querySelector('[data-testid=\"stExpander\"]').scrollIntoView()")
        screenshot(page, "rider_phone_bottom")
    finally:
        context.close()
    assert not blocked, blocked[:3]


def test_tap_targets_are_at_least_44_px_and_markers_have_names(browser, day_url):
    context = phone(browser, day_url, [])
    page = context.new_page()
    try:
        open_rider(page, day_url)
        page.get_by_text("筛选与设置").click()  # the folded settings count too
        small = page.evaluate(
            """() => Array.from(document.querySelectorAll(
                 '[data-testid="stMain"] button, [data-testid="stMain"] [data-testid="stLinkButton"] a,'
                 + ' [data-testid="stMain"] input, [data-testid="stMain"] summary'))
               // a tick box or option is tapped on its label; a multiselect anywhere on its box
               .map(e => e.closest('label')
                         || (e.closest('[data-testid="stMultiSelect"]')
                             && e.closest('[data-testid="stMultiSelect"]').querySelector(
                                  '[data-testid="stMultiSelectTagsContainer"]').parentElement)
                         || e)
               .filter(e => e.getBoundingClientRect().height > 0)
               .filter(e => e.getBoundingClientRect().height < 44 || e.getBoundingClientRect().width < 44)
               .map(e => (e.innerText || e.getAttribute('aria-label') || e.tagName).trim() + ' '
                         + Math.round(e.getBoundingClientRect().width) + 'x' + Math.round(e.getBoundingClientRect().height))"""
        )
        assert not small, small
        _, frame = map_frame(page, RESULTS_JS)
        zoom = frame.evaluate("() => document.querySelector('.leaflet-control-zoom-in').getBoundingClientRect().height")
        assert zoom >= 44
        names = frame.evaluate(
            "() => Array.from(document.querySelectorAll('.leaflet-marker-icon'))"
            ".map(m => { const n = m.querySelector('[role=img][aria-label]'); return n ? n.getAttribute('aria-label') : ''; })"
        )
        assert names and all(names), names
        title = first_title(page).replace("1. ", "", 1)
        assert f"1. {title} (位置待核实)" in names
        assert "您在这里" in names
    finally:
        context.close()


def test_more_unfolds_other_apps_coordinates_and_details(browser, day_url):
    context = phone(browser, day_url, [])
    page = context.new_page()
    try:
        open_rider(page, day_url)
        page.get_by_role("button", name="更多").first.click()
        popover = page.locator('[data-testid="stPopoverBody"]')
        popover.get_by_text("用百度地图导航").wait_for()
        text = popover.inner_text()
        assert "用手机自带地图导航" in text and "WGS-84(天地图、GPS)" in text and "GCJ-02(高德、腾讯)" in text
        assert "位置待核实" in text and "地址" in text and "开放时间" in text
        screenshot(page, "rider_phone_more")
    finally:
        context.close()


def test_the_preferred_navigation_app_is_remembered_on_the_phone(browser, day_url):
    context = phone(browser, day_url, [])
    page = context.new_page()
    try:
        open_rider(page, day_url)
        page.get_by_text("筛选与设置").click()
        page.locator('label[data-testid="stRadioOption"]').filter(has_text=re.compile("^百度地图$")).click()
        page.wait_for_function("() => document.cookie.includes('gaohe_nav=baidu')", timeout=20_000)
        # the next visit on this phone: a new session, the same cookie
        again = context.new_page()
        open_rider(again, day_url)
        hrefs = again.evaluate("() => Array.from(document.querySelectorAll('[data-testid=\"stLinkButton\"] a'))"
                               ".filter(a => a.innerText.trim().startsWith('导航')).map(a => a.href)")
        assert hrefs and all(h.startswith("https://api.map.baidu.com/direction?") for h in hrefs)
    finally:
        context.close()


def tap_map(page, lon: float, lat: float) -> None:
    """A real tap on the map at ``lon``/``lat`` in the basemap's own coordinates (other tests use it)."""
    iframe = page.locator(MAP_FRAME)
    iframe.scroll_into_view_if_needed()
    frame = page.query_selector(MAP_FRAME).content_frame()
    point = frame.evaluate(f"() => window.map.latLngToContainerPoint([{lat}, {lon}])")
    box = iframe.bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def tap_map_at(page, fx: float, fy: float) -> None:
    """A real tap at a fraction of the map's width and height."""
    box = page.locator(MAP_FRAME).bounding_box()
    page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])


def test_a_tap_on_the_map_answers_there_without_reloading_the_map(browser, day_url):
    context = phone(browser, day_url, [])
    page = context.new_page()
    try:
        open_rider(page, day_url, at=None)
        page.get_by_text("点地图、按 📍 定位或搜地点,设定您的位置。").wait_for()
        _, frame = map_frame(page, MAP_BUILT_JS)
        frame.evaluate("() => { window.__same_map = true; }")
        tap_map_at(page, 0.5, 0.5)
        page.wait_for_function(ANSWER_SHOWN_JS, timeout=20_000)
        first = first_title(page)
        assert "at=" in page.url
        tap_map_at(page, 0.15, 0.85)
        page.wait_for_function(f"(before) => ({FIRST_TITLE_JS})() !== before", arg=first, timeout=20_000)
        # the same Leaflet map took the new answer: tiles and view were not thrown away
        _, frame = map_frame(page, RESULTS_JS)
        assert frame.evaluate("() => window.__same_map === true")
        screenshot(page, "rider_phone_after_tap")
    finally:
        context.close()


def test_local_tiles_are_served_by_the_app_and_no_request_leaves_it(browser, day_url):
    blocked = BlockedRequests()
    context = phone(browser, day_url, blocked)
    page = context.new_page()
    try:
        open_rider(page, day_url)
        _, frame = map_frame(page, "() => document.querySelectorAll('img.leaflet-tile-loaded').length > 3")
        sources = frame.evaluate("() => Array.from(document.querySelectorAll('img.leaflet-tile-loaded')).map(i => i.src)")
        assert all(src.startswith(f"{day_url}/tiles/") for src in sources)
        assert frame.evaluate("() => getComputedStyle(document.querySelector('.gh-tiles-failed')).display") == "none"
        assert any("本地瓦片" in t and "不离开本站" in t for t in page.locator('[data-testid="stCaptionContainer"]').all_inner_texts())
        screenshot(page, "rider_phone_local_tiles")
    finally:
        context.close()
    assert not blocked, blocked[:3]


def test_at_night_offline_the_page_still_answers_and_says_the_tiles_failed(browser, night_url):
    blocked = BlockedRequests()
    context = phone(browser, night_url, blocked)
    page = context.new_page()
    try:
        open_rider(page, night_url)
        alert = page.get_by_role("alert").filter(has_text="现在没有开放的歇脚驿站。")
        alert.wait_for()
        assert "最早开放:党群驿站 04,明天 08:00" in alert.inner_text()
        # the first open place's navigation button is still on the first screen
        nav_box = page.evaluate(FIRST_NAV_BOX_JS)
        assert nav_box["y"] + nav_box["height"] <= PHONE["height"], nav_box
        titles = page.locator('[data-testid="stMarkdownContainer"] strong').all_inner_texts()
        assert [t for t in titles if re.match(r"\d\. 外卖车辆临时停放点", t)][:3] and titles[0].startswith("1. 外卖车辆临时停放点")
        _, frame = map_frame(page, "() => document.querySelector('.gh-tiles-failed') && "
                                   "getComputedStyle(document.querySelector('.gh-tiles-failed')).display === 'block'")
        assert "底图加载失败" in frame.inner_text(".gh-tiles-failed")
        # it lies under the map's panes: markers and the rider's dot are drawn over it
        assert frame.evaluate("() => { const n = document.querySelector('.gh-tiles-failed');"
                              " return !n.closest('.leaflet-control-container') && +getComputedStyle(n).zIndex"
                              " < +getComputedStyle(document.querySelector('.leaflet-map-pane')).zIndex; }")
        screenshot(page, "rider_phone_night_offline")
        # a tap on the notice goes through to the map: it sets the rider's position there
        before = page.url
        notice = page.frame_locator(MAP_FRAME).locator(".gh-tiles-failed").bounding_box()  # page coordinates
        page.mouse.click(notice["x"] + 20, notice["y"] + notice["height"] / 2)
        page.wait_for_function("(before) => window.location.href !== before", arg=before, timeout=20_000)
    finally:
        context.close()
    assert blocked and all("autonavi.com" in url for url in blocked)  # only the tiles wanted out; refused


def test_a_place_that_matches_nothing_says_not_found(browser, night_url):
    context = phone(browser, night_url, [])
    page = context.new_page()
    try:
        open_rider(page, night_url)
        before = page.url
        box = page.get_by_placeholder("搜地点:骑龙、qilong、火车站…")
        box.fill("abc")
        box.press("Enter")
        page.get_by_text("没找到“abc”。换个说法,或直接点地图。").wait_for()
        assert page.url == before
        box.fill("火车站")
        box.press("Enter")
        page.get_by_role("button", name="安庆西站").click()
        page.get_by_text("您的位置已设为:安庆西站").wait_for()
        page.wait_for_function("() => decodeURIComponent(location.search).includes('at=116.85422,30.67347')")
    finally:
        context.close()


# --- the phone's own position -------------------------------------------------------------------


def test_the_phone_location_is_used_when_the_rider_allows_it(browser, night_url):
    stations = load_stations()
    red = stations[stations.station_type == "red"].iloc[0].geometry
    context = phone(browser, night_url, [], geolocation={"latitude": red.y, "longitude": red.x},
                    permissions=["geolocation"])
    page = context.new_page()
    try:
        open_rider(page, night_url, at=None)
        page.get_by_role("button", name="📍 定位").click()
        page.wait_for_function(f"() => decodeURIComponent(location.search).includes('at={red.x:.5f},{red.y:.5f}')")
        screenshot(page, "rider_phone_geolocated")
        parking = stations[stations.station_type == "parking"].iloc[-1].geometry
        context.set_geolocation({"latitude": parking.y, "longitude": parking.x})
        page.get_by_role("button", name="📍 定位").click()
        page.wait_for_function(f"() => decodeURIComponent(location.search).includes('at={parking.x:.5f},{parking.y:.5f}')")
    finally:
        context.close()


def test_a_refused_location_gets_a_clear_message(browser, night_url):
    context = phone(browser, night_url, [])
    page = context.new_page()
    try:
        open_rider(page, night_url, at=None)
        page.get_by_role("button", name="📍 定位").click()
        page.get_by_text(t("position_denied", "zh", instead=t("position_instead_rider", "zh"))).wait_for(timeout=20_000)
        screenshot(page, "rider_phone_location_refused")
    finally:
        context.close()


LAN_NAME = "gaohe.lan"


@pytest.fixture(scope="module")
def lan_certificate(tmp_path_factory):
    """A certificate for a LAN name, made by the project's own script."""
    folder = tmp_path_factory.mktemp("certs")
    subprocess.run(["bash", str(ROOT / "scripts" / "make-cert.sh"), LAN_NAME, "192.168.1.20"], check=True,
                   env={"CERT_DIR": str(folder), "PATH": "/usr/bin:/bin"}, capture_output=True)
    return folder / "server.pem", folder / "server.key"


@pytest.fixture(scope="module")
def https_url(lan_certificate):
    cert, key = lan_certificate
    yield from serve_app({"GAOHE_TEST_NOW": "2026-11-28T10:00"}, scheme="https",
                         extra_args=("--server.sslCertFile", str(cert), "--server.sslKeyFile", str(key)))


@pytest.fixture(scope="module")
def lan_browser(browser):
    """Chromium that resolves the LAN name to this machine: a name that is not "localhost", so
    the browser treats it as any intranet address (geolocation only over https)."""
    lan = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--host-resolver-rules=MAP {LAN_NAME} 127.0.0.1"])
    yield lan
    lan.close()


def test_over_https_on_a_lan_name_use_my_location_works(lan_browser, https_url):
    lan_url = https_url.replace("127.0.0.1", LAN_NAME)
    seat_lon, seat_lat = 116.82100, 30.74000
    context = phone(lan_browser, lan_url, [], ignore_https_errors=True, permissions=["geolocation"],
                    geolocation={"latitude": seat_lat, "longitude": seat_lon})
    page = context.new_page()
    try:
        open_rider(page, lan_url, at=None)
        assert page.evaluate("() => window.isSecureContext") is True
        page.get_by_role("button", name="📍 定位").click()
        page.wait_for_function(f"() => decodeURIComponent(location.search).includes('at={seat_lon:.5f},{seat_lat:.5f}')")
        page.wait_for_function(ANSWER_SHOWN_JS, timeout=20_000)
        screenshot(page, "rider_phone_https_lan_located")
    finally:
        context.close()


def test_over_plain_http_on_a_lan_name_the_page_says_https_is_needed(lan_browser, night_url):
    lan_url = night_url.replace("127.0.0.1", LAN_NAME)
    context = phone(lan_browser, lan_url, [], permissions=["geolocation"],
                    geolocation={"latitude": SEAT[1], "longitude": SEAT[0]})
    page = context.new_page()
    try:
        open_rider(page, lan_url, at=None)
        assert page.evaluate("() => window.isSecureContext") is False
        page.get_by_role("button", name="📍 定位").click()
        page.get_by_text(t("position_insecure", "zh", instead=t("position_instead_rider", "zh"))).wait_for(timeout=20_000)
    finally:
        context.close()
