"""Riders report: a hazard at a place (隐患直报/随手拍), or feedback on one station
(``/report?station=ID``), and look up what became of a report (``/report?code=GH-...``).
Phone first; nothing personal is asked or kept. The forms are ``ui/report_form.py``, the lookup ``ui/report_status.py``.
"""

import secrets

import streamlit as st

from ui.lang import current_language, tr
from ui.report_form import filed_report_box, hazard_form, station_form
from ui.report_status import report_status
from ui.reports import report_store_or_stop

# tap targets of at least 44 px on a phone (Streamlit's buttons and tabs are 40 px)
st.html("<style>.stButton button, [data-testid='stFormSubmitButton'] button, .stLinkButton a, "
        "[data-testid='stTab'], [data-testid='stPageLink'] a {min-height:44px}</style>")
lang = current_language()
store = report_store_or_stop(lang)
st.session_state.setdefault("report_form_key", secrets.token_hex(16))
station_param = st.query_params.get("station")
if (code_param := st.query_params.get("code")) and "report_lookup" not in st.session_state:
    st.session_state["report_lookup"] = code_param

st.header(tr("station_report_title") if station_param else tr("hazard_report_title"))
st.caption(tr("report_privacy"))

filed_report = st.session_state.get("report_filed")
report_label = tr("report_tab_station") if station_param else tr("report_tab_report")
lookup_label = tr("report_tab_lookup")
if st.session_state.get("report_tab") not in (report_label, lookup_label):
    st.session_state.pop("report_tab", None)  # a label of the other language or the other form
report_tab, lookup_tab = st.tabs([report_label, lookup_label], key="report_tab", on_change="rerun",
                                 default=lookup_label if code_param and not filed_report else report_label)
if report_tab.open:
    with report_tab:
        if filed_report is not None:
            filed_report_box(*filed_report)
        elif station_param:
            station_form(store, station_param)
        else:
            hazard_form(store)
if lookup_tab.open:
    with lookup_tab:
        report_status(store)
