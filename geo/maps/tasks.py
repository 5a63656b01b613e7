"""The dispatcher's map of a community's tasks (no Streamlit): each task with an exact place as
a circle coloured by its state, the task chosen in the list ringed on top.

Tooltips are text the app makes (the task's code, category and state), never a resident's note
or contact, and go through :func:`geo.markup.map_text`. Tasks with only a community have no
point and are not drawn.
"""

from __future__ import annotations

import folium
import numpy as np
import pandas as pd

from geo.maps.base import base_map, map_tiles
from geo.maps.basemaps import Basemap, BasemapSettings
from geo.maps.stations import named_places_layer
from geo.markup import map_text
from geo.place.datum import Datum, convert
from geo.register.model import COUNTY_SEAT_LONLAT

#: Colour of a task by state (geo.tasks.vocabulary.TaskState codes).
TASK_STATE_COLOURS = {"new": "#d32f2f", "dispatched": "#f57c00", "taken": "#1976d2", "done": "#388e3c",
                      "rated": "#2e7d32", "cancelled": "#757575"}


def build_tasks_map(tasks: pd.DataFrame, *, labels: dict[str, str], lang: str, basemap: Basemap | str | None = Basemap.OSM,
                    settings: BasemapSettings | None = None, stations: pd.DataFrame | None = None, landmarks: pd.DataFrame | None = None,
                    centre_lonlat: tuple[float, float] | None = None, url_prefix: str = "") -> folium.Map:
    """``tasks`` (columns ``code``, ``state``, ``lon``, ``lat``; WGS-84) as circles coloured by
    state, with the tooltip ``labels[code]``; the view fits them (the town's seat when none).
    ``stations`` (the register) and ``landmarks`` (``name_zh``, ``name_en``, ``lon``, ``lat``) are
    drawn as named dots that let taps through, so the map is readable with no tiles. With no task
    to draw, the map shows ``centre_lonlat`` (e.g. the community's centre; WGS-84) up close."""
    basemap, settings = map_tiles(basemap, settings)
    datum = settings.datum(basemap)
    placed = tasks.dropna(subset=["lon", "lat"])
    lon, lat = convert(placed["lon"].to_numpy(float), placed["lat"].to_numpy(float), source=Datum.WGS84, target=datum)
    lon, lat = np.atleast_1d(lon), np.atleast_1d(lat)
    centre = ((float(lon.mean()), float(lat.mean())) if len(placed)
              else tuple(float(v) for v in convert(*(centre_lonlat or COUNTY_SEAT_LONLAT), source=Datum.WGS84,
                                                   target=datum)))
    fmap = base_map(centre, basemap, settings, lang, url_prefix=url_prefix)
    named_places_layer(stations, landmarks, datum=datum, lang=lang).add_to(fmap)
    for code, state, x, y in zip(placed["code"], placed["state"], lon, lat):
        folium.CircleMarker(
            location=[float(y), float(x)], radius=9, color="#fff", weight=2, fill=True, fill_opacity=0.9,
            fill_color=TASK_STATE_COLOURS[state], class_name=f"gh-task gh-task-{state}",
            tooltip=map_text(labels[code]),
        ).add_to(fmap)
    if len(placed) > 1:
        fmap.fit_bounds([[float(lat.min()), float(lon.min())], [float(lat.max()), float(lon.max())]],
                        padding=(30, 30), max_zoom=17)
    else:
        fmap.options["zoom"] = 16
    return fmap


def chosen_task_layer(lonlat: tuple[float, float] | None, *, basemap: Basemap | str | None = Basemap.OSM,
                      settings: BasemapSettings | None = None) -> folium.FeatureGroup:
    """A ring around the chosen task (WGS-84), letting taps through."""
    basemap, settings = map_tiles(basemap, settings)
    layer = folium.FeatureGroup(name="chosen", control=False)
    if lonlat is not None:
        x, y = convert(*lonlat, source=Datum.WGS84, target=settings.datum(basemap))
        folium.Marker(location=[float(y), float(x)], interactive=False, icon=folium.DivIcon(
            html='<div class="gh-selected-ring"></div>', icon_size=(32, 32), icon_anchor=(16, 16),
            class_name="gh-icon gh-icon-selected")).add_to(layer)
    return layer
