"""The coverage map: service areas by type, overlaps, distance and demand hexagons, stations."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.i18n import label_of, t
from geo.maps.analysis_layers import (
    DEMAND_COLOURS,
    DISTANCE_COLOURS,
    OVERLAP_COLOUR,
    class_labels,
    classify,
    distance_breaks,
    fit_study_area,
    format_metres,
    hex_layer,
    outline_layer,
    quantile_breaks,
    station_layer,
    station_type_rows,
)
from geo.maps.base import Legend, base_map, legend_body, legend_section, map_label, map_tiles, swatch
from geo.maps.basemaps import Basemap, BasemapSettings
from geo.markup import map_text
from geo.place.datum import Datum, convert_geometry
from geo.register.model import STATION_TYPES, StationType


def build_coverage_map(
    stations: gpd.GeoDataFrame,
    *,
    areas_by_type: gpd.GeoDataFrame,
    overlap: gpd.GeoDataFrame,
    study_area: gpd.GeoDataFrame,
    distance_hexes: gpd.GeoDataFrame | None,
    demand_hexes: gpd.GeoDataFrame | None,
    radius_m: float,
    lang: str,
    basemap: Basemap | str | None = Basemap.OSM,
    settings: BasemapSettings | None = None,
    radius_label: str | None = None,
) -> folium.Map:
    """Coverage map: service areas united per type, overlaps (2+), the study area, a hexagon
    choropleth of distance to the nearest station (classes are multiples of ``radius_m``, m)
    and one of demand, the stations, and a legend of all of it (``radius_label`` names per-type
    radii there). Inputs in EPSG:4326; drawn in the basemap's datum."""
    basemap, settings = map_tiles(basemap, settings)
    datum = settings.datum(basemap)
    outline, outline_shape = outline_layer(study_area, datum, lang)
    fmap = base_map((outline.centroid.x, outline.centroid.y), basemap, settings, lang)
    outline_shape.add_to(fmap)
    legend: list[str] = []
    tied: dict[str, folium.map.Layer] = {}
    if distance_hexes is not None and len(distance_hexes):
        breaks = distance_breaks(radius_m)
        nearest = distance_hexes["nearest_m"].to_numpy(dtype=float)
        tips = [t("tip_nearest", lang, m=v) for v in nearest]
        tied["distance"] = hex_layer(distance_hexes, classify(nearest, breaks, DISTANCE_COLOURS),
                                      t("layer_distance_hex", lang), datum, tips, show=demand_hexes is None).add_to(fmap)
        legend.append(legend_section(t("legend_distance_title", lang), [
            (swatch(c), label) for c, label in zip(DISTANCE_COLOURS, class_labels(breaks, lang, format_metres))], key="distance"))
    if demand_hexes is not None and len(demand_hexes):
        values = demand_hexes["demand"].to_numpy(dtype=float)
        breaks = quantile_breaks(values, len(DEMAND_COLOURS))
        tips = [t("tip_demand", lang, demand=d, uncovered=u) for d, u in zip(values, demand_hexes["uncovered"])]
        tied["demand"] = hex_layer(demand_hexes, classify(values, breaks, DEMAND_COLOURS),
                                    t("layer_demand_hex", lang), datum, tips, show=True).add_to(fmap)
        legend.append(legend_section(t("legend_demand_title", lang), [
            (swatch(c), label) for c, label in zip(DEMAND_COLOURS, class_labels(breaks, lang, lambda v: f"{v:,.0f}"))],
            key="demand"))
    served = set()
    for row in areas_by_type.itertuples():
        info = STATION_TYPES[StationType(row.station_type)]
        served.add(row.station_type)
        folium.GeoJson(
            convert_geometry(row.geometry, source=Datum.WGS84, target=datum).__geo_interface__,
            name=map_text(f"{t('layer_service_area', lang)} · {label_of('station_type', row.station_type, lang)}"),
            style_function=lambda _, colour=info.colour: {"color": colour, "weight": 1.5, "fillColor": colour, "fillOpacity": 0.12},
        ).add_to(fmap)
    # one row per type: its dot and its service area share the type's colour
    rows = [(dot + (swatch(STATION_TYPES[StationType(kind)].colour, opacity=0.35,
                            border=STATION_TYPES[StationType(kind)].colour) if kind in served else ""), text)
            for kind, (dot, text) in station_type_rows(stations, lang).items()]
    if len(overlap) and not overlap.geometry.iloc[0].is_empty:
        folium.GeoJson(
            convert_geometry(overlap.geometry.iloc[0], source=Datum.WGS84, target=datum).__geo_interface__,
            name=map_label("layer_overlap", lang),
            style_function=lambda _: {"color": OVERLAP_COLOUR, "weight": 0.5, "fillColor": OVERLAP_COLOUR, "fillOpacity": 0.18},
        ).add_to(fmap)
        rows.append((swatch(OVERLAP_COLOUR, opacity=0.4, border=OVERLAP_COLOUR), t("layer_overlap", lang)))
    station_layer(stations, datum, lang, as_markers=False).add_to(fmap)
    rows.append(('<span class="gh-swatch gh-dashed"></span>', t("layer_study_area", lang)))
    legend.append(legend_section(t("legend_service_title", lang, radius=radius_label or t("radius_value", lang, m=radius_m)),
                                  rows))
    fmap.add_child(Legend(legend_body(legend, lang), tied))
    folium.LayerControl(collapsed=True).add_to(fmap)
    fit_study_area(fmap, outline)
    return fmap
