"""The streaming analyses on a Dask cluster: beyond one machine's cores and memory.

Demand is a GeoParquet dataset (one file or a folder of files) read by ``dask_geopandas`` in
partitions; the station search index is sent to every worker once (``scatter(broadcast=True)``)
and each partition is answered by the same function as a chunk of :mod:`geo.analysis.streaming`, so the
answers equal the in-memory ones. Without a scheduler address a local cluster of processes is
started (one worker per core); with one (``tcp://host:8786``) the work goes to that cluster,
whose workers need this package and read access to the files.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analysis.nearest import build_station_index
from geo.analysis.streaming import (
    CoverageSummary,
    NearestSummary,
    PointChunk,
    coverage_chunk,
    coverage_indexes,
    nearest_columns,
)


@contextmanager
def dask_client(scheduler: str | None = None, *, n_workers: int | None = None) -> Iterator[object]:
    """A ``distributed.Client``: connected to ``scheduler`` when given, else to a new local
    cluster of ``n_workers`` single-threaded processes (default: one per core), closed after."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    import os

    workers = n_workers or max(1, os.cpu_count() or 1)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client


def _partition_chunk(partition: gpd.GeoDataFrame, offset: int) -> PointChunk:
    import pyarrow as pa

    from geo.analysis.streaming import points_from_geometry
    from geo.readers import WEIGHT_COLUMNS, find_column

    lon, lat = points_from_geometry(pa.array(partition.geometry.to_wkb().to_numpy()))
    weight_column = find_column(partition.columns, WEIGHT_COLUMNS)
    weight = partition[weight_column].to_numpy(dtype=float) if weight_column else np.ones(len(partition))
    return PointChunk(offset, lon, lat, weight, weight_column)


def _partitions(path: Path | str, client) -> tuple[list, list[int]]:
    """Futures of the dataset's partitions, and the row number each starts at."""
    import dask_geopandas

    frame = dask_geopandas.read_parquet(str(path), split_row_groups=True)
    parts = client.compute(frame.to_delayed())
    lengths = client.gather(client.map(len, parts))
    return parts, np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(int).tolist()


def _nearest_partition(partition, offset, out_file, index, station_ids, k):
    from geo.analysis.streaming import GeoParquetWriter, nearest_schema

    chunk = _partition_chunk(partition, offset)
    columns, nearest_m = nearest_columns(index, station_ids, chunk, k)
    summary = NearestSummary()
    summary.add(nearest_m)
    if out_file is not None:  # written where the work is done: nothing per point travels back
        writer = GeoParquetWriter(out_file, nearest_schema(k))
        writer.write(columns, chunk.lon, chunk.lat)
        writer.close()
        return None, summary
    table = pd.DataFrame({name: (column.dictionary.to_numpy(zero_copy_only=False)[column.indices.to_numpy()]
                                 if hasattr(column, "dictionary") else column.to_numpy())
                          for name, column in columns.items()})
    return table, summary


def dask_nearest(stations: gpd.GeoDataFrame, path: Path | str, client, *, k: int = 1, out: Path | str | None = None
                 ) -> tuple[pd.DataFrame | None, NearestSummary]:
    """k nearest stations of every point of a GeoParquet dataset on a Dask cluster: the
    per-point table (``query_index``, ``station_id_1..k``, ``distance_m_1..k``, in file order)
    and the totals. With ``out`` (a folder) each partition is written there by its worker as
    ``part.NNNNN.parquet`` (a GeoParquet dataset) and no table comes back."""
    index = build_station_index(stations)
    station_ids = stations["id"].astype(str).to_numpy()
    k = min(k, len(index))
    index_future, ids_future = client.scatter([index, station_ids], broadcast=True)
    parts, offsets = _partitions(path, client)
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        files = [str(Path(out) / f"part.{i:05d}.parquet") for i in range(len(parts))]
    else:
        files = [None] * len(parts)
    results = client.gather(client.map(_nearest_partition, parts, offsets, files, index=index_future,
                                       station_ids=ids_future, k=k))
    summary = NearestSummary()
    for _, part_summary in results:
        summary.merge(part_summary)
    if out is not None:
        return None, summary
    table = pd.concat([table for table, _ in results], ignore_index=True) if results else pd.DataFrame()
    return table, summary


def _coverage_partition(partition, offset, indexes, nearest_index):
    summary, _, _, _ = coverage_chunk(indexes, nearest_index, _partition_chunk(partition, offset))
    return summary


def dask_coverage(stations: gpd.GeoDataFrame, path: Path | str, radius_m, client) -> CoverageSummary:
    """Weighted coverage of every point of a GeoParquet dataset on a Dask cluster (totals as
    :func:`geo.analysis.streaming.stream_coverage`)."""
    indexes_future, nearest_future = client.scatter([coverage_indexes(stations, radius_m), build_station_index(stations)],
                                                    broadcast=True)
    parts, offsets = _partitions(path, client)
    total = CoverageSummary()
    for summary in client.gather(client.map(_coverage_partition, parts, offsets, indexes=indexes_future,
                                            nearest_index=nearest_future)):
        total.merge(summary)
    return total
