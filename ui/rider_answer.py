"""The rider's answer under the map (the page is ``views/rider.py``): why nothing fits when nothing
does (and what opens first), then one short card per place: name and type, distance and minutes,
open now or not, amenity icons, one navigation button for the rider's app; the rest folded."""

from __future__ import annotations

from datetime import datetime

import geopandas as gpd
import streamlit as st

from geo.hours import to_local_time
from geo.i18n import describe_opening, format_distance, format_minutes, hours_written, label_of, name_in
from geo.markup import markdown_text
from geo.register.model import AMENITIES
from geo.register.validate import town_extent
from geo.rider.answer import RiderAnswer
from geo.rider.navigation import navigation_links
from ui.lang import current_language, tr
from ui.navigation_app import NAV_APPS

#: Streamlit colour names for the type mark of each station type.
TYPE_COLOURS = {"hub": "violet", "party_mass": "red", "red": "orange", "neighbourhood": "blue", "parking": "green"}


def _when(opens_at: datetime, moment: datetime) -> str:
    local = to_local_time(moment)
    time = opens_at.strftime("%H:%M")
    days = (opens_at.date() - local.date()).days
    if days == 0:
        return tr("today_at", time=time)
    if days == 1:
        return tr("tomorrow_at", time=time)
    return tr("date_at", date=opens_at.strftime("%m-%d"), time=time)


def _known(value) -> str:  # noqa: ANN001
    """A register text, or "unknown" for a missing one (null in the file, NaN in the frame)."""
    return value if isinstance(value, str) and value.strip() else tr("popup_unknown")


def _card(station, *, rider: tuple[float, float] | None, moment: datetime, app: str,
          community_names: dict[str, str]) -> None:
    """One result: name and type mark, distance and minutes, open status, amenity icons, one
    navigation button; other apps, coordinates and details folded into "more"."""
    lang = current_language()
    name = name_in(station, lang)
    verified = station.location_status == "verified"
    colour = TYPE_COLOURS[station.station_type]
    type_label = label_of("station_type", station.station_type, lang)
    route = tr("route_road") if station.route_kind == "road" else tr("route_straight")
    status = describe_opening(station.opening_hours, moment, lang)
    icons = "".join(AMENITIES[a].icon for a in station.amenities if a in AMENITIES)
    links = navigation_links(station.geometry.x, station.geometry.y, station.name_zh,
                             origin_lon=rider[0] if rider else None, origin_lat=rider[1] if rider else None)
    with st.container(border=True, gap="small"):
        st.markdown(
            f"**{station.rank}\\. {markdown_text(name)}** :{colour}-background[{markdown_text(type_label)}]  \n"
            f"{markdown_text(format_distance(station.route_m))} · {tr('ebike_eta', min=format_minutes(station.ebike_s))}"
            f" · {tr('walk_eta', min=format_minutes(station.walk_s))} · {markdown_text(route)}  \n"
            f"{'🟢' if station.is_open else '🔴'} {markdown_text(status)} {icons}"
        )
        with st.container(horizontal=True, gap="small", vertical_alignment="center"):
            label = tr("navigate") if verified else tr("navigate_unverified")
            st.link_button(label, getattr(links, app), type="primary", width="stretch",
                           help=tr("navigate_with", app=tr(f"nav_app_{app}")))
            with st.popover(tr("more"), width="content"):
                if not verified:
                    st.caption(f"⚠️ {tr('unverified_card_note')}")
                for other in NAV_APPS:
                    if other != app:
                        st.link_button(tr("navigate_with", app=tr(f"nav_app_{other}")), getattr(links, other),
                                       width="stretch")
                st.caption(tr("baidu_sends_origin"))
                st.markdown(f"**{tr('details')}**  \n"
                            f"{markdown_text(type_label)} · {markdown_text(community_names.get(station.community_code, ''))}  \n"
                            f"{tr('popup_address')}: {markdown_text(_known(station.address))}  \n"
                            f"{tr('popup_hours')}: {markdown_text(hours_written(station.opening_hours, lang))}"
                            + ("" if station.hours_status == "verified" else f" ({tr('hours_unverified')})") + "  \n"
                            f"{tr('popup_phone')}: {markdown_text(_known(station.phone))}  \n"
                            f"{tr('popup_amenities')}: "
                            + (markdown_text("、".join(f"{AMENITIES[a].icon} {label_of('amenity', a, lang)}" for a in station.amenities))
                               or tr("popup_none")))
                st.text(f"{tr('coordinates_wgs84')}: {links.wgs84_text}\n{tr('coordinates_gcj02')}: {links.gcj02_text}")
            # the report page in this tab (a new tab offline was a browser error page in English)
            st.page_link("views/report.py", label=tr("feedback"), query_params={"station": str(station.id)})




def _why_nothing(answer: RiderAnswer, kind: str, amenities: list[str], moment: datetime) -> list[str]:
    """Lines saying which filter left nothing, what opens first, and that the cards are open now."""
    lang = current_language()
    lines = []
    if answer.empty_reason == "open_now":
        lines.append(tr("empty_open_now", kind=kind))
        if answer.next_opening is not None:
            first = answer.next_opening
            lines.append(tr("first_to_open", name=markdown_text(name_in(first, lang)),
                            when=_when(first.opens_at, moment), distance=format_distance(first.distance_m)))
    elif answer.empty_reason == "amenities":
        wanted = "、".join(f"{AMENITIES[a].icon} {label_of('amenity', a, lang)}" for a in amenities)
        lines.append(tr("empty_amenities", kind=kind, amenities=markdown_text(wanted)))
    elif answer.empty_reason == "types":
        lines.append(tr("empty_types", kind=kind))
    elif answer.empty_reason == "no_stations":
        lines.append(tr("empty_no_stations"))
    if answer.empty_reason and answer.empty_reason != "no_stations":
        has_open = answer.open_now is not None and len(answer.open_now)
        lines.append(tr("open_now_elsewhere") if has_open else tr("nothing_open_anywhere"))
    return lines


def answer_cards(answer: RiderAnswer, shown: gpd.GeoDataFrame, *, rider: tuple[float, float], mode: str,
                 amenities: list[str], moment: datetime, app: str, community_names: dict[str, str]) -> None:
    """The answer for a rider at ``rider`` (WGS-84): never an empty screen."""
    town = town_extent()
    if not town.contains(*rider):
        st.warning(tr("outside_town", km=town.distance_outside_m(*rider) / 1000))
    # one box: why nothing fits, what opens first, and that the cards below are open now
    lines = _why_nothing(answer, tr(f"kind_{mode}"), amenities, moment)
    if lines:
        st.warning("  \n".join(lines), icon="🌙" if answer.empty_reason == "open_now" else "⚠️")
    for station in shown.itertuples():
        _card(station, rider=rider, moment=moment, app=app, community_names=community_names)
