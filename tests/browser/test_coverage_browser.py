"""The coverage page in a real browser, offline: radius change, demand upload, report download."""

from __future__ import annotations

import pytest
from conftest import SCREENSHOTS, choose_option, map_frame, screenshot, wait_for_app_idle

pytestmark = pytest.mark.browser

MAP_BUILT_JS = "() => window.map && window.map._loaded && document.querySelectorAll('path.leaflet-interactive').length > 5"


def share_covered(page) -> str:
    return page.locator('[data-testid="stMetricValue"]').first.inner_text()


def test_radius_change_upload_and_report(desktop_page, app_url, tmp_path):
    page = desktop_page
    page.goto(app_url + "/coverage")
    map_frame(page, MAP_BUILT_JS)
    # opened directly by URL (first visit of this server): still inside the app's router
    page.get_by_text("语言 / Language").wait_for()
    before = share_covered(page)
    screenshot(page, "coverage_area_500m")

    choose_option(page, page.get_by_role("combobox").first, "1 公里(工会户外劳动者驿站服务半径)")
    page.wait_for_function("(before) => document.querySelector('[data-testid=\"stMetricValue\"]').innerText !== before",
                           arg=before)
    assert float(share_covered(page).rstrip("%")) > float(before.rstrip("%"))

    demand = tmp_path / "riders_waiting.csv"
    demand.write_text("lon,lat,weight,label\n116.8236,30.7374,5,near the centre\n116.90,30.80,3,far north-east\n"
                      "116.8300,30.7420,2,east\n", encoding="utf-8")
    page.get_by_text("上传需求点(CSV/GeoJSON)").click()
    wait_for_app_idle(page)
    page.get_by_text("需求点文件:lon,lat[,weight][,label]").wait_for()  # the demand uploader is there
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').last.set_input_files(str(demand))
    page.get_by_text("到最近站点中位距离").wait_for(timeout=30_000)
    wait_for_app_idle(page)
    map_frame(page, MAP_BUILT_JS)
    # 5 + 2 of 10 weight units are within 1 km of a station; the far point is not
    assert share_covered(page) == "70.0%"
    screenshot(page, "coverage_uploaded_demand")

    page.get_by_role("button", name="生成一页报告").click()
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("button", name="一页报告 PNG").click()
    path = tmp_path / "report.png"
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"\x89PNG")
    screenshot(page, "coverage_report_ready")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "coverage_report_download.png").write_bytes(path.read_bytes())


def test_a_bad_demand_file_is_reported(desktop_page, app_url, tmp_path):
    page = desktop_page
    page.goto(app_url + "/coverage")
    map_frame(page, MAP_BUILT_JS)
    bad = tmp_path / "bad.csv"
    bad.write_text("lon,lat\n116.82,30.73\nnot,a number\n", encoding="utf-8")
    page.get_by_text("上传需求点(CSV/GeoJSON)").click()
    wait_for_app_idle(page)
    page.get_by_text("需求点文件:lon,lat[,weight][,label]").wait_for()  # the demand uploader is there
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').last.set_input_files(str(bad))
    page.get_by_text("文件有问题,未使用").wait_for(timeout=30_000)
    assert "第 3 行" in page.locator('[data-testid="stText"]').first.inner_text()
