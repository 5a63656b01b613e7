"""Residents ask for help (居民点单): meals, medicine, shopping, company, a ride, a repair. Phone
first, no account: the request gets a code and a link (``/ask?code=ZY-...``) that shows what
became of it, lets the resident rate the finished task (评单) or withdraw it."""

import streamlit as st

from ui.lang import current_language, tr
from ui.task_request import filed, request_form, status
from ui.tasks import TAP_TARGETS_CSS, task_store_or_stop

st.html(TAP_TARGETS_CSS)
lang = current_language()
store = task_store_or_stop(lang)
st.header(tr("task_ask_title"))

if code := st.query_params.get("code"):
    status(store, code)
    st.page_link("views/ask.py", label=tr("task_ask_new"), query_params={}, icon="🙋")
    st.stop()

st.caption(tr("task_ask_intro"))
if code := st.session_state.get("task_filed"):
    filed(code)
else:
    request_form(store)



def _look_up() -> None:
    if typed := st.session_state.get("task_lookup", "").strip():
        st.query_params["code"] = typed


with st.expander(tr("task_lookup_title")), st.form("task_lookup_form", border=False, enter_to_submit=False):
    st.text_input(tr("task_lookup_code"), key="task_lookup", placeholder="ZY-XXXX-XXXX")
    st.form_submit_button(tr("task_lookup_go"), on_click=_look_up, width="stretch")
