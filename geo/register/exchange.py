"""Station files out: GeoJSON, CSV, Excel (.xlsx) and KML, in WGS-84, GCJ-02 or BD-09.

Spreadsheets are written through :mod:`geo.tables`, which guards them against formula
injection. Reading station lists back in is :mod:`geo.register.sheets` and :mod:`geo.register.import_plan`.
"""

from __future__ import annotations

import json

import fastkml
import geopandas as gpd
import numpy as np
import pandas as pd
import pygeoif

from geo.place.datum import Datum, convert
from geo.register.geojson import stations_to_feature_collection
from geo.tables import csv_bytes, xlsx_bytes

FORMATS = ("geojson", "csv", "xlsx", "kml")


def stations_table(stations: gpd.GeoDataFrame, datum: Datum | str = Datum.WGS84) -> pd.DataFrame:
    """One row per station, amenities joined with ";", ``lon``/``lat`` in ``datum``."""
    lon, lat = convert(stations.geometry.x.to_numpy(), stations.geometry.y.to_numpy(), source=Datum.WGS84,
                       target=Datum(datum))
    table = pd.DataFrame(stations.drop(columns="geometry"))
    table["amenities"] = table["amenities"].map(lambda a: ";".join(a) if isinstance(a, list) else a)
    table["lon"], table["lat"] = np.round(lon, 7), np.round(lat, 7)
    table["datum"] = Datum(datum).value
    return table


def _kml_bytes(table: pd.DataFrame, datum: Datum) -> bytes:
    """One KML placemark per station (fastkml): the Chinese name, every column as ``<Data>``."""
    placemarks = [
        fastkml.Placemark(
            name=str(row["name_zh"]),
            kml_geometry=fastkml.Point(geometry=pygeoif.Point(row["lon"], row["lat"])),
            extended_data=fastkml.ExtendedData(elements=[
                fastkml.Data(name=str(key), value="" if value is None else str(value))
                for key, value in row.items() if key not in ("lon", "lat")
            ]),
        )
        for row in table.to_dict(orient="records")
    ]
    document = fastkml.KML(features=[fastkml.Document(name=f"Gaohe stations ({datum.value})", features=placemarks)])
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + document.to_string(prettyprint=False).encode("utf-8")


def export_stations(stations: gpd.GeoDataFrame, file_format: str, datum: Datum | str = Datum.WGS84) -> bytes:
    """The register as a file in ``file_format`` with coordinates in ``datum``."""
    datum = Datum(datum)
    if file_format == "geojson":
        doc = stations_to_feature_collection(stations)
        if datum is not Datum.WGS84:
            lon, lat = convert(stations.geometry.x.to_numpy(), stations.geometry.y.to_numpy(), source=Datum.WGS84,
                               target=datum)
            for feature, x, y in zip(doc["features"], lon, lat):
                feature["geometry"]["coordinates"] = [round(float(x), 7), round(float(y), 7)]
            # RFC 7946 GeoJSON is WGS-84: a file in another datum says so loudly
            doc["datum"] = datum.value
        return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
    table = stations_table(stations, datum)
    if file_format == "csv":
        return csv_bytes(table)
    if file_format == "xlsx":
        return xlsx_bytes({"stations": table})
    if file_format == "kml":
        return _kml_bytes(table, datum)
    raise ValueError(f"`file_format` was {file_format!r} but is expected to be one of {FORMATS}")
