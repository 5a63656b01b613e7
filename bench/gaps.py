"""Benchmark: maximal covering (MCLP) with fixed existing stations, this project vs spopt.

    .venv/bin/python bench/gaps.py [--candidates 500] [--demand 5000] [--existing 10] [--p 5] [--radius-m 500]
                                   [--large-candidates 5000] [--large-demand 100000]

Ours: ``build_coverage_matrix`` (exact ellipsoidal coverage) + ``solve_mclp`` (HiGHS MILP).
Peer: spopt ``MCLP.from_cost_matrix`` + ``solve(PULP_CBC_CMD)`` on a ready geodesic cost matrix
(its matrix is built outside the timing, which favours the peer). Same instance, same run:
prints both times, the ratio, and both objectives (covered demand weight), which must agree.
Then one large instance, ours only.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
from pyproj import Geod

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from geo.gaps import build_coverage_matrix, solve_mclp  # noqa: E402

CENTRE = (116.82, 30.74)


def make(rng, n_demand, n_candidates, n_existing, spread=0.08):
    def scatter(n):
        return CENTRE[0] + rng.uniform(-spread, spread, n), CENTRE[1] + rng.uniform(-spread, spread, n)

    d_lon, d_lat = scatter(n_demand)
    c_lon, c_lat = scatter(n_candidates)
    e_lon, e_lat = scatter(n_existing)
    weight = rng.integers(1, 10, n_demand).astype(float)
    existing = gpd.GeoDataFrame({"station_type": ["red"] * n_existing}, geometry=gpd.points_from_xy(e_lon, e_lat), crs=4326)
    return d_lon, d_lat, weight, c_lon, c_lat, existing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--demand", type=int, default=5000)
    parser.add_argument("--existing", type=int, default=10)
    parser.add_argument("--p", type=int, default=5)
    parser.add_argument("--radius-m", type=float, default=500.0)
    parser.add_argument("--large-candidates", type=int, default=5000)
    parser.add_argument("--large-demand", type=int, default=100_000)
    args = parser.parse_args()
    rng = np.random.default_rng(20261128)
    d_lon, d_lat, weight, c_lon, c_lat, existing = make(rng, args.demand, args.candidates, args.existing)

    start = time.perf_counter()
    ours = solve_mclp(build_coverage_matrix(d_lon, d_lat, weight, c_lon, c_lat, args.radius_m, existing=existing), args.p)
    ours_s = time.perf_counter() - start

    import pulp
    from spopt.locate import MCLP

    geod = Geod(ellps="WGS84")
    all_lon = np.concatenate([c_lon, existing.geometry.x])
    all_lat = np.concatenate([c_lat, existing.geometry.y])
    cost = np.array([geod.inv(np.full(len(all_lon), x), np.full(len(all_lat), y), all_lon, all_lat)[2]
                     for x, y in zip(d_lon, d_lat)])
    predefined = np.array([False] * len(c_lon) + [True] * len(existing))
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MCLP.from_cost_matrix(cost, weight, args.radius_m, p_facilities=args.p + args.existing,
                                      predefined_facilities_arr=predefined).solve(pulp.PULP_CBC_CMD(msg=False))
    peer_s = time.perf_counter() - start
    opened = [j for j, clients in enumerate(model.fac2cli) if clients]
    peer_objective = float(weight[np.any(cost[:, opened] <= args.radius_m, axis=1)].sum())
    print(f"MCLP {args.candidates} candidates x {args.demand:,} demand, {args.existing} existing fixed, p={args.p}, "
          f"r={args.radius_m:g} m, 2 cores")
    print(f"  ours (matrix + HiGHS)   {ours_s:.2f} s  covered weight {ours.covered_weight:,.0f} ({ours.covered_share:.2%}), "
          f"optimal={ours.optimal}")
    print(f"  spopt MCLP + CBC        {peer_s:.2f} s  covered weight {peer_objective:,.0f}")
    print(f"  ratio {peer_s / ours_s:.1f}x; same objective: {abs(peer_objective - ours.covered_weight) < 1e-6}")

    d_lon, d_lat, weight, c_lon, c_lat, existing = make(rng, args.large_demand, args.large_candidates, args.existing)
    start = time.perf_counter()
    matrix = build_coverage_matrix(d_lon, d_lat, weight, c_lon, c_lat, args.radius_m, existing=existing)
    built_s = time.perf_counter() - start
    large = solve_mclp(matrix, args.p)
    print(f"MCLP {args.large_candidates:,} candidates x {args.large_demand:,} demand, p={args.p}: "
          f"{time.perf_counter() - start:.1f} s ({built_s:.1f} s matrix), covered {large.covered_share:.2%}, "
          f"optimal={large.optimal}")


if __name__ == "__main__":
    main()
