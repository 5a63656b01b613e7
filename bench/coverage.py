"""Benchmark: share of demand within a radius of a station, this project vs geopandas and vs
the bare KD-tree limit.

    .venv/bin/python bench/coverage.py [--points 1000000] [--stations 10000] [--radius-m 500] [--repeat 3]

Same WGS-84 lon/lat arrays for everyone, medians of ``--repeat`` runs, two layouts: dense
(``--stations``) and sparse (300 stations):
- bare limit: cKDTree query (k=1, stopping at the radius) on unit vectors, index prebuilt, and
  the same for k=2 (the share covered by two or more stations needs the second neighbour);
- ours: ``cover_points(..., with_nearest=False)`` (exact ellipsoidal distance <= radius);
- peers, in EPSG:32650: ``buffer`` + ``sjoin(predicate="within")``, and ``sjoin(predicate=
  "dwithin", distance=radius)``.
Prints times, ratios, shares and how many points the answers disagree on (UTM scale error and
32-gon buffers: only within about a metre of the edge).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from timing import interleaved, ratio  # noqa: E402

from geo.analysis.coverage import cover_points  # noqa: E402
from geo.analysis.nearest import build_station_index  # noqa: E402
from geo.place.geodesy import great_circle_to_chord, unit_vectors  # noqa: E402

BOX = (116.70, 30.62, 116.95, 30.85)


def run(n_points: int, n_stations: int, radius_m: float, repeat: int, rng) -> None:
    stations = gpd.GeoDataFrame(
        {"id": np.arange(n_stations).astype(str), "station_type": "red"},
        geometry=gpd.points_from_xy(rng.uniform(BOX[0], BOX[2], n_stations), rng.uniform(BOX[1], BOX[3], n_stations)),
        crs=4326,
    )
    lon, lat = rng.uniform(BOX[0], BOX[2], n_points), rng.uniform(BOX[1], BOX[3], n_points)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326)
    index = build_station_index(stations)
    reach = float(great_circle_to_chord(radius_m))

    def bare():
        distance, _ = index.tree.query(unit_vectors(lon, lat), k=1, workers=-1, distance_upper_bound=reach)
        return np.isfinite(distance)

    def bare_two():
        distance, _ = index.tree.query(unit_vectors(lon, lat), k=2, workers=-1, distance_upper_bound=reach)
        return np.isfinite(distance).sum(axis=1)

    def buffer_sjoin():
        buffers = gpd.GeoDataFrame(geometry=stations.to_crs(32650).buffer(radius_m))
        joined = gpd.sjoin(points.to_crs(32650), buffers, predicate="within")
        covered = np.zeros(n_points, dtype=bool)
        covered[joined.index.unique()] = True
        return covered

    def dwithin():
        joined = gpd.sjoin(points.to_crs(32650), stations[["geometry"]].to_crs(32650), predicate="dwithin",
                           distance=radius_m)
        covered = np.zeros(n_points, dtype=bool)
        covered[joined.index.unique()] = True
        return covered

    timings = interleaved({
        "bare": bare,
        "bare k=2": bare_two,
        "ours": lambda: cover_points(stations, lon, lat, radius_m, with_nearest=False).covered,
        "geopandas buffer + sjoin": buffer_sjoin,
        "geopandas sjoin dwithin": dwithin,
    }, repeat)
    bare_t, two_t, ours_t = timings["bare"], timings["bare k=2"], timings["ours"]
    ours = ours_t.result
    print(f"coverage: {n_points:,} points x {n_stations:,} stations within {radius_m:g} m, median of {repeat} "
          f"interleaved runs, shared 2-core machine")
    print(f"  bare KD-tree (sphere), k=1  {bare_t.median_s:.3f} s  share {bare_t.result.mean():.6f}")
    print(f"  bare KD-tree, k=2           {two_t.median_s:.3f} s  ({ratio(two_t, bare_t)} k=1; what counting "
          f"'covered twice' needs)")
    print(f"  ours (exact ellipsoid)      {ours_t.median_s:.3f} s  share {ours.mean():.6f}  ({ratio(ours_t, bare_t)} "
          f"bare, {ratio(ours_t, two_t)} bare k=2)")
    for name in ("geopandas buffer + sjoin", "geopandas sjoin dwithin"):
        peer = timings[name]
        print(f"  {name:<27} {peer.median_s:.3f} s  share {peer.result.mean():.6f}  (ours {ratio(peer, ours_t)} "
              f"faster; {int((peer.result != ours).sum()):,} points answered differently)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--stations", type=int, default=10_000)
    parser.add_argument("--sparse-stations", type=int, default=300)
    parser.add_argument("--radius-m", type=float, default=500.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(20261128)
    run(args.points, args.stations, args.radius_m, args.repeat, rng)
    run(args.points, args.sparse_stations, args.radius_m, args.repeat, rng)


if __name__ == "__main__":
    main()
