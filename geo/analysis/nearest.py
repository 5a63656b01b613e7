"""k-nearest stations on the WGS-84 ellipsoid, for one rider or a million points at once.

Candidates come from a KD-tree over unit vectors on the sphere (chord length ranks exactly like
great-circle distance). The ellipsoidal distance differs from the spherical one by a bounded
ratio (:data:`geo.place.geodesy.ELLIPSOID_TO_SPHERE_MIN` .. ``_MAX``), so a row whose candidates are
separated by more than that ratio is already ranked correctly; other rows (near-ties) are
re-ranked by their ellipsoidal distances, widening the candidate set until no station outside
it could be nearer. The answer therefore is the exact ellipsoidal k-nearest, with ties broken by
the stations' order in the register.
"""

from __future__ import annotations

import functools
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from geo.errors import QueryError
from geo.hours import opening_state
from geo.place.geodesy import (
    ELLIPSOID_TO_SPHERE_MAX,
    ELLIPSOID_TO_SPHERE_MIN,
    LOCAL_BOUNDS_MAX_M,
    chord_to_great_circle_m,
    ellipsoidal_distance_m,
    great_circle_to_chord,
    local_ellipsoid_ratio_bounds,
    unit_vectors,
)
from geo.register.model import AMENITIES, StationType

#: How several amenities are matched: a station has ``all`` of them, or ``any`` (at least one).
AMENITY_MATCHES = ("all", "any")

#: Route distance ~ straight line x this factor (streets are not straight). Set here only.
DETOUR_FACTOR = 1.3
EBIKE_SPEED_KMH = 15.0
WALK_SPEED_KMH = 4.5

#: Rows per chunk of a large batch (see :func:`_by_chunks`): 2^16 measured fastest at 10^6.
_CHUNK_ROWS = 1 << 16

#: How many candidates beyond k a near-tie row measures on the ellipsoid in the first round...
_EXTRA_CANDIDATES = 4
#: ... growing 4x per round up to this many; rows still open then are finished one by one.
_MAX_EXTRA_CANDIDATES = 256



@dataclass(frozen=True)
class StationIndex:
    """A search index over station points (lon/lat degrees, WGS-84)."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    tree: cKDTree

    def __len__(self) -> int:
        return len(self.lon)


def build_station_index(stations: gpd.GeoDataFrame | None = None, *, lon: ArrayLike | None = None,
                        lat: ArrayLike | None = None) -> StationIndex:
    """Index station points given as a GeoDataFrame (EPSG:4326) or as lon/lat arrays."""
    if stations is not None:
        if stations.crs is not None and not stations.crs.equals("EPSG:4326"):
            stations = stations.to_crs("EPSG:4326")
        lon, lat = stations.geometry.x.to_numpy(), stations.geometry.y.to_numpy()
    lon_a = np.asarray(lon, dtype=float).reshape(-1)
    lat_a = np.asarray(lat, dtype=float).reshape(-1)
    return StationIndex(lon_a, lat_a, cKDTree(unit_vectors(lon_a, lat_a) if len(lon_a) else np.empty((0, 3))))


def _check_query(lon: NDArray, lat: NDArray, k: int) -> None:
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise QueryError("err_query_k", k=repr(k))
    if lon.shape != lat.shape:
        raise QueryError("err_query_lengths", n_lon=lon.size, n_lat=lat.size)
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise QueryError("err_query_not_degrees", n=int(bad.sum()), row=first, lon=lon[first], lat=lat[first])


def nearest_arrays(index: StationIndex, lon: ArrayLike, lat: ArrayLike, *, k: int = 1
                   ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The k nearest indexed stations of each query point, by WGS-84 ellipsoidal distance, as
    arrays: ``station_index`` (n, k) positions in the index, nearest first (ties by position),
    and ``distance_m`` (n, k) metres. ``k`` is capped at the number of stations."""
    lon_q = np.atleast_1d(np.asarray(lon, dtype=float))
    lat_q = np.atleast_1d(np.asarray(lat, dtype=float))
    _check_query(lon_q, lat_q, k)
    k = min(int(k), len(index))
    if len(index) == 0 or lon_q.size == 0:
        return np.empty((lon_q.size, k), dtype=np.int64), np.empty((lon_q.size, k))
    return _by_chunks(lambda lon_c, lat_c, workers: _nearest_block(index, lon_c, lat_c, k, workers), lon_q, lat_q)


def _by_chunks(block, lon: NDArray, lat: NDArray):
    """``block(lon, lat, workers)`` over row chunks of a large batch on every core, outputs
    concatenated row-wise (a tuple of arrays or one array). The KD-tree and NumPy release the
    GIL, so the chunks run in parallel, and each chunk's temporaries stay in the CPU cache."""
    if len(lon) <= _CHUNK_ROWS:
        # one thread pool per call costs ~0.1 ms: not worth it for a handful of queries
        return block(lon, lat, -1 if len(lon) > 64 else 1)
    starts = range(0, len(lon), _CHUNK_ROWS)
    parts = list(_pool().map(lambda s: block(lon[s:s + _CHUNK_ROWS], lat[s:s + _CHUNK_ROWS], 1), starts))
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate(column) for column in zip(*parts))
    return np.concatenate(parts)


def _pool() -> ThreadPoolExecutor:
    """The process's thread pool; a forked child (multiprocessing workers) gets its own, as the
    parent's threads do not survive a fork."""
    return _pool_of_process(os.getpid())


@functools.cache
def _pool_of_process(pid: int) -> ThreadPoolExecutor:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return ThreadPoolExecutor(max_workers=cores, thread_name_prefix="geo-nearest")


def _nearest_block(index: StationIndex, lon_q: NDArray, lat_q: NDArray, k: int, workers: int
                   ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """:func:`nearest_arrays` for one chunk of valid queries (k <= stations)."""
    n_stations = len(index)
    points = unit_vectors(lon_q, lat_q)
    n_candidates = min(k + 1, n_stations)
    chord, candidate = index.tree.query(points, k=n_candidates, workers=workers)
    sphere_m = chord_to_great_circle_m(chord.reshape(len(points), n_candidates))
    candidate = candidate.reshape(len(points), n_candidates)
    low, high = _ratio_bounds(lat_q, sphere_m[:, -1])

    # Settled rows: the k-th and (k+1)-th spherical distances are further apart than the
    # ellipsoid/sphere ratio can bridge, so the same k stations are the nearest on the ellipsoid
    # (within them, the exact distances give the order).
    if sphere_m.shape[1] > k:
        settled = sphere_m[:, k] * low > sphere_m[:, k - 1] * high
    else:
        settled = np.ones(len(points), dtype=bool)
    result_station = candidate[:, :k].astype(np.int64)
    result_m = _distances_m(index, lon_q, lat_q, result_station)
    if k > 1:
        # rows whose exact distances do not rise strictly (near-ties, co-located stations): order
        # by distance, ties by position in the index
        mixed = np.flatnonzero(np.any(result_m[:, 1:] <= result_m[:, :-1], axis=1))
        if mixed.size:
            order = np.lexsort((result_station[mixed], result_m[mixed]), axis=-1)
            result_station[mixed] = np.take_along_axis(result_station[mixed], order, axis=1)
            result_m[mixed] = np.take_along_axis(result_m[mixed], order, axis=1)

    # Near-ties: measure more candidates, 4x more each round. Far from a cluster of stations
    # (a county grid against one town's stations) their distances differ by less than the ratio
    # band, so many rows need many candidates; rows are finished one by one only past the cap.
    unsettled = np.flatnonzero(~settled)
    extra = _EXTRA_CANDIDATES
    while unsettled.size:
        stations_u, distances_u, complete = _rerank(index, points[unsettled], lon_q[unsettled], lat_q[unsettled], k,
                                                    extra, workers)
        result_station[unsettled], result_m[unsettled] = stations_u, distances_u
        unsettled = unsettled[~complete]
        if extra >= _MAX_EXTRA_CANDIDATES:
            break
        extra *= 4
    for row in unsettled:
        result_station[row], result_m[row] = _exact_row(index, points[row], lon_q[row], lat_q[row], k, result_m[row, -1])
    return result_station, result_m


def nearest_to_point(index: StationIndex, lon: float, lat: float, *, k: int = 3
                     ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """One rider's k nearest stations: the array path of :func:`nearest_arrays` for a single
    point (no per-call array set-up beyond k values; same answer). Returns ``station_index``
    (k,) and ``distance_m`` (k,)."""
    lon, lat = float(lon), float(lat)
    n_stations = len(index)
    if not (isinstance(k, (int, np.integer)) and k >= 1 and math.isfinite(lon) and math.isfinite(lat)
            and abs(lon) <= 180 and abs(lat) <= 90) or n_stations == 0:
        station_index, distance_m = nearest_arrays(index, [lon], [lat], k=k)  # raises, or the empty answer
        return station_index[0], distance_m[0]
    k = min(int(k), n_stations)
    lon_r, lat_r = math.radians(lon), math.radians(lat)
    cos_lat = math.cos(lat_r)
    chord, candidate = index.tree.query((cos_lat * math.cos(lon_r), cos_lat * math.sin(lon_r), math.sin(lat_r)),
                                        k=min(k + 1, n_stations))
    sphere_m = chord_to_great_circle_m(np.atleast_1d(chord))
    low, high = _ratio_bounds(lat, sphere_m[-1])
    station_index = np.atleast_1d(candidate)[:k].astype(np.int64)
    distance_m = ellipsoidal_distance_m(lon, lat, index.lon[station_index], index.lat[station_index])
    # as in :func:`nearest_arrays`; a near-tie takes the general path
    if (len(sphere_m) > k and not sphere_m[k] * low > sphere_m[k - 1] * high) or np.any(distance_m[1:] <= distance_m[:-1]):
        station_index, distance_m = nearest_arrays(index, [lon], [lat], k=k)
        return station_index[0], distance_m[0]
    return station_index, distance_m


def query_nearest(
    index: StationIndex,
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    k: int = 1,
    max_distance_m: float | None = None,
) -> pd.DataFrame:
    """The k nearest indexed stations of each query point (:func:`nearest_arrays`) as a table.

    Returns one row per (query, result) with columns ``query_index`` (position in the input),
    ``rank`` (1 = nearest), ``station_index`` (position in the index) and ``distance_m``
    (metres), ordered by query then rank. Rows beyond ``max_distance_m`` are left out; a query
    with no station in reach has no rows.
    """
    station_index, distance_m = nearest_arrays(index, lon, lat, k=k)
    return pd.DataFrame(_result_columns(station_index, distance_m, max_distance_m), copy=False)


def _result_columns(station_index: NDArray, distance_m: NDArray, max_distance_m: float | None
                    ) -> dict[str, NDArray]:
    """The columns of :func:`query_nearest` from (n, k) arrays, rows beyond the cut left out."""
    n, k = station_index.shape
    columns = {
        "query_index": np.repeat(np.arange(n), k),
        "rank": np.tile(np.arange(1, k + 1), n),
        "station_index": station_index.reshape(-1),
        "distance_m": distance_m.reshape(-1),
    }
    if max_distance_m is not None:
        keep = columns["distance_m"] <= max_distance_m
        columns = {name: values[keep] for name, values in columns.items()}
    return columns


def _distances_m(index: StationIndex, lon: NDArray, lat: NDArray, station: NDArray) -> NDArray[np.float64]:
    """Ellipsoidal metres from each query point to its (n, k) ``station`` positions, computed
    as (k, n) rows: NumPy broadcasts a (n, 1) column over rows of k values ~6x slower."""
    station_t = station.T
    return np.ascontiguousarray(
        ellipsoidal_distance_m(lon[None, :], lat[None, :], index.lon[station_t], index.lat[station_t]).T)


def _ratio_bounds(lat: NDArray, sphere_m: NDArray) -> tuple[NDArray, NDArray]:
    """Per-row bounds on ellipsoidal/spherical length: local ones for short lines, else global."""
    low, high = local_ellipsoid_ratio_bounds(lat)
    short = sphere_m <= LOCAL_BOUNDS_MAX_M
    return np.where(short, low, ELLIPSOID_TO_SPHERE_MIN), np.where(short, high, ELLIPSOID_TO_SPHERE_MAX)


def _rerank(
    index: StationIndex, points: NDArray, lon: NDArray, lat: NDArray, k: int, extra: int, workers: int
) -> tuple[NDArray, NDArray, NDArray]:
    """Rank a few more candidates by ellipsoidal distance (ties by station order); a row is
    complete when no station beyond its candidates could be as near as its k-th."""
    n_candidates = min(k + extra, len(index))
    chord, candidate = index.tree.query(points, k=n_candidates, workers=workers)
    chord, candidate = chord.reshape(len(points), n_candidates), candidate.reshape(len(points), n_candidates)
    distances = _distances_m(index, lon, lat, candidate)
    by_station = np.argsort(candidate, axis=1, kind="stable")
    candidate = np.take_along_axis(candidate, by_station, axis=1)
    distances = np.take_along_axis(distances, by_station, axis=1)
    order = np.argsort(distances, axis=1, kind="stable")[:, :k]
    stations = np.take_along_axis(candidate, order, axis=1)
    nearest_m = np.take_along_axis(distances, order, axis=1)
    if n_candidates == len(index):
        return stations, nearest_m, np.ones(len(points), dtype=bool)
    outer_sphere_m = chord_to_great_circle_m(chord[:, -1])
    low, _ = _ratio_bounds(lat, outer_sphere_m)
    return stations, nearest_m, nearest_m[:, -1] < outer_sphere_m * low


def _exact_row(
    index: StationIndex, point: NDArray, lon: float, lat: float, k: int, kth_m: float
) -> tuple[NDArray, NDArray]:
    """Exact k nearest for one query: every station whose spherical distance could make it as
    near as ``kth_m`` (an ellipsoidal distance some k stations reach) is measured."""
    reach_m = kth_m / ELLIPSOID_TO_SPHERE_MIN
    # a hair of slack so that stations exactly at the reach (co-located ties) are included
    pool = np.asarray(index.tree.query_ball_point(point, r=great_circle_to_chord(reach_m) * (1 + 1e-9) + 1e-15))
    distances = ellipsoidal_distance_m(lon, lat, index.lon[pool], index.lat[pool])
    order = np.lexsort((pool, distances))[:k]
    return pool[order], distances[order]


# --- filters ---------------------------------------------------------------------------------


def filter_stations(
    stations: gpd.GeoDataFrame,
    *,
    station_types: Iterable[str] | None = None,
    amenities: Iterable[str] | None = None,
    open_at: datetime | None = None,
    amenities_match: str = "all",
) -> gpd.GeoDataFrame:
    """Stations of the given types that have **all** the given amenities (``amenities_match="any"``:
    at least one of them) and, if ``open_at`` is given (aware, or naive Asia/Shanghai time), are
    open at that moment."""
    mask = np.ones(len(stations), dtype=bool)
    if station_types is not None:
        station_types = list(station_types)
        unknown = sorted(set(station_types) - {t.value for t in StationType})
        if unknown:
            raise QueryError("err_unknown_station_type", unknown=", ".join(unknown),
                             allowed=", ".join(t.value for t in StationType))
        mask &= stations["station_type"].isin(station_types).to_numpy()
    if amenities:
        wanted = set(amenities)
        unknown = sorted(wanted - AMENITIES.keys())
        if unknown:
            raise QueryError("err_unknown_amenity", unknown=", ".join(unknown), allowed=", ".join(AMENITIES))
        if amenities_match not in AMENITY_MATCHES:
            raise QueryError("err_amenity_match", value=amenities_match, allowed=", ".join(AMENITY_MATCHES))
        fits = (lambda have: bool(wanted & set(have))) if amenities_match == "any" else (lambda have: wanted <= set(have))
        mask &= stations["amenities"].map(fits).to_numpy(dtype=bool)
    if open_at is not None:
        mask &= stations["opening_hours"].map(lambda hours: opening_state(hours, open_at).is_open).to_numpy(dtype=bool)
    return stations[mask]


# --- trips -----------------------------------------------------------------------------------


def route_distance_m(straight_m: ArrayLike, *, detour_factor: float = DETOUR_FACTOR) -> NDArray[np.float64]:
    """Estimated street distance (metres) from a straight-line distance (metres)."""
    return np.asarray(straight_m, dtype=float) * detour_factor


def travel_time_s(distance_m: ArrayLike, *, speed_kmh: float) -> NDArray[np.float64]:
    """Seconds to cover ``distance_m`` metres at ``speed_kmh``."""
    if speed_kmh <= 0:
        raise QueryError("err_speed_not_positive", speed=speed_kmh)
    return np.asarray(distance_m, dtype=float) / (speed_kmh / 3.6)


def station_rows(stations: gpd.GeoDataFrame, station_index: ArrayLike, *,
                 first: Mapping[str, ArrayLike] | None = None, last: Mapping[str, ArrayLike] | None = None
                 ) -> gpd.GeoDataFrame:
    """The register rows at ``station_index`` (positions), built column by column: text columns
    as categoricals over the register's distinct values (one small table, then integer codes:
    selecting Arrow strings row by row costs 10x more), the geometry by array take. Columns
    ``first`` and ``last`` (one value per row) go before and after the register's, in one
    construction: adding columns to a built frame copies it each time."""
    positions = np.asarray(station_index, dtype=np.int64)
    # per column: the array to take rows from, and how to wrap what is taken
    sources: dict[str, tuple[np.ndarray, pd.CategoricalDtype | None]] = {}
    for name in stations.columns:
        if name == stations.geometry.name:
            continue
        column = stations[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            sources[name] = (column.cat.codes.to_numpy(), column.dtype)
        elif isinstance(column.dtype, pd.StringDtype) or column.dtype == object:
            try:
                codes, uniques = pd.factorize(column, use_na_sentinel=True)
            except TypeError:  # unhashable values (amenity lists): plain take
                sources[name] = (column.to_numpy(), None)
                continue
            # codes in the width pandas keeps them (int8 below 127 categories...); they come
            # from factorize, so checking them again is wasted work
            dtype = pd.CategoricalDtype(uniques)
            sources[name] = (pd.Categorical.from_codes(codes, dtype=dtype, validate=False).codes, dtype)
        else:
            sources[name] = (column.to_numpy(), None)
    arrays = [values for values, _ in sources.values()]
    mapper = _pool().map if len(positions) > _CHUNK_ROWS else map
    taken = mapper(lambda values: values[positions], arrays)
    columns: dict[str, object] = dict(first or {})
    for (name, (_, dtype)), values in zip(sources.items(), taken):
        columns[name] = values if dtype is None else pd.Categorical.from_codes(values, dtype=dtype, validate=False)
    columns.update(last or {})
    return gpd.GeoDataFrame(columns, geometry=stations.geometry.array.take(positions), crs=stations.crs, copy=False)


def nearest_stations(
    stations: gpd.GeoDataFrame,
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    k: int = 3,
    max_distance_m: float | None = None,
    station_types: Iterable[str] | None = None,
    amenities: Iterable[str] | None = None,
    open_at: datetime | None = None,
    detour_factor: float = DETOUR_FACTOR,
    ebike_speed_kmh: float = EBIKE_SPEED_KMH,
    walk_speed_kmh: float = WALK_SPEED_KMH,
    index: StationIndex | None = None,
) -> gpd.GeoDataFrame:
    """The k nearest qualifying stations of each query point, with trip estimates.

    ``stations`` is the register (EPSG:4326); the filters are those of :func:`filter_stations`.
    ``index`` may be a prebuilt :func:`build_station_index` of the *filtered* stations.
    Returns ``query_index`` and ``rank``, the station rows (all their columns; text columns as
    categoricals), ``station_index`` (position among the qualifying stations), ``distance_m``
    (straight line on the ellipsoid), ``route_m`` (estimated streets), ``ebike_s`` and
    ``walk_s``; an empty frame with those columns when nothing qualifies. For many queries
    where only ids matter, :func:`nearest_arrays` skips the table.
    """
    chosen = filter_stations(stations, station_types=station_types, amenities=amenities, open_at=open_at)
    station_index, distance_m = nearest_arrays(index or build_station_index(chosen), lon, lat, k=k)
    found = _result_columns(station_index, distance_m, max_distance_m)
    route_m = route_distance_m(found["distance_m"], detour_factor=detour_factor)
    return station_rows(
        chosen, found["station_index"],
        first={"query_index": found["query_index"], "rank": found["rank"]},
        last={"station_index": found["station_index"], "distance_m": found["distance_m"], "route_m": route_m,
              "ebike_s": travel_time_s(route_m, speed_kmh=ebike_speed_kmh),
              "walk_s": travel_time_s(route_m, speed_kmh=walk_speed_kmh)},
    )


def count_within(index: StationIndex, lon: ArrayLike, lat: ArrayLike, radius_m: float, *, cap: int = 2) -> NDArray[np.int8]:
    """How many indexed stations lie within ``radius_m`` metres (ellipsoidal distance, ``<=``)
    of each query point, counted up to ``cap``.

    The ``cap`` nearest on the sphere bracket the answer: a station whose spherical distance
    times the largest ellipsoid/sphere ratio is within is surely within, one whose spherical
    distance times the smallest ratio is beyond is surely beyond (and so is every further one);
    only points with a station in between are measured exactly on the ellipsoid.
    """
    lon_q = np.atleast_1d(np.asarray(lon, dtype=float))
    lat_q = np.atleast_1d(np.asarray(lat, dtype=float))
    _check_query(lon_q, lat_q, cap)
    if len(index) == 0 or len(lon_q) == 0 or radius_m <= 0:
        return np.zeros(len(lon_q), dtype=np.int8)
    k = min(cap, len(index))
    return _by_chunks(lambda lon_c, lat_c, workers: _count_block(index, lon_c, lat_c, float(radius_m), k, workers),
                      lon_q, lat_q)


def _count_block(index: StationIndex, lon_q: NDArray, lat_q: NDArray, radius_m: float, k: int, workers: int
                 ) -> NDArray[np.int8]:
    """:func:`count_within` for one chunk of valid queries (k <= stations, radius > 0)."""
    # the search stops at the radius: stations beyond it cannot count (missing ones come back
    # as an infinite chord, i.e. surely out)
    reach = float(great_circle_to_chord(radius_m / ELLIPSOID_TO_SPHERE_MIN)) * (1 + 1e-9)
    chord, _ = index.tree.query(unit_vectors(lon_q, lat_q), k=k, workers=workers, distance_upper_bound=reach)
    sphere_m = chord_to_great_circle_m(chord.reshape(len(lon_q), k))
    low, high = _ratio_bounds(lat_q, np.full(len(lon_q), radius_m / ELLIPSOID_TO_SPHERE_MIN))
    surely_in = sphere_m * high[:, None] <= radius_m
    surely_out = sphere_m * low[:, None] > radius_m
    counts = surely_in.sum(axis=1).astype(np.int8)
    unsure = np.flatnonzero(~(surely_in | surely_out).all(axis=1))
    if unsure.size:
        _, distance_u = _nearest_block(index, lon_q[unsure], lat_q[unsure], k, workers)
        counts[unsure] = (distance_u <= radius_m).sum(axis=1)
    return counts
