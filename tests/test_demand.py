"""Demand files as planners have them: weight columns by their Chinese names, GBK, a chosen
weight column or none, and a description that names the source."""

from __future__ import annotations

import numpy as np
import pytest

from geo.analysis.demand import DemandSource, demand_points, demo_demand, load_demand, read_demand_table
from geo.errors import GeoDataError, PointsDataError

HEADER_ROWS = "116.8236,30.7374,{a},x\n116.8300,30.7420,{b},y\n"


@pytest.mark.parametrize("column", ["人数", "人口", "订单数", "单量", "骑手数", "count", "population", "weight", "权重",
                                    "Population", " 人数 "])
def test_each_usual_weight_column_is_recognised(column):
    content = (f"经度,纬度,{column},备注\n" + HEADER_ROWS.format(a=3, b=5)).encode("gbk")
    points = demand_points(read_demand_table(content, "骑手.csv"))
    assert list(points.weight) == [3.0, 5.0]
    assert points.source.weight_column == column
    assert points.source.total_weight == 8.0


def test_without_a_weight_column_each_point_counts_one_and_says_so():
    points = demand_points(read_demand_table(b"lon,lat,label\n116.82,30.73,a\n116.83,30.74,b\n", "d.csv"))
    assert list(points.weight) == [1.0, 1.0] and points.source.weight_column is None
    assert points.source.describe("zh") == "上传文件 d.csv(2 个点,每个点计 1)"
    assert points.source.describe("en") == "Uploaded file d.csv (2 points, each point counts 1)"


def test_a_chosen_column_wins_and_none_counts_points():
    content = ("经度,纬度,人数,订单数\n" + "116.8236,30.7374,2,7\n").encode("utf-8")
    table = read_demand_table(content, "d.csv")
    assert table.detected_weight() == "人数"
    assert demand_points(table, weight_column="订单数").weight[0] == 7.0
    assert demand_points(table, weight_column=None).weight[0] == 1.0


def test_weight_choices_offer_only_numeric_columns_the_detected_first():
    content = "lon,lat,备注,订单数,人数\n116.82,30.73,路口,4,2\n116.83,30.74,店,5,3\n".encode("gbk")
    table = read_demand_table(content, "d.csv")
    assert table.weight_choices() == ["人数", "订单数"]


def test_bad_weights_are_all_reported_with_their_lines():
    content = "lon,lat,人数\n116.82,30.73,2\n116.83,30.74,很多\n116.83,30.74,-1\n".encode("gbk")
    with pytest.raises(PointsDataError) as caught:
        demand_points(read_demand_table(content, "坏.csv"))
    text = caught.value.localized("zh")
    assert "坏.csv" in text and "第 3 行" in text and "第 4 行" in text and "很多" in text


def test_a_missing_chosen_column_is_a_clear_error():
    table = read_demand_table(b"lon,lat\n116.82,30.73\n", "d.csv")
    with pytest.raises(GeoDataError) as caught:
        demand_points(table, weight_column="人数")
    assert caught.value.localized("zh") == "文件中没有 \"人数\" 列"


def test_gbk_files_say_how_they_were_read():
    table = read_demand_table("经度,纬度\n116.82,30.73\n".encode("gbk"), "d.csv")
    assert table.points.attrs["encoding"] == "gb18030"


def test_the_fingerprint_follows_content_datum_and_weight_but_not_row_objects():
    content = "lon,lat,人数\n116.82,30.73,2\n".encode()
    same = demand_points(read_demand_table(content, "d.csv")).fingerprint
    assert demand_points(read_demand_table(content, "d.csv")).fingerprint == same
    assert demand_points(read_demand_table(content, "d.csv", datum="gcj02")).fingerprint != same
    assert demand_points(read_demand_table(content, "d.csv"), weight_column=None).fingerprint != same
    assert demand_points(read_demand_table(content.replace(b"2\n", b"3\n"), "d.csv")).fingerprint != same


def test_a_gcj02_file_is_converted_to_wgs84():
    from geo.place.datum import wgs84_to_gcj02

    x, y = wgs84_to_gcj02(116.82, 30.73)
    points = demand_points(read_demand_table(f"lon,lat\n{x},{y}\n".encode(), "d.csv", datum="gcj02"))
    assert (points.lon[0], points.lat[0]) == pytest.approx((116.82, 30.73), abs=1e-7)


def test_community_columns_are_kept_for_figures_by_community():
    content = "lon,lat,社区\n116.82,30.73,高河社区\n116.83,30.74,凌桥社区\n".encode("gbk")
    assert list(demand_points(read_demand_table(content, "d.csv")).community) == ["高河社区", "凌桥社区"]


def test_an_uploaded_name_cannot_reach_outside_the_temporary_folder():
    table = read_demand_table(b"lon,lat\n116.82,30.73\n", "../../etc/passwd.csv")
    assert table.name == "passwd.csv"


def test_the_demo_points_are_labelled_synthetic():
    demo = demo_demand()
    assert demo.source.synthetic and demo.source.points == 2000 and len(demo) == 2000
    assert "合成数据" in demo.source.describe("zh")
    assert np.isclose(demo.weight.sum(), demo.source.total_weight)


def test_load_demand_reads_a_file_on_disk(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes("lon,lat,单量\n116.82,30.73,9\n".encode("gbk"))
    assert load_demand(path).weight[0] == 9.0
    with pytest.raises(GeoDataError):
        load_demand(tmp_path / "missing.csv")


def test_an_unknown_kind_of_demand_is_refused():
    with pytest.raises(GeoDataError, match="demand kind"):
        DemandSource("guess")


def test_demand_on_hexagons_matches_the_coverage_library():
    from geo.analysis.coverage import cover_points, demand_by_hex
    from geo.register.geojson import load_stations

    demo = demo_demand()
    covered = cover_points(load_stations(), demo.lon, demo.lat, 500.0).covered
    expected = demand_by_hex(demo.lon, demo.lat, demo.weight, covered, 9).sort_values("cell").reset_index(drop=True)
    cells = demo.cells(9)
    assert demo.cells(9) is cells  # placed once, whatever the radius
    got = cells.with_uncovered(covered).sort_values("cell").reset_index(drop=True)
    assert list(got.columns) == list(expected.columns) and list(got.cell) == list(expected.cell)
    assert np.allclose(got.demand, expected.demand) and np.allclose(got.uncovered, expected.uncovered)
    assert got.geometry.geom_equals(expected.geometry).all()
