"""Riders: the nearest open stations and parking points from where they stand, on a phone.

Map first (a tap sets the position), then short answer cards with one navigation button each;
everything else is folded away. The answer is never empty: when nothing of the kind is open it
says so, shows what is open now and what opens first.
"""

import streamlit as st
from streamlit_folium import st_folium

from geo.analysis.nearest import DETOUR_FACTOR, EBIKE_SPEED_KMH, WALK_SPEED_KMH
from geo.errors import GeoDataError
from geo.hours import fixed_clock, now_local
from geo.i18n import label_of
from geo.maps.base import map_point_to_wgs84
from geo.maps.basemaps import BASEMAP_HOST_COUNTRY
from geo.maps.rider import build_rider_view
from geo.markup import markdown_text
from geo.register.model import AMENITIES
from geo.rider.answer import PARKING_TYPES, REST_TYPES, RiderAnswer, answer_rider
from geo.rider.page import PageQuery
from ui import data, deployment
from ui.lang import choose, current_language, show_error, tr
from ui.location import clear_rider_location, phone_position, rider_location, set_rider_location
from ui.navigation_app import NAV_APPS, preferred_nav_app, remember_nav_app
from ui.rider_answer import answer_cards
from ui.rider_search import place_search_results

MAP_HEIGHT_PX = 330

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
    show_error(err)
    st.stop()
moment = now_local()

basemap = st.session_state.get("rider_basemap") or settings.default.value
if basemap not in deployment.basemap_choices():
    basemap = settings.default.value


def _on_map_tap() -> None:
    click = (st.session_state.get("rider_map") or {}).get("last_clicked")
    if click:
        set_rider_location(*map_point_to_wgs84(click["lng"], click["lat"], basemap, settings))
        st.session_state.pop("rider_place_set", None)  # the place searched before is no longer where they are


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
view = build_rider_view(shown, rider_lonlat=rider, context=context, lang=lang, basemap=basemap, settings=settings, moment=moment,
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
    place_search_results(query)
if st.session_state.get("rider_place_set") and rider:
    st.success(tr("place_set", name=markdown_text(st.session_state["rider_place_set"])))

st.segmented_control(tr("mode"), options=["rest", "parking"], format_func=lambda m: tr(f"mode_{m}"),
                     default="rest", required=True, key="rider_mode", label_visibility="collapsed")

# --- the answer --------------------------------------------------------------------------------
app = preferred_nav_app()
if not rider:
    st.info(tr("no_location_yet"))
elif answer is not None:
    answer_cards(answer, shown, rider=rider, mode=mode, amenities=amenities, moment=moment, app=app,
                 community_names=data.community_names(lang))

# --- filters and settings, folded --------------------------------------------------------------
with st.expander(tr("settings")):
    if mode == "rest":
        st.multiselect(tr("amenities_wanted"), options=[a for a in AMENITIES if a != "parking"],
                       format_func=lambda a: f"{AMENITIES[a].icon} {label_of('amenity', a, lang)}", key="rider_amenities",
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
