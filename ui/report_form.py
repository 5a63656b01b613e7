"""The riders' report forms (the page is ``views/report.py``): a hazard at a place, or feedback on
one station, filed against the per-reporter and per-address limits, with the reference code shown
once filed. The photo, note and submit button sit in one ``st.form``: Streamlit keeps a form's
submit button disabled while a file of that form is still uploading, so a report can never leave
without the photo the rider chose. Messages appear right under the button the rider pressed."""

from __future__ import annotations

import secrets

import streamlit as st
from streamlit_folium import st_folium

from geo.errors import GeoDataError, RateLimitedError
from geo.feedback import FiledReport, ReportStore
from geo.feedback.photos import MAX_PHOTO_BYTES
from geo.feedback.schema import MAX_NOTE_CHARS
from geo.feedback.vocabulary import (
    HazardCategory,
    PlaceSource,
    StationIssue,
)
from geo.i18n import label_of, name_in, names_in
from geo.maps.base import map_point_to_wgs84
from geo.maps.feedback import build_report_pick_map, report_place_layer
from geo.markup import markdown_text
from geo.place.geodesy import ellipsoidal_distance_m
from geo.register.model import AMENITIES
from ui import data, deployment
from ui.lang import current_language, error_text, file_uploader, tr
from ui.location import phone_position
from ui.reports import (
    bring_into_view,
    client_address,
    copyable_code,
    guard_photo_upload,
    rate_limiter,
    reporter_session,
)

#: A station note is a short remark; a hazard note may describe the scene.
STATION_NOTE_CHARS = 200
MAX_PHOTO_MB = MAX_PHOTO_BYTES // (1024 * 1024)
PHOTO_TYPES = ["jpg", "jpeg", "png", "heic", "heif"]
#: What the rider entered, cleared once a report is filed.
FORM_KEYS = ("report_place", "report_place_accuracy", "report_place_centre", "report_true_place",
             "report_true_place_accuracy", "report_true_place_centre", "report_category", "report_note",
             "report_issue", "report_amenity")


def _place_text(lon: float, lat: float) -> dict[str, str]:
    return {"lat": f"{lat:.5f}", "lon": f"{lon:.5f}"}


def _file(submit) -> FiledReport | str:  # noqa: ANN001
    """Count the report against the limits and store it: the filed report, or the message to
    show (nothing stored, nothing counted, the form kept)."""
    session, address = reporter_session(), client_address()
    try:
        rate_limiter().acquire(session=session, address=address)
    except RateLimitedError as err:
        return error_text(err)
    try:
        return submit(st.session_state["report_form_key"])
    except GeoDataError as err:
        rate_limiter().release(session=session, address=address)  # nothing was stored: it does not count
        return error_text(err)


def _say(message_area, text: str) -> None:  # noqa: ANN001
    """An error under the submit button, scrolled into view."""
    message_area.error(text)
    bring_into_view("report_message")


def _send(message_area, submit) -> None:  # noqa: ANN001
    """File the report with a progress note under the button; on success show the reference
    code (next run), else the reason under the button."""
    with message_area, st.spinner(tr("report_sending")):
        bring_into_view("report_message")
        outcome = _file(submit)
    if isinstance(outcome, str):
        _say(message_area, outcome)
        return
    st.session_state["report_filed"] = (outcome.reference, outcome.has_photo)
    st.session_state["report_lookup"] = outcome.reference
    st.session_state["report_form_key"] = secrets.token_hex(16)
    for key in FORM_KEYS:
        st.session_state.pop(key, None)
    st.rerun()


def pick_place(state_key: str, *, stations, station_lonlat=None) -> tuple[float, float] | None:  # noqa: ANN001
    """The phone-position button and the map to tap: the place chosen so far (WGS-84 lon/lat).
    A tap only moves the marker (a layer over the map), so the map keeps its view and tiles."""
    lang = current_language()
    found = phone_position(state_key)
    if found is not None:
        place = (round(found.lon, 5), round(found.lat, 5))  # ~1 m, as a tap
        st.session_state[state_key] = place
        st.session_state[f"{state_key}_accuracy"] = found.accuracy_m
        st.session_state[f"{state_key}_centre"] = place  # show the phone's place

    def _on_tap() -> None:
        click = (st.session_state.get(f"{state_key}_map") or {}).get("last_clicked")
        if click:
            lon, lat = map_point_to_wgs84(click["lng"], click["lat"], deployment.basemaps().default, deployment.basemaps())
            st.session_state[state_key] = (round(lon, 5), round(lat, 5))
            st.session_state.pop(f"{state_key}_accuracy", None)

    place = st.session_state.get(state_key)
    centre = st.session_state.get(f"{state_key}_centre")
    # the deployer's basemap: the tiles around a rider's hazard must not come from abroad
    fmap = build_report_pick_map(lang=lang, basemap=deployment.basemaps().default, settings=deployment.basemaps(), stations=stations, boundary=data.county_boundary(),
                                 landmarks=_landmarks(), station_lonlat=station_lonlat,
                                 url_prefix=deployment.url_prefix())
    st_folium(fmap, key=f"{state_key}_map", feature_group_to_add=report_place_layer(place, basemap=deployment.basemaps().default, settings=deployment.basemaps()),
              center=None if centre is None else (centre[1], centre[0]), returned_objects=["last_clicked"],
              height=300, use_container_width=True, on_change=_on_tap)
    st.caption(tr("report_map_caption"))
    return place


def _landmarks():  # noqa: ANN202
    places = data.gazetteer()
    return places[places["kind"] == "landmark"]


def _photo_uploader(label_key: str):  # noqa: ANN202
    # the size is checked as the photo is chosen, before anything is sent (and again by the store)
    photo = file_uploader(tr(label_key, max_mb=MAX_PHOTO_MB), PHOTO_TYPES, key="report_photo_upload",
                          max_upload_size=MAX_PHOTO_MB)
    guard_photo_upload(uploader_key="report_photo_upload", form_box_key="report_form_box",
                       refused_text=tr("report_photo_refused", max_mb=MAX_PHOTO_MB))
    st.caption(tr("report_photo_wait"))
    return photo


def hazard_form(store: ReportStore) -> None:
    """A hazard: its place (tap or phone position), category, note and photo."""
    lang = current_language()
    st.markdown(f"**{tr('report_place')}**")
    st.caption(tr("report_place_hint"))
    place = pick_place("report_place", stations=data.stations_or_stop(lang))
    if place:
        st.success(tr("report_place_set", **_place_text(*place)))
        if (accuracy := st.session_state.get("report_place_accuracy")) is not None and accuracy >= 1:
            st.caption(tr("report_place_from_phone", accuracy=f"{accuracy:.0f}"))
    with st.container(key="report_form_box"), st.form("report_hazard_form", border=False, enter_to_submit=False):
        category = st.radio(tr("report_category"), list(HazardCategory), index=None, horizontal=True,
                            key="report_category", format_func=lambda c: label_of("hazard_category", c, lang), persist_state="page")
        note = st.text_area(tr("report_note", max=MAX_NOTE_CHARS), max_chars=MAX_NOTE_CHARS, key="report_note",
                            placeholder=tr("report_note_placeholder"), height=90, persist_state="page")
        photo = _photo_uploader("report_photo")
        submitted = st.form_submit_button(tr("report_submit"), key="report_submit", type="primary", width="stretch")
        message_area = st.container(key="report_message")
    if not submitted:
        return
    if place is None:
        _say(message_area, tr("report_need_place"))
        return
    if category is None:
        _say(message_area, tr("report_need_category"))
        return

    def submit(form_key: str):  # noqa: ANN202
        return store.file_hazard(category=category, lon=place[0], lat=place[1], note=note,
                                 photo=photo.getvalue() if photo is not None else None, submission_key=form_key)

    _send(message_area, submit)


def _choose_station(stations) -> None:  # noqa: ANN001
    """A searchable list of stations: choosing one opens its feedback form."""
    lang = current_language()
    names = dict(zip(stations["id"], names_in(stations, lang)))
    chosen = st.selectbox(tr("report_station_choose"), list(names), index=None, key="report_station_choice",
                          placeholder=tr("report_station_choose_placeholder"),
                          format_func=lambda i: f"{names[i]} · {i}")
    if chosen is not None:
        st.query_params["station"] = chosen
        st.session_state.pop("report_station_choice", None)
        st.rerun()


def station_form(store: ReportStore, station_id: str) -> None:
    """Feedback on one station: what is wrong (closed, not here, an amenity missing...), a note, a photo."""
    lang = current_language()
    stations = data.stations_or_stop(lang)
    found = stations[stations["id"] == station_id]
    if found.empty:
        st.warning(tr("report_station_unknown", id=markdown_text(station_id, max_chars=40)))
        _choose_station(stations)
        st.page_link("views/report.py", label=tr("report_station_other"), query_params={}, icon="📷")
        return
    station = found.iloc[0]
    registered = (float(station.geometry.x), float(station.geometry.y))
    st.subheader(tr("report_station_header", name=markdown_text(name_in(station, lang))))
    st.caption(f"{label_of('station_type', station.station_type, lang)} · {markdown_text(station_id)}")
    issue = st.radio(tr("report_station_issue"), [i.value for i in StationIssue], index=None, key="report_issue",
                     format_func=lambda i: label_of("station_issue", i, lang), persist_state="page")
    amenity = None
    true_place = None
    if issue == StationIssue.AMENITY_MISSING.value:
        listed = [a for a in (station.amenities or []) if a in AMENITIES] or list(AMENITIES)
        amenity = st.selectbox(tr("report_station_amenity"), listed, index=None, key="report_amenity",
                               placeholder=tr("report_station_amenity"),
                               format_func=lambda a: f"{AMENITIES[a].icon} {label_of('amenity', a, lang)}")
    elif issue == StationIssue.NOT_HERE.value:
        st.caption(tr("report_station_true_place"))
        true_place = pick_place("report_true_place", stations=stations[stations["id"] != station_id],
                                 station_lonlat=registered)
        if true_place:
            moved_m = float(ellipsoidal_distance_m(*registered, *true_place))
            st.success(tr("report_station_true_place_set", **_place_text(*true_place), distance_m=f"{moved_m:.0f}"))
    with st.container(key="report_form_box"), st.form("report_station_form", border=False, enter_to_submit=False):
        note = st.text_area(tr("report_station_note", max=STATION_NOTE_CHARS), max_chars=STATION_NOTE_CHARS,
                            key="report_note", height=70, persist_state="page")
        photo = _photo_uploader("report_station_photo")
        submitted = st.form_submit_button(tr("report_submit"), key="report_submit", type="primary", width="stretch")
        message_area = st.container(key="report_message")
    st.page_link("views/report.py", label=tr("report_station_other"), query_params={}, icon="📷")
    if not submitted:
        return
    if issue is None:
        _say(message_area, tr("report_need_issue"))
        return
    if issue == StationIssue.AMENITY_MISSING.value and amenity is None:
        _say(message_area, tr("report_error_amenity"))
        return
    lon, lat = true_place or registered
    source = PlaceSource.REPORTER if true_place else PlaceSource.REGISTER

    def submit(form_key: str):  # noqa: ANN202
        return store.file_station_feedback(station_id=station_id, issue=issue, amenity=amenity, note=note,
                                           lon=lon, lat=lat, place_source=source,
                                           photo=photo.getvalue() if photo is not None else None,
                                           submission_key=form_key)

    _send(message_area, submit)


def _show_status(reference: str) -> None:
    st.session_state["report_tab"] = tr("report_tab_lookup")
    st.session_state["report_lookup"] = reference


def _another() -> None:
    st.session_state.pop("report_filed", None)


def filed_report_box(reference: str, has_photo: bool) -> None:
    st.success(tr("report_filed"))
    copyable_code(reference, copy_label=tr("report_copy"), copied_label=tr("report_copied"),
                  failed_label=tr("report_copy_failed"))
    st.markdown(tr("report_filed_photo") if has_photo else tr("report_filed_no_photo"))
    st.caption(tr("report_filed_keep"))
    st.page_link("views/report.py", label=tr("report_keep_link"), query_params={"code": reference})
    status_column, another_column = st.columns(2)
    status_column.button(tr("report_show_status"), key="report_show_status", type="primary", width="stretch",
                         on_click=_show_status, args=(reference,))
    another_column.button(tr("report_another"), key="report_another", width="stretch", on_click=_another)
