"""Result files: numbers stay numbers, every file says what it was computed from, and text a
spreadsheet would run as a formula is not run."""

from __future__ import annotations

import io
import json
from datetime import date

import numpy as np
import openpyxl
import pandas as pd
import pytest

from geo.analysis.coverage_result import summarise_coverage
from geo.analysis.demand import DemandPoints, DemandSource, demo_demand
from geo.analysis.gap_analysis import hex_candidates, plan_sites, prepare_gaps
from geo.outputs.result_files import coverage_csv, coverage_workbook, data_status, sites_csv, sites_geojson
from geo.place.datum import wgs84_to_gcj02
from geo.place.describe import reference_places

MADE_ON = date(2026, 11, 28)


def summary_stations():
    from geo.register.geojson import load_stations

    return load_stations()


@pytest.fixture(scope="module")
def summary(stations, study):
    demand = demo_demand()
    community = np.where(np.arange(len(demand)) % 2, "340822100001", "=1+2").astype(object)
    with_groups = DemandPoints(demand.lon, demand.lat, demand.weight, demand.source, community, "demo+groups")
    return summarise_coverage(stations, study, 500.0, with_groups)


def test_the_coverage_csv_holds_numbers_and_what_they_came_from(stations, summary):
    status = data_status(59, 59, "zh")
    table = pd.read_csv(io.BytesIO(coverage_csv(summary, lang="zh", made_on=MADE_ON, status=status)), encoding="utf-8-sig")
    assert table["覆盖比例(0–1)"].dtype == float and table["半径(米)"].iloc[0] == 500.0
    assert table["覆盖比例(0–1)"].iloc[0] == pytest.approx(summary.share_covered)
    assert table["覆盖比例(0–1)"].iloc[1] == pytest.approx(summary.share_covered_2plus)
    assert table["到最近站点中位距离(米)"].iloc[0] == pytest.approx(summary.median_nearest_m)
    assert set(table["需求来源"]) == {summary.demand.describe("zh")} and "合成数据" in table["需求来源"].iloc[0]
    assert set(table["生成日期"]) == {"2026-11-28"} and set(table["数据状态"]) == {status}
    assert set(table["服务半径(米)"]) == {500.0}
    assert not any(isinstance(v, str) and v.endswith("%") for v in table.to_numpy().ravel())


def test_the_workbook_formats_shares_as_percent_and_keeps_a_metadata_sheet(summary):
    book = openpyxl.load_workbook(io.BytesIO(coverage_workbook(summary, lang="en", made_on=MADE_ON, status="s",
                                                                community_names={"340822100001": "Gaohe Community"})))
    assert book.sheetnames == ["coverage", "by community", "largest gaps", "about"]
    sheet = book["coverage"]
    header = [c.value for c in sheet[1]]
    share = sheet.cell(row=2, column=header.index("share_covered (0-1)") + 1)
    assert share.data_type == "n" and share.value == pytest.approx(summary.share_covered) and share.number_format == "0.0%"
    communities = book["by community"]
    names = [row[0].value for row in communities.iter_rows(min_row=2)]
    assert "Gaohe Community" in names and "'=1+2" in names  # a formula-like name stays text
    about = {row[0].value: row[1].value for row in book["about"].iter_rows(min_row=2)}
    assert about["made_on"] == "2026-11-28" and about["service radius (m)"] == 500
    assert "synthetic" in about["demand_source"]
    gaps = pd.read_excel(io.BytesIO(coverage_workbook(summary, lang="zh", made_on=MADE_ON, status="s",
                                                      community_names={})), sheet_name="最大缺口")
    # each gap described for people, as the page describes it (the oracle: locate + where_text)
    from geo.place.describe import locate, where_text

    expected = [where_text(row, "zh") for row in locate(summary.worst_cells["lon"], summary.worst_cells["lat"],
                                                        reference_places(summary_stations())).itertuples()]
    assert list(gaps["位置"]) == expected and all(expected)


def test_per_type_radii_are_written_per_type(stations, study):
    radius = {"hub": 1000.0, "party_mass": 800.0, "red": 500.0, "neighbourhood": 300.0, "parking": 300.0}
    summary = summarise_coverage(stations, study, radius)
    table = pd.read_csv(io.BytesIO(coverage_csv(summary, lang="en", made_on=MADE_ON, status="s")), encoding="utf-8-sig")
    by_group = dict(zip(table["group"], table["radius_m"]))
    assert by_group["Red station (pharmacy)"] == 500.0 and by_group["Party-mass service centre"] == 1000.0
    assert "Red station (pharmacy) 500 m" in table["service radius (m)"].iloc[0]


def test_recommended_sites_in_gcj02_with_gains_as_numbers(stations, study):
    demand = demo_demand()
    problem = prepare_gaps(stations, stations, demand, hex_candidates(study), study, 1000.0,
                           references=reference_places(stations))
    plan = plan_sites(problem, 3)
    table = pd.read_csv(io.BytesIO(sites_csv(problem, plan, lang="zh", datum="gcj02", made_on=MADE_ON, status="s")),
                        encoding="utf-8-sig")
    for row, pick in zip(table.itertuples(), plan.picks.itertuples()):
        assert (row.经度, row.纬度) == pytest.approx(wgs84_to_gcj02(pick.lon, pick.lat), abs=1e-6)
    assert list(table["新增覆盖需求"]) == pytest.approx(list(plan.picks["gain"]))
    assert table["累计覆盖比例(0–1)"].iloc[-1] == pytest.approx(plan.result.covered_share)
    assert set(table["坐标系"]) == {"gcj02"} and set(table["服务半径(米)"]) == {1000.0}
    assert all("约" in where for where in table["位置"])
    assert set(table["已证明最优"]) == {"是" if plan.result.optimal else "否"}  # a word, not Python's True
    assert all(len(f"{v:.10f}".rstrip("0").split(".")[1]) <= 6 for v in [*table["经度"], *table["纬度"]])
    doc = json.loads(sites_geojson(problem, plan, lang="en", datum="wgs84", made_on=MADE_ON, status="s"))
    assert doc["datum"] == "wgs84" and len(doc["features"]) == 3
    assert doc["metadata"]["radius"] == 1000.0 and doc["features"][0]["properties"]["rank"] == 1


def test_data_status_says_how_many_positions_are_unverified():
    assert data_status(59, 59, "zh") == "59 个站点中 59 个位置待核实(占位估计,未实地测绘)"
    assert data_status(0, 12, "en") == "all 12 station positions verified on the ground"


def test_a_file_demand_source_is_named_in_the_exports(stations, study):
    source = DemandSource("file", "骑手分布.csv", "人数", "gb18030", 3, 6.0)
    demand = DemandPoints(np.array([116.82, 116.83, 116.84]), np.array([30.73, 30.74, 30.75]), np.array([1.0, 2.0, 3.0]),
                          source, fingerprint="three")
    summary = summarise_coverage(stations, study, 500.0, demand)
    table = pd.read_csv(io.BytesIO(coverage_csv(summary, lang="zh", made_on=MADE_ON, status="s")), encoding="utf-8-sig")
    assert table["需求来源"].iloc[0] == "上传文件 骑手分布.csv(3 个点,权重列:人数)"
