"""The command line, run as a user would: ``python -m geo ...``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter

import eviltransform
import pytest

from geo.place.reference import DEFAULT_STATIONS_PATH
from geo.register.geojson import load_stations


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", *args], capture_output=True, text=True, timeout=120)


def test_validate_accepts_the_embedded_dataset():
    result = run("validate", str(DEFAULT_STATIONS_PATH), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["valid"] is True and report["stations"] == len(load_stations())


def test_validate_lists_every_problem_and_exits_1(tmp_path):
    doc = json.loads(DEFAULT_STATIONS_PATH.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["station_type"] = "cafe"
    doc["features"][2]["geometry"]["coordinates"].reverse()
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = run("validate", str(path), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert [(p["row"], p["field"]) for p in report["problems"]] == [(1, "station_type"), (3, "geometry")]
    plain = run("validate", str(path))
    assert plain.returncode == 1 and "2 problem(s) found" in plain.stderr


def test_stations_counts_by_type():
    result = run("stations", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    expected = Counter(load_stations()["station_type"])
    assert report["by_type"] == {key: expected.get(key, 0) for key in report["by_type"]}
    assert report["total"] == sum(expected.values())


def test_wrong_usage_exits_2():
    assert run("frobnicate").returncode == 2


def test_nearest_for_one_point_matches_the_library():
    from geo.analysis.nearest import nearest_stations

    result = run("nearest", "--lon", "116.8236", "--lat", "30.7374", "-k", "2", "--amenity", "charger", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    expected = nearest_stations(load_stations(), 116.8236, 30.7374, k=2, amenities=["charger"])
    assert [r["id"] for r in rows] == list(expected["id"])
    assert [r["distance_m"] for r in rows] == [round(d, 1) for d in expected["distance_m"]]


def test_nearest_converts_gcj02_query_points():
    from geo.place.datum import wgs84_to_gcj02

    gcj_lon, gcj_lat = wgs84_to_gcj02(116.8236, 30.7374)
    wgs = json.loads(run("nearest", "--lon", "116.8236", "--lat", "30.7374", "-k", "1", "--json").stdout)
    gcj = json.loads(run("nearest", "--lon", str(gcj_lon), "--lat", str(gcj_lat), "--datum", "gcj02", "-k", "1", "--json").stdout)
    assert gcj[0]["id"] == wgs[0]["id"] and abs(gcj[0]["distance_m"] - wgs[0]["distance_m"]) < 0.2


def test_nearest_batch_reads_a_csv_and_writes_the_nearest_per_row(tmp_path):
    points = tmp_path / "points.csv"
    points.write_text("经度,纬度,label\n116.82,30.73,a\n116.83,30.74,b\n116.5,30.5,far\n", encoding="utf-8")
    out = tmp_path / "nearest.csv"
    result = run("nearest", "--points", str(points), "-k", "1", "--max-distance-m", "3000", "--out", str(out))
    assert result.returncode == 0, result.stderr
    import pandas as pd

    table = pd.read_csv(out, dtype={"id": str})
    assert list(table["label"]) == ["a", "b", "far"]
    assert table["id"].iloc[:2].notna().all() and pd.isna(table["id"].iloc[2])  # nothing within 3 km
    from geo.analysis.nearest import nearest_stations

    expected = nearest_stations(load_stations(), [116.82, 116.83], [30.73, 30.74], k=1)
    assert list(table["id"].iloc[:2]) == list(expected["id"])


def test_nearest_batch_reports_bad_rows_and_exits_1(tmp_path):
    points = tmp_path / "points.csv"
    points.write_text("lon,lat\n116.82,30.73\nabc,30.7\n116.8,\n", encoding="utf-8")
    result = run("nearest", "--points", str(points))
    assert result.returncode == 1
    assert "line 3" in result.stderr and "line 4" in result.stderr


def test_coverage_of_demand_points_matches_the_library():
    from geo.analysis.coverage import cover_points, coverage_table
    from geo.analysis.demand import load_demand

    result = run("coverage", "--demand", "data/demo_demand_synthetic.csv", "--radius-m", "500", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    demand = load_demand("data/demo_demand_synthetic.csv")
    expected = coverage_table(cover_points(load_stations(), demand.lon, demand.lat, 500.0), demand.weight).iloc[0]
    assert report["share_covered"] == expected["share_covered"]
    assert report["points"] == 2000


def test_coverage_by_community_needs_a_community_column():
    result = run("coverage", "--demand", "data/demo_demand_synthetic.csv", "--by", "community", "--json")
    assert result.returncode == 1 and "community_code" in json.loads(result.stdout)["error"]


def test_area_coverage_by_type():
    result = run("coverage", "--radius-m", "1000", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert 0 < report["share_covered_2plus"] <= report["share_covered"] <= 1
    assert report["demand"] == "Area of the study area (no demand points)" and report["median_nearest_m"] is None
    by_type = {row["station_type"]: row["share_covered"] for row in report["table"]}
    assert set(by_type) == {"hub", "party_mass", "red", "neighbourhood", "parking"}
    assert max(by_type.values()) <= report["share_covered"]


def test_a_gbk_demand_file_is_weighted_by_its_people_column(tmp_path):
    import pandas as pd

    from geo.analysis.coverage import cover_points
    from geo.analysis.demand import DEMO_DEMAND_PATH

    demo = pd.read_csv(DEMO_DEMAND_PATH)
    path = tmp_path / "骑手.csv"
    demo.rename(columns={"lon": "经度", "lat": "纬度", "weight": "人数"}).to_csv(path, index=False, encoding="gbk")
    weighted = json.loads(run("coverage", "--demand", str(path), "--json").stdout)
    counted = json.loads(run("coverage", "--demand", str(path), "--count-points", "--json").stdout)
    covered = cover_points(load_stations(), demo.lon, demo.lat, 500.0).covered
    assert weighted["weight_column"] == "人数" and counted["weight_column"] is None
    assert weighted["share_covered"] == pytest.approx(demo.weight[covered].sum() / demo.weight.sum())
    assert counted["share_covered"] == pytest.approx(covered.mean())


def test_coverage_writes_numbers_with_metadata_and_a_report(tmp_path):
    import pandas as pd

    out, report = tmp_path / "coverage.csv", tmp_path / "coverage.pdf"
    result = run("coverage", "--demand", "data/demo_demand_synthetic.csv", "--out", str(out), "--report", str(report))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert table["share_covered (0-1)"].dtype == float and table["service radius (m)"].iloc[0] == 500
    assert "synthetic" in table["demand_source"].iloc[0]
    assert report.read_bytes().startswith(b"%PDF")


def test_gaps_from_a_candidates_file_counts_labels_from_one_like_the_page(tmp_path):
    path = tmp_path / "candidates.csv"
    path.write_text("lon,lat\n116.8053,30.7279\n116.8497,30.7205\n116.8200,30.7400\n", encoding="utf-8")
    result = run("gaps", "--demand", "data/demo_demand_synthetic.csv", "--candidates", str(path), "--add", "3", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    rows = [(116.8053, 30.7279), (116.8497, 30.7205), (116.8200, 30.7400)]
    picks = report["new_stations"]
    # the third site adds no demand here, so it is not recommended; each label is its line in the file
    assert [p["candidate"] for p in picks] == ["1", "2"]
    assert all(rows[int(p["candidate"]) - 1] == (p["lon"], p["lat"]) for p in picks)
    assert all(p["marginal_gain"] > 0 and "约" in p["where"] for p in picks)


def test_gaps_recommends_sites_and_reports_the_gain():
    from geo.analysis.coverage import DEFAULT_HEX_RESOLUTION, default_study_area, hex_grid
    from geo.analysis.demand import load_demand
    from geo.analysis.siting import build_coverage_matrix, solve_mclp
    from geo.place.reference import load_county_boundary

    result = run("gaps", "--demand", "data/demo_demand_synthetic.csv", "--radius-m", "1000", "--add", "2", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    stations = load_stations()
    demand = load_demand("data/demo_demand_synthetic.csv")
    grid = hex_grid(default_study_area(stations, load_county_boundary()), DEFAULT_HEX_RESOLUTION)
    expected = solve_mclp(build_coverage_matrix(demand.lon, demand.lat, demand.weight, grid.lon, grid.lat, 1000.0,
                                                existing=stations), 2)
    assert report["optimal"] and report["covered_after"] == pytest.approx(expected.covered_share)
    assert [p["candidate"] for p in report["new_stations"]] == [grid.cell.iloc[j] for j in expected.chosen]


def test_gaps_target_that_cannot_be_reached_exits_1():
    # 100 m around the town's candidate cells leaves demand between them uncovered
    result = run("gaps", "--demand", "data/demo_demand_synthetic.csv", "--radius-m", "100",
                 "--target-coverage", "0.99", "--json")
    assert result.returncode == 1 and "cannot be reached" in json.loads(result.stdout)["error"]


def copy_register(tmp_path):
    import shutil

    register = tmp_path / "stations.geojson"
    shutil.copy(DEFAULT_STATIONS_PATH, register)
    return register


def test_export_kml_in_gcj02_then_dry_run_import_changes_nothing(tmp_path):
    register = copy_register(tmp_path)
    out = tmp_path / "stations.kml"
    assert run("export", str(out), "--format", "kml", "--datum", "gcj02", "--file", str(register)).returncode == 0
    result = run("import", str(out), "--datum", "gcj02", "--dry-run", "--file", str(register), "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["valid"]
    assert report["counts"]["unchanged"] == len(load_stations(register)) and report["counts"]["update"] == 0


def town_sheet(tmp_path, rows):
    """An .xlsx as the town keeps it: only 名称, 经度, 纬度, 地址, coordinates from Amap (GCJ-02)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["名称", "经度", "纬度", "地址"])
    for row in rows:
        sheet.append(list(row))
    path = tmp_path / "驿站名单.xlsx"
    workbook.save(path)
    return path


def test_the_towns_sheet_is_matched_and_moved_in_a_dry_run(tmp_path):
    from pyproj import Geod

    from geo.place.datum import wgs84_to_gcj02

    register = copy_register(tmp_path)
    before = register.read_bytes()
    qilong = (116.8215, 30.7362)  # where the station really is (WGS-84), as a test choice
    sheet = town_sheet(tmp_path, [("骑龙社区党群驿站", *wgs84_to_gcj02(*qilong), "骑龙路 8 号"),
                                  ("金星社区 党群驿站", *wgs84_to_gcj02(116.8300, 30.7440), "金星路 1 号")])
    result = run("import", str(sheet), "--datum", "gcj02", "--match", "name", "--dry-run", "--json", "--file", str(register))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    first, second = report["rows"]
    assert (first["row"], first["action"], first["station_id"], first["matched_by"]) == (2, "update", "PM-01", "name")
    assert (second["row"], second["station_id"]) == (3, "PM-02")
    assert Geod(ellps="WGS84").inv(*qilong, first["new"]["lon"], first["new"]["lat"])[2] < 0.5
    old = load_stations(register).set_index("id").loc["PM-01"].geometry
    assert first["old"] == {"lon": round(old.x, 7), "lat": round(old.y, 7)}
    assert first["move_m"] == pytest.approx(Geod(ellps="WGS84").inv(old.x, old.y, *qilong)[2], abs=0.5)
    assert report["saved"] is False and register.read_bytes() == before


def test_a_bad_row_makes_exit_1_and_nothing_is_saved_unless_partial_is_asked_for(tmp_path):
    from geo.register.store import StationStore

    register = copy_register(tmp_path)
    before = register.read_bytes()
    sheet = town_sheet(tmp_path, [("骑龙社区党群驿站", 116.8265, 30.7391, ""), ("坏坐标", "abc", 30.7, "")])
    result = run("import", str(sheet), "--file", str(register), "--datum", "wgs84", "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 1 and not report["valid"] and not report["saved"]
    assert report["rows"][1]["problems"][0]["row"] == 3 and report["rows"][1]["problems"][0]["unit"] == "row"
    assert register.read_bytes() == before
    result = run("import", str(sheet), "--file", str(register), "--datum", "wgs84", "--partial", "--user", "王规划", "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["saved"]  # saved, with rows left out: said, not an error
    assert report["applied_rows"] == [2] and report["left_out_rows"] == [3]
    (entry,) = StationStore(register).changes()
    assert entry["user"] == "王规划" and entry["changed"]["PM-01"] == ["source", "geometry"]
    assert "1 row(s) left out" in entry["summary"]


def test_the_chinese_messages_say_the_spreadsheet_row(tmp_path):
    register = copy_register(tmp_path)
    sheet = town_sheet(tmp_path, [("新的站", 116.8265, 30.7391, "")])
    result = run("import", str(sheet), "--file", str(register), "--datum", "wgs84", "--lang", "zh", "--dry-run")
    assert result.returncode == 1
    assert "第 2 行" in result.stdout and "新站点没有类型" in result.stdout
    # the row lines and the summary are Chinese too: no English word in the whole output
    assert "不导入" in result.stdout and "未保存(试运行)" in result.stdout
    assert not re.search(r"(?<![-\w])(row|invalid|update|new|moved|saved|dry run)\b", result.stdout)  # options aside
    result = run("import", str(sheet), "--file", str(register), "--datum", "wgs84", "--type", "红色驿站", "--dry-run", "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["rows"][0]["station_id"] == "RS-07"


@pytest.mark.parametrize("options", [["--type", "cafe"], ["--community", "北京"], ["--choose", "two=PM-01"],
                                     ["--column", "colour=名称"], ["--column", "name_zh=没有这一列"], ["--hours", "看情况"],
                                     ["--match", "phone"], ["--min-score", "150"], ["--min-score", "-1"],
                                     ["--choose", "9=PM-01"], ["--choose", "2=XX-99"], ["--row-type", "2=cafe"],
                                     ["--row-type", "5=red"]])
def test_wrong_import_usage_exits_2(tmp_path, options):
    register = copy_register(tmp_path)
    sheet = town_sheet(tmp_path, [("骑龙社区党群驿站", 116.8265, 30.7391, "")])
    result = run("import", str(sheet), "--file", str(register), "--datum", "wgs84", "--dry-run", *options)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    # the same run with the option right is not a usage error
    assert run("import", str(sheet), "--file", str(register), "--datum", "wgs84", "--dry-run").returncode == 0


def test_coordinates_without_a_stated_datum_are_refused_not_read_as_wgs84(tmp_path):
    from openpyxl import Workbook

    register = copy_register(tmp_path)
    before = register.read_bytes()
    sheet = town_sheet(tmp_path, [("骑龙社区党群驿站", 116.8265, 30.7391, "")])
    result = run("import", str(sheet), "--file", str(register), "--json")
    assert result.returncode == 2 and "--datum wgs84|gcj02|bd09" in result.stderr and result.stdout == ""
    assert register.read_bytes() == before
    # a header that names the datum is enough, and is used
    workbook = Workbook()
    workbook.active.append(["名称", "经度(高德)", "纬度(高德)"])
    workbook.active.append(["骑龙社区党群驿站", *eviltransform.wgs2gcj(30.7391, 116.8265)[::-1]])  # a peer's GCJ-02
    named = tmp_path / "高德.xlsx"
    workbook.save(named)
    result = run("import", str(named), "--file", str(register), "--dry-run", "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["datum"] == "gcj02"
    assert (report["rows"][0]["new"]["lon"], report["rows"][0]["new"]["lat"]) == pytest.approx((116.8265, 30.7391), abs=1e-5)
    # a list of addresses only has no datum to state
    addresses = town_sheet(tmp_path, [("骑龙社区党群驿站", None, None, "骑龙路 8 号")])
    assert run("import", str(addresses), "--file", str(register), "--dry-run", "--json").returncode == 0


def test_a_closed_pipe_ends_the_cli_quietly(tmp_path):
    register = copy_register(tmp_path)
    process = subprocess.Popen([sys.executable, "-m", "geo", "todo", str(tmp_path / "todo.csv"), "--format", "csv",
                                "--file", str(register), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               )
    process.stdout.close()  # the reader is gone before the command writes anything (`... | head -0`)
    with process.stderr:
        error = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141 and error == ""


def test_an_unreadable_file_exits_1_with_the_reason(tmp_path):
    register = copy_register(tmp_path)
    fake = tmp_path / "名单.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a workbook")
    result = run("import", str(fake), "--file", str(register), "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 1 and not report["valid"] and "xlsx" in report["problems"][0]["message"]


def test_verify_then_count_and_list_what_is_left(tmp_path):
    register = copy_register(tmp_path)
    result = run("stations", "--file", str(register), "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["unverified_positions"] == len(load_stations(register))
    result = run("verify", "RS-01", "--lon", "116.8251", "--lat", "30.7360", "--accuracy-m", "45", "--file", str(register))
    assert result.returncode == 1 and "give a reason" in result.stdout + result.stderr
    result = run("verify", "RS-01", "--lon", "116.8251", "--lat", "30.7360", "--accuracy-m", "8", "--user", "李核实",
                 "--file", str(register), "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["method"] == "gps ±8 m"
    progress = json.loads(run("stations", "--file", str(register), "--json").stdout)
    assert progress["verified_by_type"]["red"] == 1 and progress["by_type"]["red"] == 6
    assert progress["unverified_positions"] == len(load_stations(register)) - 1
    out = tmp_path / "todo.csv"
    assert run("todo", str(out), "--format", "csv", "--file", str(register)).returncode == 0
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("编号,类型,名称,村(社区),地址") and len(lines) == 1 + len(load_stations(register)) - 1
    assert not any(line.startswith("RS-01,") for line in lines)


def test_reports_commands_count_list_and_export_a_database(tmp_path):
    from geo.feedback.store import ReportStore

    url = f"sqlite:///{tmp_path / 'reports.sqlite3'}"
    store = ReportStore(url, photos_dir=tmp_path)
    hazard = store.file_hazard(category="fire_safety", lon=116.83, lat=30.74, note="=1+1")
    store.file_station_feedback(station_id="RS-01", issue="closed", lon=116.83, lat=30.74)
    store.change_state(hazard.id, "resolved", actor="王")
    store.close()
    stats = run("reports", "stats", "--database", url, "--json")
    assert stats.returncode == 0, stats.stderr
    counts = json.loads(stats.stdout)
    assert counts["total"] == 2 and counts["resolved"] == 1 and counts["by_state"]["new"] == 1
    assert counts["by_category"] == {"hazard/fire_safety": 1, "station/closed": 1}
    listed = run("reports", "list", "--state", "新", "--database", url, "--json")
    assert [r["station_id"] for r in json.loads(listed.stdout)] == ["RS-01"]
    out = tmp_path / "reports.csv"
    exported = run("reports", "export", str(out), "--format", "csv", "--database", url, "--json")
    assert json.loads(exported.stdout)["reports"] == 2 and "'=1+1" in out.read_text(encoding="utf-8-sig")
    assert out.read_text(encoding="utf-8-sig").startswith("查询码,状态,种类") and "王" not in out.read_text(encoding="utf-8-sig")
    internal = tmp_path / "internal.csv"
    run("reports", "export", str(internal), "--with-planners", "--lang", "en", "--database", url, "--json")
    assert internal.read_text(encoding="utf-8-sig").startswith("Reference,State,Kind") and "王" in internal.read_text(encoding="utf-8-sig")
    wrong = run("reports", "list", "--state", "done", "--database", url, "--json")
    assert wrong.returncode == 1 and "expected to be one of" in json.loads(wrong.stdout)["error"]


def _demand_parquet(path, n=800, seed=5):
    import geopandas as gpd
    import numpy as np

    rng = np.random.default_rng(seed)
    lon, lat = 116.82 + rng.uniform(-0.03, 0.03, n), 30.74 + rng.uniform(-0.03, 0.03, n)
    weight = rng.integers(1, 5, n).astype(float)
    gpd.GeoDataFrame({"weight": weight}, geometry=gpd.points_from_xy(lon, lat), crs=4326).to_parquet(path, row_group_size=200)
    return lon, lat, weight


def test_nearest_streams_geoparquet_in_and_out(tmp_path):
    import geopandas as gpd

    from geo.analysis.nearest import build_station_index, nearest_arrays

    lon, lat, _ = _demand_parquet(tmp_path / "riders.parquet")
    result = run("nearest", "--points", str(tmp_path / "riders.parquet"), "-k", "2", "--type", "red",
                 "--chunk-rows", "300", "--out", str(tmp_path / "nearest.parquet"), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["points"] == len(lon)
    red = load_stations().query("station_type == 'red'")
    station_index, distance_m = nearest_arrays(build_station_index(red), lon, lat, k=2)
    written = gpd.read_parquet(tmp_path / "nearest.parquet")
    assert written["station_id_2"].astype(str).tolist() == red["id"].to_numpy()[station_index[:, 1]].tolist()
    assert written["distance_m_1"].tolist() == distance_m[:, 0].tolist()


def test_coverage_and_gaps_stream_a_geoparquet_demand_file(tmp_path):
    import numpy as np

    from geo.analysis.coverage import cover_points, coverage_table

    lon, lat, weight = _demand_parquet(tmp_path / "demand.parquet")
    pd_csv = tmp_path / "demand.csv"
    pd_csv.write_text("lon,lat,weight\n" + "\n".join(f"{float(x)!r},{float(y)!r},{w}" for x, y, w in zip(lon, lat, weight)))
    covered = run("coverage", "--demand", str(tmp_path / "demand.parquet"), "--radius-m", "600", "--json",
                  "--chunk-rows", "250", "--out", str(tmp_path / "covered.parquet"))
    assert covered.returncode == 0, covered.stderr
    expected = coverage_table(cover_points(load_stations(), lon, lat, 600.0), weight).iloc[0]
    assert json.loads(covered.stdout)["share_covered"] == pytest.approx(expected["share_covered"])
    streamed = json.loads(run("gaps", "--demand", str(tmp_path / "demand.parquet"), "--radius-m", "600", "--add", "3",
                              "--chunk-rows", "250", "--json").stdout)
    in_memory = json.loads(run("gaps", "--demand", str(pd_csv), "--radius-m", "600", "--add", "3", "--json").stdout)
    assert streamed["optimal"] and in_memory["optimal"] and streamed["gap"] == 0
    assert streamed["covered_after"] == pytest.approx(in_memory["covered_after"])
    assert np.isclose(streamed["covered_bound"], streamed["covered_after"])
