"""The overview page in a real browser, offline: every station drawn, basemap and language switch."""

from __future__ import annotations

import pytest
from conftest import map_frame, screenshot, wait_for_app_idle

from geo.place.datum import wgs84_to_gcj02
from geo.register.geojson import load_stations
from geo.register.model import StationType

#: Counts the station markers of each type on the map: individual markers plus the children of
#: each cluster, read from Leaflet's own layers (independent of what is on screen).
COUNT_BY_TYPE_JS = """
() => {
  const counts = {};
  document.querySelectorAll('.gh-marker').forEach(el => {
    if (el.closest('.gh-legend')) return;
    const type = [...el.classList].find(c => c.startsWith('gh-type-')).slice(8);
    counts[type] = (counts[type] || 0) + 1;
  });
  document.querySelectorAll('.gh-cluster').forEach(el => {
    const type = [...el.classList].find(c => c.startsWith('gh-cluster-')).slice(11);
    counts[type] = (counts[type] || 0) + parseInt(el.textContent, 10);
  });
  return counts;
}
"""


pytestmark = pytest.mark.browser


def expected_counts() -> dict[str, int]:
    stations = load_stations()
    return {t.value: int((stations.station_type == t.value).sum()) for t in StationType}


def test_every_station_is_drawn_with_no_network(desktop_page, app_url, blocked_requests):
    desktop_page.goto(app_url)
    _, frame = map_frame(desktop_page)
    counts = frame.evaluate(COUNT_BY_TYPE_JS)
    assert counts == expected_counts()
    legend = frame.inner_text(".gh-legend")
    assert "党群驿站 (7)" in legend and "红色驿站 (6)" in legend
    desktop_page.get_by_text("位置待核实").first.wait_for()
    screenshot(desktop_page, "overview_desktop_zh")
    # nothing the map needs came from outside: only tiles were refused, those of the default
    # basemap of a deployment that configured none (Amap: servers in China, none abroad)
    assert all("autonavi.com" in url for url in blocked_requests), blocked_requests


def test_a_popup_shows_the_station_and_its_status(desktop_page, app_url):
    desktop_page.goto(app_url)
    _, frame = map_frame(desktop_page)
    # the map runs below the fold here: a press must not scroll the page (Leaflet's focus on the
    # first press did, so the release landed on another marker and no popup opened)
    frame.click(".gh-type-red >> nth=0")
    popup = frame.wait_for_selector(".gh-popup")
    desktop_page.wait_for_timeout(600)  # let the popup finish fading in before the screenshot
    text = popup.inner_text()
    assert "人民医保药房红色驿站" in text
    assert "位置待核实" in text
    assert "血压计" in text and "微波炉" in text
    assert ("营业中" in text) or ("已关闭" in text)
    screenshot(desktop_page, "overview_popup_zh")


def test_amap_basemap_moves_markers_to_gcj02(desktop_page, app_url, blocked_requests):
    desktop_page.goto(app_url)
    map_frame(desktop_page)
    desktop_page.get_by_text("无底图(离线,仅县界)").click()  # WGS-84 first
    wait_for_app_idle(desktop_page)
    _, frame = map_frame(desktop_page, "() => window.map && document.querySelectorAll('.leaflet-marker-icon').length > 0"
                                       " && document.querySelectorAll('.leaflet-tile').length === 0")
    first = frame.evaluate(HUB_LATLNG_JS)
    desktop_page.get_by_text("高德地图(GCJ-02)").click()
    wait_for_app_idle(desktop_page)
    _, frame = map_frame(desktop_page, "() => window.map && document.querySelectorAll('.leaflet-marker-icon').length > 0"
                                       " && document.querySelectorAll('.leaflet-tile').length > 0")
    shifted = frame.evaluate(HUB_LATLNG_JS)
    expected_lon, expected_lat = wgs84_to_gcj02(first[1], first[0])
    assert shifted == pytest.approx([expected_lat, expected_lon], abs=1e-6)
    assert any("autonavi.com" in url for url in blocked_requests)
    screenshot(desktop_page, "overview_amap_offline")


HUB_LATLNG_JS = """
() => {
  for (const layer of Object.values(window.map._layers)) {
    if (layer.getLatLng && layer.options.icon && String(layer.options.icon.options.html).includes('gh-type-hub')) {
      const ll = layer.getLatLng(); return [ll.lat, ll.lng];
    }
  }
  return null;
}
"""


def test_english_switch_and_phone_layout(phone_page, app_url):
    phone_page.goto(app_url + "/?lang=en")
    _, frame = map_frame(phone_page)
    phone_page.get_by_text("Position unverified").first.wait_for()
    legend = frame.inner_text(".gh-legend")
    assert "Party-mass station (7)" in legend
    width = phone_page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(phone_page, "overview_phone_en")


def test_the_offline_basemap_shows_every_station_and_the_county(desktop_page, app_url, blocked_requests):
    desktop_page.goto(app_url)
    map_frame(desktop_page)
    desktop_page.get_by_text("无底图(离线,仅县界)").click()
    wait_for_app_idle(desktop_page)
    _, frame = map_frame(desktop_page, "() => window.map && document.querySelectorAll('.leaflet-marker-icon').length > 0"
                                       " && document.querySelectorAll('.leaflet-tile').length === 0")
    assert frame.evaluate(COUNT_BY_TYPE_JS) == expected_counts()
    assert frame.evaluate("() => document.querySelectorAll('.leaflet-tile').length") == 0
    assert frame.evaluate("() => document.querySelectorAll('path.leaflet-interactive').length") >= 1
    frame.evaluate("() => window.map.setZoom(10)")  # zoom out until the county outline is in view
    desktop_page.wait_for_timeout(800)
    screenshot(desktop_page, "overview_offline_county")


def test_the_language_switch_in_the_sidebar(desktop_page, app_url):
    desktop_page.goto(app_url)
    map_frame(desktop_page)
    desktop_page.get_by_text("English", exact=True).click()
    desktop_page.get_by_role("heading", name="Gaohe Station Map").wait_for()
    map_frame(desktop_page, "() => window.map && document.querySelector('.gh-legend')?.innerText.includes('Legend')")
    assert "lang=en" in desktop_page.url
    screenshot(desktop_page, "overview_desktop_en")
