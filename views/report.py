"""Riders report: a hazard at a place (隐患直报/随手拍) or feedback on one station
(``/report?station=ID``), and look up what became of a report by its reference code.
Phone first; nothing personal is asked or kept."""

import secrets
from zoneinfo import ZoneInfo

import streamlit as st
from streamlit_folium import st_folium

from geo.maps import Basemap, build_report_pick_map, map_point_to_wgs84
from geo.model import AMENITIES, LOCAL_TIMEZONE, amenity_label
from geo.reports import RateLimitedError, ReportError
from geo.reports.schema import MAX_NOTE_CHARS
from geo.reports.vocabulary import HAZARD_CATEGORIES, REPORT_STATES, STATION_ISSUES, ReportState, StationIssue, subject_label
from ui import data
from ui.lang import current_language, tr
from ui.reports import client_address, error_text, rate_limiter, report_store_or_stop, reporter_session

#: A station note is a short remark; a hazard note may describe the scene.
STATION_NOTE_CHARS = 200
LOCAL = ZoneInfo(LOCAL_TIMEZONE)

lang = current_language()
st.title(tr("hazard_report_title"))
st.info(tr("report_privacy"))
store = report_store_or_stop(lang)
st.session_state.setdefault("report_form_key", secrets.token_hex(16))


def _file(submit) -> None:  # noqa: ANN001
    """Count the report against the limits, store it, remember the reference code; on any
    error keep what the rider typed and say what to do."""
    session, address = reporter_session(), client_address()
    try:
        rate_limiter().acquire(session=session, address=address)
    except RateLimitedError as err:
        st.session_state["report_error"] = error_text(err, lang)
        return
    try:
        filed = submit(st.session_state["report_form_key"])
    except ReportError as err:
        rate_limiter().release(session=session, address=address)  # nothing was stored: it does not count
        st.session_state["report_error"] = error_text(err, lang)
        return
    st.session_state["report_filed"] = filed.reference
    st.session_state["report_lookup"] = filed.reference  # the status below shows the new report
    st.session_state["report_form_key"] = secrets.token_hex(16)
    for key in ("report_note", "report_place", "report_photo_upload"):
        st.session_state.pop(key, None)


def _another() -> None:
    st.session_state.pop("report_filed", None)


def _hazard_form() -> None:
    st.subheader(tr("report_hazard_header"))
    st.markdown(f"**{tr('report_place')}**")
    st.caption(tr("report_place_hint"))
    if st.button(tr("report_use_location"), key="report_locate", width="stretch"):
        st.session_state["report_locating"] = st.session_state.get("report_locating_count", 0) + 1
        st.session_state["report_locating_count"] = st.session_state["report_locating"]
    if st.session_state.get("report_locating"):
        from streamlit_js_eval import get_geolocation

        answer = get_geolocation(component_key=f"report_geolocation_{st.session_state['report_locating']}")
        if answer is None:
            st.info(tr("report_locating"))
        else:
            st.session_state["report_locating"] = False
            if "coords" in answer:
                # only the reported place is kept, rounded to ~1 m; the position itself is not stored
                st.session_state["report_place"] = (round(answer["coords"]["longitude"], 5),
                                                    round(answer["coords"]["latitude"], 5))
            else:
                st.error(tr("report_location_failed", reason=str((answer.get("error") or {}).get("message", "?"))))
    place = st.session_state.get("report_place")
    fmap = build_report_pick_map(place, lang=lang, basemap=Basemap.OSM)
    clicked = st_folium(fmap, key="report_map", returned_objects=["last_clicked"], height=300, use_container_width=True)
    if clicked and clicked.get("last_clicked"):
        lon, lat = map_point_to_wgs84(clicked["last_clicked"]["lng"], clicked["last_clicked"]["lat"], Basemap.OSM)
        if (round(lon, 5), round(lat, 5)) != place:
            st.session_state["report_place"] = (round(lon, 5), round(lat, 5))
            st.rerun()
    if place:
        st.success(tr("report_place_set", lon=f"{place[0]:.5f}", lat=f"{place[1]:.5f}"))
    category = st.radio(tr("report_category"), list(HAZARD_CATEGORIES), horizontal=True, key="report_category",
                        format_func=lambda c: HAZARD_CATEGORIES[c](lang))
    note = st.text_area(tr("report_note", max=MAX_NOTE_CHARS), max_chars=MAX_NOTE_CHARS, key="report_note",
                        placeholder=tr("report_note_placeholder"), height=90)
    photo = st.file_uploader(tr("report_photo"), type=["jpg", "jpeg", "png", "heic", "heif"], key="report_photo_upload")

    def submit(form_key: str):  # noqa: ANN202
        return store.file_hazard(category=category, lon=place[0], lat=place[1], note=note,
                                 photo=photo.getvalue() if photo is not None else None, submission_key=form_key)

    if st.button(tr("report_submit"), key="report_submit", type="primary", width="stretch", disabled=place is None):
        _file(submit)
        st.rerun()
    if place is None:
        st.caption(tr("report_place_missing"))


def _station_form(station_id: str) -> None:
    stations = data.stations_or_stop(lang)
    found = stations[stations["id"] == station_id]
    if found.empty:
        st.warning(tr("report_station_unknown", id=station_id))
        return
    station = found.iloc[0]
    st.subheader(tr("report_station_header", name=station.name_zh if lang == "zh" else station.name_en))
    issue = st.radio(tr("report_station_issue"), [i.value for i in StationIssue], key="report_issue",
                     format_func=lambda i: STATION_ISSUES[StationIssue(i)](lang))
    amenity = None
    if issue == StationIssue.AMENITY_MISSING.value:
        listed = [a for a in (station.amenities or []) if a in AMENITIES] or list(AMENITIES)
        amenity = st.selectbox(tr("report_station_amenity"), listed, key="report_amenity",
                               format_func=lambda a: f"{AMENITIES[a].icon} {amenity_label(a, lang)}")
    note = st.text_area(tr("report_station_note", max=STATION_NOTE_CHARS), max_chars=STATION_NOTE_CHARS,
                        key="report_note", height=70)

    def submit(form_key: str):  # noqa: ANN202
        return store.file_station_feedback(station_id=station_id, issue=issue, amenity=amenity, note=note,
                                           lon=station.geometry.x, lat=station.geometry.y, submission_key=form_key)

    if st.button(tr("report_submit"), key="report_submit", type="primary", width="stretch"):
        _file(submit)
        st.rerun()
    st.page_link("views/report.py", label=tr("report_station_other"), query_params={})


if (message := st.session_state.pop("report_error", None)) is not None:
    st.error(message)
if (reference := st.session_state.get("report_filed")) is not None:
    st.success(tr("report_filed"))
    st.code(reference, language=None)
    st.caption(tr("report_filed_keep"))
    st.button(tr("report_another"), key="report_another", on_click=_another)
elif station_param := st.query_params.get("station"):
    _station_form(station_param)
else:
    _hazard_form()

st.divider()
st.subheader(tr("report_status_header"))
code = st.text_input(tr("report_status_code"), key="report_lookup", placeholder="GH-XXXX-XXXX")
if code.strip():
    status = store.status(code)
    if status is None:
        st.warning(tr("report_status_none", code=code.strip()[:20]))
    else:
        label = subject_label(status.kind, status.subject, lang)
        if status.amenity:
            label += f" · {amenity_label(status.amenity, lang)}"
        st.markdown(tr("report_status_state", state=REPORT_STATES[ReportState(status.state)](lang)))
        st.caption(f"{status.reference} · {label} · "
                   + tr("report_status_filed", time=status.created_at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")))
        if status.note:
            st.text(status.note)  # a rider's text: shown as text, never as Markdown or HTML
        answers = [e.answer for e in status.events if e.answer]
        if answers:
            st.markdown(f"**{tr('report_status_answer')}**")
            st.text(answers[-1])
        history = [{tr("col_report_time"): e.at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M"),
                    tr("col_report_state"): REPORT_STATES[ReportState(e.state)](lang),
                    tr("col_report_answer"): e.answer or ""} for e in status.events]
        st.dataframe(history, hide_index=True, width="stretch")
