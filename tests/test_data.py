"""The embedded dataset says what the source article says, and is honest about the rest."""

from __future__ import annotations

import json

from geo.place.reference import COUNTY_BOUNDARY_PATH, DEFAULT_STATIONS_PATH, load_communities
from geo.register.geojson import load_stations

RED_STATION_AMENITIES = {"seating", "microwave", "hot_water", "umbrella", "charger", "first_aid", "bp_monitor"}


def test_the_article_counts_are_met():
    counts = load_stations()["station_type"].value_counts()
    assert counts["hub"] == 1
    assert counts["party_mass"] == 7
    assert counts["red"] == 6
    assert counts["neighbourhood"] == 33
    assert counts["parking"] >= 10


def test_no_position_is_presented_as_surveyed():
    stations = load_stations()
    assert (stations["location_status"] == "unverified").all()
    assert stations["source"].str.contains("位置为占位估计,待实地核实").all()
    doc = json.loads(DEFAULT_STATIONS_PATH.read_text(encoding="utf-8"))
    assert "unverified" in doc["data_status"]


def test_the_named_party_mass_stations_are_in_their_communities():
    stations = load_stations().set_index("name_zh")
    names = load_communities().set_index("code")["name_short"]
    for community in ("骑龙社区", "金星社区", "陶亭社区"):
        assert names[stations.loc[f"{community}党群驿站", "community_code"]] == community


def test_red_stations_offer_what_the_article_lists():
    red = load_stations().query("station_type == 'red'")
    assert all(RED_STATION_AMENITIES <= set(a) for a in red["amenities"])
    assert (red["operator"] == "人民医保药房").all()


def test_the_county_boundary_carries_its_source():
    doc = json.loads(COUNTY_BOUNDARY_PATH.read_text(encoding="utf-8"))
    props = doc["features"][0]["properties"]
    assert props["adcode"] == "340822" and props["data_source"] == "tianditu"


def test_there_are_24_villages_and_communities_with_12_digit_codes():
    communities = load_communities()
    assert len(communities) == 24
    assert communities["code"].str.fullmatch(r"340822100\d{3}").all()
