"""The light rider page /m on a 390x844 phone in Chromium, every outside request refused: the
answer in the HTML before any script, the script's cards the same as the server's, a tap, 定位,
place search, filters that mean "any of", navigation links, night, English, one-tap feedback,
offline after a first visit (from the cached register, within a metre of the server, saying
"离线 · 数据更新于 …"), hostile names, and no position in the server's log.

The servers' clocks are fixed with GAOHE_TEST_NOW, so answers do not depend on when this runs.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest
from conftest import PHONE, ROOT, BlockedRequests, screenshot

from geo.i18n import t
from geo.place.datum import wgs84_to_gcj02
from geo.register.geojson import load_stations

pytestmark = pytest.mark.browser

SEAT = (116.8236, 30.7374)
#: A position no test uses elsewhere, to look for in the server's log.
SECRET_SPOT = (116.81357, 30.72468)
MAP_READY = "() => document.body.classList.contains('map-ready')"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(env: dict[str, str], log: Path):
    """The app as scripts/run-app.sh starts it (serve.py), its output kept in ``log``."""
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/ready", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                os.killpg(process.pid, signal.SIGKILL)
                pytest.fail(f"the app did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.5)
    yield url
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def tile_folder(tmp_path_factory):
    from tile_fixtures import write_folder

    return write_folder(tmp_path_factory.mktemp("tiles") / "gaohe")


def _database_env(folder: Path) -> dict[str, str]:
    return {"GAOHE_DATABASE_URL": f"sqlite:///{folder / 'reports.sqlite3'}", "GAOHE_REPORT_PHOTOS": str(folder / "photos")}


@pytest.fixture(scope="module")
def day(tile_folder, tmp_path_factory):
    """Saturday 10:00, the app's own tiles: ``(url, log, report database folder)``."""
    folder = tmp_path_factory.mktemp("day")
    log = folder / "server.log"
    env = {"GAOHE_TEST_NOW": "2026-11-28T10:00", "GAOHE_TILES": str(tile_folder), "GAOHE_BASEMAPS": "local,none",
           **_database_env(folder)}
    for url in serve(env, log):
        yield url, log, folder


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    """Saturday 23:30, nothing configured (Amap tiles, which cannot load here)."""
    folder = tmp_path_factory.mktemp("night")
    log = folder / "server.log"
    for url in serve({"GAOHE_TEST_NOW": "2026-11-28T23:30", **_database_env(folder)}, log):
        yield url, log, folder


def phone(browser, url: str, blocked: list, *, locale: str = "zh-CN", **options):
    context = browser.new_context(viewport=PHONE, locale=locale, timezone_id="Asia/Shanghai", is_mobile=True,
                                  has_touch=True, **options)

    def route(route):
        if route.request.url.startswith((url, "data:", "blob:", "about:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    return context


def open_m(page, url: str, query: str = "?at=116.8236,30.7374") -> None:
    page.goto(f"{url}/m{query}")
    page.wait_for_function(MAP_READY, timeout=60_000)


def card_titles(page) -> list[str]:
    """"1. 党群驿站 04" of each card (without its type badge)."""
    return page.evaluate("() => Array.from(document.querySelectorAll('#answer .card h3'))"
                         ".map(h => h.firstChild.textContent.trim())")


def api(page, path: str):
    return page.evaluate("(path) => fetch(path).then(r => r.json())", path)


# --- the first answer -----------------------------------------------------------------------------


def test_the_answer_is_in_the_html_before_any_script_runs(browser, night):
    url = night[0]
    blocked = BlockedRequests()
    context = phone(browser, url, blocked, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{url}/m?at=116.8236,30.7374")
        alert = page.get_by_role("alert").first
        assert "现在没有开放的歇脚驿站。" in alert.inner_text()
        assert "最早开放:党群驿站 04,明天 08:00" in alert.inner_text()
        titles = card_titles(page)
        assert len(titles) == 3 and all(re.match(r"\d\. 外卖车辆临时停放点", title) for title in titles)
        nav = page.locator("#answer a.nav").first.bounding_box()
        assert nav["y"] + nav["height"] <= PHONE["height"]  # the first way there is on the first screen
        assert page.locator("#answer a.nav").first.get_attribute("href").startswith("https://uri.amap.com/navigation?")
        # with no script, the search and the filters are forms that still work
        page.fill("#q", "火车站")
        page.locator("#where button[type=submit]").click()
        page.get_by_role("link", name="安庆西站").click()
        assert "at=116.854220%2C30.673470" in page.url and len(card_titles(page)) == 3
        screenshot(page, "m_phone_no_script")
    finally:
        context.close()


def test_on_a_phone_the_map_comes_first_and_the_page_is_light(browser, day):
    url = day[0]
    blocked = BlockedRequests()
    context = phone(browser, url, blocked)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes: dict[str, int] = {}
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    try:
        open_m(page, url)
        page.wait_for_function("() => document.querySelectorAll('img.leaflet-tile-loaded').length > 3")
        page.wait_for_load_state("networkidle")
        map_box = page.locator("#map").bounding_box()
        assert map_box["y"] < 60 and map_box["height"] <= PHONE["height"] / 2
        nav = page.locator("#answer a.nav").first.bounding_box()
        assert map_box["y"] + map_box["height"] < nav["y"] and nav["y"] + nav["height"] <= PHONE["height"]
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        assert page.evaluate("() => document.documentElement.lang") == "zh-CN"
        # every tile came from the app itself; the whole first load (tiles, the kept register, the
        # service worker's copies included) is far under the 300 KB budget
        sources = page.evaluate("() => Array.from(document.querySelectorAll('img.leaflet-tile-loaded')).map(i => i.src)")
        assert sources and all(src.startswith(f"{url}/tiles/") for src in sources)
        assert sum(sizes.values()) < 300_000, sum(sizes.values())
        page.get_by_text("筛选与设置").click()  # the folded settings count too
        small = page.evaluate("""() => Array.from(document.querySelectorAll(
                 'a.btn, button, summary, input[type=search], #filters label, .leaflet-bar a'))
                 .filter(e => e.getBoundingClientRect().height > 0)
                 .filter(e => e.getBoundingClientRect().height < 44 || e.getBoundingClientRect().width < 44)
                 .map(e => e.innerText || e.tagName)""")
        assert not small, small
        names = page.evaluate("() => Array.from(document.querySelectorAll('.leaflet-marker-icon [role=img]'))"
                              ".map(m => m.getAttribute('aria-label'))")
        assert names and all(names) and "您在这里" in names
        page.get_by_text("筛选与设置").click()
        page.evaluate("() => window.scrollTo(0, 0)")
        screenshot(page, "m_phone_first_screen")
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        screenshot(page, "m_phone_bottom")
    finally:
        context.close()
    assert not blocked, blocked[:3]


def test_the_script_makes_the_same_cards_as_the_server(browser, day):
    url = day[0]
    context = phone(browser, url, [])
    page = context.new_page()
    try:
        for query in ("?at=116.8236,30.7374", "?at=116.8405,30.7301&amenity=hot_water&amenity=charger&k=5",
                      "?at=116.80,30.70&mode=parking&lang=en"):
            open_m(page, url, query)
            server = page.inner_text("#answer")
            page.evaluate("() => new Promise(done => window.ghPage.rerender(done))")
            assert page.inner_text("#answer") == server
    finally:
        context.close()


# --- where the rider is ------------------------------------------------------------------------------


def test_a_tap_answers_there_without_reloading_the_page(browser, day):
    url = day[0]
    context = phone(browser, url, [])
    page = context.new_page()
    try:
        open_m(page, url)
        page.evaluate("() => { window.__same_page = true; }")
        before = card_titles(page)
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + 0.15 * box["width"], box["y"] + 0.85 * box["height"])
        page.wait_for_function("(before) => location.search.indexOf('at=116.8236') < 0", arg=before)
        page.wait_for_function("(before) => Array.from(document.querySelectorAll('#answer .card h3'))"
                               ".map(h => h.firstChild.textContent.trim()).join('|') !== before.join('|')", arg=before)
        assert page.evaluate("() => window.__same_page === true")
        lon, lat = (float(v) for v in re.search(r"at=([-0-9.]+)%2C([-0-9.]+)", page.url).groups())
        expected = api(page, f"/api/v1/rider?lon={lon}&lat={lat}")
        assert card_titles(page) == [f"{r['rank']}. {r['name_zh']}" for r in expected["results"] or expected["open_now"]]
        screenshot(page, "m_phone_after_tap")
    finally:
        context.close()


def test_locate_uses_the_phones_position_and_a_refusal_is_explained(browser, night):
    url = night[0]
    stations = load_stations()
    red = stations[stations.station_type == "red"].iloc[0].geometry
    context = phone(browser, url, [], geolocation={"latitude": red.y, "longitude": red.x}, permissions=["geolocation"])
    page = context.new_page()
    try:
        open_m(page, url, "")
        assert page.get_by_text("点地图、按 📍 定位或搜地点,设定您的位置。").is_visible()
        page.get_by_role("button", name="📍 定位").click()
        page.wait_for_function(f"() => decodeURIComponent(location.search).includes('at={red.x:.6f},{red.y:.6f}')")
        page.wait_for_function("() => document.querySelectorAll('#answer .card').length === 3")
        screenshot(page, "m_phone_located")
    finally:
        context.close()
    refused = phone(browser, url, [])
    page = refused.new_page()
    try:
        open_m(page, url, "")
        page.get_by_role("button", name="📍 定位").click()
        page.get_by_text(t("position_denied", "zh", instead=t("position_instead_rider", "zh"))).wait_for()
    finally:
        refused.close()


def test_a_place_search_sets_the_position_and_says_so(browser, night):
    url = night[0]
    context = phone(browser, url, [])
    page = context.new_page()
    try:
        open_m(page, url)
        before = page.url
        page.fill("#q", "abc")
        page.press("#q", "Enter")
        page.get_by_text("没找到“abc”。换个说法,或直接点地图。").wait_for()
        assert page.url == before
        page.fill("#q", "火车站")
        page.press("#q", "Enter")
        page.get_by_role("button", name="安庆西站").click()
        page.get_by_text("您的位置已设为:安庆西站").wait_for()
        page.wait_for_function("() => decodeURIComponent(location.search).includes('at=116.854220,30.673470')")
    finally:
        context.close()


# --- filters and navigation ----------------------------------------------------------------------------


def test_several_amenities_mean_any_of_them_and_the_page_says_so(browser, day):
    url = day[0]
    stations = load_stations().set_index("id")
    context = phone(browser, url, [])
    page = context.new_page()
    try:
        open_m(page, url)
        page.get_by_text("筛选与设置").click()
        assert page.get_by_text("选了几样设施时,具备其中任何一样的驿站都会列出。").is_visible()
        page.get_by_label("♨️ 热水").check()
        page.get_by_label("📚 学习角").check()
        page.get_by_label("10", exact=True).check()
        screenshot(page, "m_phone_filters")
        page.get_by_role("button", name="按这些条件查找").click()
        page.wait_for_function("() => document.querySelectorAll('#answer .card').length === 10")
        assert "amenity=hot_water" in page.url and "amenity=study_corner" in page.url
        ids = page.evaluate("() => Array.from(document.querySelectorAll('#answer .card')).map(c => c.dataset.id)")
        have = [set(stations.loc[i, "amenities"]) for i in ids]
        assert all(h & {"hot_water", "study_corner"} for h in have)
        assert any("hot_water" in h for h in have) and any("study_corner" in h for h in have)  # either, not both
    finally:
        context.close()


def test_navigation_links_hand_off_in_each_apps_datum_and_the_choice_is_kept(browser, day):
    url = day[0]
    context = phone(browser, url, [])
    page = context.new_page()
    try:
        open_m(page, url)
        first = page.evaluate("() => window.ghPage.answer().results[0]")
        amap = page.locator("#answer a.nav").first.get_attribute("href")
        gcj = wgs84_to_gcj02(first["lon"], first["lat"])
        assert f"to={gcj[0]:.6f},{gcj[1]:.6f}," in amap and "116.8236" not in amap  # no rider position to Amap
        page.get_by_text("筛选与设置").click()
        page.get_by_label("百度地图", exact=True).check()
        page.get_by_role("button", name="按这些条件查找").click()
        page.wait_for_function("() => document.querySelector('#answer a.nav').href.indexOf('api.map.baidu.com') > 0")
        baidu = page.locator("#answer a.nav").first.get_attribute("href")
        assert f"destination=latlng:{first['lat']:.6f},{first['lon']:.6f}" in baidu and "origin=latlng:30.737400" in baidu
        assert "gaohe_nav=baidu" in page.evaluate("() => document.cookie")
        again = context.new_page()  # the next visit on this phone: the server writes Baidu links itself
        again.goto(f"{url}/m?at=116.8236,30.7374")
        assert again.locator("#answer a.nav").first.get_attribute("href").startswith("https://api.map.baidu.com/")
        page.locator("#answer details.more summary").first.click()
        geo = page.locator("#answer details.more a[href^='geo:']").first.get_attribute("href")
        assert geo.startswith(f"geo:{first['lat']:.6f},{first['lon']:.6f}?q=")
        screenshot(page, "m_phone_more")
    finally:
        context.close()


# --- night, English, one station -----------------------------------------------------------------------


def test_at_night_it_says_what_opens_first_and_the_tile_notice_hides_nothing(browser, night):
    url = night[0]
    blocked = BlockedRequests()
    context = phone(browser, url, blocked)
    page = context.new_page()
    try:
        open_m(page, url)
        alert = page.get_by_role("alert").first
        assert "最早开放:党群驿站 04,明天 08:00" in alert.inner_text()
        assert "时钟已固定为 2026-11-28 23:30" in page.inner_text("footer")
        page.wait_for_function("() => { const n = document.querySelector('.tiles-failed'); return n && !n.hidden; }")
        assert page.evaluate("() => +getComputedStyle(document.querySelector('.tiles-failed')).zIndex"
                             " < +getComputedStyle(document.querySelector('.leaflet-map-pane')).zIndex")
        screenshot(page, "m_phone_night")
        box = page.locator(".tiles-failed").bounding_box()  # a tap on the notice reaches the map
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_function("() => location.search.indexOf('at=116.8236') < 0")
    finally:
        context.close()
    assert blocked and all("autonavi.com" in u for u in blocked)


def test_the_english_page_writes_no_chinese_of_its_own(browser, night):
    url = night[0]
    context = phone(browser, url, [], locale="en-GB")
    page = context.new_page()
    try:
        open_m(page, url, "?at=116.8236,30.7374&lang=en")
        assert page.evaluate("() => document.documentElement.lang") == "en"
        assert "No rest stop is open now." in page.inner_text("#answer")
        # the switch to Chinese says 中文; the tile provider's attribution is its own (© 高德地图 AutoNavi)
        text = page.inner_text("body").replace("中文", "").replace(page.inner_text(".leaflet-control-attribution"), "")
        assert not re.findall(r"[\u4e00-\u9fff]+", text), re.findall(r"[\u4e00-\u9fff]+", text)[:5]
        screenshot(page, "m_phone_english")
    finally:
        context.close()


def test_one_tap_feedback_from_a_stations_page_is_filed(browser, night):
    url, _, folder = night
    context = phone(browser, url, [])
    page = context.new_page()
    try:
        open_m(page, url, "?station=PM-04")
        assert "党群驿站 04" in page.inner_text("#station") and "开放时间: 每天 8:00-20:00" in page.inner_text("#station")
        page.get_by_role("button", name="没开门").click()
        page.get_by_text(re.compile(r"已收到,谢谢!查询码 GH-[0-9A-Z]{4}-[0-9A-Z]{4}")).wait_for()
        first = page.inner_text("#fb-result")
        page.get_by_role("button", name="设施缺失").click()
        page.get_by_role("button", name="📚 学习角").click()  # what the register says it has
        page.wait_for_function("(first) => /GH-/.test(document.getElementById('fb-result').innerText) && "
                               "document.getElementById('fb-result').innerText !== first", arg=first, timeout=20_000)
        screenshot(page, "m_phone_station_feedback")
    finally:
        context.close()
    from geo.feedback.store import ReportStore

    store = ReportStore(f"sqlite:///{folder / 'reports.sqlite3'}", photos_dir=folder / "photos")
    rows = store.reports_frame()
    store.close()
    assert {("PM-04", "closed"), ("PM-04", "amenity_missing")} <= set(zip(rows["station_id"], rows["subject"]))
    assert set(rows.loc[rows.subject == "amenity_missing", "amenity"]) == {"study_corner"}


# --- offline ------------------------------------------------------------------------------------------------


def test_offline_after_a_first_visit_it_answers_from_the_kept_register(browser, night):
    url = night[0]
    context = phone(browser, url, [])
    page = context.new_page()
    try:
        open_m(page, url)
        page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null",
                               timeout=60_000)
        elsewhere = (116.8405, 30.7301)
        server = api(page, f"/api/v1/rider?lon={elsewhere[0]}&lat={elsewhere[1]}")
        context.set_offline(True)
        page.goto(f"{url}/m?at={elsewhere[0]},{elsewhere[1]}")
        page.wait_for_function("() => document.body.classList.contains('is-offline') && window.ghPage.answer()")
        assert page.inner_text("#status") == "离线 · 数据更新于 11-28 23:30"
        phone_answer = page.evaluate("() => window.ghPage.answer()")
        for part in ("results", "open_now"):
            mine, theirs = server[part] or [], phone_answer[part] or []
            assert [r["id"] for r in mine] == [r["id"] for r in theirs]
            assert all(abs(a["distance_m"] - b["distance_m"]) <= 1.0 for a, b in zip(mine, theirs))
        assert phone_answer["next_opening"]["id"] == server["next_opening"]["id"]
        assert len(card_titles(page)) == 3
        screenshot(page, "m_phone_offline")
        # a tap offline answers from the kept register too
        box = page.locator("#map").bounding_box()
        page.wait_for_function(MAP_READY)
        page.mouse.click(box["x"] + 0.2 * box["width"], box["y"] + 0.3 * box["height"])
        page.wait_for_function("() => location.search.indexOf('116.840500') < 0 && window.ghPage.answer()"
                               " && window.ghPage.answer().position.lon !== 116.8405")
        # a station's page and its feedback, kept until the network is back
        page.goto(f"{url}/m?station=PM-04")
        page.wait_for_selector("#station[data-id='PM-04']")
        page.get_by_role("button", name="没开门").click()
        page.get_by_text("现在离线:反馈已存在这部手机上,联网后自动发送。").wait_for()
        screenshot(page, "m_phone_offline_station")
        context.set_offline(False)
        page.get_by_text(re.compile("离线时存下的反馈已发送,查询码 GH-")).wait_for(timeout=30_000)
    finally:
        context.close()


def test_offline_in_english_too(browser, night):
    url = night[0]
    context = phone(browser, url, [], locale="en-GB")
    page = context.new_page()
    try:
        open_m(page, url, "?at=116.8236,30.7374&lang=en")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=60_000)
        context.set_offline(True)
        page.goto(f"{url}/m?at=116.8300,30.7420&lang=en")
        page.wait_for_function("() => document.body.classList.contains('is-offline') && window.ghPage.answer()")
        assert page.inner_text("#status") == "Offline · data updated 11-28 23:30"
        assert "No rest stop is open now." in page.inner_text("#answer")
        screenshot(page, "m_phone_offline_english")
    finally:
        context.close()


def test_slow_4g_paints_the_answer_from_the_html_before_the_map_script(browser, night):
    url = night[0]
    context = phone(browser, url, [])
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 150, "downloadThroughput": 200_000,
                                                  "uploadThroughput": 90_000})
    try:
        page.goto(f"{url}/m?at=116.8236,30.7374", wait_until="domcontentloaded")
        assert len(card_titles(page)) == 3  # in the HTML: nothing waits for Leaflet
        page.wait_for_function(MAP_READY, timeout=120_000)
        screenshot(page, "m_phone_slow_4g")
    finally:
        context.close()


# --- privacy and hostile text ----------------------------------------------------------------------------


def test_no_position_reaches_the_servers_log_and_a_local_forwarded_for_is_not_believed(browser, night):
    url, log, _ = night
    lon, lat = SECRET_SPOT
    context = phone(browser, url, [])
    page = context.new_page()
    try:
        open_m(page, url, f"?at={lon},{lat}")
        api(page, f"/api/v1/nearest?lon={lon}&lat={lat}")
        api(page, f"/api/v1/nearest?lon={lon}&lat=999")
        api(page, f"/api/v1/rider?lon={lon}&lat={lat}&k=abc")
    finally:
        context.close()
    # from this machine, X-Forwarded-For claims another address each time: it is one address still
    codes = []
    for n in range(35):
        request = urllib.request.Request(f"{url}/api/v1/feedback", data=b'{"station": "NS-03", "kind": "other"}',
                                         headers={"Content-Type": "application/json", "X-Forwarded-For": f"198.51.100.{n}"})
        try:
            with urllib.request.urlopen(request) as response:
                codes.append(response.status)
        except urllib.error.HTTPError as err:
            codes.append(err.code)
    assert codes.count(429) >= 5 and codes[-1] == 429  # the address limit (30 an hour) applies to all of them
    logged = log.read_text(errors="replace")
    assert f"{lon}"[:8] not in logged and f"{lat}"[:7] not in logged and "198.51.100" not in logged


@pytest.fixture
def hostile_server(monkeypatch):
    """/m and the API in this process (uvicorn in a thread) over a register whose every text field
    is hostile (as a register the validator refused could carry it)."""
    import uvicorn
    from starlette.applications import Starlette

    import web.api
    import web.mobile
    from geo.place.reference import load_communities
    from geo.rider.snapshot import RegisterSnapshot
    from tests.test_markup import CORPUS, TEXT_COLUMNS
    from web import web_routes

    stations = load_stations().head(len(CORPUS)).copy()
    for column in TEXT_COLUMNS:
        stations[column] = CORPUS[: len(stations)]
    snapshot = RegisterSnapshot(ROOT / "data" / "stations.geojson", "hostile0000000000", datetime(2026, 11, 28),
                                stations.reset_index(drop=True), load_communities())
    for module in (web.api, web.mobile):
        monkeypatch.setattr(module, "load_snapshot", lambda *a, **k: snapshot)
    monkeypatch.setattr(web.api, "_snapshot", lambda: snapshot)
    monkeypatch.setenv("GAOHE_TEST_NOW", "2026-11-28T10:00")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=web_routes()), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_hostile_names_are_shown_as_text_and_never_run(browser, hostile_server):
    from tests.hostile_text import EVALUATED_MARKERS, SERVER_MARKER_DIR

    url = hostile_server
    context = phone(browser, url, [])
    page = context.new_page()
    try:
        open_m(page, url, "?at=116.8236,30.7374&hours=any&k=10")
        page.locator("#answer details.more summary").first.click()
        page.evaluate("() => new Promise(done => window.ghPage.rerender(done))")  # the script's cards too
        for marker in page.locator(".leaflet-marker-icon").all()[:5]:
            marker.click(force=True)
        text = page.inner_text("body")
        assert "<script>window.__pwn=1</script>" in text
        assert page.evaluate("() => window.__pwn") is None
        assert not any(marker in text for marker in EVALUATED_MARKERS)
        assert not SERVER_MARKER_DIR.exists()
        screenshot(page, "m_phone_hostile_text")
    finally:
        context.close()
