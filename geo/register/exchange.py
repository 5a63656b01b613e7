"""Station files out: GeoJSON, CSV, Excel (.xlsx) and KML, in WGS-84, GCJ-02 or BD-09.

Spreadsheets are written through :mod:`geo.tables`, which guards them against formula
injection. Reading station lists back in is :mod:`geo.register.sheets` and :mod:`geo.register.import_plan`.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

import geopandas as gpd
import numpy as np
import pandas as pd

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
        placemarks = []
        for row in table.to_dict(orient="records"):
            data = "".join(f'<Data name="{escape(str(k))}"><value>{escape("" if v is None else str(v))}</value></Data>'
                           for k, v in row.items() if k not in ("lon", "lat"))
            placemarks.append(f"<Placemark><name>{escape(str(row['name_zh']))}</name><ExtendedData>{data}</ExtendedData>"
                              f"<Point><coordinates>{row['lon']},{row['lat']}</coordinates></Point></Placemark>")
        return ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
                f"<name>Gaohe stations ({datum.value})</name>{''.join(placemarks)}</Document></kml>").encode("utf-8")
    raise ValueError(f"`file_format` was {file_format!r} but is expected to be one of {FORMATS}")
