"""Benchmark: streaming nearest and coverage over GeoParquet demand files of 10^6..10^8 points,
with peak memory.

    .venv/bin/python bench/stream.py [--sizes 1000000 10000000 100000000] [--stations 2000]
                                     [--data-dir /tmp/gaohe-bench] [--chunk-rows 1000000]

Each size: a GeoParquet file of uniform points (WKB, weights; row groups of 10^6) is written
once into ``--data-dir`` and reused; then, each in a fresh process, ``python -m geo nearest
--points FILE -k 1 --out OUT.parquet`` and ``python -m geo coverage --demand FILE --radius-m 500``
against ``--stations`` stations (random, in the town's urban area: the register validation
refuses stations far from the town). Prints wall time, peak resident memory of the process (ru_maxrss)
and that per point, and the output size.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from anywhere

from geo.analysis.streaming import GeoParquetWriter  # noqa: E402

BOX = (116.78, 30.71, 116.86, 30.77)  # the town's urban area: the register refuses stations far from it


def write_demand(path: Path, n: int, seed: int) -> None:
    if path.exists():
        return
    rng = np.random.default_rng(seed)
    writer = GeoParquetWriter(path, pa.schema([("weight", pa.float64())]))
    for start in range(0, n, 1_000_000):
        m = min(1_000_000, n - start)
        writer.write({"weight": rng.integers(1, 10, m).astype(float)}, rng.uniform(BOX[0], BOX[2], m),
                     rng.uniform(BOX[1], BOX[3], m))
    writer.close()


def run_measured(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) of the child, its stdout."""
    wrapper = ("import resource, subprocess, sys, time, json; t = time.perf_counter(); "
               "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "print(json.dumps({'s': time.perf_counter() - t, 'rss_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
               "'rc': r.returncode, 'out': r.stdout, 'err': r.stderr[-2000:]}))")
    done = json.loads(subprocess.run([sys.executable, "-c", wrapper, *command], capture_output=True, text=True,
                                     check=True).stdout)
    if done["rc"] != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done['err']}")
    return done["s"], done["rss_kib"] / 1024, done["out"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000, 100_000_000])
    parser.add_argument("--stations", type=int, default=2_000)
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/gaohe-bench"))
    parser.add_argument("--chunk-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261128)
    register = json.loads((ROOT / "data" / "stations.geojson").read_text(encoding="utf-8"))
    template = register["features"][0]
    features = []
    for i, (x, y) in enumerate(zip(rng.uniform(BOX[0], BOX[2], args.stations), rng.uniform(BOX[1], BOX[3], args.stations))):
        feature = json.loads(json.dumps(template))
        feature["properties"]["id"] = f"NS-{i + 100:05d}"
        feature["geometry"]["coordinates"] = [float(x), float(y)]
        features.append(feature)
    stations_path = args.data_dir / f"stations_{args.stations}.geojson"
    stations_path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                             encoding="utf-8")
    baseline_s, baseline_mib, _ = run_measured([sys.executable, "-c", "import geo.analysis.streaming, geo.cli.main"])
    print(f"streaming: GeoParquet demand, {args.stations:,} stations, chunks of {args.chunk_rows:,} points, "
          f"shared 2-core 24 GiB machine; interpreter + imports alone peak at {baseline_mib:.0f} MiB")
    print(f"  {'points':>12} {'analysis':<24} {'time s':>8} {'points/s':>11} {'peak MiB':>9} {'B/point':>8} {'out MB':>8}")
    for n in args.sizes:
        demand = args.data_dir / f"demand_{n}.parquet"
        start = time.perf_counter()
        write_demand(demand, n, seed=n)
        written_s = time.perf_counter() - start
        out = args.data_dir / f"nearest_{n}.parquet"
        common = ["--file", str(stations_path), "--chunk-rows", str(args.chunk_rows), "--json"]
        for name, command, out_path in (
            ("nearest k=1 -> GeoParquet", [sys.executable, "-m", "geo", "nearest", "--points", str(demand), "-k", "1",
                                           "--out", str(out), *common], out),
            ("coverage 500 m", [sys.executable, "-m", "geo", "coverage", "--demand", str(demand), "--radius-m", "500",
                                *common], None),
        ):
            seconds, peak_mib, _ = run_measured(command)
            size = f"{out_path.stat().st_size / 1e6:8.0f}" if out_path is not None else f"{'-':>8}"
            print(f"  {n:>12,} {name:<24} {seconds:>8.1f} {n / seconds:>11,.0f} {peak_mib:>9.0f} "
                  f"{peak_mib * 2**20 / n:>8.1f} {size}", flush=True)
        if written_s > 1:
            print(f"  ({n:,}-point input written in {written_s:.0f} s, {demand.stat().st_size / 1e6:.0f} MB)")
        out.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
