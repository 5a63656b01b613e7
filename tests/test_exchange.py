"""Export -> import is the identity within 0.5 m, in every format and datum; spreadsheets are
safe from formula injection; usual Chinese headers are understood."""

from __future__ import annotations

import json

import pytest
from pyproj import Geod

from geo.exchange import FORMATS, export_stations, read_station_rows, rows_to_features
from geo.register import load_stations, stations_from_features
from geo.validate import validate_feature_collection

GEOD = Geod(ellps="WGS84")


def reimport(tmp_path, stations, file_format, datum):
    path = tmp_path / f"stations.{file_format}"
    path.write_bytes(export_stations(stations, file_format, datum))
    if file_format == "geojson":
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc.get("datum", "wgs84") == datum
        from geo.datum import convert

        for feature in doc["features"]:
            x, y = feature["geometry"]["coordinates"]
            feature["geometry"]["coordinates"] = [float(v) for v in convert(x, y, source=datum, target="wgs84")]
        features = doc["features"]
    else:
        features, problems = rows_to_features(read_station_rows(path), datum=datum, source="re-import")
        assert problems == []
    _, problems = validate_feature_collection({"type": "FeatureCollection", "features": features})
    assert problems == []
    return stations_from_features(features)


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("datum", ["wgs84", "gcj02", "bd09"])
def test_export_then_import_is_the_identity(tmp_path, file_format, datum):
    stations = load_stations()
    again = reimport(tmp_path, stations, file_format, datum)
    moved_m = GEOD.inv(stations.geometry.x, stations.geometry.y, again.geometry.x, again.geometry.y)[2]
    assert max(moved_m) < 0.5
    for column in ("id", "station_type", "name_zh", "name_en", "community_code", "opening_hours", "location_status"):
        assert list(again[column]) == list(stations[column]), column
    assert list(again["amenities"]) == list(stations["amenities"])


def test_spreadsheet_cells_cannot_run_formulas(tmp_path):
    stations = load_stations().head(2).copy()
    stations["name_en"] = ["=HYPERLINK(\"http://x\")", "@SUM(A1)"]
    csv_text = export_stations(stations, "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "'@SUM" in csv_text
    from openpyxl import load_workbook

    path = tmp_path / "s.xlsx"
    path.write_bytes(export_stations(stations, "xlsx"))
    cells = [c.value for row in load_workbook(path).active.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://x\")" in cells and not any(isinstance(c, str) and c.startswith("=") for c in cells)
    rows = read_station_rows(path)
    assert list(rows["name_en"]) == ["=HYPERLINK(\"http://x\")", "@SUM(A1)"]  # text again on import


def test_chinese_headers_and_gcj02_coordinates_are_understood(tmp_path):
    from geo.datum import wgs84_to_gcj02

    x, y = wgs84_to_gcj02(116.8236, 30.7374)
    path = tmp_path / "药房.csv"
    path.write_text("编号,名称,类型,社区代码,设施,开放时间,经度,纬度\n"
                    f"RS-99,某药房,red,340822100008,charger;hot_water,Mo-Su 08:00-21:00,{x},{y}\n"
                    "RS-98,坏行,red,340822100008,,24/7,abc,30.7\n", encoding="utf-8")
    features, problems = rows_to_features(read_station_rows(path), datum="gcj02", source="药房.csv")
    assert [str(p) for p in problems] == ['line 3: longitude/latitude "abc", "30.7" are not numbers']
    (feature,) = features
    assert feature["properties"]["amenities"] == ["charger", "hot_water"]
    assert feature["properties"]["location_status"] == "unverified"
    assert GEOD.inv(116.8236, 30.7374, *feature["geometry"]["coordinates"])[2] < 0.5


def test_a_kml_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.kml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                    '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>&b;</name></Document></kml>')
    with pytest.raises(Exception):
        read_station_rows(path)


def test_a_column_mapping_names_columns_the_guesser_does_not_know(tmp_path):
    from geo.exchange import guess_column_map

    path = tmp_path / "s.csv"
    path.write_text("站名,东经,北纬,编号\n某站,116.83,30.74,X-1\n", encoding="utf-8")
    assert guess_column_map(["站名", "东经", "北纬", "编号"]) == {"站名": "站名", "东经": "东经", "北纬": "北纬", "id": "编号"}
    rows = read_station_rows(path, column_map={"站名": "name_zh", "东经": "lon", "北纬": "lat", "编号": "id"})
    features, problems = rows_to_features(rows, datum="wgs84", source="s.csv")
    assert problems == [] and features[0]["properties"]["name_zh"] == "某站"
    assert features[0]["geometry"]["coordinates"] == [116.83, 30.74]
