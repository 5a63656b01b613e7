"""The rider's map: where they stand, the ranked answer and the other stations of the search, in
two parts so that a page keeps the map (and its tiles) and swaps only the answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import folium
import geopandas as gpd
import numpy as np

from geo.i18n import name_in, t
from geo.maps.base import base_map, map_label, map_tiles
from geo.maps.basemaps import Basemap, BasemapSettings
from geo.maps.stations import named_marker_icon, station_popup_html
from geo.markup import map_text
from geo.place.datum import Datum, convert
from geo.register.model import COUNTY_SEAT_LONLAT, StationType

#: Height (px) above which a station card on the rider's map scrolls.
RIDER_POPUP_MAX_HEIGHT_PX = 200


@dataclass
class RiderMapView:
    """The rider's map in two parts, so that a page can keep the map (and its loaded tiles) and
    only swap what changes: ``base`` (tiles, styles; the same for every answer in one language
    and basemap), ``layers`` (stations, results, the rider) and the view (``center`` lat/lon in
    the basemap's datum, ``zoom``) that shows the rider and the results."""

    base: folium.Map
    layers: list[folium.FeatureGroup]
    center: tuple[float, float]
    zoom: int

    def combined(self) -> folium.Map:
        """One folium map with every layer, viewed as ``center``/``zoom`` (for files and tests)."""
        for layer in self.layers:
            layer.add_to(self.base)
        self.base.location = list(self.center)
        self.base.options["zoom"] = self.zoom
        return self.base


#: The size the rider map is fitted to: a phone's map, the smallest it is shown (CSS pixels).
RIDER_MAP_SIZE_PX = (360, 330)


def fit_view(lon: np.ndarray, lat: np.ndarray, *, size_px: tuple[int, int] = RIDER_MAP_SIZE_PX, padding_px: int = 36,
             min_zoom: int = 12, max_zoom: int = 17) -> tuple[tuple[float, float], int]:
    """Centre (lat, lon) and the deepest whole Web Mercator zoom at which every point fits in a
    map of ``size_px`` (width, height) with ``padding_px`` to spare on each side."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x = (lon + 180.0) / 360.0
    y = (1.0 - np.log(np.tan(np.radians(lat)) + 1.0 / np.cos(np.radians(lat))) / np.pi) / 2.0
    span_x, span_y = float(x.max() - x.min()), float(y.max() - y.min())
    zooms = [max_zoom]
    for span, room in ((span_x, size_px[0] - 2 * padding_px), (span_y, size_px[1] - 2 * padding_px)):
        if span > 0:
            zooms.append(int(np.floor(np.log2(room / (span * 256.0)))))
    zoom = int(min(max(min(zooms), min_zoom), max_zoom))
    mid_x, mid_y = (x.max() + x.min()) / 2, (y.max() + y.min()) / 2
    mid_lat = float(np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * mid_y)))))
    return (mid_lat, float(mid_x * 360.0 - 180.0)), zoom


def _other_stations_layer(context: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray, shown_ids: set[str],
                          lang: str) -> folium.FeatureGroup:
    """The other stations of the search (``lon``/``lat`` in the map's datum) as small dots."""
    others = folium.FeatureGroup(name=map_label("layer_other_stations", lang), control=False)
    unverified = t("status_unverified", lang)
    for (_, station), x, y in zip(context.iterrows(), lon, lat):
        if station["id"] in shown_ids:
            continue
        verified = station.location_status == "verified"
        label = name_in(station, lang) + ("" if verified else f" ({unverified})")
        folium.Marker(
            location=[float(y), float(x)],
            icon=named_marker_icon(StationType(station.station_type), verified, label, small=True),
            tooltip=map_text(name_in(station, lang)),
        ).add_to(others)
    return others


def _answer_layer(results: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray, rider: tuple[float, float] | None, *,
                  lang: str, moment: datetime, community_names: dict[str, str]) -> folium.FeatureGroup:
    """The ranked results (numbered markers with popups), a line from the rider to each, and
    the rider (all positions in the map's datum)."""
    answer = folium.FeatureGroup(name=map_label("layer_results", lang), control=False)
    unverified = t("status_unverified", lang)
    if rider:
        for x, y in zip(lon, lat):
            folium.PolyLine(
                [[rider[1], rider[0]], [float(y), float(x)]], color="#1a73e8", weight=3, opacity=0.7, dash_array="6 6"
            ).add_to(answer)
    for (_, station), x, y in zip(results.iterrows(), lon, lat):
        verified = station.location_status == "verified"
        rank = int(station["rank"])
        label = f"{rank}. {name_in(station, lang)}" + ("" if verified else f" ({unverified})")
        folium.Marker(
            location=[float(y), float(x)],
            icon=named_marker_icon(StationType(station.station_type), verified, label, rank=rank),
            tooltip=map_text(name_in(station, lang)),
            # the rider's map is ~330 px tall: a longer card scrolls inside it, so its close
            # button and the map around it stay reachable
            popup=folium.Popup(
                station_popup_html(station, lang=lang, moment=moment, community_names=community_names), max_width=280,
                max_height=RIDER_POPUP_MAX_HEIGHT_PX,
            ),
            z_index_offset=500,
        ).add_to(answer)
    if rider:
        you = map_text(t("you_are_here", lang))
        folium.Marker(
            location=[rider[1], rider[0]],
            icon=folium.DivIcon(html=f'<div class="gh-rider" role="img" aria-label="{you}"></div>', icon_size=(24, 24),
                                icon_anchor=(12, 12), class_name="gh-icon gh-icon-rider"),
            tooltip=you,
            z_index_offset=1000,
        ).add_to(answer)
    return answer


def build_rider_view(
    results: gpd.GeoDataFrame,
    *,
    rider_lonlat: tuple[float, float] | None,
    context: gpd.GeoDataFrame,
    lang: str,
    basemap: Basemap | str | None = None,
    settings: BasemapSettings | None = None,
    moment: datetime,
    community_names: dict[str, str] | None = None,
    url_prefix: str = "",
) -> RiderMapView:
    """The rider's map: their position, the ranked results (numbered markers with popups) and
    a line to each, over the other stations of the search as small dots (``context``).
    All inputs are WGS-84; they are drawn in the datum of ``basemap`` (default: the deployment's).
    Every marker has an accessible name (the station's name, its rank, "position unverified")."""
    basemap, settings = map_tiles(basemap, settings)
    datum = settings.datum(basemap)

    def to_map(lon, lat):
        lon, lat = convert(lon, lat, source=Datum.WGS84, target=datum)
        return np.atleast_1d(lon), np.atleast_1d(lat)

    seat = to_map(*COUNTY_SEAT_LONLAT)
    base = base_map((float(seat[0][0]), float(seat[1][0])), basemap, settings, lang, url_prefix=url_prefix)
    ctx_lon, ctx_lat = to_map(context.geometry.x.to_numpy(), context.geometry.y.to_numpy())
    res_lon, res_lat = to_map(results.geometry.x.to_numpy(), results.geometry.y.to_numpy())
    rider = tuple(float(v[0]) for v in to_map(*rider_lonlat)) if rider_lonlat else None
    others = _other_stations_layer(context, ctx_lon, ctx_lat, set(results["id"]) if len(results) else set(), lang)
    answer = _answer_layer(results, res_lon, res_lat, rider, lang=lang, moment=moment,
                           community_names=community_names or {})
    if rider:
        view_lon, view_lat = np.append(res_lon, rider[0]), np.append(res_lat, rider[1])
    elif len(context):
        view_lon, view_lat = ctx_lon, ctx_lat
    else:
        view_lon, view_lat = seat
    center, zoom = fit_view(view_lon, view_lat)
    return RiderMapView(base, [others, answer], center, zoom)


def build_rider_map(results: gpd.GeoDataFrame, **kwargs) -> folium.Map:
    """:func:`build_rider_view` as one folium map (for files and tests)."""
    return build_rider_view(results, **kwargs).combined()
