"""The data a phone keeps so that ``/m`` still answers with no network: the register (each
station's position, names, amenities, hours), when each distinct ``opening_hours`` is open over
the next two weeks (so the browser needs no parser of the OpenStreetMap syntax), the
villages/communities, and the gazetteer with the search keys of each place.

Served as one JSON document per register version (``/m/offline.json?v=VERSION``); the page's
service worker caches it and the page's script answers from it (``web/static/m-core.js``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import opening_hours
import pandas as pd

from geo.analysis.nearest import DETOUR_FACTOR, EBIKE_SPEED_KMH, WALK_SPEED_KMH
from geo.i18n import LANGUAGES, hours_written, name_in
from geo.place.gazetteer import place_search_keys
from geo.register.model import TOWN_EXTENT_LONLAT, TOWN_EXTENT_MARGIN_M
from geo.rider.page import NAV_APPS, RIDER_AMENITIES
from geo.rider.snapshot import RegisterSnapshot

#: How far ahead opening times are listed; beyond it the page says the hours are unknown.
HORIZON_DAYS = 14

#: Station fields the page needs (the rest of the register stays on the server).
STATION_FIELDS = ("id", "station_type", "name_zh", "name_en", "community_code", "address", "amenities",
                  "opening_hours", "phone", "location_status", "hours_status", "lon", "lat")

_STATE_CODES = {"open": "o", "closed": "c", "unknown": "u"}


def opening_intervals(expression: str, start: datetime, days: int = HORIZON_DAYS) -> list[list[Any]]:
    """``[[from_min, to_min, "o"|"c"|"u"], ...]``: the states of ``expression`` from ``start``
    (local wall-clock time) for ``days`` days, in minutes after ``start``, touching end to end."""
    parsed = opening_hours.OpeningHours(expression)
    end = start + timedelta(days=days)
    intervals: list[list[Any]] = []
    for begin, finish, state, _comment in parsed.intervals(start, end):
        finish = min(finish or end, end)
        code = _STATE_CODES[str(state).rsplit(".", 1)[-1].lower()]
        first, last = int((begin - start).total_seconds() // 60), int((finish - start).total_seconds() // 60)
        if intervals and intervals[-1][2] == code and intervals[-1][1] == first:
            intervals[-1][1] = last
        elif last > first:
            intervals.append([first, last, code])
    return intervals


def _search_entries(gazetteer: pd.DataFrame) -> list[dict[str, Any]]:
    """Every place of the gazetteer with its search keys (Chinese forms, pinyin/English forms)."""
    entries = []
    for row in gazetteer.itertuples(index=False):
        han, latin = place_search_keys(row.name_zh, row.name_en, row.aliases or "")
        known = pd.notna(row.lon) and pd.notna(row.lat)
        entries.append({
            "name_zh": row.name_zh, "name_en": row.name_en, "kind": row.kind,
            "lon": round(float(row.lon), 7) if known else None, "lat": round(float(row.lat), 7) if known else None,
            "note_zh": row.note_zh if isinstance(row.note_zh, str) else "",
            "note_en": row.note_en if isinstance(row.note_en, str) else "",
            "han": han, "latin": [key for key in latin if key],
        })
    return entries


def offline_payload(snapshot: RegisterSnapshot, *, moment: datetime) -> dict[str, Any]:
    """The document a phone caches for register ``snapshot.version``; its opening times start
    at local midnight of ``moment``'s day."""
    day0 = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    expressions = sorted(set(record["opening_hours"] for record in snapshot.records))
    communities = {row.code: {lang: name_in(row, lang) for lang in LANGUAGES}
                   for row in snapshot.communities.itertuples(index=False)}
    return {
        "version": snapshot.version,
        "register_modified": snapshot.modified_at.isoformat(timespec="minutes"),
        "made_at": moment.isoformat(timespec="minutes"),
        "day0": day0.isoformat(timespec="minutes"),
        "horizon_min": HORIZON_DAYS * 24 * 60,
        "hours": {expression: {"intervals": opening_intervals(expression, day0),
                               "text": {lang: hours_written(expression, lang) for lang in LANGUAGES}}
                  for expression in expressions},
        "stations": [{name: record.get(name) for name in STATION_FIELDS} for record in snapshot.records],
        "communities": communities,
        "places": _search_entries(snapshot.gazetteer),
        "town_extent": {"west_south_east_north": list(TOWN_EXTENT_LONLAT), "margin_m": TOWN_EXTENT_MARGIN_M},
        "trip": {"detour_factor": DETOUR_FACTOR, "ebike_kmh": EBIKE_SPEED_KMH, "walk_kmh": WALK_SPEED_KMH},
        "vocabulary": {"amenities": list(RIDER_AMENITIES), "nav_apps": list(NAV_APPS)},
    }
