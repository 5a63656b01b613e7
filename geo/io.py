"""Load, validate and save the station register (GeoJSON, WGS-84 lon/lat).

Validation collects every problem in a file and raises one :class:`StationDataError` listing
each with its feature number and id, so a planner can fix the file in one pass.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import geopandas as gpd
import opening_hours
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import Point

from geo.model import (
    AMENITIES,
    COUNTY_SEAT_LONLAT,
    NULLABLE_PROPERTIES,
    REQUIRED_PROPERTIES,
    STATION_COLUMNS,
    WGS84,
    LocationStatus,
    StationType,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_STATIONS_PATH = DATA_DIR / "stations.geojson"
COUNTY_BOUNDARY_PATH = DATA_DIR / "huaining_county_boundary.geojson"
COMMUNITIES_PATH = DATA_DIR / "gaohe_communities.csv"

#: Files larger than this are refused before parsing (the whole town is ~100 kB).
MAX_FILE_BYTES = 20 * 1024 * 1024

#: A point outside the county but this close to its edge is most likely a datum mix-up
#: (GCJ-02/BD-09 read as WGS-84 shifts ~500-1,000 m) or an edge case of the simplified outline.
BOUNDARY_TOLERANCE_M = 1_500.0

#: Stations of Gaohe town lie within this distance of the county seat in the town. The town
#: boundary is not published; this is a generous circle around its urban core.
TOWN_RADIUS_M = 15_000.0

#: CRS declarations (legacy GeoJSON ``crs`` member) that mean WGS-84 lon/lat.
_WGS84_CRS_NAMES = {
    "urn:ogc:def:crs:ogc:1.3:crs84",
    "urn:ogc:def:crs:epsg::4326",
    "epsg:4326",
    "urn:ogc:def:crs:epsg::4490",
    "epsg:4490",
}

_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()\-]{4,24}$")
_MAX_NAME_CHARS = 120


class GeoDataError(ValueError):
    """Base class of the project's data errors: raised with a message a planner can act on."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    ``row`` is the 1-based feature number in the file (``None`` for the file as a whole).
    """

    message: str
    row: int | None = None
    station_id: str | None = None
    field: str | None = None
    #: What ``row`` counts: GeoJSON "feature"s, or "line"s of a CSV file (header = line 1).
    unit: str = "feature"

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"{self.unit} {self.row}")
        if self.station_id:
            where.append(f"id {self.station_id!r}")
        if self.field:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "id": self.station_id, "field": self.field, "message": self.message}


@dataclass
class StationDataError(GeoDataError):
    """A station file failed validation; ``problems`` lists every issue found."""

    source: str
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"{self.source}: {len(self.problems)} problem(s) found; nothing was loaded."]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


# --- reference data -------------------------------------------------------------------------


def load_county_boundary(path: Path | str = COUNTY_BOUNDARY_PATH) -> gpd.GeoDataFrame:
    """Huaining County outline (Tianditu, CGCS2000 ~ WGS-84), as a GeoDataFrame in EPSG:4326."""
    return gpd.read_file(path).set_crs(WGS84, allow_override=True)


def load_communities(path: Path | str = COMMUNITIES_PATH) -> pd.DataFrame:
    """The town's 24 villages/communities with their 12-digit NBS codes (as strings)."""
    return pd.read_csv(path, dtype=str)


# --- validation ------------------------------------------------------------------------------


def _read_json(path: Path, problems: list[Problem]) -> Any:
    if not path.exists():
        problems.append(Problem(f"file not found: {path}"))
        return None
    size = path.stat().st_size
    if size == 0:
        problems.append(Problem("the file is empty (0 bytes)"))
        return None
    if size > MAX_FILE_BYTES:
        problems.append(
            Problem(f"the file is {size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB")
        )
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        problems.append(Problem(f"the file is not UTF-8 text (byte {err.start}); save it as UTF-8"))
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        problems.append(
            Problem(f"not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}")
        )
        return None


def _check_collection(doc: Any, problems: list[Problem]) -> list[Any] | None:
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        problems.append(Problem(f'expected a GeoJSON FeatureCollection but the top level is "{kind}"'))
        return None
    crs = doc.get("crs")
    if crs is not None:
        name = str((crs.get("properties") or {}).get("name", "")) if isinstance(crs, dict) else str(crs)
        if name.lower() not in _WGS84_CRS_NAMES:
            problems.append(
                Problem(
                    f'the file declares CRS "{name}"; stations must be WGS-84 longitude/latitude '
                    "(EPSG:4326). Reproject the file (e.g. in QGIS: Export > CRS EPSG:4326)"
                )
            )
            return None
    features = doc.get("features")
    if not isinstance(features, list):
        problems.append(Problem('the FeatureCollection has no "features" list'))
        return None
    if not features:
        problems.append(Problem("the file holds no stations (empty features list)"))
        return None
    return features


class _PlaceChecker:
    """Checks a lon/lat against the county outline, in a metric CRS (metres, not degrees)."""

    def __init__(self, boundary: gpd.GeoDataFrame) -> None:
        self.metric_crs = boundary.estimate_utm_crs()
        self.county_m = boundary.to_crs(self.metric_crs).union_all()
        self._to_metric_xy = Transformer.from_crs(WGS84, self.metric_crs, always_xy=True).transform
        self.seat_m = self._to_metric(*COUNTY_SEAT_LONLAT)
        shapely.prepare(self.county_m)

    def _to_metric(self, lon: float, lat: float) -> Point:
        return Point(self._to_metric_xy(lon, lat))

    def _in_county(self, lon: float, lat: float) -> bool:
        return -180 <= lon <= 180 and -90 <= lat <= 90 and self.county_m.contains(self._to_metric(lon, lat))

    def problem(self, lon: float, lat: float) -> str | None:
        if not self._in_county(lon, lat) and self._in_county(lat, lon):
            return (
                f"({lon:g}, {lat:g}) lies outside Huaining County, but swapped it falls inside: "
                "longitude and latitude look swapped (GeoJSON order is [longitude, latitude])"
            )
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return (
                f"coordinates ({lon:g}, {lat:g}) are not longitude/latitude degrees; "
                "the file may be in a projected CRS (metres). Export it as WGS-84 (EPSG:4326)"
            )
        point_m = self._to_metric(lon, lat)
        if self.county_m.contains(point_m):
            distance_m = point_m.distance(self.seat_m)
            if distance_m > TOWN_RADIUS_M:
                return (
                    f"({lon:.6f}, {lat:.6f}) is in Huaining County but {distance_m / 1000:.1f} km "
                    f"from Gaohe town centre (limit {TOWN_RADIUS_M / 1000:.0f} km): not a Gaohe station?"
                )
            return None
        outside_m = self.county_m.distance(point_m)
        if outside_m <= BOUNDARY_TOLERANCE_M:
            return (
                f"({lon:.6f}, {lat:.6f}) lies {outside_m:.0f} m outside Huaining County: if these "
                "coordinates come from Amap/Tencent (GCJ-02) or Baidu (BD-09) they must be "
                "converted to WGS-84 first (the shift is 500-1,000 m); otherwise check the position"
            )
        return (
            f"({lon:.6f}, {lat:.6f}) lies {outside_m / 1000:.1f} km outside Huaining County "
            "(Gaohe town, Anhui is near 116.82 E, 30.74 N)"
        )


def _check_text(props: dict, key: str, *, max_chars: int = _MAX_NAME_CHARS) -> str | None:
    value = props.get(key)
    if value is None and key in NULLABLE_PROPERTIES:
        return None
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty text" + (" or null" if key in NULLABLE_PROPERTIES else "")
    if len(value) > max_chars:
        return f"is {len(value)} characters long; the limit is {max_chars}"
    if any(ord(ch) < 32 for ch in value):
        return "contains control characters (line breaks, tabs...)"
    return None


def _feature_problems(
    props: dict, communities: set[str]
) -> Iterable[tuple[str, str]]:
    """(field, message) pairs for one feature's properties."""
    missing = [key for key in REQUIRED_PROPERTIES if key not in props]
    if missing:
        yield ", ".join(missing), "missing"
    station_id = props.get("id")
    if "id" not in missing and not (isinstance(station_id, str) and _ID_PATTERN.match(station_id)):
        yield "id", f"{station_id!r} is not a valid id (letters, digits, '-', '_' or '.', e.g. RS-03)"
    if "station_type" not in missing and props["station_type"] not in {t.value for t in StationType}:
        allowed = ", ".join(t.value for t in StationType)
        yield "station_type", f'was "{props["station_type"]}" but is expected to be one of: {allowed}'
    for key in ("name_zh", "name_en", "address", "operator", "source"):
        if key not in missing and (msg := _check_text(props, key, max_chars=_MAX_NAME_CHARS if key.startswith("name") else 400)):
            yield key, msg
    if "community_code" not in missing and str(props["community_code"]) not in communities:
        yield "community_code", (
            f'"{props["community_code"]}" is not one of the 24 NBS codes of Gaohe town\'s '
            "villages/communities (340822100001 ... 340822100215)"
        )
    if "amenities" not in missing:
        amenities = props["amenities"]
        if not isinstance(amenities, list) or not all(isinstance(a, str) for a in amenities):
            yield "amenities", "must be a list of amenity names, e.g. [\"charger\", \"hot_water\"]"
        else:
            unknown = sorted(set(amenities) - AMENITIES.keys())
            if unknown:
                yield "amenities", (
                    f"unknown amenity {', '.join(unknown)}; allowed: {', '.join(AMENITIES)}"
                )
            if len(set(amenities)) != len(amenities):
                yield "amenities", "lists an amenity more than once"
    if "opening_hours" not in missing:
        hours = props["opening_hours"]
        if not isinstance(hours, str) or not opening_hours.validate(hours):
            yield "opening_hours", (
                f"{hours!r} is not OpenStreetMap opening_hours syntax "
                "(e.g. \"Mo-Su 08:00-20:00\", \"Mo-Fr 08:30-17:30\", \"24/7\")"
            )
    phone = props.get("phone")
    if "phone" not in missing and phone is not None and not (
        isinstance(phone, str) and _PHONE_PATTERN.match(phone)
    ):
        yield "phone", f"{phone!r} is not a phone number (digits, spaces, +, -, parentheses) or null"
    for key in ("location_status", "hours_status"):
        if key not in missing and props[key] not in {s.value for s in LocationStatus}:
            yield key, f'was "{props[key]}" but is expected to be "verified" or "unverified"'


def validate_feature_collection(
    doc: Any,
    *,
    boundary: gpd.GeoDataFrame | None = None,
    community_codes: Iterable[str] | None = None,
) -> tuple[list[dict], list[Problem]]:
    """Check a parsed GeoJSON document; return its good features and every problem found."""
    problems: list[Problem] = []
    features = _check_collection(doc, problems)
    if features is None:
        return [], problems
    checker = _PlaceChecker(boundary if boundary is not None else load_county_boundary())
    communities = set(community_codes) if community_codes is not None else set(load_communities()["code"])
    seen_ids: dict[str, int] = {}
    for row, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(Problem("is not a GeoJSON Feature", row=row))
            continue
        props = feature.get("properties")
        if not isinstance(props, dict):
            problems.append(Problem('has no "properties" object', row=row))
            continue
        station_id = props.get("id") if isinstance(props.get("id"), str) else None
        for key, message in _feature_problems(props, communities):
            problems.append(Problem(message, row=row, station_id=station_id, field=key))
        if station_id is not None:
            if station_id in seen_ids:
                problems.append(
                    Problem(f"duplicate id: feature {seen_ids[station_id]} has the same id",
                            row=row, station_id=station_id, field="id")
                )
            else:
                seen_ids[station_id] = row
        geometry = feature.get("geometry")
        if not geometry:
            problems.append(Problem("has no geometry (position missing)", row=row, station_id=station_id, field="geometry"))
            continue
        if not isinstance(geometry, dict) or geometry.get("type") != "Point":
            kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
            problems.append(
                Problem(f'geometry is a "{kind}"; a station must be a single Point',
                        row=row, station_id=station_id, field="geometry")
            )
            continue
        coords = geometry.get("coordinates")
        if (
            not isinstance(coords, list)
            or len(coords) not in (2, 3)
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) for c in coords)
        ):
            problems.append(
                Problem(f"coordinates {coords!r} are not [longitude, latitude] numbers",
                        row=row, station_id=station_id, field="geometry")
            )
            continue
        if message := checker.problem(float(coords[0]), float(coords[1])):
            problems.append(Problem(message, row=row, station_id=station_id, field="geometry"))
    return features, problems


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
    doc = _read_json(path, problems)
    features: list[dict] = []
    if not problems:
        features, problems = validate_feature_collection(
            doc, boundary=boundary, community_codes=community_codes
        )
    if problems:
        raise StationDataError(source=path.name, problems=problems)
    return stations_from_features(features)


def stations_from_features(features: list[dict]) -> gpd.GeoDataFrame:
    """Build the station GeoDataFrame from already-validated GeoJSON features."""
    records = []
    for feature in features:
        props = dict(feature["properties"])
        props["community_code"] = str(props["community_code"])
        lon, lat = feature["geometry"]["coordinates"][:2]
        props["geometry"] = Point(float(lon), float(lat))
        records.append(props)
    extra = [key for record in records for key in record if key not in STATION_COLUMNS]
    columns = list(STATION_COLUMNS[:-1]) + list(dict.fromkeys(extra)) + ["geometry"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=WGS84)


# --- saving ----------------------------------------------------------------------------------


def stations_to_feature_collection(stations: gpd.GeoDataFrame) -> dict:
    """RFC 7946 FeatureCollection (lon/lat, WGS-84) of a station GeoDataFrame."""
    if stations.crs is None or not stations.crs.equals(WGS84):
        stations = stations.to_crs(WGS84)
    features = []
    for record in stations.drop(columns="geometry").to_dict(orient="records"):
        point = stations.geometry.iloc[len(features)]
        props = {key: (None if isinstance(value, float) and math.isnan(value) else value)
                 for key, value in record.items()}
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
    a temporary file in the same folder, flushed to disk, then renamed over the target."""
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(doc, handle, ensure_ascii=False, indent=1)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


# --- point files (query points, demand points) --------------------------------------------------

#: Column names accepted for longitude/latitude (case-insensitive), Chinese headers included.
LON_COLUMNS = ("lon", "lng", "longitude", "x", "经度")
LAT_COLUMNS = ("lat", "latitude", "y", "纬度")


@dataclass
class PointsDataError(GeoDataError):
    """A CSV of points could not be read; ``problems`` lists every bad row."""

    source: str
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"{self.source}: {len(self.problems)} problem(s) found; nothing was used."]
        lines += [f"  - {p}" for p in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"  ... and {len(self.problems) - 50} more")
        return "\n".join(lines)


def _find_column(columns: Iterable[str], names: tuple[str, ...]) -> str | None:
    lowered = {str(c).strip().lower(): c for c in columns}
    return next((lowered[n] for n in names if n in lowered), None)


def read_points_csv(path: Path | str, *, datum: str = "wgs84") -> pd.DataFrame:
    """Read a CSV of points with longitude/latitude columns (``lon,lat``; ``经度,纬度`` and other
    usual names accepted) in the given datum; return all its columns, with ``lon``/``lat``
    replaced by WGS-84 degrees. Every bad row is reported in one :class:`PointsDataError`."""
    from geo.datum import Datum, convert

    path = Path(path)
    problems: list[Problem] = []
    if not path.exists():
        raise PointsDataError(path.name, [Problem(f"file not found: {path}")])
    if path.stat().st_size == 0:
        raise PointsDataError(path.name, [Problem("the file is empty (0 bytes)")])
    if path.stat().st_size > MAX_FILE_BYTES * 10:
        raise PointsDataError(path.name, [Problem(f"the file is larger than {MAX_FILE_BYTES * 10 / 1e6:.0f} MB")])
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError) as err:
        raise PointsDataError(path.name, [Problem(f"not a readable UTF-8 CSV file: {err}")]) from err
    lon_column, lat_column = _find_column(frame.columns, LON_COLUMNS), _find_column(frame.columns, LAT_COLUMNS)
    if lon_column is None or lat_column is None:
        raise PointsDataError(
            path.name,
            [Problem(f"needs longitude and latitude columns (e.g. lon,lat or 经度,纬度); found: {', '.join(map(str, frame.columns))}")],
        )
    lon = pd.to_numeric(frame[lon_column].str.strip(), errors="coerce")
    lat = pd.to_numeric(frame[lat_column].str.strip(), errors="coerce")
    for row in frame.index[lon.isna() | lat.isna()]:
        problems.append(
            Problem(f"longitude/latitude {frame.at[row, lon_column]!r}, {frame.at[row, lat_column]!r} are not numbers", row=int(row) + 2, unit="line")
        )
    out_of_range = lon.notna() & lat.notna() & ~((lon.abs() <= 180) & (lat.abs() <= 90))
    for row in frame.index[out_of_range]:
        problems.append(Problem(f"({lon[row]}, {lat[row]}) is not longitude/latitude degrees", row=int(row) + 2, unit="line"))
    if problems:
        raise PointsDataError(path.name, problems)
    wgs_lon, wgs_lat = convert(lon.to_numpy(), lat.to_numpy(), source=Datum(datum), target=Datum.WGS84)
    result = frame.drop(columns=[lon_column, lat_column])
    result.insert(0, "lon", wgs_lon)
    result.insert(1, "lat", wgs_lat)
    return result


WEIGHT_COLUMNS = ("weight", "权重", "w")


def read_demand_points(path: Path | str, *, datum: str = "wgs84") -> pd.DataFrame:
    """Weighted demand points from a CSV (``lon,lat[,weight][,label]``) or a GeoJSON of Points
    (``weight``/``label`` properties), in the given datum. Returns ``lon``/``lat`` (WGS-84),
    ``weight`` (default 1) and the other columns; every bad row is reported at once."""
    path = Path(path)
    if path.suffix.lower() in (".geojson", ".json"):
        from geo.datum import Datum, convert

        points = _demand_from_geojson(path)
        points["lon"], points["lat"] = convert(
            points["lon"].to_numpy(), points["lat"].to_numpy(), source=Datum(datum), target=Datum.WGS84
        )
    else:
        points = read_points_csv(path, datum=datum)
    weight_column = _find_column(points.columns, WEIGHT_COLUMNS)
    if weight_column is None:
        return points.assign(weight=1.0)
    weight = pd.to_numeric(points[weight_column].astype(str).str.strip(), errors="coerce")
    bad = weight.isna() | (weight < 0) | ~pd.Series(weight).map(lambda w: math.isfinite(w) if pd.notna(w) else False)
    if bad.any():
        problems = [
            Problem(f"weight {points.at[i, weight_column]!r} is not a number >= 0", row=int(i) + (2 if path.suffix.lower() == ".csv" else 1),
                    unit="line" if path.suffix.lower() == ".csv" else "feature")
            for i in points.index[bad]
        ]
        raise PointsDataError(path.name, problems)
    return points.drop(columns=[weight_column]).assign(weight=weight.to_numpy(dtype=float))


def _demand_from_geojson(path: Path) -> pd.DataFrame:
    problems: list[Problem] = []
    doc = _read_json(path, problems)
    if problems:
        raise PointsDataError(path.name, problems)
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list) or not features:
        raise PointsDataError(path.name, [Problem("expected a GeoJSON FeatureCollection of points")])
    rows = []
    for row, feature in enumerate(features, start=1):
        geometry = (feature or {}).get("geometry") if isinstance(feature, dict) else None
        coords = geometry.get("coordinates") if isinstance(geometry, dict) and geometry.get("type") == "Point" else None
        if not (isinstance(coords, list) and len(coords) >= 2 and all(isinstance(c, (int, float)) for c in coords[:2])
                and abs(coords[0]) <= 180 and abs(coords[1]) <= 90):
            problems.append(Problem("is not a Point with [longitude, latitude]", row=row))
            continue
        props = feature.get("properties") or {}
        rows.append({"lon": float(coords[0]), "lat": float(coords[1]), **{k: v for k, v in props.items() if k not in ("lon", "lat")}})
    if problems:
        raise PointsDataError(path.name, problems)
    return pd.DataFrame(rows)
