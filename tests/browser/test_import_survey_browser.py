"""Real positions in, tried as their users would: a planner imports the town's own sheet (only
名称, 经度, 纬度, 地址, coordinates from Amap) on the data page; a surveyor on a 390x844 phone,
geolocation granted at a chosen point, verifies the nearest station and sees the overview's
count rise. Everything runs offline in Chromium; screenshots go to test-results/screenshots/."""

from __future__ import annotations

import json
import re

import pytest
from conftest import DESKTOP, PHONE, _open_context, choose_option, map_frame, screenshot, wait_for_app_idle
from openpyxl import Workbook
from pyproj import Geod

from geo.i18n import t
from geo.place.datum import convert, wgs84_to_gcj02
from geo.register.geojson import load_stations
from geo.register.store import StationStore, summary_text
from geo.register.survey import stations_to_verify

pytestmark = pytest.mark.browser
GEOD = Geod(ellps="WGS84")
#: English that must not appear on the Chinese pages (message fragments of the import and survey).
WAITING = t("position_waiting", "zh")
ENGLISH_FRAGMENTS = ("row ", "field '", "left out", "station", "position", "needs a", "verified", "Import")


def sign_in(page) -> None:
    page.get_by_label("用户名").fill("wang")
    page.get_by_label("密码").fill("secret-pw")
    page.get_by_role("button", name="登录编辑").click()
    page.get_by_text("已登录:wang").wait_for(timeout=30_000)


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def test_a_planner_imports_the_towns_sheet(browser, editable_app, tmp_path):
    url, register = editable_app
    true_positions = {"骑龙社区党群驿站": (116.8215, 30.7362), "金星 社区党群驿站": (116.8300, 30.7440),
                      "陶亭党群驿站": (116.8340, 30.7330)}
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["名称", "经度", "纬度", "地址"])
    for name, lonlat in true_positions.items():
        sheet.append([name, *(round(float(v), 6) for v in wgs84_to_gcj02(*lonlat)), f"{name[:2]}路 8 号"])
    sheet.append(["金塘社区党群驿站", None, None, "金塘路 2 号"])
    sheet.append(["坏坐标驿站", "116.8x", "30.73", ""])
    path = tmp_path / "高河镇党群驿站名单.xlsx"
    workbook.save(path)

    context = _open_context(browser, url, DESKTOP, [])
    page = context.new_page()
    try:
        page.goto(url + "/data")
        sign_in(page)
        page.get_by_role("tab", name="导入").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
        page.get_by_text("第 2 步:逐行预览").wait_for(timeout=60_000)
        wait_for_app_idle(page)
        # the sheet has no type column: the new station's name says it is a 党群驿站
        page.get_by_text("更新 3 个、新增 1 个").wait_for(timeout=30_000)
        wait_for_app_idle(page)
        assert page.get_by_role("tab", name="导入").get_attribute("aria-selected") == "true"  # the upload kept the tab
        page.set_viewport_size({"width": DESKTOP["width"], "height": 2600})  # the whole preview in one picture
        wait_for_app_idle(page)
        screenshot(page, "import_preview")
        page.set_viewport_size(DESKTOP)
        text = main_text(page)
        assert "待定位" in text and "金塘社区党群驿站" in text  # the address-only row comes in, listed
        assert not any(fragment in text for fragment in ENGLISH_FRAGMENTS), [f for f in ENGLISH_FRAGMENTS if f in text]

        # one bad row: importing the others is an explicit choice
        apply = page.get_by_role("button", name="导入这 4 行")
        assert apply.is_disabled()
        page.get_by_text("只导入可导入的 4 行").click()
        wait_for_app_idle(page)
        page.get_by_role("button", name="导入这 4 行").click()
        page.get_by_text("已导入:新增 1 个、更新 3 个").wait_for(timeout=30_000)
        wait_for_app_idle(page)
        # still on the import tab, with the row left out and why
        assert page.get_by_role("tab", name="导入").get_attribute("aria-selected") == "true"
        page.get_by_text("有 1 行未导入").wait_for(timeout=30_000)
        screenshot(page, "import_applied")
    finally:
        context.close()

    stations = load_stations(register).set_index("id")
    for station_id, lonlat in zip(("PM-01", "PM-02", "PM-03"), true_positions.values()):
        point = stations.at[station_id, "geometry"]
        assert GEOD.inv(point.x, point.y, *lonlat)[2] < 0.5
    assert stations.at["PM-08", "name_zh"] == "金塘社区党群驿站"
    assert stations.at["PM-08", "location_status"] == "needs_position"
    entry = StationStore(register).changes()[0]
    assert entry["user"] == "wang" and entry["added"] == ["PM-08"] and "未导入 1 行" in summary_text(entry, "zh")


def test_a_surveyor_verifies_the_nearest_station_on_a_phone(browser, editable_app):
    url, register = editable_app
    stations = load_stations(register)
    target = stations.set_index("id").loc["RS-03"].geometry
    standing_at = {"longitude": target.x + 0.0004, "latitude": target.y + 0.0002}  # ~45 m from the recorded point
    assert stations_to_verify(stations, standing_at["longitude"], standing_at["latitude"])["id"].iloc[0] == "RS-03"
    off_m = GEOD.inv(target.x, target.y, standing_at["longitude"], standing_at["latitude"])[2]
    before = sum(stations["location_status"] == "verified")

    blocked: list[str] = []
    context = _open_context(browser, url, PHONE, blocked)
    context.grant_permissions(["geolocation"], origin=url)
    context.set_geolocation({**standing_at, "accuracy": 45})
    page = context.new_page()
    try:
        page.goto(url + "/survey")
        sign_in(page)
        wait_for_app_idle(page)
        page.get_by_role("button", name="📍 我在这里(按距离排序)").click()
        page.wait_for_function("() => /\\d+ m · RS-03/.test(document.querySelector('[data-testid=stSelectbox] input')?.value || '')",
                               timeout=60_000)
        screenshot(page, "survey_phone_nearest_first")
        page.get_by_text(WAITING).wait_for(state="detached")

        # a poor fix (±45 m) asks to wait or to give a reason
        wait_for_app_idle(page)
        page.get_by_role("button", name="✅ 我正站在它门口").click()
        page.get_by_text("精度 ±45 米").first.wait_for(timeout=60_000)
        page.get_by_text("比 30 米差").wait_for()
        page.get_by_label("原因(如:室内信号差,已对照门牌)").wait_for()
        screenshot(page, "survey_phone_poor_fix")
        page.get_by_text(WAITING).wait_for(state="detached")  # the phone has answered: no longer said to wait
        context.set_geolocation({**standing_at, "accuracy": 8})
        wait_for_app_idle(page)
        page.get_by_role("button", name="重新定位").click()
        page.get_by_text("精度 ±8 米").first.wait_for(timeout=60_000)
        page.get_by_text("比 30 米差").wait_for(state="detached")  # a good fix needs no reason
        page.get_by_text(f"原登记位置偏差 {off_m:.0f} m").wait_for()
        _, frame = map_frame(page, ready_js="() => window.map && document.querySelectorAll('.gh-icon-rider').length > 0")

        page.get_by_label("开放时间(如 8:00-20:00、周一至周五 8:30-17:30、全天)").fill("周一至周日 8:00-21:00")
        page.get_by_text("开放时间已当面确认").click()
        page.get_by_label("电话").fill("0556-5212345")
        screenshot(page, "survey_phone_form")
        page.get_by_role("button", name="标记为已核实").click()
        page.get_by_text("已核实(记录人 wang,gps ±8 m)").wait_for(timeout=30_000)
        wait_for_app_idle(page)
        page.get_by_label("开放时间(如 8:00-20:00、周一至周五 8:30-17:30、全天)").wait_for(state="detached")
        page.locator('[data-testid="stMain"]').evaluate("el => el.scrollTo(0, 0)")
        screenshot(page, "survey_phone_verified")
        height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
        print(f"survey page height on a 390x844 phone after verifying: {height} px")

        page.goto(url)
        page.get_by_text(f"已核实 {before + 1} / {len(stations)}").wait_for(timeout=60_000)
        page.get_by_text("红色驿站 1/6").wait_for()
        map_frame(page)
        page.get_by_text(f"已核实 {before + 1} / {len(stations)}").scroll_into_view_if_needed()
        screenshot(page, "overview_phone_progress")
    except Exception:
        screenshot(page, "FAILED_survey_phone")
        raise
    finally:
        context.close()

    station = load_stations(register).set_index("id").loc["RS-03"]
    assert GEOD.inv(station.geometry.x, station.geometry.y, standing_at["longitude"], standing_at["latitude"])[2] < 0.5
    assert (station.location_status, station.verification_method, station.opening_hours, station.hours_status,
            station.phone) == ("verified", "gps ±8 m", "Mo-Su 08:00-21:00", "verified", "0556-5212345")
    entry = StationStore(register).changes()[0]
    assert entry["user"] == "wang" and "RS-03" in entry["changed"]
    assert "wang" not in json.dumps(station.drop("geometry").to_dict(), ensure_ascii=False, default=str)
    assert not blocked or all("tile" in u for u in blocked), blocked


@pytest.fixture(scope="module")
def twins_app(tmp_path_factory):
    """The app on a register in which two stations share a name (NS-01 is renamed like PM-01)."""
    from conftest import ROOT, serve_app

    from geo.auth import hash_password

    register = tmp_path_factory.mktemp("twins") / "stations.geojson"
    doc = json.loads((ROOT / "data" / "stations.geojson").read_text(encoding="utf-8"))
    for feature in doc["features"]:
        if feature["properties"]["id"] == "NS-01":
            feature["properties"]["name_zh"] = "骑龙社区 党群驿站"
    register.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    env = {"GAOHE_STATIONS": str(register), "GAOHE_EDITORS": f"wang:{hash_password('secret-pw', iterations=1000)}"}
    for url in serve_app(env):
        yield url, register


def test_an_ambiguous_name_is_chosen_by_the_planner_in_english(browser, twins_app, tmp_path):
    url, register = twins_app
    sheet = tmp_path / "list.csv"
    sheet.write_bytes("名称,经度,纬度\n骑龙社区党群驿站,116.8265,30.7391\n".encode("gbk"))
    context = _open_context(browser, url, DESKTOP, [])
    page = context.new_page()
    try:
        page.goto(url + "/data?lang=en")
        page.get_by_label("User", exact=True).fill("wang")
        page.get_by_label("Password", exact=True).fill("secret-pw")
        page.get_by_role("button", name="Sign in to edit").click()
        page.get_by_text("Signed in as wang").wait_for(timeout=30_000)
        page.get_by_role("tab", name="Import").click()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(sheet))
        page.get_by_text("Read 1 data rows, encoding GBK (GB18030).").wait_for(timeout=60_000)
        page.get_by_text("1 row(s) to choose").wait_for(timeout=30_000)
        screenshot(page, "import_choose_en")
        choose_option(page, page.get_by_role("combobox", name=re.compile(r"^Row 2 .*骑龙社区党群驿站")), "PM-01 骑龙社区党群驿站 (100)")
        page.get_by_text("1 to update, 0 new").wait_for(timeout=30_000)
        wait_for_app_idle(page)
        page.get_by_role("button", name="Import all 1 rows").click()
        page.get_by_text("Imported: 0 new, 1 updated").wait_for(timeout=30_000)
    except Exception:
        screenshot(page, "FAILED_import_choose_en")
        raise
    finally:
        context.close()
    moved = load_stations(register).set_index("id").at["PM-01", "geometry"]
    # the datum offered first for a sheet whose headers do not name one is GCJ-02 (Amap's pickers)
    expected = convert(116.8265, 30.7391, source="gcj02", target="wgs84")
    assert GEOD.inv(moved.x, moved.y, *expected)[2] < 0.5
