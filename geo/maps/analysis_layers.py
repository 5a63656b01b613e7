"""What the planners' maps share: colour classes (distance, demand, accessibility), hexagon and
station layers drawn from data, the study area's outline and a view fitted clear of the legend."""

from __future__ import annotations

import json

import folium
import geopandas as gpd
import numpy as np
import shapely

from geo.i18n import label_of, names_in, t
from geo.maps.base import DataLayer, map_label, point_features, swatch
from geo.markup import map_text
from geo.place.datum import Datum, convert, convert_geometry
from geo.register.model import STATION_TYPES, StationType

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


def class_labels(breaks: list[float], lang: str, fmt) -> list[str]:
    """"≤ 250 m", "250–500 m", …, "> 1,500 m" for the classes of ``breaks``."""
    if not breaks:
        return [t("legend_all_values", lang)]
    labels = [t("legend_up_to", lang, value=fmt(breaks[0]))]
    labels += [t("legend_between", lang, low=fmt(a), high=fmt(b)) for a, b in zip(breaks, breaks[1:])]
    return labels + [t("legend_above", lang, value=fmt(breaks[-1]))]


def hex_layer(hexes: gpd.GeoDataFrame, colours: list[str], name: str, datum: Datum, tips: list[str],
               show: bool) -> DataLayer:
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
    return DataLayer(features, name=name, show=show)


def station_layer(stations: gpd.GeoDataFrame, datum: Datum, lang: str, *, as_markers: bool) -> DataLayer:
    """The stations as small dots in their type's colour (``as_markers``: round markers with the
    type's glyph, what-if stations ringed), tooltips with their names."""
    lon, lat = convert(stations.geometry.x.to_numpy(), stations.geometry.y.to_numpy(), source=Datum.WGS84, target=datum)
    names = names_in(stations, lang) if len(stations) else []
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
    return DataLayer(point_features(lon, lat, properties), name=t("layer_stations", lang))


def outline_layer(study_area: gpd.GeoDataFrame, datum: Datum, lang: str):
    outline = convert_geometry(study_area.union_all(), source=Datum.WGS84, target=datum)
    layer = folium.GeoJson(outline.__geo_interface__, name=map_label("layer_study_area", lang),
                           style_function=lambda _: {"color": "#333", "weight": 2, "dashArray": "6 4", "fill": False})
    return outline, layer


def station_type_rows(stations: gpd.GeoDataFrame, lang: str) -> dict[str, tuple[str, str]]:
    """Station type -> (its dot, "党群驿站 (7)") for the types present."""
    rows = {}
    for station_type in StationType:
        count = int((stations["station_type"] == station_type.value).sum())
        if count:
            rows[station_type.value] = (swatch(STATION_TYPES[station_type].colour, opacity=1, border="#fff", shape="dot"),
                                        f"{label_of('station_type', station_type, lang)} ({count})")
    return rows


def fit_study_area(fmap: folium.Map, outline) -> None:
    """Show the study area, clear of the legend."""
    minx, miny, maxx, maxy = outline.bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]], padding_top_left=LEGEND_ROOM_PX, padding_bottom_right=(10, 10))


def format_metres(value: float) -> str:
    return f"{value:,.0f} m"
