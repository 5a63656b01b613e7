"""The rider page on a phone, offline: tap the map, see the list change, filter, locate."""

from __future__ import annotations

import pytest
from conftest import MAP_FRAME, PHONE, _open_context, choose_option, map_frame, screenshot

from geo.register import load_stations

pytestmark = pytest.mark.browser

MAP_BUILT_JS = "() => window.map && window.map._loaded"
RESULTS_JS = "() => window.map && document.querySelectorAll('.gh-rank').length > 0"


def tap_map(page, lon: float, lat: float) -> None:
    """A real tap on the map at a WGS-84 point (the OSM basemap is WGS-84)."""
    iframe = page.locator(MAP_FRAME)
    iframe.scroll_into_view_if_needed()
    frame = page.query_selector(MAP_FRAME).content_frame()
    point = frame.evaluate(f"() => window.map.latLngToContainerPoint([{lat}, {lon}])")
    box = iframe.bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def result_titles(page) -> list[str]:
    page.wait_for_selector("text=/^1\\. /")
    return [t.strip() for t in page.locator("strong").all_inner_texts() if t[:1].isdigit()]


def test_tapping_the_map_lists_the_nearest_and_a_filter_narrows_them(phone_page, app_url):
    page = phone_page
    page.goto(app_url + "/rider")
    map_frame(page, MAP_BUILT_JS)
    stations = load_stations()
    hub = stations[stations.station_type == "hub"].iloc[0].geometry
    tap_map(page, hub.x + 0.0003, hub.y + 0.0003)
    map_frame(page, RESULTS_JS)
    first = result_titles(page)
    assert len(first) == 3 and "at=" in page.url
    # somewhere else in view: near the south-west corner of what the map now shows
    _, frame = map_frame(page, RESULTS_JS)
    corner = frame.evaluate(
        "() => { const b = window.map.getBounds(), sw = b.getSouthWest(), ne = b.getNorthEast();"
        " return [sw.lng + 0.12 * (ne.lng - sw.lng), sw.lat + 0.15 * (ne.lat - sw.lat)]; }"
    )
    tap_map(page, *corner)
    page.wait_for_function("(before) => !document.body.innerText.includes(before)", arg=first[0])
    second = result_titles(page)
    assert second != first

    page.get_by_text("筛选:设施、开放时间、数量、底图").click()
    page.get_by_text("只看现在开放的").click()  # off: the filter test must not depend on the clock
    choose_option(page, page.get_by_role("combobox").first, "🩺 血压计")
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.body.innerText.includes('小区党群服务站') || "
                           "document.body.innerText.includes('红色驿站')")
    page.wait_for_timeout(1500)
    titles = result_titles(page)
    assert titles and all("红色驿站" in title for title in titles)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    page.locator("strong").first.scroll_into_view_if_needed()
    screenshot(page, "rider_phone_results")
    page.locator(MAP_FRAME).scroll_into_view_if_needed()
    screenshot(page, "rider_phone_map")


def assert_url_at(page, lon: float, lat: float) -> None:
    page.wait_for_function(f"() => decodeURIComponent(location.search).includes('at={lon:.5f},{lat:.5f}')")


def test_the_phone_location_is_used_when_the_rider_allows_it(browser, app_url, blocked_requests):
    stations = load_stations()
    red = stations[stations.station_type == "red"].iloc[0].geometry
    context = _open_context(browser, app_url, PHONE, blocked_requests)
    context.grant_permissions(["geolocation"], origin=app_url)
    context.set_geolocation({"latitude": red.y, "longitude": red.x})
    page = context.new_page()
    try:
        page.goto(app_url + "/rider")
        map_frame(page, MAP_BUILT_JS)
        page.get_by_text("📍 使用我的位置").click()
        map_frame(page, RESULTS_JS)
        assert_url_at(page, red.x, red.y)
        screenshot(page, "rider_phone_geolocated")
        # the rider moves and asks again: the new position is used, not the first answer
        parking = stations[stations.station_type == "parking"].iloc[-1].geometry
        context.set_geolocation({"latitude": parking.y, "longitude": parking.x})
        page.get_by_text("📍 使用我的位置").click()
        page.wait_for_function(f"() => decodeURIComponent(location.search).includes('at={parking.x:.5f},{parking.y:.5f}')")
    finally:
        context.close()


def test_a_refused_location_gets_a_clear_message(phone_page, app_url):
    phone_page.goto(app_url + "/rider")
    map_frame(phone_page, MAP_BUILT_JS)
    phone_page.get_by_text("📍 使用我的位置").click()
    phone_page.get_by_text("无法获取定位").wait_for(timeout=20_000)
