"""Loading and validating station files: every kind of bad input gets a clear message."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import Geod, Transformer
from shapely.geometry import Point

from geo.errors import Problem, StationDataError
from geo.place.datum import wgs84_to_bd09, wgs84_to_gcj02
from geo.place.reference import load_county_boundary
from geo.register.geojson import document_bytes, load_stations, stations_to_feature_collection
from geo.register.model import STATION_COLUMNS

GEOD = Geod(ellps="WGS84")

SEAT = (116.8236, 30.7374)


def station(**overrides) -> dict:
    """A valid station feature near the county seat; keyword arguments replace properties."""
    props = {
        "id": "RS-01",
        "station_type": "red",
        "name_zh": "人民医保药房红色驿站 01",
        "name_en": "Red Station 01",
        "community_code": "340822100008",
        "address": "骑龙社区",
        "amenities": ["seating", "charger"],
        "opening_hours": "Mo-Su 08:00-21:00",
        "operator": "人民医保药房",
        "phone": None,
        "location_status": "unverified",
        "hours_status": "unverified",
        "source": "test fixture",
    }
    coordinates = overrides.pop("coordinates", list(SEAT))
    props.update(overrides)
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": coordinates}}


def collection(*features: dict, **members) -> dict:
    return {"type": "FeatureCollection", "features": list(features), **members}


def write(tmp_path: Path, doc, name: str = "stations.geojson") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(StationDataError) as caught:
        load_stations(path)
    return caught.value.problems


def only_message(path: Path) -> str:
    problems = problems_of(path)
    assert len(problems) == 1, [str(p) for p in problems]
    return str(problems[0])


# --- good input ------------------------------------------------------------------------------


def test_a_valid_file_loads_as_wgs84_points_with_the_schema_columns(tmp_path):
    path = write(tmp_path, collection(station(), station(id="RS-02", coordinates=[116.83, 30.74])))
    stations = load_stations(path)
    assert stations.crs.to_epsg() == 4326
    assert list(stations.columns) == list(STATION_COLUMNS)
    assert list(stations["id"]) == ["RS-01", "RS-02"]
    assert stations.geometry.iloc[1].equals(Point(116.83, 30.74))
    assert stations["amenities"].iloc[0] == ["seating", "charger"]


def test_extra_properties_are_kept(tmp_path):
    path = write(tmp_path, collection(station(capacity=4)))
    assert load_stations(path)["capacity"].iloc[0] == 4


@pytest.mark.parametrize("name, shown", [
    ("<img src=x onerror=alert(1)>", "<i"),
    ("药房{{ 7*7 }}", "{{"),
    ("药房{% for x in y %}", "{%"),
    ("药房${alert(1)}", "${"),
    ("药房`反引号`", "`"),
    ("药房</script>", "</"),
])
def test_template_or_script_syntax_in_a_name_is_refused_naming_it(tmp_path, name, shown):
    problems = problems_of(write(tmp_path, collection(station(name_zh=name))))
    assert [(p.field, p.key) for p in problems] == [("name_zh", "err_text_code_syntax")]
    assert f'contains "{shown}"' in problems[0].message


def test_direction_controls_in_an_address_are_refused(tmp_path):
    problems = problems_of(write(tmp_path, collection(station(address="骑龙\u202e社区"))))
    assert [(p.field, p.key) for p in problems] == [("address", "err_text_bidi")]


def test_plain_punctuation_in_names_is_fine(tmp_path):
    name = "人民医保药房(骑龙店)#2 · 24h & 50% <5 min"
    assert load_stations(write(tmp_path, collection(station(name_zh=name))))["name_zh"].iloc[0] == name


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.geojson"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(collection(station())).encode())
    assert len(load_stations(path)) == 1


def test_save_then_load_gives_the_same_register(tmp_path):
    original = load_stations()
    path = tmp_path / "copy.geojson"
    path.write_bytes(document_bytes(stations_to_feature_collection(original)))
    again = load_stations(path)
    assert again.drop(columns="geometry").equals(original.drop(columns="geometry"))
    moved_m = Geod(ellps="WGS84").inv(original.geometry.x, original.geometry.y, again.geometry.x, again.geometry.y)[2]
    assert max(moved_m) < 0.05


# --- the file as a whole ---------------------------------------------------------------------


def test_a_missing_file_is_reported(tmp_path):
    assert "file not found" in only_message(tmp_path / "nope.geojson")


def test_an_empty_file_is_reported(tmp_path):
    assert "empty (0 bytes)" in only_message(write(tmp_path, ""))


def test_a_huge_file_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr("geo.readers.MAX_FILE_BYTES", 1000)
    path = write(tmp_path, collection(*[station(id=f"S-{i}") for i in range(20)]))
    assert "the limit is" in only_message(path)


def test_a_file_that_is_not_utf8_is_reported(tmp_path):
    path = tmp_path / "gbk.geojson"
    path.write_bytes(json.dumps(collection(station()), ensure_ascii=False).encode("gbk"))
    assert "not UTF-8" in only_message(path)


def test_malformed_json_is_reported_with_line_and_column(tmp_path):
    path = write(tmp_path, '{"type": "FeatureCollection",\n "features": [,]}')
    assert "not valid JSON" in (message := only_message(path)) and "line 2" in message


def test_a_bare_geometry_is_not_a_feature_collection(tmp_path):
    path = write(tmp_path, {"type": "Point", "coordinates": list(SEAT)})
    assert 'expected a GeoJSON FeatureCollection but the top level is "Point"' in only_message(path)


def test_a_projected_crs_declaration_is_refused(tmp_path):
    doc = collection(station(), crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}})
    assert 'declares CRS "urn:ogc:def:crs:EPSG::3857"' in only_message(write(tmp_path, doc))


def test_a_wgs84_crs_declaration_is_accepted(tmp_path):
    doc = collection(station(), crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}})
    assert len(load_stations(write(tmp_path, doc))) == 1


def test_a_collection_without_stations_is_reported(tmp_path):
    assert "holds no stations" in only_message(write(tmp_path, collection()))


# --- features --------------------------------------------------------------------------------


def test_a_feature_of_the_wrong_type_is_reported(tmp_path):
    path = write(tmp_path, collection({"type": "Point", "coordinates": list(SEAT)}))
    assert str(problems_of(path)[0]) == "feature 1: is not a GeoJSON Feature"


def test_missing_properties_are_named(tmp_path):
    feature = station()
    del feature["properties"]["opening_hours"], feature["properties"]["source"]
    message = only_message(write(tmp_path, collection(feature)))
    assert "field 'opening_hours, source': missing" in message


def test_missing_geometry_is_reported(tmp_path):
    feature = station()
    feature["geometry"] = None
    assert "has no geometry" in only_message(write(tmp_path, collection(feature)))


def test_a_polygon_is_not_a_station(tmp_path):
    feature = station()
    feature["geometry"] = {"type": "Polygon", "coordinates": [[[116.8, 30.7], [116.9, 30.7], [116.8, 30.8], [116.8, 30.7]]]}
    assert 'geometry is a "Polygon"' in only_message(write(tmp_path, collection(feature)))


@pytest.mark.parametrize("coordinates", [["116.8", "30.7"], [116.8], [116.8, float("nan")], [True, 30.7]])
def test_coordinates_must_be_two_numbers(tmp_path, coordinates):
    path = tmp_path / "c.geojson"
    path.write_text(json.dumps(collection(station(coordinates=coordinates))), encoding="utf-8")
    assert "are not [longitude, latitude] numbers" in only_message(path)


def test_swapped_longitude_and_latitude_are_recognised(tmp_path):
    message = only_message(write(tmp_path, collection(station(coordinates=[SEAT[1], SEAT[0]]))))
    assert "longitude and latitude look swapped" in message


def test_projected_metres_are_recognised(tmp_path):
    x, y = Transformer.from_crs(4326, 32650, always_xy=True).transform(*SEAT)
    message = only_message(write(tmp_path, collection(station(coordinates=[x, y]))))
    assert "not longitude/latitude degrees" in message and "projected CRS" in message


def _point_near_east_edge_inside() -> tuple[float, float]:
    """A WGS-84 point 100 m inside the county's easternmost vertex."""
    boundary = load_county_boundary().union_all()
    lon, lat = max(boundary.exterior.coords, key=lambda xy: xy[0])
    to_m = Transformer.from_crs(4326, 32650, always_xy=True)
    x, y = to_m.transform(lon, lat)
    return to_m.transform(x - 100, y, direction="INVERSE")


@pytest.mark.parametrize("shift", [wgs84_to_gcj02, wgs84_to_bd09], ids=["gcj02", "bd09"])
def test_chinese_datum_coordinates_just_outside_the_county_get_the_datum_hint(tmp_path, shift):
    inside = _point_near_east_edge_inside()
    shifted = [float(v) for v in shift(*inside)]
    message = only_message(write(tmp_path, collection(station(coordinates=shifted))))
    assert "outside Huaining County" in message and "GCJ-02" in message and "BD-09" in message


def test_a_point_far_outside_the_county_is_reported_with_its_distance(tmp_path):
    message = only_message(write(tmp_path, collection(station(coordinates=[117.2, 31.8]))))  # Hefei
    assert "km outside Huaining County" in message


def test_a_point_in_the_county_but_outside_the_town_extent_is_reported_as_approximate(tmp_path):
    # the county centroid area, ~17 km south-west of Gaohe: 10.3 km south of the box (30.68027)
    message = only_message(write(tmp_path, collection(station(coordinates=[116.7800, 30.587993]))))
    assert "km outside Gaohe town's approximate extent" in message and "plus 1 km" in message
    km = GEOD.inv(116.78, 30.587993, 116.78, 30.68027)[2] / 1000
    assert f"{km:.1f} km" in message


@pytest.mark.parametrize(("lonlat", "inside"), [
    ((116.77410, 30.68027), True),            # the south-west corner of the box
    ((116.84, 30.68027 - 0.0089), True),      # ~990 m south of the box: within the margin
    ((116.84, 30.68027 - 0.0092), False),     # ~1,020 m south
    ((116.91975 + 0.0106, 30.72), False),     # ~1,014 m east at this latitude
    ((116.91975 + 0.0100, 30.72), True),      # ~957 m east
])
def test_the_town_extent_has_a_one_kilometre_margin(lonlat, inside):
    from geo.register.validate import TownExtent

    town = TownExtent()
    west, south, east, north = town.extent_lonlat
    lon, lat = lonlat
    # the oracle: geodesic distance to the nearest edge of the box (edges are meridians/parallels)
    nearest_lon, nearest_lat = min(max(lon, west), east), min(max(lat, south), north)
    expected_m = GEOD.inv(lon, lat, nearest_lon, nearest_lat)[2]
    assert town.distance_outside_m(lon, lat) == pytest.approx(expected_m, abs=2.0)
    assert town.contains(lon, lat) is inside
    assert (expected_m <= 1000) is inside  # the hand-made cases are what they say


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        ({"station_type": "cafe"}, "station_type", 'was "cafe" but is expected to be one of: hub, party_mass'),
        ({"id": "bad id!"}, "id", "is not a valid id"),
        ({"id": 7}, "id", "is not a valid id"),
        ({"community_code": "340822100999"}, "community_code", "not one of the 24 NBS codes"),
        ({"amenities": ["charger", "sauna"]}, "amenities", "unknown amenity sauna"),
        ({"amenities": "charger"}, "amenities", "must be a list of amenity names"),
        ({"amenities": ["charger", "charger"]}, "amenities", "more than once"),
        ({"opening_hours": "8am to 9pm"}, "opening_hours", "not OpenStreetMap opening_hours syntax"),
        ({"opening_hours": None}, "opening_hours", "not OpenStreetMap opening_hours syntax"),
        ({"phone": "call me"}, "phone", "is not a phone number"),
        ({"location_status": "maybe"}, "location_status", "expected to be one of: verified, geocoded, unverified, needs_position"),
        ({"community_code": None, "verified_on": "28.11.2026"}, "verified_on", "is not a date"),
        ({"verification_method": "gps {{7*7}}"}, "verification_method", "{{"),
        ({"hours_status": "yes"}, "hours_status", 'expected to be "verified" or "unverified"'),
        ({"name_zh": ""}, "name_zh", "must be a non-empty text"),
        ({"name_en": "Red\nStation"}, "name_en", "control characters"),
        ({"name_zh": "站" * 500}, "name_zh", "the limit is 120"),
        ({"source": None}, "source", "must be a non-empty text"),
    ],
)
def test_bad_property_values_are_reported_per_field(tmp_path, overrides, field, expected):
    problems = problems_of(write(tmp_path, collection(station(**overrides))))
    assert len(problems) == 1, [str(p) for p in problems]
    assert problems[0].field == field
    assert expected in problems[0].message


def test_nullable_fields_may_be_null(tmp_path):
    path = write(tmp_path, collection(station(phone=None, operator=None, address=None)))
    assert load_stations(path)["operator"].isna().all()


def test_duplicate_ids_point_at_the_first_occurrence(tmp_path):
    path = write(tmp_path, collection(station(), station(id="RS-02"), station()))
    problems = problems_of(path)
    assert [(p.row, p.station_id) for p in problems] == [(3, "RS-01")]
    assert "feature 1 has the same id" in problems[0].message


def test_every_problem_in_a_file_is_listed_at_once(tmp_path):
    features = [
        station(id="A-1"),
        station(id="A-2", station_type="cafe"),
        station(id="A-3", coordinates=[SEAT[1], SEAT[0]]),
        station(id="A-4", amenities=["sauna"], opening_hours="whenever"),
    ]
    with pytest.raises(StationDataError) as caught:
        load_stations(write(tmp_path, collection(*features)))
    problems = caught.value.problems
    assert [(p.row, p.station_id, p.field) for p in problems] == [
        (2, "A-2", "station_type"),
        (3, "A-3", "geometry"),
        (4, "A-4", "amenities"),
        (4, "A-4", "opening_hours"),
    ]
    text = str(caught.value)
    assert text.startswith("stations.geojson: 4 problem(s) found; nothing was loaded.")
    assert "feature 3, id 'A-3', field 'geometry'" in text


def test_validation_does_not_modify_the_file(tmp_path):
    doc = collection(station(station_type="cafe"))
    path = write(tmp_path, doc)
    before = path.read_bytes()
    problems_of(path)
    assert path.read_bytes() == before
    assert json.loads(before) == copy.deepcopy(doc)


def test_the_embedded_dataset_is_valid():
    stations = load_stations()
    assert isinstance(stations, gpd.GeoDataFrame) and len(stations) >= 57


# --- demand points ---------------------------------------------------------------------------


def test_demand_csv_with_chinese_headers_weights_and_gcj02(tmp_path):
    from geo.analysis.demand import load_demand, read_demand_file
    from geo.place.datum import wgs84_to_gcj02

    gcj_lon, gcj_lat = wgs84_to_gcj02(116.82, 30.73)
    path = tmp_path / "d.csv"
    path.write_text(f"经度,纬度,权重,label\n{gcj_lon},{gcj_lat},3,a\n", encoding="utf-8")
    points = load_demand(path, datum="gcj02")
    assert (points.lon[0], points.lat[0]) == pytest.approx((116.82, 30.73), abs=1e-7)
    assert points.weight[0] == 3.0 and read_demand_file(path, datum="gcj02").points.label[0] == "a"


def test_demand_geojson_points_with_default_weight(tmp_path):
    from geo.analysis.demand import load_demand

    path = write(tmp_path, collection({"type": "Feature", "properties": {"label": "x"},
                                       "geometry": {"type": "Point", "coordinates": [116.82, 30.73]}}), "d.geojson")
    points = load_demand(path)
    assert (points.lon[0], points.lat[0]) == (116.82, 30.73) and points.weight[0] == 1.0


def test_bad_demand_rows_are_all_reported(tmp_path):
    from geo.analysis.demand import load_demand
    from geo.errors import PointsDataError

    path = tmp_path / "d.csv"
    path.write_text("lon,lat,weight\n116.8,30.7,1\n116.8,abc,1\n116.8,30.7,-2\n", encoding="utf-8")
    with pytest.raises(PointsDataError) as caught:
        load_demand(path)
    assert "line 3" in str(caught.value)
    path.write_text("lon,lat,weight\n116.8,30.7,1\n116.8,30.7,-2\n", encoding="utf-8")
    with pytest.raises(PointsDataError, match="line 3.*not a number >= 0"):
        load_demand(path)


def test_a_csv_without_coordinate_columns_is_refused(tmp_path):
    from geo.errors import PointsDataError
    from geo.readers import read_points_csv

    path = tmp_path / "d.csv"
    path.write_text("name,where\na,b\n", encoding="utf-8")
    with pytest.raises(PointsDataError, match="needs longitude and latitude columns"):
        read_points_csv(path)


# --- spreadsheets and CSV encodings ------------------------------------------------------------


def _xlsx(path: Path, rows: list[list]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def test_a_sheet_is_read_as_the_text_people_typed(tmp_path):
    from geo.register.sheets import read_station_table

    path = _xlsx(tmp_path / "站点.xlsx", [["名称", "经度", "纬度", "电话", None], ["骑龙社区党群驿站", 116.83, 30.74, 13800000000, None],
                                         [None, None, None, None, None]])
    table = read_station_table(path)
    assert table.headers == ("名称", "经度", "纬度", "电话")
    assert list(table.records()) == [(2, {"名称": "骑龙社区党群驿站", "经度": "116.83", "纬度": "30.74", "电话": "13800000000"})]


def test_an_xlsx_that_unpacks_to_gigabytes_is_refused_quickly_without_reading(tmp_path):
    import time
    import zipfile

    from geo.errors import SheetError
    from geo.register.sheets import read_station_table

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b"<c><v>0</v></c>" * 65536
            for _ in range(1100):  # ~1.1 GB unpacked, ~1 MB on disk
                sheet.write(block)
    assert path.stat().st_size < 5_000_000
    started = time.perf_counter()
    with pytest.raises(SheetError) as caught:
        read_station_table(path)
    assert caught.value.problems[0].key == "err_xlsx_unpacks_too_large"
    assert time.perf_counter() - started < 5  # refused from the zip directory, not by unpacking


def test_a_sheet_with_too_many_rows_stops_at_the_limit(tmp_path, monkeypatch):
    import geo.register.sheets
    from geo.errors import SheetError
    from geo.register.sheets import read_station_table

    monkeypatch.setattr(geo.register.sheets, "MAX_IMPORT_ROWS", 100)
    path = _xlsx(tmp_path / "long.xlsx", [["名称", "经度", "纬度"], *[[f"站 {i}", 116.8, 30.7] for i in range(120)]])
    with pytest.raises(SheetError) as caught:
        read_station_table(path)
    assert caught.value.problems[0].key == "err_too_many_rows"
    monkeypatch.setattr(geo.register.sheets, "MAX_IMPORT_ROWS", 200)
    assert len(read_station_table(path).rows) == 120


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02 not a zip", b"PK\x03\x04 broken"])
def test_empty_or_binary_xlsx_gets_a_clear_problem(tmp_path, content):
    from geo.errors import SheetError
    from geo.register.sheets import read_station_table

    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(SheetError) as caught:
        read_station_table(path)
    assert caught.value.problems[0].key in ("err_file_empty", "err_xlsx_not_a_workbook", "err_not_xlsx")


def test_gbk_csv_from_chinese_excel_is_read_and_its_encoding_named(tmp_path):
    from geo.readers import encoding_label, read_csv_table, read_points_csv

    path = tmp_path / "骑手.csv"
    path.write_bytes("名称,经度,纬度\n骑龙社区,116.83,30.74\n".encode("gbk"))
    frame, encoding = read_csv_table(path)
    assert frame["名称"].tolist() == ["骑龙社区"] and encoding_label(encoding) == "GBK (GB18030)"
    assert read_points_csv(path)["名称"].tolist() == ["骑龙社区"]
    utf8 = tmp_path / "utf8.csv"
    utf8.write_bytes("\ufeff名称,经度,纬度\n金星社区,116.83,30.74\n".encode("utf-8"))
    assert encoding_label(read_csv_table(utf8)[1]) == "UTF-8"


def test_a_million_bad_rows_give_a_capped_list_with_the_total(tmp_path):
    from geo.errors import MAX_PROBLEMS_SHOWN, PointsDataError
    from geo.readers import MAX_PROBLEMS_KEPT, read_points_csv

    path = tmp_path / "bad.csv"
    path.write_text("lon,lat\n" + "abc,30.7\n" * 200_000, encoding="utf-8")
    with pytest.raises(PointsDataError) as caught:
        read_points_csv(path)
    assert len(caught.value.problems) == MAX_PROBLEMS_KEPT and caught.value.total == 200_000
    text = caught.value.localized("zh")
    assert text.count("\n  - ") == MAX_PROBLEMS_SHOWN and f"另有 {200_000 - MAX_PROBLEMS_SHOWN} 个问题" in text


@pytest.mark.parametrize("content, key", [
    (bytes(range(256)) * 40, "err_not_utf8"),
    (b"", "err_file_empty"),
    (b"name,lon,lat\nx,116.8,30.7\n", "err_bad_json"),
    (json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
                 "features": []}).encode(), "err_study_area_unreadable"),
    (json.dumps({"type": "Polygon", "coordinates": "abc"}).encode(), "err_study_area_unreadable"),
    (json.dumps({"type": "Point", "coordinates": [116.8, 30.7]}).encode(), "err_study_area_no_polygon"),
])
def test_a_study_area_that_is_not_wgs84_polygons_is_refused_with_its_reason(tmp_path, content, key):
    from geo.errors import PointsDataError
    from geo.readers import read_study_area

    path = tmp_path / "area.geojson"
    path.write_bytes(content)
    with pytest.raises(PointsDataError) as caught:
        read_study_area(path)
    assert [p.key for p in caught.value.problems] == [key]


def test_a_study_area_keeps_its_polygons_in_wgs84(tmp_path):
    from geo.readers import read_study_area

    square = [[116.80, 30.70], [116.82, 30.70], [116.82, 30.72], [116.80, 30.72], [116.80, 30.70]]
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "<b>x</b>"}, "geometry": {"type": "Polygon", "coordinates": [square]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [116.8, 30.7]}}]}
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps(document), encoding="utf-8")
    area = read_study_area(path)
    assert area.crs.to_epsg() == 4326 and len(area) == 1
    assert area.geometry.iloc[0].bounds == (116.80, 30.70, 116.82, 30.72)


@pytest.mark.parametrize("name, content, key", [
    ("only_header.csv", "经度,纬度,人数\n".encode("gbk"), "err_no_rows"),
    ("no_points.geojson", json.dumps({"type": "FeatureCollection", "features": []}).encode(),
     "err_expected_point_collection"),
])
def test_a_points_file_with_no_rows_is_refused_not_answered_with_nothing(tmp_path, name, content, key):
    from geo.analysis.demand import load_demand
    from geo.errors import PointsDataError
    from geo.readers import read_point_table

    path = tmp_path / name
    path.write_bytes(content)
    for read in (read_point_table, load_demand):
        with pytest.raises(PointsDataError) as caught:
            read(path)
        assert [p.key for p in caught.value.problems] == [key]


def test_latitude_and_longitude_swapped_are_named_as_swapped(tmp_path):
    from geo.errors import PointsDataError
    from geo.readers import read_points_csv

    path = tmp_path / "swapped.csv"
    path.write_text("lon,lat\n30.70,116.85\n30.71,116.86\n200,95\n", encoding="utf-8")
    with pytest.raises(PointsDataError) as caught:
        read_points_csv(path)
    keys = [p.key for p in caught.value.problems]
    # the last row is no position either way round: plainly "not degrees"
    assert keys == ["err_import_lonlat_swapped", "err_import_lonlat_swapped", "err_lonlat_not_degrees"]
    assert "swapped" in caught.value.localized("en")


@pytest.mark.parametrize(("encoding", "delimiter", "label"), [
    ("utf-8-sig", ",", "UTF-8"), ("gb18030", ";", "GBK (GB18030)"), ("utf-16", "\t", "UTF-16")])
def test_every_reader_of_points_reads_the_csv_files_chinese_tools_save(tmp_path, encoding, delimiter, label):
    """Excel's "CSV UTF-8", WPS's GBK with semicolons, Excel's "Unicode text" (UTF-16, tabs): the
    in-memory reader, the streamed reader and the station-list reader agree."""
    from geo.analysis.streaming import iter_demand_chunks
    from geo.readers import encoding_label, read_points_csv
    from geo.register.sheets import read_station_table

    rows = [("经度", "纬度", "人数", "名称"), ("116.8236", "30.7374", "3", "骑龙社区,东"), ("116.8300", "30.7400", "5", "金星")]
    text = "\r\n".join(delimiter.join(f'"{c}"' if "," in c else c for c in row) for row in rows) + "\r\n"
    path = tmp_path / "骑手.csv"
    path.write_bytes(text.encode(encoding))
    points = read_points_csv(path)
    assert points["lon"].tolist() == [116.8236, 116.83] and points["名称"].tolist() == ["骑龙社区,东", "金星"]
    assert encoding_label(points.attrs["encoding"]) == label
    (chunk,) = list(iter_demand_chunks(path))
    assert chunk.lon.tolist() == [116.8236, 116.83] and chunk.weight.tolist() == [3.0, 5.0]
    table = read_station_table(path)
    assert table.encoding == label and [row[3] for row in table.rows] == ["骑龙社区,东", "金星"]


def test_utf16_text_cut_in_the_middle_of_a_character_is_named_not_a_crash(tmp_path):
    from geo.errors import PointsDataError
    from geo.readers import read_points_csv

    path = tmp_path / "cut.csv"
    path.write_bytes("lon,lat\n116.8,30.7\n".encode("utf-16") + b"\x41")
    with pytest.raises(PointsDataError) as caught:
        read_points_csv(path)
    assert [p.key for p in caught.value.problems] == ["err_csv_encoding"]
