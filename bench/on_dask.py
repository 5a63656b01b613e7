"""Benchmark: nearest and coverage on Dask vs in memory, 10^7 points (GeoParquet dataset).

    .venv/bin/python bench/on_dask.py [--points 10000000] [--stations 10000] [--workers 2] [--scheduler ADDRESS]

In memory: the whole file read once (lon/lat arrays), ``nearest_arrays`` (k=1) and the streamed
coverage totals in one chunk. Dask: ``dask_nearest`` / ``dask_coverage`` on a LocalCluster of
``--workers`` processes (or ``--scheduler``), partitions = row groups of 10^6, the station index
broadcast once. Prints times (cluster start-up apart), ratios and whether the answers are
identical.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from anywhere

from geo.analysis.nearest import build_station_index, nearest_arrays  # noqa: E402
from geo.analysis.on_dask import dask_client, dask_coverage, dask_nearest  # noqa: E402
from geo.analysis.streaming import GeoParquetWriter, coverage_chunk, coverage_indexes, iter_demand_chunks  # noqa: E402

BOX = (116.70, 30.62, 116.95, 30.85)


def main() -> None:
    import geopandas as gpd

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--stations", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scheduler")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/gaohe-bench"))
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    stations = gpd.GeoDataFrame({"id": [f"S{i}" for i in range(args.stations)], "station_type": "red"},
                                geometry=gpd.points_from_xy(rng.uniform(BOX[0], BOX[2], args.stations),
                                                            rng.uniform(BOX[1], BOX[3], args.stations)), crs=4326)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    path = args.data_dir / f"dask_demand_{args.points}.parquet"
    if not path.exists():
        writer = GeoParquetWriter(path, pa.schema([("weight", pa.float64())]))
        for start in range(0, args.points, 1_000_000):
            m = min(1_000_000, args.points - start)
            writer.write({"weight": rng.integers(1, 10, m).astype(float)}, rng.uniform(BOX[0], BOX[2], m),
                         rng.uniform(BOX[1], BOX[3], m))
        writer.close()

    start = time.perf_counter()
    chunk = next(iter_demand_chunks(path, chunk_rows=args.points))
    station_index, distance_m = nearest_arrays(build_station_index(stations), chunk.lon, chunk.lat, k=1)
    memory_nearest_s = time.perf_counter() - start
    start = time.perf_counter()
    memory_coverage, *_ = coverage_chunk(coverage_indexes(stations, 500.0), build_station_index(stations),
                                         next(iter_demand_chunks(path, chunk_rows=args.points)))
    memory_coverage_s = time.perf_counter() - start

    start = time.perf_counter()
    with dask_client(args.scheduler, n_workers=args.workers) as client:
        startup_s = time.perf_counter() - start
        start = time.perf_counter()
        table, _ = dask_nearest(stations, path, client, k=1)
        dask_nearest_s = time.perf_counter() - start
        start = time.perf_counter()
        coverage = dask_coverage(stations, path, 500.0, client)
        dask_coverage_s = time.perf_counter() - start
    same_ids = bool((table["station_id_1"].to_numpy() == stations["id"].to_numpy()[station_index[:, 0]]).all())
    same_m = bool((table["distance_m_1"].to_numpy() == distance_m[:, 0]).all())
    print(f"Dask vs in memory: {args.points:,} points x {args.stations:,} stations, "
          f"{'scheduler ' + args.scheduler if args.scheduler else f'LocalCluster of {args.workers} processes'}, "
          f"shared 2-core machine (cluster start-up {startup_s:.1f} s, not counted)")
    print(f"  nearest k=1: in memory {memory_nearest_s:.1f} s | Dask {dask_nearest_s:.1f} s "
          f"({dask_nearest_s / memory_nearest_s:.2f}x); identical ids {same_ids}, identical distances {same_m}")
    print(f"  coverage 500 m: in memory {memory_coverage_s:.1f} s | Dask {dask_coverage_s:.1f} s "
          f"({dask_coverage_s / memory_coverage_s:.2f}x); share {coverage.to_dict()['share_covered']:.6f} vs "
          f"{memory_coverage.to_dict()['share_covered']:.6f}, identical "
          f"{coverage.covered == memory_coverage.covered and coverage.demand == memory_coverage.demand}")


if __name__ == "__main__":
    main()
