"""The import plan, tried with partial sheets as the town keeps them: matching by id and by
variant names, positions in WGS-84 with moves measured against pyproj, ambiguous matches left to
the planner, partial apply as an explicit choice, addresses geocoded by a fake geocoder behind
geopy's interface (no network), and rows that need a position kept, not dropped."""

from __future__ import annotations

from datetime import date

import eviltransform
import numpy as np
import pytest
from geopy.exc import GeocoderUnavailable
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from openpyxl import Workbook
from pyproj import Geod

from geo.errors import GeoDataError
from geo.place.datum import wgs84_to_gcj02
from geo.place.geocode import GeocoderConfig, address_geocoder
from geo.place.reference import load_communities, load_county_boundary
from geo.register.geojson import load_stations, stations_to_feature_collection
from geo.register.import_plan import CHOOSE_NEW, FAR_MOVE_M, ImportSettings, apply_import_plan, build_import_plan
from geo.register.sheets import read_station_table
from geo.register.validate import PlaceChecker, validate_feature_collection

GEOD = Geod(ellps="WGS84")
TODAY = date(2026, 11, 28)


@pytest.fixture(scope="module")
def checker():
    return PlaceChecker(load_county_boundary())


@pytest.fixture(scope="module")
def register():
    return load_stations()


def xlsx(tmp_path, header, rows, name="名单.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    path = tmp_path / name
    workbook.save(path)
    return path


def gbk_csv(tmp_path, header, rows, name="名单.csv"):
    path = tmp_path / name
    lines = [",".join(header)] + [",".join(str(c) for c in row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def plan(path, register, checker, geocode=None, **settings):
    return build_import_plan(read_station_table(path), register, ImportSettings(**settings), communities=load_communities(),
                             checker=checker, geocode=geocode, geocoder_name="baidu" if geocode else None, today=TODAY)


def distance_m(a, b):
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def position_of(register, station_id):
    point = register.set_index("id").at[station_id, "geometry"]
    return point.x, point.y


# --- the sheet from the issue ------------------------------------------------------------------

def test_the_towns_name_lon_lat_address_sheet_in_gcj02_is_matched_and_moved(tmp_path, register, checker):
    true_positions = {"骑龙社区党群驿站": (116.8215, 30.7362), "金星社区党群驿站": (116.8300, 30.7440),
                      "陶亭社区党群驿站": (116.8340, 30.7330)}
    rows = [(name, *wgs84_to_gcj02(*lonlat), f"{name[:2]}路 1 号") for name, lonlat in true_positions.items()]
    result = plan(xlsx(tmp_path, ["名称", "经度", "纬度", "地址"], rows), register, checker, datum="gcj02")
    assert result.valid and result.unit == "row"
    assert [(r.row, r.action, r.station_id, r.matched_by) for r in result.rows] == [
        (2, "update", "PM-01", "name"), (3, "update", "PM-02", "name"), (4, "update", "PM-03", "name")]
    for plan_row, (name, lonlat) in zip(result.rows, true_positions.items()):
        assert distance_m(plan_row.new_lonlat, lonlat) < 0.5  # GCJ-02 converted to WGS-84
        assert plan_row.old_lonlat == position_of(register, plan_row.station_id)
        assert plan_row.move_m == pytest.approx(distance_m(plan_row.old_lonlat, lonlat), abs=0.5)
        assert set(plan_row.changed) == {"address", "source", "geometry"}
        assert plan_row.location_status == "unverified" and "位置来自 名单.xlsx (2026-11-28)" in plan_row.properties["source"]


@pytest.mark.parametrize("variant", ["骑龙党群驿站", "骑龙居委会党群驿站", "高河镇骑龙社区党群驿站", "骑龙社区 党群驿站",
                                     "骑龙社区（党群驿站）", "骑龙社区党群驿占"])
def test_variant_spellings_find_the_station_and_keep_its_name(tmp_path, register, checker, variant):
    result = plan(gbk_csv(tmp_path, ["名称", "经度", "纬度"], [(variant, 116.8265, 30.7391)]), register, checker)
    (row,) = result.rows
    assert (row.action, row.station_id) == ("update", "PM-01")
    assert row.properties["name_zh"] == "骑龙社区党群驿站"
    assert [w.key for w in row.warnings] == ["warn_import_name_kept"]


def test_numbered_placeholder_names_match_only_their_number(tmp_path, register, checker):
    rows = [("党群驿站6", 116.8265, 30.7391), ("小区党群服务站 7", 116.8266, 30.7392), ("党群驿站 9", 116.8267, 30.7393)]
    result = plan(gbk_csv(tmp_path, ["名称", "经度", "纬度"], rows), register, checker, station_type="party_mass")
    assert [(r.action, r.station_id) for r in result.rows] == [("update", "PM-06"), ("update", "NS-07"), ("new", "PM-08")]


def test_matching_by_id_renames_and_id_mode_ignores_names(tmp_path, register, checker):
    path = gbk_csv(tmp_path, ["编号", "名称"], [("RS-01", "人民医保药房红色驿站(骑龙店)"), ("", "骑龙社区党群驿站")])
    result = plan(path, register, checker, match="id")
    first, second = result.rows
    assert (first.action, first.matched_by, first.properties["name_zh"]) == ("update", "id", "人民医保药房红色驿站(骑龙店)")
    assert first.changed == ("name_zh",) and first.position_from == "kept"
    # not matched by name in id mode: a new station, its type read from its name (党群驿站)
    assert (second.action, second.station_id, second.properties["station_type"]) == ("new", "PM-08", "party_mass")
    assert [w.key for w in second.warnings] == ["warn_import_type_from_name"]


def test_an_ambiguous_name_waits_for_the_planners_choice(tmp_path, register, checker):
    twins = register.copy()
    twins.loc[twins.id == "NS-01", "name_zh"] = "骑龙社区 党群驿站"  # two stations now share a name
    path = gbk_csv(tmp_path, ["名称", "经度", "纬度"], [("骑龙社区党群驿站", 116.8265, 30.7391)])
    (row,) = plan(path, twins, checker).rows
    assert row.action == "choose" and [c.station_id for c in row.candidates] == ["NS-01", "PM-01"]
    assert [p.key for p in row.problems] == ["err_import_choose"] and not row.ready(False)
    (chosen,) = plan(path, twins, checker, choices={2: "PM-01"}).rows
    assert (chosen.action, chosen.station_id, chosen.matched_by) == ("update", "PM-01", "choice")
    (new,) = plan(path, twins, checker, choices={2: CHOOSE_NEW}, station_type="party_mass").rows
    assert (new.action, new.station_id) == ("new", "PM-08")


def test_duplicate_ids_and_two_rows_for_one_station_are_reported_by_row(tmp_path, register, checker):
    path = gbk_csv(tmp_path, ["编号", "名称"], [("RS-01", "甲"), ("RS-02", "乙"), ("RS-01", "丙"), ("", "人民医保药房红色驿站 02")])
    result = plan(path, register, checker)
    problems = {r.row: [(p.key, dict(p.params)) for p in r.problems] for r in result.rows}
    assert problems[4] == [("err_import_duplicate_id", {"id": "RS-01", "first": 2})]
    assert problems[5] == [("err_import_same_station", {"id": "RS-02", "first": 3})]
    assert not result.valid


# --- values as people write them ---------------------------------------------------------------

def test_types_communities_amenities_hours_phone_and_operator_become_register_values(tmp_path, register, checker):
    header = ["站点名称", "类型", "所属社区", "配套设施", "开放时间", "联系电话", "运营单位", "经度", "纬度"]
    rows = [("人民医保药房红色驿站(金塘店)", "红色驿站", "金塘", "桌椅、微波炉、热水、急救箱、打印机", "周一至周五 8:30-17:30，节假日不休",
             "0556-5212345", "人民医保药房", 116.8300, 30.7330),
            ("城北停放点", "停放点", "城北村", "", "全天", "", "", 116.8270, 30.7460)]
    result = plan(xlsx(tmp_path, header, rows), register, checker)
    first, second = result.rows
    assert result.valid and (first.station_id, second.station_id) == ("RS-07", "PK-13")
    props = first.properties
    assert (props["station_type"], props["community_code"], props["opening_hours"], props["phone"], props["operator"]) == (
        "red", "340822100006", "Mo-Fr,PH 08:30-17:30", "0556-5212345", "人民医保药房")
    assert props["amenities"] == ["seating", "microwave", "hot_water", "first_aid"]
    assert [(w.key, w.params["words"], w.field) for w in first.warnings] == [("warn_import_unknown_amenities", "打印机", "配套设施")]
    assert second.properties["opening_hours"] == "24/7" and second.properties["amenities"] == []


def test_what_a_sheet_lacks_is_unknown_or_chosen_once_for_the_file(tmp_path, register, checker):
    path = gbk_csv(tmp_path, ["名称", "经度", "纬度"], [("某小区党群服务站", 116.8270, 30.7380), ("骑龙社区党群驿站", 116.8265, 30.7391)])
    unknown = plan(path, register, checker, station_type="neighbourhood").rows[0].properties
    assert (unknown["community_code"], unknown["opening_hours"], unknown["amenities"], unknown["phone"]) == (None, "unknown", [], None)
    assert unknown["name_en"] == "某小区党群服务站"  # no English name: the Chinese one, not an invented one
    chosen = plan(path, register, checker, station_type="neighbourhood", community_code="340822100004",
                  opening_hours="8:00-20:00", operator="陶亭社区党组织", amenities=("seating",))
    new, existing = chosen.rows
    assert (new.properties["community_code"], new.properties["opening_hours"], new.properties["operator"]) == (
        "340822100004", "Mo-Su 08:00-20:00", "陶亭社区党组织")
    # the file's choices never overwrite what the register knows of an existing station
    assert existing.properties["community_code"] == "340822100008"
    assert existing.properties["opening_hours"] == register.set_index("id").at["PM-01", "opening_hours"]
    assert [w.key for w in existing.warnings] == ["warn_import_file_type_differs"]


@pytest.mark.parametrize(("cells", "key", "column"), [
    (("甲站", "abc", "30.7"), "err_lonlat_not_numbers", "经度"),
    (("甲站", "30.7391", "116.8265"), "err_import_lonlat_swapped", "经度"),
    (("甲站", "117.2", "31.8"), "err_outside_county", "经度, 纬度"),  # both far off
    (("甲站", "116.7800", "30.5880"), "err_outside_town_extent", "纬度"),  # 116.78 is inside the town's span
    (("甲站", "116.7300", "30.7300"), "err_outside_town_extent", "经度"),
    (("<script>alert(1)</script>", "116.8265", "30.7391"), "err_text_code_syntax", "名称"),
])
def test_bad_rows_say_what_is_wrong_in_the_sheets_own_terms(tmp_path, register, checker, cells, key, column):
    (row,) = plan(gbk_csv(tmp_path, ["名称", "经度", "纬度"], [cells]), register, checker, station_type="red").rows
    assert row.action == "invalid" and [p.key for p in row.problems] == [key]
    assert row.problems[0].row == 2 and row.problems[0].unit == "row" and row.problems[0].field == column


def test_a_latitude_typo_shows_where_the_file_puts_the_station_and_how_far(tmp_path, register, checker):
    from pyproj import Geod

    old = position_of(register, "PM-05")
    typo = (old[0], old[1] - 0.3)  # 30.74 written 30.44: ~33 km south, outside the town
    (row,) = plan(gbk_csv(tmp_path, ["编号", "经度", "纬度"], [("PM-05", *typo)]), register, checker).rows
    assert row.action == "invalid" and [p.field for p in row.problems] == ["纬度"]
    assert row.old_lonlat == pytest.approx(old) and row.new_lonlat == pytest.approx(typo)  # not the old position
    assert row.move_m == pytest.approx(Geod(ellps="WGS84").inv(*old, *typo)[2], abs=0.5) and row.far_move
    assert row.position_from == "sheet" and not row.ready(True)
    outcome = apply_import_plan(plan(gbk_csv(tmp_path, ["编号", "经度", "纬度"], [("PM-05", *typo)]), register, checker),
                                register, partial=True)
    assert position_of(outcome.stations, "PM-05") == pytest.approx(old)  # shown, never applied


@pytest.mark.parametrize(("name", "expected"), [
    ("外卖车辆临时停放点(华联超市门口)", "parking"), ("银河一品小区党群服务站", "neighbourhood"),
    ("人民医保药房红色驿站 09", "red"), ("高河镇城市社区党群服务中心", "hub"), ("金星社区党群驿站", "party_mass"),
    ("金星社区新时代文明实践站", None),
])
def test_a_new_stations_type_comes_from_its_name_when_the_sheet_has_no_type(tmp_path, register, checker, name, expected):
    path = gbk_csv(tmp_path, ["名称", "经度", "纬度"], [(name, 116.8265, 30.7391)])
    (row,) = plan(path, register, checker, match="id", station_type="neighbourhood").rows
    # the name wins over the file-wide type; a name that says nothing falls back to it
    assert row.properties["station_type"] == (expected or "neighbourhood")
    assert [w.key for w in row.warnings] == (["warn_import_type_from_name"] if expected else [])
    (row,) = plan(path, register, checker, match="id").rows
    assert row.properties["station_type"] == expected and (row.action == "invalid") == (expected is None)


def test_the_planner_sets_a_type_per_row_and_it_wins(tmp_path, register, checker):
    path = gbk_csv(tmp_path, ["名称", "类型", "经度", "纬度"], [("华联停放点", "停放点", 116.8265, 30.7391),
                                                                ("文明实践站", "", 116.8270, 30.7395)])
    first, second = plan(path, register, checker, row_types={2: "red", 3: "hub"}).rows
    assert (first.properties["station_type"], first.station_id) == ("red", "RS-07")
    assert (second.properties["station_type"], second.station_id, second.action) == ("hub", "HUB-02", "new")
    with pytest.raises(ValueError):
        ImportSettings(row_types={2: "cafe"})


def test_a_new_station_gets_the_community_its_address_names(tmp_path, register, checker):
    path = gbk_csv(tmp_path, ["名称", "地址", "经度", "纬度"], [
        ("甲停放点", "高河镇金星社区独秀大道与育儿路交叉口", 116.8265, 30.7391),  # 高河镇 is the town, 金星社区 the place
        ("乙停放点", "人民医保药房(骑龙店)", 116.8266, 30.7392),  # a bare 骑龙 says too little
        ("丙停放点", "金星社区与陶亭社区交界", 116.8267, 30.7393),  # two places: unknown
        ("丁停放点", "城北村委会旁", 116.8268, 30.7394)])
    rows = plan(path, register, checker).rows
    assert [r.properties["community_code"] for r in rows] == ["340822100007", None, None, "340822100200"]
    assert all(r.ready(False) for r in rows)


def test_coordinates_read_in_the_wrong_datum_are_pointed_out(tmp_path, register, checker):
    ids = ["PM-01", "PM-02", "RS-01", "NS-15", "PK-08"]
    # the register's own positions as Amap shows them (a peer GCJ-02 implementation): read as
    # WGS-84 every one moves 300-700 m
    cells = [(i, *eviltransform.wgs2gcj(position_of(register, i)[1], position_of(register, i)[0])[::-1]) for i in ids]
    path = gbk_csv(tmp_path, ["编号", "经度", "纬度"], cells)
    wrong = plan(path, register, checker, datum="wgs84")
    (warning,) = [w for w in wrong.file_warnings if w.key == "warn_import_likely_datum"]
    assert (warning.params["datum"], warning.params["likely"], warning.params["n"]) == ("wgs84", "gcj02", 5)
    assert warning.params["median_m"] > 300 and warning.params["other_m"] < 1
    assert "likely the wrong datum" in warning.text("en") and "坐标系可能选错了" in warning.text("zh")
    right = plan(path, register, checker, datum="gcj02")
    assert not [w for w in right.file_warnings if w.key == "warn_import_likely_datum"]
    assert right.counts()["unchanged"] == 5
    # stations really moved ~550 m, each its own way: no datum explains that
    rng = np.random.default_rng(7)
    moved = []
    for i in ids:
        lon, lat = position_of(register, i)
        angle = rng.uniform(0, 2 * np.pi)
        moved.append((i, lon + 0.0057 * np.cos(angle), lat + 0.005 * np.sin(angle)))
    scattered = plan(gbk_csv(tmp_path, ["编号", "经度", "纬度"], moved), register, checker, datum="wgs84")
    assert min(r.move_m for r in scattered.rows) > 400
    assert not [w for w in scattered.file_warnings if w.key == "warn_import_likely_datum"]
    # two matched rows are too few to say
    few = plan(gbk_csv(tmp_path, ["编号", "经度", "纬度"], cells[:2]), register, checker, datum="wgs84")
    assert not [w for w in few.file_warnings if w.key == "warn_import_likely_datum"]


def test_a_move_over_2_km_is_flagged_and_left_out_unless_accepted(tmp_path, register, checker):
    old = position_of(register, "PM-01")
    typo = (old[0] + 0.03, old[1])  # a typo in the third decimal: ~2.9 km east
    path = gbk_csv(tmp_path, ["编号", "经度", "纬度"], [("PM-01", *typo), ("PM-02", *position_of(register, "PM-02"))])
    result = plan(path, register, checker)
    far, same = result.rows
    assert far.far_move and far.move_m == pytest.approx(distance_m(old, typo), abs=0.5) and far.move_m > FAR_MOVE_M
    assert not far.ready(False) and not result.valid and same.action == "unchanged"
    assert plan(path, register, checker, accept_far_moves=True).valid


def test_a_header_naming_another_datum_is_pointed_out(tmp_path, register, checker):
    result = plan(gbk_csv(tmp_path, ["名称", "经度(高德)", "纬度(高德)"], [("骑龙社区党群驿站", 116.8265, 30.7391)]), register, checker)
    assert [w.key for w in result.file_warnings] == ["warn_import_header_names_datum"]


def test_a_sheet_without_a_name_column_says_which_columns_it_has(tmp_path, register, checker):
    result = plan(gbk_csv(tmp_path, ["站", "东西"], [("甲", "乙")]), register, checker)
    assert [p.key for p in result.file_problems] == ["err_import_no_name_column"] and not result.valid
    assert "站, 东西" in result.file_problems[0].text("zh")
    mapped = plan(gbk_csv(tmp_path, ["站", "东西"], [("骑龙社区党群驿站", "乙")]), register, checker, columns={"name_zh": "站"})
    assert mapped.rows[0].station_id == "PM-01"


# --- partial apply -----------------------------------------------------------------------------

def test_good_rows_are_applied_only_when_the_planner_asks_for_it(tmp_path, register, checker):
    path = gbk_csv(tmp_path, ["名称", "经度", "纬度"], [("骑龙社区党群驿站", 116.8215, 30.7362), ("坏行", "abc", "1"),
                                                   ("新药房", 116.8250, 30.7350)])
    result = plan(path, register, checker, station_type="red")
    assert [r.ready(False) for r in result.rows] == [True, False, True]
    with pytest.raises(GeoDataError, match="1 row"):
        apply_import_plan(result, register)
    outcome = apply_import_plan(result, register, partial=True)
    assert outcome.applied_rows == (2, 4) and outcome.left_out_rows == (3,)
    assert outcome.updated == ("PM-01",) and outcome.added == ("RS-07",)
    assert len(outcome.stations) == len(register) + 1
    assert position_of(outcome.stations, "PM-01") == pytest.approx((116.8215, 30.7362))
    _, problems = validate_feature_collection(stations_to_feature_collection(outcome.stations))
    assert problems == []
    assert "1 row(s) left out" in str(outcome.summary("名单.csv"))
    assert "未导入 1 行" in outcome.summary("名单.csv").text("zh")


def test_replace_removes_the_stations_no_row_names(tmp_path, register, checker):
    path = gbk_csv(tmp_path, ["编号", "名称"], [("PM-01", "骑龙社区党群驿站"), ("PM-02", "金星社区党群驿站")])
    result = plan(path, register, checker, mode="replace")
    assert len(result.removed) == len(register) - 2
    assert sorted(apply_import_plan(result, register).stations["id"]) == ["PM-01", "PM-02"]


# --- addresses ---------------------------------------------------------------------------------

class FakeBaidu(Geocoder):
    """Answers like geopy's BaiduV3 (BD-09 coordinates), from a table instead of the network."""

    def __init__(self, answers: dict[str, tuple[float, float]], *, fail: bool = False):
        super().__init__()
        self.answers, self.fail, self.queries = answers, fail, []

    def geocode(self, query, *, exactly_one=True, timeout=None, **kwargs):
        self.queries.append(query)
        if self.fail:
            raise GeocoderUnavailable("no route to host")
        found = [Location(query, (lat, lon), {}) for key, (lon, lat) in self.answers.items() if key in query]
        return (found[0] if found else None) if exactly_one else found


def baidu(answers, **kwargs):
    fake = FakeBaidu(answers, **kwargs)
    return fake, address_geocoder(GeocoderConfig("baidu", "key"), make_geocoder=lambda _: fake, min_delay_s=0)


def bd09_of(lon, lat):
    bd_lat, bd_lon = eviltransform.wgs2bd(lat, lon)  # an independent implementation as the oracle
    return bd_lon, bd_lat


def test_addresses_are_geocoded_from_bd09_to_wgs84_with_provider_and_date(tmp_path, register, checker):
    true_position = (116.8290, 30.7420)
    fake, geocode = baidu({"人民路 18 号": bd09_of(*true_position), "北京路": bd09_of(116.40, 39.90)})
    path = gbk_csv(tmp_path, ["名称", "地址"], [("人民路药房", "人民路 18 号"), ("北京药房", "北京路 1 号"),
                                            ("无名路药房", "无名路")])
    result = plan(path, register, checker, geocode=geocode, station_type="red")
    found, far, nothing = result.rows
    assert fake.queries[0] == "安徽省安庆市怀宁县高河镇人民路 18 号"
    assert (found.position_from, found.location_status) == ("geocoded", "geocoded")
    assert distance_m(found.new_lonlat, true_position) < 1.0
    assert "baidu" in found.properties["source"] and "2026-11-28" in found.properties["source"]
    # an answer outside the town is not used; nothing found: the station still comes in, without a position
    assert [w.key for w in far.warnings] == ["warn_import_geocoded_outside"]
    assert [w.key for w in nothing.warnings] == ["warn_import_geocoded_nothing"]
    assert {r.location_status for r in (far, nothing)} == {"needs_position"} and result.valid
    assert [r.row for r in result.needs_position()] == [3, 4]


@pytest.mark.parametrize("geocoder", ["none", "offline"])
def test_without_a_geocoder_address_rows_are_kept_as_needing_a_position(tmp_path, register, checker, geocoder):
    geocode = None if geocoder == "none" else baidu({}, fail=True)[1]
    path = gbk_csv(tmp_path, ["名称", "社区", "地址"], [("人民路药房", "骑龙", "人民路 18 号")])
    result = plan(path, register, checker, geocode=geocode, station_type="red")
    (row,) = result.rows
    assert result.valid and row.action == "new" and row.location_status == "needs_position"
    expected_warnings = ["warn_import_no_geocoder"] if geocoder == "none" else ["err_geocoder_unreachable",
                                                                                  "warn_import_geocoding_stopped"]
    assert [w.key for w in result.file_warnings] == expected_warnings
    assert result.needs_position() == [row]
    outcome = apply_import_plan(result, register)
    added = outcome.stations.set_index("id").loc["RS-07"]
    assert added.location_status == "needs_position" and added.address == "人民路 18 号"
    qilong = register[register.community_code == "340822100008"]
    centre = (qilong.geometry.x.mean(), qilong.geometry.y.mean())  # the stand-in: its community's stations' centre
    assert (added.geometry.x, added.geometry.y) == pytest.approx(centre)


def test_a_verified_position_is_never_replaced_by_a_geocoded_one(tmp_path, register, checker):
    verified = register.copy()
    verified.loc[verified.id == "PM-01", "location_status"] = "verified"
    fake, geocode = baidu({"骑龙路": bd09_of(116.8290, 30.7420)})
    path = gbk_csv(tmp_path, ["编号", "地址"], [("PM-01", "骑龙路 8 号")])
    (row,) = plan(path, verified, checker, geocode=geocode).rows
    assert fake.queries == [] and row.position_from == "kept" and row.location_status == "verified"
    assert row.changed == ("address",)


def test_a_placeholder_gets_the_geocoded_position_of_its_new_address_once(tmp_path, register, checker):
    true_position = (116.8215, 30.7362)
    fake, geocode = baidu({"骑龙路 8 号": bd09_of(*true_position)})
    (row,) = plan(gbk_csv(tmp_path, ["名称", "地址"], [("骑龙社区党群驿站", "骑龙路 8 号")]), register, checker, geocode=geocode).rows
    assert (row.station_id, row.position_from, row.location_status) == ("PM-01", "geocoded", "geocoded")
    assert distance_m(row.new_lonlat, true_position) < 1.0 and set(row.changed) == {"address", "location_status", "source", "geometry"}
    imported = apply_import_plan(plan(gbk_csv(tmp_path, ["名称", "地址"], [("骑龙社区党群驿站", "骑龙路 8 号")]), register, checker,
                                      geocode=geocode), register).stations
    fake.queries.clear()
    (again,) = plan(gbk_csv(tmp_path, ["名称", "地址"], [("骑龙社区党群驿站", "骑龙路 8 号")]), imported, checker, geocode=geocode).rows
    assert fake.queries == [] and again.action == "unchanged"  # the same address is not asked twice


def test_names_of_different_communities_never_match(tmp_path, register, checker):
    # 金塘 and 金星 are one character apart: a fuzzy score alone (83) would take one for the other
    path = gbk_csv(tmp_path, ["名称", "地址"], [("金塘社区党群驿站", "金塘路 2 号")])
    (row,) = plan(path, register, checker, station_type="party_mass").rows
    assert (row.action, row.station_id, row.candidates) == ("new", "PM-08", ())
