"""Coverage against hand-computable cases and an independent oracle (geopandas buffer + sjoin)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geo.analysis.coverage import (
    area_coverage,
    cover_points,
    coverage_table,
    default_study_area,
    demand_by_hex,
    ebike_radius_m,
    geodesic_circle,
    largest_uncovered,
    metric_crs,
    overlap_area,
    service_areas,
    station_radii_m,
)
from geo.errors import CoverageError
from geo.place.reference import load_county_boundary
from geo.register.geojson import load_stations

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def stations():
    return load_stations()


def at_distance(lon, lat, azimuth, distance_m):
    x, y, _ = GEOD.fwd(lon, lat, azimuth, distance_m)
    return float(x), float(y)


@pytest.mark.parametrize("latitude", [0.0, 30.74, 60.0, -45.0])
def test_a_point_at_r_minus_1_m_is_covered_and_at_r_plus_1_m_is_not(stations, latitude):
    one = stations.head(1).copy()
    one.geometry = gpd.points_from_xy([116.8], [latitude], crs=4326)
    inside = [at_distance(116.8, latitude, az, 499.0) for az in (0, 45, 90, 200)]
    outside = [at_distance(116.8, latitude, az, 501.0) for az in (0, 45, 90, 200)]
    lon, lat = np.array(inside + outside).T
    covered = cover_points(one, lon, lat, 500.0).covered
    assert list(covered) == [True] * 4 + [False] * 4


@pytest.mark.parametrize("radius_m", [300.0, 1000.0])
def test_a_service_area_has_the_area_of_a_circle(radius_m):
    circle = gpd.GeoSeries([geodesic_circle(116.82, 30.74, radius_m)], crs=4326)
    area_m2 = abs(GEOD.geometry_area_perimeter(circle.iloc[0])[0])
    # a 64-gon inscribed in the circle has area (64/2) sin(2 pi/64) r^2 = 0.9984 pi r^2
    assert area_m2 == pytest.approx(32 * math.sin(2 * math.pi / 64) * radius_m**2, rel=2e-3)
    assert circle.to_crs(metric_crs(circle)).area.iloc[0] == pytest.approx(area_m2, rel=2e-3)


def test_point_coverage_matches_geopandas_buffer_and_sjoin(stations):
    rng = np.random.default_rng(7)
    lon = rng.uniform(116.79, 116.86, 3000)
    lat = rng.uniform(30.71, 30.77, 3000)
    ours = cover_points(stations, lon, lat, 500.0)
    utm = metric_crs(stations)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326).to_crs(utm)
    buffers = gpd.GeoDataFrame(geometry=stations.to_crs(utm).buffer(500.0, quad_segs=64))
    hits = gpd.sjoin(points, buffers, predicate="within").groupby(level=0).size()
    oracle_times = np.minimum(hits.reindex(range(len(lon)), fill_value=0).to_numpy(), 2)
    # UTM scale and buffer polygons may disagree within a metre of the edge only
    disagree = np.flatnonzero(ours.covered_times != oracle_times)
    for i in disagree:
        distances = GEOD.inv(np.full(len(stations), lon[i]), np.full(len(stations), lat[i]),
                             stations.geometry.x, stations.geometry.y)[2]
        assert np.min(np.abs(distances - 500.0)) < 1.0
    assert len(disagree) <= 3


def test_nearest_distance_is_the_geodesic_minimum(stations):
    lon, lat = np.array([116.80, 116.84]), np.array([30.72, 30.75])
    coverage = cover_points(stations, lon, lat, 500.0)
    for i in range(2):
        exact = GEOD.inv(np.full(len(stations), lon[i]), np.full(len(stations), lat[i]), stations.geometry.x, stations.geometry.y)[2]
        assert coverage.nearest_m[i] == pytest.approx(exact.min(), rel=2e-6)


def test_per_type_radii_apply_to_each_type(stations):
    red = stations[stations.station_type == "red"].iloc[:1]
    lon, lat = at_distance(red.geometry.x.iloc[0], red.geometry.y.iloc[0], 0.0, 800.0)
    radii = station_radii_m(stations, {"red": 1000.0})
    assert set(radii[stations.station_type != "red"]) == {0.0}
    assert cover_points(red, [lon], [lat], {"red": 1000.0}).covered[0]
    assert not cover_points(red, [lon], [lat], {"red": 500.0}).covered[0]
    assert not cover_points(red, [lon], [lat], {"parking": 1000.0}).covered[0]


@settings(max_examples=30, deadline=None)
@given(st.floats(min_value=50, max_value=1500), st.floats(min_value=1, max_value=800))
def test_a_larger_radius_never_lowers_coverage(stations, radius_m, extra_m):
    rng = np.random.default_rng(3)
    lon = rng.uniform(116.79, 116.86, 500)
    lat = rng.uniform(30.71, 30.77, 500)
    small = cover_points(stations, lon, lat, radius_m).covered_times
    large = cover_points(stations, lon, lat, radius_m + extra_m).covered_times
    assert (large >= small).all()


def test_adding_a_station_never_lowers_coverage(stations):
    rng = np.random.default_rng(4)
    lon = rng.uniform(116.79, 116.86, 800)
    lat = rng.uniform(30.71, 30.77, 800)
    before = cover_points(stations.iloc[:-1], lon, lat, 500.0).covered_times
    after = cover_points(stations, lon, lat, 500.0).covered_times
    assert (after >= before).all()


def test_weighted_shares_by_hand():
    from geo.analysis.coverage import PointCoverage

    coverage = PointCoverage(np.array([100.0, 900.0, 50.0]), np.array([0, 1, 0]), np.array([1, 0, 2], dtype=np.int8))
    table = coverage_table(coverage, np.array([1.0, 3.0, 2.0])).iloc[0]
    assert table["share_covered"] == pytest.approx(3 / 6)
    assert table["share_covered_2plus"] == pytest.approx(2 / 6)
    grouped = coverage_table(coverage, np.array([1.0, 3.0, 2.0]), groups=gpd.pd.Series(["a", "b", "a"]))
    assert list(grouped["share_covered"]) == [1.0, 0.0]
    # weighted medians: 50 m and 100 m hold exactly half of the 6 (so the mean of 100 and 900);
    # 50 m holds 2 of group a's 3; 900 m is b's only point
    assert table["median_nearest_m"] == 500.0 and list(grouped["median_nearest_m"]) == [50.0, 900.0]


def test_area_coverage_of_one_circle_inside_the_study_area(stations):
    county = load_county_boundary()
    one = stations.head(1)
    study = default_study_area(stations, county, margin_m=2000)
    table = area_coverage(one, study, 300.0).set_index("group")
    utm = metric_crs(study)
    assert table.loc["all", "covered_km2"] == pytest.approx(math.pi * 0.3**2, rel=3e-3)
    assert table.loc["all", "area_km2"] == pytest.approx(study.to_crs(utm).area.iloc[0] / 1e6)
    assert table.loc["2+", "covered_km2"] == 0.0


def test_two_overlapping_circles_overlap_in_a_lens(stations):
    two = stations.head(2).copy()
    a = (116.82, 30.74)
    b = at_distance(*a, 90.0, 600.0)
    two.geometry = gpd.points_from_xy([a[0], b[0]], [a[1], b[1]], crs=4326)
    lens = overlap_area(service_areas(two, 500.0))
    lens_m2 = lens.to_crs(metric_crs(lens)).area.iloc[0]
    r, d = 500.0, 600.0
    exact = 2 * r**2 * math.acos(d / (2 * r)) - d / 2 * math.sqrt(4 * r**2 - d**2)
    assert lens_m2 == pytest.approx(exact, rel=5e-3)


def test_uncovered_hexagons_rank_by_uncovered_demand():
    lon = np.array([116.80, 116.80, 116.85, 116.90])
    lat = np.array([30.70, 30.70, 30.75, 30.80])
    hexes = demand_by_hex(lon, lat, np.array([1.0, 2.0, 5.0, 1.0]), np.array([False, False, True, False]))
    top = largest_uncovered(hexes, 10)
    assert list(top["uncovered"]) == [3.0, 1.0]
    assert hexes["demand"].sum() == 9.0


def test_ebike_minutes_to_a_radius():
    assert ebike_radius_m(4, speed_kmh=15, detour_factor=1.0) == pytest.approx(1000.0)
    with pytest.raises(CoverageError):
        ebike_radius_m(0)


def test_bad_radii_are_refused(stations):
    with pytest.raises(CoverageError, match="unknown station type"):
        station_radii_m(stations, {"cafe": 100})
    with pytest.raises(CoverageError, match="not negative"):
        station_radii_m(stations, -5)
