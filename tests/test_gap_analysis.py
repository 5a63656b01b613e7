"""The gap analysis against independent oracles: brute-force geodesic coverage (pyproj.Geod
over every pair) and exhaustive search over every set of new sites on a small instance."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import Point

from geo.analysis.demand import DemandPoints, DemandSource
from geo.analysis.gap_analysis import (
    curve,
    fewest_sites,
    file_candidates,
    hex_candidates,
    plan_sites,
    prepare_gaps,
)
from geo.analysis.scenario import Scenario, apply_scenario
from geo.errors import GeoDataError, SitingError
from geo.place.describe import reference_places

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def references(stations):
    return reference_places(stations)


def within(from_lon, from_lat, to_lon, to_lat, radius_m) -> np.ndarray:
    rows = np.repeat(np.arange(len(from_lon)), len(to_lon))
    cols = np.tile(np.arange(len(to_lon)), len(from_lon))
    _, _, distance = GEOD.inv(np.asarray(to_lon)[cols], np.asarray(to_lat)[cols], np.asarray(from_lon)[rows],
                              np.asarray(from_lat)[rows])
    return np.asarray(distance).reshape(len(from_lon), len(to_lon)) <= radius_m


def demand_in(study, n=250, seed=4) -> DemandPoints:
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = study.total_bounds
    lon, lat = rng.uniform(minx - 0.01, maxx + 0.01, n), rng.uniform(miny - 0.01, maxy + 0.01, n)
    weight = rng.integers(1, 9, n).astype(float)
    return DemandPoints(lon, lat, weight, DemandSource("file", "d.csv", "人数", None, n, float(weight.sum())),
                        fingerprint=f"test:{seed}:{n}")


def test_hexagon_candidates_lie_in_the_study_area(study):
    candidates = hex_candidates(study)
    area = study.union_all()
    assert len(candidates) > 100
    assert all(area.contains(Point(x, y)) for x, y in zip(candidates.lon, candidates.lat))


def test_file_candidates_are_numbered_from_one_and_those_outside_are_left_out(study):
    minx, miny, maxx, maxy = study.total_bounds
    points = pd.DataFrame({"lon": [minx + 0.01, maxx + 0.2, minx + 0.02], "lat": [miny + 0.01, miny, miny + 0.02]})
    candidates = file_candidates(points, "药店.csv", study)
    assert list(candidates.label) == ["1", "3"] and candidates.outside == 1
    named = file_candidates(points.assign(名称=["甲药店", "乙", "丙超市"]), "药店.csv", study)
    assert list(named.label) == ["甲药店", "丙超市"]
    with pytest.raises(GeoDataError) as caught:
        file_candidates(points.iloc[[1]], "远.csv", study)
    assert "远.csv" in caught.value.localized("zh") and "研究区" in caught.value.localized("zh")


def test_shares_before_with_a_scenario_and_with_every_candidate_match_brute_force(stations, study, references):
    demand = demand_in(study)
    scenario = Scenario(removed=["RS-01"])
    scenario.add_station(116.80, 30.75, "red")
    scenario_stations = apply_scenario(stations, scenario)
    candidates = hex_candidates(study, resolution=8)
    problem = prepare_gaps(stations, scenario_stations, demand, candidates, study, 700.0, references=references)
    w = demand.weight
    register = within(demand.lon, demand.lat, stations.geometry.x, stations.geometry.y, 700.0).any(axis=1)
    after = within(demand.lon, demand.lat, scenario_stations.geometry.x, scenario_stations.geometry.y, 700.0).any(axis=1)
    every = after | within(demand.lon, demand.lat, candidates.lon, candidates.lat, 700.0).any(axis=1)
    assert problem.register_share == pytest.approx(w[register].sum() / w.sum())
    assert problem.scenario_share == pytest.approx(w[after].sum() / w.sum())
    assert problem.reachable_share == pytest.approx(w[every].sum() / w.sum())
    assert problem.cells["demand"].sum() == pytest.approx(w.sum())
    assert problem.cells["uncovered"].sum() == pytest.approx(w[~after].sum())


def test_the_optimal_sites_beat_every_other_choice(stations, study, references):
    demand = demand_in(study, n=200, seed=9)
    minx, miny, maxx, maxy = study.total_bounds
    rng = np.random.default_rng(2)
    points = pd.DataFrame({"lon": rng.uniform(minx, maxx, 12), "lat": rng.uniform(miny, maxy, 12)})
    candidates = file_candidates(points, "c.csv", study)
    problem = prepare_gaps(stations, stations, demand, candidates, study, 600.0, references=references)
    covered_now = within(demand.lon, demand.lat, stations.geometry.x, stations.geometry.y, 600.0).any(axis=1)
    reach = within(demand.lon, demand.lat, candidates.lon, candidates.lat, 600.0)
    best = max(demand.weight[covered_now | reach[:, list(pair)].any(axis=1)].sum()
               for pair in itertools.combinations(range(len(candidates)), 2))
    plan = plan_sites(problem, 2)
    assert plan.result.optimal
    assert plan.result.covered_weight == pytest.approx(best)
    assert plan_sites(problem, 2, "greedy").result.covered_weight <= best + 1e-9
    picks = plan.picks
    assert list(picks["rank"]) == [1, 2] and picks["gain"].is_monotonic_decreasing
    assert picks["covered_share"].iloc[-1] == pytest.approx(best / demand.weight.sum())
    assert set(picks["label"]) <= set(candidates.label)


def test_each_site_is_described_by_its_nearest_known_place(stations, study, references):
    problem = prepare_gaps(stations, stations, demand_in(study), hex_candidates(study), study, 800.0,
                           references=references)
    for pick in plan_sites(problem, 3).picks.itertuples():
        _, _, distance = GEOD.inv(references.lon.to_numpy(), references.lat.to_numpy(),
                                  np.full(len(references), pick.lon), np.full(len(references), pick.lat))
        assert pick.ref_name_zh == references.name_zh.iloc[int(np.argmin(distance))]
        assert pick.ref_distance_m == pytest.approx(float(np.min(distance)))


def test_the_suggested_target_can_be_reached(stations, study, references):
    problem = prepare_gaps(stations, stations, demand_in(study), hex_candidates(study), study, 500.0,
                           references=references)
    target = problem.suggested_target_share()
    assert 0 < target <= problem.reachable_share
    plan = fewest_sites(problem, target)
    assert plan.result.covered_share >= target - 1e-9
    with pytest.raises(SitingError) as caught:
        fewest_sites(problem, min(1.0, problem.reachable_share + 0.01))
    assert "达不到目标" in caught.value.localized("zh")


def test_the_curve_rises_and_ends_where_the_plan_does(stations, study, references):
    problem = prepare_gaps(stations, stations, demand_in(study), hex_candidates(study, 8), study, 800.0,
                           references=references)
    shares = curve(problem, 4, "milp")["covered_share"].to_numpy()
    assert shares[0] == pytest.approx(problem.scenario_share) and np.all(np.diff(shares) >= -1e-12)
    assert shares[3] == pytest.approx(plan_sites(problem, 3).result.covered_share)


def test_fingerprints_change_with_what_changes_the_answer(stations, study, references):
    demand, candidates = demand_in(study), hex_candidates(study, 8)
    base = prepare_gaps(stations, stations, demand, candidates, study, 800.0, references=references).fingerprint
    assert prepare_gaps(stations, stations, demand, candidates, study, 800.0, references=references).fingerprint == base
    assert prepare_gaps(stations, stations, demand, candidates, study, 900.0, references=references).fingerprint != base
    fewer = gpd.GeoDataFrame(stations.iloc[1:], crs=stations.crs)
    assert prepare_gaps(stations, fewer, demand, candidates, study, 800.0, references=references).fingerprint != base
    with pytest.raises(GeoDataError):
        plan_sites(prepare_gaps(stations, stations, demand, candidates, study, 800.0, references=references), 1, "guess")
