"""The gap-analysis page in a real browser, offline: a what-if station added by a tap changes
the figures; the map explains itself (legend, sites described); exports download without a rerun."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from conftest import MAP_FRAME, map_frame, screenshot, settle, wait_for_app_idle

pytestmark = pytest.mark.browser

MAP_BUILT_JS = "() => window.map && window.map._loaded && document.querySelectorAll('.gh-pick').length > 0"


#: The nearest spot around a point where a tap reaches the map itself (not a marker or control).
FREE_SPOT_JS = """(p) => {
  for (const r of [22, 30, 40, 55, 70]) for (let a = 0; a < 360; a += 30) {
    const x = p.x + r * Math.cos(a * Math.PI / 180), y = p.y + r * Math.sin(a * Math.PI / 180);
    const el = document.elementFromPoint(x, y);
    if (el && !el.closest('.leaflet-marker-icon, .leaflet-control')) return {x, y};
  }
  return null;
}"""


def metric(page, label: str) -> str:
    block = page.locator('[data-testid="stMetric"]', has_text=label).first
    return block.locator('[data-testid="stMetricValue"]').inner_text()


def test_a_tapped_what_if_station_raises_scenario_coverage(desktop_page, app_url):
    page = desktop_page
    page.goto(app_url + "/gaps")
    _, frame = map_frame(page, MAP_BUILT_JS, timeout_ms=90_000)
    before = metric(page, "方案覆盖")
    legend = frame.inner_text(".gh-legend")
    assert "推荐新站(数字 = 顺序)" in legend and "可达性:每 100 需求单位可用站位" in legend
    screenshot(page, "gaps_recommendations")
    frame = page.query_selector(MAP_FRAME).content_frame()
    # tap on the first recommended site: a station there must add coverage
    point = frame.evaluate(
        "() => { const m = [...Object.values(window.map._layers)].find(l => l.getLatLng && l.options.icon"
        " && String(l.options.icon.options.html).includes('★1'));"
        " return window.map.latLngToContainerPoint(m.getLatLng()); }"
    )
    # beside the marker, where no marker or control is: a tap on a marker is not a tap on the map
    free = frame.evaluate(FREE_SPOT_JS, point)
    iframe = page.locator(MAP_FRAME)
    iframe.scroll_into_view_if_needed()
    box = iframe.bounding_box()
    page.mouse.click(box["x"] + free["x"], box["y"] + free["y"])
    page.wait_for_function(
        "(before) => { const m = [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
        ".find(e => e.innerText.includes('方案覆盖')); return m && !m.innerText.includes(before); }",
        arg=before, timeout=90_000,
    )
    wait_for_app_idle(page)
    after = metric(page, "方案覆盖")
    assert float(after.rstrip("%")) > float(before.rstrip("%"))
    _, frame = map_frame(page, "() => window.map && document.querySelectorAll('.gh-whatif').length === 1")
    assert "假设新增站点" in frame.inner_text(".gh-legend")
    screenshot(page, "gaps_after_whatif")


def test_sites_are_described_and_exported_in_the_chosen_datum_without_a_rerun(desktop_page, app_url):
    page = desktop_page
    page.goto(app_url + "/gaps")
    map_frame(page, MAP_BUILT_JS, timeout_ms=90_000)
    table = page.locator('[data-testid="stDataFrame"]').first
    table.wait_for()
    page.locator(".st-key-gaps_export_datum").get_by_text("GCJ-02 (高德/腾讯)").click()
    settle(page)
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("button", name="推荐站址 CSV").click()
    sites = pd.read_csv(io.BytesIO(download_info.value.path().read_bytes()), encoding="utf-8-sig")
    assert list(sites["顺序"]) == [1, 2, 3] and set(sites["坐标系"]) == {"gcj02"}
    assert all(("以" in w or "方向" in w) and ("公里" in w or "米" in w) for w in sites["位置"])
    assert sites["新增覆盖需求"].dtype.kind in "if"
    assert not page.locator('[data-testid="stStatusWidget"]').count()
    screenshot(page, "gaps_exported")


def test_a_hostile_scenario_file_is_refused_in_chinese_and_nothing_runs(desktop_page, app_url, tmp_path):
    import json

    from geo.i18n import t

    page = desktop_page
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({
        "version": 1, "name": "<img src=x onerror=window.__pwn=1>",
        "added": [{"id": "NEW-01", "station_type": "red", "name_zh": "${window.__pwn=2}{{ 'JINJA' ~ 'RAN' }}",
                   "lon": "abc", "lat": 30.7}],
    }), encoding="utf-8")
    page.goto(app_url + "/gaps")
    map_frame(page, MAP_BUILT_JS, timeout_ms=60_000)
    expander = page.locator('[data-testid="stExpander"]', has_text=t("whatif_title", "zh"))
    expander.get_by_text(t("whatif_title", "zh")).click()
    expander.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(scenario))
    page.get_by_text("未载入该方案").wait_for(timeout=30_000)
    wait_for_app_idle(page)
    text = page.locator("body").inner_text()
    assert "坐标" in text and "Traceback" not in text and "/work/" not in text and "JINJARAN" not in text
    assert page.evaluate("() => window.__pwn") is None
    screenshot(page, "gaps_hostile_scenario_refused")
