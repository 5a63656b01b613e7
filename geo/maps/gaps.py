"""The gap map: accessibility hexagons, underserved clusters, recommended sites, what-if stations."""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.i18n import t
from geo.maps.analysis_layers import (
    CLUSTER_COLOUR,
    DISTANCE_COLOURS,
    class_labels,
    classify,
    fit_study_area,
    hex_layer,
    outline_layer,
    quantile_breaks,
    station_layer,
    station_type_rows,
)
from geo.maps.base import DataLayer, Legend, base_map, legend_body, legend_section, map_tiles, point_features, swatch
from geo.maps.basemaps import Basemap, BasemapSettings
from geo.markup import map_text
from geo.place.datum import Datum, convert
from geo.place.describe import where_text


def build_gaps_map(
    stations: gpd.GeoDataFrame,
    *,
    picks: pd.DataFrame,
    clusters: pd.DataFrame,
    access_hexes: gpd.GeoDataFrame | None,
    study_area: gpd.GeoDataFrame,
    lang: str,
    basemap: Basemap | str | None = Basemap.OSM,
    settings: BasemapSettings | None = None,
) -> folium.Map:
    """Gap-analysis map: stations of the scenario (what-if ones marked ``gh-whatif``),
    recommended sites (numbered, ``gh-pick``), underserved clusters sized by demand, an
    accessibility choropleth (``access``: capacity per 100 demand units), and a legend.
    ``picks``/``clusters`` have ``lon``/``lat`` (WGS-84) and where they are
    (:data:`geo.place.describe.WHERE_COLUMNS`)."""
    basemap, settings = map_tiles(basemap, settings)
    datum = settings.datum(basemap)
    outline, outline_shape = outline_layer(study_area, datum, lang)
    fmap = base_map((outline.centroid.x, outline.centroid.y), basemap, settings, lang)
    outline_shape.add_to(fmap)
    legend: list[str] = []
    tied: dict[str, folium.map.Layer] = {}
    if access_hexes is not None and len(access_hexes):
        values = access_hexes["access"].to_numpy(dtype=float)
        # no station within reach is its own class; the others by quantiles
        breaks = [0.0] + [b for b in quantile_breaks(values[values > 0], len(DISTANCE_COLOURS) - 1) if b > 0]
        worst_to_best = DISTANCE_COLOURS[::-1]
        palette = tuple(worst_to_best[i] for i in np.linspace(0, len(worst_to_best) - 1, len(breaks) + 1).round().astype(int))
        fills = classify(values, breaks, palette)
        tips = [t("tip_access", lang, access=a, demand=d) for a, d in zip(values, access_hexes["demand"])]
        tied["access"] = hex_layer(access_hexes, fills, t("layer_accessibility", lang), datum, tips, show=True).add_to(fmap)
        labels = [t("legend_access_none", lang)] + class_labels(breaks[1:], lang, lambda v: f"{v:.2g}")
        legend.append(legend_section(t("legend_access_title", lang), [
            (swatch(c), label) for c, label in zip(palette, labels)], key="access"))
    if len(clusters):
        c_lon, c_lat = convert(clusters["lon"].to_numpy(), clusters["lat"].to_numpy(), source=Datum.WGS84, target=datum)
        biggest = float(clusters["demand"].max()) or 1.0
        DataLayer(point_features(c_lon, c_lat, [
            {"style": {"radius": 6 + 18 * (row.demand / biggest) ** 0.5, "color": CLUSTER_COLOUR, "weight": 2, "fill": True,
                       "fillOpacity": 0.25},
             "tip": map_text(t("tip_cluster", lang, demand=row.demand, where=where_text(row, lang)))}
            for row in clusters.itertuples()]), name=t("layer_clusters", lang)).add_to(fmap)
    station_layer(stations, datum, lang, as_markers=True).add_to(fmap)
    whatif_count = int(stations["id"].astype(str).str.startswith("NEW-").sum())
    if len(picks):
        p_lon, p_lat = convert(picks["lon"].to_numpy(), picks["lat"].to_numpy(), source=Datum.WGS84, target=datum)
        DataLayer(point_features(p_lon, p_lat, [
            {"tip": map_text(t("tip_pick", lang, rank=int(row.rank), where=where_text(row, lang), gain=row.gain)),
             "icon": {"html": f'<div class="gh-marker gh-pick" style="background:#000;border:2px solid #ffd600">★{int(row.rank)}</div>',
                      "className": "gh-icon gh-icon-pick", "iconSize": [30, 30], "iconAnchor": [15, 15]}}
            for row in picks.itertuples()]), name=t("layer_recommended", lang)).add_to(fmap)
    symbols = [('<span class="gh-swatch gh-pick-swatch">★</span>', t("legend_recommended", lang)),
               (swatch(CLUSTER_COLOUR, opacity=0.5, border=CLUSTER_COLOUR, shape="dot"), t("legend_clusters", lang))]
    if whatif_count:
        symbols.append(('<span class="gh-swatch gh-whatif-swatch"></span>', t("legend_whatif", lang)))
    symbols.append(('<span class="gh-swatch gh-dashed"></span>', t("layer_study_area", lang)))
    legend.append(legend_section(t("legend_symbols_title", lang), symbols))
    legend.append(legend_section(t("layer_stations", lang), list(station_type_rows(stations, lang).values())))
    fmap.add_child(Legend(legend_body(legend, lang), tied))
    folium.LayerControl(collapsed=True).add_to(fmap)
    fit_study_area(fmap, outline)
    return fmap
