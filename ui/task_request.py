"""The resident's panels (点单 and the status link), phone first: what help, where (a tap, the
phone's position, or only the community), when, a note and an optional contact with who will
see it; then the code and the link; on the link, the state, who helped, the photo, the rating
and a way to withdraw. No account; nothing is kept of the resident but what they write."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

import streamlit as st
from streamlit_folium import st_folium

from geo.errors import RateLimitedError, TaskError
from geo.maps.base import map_point_to_wgs84
from geo.maps.feedback import build_report_pick_map, report_place_layer
from geo.markup import markdown_text
from geo.tasks.accounts import Actor
from geo.tasks.cards import TaskCard
from geo.tasks.places import nearest_community
from geo.tasks.schema import MAX_CONTACT_CHARS, MAX_NOTE_CHARS, MAX_RATING_WORDS_CHARS
from geo.tasks.store import MAX_DAYS_AHEAD, TaskStore
from geo.tasks.vocabulary import CancelReason, PlaceSource, TaskCategory, TaskState
from ui import data, deployment
from ui.lang import current_language, error_text, tr
from ui.location import phone_position
from ui.reports import bring_into_view, client_address, reporter_session
from ui.tasks import LOCAL, centres, community_name, local_time, request_limiter, window_text, word, words

#: What the resident entered, cleared once the request is sent.
FORM_KEYS = ("task_category", "task_place_mode", "task_place", "task_place_centre", "task_community", "task_when",
             "task_day", "task_from", "task_to", "task_note", "task_contact")
TIMES = [f"{h:02d}:{m:02d}" for h in range(6, 23) for m in (0, 30)]
#: "As soon as possible" means within this long.
ASAP = timedelta(hours=2)


def _basemap():  # noqa: ANN202
    return deployment.basemaps().default


def _set_place(lon: float, lat: float) -> None:
    st.session_state["task_place"] = (round(lon, 5), round(lat, 5))
    if st.session_state.get("task_community") is None:  # a first guess; the resident confirms it
        st.session_state["task_community"] = nearest_community(_centre_table(), lon, lat)


def _centre_table():  # noqa: ANN202
    import pandas as pd

    known = centres()
    return pd.DataFrame({"code": list(known), "lon": [p[0] for p in known.values()],
                         "lat": [p[1] for p in known.values()]})


def _on_tap() -> None:
    click = (st.session_state.get("task_place_map") or {}).get("last_clicked")
    if click:
        _set_place(*map_point_to_wgs84(click["lng"], click["lat"], _basemap(), deployment.basemaps()))


def _place_panel() -> None:
    st.radio(tr("task_ask_place"), [p.value for p in PlaceSource], key="task_place_mode", horizontal=True,
             format_func=lambda p: tr(f"task_ask_place_{p}"))
    mode = st.session_state.get("task_place_mode") or PlaceSource.MAP.value
    if mode == PlaceSource.COMMUNITY.value:
        st.caption(tr("task_ask_place_community_hint"))
        return
    if mode == PlaceSource.PHONE.value:
        found = phone_position("task_phone", label=tr("task_ask_locate"), instead=tr("task_ask_locate_instead"))
        if found is not None:
            _set_place(found.lon, found.lat)
            st.session_state["task_place_centre"] = st.session_state["task_place"]
    place = st.session_state.get("task_place")
    centre = st.session_state.get("task_place_centre")
    stations = data.stations_or_stop(current_language())
    places = data.gazetteer()
    fmap = build_report_pick_map(lang=current_language(), basemap=_basemap(), settings=deployment.basemaps(), stations=stations,
                                 boundary=data.county_boundary(), landmarks=places[places["kind"] == "landmark"],
                                 url_prefix=deployment.url_prefix())
    st_folium(fmap, key="task_place_map", feature_group_to_add=report_place_layer(place, basemap=_basemap(), settings=deployment.basemaps()),
              center=None if centre is None else (centre[1], centre[0]), returned_objects=["last_clicked"],
              height=280, use_container_width=True, on_change=_on_tap)
    if place:
        st.success(tr("task_ask_place_set", lat=f"{place[1]:.5f}", lon=f"{place[0]:.5f}"))
    else:
        st.caption(tr("task_ask_place_hint"))


def _window(now: datetime) -> tuple[datetime, datetime]:
    if st.session_state.get("task_when", "asap") == "asap":
        return now, now + ASAP
    day: date = st.session_state.get("task_day") or now.astimezone(LOCAL).date()
    start, end = (time.fromisoformat(st.session_state.get(k) or d) for k, d in (("task_from", "09:00"),
                                                                                 ("task_to", "11:00")))
    return datetime.combine(day, start, LOCAL), datetime.combine(day, end, LOCAL)


def _when_panel(now: datetime) -> None:
    st.radio(tr("task_ask_when"), ["asap", "later"], key="task_when", horizontal=True,
             format_func=lambda w: tr(f"task_ask_when_{w}"))
    if st.session_state.get("task_when", "asap") == "later":
        today = now.astimezone(LOCAL).date()
        st.date_input(tr("task_ask_day"), key="task_day", value=today, min_value=today,
                      max_value=today + timedelta(days=MAX_DAYS_AHEAD), format="YYYY-MM-DD")
        first, last = st.columns(2)
        first.selectbox(tr("task_ask_from"), TIMES, index=TIMES.index("09:00"), key="task_from")
        last.selectbox(tr("task_ask_to"), TIMES, index=TIMES.index("11:00"), key="task_to")


def _submit(store: TaskStore) -> None:
    """Send the request (read from the widgets at click time); the outcome goes to the session."""
    state = st.session_state
    mode = state.get("task_place_mode") or PlaceSource.MAP.value
    place = state.get("task_place") if mode != PlaceSource.COMMUNITY.value else None
    missing = ("task_ask_need_category" if state.get("task_category") is None else
               "task_ask_need_place" if mode != PlaceSource.COMMUNITY.value and place is None else
               "task_ask_need_community" if state.get("task_community") is None else None)
    if missing:
        state["task_message"] = tr(missing)
        return
    session, address = reporter_session(), client_address()
    try:
        request_limiter().acquire(session=session, address=address)
    except RateLimitedError as err:
        state["task_message"] = tr("task_ask_rate_limited", minutes=err.params["minutes"])
        return
    start, end = _window(store.clock())
    try:
        filed = store.request(category=state["task_category"], community_code=state["task_community"],
                              place_source=mode, lon=None if place is None else place[0],
                              lat=None if place is None else place[1], window_start=start, window_end=end,
                              note=state.get("task_note"), contact=state.get("task_contact"),
                              submission_key=state["task_form_key"])
    except TaskError as err:
        request_limiter().release(session=session, address=address)  # nothing stored: it does not count
        state["task_message"] = error_text(err)
        return
    state["task_filed"] = filed.code
    state["task_form_key"] = secrets.token_hex(16)
    for key in FORM_KEYS:
        state.pop(key, None)


def request_form(store: TaskStore) -> None:
    """点单, phone first: ① what ② where ③ which community ④ when ⑤ note ⑥ contact, then send."""
    st.session_state.setdefault("task_form_key", secrets.token_hex(16))
    st.radio(tr("task_ask_category"), [c.value for c in TaskCategory], index=None, key="task_category",
             horizontal=True, format_func=words("category"))
    _place_panel()
    names = data.community_names(current_language())
    st.selectbox(tr("task_ask_community"), list(names), index=None, key="task_community",
                 format_func=names.__getitem__, placeholder=tr("task_ask_community_placeholder"))
    _when_panel(store.clock())
    # the texts and the button in a form: no "press Enter" hint, and a click sends what was typed
    with st.form("task_request_form", border=False, enter_to_submit=False):
        st.text_area(tr("task_ask_note", max=MAX_NOTE_CHARS), key="task_note", max_chars=MAX_NOTE_CHARS, height=80,
                     placeholder=tr("task_ask_note_placeholder"))
        st.caption(tr("task_ask_note_who"))
        st.text_input(tr("task_ask_contact", max=MAX_CONTACT_CHARS), key="task_contact", max_chars=MAX_CONTACT_CHARS,
                      placeholder=tr("task_ask_contact_placeholder"))
        st.info(tr("task_ask_contact_who", days=store.retention.days), icon="🔒")
        st.form_submit_button(tr("task_ask_submit"), key="task_submit", type="primary", width="stretch",
                              on_click=_submit, args=(store,))
    with st.container(key="task_message_box"):
        if (message := st.session_state.pop("task_message", None)) is not None:
            st.error(message)
            bring_into_view("task_message_box")


def filed(code: str) -> None:
    """The code to keep, the link, and where to go next."""
    st.success(tr("task_ask_filed"))
    st.html("<style>.st-key-task_code_box code {font-size:1.6rem; letter-spacing:.06em}</style>")
    with st.container(key="task_code_box"):
        st.code(code, language=None)
    st.caption(tr("task_ask_filed_keep"))
    st.page_link("views/ask.py", label=tr("task_ask_status_link"), query_params={"code": code}, icon="🔗")

    def another() -> None:
        st.session_state.pop("task_filed", None)

    st.button(tr("task_ask_another"), key="task_another", on_click=another, width="stretch")


# the status link ----------------------------------------------------------------------------------


def _rate(store: TaskStore, code: str) -> None:
    stars = st.session_state.get("task_stars")
    if stars is None:
        st.session_state["task_status_message"] = ("error", tr("task_rate_need_stars"))
        return
    try:
        store.rate(code, int(stars) + 1, st.session_state.get("task_rating_words"))
        st.session_state["task_status_message"] = ("success", tr("task_rate_thanks"))
    except TaskError as err:
        st.session_state["task_status_message"] = ("error", error_text(err))


def _withdraw(store: TaskStore, code: str) -> None:
    try:
        store.cancel(code, Actor.resident(), CancelReason.RESIDENT_WITHDREW)
        st.session_state["task_status_message"] = ("success", tr("task_status_withdrawn"))
    except TaskError as err:
        st.session_state["task_status_message"] = ("error", error_text(err))


def _history(card: TaskCard) -> None:
    rows = []
    for event in card.events:
        who = word("role", event.role.value) + (f" {event.who}" if event.who else "")
        reason = word("reason", event.reason) if event.reason else ""
        rows.append({tr("task_col_time"): local_time(event.at), tr("task_col_state_label"): word("state", event.to_state.value),
                     tr("task_col_who"): who, tr("task_col_reason"): reason})
    st.dataframe(rows, hide_index=True, width="stretch")


def status(store: TaskStore, code: str) -> None:
    """What the resident holding ``code`` sees, and what they can do now."""
    card = store.status(code)
    if card is None:
        st.warning(tr("task_status_none", code=markdown_text(code, max_chars=20)))
        return
    if st.query_params.get("code") != card.code:
        st.query_params["code"] = card.code  # the address bar holds the link to keep
    st.subheader(tr("task_status_state", state=word("state", card.state.value)))
    st.markdown(tr(f"task_status_next_{card.state.value}"))
    st.caption(" · ".join([card.code, word("category", card.category.value), community_name(card.community_code),
                           window_text(card.window_start, card.window_end)]))
    if card.volunteer:
        st.markdown(tr("task_status_volunteer", name=markdown_text(card.volunteer)))
    if card.state is TaskState.CANCELLED and card.cancel_reason:
        st.caption(tr("task_status_cancelled", reason=word("reason", card.cancel_reason)))
    if card.has_contact:
        st.caption(tr("task_status_contact_kept", day=local_time(card.personal_until, "%Y-%m-%d")))
    if card.photo:
        st.image(store.photos.read(card.photo), caption=tr("task_status_photo"), width=320)
    if card.done_note:
        st.text(card.done_note)
    if card.state is TaskState.DONE:
        with st.form("task_rate_form", enter_to_submit=False):
            st.markdown(f"**{tr('task_rate_title')}**")
            st.feedback("stars", key="task_stars")
            st.text_input(tr("task_rate_words", max=MAX_RATING_WORDS_CHARS), key="task_rating_words",
                          max_chars=MAX_RATING_WORDS_CHARS)
            st.form_submit_button(tr("task_rate_submit"), key="task_rate", type="primary", width="stretch",
                                  on_click=_rate, args=(store, card.code))
    elif card.state is TaskState.RATED:
        st.markdown(tr("task_status_rated", stars="★" * (card.stars or 0)))
        if card.rating_words:
            st.text(card.rating_words)
    if (message := st.session_state.pop("task_status_message", None)) is not None:
        getattr(st, message[0])(message[1])
    _history(card)
    if card.state in (TaskState.NEW, TaskState.DISPATCHED, TaskState.TAKEN):
        with st.expander(tr("task_status_withdraw_title")):
            st.caption(tr("task_status_withdraw_hint"))
            st.button(tr("task_status_withdraw"), key="task_withdraw", on_click=_withdraw, args=(store, card.code))
