"""Planners triage rider reports: list and map, state changes with who and when (one report or
several at once, e.g. a whole near-duplicate group), the station's correction for station
feedback, counts and exports.

The planner keeps their place: reports they just changed stay in the list (marked) until the
filter changes, the selection stays, and the confirmation appears under the button they pressed.
The parts are ``ui/triage.py``.
"""

import streamlit as st

from ui.auth import sign_in_box
from ui.lang import current_language, tr
from ui.reports import report_store_or_stop
from ui.triage import action_panel, counts_panel, export_panel, load_triage, reports_map_and_table

lang = current_language()
st.title(tr("triage_title"))
st.caption(tr("triage_caption"))

editor = sign_in_box("triage")
if editor is None:
    st.info(tr("triage_sign_in_needed"))
    st.stop()
view = load_triage(report_store_or_stop(lang), editor, lang)
if view.table.empty:
    st.info(tr("triage_none"))
else:
    reports_map_and_table(view)
    action_panel(view)
export_panel(view)
counts_panel(view)
