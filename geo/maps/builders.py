"""Folium map builders (no Streamlit): the overview map of stations.

Leaflet and its plugins are loaded from the app's own static folder, never from CDNs, so a
map works with no internet. When the basemap is in GCJ-02 (Amap), every marker and outline is
converted to GCJ-02 so that it sits on the right street of those tiles.
"""

from __future__ import annotations


import base64
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template
from jinja2.utils import htmlsafe_json_dumps

from geo.maps.basemaps import Basemap, BasemapSettings, basemap_settings
from geo.place.datum import Datum, convert, convert_geometry
from geo.place.describe import where_text
from geo.i18n import describe_opening, t
from geo.register.normalise import hours_as_written
from geo.markup import map_text
from geo.register.model import AMENITIES, COUNTY_SEAT_LONLAT, STATION_TYPES, StationType, amenity_label, station_type_label

#: Where Streamlit serves the app's ``static/`` folder (``enableStaticServing``).
STATIC_URL = "/app/static"
STATIC_DIR = Path(__file__).resolve().parents[2] / "static"

DEFAULT_ZOOM = 14
MAX_ZOOM = 19

#: Types drawn in marker clusters: the numerous ones that would otherwise overlap.
CLUSTERED_TYPES = frozenset({StationType.NEIGHBOURHOOD, StationType.PARKING})


class _DatumOfBasemap(Mapping[Basemap, Datum]):
    """``BASEMAP_DATUM[basemap]``: the datum of a basemap's tiles under the active settings (a
    local tile set may be GCJ-02 if it was cut from Amap)."""

    def __getitem__(self, basemap: Basemap | str) -> Datum:
        return active_settings().datum(basemap)

    def __iter__(self) -> Iterator[Basemap]:
        return iter(Basemap)

    def __len__(self) -> int:
        return len(Basemap)


#: The datum each basemap's tiles are drawn in.
BASEMAP_DATUM: Mapping[Basemap, Datum] = _DatumOfBasemap()


def _label(key: str, lang: str, **values: object) -> str:
    """A catalogue string made safe for map HTML (its ``{fields}`` may carry data)."""
    return map_text(t(key, lang, **values))


def _local_assets(element: folium.elements.JSCSSMixin, js: dict[str, str], css: dict[str, str]) -> None:
    element.default_js = [(name, f"{STATIC_URL}/{path}") for name, path in js.items()]
    element.default_css = [(name, f"{STATIC_URL}/{path}") for name, path in css.items()]


_ACTIVE_SETTINGS: BasemapSettings | None = None


def use_basemap_settings(settings: BasemapSettings) -> None:
    """Make ``settings`` the deployment's basemaps for every map built in this process."""
    global _ACTIVE_SETTINGS
    _ACTIVE_SETTINGS = settings


def active_settings() -> BasemapSettings:
    """The settings given to :func:`use_basemap_settings`, else those of the environment."""
    global _ACTIVE_SETTINGS
    if _ACTIVE_SETTINGS is None:
        _ACTIVE_SETTINGS = basemap_settings()
    return _ACTIVE_SETTINGS


#: Height (px) above which a station card on the rider's map scrolls.
RIDER_POPUP_MAX_HEIGHT_PX = 200


class _MetricScale(MacroElement):
    """A metric-only scale bar (Leaflet's default also shows feet and miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


def _base_map(center_lonlat: tuple[float, float], basemap: Basemap, lang: str, *, url_prefix: str = "") -> folium.Map:
    fmap = folium.Map(
        location=[center_lonlat[1], center_lonlat[0]],
        zoom_start=DEFAULT_ZOOM,
        tiles=None,
        control_scale=False,
        # folium passes max_zoom only to a tile layer; the map itself needs it, or Leaflet
        # (and MarkerCluster) draw nothing when there is no tile layer (offline basemap)
        maxZoom=MAX_ZOOM,
    )
    # branca's popup HTML is built with jQuery, so it is served locally too
    _local_assets(
        fmap,
        {"leaflet": "leaflet/leaflet.js", "jquery": "jquery/jquery.min.js"},
        {"leaflet_css": "leaflet/leaflet.css"},
    )
    layers = active_settings().layers(basemap, url_prefix=url_prefix)
    for number, layer in enumerate(layers):
        folium.TileLayer(
            layer.url,
            attr=map_text(layer.attribution) or "&#8203;",
            name=_label(f"basemap_{Basemap(basemap).value}", lang) + ("" if number == 0 else " +"),
            subdomains=layer.subdomains or "abc",
            max_zoom=MAX_ZOOM,
            max_native_zoom=layer.max_native_zoom,
            overlay=number > 0,
            control=number == 0,
        ).add_to(fmap)
    fmap.add_child(_MetricScale())
    if layers:
        fmap.add_child(_TileTrouble(_label("tiles_failed", lang)))
    return fmap


class _TileTrouble(MacroElement):
    """A notice on the map, in the page's language, while no tile of the view could be loaded
    (no network, a tile server down, a key refused). It lies under the map's panes, where the
    missing tiles would be: every marker and the rider's dot are drawn over it and every tap goes
    to the map, so it hides nothing and needs no closing."""

    def __init__(self, message_html: str) -> None:
        super().__init__()
        self._name = "TileTrouble"
        self.message_html = message_html
        self._template = Template(
            """
            {% macro script(this, kwargs) %}
            (function() {
              var map = {{ this._parent.get_name() }};
              var box = L.DomUtil.create('div', 'gh-tiles-failed', map.getContainer());
              box.setAttribute('role', 'status');
              box.innerHTML = {{ this.message_html|tojson }};
              box.style.display = 'none';
              var loaded = 0, failed = 0;
              function show() { box.style.display = (failed > 0 && loaded === 0) ? 'block' : 'none'; }
              map.eachLayer(function(layer) {
                if (!(layer instanceof L.TileLayer)) { return; }
                layer.on('loading', function() { loaded = 0; failed = 0; });
                layer.on('tileload', function() { loaded += 1; show(); });
                layer.on('tileerror', function() { failed += 1; show(); });
              });
            })();
            {% endmacro %}
            """
        )


def station_popup_html(
    station: pd.Series, *, lang: str, moment: datetime, community_names: dict[str, str],
    feedback_url: str | None = None,
) -> str:
    """Popup HTML for one station; every value from the data is HTML-escaped. With
    ``feedback_url`` (a URL of the app, made by :func:`station_feedback_url`), a "report a
    problem with this station" link that opens the report page in the whole window."""
    esc = map_text
    name, other_name = (station.name_zh, station.name_en) if lang == "zh" else (station.name_en, station.name_zh)
    amenities = station.amenities or []
    amenity_html = (
        " ".join(
            f'<span class="gh-amenity">{AMENITIES[a].icon}&nbsp;{esc(amenity_label(a, lang))}</span>'
            for a in amenities
        )
        or esc(t("popup_none", lang))
    )
    verified = station.location_status == "verified"
    verified_on = station.get("verified_on")
    status_html = (
        f'<div class="gh-status gh-verified">✔ {esc(t("status_verified", lang))}'
        + (f" · {esc(t('verified_on', lang, date=verified_on))}" if isinstance(verified_on, str) else "") + "</div>"
        if verified
        else f'<div class="gh-status gh-unverified">⚠ {esc(t(f"location_{station.location_status}", lang))}</div>'
    )
    hours_note = "" if station.hours_status == "verified" else f' <i>({esc(t("hours_unverified", lang))})</i>'

    def row(label_key: str, value_html: str) -> str:
        return f"<tr><th>{esc(t(label_key, lang))}</th><td>{value_html}</td></tr>"

    def text_or_unknown(value: object) -> str:
        return esc(str(value)) if isinstance(value, str) and value else esc(t("popup_unknown", lang))

    community = community_names.get(station.community_code, station.community_code)
    rows = [
        row("popup_type", esc(station_type_label(station.station_type, lang))),
        row("popup_community", text_or_unknown(community)),
        row("popup_address", text_or_unknown(station.address)),
        row("popup_amenities", amenity_html),
        row(
            "popup_hours",
            f"{esc(hours_as_written(station.opening_hours) if lang == 'zh' else station.opening_hours)}"
            f"<br><b>{esc(describe_opening(station.opening_hours, moment, lang))}</b>{hours_note}",
        ),
        row("popup_operator", text_or_unknown(station.operator)),
        row("popup_phone", text_or_unknown(station.phone)),
    ]
    return (
        f'<div class="gh-popup" data-station-id="{esc(station.id)}">'
        f"<b class=\"gh-name\">{esc(name)}</b><br><small>{esc(other_name)} · {esc(station.id)}</small>"
        f"{status_html}<table>{''.join(rows)}</table>"
        f'<div class="gh-source">{esc(t("popup_source", lang))}: {esc(station.source)}</div>'
        + (f'<a class="gh-feedback gh-app-link" href="{esc(feedback_url)}" target="_blank" rel="noopener">'
           f'{esc(t("popup_feedback", lang))}</a>'
           if feedback_url else "")
        + "</div>"
    )


def station_feedback_url(station_id: str, *, lang: str, base_path: str = "") -> str:
    """The app's URL of the feedback form for one station: ``<base_path>/report?station=<id>``
    (plus ``&lang=en`` on English pages), the id percent-encoded."""
    query = {"station": station_id, **({"lang": lang} if lang != "zh" else {})}
    return f"{base_path.rstrip('/')}/report?{urlencode(query)}"


def _marker_icon(station_type: StationType, verified: bool, *, rank: int | None = None) -> folium.DivIcon:
    """A round marker in the type's colour, with its glyph (or a result's rank); a dashed
    border when the position is not verified."""
    info = STATION_TYPES[station_type]
    border = "solid" if verified else "dashed"
    glyph = str(rank) if rank is not None else info.glyph
    rank_class = f" gh-rank gh-rank-{rank}" if rank is not None else ""
    return folium.DivIcon(
        html=(
            f'<div class="gh-marker gh-type-{station_type.value}{rank_class}" '
            f'style="background:{info.colour};border:2px {border} #fff;">{map_text(glyph)}</div>'
        ),
        icon_size=(28, 28),
        icon_anchor=(14, 14),
        class_name=f"gh-icon gh-icon-{station_type.value}",
    )


_CLUSTER_ICON_JS = """
function(cluster) {{
  return L.divIcon({{
    html: '<div style="background:{colour}"><span>' + cluster.getChildCount() + '</span></div>',
    className: 'marker-cluster gh-cluster gh-cluster-{type}',
    iconSize: new L.Point(36, 36)
  }});
}}
"""


class _MapStyle(MacroElement):
    """CSS for markers, popups and the legend, injected into the map's page header; and the
    local path of Leaflet's default marker images (which it would otherwise guess wrongly)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.Icon.Default.imagePath = {{ this.image_path|tojson }};
        // Leaflet focuses the map on the first press for its keyboard handler; in a frame that
        // focus scrolls the whole page to show the map, between press and release, so the release
        // lands on another marker and the popup never opens. Focus without scrolling instead.
        (function (map) {
          if (!map.keyboard || !map.keyboard.enabled()) { return; }
          map.keyboard.disable();
          L.Map.Keyboard.prototype._onMouseDown = function () {
            if (!this._focused) { this._map._container.focus({preventScroll: true}); }
          };
          map.keyboard.enable();
        })({{ this._parent.get_name() }});
        // A link of the app in a popup (e.g. a station's feedback form) is followed in the app's own
        // window: the map's frame may not navigate it (sandbox), so it asks the page, which
        // follows only links of its own site (ui.reports.follow_map_links). A map opened as
        // a file keeps the plain link (a new tab).
        if (window.parent !== window && !window.__ghLinks) {
          window.__ghLinks = true;
          document.addEventListener("click", function (event) {
            var link = event.target.closest && event.target.closest("a.gh-app-link");
            if (!link) { return; }
            event.preventDefault();
            window.parent.postMessage({type: "gh-open", href: link.getAttribute("href")}, window.location.origin);
          });
        }
        {% endmacro %}
        {% macro header(this, kwargs) %}
        <style>
          .gh-icon { background: none; border: none; }
          .gh-marker { width: 24px; height: 24px; border-radius: 50%; color: #fff; font: bold 13px/24px
            "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; text-align: center;
            box-shadow: 0 1px 4px rgba(0,0,0,.5); }
          .gh-report-cluster div { background: #37474f; }
          .gh-cluster div { width: 30px; height: 30px; margin: 3px; border-radius: 50%; color: #fff;
            text-align: center; font: bold 13px/30px sans-serif; opacity: .85; }
          .gh-popup { font: 13px/1.4 "Noto Sans CJK SC", "PingFang SC", sans-serif; min-width: 220px; }
          .gh-popup table { border-collapse: collapse; margin-top: 4px; }
          .gh-popup th { text-align: left; padding: 1px 8px 1px 0; color: #555; white-space: nowrap;
            vertical-align: top; font-weight: normal; }
          .gh-popup .gh-status { margin-top: 4px; font-weight: bold; }
          .gh-unverified { color: #b26a00; } .gh-verified { color: #2e7d32; }
          .gh-amenity { white-space: nowrap; display: inline-block; margin-right: 4px; }
          .gh-source { margin-top: 4px; color: #777; font-size: 11px; }
          .gh-legend { background: #fff; white-space: nowrap; padding: 6px 8px; max-height: 60vh; overflow-y: auto; border-radius: 4px; box-shadow: 0 1px 5px rgba(0,0,0,.4);
            font: 11px/1.35 "Noto Sans CJK SC", sans-serif; }
          .gh-legend summary { cursor: pointer; }
          .gh-legend-part { margin-top: 4px; }
          .gh-swatch { display: inline-block; width: 14px; height: 10px; margin-right: 5px; vertical-align: middle; }
          .gh-dashed { border: none !important; border-top: 2px dashed #333 !important; height: 0; }
          .gh-pick-swatch { background: #000; color: #ffd600; width: 14px; height: 14px; font-size: 10px;
            line-height: 14px; text-align: center; border-radius: 50%; }
          .gh-whatif-swatch { width: 12px; height: 12px; border-radius: 50%; background: #c62828; outline: 3px solid #ffd600; }
          .gh-legend .gh-marker { display: inline-block; width: 16px; height: 16px;
            font-size: 10px; line-height: 16px; margin-right: 4px; vertical-align: middle; }
          .leaflet-container { background: #eef2f3; }
          .gh-whatif { outline: 3px solid #ffd600; }
          .gh-pick { width: 26px; font-size: 11px; }
          .gh-place { white-space: nowrap; pointer-events: none; font: 11px/16px "Noto Sans CJK SC", "PingFang SC",
            sans-serif; color: #263238; text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
          .gh-place-dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin: 3px 3px 0 1px;
            vertical-align: top; border: 1px solid #fff; box-shadow: 0 0 2px rgba(0,0,0,.6); }
          .gh-place-landmark .gh-place-name { font-weight: bold; }
          .gh-selected-ring { width: 26px; height: 26px; border: 4px solid #111; border-radius: 50%; }
          .gh-registered { width: 16px; height: 16px; border: 3px dashed #6a1b9a; border-radius: 50%;
            background: rgba(106,27,154,.15); }
          .gh-feedback { display: inline-block; margin-top: 6px; padding: 4px 10px; border-radius: 4px;
            background: #1a73e8; color: #fff !important; text-decoration: none; font-weight: bold; }
          .gh-dot { width: 12px; height: 12px; opacity: .8; box-shadow: 0 0 2px rgba(0,0,0,.5); }
          .gh-tiles-failed { position: absolute; left: 56px; right: 56px; top: 10px; z-index: 350; margin: 0 auto;
            width: fit-content; padding: 3px 8px; border-radius: 4px; background: #fff8e1;
            color: #5d4037; font: 12px/1.35 "Noto Sans CJK SC", "PingFang SC", sans-serif; text-align: center;
            pointer-events: none; }
          .leaflet-touch .leaflet-bar a { width: 44px; height: 44px; line-height: 44px; font-size: 22px; }
          .leaflet-control-layers-toggle { width: 44px !important; height: 44px !important; }
          .gh-rider { width: 18px; height: 18px; border-radius: 50%; background: #1a73e8;
            border: 3px solid #fff; box-shadow: 0 0 0 2px #1a73e8, 0 1px 6px rgba(0,0,0,.5); }
        </style>
        {% endmacro %}
        """
    )


_MapStyle.image_path = f"{STATIC_URL}/leaflet/images/"


class _Legend(MacroElement):
    """A fixed legend in the map's corner. Sections tied to a layer (``layers``: section key ->
    layer) show only while that layer is on the map, so a layer switched on in the layer
    control brings its legend with it."""

    def __init__(self, legend_html: str, layers: dict[str, folium.map.Layer] | None = None) -> None:
        super().__init__()
        self._name = "Legend"
        self.legend_html = legend_html
        self.layers = layers or {}
        self._template = Template(
            """
            {% macro script(this, kwargs) %}
            (function() {
              var map = {{ this._parent.get_name() }};
              var legend = L.control({position: 'bottomleft'});
              legend.onAdd = function() {
                var div = L.DomUtil.create('div', 'gh-legend');
                div.innerHTML = {{ this.legend_html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
              };
              legend.addTo(map);
              var tied = [{% for key, layer in this.layers.items() %}[{{ key|tojson }}, {{ layer.get_name() }}],{% endfor %}];
              function sync() {
                tied.forEach(function(pair) {
                  var part = legend.getContainer().querySelector('[data-legend="' + pair[0] + '"]');
                  if (part) { part.style.display = map.hasLayer(pair[1]) ? '' : 'none'; }
                });
              }
              map.on('overlayadd overlayremove', sync);
              sync();
            })();
            {% endmacro %}
            """
        )


def _legend_html(counts: dict[StationType, int], lang: str) -> str:
    lines = [f"<b>{map_text(t('legend_title', lang))}</b>"]
    for station_type, count in counts.items():
        info = STATION_TYPES[station_type]
        lines.append(
            f'<div><span class="gh-marker" style="background:{info.colour}">{map_text(info.glyph)}</span>'
            f"{map_text(station_type_label(station_type, lang))} ({count})</div>"
        )
    lines.append(f"<div>{map_text(t('legend_unverified', lang))}</div>")
    return "".join(lines)


def build_overview_map(
    stations: gpd.GeoDataFrame,
    boundary: gpd.GeoDataFrame,
    *,
    lang: str,
    basemap: Basemap | str = Basemap.OSM,
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
    basemap = Basemap(basemap)
    datum = BASEMAP_DATUM[basemap]
    community_names = community_names or {}

    lon, lat = convert(stations.geometry.x.to_numpy(), stations.geometry.y.to_numpy(), source=Datum.WGS84, target=datum)
    if len(stations):
        center = (float((lon.min() + lon.max()) / 2), float((lat.min() + lat.max()) / 2))
    else:
        outline = boundary.union_all().centroid
        center = convert(outline.x, outline.y, source=Datum.WGS84, target=datum)
    fmap = _base_map(center, basemap, lang)
    fmap.add_child(_MapStyle())

    outline = convert_geometry(boundary.union_all(), source=Datum.WGS84, target=datum)
    folium.GeoJson(
        outline.__geo_interface__,
        name=_label("layer_boundary", lang),
        style_function=lambda _: {"color": "#555", "weight": 2, "dashArray": "6 4", "fill": False},
        attribution=_label("boundary_attribution", lang),
        control=True,
    ).add_to(fmap)

    counts: dict[StationType, int] = {}
    for station_type in StationType:
        mask = (stations.station_type == station_type.value).to_numpy()
        if not mask.any():
            continue
        counts[station_type] = int(mask.sum())
        info = STATION_TYPES[station_type]
        layer_name = f'<span style="color:{info.colour}">●</span> {map_text(station_type_label(station_type, lang))} ({counts[station_type]})'
        if station_type in CLUSTERED_TYPES:
            layer = folium.plugins.MarkerCluster(
                name=layer_name,
                icon_create_function=_CLUSTER_ICON_JS.format(colour=info.colour, type=station_type.value),
                options={"maxClusterRadius": 40, "disableClusteringAtZoom": 17, "spiderfyOnMaxZoom": False},
            )
            _local_assets(
                layer,
                {"markerclusterjs": "markercluster/leaflet.markercluster.js"},
                {
                    "markerclustercss": "markercluster/MarkerCluster.css",
                    "markerclusterdefaultcss": "markercluster/MarkerCluster.Default.css",
                },
            )
        else:
            layer = folium.FeatureGroup(name=layer_name)
        for (_, station), x, y in zip(stations[mask].iterrows(), lon[mask], lat[mask]):
            folium.Marker(
                location=[float(y), float(x)],
                icon=_marker_icon(station_type, station.location_status == "verified"),
                tooltip=map_text(station.name_zh if lang == "zh" else station.name_en),
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

    fmap.add_child(_Legend(_legend_html(counts, lang)))
    folium.LayerControl(collapsed=True).add_to(fmap)
    if len(stations):
        fmap.fit_bounds([[float(lat.min()), float(lon.min())], [float(lat.max()), float(lon.max())]], padding=(20, 20))
    return fmap


def map_point_to_wgs84(lon: float, lat: float, basemap: Basemap | str) -> tuple[float, float]:
    """A point picked on a map (e.g. a click) in the basemap's datum, back in WGS-84."""
    lon_w, lat_w = convert(lon, lat, source=BASEMAP_DATUM[Basemap(basemap)], target=Datum.WGS84)
    return float(lon_w), float(lat_w)


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


def _named_marker_icon(station_type: StationType, verified: bool, name: str, *, rank: int | None = None,
                       small: bool = False) -> folium.DivIcon:
    """A station marker whose element carries the station's name for screen readers."""
    info = STATION_TYPES[station_type]
    border = "solid" if verified else "dashed"
    glyph = "" if small else (str(rank) if rank is not None else info.glyph)
    classes = "gh-marker gh-dot" if small else "gh-marker"
    rank_class = f" gh-rank gh-rank-{rank}" if rank is not None else ""
    size = 16 if small else 28
    return folium.DivIcon(
        html=(f'<div class="{classes} gh-type-{station_type.value}{rank_class}" role="img" aria-label="{map_text(name)}" '
              f'style="background:{info.colour};border:2px {border} #fff;">{map_text(glyph)}</div>'),
        icon_size=(size, size),
        icon_anchor=(size // 2, size // 2),
        class_name=f"gh-icon gh-icon-{station_type.value}",
    )


def build_rider_view(
    results: gpd.GeoDataFrame,
    *,
    rider_lonlat: tuple[float, float] | None,
    context: gpd.GeoDataFrame,
    lang: str,
    basemap: Basemap | str | None = None,
    moment: datetime,
    community_names: dict[str, str] | None = None,
    url_prefix: str = "",
) -> RiderMapView:
    """The rider's map: their position, the ranked results (numbered markers with popups) and
    a line to each, over the other stations of the search as small dots (``context``).
    All inputs are WGS-84; they are drawn in the datum of ``basemap`` (default: the deployment's).
    Every marker has an accessible name (the station's name, its rank, "position unverified")."""
    basemap = Basemap(basemap or active_settings().default)
    datum = BASEMAP_DATUM[basemap]
    community_names = community_names or {}

    def to_map(lon, lat):
        return convert(lon, lat, source=Datum.WGS84, target=datum)

    def name_of(station) -> str:
        return station.name_zh if lang == "zh" else station.name_en

    seat = to_map(*COUNTY_SEAT_LONLAT)
    base = _base_map((float(seat[0]), float(seat[1])), basemap, lang, url_prefix=url_prefix)
    base.add_child(_MapStyle())

    ctx_lon, ctx_lat = to_map(context.geometry.x.to_numpy(), context.geometry.y.to_numpy())
    res_lon, res_lat = to_map(results.geometry.x.to_numpy(), results.geometry.y.to_numpy())
    rider = to_map(*rider_lonlat) if rider_lonlat else None

    shown_ids = set(results["id"]) if len(results) else set()
    others = folium.FeatureGroup(name=_label("layer_other_stations", lang), control=False)
    unverified = t("status_unverified", lang)
    for (_, station), x, y in zip(context.iterrows(), np.atleast_1d(ctx_lon), np.atleast_1d(ctx_lat)):
        if station["id"] in shown_ids:
            continue
        verified = station.location_status == "verified"
        label = name_of(station) + ("" if verified else f" ({unverified})")
        folium.Marker(
            location=[float(y), float(x)],
            icon=_named_marker_icon(StationType(station.station_type), verified, label, small=True),
            tooltip=map_text(name_of(station)),
        ).add_to(others)

    answer = folium.FeatureGroup(name=_label("layer_results", lang), control=False)
    if rider:
        for x, y in zip(np.atleast_1d(res_lon), np.atleast_1d(res_lat)):
            folium.PolyLine(
                [[rider[1], rider[0]], [float(y), float(x)]], color="#1a73e8", weight=3, opacity=0.7, dash_array="6 6"
            ).add_to(answer)
    for (_, station), x, y in zip(results.iterrows(), np.atleast_1d(res_lon), np.atleast_1d(res_lat)):
        verified = station.location_status == "verified"
        rank = int(station["rank"])
        label = f"{rank}. {name_of(station)}" + ("" if verified else f" ({unverified})")
        folium.Marker(
            location=[float(y), float(x)],
            icon=_named_marker_icon(StationType(station.station_type), verified, label, rank=rank),
            tooltip=map_text(name_of(station)),
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

    if rider:
        view_lon = np.append(np.atleast_1d(res_lon), rider[0])
        view_lat = np.append(np.atleast_1d(res_lat), rider[1])
    elif len(context):
        view_lon, view_lat = np.atleast_1d(ctx_lon), np.atleast_1d(ctx_lat)
    else:
        view_lon, view_lat = np.array([seat[0]]), np.array([seat[1]])
    center, zoom = fit_view(view_lon, view_lat)
    return RiderMapView(base, [others, answer], center, zoom)


def build_rider_map(results: gpd.GeoDataFrame, **kwargs) -> folium.Map:
    """:func:`build_rider_view` as one folium map (for files and tests)."""
    return build_rider_view(results, **kwargs).combined()


#: Good to bad: near to far (distance), much to little (accessibility).
DISTANCE_COLOURS = ("#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027")
#: Little to much demand.
DEMAND_COLOURS = ("#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603")
NO_VALUE_COLOUR = "#9e9e9e"
#: Room kept free on the left (px) when fitting an analysis map, so the legend hides nothing.
LEGEND_ROOM_PX = (240, 10)
OVERLAP_COLOUR = "#4a148c"
CLUSTER_COLOUR = "#b71c1c"

#: Distance classes as multiples of the service radius: within half of it, within it, ...
DISTANCE_RADIUS_MULTIPLES = (0.5, 1.0, 1.5, 2.0, 3.0)


def distance_breaks(radius_m: float) -> list[float]:
    """Upper bounds (m) of the distance classes but the last: multiples of the radius, so that
    green always means "within reach" on every map."""
    return [radius_m * m for m in DISTANCE_RADIUS_MULTIPLES]


def _round_nice(value: float) -> float:
    """``value`` rounded to two significant figures."""
    if value <= 0 or not np.isfinite(value):
        return value
    power = 10 ** (np.floor(np.log10(value)) - 1)
    return float(np.round(value / power) * power)


def quantile_breaks(values: np.ndarray, classes: int) -> list[float]:
    """Up to ``classes - 1`` rounded, increasing class bounds at even quantiles of the finite
    values (fewer when values repeat)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return []
    raw = np.quantile(finite, np.linspace(0, 1, classes + 1)[1:-1])
    return sorted({_round_nice(float(v)) for v in raw if v > finite.min()})


def classify(values: np.ndarray, breaks: list[float], colours: tuple[str, ...]) -> list[str]:
    """The colour of each value: class i holds values up to ``breaks[i]`` (inclusive); NaN grey.
    ``colours`` has at least ``len(breaks) + 1`` entries; fewer breaks use its first ones."""
    positions = np.searchsorted(np.asarray(breaks, dtype=float), values, side="left")
    palette = np.asarray(colours[: len(breaks) + 1], dtype=object)
    return [NO_VALUE_COLOUR if not np.isfinite(v) else palette[min(p, len(palette) - 1)] for v, p in zip(values, positions)]


def _class_labels(breaks: list[float], lang: str, fmt) -> list[str]:
    """"≤ 250 m", "250–500 m", …, "> 1,500 m" for the classes of ``breaks``."""
    if not breaks:
        return [t("legend_all_values", lang)]
    labels = [t("legend_up_to", lang, value=fmt(breaks[0]))]
    labels += [t("legend_between", lang, low=fmt(a), high=fmt(b)) for a, b in zip(breaks, breaks[1:])]
    return labels + [t("legend_above", lang, value=fmt(breaks[-1]))]


def _swatch(colour: str, *, opacity: float = 0.8, border: str = "#666", shape: str = "box") -> str:
    radius = "50%" if shape == "dot" else "2px"
    return (f'<span class="gh-swatch" style="background:{colour};opacity:{opacity};border:1px solid {border};'
            f'border-radius:{radius}"></span>')


def _legend_section(title: str, rows: list[tuple[str, str]], *, key: str = "") -> str:
    """A titled block of (swatch HTML, text) rows; texts are made map-safe here. ``key`` ties
    it to a layer (see :class:`_Legend`)."""
    body = "".join(f"<div>{swatch}{map_text(text)}</div>" for swatch, text in rows)
    return f'<div class="gh-legend-part" data-legend="{map_text(key)}"><b>{map_text(title)}</b>{body}</div>'


class _DataLayer(folium.map.Layer):
    """A layer of many features drawn from data by one Leaflet call: each GeoJSON feature
    carries its own ``style`` (a path, or a circle marker for a point), or ``icon`` (a div
    icon for a point), and ``tip`` (tooltip HTML, already made map-safe). Rendering it costs
    one JSON dump, not a folium element (and a Jinja template) per feature, so a map of a
    thousand hexagons renders in milliseconds on every rerun."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJSON({{ this.data_json }}, {
          style: function(f) { return f.properties.style; },
          pointToLayer: function(f, latlng) {
            return f.properties.icon ? L.marker(latlng, {icon: L.divIcon(f.properties.icon)})
                                     : L.circleMarker(latlng, f.properties.style);
          },
          onEachFeature: function(f, layer) {
            if (f.properties.tip) { layer.bindTooltip(f.properties.tip, {sticky: !f.properties.icon}); }
          }
        });
        {% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
        {% endmacro %}
        """
    )

    def __init__(self, features: list[dict], *, name: str, show: bool = True, control: bool = True) -> None:
        super().__init__(name=map_text(name), overlay=True, control=control, show=show)
        self._name = "DataLayer"
        # once: JSON safe inside a <script> element (<, >, & and ' escaped)
        self.data_json = htmlsafe_json_dumps({"type": "FeatureCollection", "features": features})

    def render(self, **kwargs) -> None:
        # as MacroElement.render, but the script goes in verbatim: branca would compile it (all
        # the data) as a Jinja template on every render, which is slow and needs no template
        self.get_root().script.add_child(_Verbatim(self._template.module.script(self, kwargs)), name=self.get_name())


class _Verbatim(Element):
    """Text rendered as it is (no template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


def _point_features(lon: np.ndarray, lat: np.ndarray, properties: list[dict]) -> list[dict]:
    return [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(x), float(y)]}, "properties": p}
            for x, y, p in zip(lon, lat, properties)]


def _hex_layer(hexes: gpd.GeoDataFrame, colours: list[str], name: str, datum: Datum, tips: list[str],
               show: bool) -> _DataLayer:
    """Hexagons filled with ``colours`` (one per row), tooltips ``tips``, in ``datum``."""
    geometry = hexes.geometry.to_numpy()
    if datum is not Datum.WGS84 and len(geometry):
        geometry = convert_geometry(geometry, source=Datum.WGS84, target=datum)
    features = [
        {"type": "Feature", "geometry": json.loads(shape),
         "properties": {"style": {"fillColor": fill, "color": "#666", "weight": 0.3, "fillOpacity": 0.55},
                        "tip": map_text(tip)}}
        for shape, fill, tip in zip(shapely.to_geojson(geometry), colours, tips)
    ]
    return _DataLayer(features, name=name, show=show)


def _station_layer(stations: gpd.GeoDataFrame, datum: Datum, lang: str, *, as_markers: bool) -> _DataLayer:
    """The stations as small dots in their type's colour (``as_markers``: round markers with the
    type's glyph, what-if stations ringed), tooltips with their names."""
    lon, lat = convert(stations.geometry.x.to_numpy(), stations.geometry.y.to_numpy(), source=Datum.WGS84, target=datum)
    names = stations["name_zh" if lang == "zh" else "name_en"].fillna(stations["name_zh"]) if len(stations) else []
    properties = []
    for station, name in zip(stations.itertuples(), names):
        info = STATION_TYPES[StationType(station.station_type)]
        if not as_markers:
            properties.append({"style": {"radius": 5, "weight": 1, "color": "#fff", "fill": True, "fillOpacity": 0.9,
                                         "fillColor": info.colour}, "tip": map_text(name)})
            continue
        whatif = str(station.id).startswith("NEW-")
        border = "solid" if station.location_status == "verified" else "dashed"
        kind = "whatif" if whatif else station.station_type
        properties.append({"tip": map_text(name), "icon": {
            "html": (f'<div class="gh-marker gh-type-{station.station_type}{" gh-whatif" if whatif else ""}" '
                     f'style="background:{info.colour};border:2px {border} #fff;">{map_text(info.glyph)}</div>'),
            "className": f"gh-icon gh-icon-{kind}", "iconSize": [28, 28], "iconAnchor": [14, 14]}})
    return _DataLayer(_point_features(lon, lat, properties), name=t("layer_stations", lang))


def _outline_layer(study_area: gpd.GeoDataFrame, datum: Datum, lang: str):
    outline = convert_geometry(study_area.union_all(), source=Datum.WGS84, target=datum)
    layer = folium.GeoJson(outline.__geo_interface__, name=_label("layer_study_area", lang),
                           style_function=lambda _: {"color": "#333", "weight": 2, "dashArray": "6 4", "fill": False})
    return outline, layer


def _station_rows(stations: gpd.GeoDataFrame, lang: str) -> dict[str, tuple[str, str]]:
    """Station type -> (its dot, "党群驿站 (7)") for the types present."""
    rows = {}
    for station_type in StationType:
        count = int((stations["station_type"] == station_type.value).sum())
        if count:
            rows[station_type.value] = (_swatch(STATION_TYPES[station_type].colour, opacity=1, border="#fff", shape="dot"),
                                        f"{station_type_label(station_type, lang)} ({count})")
    return rows


def _fit(fmap: folium.Map, outline) -> None:
    """Show the study area, clear of the legend."""
    minx, miny, maxx, maxy = outline.bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]], padding_top_left=LEGEND_ROOM_PX, padding_bottom_right=(10, 10))


def _format_m(value: float) -> str:
    return f"{value:,.0f} m"


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
    basemap: Basemap | str = Basemap.OSM,
    radius_label: str | None = None,
) -> folium.Map:
    """Coverage map: service areas united per type, overlaps (2+), the study area, a hexagon
    choropleth of distance to the nearest station (classes are multiples of ``radius_m``, m)
    and one of demand, the stations, and a legend of all of it (``radius_label`` names per-type
    radii there). Inputs in EPSG:4326; drawn in the basemap's datum."""
    basemap = Basemap(basemap)
    datum = BASEMAP_DATUM[basemap]
    outline, outline_layer = _outline_layer(study_area, datum, lang)
    fmap = _base_map((outline.centroid.x, outline.centroid.y), basemap, lang)
    fmap.add_child(_MapStyle())
    outline_layer.add_to(fmap)
    legend: list[str] = []
    tied: dict[str, folium.map.Layer] = {}
    if distance_hexes is not None and len(distance_hexes):
        breaks = distance_breaks(radius_m)
        nearest = distance_hexes["nearest_m"].to_numpy(dtype=float)
        tips = [t("tip_nearest", lang, m=v) for v in nearest]
        tied["distance"] = _hex_layer(distance_hexes, classify(nearest, breaks, DISTANCE_COLOURS),
                                      t("layer_distance_hex", lang), datum, tips, show=demand_hexes is None).add_to(fmap)
        legend.append(_legend_section(t("legend_distance_title", lang), [
            (_swatch(c), label) for c, label in zip(DISTANCE_COLOURS, _class_labels(breaks, lang, _format_m))], key="distance"))
    if demand_hexes is not None and len(demand_hexes):
        values = demand_hexes["demand"].to_numpy(dtype=float)
        breaks = quantile_breaks(values, len(DEMAND_COLOURS))
        tips = [t("tip_demand", lang, demand=d, uncovered=u) for d, u in zip(values, demand_hexes["uncovered"])]
        tied["demand"] = _hex_layer(demand_hexes, classify(values, breaks, DEMAND_COLOURS),
                                    t("layer_demand_hex", lang), datum, tips, show=True).add_to(fmap)
        legend.append(_legend_section(t("legend_demand_title", lang), [
            (_swatch(c), label) for c, label in zip(DEMAND_COLOURS, _class_labels(breaks, lang, lambda v: f"{v:,.0f}"))],
            key="demand"))
    served = set()
    for row in areas_by_type.itertuples():
        info = STATION_TYPES[StationType(row.station_type)]
        served.add(row.station_type)
        folium.GeoJson(
            convert_geometry(row.geometry, source=Datum.WGS84, target=datum).__geo_interface__,
            name=map_text(f"{t('layer_service_area', lang)} · {station_type_label(row.station_type, lang)}"),
            style_function=lambda _, colour=info.colour: {"color": colour, "weight": 1.5, "fillColor": colour, "fillOpacity": 0.12},
        ).add_to(fmap)
    # one row per type: its dot and its service area share the type's colour
    rows = [(dot + (_swatch(STATION_TYPES[StationType(kind)].colour, opacity=0.35,
                            border=STATION_TYPES[StationType(kind)].colour) if kind in served else ""), text)
            for kind, (dot, text) in _station_rows(stations, lang).items()]
    if len(overlap) and not overlap.geometry.iloc[0].is_empty:
        folium.GeoJson(
            convert_geometry(overlap.geometry.iloc[0], source=Datum.WGS84, target=datum).__geo_interface__,
            name=_label("layer_overlap", lang),
            style_function=lambda _: {"color": OVERLAP_COLOUR, "weight": 0.5, "fillColor": OVERLAP_COLOUR, "fillOpacity": 0.18},
        ).add_to(fmap)
        rows.append((_swatch(OVERLAP_COLOUR, opacity=0.4, border=OVERLAP_COLOUR), t("layer_overlap", lang)))
    _station_layer(stations, datum, lang, as_markers=False).add_to(fmap)
    rows.append(('<span class="gh-swatch gh-dashed"></span>', t("layer_study_area", lang)))
    legend.append(_legend_section(t("legend_service_title", lang, radius=radius_label or t("radius_value", lang, m=radius_m)),
                                  rows))
    fmap.add_child(_Legend(_legend_body(legend, lang), tied))
    folium.LayerControl(collapsed=True).add_to(fmap)
    _fit(fmap, outline)
    return fmap


def _legend_body(sections: list[str], lang: str) -> str:
    """The legend as a block that can be folded away (on a phone it would hide the map)."""
    return (f'<details open class="gh-legend-body"><summary><b>{map_text(t("legend_title", lang))}</b></summary>'
            f"{''.join(sections)}</details>")


#: Leaflet's images, referenced from its CSS and by the default marker icon.
_LEAFLET_IMAGES = STATIC_DIR / "leaflet" / "images"


def _data_uri(path: Path) -> str:
    return f"data:image/png;base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def standalone_html(fmap: folium.Map) -> str:
    """The map as one HTML file that works anywhere, offline: the app's static Leaflet files
    are inlined instead of linked, and the images they use (layer-control icon, default
    marker) become data URIs. Only map tiles still need the internet."""
    page = fmap.get_root().render()
    for path in sorted(STATIC_DIR.rglob("*.js")):
        url = f"{STATIC_URL}/{path.relative_to(STATIC_DIR).as_posix()}"
        page = page.replace(f'<script src="{url}"></script>', f"<script>{path.read_text(encoding='utf-8')}</script>")
    images = {path.name: _data_uri(path) for path in sorted(_LEAFLET_IMAGES.glob("*.png"))}
    for path in sorted(STATIC_DIR.rglob("*.css")):
        url = f"{STATIC_URL}/{path.relative_to(STATIC_DIR).as_posix()}"
        css = path.read_text(encoding="utf-8")
        for name, uri in images.items():
            css = css.replace(f"url(images/{name})", f"url({uri})")
        page = page.replace(f'<link rel="stylesheet" href="{url}"/>', f"<style>{css}</style>")
    default_icon = json.dumps({"iconUrl": images["marker-icon.png"], "iconRetinaUrl": images["marker-icon-2x.png"],
                               "shadowUrl": images["marker-shadow.png"]})
    return page.replace(f'L.Icon.Default.imagePath = {json.dumps(_MapStyle.image_path)};',
                        f"L.Icon.Default.imagePath = ''; L.Icon.Default.mergeOptions({default_icon});")


def build_gaps_map(
    stations: gpd.GeoDataFrame,
    *,
    picks: pd.DataFrame,
    clusters: pd.DataFrame,
    access_hexes: gpd.GeoDataFrame | None,
    study_area: gpd.GeoDataFrame,
    lang: str,
    basemap: Basemap | str = Basemap.OSM,
) -> folium.Map:
    """Gap-analysis map: stations of the scenario (what-if ones marked ``gh-whatif``),
    recommended sites (numbered, ``gh-pick``), underserved clusters sized by demand, an
    accessibility choropleth (``access``: capacity per 100 demand units), and a legend.
    ``picks``/``clusters`` have ``lon``/``lat`` (WGS-84) and where they are
    (:data:`geo.place.describe.WHERE_COLUMNS`)."""
    basemap = Basemap(basemap)
    datum = BASEMAP_DATUM[basemap]
    outline, outline_layer = _outline_layer(study_area, datum, lang)
    fmap = _base_map((outline.centroid.x, outline.centroid.y), basemap, lang)
    fmap.add_child(_MapStyle())
    outline_layer.add_to(fmap)
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
        tied["access"] = _hex_layer(access_hexes, fills, t("layer_accessibility", lang), datum, tips, show=True).add_to(fmap)
        labels = [t("legend_access_none", lang)] + _class_labels(breaks[1:], lang, lambda v: f"{v:.2g}")
        legend.append(_legend_section(t("legend_access_title", lang), [
            (_swatch(c), label) for c, label in zip(palette, labels)], key="access"))
    if len(clusters):
        c_lon, c_lat = convert(clusters["lon"].to_numpy(), clusters["lat"].to_numpy(), source=Datum.WGS84, target=datum)
        biggest = float(clusters["demand"].max()) or 1.0
        _DataLayer(_point_features(c_lon, c_lat, [
            {"style": {"radius": 6 + 18 * (row.demand / biggest) ** 0.5, "color": CLUSTER_COLOUR, "weight": 2, "fill": True,
                       "fillOpacity": 0.25},
             "tip": map_text(t("tip_cluster", lang, demand=row.demand, where=where_text(row, lang)))}
            for row in clusters.itertuples()]), name=t("layer_clusters", lang)).add_to(fmap)
    _station_layer(stations, datum, lang, as_markers=True).add_to(fmap)
    whatif_count = int(stations["id"].astype(str).str.startswith("NEW-").sum())
    if len(picks):
        p_lon, p_lat = convert(picks["lon"].to_numpy(), picks["lat"].to_numpy(), source=Datum.WGS84, target=datum)
        _DataLayer(_point_features(p_lon, p_lat, [
            {"tip": map_text(t("tip_pick", lang, rank=int(row.rank), where=where_text(row, lang), gain=row.gain)),
             "icon": {"html": f'<div class="gh-marker gh-pick" style="background:#000;border:2px solid #ffd600">★{int(row.rank)}</div>',
                      "className": "gh-icon gh-icon-pick", "iconSize": [30, 30], "iconAnchor": [15, 15]}}
            for row in picks.itertuples()]), name=t("layer_recommended", lang)).add_to(fmap)
    symbols = [('<span class="gh-swatch gh-pick-swatch">★</span>', t("legend_recommended", lang)),
               (_swatch(CLUSTER_COLOUR, opacity=0.5, border=CLUSTER_COLOUR, shape="dot"), t("legend_clusters", lang))]
    if whatif_count:
        symbols.append(('<span class="gh-swatch gh-whatif-swatch"></span>', t("legend_whatif", lang)))
    symbols.append(('<span class="gh-swatch gh-dashed"></span>', t("layer_study_area", lang)))
    legend.append(_legend_section(t("legend_symbols_title", lang), symbols))
    legend.append(_legend_section(t("layer_stations", lang), list(_station_rows(stations, lang).values())))
    fmap.add_child(_Legend(_legend_body(legend, lang), tied))
    folium.LayerControl(collapsed=True).add_to(fmap)
    _fit(fmap, outline)
    return fmap


#: Colour of a report marker by state (geo.feedback.vocabulary.ReportState codes).
REPORT_STATE_COLOURS = {"new": "#d32f2f", "verified": "#f57c00", "dispatched": "#1976d2", "resolved": "#388e3c",
                        "rejected": "#757575"}


def build_report_pick_map(*, lang: str, basemap: Basemap | str = Basemap.OSM, zoom: int = 16,
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
    basemap = Basemap(basemap)
    datum = BASEMAP_DATUM[basemap]

    def to_map(lon, lat):
        return convert(lon, lat, source=Datum.WGS84, target=datum)

    centre = to_map(*(centre_lonlat or station_lonlat or COUNTY_SEAT_LONLAT))
    fmap = _base_map((float(centre[0]), float(centre[1])), basemap, lang, url_prefix=url_prefix)
    fmap.options["zoom"] = zoom
    fmap.add_child(_MapStyle())
    if boundary is not None and len(boundary):
        outline = convert_geometry(boundary.union_all(), source=Datum.WGS84, target=datum)
        folium.GeoJson(outline.__geo_interface__, name=_label("layer_boundary", lang), interactive=False,
                       style_function=lambda _: {"color": "#555", "weight": 2, "dashArray": "6 4", "fill": False},
                       ).add_to(fmap)
    context = folium.FeatureGroup(name=_label("layer_report_context", lang), control=False)
    if stations is not None and len(stations):
        lon, lat = to_map(stations.geometry.x.to_numpy(), stations.geometry.y.to_numpy())
        for (_, station), x, y in zip(stations.iterrows(), np.atleast_1d(lon), np.atleast_1d(lat)):
            colour = STATION_TYPES[StationType(station.station_type)].colour
            _place_label(context, float(x), float(y), station.name_zh if lang == "zh" else station.name_en,
                         colour=colour, css_class="gh-place-station")
    if landmarks is not None and len(landmarks):
        known = landmarks.dropna(subset=["lon", "lat"]).drop_duplicates(subset=["lon", "lat"])
        lon, lat = to_map(known["lon"].to_numpy(dtype=float), known["lat"].to_numpy(dtype=float))
        for (_, landmark), x, y in zip(known.iterrows(), np.atleast_1d(lon), np.atleast_1d(lat)):
            _place_label(context, float(x), float(y), landmark.name_zh if lang == "zh" else landmark.name_en,
                         colour="#455a64", css_class="gh-place-landmark")
    context.add_to(fmap)
    if station_lonlat is not None:
        x, y = to_map(*station_lonlat)
        folium.Marker(
            location=[float(y), float(x)], interactive=False,
            icon=folium.DivIcon(html='<div class="gh-registered"></div>', icon_size=(22, 22), icon_anchor=(11, 11),
                                class_name="gh-icon gh-icon-registered"),
        ).add_to(fmap)
    return fmap


def report_place_layer(picked_lonlat: tuple[float, float] | None, *, basemap: Basemap | str = Basemap.OSM
                       ) -> folium.FeatureGroup:
    """The picked place (WGS-84 lon/lat; none yet: an empty layer) as a marker in the datum of
    ``basemap``, to lay over :func:`build_report_pick_map`."""
    layer = folium.FeatureGroup(name="picked", control=False)
    if picked_lonlat is not None:
        x, y = convert(*picked_lonlat, source=Datum.WGS84, target=BASEMAP_DATUM[Basemap(basemap)])
        folium.Marker(
            location=[float(y), float(x)], interactive=False,
            icon=folium.DivIcon(html='<div class="gh-rider"></div>', icon_size=(24, 24), icon_anchor=(12, 12),
                                class_name="gh-icon gh-icon-report-place"),
            z_index_offset=1000,
        ).add_to(layer)
    return layer


def _place_label(layer: folium.FeatureGroup, x: float, y: float, name: str, *, colour: str, css_class: str) -> None:
    """A small dot with its name beside it, which lets taps through to the map."""
    folium.Marker(
        location=[y, x], interactive=False,
        icon=folium.DivIcon(
            html=(f'<div class="gh-place {css_class}"><span class="gh-place-dot" style="background:{colour}"></span>'
                  f'<span class="gh-place-name">{map_text(name)}</span></div>'),
            icon_size=(160, 16), icon_anchor=(6, 8), class_name="gh-icon gh-icon-place",
        ),
    ).add_to(layer)


_REPORT_CLUSTER_ICON_JS = """
function(cluster) {
  return L.divIcon({
    html: '<div><span>' + cluster.getChildCount() + '</span></div>',
    className: 'marker-cluster gh-cluster gh-report-cluster',
    iconSize: new L.Point(36, 36)
  });
}
"""


def build_reports_map(reports: pd.DataFrame, *, labels: dict[int, str], lang: str,
                      basemap: Basemap | str = Basemap.OSM, url_prefix: str = "") -> folium.Map:
    """Reports as circles coloured by state (``reports``: the store's table, WGS-84); reports
    drawn on top of each other gather in a numbered cluster that opens on a tap. The tooltip of
    each is ``labels[id]``: text the app makes (reference code first, category, state), never a
    rider's note, so no report text reaches the map's template or script. The planner's
    selection goes on top as :func:`selected_reports_layer`."""
    basemap = Basemap(basemap)
    datum = BASEMAP_DATUM[basemap]
    lon, lat = convert(reports["lon"].to_numpy(), reports["lat"].to_numpy(), source=Datum.WGS84, target=datum)
    lon, lat = np.atleast_1d(lon), np.atleast_1d(lat)
    centre = ((float(lon.min() + lon.max()) / 2, float(lat.min() + lat.max()) / 2) if len(reports)
              else convert(*COUNTY_SEAT_LONLAT, source=Datum.WGS84, target=datum))
    fmap = _base_map((float(centre[0]), float(centre[1])), basemap, lang, url_prefix=url_prefix)
    fmap.add_child(_MapStyle())
    cluster = folium.plugins.MarkerCluster(
        name=_label("layer_reports", lang), control=False, icon_create_function=_REPORT_CLUSTER_ICON_JS,
        options={"maxClusterRadius": 24, "spiderfyOnMaxZoom": True, "showCoverageOnHover": False,
                 "zoomToBoundsOnClick": True},
    )
    _local_assets(
        cluster,
        {"markerclusterjs": "markercluster/leaflet.markercluster.js"},
        {"markerclustercss": "markercluster/MarkerCluster.css",
         "markerclusterdefaultcss": "markercluster/MarkerCluster.Default.css"},
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


def selected_reports_layer(reports: pd.DataFrame, *, basemap: Basemap | str = Basemap.OSM) -> folium.FeatureGroup:
    """A thick ring around each of ``reports`` (the planner's selection; WGS-84), which lets
    taps through to the report under it."""
    layer = folium.FeatureGroup(name="selected", control=False)
    if len(reports):
        lon, lat = convert(reports["lon"].to_numpy(), reports["lat"].to_numpy(), source=Datum.WGS84,
                           target=BASEMAP_DATUM[Basemap(basemap)])
        for x, y in zip(np.atleast_1d(lon), np.atleast_1d(lat)):
            # a marker, not a circle: folium passes `interactive` to markers only
            folium.Marker(location=[float(y), float(x)], interactive=False, icon=folium.DivIcon(
                html='<div class="gh-selected-ring"></div>', icon_size=(32, 32), icon_anchor=(16, 16),
                class_name="gh-icon gh-icon-selected")).add_to(layer)
    return layer
