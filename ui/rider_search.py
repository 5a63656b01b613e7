"""Where the rider is, by name: the offline gazetteer (landmarks, villages and communities,
stations; pinyin and the names people use), and an online geocoder only when the deployment has
one and the rider asks. The position moves only when the rider taps a place, and the page says so."""

from __future__ import annotations

import streamlit as st

from geo.errors import GeocodingError
from geo.i18n import name_in
from geo.markup import markdown_text
from geo.place.gazetteer import search_places
from geo.place.geocode import geocode_online, geocoder_config
from ui import data
from ui.lang import current_language, error_text, tr
from ui.location import set_rider_location


def choose_place(lon: float, lat: float, name: str) -> None:
    set_rider_location(lon, lat)
    st.session_state["rider_place_set"] = name
    st.session_state["rider_place_query"] = ""


def place_search_results(query: str) -> None:
    """The places matching ``query`` as buttons (a tap sets the position), or "not found" and
    the online search when one is configured."""
    lang = current_language()
    places = search_places(data.gazetteer(), query)
    if places:
        st.caption(tr("place_pick"))
        with st.container(horizontal=True, gap="small"):
            for number, place in enumerate(places[:4]):
                name = name_in(place, lang)
                if place.lon is None:
                    st.button(markdown_text(tr("place_no_position", name=name)), key=f"rider_place_{number}",
                              disabled=True)
                else:
                    st.button(markdown_text(name), key=f"rider_place_{number}", help=markdown_text(place.note(lang)),
                              on_click=choose_place, args=(place.lon, place.lat, name))
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
                st.error(tr("online_failed", reason=error_text(err)))
            else:
                if found:
                    choose_place(found[0].lon, found[0].lat, query)
                    st.rerun()
                st.info(tr("online_none"))
