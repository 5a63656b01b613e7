"""k-nearest stations against a brute-force oracle on the exact WGS-84 geodesic (pyproj.Geod)."""

from __future__ import annotations

from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geo.analysis.nearest import (
    build_station_index,
    filter_stations,
    nearest_arrays,
    nearest_stations,
    nearest_to_point,
    query_nearest,
    route_distance_m,
    station_rows,
    travel_time_s,
)
from geo.errors import QueryError
from geo.register.geojson import load_stations

GEOD = Geod(ellps="WGS84")


def brute_force(station_lon, station_lat, lon, lat, k):
    """Every station measured exactly; ties by station order."""
    distances = GEOD.inv(np.full(len(station_lon), lon), np.full(len(station_lat), lat), station_lon, station_lat)[2]
    order = np.lexsort((np.arange(len(distances)), distances))[:k]
    return order, distances[order]


def assert_same_as_oracle(found, station_lon, station_lat, lon, lat, k):
    for q in range(len(lon)):
        expected_ids, expected_m = brute_force(station_lon, station_lat, lon[q], lat[q], k)
        got = found[found.query_index == q]
        assert got["distance_m"].to_numpy() == pytest.approx(expected_m, rel=2e-6, abs=1e-6)
        # ids must agree except where the oracle itself has (near-)ties the formula cannot split
        for got_id, want_id, want_m in zip(got["station_index"], expected_ids, expected_m):
            if got_id != want_id:
                other_m = GEOD.inv(lon[q], lat[q], station_lon[got_id], station_lat[got_id])[2]
                assert abs(other_m - want_m) <= 2e-6 * want_m + 1e-6


coordinate_sets = st.integers(min_value=0, max_value=2**32 - 1)


@settings(max_examples=60, deadline=None)
@given(coordinate_sets, st.integers(min_value=1, max_value=6), st.sampled_from([0.01, 0.3, 5.0]))
def test_random_points_match_the_brute_force_oracle(seed, k, spread_deg):
    rng = np.random.default_rng(seed)
    centre_lon, centre_lat = rng.uniform(-170, 170), rng.uniform(-70, 70)
    station_lon = centre_lon + rng.uniform(-spread_deg, spread_deg, 60)
    station_lat = centre_lat + rng.uniform(-spread_deg, spread_deg, 60)
    lon = centre_lon + rng.uniform(-spread_deg, spread_deg, 25)
    lat = centre_lat + rng.uniform(-spread_deg, spread_deg, 25)
    found = query_nearest(build_station_index(lon=station_lon, lat=station_lat), lon, lat, k=k)
    assert len(found) == 25 * k
    assert_same_as_oracle(found, station_lon, station_lat, lon, lat, k)


def test_near_ties_are_resolved_by_the_ellipsoid_not_the_sphere():
    # Two stations the same great-circle distance from the query, one due north and one due
    # east: on the ellipsoid at 30 N a north-south metre of latitude is shorter, so the
    # northern one is nearer although a spherical ranking cannot tell them apart.
    lon, lat = 116.8, 30.7
    north_lon, north_lat, _ = Geod(a=6_371_008.8, f=0).fwd(lon, lat, 0, 1000)
    east_lon, east_lat, _ = Geod(a=6_371_008.8, f=0).fwd(lon, lat, 90, 1000)
    index = build_station_index(lon=[east_lon, north_lon], lat=[east_lat, north_lat])
    found = query_nearest(index, lon, lat, k=2)
    assert list(found["station_index"]) == [1, 0]
    assert_same_as_oracle(found, np.array([east_lon, north_lon]), np.array([east_lat, north_lat]), [lon], [lat], 2)


def test_co_located_stations_tie_in_register_order():
    index = build_station_index(lon=[116.81, 116.80, 116.80, 116.80], lat=[30.70, 30.70, 30.70, 30.70])
    found = query_nearest(index, 116.8001, 30.7001, k=3)
    assert list(found["station_index"]) == [1, 2, 3]


def test_many_queries_at_once_with_k_larger_than_the_register():
    index = build_station_index(lon=[116.8, 116.9], lat=[30.7, 30.8])
    found = query_nearest(index, [116.8, 116.9, 116.85], [30.7, 30.8, 30.75], k=5)
    assert list(found["query_index"]) == [0, 0, 1, 1, 2, 2]
    assert list(found["rank"]) == [1, 2, 1, 2, 1, 2]


def test_max_distance_leaves_out_far_stations_and_empty_is_normal():
    index = build_station_index(lon=[116.80, 116.81], lat=[30.70, 30.70])
    near = query_nearest(index, 116.80, 30.70, k=2, max_distance_m=500)
    assert list(near["station_index"]) == [0]
    none = query_nearest(index, 116.5, 30.5, k=2, max_distance_m=500)
    assert none.empty and list(none.columns) == ["query_index", "rank", "station_index", "distance_m"]


def test_an_empty_register_gives_an_empty_answer():
    assert query_nearest(build_station_index(lon=[], lat=[]), 116.8, 30.7, k=3).empty


@pytest.mark.parametrize("k", [0, -1, 2.5])
def test_a_bad_k_is_refused(k):
    with pytest.raises(QueryError, match="`k` was"):
        query_nearest(build_station_index(lon=[116.8], lat=[30.7]), 116.8, 30.7, k=k)


def test_query_points_that_are_not_degrees_are_refused():
    with pytest.raises(QueryError, match="first at row 1"):
        query_nearest(build_station_index(lon=[116.8], lat=[30.7]), [116.8, 500_000.0], [30.7, 3_400_000.0])


# --- filters and trips -------------------------------------------------------------------------

SATURDAY_10 = datetime(2026, 11, 28, 10, 0)
SATURDAY_23 = datetime(2026, 11, 28, 23, 0)


@pytest.fixture(scope="module")
def stations():
    return load_stations()


def test_an_amenity_filter_keeps_only_stations_with_all_of_them(stations):
    chosen = filter_stations(stations, amenities=["charger", "bp_monitor"])
    assert len(chosen) == int(stations.amenities.map(lambda a: {"charger", "bp_monitor"} <= set(a)).sum())
    assert set(chosen.station_type) == {"red"}


def test_open_at_uses_the_opening_hours(stations):
    late = filter_stations(stations, open_at=SATURDAY_23)
    assert set(late.station_type) == {"parking"}  # only the 24/7 parking points
    weekday_office = filter_stations(stations, station_types=["neighbourhood"], open_at=SATURDAY_10)
    assert weekday_office.empty  # Mo-Fr hours


def test_unknown_filter_values_are_refused(stations):
    with pytest.raises(QueryError, match="unknown amenity sauna"):
        filter_stations(stations, amenities=["sauna"])
    with pytest.raises(QueryError, match="unknown station type cafe"):
        filter_stations(stations, station_types=["cafe"])


def test_nearest_stations_adds_trip_estimates_and_keeps_station_columns(stations):
    lon, lat = 116.8236, 30.7374
    found = nearest_stations(stations, lon, lat, k=3, amenities=["charger"], open_at=SATURDAY_10)
    assert isinstance(found, gpd.GeoDataFrame) and len(found) == 3
    assert set(found.station_type) == {"red"}
    oracle_ids, oracle_m = brute_force(
        stations[stations.station_type == "red"].geometry.x.to_numpy(),
        stations[stations.station_type == "red"].geometry.y.to_numpy(),
        lon, lat, 3,
    )
    assert found["distance_m"].to_numpy() == pytest.approx(oracle_m, rel=2e-6)
    assert found["route_m"].to_numpy() == pytest.approx(oracle_m * 1.3, rel=2e-6)
    assert found["ebike_s"].to_numpy() == pytest.approx(oracle_m * 1.3 / (15 / 3.6), rel=2e-6)
    assert found["walk_s"].to_numpy() == pytest.approx(oracle_m * 1.3 / (4.5 / 3.6), rel=2e-6)


def test_nothing_qualifying_is_an_empty_answer_with_the_columns(stations):
    found = nearest_stations(stations, 116.82, 30.73, station_types=["neighbourhood"], open_at=SATURDAY_23)
    assert found.empty
    assert {"distance_m", "route_m", "ebike_s", "walk_s", "name_zh"} <= set(found.columns)


def test_trip_arithmetic_by_hand():
    assert float(route_distance_m(1000.0)) == pytest.approx(1300.0)
    assert float(travel_time_s(1500.0, speed_kmh=15.0)) == pytest.approx(360.0)  # 1.5 km at 15 km/h = 6 min
    with pytest.raises(QueryError, match="must be positive"):
        travel_time_s(100.0, speed_kmh=0)


@settings(max_examples=60, deadline=None)
@given(coordinate_sets, st.floats(min_value=10, max_value=20_000), st.sampled_from([0.01, 0.3]))
def test_count_within_matches_brute_force(seed, radius_m, spread_deg):
    from geo.analysis.nearest import count_within

    rng = np.random.default_rng(seed)
    centre_lon, centre_lat = rng.uniform(-170, 170), rng.uniform(-70, 70)
    station_lon = centre_lon + rng.uniform(-spread_deg, spread_deg, 40)
    station_lat = centre_lat + rng.uniform(-spread_deg, spread_deg, 40)
    lon = centre_lon + rng.uniform(-spread_deg, spread_deg, 30)
    lat = centre_lat + rng.uniform(-spread_deg, spread_deg, 30)
    counts = count_within(build_station_index(lon=station_lon, lat=station_lat), lon, lat, radius_m, cap=2)
    for q in range(30):
        exact = GEOD.inv(np.full(40, lon[q]), np.full(40, lat[q]), station_lon, station_lat)[2]
        expected = min(2, int((exact <= radius_m).sum()))
        if counts[q] != expected:  # only a station within formula error of the edge may differ
            assert np.min(np.abs(exact - radius_m)) <= 2e-6 * radius_m + 1e-6


@settings(max_examples=60, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 5))
def test_the_single_point_array_path_equals_the_batch_path(seed, k):
    rng = np.random.default_rng(seed)
    # clustered stations, some co-located: near-ties take the general path
    lon = np.round(116.82 + rng.normal(0, 0.01, 40), 4)
    lat = np.round(30.74 + rng.normal(0, 0.01, 40), 4)
    index = build_station_index(lon=lon, lat=lat)
    q_lon, q_lat = 116.82 + rng.normal(0, 0.01), 30.74 + rng.normal(0, 0.01)
    one_station, one_m = nearest_to_point(index, q_lon, q_lat, k=k)
    batch_station, batch_m = nearest_arrays(index, [q_lon], [q_lat], k=k)
    assert one_station.tolist() == batch_station[0].tolist()
    assert one_m == pytest.approx(batch_m[0], abs=1e-9)
    _, expected_m = brute_force(lon, lat, q_lon, q_lat, k)
    assert one_m == pytest.approx(expected_m, rel=2e-6, abs=1e-6)


def test_station_rows_equal_a_plain_row_selection():
    stations = load_stations()
    positions = np.array([3, 0, 3, len(stations) - 1])
    rows = station_rows(stations, positions)
    expected = stations.iloc[positions].reset_index(drop=True)
    assert list(rows.columns) == list(stations.columns)
    for column in stations.columns:
        assert [None if pd.isna(v) is True else v for v in rows[column].tolist()] == \
            [None if pd.isna(v) is True else v for v in expected[column].tolist()]
    assert rows.crs == stations.crs


def test_batches_split_into_chunks_answer_like_one_block(monkeypatch):
    """Large batches run in chunks on a thread pool: with a chunk of 7 rows, 200 queries span 29
    chunks, and both the nearest stations and the counts within a radius match the oracle."""
    import geo.analysis.nearest as nearest

    monkeypatch.setattr(nearest, "_CHUNK_ROWS", 7)
    rng = np.random.default_rng(7)
    station_lon, station_lat = 116.8 + rng.uniform(-0.05, 0.05, 80), 30.7 + rng.uniform(-0.05, 0.05, 80)
    lon, lat = 116.8 + rng.uniform(-0.06, 0.06, 200), 30.7 + rng.uniform(-0.06, 0.06, 200)
    index = build_station_index(lon=station_lon, lat=station_lat)
    found = query_nearest(index, lon, lat, k=3)
    assert found["query_index"].tolist() == np.repeat(np.arange(200), 3).tolist()
    assert_same_as_oracle(found, station_lon, station_lat, lon, lat, 3)
    counts = nearest.count_within(index, lon, lat, 900.0, cap=2)
    exact = np.array([GEOD.inv(np.full(80, lon[q]), np.full(80, lat[q]), station_lon, station_lat)[2] for q in range(200)])
    assert counts.tolist() == np.minimum(2, (exact <= 900.0).sum(axis=1)).tolist()


def test_a_forked_child_answers_large_batches_too(monkeypatch):
    """Worker processes forked after the parent used the thread pool get their own pool (the
    parent's threads do not survive a fork, and a pool without threads would wait forever)."""
    import multiprocessing

    import geo.analysis.nearest as nearest

    monkeypatch.setattr(nearest, "_CHUNK_ROWS", 5)
    index = build_station_index(lon=[116.8, 116.9, 117.0], lat=[30.7, 30.8, 30.9])
    lon, lat = np.linspace(116.8, 117.0, 40), np.linspace(30.7, 30.9, 40)
    in_parent = nearest_arrays(index, lon, lat, k=2)[0]
    with multiprocessing.get_context("fork").Pool(1) as pool:
        in_child = pool.apply_async(nearest_arrays, (index, lon, lat), {"k": 2}).get(timeout=60)[0]
    assert in_child.tolist() == in_parent.tolist()


def test_far_from_a_cluster_of_stations_the_ranking_is_still_exact():
    """A county grid against one town's stations: seen from 20-60 km, the stations' distances
    differ by less than the ellipsoid/sphere band, so most rows are near-ties on the sphere."""
    rng = np.random.default_rng(3)
    station_lon, station_lat = 116.85 + rng.uniform(-0.015, 0.015, 60), 30.70 + rng.uniform(-0.015, 0.015, 60)
    bearing, reach_m = rng.uniform(0, 360, 150), rng.uniform(20_000, 60_000, 150)
    lon, lat, _ = GEOD.fwd(np.full(150, 116.85), np.full(150, 30.70), bearing, reach_m)
    found = query_nearest(build_station_index(lon=station_lon, lat=station_lat), lon, lat, k=3)
    assert_same_as_oracle(found, station_lon, station_lat, lon, lat, 3)


def test_several_amenities_match_all_by_default_or_any_when_asked(stations):
    wanted = ["bp_monitor", "study_corner"]
    every = filter_stations(stations, amenities=wanted)
    either = filter_stations(stations, amenities=wanted, amenities_match="any")
    have = stations["amenities"].map(set)
    assert set(every["id"]) == set(stations.loc[have.map(lambda h: set(wanted) <= h), "id"])
    assert set(either["id"]) == set(stations.loc[have.map(lambda h: bool(set(wanted) & h)), "id"])
    assert len(either) > len(every)
    with pytest.raises(QueryError, match="amenities_match"):
        filter_stations(stations, amenities=wanted, amenities_match="some")
