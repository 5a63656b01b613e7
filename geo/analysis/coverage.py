"""Service areas and coverage: who is within reach of a station, and who is not.

Distances are geodesic on the WGS-84 ellipsoid (:mod:`geo.analysis.nearest`); service areas are geodesic
circles (points at the radius along 64 azimuths, :class:`pyproj.Geod`), and area arithmetic
(union, intersection, m²) happens in the UTM zone the data fall in (``estimate_utm_crs``), whose
scale error is below 0.1 %. Nothing is measured in degrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod
from shapely.geometry import Polygon, box

from geo.analysis.nearest import DETOUR_FACTOR, EBIKE_SPEED_KMH, build_station_index, count_within, query_nearest
from geo.errors import CoverageError
from geo.register.model import TOWN_EXTENT_LONLAT, WGS84, StationType

GEOD = Geod(ellps="WGS84")
CIRCLE_VERTICES = 64

#: Radii planners recognise, metres (straight line).
RADIUS_PRESETS_M: dict[str, float] = {
    "walk_300": 300.0,  # 5-minute walk, 15-minute community life circle (GB 50180-2018)
    "walk_500": 500.0,  # 10-minute walk
    "walk_1000": 1000.0,  # 15-minute walk
    "union_1km": 1000.0,  # trade unions' 1 km service radius for outdoor workers' stations
}
#: The radius both planner pages start from: the trade unions' 1 km for outdoor workers'
#: stations (riders ride; a walking radius undersells a rest stop to them).
DEFAULT_RADIUS_PRESET = "union_1km"

#: H3 resolution of the hexagon grid (res 9: ~0.105 km² cells, ~200 m edge).
DEFAULT_HEX_RESOLUTION = 9



RadiusSpec = float | Mapping[str, float]


def ebike_radius_m(minutes: float, *, speed_kmh: float = EBIKE_SPEED_KMH, detour_factor: float = DETOUR_FACTOR) -> float:
    """Straight-line reach (metres) of ``minutes`` on an e-bike at ``speed_kmh``, with streets
    ``detour_factor`` longer than the straight line."""
    if minutes <= 0 or speed_kmh <= 0:
        raise CoverageError("err_ebike_positive", minutes=minutes, speed_kmh=speed_kmh)
    return minutes / 60 * speed_kmh * 1000 / detour_factor


def station_radii_m(stations: gpd.GeoDataFrame, radius_m: RadiusSpec) -> np.ndarray:
    """Service radius (metres) of each station: one value for all, or one per station type
    (types missing from the mapping get no service area: radius 0)."""
    if isinstance(radius_m, Mapping):
        unknown = sorted(set(radius_m) - {t.value for t in StationType})
        if unknown:
            raise CoverageError("err_unknown_type_radius", types=", ".join(unknown))
        radii = stations["station_type"].map(lambda t: float(radius_m.get(t, 0.0))).to_numpy(dtype=float)
    else:
        radii = np.full(len(stations), float(radius_m))
    if (radii < 0).any() or not np.isfinite(radii).all():
        raise CoverageError("err_bad_radii")
    return radii


def metric_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> CRS:
    """The UTM zone of the data (metres), chosen from where they are."""
    return frame.estimate_utm_crs()


def geodesic_circle(lon: float, lat: float, radius_m: float, *, vertices: int = CIRCLE_VERTICES) -> Polygon:
    """Polygon (lon/lat degrees) of points ``radius_m`` from the centre along the geodesic."""
    azimuths = np.linspace(0.0, 360.0, vertices, endpoint=False)
    ring_lon, ring_lat, _ = GEOD.fwd(np.full(vertices, lon), np.full(vertices, lat), azimuths, np.full(vertices, radius_m))
    return Polygon(np.column_stack([ring_lon, ring_lat]))


def service_areas(stations: gpd.GeoDataFrame, radius_m: RadiusSpec) -> gpd.GeoDataFrame:
    """One geodesic circle per station with a positive radius (EPSG:4326), with ``id``,
    ``station_type`` and ``radius_m``."""
    radii = station_radii_m(stations, radius_m)
    keep = radii > 0
    chosen = stations[keep]
    circles = [geodesic_circle(p.x, p.y, r) for p, r in zip(chosen.geometry, radii[keep])]
    return gpd.GeoDataFrame(
        {"id": chosen["id"].to_numpy(), "station_type": chosen["station_type"].to_numpy(), "radius_m": radii[keep]},
        geometry=circles,
        crs=WGS84,
    )


def union_by_type(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The union of the service areas of each station type (EPSG:4326)."""
    if areas.empty:
        return gpd.GeoDataFrame({"station_type": []}, geometry=[], crs=WGS84)
    crs = metric_crs(areas)
    dissolved = areas.to_crs(crs).dissolve(by="station_type", as_index=False)[["station_type", "geometry"]]
    return dissolved.to_crs(WGS84)


def overlap_area(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Where two or more service areas overlap (EPSG:4326, one row; empty geometry if none)."""
    if len(areas) < 2:
        return gpd.GeoDataFrame(geometry=[Polygon()], crs=WGS84)
    crs = metric_crs(areas)
    geoms = areas.to_crs(crs).geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    pieces = shapely.intersection(geoms[left[pairs]], geoms[right[pairs]])
    return gpd.GeoDataFrame(geometry=[shapely.union_all(pieces)], crs=crs).to_crs(WGS84)


# --- study areas ---------------------------------------------------------------------------------


def default_study_area(stations: gpd.GeoDataFrame, county: gpd.GeoDataFrame, *, margin_m: float = 1000.0,
                       town_extent_lonlat: tuple[float, float, float, float] | None = TOWN_EXTENT_LONLAT
                       ) -> gpd.GeoDataFrame:
    """Where the town's workers are: Gaohe's approximate extent (``town_extent_lonlat``, the
    BRIEF's bounding box, :data:`geo.register.model.TOWN_EXTENT_LONLAT`; ``None`` leaves it out) together
    with the stations' bounding box widened by ``margin_m`` on every side (metres, in UTM),
    clipped to the county; EPSG:4326.

    The town's extent, not only the stations', because demand lies where people live and work,
    also where no station is yet: a gap analysis can only offer sites inside the study area. It
    is approximate (a rectangle, no town boundary is published); pages say so."""
    parts = []
    if town_extent_lonlat is not None:
        # densified, so the projected box follows the meridians and parallels it is made of
        parts.append(shapely.segmentize(box(*town_extent_lonlat), 0.002))
    if not stations.empty:
        crs = metric_crs(stations)
        minx, miny, maxx, maxy = stations.to_crs(crs).total_bounds
        envelope = box(minx - margin_m, miny - margin_m, maxx + margin_m, maxy + margin_m)
        parts.append(gpd.GeoSeries([envelope], crs=crs).to_crs(WGS84).iloc[0])
    if not parts:
        raise CoverageError("err_no_stations_for_area")
    return clip_to_county(gpd.GeoDataFrame(geometry=[shapely.union_all(parts)], crs=WGS84), county)


def clip_to_county(study_area: gpd.GeoDataFrame, county: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The study area (polygons, EPSG:4326) within the county, as one polygon row."""
    crs = metric_crs(county)
    area = study_area.to_crs(crs).union_all().intersection(county.to_crs(crs).union_all())
    if area.is_empty or area.area == 0:
        raise CoverageError("err_study_area_outside")
    return gpd.GeoDataFrame(geometry=[area], crs=crs).to_crs(WGS84)


# --- coverage of demand points ----------------------------------------------------------------


@dataclass(frozen=True)
class PointCoverage:
    """Per demand point: distance to the nearest station (m), which one, and by how many
    stations it is covered (capped at 2: "covered twice or more")."""

    nearest_m: np.ndarray
    nearest_station: np.ndarray
    covered_times: np.ndarray

    @property
    def covered(self) -> np.ndarray:
        return self.covered_times >= 1


def cover_points(
    stations: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray, radius_m: RadiusSpec, *, with_nearest: bool = True
) -> PointCoverage:
    """Which demand points (WGS-84 lon/lat arrays) lie within the service radius of a station.

    A point is covered by a station when its ellipsoidal distance to it is at most that
    station's radius. Stations are grouped by radius so per-type radii cost a search per type.
    ``with_nearest=False`` skips the nearest-station distances (NaN) when only shares matter.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    radii = station_radii_m(stations, radius_m)
    covered_times = np.zeros(len(lon), dtype=np.int8)
    nearest_m = np.full(len(lon), np.nan)
    nearest_station = np.full(len(lon), -1)
    if with_nearest and len(stations) and len(lon):
        found = query_nearest(build_station_index(stations), lon, lat, k=1)
        nearest_m = found["distance_m"].to_numpy()
        nearest_station = found["station_index"].to_numpy()
    for radius in np.unique(radii[radii > 0]):
        group = stations.iloc[np.flatnonzero(radii == radius)]
        covered_times += count_within(build_station_index(group), lon, lat, float(radius), cap=2)
    return PointCoverage(nearest_m, nearest_station, np.minimum(covered_times, 2))


def coverage_table(
    coverage: PointCoverage, weight: np.ndarray, groups: pd.Series | None = None
) -> pd.DataFrame:
    """Weighted shares: ``demand``, ``covered``, ``share_covered``, ``share_covered_2plus``,
    ``median_nearest_m`` (weighted: half the demand is nearer); one row overall (``group`` =
    "all") or one per group."""
    weight = np.asarray(weight, dtype=float)
    group = np.full(len(weight), "all", dtype=object) if groups is None else groups.fillna("?").astype(str).to_numpy()
    frame = pd.DataFrame(
        {
            "group": group,
            "weight": weight,
            "covered": coverage.covered * weight,
            "covered_2plus": (coverage.covered_times >= 2) * weight,
        }
    )
    table = frame.groupby("group", sort=True).agg(
        demand=("weight", "sum"),
        covered=("covered", "sum"),
        covered_2plus=("covered_2plus", "sum"),
        points=("weight", "size"),
    )
    rows = frame.groupby("group", sort=True).indices  # one pass, not one comparison per group
    table["median_nearest_m"] = [weighted_median(coverage.nearest_m[rows[name]], weight[rows[name]])
                                 for name in table.index]
    table["share_covered"] = table["covered"] / table["demand"].where(table["demand"] > 0)
    table["share_covered_2plus"] = table["covered_2plus"] / table["demand"].where(table["demand"] > 0)
    return table.reset_index()


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The value below which half of the weight lies (NaN values and their weight ignored);
    when exactly half lies at or below one value, the mean of it and the next (so with equal
    weights this is the ordinary median)."""
    keep = np.isfinite(values) & (weights > 0)
    if not keep.any():
        return float("nan")
    order = np.argsort(values[keep], kind="stable")
    sorted_values, cumulative = values[keep][order], np.cumsum(weights[keep][order])
    middle = int(np.searchsorted(cumulative, cumulative[-1] / 2))
    if cumulative[middle] == cumulative[-1] / 2 and middle + 1 < len(sorted_values):
        return float((sorted_values[middle] + sorted_values[middle + 1]) / 2)
    return float(sorted_values[middle])


def coverage_by_type(stations: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray, weight: np.ndarray,
                     radius_m: RadiusSpec) -> pd.DataFrame:
    """Share of demand within reach of each station type on its own (all types listed)."""
    radii = station_radii_m(stations, radius_m)
    rows = []
    for station_type in StationType:
        mask = (stations["station_type"] == station_type.value).to_numpy()
        if mask.any():
            own = stations[mask]
            covered = cover_points(own, lon, lat, dict.fromkeys([station_type.value], float(radii[mask][0]))
                                   if isinstance(radius_m, Mapping) else radius_m, with_nearest=False).covered
            share = float(np.sum(weight * covered) / np.sum(weight)) if np.sum(weight) > 0 else float("nan")
        else:
            share = 0.0
        rows.append({"station_type": station_type.value, "stations": int(mask.sum()), "share_covered": share})
    return pd.DataFrame(rows)


# --- coverage of an area ---------------------------------------------------------------------


def area_coverage(stations: gpd.GeoDataFrame, study_area: gpd.GeoDataFrame, radius_m: RadiusSpec) -> pd.DataFrame:
    """Share of the study area's surface within reach: overall (``all``), twice or more
    (``2+``) and per station type; columns ``group``, ``area_km2``, ``covered_km2``,
    ``share_covered``. Areas in m² of the data's UTM zone."""
    crs = metric_crs(study_area)
    study = study_area.to_crs(crs).union_all()
    total_m2 = study.area
    if total_m2 <= 0:
        raise CoverageError("err_study_area_empty")
    areas = service_areas(stations, radius_m)
    rows = []

    def add(group: str, covered) -> None:
        covered_m2 = covered.intersection(study).area if covered is not None and not covered.is_empty else 0.0
        rows.append({"group": group, "area_km2": total_m2 / 1e6, "covered_km2": covered_m2 / 1e6,
                     "share_covered": covered_m2 / total_m2})

    metric_areas = areas.to_crs(crs)
    add("all", metric_areas.union_all() if len(metric_areas) else None)
    add("2+", overlap_area(areas).to_crs(crs).union_all() if len(areas) > 1 else None)
    for station_type in StationType:
        own = metric_areas[metric_areas["station_type"] == station_type.value]
        add(station_type.value, own.union_all() if len(own) else None)
    return pd.DataFrame(rows)


# --- hexagon grid ------------------------------------------------------------------------------


def hex_cells_of_points(lon: np.ndarray, lat: np.ndarray, resolution: int = DEFAULT_HEX_RESOLUTION) -> np.ndarray:
    """H3 cell id (string) of each lon/lat point."""
    return np.array([h3.latlng_to_cell(y, x, resolution) for x, y in zip(lon, lat)], dtype=object)


def hex_grid(study_area: gpd.GeoDataFrame, resolution: int = DEFAULT_HEX_RESOLUTION) -> gpd.GeoDataFrame:
    """H3 cells whose centres lie in the study area: ``cell``, ``lon``/``lat`` of the centre,
    hexagon polygons (EPSG:4326)."""
    shape = h3.geo_to_h3shape(study_area.to_crs(WGS84).union_all().__geo_interface__)
    cells = sorted(h3.h3shape_to_cells(shape, resolution))
    return hex_frame(cells)


def hex_frame(cells) -> gpd.GeoDataFrame:
    """GeoDataFrame of H3 cells: ``cell``, centre ``lon``/``lat``, hexagon polygon."""
    cells = list(cells)
    centres = [h3.cell_to_latlng(c) for c in cells]
    polygons = [Polygon([(x, y) for y, x in h3.cell_to_boundary(c)]) for c in cells]
    return gpd.GeoDataFrame(
        {"cell": cells, "lon": [x for _, x in centres], "lat": [y for y, _ in centres]},
        geometry=polygons,
        crs=WGS84,
    )


def demand_by_hex(lon: np.ndarray, lat: np.ndarray, weight: np.ndarray, covered: np.ndarray,
                  resolution: int = DEFAULT_HEX_RESOLUTION) -> gpd.GeoDataFrame:
    """Demand aggregated on H3 cells: ``demand``, ``uncovered`` (weight outside every service
    area), ``points``; with hexagon polygons."""
    frame = pd.DataFrame({"cell": hex_cells_of_points(lon, lat, resolution), "weight": weight,
                          "uncovered": np.where(covered, 0.0, weight)})
    grouped = frame.groupby("cell").agg(demand=("weight", "sum"), uncovered=("uncovered", "sum"),
                                        points=("weight", "size")).reset_index()
    hexes = hex_frame(grouped["cell"])
    return hexes.merge(grouped, on="cell")


def largest_uncovered(hexes: gpd.GeoDataFrame, n: int = 10, *, column: str = "uncovered") -> gpd.GeoDataFrame:
    """The ``n`` cells with the most uncovered demand (ties by cell id), best first."""
    chosen = hexes[hexes[column] > 0]
    return chosen.sort_values([column, "cell"], ascending=[False, True]).head(n).reset_index(drop=True)
