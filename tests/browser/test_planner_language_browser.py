"""Language switches on the planner pages keep every choice visible, Streamlit's own texts are
Chinese on the Chinese page, and a downloaded map works offline from a file."""

from __future__ import annotations

import pytest
from conftest import map_frame, screenshot, settle, wait_for_app_idle

pytestmark = pytest.mark.browser

CHECKED_JS = """(key) => [...document.querySelectorAll('.st-key-' + key + ' input[type=radio]')]
    .filter(i => i.checked).map(i => i.closest('label').innerText.trim())"""


def checked(page, key: str) -> list[str]:
    return page.evaluate(CHECKED_JS, key)


def test_a_language_switch_keeps_every_radio_and_select_box_choice_visible(desktop_page, app_url):
    page = desktop_page
    page.goto(app_url + "/coverage")
    map_frame(page, "() => window.map && window.map._loaded", timeout_ms=90_000)
    page.get_by_text("演示需求点(合成数据)").click()
    wait_for_app_idle(page)
    page.locator(".st-key-coverage_radius").get_by_role("combobox").click()
    page.get_by_role("option", name="1 公里(工会户外劳动者驿站服务半径)").click()
    wait_for_app_idle(page)
    page.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Service coverage").wait_for()
    wait_for_app_idle(page)
    assert checked(page, "coverage_source") == ["Demo demand points (synthetic)"]
    assert page.locator(".st-key-coverage_radius input").input_value() == "1 km (trade unions' outdoor-worker station radius)"
    screenshot(page, "coverage_after_language_switch")
    page.get_by_text("中文", exact=True).click()
    page.get_by_role("heading", name="服务覆盖").wait_for()
    wait_for_app_idle(page)
    assert checked(page, "coverage_source") == ["演示需求点(合成数据)"]
    assert page.locator(".st-key-coverage_radius input").input_value() == "1 公里(工会户外劳动者驿站服务半径)"


def test_gap_page_radios_survive_a_language_switch(desktop_page, app_url):
    page = desktop_page
    page.goto(app_url + "/gaps")
    map_frame(page, "() => window.map && window.map._loaded", timeout_ms=90_000)
    page.locator(".st-key-gaps_method").get_by_text("快速预览(贪心,非最优)").click()
    wait_for_app_idle(page)
    page.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Gaps and new sites").wait_for()
    wait_for_app_idle(page)
    assert checked(page, "gaps_method") == ["Quick preview (greedy, not optimal)"]
    assert checked(page, "gaps_source") == ["Demo demand points (synthetic)"]
    assert checked(page, "gaps_candidates") == ["Hexagon centres of the study area"]
    assert checked(page, "gaps_export_datum") == ["WGS-84 (GPS/OSM)"]


def test_uploaders_speak_chinese_on_the_chinese_page(desktop_page, app_url):
    page = desktop_page
    page.goto(app_url + "/coverage")
    page.get_by_text("上传需求点(CSV/GeoJSON)").click()
    settle(page)
    uploader = page.locator(".st-key-coverage_demand")
    # the uploader's box appears before its instructions and button are rendered inside it
    instructions = uploader.locator("[data-testid='stFileUploaderDropzoneInstructions'] span").first
    button_label = uploader.locator("button [data-testid='stMarkdownContainer'] p").first
    instructions.wait_for()
    button_label.wait_for()
    after = "el => getComputedStyle(el, '::after').content"
    assert instructions.evaluate(after) == '"单个文件不超过 50 MB · CSV、GEOJSON、JSON"'
    assert button_label.evaluate(after) == '"上传文件"'
    # the English originals are there but take no room (font-size 0): nothing English is visible
    box = instructions.bounding_box()
    assert box and box["width"] > 100
    # Streamlit's Stop button (shown while a page runs) is given its Chinese text too
    assert page.evaluate("""() => [...document.styleSheets].some(sheet => { try {
        return [...sheet.cssRules].some(r => r.cssText.includes('stStatusWidget') && r.cssText.includes('停止')); }
        catch (e) { return false; } })""")
    screenshot(page, "coverage_uploader_zh")


def test_the_downloaded_map_works_from_a_file_with_no_network(browser, desktop_page, app_url, tmp_path):
    page = desktop_page
    page.goto(app_url + "/coverage")
    map_frame(page, "() => window.map && window.map._loaded", timeout_ms=90_000)
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("button", name="地图 HTML").click()
    path = tmp_path / "map.html"
    download_info.value.save_as(path)
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    refused: list[str] = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                  else (refused.append(route.request.url), route.abort()))
    offline = context.new_page()
    offline.goto(path.as_uri())
    offline.wait_for_function("() => window.L && document.querySelector('.leaflet-control-layers-toggle')")
    icon = offline.evaluate("() => getComputedStyle(document.querySelector('.leaflet-control-layers-toggle')).backgroundImage")
    assert icon.startswith('url("data:image/png;base64,')
    loaded = offline.evaluate("""(src) => new Promise(done => { const img = new Image();
        img.onload = () => done(img.width > 0); img.onerror = () => done(false); img.src = src; })""",
                              icon[5:-2])
    assert loaded
    assert offline.locator(".gh-legend").count() == 1 and "到最近站点距离" in offline.locator(".gh-legend").inner_text()
    assert all("tile" in url for url in refused), refused
    screenshot(offline, "coverage_map_standalone_offline")
    context.close()
