"""Streaming analyses equal the in-memory ones: nearest (brute-force-checked path), coverage
shares, and siting on a matrix merged chunk by chunk; files read back with geopandas."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.analysis.coverage import cover_points, coverage_table
from geo.analysis.nearest import build_station_index, nearest_arrays
from geo.analysis.siting import build_coverage_matrix, greedy_mclp, solve_mclp
from geo.analysis.streaming import (
    iter_demand_chunks,
    point_wkb,
    points_from_geometry,
    stream_coverage,
    stream_coverage_matrix,
    stream_nearest,
)
from geo.errors import PointsDataError
from geo.register.geojson import load_stations

CENTRE = (116.82, 30.74)


def demand(seed: int = 1, n: int = 1000, spread: float = 0.04):
    rng = np.random.default_rng(seed)
    return (CENTRE[0] + rng.uniform(-spread, spread, n), CENTRE[1] + rng.uniform(-spread, spread, n),
            rng.integers(1, 10, n).astype(float))


@pytest.fixture
def demand_files(tmp_path):
    lon, lat, weight = demand()
    frame = gpd.GeoDataFrame({"weight": weight, "label": [f"p{i}" for i in range(len(lon))]},
                             geometry=gpd.points_from_xy(lon, lat), crs=4326)
    frame.to_parquet(tmp_path / "demand.parquet", row_group_size=300)
    pd.DataFrame({"经度": lon, "纬度": lat, "weight": weight}).to_csv(tmp_path / "demand.csv", index=False)
    return tmp_path, lon, lat, weight


@pytest.mark.parametrize("name", ["demand.parquet", "demand.csv"])
def test_chunks_give_back_every_point_in_order(demand_files, name):
    folder, lon, lat, weight = demand_files
    chunks = list(iter_demand_chunks(folder / name, chunk_rows=128))
    assert len(chunks) > 1 and [c.offset for c in chunks] == list(np.cumsum([0] + [len(c) for c in chunks[:-1]]))
    assert np.concatenate([c.lon for c in chunks]) == pytest.approx(lon, abs=1e-12)
    assert np.concatenate([c.lat for c in chunks]) == pytest.approx(lat, abs=1e-12)
    assert np.concatenate([c.weight for c in chunks]).tolist() == weight.tolist()


def test_point_wkb_round_trips_through_shapely():
    lon, lat, _ = demand(n=50)
    wkb = point_wkb(lon, lat)
    assert wkb.to_pylist() == shapely.to_wkb(shapely.points(lon, lat)).tolist()
    assert points_from_geometry(wkb)[0].tolist() == lon.tolist()
    mixed = shapely.to_wkb(np.array([shapely.Point(1, 2), shapely.Point(3, 4, 5)]))  # 3-D: the slow path
    assert points_from_geometry(__import__("pyarrow").array(mixed))[1].tolist() == [2.0, 4.0]


def test_streamed_nearest_equals_the_in_memory_answer_and_reads_back_with_geopandas(demand_files):
    folder, lon, lat, _ = demand_files
    stations = load_stations()
    out = folder / "nearest.parquet"
    summary = stream_nearest(stations, iter_demand_chunks(folder / "demand.parquet", chunk_rows=256), k=2, out=out)
    station_index, distance_m = nearest_arrays(build_station_index(stations), lon, lat, k=2)
    written = gpd.read_parquet(out)
    assert written.crs.equals("OGC:CRS84") or written.crs.equals(4326)
    assert written["query_index"].tolist() == list(range(len(lon)))
    assert written.geometry.x.tolist() == lon.tolist()
    for rank in (1, 2):
        assert written[f"station_id_{rank}"].astype(str).tolist() == stations["id"].to_numpy()[station_index[:, rank - 1]].tolist()
        assert written[f"distance_m_{rank}"].to_numpy() == pytest.approx(distance_m[:, rank - 1])
    assert summary.points == len(lon)
    assert summary.to_dict()["median_nearest_m"] == pytest.approx(np.median(distance_m[:, 0]), abs=0.1)
    assert summary.max_m == pytest.approx(distance_m[:, 0].max())


@pytest.mark.parametrize("radius", [400.0, {"red": 900.0, "party_mass": 500.0}])
def test_streamed_coverage_equals_the_in_memory_table(demand_files, radius):
    folder, lon, lat, weight = demand_files
    stations = load_stations()
    out = folder / "coverage.parquet"
    summary = stream_coverage(stations, iter_demand_chunks(folder / "demand.csv", chunk_rows=200), radius, out=out)
    expected = coverage_table(cover_points(stations, lon, lat, radius), weight).iloc[0]
    got = summary.to_dict()
    assert got["weight_column"] == "weight" and got["demand_weight"] == pytest.approx(weight.sum())
    assert got["share_covered"] == pytest.approx(expected["share_covered"])
    assert got["share_covered_2plus"] == pytest.approx(expected["share_covered_2plus"])
    assert got["median_nearest_m"] == pytest.approx(expected["median_nearest_m"], abs=0.1)
    written = gpd.read_parquet(out)
    assert written["covered_times"].tolist() == cover_points(stations, lon, lat, radius).covered_times.tolist()


def test_siting_on_a_matrix_merged_chunk_by_chunk_equals_the_full_matrix(demand_files):
    folder, lon, lat, weight = demand_files
    rng = np.random.default_rng(3)
    c_lon, c_lat = CENTRE[0] + rng.uniform(-0.04, 0.04, 60), CENTRE[1] + rng.uniform(-0.04, 0.04, 60)
    existing = load_stations().head(5)
    full = build_coverage_matrix(lon, lat, weight, c_lon, c_lat, 700.0, existing=existing)
    merged = stream_coverage_matrix(iter_demand_chunks(folder / "demand.parquet", chunk_rows=150), c_lon, c_lat, 700.0,
                                    existing=existing)
    assert merged.covers.shape[0] < full.covers.shape[0]
    assert merged.total_weight == pytest.approx(full.total_weight)
    assert merged.fixed_weight == pytest.approx(full.fixed_weight)
    for p in (1, 4):
        assert solve_mclp(merged, p).covered_weight == pytest.approx(solve_mclp(full, p).covered_weight)
        assert greedy_mclp(merged, p).chosen == greedy_mclp(full, p).chosen


def test_a_bad_row_far_into_a_file_is_named(tmp_path):
    lon, lat, weight = demand(n=500)
    lat[321] = 130.0  # swapped or mistyped
    pd.DataFrame({"lon": lon, "lat": lat}).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(PointsDataError, match="line 323"):
        for _ in iter_demand_chunks(tmp_path / "bad.csv", chunk_rows=100):
            pass
    (tmp_path / "empty.parquet").write_bytes(b"")
    with pytest.raises(PointsDataError, match="empty"):
        list(iter_demand_chunks(tmp_path / "empty.parquet"))


def test_a_streamed_file_counts_all_bad_rows_of_its_chunk_and_names_swapped_columns(tmp_path):
    lon, lat, _ = demand(n=500)
    pd.DataFrame({"lon": lat, "lat": lon}).to_csv(tmp_path / "swapped.csv", index=False)  # every row swapped
    with pytest.raises(PointsDataError) as caught:
        list(iter_demand_chunks(tmp_path / "swapped.csv", chunk_rows=200))
    assert caught.value.total == 200 and {p.key for p in caught.value.problems} == {"err_import_lonlat_swapped"}
    assert "另有" in caught.value.localized("zh") or len(caught.value.problems) == 200


@pytest.mark.parametrize("name", ["header.csv", "header.parquet"])
def test_a_streamed_file_with_no_rows_is_refused(tmp_path, name):
    frame = pd.DataFrame({"lon": pd.Series([], dtype=float), "lat": pd.Series([], dtype=float)})
    if name.endswith(".csv"):
        frame.to_csv(tmp_path / name, index=False)
    else:
        gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame.lon, frame.lat), crs=4326).to_parquet(tmp_path / name)
    with pytest.raises(PointsDataError) as caught:
        list(iter_demand_chunks(tmp_path / name))
    assert [p.key for p in caught.value.problems] == ["err_no_rows"]
