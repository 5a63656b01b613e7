"""The overview map: every station, one layer per type (the numerous types clustered), popups, a
legend and the county outline."""

from __future__ import annotations

from datetime import datetime

import folium
import geopandas as gpd

from geo.i18n import label_of, name_in, t
from geo.maps.base import Legend, base_map, local_marker_cluster, map_label, map_tiles
from geo.maps.basemaps import Basemap, BasemapSettings
from geo.maps.stations import CLUSTERED_TYPES, cluster_icon_js, marker_icon, station_feedback_url, station_popup_html
from geo.markup import map_text
from geo.place.datum import Datum, convert, convert_geometry
from geo.register.model import STATION_TYPES, StationType


def _legend_html(counts: dict[StationType, int], lang: str) -> str:
    lines = [f"<b>{map_text(t('legend_title', lang))}</b>"]
    for station_type, count in counts.items():
        info = STATION_TYPES[station_type]
        lines.append(
            f'<div><span class="gh-marker" style="background:{info.colour}">{map_text(info.glyph)}</span>'
            f"{map_text(label_of('station_type', station_type, lang))} ({count})</div>"
        )
    lines.append(f"<div>{map_text(t('legend_unverified', lang))}</div>")
    return "".join(lines)


def build_overview_map(
    stations: gpd.GeoDataFrame,
    boundary: gpd.GeoDataFrame,
    *,
    lang: str,
    basemap: Basemap | str | None = Basemap.OSM,
    settings: BasemapSettings | None = None,
    moment: datetime,
    community_names: dict[str, str] | None = None,
    feedback_base_path: str | None = None,
) -> folium.Map:
    """Overview map: one layer per station type (numerous types clustered), popups, a legend,
    a layer control and the county outline.

    ``stations`` and ``boundary`` are in EPSG:4326 (WGS-84); they are drawn in the datum of
    ``basemap``. ``moment`` (aware, or naive Asia/Shanghai) decides the "open now" shown. With
    ``feedback_base_path`` (the app's base URL path, ``""`` at the root) each popup links to the
    station's feedback form.
    """
    basemap, settings = map_tiles(basemap, settings)
    datum = settings.datum(basemap)
    community_names = community_names or {}

    lon, lat = convert(stations.geometry.x.to_numpy(), stations.geometry.y.to_numpy(), source=Datum.WGS84, target=datum)
    if len(stations):
        center = (float((lon.min() + lon.max()) / 2), float((lat.min() + lat.max()) / 2))
    else:
        outline = boundary.union_all().centroid
        center = convert(outline.x, outline.y, source=Datum.WGS84, target=datum)
    fmap = base_map(center, basemap, settings, lang)

    outline = convert_geometry(boundary.union_all(), source=Datum.WGS84, target=datum)
    folium.GeoJson(
        outline.__geo_interface__,
        name=map_label("layer_boundary", lang),
        style_function=lambda _: {"color": "#555", "weight": 2, "dashArray": "6 4", "fill": False},
        attribution=map_label("boundary_attribution", lang),
        control=True,
    ).add_to(fmap)

    counts: dict[StationType, int] = {}
    for station_type in StationType:
        mask = (stations.station_type == station_type.value).to_numpy()
        if not mask.any():
            continue
        counts[station_type] = int(mask.sum())
        info = STATION_TYPES[station_type]
        layer_name = f'<span style="color:{info.colour}">●</span> {map_text(label_of("station_type", station_type, lang))} ({counts[station_type]})'
        if station_type in CLUSTERED_TYPES:
            layer = local_marker_cluster(
                name=layer_name,
                icon_create_function=cluster_icon_js(station_type),
                options={"maxClusterRadius": 40, "disableClusteringAtZoom": 17, "spiderfyOnMaxZoom": False},
            )
        else:
            layer = folium.FeatureGroup(name=layer_name)
        for (_, station), x, y in zip(stations[mask].iterrows(), lon[mask], lat[mask]):
            folium.Marker(
                location=[float(y), float(x)],
                icon=marker_icon(station_type, station.location_status == "verified"),
                tooltip=map_text(name_in(station, lang)),
                popup=folium.Popup(
                    station_popup_html(
                        station, lang=lang, moment=moment, community_names=community_names,
                        feedback_url=None if feedback_base_path is None
                        else station_feedback_url(station.id, lang=lang, base_path=feedback_base_path),
                    ),
                    max_width=320,
                ),
            ).add_to(layer)
        layer.add_to(fmap)

    fmap.add_child(Legend(_legend_html(counts, lang)))
    folium.LayerControl(collapsed=True).add_to(fmap)
    if len(stations):
        fmap.fit_bounds([[float(lat.min()), float(lon.min())], [float(lat.max()), float(lon.max())]], padding=(20, 20))
    return fmap
