"""Gaohe Station Map: Streamlit entry point (a router; pages live in pages/)."""

import streamlit as st

from geo.i18n import t
from ui.lang import current_language, language_selector
from ui.router import ROUTER_RAN

st.set_page_config(page_title="高河驿站地图 Gaohe Station Map", page_icon="📍", layout="wide")

lang = current_language()
st.session_state[ROUTER_RAN] = True
navigation = st.navigation(
    [
        st.Page("pages/overview.py", title=t("page_overview", lang), icon="🗺️", default=True, url_path="overview"),
        st.Page("pages/rider.py", title=t("page_rider", lang), icon="🛵", url_path="rider"),
        st.Page("pages/coverage.py", title=t("page_coverage", lang), icon="📊", url_path="coverage"),
        st.Page("pages/gaps.py", title=t("page_gaps", lang), icon="📍", url_path="gaps"),
        st.Page("pages/data.py", title=t("page_data", lang), icon="🗂️", url_path="data"),
    ],
    position="top",
)
language_selector()
navigation.run()
