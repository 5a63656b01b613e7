"""Offline place search: forgiving about suffixes, pinyin and partial names."""

from __future__ import annotations

import pytest

from geo.place.gazetteer import build_gazetteer, search_places
from geo.place.reference import load_communities
from geo.register.geojson import load_stations


@pytest.fixture(scope="module")
def gazetteer():
    return build_gazetteer(load_stations(), load_communities())


def first(gazetteer, query):
    places = search_places(gazetteer, query)
    return places[0] if places else None


def test_every_station_village_and_landmark_is_listed(gazetteer):
    assert len(gazetteer) == len(load_stations()) + 24 + 3
    assert set(gazetteer.kind) >= {"landmark", "community", "village", "red", "parking"}


@pytest.mark.parametrize("query", ["骑龙社区", "骑龙", "qilong", "Qilong", "qi long", "QILONG "])
def test_a_community_is_found_with_or_without_suffix_and_by_pinyin(gazetteer, query):
    assert first(gazetteer, query).name_zh == "骑龙社区"


def test_a_village_spelled_in_pinyin_is_found_and_says_it_has_no_position(gazetteer):
    place = first(gazetteer, "zhawan")
    assert place.name_zh == "查湾村" and place.lon is None
    assert place.note("en") == "no position known" and place.note("zh") == "位置未知"


def test_a_community_with_stations_is_placed_at_their_centre(gazetteer):
    stations = load_stations()
    place = first(gazetteer, "金星社区")
    mine = stations[stations.community_code == "340822100007"]
    assert place.lon == pytest.approx(mine.geometry.x.mean()) and place.lat == pytest.approx(mine.geometry.y.mean())
    assert "approximate" in place.note("en") and "近似" in place.note("zh")


def test_a_partial_station_name_finds_the_station(gazetteer):
    assert first(gazetteer, "红色驿站 03").name_zh == "人民医保药房红色驿站 03"
    assert first(gazetteer, "县政府").name_zh == "怀宁县人民政府"


def test_nonsense_and_empty_queries_find_nothing(gazetteer):
    assert search_places(gazetteer, "xyzzy") == []
    assert search_places(gazetteer, "   ") == []


def test_the_railway_station_is_found_by_the_names_people_use(gazetteer):
    for query in ("火车站", "高铁站", "安庆西站", "anqing west"):
        assert first(gazetteer, query).name_zh == "安庆西站", query


@pytest.mark.parametrize("query", ["abc", "zz", "医院", "PM-04x", "hospital"])
def test_queries_that_match_nothing_well_enough_find_nothing(gazetteer, query):
    # before: abc offered five villages (scores of 60) and picking one moved the rider there
    assert search_places(gazetteer, query) == []


def test_a_partial_alias_finds_only_its_place(gazetteer):
    # before: 火车站 offered 查湾村, 长铺村 and 谢山村, whose pinyin shares letters with huochezhan
    assert [p.name_zh for p in search_places(gazetteer, "火车")] == ["安庆西站"]


def test_chinese_queries_are_compared_with_chinese_names_only(gazetteer):
    # 查湾 in pinyin is "zhawan"; typed as 炸弯 (same pinyin, other characters) it must not match
    assert search_places(gazetteer, "炸弯") == []
