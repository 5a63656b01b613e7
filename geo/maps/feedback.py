"""Maps of riders' reports: the map a rider taps a report's place on (readable with no tiles), and
the planners' map of reports by state."""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.maps.base import base_map, local_marker_cluster, map_label, map_tiles
from geo.maps.basemaps import Basemap, BasemapSettings
from geo.maps.stations import named_places_layer
from geo.markup import map_text
from geo.place.datum import Datum, convert, convert_geometry
from geo.register.model import COUNTY_SEAT_LONLAT

#: Colour of a report marker by state (geo.feedback.vocabulary.ReportState codes).
REPORT_STATE_COLOURS = {"new": "#d32f2f", "verified": "#f57c00", "dispatched": "#1976d2", "resolved": "#388e3c",
                        "rejected": "#757575"}


def build_report_pick_map(*, lang: str, basemap: Basemap | str | None = Basemap.OSM,
                          settings: BasemapSettings | None = None, zoom: int = 16,
                          centre_lonlat: tuple[float, float] | None = None,
                          stations: gpd.GeoDataFrame | None = None, boundary: gpd.GeoDataFrame | None = None,
                          landmarks: pd.DataFrame | None = None,
                          station_lonlat: tuple[float, float] | None = None, url_prefix: str = "") -> folium.Map:
    """The map on which a rider taps the place of a report, readable with no tiles: the county
    outline (``boundary``), the stations (``stations``) and ``landmarks`` (``name_zh``,
    ``name_en``, ``lon``, ``lat``) as labelled dots that let taps through to the map, and for
    station feedback the station's registered position (``station_lonlat``). Centred on
    ``centre_lonlat``, else the station, else the town (all WGS-84 lon/lat). The picked place
    goes on top as :func:`report_place_layer`, so a tap does not rebuild the map. Carries no
    text from any report; station and landmark names go through :func:`map_text`.
    ``url_prefix``: the app's base URL path, for tiles the app serves itself."""
    basemap, settings = map_tiles(basemap, settings)
    datum = settings.datum(basemap)

    def to_map(lon, lat):
        return convert(lon, lat, source=Datum.WGS84, target=datum)

    centre = to_map(*(centre_lonlat or station_lonlat or COUNTY_SEAT_LONLAT))
    fmap = base_map((float(centre[0]), float(centre[1])), basemap, settings, lang, url_prefix=url_prefix)
    fmap.options["zoom"] = zoom
    if boundary is not None and len(boundary):
        outline = convert_geometry(boundary.union_all(), source=Datum.WGS84, target=datum)
        folium.GeoJson(outline.__geo_interface__, name=map_label("layer_boundary", lang), interactive=False,
                       style_function=lambda _: {"color": "#555", "weight": 2, "dashArray": "6 4", "fill": False},
                       ).add_to(fmap)
    named_places_layer(stations, landmarks, datum=datum, lang=lang).add_to(fmap)
    if station_lonlat is not None:
        x, y = to_map(*station_lonlat)
        folium.Marker(
            location=[float(y), float(x)], interactive=False,
            icon=folium.DivIcon(html='<div class="gh-registered"></div>', icon_size=(22, 22), icon_anchor=(11, 11),
                                class_name="gh-icon gh-icon-registered"),
        ).add_to(fmap)
    return fmap


def report_place_layer(picked_lonlat: tuple[float, float] | None, *, basemap: Basemap | str | None = Basemap.OSM,
                       settings: BasemapSettings | None = None) -> folium.FeatureGroup:
    """The picked place (WGS-84 lon/lat; none yet: an empty layer) as a marker in the datum of
    ``basemap``, to lay over :func:`build_report_pick_map`."""
    basemap, settings = map_tiles(basemap, settings)
    layer = folium.FeatureGroup(name="picked", control=False)
    if picked_lonlat is not None:
        x, y = convert(*picked_lonlat, source=Datum.WGS84, target=settings.datum(basemap))
        folium.Marker(
            location=[float(y), float(x)], interactive=False,
            icon=folium.DivIcon(html='<div class="gh-rider"></div>', icon_size=(24, 24), icon_anchor=(12, 12),
                                class_name="gh-icon gh-icon-report-place"),
            z_index_offset=1000,
        ).add_to(layer)
    return layer


def build_reports_map(reports: pd.DataFrame, *, labels: dict[int, str], lang: str,
                      basemap: Basemap | str | None = Basemap.OSM, settings: BasemapSettings | None = None,
                      url_prefix: str = "") -> folium.Map:
    """Reports as circles coloured by state (``reports``: the store's table, WGS-84); reports
    drawn on top of each other gather in a numbered cluster that opens on a tap. The tooltip of
    each is ``labels[id]``: text the app makes (reference code first, category, state), never a
    rider's note, so no report text reaches the map's template or script. The planner's
    selection goes on top as :func:`selected_reports_layer`."""
    basemap, settings = map_tiles(basemap, settings)
    datum = settings.datum(basemap)
    lon, lat = convert(reports["lon"].to_numpy(), reports["lat"].to_numpy(), source=Datum.WGS84, target=datum)
    lon, lat = np.atleast_1d(lon), np.atleast_1d(lat)
    centre = ((float(lon.min() + lon.max()) / 2, float(lat.min() + lat.max()) / 2) if len(reports)
              else convert(*COUNTY_SEAT_LONLAT, source=Datum.WGS84, target=datum))
    fmap = base_map((float(centre[0]), float(centre[1])), basemap, settings, lang, url_prefix=url_prefix)
    cluster = local_marker_cluster(
        name=map_label("layer_reports", lang), control=False, icon_create_function='ghClusterIcon(null, "gh-report-cluster")',
        options={"maxClusterRadius": 24, "spiderfyOnMaxZoom": True, "showCoverageOnHover": False,
                 "zoomToBoundsOnClick": True},
    )
    for report_id, state, x, y in zip(reports["id"], reports["state"], lon, lat):
        folium.CircleMarker(
            location=[float(y), float(x)], radius=8, color="#fff", weight=2, fill=True, fill_opacity=0.9,
            fill_color=REPORT_STATE_COLOURS[state], class_name=f"gh-report gh-report-{state}",
            tooltip=map_text(labels[int(report_id)]),
        ).add_to(cluster)
    cluster.add_to(fmap)
    if len(reports) > 1:
        fmap.fit_bounds([[float(lat.min()), float(lon.min())], [float(lat.max()), float(lon.max())]], padding=(30, 30),
                        max_zoom=17)
    return fmap


def selected_reports_layer(reports: pd.DataFrame, *, basemap: Basemap | str | None = Basemap.OSM,
                           settings: BasemapSettings | None = None) -> folium.FeatureGroup:
    """A thick ring around each of ``reports`` (the planner's selection; WGS-84), which lets
    taps through to the report under it."""
    basemap, settings = map_tiles(basemap, settings)
    layer = folium.FeatureGroup(name="selected", control=False)
    if len(reports):
        lon, lat = convert(reports["lon"].to_numpy(), reports["lat"].to_numpy(), source=Datum.WGS84,
                           target=settings.datum(basemap))
        for x, y in zip(np.atleast_1d(lon), np.atleast_1d(lat)):
            # a marker, not a circle: folium passes `interactive` to markers only
            folium.Marker(location=[float(y), float(x)], interactive=False, icon=folium.DivIcon(
                html='<div class="gh-selected-ring"></div>', icon_size=(32, 32), icon_anchor=(16, 16),
                class_name="gh-icon gh-icon-selected")).add_to(layer)
    return layer
