"""The coverage summary against independent oracles: brute-force geodesic distances
(pyproj.Geod over every point-station pair), medians of repeated values, a fine point grid."""

from __future__ import annotations

import h3
import numpy as np
import pytest
from pyproj import Geod
from shapely import contains_xy

from geo.analysis.coverage import weighted_median
from geo.analysis.coverage_result import distance_histogram, summarise_coverage
from geo.analysis.demand import DemandPoints, DemandSource

GEOD = Geod(ellps="WGS84")


def brute_force_nearest_m(stations, lon, lat) -> np.ndarray:
    s_lon, s_lat = stations.geometry.x.to_numpy(), stations.geometry.y.to_numpy()
    rows = np.repeat(np.arange(len(lon)), len(s_lon))
    cols = np.tile(np.arange(len(s_lon)), len(lon))
    _, _, distance = GEOD.inv(s_lon[cols], s_lat[cols], lon[rows], lat[rows])
    return np.asarray(distance).reshape(len(lon), len(s_lon))


def sample_demand(study, n=400, seed=3, community=False) -> DemandPoints:
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = study.total_bounds
    lon, lat = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
    weight = rng.integers(1, 6, n).astype(float)
    groups = rng.choice(np.array(["高河社区", "凌桥社区", "新区"], dtype=object), n) if community else None
    return DemandPoints(lon, lat, weight, DemandSource("file", "sample.csv", "人数", None, n, float(weight.sum())),
                        groups, fingerprint=f"sample:{seed}:{n}")


def test_shares_and_median_match_brute_force_geodesics(stations, study):
    demand = sample_demand(study)
    summary = summarise_coverage(stations, study, 500.0, demand)
    distances = brute_force_nearest_m(stations, demand.lon, demand.lat)
    within = (distances <= 500.0).sum(axis=1)
    w = demand.weight
    assert summary.share_covered == pytest.approx(w[within >= 1].sum() / w.sum())
    assert summary.share_covered_2plus == pytest.approx(w[within >= 2].sum() / w.sum())
    repeated = np.sort(np.repeat(distances.min(axis=1), w.astype(int)))
    # to the millimetre: the library and the brute force use different ellipsoid solvers (km-long lines now)
    assert summary.median_nearest_m == pytest.approx(np.median(repeated), abs=1e-3)


def test_each_type_on_its_own_matches_brute_force(stations, study):
    demand = sample_demand(study, seed=5)
    summary = summarise_coverage(stations, study, 800.0, demand).by_type.set_index("station_type")
    distances = brute_force_nearest_m(stations, demand.lon, demand.lat)
    for station_type, row in summary.iterrows():
        own = (stations.station_type == station_type).to_numpy()
        covered = (distances[:, own] <= 800.0).any(axis=1) if own.any() else np.zeros(len(demand), bool)
        assert row["share_covered"] == pytest.approx(demand.weight[covered].sum() / demand.weight.sum())
        assert row["radius_m"] == (800.0 if own.any() else 0.0)


def test_figures_by_community_add_up_and_match_brute_force(stations, study):
    demand = sample_demand(study, seed=7, community=True)
    summary = summarise_coverage(stations, study, 500.0, demand)
    table = summary.by_community.set_index("group")
    covered = brute_force_nearest_m(stations, demand.lon, demand.lat).min(axis=1) <= 500.0
    for group, row in table.iterrows():
        mine = demand.community == group
        assert row["demand"] == demand.weight[mine].sum()
        assert row["share_covered"] == pytest.approx(demand.weight[mine & covered].sum() / demand.weight[mine].sum())
    assert table["demand"].sum() == demand.weight.sum()


def test_per_type_radii_are_reported_per_type(stations, study):
    radius = {"hub": 1000.0, "party_mass": 800.0, "red": 500.0, "neighbourhood": 300.0, "parking": 0.0}
    summary = summarise_coverage(stations, study, radius, sample_demand(study, n=100))
    assert dict(zip(summary.by_type.station_type, summary.by_type.radius_m)) == radius
    assert summary.headline_radius_m == 1000.0
    assert "红色驿站 500 米" in summary.radius_text("zh")


def test_area_coverage_agrees_with_a_fine_grid_of_points(stations, study):
    summary = summarise_coverage(stations, study, 500.0)
    assert summary.by_area and summary.demand.kind == "area" and np.isnan(summary.median_nearest_m)
    minx, miny, maxx, maxy = study.total_bounds
    lon, lat = np.meshgrid(np.linspace(minx, maxx, 90), np.linspace(miny, maxy, 90))
    inside = contains_xy(study.union_all(), lon.ravel(), lat.ravel())
    distances = brute_force_nearest_m(stations, lon.ravel()[inside], lat.ravel()[inside]).min(axis=1)
    assert summary.share_covered == pytest.approx((distances <= 500.0).mean(), abs=0.015)


def test_the_worst_cells_hold_the_most_uncovered_demand(stations, study):
    demand = sample_demand(study, n=600, seed=11)
    summary = summarise_coverage(stations, study, 500.0, demand)
    uncovered = brute_force_nearest_m(stations, demand.lon, demand.lat).min(axis=1) > 500.0
    cells = np.array([h3.latlng_to_cell(y, x, summary.resolution) for x, y in zip(demand.lon, demand.lat)])
    per_cell = {c: demand.weight[(cells == c) & uncovered].sum() for c in set(cells[uncovered])}
    expected = sorted(per_cell.values(), reverse=True)[: len(summary.worst_cells)]
    assert list(summary.worst_cells["value"]) == expected
    assert all(summary.worst_cells["ref_distance_m"] > 0)


def test_in_area_mode_the_worst_cells_are_the_farthest_uncovered(stations, study):
    summary = summarise_coverage(stations, study, 500.0)
    grid = summary.distance_hexes
    farthest = grid[grid.nearest_m > 500.0].nearest_m.sort_values(ascending=False).head(10)
    assert list(summary.worst_cells["value"]) == pytest.approx(list(farthest))


def test_the_histogram_holds_all_the_weight_in_its_bars(stations, study):
    demand = sample_demand(study, n=300, seed=13)
    summary = summarise_coverage(stations, study, 500.0, demand)
    histogram = summary.distance_histogram
    assert histogram["share"].sum() == pytest.approx(1.0)
    nearest = brute_force_nearest_m(stations, demand.lon, demand.lat).min(axis=1)
    first = histogram.iloc[0]
    in_first = (nearest >= first.start_m) & (nearest < first.end_m)
    assert first.share == pytest.approx(demand.weight[in_first].sum() / demand.weight.sum())


def test_weighted_median_and_histogram_edge_cases():
    assert weighted_median(np.array([5.0, 1.0, 3.0]), np.array([1.0, 1.0, 1.0])) == 3.0
    assert weighted_median(np.array([1.0, 9.0]), np.array([1.0, 5.0])) == 9.0
    assert np.isnan(weighted_median(np.array([np.nan]), np.array([1.0])))
    assert distance_histogram(np.array([]), np.array([]), 500.0).empty


def test_the_weighted_median_with_equal_weights_is_the_ordinary_median():
    rng = np.random.default_rng(5)
    for n in (1, 2, 7, 10, 101):
        values = rng.uniform(0, 5_000, n)
        assert weighted_median(values, np.ones(n)) == pytest.approx(np.median(values))
