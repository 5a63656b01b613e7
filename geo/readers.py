"""Reading input files: JSON documents, CSV text in the encodings Chinese tools save, and files
of points (query, demand or candidate points) in any datum.

Every reader checks size before parsing and reports every bad row at once (at most
:data:`MAX_PROBLEMS_KEPT` of them, with the total counted), so a planner fixes a file in one pass.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np
import pandas as pd

from geo.errors import PointsDataError, Problem
from geo.place.datum import Datum, convert

if TYPE_CHECKING:
    import geopandas as gpd

#: Station files larger than this are refused before parsing (the whole town is ~100 kB).
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Point files (demand can be a million rows) larger than this are refused before parsing.
MAX_POINTS_FILE_BYTES = 200 * 1024 * 1024
#: Problems kept per file; the rest are only counted ("and N more").
MAX_PROBLEMS_KEPT = 1_000

#: Column names accepted for longitude/latitude (case-insensitive), Chinese headers included.
LON_COLUMNS = ("lon", "lng", "longitude", "x", "经度")
LAT_COLUMNS = ("lat", "latitude", "y", "纬度")


def out_of_range_key(lon: float, lat: float) -> str:
    """The message for a position that is not lon/lat degrees: "swapped" when the two values
    read the other way round would be (latitude over 90 with a longitude that fits latitude)."""
    return "err_import_lonlat_swapped" if (-90 <= lon <= 90 and -180 <= lat <= 180) else "err_lonlat_not_degrees"


_COORDINATE = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*°?\s*([ENWSensw东西南北]?)\s*$")


def parse_coordinate(text: object) -> float | None:
    """Decimal degrees from a cell (``116.8286``, ``116.8286°E``, ``东经116.8286``), or ``None``.
    West and south are negative."""
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text) if pd.notna(text) else None
    value = unicodedata.normalize("NFKC", str(text)).replace("东经", "").replace("北纬", "").strip()
    match = _COORDINATE.match(value)
    if not match:
        return None
    number = float(match.group(1))
    return -number if match.group(2).lower() in ("w", "s", "西", "南") else number


def parse_lonlat(text: object) -> tuple[float, float] | None:
    """``(lon, lat)`` from one text holding both, as coordinate pickers copy them and URLs carry
    them (``116.8286,30.7350``, ``116.8286，30.735``, ``116.8286°E 30.735°N``); ``None`` if it
    is not two numbers. The one parser of a position typed or pasted as text (no range check:
    see :func:`out_of_range_key`)."""
    if text is None:
        return None
    parts = re.split(r"\s*[,;，；\s]\s*", unicodedata.normalize("NFKC", str(text)).strip())
    if len(parts) != 2:
        return None
    lon, lat = parse_coordinate(parts[0]), parse_coordinate(parts[1])
    return None if lon is None or lat is None else (lon, lat)


def parse_position(text: object) -> tuple[float, float] | None:
    """:func:`parse_lonlat`, and only longitude/latitude degrees (finite, within ±180 and ±90):
    a position from a URL (``?at=116.8236,30.7374``) or a form, else ``None``."""
    pair = parse_lonlat(text)
    if pair is None or not (math.isfinite(pair[0]) and math.isfinite(pair[1])
                            and -180 <= pair[0] <= 180 and -90 <= pair[1] <= 90):
        return None
    return pair


def check_file_size(path: Path, limit_bytes: int, problems: list[Problem]) -> bool:
    """False (with the problem added) when ``path`` is missing, not a file, empty or too large."""
    if not path.exists():
        problems.append(Problem("err_file_not_found", {"path": path.name}))
        return False
    if not path.is_file():
        problems.append(Problem("err_not_a_file", {"path": path.name}))
        return False
    size = path.stat().st_size
    if size == 0:
        problems.append(Problem("err_file_empty"))
        return False
    if size > limit_bytes:
        problems.append(Problem("err_file_too_large", {"mb": size / 1e6, "limit_mb": limit_bytes / 1e6}))
        return False
    return True


def read_json_file(path: Path | str, problems: list[Problem], *, limit_bytes: int | None = None) -> Any:
    """The parsed JSON document of ``path``, or ``None`` with the reasons added to ``problems``.
    Files over ``limit_bytes`` (default :data:`MAX_FILE_BYTES`) are refused unread."""
    path = Path(path)
    if not check_file_size(path, MAX_FILE_BYTES if limit_bytes is None else limit_bytes, problems):
        return None
    try:
        content = path.read_bytes()
    except OSError as err:
        problems.append(Problem("err_file_unreadable", {"reason": err.strerror or str(err)}))
        return None
    return parse_json_bytes(content, problems)


def parse_json_bytes(content: bytes, problems: list[Problem]) -> Any:
    """The JSON document in ``content`` (UTF-8, a byte-order mark allowed), or ``None`` with the
    reasons added to ``problems``."""
    if not content:
        problems.append(Problem("err_file_empty"))
        return None
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        problems.append(Problem("err_not_utf8", {"byte": err.start}))
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        problems.append(Problem("err_bad_json", {"reason": err.msg, "line": err.lineno, "column": err.colno}))
        return None
    except RecursionError:
        problems.append(Problem("err_json_too_deep"))
        return None


@dataclass(frozen=True)
class CsvText:
    """A CSV file's text, the encoding it was read in (a Python codec name) and its delimiter."""

    text: str
    encoding: str
    delimiter: str


#: How much of a CSV file the delimiter is guessed from.
SNIFF_CHARS = 4096


def decode_csv(content: bytes, problems: list[Problem]) -> CsvText | None:
    """The one reader of CSV bytes: UTF-16 with a byte-order mark (Excel's "Unicode text"),
    UTF-8 (with or without BOM), else GB18030, the superset of the GBK that Chinese Excel and WPS
    save "CSV" in; the delimiter (comma, semicolon or tab) guessed from the first lines. ``None``
    with the reason added to ``problems`` for binary content or text in none of these."""
    try:
        if content.startswith((b"\xff\xfe", b"\xfe\xff")):
            text, encoding = content.decode("utf-16"), "utf-16"
        elif b"\x00" in content[:SNIFF_CHARS]:
            problems.append(Problem("err_not_text"))
            return None
        else:
            try:
                text, encoding = content.decode("utf-8-sig"), "utf-8-sig"
            except UnicodeDecodeError:
                text, encoding = content.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as err:
        problems.append(Problem("err_csv_encoding", {"byte": err.start}))
        return None
    try:
        delimiter = csv.Sniffer().sniff(text[:SNIFF_CHARS], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    return CsvText(text, encoding, delimiter)


def encoding_label(encoding: str) -> str:
    """How an encoding is named to people: "UTF-8", "UTF-16" or "GBK (GB18030)"."""
    if encoding.startswith("utf-8"):
        return "UTF-8"
    return "UTF-16" if encoding.startswith("utf-16") else "GBK (GB18030)"


def read_csv_table(path: Path | str, *, limit_bytes: int = MAX_FILE_BYTES) -> tuple[pd.DataFrame, str]:
    """Every cell of a CSV file as text (:func:`decode_csv`), and the encoding it was read in.
    Raises :class:`PointsDataError` when it cannot be read."""
    path = Path(path)
    problems: list[Problem] = []
    if not check_file_size(path, limit_bytes, problems):
        raise PointsDataError(path.name, problems)
    decoded = decode_csv(path.read_bytes(), problems)
    if decoded is None:
        raise PointsDataError(path.name, problems)
    try:
        frame = pd.read_csv(io.StringIO(decoded.text), sep=decoded.delimiter, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise PointsDataError(path.name, [Problem("err_csv_unreadable", {"reason": str(err).strip()})]) from err
    return frame, decoded.encoding


def find_column(columns: Iterable[object], names: Iterable[str]) -> str | None:
    """The first of ``names`` (case and surrounding spaces ignored) among ``columns``."""
    lowered = {str(c).strip().lower(): c for c in columns}
    return next((lowered[n] for n in names if n in lowered), None)


def _row_problems(rows: np.ndarray, make: Any, unit: str) -> tuple[list[Problem], int]:
    """Problems for the first :data:`MAX_PROBLEMS_KEPT` bad ``rows`` (0-based data rows), and
    how many bad rows there are in all."""
    offset = 2 if unit == "line" else 1
    kept = [make(int(row), int(row) + offset) for row in rows[:MAX_PROBLEMS_KEPT]]
    return kept, int(len(rows))


def read_points_csv(path: Path | str, *, datum: str = "wgs84") -> pd.DataFrame:
    """Read a CSV of points with longitude/latitude columns (``lon,lat``; ``经度,纬度`` and other
    usual names accepted), UTF-8 or GBK, in the given datum; return all its columns, with
    ``lon``/``lat`` replaced by WGS-84 degrees. Every bad row is reported in one
    :class:`PointsDataError` (line numbers as a text editor shows them: header = line 1)."""
    path = Path(path)
    frame, encoding = read_csv_table(path, limit_bytes=MAX_POINTS_FILE_BYTES)
    lon_column, lat_column = find_column(frame.columns, LON_COLUMNS), find_column(frame.columns, LAT_COLUMNS)
    if lon_column is None or lat_column is None:
        found = ", ".join(map(str, frame.columns))
        raise PointsDataError(path.name, [Problem("err_need_lonlat_columns", {"found": found})])
    lon = pd.to_numeric(frame[lon_column].str.strip(), errors="coerce")
    lat = pd.to_numeric(frame[lat_column].str.strip(), errors="coerce")
    lon_values, lat_values = lon.to_numpy(dtype=float), lat.to_numpy(dtype=float)
    not_numbers = ~(np.isfinite(lon_values) & np.isfinite(lat_values))
    out_of_range = ~not_numbers & ~((np.abs(lon_values) <= 180) & (np.abs(lat_values) <= 90))
    bad = np.flatnonzero(not_numbers | out_of_range)
    if bad.size:
        def make(row: int, line: int) -> Problem:
            if not_numbers[row]:
                return Problem("err_lonlat_not_numbers", {"lon": frame[lon_column].iat[row], "lat": frame[lat_column].iat[row]},
                               row=line, unit="line")
            return Problem(out_of_range_key(lon_values[row], lat_values[row]), {"lon": lon_values[row], "lat": lat_values[row]},
                           row=line, unit="line")

        problems, total = _row_problems(bad, make, "line")
        raise PointsDataError(path.name, problems, total=total)
    wgs_lon, wgs_lat = convert(lon_values, lat_values, source=Datum(datum), target=Datum.WGS84)
    result = frame.drop(columns=[lon_column, lat_column])
    result.insert(0, "lon", wgs_lon)
    result.insert(1, "lat", wgs_lat)
    result.attrs["encoding"] = encoding
    return result


#: Column names recognised as a demand point's weight (case-insensitive), in order of preference:
#: what planners' sheets call "how many" (people, riders, orders) as well as weight/权重.
WEIGHT_COLUMNS = ("weight", "权重", "人数", "人口", "骑手数", "订单数", "单量", "population", "count", "w")

#: Read a demand file's weights from the first of :data:`WEIGHT_COLUMNS` it has.
AUTO_WEIGHT = "auto"


def read_point_table(path: Path | str, *, datum: str = "wgs84") -> pd.DataFrame:
    """Points from a CSV (see :func:`read_points_csv`) or a GeoJSON of Points (properties become
    columns), in the given datum: ``lon``/``lat`` in WGS-84 and every other column as it came.
    ``attrs["encoding"]`` says how a CSV was read; every bad row is reported at once."""
    path = Path(path)
    if path.suffix.lower() not in (".geojson", ".json"):
        points = read_points_csv(path, datum=datum)
    else:
        points = _demand_from_geojson(path)
        points["lon"], points["lat"] = convert(
            points["lon"].to_numpy(), points["lat"].to_numpy(), source=Datum(datum), target=Datum.WGS84
        )
    if points.empty:
        raise PointsDataError(path.name, [Problem("err_no_rows")])
    return points


def find_weight_column(columns: Iterable[object]) -> str | None:
    """The column a demand file's weights are read from when nobody chose one."""
    return find_column(columns, WEIGHT_COLUMNS)


def point_weights(points: pd.DataFrame, column: str, *, source: str, unit: str = "line") -> np.ndarray:
    """The numbers of ``column`` as weights (finite, >= 0); raises :class:`PointsDataError`
    listing every bad row of ``source`` (CSV "line"s or GeoJSON "feature"s)."""
    values = points[column]
    text = values.astype(str).str.strip() if values.dtype == object or pd.api.types.is_string_dtype(values) else values
    weight = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~(np.isfinite(weight) & (weight >= 0)))
    if bad.size:
        problems, total = _row_problems(
            bad, lambda row, line: Problem("err_bad_weight", {"value": str(values.iat[row])}, row=line, unit=unit,
                                           field=str(column)),
            unit)
        raise PointsDataError(source, problems, total=total)
    return weight


def _demand_from_geojson(path: Path) -> pd.DataFrame:
    problems: list[Problem] = []
    doc = read_json_file(path, problems, limit_bytes=MAX_POINTS_FILE_BYTES)
    if problems:
        raise PointsDataError(path.name, problems)
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list) or not features:
        raise PointsDataError(path.name, [Problem("err_expected_point_collection")])
    rows = []
    bad = 0
    for row, feature in enumerate(features, start=1):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        coords = geometry.get("coordinates") if isinstance(geometry, dict) and geometry.get("type") == "Point" else None
        if not (isinstance(coords, list) and len(coords) >= 2
                and all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in coords[:2])
                and abs(coords[0]) <= 180 and abs(coords[1]) <= 90):
            bad += 1
            if len(problems) < MAX_PROBLEMS_KEPT:
                problems.append(Problem("err_not_lonlat_point", row=row))
            continue
        props = feature.get("properties")
        props = props if isinstance(props, dict) else {}
        rows.append({"lon": float(coords[0]), "lat": float(coords[1]),
                     **{k: v for k, v in props.items() if k not in ("lon", "lat")}})
    if problems:
        raise PointsDataError(path.name, problems, total=bad)
    return pd.DataFrame(rows)


def geojson_geometries(document: Any) -> list:
    """The shapely geometries of an RFC 7946 GeoJSON document (a FeatureCollection, a Feature or
    a bare geometry; WGS-84 lon/lat by definition). Raises ``ValueError`` with a short reason
    for anything else, including a legacy ``crs`` member naming another CRS. Parsed with json and
    shapely, not GDAL: arbitrary bytes never reach GDAL's error handlers."""
    import shapely
    from shapely.geometry import shape

    if not isinstance(document, dict):
        raise ValueError("not a GeoJSON object")
    crs, crs_name = document.get("crs"), "CRS84"
    if isinstance(crs, dict) and isinstance(crs.get("properties"), dict):
        crs_name = str(crs["properties"].get("name", crs_name))
    if not crs_name.upper().endswith(("CRS84", "4326")):
        raise ValueError(f"coordinates in {crs_name}, not WGS-84")
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise ValueError("a FeatureCollection without a features list")
        parts = [f.get("geometry") for f in features if isinstance(f, dict)]
    elif kind == "Feature":
        parts = [document.get("geometry")]
    else:
        parts = [document]
    try:
        return [shape(part) for part in parts if part]
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, shapely.errors.ShapelyError) as err:
        raise ValueError(str(err) or type(err).__name__) from None


def read_study_area(path: Path | str) -> "gpd.GeoDataFrame":
    """The polygons of a GeoJSON file, in EPSG:4326. Raises :class:`PointsDataError` for an
    empty, oversized, unreadable or polygon-less file (clipping to the county is
    :func:`geo.analysis.coverage.clip_to_county`)."""
    import geopandas as gpd

    path = Path(path)
    problems: list[Problem] = []
    document = read_json_file(path, problems)
    if problems:
        raise PointsDataError(path.name, problems)
    try:
        geometries = geojson_geometries(document)
    except ValueError as err:
        raise PointsDataError(path.name, [Problem("err_study_area_unreadable", {"reason": str(err)[:200]})]) from None
    polygons = [g for g in geometries if g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty]
    if not polygons:
        raise PointsDataError(path.name, [Problem("err_study_area_no_polygon")])
    return gpd.GeoDataFrame(geometry=polygons, crs=4326)
