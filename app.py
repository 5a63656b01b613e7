"""Gaohe Station Map: Streamlit entry point. Page config, language and the navigation between
the screens in views/ (not pages/: with st.navigation, Streamlit must not see a pages folder)."""

import streamlit as st

from geo.i18n import t
from ui.lang import current_language, language_selector, set_document_language

st.set_page_config(page_title="高河驿站地图 Gaohe Station Map", page_icon="📍", layout="wide")

lang = current_language()
navigation = st.navigation(
    [
        st.Page("views/overview.py", title=t("page_overview", lang), icon="🗺️", default=True, url_path="overview"),
        st.Page("views/rider.py", title=t("page_rider", lang), icon="🛵", url_path="rider"),
        st.Page("views/coverage.py", title=t("page_coverage", lang), icon="📊", url_path="coverage"),
        st.Page("views/gaps.py", title=t("page_gaps", lang), icon="📍", url_path="gaps"),
        st.Page("views/data.py", title=t("page_data", lang), icon="🗂️", url_path="data"),
        st.Page("views/survey.py", title=t("page_survey", lang), icon="✅", url_path="survey"),
        st.Page("views/report.py", title=t("page_report", lang), icon="📷", url_path="report"),
        st.Page("views/triage.py", title=t("page_triage", lang), icon="📋", url_path="triage"),
        st.Page("views/ask.py", title=t("page_task_request", lang), icon="🙋", url_path="ask"),
        st.Page("views/dispatch.py", title=t("page_dispatch", lang), icon="🗂️", url_path="dispatch"),
        st.Page("views/volunteer.py", title=t("page_volunteer", lang), icon="🤝", url_path="volunteer"),
    ],
    position="top",
)
language_selector()
set_document_language()
navigation.run()
