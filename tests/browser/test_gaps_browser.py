"""The gap-analysis page in a real browser, offline: a what-if station added by a tap changes
the figures."""

from __future__ import annotations

import pytest
from conftest import MAP_FRAME, map_frame, screenshot, wait_for_app_idle

pytestmark = pytest.mark.browser

MAP_BUILT_JS = "() => window.map && window.map._loaded && document.querySelectorAll('.gh-pick').length > 0"


def metric(page, label: str) -> str:
    block = page.locator('[data-testid="stMetric"]', has_text=label).first
    return block.locator('[data-testid="stMetricValue"]').inner_text()


def test_a_tapped_what_if_station_raises_scenario_coverage(desktop_page, app_url):
    page = desktop_page
    page.goto(app_url + "/gaps")
    map_frame(page, MAP_BUILT_JS, timeout_ms=60_000)
    before = metric(page, "方案覆盖")
    screenshot(page, "gaps_recommendations")
    frame = page.query_selector(MAP_FRAME).content_frame()
    # tap on the first recommended site: a station there must add coverage
    point = frame.evaluate(
        "() => { const m = [...Object.values(window.map._layers)].find(l => l.getLatLng && l.options.icon"
        " && String(l.options.icon.options.html).includes('★1'));"
        " return window.map.latLngToContainerPoint(m.getLatLng()); }"
    )
    iframe = page.locator(MAP_FRAME)
    iframe.scroll_into_view_if_needed()
    box = iframe.bounding_box()
    # beside the marker: a tap on a marker is not a tap on the map
    page.mouse.click(box["x"] + point["x"] + 22, box["y"] + point["y"])
    page.wait_for_function(
        "(before) => { const m = [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
        ".find(e => e.innerText.includes('方案覆盖')); return m && !m.innerText.includes(before); }",
        arg=before, timeout=60_000,
    )
    wait_for_app_idle(page)
    after = metric(page, "方案覆盖")
    assert float(after.rstrip("%")) > float(before.rstrip("%"))
    _, frame = map_frame(page, "() => window.map && document.querySelectorAll('.gh-whatif').length === 1")
    screenshot(page, "gaps_after_whatif")


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
