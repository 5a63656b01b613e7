"""What every map of the app shares (folium/Leaflet, no Streamlit): Leaflet and its plugins from
the app's own static folder (never a CDN, so a map works with no internet), the deployment's tiles
in their datum, a metric scale, a notice when tiles fail, the styles, legends tied to layers, data
layers drawn by one Leaflet call, and a map saved as one file that works offline.

The map's own JavaScript and CSS are files beside this module (``assets/``), put into each map as
they are: data never passes through them, it reaches the map as JSON arguments.
"""

from __future__ import annotations

import base64
from pathlib import Path

import folium
import folium.plugins
import numpy as np
from branca.element import Element, MacroElement
from jinja2 import Template
from jinja2.utils import htmlsafe_json_dumps

from geo.i18n import t
from geo.maps.basemaps import Basemap, BasemapSettings, basemap_settings
from geo.markup import map_text
from geo.place.datum import Datum, convert

#: Where Streamlit serves the app's ``static/`` folder (``enableStaticServing``).
STATIC_URL = "/app/static"
STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
ASSETS_DIR = Path(__file__).resolve().parent / "assets"

DEFAULT_ZOOM = 14
MAX_ZOOM = 19

#: Leaflet's images, referenced from its CSS and by the default marker icon.
_LEAFLET_IMAGES = STATIC_DIR / "leaflet" / "images"


def map_tiles(basemap: Basemap | str | None, settings: BasemapSettings | None) -> tuple[Basemap, BasemapSettings]:
    """The basemap a map is drawn on (default: the deployment's first) and the deployment's
    settings (default: those of the environment, :func:`geo.maps.basemaps.basemap_settings`)."""
    settings = settings if settings is not None else basemap_settings()
    return Basemap(basemap or settings.default), settings


def map_point_to_wgs84(lon: float, lat: float, basemap: Basemap | str, settings: BasemapSettings | None = None
                       ) -> tuple[float, float]:
    """A point picked on a map (e.g. a click) in the basemap's datum, back in WGS-84."""
    basemap, settings = map_tiles(basemap, settings)
    lon_w, lat_w = convert(lon, lat, source=settings.datum(basemap), target=Datum.WGS84)
    return float(lon_w), float(lat_w)


def map_label(key: str, lang: str, **values: object) -> str:
    """A catalogue string made safe for map HTML (its ``{fields}`` may carry data)."""
    return map_text(t(key, lang, **values))


def local_assets(element: folium.elements.JSCSSMixin, js: dict[str, str], css: dict[str, str]) -> None:
    """Load ``element``'s scripts and styles from the app's static folder, not a CDN."""
    element.default_js = [(name, f"{STATIC_URL}/{path}") for name, path in js.items()]
    element.default_css = [(name, f"{STATIC_URL}/{path}") for name, path in css.items()]


def local_marker_cluster(**kwargs) -> folium.plugins.MarkerCluster:
    """folium's MarkerCluster with its plugin loaded from the app's static folder."""
    cluster = folium.plugins.MarkerCluster(**kwargs)
    local_assets(
        cluster,
        {"markerclusterjs": "markercluster/leaflet.markercluster.js"},
        {"markerclustercss": "markercluster/MarkerCluster.css",
         "markerclusterdefaultcss": "markercluster/MarkerCluster.Default.css"},
    )
    return cluster


class _Call(MacroElement):
    """One call of a function of ``assets/map.js`` on the map: ``name(map, *arguments)``, the
    arguments as JSON (safe inside a script element)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.function }}({{ this._parent.get_name() }}{% for argument in this.arguments %}, {{ argument }}{% endfor %});
        {% endmacro %}
        """
    )

    def __init__(self, function: str, *arguments: object) -> None:
        super().__init__()
        self._name = function
        self.function = function
        self.arguments = [htmlsafe_json_dumps(argument) for argument in arguments]


class MapStyle(MacroElement):
    """The map's CSS (``assets/map.css``) in the page head, its functions (``assets/map.js``) at
    the start of the map's script (streamlit-folium puts the head in with innerHTML, where a
    script would not run), and the call that sets up Leaflet's images and the map's press and
    link handling (``ghMapStyle``). Every map adds it first (:func:`base_map`), so the other
    elements' scripts find the functions defined."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        {{ this.js }}
        ghMapStyle({{ this._parent.get_name() }}, {{ this.options }});
        {% endmacro %}
        """
    )
    css = (ASSETS_DIR / "map.css").read_text(encoding="utf-8")
    js = (ASSETS_DIR / "map.js").read_text(encoding="utf-8")
    image_path = f"{STATIC_URL}/leaflet/images/"

    def __init__(self) -> None:
        super().__init__()
        self._name = "MapStyle"
        self.options = htmlsafe_json_dumps({"imagePath": self.image_path})


class _MetricScale(MacroElement):
    """A metric-only scale bar (Leaflet's default also shows feet and miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


def base_map(center_lonlat: tuple[float, float], basemap: Basemap, settings: BasemapSettings, lang: str, *,
             url_prefix: str = "") -> folium.Map:
    """An empty map of the app at ``center_lonlat`` (in the basemap's datum): the basemap's tile
    layers (``url_prefix``: the app's base URL path, for tiles the app serves itself), a metric
    scale, the styles, and a notice for when the tiles cannot be loaded."""
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
    local_assets(
        fmap,
        {"leaflet": "leaflet/leaflet.js", "jquery": "jquery/jquery.min.js"},
        {"leaflet_css": "leaflet/leaflet.css"},
    )
    fmap.add_child(MapStyle())
    layers = settings.layers(basemap, url_prefix=url_prefix)
    for number, layer in enumerate(layers):
        folium.TileLayer(
            layer.url,
            attr=map_text(layer.attribution) or "&#8203;",
            name=map_label(f"basemap_{Basemap(basemap).value}", lang) + ("" if number == 0 else " +"),
            subdomains=layer.subdomains or "abc",
            max_zoom=MAX_ZOOM,
            max_native_zoom=layer.max_native_zoom,
            overlay=number > 0,
            control=number == 0,
        ).add_to(fmap)
    fmap.add_child(_MetricScale())
    if layers:
        fmap.add_child(_Call("ghTileTrouble", map_label("tiles_failed", lang)))
    return fmap


class Legend(MacroElement):
    """A fixed legend in the map's corner (:func:`ghLegend`). Sections tied to a layer
    (``layers``: section key -> layer) show only while that layer is on the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        ghLegend({{ this._parent.get_name() }}, {{ this.legend_html|tojson }},
                 [{% for key, layer in this.layers.items() %}[{{ key|tojson }}, {{ layer.get_name() }}],{% endfor %}]);
        {% endmacro %}
        """
    )

    def __init__(self, legend_html: str, layers: dict[str, folium.map.Layer] | None = None) -> None:
        super().__init__()
        self._name = "Legend"
        self.legend_html = legend_html
        self.layers = layers or {}


def swatch(colour: str, *, opacity: float = 0.8, border: str = "#666", shape: str = "box") -> str:
    """A legend's colour sample: a box, or a dot (``shape="dot"``)."""
    radius = "50%" if shape == "dot" else "2px"
    return (f'<span class="gh-swatch" style="background:{colour};opacity:{opacity};border:1px solid {border};'
            f'border-radius:{radius}"></span>')


def legend_section(title: str, rows: list[tuple[str, str]], *, key: str = "") -> str:
    """A titled block of (swatch HTML, text) rows; texts are made map-safe here. ``key`` ties
    it to a layer (see :class:`Legend`)."""
    body = "".join(f"<div>{swatch}{map_text(text)}</div>" for swatch, text in rows)
    return f'<div class="gh-legend-part" data-legend="{map_text(key)}"><b>{map_text(title)}</b>{body}</div>'


def legend_body(sections: list[str], lang: str) -> str:
    """The legend as a block that can be folded away (on a phone it would hide the map)."""
    return (f'<details open class="gh-legend-body"><summary><b>{map_text(t("legend_title", lang))}</b></summary>'
            f"{''.join(sections)}</details>")


class DataLayer(folium.map.Layer):
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


def point_features(lon: np.ndarray, lat: np.ndarray, properties: list[dict]) -> list[dict]:
    return [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(x), float(y)]}, "properties": p}
            for x, y, p in zip(lon, lat, properties)]


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
    inlined = {"imagePath": "", "icon": {"iconUrl": images["marker-icon.png"], "iconRetinaUrl": images["marker-icon-2x.png"],
                                         "shadowUrl": images["marker-shadow.png"]}}
    return page.replace(htmlsafe_json_dumps({"imagePath": MapStyle.image_path}), htmlsafe_json_dumps(inlined))
