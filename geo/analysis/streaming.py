"""Analyses of demand files larger than memory: read in chunks, answered chunk by chunk.

Demand comes from GeoParquet (row groups read in batches; ``lon``/``lat`` columns or a WKB /
GeoArrow point geometry) or CSV (read in blocks by pyarrow), WGS-84 unless a datum is given.
Each chunk is answered with the same functions as the in-memory path (:mod:`geo.analysis.nearest`,
:mod:`geo.analysis.siting`), so the answers are identical; memory is bounded by the chunk size, not the
file size. Results per point go to GeoParquet (one row per demand point, its geometry the point,
WGS-84), written batch by batch.
"""

from __future__ import annotations

import csv
import io
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from numpy.typing import NDArray
from scipy import sparse

from geo.analysis.max_covering import merge_identical_rows
from geo.analysis.nearest import StationIndex, build_station_index, count_within, nearest_arrays
from geo.analysis.siting import CoverageMatrix, pairs_within
from geo.errors import PointsDataError, Problem, SitingError
from geo.readers import (
    LAT_COLUMNS,
    LON_COLUMNS,
    MAX_PROBLEMS_KEPT,
    WEIGHT_COLUMNS,
    decode_csv,
    find_column,
    out_of_range_key,
)

#: Demand points per chunk: ~100 B of working memory per point and k, so about 0.2-0.5 GB.
DEFAULT_CHUNK_ROWS = 1_000_000

#: Resolution and reach of the distance histogram behind streamed medians (metres).
HISTOGRAM_BIN_M = 0.1
HISTOGRAM_MAX_M = 50_000.0


@dataclass(frozen=True)
class PointChunk:
    """Consecutive demand points of a file: ``offset`` is the row number of the first (0-based)."""

    offset: int
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    weight: NDArray[np.float64]
    #: the file's column the weights came from (None: each point counts 1)
    weight_column: str | None = None

    def __len__(self) -> int:
        return len(self.lon)


# --- reading -------------------------------------------------------------------------------------


def iter_demand_chunks(path: Path | str, *, chunk_rows: int = DEFAULT_CHUNK_ROWS, datum: str = "wgs84"
                       ) -> Iterator[PointChunk]:
    """Demand points of a GeoParquet (``.parquet``) or CSV file, ``chunk_rows`` at a time, as
    WGS-84 lon/lat with weights (1 where the file has none). Bad rows raise
    :class:`geo.errors.PointsDataError` naming them (chunks before them have been yielded)."""
    from geo.place.datum import Datum, convert

    path = Path(path)
    if not path.exists():
        raise PointsDataError(path.name, [Problem("err_file_not_found", {"path": str(path)})])
    if path.is_dir() and not any(path.glob("*.parquet")):
        raise PointsDataError(path.name, [Problem("err_not_a_file", {"path": str(path)})])
    if path.is_file() and path.stat().st_size == 0:
        raise PointsDataError(path.name, [Problem("err_file_empty")])
    is_csv = path.suffix.lower() in (".csv", ".txt")
    if path.suffix.lower() in (".parquet", ".geoparquet") or path.is_dir():
        chunks = _parquet_chunks(path, chunk_rows)
    elif is_csv:
        chunks = _csv_chunks(path, chunk_rows)
    else:
        raise PointsDataError(path.name, [Problem.literal(f"`{path.suffix}` files cannot be streamed; use GeoParquet or CSV")])
    rows = 0
    for chunk in chunks:
        _check_chunk(path.name, chunk, is_csv)
        rows += len(chunk.lon)
        if datum != "wgs84":
            lon, lat = convert(chunk.lon, chunk.lat, source=Datum(datum), target=Datum.WGS84)
            chunk = PointChunk(chunk.offset, np.asarray(lon, float), np.asarray(lat, float), chunk.weight,
                               chunk.weight_column)
        yield chunk
    if rows == 0:
        raise PointsDataError(path.name, [Problem("err_no_rows")])


def _check_chunk(source: str, chunk: PointChunk, is_csv: bool) -> None:
    # CSV rows are named by line (the header is line 1), Parquet rows by row number
    unit, first = ("line", chunk.offset + 2) if is_csv else ("row", chunk.offset + 1)
    problems = []
    bad = ~(np.isfinite(chunk.lon) & np.isfinite(chunk.lat) & (np.abs(chunk.lon) <= 180) & (np.abs(chunk.lat) <= 90))
    for row in np.flatnonzero(bad)[:MAX_PROBLEMS_KEPT]:
        problems.append(Problem(out_of_range_key(chunk.lon[row], chunk.lat[row]), {"lon": chunk.lon[row], "lat": chunk.lat[row]},
                                row=first + int(row), unit=unit))
    bad_weight = ~(np.isfinite(chunk.weight) & (chunk.weight >= 0))
    for row in np.flatnonzero(bad_weight)[:MAX_PROBLEMS_KEPT]:
        problems.append(Problem("err_bad_weight", {"value": chunk.weight[row]}, row=first + int(row), unit=unit))
    if problems:
        # the file is read no further than this chunk: its bad rows are all counted
        raise PointsDataError(source, problems, total=int(bad.sum() + bad_weight.sum()))


def _parquet_chunks(path: Path, chunk_rows: int) -> Iterator[PointChunk]:
    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    offset = 0
    for file in files:
        # pre_buffer (the default) keeps every column chunk read so far: memory would grow with the file
        parquet = pq.ParquetFile(file, pre_buffer=False, buffer_size=1 << 22)
        names = parquet.schema_arrow.names
        lon_column, lat_column = find_column(names, LON_COLUMNS), find_column(names, LAT_COLUMNS)
        weight_column = find_column(names, WEIGHT_COLUMNS)
        geometry_column = None
        if lon_column is None or lat_column is None:
            metadata = json.loads((parquet.schema_arrow.metadata or {}).get(b"geo", b"{}"))
            geometry_column = metadata.get("primary_column")
            if geometry_column not in names:
                raise PointsDataError(file.name, [Problem.literal("needs lon/lat columns or a GeoParquet point geometry")])
        columns = [c for c in (lon_column, lat_column, geometry_column, weight_column) if c is not None]
        for batch in parquet.iter_batches(batch_size=chunk_rows, columns=columns):
            if geometry_column is not None:
                lon, lat = points_from_geometry(batch.column(geometry_column), file.name, offset)
            else:
                lon = batch.column(lon_column).to_numpy(zero_copy_only=False).astype(float)
                lat = batch.column(lat_column).to_numpy(zero_copy_only=False).astype(float)
            weight = (batch.column(weight_column).to_numpy(zero_copy_only=False).astype(float) if weight_column
                      else np.ones(len(lon)))
            yield PointChunk(offset, lon, lat, weight, weight_column)
            offset += len(lon)


#: The start of a CSV file its header, encoding and delimiter are read from.
_HEAD_BYTES = 64 * 1024


def _csv_chunks(path: Path, chunk_rows: int) -> Iterator[PointChunk]:
    with open(path, "rb") as handle:
        head = handle.read(_HEAD_BYTES)
    if len(head) == _HEAD_BYTES:  # the file goes on: decode whole lines (whole UTF-16 units) only
        head = head[: len(head) // 2 * 2] if head.startswith((b"\xff\xfe", b"\xfe\xff")) else head[: head.rfind(b"\n") + 1]
    problems: list[Problem] = []
    decoded = decode_csv(head, problems)
    if decoded is None:
        raise PointsDataError(path.name, problems)
    names = [name.strip() for name in next(csv.reader(io.StringIO(decoded.text), delimiter=decoded.delimiter), [])]
    # the header row is skipped (names given): a UTF-8 byte-order mark needs no codec of its own
    encoding = "utf8" if decoded.encoding == "utf-8-sig" else decoded.encoding
    lon_column, lat_column = find_column(names, LON_COLUMNS), find_column(names, LAT_COLUMNS)
    if lon_column is None or lat_column is None:
        raise PointsDataError(path.name, [Problem("err_need_lonlat_columns", {"found": ", ".join(names)})])
    weight_column = find_column(names, WEIGHT_COLUMNS)
    wanted = [c for c in (lon_column, lat_column, weight_column) if c is not None]
    reader = pa_csv.open_csv(
        path,
        read_options=pa_csv.ReadOptions(block_size=max(1 << 16, chunk_rows * 32), encoding=encoding,
                                        column_names=names, skip_rows=1),
        parse_options=pa_csv.ParseOptions(delimiter=decoded.delimiter),
        convert_options=pa_csv.ConvertOptions(include_columns=wanted, column_types={c: pa.float64() for c in wanted}),
    )
    offset = 0
    try:
        for block in reader:
            for start in range(0, block.num_rows, chunk_rows):  # blocks are sized in bytes
                batch = block.slice(start, chunk_rows)
                lon = batch.column(lon_column).to_numpy(zero_copy_only=False)
                lat = batch.column(lat_column).to_numpy(zero_copy_only=False)
                weight = batch.column(weight_column).to_numpy(zero_copy_only=False) if weight_column else np.ones(len(lon))
                yield PointChunk(offset, lon.astype(float), lat.astype(float), weight.astype(float), weight_column)
                offset += len(lon)
    except pa.ArrowInvalid as err:
        raise PointsDataError(path.name, [Problem("err_csv_unreadable", {"reason": f"after row {offset}: {err}"})]) from err


def points_from_geometry(column: pa.Array | pa.ChunkedArray, source: str = "", offset: int = 0
                         ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """lon/lat of a GeoParquet point column: WKB (2-D little-endian points are read straight
    from the buffer, others through shapely) or GeoArrow's native ``point`` struct."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_struct(column.type):
        return (column.field("x").to_numpy(zero_copy_only=False).astype(float),
                column.field("y").to_numpy(zero_copy_only=False).astype(float))
    if column.null_count:
        first = int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
        raise PointsDataError(source, [Problem.literal(f"{column.null_count} point(s) without geometry", row=offset + first + 1,
                                                      unit="row")])
    if pa.types.is_large_binary(column.type):
        column = column.cast(pa.binary())
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)[column.offset:column.offset + len(column) + 1]
    records = np.frombuffer(column.buffers()[2], dtype=np.uint8)
    if len(column) and np.all(np.diff(offsets) == 21):
        block = records[offsets[0]:offsets[-1]].reshape(-1, 21)
        if np.all(block[:, 0] == 1) and np.all(block[:, 1:5].copy().view("<u4").ravel() == 1):
            xy = block[:, 5:].copy().view("<f8")
            return xy[:, 0].copy(), xy[:, 1].copy()
    import shapely

    geometries = shapely.from_wkb(column.to_numpy(zero_copy_only=False))
    kinds = shapely.get_type_id(geometries)
    if (kinds != 0).any():
        first = int(np.flatnonzero(kinds != 0)[0])
        raise PointsDataError(source, [Problem.literal("demand geometries must be points", row=offset + first + 1, unit="row")])
    return shapely.get_x(geometries), shapely.get_y(geometries)


def point_wkb(lon: NDArray, lat: NDArray) -> pa.BinaryArray:
    """2-D points as little-endian WKB (21 bytes each), built in one buffer."""
    n = len(lon)
    block = np.empty((n, 21), dtype=np.uint8)
    block[:, 0] = 1
    block[:, 1:5] = np.frombuffer(np.uint32(1).astype("<u4").tobytes(), dtype=np.uint8)
    block[:, 5:] = np.column_stack([lon, lat]).astype("<f8").view(np.uint8).reshape(n, 16)
    offsets = np.arange(0, 21 * (n + 1), 21, dtype=np.int32)
    return pa.BinaryArray.from_buffers(pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(block)])


# --- writing -------------------------------------------------------------------------------------


class GeoParquetWriter:
    """Writes batches of per-point results as one GeoParquet 1.1 file (WKB points, WGS-84
    lon/lat: the GeoParquet default CRS, OGC:CRS84), to a temporary name renamed on success."""

    def __init__(self, path: Path | str, schema: pa.Schema) -> None:
        self.path = Path(path)
        self._partial = self.path.with_name(self.path.name + ".partial")
        geo = {"version": "1.1.0", "primary_column": "geometry",
               "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point"]}}}
        self.schema = schema.append(pa.field("geometry", pa.binary())).with_metadata({b"geo": json.dumps(geo).encode()})
        self._writer = pq.ParquetWriter(self._partial, self.schema, compression="zstd")
        self._bbox = [np.inf, np.inf, -np.inf, -np.inf]

    def write(self, columns: dict[str, pa.Array | NDArray], lon: NDArray, lat: NDArray) -> None:
        if len(lon):
            self._bbox = [min(self._bbox[0], float(lon.min())), min(self._bbox[1], float(lat.min())),
                          max(self._bbox[2], float(lon.max())), max(self._bbox[3], float(lat.max()))]
        arrays = [pa.array(columns[f.name], type=f.type) if not isinstance(columns[f.name], pa.Array) else columns[f.name]
                  for f in self.schema if f.name != "geometry"]
        self._writer.write_batch(pa.RecordBatch.from_arrays([*arrays, point_wkb(lon, lat)], schema=self.schema))

    def close(self) -> None:
        self._writer.close()
        self._partial.replace(self.path)

    def abort(self) -> None:
        self._writer.close()
        self._partial.unlink(missing_ok=True)


@contextmanager
def result_writer(out: Path | str | None, schema: pa.Schema) -> Iterator[GeoParquetWriter | None]:
    """A :class:`GeoParquetWriter` for ``out`` (``None`` when there is no ``out``): the file
    appears under its name only when the block ends without an exception."""
    if out is None:
        yield None
        return
    writer = GeoParquetWriter(out, schema)
    try:
        yield writer
    except BaseException:
        writer.abort()
        raise
    writer.close()


# --- analyses -----------------------------------------------------------------------------------


@dataclass
class DistanceHistogram:
    """Weight (or count) of distances in :data:`HISTOGRAM_BIN_M` bins up to
    :data:`HISTOGRAM_MAX_M` (one overflow bin): medians of any number of points in fixed memory,
    to 0.05 m."""

    weights: NDArray[np.float64] = field(default_factory=lambda: np.zeros(int(HISTOGRAM_MAX_M / HISTOGRAM_BIN_M) + 1))

    def add(self, distance_m: NDArray, weight: NDArray | None = None) -> None:
        """Count ``distance_m`` (each 1, or its ``weight``)."""
        bins = np.minimum((np.asarray(distance_m) / HISTOGRAM_BIN_M).astype(np.int64), len(self.weights) - 1)
        self.weights += np.bincount(bins, weights=weight, minlength=len(self.weights))

    def merge(self, other: DistanceHistogram) -> None:
        self.weights += other.weights

    def median_m(self) -> float:
        """The distance below which half the weight lies, as :func:`geo.analysis.coverage.weighted_median`
        (centre of its bin); inf when it lies beyond the histogram, NaN when empty."""
        cumulative = np.cumsum(self.weights)
        if cumulative[-1] <= 0:
            return float("nan")
        middle = int(np.searchsorted(cumulative, cumulative[-1] / 2))
        positions = [middle]
        if cumulative[middle] == cumulative[-1] / 2:  # exactly half up to here: mean with the next
            positions.append(middle + 1 + int(np.flatnonzero(self.weights[middle + 1:])[0]))
        if positions[-1] == len(self.weights) - 1:
            return float("inf")
        return round((float(np.mean(positions)) + 0.5) * HISTOGRAM_BIN_M, 2)


@dataclass
class NearestSummary:
    """Totals of a nearest-station run over many points (distances to the nearest, metres)."""

    points: int = 0
    sum_m: float = 0.0
    max_m: float = 0.0
    histogram: DistanceHistogram = field(default_factory=DistanceHistogram)

    def add(self, nearest_m: NDArray, weight: NDArray | None = None) -> None:
        """Distances of more points; the median is weighted by ``weight`` when given."""
        self.points += len(nearest_m)
        self.sum_m += float(nearest_m.sum())
        self.max_m = max(self.max_m, float(nearest_m.max())) if len(nearest_m) else self.max_m
        self.histogram.add(nearest_m, weight)

    def merge(self, other: NearestSummary) -> None:
        self.points += other.points
        self.sum_m += other.sum_m
        self.max_m = max(self.max_m, other.max_m)
        self.histogram.merge(other.histogram)

    def to_dict(self) -> dict:
        return {"points": self.points, "mean_nearest_m": self.sum_m / self.points if self.points else float("nan"),
                "median_nearest_m": self.histogram.median_m(), "max_nearest_m": self.max_m}


def nearest_columns(index: StationIndex, station_ids: NDArray, chunk: PointChunk, k: int
                    ) -> tuple[dict[str, pa.Array], NDArray]:
    """The per-point answer for one chunk: ``query_index``, ``station_id_1..k`` (dictionary
    encoded: one copy of each id), ``distance_m_1..k``; and the distances to the nearest."""
    station_index, distance_m = nearest_arrays(index, chunk.lon, chunk.lat, k=k)
    dictionary = pa.array(station_ids)
    columns: dict[str, pa.Array] = {"query_index": pa.array(np.arange(chunk.offset, chunk.offset + len(chunk)))}
    for rank in range(station_index.shape[1]):
        columns[f"station_id_{rank + 1}"] = pa.DictionaryArray.from_arrays(
            pa.array(station_index[:, rank].astype(np.int32)), dictionary)
        columns[f"distance_m_{rank + 1}"] = pa.array(distance_m[:, rank])
    return columns, distance_m[:, 0] if distance_m.shape[1] else np.zeros(0)


def nearest_schema(k: int) -> pa.Schema:
    fields = [pa.field("query_index", pa.int64())]
    for rank in range(1, k + 1):
        fields += [pa.field(f"station_id_{rank}", pa.dictionary(pa.int32(), pa.string())),
                   pa.field(f"distance_m_{rank}", pa.float64())]
    return pa.schema(fields)


def stream_nearest(stations: gpd.GeoDataFrame, chunks: Iterable[PointChunk], *, k: int = 1,
                   out: Path | str | None = None) -> NearestSummary:
    """The k nearest stations of every demand point, chunk by chunk (exact, as
    :func:`geo.analysis.nearest.nearest_arrays`); per-point answers to GeoParquet ``out`` when given."""
    index = build_station_index(stations)
    station_ids = stations["id"].astype(str).to_numpy() if "id" in stations else np.arange(len(stations)).astype(str)
    k = min(k, len(index)) if len(index) else k
    summary = NearestSummary()
    with result_writer(out, nearest_schema(k)) as writer:
        for chunk in chunks:
            columns, nearest_m = nearest_columns(index, station_ids, chunk, k)
            summary.add(nearest_m)
            if writer is not None:
                writer.write(columns, chunk.lon, chunk.lat)
    return summary


@dataclass
class CoverageSummary:
    """Weighted coverage totals over many demand points (as :func:`geo.analysis.coverage.coverage_table`;
    the median distance to the nearest station is weighted too)."""

    points: int = 0
    demand: float = 0.0
    covered: float = 0.0
    covered_2plus: float = 0.0
    nearest: NearestSummary = field(default_factory=NearestSummary)
    weight_column: str | None = None

    def merge(self, other: CoverageSummary) -> None:
        self.points += other.points
        self.demand += other.demand
        self.covered += other.covered
        self.covered_2plus += other.covered_2plus
        self.nearest.merge(other.nearest)
        self.weight_column = self.weight_column or other.weight_column

    def to_dict(self) -> dict:
        """The figures under the names the in-memory ``coverage --json`` uses, plus the summed
        weights (``demand_weight``, ``covered_weight``: people, riders... as the file counts)."""
        share = (lambda x: x / self.demand if self.demand > 0 else float("nan"))
        return {"weight_column": self.weight_column, "points": self.points, "demand_weight": self.demand,
                "covered_weight": self.covered, "share_covered": share(self.covered),
                "share_covered_2plus": share(self.covered_2plus), "median_nearest_m": self.nearest.histogram.median_m()}


def coverage_chunk(indexes: list[tuple[float, StationIndex]], nearest_index: StationIndex, chunk: PointChunk) -> tuple[CoverageSummary, NDArray, NDArray, NDArray]:
    """Coverage of one chunk: its totals, and per point the nearest station's position, the
    distance to it and how many stations cover it (capped at 2)."""
    covered_times = np.zeros(len(chunk), dtype=np.int8)
    for radius_m, index in indexes:
        covered_times += count_within(index, chunk.lon, chunk.lat, radius_m, cap=2)
    covered_times = np.minimum(covered_times, 2)
    station_index, distance_m = nearest_arrays(nearest_index, chunk.lon, chunk.lat, k=1)
    summary = CoverageSummary(points=len(chunk), demand=float(chunk.weight.sum()),
                              covered=float(chunk.weight[covered_times >= 1].sum()),
                              covered_2plus=float(chunk.weight[covered_times >= 2].sum()),
                              weight_column=chunk.weight_column)
    summary.nearest.add(distance_m[:, 0], chunk.weight)
    return summary, station_index[:, 0], distance_m[:, 0], covered_times


def coverage_indexes(stations: gpd.GeoDataFrame, radius_m) -> list[tuple[float, StationIndex]]:
    """One search index per distinct service radius (as :func:`geo.analysis.coverage.cover_points`)."""
    from geo.analysis.coverage import station_radii_m

    radii = station_radii_m(stations, radius_m)
    return [(float(r), build_station_index(stations.iloc[np.flatnonzero(radii == r)])) for r in np.unique(radii[radii > 0])]


def stream_coverage(stations: gpd.GeoDataFrame, chunks: Iterable[PointChunk], radius_m, *,
                    out: Path | str | None = None) -> CoverageSummary:
    """Weighted coverage of demand points within the service radius (per type allowed), chunk
    by chunk; per point (``weight``, ``nearest_id``, ``nearest_m``, ``covered_times``) to
    GeoParquet ``out`` when given."""
    indexes = coverage_indexes(stations, radius_m)
    nearest_index = build_station_index(stations)
    ids = pa.array(stations["id"].astype(str).to_numpy())
    total = CoverageSummary()
    schema = pa.schema([("query_index", pa.int64()), ("weight", pa.float64()),
                        ("nearest_id", pa.dictionary(pa.int32(), pa.string())), ("nearest_m", pa.float64()),
                        ("covered_times", pa.int8())])
    with result_writer(out, schema) as writer:
        for chunk in chunks:
            summary, nearest, nearest_m, covered_times = coverage_chunk(indexes, nearest_index, chunk)
            total.merge(summary)
            if writer is not None:
                writer.write({"query_index": np.arange(chunk.offset, chunk.offset + len(chunk)), "weight": chunk.weight,
                              "nearest_id": pa.DictionaryArray.from_arrays(pa.array(nearest.astype(np.int32)), ids),
                              "nearest_m": nearest_m, "covered_times": covered_times}, chunk.lon, chunk.lat)
    return total


def stream_coverage_matrix(chunks: Iterable[PointChunk], candidate_lon: NDArray, candidate_lat: NDArray,
                           radius_m: float, *, existing: gpd.GeoDataFrame | None = None) -> CoverageMatrix:
    """The coverage matrix of a siting problem built chunk by chunk, its rows merged as they
    come: one row per distinct set of covering candidates (weights summed), one for demand the
    existing stations already cover. Its size is bounded by how the service areas overlap, not
    by the number of demand points; siting answers equal those of the full matrix."""
    if radius_m <= 0:
        raise SitingError("err_radius_positive", radius_m=radius_m)
    candidate_lon, candidate_lat = np.asarray(candidate_lon, float), np.asarray(candidate_lat, float)
    n_candidates = len(candidate_lon)
    existing_index = build_station_index(existing) if existing is not None and len(existing) else None
    merged = sparse.csr_matrix((0, n_candidates), dtype=bool)
    merged_weight = np.zeros(0)
    pending: list[tuple[sparse.csr_matrix, NDArray]] = []
    pending_rows = 0
    fixed_weight = 0.0
    for chunk in chunks:
        if existing_index is not None:
            already = count_within(existing_index, chunk.lon, chunk.lat, radius_m, cap=1) > 0
            fixed_weight += float(chunk.weight[already].sum())
            keep = np.flatnonzero(~already)
        else:
            keep = np.arange(len(chunk))
        rows, cols, _ = pairs_within(chunk.lon[keep], chunk.lat[keep], candidate_lon, candidate_lat, radius_m)
        covers = sparse.csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(len(keep), n_candidates))
        pending.append(merge_identical_rows(covers, chunk.weight[keep]))
        pending_rows += pending[-1][0].shape[0]
        if pending_rows > max(len(merged_weight), DEFAULT_CHUNK_ROWS):
            merged, merged_weight = merge_identical_rows(sparse.vstack([merged, *[p[0] for p in pending]], format="csr"),
                                                         np.concatenate([merged_weight, *[p[1] for p in pending]]))
            pending, pending_rows = [], 0
    if pending:
        merged, merged_weight = merge_identical_rows(sparse.vstack([merged, *[p[0] for p in pending]], format="csr"),
                                                     np.concatenate([merged_weight, *[p[1] for p in pending]]))
    covers = sparse.vstack([merged, sparse.csr_matrix((1, n_candidates), dtype=bool)], format="csr")
    weight = np.concatenate([merged_weight, [fixed_weight]])
    already_covered = np.zeros(len(weight), dtype=bool)
    already_covered[-1] = True
    return CoverageMatrix(weight, already_covered, covers.astype(bool), float(radius_m))
