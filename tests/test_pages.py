"""Every page through Streamlit's AppTest (Python side; the browser tests see the rendering)."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from geo.analysis.nearest import nearest_stations
from geo.register.geojson import load_stations
from geo.register.model import StationType

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def run_app(**session) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in session.items():
        at.session_state[key] = value
    return at.run()


def map_args(at: AppTest) -> dict:
    (component,) = at.get("component_instance")
    return json.loads(component.proto.json_args)


def markers_by_type(at: AppTest) -> Counter:
    return Counter(re.findall(r"gh-icon gh-icon-(\w+)", map_args(at)["script"]))


@pytest.fixture(scope="module")
def stations():
    return load_stations()


def test_the_overview_shows_every_station_in_chinese(stations):
    at = run_app()
    assert not at.exception
    assert at.title[0].value == "高河驿站地图"
    assert "位置待核实" in at.warning[0].value
    assert markers_by_type(at) == Counter(stations["station_type"])
    by_type = at.dataframe[0].value
    assert list(by_type.columns) == ["类型", "数量", "位置待核实"]
    assert by_type.iloc[-1]["数量"] == len(stations)
    assert map_args(at)["returned_objects"] == []  # panning and zooming do not rerun


def test_the_overview_in_english(stations):
    at = run_app(lang="en")
    assert at.title[0].value == "Gaohe Station Map"
    assert "Position unverified" in at.warning[0].value
    assert "Party-mass station (7)" in map_args(at)["script"]
    by_community = at.dataframe[1].value
    assert "Qilong Community" in set(by_community["Village/community"])


def test_switching_the_language_radio_rerenders_in_english():
    at = run_app()
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Gaohe Station Map"


def test_the_type_filter_limits_markers_and_counts(stations):
    at = run_app()
    at.multiselect(key="overview_types").set_value(["red", "parking"]).run()
    expected = Counter(stations.loc[stations.station_type.isin(["red", "parking"]), "station_type"])
    assert markers_by_type(at) == expected
    assert at.dataframe[0].value.iloc[-1]["数量"] == sum(expected.values())


def test_no_type_chosen_says_so_and_shows_an_empty_map():
    at = run_app()
    at.multiselect(key="overview_types").set_value([]).run()
    assert at.info[0].value == "请至少选择一种站点类型。"
    assert markers_by_type(at) == Counter()


def test_the_amap_basemap_uses_amap_tiles():
    at = run_app()
    at.radio(key="overview_basemap").set_value("amap").run()
    assert "autonavi.com" in map_args(at)["script"]


def test_the_offline_basemap_has_no_tiles_and_every_station(stations):
    at = run_app()
    at.radio(key="overview_basemap").set_value("none").run()
    script = map_args(at)["script"]
    assert "tileLayer" not in script
    assert sum(markers_by_type(at).values()) == len(stations)


def test_a_broken_data_file_shows_every_problem_and_no_map(tmp_path, monkeypatch):
    doc = json.loads(Path(load_stations.__globals__["DEFAULT_STATIONS_PATH"]).read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["station_type"] = "cafe"
    doc["features"][1]["geometry"] = None
    path = tmp_path / "broken.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("GAOHE_STATIONS", str(path))
    at = run_app()
    assert "站点数据文件有问题" in at.error[0].value
    listing = at.text[0].value
    assert "第 1 个要素" in listing and "station_type" in listing and "第 2 个要素" in listing
    assert not at.get("component_instance")


@pytest.mark.parametrize("station_type", [t.value for t in StationType])
def test_each_type_alone_can_be_shown(station_type, stations):
    at = run_app(overview_types=[station_type])
    assert markers_by_type(at) == Counter({station_type: int((stations.station_type == station_type).sum())})


# --- rider page ----------------------------------------------------------------------------------

SEAT = "116.82360,30.73744"
SATURDAY_10 = "2026-11-28T10:00"
SATURDAY_2330 = "2026-11-28T23:30"


def run_rider(url_at: str | None = None, *, now: str = SATURDAY_10, monkeypatch=None, **session) -> AppTest:
    """The rider page, its clock fixed through the app's own setting (``GAOHE_TEST_NOW``)."""
    monkeypatch.setenv("GAOHE_TEST_NOW", now)
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("views/rider.py")
    if url_at:
        at.query_params["at"] = url_at
    for key, value in session.items():
        at.session_state[key] = value
    return at.run()


def result_names(at: AppTest) -> list[str]:
    """"1. name" of each answer card, in order."""
    names = []
    for m in at.markdown:
        found = re.match(r"\*\*(\d+)\\\. (.+?)\*\*", m.value)
        if found:
            names.append(f"{found.group(1)}. {found.group(2).replace(chr(92), '')}")
    return names


def nav_buttons(at: AppTest) -> list:
    return [b for b in at.get("link_button") if b.proto.type == "primary"]


def test_the_rider_page_without_a_position_asks_for_one(monkeypatch):
    at = run_rider(monkeypatch=monkeypatch)
    assert not at.exception
    assert "点地图、按 📍 定位或搜地点,设定您的位置。" in [i.value for i in at.info]
    assert map_args(at)["returned_objects"] == ["last_clicked"]


def test_a_position_in_the_url_gives_the_nearest_open_stations(stations, monkeypatch):
    at = run_rider(SEAT, monkeypatch=monkeypatch)
    saturday_10 = datetime(2026, 11, 28, 10, 0)
    expected = nearest_stations(
        stations, 116.8236, 30.73744, k=3, station_types=["hub", "party_mass", "red", "neighbourhood"], open_at=saturday_10
    )
    assert result_names(at) == [f"{r.rank}. {r.name_zh}" for r in expected.itertuples()]
    layers = map_args(at)["feature_group"]
    assert "gh-rank-1" in layers and "gh-rider" in layers


def test_each_card_has_one_navigation_button_that_says_the_position_is_unverified(monkeypatch):
    at = run_rider(SEAT, monkeypatch=monkeypatch)
    buttons = nav_buttons(at)
    assert [b.proto.label for b in buttons] == ["导航(位置待核实)"] * 3
    assert all(b.proto.url.startswith("https://uri.amap.com/navigation?") for b in buttons)
    # the overview banner uses the same words
    from geo.i18n import t

    assert "导航(位置待核实)" in t("unverified_banner", "zh")
    assert "Navigate (position unverified)" in t("unverified_banner", "en").replace('\\"', "")


def test_other_apps_coordinates_and_feedback_are_folded_into_each_card(monkeypatch):
    at = run_rider(SEAT, monkeypatch=monkeypatch)
    urls = [b.proto.url for b in at.get("link_button")]
    assert sum(u.startswith("https://api.map.baidu.com/direction?") for u in urls) == 3
    assert sum(u.startswith("geo:") for u in urls) == 3
    # feedback opens the report page in this tab (a new tab offline was a browser error page)
    feedback = [(b.proto.page, b.proto.query_string) for b in at.get("page_link") if b.proto.label == "反馈"]
    shown = nearest_stations(load_stations(), 116.8236, 30.73744, k=3, station_types=["hub", "party_mass", "red", "neighbourhood"],
                             open_at=datetime(2026, 11, 28, 10, 0))
    assert feedback == [("report", f"station={sid}") for sid in shown["id"]]
    details = " ".join(m.value for m in at.markdown if "电话" in m.value)
    assert details and "nan" not in details and "电话: 未知" in details  # no phone in the register: 未知, never nan
    assert "每天 8\\:00" in details and "Mo-Su" not in details  # hours as people write them, on the Chinese page
    assert not at.get("code")  # no code block: it pulls a 1.5 MB highlighter into the page
    assert any("WGS-84" in t.value and "GCJ-02" in t.value for t in at.text)


def test_the_preferred_app_is_used_for_the_one_button(monkeypatch):
    at = run_rider(SEAT, monkeypatch=monkeypatch, rider_nav_app="baidu")
    assert all(b.proto.url.startswith("https://api.map.baidu.com/direction?") for b in nav_buttons(at))
    at.radio(key="rider_nav_app_choice").set_value("geo").run()
    assert all(b.proto.url.startswith("geo:") for b in nav_buttons(at))


def test_the_parking_search_lists_only_parking_points(stations, monkeypatch):
    at = run_rider(SEAT, monkeypatch=monkeypatch, rider_mode="parking")
    names = result_names(at)
    parking = set(stations.loc[stations.station_type == "parking", "name_zh"])
    assert names and all(name.split(". ", 1)[1] in parking for name in names)


def test_an_amenity_filter_keeps_only_stations_that_have_it(stations, monkeypatch):
    at = run_rider(SEAT, monkeypatch=monkeypatch, rider_amenities=["bp_monitor"], rider_open_only=False)
    red = set(stations.loc[stations.station_type == "red", "name_zh"])
    names = result_names(at)
    assert len(names) == 3 and all(name.split(". ", 1)[1] in red for name in names)


def test_k_sets_how_many_results(monkeypatch):
    at = run_rider(SEAT, monkeypatch=monkeypatch, rider_k=5, rider_open_only=False)
    assert len(result_names(at)) == 5


def test_at_night_the_page_says_what_is_open_and_what_opens_first(stations, monkeypatch):
    at = run_rider(SEAT, now=SATURDAY_2330, monkeypatch=monkeypatch)
    (warning,) = at.warning
    assert "现在没有开放的歇脚驿站" in warning.value and "最早开放:党群驿站 04,明天 08:00" in warning.value
    names = [n.split(". ", 1)[1] for n in result_names(at)]
    parking = set(stations.loc[stations.station_type == "parking", "name_zh"])
    assert len(names) == 3 and set(names) <= parking  # open 24/7
    assert "电动车停放点全天开放" in warning.value
    assert any("时钟已固定为 2026-11-28 23:30" in c.value for c in at.caption)


def test_a_filter_that_excludes_everything_is_named(monkeypatch):
    at = run_rider(SEAT, monkeypatch=monkeypatch, rider_amenities=["toilet", "wifi"], rider_open_only=False)
    assert any("没有歇脚驿站具备其中任何一项" in w.value and "厕所" in w.value and "无线网络" in w.value for w in at.warning)
    assert result_names(at)  # and still an answer: what is open now


def test_typing_a_place_offers_it_and_a_tap_sets_the_position_and_says_so(monkeypatch):
    at = run_rider(monkeypatch=monkeypatch)
    at.text_input(key="rider_place_query").input("qilong").run()
    assert at.session_state["rider_lonlat"] is None  # offered, not moved
    at.button(key="rider_place_0").click().run()
    assert at.session_state["rider_lonlat"] is not None and at.query_params["at"]
    assert any("您的位置已设为:骑龙社区" in s.value for s in at.success)
    assert result_names(at)


@pytest.mark.parametrize("query", ["xyzzy", "abc", "医院"])
def test_a_place_that_matches_nothing_well_says_not_found_and_does_not_move(query, monkeypatch):
    at = run_rider(SEAT, monkeypatch=monkeypatch)
    at.text_input(key="rider_place_query").input(query).run()
    assert any(i.value.startswith("没找到") and query in i.value for i in at.info)
    assert at.session_state["rider_lonlat"] == (116.8236, 30.73744)


def test_the_rider_page_in_english_has_no_chinese_notes(monkeypatch):
    at = run_rider(SEAT, monkeypatch=monkeypatch, lang="en", rider_open_only=False)
    assert any("🛵" in m.value and "min" in m.value for m in at.markdown)
    notes = [c.value for c in at.caption] + [i.value for i in at.info] + [w.value for w in at.warning]
    han = re.compile("[\u4e00-\u9fff]")
    # station names are data; every note the page writes itself is English
    assert not [n for n in notes if han.search(n)]


def test_the_basemap_is_the_deployers_and_said_on_the_page(monkeypatch, tmp_path):
    monkeypatch.setenv("GAOHE_BASEMAPS", "none")
    at = run_rider(SEAT, monkeypatch=monkeypatch)
    assert not at.get("radio") or "rider_basemap" not in [r.key for r in at.radio]
    assert any("底图:无底图" in c.value for c in at.caption)
    assert "tile.openstreetmap.org" not in map_args(at)["script"]


def test_roads_from_the_config_rank_the_answer_and_say_so(monkeypatch, tmp_path):
    from road_fixtures import RIDER, write_geojson, write_register

    register = write_register(tmp_path / "stations.geojson")
    monkeypatch.setenv("GAOHE_STATIONS", str(register))
    monkeypatch.setenv("GAOHE_ROADS", str(write_geojson(tmp_path / "roads.geojson")))
    monkeypatch.setenv("GAOHE_CACHE_DIR", str(tmp_path / "cache"))
    at = run_rider(f"{RIDER[0]:.5f},{RIDER[1]:.5f}", monkeypatch=monkeypatch)
    assert [n.split(". ")[1] for n in result_names(at)] == ["同岸驿站", "对岸驿站"]
    assert all("按路网" in m.value for m in at.markdown if re.match(r"\*\*\d", m.value))
    assert any("路程按路网计算(roads.geojson)" in c.value.replace("\\", "") for c in at.caption)


def test_a_bad_position_in_the_url_is_ignored(monkeypatch):
    at = run_rider("north,pole", monkeypatch=monkeypatch)
    assert not at.exception
    assert "点地图、按 📍 定位或搜地点,设定您的位置。" in [i.value for i in at.info]


# --- coverage page -------------------------------------------------------------------------------


def run_coverage(**session) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("views/coverage.py")
    for key, value in session.items():
        at.session_state[key] = value
    return at.run()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_area_coverage_figures_match_the_library(stations):
    from geo.analysis.coverage import area_coverage, default_study_area
    from geo.place.reference import load_county_boundary

    at = run_coverage(coverage_radius="walk_500")
    assert not at.exception
    table = area_coverage(stations, default_study_area(stations, load_county_boundary()), 500.0).set_index("group")
    assert metrics(at)["覆盖比例"] == f"{table.loc['all', 'share_covered']:.1%}"
    assert metrics(at)["被 2 个及以上覆盖"] == f"{table.loc['2+', 'share_covered']:.1%}"
    assert "需求:研究区面积(无需求点);服务半径:500 米。" in [c.value for c in at.caption]


def test_the_default_study_area_is_the_town_extent_said_approximate_with_its_surface(stations):
    import shapely

    from geo.analysis.coverage import default_study_area
    from geo.analysis.coverage_result import geodesic_area_km2
    from geo.place.reference import load_county_boundary
    from geo.register.model import TOWN_EXTENT_LONLAT

    at = run_coverage()
    assert not at.exception
    note = next(c.value for c in at.caption if c.value.startswith("研究区(默认)"))
    west, south, east, north = TOWN_EXTENT_LONLAT
    assert "近似" in note and f"{west:.3f}" in note and f"{north:.3f}" in note
    area = default_study_area(stations, load_county_boundary())
    # the oracle: the BRIEF's box (where the county has it) is inside the area, measured by pyproj
    town = shapely.box(*TOWN_EXTENT_LONLAT).intersection(load_county_boundary().union_all())
    assert area.union_all().buffer(1e-7).contains(town)
    km2 = geodesic_area_km2(area)
    assert f"共 {km2:,.1f} 平方公里" in note and metrics(at)["研究区面积"] == f"{km2:,.1f} km²"
    assert "服务半径:1,000 米" in " ".join(c.value for c in at.caption)  # the 1 km default, as on the gap page


def test_changing_the_radius_changes_the_figures():
    at = run_coverage(coverage_radius="walk_500")
    before = metrics(at)["覆盖比例"]
    at.selectbox(key="coverage_radius").set_value("union_1km").run()
    after = metrics(at)["覆盖比例"]
    assert float(after.rstrip("%")) > float(before.rstrip("%"))


def test_demo_demand_is_labelled_synthetic_and_measured_weighted(stations):
    from geo.analysis.coverage import cover_points
    from geo.analysis.demand import load_demand

    at = run_coverage(coverage_source="demo", coverage_radius="walk_500")
    assert any("合成数据" in w.value for w in at.warning)
    demand = load_demand(Path(APP).parent / "data" / "demo_demand_synthetic.csv")
    coverage = cover_points(stations, demand.lon, demand.lat, 500.0)
    weight = demand.weight
    assert metrics(at)["覆盖比例"] == f"{weight[coverage.covered].sum() / weight.sum():.1%}"
    # the median person: every point repeated as often as its weight says
    repeated = np.sort(np.repeat(coverage.nearest_m, weight.astype(int)))
    assert metrics(at)["到最近站点中位距离"] == f"{np.median(repeated):,.0f} 米"


def test_per_type_radii_change_the_figures():
    at = run_coverage()
    before = metrics(at)["覆盖比例"]
    at = run_coverage(coverage_per_type=True, coverage_radius_neighbourhood=0.0, coverage_radius_parking=0.0)
    assert float(metrics(at)["覆盖比例"].rstrip("%")) < float(before.rstrip("%"))


def test_every_export_is_offered_as_a_download_made_on_click():
    at = run_coverage(coverage_source="demo")
    buttons = at.get("download_button")
    assert [b.label for b in buttons] == ["统计表 CSV", "统计表 Excel", "地图 HTML", "一页报告 PNG", "一页报告 PDF"]
    assert all(b.proto.ignore_rerun for b in buttons)  # a download never reruns the page


def test_the_coverage_page_in_english():
    at = run_coverage(lang="en")
    assert at.title[0].value == "Service coverage"
    assert "Share covered" in metrics(at)


# --- gap analysis page ---------------------------------------------------------------------------


def run_gaps(**session) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page("views/gaps.py")
    for key, value in session.items():
        at.session_state[key] = value
    return at.run()


def test_gap_analysis_recommends_the_optimal_sites_described_for_people(stations):
    from geo.analysis.coverage import DEFAULT_HEX_RESOLUTION, default_study_area, hex_grid
    from geo.analysis.demand import load_demand
    from geo.analysis.siting import build_coverage_matrix, solve_mclp
    from geo.place.reference import load_county_boundary

    at = run_gaps()
    assert not at.exception
    demand = load_demand(Path(APP).parent / "data" / "demo_demand_synthetic.csv")
    grid = hex_grid(default_study_area(stations, load_county_boundary()), DEFAULT_HEX_RESOLUTION)
    expected = solve_mclp(build_coverage_matrix(demand.lon, demand.lat, demand.weight, grid.lon, grid.lat, 1000.0,
                                                existing=stations), 3)
    assert metrics(at)["加上推荐新站"] == f"{expected.covered_share:.1%}"
    recommended, details = at.dataframe[0].value, at.dataframe[1].value
    assert list(details["站址"]) == [grid.cell.iloc[j] for j in expected.chosen]  # the H3 id only as a detail
    assert all(re.search(r"(以[东南西北]|方向)约 [\d.,]+ (公里|米)$", where) for where in recommended["位置"])
    assert any("合成数据" in w.value for w in at.warning)


def test_a_what_if_station_changes_the_scenario_figures():
    from geo.analysis.scenario import Scenario

    at = run_gaps()
    before = metrics(at)["方案覆盖"]
    scenario = Scenario()
    scenario.add_station(116.805342, 30.727916, "red")  # where the optimum puts its first pick
    at = run_gaps(gaps_scenario=scenario)
    assert float(metrics(at)["方案覆盖"].rstrip("%")) > float(before.rstrip("%"))


def test_the_fewest_stations_for_the_suggested_target_is_answered_and_kept():
    at = run_gaps()
    target = at.number_input(key="gaps_target").value
    assert target <= float(metrics(at)["候选点全建的上限"].rstrip("%"))  # a target that can be reached
    at.button(key="gaps_lscp").click().run()
    assert at.success and f"{target / 100:.0%}" in at.success[0].value
    at.run()  # any later rerun keeps the answer
    assert at.success


def test_an_unreachable_target_says_so_in_chinese():
    # candidates cover the whole default study area; at 100 m their centres miss most of each hexagon
    at = run_gaps(gaps_target=99.0, gaps_radius=100.0)
    assert float(metrics(at)["候选点全建的上限"].rstrip("%")) < 99.0
    at.button(key="gaps_lscp").click().run()
    assert "达不到目标 99%" in at.warning[-1].value.replace("\\", "")  # markdown-escaped


# --- data stewardship page -----------------------------------------------------------------------


def run_data(**session) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page("views/data.py")
    for key, value in session.items():
        at.session_state[key] = value
    return at.run()


def test_without_editors_editing_is_off_and_says_how_to_enable_it(monkeypatch):
    monkeypatch.delenv("GAOHE_EDITORS", raising=False)
    at = run_data()
    assert not at.exception
    assert "GAOHE_EDITORS" in at.info[0].value
    assert not at.get("button") or all(b.key != "data_fix_save" for b in at.button)


def test_sign_in_with_a_wrong_then_the_right_password(editable_register):
    at = run_data()
    at.text_input(key="data_user").input("wang")
    at.text_input(key="data_password").input("wrong")
    at.button[0].click().run()
    assert "用户名或密码不对。" in [e.value for e in at.error]
    at.text_input(key="data_user").input("wang")
    at.text_input(key="data_password").input("secret-pw")
    at.button[0].click().run()
    assert at.success[0].value == "已登录:wang"


def test_after_repeated_wrong_passwords_the_page_says_when_to_retry(editable_register):
    at = run_data()
    for attempt in range(6):
        at.text_input(key="data_user").input("wang")
        at.text_input(key="data_password").input(f"wrong {attempt}")
        at.button[0].click().run()
    at.text_input(key="data_user").input("wang")
    at.text_input(key="data_password").input("secret-pw")
    at.button[0].click().run()
    assert not at.success
    assert any("秒后再试" in e.value for e in at.error)


def test_a_pasted_gcj02_position_is_saved_in_wgs84_verified_and_logged(editable_register):
    from geo.place.datum import wgs84_to_gcj02
    from geo.register.store import StationStore

    x, y = wgs84_to_gcj02(116.8301, 30.7402)
    at = run_data(editor="wang", data_fix_station="RS-02")
    at.text_input(key="data_fix_paste").input(f"{x},{y}").run()
    at.checkbox(key="data_fix_verified").check().run()
    at.button(key="data_fix_save").click().run()
    assert not at.exception and "已保存" in at.success[-1].value
    saved = load_stations(editable_register).set_index("id").loc["RS-02"]
    assert saved.location_status == "verified"
    assert (saved.geometry.x, saved.geometry.y) == pytest.approx((116.8301, 30.7402), abs=1e-6)
    (entry,) = StationStore(editable_register).changes()
    assert entry["user"] == "wang" and set(entry["changed"]["RS-02"]) >= {"geometry", "location_status"}


def test_a_save_against_a_changed_file_is_refused(editable_register):
    from geo.register.store import StationStore

    at = run_data(editor="wang", data_fix_station="RS-02")
    store = StationStore(editable_register)
    stations, version = store.read()
    store.save(stations.iloc[:-1], expected_version=version, user="other planner")  # someone else saves first
    before = editable_register.read_bytes()
    at.text_input(key="data_fix_paste").input("116.8301,30.7402").run()
    at.button(key="data_fix_save").click().run()
    assert any("已有他人修改" in e.value for e in at.error)
    assert editable_register.read_bytes() == before


def test_a_signed_out_visitor_cannot_save(editable_register):
    at = run_data(data_fix_station="RS-02")
    at.text_input(key="data_fix_paste").input("116.8301,30.7402").run()
    assert all(b.key != "data_fix_save" for b in at.button)


def test_the_gap_exports_and_report_are_offered():
    at = run_gaps()
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["保存方案文件", "推荐站址 CSV", "推荐站址 GeoJSON", "地图 HTML", "一页报告 PNG", "一页报告 PDF"]
