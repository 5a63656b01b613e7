"""Benchmark: nearest stations for many query points, this project vs the geopandas way.

    .venv/bin/python bench/nearest.py [--queries 1000000] [--stations 10000] [--repeat 3]

Both sides start from the same WGS-84 lon/lat points and return, per query, the nearest
station(s) and a distance in metres:
- peer, k=1: GeoDataFrames -> to_crs(EPSG:32650) -> geopandas ``sjoin_nearest`` (planar UTM);
- peer, k=3: ``sjoin_nearest`` has no k, so the peer is scipy's cKDTree on the same UTM
  coordinates (what a geopandas user reaches for);
- ours: ``geo.nearest.query_nearest`` (exact on the WGS-84 ellipsoid), index built once.
Prints wall-time medians, the ratio, and how often the nearest ids agree; where they differ
the two distances are compared, since UTM's scale error can swap near-ties.
"""

from __future__ import annotations

import argparse
import statistics
import time

import geopandas as gpd
import numpy as np
from pyproj import Geod
from scipy.spatial import cKDTree

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from geo.nearest import build_station_index, query_nearest  # noqa: E402

BOX = (116.70, 30.62, 116.95, 30.85)  # around Gaohe, WGS-84 degrees


def timed(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=1_000_000)
    parser.add_argument("--stations", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--single-stations", type=int, default=100_000)
    args = parser.parse_args()

    rng = np.random.default_rng(20261128)
    s_lon = rng.uniform(BOX[0], BOX[2], args.stations)
    s_lat = rng.uniform(BOX[1], BOX[3], args.stations)
    q_lon = rng.uniform(BOX[0], BOX[2], args.queries)
    q_lat = rng.uniform(BOX[1], BOX[3], args.queries)
    stations = gpd.GeoDataFrame({"station": np.arange(args.stations)}, geometry=gpd.points_from_xy(s_lon, s_lat), crs=4326)
    queries = gpd.GeoDataFrame(geometry=gpd.points_from_xy(q_lon, q_lat), crs=4326)
    print(f"{args.queries:,} queries x {args.stations:,} stations, median of {args.repeat} runs, 2 cores")

    build_s, index = timed(lambda: build_station_index(lon=s_lon, lat=s_lat), args.repeat)
    print(f"  our index build: {build_s * 1000:.1f} ms")

    def peer_k1():
        joined = gpd.sjoin_nearest(queries.to_crs(32650), stations.to_crs(32650), distance_col="distance_m")
        return joined[~joined.index.duplicated()]  # sjoin_nearest returns every tie

    def peer_k3():
        tree = cKDTree(np.column_stack([stations.to_crs(32650).geometry.x, stations.to_crs(32650).geometry.y]))
        projected = queries.to_crs(32650)
        return tree.query(np.column_stack([projected.geometry.x, projected.geometry.y]), k=3, workers=-1)

    geod = Geod(ellps="WGS84")
    for k, peer_name, peer in ((1, "geopandas to_crs + sjoin_nearest", peer_k1), (3, "to_crs + scipy cKDTree (UTM)", peer_k3)):
        ours_s, ours = timed(lambda: query_nearest(index, q_lon, q_lat, k=k), args.repeat)
        peer_s, theirs = timed(peer, args.repeat)
        our_ids = ours["station_index"].to_numpy().reshape(-1, k)
        peer_ids = theirs["station"].to_numpy().reshape(-1, 1) if k == 1 else theirs[1]
        same = (our_ids == peer_ids).all(axis=1)
        differ = np.flatnonzero(~same)
        # where they differ, is it a near-tie? compare exact geodesic distances of both answers
        sample = differ[:2000]
        gap_m = np.abs(
            geod.inv(q_lon[sample], q_lat[sample], s_lon[peer_ids[sample, -1]], s_lat[peer_ids[sample, -1]])[2]
            - geod.inv(q_lon[sample], q_lat[sample], s_lon[our_ids[sample, -1]], s_lat[our_ids[sample, -1]])[2]
        ) if sample.size else np.array([0.0])
        print(
            f"  k={k}: ours {ours_s:.3f} s | {peer_name} {peer_s:.3f} s | ratio {peer_s / ours_s:.1f}x | "
            f"same ids {same.mean() * 100:.3f}% ({differ.size:,} differ; largest exact-distance gap there "
            f"{gap_m.max():.3f} m)"
        )

    big_lon = rng.uniform(BOX[0], BOX[2], args.single_stations)
    big_lat = rng.uniform(BOX[1], BOX[3], args.single_stations)
    big = build_station_index(lon=big_lon, lat=big_lat)
    single = []
    for i in range(1000):
        start = time.perf_counter()
        query_nearest(big, q_lon[i], q_lat[i], k=3)
        single.append(time.perf_counter() - start)
    print(f"  one query, k=3, {args.single_stations:,} stations: median {statistics.median(single) * 1e3:.3f} ms, "
          f"p95 {np.percentile(single, 95) * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
