"""The station register as a GeoDataFrame: load a validated file, build it from features, turn it
back into RFC 7946 GeoJSON and write that atomically. Saving with history is :mod:`geo.store`."""

from __future__ import annotations

import json
import math
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Iterable

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geo.errors import Problem, StationDataError
from geo.model import STATION_COLUMNS, WGS84
from geo.readers import read_json_file
from geo.reference import DEFAULT_STATIONS_PATH
from geo.validate import validate_feature_collection


def load_stations(
    path: Path | str = DEFAULT_STATIONS_PATH,
    *,
    boundary: gpd.GeoDataFrame | None = None,
    community_codes: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Read and validate a station GeoJSON file.

    Returns a GeoDataFrame in EPSG:4326 with the columns of :data:`geo.model.STATION_COLUMNS`
    (plus any extra properties), one row per station, ordered as in the file.
    Raises :class:`StationDataError` listing every problem when the file is not valid.
    """
    path = Path(path)
    problems: list[Problem] = []
    doc = read_json_file(path, problems)
    features: list[dict] = []
    if not problems:
        features, problems = validate_feature_collection(doc, boundary=boundary, community_codes=community_codes)
    if problems:
        raise StationDataError(path.name, problems)
    return stations_from_features(features)


def stations_from_features(features: list[dict]) -> gpd.GeoDataFrame:
    """Build the station GeoDataFrame from already-validated GeoJSON features."""
    records = []
    for feature in features:
        props = dict(feature["properties"])
        if props.get("community_code") is not None:  # null: the village/community is not known
            props["community_code"] = str(props["community_code"])
        lon, lat = feature["geometry"]["coordinates"][:2]
        props["geometry"] = Point(float(lon), float(lat))
        records.append(props)
    extra = [key for record in records for key in record if key not in STATION_COLUMNS]
    columns = list(STATION_COLUMNS[:-1]) + list(dict.fromkeys(extra)) + ["geometry"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=WGS84)


def stations_to_feature_collection(stations: gpd.GeoDataFrame) -> dict:
    """RFC 7946 FeatureCollection (lon/lat, WGS-84) of a station GeoDataFrame."""
    if stations.crs is None or not stations.crs.equals(WGS84):
        stations = stations.to_crs(WGS84)
    features = []
    for record, point in zip(stations.drop(columns="geometry").to_dict(orient="records"), stations.geometry):
        props = {key: (None if isinstance(value, float) and math.isnan(value) else value) for key, value in record.items()}
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "Point", "coordinates": [round(point.x, 7), round(point.y, 7)]},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def write_json_atomic(doc: Any, path: Path | str) -> None:
    """Write JSON so that readers see either the old file or the complete new one, never half:
    a temporary file in the same folder, flushed to disk, then renamed over the target. The
    target keeps its permission bits (a new file gets the usual 0644 less the umask)."""
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(doc, handle, ensure_ascii=False, indent=1)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, _mode_for(path))
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    """The permission bits a rewritten ``path`` should have: its own, else 0666 less the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    # read, not set: os.umask() changes the process's mask for a moment, and other threads of
    # the server could create files in that moment
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022
