"""What the light rider page (``/m``) says, as plain values: the query it was opened with, the
answer cards, the never-empty explanation, the notes at the foot, one station's page.

The server renders these into HTML (``web/templates/m.html``); the page's script
(``web/static/m-core.js``) makes the same cards from the same answer payload after a tap or
offline, so the functions here and there must agree (``tests/test_rider_page.py`` runs both).
Every text comes from the catalogues; station names and other register text are data and are
escaped by whoever writes them out (Jinja's autoescape, the script's ``textContent``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from geo.analysis.nearest import DETOUR_FACTOR, EBIKE_SPEED_KMH, WALK_SPEED_KMH
from geo.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    catalogue,
    format_distance,
    format_minutes,
    hours_written,
    label_of,
    name_in,
    t,
)
from geo.readers import parse_position
from geo.register.model import AMENITIES, STATION_TYPES, StationType
from geo.rider.navigation import navigation_links

#: Navigation apps, as named in :class:`geo.rider.navigation.NavigationLinks`; the first is the default.
NAV_APPS = ("amap", "baidu", "geo")
#: The cookie that keeps a phone's navigation app (its name only), shared with the Streamlit rider page.
NAV_COOKIE = "gaohe_nav"
#: How many results a rider may ask for.
RESULT_COUNTS = (1, 3, 5, 10)
MODES = ("rest", "parking")
#: Amenities a rider may filter rest stops by (parking is what the other mode is for).
RIDER_AMENITIES = tuple(a for a in AMENITIES if a != "parking")

#: Catalogue keys the page's script needs to say what the server says.
SCRIPT_STRING_KEYS = (
    "navigate", "navigate_unverified", "navigate_with", "more", "feedback", "unverified_card_note",
    "coordinates_wgs84", "coordinates_gcj02", "details", "popup_address", "popup_hours", "popup_phone",
    "popup_amenities", "popup_unknown", "popup_none", "hours_unverified", "route_straight", "route_road", "ebike_eta",
    "walk_eta", "open_now", "closed_now", "closes_at", "opens_at", "closes_in", "opens_in", "always_open",
    "hours_unknown", "empty_open_now", "empty_types", "empty_amenities", "empty_no_stations", "first_to_open",
    "today_at", "tomorrow_at", "date_at", "open_now_elsewhere", "nothing_open_anywhere", "you_are_here",
    "baidu_sends_origin", "nav_app_amap", "nav_app_baidu", "nav_app_geo", "kind_rest", "kind_parking",
    "outside_town", "your_position", "place_not_found", "place_pick", "place_set", "place_no_position",
    "position_waiting", "position_denied", "position_unavailable", "position_timeout", "position_insecure",
    "position_unsupported", "position_instead_rider", "m_offline", "m_offline_search", "m_answer_failed",
    "m_fb_sent", "m_fb_queued", "m_fb_failed", "m_fb_sending", "m_fb_which_amenity", "m_fb_queued_sent",
    "m_locating", "m_searching", "m_station_unknown", "status_unverified", "m_tiles_failed", "m_nearby_here",
    "m_card_title", "m_fb_title", "m_fb_closed", "m_fb_moved", "m_fb_missing_amenity", "m_fb_hours_wrong",
    "m_fb_other", "m_fb_note", "m_fb_here", "m_fb_privacy", "m_fb_status", "m_station_title",
)


# --- the query ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PageQuery:
    """What ``/m`` was asked: ``?at=lon,lat`` (WGS-84) or ``?station=ID``, the language, rest
    stops or parking, amenities (any of them), open now only, how many, a typed place."""

    lang: str = DEFAULT_LANGUAGE
    at: tuple[float, float] | None = None
    station: str | None = None
    mode: str = "rest"
    amenities: tuple[str, ...] = ()
    open_now: bool = True
    k: int = 3
    place_query: str = ""
    #: Parts of the address that could not be used (``"at"``...): the page says it ignored them.
    ignored: tuple[str, ...] = ()

    def url(self, **changes: Any) -> str:
        """``m?...``: this query (with ``changes``) as a link relative to the page."""
        values = {**self.__dict__, **changes}
        params: list[tuple[str, str]] = []
        if values["station"]:
            params.append(("station", values["station"]))
        if values["at"]:
            params.append(("at", f"{values['at'][0]:.6f},{values['at'][1]:.6f}"))
        if values["mode"] != "rest":
            params.append(("mode", values["mode"]))
        params += [("amenity", a) for a in values["amenities"]]
        if not values["open_now"]:
            params.append(("hours", "any"))
        if values["k"] != 3:
            params.append(("k", str(values["k"])))
        if values["lang"] != DEFAULT_LANGUAGE:
            params.append(("lang", values["lang"]))
        return "m" + (f"?{urlencode(params)}" if params else "")


_STATION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


def parse_page_query(params: Mapping[str, Sequence[str]]) -> PageQuery:
    """The page's query from URL parameters (each name mapped to its values). What cannot be
    used is left out and named in ``ignored``; the page never fails on its address."""
    def first(name: str) -> str:
        values = params.get(name) or ()
        return values[0].strip() if values else ""

    ignored = []
    lang = first("lang") or DEFAULT_LANGUAGE
    if lang not in LANGUAGES:
        ignored.append("lang")
        lang = DEFAULT_LANGUAGE
    at = None
    if first("at"):
        at = parse_position(first("at"))
        if at is None:
            ignored.append("at")
    station = first("station") or None
    if station is not None and not _STATION_ID.match(station):
        ignored.append("station")
        station = None
    mode = first("mode") or "rest"
    if mode not in MODES:
        ignored.append("mode")
        mode = "rest"
    amenities = []
    for value in params.get("amenity") or ():
        if value in RIDER_AMENITIES and value not in amenities:
            amenities.append(value)
        else:
            ignored.append("amenity")
    k = 3
    if first("k"):
        k = int(first("k")) if first("k").isdigit() and int(first("k")) in RESULT_COUNTS else 3
        if str(k) != first("k"):
            ignored.append("k")
    open_now = first("hours") != "any"
    return PageQuery(lang=lang, at=at, station=station, mode=mode,
                     amenities=tuple(amenities) if mode == "rest" else (), open_now=open_now, k=k,
                     place_query=first("q")[:80], ignored=tuple(dict.fromkeys(ignored)))


# --- texts both renderers share -----------------------------------------------------------


@dataclass(frozen=True)
class PageContext:
    """What every card of one page needs besides its row."""

    lang: str
    #: The answer's moment, ``2026-11-28T23:30`` (local wall-clock, to the minute).
    moment: str
    nav_app: str = NAV_APPS[0]
    origin: tuple[float, float] | None = None
    communities: Mapping[str, str] = field(default_factory=dict)

    def tr(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)


def _minutes_between(start: str, end: str) -> int:
    """Whole minutes from ``start`` to ``end`` (both ``YYYY-MM-DDTHH:MM``), rounded up."""
    delta = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    return math.ceil(delta.total_seconds() / 60)


def opening_text(opening: Mapping[str, Any], moment: str, lang: str) -> str:
    """:func:`geo.i18n.describe_opening` from an opening payload (same words, same rules)."""
    state, change = opening["state"], opening["next_change"]
    if state == "unknown":
        return t("hours_unknown", lang)
    is_open = state == "open"
    if change is None:
        return t("always_open", lang) if is_open else t("closed_now", lang)
    minutes_left = _minutes_between(moment, change)
    if minutes_left <= 60:
        key = "closes_in" if is_open else "opens_in"
        return f"{t('open_now' if is_open else 'closed_now', lang)} · {t(key, lang, min=minutes_left)}"
    when = change[11:16] if change[:10] == moment[:10] else f"{change[5:10]} {change[11:16]}"
    if is_open:
        return f"{t('open_now', lang)} · {t('closes_at', lang, time=when)}"
    return f"{t('closed_now', lang)} · {t('opens_at', lang, time=when)}"


def when_text(at: str, moment: str, lang: str) -> str:
    """"今天 08:00" / "明天 08:00" / "11-30 08:00" for a local time ``at`` seen from ``moment``."""
    days = (datetime.fromisoformat(at[:10]) - datetime.fromisoformat(moment[:10])).days
    time = at[11:16]
    if days == 0:
        return t("today_at", lang, time=time)
    if days == 1:
        return t("tomorrow_at", lang, time=time)
    return t("date_at", lang, date=at[5:10], time=time)


def amenity_list(amenities: Sequence[str], lang: str) -> str:
    """"♨️ 热水、🔌 充电器" (the list separator of the catalogue)."""
    return t("m_list_separator", lang).join(f"{AMENITIES[a].icon} {label_of('amenity', a, lang)}"
                                            for a in amenities if a in AMENITIES)


def card_model(row: Mapping[str, Any], record: Mapping[str, Any], ctx: PageContext) -> dict[str, Any]:
    """One answer card: name and type, distance and minutes, open state, amenities, the
    navigation link of the rider's app, and what "更多" unfolds (other apps, details,
    coordinates). ``row`` is a row of :func:`geo.rider.serialise.answer_rows`, ``record`` the
    station's register record (:attr:`geo.rider.snapshot.RegisterSnapshot.records`)."""
    lang = ctx.lang
    verified = record["location_status"] == "verified"
    type_label = label_of("station_type", record["station_type"], lang)
    name = name_in(record, lang)
    origin = ctx.origin
    links = navigation_links(record["lon"], record["lat"], record["name_zh"],
                             origin_lon=origin[0] if origin else None, origin_lat=origin[1] if origin else None)
    route = ctx.tr("route_road") if row["route_kind"] == "road" else ctx.tr("route_straight")
    state = row["opening"]["state"]
    amenities = [a for a in record.get("amenities") or [] if a in AMENITIES]
    community = ctx.communities.get(record.get("community_code") or "", "")
    hours_line = f"{ctx.tr('popup_hours')}: {hours_written(record['opening_hours'], lang)}"
    if record.get("hours_status") != "verified":
        hours_line += f" ({ctx.tr('hours_unverified')})"
    return {
        "id": record["id"],
        "rank": int(row["rank"]),
        "name": name,
        "type": record["station_type"],
        "type_label": type_label,
        "glyph": STATION_TYPES[StationType(record["station_type"])].glyph,
        "verified": verified,
        "trip": (f"{format_distance(row['route_m'])} · {ctx.tr('ebike_eta', min=format_minutes(row['ebike_s']))}"
                 f" · {ctx.tr('walk_eta', min=format_minutes(row['walk_s']))} · {route}"),
        "state": state,
        "state_icon": {"open": "🟢", "closed": "🔴"}.get(state, "⚪"),
        "state_text": opening_text(row["opening"], ctx.moment, lang),
        "icons": "".join(AMENITIES[a].icon for a in amenities),
        "icons_label": t("m_list_separator", lang).join(label_of("amenity", a, lang) for a in amenities),
        "nav": {"label": ctx.tr("navigate") if verified else ctx.tr("navigate_unverified"),
                "href": getattr(links, ctx.nav_app),
                "title": ctx.tr("navigate_with", app=ctx.tr(f"nav_app_{ctx.nav_app}"))},
        "other_navs": [{"app": app, "label": ctx.tr("navigate_with", app=ctx.tr(f"nav_app_{app}")),
                        "href": getattr(links, app)} for app in NAV_APPS if app != ctx.nav_app],
        "unverified_note": "" if verified else ctx.tr("unverified_card_note"),
        "details": [
            " · ".join(part for part in (type_label, community) if part),
            f"{ctx.tr('popup_address')}: {record.get('address') or ctx.tr('popup_unknown')}",
            hours_line,
            f"{ctx.tr('popup_phone')}: {record.get('phone') or ctx.tr('popup_unknown')}",
            f"{ctx.tr('popup_amenities')}: {amenity_list(amenities, lang) or ctx.tr('popup_none')}",
        ],
        "coordinates": [f"{ctx.tr('coordinates_wgs84')}: {links.wgs84_text}",
                        f"{ctx.tr('coordinates_gcj02')}: {links.gcj02_text}"],
        "feedback_href": PageQuery(lang=lang, station=record["id"]).url(),
    }


def answer_messages(payload: Mapping[str, Any], ctx: PageContext) -> dict[str, Any]:
    """The box above the cards when nothing fits: why, what opens first, and that the cards
    below are what is open now (``lines`` empty when the results fit); ``night`` when the
    reason is the hour."""
    lang = ctx.lang
    query = payload["query"]
    kind = ctx.tr(f"kind_{query['mode']}")
    reason = payload["empty_reason"]
    lines: list[str] = []
    if reason == "open_now":
        lines.append(ctx.tr("empty_open_now", kind=kind))
        first = payload["next_opening"]
        if first is not None:
            lines.append(ctx.tr("first_to_open", name=name_in(first, lang),
                                when=when_text(first["opens_at"], payload["moment"], lang),
                                distance=format_distance(first["distance_m"])))
    elif reason == "amenities":
        lines.append(ctx.tr("empty_amenities", kind=kind, amenities=amenity_list(query["amenities"], lang)))
    elif reason == "types":
        lines.append(ctx.tr("empty_types", kind=kind))
    elif reason == "no_stations":
        lines.append(ctx.tr("empty_no_stations"))
    if reason and reason != "no_stations":
        has_open = bool(payload["open_now"])
        lines.append(ctx.tr("open_now_elsewhere") if has_open else ctx.tr("nothing_open_anywhere"))
    return {"lines": lines, "night": reason == "open_now"}


def shown_rows(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows the cards show: the results, or when there are none what is open now."""
    return payload["results"] or payload["open_now"] or []


def script_strings(lang: str) -> dict[str, str]:
    """The catalogue strings the page's script uses, in ``lang``."""
    strings = catalogue(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    return {key: strings[key] for key in SCRIPT_STRING_KEYS} | {"m_list_separator": strings["m_list_separator"]}


def trip_constants() -> dict[str, float]:
    """The figures both renderers estimate trips with."""
    return {"detour_factor": DETOUR_FACTOR, "ebike_kmh": EBIKE_SPEED_KMH, "walk_kmh": WALK_SPEED_KMH}


def station_model(record: Mapping[str, Any], opening: Mapping[str, Any], ctx: PageContext) -> dict[str, Any]:
    """One station's page (``/m?station=ID``): where it is, its state and hours, every way to
    navigate there (the rider's app first), the details, and the one-tap feedback."""
    row = {"rank": 0, "route_m": 0.0, "ebike_s": 0, "walk_s": 0, "route_kind": "straight", "opening": opening}
    card = card_model(row, record, ctx)
    navs = [{"app": ctx.nav_app, "label": card["nav"]["label"], "href": card["nav"]["href"]}] + card["other_navs"]
    amenities = [a for a in record.get("amenities") or [] if a in AMENITIES] or list(RIDER_AMENITIES)
    return {
        **{key: card[key] for key in ("id", "name", "type", "type_label", "glyph", "verified", "state", "state_icon",
                                      "state_text", "unverified_note", "details", "coordinates")},
        "other_name": record["name_en"] if ctx.lang != "en" else record["name_zh"],
        "navs": navs,
        "nearby_href": PageQuery(lang=ctx.lang, at=(record["lon"], record["lat"])).url(),
        "feedback_kinds": [{"kind": kind, "label": ctx.tr(f"m_fb_{kind}")} for kind in FEEDBACK_KINDS],
        "feedback_amenities": [{"amenity": a, "label": f"{AMENITIES[a].icon} {label_of('amenity', a, ctx.lang)}"}
                               for a in amenities],
    }


#: One-tap feedback kinds of the page, in the order of the buttons (the open API's words).
FEEDBACK_KINDS = ("closed", "moved", "missing_amenity", "hours_wrong", "other")
