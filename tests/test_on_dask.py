"""Dask answers equal the in-memory ones, on a LocalCluster of 2 worker processes reading a
small GeoParquet dataset (two files, several row groups each)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from geo.analysis.coverage import cover_points, coverage_table
from geo.analysis.nearest import build_station_index, nearest_arrays
from geo.register.geojson import load_stations

pytest.importorskip("dask_geopandas")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demand")
    rng = np.random.default_rng(21)
    lon = 116.82 + rng.uniform(-0.05, 0.05, 3000)
    lat = 30.74 + rng.uniform(-0.05, 0.05, 3000)
    weight = rng.integers(1, 9, 3000).astype(float)
    for part, rows in enumerate((slice(0, 1700), slice(1700, 3000))):
        gpd.GeoDataFrame({"weight": weight[rows]}, geometry=gpd.points_from_xy(lon[rows], lat[rows]), crs=4326
                         ).to_parquet(folder / f"part.{part}.parquet", row_group_size=400)
    return folder, lon, lat, weight


@pytest.fixture(scope="module")
def client():
    from geo.analysis.on_dask import dask_client

    with dask_client(n_workers=2) as client:
        yield client


def test_dask_nearest_equals_the_in_memory_answer(dataset, client):
    from geo.analysis.on_dask import dask_nearest

    folder, lon, lat, _ = dataset
    stations = load_stations()
    table, summary = dask_nearest(stations, folder, client, k=3)
    station_index, distance_m = nearest_arrays(build_station_index(stations), lon, lat, k=3)
    assert table["query_index"].tolist() == list(range(len(lon)))
    for rank in (1, 2, 3):
        assert table[f"station_id_{rank}"].tolist() == stations["id"].to_numpy()[station_index[:, rank - 1]].tolist()
        assert table[f"distance_m_{rank}"].to_numpy().tolist() == distance_m[:, rank - 1].tolist()
    assert summary.points == len(lon) and summary.max_m == distance_m[:, 0].max()


def test_dask_coverage_equals_the_in_memory_table(dataset, client):
    from geo.analysis.on_dask import dask_coverage

    folder, lon, lat, weight = dataset
    stations = load_stations()
    got = dask_coverage(stations, folder, {"red": 800.0, "neighbourhood": 400.0}, client).to_dict()
    expected = coverage_table(cover_points(stations, lon, lat, {"red": 800.0, "neighbourhood": 400.0}), weight).iloc[0]
    assert got["points"] == len(lon)
    assert got["share_covered"] == pytest.approx(expected["share_covered"], rel=1e-12)
    assert got["share_covered_2plus"] == pytest.approx(expected["share_covered_2plus"], rel=1e-12)
    assert got["median_nearest_m"] == pytest.approx(expected["median_nearest_m"], abs=0.1)


def test_the_cli_runs_on_a_given_scheduler_and_writes_geoparquet(dataset, client, tmp_path):
    import json
    import subprocess
    import sys

    folder, lon, lat, _ = dataset
    out = tmp_path / "nearest.parquet"
    result = subprocess.run([sys.executable, "-m", "geo", "nearest", "--points", str(folder), "-k", "1", "--scheduler",
                             client.scheduler.address, "--out", str(out), "--json"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["points"] == len(lon)
    stations = load_stations()
    station_index, _ = nearest_arrays(build_station_index(stations), lon, lat, k=1)
    assert out.is_dir()  # the workers wrote their partitions as a GeoParquet dataset
    written = gpd.read_parquet(out).sort_values("query_index")
    assert written["query_index"].tolist() == list(range(len(lon)))
    assert written.geometry.y.tolist() == lat.tolist()
    assert written["station_id_1"].astype(str).tolist() == stations["id"].to_numpy()[station_index[:, 0]].tolist()
