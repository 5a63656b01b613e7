"""The command line, run as a user would: ``python -m geo ...``."""

from __future__ import annotations

import json

import pytest
import subprocess
import sys
from collections import Counter

from geo.reference import DEFAULT_STATIONS_PATH
from geo.register import load_stations


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
    from geo.nearest import nearest_stations

    result = run("nearest", "--lon", "116.8236", "--lat", "30.7374", "-k", "2", "--amenity", "charger", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    expected = nearest_stations(load_stations(), 116.8236, 30.7374, k=2, amenities=["charger"])
    assert [r["id"] for r in rows] == list(expected["id"])
    assert [r["distance_m"] for r in rows] == [round(d, 1) for d in expected["distance_m"]]


def test_nearest_converts_gcj02_query_points():
    from geo.datum import wgs84_to_gcj02

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
    from geo.nearest import nearest_stations

    expected = nearest_stations(load_stations(), [116.82, 116.83], [30.73, 30.74], k=1)
    assert list(table["id"].iloc[:2]) == list(expected["id"])


def test_nearest_batch_reports_bad_rows_and_exits_1(tmp_path):
    points = tmp_path / "points.csv"
    points.write_text("lon,lat\n116.82,30.73\nabc,30.7\n116.8,\n", encoding="utf-8")
    result = run("nearest", "--points", str(points))
    assert result.returncode == 1
    assert "line 3" in result.stderr and "line 4" in result.stderr


def test_coverage_of_demand_points_matches_the_library():
    from geo.coverage import cover_points, coverage_table
    from geo.readers import read_demand_points

    result = run("coverage", "--demand", "data/demo_demand_synthetic.csv", "--radius-m", "500", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    demand = read_demand_points("data/demo_demand_synthetic.csv")
    expected = coverage_table(cover_points(load_stations(), demand.lon, demand.lat, 500.0), demand.weight.to_numpy()).iloc[0]
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
    from geo.coverage import cover_points
    from geo.demand import DEMO_DEMAND_PATH
    import pandas as pd

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
    assert sorted(p["candidate"] for p in report["new_stations"]) == ["1", "2", "3"]
    assert all("约" in p["where"] for p in report["new_stations"])


def test_gaps_recommends_sites_and_reports_the_gain():
    from geo.coverage import DEFAULT_HEX_RESOLUTION, default_study_area, hex_grid
    from geo.gaps import build_coverage_matrix, solve_mclp
    from geo.readers import read_demand_points
    from geo.reference import load_county_boundary

    result = run("gaps", "--demand", "data/demo_demand_synthetic.csv", "--radius-m", "1000", "--add", "2", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    stations = load_stations()
    demand = read_demand_points("data/demo_demand_synthetic.csv")
    grid = hex_grid(default_study_area(stations, load_county_boundary()), DEFAULT_HEX_RESOLUTION)
    expected = solve_mclp(build_coverage_matrix(demand.lon, demand.lat, demand.weight, grid.lon, grid.lat, 1000.0,
                                                existing=stations), 2)
    assert report["optimal"] and report["covered_after"] == pytest.approx(expected.covered_share)
    assert [p["candidate"] for p in report["new_stations"]] == [grid.cell.iloc[j] for j in expected.chosen]


def test_gaps_target_that_cannot_be_reached_exits_1():
    result = run("gaps", "--demand", "data/demo_demand_synthetic.csv", "--radius-m", "1000",
                 "--target-coverage", "0.99", "--json")
    assert result.returncode == 1 and "cannot be reached" in json.loads(result.stdout)["error"]


def test_export_kml_in_gcj02_then_dry_run_import_changes_nothing(tmp_path):
    import shutil

    register = tmp_path / "stations.geojson"
    shutil.copy(DEFAULT_STATIONS_PATH, register)
    out = tmp_path / "stations.kml"
    assert run("export", str(out), "--format", "kml", "--datum", "gcj02", "--file", str(register)).returncode == 0
    result = run("import", str(out), "--datum", "gcj02", "--dry-run", "--file", str(register), "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["valid"]
    assert report["diff"] == {"added": [], "removed": [], "changed": {}}


def test_import_with_a_bad_row_writes_nothing_and_a_good_one_is_logged(tmp_path):
    import shutil

    register = tmp_path / "stations.geojson"
    shutil.copy(DEFAULT_STATIONS_PATH, register)
    before = register.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text("编号,名称,经度,纬度\nRS-01,改名药房,116.83,30.74\nRS-77,新站,116.83,30.74\n", encoding="utf-8")
    result = run("import", str(bad), "--file", str(register), "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 1 and any(p["id"] == "RS-77" for p in report["problems"])
    assert register.read_bytes() == before
    good = tmp_path / "good.csv"
    good.write_text("编号,名称,经度,纬度\nRS-01,改名药房,116.83,30.74\n", encoding="utf-8")
    result = run("import", str(good), "--file", str(register), "--user", "王规划", "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["saved"]
    assert report["diff"]["changed"] == {"RS-01": ["name_zh", "source", "geometry"]}
    log = [json.loads(line) for line in (tmp_path / "changes.jsonl").read_text(encoding="utf-8").splitlines()]
    assert log[-1]["user"] == "王规划" and (tmp_path / "history").is_dir()


def test_reports_commands_count_list_and_export_a_database(tmp_path):
    from geo.reports.store import ReportStore

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
    wrong = run("reports", "list", "--state", "done", "--database", url, "--json")
    assert wrong.returncode == 1 and "expected to be one of" in json.loads(wrong.stdout)["error"]
