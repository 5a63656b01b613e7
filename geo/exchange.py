"""Station files in and out: GeoJSON, CSV, Excel (.xlsx) and KML, in WGS-84, GCJ-02 or BD-09.

Exports guard spreadsheets against formula injection (a text cell starting with = + - @ is
prefixed with '); imports undo that prefix. Imports map usual column names, Chinese included
(经度/纬度/名称/地址...), convert the datum to WGS-84 and return GeoJSON features for the
validator: nothing here writes the register (see :mod:`geo.store`).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from xml.sax.saxutils import escape

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.datum import Datum, convert
from geo.errors import PointsDataError, Problem
from geo.readers import MAX_FILE_BYTES, check_file_size, read_csv_table, read_spreadsheet
from geo.register import stations_to_feature_collection
from geo.tables import csv_bytes, unguard_formulas, xlsx_bytes
from geo.model import REQUIRED_PROPERTIES

FORMATS = ("geojson", "csv", "xlsx", "kml")

#: Column names recognised on import (lower-case), mapped to register properties.
COLUMN_ALIASES: dict[str, str] = {
    "经度": "lon", "lng": "lon", "longitude": "lon", "x": "lon",
    "纬度": "lat", "latitude": "lat", "y": "lat",
    "编号": "id", "站点编号": "id",
    "名称": "name_zh", "站点名称": "name_zh", "name": "name_zh", "中文名": "name_zh", "英文名": "name_en",
    "类型": "station_type", "站点类型": "station_type", "type": "station_type",
    "地址": "address", "社区代码": "community_code", "区划代码": "community_code",
    "设施": "amenities", "开放时间": "opening_hours", "营业时间": "opening_hours",
    "运营方": "operator", "电话": "phone", "位置状态": "location_status", "来源": "source",
}

#: Filled in when an imported row lacks them: imported positions are unverified until checked.
IMPORT_DEFAULTS = {"location_status": "unverified", "hours_status": "unverified", "phone": None,
                   "operator": None, "address": None}


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


def _read_kml(content: bytes) -> pd.DataFrame:
    from defusedxml import ElementTree

    namespace = {"k": "http://www.opengis.net/kml/2.2"}
    root = ElementTree.fromstring(content)
    rows = []
    for placemark in root.iter("{http://www.opengis.net/kml/2.2}Placemark"):
        row = {data.get("name"): (data.findtext("k:value", default="", namespaces=namespace))
               for data in placemark.iter("{http://www.opengis.net/kml/2.2}Data")}
        row.setdefault("name_zh", placemark.findtext("k:name", default="", namespaces=namespace))
        coordinates = (placemark.findtext(".//k:Point/k:coordinates", default="", namespaces=namespace) or "").strip()
        parts = coordinates.split(",")
        row["lon"], row["lat"] = (parts[0], parts[1]) if len(parts) >= 2 else ("", "")
        rows.append(row)
    return pd.DataFrame(rows)


def read_station_rows(path: Path | str, *, column_map: dict[str, str] | None = None) -> pd.DataFrame:
    """The rows of a CSV, Excel or KML station file as text, with columns renamed to register
    properties: by ``column_map`` (file column -> property) where given, else where recognised."""
    path = Path(path)
    problems: list[Problem] = []
    if not check_file_size(path, MAX_FILE_BYTES, problems):
        raise PointsDataError(path.name, problems)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame, _ = read_csv_table(path)
        elif suffix in (".xlsx", ".xlsm"):
            frame = read_spreadsheet(path)
        elif suffix == ".kml":
            frame = _read_kml(path.read_bytes())
        else:
            raise PointsDataError(path.name, [Problem("err_unsupported_format", {"suffix": suffix})])
    except PointsDataError:
        raise
    except (ValueError, SyntaxError, OSError) as err:  # XML parse errors are SyntaxErrors; defusedxml's are ValueErrors
        raise PointsDataError(path.name, [Problem("err_file_unreadable", {"reason": str(err)[:200]})]) from err
    renamed = {c: COLUMN_ALIASES.get(str(c).strip().lower(), COLUMN_ALIASES.get(str(c).strip(), str(c).strip()))
               for c in frame.columns}
    if column_map:
        chosen = {source: target for source, target in column_map.items() if source in frame.columns}
        renamed = {c: (chosen[c] if c in chosen else (t if t not in chosen.values() else f"{t} (unused)"))
                   for c, t in renamed.items()}
    return unguard_formulas(frame.rename(columns=renamed))


def guess_column_map(columns: list[str]) -> dict[str, str]:
    """Register property -> file column, for the columns recognised by name."""
    guesses: dict[str, str] = {}
    for column in columns:
        target = COLUMN_ALIASES.get(str(column).strip().lower(), COLUMN_ALIASES.get(str(column).strip(), str(column).strip()))
        guesses.setdefault(target, column)
    return guesses


def rows_to_features(rows: pd.DataFrame, *, datum: Datum | str, source: str) -> tuple[list[dict], list[Problem]]:
    """GeoJSON features (WGS-84) from imported rows; rows whose coordinates are unusable are
    reported (line numbers as in a CSV: header = line 1) and left out of the features."""
    problems: list[Problem] = []
    lon = pd.to_numeric(rows.get("lon", pd.Series(dtype=str)), errors="coerce")
    lat = pd.to_numeric(rows.get("lat", pd.Series(dtype=str)), errors="coerce")
    if "lon" not in rows or "lat" not in rows:
        return [], [Problem("err_need_lonlat_columns", {"found": ", ".join(map(str, rows.columns))})]
    good = lon.notna() & lat.notna() & (lon.abs() <= 180) & (lat.abs() <= 90)
    for row in rows.index[~good]:
        problems.append(Problem("err_lonlat_not_numbers", {"lon": rows.at[row, "lon"], "lat": rows.at[row, "lat"]},
                                row=int(row) + 2, unit="line"))
    wgs_lon, wgs_lat = convert(lon[good].to_numpy(), lat[good].to_numpy(), source=Datum(datum), target=Datum.WGS84)
    features = []
    for (index, record), x, y in zip(rows[good].iterrows(), np.atleast_1d(wgs_lon), np.atleast_1d(wgs_lat)):
        props = {**IMPORT_DEFAULTS, "source": source}
        for key, value in record.items():
            if key in ("lon", "lat", "datum") or value is None:
                continue
            value = value.strip() if isinstance(value, str) else value
            if key == "amenities":
                value = [a.strip() for a in str(value).replace("，", ";").replace(",", ";").split(";") if a.strip()]
            elif key in ("phone", "operator", "address") and value == "":
                value = None
            props[key] = value
        props = {k: props[k] for k in [*REQUIRED_PROPERTIES, *[k for k in props if k not in REQUIRED_PROPERTIES]] if k in props}
        defaulted = [k for k in IMPORT_DEFAULTS if k not in record.index or record[k] is None]
        # "_defaulted" (a foreign member) tells a merge which values the file did not give
        features.append({"type": "Feature", "properties": props, "_defaulted": defaulted,
                         "geometry": {"type": "Point", "coordinates": [float(x), float(y)]}})
    return features, problems


def read_station_features(
    path: Path | str, *, datum: Datum | str, column_map: dict[str, str] | None = None
) -> tuple[list[dict], list[Problem]]:
    """Features (WGS-84) from any supported station file, with the row problems found while
    reading; validation of the properties is left to :func:`geo.validate.validate_feature_collection`."""
    path = Path(path)
    if path.suffix.lower() in (".geojson", ".json"):
        from geo.readers import read_json_file

        problems: list[Problem] = []
        doc = read_json_file(path, problems)
        if problems:
            return [], problems
        features = doc.get("features") if isinstance(doc, dict) else None
        if not isinstance(features, list):
            return [], [Problem("err_not_feature_collection", {"kind": type(doc).__name__})]
        if Datum(datum) is not Datum.WGS84:
            for feature in features:
                geometry = feature.get("geometry") if isinstance(feature, dict) else None
                coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
                if isinstance(coords, list) and len(coords) >= 2 and all(isinstance(c, (int, float)) for c in coords[:2]):
                    geometry["coordinates"] = [float(v) for v in convert(coords[0], coords[1], source=datum, target="wgs84")]
        return features, []
    return rows_to_features(read_station_rows(path, column_map=column_map), datum=datum,
                            source=f"imported from {path.name}")


def merge_features(current: list[dict], imported: list[dict], *, mode: str) -> list[dict]:
    """``replace``: the imported features only. ``merge``: current features updated by id
    (the properties the file gives over current ones, imported position) and new ids appended;
    defaults filled in on import never overwrite what the register holds."""
    if mode == "replace":
        return imported
    if mode != "merge":
        raise ValueError(f"`mode` was {mode!r} but is expected to be 'merge' or 'replace'")
    merged = [dict(feature) for feature in current]
    position = {f["properties"]["id"]: i for i, f in enumerate(merged)}
    for feature in imported:
        station_id = (feature.get("properties") or {}).get("id")
        if station_id in position:
            old = merged[position[station_id]]
            given = {k: v for k, v in feature["properties"].items() if k not in feature.get("_defaulted", ())}
            merged[position[station_id]] = {"type": "Feature", "geometry": feature.get("geometry"),
                                            "properties": {**old["properties"], **given}}
        else:
            merged.append(feature)
    return merged
