"""The data page in a real browser: sign in, an import with a bad row (nothing saved unless the
planner chooses to import the good rows), a position fixed by a map click, a restore; and a
hostile station name shown as text."""

from __future__ import annotations

import json
import time

import pytest
from conftest import DESKTOP, MAP_FRAME, ROOT, _open_context, map_frame, screenshot, serve_app, wait_for_app_idle

from geo.register.geojson import load_stations
from geo.register.store import StationStore, diff_stations

pytestmark = pytest.mark.browser


def test_sign_in_import_fix_and_restore(browser, editable_app, tmp_path):
    url, register = editable_app
    context = _open_context(browser, url, DESKTOP, [])
    page = context.new_page()
    try:
        page.goto(url + "/data")
        page.get_by_label("用户名").fill("wang")
        page.get_by_label("密码").fill("secret-pw")
        page.get_by_role("button", name="登录编辑").click()
        page.get_by_text("已登录:wang").wait_for()

        # an import with a bad row: every problem listed, nothing stored
        before = register.read_bytes()
        bad = tmp_path / "bad.csv"
        bad.write_text("编号,名称,经度,纬度\nRS-01,改名药房,116.83,30.74\nRS-02,坏坐标,abc,30.7\n", encoding="utf-8")
        page.get_by_role("tab", name="导入").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(bad))
        page.get_by_text("待选择 0 行,有问题 1 行").wait_for(timeout=30_000)  # row 3's coordinates
        assert page.get_by_role("button", name="导入这 1 行").is_disabled()  # partial import is a choice
        assert register.read_bytes() == before
        screenshot(page, "data_import_bad_row")

        # fix a position by clicking the map next to the station
        page.get_by_role("tab", name="修正位置").click()
        _, frame = map_frame(page)
        point = frame.evaluate("() => window.map.latLngToContainerPoint(window.map.getCenter())")
        box = page.locator(MAP_FRAME).bounding_box()
        page.mouse.click(box["x"] + point["x"] + 60, box["y"] + point["y"] + 40)
        page.get_by_text("新位置(WGS-84)").wait_for(timeout=30_000)
        wait_for_app_idle(page)
        page.get_by_role("button", name="保存").first.click()
        page.get_by_text("已保存,并留有备份。").wait_for(timeout=30_000)
        first_id = load_stations(ROOT / "data" / "stations.geojson")["id"].iloc[0]
        assert StationStore(register).changes()[0]["changed"][first_id] == ["geometry"]
        screenshot(page, "data_position_fixed")

        # restore the version before the fix
        wait_for_app_idle(page)
        page.get_by_role("tab", name="历史与恢复").click()
        page.get_by_role("button", name="恢复此版本").click()
        deadline = time.monotonic() + 30
        while len(StationStore(register).changes()) < 2:
            if time.monotonic() > deadline:
                screenshot(page, "DEBUG_restore")
                pytest.fail(f"no restore was logged; on screen: {page.locator('[data-testid=stAlert]').all_inner_texts()}")
            page.wait_for_timeout(200)
        original = tmp_path / "original.geojson"
        original.write_bytes(before)
        assert diff_stations(load_stations(original), load_stations(register)) == {"added": [], "removed": [], "changed": {}}
        screenshot(page, "data_restored")
    finally:
        context.close()


def test_a_register_with_a_hostile_name_is_refused_with_the_name_shown_as_text(browser, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    register = folder / "stations.geojson"
    doc = json.loads((ROOT / "data" / "stations.geojson").read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["name_zh"] = "<img src=x onerror=\"document.title='pwned'\">"
    doc["features"][1]["properties"]["address"] = "${window.__pwn=1}"
    register.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    for url in serve_app({"GAOHE_STATIONS": str(register)}):
        context = _open_context(browser, url, DESKTOP, [])
        page = context.new_page()
        try:
            page.goto(url)
            page.get_by_text("站点数据文件有问题").wait_for(timeout=60_000)
            listing = page.locator('[data-testid="stText"]').first.inner_text()
            assert "第 1 个要素" in listing and "name_zh" in listing and "<i" in listing
            assert "第 2 个要素" in listing and "address" in listing and "${" in listing
            assert page.evaluate("() => document.querySelectorAll('img[src=x]').length") == 0
            assert page.title() != "pwned" and page.evaluate("() => window.__pwn") is None
            screenshot(page, "register_with_hostile_name_refused")
        finally:
            context.close()
