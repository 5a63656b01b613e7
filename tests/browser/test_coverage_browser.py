"""The coverage page in a real browser, offline: radius change, a planner's GBK demand file with
a 人数 column, numeric exports and the report downloaded without rerunning anything."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from conftest import SCREENSHOTS, choose_option, map_frame, screenshot, settle, wait_for_app_idle

pytestmark = pytest.mark.browser

MAP_BUILT_JS = "() => window.map && window.map._loaded && document.querySelectorAll('path.leaflet-interactive').length > 5"


def share_covered(page) -> str:
    return page.locator('[data-testid="stMetricValue"]').first.inner_text()


def upload_demand(page, path) -> None:
    page.get_by_text("上传需求点(CSV/GeoJSON)").click()
    wait_for_app_idle(page)
    page.get_by_text("需求点文件:经度,纬度[,权重列][,名称]").wait_for()  # the demand uploader is there
    page.locator(".st-key-coverage_demand input[type=file]").set_input_files(str(path))


def test_radius_change_upload_with_weights_and_downloads(desktop_page, app_url, tmp_path):
    page = desktop_page
    page.goto(app_url + "/coverage")
    map_frame(page, MAP_BUILT_JS, timeout_ms=90_000)
    page.get_by_text("语言 / Language").wait_for()
    before = share_covered(page)
    _, frame = map_frame(page, MAP_BUILT_JS, timeout_ms=90_000)
    legend = frame.inner_text(".gh-legend")
    # the default radius is 1 km (the trade unions' standard): classes are multiples of it
    assert "到最近站点距离" in legend and "≤ 500 m" in legend and "红色驿站 (6)" in legend
    screenshot(page, "coverage_area_1km")

    choose_option(page, page.get_by_role("combobox").first, "步行 500 米(10 分钟生活圈)")
    page.wait_for_function("(before) => document.querySelector('[data-testid=\"stMetricValue\"]').innerText !== before",
                           arg=before)
    assert float(share_covered(page).rstrip("%")) < float(before.rstrip("%"))
    choose_option(page, page.get_by_role("combobox").first, "1 公里(工会户外劳动者驿站服务半径)")
    page.wait_for_function("(before) => document.querySelector('[data-testid=\"stMetricValue\"]').innerText === before",
                           arg=before)

    # as Chinese Excel saves it: GBK, Chinese headers, a 人数 column
    demand = tmp_path / "骑手等单点.csv"
    demand.write_bytes("经度,纬度,人数,备注\n116.8236,30.7374,5,中心\n116.90,30.80,3,东北远处\n116.8300,30.7420,2,东\n"
                       .encode("gbk"))
    upload_demand(page, demand)
    page.get_by_text("到最近站点中位距离").wait_for(timeout=60_000)
    settle(page)
    map_frame(page, MAP_BUILT_JS, timeout_ms=90_000)
    # 5 + 2 of 10 people are within 1 km of a station; the far point is not
    assert share_covered(page) == "70.0%"
    page.get_by_text("已读取 3 个点(GBK (GB18030))").wait_for()
    assert page.locator(".st-key-coverage_demand").get_by_text("上传文件").count() >= 0
    screenshot(page, "coverage_uploaded_demand")

    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("button", name="统计表 CSV").click()
    table = pd.read_csv(io.BytesIO(download_info.value.path().read_bytes()), encoding="utf-8-sig")
    assert table["覆盖比例(0–1)"].iloc[0] == pytest.approx(0.7)
    assert table["需求来源"].iloc[0] == "上传文件 骑手等单点.csv(3 个点,权重列:人数)"
    assert table["服务半径(米)"].iloc[0] == 1000
    # the download did not rerun the page
    assert not page.locator('[data-testid="stStatusWidget"]').count()

    with page.expect_download(timeout=120_000) as download_info:
        page.get_by_role("button", name="一页报告 PNG").click()
    path = tmp_path / "report.png"
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"\x89PNG")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "coverage_report_download.png").write_bytes(path.read_bytes())


def test_a_bad_demand_file_is_reported_in_chinese(desktop_page, app_url, tmp_path):
    page = desktop_page
    page.goto(app_url + "/coverage")
    map_frame(page, MAP_BUILT_JS, timeout_ms=90_000)
    bad = tmp_path / "bad.csv"
    bad.write_text("lon,lat\n116.82,30.73\nnot,a number\n", encoding="utf-8")
    upload_demand(page, bad)
    page.get_by_text("文件有问题,未使用").wait_for(timeout=30_000)
    assert "第 3 行" in page.locator('[data-testid="stText"]').first.inner_text()
