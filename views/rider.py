"""Riders: the nearest open stations, parking points and amenities from where they stand."""

import streamlit as st
from streamlit_folium import st_folium

from geo.gazetteer import search_places
from geo.geocode import GeocodingError, geocode_online, geocoder_config
from geo.hours import now_local
from geo.i18n import describe_opening, format_distance, format_minutes
from geo.validate import town_extent
from geo.maps import Basemap, build_rider_map, map_point_to_wgs84
from geo.model import AMENITIES, StationType, amenity_label, station_type_label
from geo.navigation import navigation_links
from geo.nearest import DETOUR_FACTOR, EBIKE_SPEED_KMH, WALK_SPEED_KMH, filter_stations, nearest_stations
from ui import data
from ui.lang import current_language, tr
from ui.location import clear_rider_location, rider_location, set_rider_location

REST_TYPES = [t.value for t in StationType if t is not StationType.PARKING]

lang = current_language()
st.title(tr("rider_title"))
st.caption(tr("rider_caption"))
stations = data.stations_or_stop(lang)
if (stations.location_status != "verified").any():
    st.caption(f"⚠️ {tr('rider_unverified_note')}")

# --- where the rider is ------------------------------------------------------------------------
locate_column, clear_column = st.columns([3, 1])


def _start_locating() -> None:
    # a fresh component per request: the last answer must not stand in for a new position
    st.session_state["rider_locate_count"] = st.session_state.get("rider_locate_count", 0) + 1
    st.session_state["rider_locating"] = st.session_state["rider_locate_count"]


# actions go through on_click callbacks: they are recorded before the script runs, so a rerun
# cannot lose them
locate_column.button(tr("use_my_location"), key="rider_locate", width="stretch", on_click=_start_locating)
if st.session_state.get("rider_locating"):
    from streamlit_js_eval import get_geolocation

    answer = get_geolocation(component_key=f"rider_geolocation_{st.session_state['rider_locating']}")
    if answer is None:
        st.info(tr("locating"))
    else:
        st.session_state["rider_locating"] = False
        if "coords" in answer:
            set_rider_location(answer["coords"]["longitude"], answer["coords"]["latitude"])
            st.rerun()
        reason = str((answer.get("error") or {}).get("message", ""))
        st.error(tr("location_insecure") if "secure" in reason.lower() else tr("location_denied", reason=reason or "?"))

query = st.text_input(tr("place_search"), key="rider_place_query")
if query:
    places = search_places(data.gazetteer(), query)
    if places:
        chosen = st.selectbox(
            tr("place_choose"),
            options=range(len(places)),
            format_func=lambda i: f"{places[i].name_zh if lang == 'zh' else places[i].name_en}"
            + (f" · {places[i].note}" if places[i].note else ""),
            index=None,
            key="rider_place_choice",
        )
        if chosen is not None:
            place = places[chosen]
            if place.lon is None:
                st.info(tr("place_no_position", name=place.name_zh))
            elif rider_location() != (round(place.lon, 5), round(place.lat, 5)):
                set_rider_location(place.lon, place.lat)
    else:
        st.info(tr("place_none", query=query))
        config = geocoder_config()
        if config:
            st.button(tr("online_search"), key="rider_online_search",
                      on_click=lambda: st.session_state.update(rider_online_query=query))
        if config and st.session_state.pop("rider_online_query", None) == query:
            try:
                found = geocode_online(query, config)
            except GeocodingError as err:
                st.error(tr("online_failed", reason=str(err)))
            else:
                if found:
                    set_rider_location(found[0].lon, found[0].lat)
                    st.rerun()
                st.info(tr("online_none"))

rider = rider_location()
if rider:
    clear_column.button(tr("clear_location"), key="rider_clear", width="stretch", on_click=clear_rider_location)
st.caption(tr("location_privacy"))

# --- what they need ----------------------------------------------------------------------------
mode = st.radio(
    tr("mode"), options=["rest", "parking"], format_func=lambda m: tr(f"mode_{m}"), horizontal=True, key="rider_mode"
)
amenities: list[str] = []
with st.expander(tr("filters")):
    if mode == "rest":
        amenities = st.multiselect(
            tr("amenities_wanted"),
            options=[a for a in AMENITIES if a != "parking"],
            format_func=lambda a: f"{AMENITIES[a].icon} {amenity_label(a, lang)}",
            key="rider_amenities",
        )
    open_only = st.toggle(tr("open_now_only"), value=True, key="rider_open_only")
    k = st.slider(tr("result_count"), min_value=1, max_value=10, value=3, key="rider_k")
    basemap = st.radio(
        tr("basemap"), options=[b.value for b in Basemap], format_func=lambda b: tr(f"basemap_{b}"), key="rider_basemap"
    )

moment = now_local()
station_types = REST_TYPES if mode == "rest" else [StationType.PARKING.value]
filters = {"station_types": station_types, "amenities": amenities, "open_at": moment if open_only else None}
qualifying = filter_stations(stations, **filters)
results = stations.head(0)
if rider:
    results = nearest_stations(qualifying, rider[0], rider[1], k=k)
    st.caption(tr("your_position", lon=rider[0], lat=rider[1]))
    town = town_extent()
    if not town.contains(*rider):
        st.warning(tr("outside_town", km=town.distance_outside_m(*rider) / 1000))

# --- the answer ------------------------------------------------------------------------------
# the list comes first: on a phone the columns stack, and the answer matters more than the map
list_column, map_column = st.columns([2, 3], gap="medium")
with map_column:
    fmap = build_rider_map(
        results, rider_lonlat=rider, context=qualifying, lang=lang, basemap=basemap, moment=moment,
        community_names=data.community_names(lang),
    )
    clicked = st_folium(fmap, key="rider_map", returned_objects=["last_clicked"], height=420, width="stretch")
    st.caption(tr("tap_map_hint"))
    click = (clicked or {}).get("last_clicked")
    if click and click != st.session_state.get("rider_last_click"):
        st.session_state["rider_last_click"] = click
        set_rider_location(*map_point_to_wgs84(click["lng"], click["lat"], basemap))
        st.rerun()

with list_column:
    if not rider:
        st.info(tr("no_location_yet"))
    elif results.empty:
        st.info(tr("no_results"))
    community_names = data.community_names(lang)
    for station in results.itertuples():
        with st.container(border=True):
            name = station.name_zh if lang == "zh" else station.name_en
            st.markdown(f"**{station.rank}. {name}**  \n{station_type_label(station.station_type, lang)} · "
                        f"{community_names.get(station.community_code, '')}", unsafe_allow_html=False)
            if station.location_status != "verified":
                st.caption(f"⚠️ {tr('status_unverified')}")
            st.markdown(
                " · ".join(
                    [
                        tr("distance", d=format_distance(station.distance_m)),
                        tr("route_estimate", d=format_distance(station.route_m)),
                        tr("ebike_eta", min=format_minutes(station.ebike_s)),
                        tr("walk_eta", min=format_minutes(station.walk_s)),
                    ]
                )
            )
            st.markdown(f"🕘 {describe_opening(station.opening_hours, moment, lang)}")
            if station.amenities:
                st.markdown(" ".join(f"{AMENITIES[a].icon} {amenity_label(a, lang)}" for a in station.amenities))
            links = navigation_links(station.geometry.x, station.geometry.y, station.name_zh,
                                     origin_lon=rider[0], origin_lat=rider[1])
            amap_column, baidu_column, geo_column = st.columns(3)
            amap_column.link_button(tr("navigate_amap"), links.amap, width="stretch")
            baidu_column.link_button(tr("navigate_baidu"), links.baidu, width="stretch")
            geo_column.link_button(tr("navigate_geo"), links.geo, width="stretch")
            st.code(f"WGS-84 {links.wgs84_text}\nGCJ-02 {links.gcj02_text}", language=None)
    if rider and not results.empty:
        st.caption(tr("baidu_sends_origin"))
        st.caption(tr("eta_note", factor=DETOUR_FACTOR, ebike=EBIKE_SPEED_KMH, walk=WALK_SPEED_KMH))
