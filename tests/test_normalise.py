"""What people write in the town's sheets becomes the register's vocabulary, or stays unknown."""

from __future__ import annotations

from datetime import datetime

import opening_hours
import pytest

from geo.place.datum import Datum
from geo.place.reference import load_communities
from geo.readers import parse_coordinate, parse_lonlat
from geo.register.model import StationType
from geo.register.normalise import (
    CommunityIndex,
    NameNormaliser,
    datum_hint,
    guess_columns,
    hours_as_written,
    name_numbers,
    normalise_phone,
    parse_amenities,
    parse_opening_hours,
    parse_station_type,
)


@pytest.fixture(scope="module")
def communities():
    return load_communities()


def test_chinese_and_english_headers_are_recognised():
    headers = ["序号", "站点名称", "类型", "所属社区", "详细地址", "经度(高德)", "纬度(高德)", "配套设施", "开放时间",
               "联系电话", "管理单位", "Remarks"]
    assert guess_columns(headers) == {
        "name_zh": "站点名称", "station_type": "类型", "community": "所属社区", "address": "详细地址", "lon": "经度(高德)",
        "lat": "纬度(高德)", "amenities": "配套设施", "opening_hours": "开放时间", "phone": "联系电话", "operator": "管理单位"}
    assert guess_columns(["Name", "Longitude", "LATITUDE", "Opening hours", "Community"]) == {
        "name_zh": "Name", "lon": "Longitude", "lat": "LATITUDE", "opening_hours": "Opening hours", "community": "Community"}
    assert guess_columns(["名称", "坐标"]) == {"name_zh": "名称", "lonlat": "坐标"}
    assert guess_columns(["名 称", "经　度", "纬度："]) == {"name_zh": "名 称", "lon": "经　度", "lat": "纬度："}


@pytest.mark.parametrize(("header", "datum"), [("经度(高德)", Datum.GCJ02), ("lat (GCJ-02)", Datum.GCJ02),
                                               ("经度【百度】", Datum.BD09), ("lon (WGS-84)", Datum.WGS84), ("经度", None)])
def test_a_header_may_name_its_datum(header, datum):
    assert datum_hint(header) is datum


@pytest.mark.parametrize(("text", "expected"), [
    ("党群驿站", StationType.PARTY_MASS), ("红色驿站", StationType.RED), ("小区党群服务站", StationType.NEIGHBOURHOOD),
    ("停放点", StationType.PARKING), ("外卖车辆临时停放点", StationType.PARKING), ("党群服务中心", StationType.HUB),
    ("red", StationType.RED), ("RS", StationType.RED), ("party_mass", StationType.PARTY_MASS), ("ＰＫ", StationType.PARKING),
    ("Red station (pharmacy)", StationType.RED), ("人民医保药房红色驿站", StationType.RED), (" 小区 服务站 ", StationType.NEIGHBOURHOOD),
    ("咖啡馆", None), ("", None),
])
def test_station_types_as_people_write_them(text, expected):
    assert parse_station_type(text) is expected


@pytest.mark.parametrize(("text", "code"), [
    ("骑龙社区", "340822100008"), ("骑龙", "340822100008"), ("骑龙居委会", "340822100008"), ("Qilong", "340822100008"),
    ("qilong community", "340822100008"), ("340822100008", "340822100008"), ("高河镇骑龙社区", "340822100008"),
    ("查湾村", "340822100204"), ("查湾", "340822100204"), ("查湾村委会", "340822100204"), ("Ping'an Village", "340822100202"),
    ("平安", "340822100202"), ("金星 社区", "340822100007"), ("北京", None), ("", None),
])
def test_the_24_villages_and_communities_with_or_without_suffix(communities, text, code):
    assert CommunityIndex.from_table(communities).find(text) == code


def test_every_village_and_community_is_found_by_its_names(communities):
    index = CommunityIndex.from_table(communities)
    for row in communities.itertuples():
        for name in (row.code, row.name_official, row.name_short, row.name_en):
            assert index.find(name) == row.code, name


@pytest.mark.parametrize(("text", "amenities", "unknown"), [
    ("桌椅、微波炉、热水、饮水、雨伞、充电、急救箱、血压计", ["seating", "microwave", "hot_water", "drinking_water", "umbrella",
                                                        "charger", "first_aid", "bp_monitor"], []),
    ("药箱,厕所;空调 WiFi", ["first_aid", "toilet", "air_conditioning", "wifi"], []),
    ("充电器/充电宝", ["charger"], []),
    ("Wi-Fi, toilet", ["wifi", "toilet"], []),
    ("热水和打印机", ["hot_water"], ["打印机"]),
    ("", [], []),
])
def test_amenities_as_people_list_them(text, amenities, unknown):
    assert parse_amenities(text) == (amenities, unknown)


SATURDAY_10 = datetime(2026, 11, 28, 10, 0)
MONDAY_9 = datetime(2026, 11, 30, 9, 0)
MONDAY_18 = datetime(2026, 11, 30, 18, 0)
NATIONAL_DAY_10 = datetime(2026, 10, 1, 10, 0)  # a public holiday (Thursday)


@pytest.mark.parametrize(("text", "expected"), [
    ("8:00-20:00", "Mo-Su 08:00-20:00"),
    ("８：００－２０：００", "Mo-Su 08:00-20:00"),
    ("全天", "24/7"),
    ("24小时", "24/7"),
    ("周一至周五 8:30-17:30", "Mo-Fr 08:30-17:30"),
    ("周一到周五8:30—17:30", "Mo-Fr 08:30-17:30"),
    ("工作日 8:30-17:30", "Mo-Fr 08:30-17:30"),
    ("周一至周五 8:30-17:30，节假日不休", "Mo-Fr,PH 08:30-17:30"),
    ("8:00-20:00 节假日休息", "Mo-Su 08:00-20:00; PH off"),
    ("周一至周五 8:30-17:30；周六 9:00-12:00", "Mo-Fr 08:30-17:30; Sa 09:00-12:00"),
    ("周一至周五 8:30-17:30 周末休息", "Mo-Fr 08:30-17:30; Sa,Su off"),
    ("上午8:00-12:00 下午2:30-5:30", "Mo-Su 08:00-12:00,14:30-17:30"),
    ("8点-20点", "Mo-Su 08:00-20:00"),
    ("早8点至晚8点", "Mo-Su 08:00-20:00"),
    ("8点半-17点", "Mo-Su 08:30-17:00"),
    ("22:00-6:00", "Mo-Su 22:00-06:00"),
    ("周一、三、五 9:00-11:00", "Mo,We,Fr 09:00-11:00"),
    ("营业时间：8:00～21:00", "Mo-Su 08:00-21:00"),
    ("Mo-Fr 08:00-17:00", "Mo-Fr 08:00-17:00"),
    ("节假日不休", 'Mo-Su,PH unknown "节假日不休"'),
    ("看情况", None),
    ("8:00-25:00", None),
    ("周一至周五 8:30-17:30 午休另说", None),
])
def test_opening_hours_as_people_write_them(text, expected):
    result = parse_opening_hours(text)
    assert result == expected
    assert result is None or opening_hours.validate(result)


def test_converted_hours_mean_what_the_sheet_says():
    weekdays = opening_hours.OpeningHours(parse_opening_hours("周一至周五 8:30-17:30，节假日不休"))
    assert weekdays.is_open(MONDAY_9) and not weekdays.is_open(MONDAY_18) and not weekdays.is_open(SATURDAY_10)
    holidays_off = opening_hours.OpeningHours(parse_opening_hours("8:00-20:00 节假日休息"))
    assert holidays_off.is_open(SATURDAY_10) and holidays_off.is_open(MONDAY_9)
    alone = opening_hours.OpeningHours(parse_opening_hours("节假日不休"))
    assert alone.is_unknown(MONDAY_9) and not alone.is_open(MONDAY_9)


@pytest.mark.parametrize(("text", "expected"), [
    ("0556-5212345", "0556-5212345"), ("１３８ １２３４ ５６７８", "138 1234 5678"), ("13812345678.0", "13812345678"),
    ("+86 138 1234 5678", "+86 138 1234 5678"), ("找王主任", None), ("", None),
])
def test_phone_numbers(text, expected):
    assert normalise_phone(text) == expected


def test_coordinates_in_cells():
    assert parse_coordinate("116.8286") == 116.8286
    assert parse_coordinate("116.8286°E") == 116.8286
    assert parse_coordinate("东经116.8286") == 116.8286
    assert parse_coordinate("30.7°S") == -30.7
    assert parse_coordinate(116.5) == 116.5
    assert parse_coordinate("116,8286") is None
    assert parse_lonlat("116.828600,30.735000") == (116.8286, 30.735)
    assert parse_lonlat("116.8286，30.735") == (116.8286, 30.735)
    assert parse_lonlat("116.8286") is None


@pytest.mark.parametrize(("variant", "register_name"), [
    ("骑龙党群驿站", "骑龙社区党群驿站"), ("骑龙居委会党群驿站", "骑龙社区党群驿站"), ("高河镇骑龙社区党群驿站", "骑龙社区党群驿站"),
    ("骑龙社区 党群驿站", "骑龙社区党群驿站"), ("骑龙社区（党群驿站）", "骑龙社区党群驿站"), ("骑龙社区党群驿站。", "骑龙社区党群驿站"),
    ("ＱＩＬＯＮＧ站", "qilong站"), ("小区党群服务站7", "小区党群服务站 07"),
])
def test_variant_spellings_normalise_to_the_same_name(communities, variant, register_name):
    normalise = NameNormaliser.from_table(communities)
    assert normalise(variant) == normalise(register_name)


def test_numbers_in_names_keep_stations_apart(communities):
    normalise = NameNormaliser.from_table(communities)
    assert name_numbers(normalise("党群驿站 06")) == (6,) != name_numbers(normalise("党群驿站 07"))


@pytest.mark.parametrize(("stored", "written"), [
    ("Mo-Su 08:00-20:00", "每天 8:00-20:00"), ("24/7", "全天"), ("Mo-Fr 08:30-17:30", "周一至周五 8:30-17:30"),
    ("Mo-Fr 08:30-12:00,14:30-17:30", "周一至周五 8:30-12:00、14:30-17:30"),
    ("Mo-Fr 08:30-17:30; Sa 09:00-12:00", "周一至周五 8:30-17:30;周六 9:00-12:00"),
    ("Mo,We 09:00-12:00", "周一、周三 9:00-12:00"),
    ("Mo-Fr 08:30-17:30; PH off", "Mo-Fr 08:30-17:30; PH off"),  # no written form: stays as stored
])
def test_hours_are_shown_as_people_write_them_and_read_back_the_same(stored, written):
    assert hours_as_written(stored) == written
    assert parse_opening_hours(written) == stored


def test_every_registers_hours_survive_the_form_round_trip():
    from geo.register.geojson import load_stations

    for stored in set(load_stations()["opening_hours"]) - {"unknown"}:
        assert parse_opening_hours(hours_as_written(stored)) == stored
        assert opening_hours.OpeningHours(stored)  # a real OSM value the peer parser reads
