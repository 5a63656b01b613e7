"""Riders: the nearest open stations and parking points from where they stand, on a phone.

Map first (a tap sets the position), then short answer cards with one navigation button each;
everything else is folded away. The answer is never empty: when nothing of the kind is open it
says so, shows what is open now and what opens first.
"""

import streamlit as st
from streamlit_folium import st_folium

from geo.maps.basemaps import BASEMAP_HOST_COUNTRY
from geo.errors import GeoDataError
from geo.place.gazetteer import search_places
from geo.place.geocode import GeocodingError, geocode_online, geocoder_config
from geo.hours import fixed_clock, now_local, to_local_time
from geo.i18n import describe_opening, format_distance, format_minutes
from geo.markup import markdown_text
from geo.maps.builders import build_rider_view, map_point_to_wgs84
from geo.register.model import AMENITIES, amenity_label, station_type_label
from geo.rider.navigation import navigation_links
from geo.rider.page import PageQuery, hours_text
from geo.analysis.nearest import DETOUR_FACTOR, EBIKE_SPEED_KMH, WALK_SPEED_KMH
from geo.rider.answer import PARKING_TYPES, REST_TYPES, RiderAnswer, answer_rider
from geo.register.validate import town_extent
from ui import data, deployment
from ui.lang import choose, current_language, tr
from ui.location import clear_rider_location, phone_position, rider_location, set_rider_location
from ui.navigation_app import NAV_APPS, preferred_nav_app, remember_nav_app

MAP_HEIGHT_PX = 330
#: Streamlit colour names for the type mark of each station type.
TYPE_COLOURS = {"hub": "violet", "party_mass": "red", "red": "orange", "neighbourhood": "blue", "parking": "green"}

# Compact phone layout: less padding, tap targets of at least 44 px. Our own constant CSS.
st.html(
    """<style>
    .block-container { padding-top: 3.6rem !important; padding-bottom: 2rem !important; }
    .block-container h1 { font-size: 1.25rem !important; padding: 0 !important; line-height: 1.5; }
    .stButton button, .stLinkButton a, .stPopover button, [data-testid="stExpander"] summary,
    [data-testid="stButtonGroup"] button, .stTextInput input, [data-testid="stPageLink"] a,
    [data-testid="stMultiSelect"] div:has(> [data-testid="stMultiSelectTagsContainer"])
      { min-height: 44px; min-width: 44px; }
    [data-testid="stVerticalBlockBorderWrapper"] .stMarkdown p { margin-bottom: 0.1rem; }
    .stCheckbox label, .stRadio label, .stToggle label { min-height: 44px; align-items: center; }
    </style>"""
)

lang = current_language()
st.title(tr("rider_title"))  # small (see the style above): the page's heading, for screen readers too
stations = data.stations_or_stop(lang)
try:
    settings = deployment.basemaps()
    roads = deployment.road_network()
except GeoDataError as err:
    st.error(markdown_text(err.localized(lang)))
    st.stop()
moment = now_local()

basemap = st.session_state.get("rider_basemap") or settings.default.value
if basemap not in deployment.basemap_choices():
    basemap = settings.default.value


def _on_map_tap() -> None:
    click = (st.session_state.get("rider_map") or {}).get("last_clicked")
    if click:
        set_rider_location(*map_point_to_wgs84(click["lng"], click["lat"], basemap))
        st.session_state.pop("rider_place_set", None)  # the place searched before is no longer where they are


def _choose_place(lon: float, lat: float, name: str) -> None:
    set_rider_location(lon, lat)
    st.session_state["rider_place_set"] = name
    st.session_state["rider_place_query"] = ""


# --- what they need (read before the answer; the widgets are drawn below the map) --------------
mode = st.session_state.get("rider_mode") or "rest"
amenities: list[str] = list(st.session_state.get("rider_amenities", [])) if mode == "rest" else []
open_only = st.session_state.get("rider_open_only", True)
k = int(st.session_state.get("rider_k", 3))
station_types = REST_TYPES if mode == "rest" else PARKING_TYPES

rider = rider_location()
answer: RiderAnswer | None = None
if rider:
    answer = answer_rider(stations, rider[0], rider[1], station_types=station_types, amenities=amenities,
                          open_now=open_only, moment=moment, k=k, roads=roads)
    shown = answer.results if len(answer.results) else (answer.open_now if answer.open_now is not None else answer.results)
    context = answer.context
else:
    shown = stations.head(0)
    context = stations[stations.station_type.isin(station_types)]

# --- the map: on top, at most half a phone screen ----------------------------------------------
view = build_rider_view(shown, rider_lonlat=rider, context=context, lang=lang, basemap=basemap, moment=moment,
                        community_names=data.community_names(lang), url_prefix=deployment.url_prefix())
st_folium(view.base, key="rider_map", feature_group_to_add=view.layers, center=view.center, zoom=view.zoom,
          returned_objects=["last_clicked"], height=MAP_HEIGHT_PX, use_container_width=True, on_change=_on_map_tap)

# --- where the rider is ------------------------------------------------------------------------
where_row = st.container(horizontal=True, vertical_alignment="bottom", gap="small")
found = phone_position("rider", label=tr("use_my_location"), button_in=where_row, width="content",
                       instead=tr("position_instead_rider"), rerun=False)
query = where_row.text_input(tr("place_search"), key="rider_place_query", placeholder=tr("place_placeholder"),
                             label_visibility="collapsed")
if found is not None:
    set_rider_location(found.lon, found.lat)
    st.session_state.pop("rider_place_set", None)
    st.rerun()  # the map and the answer above were drawn for the old position

if query:
    places = search_places(data.gazetteer(), query)
    if places:
        st.caption(tr("place_pick"))
        with st.container(horizontal=True, gap="small"):
            for number, place in enumerate(places[:4]):
                name = place.name_zh if lang == "zh" else place.name_en
                if place.lon is None:
                    st.button(markdown_text(tr("place_no_position", name=name)), key=f"rider_place_{number}",
                              disabled=True)
                else:
                    st.button(markdown_text(name), key=f"rider_place_{number}", help=markdown_text(place.note(lang)),
                              on_click=_choose_place, args=(place.lon, place.lat, name))
    else:
        st.info(tr("place_not_found", query=markdown_text(query)))
        config = geocoder_config()
        if config:
            st.button(tr("online_search"), key="rider_online_search",
                      on_click=lambda: st.session_state.update(rider_online_query=query))
        if config and st.session_state.pop("rider_online_query", None) == query:
            try:
                found = geocode_online(query, config)
            except GeocodingError as err:
                st.error(tr("online_failed", reason=markdown_text(str(err))))
            else:
                if found:
                    _choose_place(found[0].lon, found[0].lat, query)
                    st.rerun()
                st.info(tr("online_none"))
if st.session_state.get("rider_place_set") and rider:
    st.success(tr("place_set", name=markdown_text(st.session_state["rider_place_set"])))

st.segmented_control(tr("mode"), options=["rest", "parking"], format_func=lambda m: tr(f"mode_{m}"),
                     default="rest", required=True, key="rider_mode", label_visibility="collapsed")

# --- the answer --------------------------------------------------------------------------------
community_names = data.community_names(lang)
app = preferred_nav_app()


def _when(opens_at) -> str:
    local = to_local_time(moment)
    time = opens_at.strftime("%H:%M")
    days = (opens_at.date() - local.date()).days
    if days == 0:
        return tr("today_at", time=time)
    if days == 1:
        return tr("tomorrow_at", time=time)
    return tr("date_at", date=opens_at.strftime("%m-%d"), time=time)


def _known(value) -> str:
    """A register text, or "unknown" for a missing one (null in the file, NaN in the frame)."""
    return value if isinstance(value, str) and value.strip() else tr("popup_unknown")


def _card(station) -> None:
    """One result: name and type mark, distance and minutes, open status, amenity icons, one
    navigation button; other apps, coordinates and details folded into "more"."""
    name = station.name_zh if lang == "zh" else station.name_en
    verified = station.location_status == "verified"
    colour = TYPE_COLOURS[station.station_type]
    type_label = station_type_label(station.station_type, lang)
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
                            f"{tr('popup_hours')}: {markdown_text(hours_text(station.opening_hours, lang))}"
                            + ("" if station.hours_status == "verified" else f" ({tr('hours_unverified')})") + "  \n"
                            f"{tr('popup_phone')}: {markdown_text(_known(station.phone))}  \n"
                            f"{tr('popup_amenities')}: "
                            + (markdown_text("、".join(f"{AMENITIES[a].icon} {amenity_label(a, lang)}" for a in station.amenities))
                               or tr("popup_none")))
                st.text(f"{tr('coordinates_wgs84')}: {links.wgs84_text}\n{tr('coordinates_gcj02')}: {links.gcj02_text}")
            # the report page in this tab (a new tab offline was a browser error page in English)
            st.page_link("views/report.py", label=tr("feedback"), query_params={"station": str(station.id)})


if not rider:
    st.info(tr("no_location_yet"))
elif answer is not None:
    town = town_extent()
    if not town.contains(*rider):
        st.warning(tr("outside_town", km=town.distance_outside_m(*rider) / 1000))
    kind = tr(f"kind_{mode}")
    # one box: why nothing fits, what opens first, and that the cards below are open now
    lines = []
    if answer.empty_reason == "open_now":
        lines.append(tr("empty_open_now", kind=kind))
        if answer.next_opening is not None:
            first = answer.next_opening
            lines.append(tr("first_to_open", name=markdown_text(first.name_zh if lang == "zh" else first.name_en),
                            when=_when(first.opens_at), distance=format_distance(first.distance_m)))
    elif answer.empty_reason == "amenities":
        wanted = "、".join(f"{AMENITIES[a].icon} {amenity_label(a, lang)}" for a in amenities)
        lines.append(tr("empty_amenities", kind=kind, amenities=markdown_text(wanted)))
    elif answer.empty_reason == "types":
        lines.append(tr("empty_types", kind=kind))
    elif answer.empty_reason == "no_stations":
        lines.append(tr("empty_no_stations"))
    if answer.empty_reason and answer.empty_reason != "no_stations":
        has_open = answer.open_now is not None and len(answer.open_now)
        lines.append(tr("open_now_elsewhere") if has_open else tr("nothing_open_anywhere"))
    if lines:
        st.warning("  \n".join(lines), icon="🌙" if answer.empty_reason == "open_now" else "⚠️")
    for station in shown.itertuples():
        _card(station)

# --- filters and settings, folded --------------------------------------------------------------
with st.expander(tr("settings")):
    if mode == "rest":
        st.multiselect(tr("amenities_wanted"), options=[a for a in AMENITIES if a != "parking"],
                       format_func=lambda a: f"{AMENITIES[a].icon} {amenity_label(a, lang)}", key="rider_amenities",
                       placeholder=choose(), select_all=False)
    st.toggle(tr("open_now_only"), value=True, key="rider_open_only")
    st.segmented_control(tr("result_count"), options=[1, 3, 5, 10], default=3, required=True, key="rider_k")
    st.radio(tr("nav_app"), options=list(NAV_APPS), index=list(NAV_APPS).index(app),
             format_func=lambda a: tr(f"nav_app_{a}"), key="rider_nav_app_choice", horizontal=True,
             on_change=lambda: remember_nav_app(st.session_state["rider_nav_app_choice"]))
    choices = deployment.basemap_choices()
    if len(choices) > 1:
        st.radio(tr("basemap"), options=choices, index=choices.index(basemap),
                 format_func=lambda b: tr(f"basemap_{b}"), key="rider_basemap")
    if rider:
        st.button(tr("clear_location"), key="rider_clear", on_click=clear_rider_location)

where = {"abroad": "basemap_where_abroad", "cn": "basemap_where_cn", "app": "basemap_where_app",
         "none": "basemap_where_none"}
notes = [tr("basemap_said", name=tr(f"basemap_short_{basemap}"), where=tr(where[BASEMAP_HOST_COUNTRY[basemap]]))]
if answer is not None and answer.route_kind == "road" and roads is not None:
    notes.append(tr("eta_note_road", source=markdown_text(roads.source.rsplit("/", 1)[-1]), ebike=EBIKE_SPEED_KMH,
                    walk=WALK_SPEED_KMH, factor=DETOUR_FACTOR))
else:
    notes.append(tr("eta_note_straight", factor=DETOUR_FACTOR, ebike=EBIKE_SPEED_KMH, walk=WALK_SPEED_KMH))
notes.append(tr("location_privacy"))
if fixed_clock() is not None:
    notes.append(f"⏱️ {tr('clock_fixed', time=moment.strftime('%Y-%m-%d %H:%M'))}")
if rider:
    notes.append(tr("your_position", lon=rider[0], lat=rider[1]))
st.caption("  \n".join(notes))
# reporting a hazard or a station problem starts here on a phone, where the page menu is folded away
st.page_link("views/report.py", label=tr("report_entry"), width="stretch")
# phones (and links shared to them) do better on the light page /m, with the same position
st.link_button(tr("m_link_phone"), PageQuery(lang=lang, at=rider).url(), type="tertiary", width="stretch")
