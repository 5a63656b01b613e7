"""The volunteer's panels (接单), on a phone: register with an invitation code or sign in; the
tasks they have (with the resident's contact and place, a call and a navigation button, done
with an optional photo, or handed back), the tasks offered to them, the open tasks of their
community nearest first from where they stand, and what they finished this month. Where they
stand is asked only when they press the button and kept in this session only."""

from __future__ import annotations

import re

import streamlit as st

from geo.errors import RateLimitedError, TakenByOtherError, TaskError
from geo.feedback.photos import MAX_PHOTO_BYTES
from geo.markup import markdown_text
from geo.rider.navigation import navigation_links
from geo.tasks.accounts import MIN_PASSWORD_CHARS, Account
from geo.tasks.cards import TaskCard, VolunteerBoard
from geo.tasks.places import approximate_m
from geo.tasks.schema import MAX_DONE_NOTE_CHARS, MAX_NAME_CHARS, MAX_SHOWN_NAME_CHARS
from geo.tasks.store import TaskStore
from geo.tasks.vocabulary import ReleaseReason, Role
from ui.lang import error_text, file_uploader, tr
from ui.location import phone_position
from ui.reports import bring_into_view, client_address, reporter_session
from ui.tasks import request_limiter, sign_in_form, window_text, word, words

PHOTO_TYPES = ["jpg", "jpeg", "png", "heic", "heif"]
MAX_PHOTO_MB = MAX_PHOTO_BYTES // (1024 * 1024)
_PHONE_NUMBER = re.compile(r"\+?\d[\d\s-]{5,}\d")


def _say(kind: str, text: str) -> None:
    st.session_state["volunteer_message"] = (kind, text)


# signing in and registering -----------------------------------------------------------------------


def _register() -> None:
    from ui.tasks import task_store

    state = st.session_state
    if state.get("register_password", "") != state.get("register_password_again", ""):
        state["register_message"] = tr("task_register_mismatch")
        return
    session, address = reporter_session(), client_address()
    try:
        request_limiter().acquire(session=session, address=address)
    except RateLimitedError as err:
        state["register_message"] = tr("task_ask_rate_limited", minutes=err.params["minutes"])
        return
    try:
        account = task_store().register_volunteer(state.get("register_invite", ""), state.get("register_name", ""),
                                                  password=state.get("register_password", ""),
                                                  shown_name=state.get("register_shown") or None)
    except TaskError as err:
        state["register_message"] = error_text(err)
        return
    finally:
        state["register_password"] = state["register_password_again"] = ""
    state["task_volunteer_id"] = account.id
    state.pop("task_signed_out", None)
    state["task_remember_token"] = task_store().remember(account)
    _say("success", tr("task_register_done", name=markdown_text(account.shown_name)))


def sign_in_or_register() -> None:
    """Two tabs: sign in, or register with an invitation (first when the link carries one)."""
    invite = st.query_params.get("invite")
    if invite and "register_invite" not in st.session_state:
        st.session_state["register_invite"] = invite
    labels = [tr("task_tab_sign_in"), tr("task_tab_register")]
    order = labels[::-1] if invite else labels
    tabs = dict(zip(order, st.tabs(order)))
    sign_in_tab, register_tab = tabs[labels[0]], tabs[labels[1]]
    with sign_in_tab:
        st.caption(tr("task_volunteer_sign_in_hint"))
        sign_in_form(Role.VOLUNTEER, "volunteer")
    with register_tab:
        st.caption(tr("task_register_hint"))
        with st.form("volunteer_register_form", enter_to_submit=False):
            st.text_input(tr("task_register_invite"), key="register_invite", placeholder="YQ-XXXX-XXXX")
            st.text_input(tr("task_register_name", max=MAX_NAME_CHARS), key="register_name", max_chars=MAX_NAME_CHARS,
                          autocomplete="username")
            st.text_input(tr("task_register_shown", max=MAX_SHOWN_NAME_CHARS), key="register_shown",
                          max_chars=MAX_SHOWN_NAME_CHARS, placeholder=tr("task_register_shown_placeholder"))
            st.text_input(tr("task_register_password", min=MIN_PASSWORD_CHARS), key="register_password",
                          type="password", autocomplete="new-password")
            st.text_input(tr("task_register_password_again"), key="register_password_again", type="password",
                          autocomplete="new-password")
            st.form_submit_button(tr("task_register_submit"), on_click=_register, type="primary", width="stretch")
        if (message := st.session_state.pop("register_message", None)) is not None:
            st.error(message)


# where the volunteer stands -----------------------------------------------------------------------


def where_i_am() -> tuple[float, float] | None:
    """The locate button; the position (WGS-84, ~10 m) is kept in this session only."""
    found = phone_position("task_volunteer", label=tr("task_volunteer_locate"), instead=tr("task_volunteer_no_position"))
    if found is not None:
        st.session_state["task_volunteer_at"] = (round(found.lon, 4), round(found.lat, 4))
    at = st.session_state.get("task_volunteer_at")
    st.caption(tr("task_volunteer_sorted") if at else tr("task_volunteer_unsorted"))
    return at


# the lists ----------------------------------------------------------------------------------------


def _distance(board: VolunteerBoard, card: TaskCard, *, exact: bool) -> str:
    metres = board.distances_m.get(card.code)
    if metres is None:
        return ""
    shown = metres if exact else approximate_m(metres)
    text = f"{shown:.0f} m" if shown < 1000 else f"{shown / 1000:.1f} km"
    return f" · {tr('task_distance_exact' if exact else 'task_distance_about', distance=text)}"


def _headline(board: VolunteerBoard, card: TaskCard, *, exact: bool = False) -> None:
    st.markdown(f"**{word('category', card.category.value)}** · {window_text(card.window_start, card.window_end)}"
                f"{_distance(board, card, exact=exact)}")
    st.caption(card.code)  # to name the task when talking with the dispatcher
    if card.area is None and card.lonlat is None:
        st.caption(tr("task_volunteer_community_only"))
    if card.note:
        st.text(card.note)


def _take(store: TaskStore, account: Account, code: str) -> None:
    try:
        store.take(code, account)
        _say("success", tr("task_take_won", code=code))
    except TakenByOtherError:
        _say("warning", tr("task_take_lost", code=code))
    except TaskError as err:
        _say("error", error_text(err))


def _release(store: TaskStore, account: Account, code: str, reason_key: str) -> None:
    try:
        store.release(code, account, st.session_state.get(reason_key) or ReleaseReason.OTHER)
        _say("info", tr("task_released", code=code))
    except TaskError as err:
        _say("error", error_text(err))


def _finish(store: TaskStore, account: Account, code: str) -> None:
    photo = st.session_state.get(f"done_photo_{code}")
    try:
        store.finish(code, account, photo=None if photo is None else photo.getvalue(),
                     note=st.session_state.get(f"done_note_{code}"))
        _say("success", tr("task_done_thanks", code=code))
    except TaskError as err:
        _say("error", error_text(err))


def _mine(store: TaskStore, account: Account, board: VolunteerBoard, card: TaskCard) -> None:
    with st.container(border=True, key=f"task_mine_{card.code}"):
        _headline(board, card, exact=True)
        if card.contact:
            st.text(tr("task_contact_line", contact=card.contact))
            if number := _PHONE_NUMBER.search(card.contact):
                st.link_button(tr("task_call"), "tel:" + re.sub(r"[\s-]", "", number.group(0)), width="stretch")
        else:
            st.caption(tr("task_no_contact"))
        if card.lonlat is not None:
            links = navigation_links(*card.lonlat, tr("task_navigate_name"))
            st.link_button(tr("task_navigate"), links.amap, type="primary", width="stretch")
            st.caption(tr("task_volunteer_place", lat=f"{card.lonlat[1]:.5f}", lon=f"{card.lonlat[0]:.5f}"))
        with st.form(f"done_form_{card.code}", border=False, enter_to_submit=False):
            st.text_input(tr("task_done_note", max=MAX_DONE_NOTE_CHARS), key=f"done_note_{card.code}",
                          max_chars=MAX_DONE_NOTE_CHARS)
            file_uploader(tr("task_done_photo", max_mb=MAX_PHOTO_MB), PHOTO_TYPES, key=f"done_photo_{card.code}",
                          max_upload_size=MAX_PHOTO_MB)
            st.form_submit_button(tr("task_done_submit"), type="primary", width="stretch", on_click=_finish,
                                  args=(store, account, card.code))
        with st.expander(tr("task_release_title")):
            key = f"release_reason_{card.code}"
            st.selectbox(tr("task_release_reason"), [r.value for r in ReleaseReason], key=key,
                         format_func=words("reason"))
            st.button(tr("task_release"), key=f"release_{card.code}", on_click=_release,
                      args=(store, account, card.code, key))


def _offer(store: TaskStore, account: Account, board: VolunteerBoard, card: TaskCard) -> None:
    with st.container(border=True, key=f"task_offer_{card.code}"):
        _headline(board, card)
        take, decline = st.columns(2)
        take.button(tr("task_take"), key=f"take_{card.code}", type="primary", width="stretch", on_click=_take,
                    args=(store, account, card.code))
        st.session_state[f"decline_reason_{card.code}"] = ReleaseReason.CANNOT_MAKE_IT.value
        decline.button(tr("task_decline"), key=f"decline_{card.code}", width="stretch", on_click=_release,
                       args=(store, account, card.code, f"decline_reason_{card.code}"))


def _open(store: TaskStore, account: Account, board: VolunteerBoard, card: TaskCard) -> None:
    with st.container(border=True, key=f"task_open_{card.code}"):
        _headline(board, card)
        st.button(tr("task_take"), key=f"take_{card.code}", type="primary", width="stretch", on_click=_take,
                  args=(store, account, card.code))


def lists(store: TaskStore, account: Account, board: VolunteerBoard) -> None:
    """The volunteer's tasks, offers, open tasks and the month's finished ones."""
    with st.container(key="volunteer_message_box"):
        if (message := st.session_state.pop("volunteer_message", None)) is not None:
            getattr(st, message[0])(message[1])
            bring_into_view("volunteer_message_box")
    for card in board.cancelled:
        st.warning(tr("task_cancelled_notice", code=card.code, category=word("category", card.category.value),
                      reason=word("reason", card.cancel_reason or "other")))
    sections = ((tr("task_section_mine"), board.mine, _mine), (tr("task_section_offered"), board.offered, _offer),
                (tr("task_section_open"), board.open, _open))
    for title, cards, draw in sections:
        st.subheader(f"{title} ({len(cards)})")
        if not cards:
            st.caption(tr("task_section_empty"))
        for card in cards:
            draw(store, account, board, card)
    if board.finished:
        st.subheader(tr("task_section_finished", n=len(board.finished)))
        for card in board.finished:
            stars = "★" * card.stars if card.stars else tr("task_not_rated")
            st.caption(f"{word('category', card.category.value)} · {window_text(card.window_start, card.window_end)} · "
                       f"{tr('task_points', n=card.points or 0)} · {stars}")
    st.caption(tr("task_volunteer_privacy", name=markdown_text(account.shown_name)))
