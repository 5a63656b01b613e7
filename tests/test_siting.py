"""Siting and accessibility against independent oracles: spopt (MCLP, LSCP), brute force on
tiny instances, and PySAL access (2SFCA, E2SFCA)."""

from __future__ import annotations

import itertools
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from geo.analysis.accessibility import DEFAULT_E2SFCA_ZONES, station_capacity, two_step_fca
from geo.analysis.siting import build_coverage_matrix, coverage_curve, greedy_mclp, pairs_within, solve_lscp, solve_mclp
from geo.errors import SitingError
from geo.register.geojson import load_stations

GEOD = Geod(ellps="WGS84")


def instance(seed: int, n_demand: int = 120, n_candidates: int = 25, n_existing: int = 3, spread: float = 0.03):
    rng = np.random.default_rng(seed)
    centre = (116.82, 30.74)
    d_lon = centre[0] + rng.uniform(-spread, spread, n_demand)
    d_lat = centre[1] + rng.uniform(-spread, spread, n_demand)
    weight = rng.integers(1, 10, n_demand).astype(float)
    c_lon = centre[0] + rng.uniform(-spread, spread, n_candidates)
    c_lat = centre[1] + rng.uniform(-spread, spread, n_candidates)
    existing = gpd.GeoDataFrame(
        {"station_type": ["red"] * n_existing},
        geometry=gpd.points_from_xy(centre[0] + rng.uniform(-spread, spread, n_existing),
                                    centre[1] + rng.uniform(-spread, spread, n_existing)),
        crs=4326,
    )
    return d_lon, d_lat, weight, c_lon, c_lat, existing


def geodesic_cost(from_lon, from_lat, to_lon, to_lat):
    return np.array([GEOD.inv(np.full(len(to_lon), x), np.full(len(to_lat), y), to_lon, to_lat)[2]
                     for x, y in zip(from_lon, from_lat)])


def test_pairs_within_match_brute_force():
    d_lon, d_lat, _, c_lon, c_lat, _ = instance(1)
    rows, cols, distances = pairs_within(d_lon, d_lat, c_lon, c_lat, 800.0)
    cost = geodesic_cost(d_lon, d_lat, c_lon, c_lat)
    assert set(zip(rows, cols)) == set(zip(*np.nonzero(cost <= 800.0)))
    assert distances == pytest.approx(cost[rows, cols], rel=2e-6)


@pytest.mark.parametrize("seed", [2, 3, 4])
@pytest.mark.parametrize("p", [1, 3])
def test_mclp_objective_equals_spopt(seed, p):
    pulp = pytest.importorskip("pulp")
    from spopt.locate import MCLP

    d_lon, d_lat, weight, c_lon, c_lat, existing = instance(seed)
    radius = 900.0
    ours = solve_mclp(build_coverage_matrix(d_lon, d_lat, weight, c_lon, c_lat, radius, existing=existing), p)
    # spopt: existing stations are extra candidate columns forced open (predefined)
    all_lon = np.concatenate([c_lon, existing.geometry.x]); all_lat = np.concatenate([c_lat, existing.geometry.y])
    cost = geodesic_cost(d_lon, d_lat, all_lon, all_lat)
    predefined = np.array([False] * len(c_lon) + [True] * len(existing))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MCLP.from_cost_matrix(cost, weight, radius, p_facilities=p + len(existing),
                                      predefined_facilities_arr=predefined).solve(pulp.PULP_CBC_CMD(msg=False))
    spopt_covered = float(weight[np.any(cost[:, [j for j, x in enumerate(model.fac2cli) if x]] <= radius, axis=1)].sum())
    assert ours.optimal and ours.method == "milp"
    assert ours.covered_weight == pytest.approx(spopt_covered)


def test_mclp_equals_brute_force_on_a_tiny_instance():
    d_lon, d_lat, weight, c_lon, c_lat, existing = instance(5, n_demand=40, n_candidates=9)
    matrix = build_coverage_matrix(d_lon, d_lat, weight, c_lon, c_lat, 700.0, existing=existing)
    best = max(matrix.covered_weight(combo) for combo in itertools.combinations(range(9), 3))
    assert solve_mclp(matrix, 3).covered_weight == pytest.approx(best)


def test_greedy_is_a_preview_never_better_than_the_optimum():
    matrix = build_coverage_matrix(*instance(6)[:5], 900.0, existing=instance(6)[5])
    for p in (1, 2, 4):
        greedy, optimal = greedy_mclp(matrix, p), solve_mclp(matrix, p)
        assert greedy.method == "greedy" and not greedy.optimal
        assert greedy.covered_weight <= optimal.covered_weight + 1e-9


def test_marginal_gains_add_up_and_diminish():
    d_lon, d_lat, weight, c_lon, c_lat, existing = instance(7)
    matrix = build_coverage_matrix(d_lon, d_lat, weight, c_lon, c_lat, 900.0, existing=existing)
    result = solve_mclp(matrix, 4)
    assert matrix.fixed_weight + sum(result.marginal_gain) == pytest.approx(result.covered_weight)
    assert result.marginal_gain == sorted(result.marginal_gain, reverse=True)


def test_more_sites_or_a_larger_radius_never_lower_coverage():
    d_lon, d_lat, weight, c_lon, c_lat, existing = instance(8)
    curve = coverage_curve(build_coverage_matrix(d_lon, d_lat, weight, c_lon, c_lat, 800.0, existing=existing), 5)
    assert (np.diff(curve["covered_share"]) >= -1e-12).all()
    small = solve_mclp(build_coverage_matrix(d_lon, d_lat, weight, c_lon, c_lat, 600.0, existing=existing), 3)
    large = solve_mclp(build_coverage_matrix(d_lon, d_lat, weight, c_lon, c_lat, 900.0, existing=existing), 3)
    assert large.covered_weight >= small.covered_weight - 1e-9


def test_lscp_finds_the_fewest_sites_for_a_target_by_brute_force():
    d_lon, d_lat, weight, c_lon, c_lat, existing = instance(9, n_demand=50, n_candidates=10)
    matrix = build_coverage_matrix(d_lon, d_lat, weight, c_lon, c_lat, 900.0, existing=existing)
    reachable = matrix.covered_weight(range(10)) / matrix.total_weight
    target = 0.9 * reachable
    result = solve_lscp(matrix, target)
    assert result.covered_share >= target - 1e-12
    fewest = next(k for k in range(11) if any(matrix.covered_weight(c) >= target * matrix.total_weight - 1e-9
                                              for c in itertools.combinations(range(10), k)))
    assert len(result.chosen) == fewest


def test_lscp_full_coverage_equals_spopt():
    pulp = pytest.importorskip("pulp")
    from spopt.locate import LSCP

    d_lon, d_lat, weight, c_lon, c_lat, _ = instance(10, n_demand=60, n_candidates=40, spread=0.01)
    cost = geodesic_cost(d_lon, d_lat, c_lon, c_lat)
    radius = 900.0
    coverable = (cost <= radius).any(axis=1)
    d_lon, d_lat, weight, cost = d_lon[coverable], d_lat[coverable], weight[coverable], cost[coverable]
    ours = solve_lscp(build_coverage_matrix(d_lon, d_lat, weight, c_lon, c_lat, radius), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LSCP.from_cost_matrix(cost, radius).solve(pulp.PULP_CBC_CMD(msg=False))
    assert len(ours.chosen) == sum(1 for x in model.fac2cli if x)


def test_an_unreachable_target_is_explained():
    d_lon, d_lat, weight, c_lon, c_lat, _ = instance(11)
    matrix = build_coverage_matrix(d_lon, d_lat, weight, c_lon[:1], c_lat[:1], 100.0)
    with pytest.raises(SitingError, match="cannot be reached"):
        solve_lscp(matrix, 0.95)


def _access_oracle(d_lon, d_lat, demand, s_lon, s_lat, capacity, method, **kwargs):
    access = pytest.importorskip("access")
    cost = geodesic_cost(d_lon, d_lat, s_lon, s_lat)
    cost_df = pd.DataFrame([(i, j, cost[i, j]) for i in range(len(d_lon)) for j in range(len(s_lon))],
                           columns=["origin", "dest", "cost"])
    demand_df = pd.DataFrame({"demand": demand}, index=pd.RangeIndex(len(demand), name="origin"))
    supply_df = pd.DataFrame({"capacity": capacity}, index=pd.RangeIndex(len(capacity), name="dest"))
    model = access.Access(demand_df=demand_df, demand_index=True, demand_value="demand", supply_df=supply_df,
                          supply_index=True, supply_value="capacity", cost_df=cost_df, cost_origin="origin",
                          cost_dest="dest", cost_name="cost")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = getattr(model, method)(**kwargs)
    return scores.iloc[:, 0].reindex(range(len(demand))).fillna(0.0).to_numpy()


def test_2sfca_equals_pysal_access():
    d_lon, d_lat, weight, c_lon, c_lat, _ = instance(12, n_demand=80, n_candidates=12)
    capacity = np.arange(1, 13, dtype=float)
    ours = two_step_fca(d_lon, d_lat, weight, c_lon, c_lat, capacity, max_distance_m=1000.0)
    theirs = _access_oracle(d_lon, d_lat, weight, c_lon, c_lat, capacity, "two_stage_fca", max_cost=1000.0)
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)


def test_e2sfca_equals_pysal_access():
    access = pytest.importorskip("access")
    d_lon, d_lat, weight, c_lon, c_lat, _ = instance(13, n_demand=80, n_candidates=12)
    capacity = np.arange(1, 13, dtype=float)
    ours = two_step_fca(d_lon, d_lat, weight, c_lon, c_lat, capacity, zones=DEFAULT_E2SFCA_ZONES)
    weight_fn = access.weights.step_fn({500: 1.0, 1000: 0.68, 1500: 0.22})
    theirs = _access_oracle(d_lon, d_lat, weight, c_lon, c_lat, capacity, "enhanced_two_stage_fca",
                            max_cost=1500.0, weight_fn=weight_fn)
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)


def test_capacity_defaults_by_type_and_overrides():
    stations = load_stations().head(3).copy()
    assert (station_capacity(stations) > 0).all()
    stations["capacity"] = [7, None, -1]
    capacity = station_capacity(stations)
    assert capacity[0] == 7 and capacity[1] > 0 and capacity[2] > 0


def test_underserved_clusters_join_neighbouring_cells_and_rank_by_demand():
    from geo.analysis.accessibility import underserved_clusters
    from geo.analysis.coverage import demand_by_hex
    stations = load_stations()
    lon = np.array([116.90, 116.9012, 116.70, 116.90])
    lat = np.array([30.80, 30.8008, 30.60, 30.80])
    cells = demand_by_hex(lon, lat, np.array([2.0, 3.0, 4.0, 1.0]), np.zeros(4, dtype=bool))
    clusters = underserved_clusters(cells, stations)
    assert list(clusters["demand"]) == [6.0, 4.0]  # the two north-east points are one cluster
    nearest = clusters.iloc[0]
    exact = min(GEOD.inv(nearest.lon, nearest.lat, x, y)[2] for x, y in zip(stations.geometry.x, stations.geometry.y))
    assert nearest.nearest_m == pytest.approx(exact, rel=2e-6)
    assert nearest.bearing == "NE"
