"""A rider's answer is never empty: at night, with filters that exclude everything, by road."""

from __future__ import annotations

from datetime import datetime

import geopandas as gpd
import pytest
from road_fixtures import ACROSS_RIVER, RIDER, SAME_BANK, write_geojson
from shapely.geometry import Point

from geo.hours import opening_state
from geo.place.geodesy import ellipsoidal_distance_m
from geo.place.roads import load_road_network
from geo.register.geojson import load_stations
from geo.rider.answer import PARKING_TYPES, REST_TYPES, answer_rider, first_to_open

SEAT = (116.82360, 30.73744)
NIGHT = datetime(2026, 11, 28, 23, 30)  # Saturday
MORNING = datetime(2026, 11, 28, 10, 0)


@pytest.fixture(scope="module")
def stations():
    return load_stations()


def test_by_day_the_nearest_open_rest_stops_come_ranked(stations):
    answer = answer_rider(stations, *SEAT, station_types=REST_TYPES, moment=MORNING)
    assert answer.empty_reason is None and len(answer.results) == 3
    assert list(answer.results["rank"]) == [1, 2, 3]
    assert answer.results["is_open"].all() and (answer.results["route_kind"] == "straight").all()
    # brute force: every open rest stop measured, the three nearest
    open_rest = stations[stations.station_type.isin(REST_TYPES)
                         & stations.opening_hours.map(lambda h: opening_state(h, MORNING).is_open)]
    distance = ellipsoidal_distance_m(*SEAT, open_rest.geometry.x.to_numpy(), open_rest.geometry.y.to_numpy())
    assert list(answer.results["id"]) == list(open_rest.iloc[distance.argsort()[:3]]["id"])


def test_at_night_the_answer_says_nothing_is_open_and_offers_what_is(stations):
    answer = answer_rider(stations, *SEAT, station_types=REST_TYPES, moment=NIGHT)
    assert answer.results.empty and answer.empty_reason == "open_now"
    # what is open at 23:30: the 24/7 places, nearest first (parking points here)
    assert len(answer.open_now) == 3 and answer.open_now["is_open"].all()
    assert set(answer.open_now["opening_hours"]) == {"24/7"}
    assert answer.open_now["distance_m"].is_monotonic_increasing


def test_the_first_to_open_is_the_earliest_opening_then_the_nearest(stations):
    rest = stations[stations.station_type.isin(REST_TYPES)]
    first = first_to_open(rest, *SEAT, NIGHT)
    # brute force over every rest stop: earliest next opening, then shortest distance
    candidates = []
    for station in rest.itertuples():
        state = opening_state(station.opening_hours, NIGHT)
        if not state.is_open and state.next_change is not None:
            d = float(ellipsoidal_distance_m(*SEAT, station.geometry.x, station.geometry.y))
            candidates.append((state.next_change, d, station.id))
    opens_at, distance_m, station_id = min(candidates)
    assert (first.station_id, first.opens_at) == (station_id, opens_at)
    assert first.distance_m == pytest.approx(distance_m)
    assert first.opens_at == datetime(2026, 11, 29, 8, 0)  # Sunday 08:00 (weekday-only ones open Monday)


def test_a_filter_that_excludes_everything_is_named(stations):
    # no rest stop has a toilet or Wi-Fi
    answer = answer_rider(stations, *SEAT, station_types=REST_TYPES, amenities=["toilet", "wifi"],
                          open_now=False, moment=MORNING)
    assert answer.results.empty and answer.empty_reason == "amenities"
    assert answer.next_opening is None and len(answer.open_now) > 0


def test_several_amenities_mean_any_of_them_for_a_rider(stations):
    # no rest stop has both a blood-pressure monitor and a study corner, but many have one of them
    answer = answer_rider(stations, *SEAT, station_types=REST_TYPES, amenities=["bp_monitor", "study_corner"],
                          open_now=False, moment=MORNING, k=10)
    assert len(answer.results) == 10 and answer.empty_reason is None
    assert all({"bp_monitor", "study_corner"} & set(have) for have in answer.results["amenities"])
    kinds = {a for have in answer.results["amenities"] for a in have if a in ("bp_monitor", "study_corner")}
    assert kinds == {"bp_monitor", "study_corner"}  # both kinds among the ten nearest: neither is required
    every = answer_rider(stations, *SEAT, station_types=REST_TYPES, amenities=["bp_monitor", "study_corner"],
                         open_now=False, moment=MORNING, amenities_match="all")
    assert every.results.empty and every.empty_reason == "amenities"


def test_a_type_the_register_lacks_is_named(stations):
    without_parking = stations[stations.station_type != "parking"]
    answer = answer_rider(without_parking, *SEAT, station_types=PARKING_TYPES, moment=MORNING)
    assert answer.empty_reason == "types"


def test_open_now_off_lists_closed_places_with_their_state(stations):
    answer = answer_rider(stations, *SEAT, station_types=REST_TYPES, open_now=False, moment=NIGHT)
    assert len(answer.results) == 3 and not answer.results["is_open"].any()


def test_by_road_the_station_across_the_river_drops_behind(tmp_path):
    roads = load_road_network(write_geojson(tmp_path / "roads.geojson"), cache_dir=tmp_path)
    stations = gpd.GeoDataFrame(
        {"id": ["PM-01", "PM-02"], "station_type": ["party_mass"] * 2, "name_zh": ["对岸", "同岸"],
         "name_en": ["across", "same bank"], "amenities": [[], []], "opening_hours": ["24/7"] * 2,
         "location_status": ["verified"] * 2},
        geometry=[Point(*ACROSS_RIVER), Point(*SAME_BANK)], crs="EPSG:4326")
    straight = answer_rider(stations, *RIDER, station_types=REST_TYPES, moment=MORNING, k=2)
    by_road = answer_rider(stations, *RIDER, station_types=REST_TYPES, moment=MORNING, k=2, roads=roads)
    assert list(straight.results["name_en"]) == ["across", "same bank"]
    assert list(by_road.results["name_en"]) == ["same bank", "across"]
    assert by_road.route_kind == "road" and (by_road.results["route_kind"] == "road").all()
    assert by_road.results["route_m"].iloc[1] > 1800
    # minutes follow the road distance (15 km/h e-bike)
    assert by_road.results["ebike_s"].iloc[1] == pytest.approx(by_road.results["route_m"].iloc[1] / (15 / 3.6))


def test_a_station_off_the_network_keeps_a_straight_estimate_and_ranks_after(tmp_path):
    roads = load_road_network(write_geojson(tmp_path / "roads.geojson"), cache_dir=tmp_path)
    far_off = (SAME_BANK[0] - 0.02, SAME_BANK[1])
    stations = gpd.GeoDataFrame(
        {"id": ["PM-01", "PM-02"], "station_type": ["party_mass"] * 2, "name_zh": ["远", "近"],
         "name_en": ["off the network", "on it"], "amenities": [[], []], "opening_hours": ["24/7"] * 2,
         "location_status": ["verified"] * 2},
        geometry=[Point(*far_off), Point(*SAME_BANK)], crs="EPSG:4326")
    answer = answer_rider(stations, *RIDER, station_types=REST_TYPES, moment=MORNING, k=2, roads=roads)
    assert list(answer.results["route_kind"]) == ["road", "straight"]
    assert answer.results["route_m"].iloc[1] == pytest.approx(answer.results["distance_m"].iloc[1] * 1.3)
