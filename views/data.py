"""Data stewardship: planners import, correct, verify and export stations; nothing is lost."""

import streamlit as st

from geo.register.store import StationStore
from ui import data
from ui.auth import sign_in_box
from ui.lang import current_language, tr
from ui.register_edit import RegisterSession, edit_table_tab, export_tab, fix_position_tab, history_tab
from ui.register_import import import_tab

lang = current_language()
st.title(tr("data_title"))
st.caption(tr("data_caption"))
session = RegisterSession(data.stations_or_stop(lang), StationStore(data.stations_path()), sign_in_box("data"), lang)
if session.can_edit and not session.store.writable():
    st.warning(tr("data_folder_read_only"))
session.remember_version()
session.show_message()

# keyed and tracked: an upload or a save reruns the page with other elements, and an untracked
# st.tabs would fall back to the first tab, hiding the preview the planner was reading
tabs = st.tabs([tr("tab_fix"), tr("tab_edit"), tr("tab_import"), tr("tab_history"), tr("tab_export")],
               key="data_tab", on_change="rerun")
for tab, show in zip(tabs, (fix_position_tab, edit_table_tab, import_tab, history_tab, export_tab)):
    with tab:
        show(session)
