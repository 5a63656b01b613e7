"""The survey page's form (the page is ``views/survey.py``): what the surveyor found at a station
(amenities, hours as people write them, phone, operator, why a poor GPS fix is good enough),
recorded as a verification through the store (the register as it is now: another editor may have
saved meanwhile)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.errors import GeoDataError
from geo.hours import now_local
from geo.i18n import label_of
from geo.register.model import AMENITIES, UNKNOWN_HOURS
from geo.register.normalise import hours_as_written, normalise_phone, parse_opening_hours
from geo.register.store import StationStore
from geo.register.survey import Verification, gps_method, verify_station
from ui.lang import current_language, show_error, tr


def verification_form(store: StationStore, editor: str, station: pd.Series, station_id: str, *,
                      lon: float, lat: float, accuracy_m: float, poor: bool) -> None:
    """The form, and on submit the verification saved (or what is wrong with the input)."""
    lang = current_language()
    with st.form("survey_form", enter_to_submit=False):
        reason = st.text_input(tr("survey_reason"), key="survey_reason") if poor else ""
        amenities = st.multiselect(tr("survey_amenities"), list(AMENITIES), default=list(station.amenities),
                                   format_func=lambda a: f"{AMENITIES[a].icon} {label_of('amenity', a, lang)}", key="survey_amenities",
                                   placeholder=tr("choose_amenities"), select_all=False)
        # prefilled as people write hours (每天 8:00-20:00), which reads back to the same OSM value
        hours_text = st.text_input(tr("survey_hours"), key="survey_hours",
                                   value="" if station.opening_hours == UNKNOWN_HOURS else hours_as_written(station.opening_hours))
        hours_checked = st.checkbox(tr("survey_hours_checked"), key="survey_hours_checked")
        phone_text = st.text_input(tr("survey_phone"), value=station.phone if isinstance(station.phone, str) else "",
                                   key="survey_phone")
        operator = st.text_input(tr("survey_operator"), value=station.operator if isinstance(station.operator, str) else "",
                                 key="survey_operator")
        submitted = st.form_submit_button(tr("survey_verify"), type="primary", width="stretch")

    if submitted:
        hours = parse_opening_hours(hours_text) if hours_text.strip() else None
        phone = normalise_phone(phone_text) if phone_text.strip() else ""
        if hours_text.strip() and hours is None:
            st.error(tr("survey_hours_bad"))
        elif phone is None:
            st.error(tr("survey_phone_bad"))
        else:
            found = Verification(station_id, (lon, lat), gps_method(accuracy_m), editor, now_local().date(),
                                 accuracy_m=accuracy_m, reason=reason, amenities=tuple(amenities), opening_hours=hours,
                                 hours_checked=hours_checked, phone=phone, operator=operator)
            try:
                stations, version = store.read()  # the register as it is now: another editor may have saved
                result = verify_station(stations, found)
                store.save(result.stations, expected_version=version, user=editor, summary=result.summary)
            except GeoDataError as err:  # ConcurrentEditError included
                show_error(err)
            else:
                st.session_state["survey_message"] = ("success", tr("survey_verified", name=station.name_zh, user=editor,
                                                                    method=result.stations.set_index("id").at[station_id,
                                                                                                               "verification_method"]))
                st.session_state.pop("survey_fix", None)
                st.rerun()
