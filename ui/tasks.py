"""Streamlit side of the volunteer tasks, shared by the three pages (resident, dispatcher,
volunteer) and the overview: the store (opened once per process; the retention purge runs from
here at most every few minutes), sign-in of dispatchers and volunteers (hashed passwords,
throttled), words for codes, times, the monthly list and the overview's line.

Who is signed in is kept in ``st.session_state`` only, as an account id checked against the
database on every run: a removed account is signed out at once.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from geo.auth import SignInThrottle
from geo.database.engine import database_url
from geo.errors import GeoDataError, TaskError
from geo.feedback.limits import ReportRateLimiter, configured_limits
from geo.i18n import t
from geo.markup import markdown_text
from geo.register.model import LOCAL_TIMEZONE
from geo.tasks.accounts import REMEMBER_DAYS, Account
from geo.tasks.analysis import month_figures, month_of, monthly_points
from geo.tasks.places import community_centres
from geo.tasks.points import load_points_rules
from geo.tasks.settings import points_rules_path, retention_days, task_photos_dir
from geo.tasks.store import TaskStore
from geo.tasks.vocabulary import Role, label
from ui import data
from ui.lang import current_language, show_error, tr

LOCAL = ZoneInfo(LOCAL_TIMEZONE)
#: The purge of expired personal data runs at most this often per process (and on every start).
PURGE_EVERY_S = 300.0
#: Tap targets of at least 44 px on a phone (Streamlit's buttons are 40 px).
TAP_TARGETS_CSS = ("<style>.stButton button, [data-testid='stFormSubmitButton'] button, .stLinkButton a,"
                   " [data-testid='stPageLink'] a {min-height:44px}</style>")


@st.cache_resource(show_spinner=False)
def _store(url: str, photos: Path, days: int, points_file: str | None) -> TaskStore:
    return TaskStore(url, photos_dir=photos, retention_days=days,
                     points=None if points_file is None else load_points_rules(points_file))


@st.cache_resource(show_spinner=False)
def _purges() -> dict:
    return {"last": float("-inf"), "lock": threading.Lock()}


def task_store() -> TaskStore:
    """The task store of ``GAOHE_DATABASE_URL`` (the reports' database) with the settings of
    :mod:`geo.tasks.settings`, opened and migrated once per process; expired personal data is
    purged now if the last purge is older than :data:`PURGE_EVERY_S`. Raises :class:`TaskError`."""
    url = database_url()
    path = points_rules_path()
    store = _store(url, task_photos_dir(url), retention_days(), None if path is None else str(path))
    purges = _purges()
    if time.monotonic() - purges["last"] > PURGE_EVERY_S and purges["lock"].acquire(blocking=False):
        try:
            store.purge_expired()
            purges["last"] = time.monotonic()
        except TaskError:
            pass  # the database is busy or down: the next run tries again; views hide expired data anyway
        finally:
            purges["lock"].release()
    return store


def task_store_or_stop(lang: str) -> TaskStore:
    try:
        return task_store()
    except GeoDataError as err:
        show_error(err)
        st.stop()


@st.cache_resource(show_spinner=False)
def request_limiter() -> ReportRateLimiter:
    """Requests per browser and per address, with the reports' limits
    (``GAOHE_REPORT_SESSION_LIMIT``, ``GAOHE_REPORT_ADDRESS_LIMIT``) but counted apart."""
    return ReportRateLimiter(*configured_limits())


@st.cache_resource(show_spinner=False)
def _throttle() -> SignInThrottle:
    return SignInThrottle()


def _client() -> str:
    return st.context.ip_address or "unknown"


# words --------------------------------------------------------------------------------------------


def word(kind: str, code: str) -> str:
    """A category, state, reason, place source or role in the page's language."""
    return label(kind, code, current_language())


def words(kind: str) -> Callable[[object], str]:
    """A ``format_func`` for codes of ``kind`` (bound to the language now)."""
    lang = current_language()
    return lambda code: label(kind, str(code), lang)


def local_time(moment: datetime, fmt: str = "%m-%d %H:%M") -> str:
    return moment.astimezone(LOCAL).strftime(fmt)


def window_text(start: datetime, end: datetime) -> str:
    """``12-01 09:00–11:00`` (end on another day: with its date)."""
    first, last = start.astimezone(LOCAL), end.astimezone(LOCAL)
    tail = last.strftime("%H:%M") if last.date() == first.date() else last.strftime("%m-%d %H:%M")
    return f"{first.strftime('%m-%d %H:%M')}–{tail}"


def community_name(code: str) -> str:
    return data.community_names(current_language()).get(code, code)


@st.cache_data(show_spinner=False)
def _centres(version: tuple[str, int]) -> dict[str, tuple[float, float]]:
    table = community_centres(data.stations(), data.communities()).dropna(subset=["lon", "lat"])
    return {row.code: (float(row.lon), float(row.lat)) for row in table.itertuples()}


def centres() -> dict[str, tuple[float, float]]:
    """Code -> the centre of the community's stations (WGS-84), for communities that have any."""
    return _centres(data.register_version())


# sign-in ------------------------------------------------------------------------------------------


def _session_key(role: Role) -> str:
    return f"task_{role.value}_id"


#: The cookie that keeps a volunteer's phone signed in (a random token; only its hash is stored).
#: Dispatchers work at shared desks: their sign-in lasts the browser session only.
REMEMBER_COOKIE = "gh_task_volunteer"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def _phone_token() -> str | None:
    """The token this phone's cookie held when the session started (``None`` without one)."""
    sent = st.context.cookies.get(REMEMBER_COOKIE)
    return sent if isinstance(sent, str) and _TOKEN.match(sent) else None


def _remember_on_this_phone(account: Account) -> None:
    """Keep the volunteer signed in on this phone (the cookie is written on the next run)."""
    if account.role is Role.VOLUNTEER:
        st.session_state["task_remember_token"] = task_store().remember(account)


def _cookie_script(value: str, max_age_s: int) -> None:
    if not _TOKEN.match(value) and value != "":
        return  # our own tokens only reach this script
    st.sidebar.html(
        f"<script>document.cookie = '{REMEMBER_COOKIE}={value}; Max-Age={max_age_s}; Path=/; SameSite=Strict'"
        " + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,
    )


def signed_in(role: Role) -> Account | None:
    """The account of ``role`` signed in in this session (for a volunteer also: on this phone,
    by its cookie), if it still exists and is active."""
    if st.session_state.pop("task_clear_cookie", False):
        _cookie_script("", 0)
    account_id = st.session_state.get(_session_key(role))
    if account_id is None and role is Role.VOLUNTEER and not st.session_state.get("task_signed_out"):
        remembered = task_store().recall(_phone_token())
        if remembered is not None and remembered.role is Role.VOLUNTEER:
            st.session_state[_session_key(role)] = account_id = remembered.id
    if account_id is None:
        return None
    account = task_store().account_by_id(int(account_id))
    if account is None or account.role is not role or not account.active:
        st.session_state.pop(_session_key(role), None)
        return None
    return account


def sign_in(role: Role, name: str, password: str) -> float | None:
    """Check ``name``/``password`` for an active account of ``role`` (throttled per name and per
    client, as the planners' sign-in); on success the session is signed in and ``None`` is
    returned, else the seconds to wait before another try (0: try again now)."""
    store = task_store()
    key = f"{role.value}:{name.strip()}"
    stored = store.password_table(role, name).get(name.strip())
    table = {} if stored is None else {key: stored}
    outcome = _throttle().attempt(key, password, table, client=_client())
    if not outcome.signed_in:
        return outcome.retry_after_s
    account = store.account(name)
    st.session_state[_session_key(role)] = account.id
    st.session_state.pop("task_signed_out", None)
    _remember_on_this_phone(account)
    return None


def sign_out(role: Role) -> None:
    st.session_state.pop(_session_key(role), None)
    if role is Role.VOLUNTEER:
        task_store().forget(_phone_token())
        st.session_state["task_clear_cookie"] = True
        st.session_state["task_signed_out"] = True  # the cookie this session started with is void


def sign_in_form(role: Role, prefix: str) -> None:
    """The sign-in form of ``role``; its outcome appears under the button."""

    def attempt() -> None:
        wait_s = sign_in(role, st.session_state.get(f"{prefix}_name", ""), st.session_state.get(f"{prefix}_password", ""))
        st.session_state[f"{prefix}_password"] = ""
        if wait_s is not None:
            st.session_state[f"{prefix}_failed"] = wait_s

    with st.form(f"{prefix}_sign_in_form", enter_to_submit=False):
        st.text_input(tr("task_user_name"), key=f"{prefix}_name", autocomplete="username")
        st.text_input(tr("task_password"), type="password", key=f"{prefix}_password", autocomplete="current-password")
        st.form_submit_button(tr("task_sign_in"), on_click=attempt, type="primary", width="stretch")
    if (wait_s := st.session_state.pop(f"{prefix}_failed", None)) is not None:
        st.error(tr("sign_in_wait", seconds=wait_s) if wait_s > 0 else tr("task_sign_in_failed"))


def signed_in_bar(account: Account, role: Role) -> None:
    """Who is signed in, for which community; a refresh (lists do not update by themselves) and a
    way out."""
    if (token := st.session_state.pop("task_remember_token", None)) is not None:
        _cookie_script(token, REMEMBER_DAYS * 24 * 3600)
    who, refresh, out = st.columns([4, 1, 1], vertical_alignment="center")
    who.success(tr("task_signed_in_as", role=word("role", role.value), name=markdown_text(account.shown_name),
                   user=markdown_text(account.name), community=community_name(account.community_code)))
    refresh.button(tr("task_refresh"), key=f"task_refresh_{role.value}", width="stretch")
    out.button(tr("task_sign_out"), key=f"task_sign_out_{role.value}", on_click=sign_out, args=(role,),
               width="stretch")
    st.caption(tr("task_refreshed_at", time=local_time(task_store().clock(), "%H:%M")))


# figures ------------------------------------------------------------------------------------------


def monthly_list(store: TaskStore, *, key: str) -> None:
    """This month's volunteers by points, under the names they chose to show."""
    month = month_of(store.clock())
    ranking = monthly_points(store.tasks_frame(), month)
    st.subheader(tr("task_monthly_title", month=month))
    if ranking.empty:
        st.caption(tr("task_monthly_none"))
        return
    stars = ranking["average_stars"].map(lambda s: "—" if s is None or pd.isna(s) else f"{s:.1f}")
    table = pd.DataFrame({tr("task_col_rank"): ranking["rank"], tr("task_col_volunteer"): ranking["shown_name"].map(markdown_text),
                          tr("task_col_tasks"): ranking["tasks"], tr("task_col_points"): ranking["points"],
                          tr("task_col_average_stars"): stars})
    # a plain table: short, read on phones and by screen readers
    with st.container(key=key):
        st.table(table.set_index(tr("task_col_rank")))
    st.caption(tr("task_monthly_rules"))


def overview_line() -> None:
    """The overview's line: "志愿服务:本月完成 N 单 · 平均评分 x" (nothing when the database is down)."""
    try:
        store = task_store()
        figures = month_figures(store.tasks_frame(), month_of(store.clock()))
    except TaskError:
        return
    stars = "—" if figures.average_stars is None else f"{figures.average_stars:.1f}"
    st.caption(f"🤝 {t('task_overview_line', current_language(), n=figures.done, stars=stars)}")
