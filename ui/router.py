"""Every page runs through app.py's ``st.navigation`` router.

Streamlit still treats a ``pages/`` folder as a v1 multipage app until the first script run
has called ``st.navigation``: the first visitor after a server start who opens a page's URL
directly (``/rider``) would get that page without the router (no language switch, file-name
navigation). Pages call :func:`ensure_router` first; it turns the v1 mode off and reruns, so
the router runs and selects the same page from the URL.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


ROUTER_RAN = "router_ran"


def ensure_router() -> None:
    # once per session is enough: after the router's first run Streamlit stays in v2 mode
    # (Streamlit's AppTest resets the mode before every run; a rerun there would drop clicks)
    if PagesManager.uses_pages_directory and not st.session_state.get(ROUTER_RAN):
        PagesManager.uses_pages_directory = False
        st.rerun()
