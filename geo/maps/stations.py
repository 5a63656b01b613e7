"""Stations on a map: their markers (the type's colour and glyph; dashed while the position is
not verified), their popups (every value from the data made map-safe) and the link to a station's
feedback form."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlencode

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.i18n import DEFAULT_LANGUAGE, LANGUAGES, describe_opening, hours_written, label_of, name_in, t
from geo.maps.base import map_label
from geo.markup import map_text
from geo.place.datum import Datum, convert
from geo.register.model import AMENITIES, STATION_TYPES, StationType

#: Types drawn in marker clusters: the numerous ones that would otherwise overlap.
CLUSTERED_TYPES = frozenset({StationType.NEIGHBOURHOOD, StationType.PARKING})


def cluster_icon_js(station_type: StationType) -> str:
    """The JavaScript that draws a cluster of ``station_type`` (``ghClusterIcon`` of ``assets/map.js``)."""
    return f"ghClusterIcon({json.dumps(STATION_TYPES[station_type].colour)}, {json.dumps(f'gh-cluster-{station_type.value}')})"


def station_popup_html(
    station: pd.Series, *, lang: str, moment: datetime, community_names: dict[str, str],
    feedback_url: str | None = None,
) -> str:
    """Popup HTML for one station; every value from the data is HTML-escaped. With
    ``feedback_url`` (a URL of the app, made by :func:`station_feedback_url`), a "report a
    problem with this station" link that opens the report page in the whole window."""
    esc = map_text
    name = name_in(station, lang)
    # the name in the page's other language too: a rider asks people the way in Chinese
    other_name = " / ".join(dict.fromkeys(name_in(station, other) for other in LANGUAGES if other != lang))
    amenities = station.amenities or []
    amenity_html = (
        " ".join(
            f'<span class="gh-amenity">{AMENITIES[a].icon}&nbsp;{esc(label_of("amenity", a, lang))}</span>'
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
        row("popup_type", esc(label_of("station_type", station.station_type, lang))),
        row("popup_community", text_or_unknown(community)),
        row("popup_address", text_or_unknown(station.address)),
        row("popup_amenities", amenity_html),
        row(
            "popup_hours",
            f"{esc(hours_written(station.opening_hours, lang))}"
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
    query = {"station": station_id, **({"lang": lang} if lang != DEFAULT_LANGUAGE else {})}
    return f"{base_path.rstrip('/')}/report?{urlencode(query)}"


def marker_icon(station_type: StationType, verified: bool, *, rank: int | None = None) -> folium.DivIcon:
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


def named_marker_icon(station_type: StationType, verified: bool, name: str, *, rank: int | None = None,
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


def named_places_layer(stations: gpd.GeoDataFrame | None, landmarks: pd.DataFrame | None, *, datum: Datum,
                       lang: str) -> folium.FeatureGroup:
    """Stations (the register, WGS-84) and ``landmarks`` (``name_zh``, ``name_en``, ``lon``,
    ``lat``) as small named dots in ``datum`` that let taps through: a map readable with no tiles."""
    layer = folium.FeatureGroup(name=map_label("layer_report_context", lang), control=False)
    if stations is not None and len(stations):
        lon, lat = convert(stations.geometry.x.to_numpy(), stations.geometry.y.to_numpy(), source=Datum.WGS84, target=datum)
        for (_, station), x, y in zip(stations.iterrows(), np.atleast_1d(lon), np.atleast_1d(lat)):
            _place_label(layer, float(x), float(y), name_in(station, lang),
                         colour=STATION_TYPES[StationType(station.station_type)].colour, css_class="gh-place-station")
    if landmarks is not None and len(landmarks):
        known = landmarks.dropna(subset=["lon", "lat"]).drop_duplicates(subset=["lon", "lat"])
        lon, lat = convert(known["lon"].to_numpy(dtype=float), known["lat"].to_numpy(dtype=float), source=Datum.WGS84,
                           target=datum)
        for (_, landmark), x, y in zip(known.iterrows(), np.atleast_1d(lon), np.atleast_1d(lat)):
            _place_label(layer, float(x), float(y), name_in(landmark, lang), colour="#455a64", css_class="gh-place-landmark")
    return layer
