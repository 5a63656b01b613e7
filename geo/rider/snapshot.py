"""The station register as the light rider page (``/m``) and the open API serve it.

One :class:`RegisterSnapshot` per version of the register file: loaded and validated once, with
what every request needs made ahead (each station as plain JSON values, its amenities as a set,
the gazetteer, a search index per filter), and replaced when the file changes on disk. Its
``version`` (the first 16 hex digits of the file's SHA-256) names the data a phone has cached.

Nothing here knows about HTTP; :mod:`web` serves it.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analysis.nearest import (
    AMENITY_MATCHES,
    DETOUR_FACTOR,
    EBIKE_SPEED_KMH,
    WALK_SPEED_KMH,
    StationIndex,
    build_station_index,
    nearest_to_point,
)
from geo.hours import opening_state
from geo.place.datum import Datum, convert
from geo.place.gazetteer import Place, build_gazetteer, search_places
from geo.place.geodesy import ellipsoidal_distance_m
from geo.place.reference import DEFAULT_STATIONS_PATH, load_communities
from geo.register.geojson import load_stations
from geo.register.model import LOCAL_TIMEZONE

#: The register riders are served: ``$GAOHE_STATIONS`` if set, else the embedded dataset (as the pages).
REGISTER_ENV = "GAOHE_STATIONS"

#: Columns of one row of a ``nearest`` answer, in the order ``python -m geo nearest --json`` prints them.
NEAREST_ROW_FIELDS = ("query_index", "rank", "id", "station_type", "name_zh", "name_en", "location_status", "lon",
                      "lat", "distance_m", "route_m", "ebike_s", "walk_s")

#: Search indexes kept per snapshot (one per distinct set of qualifying stations).
_MAX_INDEXES = 64
#: Up to this many qualifying stations, every one is measured (no index): ~50 µs for a town.
BRUTE_FORCE_MAX_STATIONS = 2_000


def register_path() -> Path:
    """The register file riders are served."""
    return Path(os.environ.get(REGISTER_ENV) or DEFAULT_STATIONS_PATH)


def _plain(value: object) -> object:
    """A register value as JSON: NaN and pandas' missing values become ``None``, NumPy scalars
    Python ones, arrays lists."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass
class RegisterSnapshot:
    """One version of the register, prepared for serving (read-only after construction, apart
    from its cache of search indexes, which is thread-safe)."""

    path: Path
    version: str
    #: When the file was last changed, Asia/Shanghai wall-clock time (naive).
    modified_at: datetime
    stations: gpd.GeoDataFrame
    communities: pd.DataFrame
    #: Every station's properties as JSON values, plus ``lon``/``lat`` (WGS-84, 7 decimals), in register order.
    records: list[dict] = field(init=False)
    _indexes: OrderedDict = field(init=False, default_factory=OrderedDict)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        frame = self.stations
        self.lon = frame.geometry.x.to_numpy(dtype=float)
        self.lat = frame.geometry.y.to_numpy(dtype=float)
        self.station_types = frame["station_type"].astype(str).to_numpy()
        self.amenity_sets = [frozenset(have) for have in frame["amenities"]]
        self.opening_hours = frame["opening_hours"].astype(str).tolist()
        columns = [c for c in frame.columns if c != frame.geometry.name]
        self.records = []
        for values, lon, lat in zip(frame[columns].itertuples(index=False, name=None), self.lon, self.lat):
            record = {name: _plain(value) for name, value in zip(columns, values)}
            record["lon"], record["lat"] = round(float(lon), 7), round(float(lat), 7)
            self.records.append(record)
        self.position_of = {record["id"]: row for row, record in enumerate(self.records)}
        # the CLI's rounding (NumPy's, on the whole column) for the positions it prints
        self._lon_7 = np.round(self.lon, 7)
        self._lat_7 = np.round(self.lat, 7)
        self.gazetteer = build_gazetteer(frame, self.communities)

    def __len__(self) -> int:
        return len(self.records)

    # --- filters and nearest ---------------------------------------------------------------

    def qualifying(self, *, station_types: Iterable[str] | None = None, amenities: Iterable[str] | None = None,
                   amenities_match: str = "all", open_at: datetime | None = None) -> np.ndarray:
        """Boolean mask of the stations :func:`geo.analysis.nearest.filter_stations` keeps (the
        values are expected to be checked already: types and amenities of the vocabulary)."""
        mask = np.ones(len(self.records), dtype=bool)
        if station_types is not None:
            mask &= np.isin(self.station_types, list(station_types))
        wanted = frozenset(amenities or ())
        if wanted:
            if amenities_match not in AMENITY_MATCHES:
                raise ValueError(f"`amenities_match` was {amenities_match!r} but is expected to be one of {AMENITY_MATCHES}")
            fits = (lambda have: bool(wanted & have)) if amenities_match == "any" else wanted.issubset
            mask &= np.fromiter((fits(have) for have in self.amenity_sets), dtype=bool, count=len(self.amenity_sets))
        if open_at is not None:
            rows = np.flatnonzero(mask)
            mask[rows] = [opening_state(self.opening_hours[row], open_at).is_open for row in rows]
        return mask

    def _index(self, mask: np.ndarray) -> tuple[np.ndarray, StationIndex]:
        key = mask.tobytes()
        with self._lock:
            found = self._indexes.get(key)
            if found is not None:
                self._indexes.move_to_end(key)
                return found
        rows = np.flatnonzero(mask)
        found = (rows, build_station_index(lon=self.lon[rows], lat=self.lat[rows]))
        with self._lock:
            self._indexes[key] = found
            while len(self._indexes) > _MAX_INDEXES:
                self._indexes.popitem(last=False)
        return found

    def nearest_rows(self, mask: np.ndarray, lon: float, lat: float, k: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The k nearest stations of ``mask``: positions among them (nearest first, ties by register
        order), their ellipsoidal distances (metres), and the register rows of ``mask``. A town's
        register is measured whole (one vectorised geodesic per station: quicker than any index
        at this size); a large one goes through the KD-tree of :func:`nearest_to_point`. Both are
        the exact ellipsoidal answer of :func:`geo.analysis.nearest.nearest_arrays`."""
        rows, index = self._index(mask)
        if len(rows) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0), rows
        if len(rows) <= BRUTE_FORCE_MAX_STATIONS and math.isfinite(lon) and math.isfinite(lat) \
                and abs(lon) <= 180 and abs(lat) <= 90 and isinstance(k, (int, np.integer)) and k >= 1:
            distance_m = ellipsoidal_distance_m(float(lon), float(lat), index.lon, index.lat)
            found = np.argsort(distance_m, kind="stable")[:k]
            return found, distance_m[found], rows
        found, distance_m = nearest_to_point(index, lon, lat, k=k)
        return found, distance_m, rows

    def nearest(self, lon: float, lat: float, *, k: int = 3, max_distance_m: float | None = None,
                station_types: Iterable[str] | None = None, amenities: Iterable[str] | None = None,
                amenities_match: str = "all", open_at: datetime | None = None) -> list[dict]:
        """The k nearest qualifying stations of WGS-84 ``lon``/``lat``: the rows ``python -m geo
        nearest --lon .. --lat .. --json`` prints (:data:`NEAREST_ROW_FIELDS`, same rounding),
        from the same exact ellipsoidal search (:func:`geo.analysis.nearest.nearest_to_point`)."""
        mask = self.qualifying(station_types=station_types, amenities=amenities, amenities_match=amenities_match,
                               open_at=open_at)
        found, distance_m, rows = self.nearest_rows(mask, lon, lat, k)
        if len(rows) == 0:
            return []
        if max_distance_m is not None:
            keep = distance_m <= max_distance_m
            found, distance_m = found[keep], distance_m[keep]
        rows = rows[found]
        route_m = distance_m * DETOUR_FACTOR
        columns = {
            "distance_m": np.round(distance_m, 1),
            "route_m": np.round(route_m, 1),
            "ebike_s": np.round(route_m / (EBIKE_SPEED_KMH / 3.6), 0),
            "walk_s": np.round(route_m / (WALK_SPEED_KMH / 3.6), 0),
        }
        answer = []
        for rank, row in enumerate(rows.tolist(), start=1):
            record = self.records[row]
            answer.append({
                "query_index": 0, "rank": rank, "id": record["id"], "station_type": record["station_type"],
                "name_zh": record["name_zh"], "name_en": record["name_en"],
                "location_status": record["location_status"],
                "lon": float(self._lon_7[row]), "lat": float(self._lat_7[row]),
                **{name: float(values[rank - 1]) for name, values in columns.items()},
            })
        return answer

    # --- stations as GeoJSON ----------------------------------------------------------------

    def feature(self, row: int, datum: Datum | str = Datum.WGS84) -> dict:
        """Station ``row`` as an RFC 7946 Feature (properties as in the register file), its
        coordinates in ``datum`` (7 decimals)."""
        record = self.records[row]
        properties = {name: value for name, value in record.items() if name not in ("lon", "lat")}
        lon, lat = record["lon"], record["lat"]
        if Datum(datum) is not Datum.WGS84:
            lon, lat = (round(float(v), 7) for v in convert(self.lon[row], self.lat[row], source=Datum.WGS84,
                                                             target=datum))
        return {"type": "Feature", "id": record["id"], "properties": properties,
                "geometry": {"type": "Point", "coordinates": [lon, lat]}}

    def feature_collection(self, datum: Datum | str = Datum.WGS84, *, rows: Iterable[int] | None = None) -> dict:
        """The register (or ``rows`` of it) as a FeatureCollection in ``datum``."""
        chosen = range(len(self.records)) if rows is None else rows
        return {"type": "FeatureCollection", "features": [self.feature(row, datum) for row in chosen]}

    # --- places -----------------------------------------------------------------------------

    def search(self, query: str, *, limit: int = 5) -> list[Place]:
        """Places (landmarks, villages/communities, stations) whose names match ``query``."""
        return search_places(self.gazetteer, query, limit=limit)


_LOCAL_ZONE = ZoneInfo(LOCAL_TIMEZONE)
_SNAPSHOTS: dict[str, tuple[tuple[int, int], RegisterSnapshot]] = {}
_SNAPSHOT_LOCK = threading.Lock()


def _file_key(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def load_snapshot(path: Path | str | None = None) -> RegisterSnapshot:
    """The snapshot of the register at ``path`` (default :func:`register_path`), loaded once
    per version of the file: a file changed on disk is loaded again on the next call. Raises
    :class:`geo.errors.StationDataError` when the file is invalid, ``OSError`` when unreadable."""
    path = Path(path or register_path())
    name = str(path)
    key = _file_key(path)
    held = _SNAPSHOTS.get(name)
    if held is not None and held[0] == key:
        return held[1]
    with _SNAPSHOT_LOCK:
        held = _SNAPSHOTS.get(name)
        if held is not None and held[0] == _file_key(path):
            return held[1]
        for _ in range(3):  # a save may land while we read: read again until the file holds still
            key = _file_key(path)
            content = path.read_bytes()
            stations = load_stations(path)
            if _file_key(path) == key:
                break
        modified_at = datetime.fromtimestamp(key[0] / 1e9, _LOCAL_ZONE).replace(tzinfo=None, microsecond=0)
        snapshot = RegisterSnapshot(path, hashlib.sha256(content).hexdigest()[:16], modified_at, stations,
                                    load_communities())
        _SNAPSHOTS[name] = (key, snapshot)
        return snapshot
