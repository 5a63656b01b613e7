"""A coverage summary: every figure, table and layer the coverage screen, its exports and the
CLI show, computed once from the stations, the study area, the radius and the demand.

Shares are fractions (0..1), distances metres, areas km²; geometries EPSG:4326. The work is done
by :mod:`geo.analysis.coverage`; this module only puts its answers together, so that the page, the CLI and
the exports read one result instead of each running the pipeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analysis.coverage import (
    DEFAULT_HEX_RESOLUTION,
    GEOD,
    RadiusSpec,
    area_coverage,
    cover_points,
    coverage_by_type,
    coverage_table,
    hex_grid,
    largest_uncovered,
    overlap_area,
    service_areas,
    station_radii_m,
    union_by_type,
)
from geo.analysis.demand import AREA_DEMAND, DemandPoints, DemandSource
from geo.i18n import label_of, t
from geo.place.describe import locate, reference_places
from geo.register.model import StationType

#: Bars of the distance histogram.
HISTOGRAM_BINS = 40
#: Cells listed as the largest gaps.
UNCOVERED_LISTED = 10


@dataclass(frozen=True)
class CoverageSummary:
    """Coverage of a demand (points, or the study area's surface) by the stations."""

    #: one radius for all stations (m) or one per station type
    radius: RadiusSpec
    demand: DemandSource
    stations: int
    resolution: int
    study_area: gpd.GeoDataFrame
    study_area_km2: float
    #: weighted share of the demand (or of the area) within reach of a station, 0..1
    share_covered: float
    share_covered_2plus: float
    #: weighted median distance to the nearest station, m (NaN for area coverage)
    median_nearest_m: float
    #: ``station_type``, ``stations``, ``radius_m``, ``share_covered`` (each type on its own)
    by_type: pd.DataFrame
    #: ``group`` (community as the file gives it), ``demand``, ``points``, ``share_covered``,
    #: ``share_covered_2plus``, ``median_nearest_m``; ``None`` when the demand names no community
    by_community: pd.DataFrame | None
    #: H3 cells of the study area with ``nearest_m`` (distance from the cell centre)
    distance_hexes: gpd.GeoDataFrame
    #: H3 cells with ``demand``, ``uncovered``, ``points``; ``None`` for area coverage
    demand_hexes: gpd.GeoDataFrame | None
    #: the worst cells: most uncovered demand (``value`` = demand), or for area coverage the
    #: cells farthest from any station (``value`` = metres); ``cell``, ``lon``, ``lat``, where
    #: they are (:data:`geo.place.describe.WHERE_COLUMNS`), geometry
    worst_cells: gpd.GeoDataFrame
    #: ``start_m``, ``end_m``, ``share`` of the demand (or area) whose nearest station is that far
    distance_histogram: pd.DataFrame
    areas_by_type: gpd.GeoDataFrame
    overlap: gpd.GeoDataFrame

    @property
    def by_area(self) -> bool:
        return self.demand.kind == "area"

    @property
    def worst_value_kind(self) -> str:
        """What ``worst_cells.value`` measures: "demand" or "nearest_m"."""
        return "nearest_m" if self.by_area else "demand"

    @property
    def headline_radius_m(self) -> float:
        """The one radius, or the largest of the per-type radii."""
        return float(max(self.radius.values())) if isinstance(self.radius, Mapping) else float(self.radius)

    def radius_text(self, lang: str) -> str:
        """"500 米", or each type's radius when they differ."""
        if not isinstance(self.radius, Mapping):
            return t("radius_value", lang, m=float(self.radius))
        parts = [f"{label_of('station_type', kind, lang)} {t('radius_value', lang, m=float(metres))}"
                 for kind, metres in self.radius.items()]
        return t("list_separator", lang).join(parts)


def geodesic_area_km2(area: gpd.GeoDataFrame) -> float:
    """The surface of polygons (EPSG:4326) on the WGS-84 ellipsoid, km²."""
    return float(sum(abs(GEOD.geometry_area_perimeter(shape)[0]) for shape in area.to_crs(4326).geometry) / 1e6)


def distance_histogram(nearest_m: np.ndarray, weights: np.ndarray, radius_m: float,
                       *, bins: int = HISTOGRAM_BINS) -> pd.DataFrame:
    """Share of the weight by distance to the nearest station, in ``bins`` equal bars up to the
    99th percentile (or twice the radius if farther); the last bar holds everything beyond."""
    keep = np.isfinite(nearest_m)
    values, weights = nearest_m[keep], weights[keep]
    total = float(weights.sum())
    if not len(values) or total <= 0:
        return pd.DataFrame({"start_m": [], "end_m": [], "share": []})
    top_m = max(float(np.percentile(values, 99)), 2 * radius_m, 1.0)
    edges = np.linspace(0.0, top_m, bins + 1)
    counts, _ = np.histogram(np.minimum(values, top_m), bins=edges, weights=weights)
    return pd.DataFrame({"start_m": edges[:-1], "end_m": edges[1:], "share": counts / total})


def _described(cells: gpd.GeoDataFrame, stations: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    where = locate(cells["lon"], cells["lat"], reference_places(stations))
    table = pd.concat([cells[["cell", "lon", "lat", "value"]].reset_index(drop=True), where], axis=1)
    return gpd.GeoDataFrame(table, geometry=cells.geometry.reset_index(drop=True).to_numpy(), crs=cells.crs)


def summarise_coverage(
    stations: gpd.GeoDataFrame,
    study_area: gpd.GeoDataFrame,
    radius: RadiusSpec,
    demand: DemandPoints | None = None,
    *,
    resolution: int = DEFAULT_HEX_RESOLUTION,
) -> CoverageSummary:
    """Coverage of ``demand`` (weighted points), or of the study area's surface when ``demand``
    is ``None``, by ``stations`` (EPSG:4326) within ``radius`` metres (one, or one per type)."""
    radii = station_radii_m(stations, radius)
    areas = service_areas(stations, radius)
    study_km2 = geodesic_area_km2(study_area)
    grid = hex_grid(study_area, resolution)
    grid_coverage = cover_points(stations, grid["lon"].to_numpy(), grid["lat"].to_numpy(), radius)
    distance_hexes = grid.assign(nearest_m=grid_coverage.nearest_m)
    type_radius = {kind.value: float(radii[(stations["station_type"] == kind.value).to_numpy()].max(initial=0.0))
                   for kind in StationType}
    headline_m = float(max(radius.values())) if isinstance(radius, Mapping) else float(radius)

    if demand is not None:
        coverage = cover_points(stations, demand.lon, demand.lat, radius)
        overall = coverage_table(coverage, demand.weight).iloc[0]
        by_type = coverage_by_type(stations, demand.lon, demand.lat, demand.weight, radius)
        by_community = None
        if demand.community is not None:
            by_community = coverage_table(coverage, demand.weight, pd.Series(demand.community))[
                ["group", "demand", "points", "share_covered", "share_covered_2plus", "median_nearest_m"]]
        demand_hexes = demand.cells(resolution).with_uncovered(coverage.covered)
        worst = largest_uncovered(demand_hexes, UNCOVERED_LISTED).rename(columns={"uncovered": "value"})
        histogram = distance_histogram(coverage.nearest_m, demand.weight, headline_m)
        share, share_2plus = float(overall["share_covered"]), float(overall["share_covered_2plus"])
        median_m = float(overall["median_nearest_m"])
        source = demand.source
    else:
        table = area_coverage(stations, study_area, radius).set_index("group")
        by_type = pd.DataFrame({
            "station_type": [kind.value for kind in StationType],
            "stations": [int((stations["station_type"] == kind.value).sum()) for kind in StationType],
            "share_covered": [float(table.loc[kind.value, "share_covered"]) for kind in StationType],
        })
        by_community, demand_hexes = None, None
        outside = distance_hexes[~grid_coverage.covered]
        worst = (outside.assign(value=outside["nearest_m"])
                 .sort_values(["value", "cell"], ascending=[False, True]).head(UNCOVERED_LISTED).reset_index(drop=True))
        histogram = distance_histogram(grid_coverage.nearest_m, np.ones(len(grid)), headline_m)
        share, share_2plus = float(table.loc["all", "share_covered"]), float(table.loc["2+", "share_covered"])
        median_m = float("nan")
        source = AREA_DEMAND
    by_type = by_type.assign(radius_m=by_type["station_type"].map(type_radius))[
        ["station_type", "stations", "radius_m", "share_covered"]]
    return CoverageSummary(
        radius=dict(radius) if isinstance(radius, Mapping) else float(radius),
        demand=source, stations=len(stations), resolution=resolution, study_area=study_area,
        study_area_km2=study_km2, share_covered=share, share_covered_2plus=share_2plus, median_nearest_m=median_m,
        by_type=by_type, by_community=by_community, distance_hexes=distance_hexes, demand_hexes=demand_hexes,
        worst_cells=_described(worst, stations), distance_histogram=histogram,
        areas_by_type=union_by_type(areas), overlap=overlap_area(areas),
    )
