"""The rider's preferred navigation app: chosen once, kept on the phone in a cookie
(``gaohe_nav``, the app's name only; no position) and in the session."""

from __future__ import annotations

import streamlit as st

#: Apps the rider page hands off to, as named in ``geo.rider.navigation.NavigationLinks``.
NAV_APPS = ("amap", "baidu", "geo")
COOKIE = "gaohe_nav"
_KEY = "rider_nav_app"
_PENDING = "rider_nav_app_pending"


def preferred_nav_app() -> str:
    """The app chosen on this phone (session, else cookie), else Amap. Writes the cookie when
    the rider has just chosen."""
    if _KEY not in st.session_state:
        remembered = st.context.cookies.get(COOKIE)
        st.session_state[_KEY] = remembered if remembered in NAV_APPS else NAV_APPS[0]
    pending = st.session_state.pop(_PENDING, None)
    if pending in NAV_APPS:
        from streamlit_js_eval import streamlit_js_eval

        # the value is one of NAV_APPS, never text from a user
        streamlit_js_eval(js_expressions=f"setCookie('{COOKIE}', '{pending}', 400)", key=f"rider_nav_cookie_{pending}")
    return st.session_state[_KEY]


def remember_nav_app(app: str) -> None:
    """Make ``app`` the rider's choice (a widget callback: the cookie is written next run)."""
    if app in NAV_APPS:
        st.session_state[_KEY] = app
        st.session_state[_PENDING] = app
