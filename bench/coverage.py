"""Benchmark: share of demand points within 500 m of a station, this project vs geopandas.

    .venv/bin/python bench/coverage.py [--points 1000000] [--stations 10000] [--radius-m 500] [--repeat 3]

Both start from WGS-84 lon/lat points. Peer: to_crs(EPSG:32650), ``buffer(radius)`` around every
station, ``sjoin(predicate="within")``, count points in any buffer. Ours:
``geo.coverage.cover_points`` (exact ellipsoidal distance <= radius). Prints medians, the ratio,
both shares and how many points the two answers disagree on (the peer's 32-gon buffers and UTM
scale can only differ within about a metre of the edge).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from geo.coverage import cover_points  # noqa: E402

BOX = (116.70, 30.62, 116.95, 30.85)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--stations", type=int, default=10_000)
    parser.add_argument("--radius-m", type=float, default=500.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(20261128)
    stations = gpd.GeoDataFrame(
        {"id": np.arange(args.stations).astype(str), "station_type": "red"},
        geometry=gpd.points_from_xy(rng.uniform(BOX[0], BOX[2], args.stations), rng.uniform(BOX[1], BOX[3], args.stations)),
        crs=4326,
    )
    lon = rng.uniform(BOX[0], BOX[2], args.points)
    lat = rng.uniform(BOX[1], BOX[3], args.points)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326)

    def ours():
        return cover_points(stations, lon, lat, args.radius_m, with_nearest=False).covered

    def peer():
        utm_points = points.to_crs(32650)
        buffers = gpd.GeoDataFrame(geometry=stations.to_crs(32650).buffer(args.radius_m))
        joined = gpd.sjoin(utm_points, buffers, predicate="within")
        covered = np.zeros(len(points), dtype=bool)
        covered[joined.index.unique()] = True
        return covered

    results = {}
    for name, function in (("ours", ours), ("peer", peer)):
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            results[name] = function()
            times.append(time.perf_counter() - start)
        results[name + "_s"] = statistics.median(times)
    print(f"{args.points:,} points x {args.stations:,} stations within {args.radius_m:g} m, median of {args.repeat}, 2 cores")
    print(f"  ours (geodesic)            {results['ours_s']:.3f} s  share {results['ours'].mean():.6f}")
    print(f"  geopandas buffer + sjoin   {results['peer_s']:.3f} s  share {results['peer'].mean():.6f}")
    print(f"  ratio {results['peer_s'] / results['ours_s']:.1f}x; points answered differently: "
          f"{int((results['ours'] != results['peer']).sum()):,}")


if __name__ == "__main__":
    main()
