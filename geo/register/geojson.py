"""The station register as a GeoDataFrame: load a validated file, build it from features, turn it
back into RFC 7946 GeoJSON and write that atomically. Saving with history is :mod:`geo.register.store`."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Iterable

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geo.errors import Problem, StationDataError
from geo.place.reference import DEFAULT_STATIONS_PATH
from geo.readers import read_json_file
from geo.register.model import STATION_COLUMNS, WGS84
from geo.register.validate import validate_feature_collection


def load_stations(
    path: Path | str = DEFAULT_STATIONS_PATH,
    *,
    boundary: gpd.GeoDataFrame | None = None,
    community_codes: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Read and validate a station GeoJSON file.

    Returns a GeoDataFrame in EPSG:4326 with the columns of :data:`geo.register.model.STATION_COLUMNS`
    (plus any extra properties), one row per station, ordered as in the file.
    Raises :class:`StationDataError` listing every problem when the file is not valid.
    """
    path = Path(path)
    problems: list[Problem] = []
    doc = read_json_file(path, problems)
    if problems:
        raise StationDataError(path.name, problems)
    return stations_from_document(doc, path.name, boundary=boundary, community_codes=community_codes)


def stations_from_document(
    doc: Any,
    source: str,
    *,
    boundary: gpd.GeoDataFrame | None = None,
    community_codes: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """The station GeoDataFrame of a parsed GeoJSON document, validated; raises
    :class:`StationDataError` (named after ``source``) listing every problem."""
    features, problems = validate_feature_collection(doc, boundary=boundary, community_codes=community_codes)
    if problems:
        raise StationDataError(source, problems)
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


def document_bytes(doc: Any) -> bytes:
    """How the register stores a GeoJSON document: UTF-8, one-space indents, a final newline."""
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
