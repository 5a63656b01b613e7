"""Offline place search: forgiving about suffixes, pinyin and partial names."""

from __future__ import annotations

import pytest

from geo.gazetteer import build_gazetteer, search_places
from geo.reference import load_communities
from geo.register import load_stations


@pytest.fixture(scope="module")
def gazetteer():
    return build_gazetteer(load_stations(), load_communities())


def first(gazetteer, query):
    places = search_places(gazetteer, query)
    return places[0] if places else None


def test_every_station_village_and_landmark_is_listed(gazetteer):
    assert len(gazetteer) == len(load_stations()) + 24 + 2
    assert set(gazetteer.kind) >= {"landmark", "community", "village", "red", "parking"}


@pytest.mark.parametrize("query", ["骑龙社区", "骑龙", "qilong", "Qilong", "qi long", "QILONG "])
def test_a_community_is_found_with_or_without_suffix_and_by_pinyin(gazetteer, query):
    assert first(gazetteer, query).name_zh == "骑龙社区"


def test_a_village_spelled_in_pinyin_is_found_and_says_it_has_no_position(gazetteer):
    place = first(gazetteer, "zhawan")
    assert place.name_zh == "查湾村" and place.lon is None and "no position known" in place.note


def test_a_community_with_stations_is_placed_at_their_centre(gazetteer):
    stations = load_stations()
    place = first(gazetteer, "金星社区")
    mine = stations[stations.community_code == "340822100007"]
    assert place.lon == pytest.approx(mine.geometry.x.mean()) and place.lat == pytest.approx(mine.geometry.y.mean())
    assert "approximate" in place.note


def test_a_partial_station_name_finds_the_station(gazetteer):
    assert first(gazetteer, "红色驿站 03").name_zh == "人民医保药房红色驿站 03"
    assert first(gazetteer, "县政府").name_zh == "怀宁县人民政府"


def test_nonsense_and_empty_queries_find_nothing(gazetteer):
    assert search_places(gazetteer, "xyzzy") == []
    assert search_places(gazetteer, "   ") == []
